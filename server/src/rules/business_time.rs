//! Business time: a service level counts only the hours a service desk is open. One pure
//! calculator, used by the server (a ticket's due times) and the client (how much working time
//! a ticket has left), so both count the same minutes.
//!
//! A [`Calendar`] is opening hours per weekday in a time zone, plus dated exceptions: a public
//! holiday (closed all day) and a working day that would otherwise be closed (调休: the weekend
//! days China works to bridge a holiday), which opens with the hours of the first weekday that
//! has any. Hours are local wall-clock times: across a daylight-saving change a 09:00–17:00 day
//! still opens at 09:00, and a span the change shortens counts the hours that really pass.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::Deserialize;

/// Minutes in a day: a span may close at `24:00`.
const DAY: u16 = 24 * 60;
/// How far ahead a due time is looked for before the calendar is called closed for good (a
/// year of holidays cannot close it; a calendar with no opening hours can).
const HORIZON_DAYS: i64 = 3 * 366;

/// What is wrong with opening hours or a calendar, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("\"{0}\" is not opening hours; write them as 09:00-18:00, several separated by commas")]
    Syntax(String),
    #[error("{0}: a span must close after it opens, and no later than 24:00")]
    Order(String),
    #[error("{0}: spans overlap or are out of order; list them from morning to evening")]
    Overlap(String),
    #[error("\"{0}\" is not a time zone; use an IANA name such as Asia/Shanghai")]
    Zone(String),
    #[error("the calendar is never open; give at least one weekday opening hours")]
    NeverOpen,
}

/// One opening span of a day, minutes since local midnight, `[open, close)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub open: u16,
    pub close: u16,
}

/// Reads a day's opening hours: `09:00-18:00`, `09:00-12:00, 13:30-18:00`, or nothing (closed).
pub fn parse_hours(text: &str) -> Result<Vec<Span>, HoursError> {
    let text = text.trim();
    if text.is_empty() || text == "-" {
        return Ok(Vec::new());
    }
    let mut spans: Vec<Span> = Vec::new();
    for part in text.split([',', '，']) {
        let part = part.trim();
        let (a, b) = part
            .split_once(['-', '–'])
            .ok_or_else(|| HoursError::Syntax(part.into()))?;
        let (open, close) = (clock(a.trim(), part)?, clock(b.trim(), part)?);
        if close <= open {
            return Err(HoursError::Order(part.into()));
        }
        if spans.last().is_some_and(|last| last.close > open) {
            return Err(HoursError::Overlap(text.into()));
        }
        spans.push(Span { open, close });
    }
    Ok(spans)
}

/// `HH:MM` as minutes since midnight; `24:00` is the day's end.
fn clock(t: &str, part: &str) -> Result<u16, HoursError> {
    let bad = || HoursError::Syntax(part.into());
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) || t.len() > 5 {
        return Err(HoursError::Order(part.into()));
    }
    Ok(h * 60 + m)
}

/// A dated exception to the weekly hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Closed all day (a public holiday).
    Holiday,
    /// Open although its weekday is not (调休).
    Workday,
}

impl DayKind {
    /// The stored word (`holidays.kind`).
    pub fn parse(word: &str) -> Option<DayKind> {
        match word {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// Opening hours per weekday in a zone, with holidays and working weekends.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    zone: Tz,
    /// Monday first; `None` for a calendar open around the clock.
    week: Option<[Vec<Span>; 7]>,
    days: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// Open every minute of every day: due times are plain sums, as before business hours.
    pub fn always() -> Calendar {
        Calendar {
            zone: Tz::UTC,
            week: None,
            days: BTreeMap::new(),
        }
    }

    /// A calendar in `zone` (an IANA name) with each weekday's hours, Monday first, as
    /// [`parse_hours`] reads them.
    pub fn new(zone: &str, week: [&str; 7]) -> Result<Calendar, HoursError> {
        let zone = Tz::from_str(zone.trim()).map_err(|_| HoursError::Zone(zone.into()))?;
        let mut days: [Vec<Span>; 7] = Default::default();
        for (day, text) in days.iter_mut().zip(week) {
            *day = parse_hours(text)?;
        }
        if days.iter().all(Vec::is_empty) {
            return Err(HoursError::NeverOpen);
        }
        Ok(Calendar {
            zone,
            week: Some(days),
            days: BTreeMap::new(),
        })
    }

    /// Adds a dated exception (a later one for the same date replaces it).
    pub fn with_day(mut self, date: NaiveDate, kind: DayKind) -> Calendar {
        self.days.insert(date, kind);
        self
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The spans a local date is open.
    fn spans(&self, date: NaiveDate) -> &[Span] {
        let Some(week) = &self.week else {
            return &[];
        };
        match self.days.get(&date) {
            Some(DayKind::Holiday) => &[],
            Some(DayKind::Workday) => {
                let own = &week[date.weekday().num_days_from_monday() as usize];
                if own.is_empty() {
                    week.iter()
                        .find(|d| !d.is_empty())
                        .map_or(&[], Vec::as_slice)
                } else {
                    own
                }
            }
            None => &week[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// The instant a local date's minute falls on: a time the spring change skips is the
    /// instant the clocks jump at, a time the autumn change repeats its first occurrence.
    fn instant(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let local: NaiveDateTime =
            date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(minute.into());
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            // In a gap: the same wall time read in the offset before the change, which is the
            // instant the gap begins plus how far into it the time lies.
            LocalResult::None => {
                let before = self
                    .zone
                    .from_local_datetime(&(local - Duration::hours(3)))
                    .earliest()
                    .map(|t| t.offset().fix());
                let offset = before
                    .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
                (local - Duration::seconds(offset.local_minus_utc().into())).and_utc()
            }
        }
    }

    /// The local date an instant falls on.
    fn date_of(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.zone).date_naive()
    }

    /// The open periods `[from, to)` as instants, from the local day of `start` on, in order.
    fn periods(
        &self,
        start: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        // The day before too: a span late on the previous local date can still be running.
        let first = self.date_of(start) - Duration::days(1);
        (0..=HORIZON_DAYS)
            .map(move |i| first + Duration::days(i))
            .flat_map(move |date| {
                self.spans(date).iter().map(move |s| {
                    (
                        self.instant(date, s.open),
                        self.instant(date, s.close.min(DAY)),
                    )
                })
            })
            .filter(move |(_, to)| *to > start)
    }

    /// The instant `minutes` of open time after `start` (a start outside the hours counts from
    /// the next opening). `None` when the calendar stays closed beyond its horizon.
    pub fn add(&self, start: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        let mut left = Duration::minutes(minutes.max(0));
        if self.week.is_none() {
            return Some(start + left);
        }
        for (from, to) in self.periods(start) {
            let from = from.max(start);
            let open = to - from;
            if left <= open {
                return Some(from + left);
            }
            left -= open;
        }
        None
    }

    /// Open time between two instants, in whole minutes; negative when `to` is before `from`
    /// (how long ago a due time passed, in working time).
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to < from {
            return -self.minutes_between(to, from);
        }
        if self.week.is_none() {
            return (to - from).num_minutes();
        }
        let mut total = Duration::zero();
        for (a, b) in self.periods(from) {
            if a >= to {
                break;
            }
            total += b.min(to) - a.max(from);
        }
        total.num_minutes()
    }
}

/// One day of a public-holiday file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayDay {
    pub date: NaiveDate,
    pub name: String,
    pub kind: DayKind,
}

/// What is wrong with a holiday file.
#[derive(Debug, thiserror::Error)]
pub enum HolidayFileError {
    #[error(
        "the holiday file is not the expected JSON ({0}); expected {{\"days\": [{{\"name\": \"春节\", \"date\": \"2026-02-17\", \"isOffDay\": true}}, …]}}"
    )]
    Json(#[from] serde_json::Error),
    #[error("day {index}: \"{date}\" is not a date (YYYY-MM-DD)")]
    Date { index: usize, date: String },
    #[error("day {index}: the name is empty or longer than 100 characters")]
    Name { index: usize },
    #[error("{0} is listed twice")]
    Twice(NaiveDate),
}

#[derive(Deserialize)]
struct File {
    days: Vec<FileDay>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileDay {
    name: String,
    date: String,
    is_off_day: bool,
}

/// Reads a Chinese public-holiday file in the widely published format (one per year, as the
/// State Council's notice gives it): `{"year": 2026, "days": [{"name": "春节", "date":
/// "2026-02-17", "isOffDay": true}, …]}`; a day with `isOffDay: false` is a working weekend
/// (调休). Dates in order of the file; a date twice is refused.
pub fn parse_holiday_file(text: &str) -> Result<Vec<HolidayDay>, HolidayFileError> {
    let file: File = serde_json::from_str(text)?;
    let mut seen = std::collections::BTreeSet::new();
    file.days
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let index = i + 1;
            let date = NaiveDate::parse_from_str(d.date.trim(), "%Y-%m-%d").map_err(|_| {
                HolidayFileError::Date {
                    index,
                    date: d.date.chars().take(40).collect(),
                }
            })?;
            let name = d.name.trim();
            if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
                return Err(HolidayFileError::Name { index });
            }
            if !seen.insert(date) {
                return Err(HolidayFileError::Twice(date));
            }
            Ok(HolidayDay {
                date,
                name: name.to_string(),
                kind: if d.is_off_day {
                    DayKind::Holiday
                } else {
                    DayKind::Workday
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    const OFFICE: [&str; 7] = [
        "09:00-18:00",
        "09:00-18:00",
        "09:00-18:00",
        "09:00-18:00",
        "09:00-18:00",
        "",
        "",
    ];

    fn shanghai() -> Calendar {
        Calendar::new("Asia/Shanghai", OFFICE).unwrap()
    }

    #[test]
    fn hours_are_read_and_bad_ones_named() {
        assert_eq!(
            parse_hours("09:00-12:00, 13:30-18:00").unwrap(),
            vec![
                Span {
                    open: 540,
                    close: 720
                },
                Span {
                    open: 810,
                    close: 1080
                }
            ]
        );
        assert_eq!(
            parse_hours("00:00-24:00").unwrap(),
            vec![Span {
                open: 0,
                close: 1440
            }]
        );
        assert!(parse_hours("").unwrap().is_empty());
        assert!(matches!(parse_hours("9-5"), Err(HoursError::Syntax(_))));
        assert!(matches!(
            parse_hours("18:00-09:00"),
            Err(HoursError::Order(_))
        ));
        assert!(matches!(
            parse_hours("09:00-24:30"),
            Err(HoursError::Order(_))
        ));
        assert!(matches!(
            parse_hours("09:00-13:00,12:00-18:00"),
            Err(HoursError::Overlap(_))
        ));
        assert_eq!(
            Calendar::new("Asia/Shanghai", [""; 7]),
            Err(HoursError::NeverOpen)
        );
        assert!(matches!(
            Calendar::new("Mars/Base", OFFICE),
            Err(HoursError::Zone(_))
        ));
    }

    #[test]
    fn a_ticket_opened_friday_evening_is_due_on_monday_not_saturday() {
        // Friday 2026-03-06 19:30 in Shanghai (11:30 UTC): closed; 4 working hours from Monday
        // 09:00 is Monday 13:00 local, 05:00 UTC.
        let due = shanghai().add(at("2026-03-06T11:30:00Z"), 240).unwrap();
        assert_eq!(due, at("2026-03-09T05:00:00Z"));
        // Friday 16:00 local (08:00 UTC) + 3h: 2h on Friday, 1h on Monday → Monday 10:00 local.
        let due = shanghai().add(at("2026-03-06T08:00:00Z"), 180).unwrap();
        assert_eq!(due, at("2026-03-09T02:00:00Z"));
    }

    #[test]
    fn within_the_day_and_at_the_closing_minute() {
        let cal = shanghai();
        // Tuesday 10:00 local + 60 → 11:00 local.
        assert_eq!(
            cal.add(at("2026-03-10T02:00:00Z"), 60),
            Some(at("2026-03-10T03:00:00Z"))
        );
        // Tuesday 17:00 local + 60 → exactly the closing minute, 18:00, not the next morning.
        assert_eq!(
            cal.add(at("2026-03-10T09:00:00Z"), 60),
            Some(at("2026-03-10T10:00:00Z"))
        );
        // Before opening: counts from 09:00.
        assert_eq!(
            cal.add(at("2026-03-09T23:00:00Z"), 30),
            Some(at("2026-03-10T01:30:00Z"))
        );
    }

    #[test]
    fn a_lunch_break_is_not_counted() {
        let week = ["09:00-12:00,13:00-18:00"; 7];
        let cal = Calendar::new("UTC", week).unwrap();
        assert_eq!(
            cal.add(at("2026-03-10T11:00:00Z"), 120),
            Some(at("2026-03-10T14:00:00Z"))
        );
    }

    #[test]
    fn holidays_close_and_working_weekends_open() {
        // 国庆 2026: Oct 1–7 off, Saturday Oct 10 worked (调休).
        let mut cal = shanghai();
        for d in 1..=7 {
            cal = cal.with_day(
                NaiveDate::from_ymd_opt(2026, 10, d).unwrap(),
                DayKind::Holiday,
            );
        }
        let cal = cal.with_day(day("2026-10-10"), DayKind::Workday);
        // Wednesday Sep 30 17:00 local + 2h: 1h that day, then nothing until Thursday Oct 8.
        assert_eq!(
            cal.add(at("2026-09-30T09:00:00Z"), 120),
            Some(at("2026-10-08T02:00:00Z"))
        );
        // Friday Oct 9 17:00 local + 2h: the Saturday is worked, 09:00–18:00 → Saturday 10:00.
        assert_eq!(
            cal.add(at("2026-10-09T09:00:00Z"), 120),
            Some(at("2026-10-10T02:00:00Z"))
        );
        // A week's holiday holds no working time.
        assert_eq!(
            cal.minutes_between(at("2026-09-30T10:00:00Z"), at("2026-10-08T01:00:00Z")),
            0
        );
    }

    #[test]
    fn the_same_hours_in_another_zone_are_other_instants() {
        let berlin = Calendar::new("Europe/Berlin", OFFICE).unwrap();
        // Monday 2026-01-12 07:00 UTC = 08:00 Berlin (CET, +1): opens at 09:00 = 08:00 UTC.
        assert_eq!(
            berlin.add(at("2026-01-12T07:00:00Z"), 60),
            Some(at("2026-01-12T09:00:00Z"))
        );
        // The same instant in Shanghai is 15:00: an hour later is 16:00 local.
        assert_eq!(
            shanghai().add(at("2026-01-12T07:00:00Z"), 60),
            Some(at("2026-01-12T08:00:00Z"))
        );
        // A Sunday in Berlin is already Monday morning in Shanghai: Sunday 2026-01-11 23:30
        // UTC is Monday 07:30 in Shanghai, open from 09:00 (01:00 UTC).
        assert_eq!(
            shanghai().add(at("2026-01-11T23:30:00Z"), 30),
            Some(at("2026-01-12T01:30:00Z"))
        );
    }

    #[test]
    fn daylight_saving_changes_keep_wall_clock_hours() {
        let berlin = Calendar::new("Europe/Berlin", OFFICE).unwrap();
        // Friday 2026-03-27 16:00 CET (15:00 UTC) + 3h: 2h Friday, 1h Monday after the spring
        // change: Monday 30 March 10:00 CEST = 08:00 UTC (it would be 09:00 UTC in winter).
        assert_eq!(
            berlin.add(at("2026-03-27T15:00:00Z"), 180),
            Some(at("2026-03-30T08:00:00Z"))
        );
        // Autumn: Friday 2026-10-23 17:00 CEST (15:00 UTC) + 2h → Monday 26 Oct 10:00 CET = 09:00 UTC.
        assert_eq!(
            berlin.add(at("2026-10-23T15:00:00Z"), 120),
            Some(at("2026-10-26T09:00:00Z"))
        );
        // A span across the change counts the hours that pass: Sunday 29 March 00:00–06:00 is
        // five hours long, the hour from 02:00 to 03:00 never happening.
        let night =
            Calendar::new("Europe/Berlin", ["", "", "", "", "", "", "00:00-06:00"]).unwrap();
        let sunday = at("2026-03-28T23:00:00Z");
        assert_eq!(
            night.minutes_between(sunday, at("2026-03-29T04:00:00Z")),
            300
        );
        assert_eq!(night.add(sunday, 300), Some(at("2026-03-29T04:00:00Z")));
        // And the autumn one is seven: Sunday 25 October 00:00 CEST (22:00 UTC on the 24th) to
        // 06:00 CET (05:00 UTC).
        assert_eq!(
            night.minutes_between(at("2026-10-24T22:00:00Z"), at("2026-10-25T05:00:00Z")),
            420
        );
    }

    #[test]
    fn minutes_between_agrees_with_add_and_is_signed() {
        let cal = shanghai();
        let start = at("2026-03-06T08:00:00Z");
        for minutes in [0, 1, 59, 120, 540, 541, 2000] {
            let due = cal.add(start, minutes).unwrap();
            assert_eq!(cal.minutes_between(start, due), minutes, "{minutes}");
            assert_eq!(cal.minutes_between(due, start), -minutes, "{minutes}");
        }
    }

    #[test]
    fn around_the_clock_is_plain_arithmetic() {
        let cal = Calendar::always();
        assert_eq!(
            cal.add(at("2026-03-07T23:30:00Z"), 30),
            Some(at("2026-03-08T00:00:00Z"))
        );
        assert_eq!(
            cal.minutes_between(at("2026-03-08T00:00:00Z"), at("2026-03-07T23:00:00Z")),
            -60
        );
    }

    #[test]
    fn the_holiday_file_is_read_with_its_working_weekends() {
        let text = r#"{"year":2026,"days":[
            {"name":"春节","date":"2026-02-16","isOffDay":true},
            {"name":"春节","date":"2026-02-14","isOffDay":false}]}"#;
        let days = parse_holiday_file(text).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].kind, DayKind::Holiday);
        assert_eq!(
            days[1],
            HolidayDay {
                date: day("2026-02-14"),
                name: "春节".into(),
                kind: DayKind::Workday
            }
        );
        let twice = r#"{"days":[{"name":"a","date":"2026-01-01","isOffDay":true},{"name":"b","date":"2026-01-01","isOffDay":true}]}"#;
        assert!(matches!(
            parse_holiday_file(twice),
            Err(HolidayFileError::Twice(_))
        ));
        let bad = r#"{"days":[{"name":"a","date":"2026-13-01","isOffDay":true}]}"#;
        assert!(matches!(
            parse_holiday_file(bad),
            Err(HolidayFileError::Date { index: 1, .. })
        ));
        assert!(matches!(
            parse_holiday_file("[]"),
            Err(HolidayFileError::Json(_))
        ));
    }
}
