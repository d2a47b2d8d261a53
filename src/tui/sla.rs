//! Service-level clocks of tickets: which due time runs, how urgent a ticket is, and how that
//! reads on screen ("2h 13m left", "breached 35m"). Pure, so both data sources order the queue
//! the same way.

use std::cmp::Ordering;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crm_server::rules::business_time::Calendar;
use crm_server::schema::Entity;

use super::data::{DataError, DataSource, Record, RecordQuery, text};

/// The admin's service levels and their calendars (with the holidays) as the replica holds
/// them: which calendar a ticket's clock counts in, picked as the server picks it
/// (`rules::sla::level_for` over the ticket's priority and its customer's level,
/// `rules::sla::calendar`). Read once for a queue or a ticket's view; the one rule both count
/// their countdowns in open time by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenCalendars {
    levels: Vec<Record>,
    calendars: HashMap<String, Calendar>,
}

impl OpenCalendars {
    /// Reads the service levels, the calendars they name and the holidays (a few hundred
    /// records at most: admins' settings).
    pub fn read(source: &dyn DataSource) -> Result<OpenCalendars, DataError> {
        let all = RecordQuery::default();
        let levels = source.records(Entity::ServiceLevels, &all, 0, 1_000)?;
        let named: Vec<&str> = levels
            .iter()
            .map(|l| text(l, "calendar_id"))
            .filter(|c| !c.is_empty())
            .collect();
        let mut calendars = HashMap::new();
        if !named.is_empty() {
            let holidays = source.records(Entity::Holidays, &all, 0, 10_000)?;
            for id in named {
                if calendars.contains_key(id) {
                    continue;
                }
                if let Some(record) = source.get(Entity::SlaCalendars, id)?
                    && let Ok(calendar) = crm_server::rules::sla::calendar(&record, &holidays)
                {
                    calendars.insert(id.to_string(), calendar);
                }
            }
        }
        Ok(OpenCalendars { levels, calendars })
    }

    /// The calendar of a ticket whose customer is at `level`; none when its service level
    /// names none (its clock runs around the clock).
    pub fn for_ticket(&self, ticket: &Record, level: Option<&str>) -> Option<&Calendar> {
        let level = level.filter(|l| !l.is_empty());
        let chosen =
            crm_server::rules::sla::level_for(&self.levels, text(ticket, "priority"), level)?;
        self.calendars.get(text(chosen, "calendar_id"))
    }
}

pub fn is_done(ticket: &Record) -> bool {
    crm_server::rules::sla::is_finished(text(ticket, "status"))
}

/// The clock that runs now (the server's rule): first response until someone answered, then
/// resolution.
pub fn running_due(ticket: &Record) -> Option<DateTime<Utc>> {
    crm_server::rules::sla::running_due(ticket)
}

/// Queue order: open tickets by their running due time (breached first, no due time last),
/// then finished ones, newest first.
pub fn queue_order(a: &Record, b: &Record) -> Ordering {
    match (is_done(a), is_done(b)) {
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        (true, true) => {
            return text(b, "updated_at")
                .cmp(text(a, "updated_at"))
                .then_with(|| text(a, "id").cmp(text(b, "id")));
        }
        (false, false) => {}
    }
    let (da, db) = (running_due(a), running_due(b));
    let by_due = match (da, db) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_due
        .then_with(|| priority_rank(b).cmp(&priority_rank(a)))
        .then_with(|| text(a, "number").cmp(text(b, "number")))
        .then_with(|| text(a, "id").cmp(text(b, "id")))
}

fn priority_rank(ticket: &Record) -> usize {
    crm_server::schema::PRIORITIES
        .iter()
        .position(|p| *p == text(ticket, "priority"))
        .unwrap_or(1)
}

/// How a clock stands, for colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Breached,
    /// Less than an hour left.
    Soon,
    Fine,
    /// No clock runs (finished, or no due time).
    None,
}

/// "2h 13m left", "breached 35m", or "resolved".
pub fn countdown(ticket: &Record, now: DateTime<Utc>) -> (String, Urgency) {
    if is_done(ticket) {
        return (text(ticket, "status").to_string(), Urgency::None);
    }
    let Some(due) = running_due(ticket) else {
        return ("no SLA".into(), Urgency::None);
    };
    let seconds = (due - now).num_seconds();
    if seconds < 0 {
        (format!("breached {}", span(-seconds)), Urgency::Breached)
    } else if seconds < 3600 {
        (format!("{} left", span(seconds)), Urgency::Soon)
    } else {
        (format!("{} left", span(seconds)), Urgency::Fine)
    }
}

/// The countdown in the open time of the ticket's calendar (its service level's opening hours
/// and holidays, `rules::business_time`): "5h 30m open time left" counts only the hours the
/// clock runs, so a Friday-evening ticket does not look due over the weekend. No calendar, or
/// one open around the clock: [`countdown`]. A breach says how long ago in wall time.
pub fn countdown_open(
    ticket: &Record,
    now: DateTime<Utc>,
    calendar: Option<&Calendar>,
) -> (String, Urgency) {
    match open_left(ticket, now, calendar) {
        Some((open, urgency)) => (format!("{} open time left", span(open * 60)), urgency),
        None => countdown(ticket, now),
    }
}

/// [`countdown_open`] in a queue's column: "5h 30m open left".
pub fn countdown_open_short(
    ticket: &Record,
    now: DateTime<Utc>,
    calendar: Option<&Calendar>,
) -> (String, Urgency) {
    match open_left(ticket, now, calendar) {
        Some((open, urgency)) => (format!("{} open left", span(open * 60)), urgency),
        None => countdown(ticket, now),
    }
}

/// The open minutes left on a running clock and how urgent that is, when they differ from the
/// wall time left (None: finished, breached, no calendar, or one open around the clock).
fn open_left(
    ticket: &Record,
    now: DateTime<Utc>,
    calendar: Option<&Calendar>,
) -> Option<(i64, Urgency)> {
    let (calendar, due) = (calendar?, running_due(ticket)?);
    if is_done(ticket) || due <= now {
        return None;
    }
    let open = calendar.minutes_between(now, due);
    if open == (due - now).num_minutes() {
        return None;
    }
    let urgency = if open < 60 {
        Urgency::Soon
    } else {
        Urgency::Fine
    };
    Some((open, urgency))
}

/// A length of time in its two largest units: "3d 4h", "2h 13m", "35m", "under 1m".
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => "under 1m".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ticket(v: serde_json::Value) -> Record {
        v.as_object().cloned().unwrap_or_default()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn countdowns_read_naturally() {
        let now = at("2026-11-25T09:00:00Z");
        let t = ticket(json!({"status": "open", "resolution_due": "2026-11-25T11:13:00Z"}));
        assert_eq!(countdown(&t, now), ("2h 13m left".into(), Urgency::Fine));
        let t = ticket(
            json!({"status": "new", "first_response_due": "2026-11-25T08:25:00Z",
            "resolution_due": "2026-11-26T08:00:00Z"}),
        );
        assert_eq!(
            countdown(&t, now),
            ("breached 35m".into(), Urgency::Breached)
        );
        let t = ticket(
            json!({"status": "new", "first_response_due": "2026-11-25T08:25:00Z",
            "first_responded_at": "2026-11-25T08:00:00Z", "resolution_due": "2026-11-25T09:20:00Z"}),
        );
        assert_eq!(countdown(&t, now), ("20m left".into(), Urgency::Soon));
        let t = ticket(json!({"status": "closed"}));
        assert_eq!(countdown(&t, now).1, Urgency::None);
    }

    #[test]
    fn the_countdown_counts_open_time() {
        use crm_server::rules::business_time::Calendar;
        let office = Calendar::new(
            "Asia/Shanghai",
            [
                "09:00-18:00",
                "09:00-18:00",
                "09:00-18:00",
                "09:00-18:00",
                "09:00-18:00",
                "",
                "",
            ],
        )
        .unwrap();
        // Friday 17:00 in Shanghai; due Monday 11:00: one hour on Friday, two on Monday.
        let now = at("2026-11-27T09:00:00Z");
        let t = ticket(json!({"status": "open", "resolution_due": "2026-11-30T03:00:00Z"}));
        assert_eq!(
            countdown_open(&t, now, Some(&office)),
            ("3h open time left".into(), Urgency::Fine)
        );
        // Wall-clock the same ticket has days left; without a calendar that is what shows.
        assert_eq!(countdown_open(&t, now, None), countdown(&t, now));
        let t = ticket(json!({"status": "open", "resolution_due": "2026-11-30T01:30:00Z"}));
        assert_eq!(
            countdown_open(&t, now, Some(&office)),
            ("1h 30m open time left".into(), Urgency::Fine)
        );
        // Within the hour of open time, though days away on the clock: soon.
        let evening = at("2026-11-27T09:40:00Z");
        assert_eq!(
            countdown_open(&t, evening, Some(&office)),
            ("50m open time left".into(), Urgency::Soon)
        );
        let t = ticket(json!({"status": "open", "resolution_due": "2026-11-30T01:20:00Z"}));
        assert_eq!(
            countdown_open(&t, evening, Some(&office)),
            ("40m open time left".into(), Urgency::Soon)
        );
        // Past due: how long ago, as before.
        let late = at("2026-11-30T02:00:00Z");
        assert_eq!(countdown_open(&t, late, Some(&office)).1, Urgency::Breached);
    }

    #[test]
    fn breached_tickets_come_first_and_finished_ones_last() {
        let breached =
            ticket(json!({"id": "a", "status": "open", "resolution_due": "2026-11-25T08:00:00Z"}));
        let later =
            ticket(json!({"id": "b", "status": "open", "resolution_due": "2026-11-26T08:00:00Z"}));
        let none = ticket(json!({"id": "c", "status": "open"}));
        let done = ticket(
            json!({"id": "d", "status": "resolved", "resolution_due": "2026-11-20T08:00:00Z"}),
        );
        let mut all = [done.clone(), none.clone(), later.clone(), breached.clone()];
        all.sort_by(queue_order);
        let ids: Vec<&str> = all.iter().map(|t| text(t, "id")).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
    }

    #[test]
    fn spans_use_two_units() {
        assert_eq!(span(30), "under 1m");
        assert_eq!(span(35 * 60), "35m");
        assert_eq!(span(3 * 86_400 + 4 * 3600 + 60), "3d 4h");
        assert_eq!(span(7200), "2h");
    }
}
