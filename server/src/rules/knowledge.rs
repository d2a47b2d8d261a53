//! The knowledge base's rules, defined once: how a link to an article is written into a reply
//! (`link`), how the articles a text links are found again (`linked_numbers`), which edit keeps a
//! version (`keeps_version`), and which words of a ticket suggest articles (`suggestion_words`).

use super::numbers::Number;

/// The text `y` inserts into a reply for an article: its number and title.
pub fn link(number: &str, title: &str) -> String {
    format!("[{number}] {title}")
}

/// The article numbers (`KB-000123`) a text holds, each once, in the order first seen.
pub fn linked_numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut from = 0;
    while let Some(at) = upper[from..].find("KB-") {
        let start = from + at;
        let mut end = start + 3;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        // A number stands alone: not the tail of a longer word.
        let alone = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        if alone && let Some(n @ Number::Article(_)) = Number::parse(&upper[start..end]) {
            let n = n.to_string();
            if !out.contains(&n) {
                out.push(n);
            }
        }
        from = end.max(start + 3);
    }
    out
}

/// An edit keeps the earlier version when it changes what is read: the title or the body.
pub fn keeps_version(old_title: &str, old_body: &str, title: &str, body: &str) -> bool {
    old_title != title || old_body != body
}

/// The words of a ticket's subject worth searching articles for: split on white space and
/// punctuation, short Latin words and a list of empty words left out; Chinese runs kept whole.
pub fn suggestion_words(subject: &str) -> Vec<String> {
    const EMPTY: &[&str] = &[
        "the", "and", "for", "with", "not", "can", "cannot", "does", "from", "our", "has", "have",
        "after", "when", "问题", "无法", "不能",
    ];
    let mut out: Vec<String> = Vec::new();
    for word in subject
        .split(|c: char| {
            c.is_whitespace()
                || (c.is_ascii_punctuation() && c != '-')
                || "，。、：；！？（）".contains(c)
        })
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        let latin = lower.is_ascii();
        if (latin && lower.chars().count() < 3) || EMPTY.contains(&lower.as_str()) {
            continue;
        }
        if !out.contains(&lower) {
            out.push(lower);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_numbers_are_found_once_and_only_whole() {
        let text =
            "See [KB-000012] Reset, and kb-000012 again; also KB-000003. Not XKB-000004 nor KB-12.";
        assert_eq!(linked_numbers(text), ["KB-000012", "KB-000003"]);
        assert_eq!(
            linked_numbers(&link("KB-000007", "打印机卡纸")),
            ["KB-000007"]
        );
        assert!(linked_numbers("K-000001 C000001 T-000001").is_empty());
    }

    #[test]
    fn only_title_or_body_changes_keep_a_version() {
        assert!(keeps_version("a", "b", "a", "c"));
        assert!(keeps_version("a", "b", "x", "b"));
        assert!(!keeps_version("a", "b", "a", "b"));
    }

    #[test]
    fn suggestion_words_leave_out_short_and_empty_words() {
        assert_eq!(
            suggestion_words("Printer does not print, 打印机 卡纸"),
            ["printer", "print", "打印机", "卡纸"]
        );
        assert!(suggestion_words("an it of").is_empty());
    }
}
