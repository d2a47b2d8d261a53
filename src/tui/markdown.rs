//! Markdown made readable in a terminal: a small renderer over pulldown-cmark's events for what
//! articles use — headings, paragraphs, lists (bulleted and numbered, nested), emphasis and
//! strong, inline code and code blocks, links (their address shown after the text), block
//! quotes and rules — wrapped to a width (CJK breaks between any two characters, Latin between
//! words). Pure: text in, lines of styled pieces out; drawing maps each `Look` to the theme.
//! Tables, images and HTML are shown as their plain text.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::text;

/// How a piece of text looks; the screen maps each to a theme role and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Text,
    /// A heading's text; level 1 and 2 are also underlined by a line of their own.
    Heading,
    Strong,
    Emphasis,
    Code,
    Link,
    /// Bullets, numbers, quote bars, link addresses, rules.
    Muted,
}

/// One line on screen: its pieces in order.
pub type Line = Vec<(String, Look)>;

/// The article's lines at this width (at least 10 columns).
pub fn lines(markdown: &str, width: usize) -> Vec<Line> {
    let mut r = Renderer {
        width: width.max(10),
        out: Vec::new(),
        block: Vec::new(),
        strong: 0,
        emphasis: 0,
        link: None,
        heading: None,
        code_block: false,
        lists: Vec::new(),
        item_prefix: None,
        quote: 0,
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        r.event(event);
    }
    r.flush();
    while r.out.last().is_some_and(Vec::is_empty) {
        r.out.pop();
    }
    r.out
}

struct Renderer {
    width: usize,
    out: Vec<Line>,
    /// The inline pieces of the block being read.
    block: Vec<(String, Look)>,
    strong: usize,
    emphasis: usize,
    /// The address of the link being read.
    link: Option<String>,
    heading: Option<HeadingLevel>,
    code_block: bool,
    /// Each open list's next number (None: bulleted).
    lists: Vec<Option<u64>>,
    /// The bullet or number the next block starts with.
    item_prefix: Option<String>,
    quote: usize,
}

impl Renderer {
    fn look(&self) -> Look {
        if self.heading.is_some() {
            Look::Heading
        } else if self.link.is_some() {
            Look::Link
        } else if self.strong > 0 {
            Look::Strong
        } else if self.emphasis > 0 {
            Look::Emphasis
        } else {
            Look::Text
        }
    }

    /// The margin of lines in the current lists and quotes.
    fn indent(&self) -> String {
        let mut s = "│ ".repeat(self.quote);
        s.push_str(&"  ".repeat(self.lists.len().saturating_sub(1)));
        s
    }

    fn blank(&mut self) {
        if self.out.last().is_some_and(|l| !l.is_empty()) {
            self.out.push(Vec::new());
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.code_block => {
                let indent = self.indent();
                for line in t.lines() {
                    let mut l: Line = vec![(format!("{indent}    "), Look::Muted)];
                    l.push((line.to_string(), Look::Code));
                    self.out.push(l);
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                let look = self.look();
                self.block.push((t.to_string(), look));
            }
            Event::Code(t) => self.block.push((t.to_string(), Look::Code)),
            Event::SoftBreak => self.block.push((" ".into(), Look::Text)),
            Event::HardBreak => self.block.push(("\n".into(), Look::Text)),
            Event::Rule => {
                self.flush();
                self.out
                    .push(vec![("─".repeat(self.width.min(40)), Look::Muted)]);
                self.out.push(Vec::new());
            }
            Event::TaskListMarker(done) => self
                .block
                .push((if done { "[x] " } else { "[ ] " }.into(), Look::Muted)),
            Event::FootnoteReference(t) => self.block.push((format!("[{t}]"), Look::Muted)),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.block.push((t.to_string(), Look::Code));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.blank();
                self.heading = Some(level);
            }
            Tag::Paragraph => self.flush(),
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code_block = true;
            }
            Tag::List(first) => {
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
                self.lists.push(first);
            }
            Tag::Item => {
                self.flush();
                let mark = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let mark = format!("{n}. ");
                        *n += 1;
                        mark
                    }
                    _ => "• ".to_string(),
                };
                self.item_prefix = Some(mark);
            }
            Tag::Emphasis => self.emphasis += 1,
            Tag::Strong => self.strong += 1,
            Tag::Link { dest_url, .. } => self.link = Some(dest_url.to_string()),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                self.flush();
                if matches!(level, HeadingLevel::H1 | HeadingLevel::H2)
                    && let Some(width) = self
                        .out
                        .last()
                        .map(|l| l.iter().map(|(s, _)| text::width(s)).sum::<usize>())
                {
                    let rule = if level == HeadingLevel::H1 {
                        "═"
                    } else {
                        "─"
                    };
                    self.out.push(vec![(rule.repeat(width), Look::Muted)]);
                }
                self.heading = None;
            }
            TagEnd::Paragraph => {
                self.flush();
                if self.lists.is_empty() {
                    self.out.push(Vec::new());
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.out.push(Vec::new());
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis => self.emphasis = self.emphasis.saturating_sub(1),
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Link => {
                if let Some(url) = self.link.take() {
                    let shown: String = self
                        .block
                        .iter()
                        .rev()
                        .take_while(|(_, l)| *l == Look::Link)
                        .map(|(s, _)| s.as_str())
                        .collect();
                    if !url.is_empty() && shown.trim() != url {
                        self.block.push((format!(" <{url}>"), Look::Muted));
                    }
                }
            }
            _ => {}
        }
    }

    /// Wraps the block read so far into lines, with the item's mark or the margin first.
    fn flush(&mut self) {
        if self.block.is_empty() {
            return;
        }
        let pieces = std::mem::take(&mut self.block);
        let indent = self.indent();
        let (first, rest) = match self.item_prefix.take() {
            Some(mark) => {
                let pad = " ".repeat(text::width(&mark));
                (format!("{indent}{mark}"), format!("{indent}{pad}"))
            }
            None => (indent.clone(), indent),
        };
        let room = self.width.saturating_sub(text::width(&rest)).max(4);
        let mut line: Line = vec![(first, Look::Muted)];
        let mut used = 0usize;
        for (piece, look) in pieces {
            for token in tokens(&piece) {
                if token == "\n" {
                    self.out.push(trimmed(std::mem::take(&mut line)));
                    line.push((rest.clone(), Look::Muted));
                    used = 0;
                    continue;
                }
                let w = text::width(token);
                if used + w > room && used > 0 {
                    self.out.push(trimmed(std::mem::take(&mut line)));
                    line.push((rest.clone(), Look::Muted));
                    used = 0;
                    if token.trim().is_empty() {
                        continue;
                    }
                }
                match line.last_mut() {
                    Some((s, l)) if *l == look && used > 0 => s.push_str(token),
                    _ => line.push((token.to_string(), look)),
                }
                used += w;
            }
        }
        self.out.push(trimmed(line));
    }
}

/// A wrapped line without the spaces it broke after.
fn trimmed(mut line: Line) -> Line {
    loop {
        let pieces = line.len();
        let Some((s, _)) = line.last_mut() else {
            break;
        };
        let kept = s.trim_end().len();
        if kept == 0 && pieces > 1 {
            line.pop();
            continue;
        }
        s.truncate(kept);
        break;
    }
    line
}

/// A piece cut where a line may break: runs of spaces, Latin words, each wide (CJK) character,
/// a hard break.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind = 0u8;
    for (i, c) in s.char_indices() {
        let k = if c == '\n' {
            3
        } else if c.is_whitespace() {
            1
        } else if text::width(c.encode_utf8(&mut [0; 4])) > 1 {
            4
        } else {
            2
        };
        if i > start && (k != kind || k >= 3) {
            out.push(&s[start..i]);
            start = i;
        }
        kind = k;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// A line's text without its looks (tests, plain output).
pub fn plain(line: &Line) -> String {
    line.iter().map(|(s, _)| s.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(md: &str, width: usize) -> Vec<String> {
        lines(md, width).iter().map(plain).collect()
    }

    #[test]
    fn headings_lists_emphasis_code_and_links_read_as_text() {
        let md = "# 打印机卡纸\n\n遇到**卡纸**时：\n\n1. 关机\n2. 打开后盖\n   - 轻轻取出\n\nSee [policy](https://example.com/p) and `Reset`.\n\n```\nE01 power\n```\n";
        let out = lines(md, 60);
        let text: Vec<String> = out.iter().map(plain).collect();
        assert_eq!(text[0], "打印机卡纸");
        assert_eq!(text[1], "══════════", "a level-1 heading is underlined");
        assert!(text.contains(&"1. 关机".to_string()), "{text:?}");
        assert!(text.contains(&"2. 打开后盖".to_string()), "{text:?}");
        assert!(text.contains(&"  • 轻轻取出".to_string()), "{text:?}");
        assert!(
            text.contains(&"See policy <https://example.com/p> and Reset.".to_string()),
            "{text:?}"
        );
        assert!(text.contains(&"    E01 power".to_string()), "{text:?}");
        let strong = out.iter().flatten().find(|(s, _)| s == "卡纸").unwrap();
        assert_eq!(strong.1, Look::Strong);
        assert!(
            out.iter()
                .flatten()
                .any(|(s, l)| s == "Reset" && *l == Look::Code)
        );
        assert!(
            out.iter()
                .flatten()
                .any(|(s, l)| s == "policy" && *l == Look::Link)
        );
    }

    #[test]
    fn lines_wrap_to_the_width_by_words_and_between_cjk_characters() {
        let out = text_of("one two three four five six seven", 12);
        assert!(out.iter().all(|l| text::width(l) <= 12), "{out:?}");
        assert_eq!(out[0], "one two");
        let cjk = text_of("一二三四五六七八九十一二三四五六七八九十", 12);
        assert!(cjk.iter().all(|l| text::width(l) <= 12), "{cjk:?}");
        assert_eq!(cjk[0], "一二三四五六");
        // A list item's continuation lines stand under its text.
        let item = text_of("- alpha beta gamma delta epsilon", 14);
        assert_eq!(item[0], "• alpha beta");
        assert!(item[1].starts_with("  "), "{item:?}");
    }

    #[test]
    fn quotes_are_marked_and_nothing_is_lost() {
        let out = text_of("> 不要用力拉扯纸张\n\nafter", 40);
        assert_eq!(out[0], "│ 不要用力拉扯纸张");
        assert_eq!(out.last().unwrap(), "after");
    }
}
