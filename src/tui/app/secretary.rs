//! The e-secretary (电子秘书) while the screens are open: every [`EVERY_SECONDS`] the signed-in
//! user's activities that came due since the last look (an appointment's start, a callback's
//! or a care task's due time) are read — one range read over the activities' time indexes, a
//! window of seconds, asked of the loading thread (`work::Read::Due`) so a busy replica never
//! holds a frame — and the status bar says so when the answer comes; the profile's
//! `bell = true` rings the terminal's bell too. What came due before the screens opened is the
//! reminders' (overdue). One look is outstanding at a time: the next waits for its answer, and
//! a failed read leaves its window to the next look.

use chrono::{DateTime, Duration, Utc};
use crm_server::rules::reminders;
use serde_json::Value;

use super::{App, Flash};
use crate::tui::action::Effect;
use crate::tui::data::DataError;
use crate::tui::work::{Loaded, Read};
use crate::zone::Zone;

/// How often the secretary looks.
pub const EVERY_SECONDS: i64 = 20;
/// How long its message stays in the status bar.
pub const SHOWN_SECONDS: i64 = 60;

/// What the status bar says about activities come due: the first by time, and how many more.
pub fn due_message(due: &[serde_json::Map<String, Value>], zone: &Zone) -> Option<String> {
    let first = due.iter().min_by_key(|a| reminders::activity_time(a))?;
    let text = |f: &str| first.get(f).and_then(Value::as_str).unwrap_or("");
    let at = reminders::activity_time(first)
        .map(|t| zone.time(t))
        .unwrap_or_default();
    let mut message = format!("Due {at}: {} {}", text("kind"), text("subject"));
    if due.len() > 1 {
        message.push_str(&format!(" (+{} more)", due.len() - 1));
    }
    Some(message)
}

impl App {
    /// Looks for what came due since the last look (from the tick): asks the loading thread.
    pub(super) fn secretary(&mut self, now: DateTime<Utc>) {
        let Some(since) = self.secretary_since else {
            self.secretary_since = Some(now);
            return;
        };
        if now - since < Duration::seconds(EVERY_SECONDS) || self.secretary_asked.is_some() {
            return;
        }
        let Some(me) = self.me.id.clone() else {
            self.secretary_since = Some(now);
            return;
        };
        self.secretary_since = Some(now);
        let request = crate::tui::list::next_request();
        self.secretary_asked = Some((request, since, now));
        self.effects.push(Effect::Load {
            request,
            read: Read::Due {
                since,
                until: now,
                owner: me,
            },
        });
    }

    /// Takes the answer to the secretary's look, if `request` is it: the status bar's message
    /// and the bell. A failed read says nothing; the next look covers its window again.
    pub(super) fn secretary_loaded(
        &mut self,
        request: u64,
        data: &Result<Loaded, DataError>,
    ) -> bool {
        let Some((asked, since, until)) = self.secretary_asked else {
            return false;
        };
        if asked != request {
            return false;
        }
        self.secretary_asked = None;
        let Ok(Loaded::Due(found)) = data else {
            self.secretary_since = Some(since);
            return true;
        };
        let due: Vec<_> = found
            .iter()
            .filter(|a| a.get("done") != Some(&Value::Bool(true)))
            .cloned()
            .collect();
        let Some(text) = due_message(&due, &self.zone) else {
            return true;
        };
        self.flash = Some(Flash {
            text,
            error: false,
            at: until,
            until: until + Duration::seconds(SHOWN_SECONDS),
            connectivity: false,
        });
        if self.bell {
            self.effects.push(Effect::Bell);
        }
        true
    }
}
