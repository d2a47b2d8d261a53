//! What the status bar shows: the flash message, the clock, and what the sync engine said.

use chrono::{DateTime, Utc};

use super::{App, Flash};
use crate::tui::SyncStatus;

impl App {
    pub fn set_flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash::new(text.into(), error, self.now));
    }

    /// The clock moved on: a message past its moment goes.
    pub(super) fn tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        let before = (self.status.pending, self.status.refused);
        self.status = self.source.status();
        if (self.status.pending, self.status.refused) != before {
            self.refusals = self.source.refusals();
        }
        if self.flash.as_ref().is_some_and(|f| !f.live(now)) {
            self.flash = None;
        }
    }

    /// The connection is back: a message saying it was lost is stale.
    fn connected(&mut self) {
        self.online = Some(true);
        if self.flash.as_ref().is_some_and(|f| f.connectivity) {
            self.flash = None;
        }
    }

    pub(super) fn on_sync(&mut self, status: SyncStatus) {
        match status {
            SyncStatus::Online => self.connected(),
            SyncStatus::Offline { reason } => {
                self.online = Some(false);
                if !reason.is_empty() {
                    self.set_flash(
                        format!("offline: {reason}; writes wait in the outbox"),
                        false,
                    );
                    if let Some(f) = self.flash.as_mut() {
                        f.connectivity = true;
                    }
                }
            }
            SyncStatus::Synced { at, pulled, .. } => {
                self.connected();
                self.synced_at = Some(at);
                if pulled > 0 {
                    self.reload_all();
                }
            }
            SyncStatus::Conflicts { count } => {
                self.set_flash(
                    format!(
                        "{count} sync conflict{} — press ! to resolve",
                        if count == 1 { "" } else { "s" }
                    ),
                    true,
                );
            }
            SyncStatus::Rejected { message } => self.set_flash(
                format!("the server refused a change: {message} (g o to fix or discard)"),
                true,
            ),
            SyncStatus::Notice { message, error } => self.set_flash(message, error),
        }
        self.status = self.source.status();
        self.refusals = self.source.refusals();
    }
}
