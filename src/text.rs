//! Text made safe and measured for the terminal: control and bidi characters stripped, widths
//! by display columns so CJK text (two columns a character) lines up.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Characters that reorder text: the overrides and isolates the server refuses on input, and the
/// direction marks, which it accepts in names but which have no business on a terminal line.
pub fn is_bidi_control(c: char) -> bool {
    crm_server::validate::is_bidi_override(c) || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// True for what must never reach a terminal as it is: control characters (escape sequences
/// start with one; C1 controls act on some terminals alone), bidi controls, and the Unicode line
/// and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Removes what could act on the terminal or mislead the eye: control characters (escape
/// sequences start with one), bidi overrides. Tabs and newlines become spaces.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if is_unsafe(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Like [`sanitize`], for text of several lines (messages on stderr, CSV cells): newlines and
/// tabs stay, a carriage return (which would let a line overwrite what came before) goes.
pub fn sanitize_lines(s: &str) -> String {
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect()
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with … when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Cuts or pads `s` with spaces to exactly `columns` display columns.
pub fn fit(s: &str, columns: usize) -> String {
    let mut out = truncate(s, columns);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_never_reach_the_terminal() {
        assert_eq!(sanitize("ACME\x1b[31m red\x07"), "ACME[31m red");
        assert_eq!(sanitize("abc\u{202e}fed"), "abcfed");
        assert_eq!(sanitize("a\tb\nc"), "a b c");
        assert_eq!(sanitize("C1\u{9b}31m and DEL\u{7f}"), "C131m and DEL");
        assert_eq!(sanitize("iso\u{2066}late\u{2069}"), "isolate");
    }

    #[test]
    fn several_lines_keep_their_newlines_but_lose_what_acts_on_the_terminal() {
        assert_eq!(
            sanitize_lines("line 1\r\nline\t2 \u{1b}]0;owned\u{7}\u{202e}"),
            "line 1\nline\t2 ]0;owned"
        );
        assert_eq!(
            sanitize_lines("\u{1b}]52;c;ZXZpbA==\u{7}"),
            "]52;c;ZXZpbA=="
        );
    }

    #[test]
    fn cjk_text_is_measured_in_columns() {
        assert_eq!(width("华为"), 4);
        assert_eq!(truncate("华为技术", 6), "华为…");
        assert_eq!(fit("华为技术", 6), "华为… ");
        assert_eq!(fit("华为", 6), "华为  ");
        assert_eq!(fit("abc", 2), "a…");
        assert_eq!(width(&fit("华为技术有限公司", 7)), 7);
    }
}

/// A caret under the character at `at` (1-based) of `line`, by display width: under a query
/// whose word at `at` is wrong.
pub fn caret(line: &str, at: usize) -> String {
    let before: String = line.chars().take(at.saturating_sub(1)).collect();
    format!("{}^", " ".repeat(width(&before)))
}

#[cfg(test)]
mod caret_tests {
    #[test]
    fn caret_counts_display_columns() {
        assert_eq!(super::caret("level:A", 1), "^");
        // 华东 is four columns wide.
        assert_eq!(
            super::caret("region:华东 levl:A", 11),
            format!("{}^", " ".repeat(12))
        );
    }
}
