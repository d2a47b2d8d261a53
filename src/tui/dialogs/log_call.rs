//! Logging a call in as few keys as possible: the outcome from a numbered pick-list (a digit
//! picks it, typing filters, Enter takes the highlighted one), then an optional note; Enter saves.

use crm_server::schema::CALL_OUTCOMES;
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::Outcome;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::fuzzy;
use crate::tui::input::LineInput;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Outcome,
    Direction,
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogCall {
    pub customer_id: String,
    pub customer_name: String,
    pub filter: LineInput,
    pub selected: usize,
    pub chosen: Option<&'static str>,
    pub inbound: bool,
    pub note: LineInput,
    pub focus: Focus,
}

impl LogCall {
    pub fn new(customer_id: &str, customer_name: &str, inbound: bool) -> LogCall {
        LogCall {
            customer_id: customer_id.to_string(),
            customer_name: customer_name.to_string(),
            filter: LineInput::default(),
            selected: 0,
            chosen: None,
            inbound,
            note: LineInput::default(),
            focus: Focus::Outcome,
        }
    }

    /// Outcomes matching the filter, best first, with their number in the full list.
    pub fn shown(&self) -> Vec<(usize, &'static str)> {
        fuzzy::rank(&self.filter.value(), CALL_OUTCOMES.iter().copied())
            .into_iter()
            .map(|i| (i, CALL_OUTCOMES[i]))
            .collect()
    }

    fn choose(&mut self, outcome: &'static str) {
        self.chosen = Some(outcome);
        self.focus = Focus::Note;
    }

    pub fn paste(&mut self, text: &str) {
        match self.focus {
            Focus::Note => self.note.insert(text),
            Focus::Outcome => self.filter.insert(text),
            Focus::Direction => {}
        }
    }

    fn save(&self) -> Outcome {
        match self.chosen {
            Some(outcome) => Outcome::LogCall {
                outcome,
                direction: if self.inbound { "inbound" } else { "outbound" },
                note: self.note.value().trim().to_string(),
            },
            None => Outcome::Stay,
        }
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        match (self.focus, action) {
            (_, Action::Cancel) => Outcome::Cancel,
            (Focus::Outcome, Action::Submit) => {
                if let Some((_, o)) = self.shown().get(self.selected).copied() {
                    self.choose(o);
                }
                Outcome::Stay
            }
            (_, Action::Submit) => self.save(),
            (Focus::Outcome, Action::Down) => {
                self.selected = (self.selected + 1).min(self.shown().len().saturating_sub(1));
                Outcome::Stay
            }
            (Focus::Outcome, Action::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Outcome::Stay
            }
            (_, Action::NextField | Action::Down) => {
                self.focus = match self.focus {
                    Focus::Outcome => Focus::Direction,
                    Focus::Direction => Focus::Note,
                    Focus::Note => Focus::Outcome,
                };
                Outcome::Stay
            }
            (_, Action::PrevField | Action::Up) => {
                self.focus = match self.focus {
                    Focus::Outcome => Focus::Note,
                    Focus::Direction => Focus::Outcome,
                    Focus::Note => Focus::Direction,
                };
                Outcome::Stay
            }
            (Focus::Outcome, Action::Key(key)) => {
                if let KeyCode::Char(c @ '1'..='9') = key.code {
                    let n = c as usize - '1' as usize;
                    if let Some(o) = CALL_OUTCOMES.get(n) {
                        self.choose(o);
                    }
                } else if self.filter.key(key) {
                    self.selected = 0;
                }
                Outcome::Stay
            }
            (Focus::Direction, Action::Key(key)) => {
                if matches!(
                    key.code,
                    KeyCode::Left
                        | KeyCode::Right
                        | KeyCode::Char(' ')
                        | KeyCode::Char('i')
                        | KeyCode::Char('o')
                ) {
                    self.inbound = match key.code {
                        KeyCode::Char('i') => true,
                        KeyCode::Char('o') => false,
                        _ => !self.inbound,
                    };
                }
                Outcome::Stay
            }
            (Focus::Note, Action::Key(key)) => {
                self.note.key(key);
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) -> Option<Position> {
        let theme = view.theme;
        let shown = self.shown();
        let list_h = (CALL_OUTCOMES.len() as u16)
            .min(area.height.saturating_sub(10))
            .max(3);
        let title = format!("Log a call · {}", self.customer_name);
        let inner = draw::dialog(
            buf,
            area,
            area.width.saturating_sub(4).min(64),
            list_h + 8,
            &title,
            theme,
        );
        if inner.height < 6 {
            return None;
        }
        let label = |buf: &mut Buffer, y: u16, s: &str, focused: bool| {
            let style = if focused {
                theme.style(Role::Accent)
            } else {
                theme.style(Role::Muted)
            };
            draw::put(buf, inner.x, y, 10, s, style);
        };
        let mut cursor = None;
        label(buf, inner.y, "Outcome", self.focus == Focus::Outcome);
        let input_x = inner.x + 10;
        let input_w = inner.width.saturating_sub(10);
        match (self.chosen, self.focus) {
            (Some(o), f) if f != Focus::Outcome => {
                draw::put(buf, input_x, inner.y, input_w, o, theme.style(Role::Ok));
            }
            _ => {
                let (s, c) = self.filter.view(usize::from(input_w.saturating_sub(1)));
                draw::put_fit(buf, input_x, inner.y, input_w, &s, theme.style(Role::Input));
                if self.focus == Focus::Outcome {
                    cursor = Some(Position::new(input_x + c as u16, inner.y));
                }
            }
        }
        let first = (self.selected + 1).saturating_sub(usize::from(list_h));
        for (row, (i, (n, outcome))) in shown
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(list_h))
            .enumerate()
        {
            let y = inner.y + 1 + row as u16;
            let active = self.focus == Focus::Outcome && i == self.selected;
            let chosen = self.chosen == Some(*outcome);
            let style = if active {
                theme.style(Role::Selection)
            } else if chosen {
                theme.style(Role::Ok)
            } else {
                theme.style(Role::Popup)
            };
            draw::fill(buf, Rect::new(input_x, y, input_w, 1), style);
            let number = if *n < 9 {
                format!("{} ", n + 1)
            } else {
                "  ".into()
            };
            draw::put(
                buf,
                input_x,
                y,
                2,
                &number,
                if active {
                    style
                } else {
                    theme.style(Role::Key)
                },
            );
            draw::put(
                buf,
                input_x + 2,
                y,
                input_w.saturating_sub(2),
                outcome,
                style,
            );
        }
        let y = inner.y + 1 + list_h + 1;
        label(buf, y, "Direction", self.focus == Focus::Direction);
        let dir = if self.inbound {
            "inbound  (←/→ to change)"
        } else {
            "outbound  (←/→ to change)"
        };
        draw::put(buf, input_x, y, input_w, dir, theme.style(Role::Text));
        let y = y + 1;
        label(buf, y, "Note", self.focus == Focus::Note);
        let (s, c) = self.note.view(usize::from(input_w.saturating_sub(1)));
        draw::put_fit(buf, input_x, y, input_w, &s, theme.style(Role::Input));
        if self.focus == Focus::Note {
            cursor = Some(Position::new(input_x + c as u16, y));
        }
        let hint = if self.chosen.is_some() {
            "Enter saves · Tab moves · Esc cancels"
        } else {
            "1-9 or Enter picks the outcome · type to filter"
        };
        draw::put(
            buf,
            inner.x,
            inner.bottom().saturating_sub(1),
            inner.width,
            hint,
            theme.style(Role::Muted),
        );
        cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEvent, KeyModifiers};

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn a_digit_picks_and_enter_saves() {
        let mut d = LogCall::new("c1", "x", false);
        d.handle(&key('2'));
        assert_eq!(d.chosen, Some("no_answer"));
        assert_eq!(
            d.handle(&Action::Submit),
            Outcome::LogCall {
                outcome: "no_answer",
                direction: "outbound",
                note: String::new()
            }
        );
    }

    #[test]
    fn typing_filters_then_enter_picks_then_a_note() {
        let mut d = LogCall::new("c1", "x", true);
        for c in "voice".chars() {
            d.handle(&key(c));
        }
        d.handle(&Action::Submit);
        assert_eq!(d.chosen, Some("voicemail"));
        for c in "left msg".chars() {
            d.handle(&key(c));
        }
        assert!(
            matches!(d.handle(&Action::Submit), Outcome::LogCall { outcome: "voicemail", direction: "inbound", ref note } if note == "left msg")
        );
    }
}
