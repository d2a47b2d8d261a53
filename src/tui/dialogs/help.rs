//! `?`: every binding of every screen, generated from the keymap (so user overrides show), with
//! each binding's description, the screen in view first. Keys of the same action are listed
//! together. `/` filters the lines as you type (keys, descriptions, screen names).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Outcome;
use crate::tui::action::Action;
use crate::tui::draw;
use crate::tui::keymap::{Keymap, Mode, describe};
use crate::tui::list::{FilterLine, Typed};
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    /// A mode's title when `keys` is empty.
    pub keys: String,
    pub desc: String,
    /// The title of the mode the line belongs to, which the filter also matches.
    pub mode: &'static str,
    /// The action's name ("top", "log_call"), which the filter also matches.
    pub run: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Help {
    pub lines: Vec<HelpLine>,
    pub scroll: usize,
    /// `/`: the lines narrowed to those matching every word typed.
    pub line: FilterLine,
}

impl Help {
    pub fn new(keymap: &Keymap, modes: &[Mode]) -> Help {
        let mut lines = Vec::new();
        for mode in modes {
            lines.push(HelpLine {
                keys: String::new(),
                desc: mode.title().to_string(),
                mode: mode.title(),
                run: String::new(),
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
            lines.extend(rows.into_iter().map(|(keys, run, desc)| HelpLine {
                keys,
                desc,
                mode: mode.title(),
                run,
            }));
        }
        Help {
            lines,
            scroll: 0,
            line: FilterLine::default(),
        }
    }

    /// Letters go to the filter while it is typed.
    pub fn typing(&self) -> bool {
        self.line.typing()
    }

    /// The lines the filter lets through: matching bindings under their screen's title.
    pub fn shown(&self) -> Vec<&HelpLine> {
        if self.line.text.trim().is_empty() {
            return self.lines.iter().collect();
        }
        let passes = |l: &HelpLine| self.line.passes(&[&l.keys, &l.desc, l.mode, &l.run]);
        let mut out = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            if l.keys.is_empty() {
                let any = self.lines[i + 1..]
                    .iter()
                    .take_while(|n| !n.keys.is_empty())
                    .any(passes);
                if any {
                    out.push(l);
                }
            } else if passes(l) {
                out.push(l);
            }
        }
        out
    }

    /// The text of every line shown, for tests and searching.
    pub fn text(&self) -> Vec<String> {
        self.shown()
            .iter()
            .map(|l| format!("{} {}", l.keys, l.desc))
            .collect()
    }

    pub fn paste(&mut self, text: &str) {
        self.line.paste(text);
        self.scroll = 0;
    }

    pub fn handle(&mut self, action: &Action) -> Outcome {
        if self.line.typing() {
            match self.line.key(action.clone()) {
                Typed::Changed(_) | Typed::Cancelled => self.scroll = 0,
                Typed::Moved(m) => {
                    let last = self.shown().len().saturating_sub(1);
                    self.scroll = m.apply(self.scroll, last + 1);
                }
                Typed::Same | Typed::Submitted => {}
            }
            return Outcome::Stay;
        }
        let last = self.shown().len().saturating_sub(1);
        match action {
            Action::Search => self.line.start(),
            // Esc first clears a filter in force, then closes.
            Action::Cancel if !self.line.text.is_empty() => {
                self.line.text.clear();
                self.scroll = 0;
            }
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
        let title = match self.line.label() {
            Some(filter) => format!("Keys  {filter}  (Esc clears)"),
            None => "Keys  (j/k scroll · / filter · Esc close)".into(),
        };
        let inner = draw::dialog(buf, area, w, h, &title, theme);
        let key_w = 16.min(inner.width / 3);
        let visible = usize::from(inner.height);
        let shown = self.shown();
        if shown.is_empty() {
            draw::put(
                buf,
                inner.x + 1,
                inner.y,
                inner.width.saturating_sub(1),
                "No binding matches; Esc clears the filter",
                theme.style(Role::Muted),
            );
        }
        let scroll = self.scroll.min(shown.len().saturating_sub(visible));
        for (row, line) in shown.into_iter().skip(scroll).take(visible).enumerate() {
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
