//! The answers to the writes the shared flows handed to the writer thread (a form's save, a
//! delete, a logged call, a prompt's answer, an undo, the outbox's resend and discard, a
//! conflict's choice): the app, not the screen that asked, acts on them, since another screen
//! may be in view by then.

use super::App;
use crate::tui::data::{Record, WriteError, text};
use crate::tui::dialogs::{ConflictChooser, Dialog};
use crate::tui::screen::Msg;
use crate::tui::work::{After, undone};

impl App {
    pub(super) fn after_write(
        &mut self,
        request: u64,
        after: After,
        result: Result<Record, WriteError>,
    ) {
        let form = self
            .dialogs
            .iter()
            .position(|d| matches!(d, Dialog::Form(f) if f.saving == Some(request)));
        let prompt = self
            .dialogs
            .iter()
            .position(|d| matches!(d, Dialog::Prompt(p) if p.saving == Some(request)));
        let mut out = Vec::new();
        match (after, result) {
            (
                After::Form {
                    verb, entity, open, ..
                },
                Ok(record),
            ) => {
                if let Some(i) = form {
                    self.dialogs.remove(i);
                }
                let name = ["name", "subject", "number"]
                    .iter()
                    .map(|f| text(&record, f))
                    .find(|s| !s.is_empty())
                    .unwrap_or("");
                out.push(Msg::Flash(format!(
                    "{verb} {} {}",
                    entity.noun(),
                    crate::text::sanitize(name)
                )));
                out.push(Msg::Changed);
                if let Some(place) = open {
                    out.push(Msg::Go(place));
                }
            }
            (After::Form { .. }, Err(e)) => {
                match form.and_then(|i| self.dialogs.get_mut(i)) {
                    Some(Dialog::Form(f)) => {
                        f.saving = None;
                        match e {
                            WriteError::Invalid(fields) => f.set_errors(&fields),
                            other => f.error = Some(other.to_string()),
                        }
                    }
                    // Closed while it was being written: the refusal goes to the status bar.
                    _ => out.push(Msg::Error(format!("not saved: {e}"))),
                }
            }
            (After::Say { done, .. }, Ok(_)) => {
                out.push(Msg::Flash(done));
                out.push(Msg::Changed);
            }
            (After::Say { refused, .. }, Err(e)) => {
                out.push(Msg::Error(format!("{refused}{e}")));
                // Part of it may have been written.
                out.push(Msg::Changed);
            }
            (After::Prompt { done, .. }, Ok(_)) => {
                if let Some(i) = prompt {
                    self.dialogs.remove(i);
                }
                out.push(Msg::Flash(done));
                out.push(Msg::Changed);
            }
            (After::Prompt { refused, .. }, Err(e)) => {
                match prompt.and_then(|i| self.dialogs.get_mut(i)) {
                    // The text typed stays; the reason is shown in the prompt.
                    Some(Dialog::Prompt(p)) => {
                        p.saving = None;
                        p.error = Some(format!("{refused}{e}"));
                    }
                    // Closed while it was being written: the refusal goes to the status bar.
                    _ => out.push(Msg::Error(format!("{refused}{e}"))),
                }
                out.push(Msg::Changed);
            }
            (After::Undo, Ok(answer)) => match undone(&answer) {
                None => out.push(Msg::Flash("Nothing to undo".into())),
                Some(done) if done.conflicted => {
                    out.push(Msg::Error(format!(
                        "Undone: {} — someone changed it since: press ! to choose",
                        done.what
                    )));
                    out.push(Msg::Changed);
                }
                Some(done) => {
                    out.push(Msg::Flash(format!("Undone: {}", done.what)));
                    out.push(Msg::Changed);
                }
            },
            (After::Undo, Err(e)) => {
                out.push(Msg::Error(format!("Cannot undo: {e}")));
                out.push(Msg::Changed);
            }
            (After::Conflict, Ok(_)) => {
                out.push(Msg::Flash(
                    "Conflict resolved; the chosen fields go to the server".into(),
                ));
                out.push(Msg::Changed);
                self.offer_conflicts_left();
            }
            (After::Conflict, Err(e)) => {
                out.push(Msg::Error(format!("not resolved: {e}")));
                out.push(Msg::Changed);
                self.offer_conflicts_left();
            }
        }
        self.process(out);
    }
}

impl App {
    /// After a conflict's choice is answered: the chooser again with the conflicts left, if
    /// any and no other dialog is open (the outbox file's few parked entries, read here).
    fn offer_conflicts_left(&mut self) {
        if !self.dialogs.is_empty() {
            return;
        }
        if let Ok(rest) = self.source.conflicts()
            && !rest.is_empty()
        {
            self.dialogs
                .push(Dialog::Conflicts(ConflictChooser::new(rest)));
        }
    }
}
