//! Names as a Chinese reader spells and orders them: the pinyin a name is searched by (`dh`,
//! `donghua`, `dong hua` find 上海东华供应链) and the key lists sort names by, so Chinese and
//! Latin names interleave alphabetically (阿里巴巴, Baidu, 长城, 东华, zeta) instead of every
//! Chinese name following every Latin one in code-point order. Pure; the replica's search index
//! and its list order, and anything else that orders names, call these and nothing else.
//!
//! A character's reading is the `pinyin` crate's first, its most common one. Where that is wrong
//! in a word common in company and place names (长 is `zhang` on its own, `chang` in 长沙; 行 is
//! `xing`, `hang` in 银行), [`WORDS`] gives the word's reading. Other polyphonic characters take
//! their most common reading: 曾 as a surname sorts as `ceng`, not `zeng`.

use pinyin::ToPinyin;

/// Words whose reading differs from their characters' most common ones, as syllables. Kept to
/// words frequent in customer names (cities, banks, trades); a word here is read this way
/// wherever it occurs.
const WORDS: &[(&str, [&str; 2])] = &[
    ("银行", ["yin", "hang"]),
    ("商行", ["shang", "hang"]),
    ("车行", ["che", "hang"]),
    ("行业", ["hang", "ye"]),
    ("重庆", ["chong", "qing"]),
    ("成都", ["cheng", "du"]),
    ("首都", ["shou", "du"]),
    ("都市", ["du", "shi"]),
    ("厦门", ["xia", "men"]),
    ("长沙", ["chang", "sha"]),
    ("长春", ["chang", "chun"]),
    ("长城", ["chang", "cheng"]),
    ("长江", ["chang", "jiang"]),
    ("长安", ["chang", "an"]),
    ("长兴", ["chang", "xing"]),
    ("会计", ["kuai", "ji"]),
    ("朝阳", ["chao", "yang"]),
    ("音乐", ["yin", "yue"]),
];

/// The first characters of the words of [`WORDS`].
const WORD_STARTS: &[char] = &[
    '银', '商', '车', '行', '重', '成', '首', '都', '厦', '长', '会', '朝', '音',
];

/// One piece of a name read aloud: a syllable of a Chinese character, or any other character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Syllable(&'static str),
    Other(char),
}

/// The pieces of `name`, in order: each character with a reading as its syllable (a word of
/// [`WORDS`] as its syllables), every other character as it is.
fn pieces(name: &str) -> impl Iterator<Item = Piece> + '_ {
    let mut rest = name;
    let mut pending: Option<&'static str> = None;
    std::iter::from_fn(move || {
        if let Some(second) = pending.take() {
            return Some(Piece::Syllable(second));
        }
        let c = rest.chars().next()?;
        // Most characters start no word of WORDS: looked up only for those that do.
        if WORD_STARTS.contains(&c)
            && let Some((word, [first, second])) = WORDS.iter().find(|(w, _)| rest.starts_with(w))
        {
            rest = &rest[word.len()..];
            pending = Some(second);
            return Some(Piece::Syllable(first));
        }
        rest = &rest[c.len_utf8()..];
        Some(match c.to_pinyin() {
            Some(p) => Piece::Syllable(p.plain()),
            None => Piece::Other(c),
        })
    })
}

/// Whether `name` holds a character read in pinyin (no pinyin forms are needed otherwise).
pub fn has_hanzi(name: &str) -> bool {
    !name.is_ascii() && name.chars().any(|c| c.to_pinyin().is_some())
}

/// What a name is found by beside its own text, appended to `full` and `initials`: its pinyin
/// without spaces (`shanghaidonghuagongyinglian`, so `donghua` and the words of `dong hua` are
/// found in it) and the first letters of its syllables (`shdhgyl`, so `dh` is). Letters and
/// digits between the characters are kept, in lower case (`TCL集团`: `tcljituan`, `tcljt`);
/// spaces and punctuation are left out. Nothing is appended for a name without Chinese
/// characters: its own text is what it is found by.
pub fn push_search_forms(name: &str, full: &mut String, initials: &mut String) {
    if !has_hanzi(name) {
        return;
    }
    for piece in pieces(name) {
        match piece {
            Piece::Syllable(s) => {
                full.push_str(s);
                initials.extend(s.chars().next());
            }
            Piece::Other(c) if c.is_alphanumeric() => {
                full.extend(c.to_lowercase());
                initials.extend(c.to_lowercase());
            }
            Piece::Other(_) => {}
        }
    }
}

/// The key names sort by: Chinese characters as their pinyin syllables, one space between
/// syllables (dictionary order: 西安 `xi an` before 夏 `xia`), everything else in lower case,
/// runs of spaces as one. `上海东华` → `shang hai dong hua`, `Baidu Inc.` → `baidu inc.`.
/// Equal keys (同音字, or a name in two cases) are ordered by the caller (by id or row).
pub fn sort_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    push_sort_key(name, &mut out);
    out
}

/// [`sort_key`] appended to `out` (a replica's first sync keeps a row's texts in one buffer).
pub fn push_sort_key(name: &str, out: &mut String) {
    let start = out.len();
    // A space sets the next piece apart, unless the key is empty so far or ends in one.
    let space = |out: &mut String| {
        if out.len() > start && !out.ends_with(' ') {
            out.push(' ');
        }
    };
    // The last piece was a syllable: anything but a space after it is set apart by one.
    let mut after_syllable = false;
    for piece in pieces(name.trim()) {
        match piece {
            Piece::Syllable(s) => {
                space(out);
                out.push_str(s);
                after_syllable = true;
            }
            Piece::Other(c) if c.is_whitespace() => {
                space(out);
                after_syllable = false;
            }
            Piece::Other(c) => {
                if after_syllable {
                    space(out);
                }
                out.extend(c.to_lowercase());
                after_syllable = false;
            }
        }
    }
    let end = start + out[start..].trim_end().len();
    out.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(name: &str) -> (String, String) {
        let (mut full, mut initials) = (String::new(), String::new());
        push_search_forms(name, &mut full, &mut initials);
        (full, initials)
    }

    #[test]
    fn a_chinese_name_is_found_by_its_pinyin_and_initials() {
        assert_eq!(
            forms("上海东华供应链"),
            ("shanghaidonghuagongyinglian".into(), "shdhgyl".into())
        );
        assert_eq!(forms("TCL 集团"), ("tcljituan".into(), "tcljt".into()));
        assert_eq!(forms("Falcon Trading LLC"), (String::new(), String::new()));
    }

    #[test]
    fn every_word_is_listed_by_its_first_character() {
        for (word, _) in WORDS {
            assert!(
                word.chars()
                    .next()
                    .is_some_and(|c| WORD_STARTS.contains(&c)),
                "{word}"
            );
        }
    }

    #[test]
    fn words_read_otherwise_take_their_reading() {
        assert_eq!(forms("招商银行").0, "zhaoshangyinhang");
        assert_eq!(forms("重庆长安").0, "chongqingchangan");
        assert_eq!(sort_key("长城"), "chang cheng");
        // On its own a polyphonic character takes its most common reading.
        assert_eq!(sort_key("长"), "zhang");
        assert_eq!(sort_key("行"), "xing");
    }

    #[test]
    fn sort_keys_interleave_chinese_and_latin_names() {
        assert_eq!(sort_key("上海东华"), "shang hai dong hua");
        assert_eq!(sort_key("  Baidu   Inc. "), "baidu inc.");
        assert_eq!(sort_key("华为Technologies"), "hua wei technologies");
        assert_eq!(sort_key("3M中国"), "3m zhong guo");
        let mut out = String::from("x ");
        push_sort_key(" 东华 ", &mut out);
        assert_eq!(out, "x dong hua", "appended as the key itself");
        let mut names = [
            "zeta",
            "东华",
            "长城",
            "Baidu",
            "阿里巴巴",
            "Apple",
            "北京东方",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            [
                "阿里巴巴",
                "Apple",
                "Baidu",
                "北京东方",
                "长城",
                "东华",
                "zeta"
            ]
        );
        // Syllable by syllable, as a dictionary orders them.
        let mut places = ["夏", "西安"];
        places.sort_by_key(|n| sort_key(n));
        assert_eq!(places, ["西安", "夏"]);
    }
}
