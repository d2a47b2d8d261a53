//! The answers to the writes the shared flows handed to the writer thread (a form's save, a
//! delete, a logged call): the app, not the screen that asked, acts on them, since another
//! screen may be in view by then.

use super::App;
use crate::tui::data::{Record, WriteError, text};
use crate::tui::dialogs::Dialog;
use crate::tui::screen::Msg;
use crate::tui::work::After;

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
        }
        self.process(out);
    }
}
