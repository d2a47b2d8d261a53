//! The e-secretary (电子秘书) while the screens are open: every [`EVERY_SECONDS`] the signed-in
//! user's activities that came due since the last look (an appointment's start, a callback's
//! or a care task's due time) are read — one range read over the activities' time indexes, a
//! window of seconds — and the status bar says so; the profile's `bell = true` rings the
//! terminal's bell too. What came due before the screens opened is the reminders' (overdue).

use chrono::{DateTime, Duration, Utc};
use crm_server::rules::reminders;
use serde_json::Value;

use super::{App, Flash};
use crate::tui::action::Effect;
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
    /// Looks for what came due since the last look (from the tick).
    pub(super) fn secretary(&mut self, now: DateTime<Utc>) {
        let Some(since) = self.secretary_since else {
            self.secretary_since = Some(now);
            return;
        };
        if now - since < Duration::seconds(EVERY_SECONDS) {
            return;
        }
        self.secretary_since = Some(now);
        let Some(me) = self.me.id.clone() else {
            return;
        };
        // A failed read says nothing; the next look covers its window again.
        let Ok(found) = self
            .source
            .activities_between(since, now, Some(me.as_str()))
        else {
            self.secretary_since = Some(since);
            return;
        };
        let due: Vec<_> = found
            .into_iter()
            .filter(|a| a.get("done") != Some(&Value::Bool(true)))
            .collect();
        let Some(text) = due_message(&due, &self.zone) else {
            return;
        };
        self.flash = Some(Flash {
            text,
            error: false,
            at: now,
            until: now + Duration::seconds(SHOWN_SECONDS),
            connectivity: false,
        });
        if self.bell {
            self.effects.push(Effect::Bell);
        }
    }
}
