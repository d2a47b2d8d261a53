//! A ticket's service level: when the first response and the resolution are due. The admin's
//! `service_levels` say the minutes per priority and customer level and the calendar they count
//! in (`business_time`); a priority without one is served at the built-in minutes
//! (`sla_policies`, filled by migration 0001, read through `Tx::sla`) around the clock. Which
//! level applies and how its calendar is built is here, for the server and the client alike.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::business_time::{Calendar, DayKind, HoursError};

type Record = Map<String, Value>;

fn text<'a>(r: &'a Record, field: &str) -> Option<&'a str> {
    r.get(field).and_then(Value::as_str)
}

/// The ticket category of complaints: a new one nobody was assigned goes to a manager's queue
/// (the manager of the customer's team, else any manager).
pub const COMPLAINT: &str = "complaint";

/// The priority a ticket without one is served at.
pub const DEFAULT_PRIORITY: &str = "normal";

/// The statuses in which a ticket is finished: its clocks stop, it needs a resolution.
pub fn is_finished(status: &str) -> bool {
    matches!(status, "resolved" | "closed")
}

/// Open minutes before a due time at which the assignee is warned, when the service level
/// says nothing (the built-in levels; `service_levels.warn_minutes` defaults to the same).
pub const DEFAULT_WARN_MINUTES: i64 = 30;

/// A priority's service level in minutes from the ticket's opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    /// Open minutes before the running due time at which the clock is "due soon".
    pub warn_minutes: i64,
}

impl From<(i64, i64)> for Policy {
    fn from((first_response_minutes, resolution_minutes): (i64, i64)) -> Policy {
        Policy {
            first_response_minutes,
            resolution_minutes,
            warn_minutes: DEFAULT_WARN_MINUTES,
        }
    }
}

/// Where a ticket's running clock stands; the server keeps it on the ticket (`sla_alert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Alert {
    None,
    /// No more than the level's warning minutes of open time remain: the assignee is warned.
    DueSoon,
    /// The due time has passed: the team's manager is alerted, and the level may reassign.
    Breached,
}

impl Alert {
    pub fn code(self) -> &'static str {
        match self {
            Alert::None => "none",
            Alert::DueSoon => "due_soon",
            Alert::Breached => "breached",
        }
    }

    pub fn of_code(code: &str) -> Alert {
        match code {
            "due_soon" => Alert::DueSoon,
            "breached" => Alert::Breached,
            _ => Alert::None,
        }
    }

    /// How the clock with this due time stands at `now`, counting open time in `calendar`.
    pub fn at(
        now: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        warn_minutes: i64,
        calendar: &Calendar,
    ) -> Alert {
        match due {
            None => Alert::None,
            Some(due) if now >= due => Alert::Breached,
            Some(due) if calendar.minutes_between(now, due) <= warn_minutes => Alert::DueSoon,
            Some(_) => Alert::None,
        }
    }
}

fn time(r: &Record, field: &str) -> Option<DateTime<Utc>> {
    text(r, field)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The clock that runs now: the first response's until someone answered, then the
/// resolution's; none once the ticket is finished.
pub fn running_due(ticket: &Record) -> Option<DateTime<Utc>> {
    if is_finished(text(ticket, "status").unwrap_or("new")) {
        return None;
    }
    if time(ticket, "first_responded_at").is_none()
        && let Some(due) = time(ticket, "first_response_due")
    {
        return Some(due);
    }
    time(ticket, "resolution_due")
}

/// When a ticket's first response and resolution are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub first_response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
}

impl Policy {
    /// Due times run from when the ticket was opened, at the current priority's level (a
    /// changed priority moves them, still counted from the opening), in the calendar's open
    /// minutes; a calendar closed beyond its horizon counts around the clock.
    pub fn due(self, opened: DateTime<Utc>, calendar: &Calendar) -> Due {
        let add = |minutes: i64| {
            calendar
                .add(opened, minutes)
                .unwrap_or_else(|| opened + Duration::minutes(minutes))
        };
        Due {
            first_response: add(self.first_response_minutes),
            resolution: add(self.resolution_minutes),
        }
    }
}

/// The admin's service level for a priority and a customer level: the one for that level
/// beats the one for every level (no `level`); none when neither exists. Deleted records are
/// the caller's to leave out.
pub fn level_for<'a>(
    levels: &'a [Record],
    priority: &str,
    level: Option<&str>,
) -> Option<&'a Record> {
    let of_priority = || {
        levels
            .iter()
            .filter(|r| text(r, "priority") == Some(priority))
    };
    level
        .and_then(|l| of_priority().find(|r| text(r, "level") == Some(l)))
        .or_else(|| of_priority().find(|r| text(r, "level").is_none()))
}

impl Policy {
    /// A `service_levels` record's minutes.
    pub fn of(level: &Record) -> Policy {
        let minutes = |f: &str| level.get(f).and_then(Value::as_i64).unwrap_or(0);
        Policy {
            first_response_minutes: minutes("first_response_minutes"),
            resolution_minutes: minutes("resolution_minutes"),
            warn_minutes: level
                .get("warn_minutes")
                .and_then(Value::as_i64)
                .unwrap_or(DEFAULT_WARN_MINUTES),
        }
    }
}

/// A calendar from an `sla_calendars` record and the `holidays` records (those not dates are
/// skipped: the server refuses them).
pub fn calendar(record: &Record, holidays: &[Record]) -> Result<Calendar, HoursError> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let week = DAYS.map(|d| text(record, d).unwrap_or(""));
    let mut calendar = Calendar::new(text(record, "time_zone").unwrap_or("UTC"), week)?;
    for h in holidays {
        let date = text(h, "date").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let kind = text(h, "kind")
            .and_then(DayKind::parse)
            .unwrap_or(DayKind::Holiday);
        if let Some(date) = date {
            calendar = calendar.with_day(date, kind);
        }
    }
    Ok(calendar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_count_from_the_opening() {
        let opened = DateTime::parse_from_rfc3339("2026-03-01T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let due = Policy::from((30, 240)).due(opened, &Calendar::always());
        assert_eq!(due.first_response.to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(due.resolution.to_rfc3339(), "2026-03-02T03:30:00+00:00");
    }

    #[test]
    fn a_customer_level_s_service_level_beats_the_general_one() {
        let rec = |v: Value| v.as_object().unwrap().clone();
        let levels = vec![
            rec(
                serde_json::json!({"priority": "high", "level": null, "first_response_minutes": 60}),
            ),
            rec(
                serde_json::json!({"priority": "high", "level": "A", "first_response_minutes": 15}),
            ),
            rec(serde_json::json!({"priority": "low", "first_response_minutes": 480})),
        ];
        let minutes = |p, l| level_for(&levels, p, l).map(|r| Policy::of(r).first_response_minutes);
        assert_eq!(minutes("high", Some("A")), Some(15));
        assert_eq!(minutes("high", Some("B")), Some(60));
        assert_eq!(minutes("high", None), Some(60));
        assert_eq!(minutes("low", Some("A")), Some(480));
        assert_eq!(minutes("urgent", Some("A")), None);
    }

    #[test]
    fn a_calendar_record_with_its_holidays_counts_business_time() {
        let rec = |v: Value| v.as_object().unwrap().clone();
        let office = rec(serde_json::json!({"time_zone": "Asia/Shanghai",
            "monday": "09:00-18:00", "tuesday": "09:00-18:00", "wednesday": "09:00-18:00",
            "thursday": "09:00-18:00", "friday": "09:00-18:00"}));
        let holidays = vec![rec(
            serde_json::json!({"date": "2026-03-09", "kind": "holiday"}),
        )];
        let cal = calendar(&office, &holidays).unwrap();
        // Friday 2026-03-06 19:30 local; Monday the 9th is a holiday: due Tuesday 10:00 local.
        let opened = DateTime::parse_from_rfc3339("2026-03-06T11:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let due = Policy::from((60, 60)).due(opened, &cal);
        assert_eq!(due.first_response.to_rfc3339(), "2026-03-10T02:00:00+00:00");
        let bad = rec(serde_json::json!({"time_zone": "Nowhere/City", "monday": "09:00-18:00"}));
        assert!(calendar(&bad, &[]).is_err());
    }

    #[test]
    fn a_clock_is_due_soon_by_open_minutes_not_wall_minutes() {
        let rec = |v: Value| v.as_object().unwrap().clone();
        let office = rec(serde_json::json!({"time_zone": "Asia/Shanghai",
            "monday": "09:00-18:00", "tuesday": "09:00-18:00", "wednesday": "09:00-18:00",
            "thursday": "09:00-18:00", "friday": "09:00-18:00"}));
        let cal = calendar(&office, &[]).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Due Monday 2026-03-09 09:20 local: Friday 17:30 local has 50 open minutes left (30
        // on Friday, 20 on Monday), though the wall clock says 64 hours.
        let due = Some(at("2026-03-09T01:20:00Z"));
        assert_eq!(
            Alert::at(at("2026-03-06T09:30:00Z"), due, 60, &cal),
            Alert::DueSoon
        );
        assert_eq!(
            Alert::at(at("2026-03-06T09:30:00Z"), due, 30, &cal),
            Alert::None
        );
        // Friday 14:00 local: 4 hours 20 minutes of open time left.
        assert_eq!(
            Alert::at(at("2026-03-06T06:00:00Z"), due, 60, &cal),
            Alert::None
        );
        assert_eq!(
            Alert::at(at("2026-03-09T01:20:00Z"), due, 60, &cal),
            Alert::Breached
        );
        assert_eq!(
            Alert::at(at("2026-03-09T01:20:00Z"), None, 60, &cal),
            Alert::None
        );
        for a in [Alert::None, Alert::DueSoon, Alert::Breached] {
            assert_eq!(Alert::of_code(a.code()), a);
            assert!(crate::schema::SLA_ALERTS.contains(&a.code()));
        }
    }

    #[test]
    fn the_running_clock_is_the_first_response_until_answered() {
        let rec = |v: Value| v.as_object().unwrap().clone();
        let first = "2026-03-02T00:00:00Z";
        let last = "2026-03-03T00:00:00Z";
        let due = |t: &Record| running_due(t).map(|d| d.to_rfc3339());
        let open = rec(
            serde_json::json!({"status": "new", "first_response_due": first,
            "resolution_due": last}),
        );
        assert_eq!(due(&open).as_deref(), Some("2026-03-02T00:00:00+00:00"));
        let mut answered = open.clone();
        answered.insert("first_responded_at".into(), Value::String(first.into()));
        assert_eq!(due(&answered).as_deref(), Some("2026-03-03T00:00:00+00:00"));
        answered.insert("status".into(), Value::String("resolved".into()));
        assert_eq!(due(&answered), None);
    }

    #[test]
    fn resolved_and_closed_are_finished() {
        assert!(is_finished("resolved") && is_finished("closed"));
        assert!(!is_finished("new") && !is_finished("open") && !is_finished("pending"));
    }
}
