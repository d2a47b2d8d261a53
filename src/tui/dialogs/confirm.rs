//! A yes/no question. Only y and n answer it (Esc is no), so a stray Enter never deletes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Outcome, Purpose};
use crate::text;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub purpose: Purpose,
    /// Draw the question in the danger colour (deletions).
    pub danger: bool,
}

impl Confirm {
    pub fn new(title: impl Into<String>, lines: Vec<String>, purpose: Purpose) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            purpose,
            danger: false,
        }
    }

    pub fn danger(mut self) -> Confirm {
        self.danger = true;
        self
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Yes => Outcome::Yes,
            Action::No | Action::Cancel => Outcome::No,
            _ => Outcome::Stay,
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let max_w = area.width.saturating_sub(4).min(72);
        let mut wrapped = Vec::new();
        for line in &self.lines {
            wrapped.extend(draw::wrap(line, usize::from(max_w.saturating_sub(4))));
        }
        let widest = wrapped.iter().map(|l| text::width(l)).max().unwrap_or(20) as u16;
        let w = (widest + 4).clamp(30, max_w);
        let inner = draw::dialog(buf, area, w, wrapped.len() as u16 + 4, &self.title, theme);
        let style = theme.style(if self.danger {
            Role::Danger
        } else {
            Role::Text
        });
        for (i, line) in wrapped
            .iter()
            .enumerate()
            .take(usize::from(inner.height.saturating_sub(1)))
        {
            draw::put(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                inner.width.saturating_sub(1),
                line,
                style,
            );
        }
        let y = inner.bottom().saturating_sub(1);
        let x = inner.x + 1;
        let used = draw::put(buf, x, y, 2, "y", theme.style(Role::Key));
        let used = used + draw::put(buf, x + used, y, 6, " yes  ", theme.style(Role::Muted));
        let used = used + draw::put(buf, x + used, y, 2, "n", theme.style(Role::Key));
        draw::put(buf, x + used, y, 4, " no", theme.style(Role::Muted));
    }
}
