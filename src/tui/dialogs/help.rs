//! `?`: every binding that works here, generated from the keymap (so user overrides show), with
//! each binding's description. Keys of the same action are listed together.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Outcome;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::keymap::{Keymap, Mode, describe};
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    /// A mode's title when `keys` is empty.
    pub keys: String,
    pub desc: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    pub lines: Vec<HelpLine>,
    pub scroll: usize,
}

impl Help {
    pub fn new(keymap: &Keymap, modes: &[Mode]) -> Help {
        let mut lines = Vec::new();
        for mode in modes {
            lines.push(HelpLine {
                keys: String::new(),
                desc: mode.title().to_string(),
            });
            let mut rows: Vec<(String, String, String)> = Vec::new();
            for b in keymap.bindings(*mode) {
                let keys = describe(&b.on);
                match rows
                    .iter_mut()
                    .find(|(_, run, desc)| *run == b.run && *desc == b.desc)
                {
                    Some(row) => {
                        row.0.push_str(", ");
                        row.0.push_str(&keys);
                    }
                    None => rows.push((keys, b.run.clone(), b.desc.clone())),
                }
            }
            lines.extend(
                rows.into_iter()
                    .map(|(keys, _, desc)| HelpLine { keys, desc }),
            );
        }
        Help { lines, scroll: 0 }
    }

    /// The text of every line, for tests and searching.
    pub fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| format!("{} {}", l.keys, l.desc))
            .collect()
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        let last = self.lines.len().saturating_sub(1);
        match action {
            Action::Down => self.scroll = (self.scroll + 1).min(last),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::HalfDown | Action::NextField => self.scroll = (self.scroll + 10).min(last),
            Action::HalfUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = last,
            Action::Cancel | Action::Submit | Action::No | Action::Help => return Outcome::Cancel,
            _ => {}
        }
        Outcome::Stay
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let w = area.width.saturating_sub(4).min(86);
        let h = area.height.saturating_sub(2);
        let inner = draw::dialog(buf, area, w, h, "Keys  (j/k scroll · Esc close)", theme);
        let key_w = 16.min(inner.width / 3);
        let visible = usize::from(inner.height);
        let scroll = self.scroll.min(self.lines.len().saturating_sub(visible));
        for (row, line) in self.lines.iter().skip(scroll).take(visible).enumerate() {
            let y = inner.y + row as u16;
            if line.keys.is_empty() {
                draw::put(
                    buf,
                    inner.x + 1,
                    y,
                    inner.width - 1,
                    &line.desc,
                    theme.style(Role::Title),
                );
            } else {
                draw::put(
                    buf,
                    inner.x + 2,
                    y,
                    key_w,
                    &line.keys,
                    theme.style(Role::Key),
                );
                let x = inner.x + 3 + key_w;
                draw::put(
                    buf,
                    x,
                    y,
                    inner.right().saturating_sub(x),
                    &line.desc,
                    theme.style(Role::Text),
                );
            }
        }
    }
}
