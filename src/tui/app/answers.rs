//! The dialog stack: a dialog's outcome is either the stack's own business (close, a field's
//! pick-list, the conflict chooser) or an answer for the screen in view, which opened it.

use super::App;
use crate::tui::action::{Action, Effect};
use crate::tui::data::Record;
use crate::tui::dialogs::{ConflictChooser, Dialog, Outcome, Purpose};
use crate::tui::flows;
use crate::tui::screen::Answer;
use crate::tui::work::{After, Write};

impl App {
    pub(super) fn open_conflicts(&mut self) {
        match self.source.conflicts() {
            Ok(c) if c.is_empty() => self.set_flash("No sync conflicts", false),
            Ok(c) => self
                .dialogs
                .push(Dialog::Conflicts(ConflictChooser::new(c))),
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    pub(super) fn dialog_action(&mut self, action: Action) {
        let now = self.now;
        let Some(top) = self.dialogs.last_mut() else {
            return;
        };
        // Esc on a form whose typing changed asks first; an unchanged form closes at once.
        if action == Action::Cancel
            && let Dialog::Form(form) = top
            && form.is_changed()
        {
            return self.ask_discard(Purpose::DiscardForm);
        }
        let outcome = top.handle(&action, now);
        self.on_outcome(outcome);
    }

    fn top_purpose(&self) -> Purpose {
        match self.dialogs.last() {
            Some(Dialog::Form(d)) => d.purpose.clone(),
            Some(Dialog::Picker(d)) => d.purpose.clone(),
            Some(Dialog::Prompt(d)) => d.purpose.clone(),
            Some(Dialog::Confirm(d)) => d.purpose.clone(),
            _ => Purpose::Info,
        }
    }

    /// A dialog's outcome: the stack's own mechanics here, the answers to the screen in view.
    fn on_outcome(&mut self, outcome: Outcome) {
        let purpose = self.top_purpose();
        let answer = match outcome {
            Outcome::Stay => return,
            Outcome::Cancel | Outcome::No => {
                self.dialogs.pop();
                return;
            }
            Outcome::OpenPicker { field, filter } => {
                return self.on_screen(|_, ctx| flows::open_field_picker(field, &filter, ctx));
            }
            Outcome::Query(filter) => {
                if matches!(purpose, Purpose::QuoteProduct(_)) {
                    return self.on_screen(|s, ctx| s.answer(purpose, Answer::Query(filter), ctx));
                }
                return self.on_screen(|_, ctx| flows::query_picker(&filter, ctx));
            }
            Outcome::Resolve {
                conflict_id,
                chosen,
            } => return self.resolve_conflict(&conflict_id, chosen),
            Outcome::Picked(choice) => {
                self.dialogs.pop();
                if let Purpose::Field(field) = purpose {
                    return self.on_screen(|_, ctx| flows::field_picked(field, &choice, ctx));
                }
                Answer::Picked(choice)
            }
            Outcome::Yes => {
                self.dialogs.pop();
                match purpose {
                    Purpose::DiscardForm => {
                        self.dialogs.pop();
                        return;
                    }
                    Purpose::DiscardAndQuit => return self.effects.push(Effect::Quit),
                    _ => {}
                }
                Answer::Yes
            }
            Outcome::Save => Answer::Save,
            Outcome::Text(text) => Answer::Text(text),
            Outcome::LogCall {
                outcome,
                direction,
                note,
            } => Answer::LogCall {
                outcome,
                direction,
                note,
            },
        };
        self.on_screen(|s, ctx| s.answer(purpose, answer, ctx));
    }

    /// The chooser closes at once; the choice is written on the writer thread and its answer
    /// offers the conflicts left (`After::Conflict`).
    fn resolve_conflict(&mut self, conflict_id: &str, chosen: Record) {
        self.dialogs.pop();
        let write = Write::Resolve {
            conflict_id: conflict_id.to_string(),
            chosen,
        };
        self.on_screen(|_, ctx| {
            ctx.write_then(write, After::Conflict);
        });
    }
}
