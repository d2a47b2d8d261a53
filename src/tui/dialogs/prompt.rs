//! A one-line question: a reason, a note, a date. The app checks the answer and may put an
//! error back, keeping what was typed.

use chrono::NaiveTime;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::{Outcome, Purpose};
use crate::tui::action::Action;
use crate::tui::dates;
use crate::tui::draw;
use crate::tui::input::LineInput;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub title: String,
    pub label: String,
    pub purpose: Purpose,
    pub input: LineInput,
    pub hint: String,
    pub error: Option<String>,
    /// Show how the answer reads as a date while typing.
    pub date_preview: bool,
    /// An empty answer is refused with this message.
    pub required: Option<String>,
    /// Its answer is being written (the request): it stays open with the text until the
    /// answer closes it or shows the refusal in it; Enter waits meanwhile.
    pub saving: Option<u64>,
    /// The answer is a file's path: Tab completes it (`attach::complete`).
    pub paths: bool,
}

impl Prompt {
    pub fn new(title: impl Into<String>, label: impl Into<String>, purpose: Purpose) -> Prompt {
        Prompt {
            title: title.into(),
            label: label.into(),
            purpose,
            input: LineInput::default(),
            hint: String::new(),
            error: None,
            date_preview: false,
            required: None,
            saving: None,
            paths: false,
        }
    }

    /// Tab completes a file's path from the folder typed.
    pub fn paths(mut self) -> Prompt {
        self.paths = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Prompt {
        self.hint = hint.into();
        self
    }

    pub fn dates(mut self) -> Prompt {
        self.date_preview = true;
        self
    }

    pub fn required(mut self, message: impl Into<String>) -> Prompt {
        self.required = Some(message.into());
        self
    }

    pub fn value(mut self, v: &str) -> Prompt {
        self.input.set(v);
        self
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Submit if self.saving.is_some() => Outcome::Stay,
            Action::Submit => {
                let v = self.input.value();
                match &self.required {
                    Some(message) if v.trim().is_empty() => {
                        self.error = Some(message.clone());
                        Outcome::Stay
                    }
                    _ => Outcome::Text(v.trim().to_string()),
                }
            }
            Action::Cancel => Outcome::Cancel,
            Action::NextField if self.paths => {
                let typed = self.input.value();
                let home = crate::tui::attach::home();
                if let Some(longer) = crate::tui::attach::complete(&typed, home.as_deref()) {
                    self.input.set(&longer);
                    self.error = None;
                }
                Outcome::Stay
            }
            Action::Key(key) => {
                if self.input.key(key) {
                    self.error = None;
                }
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) -> Option<Position> {
        let theme = view.theme;
        let w = area.width.saturating_sub(4).min(70);
        let inner = draw::dialog(buf, area, w, 7, &self.title, theme);
        if inner.height < 3 {
            return None;
        }
        draw::put(
            buf,
            inner.x,
            inner.y,
            inner.width,
            &self.label,
            theme.style(Role::Text),
        );
        let (shown, cursor) = self.input.view(usize::from(inner.width.saturating_sub(1)));
        draw::put_fit(
            buf,
            inner.x,
            inner.y + 1,
            inner.width,
            &shown,
            theme.style(Role::Input),
        );
        let (note, role) = if self.saving.is_some() {
            ("Saving…".to_string(), Role::Muted)
        } else if let Some(e) = &self.error {
            (e.clone(), Role::Danger)
        } else if self.date_preview && !self.input.is_empty() {
            match dates::parse(&self.input.value(), view.zone.naive(view.now)) {
                Ok(w) => {
                    let default = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
                    let when = if w.time.is_some() {
                        // The user's own clock, as typed; the zone is in the header.
                        w.at(default).format("%a %Y-%m-%d %H:%M").to_string()
                    } else {
                        w.date.format("%a %Y-%m-%d").to_string()
                    };
                    (format!("→ {when}"), Role::Ok)
                }
                Err(_) => ("…".into(), Role::Muted),
            }
        } else {
            (self.hint.clone(), Role::Muted)
        };
        draw::put(
            buf,
            inner.x,
            inner.y + 2,
            inner.width,
            &note,
            theme.style(role),
        );
        Some(Position::new(inner.x + cursor as u16, inner.y + 1))
    }
}
