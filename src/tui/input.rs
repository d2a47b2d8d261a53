//! A one-line text input with a cursor, measured in display columns so CJK input lines up.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::text;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    chars: Vec<char>,
    /// Cursor position in characters.
    cursor: usize,
}

impl LineInput {
    pub fn new(value: &str) -> LineInput {
        let chars: Vec<char> = text::sanitize(value).chars().collect();
        let cursor = chars.len();
        LineInput { chars, cursor }
    }

    pub fn value(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn set(&mut self, value: &str) {
        *self = LineInput::new(value);
    }

    pub fn clear(&mut self) {
        self.chars.clear();
        self.cursor = 0;
    }

    /// Inserts text (typed or pasted) with control and bidi characters removed.
    pub fn insert(&mut self, s: &str) {
        for c in text::sanitize(s).chars() {
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// Applies an editing key; false when the key is not an editing key.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.insert(c.encode_utf8(&mut [0; 4]));
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.chars.len(),
            KeyCode::Char('u') if ctrl => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            KeyCode::Char('k') if ctrl => self.chars.truncate(self.cursor),
            KeyCode::Char('w') if ctrl => {
                let mut start = self.cursor;
                while start > 0 && self.chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.chars[start - 1] != ' ' {
                    start -= 1;
                }
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.chars.len(),
            _ => return false,
        }
        true
    }

    /// The start of the text in `width` columns, for a field without the focus.
    pub fn head(&self, width: usize) -> String {
        crate::text::truncate(&self.value(), width)
    }

    /// The part to show in `width` columns, and the cursor's column within it.
    pub fn view(&self, width: usize) -> (String, usize) {
        if width == 0 {
            return (String::new(), 0);
        }
        let col = |cs: &[char]| {
            cs.iter()
                .map(|c| text::width(c.encode_utf8(&mut [0; 4])))
                .sum::<usize>()
        };
        // Scroll so the cursor stays inside, leaving room for it at the end.
        let mut start = 0;
        while col(&self.chars[start..self.cursor]) >= width {
            start += 1;
        }
        let mut shown = String::new();
        let mut used = 0;
        for c in &self.chars[start..] {
            let w = text::width(c.encode_utf8(&mut [0; 4]));
            if used + w > width {
                break;
            }
            shown.push(*c);
            used += w;
        }
        (shown, col(&self.chars[start..self.cursor]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut LineInput, code: KeyCode) {
        input.key(&KeyEvent::new(code, KeyModifiers::NONE));
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut i = LineInput::new("华为");
        press(&mut i, KeyCode::Left);
        press(&mut i, KeyCode::Char('x'));
        assert_eq!(i.value(), "华x为");
        press(&mut i, KeyCode::Backspace);
        press(&mut i, KeyCode::Backspace);
        assert_eq!(i.value(), "为");
        i.insert("a\x1b[31mb\u{202e}");
        assert_eq!(i.value(), "a[31mb为");
    }

    #[test]
    fn the_view_keeps_the_cursor_visible_in_columns() {
        let i = LineInput::new("华为技术有限公司");
        let (shown, cursor) = i.view(6);
        assert!(text::width(&shown) <= 6);
        assert!(cursor <= 6);
        assert!(shown.ends_with('司'));
    }
}
