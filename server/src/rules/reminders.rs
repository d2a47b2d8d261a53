//! Reminders: contacts' birthdays coming up, follow-ups past their due time, and customers not
//! contacted for longer than their level allows. Pure decisions over records and a `now`; the
//! caller reads the records (the client from its replica).

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::store::Record;

fn time(record: &Record, field: &str) -> Option<DateTime<Utc>> {
    record
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The next time a birthday comes round on or after `from` (29 February is kept on the 28th in
/// other years).
pub fn next_anniversary(born: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
    for year in [from.year(), from.year() + 1] {
        let date = NaiveDate::from_ymd_opt(year, born.month(), born.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, born.month(), born.day() - 1))?;
        if date >= from {
            return Some(date);
        }
    }
    None
}

/// A contact's birthday (`YYYY-MM-DD` in its `birthday` field) falling in `[from, to]`: the
/// date it falls on.
pub fn birthday_between(contact: &Record, from: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
    let born = contact
        .get("birthday")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())?;
    next_anniversary(born, from).filter(|d| *d <= to)
}

/// The month-days (`MM-DD`, as a `birthday`'s characters 6–10) whose birthdays come round in
/// `[from, to]`, soonest first, by [`next_anniversary`]'s rule: a 29 February birthday falls on
/// the 28th of a year without one. None when the range covers a whole year (every birthday).
/// It lets a store narrow birthdays by index or scan without reading every contact as a record.
pub fn birthday_month_days(from: NaiveDate, to: NaiveDate) -> Option<Vec<String>> {
    if to < from {
        return Some(Vec::new());
    }
    if (to - from).num_days() >= 365 {
        return None;
    }
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        days.push(day.format("%m-%d").to_string());
        let leap = NaiveDate::from_ymd_opt(day.year(), 2, 29).is_some();
        if day.month() == 2 && day.day() == 28 && !leap {
            days.push("02-29".into());
        }
        day = day.succ_opt()?;
    }
    Some(days)
}

/// When an activity happens: its start, else its due time.
pub fn activity_time(activity: &Record) -> Option<DateTime<Utc>> {
    time(activity, "starts_at").or_else(|| time(activity, "due_at"))
}

/// A follow-up is overdue when it is not done and its due time has passed.
pub fn is_overdue(activity: &Record, now: DateTime<Utc>) -> bool {
    activity.get("done") != Some(&Value::Bool(true))
        && time(activity, "due_at").is_some_and(|due| due < now)
}

/// The order overdue follow-ups are listed in: longest overdue first.
pub fn overdue_order(a: &Record, b: &Record) -> Ordering {
    time(a, "due_at").cmp(&time(b, "due_at"))
}

/// The last contact with a customer: the latest of its activities that has happened by `now`.
pub fn last_contact<'a>(
    activities: impl IntoIterator<Item = &'a Record>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    activities
        .into_iter()
        .filter_map(activity_time)
        .filter(|t| *t <= now)
        .max()
}

/// Days without contact per level when an admin has set none (`level_settings`).
pub const DEFAULT_QUIET_DAYS: [(&str, u32); 4] = [("A", 7), ("B", 14), ("C", 30), ("D", 60)];

/// The days per level in force: the admin's `level_settings` records over the defaults.
pub fn quiet_days_in_force(settings: &[Record]) -> Vec<(String, u32)> {
    DEFAULT_QUIET_DAYS
        .iter()
        .map(|(level, days)| {
            let set = settings
                .iter()
                .filter(|r| r.get("level").and_then(Value::as_str) == Some(level))
                .find_map(|r| r.get("quiet_days").and_then(Value::as_u64))
                .and_then(|d| u32::try_from(d).ok());
            (level.to_string(), set.unwrap_or(*days))
        })
        .collect()
}

/// How many days a customer of `level` may go without contact, from the settings
/// (`[("A", 14), ("B", 30)]`); None: its level is not watched.
pub fn quiet_days(level: &str, by_level: &[(String, u32)]) -> Option<u32> {
    by_level.iter().find(|(l, _)| l == level).map(|(_, d)| *d)
}

/// Whether a customer last contacted at `last` (never: None) has gone `days` days without
/// contact by `now`.
pub fn is_quiet(last: Option<DateTime<Utc>>, now: DateTime<Utc>, days: u32) -> bool {
    last.is_none_or(|t| t <= now - Duration::days(i64::from(days)))
}

/// A follow-up planned: not done and due after `now`.
pub fn is_planned(activity: &Record, now: DateTime<Utc>) -> bool {
    activity.get("done") != Some(&Value::Bool(true))
        && time(activity, "due_at").is_some_and(|due| due > now)
}

/// Whether a customer is listed as not contacted: quiet for its level's days, and no follow-up
/// planned (a planned one is the reminder; missed, it is listed as overdue). Moving a "not
/// contacted" reminder plans that follow-up.
pub fn is_due_for_contact(
    last: Option<DateTime<Utc>>,
    planned: bool,
    now: DateTime<Utc>,
    days: u32,
) -> bool {
    !planned && is_quiet(last, now, days)
}

/// Whether `customer`, whose activities these are, is overdue for contact by its level.
/// Returns its last contact when it is.
pub fn quiet_customer<'a>(
    customer: &Record,
    activities: impl IntoIterator<Item = &'a Record> + Clone,
    now: DateTime<Utc>,
    by_level: &[(String, u32)],
) -> Option<Option<DateTime<Utc>>> {
    let level = customer.get("level").and_then(Value::as_str).unwrap_or("");
    let days = quiet_days(level, by_level)?;
    let planned = activities.clone().into_iter().any(|a| is_planned(a, now));
    let last = last_contact(activities, now);
    is_due_for_contact(last, planned, now, days).then_some(last)
}

/// The order quiet customers are listed in: longest without contact first (never contacted
/// before all), then by name.
pub fn quiet_order(
    (a_last, a_name): (Option<DateTime<Utc>>, &str),
    (b_last, b_name): (Option<DateTime<Utc>>, &str),
) -> Ordering {
    a_last.cmp(&b_last).then(a_name.cmp(b_name))
}

/// A contract's renewal reminder: an approved contract whose `ends_on` lies within its
/// `renewal_days` (30 when unset) from `today`, up to and including the day it ends. The date it
/// ends when it is due for renewal.
pub fn renewal_due(contract: &Record, today: NaiveDate) -> Option<NaiveDate> {
    if contract.get("status").and_then(Value::as_str) != Some("approved") {
        return None;
    }
    let ends = contract
        .get("ends_on")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())?;
    let days = contract
        .get("renewal_days")
        .and_then(Value::as_i64)
        .unwrap_or(30);
    (today <= ends && today >= ends - Duration::days(days)).then_some(ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: Value) -> Record {
        v.as_object().cloned().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_birthday_comes_round_this_year_or_next_and_leap_days_on_the_28th() {
        assert_eq!(
            next_anniversary(day("1980-06-15"), day("2026-06-01")),
            Some(day("2026-06-15"))
        );
        assert_eq!(
            next_anniversary(day("1980-06-15"), day("2026-06-16")),
            Some(day("2027-06-15"))
        );
        assert_eq!(
            next_anniversary(day("1980-02-29"), day("2026-01-01")),
            Some(day("2026-02-28"))
        );
        assert_eq!(
            next_anniversary(day("1980-02-29"), day("2027-03-01")),
            Some(day("2028-02-29"))
        );
    }

    #[test]
    fn the_month_days_of_a_range_are_exactly_the_birthdays_the_rule_reminds() {
        // Every birthday of a leap year (29 February included) against ranges starting on
        // every day of a common and a leap year, of a day, two weeks and a month view.
        let borns: Vec<NaiveDate> = day("2000-01-01")
            .iter_days()
            .take_while(|d| d.year() == 2000)
            .collect();
        for from in day("2027-01-01").iter_days().take(731) {
            for len in [0, 13, 41] {
                let to = from + Duration::days(len);
                let days = birthday_month_days(from, to).unwrap();
                for born in &borns {
                    let k = record(json!({"birthday": born.format("%Y-%m-%d").to_string()}));
                    let md = born.format("%m-%d").to_string();
                    assert_eq!(
                        birthday_between(&k, from, to).is_some(),
                        days.contains(&md),
                        "{born} in {from}..={to}"
                    );
                }
            }
        }
        assert_eq!(
            birthday_month_days(day("2026-03-02"), day("2026-03-01")),
            Some(vec![])
        );
        assert_eq!(
            birthday_month_days(day("2026-01-01"), day("2027-01-01")),
            None
        );
        assert_eq!(
            birthday_month_days(day("2026-12-31"), day("2027-01-01")),
            Some(vec!["12-31".to_string(), "01-01".to_string()])
        );
    }

    #[test]
    fn only_birthdays_inside_the_range_are_reminded() {
        let k = record(json!({"birthday": "1990-12-31"}));
        assert_eq!(
            birthday_between(&k, day("2026-12-25"), day("2027-01-07")),
            Some(day("2026-12-31"))
        );
        assert_eq!(
            birthday_between(&k, day("2026-12-01"), day("2026-12-30")),
            None
        );
        let none = record(json!({"birthday": null}));
        assert_eq!(
            birthday_between(&none, day("2026-01-01"), day("2026-12-31")),
            None
        );
        let bad = record(json!({"birthday": "31/12/1990"}));
        assert_eq!(
            birthday_between(&bad, day("2026-01-01"), day("2026-12-31")),
            None
        );
    }

    #[test]
    fn overdue_means_not_done_and_due_before_now() {
        let now = at("2026-05-10T09:00:00Z");
        let due = |due: &str, done: bool| record(json!({"due_at": due, "done": done}));
        assert!(is_overdue(&due("2026-05-10T08:59:00Z", false), now));
        assert!(!is_overdue(&due("2026-05-10T08:59:00Z", true), now));
        assert!(!is_overdue(&due("2026-05-10T09:00:00Z", false), now));
        assert!(!is_overdue(&record(json!({"done": false})), now));
        let (a, b) = (
            due("2026-05-01T00:00:00Z", false),
            due("2026-05-02T00:00:00Z", false),
        );
        assert_eq!(overdue_order(&a, &b), Ordering::Less);
    }

    #[test]
    fn a_customer_is_quiet_after_its_levels_days_counted_from_past_activities_only() {
        let now = at("2026-05-31T12:00:00Z");
        let by_level = vec![("A".to_string(), 14), ("B".to_string(), 30)];
        let a = record(json!({"level": "A"}));
        let c = record(json!({"level": "C"}));
        let met = |t: &str| record(json!({"starts_at": t}));
        let old = [met("2026-05-10T12:00:00Z")];
        // 21 days ago is past A's 14: quiet, with the last contact.
        assert_eq!(
            quiet_customer(&a, &old, now, &by_level),
            Some(Some(at("2026-05-10T12:00:00Z")))
        );
        // A meeting planned for tomorrow is no contact yet.
        let planned = [met("2026-05-10T12:00:00Z"), met("2026-06-01T12:00:00Z")];
        assert!(quiet_customer(&a, &planned, now, &by_level).is_some());
        // A follow-up planned (due later, not done) is the reminder: not listed meanwhile.
        let follow_up = [record(
            json!({"due_at": "2026-06-03T09:00:00Z", "done": false}),
        )];
        assert_eq!(quiet_customer(&a, &follow_up, now, &by_level), None);
        let done = [record(
            json!({"due_at": "2026-06-03T09:00:00Z", "done": true}),
        )];
        assert!(quiet_customer(&a, &done, now, &by_level).is_some());
        // A call yesterday (only a due time) keeps it off the list.
        let recent = [record(json!({"due_at": "2026-05-30T12:00:00Z"}))];
        assert_eq!(quiet_customer(&a, &recent, now, &by_level), None);
        // Never contacted, and a level not watched.
        assert_eq!(quiet_customer(&a, &[], now, &by_level), Some(None));
        assert_eq!(quiet_customer(&c, &[], now, &by_level), None);
        // Exactly the limit counts as quiet.
        assert!(is_quiet(Some(now - Duration::days(14)), now, 14));
        assert!(!is_quiet(Some(now - Duration::days(13)), now, 14));
    }

    #[test]
    fn an_admins_setting_replaces_its_levels_default_only() {
        let set = [record(json!({"level": "B", "quiet_days": 3}))];
        assert_eq!(
            quiet_days_in_force(&set),
            vec![
                ("A".to_string(), 7),
                ("B".to_string(), 3),
                ("C".to_string(), 30),
                ("D".to_string(), 60)
            ]
        );
        assert_eq!(quiet_days_in_force(&[])[1], ("B".to_string(), 14));
    }

    #[test]
    fn quiet_customers_never_contacted_come_first_then_longest_then_by_name() {
        let t = at("2026-05-01T00:00:00Z");
        assert_eq!(quiet_order((None, "Z"), (Some(t), "A")), Ordering::Less);
        assert_eq!(
            quiet_order((Some(t), "B"), (Some(t), "A")),
            Ordering::Greater
        );
        assert_eq!(
            quiet_order((Some(t), "B"), (Some(t + Duration::days(1)), "A")),
            Ordering::Less
        );
    }

    #[test]
    fn an_approved_contract_is_due_for_renewal_within_its_days_of_ending() {
        let contract = |status: &str, ends: &str| -> Record {
            serde_json::json!({"status": status, "ends_on": ends, "renewal_days": 30})
                .as_object()
                .unwrap()
                .clone()
        };
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let c = contract("approved", "2026-06-30");
        assert_eq!(renewal_due(&c, day("2026-05-31")), Some(day("2026-06-30")));
        assert_eq!(renewal_due(&c, day("2026-06-30")), Some(day("2026-06-30")));
        assert_eq!(renewal_due(&c, day("2026-05-30")), None);
        assert_eq!(renewal_due(&c, day("2026-07-01")), None);
        assert_eq!(
            renewal_due(&contract("pending", "2026-06-30"), day("2026-06-15")),
            None
        );
    }
}
