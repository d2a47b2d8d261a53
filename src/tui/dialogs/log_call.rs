//! Logging a call in as few keys as possible: the wrap-up code from a pick-list in the user's
//! language (its digit picks it, typing filters, Enter takes the highlighted one), who called
//! (on a pop, the contact whose phone matched), the follow-up the code asks for (when to call
//! back, or a ticket's subject; required ones must be given), then an optional note; Enter
//! saves. The codes are the admin's `wrap_up_codes`, read through
//! `crm_server::rules::call_outcomes`.

use chrono::{DateTime, Utc};
use crm_server::rules::call_outcomes::{FollowUp, Lang, WrapUp};
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
    /// When to call back (a code whose follow-up is a callback).
    Callback,
    /// The subject of the ticket to open (a code whose follow-up is a ticket).
    Ticket,
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
    /// The wrap-up codes offered, by digit.
    pub codes: Vec<WrapUp>,
    /// The chosen code, an index into `codes`.
    pub chosen: Option<usize>,
    pub inbound: bool,
    /// The customer's contacts, any of whom may be the caller.
    pub callers: Vec<Caller>,
    /// The chosen caller, an index into `callers`.
    pub caller: Option<usize>,
    /// When the call popped or its timer started: the talk lasts from then to the hang-up.
    pub started: Option<DateTime<Utc>>,
    /// When the agent hung up: after-call work runs from then to the wrap-up.
    pub hung_up: Option<DateTime<Utc>>,
    /// When to call back, as typed (read by `flows::callback_time`).
    pub callback: LineInput,
    /// The subject of the ticket the call opens.
    pub ticket: LineInput,
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
            codes: Vec::new(),
            chosen: None,
            inbound,
            callers: Vec::new(),
            caller: None,
            started: None,
            hung_up: None,
            callback: LineInput::default(),
            ticket: LineInput::default(),
            note: LineInput::default(),
            focus: Focus::Outcome,
        }
    }

    /// The wrap-up codes to offer (`call_outcomes::offered`).
    pub fn with_codes(mut self, codes: Vec<WrapUp>) -> LogCall {
        self.codes = codes;
        self
    }

    /// The chosen wrap-up code.
    pub fn code(&self) -> Option<&WrapUp> {
        self.chosen.and_then(|i| self.codes.get(i))
    }

    /// The chosen code's follow-up.
    pub fn follow_up(&self) -> FollowUp {
        self.code().map_or(FollowUp::None, |c| c.follow_up)
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

    /// The running call's timer, when there is one (it wins over the pop's time).
    pub fn timed(mut self, call: Option<crate::tui::call::CallTimer>) -> LogCall {
        if let Some(c) = call {
            self.started = Some(c.started);
            self.hung_up = c.hung_up;
        }
        self
    }

    /// The call popped at `at`: its duration runs from then.
    pub fn started_at(mut self, at: Option<DateTime<Utc>>) -> LogCall {
        self.started = self.started.or(at);
        self
    }

    /// Codes matching the filter (by label or code), best first, as indexes into `codes`.
    pub fn shown(&self) -> Vec<usize> {
        let lang = self.lang;
        let names: Vec<String> = self
            .codes
            .iter()
            .map(|o| format!("{} {}", o.label(lang), o.code))
            .collect();
        fuzzy::rank(&self.filter.value(), names.iter().map(String::as_str))
    }

    /// The chosen caller's contact id.
    pub fn caller_id(&self) -> Option<&str> {
        self.caller
            .and_then(|i| self.callers.get(i))
            .map(|c| c.id.as_str())
    }

    fn choose(&mut self, index: usize) {
        self.chosen = Some(index);
        self.focus = match self.follow_up() {
            FollowUp::Callback => Focus::Callback,
            FollowUp::Ticket => Focus::Ticket,
            FollowUp::None => Focus::Note,
        };
    }

    /// The fields in Tab order; the caller only when there are contacts, the callback time
    /// or the ticket's subject only when the code asks for one.
    fn order(&self) -> Vec<Focus> {
        let mut order = vec![Focus::Outcome];
        if !self.callers.is_empty() {
            order.push(Focus::Caller);
        }
        match self.follow_up() {
            FollowUp::Callback => order.push(Focus::Callback),
            FollowUp::Ticket => order.push(Focus::Ticket),
            FollowUp::None => {}
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
            Focus::Ticket => self.ticket.insert(text),
            Focus::Direction | Focus::Caller => {}
        }
    }

    /// What a required follow-up still lacks, said in the dialog's hint.
    pub fn missing(&self) -> Option<&'static str> {
        let code = self.code()?;
        if !code.required {
            return None;
        }
        match code.follow_up {
            FollowUp::Callback if self.callback.value().trim().is_empty() => {
                Some("this code needs a callback time")
            }
            FollowUp::Ticket if self.ticket.value().trim().is_empty() => {
                Some("this code needs a ticket: type its subject")
            }
            _ => None,
        }
    }

    /// The chosen code's answer; what a required follow-up lacks is the flow's to say
    /// (`flows::log_call`), the dialog staying open on it.
    fn save(&mut self) -> Outcome {
        let Some(code) = self.code() else {
            return Outcome::Stay;
        };
        let outcome = code.code.clone();
        if self.missing().is_some() {
            self.focus = match self.follow_up() {
                FollowUp::Ticket => Focus::Ticket,
                _ => Focus::Callback,
            };
        }
        Outcome::LogCall {
            outcome,
            direction: if self.inbound { "inbound" } else { "outbound" },
            note: self.note.value().trim().to_string(),
        }
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        match (self.focus, action) {
            (_, Action::Cancel) => Outcome::Cancel,
            (Focus::Outcome, Action::Submit) => {
                if let Some(i) = self.shown().get(self.selected).copied() {
                    self.choose(i);
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
                if let KeyCode::Char(c @ '0'..='9') = key.code {
                    let digit = c.to_digit(10).unwrap_or(0);
                    if let Some(i) = self.codes.iter().position(|w| w.digit == digit) {
                        self.choose(i);
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
            (Focus::Ticket, Action::Key(key)) => {
                self.ticket.key(key);
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
        let label_of = |i: usize| {
            self.codes
                .get(i)
                .map_or_else(String::new, |w| w.label(self.lang).to_string())
        };
        let list_h = (self.codes.len().max(1) as u16)
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
        if self.codes.is_empty() {
            draw::put(
                buf,
                input_x,
                inner.y + 1,
                input_w,
                "no wrap-up codes: an admin defines them (:list wrap_up_codes)",
                theme.style(Role::Warn),
            );
        }
        let first = (self.selected + 1).saturating_sub(usize::from(list_h));
        for (row, (i, n)) in shown
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(list_h))
            .enumerate()
        {
            let y = inner.y + 1 + row as u16;
            let active = self.focus == Focus::Outcome && i == self.selected;
            let chosen = self.chosen == Some(*n);
            let style = if active {
                theme.style(Role::Selection)
            } else if chosen {
                theme.style(Role::Ok)
            } else {
                theme.style(Role::Popup)
            };
            draw::fill(buf, Rect::new(input_x, y, input_w, 1), style);
            let number = self
                .codes
                .get(*n)
                .map_or_else(|| "  ".into(), |w| format!("{} ", w.digit));
            let key_style = if active {
                style
            } else {
                theme.style(Role::Key)
            };
            draw::put(buf, input_x, y, 2, &number, key_style);
            let text = label_of(*n);
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
        if self.follow_up() == FollowUp::Ticket {
            y += 1;
            label(buf, y, "Ticket", self.focus == Focus::Ticket);
            let (s, c) = self.ticket.view(usize::from(input_w.saturating_sub(1)));
            let shown = if s.is_empty() && self.focus != Focus::Ticket {
                "subject of the ticket to open".to_string()
            } else {
                s
            };
            draw::put_fit(buf, input_x, y, input_w, &shown, theme.style(Role::Input));
            if self.focus == Focus::Ticket {
                cursor = Some(Position::new(input_x + c as u16, y));
            }
        }
        if self.follow_up() == FollowUp::Callback {
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
        let hint = match (self.chosen, self.missing()) {
            (Some(_), Some(missing)) => missing,
            (Some(_), None)
                if self.follow_up() == FollowUp::Callback && self.callback.is_empty() =>
            {
                "type when to call back · Enter saves · Tab moves"
            }
            (Some(_), None) => "Enter saves · Tab moves · Esc cancels",
            (None, _) => "a digit or Enter picks the wrap-up code · type to filter",
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
    use crm_server::rules::call_outcomes;
    use crossterm::event::{KeyEvent, KeyModifiers};
    use serde_json::json;

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    /// An admin's codes: not in digit order, one inactive, a required callback and ticket.
    fn codes() -> Vec<WrapUp> {
        let records: Vec<_> = [
            json!({"code": "busy", "label_en": "Busy", "label_zh": "占线", "digit": 3}),
            json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1}),
            json!({"code": "no_answer", "label_en": "No answer", "label_zh": "无人接听", "digit": 2}),
            json!({"code": "voicemail", "label_en": "Voicemail", "label_zh": "语音信箱", "digit": 4}),
            json!({"code": "callback_requested", "label_en": "Callback requested",
                   "label_zh": "要求回电", "digit": 6, "follow_up": "callback",
                   "follow_up_required": true}),
            json!({"code": "fault", "label_en": "Fault reported", "label_zh": "报修",
                   "digit": 0, "follow_up": "ticket", "follow_up_required": true}),
            json!({"code": "retired", "label_en": "Retired", "label_zh": "停用", "digit": 5,
                   "active": false}),
        ]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect();
        call_outcomes::offered(&records)
    }

    fn dialog(inbound: bool) -> LogCall {
        LogCall::new("c1", "x", inbound).with_codes(codes())
    }

    fn type_in(d: &mut LogCall, text: &str) {
        for c in text.chars() {
            d.handle(&key(c));
        }
    }

    #[test]
    fn a_digit_picks_its_code_and_enter_saves() {
        let mut d = dialog(false);
        d.handle(&key('2'));
        assert_eq!(d.code().map(|c| c.code.as_str()), Some("no_answer"));
        assert_eq!(
            d.handle(&Action::Submit),
            Outcome::LogCall {
                outcome: "no_answer".into(),
                direction: "outbound",
                note: String::new()
            }
        );
        // An inactive code's digit picks nothing.
        let mut d = dialog(false);
        d.handle(&key('5'));
        assert_eq!(d.chosen, None);
    }

    #[test]
    fn chinese_labels_filter_and_a_required_callback_asks_when() {
        let mut d = dialog(true).in_lang(Lang::Zh);
        type_in(&mut d, "回电");
        let first = d.shown().first().copied().unwrap();
        assert_eq!(d.codes[first].code, "callback_requested");
        d.handle(&Action::Submit);
        assert_eq!(d.focus, Focus::Callback);
        // Required: the flow refuses Enter without a time, saying why.
        assert_eq!(d.missing(), Some("this code needs a callback time"));
        type_in(&mut d, "+2h");
        assert!(
            matches!(d.handle(&Action::Submit), Outcome::LogCall { ref outcome, .. } if outcome == "callback_requested")
        );
        let mut d = dialog(true).in_lang(Lang::Zh);
        d.handle(&key('3'));
        assert_eq!(d.code().map(|c| c.code.as_str()), Some("busy"));
        assert_eq!(d.focus, Focus::Note);
    }

    #[test]
    fn a_ticket_follow_up_asks_its_subject() {
        let mut d = dialog(true);
        d.handle(&key('0'));
        assert_eq!(d.focus, Focus::Ticket);
        assert_eq!(
            d.missing(),
            Some("this code needs a ticket: type its subject")
        );
        type_in(&mut d, "Printer jams");
        assert_eq!(d.ticket.value(), "Printer jams");
        assert!(
            matches!(d.handle(&Action::Submit), Outcome::LogCall { ref outcome, .. } if outcome == "fault")
        );
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
        let mut d = dialog(true).with_callers(callers, Some(1));
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
        let mut d = dialog(true);
        type_in(&mut d, "voice");
        d.handle(&Action::Submit);
        assert_eq!(d.code().map(|c| c.code.as_str()), Some("voicemail"));
        type_in(&mut d, "left msg");
        assert!(
            matches!(d.handle(&Action::Submit), Outcome::LogCall { ref outcome, direction: "inbound", ref note } if outcome == "voicemail" && note == "left msg")
        );
    }
}
