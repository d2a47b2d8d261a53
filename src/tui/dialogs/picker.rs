//! A pick-list with a fuzzy filter: enum values, users, stages, contacts, or (dynamic) customers
//! found by the data source's search as the user types.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::{Outcome, Purpose};
use crate::text;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::fuzzy;
use crate::tui::input::LineInput;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What is stored (an enum word, an id).
    pub value: String,
    pub label: String,
    /// Shown muted after the label, and searched too.
    pub detail: String,
}

impl Choice {
    pub fn new(
        value: impl Into<String>,
        label: impl Into<String>,
        detail: impl Into<String>,
    ) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            detail: detail.into(),
        }
    }

    /// An enum word that is its own label.
    pub fn word(w: &str) -> Choice {
        Choice::new(w, w, "")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub title: String,
    pub purpose: Purpose,
    pub filter: LineInput,
    choices: Vec<Choice>,
    /// Indices into `choices` matching the filter, best first.
    shown: Vec<usize>,
    pub selected: usize,
    /// Choices come from the data source per filter (customers), not from fuzzy matching here.
    pub dynamic: bool,
}

impl Picker {
    pub fn new(title: impl Into<String>, purpose: Purpose, choices: Vec<Choice>) -> Picker {
        let mut p = Picker {
            title: title.into(),
            purpose,
            filter: LineInput::default(),
            shown: (0..choices.len()).collect(),
            choices,
            selected: 0,
            dynamic: false,
        };
        p.refilter();
        p
    }

    pub fn dynamic(title: impl Into<String>, purpose: Purpose) -> Picker {
        let mut p = Picker::new(title, purpose, Vec::new());
        p.dynamic = true;
        p
    }

    pub fn with_filter(mut self, filter: &str) -> Picker {
        self.filter.set(filter);
        self.refilter();
        self
    }

    /// Replaces the choices (a dynamic picker's answer from the data source).
    pub fn set_choices(&mut self, choices: Vec<Choice>) {
        self.choices = choices;
        self.refilter();
    }

    /// Puts the cursor on the choice with this value, if shown.
    pub fn select_value(&mut self, value: &str) {
        if let Some(i) = self
            .shown
            .iter()
            .position(|&c| self.choices[c].value == value)
        {
            self.selected = i;
        }
    }

    fn refilter(&mut self) {
        self.shown = if self.dynamic {
            (0..self.choices.len()).collect()
        } else {
            let haystack: Vec<String> = self
                .choices
                .iter()
                .map(|c| format!("{} {}", c.label, c.detail))
                .collect();
            fuzzy::rank(&self.filter.value(), haystack.iter().map(String::as_str))
        };
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    pub fn current(&self) -> Option<&Choice> {
        self.shown.get(self.selected).map(|&i| &self.choices[i])
    }

    pub fn shown(&self) -> impl Iterator<Item = &Choice> {
        self.shown.iter().map(|&i| &self.choices[i])
    }

    pub fn paste(&mut self, text: &str) {
        self.filter.insert(text);
        self.selected = 0;
        self.refilter();
    }

    fn changed(&mut self) -> Outcome {
        self.selected = 0;
        if self.dynamic {
            Outcome::Query(self.filter.value())
        } else {
            self.refilter();
            Outcome::Stay
        }
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Submit => match self.current() {
                Some(c) => Outcome::Picked(c.clone()),
                None => Outcome::Stay,
            },
            Action::Cancel => Outcome::Cancel,
            Action::Down | Action::NextField => {
                if self.selected + 1 < self.shown.len() {
                    self.selected += 1;
                }
                Outcome::Stay
            }
            Action::Up | Action::PrevField => {
                self.selected = self.selected.saturating_sub(1);
                Outcome::Stay
            }
            Action::Key(key) => {
                if matches!(key.code, KeyCode::PageDown) {
                    self.selected = (self.selected + 10).min(self.shown.len().saturating_sub(1));
                    return Outcome::Stay;
                }
                if matches!(key.code, KeyCode::PageUp) {
                    self.selected = self.selected.saturating_sub(10);
                    return Outcome::Stay;
                }
                let before = self.filter.value();
                if self.filter.key(key) && self.filter.value() != before {
                    return self.changed();
                }
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) -> Option<Position> {
        let theme = view.theme;
        let widest = self
            .choices
            .iter()
            .map(|c| {
                text::width(&text::sanitize(&c.label)) + text::width(&text::sanitize(&c.detail)) + 4
            })
            .max()
            .unwrap_or(20)
            .clamp(30, 70) as u16;
        let rows = (self.shown.len() as u16).clamp(3, 14);
        let inner = draw::dialog(buf, area, widest + 4, rows + 4, &self.title, theme);
        if inner.height < 3 {
            return None;
        }
        let popup = theme.style(Role::Popup);
        put_label(buf, inner, "Filter ", theme);
        let input_x = inner.x + 7;
        let input_w = inner.width.saturating_sub(7);
        let (shown, cursor) = self.filter.view(usize::from(input_w.saturating_sub(1)));
        draw::put_fit(
            buf,
            input_x,
            inner.y,
            input_w,
            &shown,
            theme.style(Role::Input),
        );
        let list_top = inner.y + 2;
        let list_h = inner.height.saturating_sub(2);
        if self.shown.is_empty() {
            let msg = if self.dynamic && self.filter.is_empty() {
                "type to search"
            } else {
                "no match"
            };
            draw::put(
                buf,
                inner.x + 1,
                list_top,
                inner.width - 1,
                msg,
                theme.style(Role::Muted),
            );
        }
        let first = (self.selected + 1).saturating_sub(usize::from(list_h));
        for (row, (i, choice)) in self
            .shown()
            .enumerate()
            .skip(first)
            .take(usize::from(list_h))
            .enumerate()
        {
            let y = list_top + row as u16;
            let selected = i == self.selected;
            let style = if selected {
                theme.style(Role::Selection)
            } else {
                popup
            };
            draw::fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
            let used = draw::put(buf, inner.x + 1, y, inner.width - 1, &choice.label, style);
            if !choice.detail.is_empty() {
                let detail_style = if selected {
                    style
                } else {
                    theme.style(Role::Muted)
                };
                let x = inner.x + 2 + used;
                draw::put(
                    buf,
                    x,
                    y,
                    inner.right().saturating_sub(x),
                    &choice.detail,
                    detail_style,
                );
            }
        }
        Some(Position::new(input_x + cursor as u16, inner.y))
    }
}

fn put_label(buf: &mut Buffer, inner: Rect, label: &str, theme: &crate::tui::theme::Theme) {
    draw::put(
        buf,
        inner.x,
        inner.y,
        inner.width,
        label,
        theme.style(Role::Muted),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEvent, KeyModifiers};

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn typing_narrows_and_enter_picks() {
        let words = ["answered", "no_answer", "busy", "voicemail"];
        let mut p = Picker::new(
            "Outcome",
            Purpose::Info,
            words.iter().map(|w| Choice::word(w)).collect(),
        );
        assert_eq!(p.shown().count(), 4);
        p.handle(&key('v'));
        p.handle(&key('m'));
        assert_eq!(p.shown().count(), 1);
        assert_eq!(
            p.handle(&Action::Submit),
            Outcome::Picked(Choice::word("voicemail"))
        );
    }

    #[test]
    fn a_dynamic_picker_asks_for_choices() {
        let mut p = Picker::dynamic("Customer", Purpose::Info);
        assert_eq!(p.handle(&key('华')), Outcome::Query("华".into()));
        p.set_choices(vec![Choice::new("id1", "华为技术有限公司", "C000101")]);
        assert_eq!(p.current().map(|c| c.value.as_str()), Some("id1"));
    }
}
