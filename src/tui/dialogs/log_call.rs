//! Logging a call in as few keys as possible: the outcome from a numbered pick-list in the
//! user's language (a digit picks it, typing filters, Enter takes the highlighted one), who
//! called (on a pop, the contact whose phone matched), when to call back if the caller asked,
//! then an optional note; Enter saves. The outcomes and their labels are the server's table
//! (`crm_server::rules::call_outcomes`).

use chrono::{DateTime, Utc};
use crm_server::rules::call_outcomes::{self, CALLBACK, Lang, OUTCOMES};
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
    /// Who called: one of the customer's contacts, or nobody in particular.
    Caller,
    /// When to call back (only for `callback_requested`).
    Callback,
    Direction,
    Note,
}

/// A contact who may be the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogCall {
    pub customer_id: String,
    pub customer_name: String,
    pub lang: Lang,
    pub filter: LineInput,
    pub selected: usize,
    pub chosen: Option<&'static str>,
    pub inbound: bool,
    /// The customer's contacts, any of whom may be the caller.
    pub callers: Vec<Caller>,
    /// The chosen caller, an index into `callers`.
    pub caller: Option<usize>,
    /// When the call popped: the call lasts from then to the wrap-up.
    pub started: Option<DateTime<Utc>>,
    /// When to call back, as typed (read by `flows::callback_time`).
    pub callback: LineInput,
    pub note: LineInput,
    pub focus: Focus,
}

impl LogCall {
    pub fn new(customer_id: &str, customer_name: &str, inbound: bool) -> LogCall {
        LogCall {
            customer_id: customer_id.to_string(),
            customer_name: customer_name.to_string(),
            lang: Lang::En,
            filter: LineInput::default(),
            selected: 0,
            chosen: None,
            inbound,
            callers: Vec::new(),
            caller: None,
            started: None,
            callback: LineInput::default(),
            note: LineInput::default(),
            focus: Focus::Outcome,
        }
    }

    /// Labels in this language.
    pub fn in_lang(mut self, lang: Lang) -> LogCall {
        self.lang = lang;
        self
    }

    /// The customer's contacts, `matched` (the one whose phone rang) chosen as the caller.
    pub fn with_callers(mut self, callers: Vec<Caller>, matched: Option<usize>) -> LogCall {
        self.caller = matched.filter(|i| *i < callers.len());
        self.callers = callers;
        self
    }

    /// The call popped at `at`: its duration runs from then.
    pub fn started_at(mut self, at: Option<DateTime<Utc>>) -> LogCall {
        self.started = at;
        self
    }

    /// Outcomes matching the filter (by label or code), best first, with their number in the
    /// full list.
    pub fn shown(&self) -> Vec<(usize, &'static str)> {
        let lang = self.lang;
        let names: Vec<String> = OUTCOMES
            .iter()
            .map(|o| format!("{} {}", o.label(lang), o.code))
            .collect();
        fuzzy::rank(&self.filter.value(), names.iter().map(String::as_str))
            .into_iter()
            .map(|i| (i, OUTCOMES[i].code))
            .collect()
    }

    /// The chosen caller's contact id.
    pub fn caller_id(&self) -> Option<&str> {
        self.caller
            .and_then(|i| self.callers.get(i))
            .map(|c| c.id.as_str())
    }

    fn choose(&mut self, outcome: &'static str) {
        self.chosen = Some(outcome);
        self.focus = if outcome == CALLBACK {
            Focus::Callback
        } else {
            Focus::Note
        };
    }

    /// The fields in Tab order; the caller only when there are contacts, the callback time
    /// only when a callback was asked for.
    fn order(&self) -> Vec<Focus> {
        let mut order = vec![Focus::Outcome];
        if !self.callers.is_empty() {
            order.push(Focus::Caller);
        }
        if self.chosen == Some(CALLBACK) {
            order.push(Focus::Callback);
        }
        order.extend([Focus::Direction, Focus::Note]);
        order
    }

    fn step(&mut self, forward: bool) {
        let order = self.order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = order.len();
        self.focus = order[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// The next (or previous) caller, through "nobody in particular".
    fn cycle_caller(&mut self, forward: bool) {
        let n = self.callers.len() + 1;
        let at = self.caller.map_or(0, |i| i + 1);
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.caller = next.checked_sub(1);
    }

    pub fn paste(&mut self, text: &str) {
        match self.focus {
            Focus::Note => self.note.insert(text),
            Focus::Outcome => self.filter.insert(text),
            Focus::Callback => self.callback.insert(text),
            Focus::Direction | Focus::Caller => {}
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
                self.step(true);
                Outcome::Stay
            }
            (_, Action::PrevField | Action::Up) => {
                self.step(false);
                Outcome::Stay
            }
            (Focus::Outcome, Action::Key(key)) => {
                if let KeyCode::Char(c @ '1'..='9') = key.code {
                    if let Some(o) = c.to_digit(10).and_then(call_outcomes::by_digit) {
                        self.choose(o.code);
                    }
                } else if self.filter.key(key) {
                    self.selected = 0;
                }
                Outcome::Stay
            }
            (Focus::Caller, Action::Key(key)) => {
                match key.code {
                    KeyCode::Right | KeyCode::Char(' ' | 'l' | 'j') => self.cycle_caller(true),
                    KeyCode::Left | KeyCode::Char('h' | 'k') => self.cycle_caller(false),
                    _ => {}
                }
                Outcome::Stay
            }
            (Focus::Callback, Action::Key(key)) => {
                self.callback.key(key);
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
        let label_of = |code: &str| call_outcomes::label(code, self.lang);
        let list_h = (OUTCOMES.len() as u16)
            .min(area.height.saturating_sub(12))
            .max(3);
        let title = format!("Log a call · {}", self.customer_name);
        let inner = draw::dialog(
            buf,
            area,
            area.width.saturating_sub(4).min(64),
            list_h + 10,
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
                draw::put(
                    buf,
                    input_x,
                    inner.y,
                    input_w,
                    &label_of(o),
                    theme.style(Role::Ok),
                );
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
            let key_style = if active {
                style
            } else {
                theme.style(Role::Key)
            };
            draw::put(buf, input_x, y, 2, &number, key_style);
            let text = label_of(outcome);
            draw::put(buf, input_x + 2, y, input_w.saturating_sub(2), &text, style);
        }
        let mut y = inner.y + 1 + list_h + 1;
        label(buf, y, "Caller", self.focus == Focus::Caller);
        let caller = match self.caller.and_then(|i| self.callers.get(i)) {
            Some(c) if self.callers.len() > 1 => format!("{}  (←/→ to change)", c.name),
            Some(c) => c.name.clone(),
            None if self.callers.is_empty() => "no contacts".into(),
            None => "not a contact  (←/→ to pick)".into(),
        };
        draw::put(buf, input_x, y, input_w, &caller, theme.style(Role::Text));
        if self.chosen == Some(CALLBACK) {
            y += 1;
            label(buf, y, "Call back", self.focus == Focus::Callback);
            let (s, c) = self.callback.view(usize::from(input_w.saturating_sub(1)));
            let shown = if s.is_empty() && self.focus != Focus::Callback {
                "when? (tomorrow 14:00, +2h)".to_string()
            } else {
                s
            };
            draw::put_fit(buf, input_x, y, input_w, &shown, theme.style(Role::Input));
            if self.focus == Focus::Callback {
                cursor = Some(Position::new(input_x + c as u16, y));
            }
        }
        y += 1;
        label(buf, y, "Direction", self.focus == Focus::Direction);
        let dir = if self.inbound {
            "inbound  (←/→ to change)"
        } else {
            "outbound  (←/→ to change)"
        };
        draw::put(buf, input_x, y, input_w, dir, theme.style(Role::Text));
        y += 1;
        label(buf, y, "Note", self.focus == Focus::Note);
        let (s, c) = self.note.view(usize::from(input_w.saturating_sub(1)));
        draw::put_fit(buf, input_x, y, input_w, &s, theme.style(Role::Input));
        if self.focus == Focus::Note {
            cursor = Some(Position::new(input_x + c as u16, y));
        }
        let hint = match self.chosen {
            Some(CALLBACK) if self.callback.is_empty() => {
                "type when to call back · Enter saves · Tab moves"
            }
            Some(_) => "Enter saves · Tab moves · Esc cancels",
            None => "1-9 or Enter picks the outcome · type to filter",
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
    fn chinese_labels_filter_and_a_digit_picks_by_position() {
        let mut d = LogCall::new("c1", "x", true).in_lang(Lang::Zh);
        for c in "回电".chars() {
            d.handle(&key(c));
        }
        assert_eq!(d.shown().first().map(|s| s.1), Some(CALLBACK));
        d.handle(&Action::Submit);
        assert_eq!(d.chosen, Some(CALLBACK));
        // A callback asks when before the note.
        assert_eq!(d.focus, Focus::Callback);
        let mut d = LogCall::new("c1", "x", true).in_lang(Lang::Zh);
        d.handle(&key('3'));
        assert_eq!(d.chosen, Some("busy"));
        assert_eq!(d.focus, Focus::Note);
    }

    #[test]
    fn the_matched_caller_is_chosen_and_left_right_pick_another_or_none() {
        let callers = vec![
            Caller {
                id: "k1".into(),
                name: "Ann".into(),
            },
            Caller {
                id: "k2".into(),
                name: "Bob".into(),
            },
        ];
        let mut d = LogCall::new("c1", "x", true).with_callers(callers, Some(1));
        assert_eq!(d.caller_id(), Some("k2"));
        d.handle(&key('1'));
        // Tab from the note: outcome, then the caller.
        d.handle(&Action::NextField);
        assert_eq!(d.focus, Focus::Outcome);
        d.handle(&Action::NextField);
        assert_eq!(d.focus, Focus::Caller);
        let right = Action::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
        d.handle(&right);
        assert_eq!(
            d.caller_id(),
            None,
            "after the last contact: nobody in particular"
        );
        d.handle(&right);
        assert_eq!(d.caller_id(), Some("k1"));
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
