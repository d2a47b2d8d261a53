//! Pure text helpers for customer search: what a query means, how stored text is folded, and how
//! phone numbers are reduced to digits so any run of them finds the number.

/// Phone numbers are reduced as the server's duplicate check reduces them.
pub use crm_server::dedupe::phone_digits;
use crm_server::pinyin;

/// What a typed query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing typed: the first customers by name.
    All,
    /// Only digits and phone punctuation: a run of digits in a phone, a code or a name.
    Digits(String),
    /// Words, each of which must occur somewhere (folded to lower case).
    Words(Vec<String>),
}

/// Characters people put in phone numbers besides digits.
fn is_phone_punctuation(c: char) -> bool {
    matches!(c, ' ' | '-' | '+' | '(' | ')' | '.' | '/')
}

pub fn plan(query: &str) -> Plan {
    let q = query.trim();
    if q.is_empty() {
        return Plan::All;
    }
    let digit_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || is_phone_punctuation(c))
        && q.chars().any(|c| c.is_ascii_digit());
    if digit_like {
        return Plan::Digits(query_digits(q));
    }
    Plan::Words(q.split_whitespace().map(fold).collect())
}

/// Lower case, for stored search text and queries alike (the index folds too; LIKE scans rely on
/// this for letters beyond ASCII).
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// The digits of a typed query, without a `+86` or `0086` country prefix written as such.
pub fn query_digits(q: &str) -> String {
    let t = q.trim_start();
    let rest = t
        .strip_prefix("+86")
        .or_else(|| t.strip_prefix("0086"))
        .unwrap_or(t);
    rest.chars().filter(char::is_ascii_digit).collect()
}

/// A Chinese mobile number (11 digits, 13x to 19x), dialled without a trunk 0; anything else is
/// taken for a landline (Beijing's area code 10 also starts with 1, but is 10 digits long).
fn is_mobile(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// The digits field of a search row: each phone as dialled at home — a mobile's 11 digits, a
/// landline with its trunk 0 — so any run typed from it is found, with or without the 0 (and
/// a typed +86 is dropped from the query). One form per phone keeps the index small.
/// Appended to `out`: a first sync prepares rows without a string per field.
pub fn push_digits_text<'a>(phones: impl IntoIterator<Item = &'a str>, out: &mut String) {
    let start = out.len();
    for phone in phones {
        let Some(key) = phone_digits(phone) else {
            continue;
        };
        let trunk = if is_mobile(&key) { "" } else { "0" };
        let written = &out[start..];
        let held = written
            .split(' ')
            .any(|t| t.strip_prefix(trunk) == Some(key.as_str()));
        if !held {
            out.push_str(trunk);
            out.push_str(&key);
            out.push(' ');
        }
    }
    if out.len() > start {
        // Ended by two spaces, for the same reason as `push_search_text`.
        out.push(' ');
    }
}

/// The text field of a search row: the parts on lines of their own, so no match spans two, and
/// ended by two newlines, so that every one- or two-character run starts some indexed trigram
/// (which is how short words are found: `Replica::expand`). A part holding Chinese characters is
/// followed by its pinyin and its syllables' initials, each on a line of its own
/// (`crm_server::pinyin::push_search_forms`): `donghua`, `dong hua` and `dh` then find
/// 上海东华供应链 through the same index and checks as any other text.
/// Appended to `out`.
pub fn push_search_text<'a>(parts: impl IntoIterator<Item = &'a str>, out: &mut String) {
    let start = out.len();
    let mut initials = String::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        push_folded(part, out);
        out.push('\n');
        if pinyin::has_hanzi(part) {
            initials.clear();
            pinyin::push_search_forms(part, out, &mut initials);
            out.push('\n');
            out.push_str(&initials);
            out.push('\n');
        }
    }
    if out.len() > start {
        out.push('\n');
    }
}

/// `fold(s)` appended to `out`, without a string of its own unless `s` holds a capital sigma
/// (whose lower case depends on where it stands, which only `str::to_lowercase` knows).
fn push_folded(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else if s.contains('Σ') {
        out.push_str(&fold(s));
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// A string as one FTS5 phrase: quoted, inner quotes doubled, so nothing typed is syntax.
pub fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// An index query for rows holding every trigram of `word` (three characters or more): the
/// index keeps no positions, so the rows it yields must still be checked for the word itself.
pub fn trigrams(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let grams: Vec<String> = chars
        .windows(3)
        .map(|w| fts_phrase(&w.iter().collect::<String>()))
        .collect();
    grams.join(" AND ")
}

/// A LIKE pattern matching `s` anywhere, with `\` as the escape character.
pub fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The trigram index matches strings of three characters or more; shorter words are scanned.
pub fn indexable(word: &str) -> bool {
    word.chars().count() >= 3
}

/// The exclusive upper bound of a prefix range: every string starting with `prefix` sorts below.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
        let mut out = String::new();
        push_search_text(parts, &mut out);
        out
    }

    fn digits_text<'a>(phones: impl IntoIterator<Item = &'a str>) -> String {
        let mut out = String::new();
        push_digits_text(phones, &mut out);
        out
    }

    #[test]
    fn text_folded_in_place_is_folded_text() {
        for s in [
            "Falcon LLC",
            "华为技术",
            "ΟΔΥΣΣΕΥΣ Trading",
            "İstanbul ǅ",
            "Ärzte GmbH",
        ] {
            let mut out = String::from("x");
            push_folded(s, &mut out);
            assert_eq!(out, format!("x{}", fold(s)), "{s}");
        }
        assert_eq!(search_text([" Falcon ", "", "C001"]), "falcon\nc001\n\n");
        assert_eq!(search_text([""]), "");
    }

    #[test]
    fn chinese_text_is_followed_by_its_pinyin_and_initials() {
        assert_eq!(
            search_text(["上海东华供应链", "C000007"]),
            "上海东华供应链\nshanghaidonghuagongyinglian\nshdhgyl\nc000007\n\n"
        );
    }

    #[test]
    fn plans() {
        assert_eq!(plan("  "), Plan::All);
        assert_eq!(plan("138-0013"), Plan::Digits("1380013".into()));
        assert_eq!(plan("+86 138 0013"), Plan::Digits("1380013".into()));
        assert_eq!(plan("(010) 1234"), Plan::Digits("0101234".into()));
        assert_eq!(
            plan("华为 Shenzhen"),
            Plan::Words(vec!["华为".into(), "shenzhen".into()])
        );
        assert_eq!(plan("C000123"), Plan::Words(vec!["c000123".into()]));
        assert_eq!(plan("-"), Plan::Words(vec!["-".into()]));
    }

    #[test]
    fn digits_hold_each_phone_as_dialled() {
        assert_eq!(
            digits_text(["+86 10-1234 5678", "", "+86 138 0013 8000", "010 12345678"]),
            "01012345678 13800138000  "
        );
        assert_eq!(digits_text(["0571-42498151 转 6218"]), "057142498151  ");
    }

    #[test]
    fn escaping() {
        assert_eq!(fts_phrase("a\"b"), "\"a\"\"b\"");
        assert_eq!(like_pattern("50%_\\"), "%50\\%\\_\\\\%");
        assert!(indexable("华为技") && !indexable("华为"));
        assert_eq!(trigrams("华为技术"), "\"华为技\" AND \"为技术\"");
        assert_eq!(trigrams("a\"bc"), "\"a\"\"b\" AND \"\"\"bc\"");
    }
}
