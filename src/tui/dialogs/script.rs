//! A call script beside the customer during a call (`S` on the 360°): the step the agent is at,
//! its lines with `{customer}`, `{agent}`, `{ticket}` filled in, and its branches, one picked
//! by its digit; Backspace goes back a step, Esc closes. Drawn as a panel on the right, so the
//! customer stays in view. The script's shape is `rules::scripts`'.

use crm_server::rules::scripts::{self, Script};
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Outcome;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptPanel {
    pub name: String,
    script: Script,
    /// The steps taken, the one shown last.
    pub trail: Vec<String>,
    /// The placeholders' values.
    values: Vec<(String, String)>,
    /// A digit that picks no branch: said until the next key.
    pub note: Option<String>,
}

impl ScriptPanel {
    /// The panel over a script's body; None when it does not read (the server refuses such
    /// bodies, so only an old replica holds one).
    pub fn new(name: &str, body: &str, values: &[(&str, &str)]) -> Option<ScriptPanel> {
        let script = scripts::parse(body).ok()?;
        let first = script.first().id.clone();
        Some(ScriptPanel {
            name: name.to_string(),
            script,
            trail: vec![first],
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            note: None,
        })
    }

    /// The step shown.
    pub fn step(&self) -> &scripts::Step {
        self.trail
            .last()
            .and_then(|id| self.script.step(id))
            .unwrap_or_else(|| self.script.first())
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        self.note = None;
        match action {
            Action::Cancel | Action::Submit => Outcome::Cancel,
            Action::Key(key) => {
                match key.code {
                    KeyCode::Char(c) if c.is_ascii_digit() => {
                        let digit = c.to_digit(10).unwrap_or(0);
                        match self.step().branches.iter().find(|b| b.digit == digit) {
                            Some(b) => {
                                let to = b.to.clone();
                                self.trail.push(to);
                            }
                            None => self.note = Some(format!("{digit} is no branch here")),
                        }
                    }
                    KeyCode::Backspace if self.trail.len() > 1 => {
                        self.trail.pop();
                    }
                    _ => {}
                }
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let width = (area.width * 2 / 5).max(30).min(area.width);
        let rect = Rect::new(area.x + area.width - width, area.y, width, area.height);
        draw::fill(buf, rect, theme.style(Role::Popup));
        let inner = draw::panel(buf, rect, &format!("Script: {}", self.name), theme, true);
        let w = usize::from(inner.width.saturating_sub(2));
        let values: Vec<(&str, &str)> = self
            .values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let step = self.step();
        let mut lines: Vec<(String, Role)> = vec![(format!("# {}", step.id), Role::Header)];
        for l in &step.lines {
            for part in draw::wrap(&scripts::fill(l, &values), w) {
                lines.push((part, Role::Text));
            }
        }
        lines.push((String::new(), Role::Text));
        for b in &step.branches {
            lines.push((format!("{}  {}", b.digit, b.label), Role::Accent));
        }
        if step.branches.is_empty() {
            lines.push(("(end of the script)".into(), Role::Muted));
        }
        if let Some(note) = &self.note {
            lines.push((note.clone(), Role::Warn));
        }
        let footer = "digit: branch · ⌫ back · Esc close";
        let room = usize::from(inner.height.saturating_sub(1));
        for (i, (line, role)) in lines.iter().take(room).enumerate() {
            draw::put(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                inner.width.saturating_sub(2),
                line,
                theme.style(*role),
            );
        }
        draw::put(
            buf,
            inner.x + 1,
            inner.y + inner.height.saturating_sub(1),
            inner.width.saturating_sub(2),
            footer,
            theme.style(Role::Muted),
        );
    }
}
