//! Input the app reads before the screens: a key through the keymaps, a paste, a mouse event.

use super::*;

impl App {
    /// A key press: Ctrl-C quits from anywhere; the rest goes through the keymap.
    pub fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.pending.clear();
            // Typing in a form is not thrown away unasked; a second Ctrl-C quits.
            let asking = matches!(self.dialogs.last(), Some(Dialog::Confirm(c)) if c.purpose == Purpose::DiscardAndQuit);
            if self.form_changed() && !asking {
                self.ask_discard(Purpose::DiscardAndQuit);
                return std::mem::take(&mut self.effects);
            }
            return self.update(Action::Quit);
        }
        let modes = self.modes();
        self.pending.push(Key::from_event(&key));
        match self.keymap.resolve(&modes, &self.pending) {
            Resolved::Action(action) => {
                self.pending.clear();
                self.update(action)
            }
            Resolved::Pending => Vec::new(),
            Resolved::Unbound => {
                let was_sequence = self.pending.len() > 1;
                self.pending.clear();
                if was_sequence {
                    // "g x": the sequence failed; x may mean something on its own.
                    self.key(key)
                } else if modes == [Mode::Dialog] {
                    self.update(Action::Key(key))
                } else {
                    Vec::new()
                }
            }
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) {
        if let Some(line) = self.command.as_mut() {
            line.paste(text);
        } else if let Some(d) = self.dialogs.last_mut() {
            d.paste(text);
        } else {
            self.on_screen(|s, ctx| s.paste(text, ctx));
        }
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let action = if m.kind == MouseEventKind::ScrollDown {
                    Action::Down
                } else {
                    Action::Up
                };
                for _ in 0..3 {
                    self.update(action.clone());
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if !self.dialogs.is_empty() || self.command.is_some() {
                    return;
                }
                if m.row == 0 {
                    if self.history.depth(self.pane) == 0 {
                        if let Some(p) = layout::tab_at(m.column) {
                            self.show(p);
                        }
                    } else if let Some(i) =
                        layout::crumb_at(&self.breadcrumb(), self.size.width, m.column)
                    {
                        // A step of the breadcrumb: back to it.
                        self.history.back_to(self.pane, i);
                        self.process(Vec::new());
                    }
                    return;
                }
                // The status bar: a click there with conflicts waiting opens the chooser.
                if m.row + 2 == self.size.height {
                    if self.status.conflicts > 0 {
                        self.open_conflicts();
                    }
                    return;
                }
                self.on_screen(|s, ctx| s.click(m.column, m.row, ctx));
            }
            _ => {}
        }
    }
}
