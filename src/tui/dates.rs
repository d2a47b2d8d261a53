//! Dates typed the way people say them: "tomorrow 14:00", "next mon", "2026-12-01", "+3d",
//! "in 2 weeks", "明天 9:30". Pure: the caller passes "now", so the same words always give the
//! same answer in tests.
//!
//! The rules, so nobody has to guess:
//! - a bare weekday ("fri") is its next occurrence after today;
//! - "next fri" is the Friday of next week (weeks start on Monday);
//! - "this fri" is the Friday of this week, even if it has passed;
//! - "12-01" and "dec 1" are in the current year;
//! - "+3d"/"+2w"/"+1mo"/"+1y" move the date; "+3h"/"+30min" move the date and time from now.

use chrono::{
    Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday,
};

/// A date, with a time when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl When {
    /// The instant, using `default` when no time was given.
    pub fn at(&self, default: NaiveTime) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(default))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("type a date: today, tomorrow 14:00, next mon, 2026-12-01, +3d")]
    Empty,
    #[error("cannot read \"{0}\" as a date; try tomorrow 14:00, next mon, 2026-12-01 or +3d")]
    Unknown(String),
}

pub fn parse(input: &str, now: NaiveDateTime) -> Result<When, DateError> {
    let normalized = chinese_to_words(&input.trim().to_lowercase());
    let tokens: Vec<&str> = normalized.split_whitespace().collect();
    if tokens.is_empty() {
        return Err(DateError::Empty);
    }
    let unknown = || DateError::Unknown(input.trim().to_string());

    // A relative move in hours or minutes carries the clock along.
    if let Some(when) = relative(&tokens, now) {
        return Ok(when);
    }

    // Peel a trailing time off ("... 14:00", "... 2 pm").
    let (date_tokens, time) = split_time(&tokens);
    let today = now.date();
    let date = if date_tokens.is_empty() {
        if time.is_none() {
            return Err(unknown());
        }
        today
    } else {
        match date_words(date_tokens, now) {
            Some(Parsed::Date(d)) => d,
            Some(Parsed::Instant(when)) => {
                return Ok(When {
                    date: when.date,
                    time: time.or(when.time),
                });
            }
            None => return Err(unknown()),
        }
    };
    Ok(When { date, time })
}

enum Parsed {
    Date(NaiveDate),
    Instant(When),
}

fn chinese_to_words(s: &str) -> String {
    let mut out = s.to_string();
    // Longest first, so 下周一 is not read as 周一.
    const WEEKDAYS: [(&str, &str); 7] = [
        ("一", "mon"),
        ("二", "tue"),
        ("三", "wed"),
        ("四", "thu"),
        ("五", "fri"),
        ("六", "sat"),
        ("日", "sun"),
    ];
    for (prefix, word) in [
        ("下周", "next "),
        ("下星期", "next "),
        ("这周", "this "),
        ("本周", "this "),
    ] {
        for (cn, en) in WEEKDAYS {
            out = out.replace(&format!("{prefix}{cn}"), &format!(" {word}{en} "));
        }
    }
    for prefix in ["星期", "周"] {
        for (cn, en) in WEEKDAYS {
            out = out.replace(&format!("{prefix}{cn}"), &format!(" {en} "));
        }
    }
    out = out.replace("星期天", " sun ");
    for (cn, en) in [
        ("今天", " today "),
        ("明天", " tomorrow "),
        ("后天", " +2d "),
        ("昨天", " yesterday "),
        ("下周", " next week "),
        ("下个月", " next month "),
        ("现在", " now "),
    ] {
        out = out.replace(cn, en);
    }
    // 2026年12月1日 / 12月1日 → 2026-12-1 / 12-1
    if out.contains('月') {
        out = out.replace(['年', '月'], "-").replace(['日', '号'], " ");
    }
    out
}

fn unit_delta(unit: &str) -> Option<Unit> {
    Some(match unit {
        "d" | "day" | "days" => Unit::Days(1),
        "w" | "wk" | "week" | "weeks" => Unit::Days(7),
        "m" | "mo" | "mon" | "month" | "months" => Unit::Months(1),
        "y" | "yr" | "year" | "years" => Unit::Months(12),
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Minutes(60),
        "min" | "mins" | "minute" | "minutes" => Unit::Minutes(1),
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum Unit {
    Days(u64),
    Months(u32),
    Minutes(i64),
}

/// "+3d", "-2w", "+1mo", "+3h", "in 3 days", "in 2 hours" (each optionally followed by a time).
fn relative(tokens: &[&str], now: NaiveDateTime) -> Option<When> {
    let (negative, amount, unit, rest): (bool, u64, Unit, Vec<&str>) =
        if tokens[0] == "in" && tokens.len() >= 2 {
            let (n, unit, used) = number_and_unit(&tokens[1..])?;
            (false, n, unit, tokens[1 + used..].to_vec())
        } else {
            let first = tokens[0];
            let (negative, body) = match first.as_bytes().first()? {
                b'+' => (false, &first[1..]),
                b'-' => (true, &first[1..]),
                _ => return None,
            };
            // "+3d" and "+ 3 days" alike: the sign may stand alone.
            let mut joined: Vec<&str> = if body.is_empty() {
                Vec::new()
            } else {
                vec![body]
            };
            joined.extend_from_slice(&tokens[1..]);
            let (n, unit, used) = number_and_unit(&joined)?;
            (negative, n, unit, joined[used..].to_vec())
        };
    let (rest_date, time) = split_time(&rest);
    if !rest_date.is_empty() {
        return None;
    }
    match unit {
        Unit::Minutes(m) => {
            let delta = Duration::minutes(m.checked_mul(amount as i64)?);
            let t = if negative {
                now.checked_sub_signed(delta)?
            } else {
                now.checked_add_signed(delta)?
            };
            Some(When {
                date: t.date(),
                time: Some(time.unwrap_or_else(|| t.time())),
            })
        }
        Unit::Days(d) => {
            let days = Days::new(d.checked_mul(amount)?);
            let date = if negative {
                now.date().checked_sub_days(days)?
            } else {
                now.date().checked_add_days(days)?
            };
            Some(When { date, time })
        }
        Unit::Months(m) => {
            let months = Months::new(m.checked_mul(u32::try_from(amount).ok()?)?);
            let date = if negative {
                now.date().checked_sub_months(months)?
            } else {
                now.date().checked_add_months(months)?
            };
            Some(When { date, time })
        }
    }
}

/// "3d" or "3 days" at the front of `tokens`: the number, the unit, and how many tokens it took.
fn number_and_unit(tokens: &[&str]) -> Option<(u64, Unit, usize)> {
    let first = tokens.first()?;
    let digits: String = first.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let suffix = &first[digits.len()..];
    if suffix.is_empty() {
        let unit = unit_delta(tokens.get(1)?)?;
        Some((n, unit, 2))
    } else {
        Some((n, unit_delta(suffix)?, 1))
    }
}

/// Splits off a time at the end: "14:00", "9:30", "9am", "2:30pm", "2 pm", "noon".
fn split_time<'a, 'b>(tokens: &'b [&'a str]) -> (&'b [&'a str], Option<NaiveTime>) {
    let n = tokens.len();
    if n >= 2
        && matches!(tokens[n - 1], "am" | "pm")
        && let Some(t) = time_of(&format!("{}{}", tokens[n - 2], tokens[n - 1]))
    {
        return (&tokens[..n - 2], Some(t));
    }
    if n >= 1
        && let Some(t) = time_of(tokens[n - 1])
    {
        return (&tokens[..n - 1], Some(t));
    }
    (tokens, None)
}

fn time_of(token: &str) -> Option<NaiveTime> {
    match token {
        "noon" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return NaiveTime::from_hms_opt(0, 0, 0),
        _ => {}
    }
    let (body, meridiem) = if let Some(b) = token.strip_suffix("am") {
        (b, Some(false))
    } else if let Some(b) = token.strip_suffix("pm") {
        (b, Some(true))
    } else {
        (token, None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        Some(_) => return None,
        // A bare number is a time only with am/pm ("9am"); "9" alone is not.
        None if meridiem.is_some() => (body.parse::<u32>().ok()?, 0),
        None => return None,
    };
    if h > 23 || body.starts_with('+') || body.starts_with('-') {
        return None;
    }
    let h = match meridiem {
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn weekday_of(token: &str) -> Option<Weekday> {
    Some(match token {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "weds" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn month_of(token: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let t = token.trim_end_matches(['.', ',']);
    if t.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|n| t.starts_with(n) && (t.len() == 3 || full_month_name(n).starts_with(t)))
        .map(|i| i as u32 + 1)
}

fn full_month_name(abbrev: &str) -> &'static str {
    match abbrev {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        _ => "december",
    }
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

fn date_words(tokens: &[&str], now: NaiveDateTime) -> Option<Parsed> {
    let today = now.date();
    let day = |d: NaiveDate| Some(Parsed::Date(d));
    match tokens {
        ["now"] => Some(Parsed::Instant(When {
            date: today,
            time: Some(NaiveTime::from_hms_opt(now.hour(), now.minute(), 0)?),
        })),
        ["today" | "tod"] => day(today),
        ["tomorrow" | "tmr" | "tom" | "tmrw"] => day(today.succ_opt()?),
        ["yesterday"] => day(today.pred_opt()?),
        ["next", "week"] => day(monday_of(today) + Days::new(7)),
        ["next", "month"] => day(today.with_day(1)?.checked_add_months(Months::new(1))?),
        ["next", "year"] => day(NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?),
        ["next", wd] => {
            let wd = weekday_of(wd)?;
            day(monday_of(today) + Days::new(7 + u64::from(wd.num_days_from_monday())))
        }
        ["this", wd] => {
            let wd = weekday_of(wd)?;
            day(monday_of(today) + Days::new(u64::from(wd.num_days_from_monday())))
        }
        [wd] if weekday_of(wd).is_some() => {
            let target = weekday_of(wd)?.num_days_from_monday();
            let current = today.weekday().num_days_from_monday();
            let ahead = (target + 7 - current) % 7;
            day(today + Days::new(u64::from(if ahead == 0 { 7 } else { ahead })))
        }
        [one] => numeric_date(one, today).map(Parsed::Date),
        // "dec 1", "1 dec", "dec 1 2026", "1 dec 2026"
        [a, b] | [a, b, _] => {
            let year = match tokens.get(2) {
                Some(y) => y.trim_end_matches(',').parse::<i32>().ok()?,
                None => today.year(),
            };
            let (month, dom) = match (month_of(a), month_of(b)) {
                (Some(m), None) => (m, b.trim_end_matches(',').parse::<u32>().ok()?),
                (None, Some(m)) => (m, a.trim_end_matches(',').parse::<u32>().ok()?),
                _ => return None,
            };
            day(NaiveDate::from_ymd_opt(year, month, dom)?)
        }
        _ => None,
    }
}

/// "2026-12-01", "2026/12/1", "2026.12.01", "12-01", "12/1".
fn numeric_date(token: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts: Vec<&str> = token.trim_end_matches('-').split(['-', '/', '.']).collect();
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    match (parts.as_slice(), nums.as_slice()) {
        ([y, _, _], [_, m, d]) if y.len() == 4 => {
            NaiveDate::from_ymd_opt(i32::try_from(nums[0]).ok()?, *m, *d)
        }
        ([_, _], [m, d]) => NaiveDate::from_ymd_opt(today.year(), *m, *d),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wednesday 2026-11-25 09:10.
    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(9, 10, 0)
            .unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    fn p(s: &str) -> When {
        parse(s, now()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn words_for_days() {
        assert_eq!(
            p("today"),
            When {
                date: d(2026, 11, 25),
                time: None
            }
        );
        assert_eq!(
            p("tomorrow 14:00"),
            When {
                date: d(2026, 11, 26),
                time: t(14, 0)
            }
        );
        assert_eq!(p("Tomorrow 2pm").time, t(14, 0));
        assert_eq!(p("tomorrow 2:30 pm").time, t(14, 30));
        assert_eq!(p("yesterday").date, d(2026, 11, 24));
        assert_eq!(
            p("now"),
            When {
                date: d(2026, 11, 25),
                time: t(9, 10)
            }
        );
        assert_eq!(
            p("16:45"),
            When {
                date: d(2026, 11, 25),
                time: t(16, 45)
            }
        );
        assert_eq!(p("tomorrow noon").time, t(12, 0));
    }

    #[test]
    fn weekdays_follow_the_stated_rules() {
        // Today is a Wednesday.
        assert_eq!(p("fri").date, d(2026, 11, 27));
        assert_eq!(
            p("wed").date,
            d(2026, 12, 2),
            "a bare weekday is never today"
        );
        assert_eq!(p("mon").date, d(2026, 11, 30));
        assert_eq!(p("next mon").date, d(2026, 11, 30));
        assert_eq!(p("next fri").date, d(2026, 12, 4), "next week's Friday");
        assert_eq!(p("this mon").date, d(2026, 11, 23));
        assert_eq!(p("next week").date, d(2026, 11, 30));
        assert_eq!(p("next month").date, d(2026, 12, 1));
        assert_eq!(
            p("next mon 9:30"),
            When {
                date: d(2026, 11, 30),
                time: t(9, 30)
            }
        );
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(p("2026-12-01").date, d(2026, 12, 1));
        assert_eq!(p("2027/1/5").date, d(2027, 1, 5));
        assert_eq!(p("12-01").date, d(2026, 12, 1));
        assert_eq!(p("dec 1").date, d(2026, 12, 1));
        assert_eq!(p("1 December 2027").date, d(2027, 12, 1));
        assert_eq!(
            p("2026-12-01 09:00"),
            When {
                date: d(2026, 12, 1),
                time: t(9, 0)
            }
        );
    }

    #[test]
    fn relative_moves() {
        assert_eq!(
            p("+3d"),
            When {
                date: d(2026, 11, 28),
                time: None
            }
        );
        assert_eq!(p("+2w").date, d(2026, 12, 9));
        assert_eq!(p("-1d").date, d(2026, 11, 24));
        assert_eq!(p("+1mo").date, d(2026, 12, 25));
        assert_eq!(
            p("+1m").date,
            d(2026, 12, 25),
            "m is months; minutes are min"
        );
        assert_eq!(
            p("+3h"),
            When {
                date: d(2026, 11, 25),
                time: t(12, 10)
            }
        );
        assert_eq!(p("+30min").time, t(9, 40));
        assert_eq!(
            p("+15h"),
            When {
                date: d(2026, 11, 26),
                time: t(0, 10)
            }
        );
        assert_eq!(p("in 3 days").date, d(2026, 11, 28));
        assert_eq!(p("in 2 hours").time, t(11, 10));
        assert_eq!(
            p("+3d 10:00"),
            When {
                date: d(2026, 11, 28),
                time: t(10, 0)
            }
        );
        assert_eq!(p("+ 3 days").date, d(2026, 11, 28));
    }

    #[test]
    fn chinese_words() {
        assert_eq!(
            p("明天 9:30"),
            When {
                date: d(2026, 11, 26),
                time: t(9, 30)
            }
        );
        assert_eq!(p("后天").date, d(2026, 11, 27));
        assert_eq!(p("下周一").date, d(2026, 11, 30));
        assert_eq!(p("周五").date, d(2026, 11, 27));
        assert_eq!(p("12月1日").date, d(2026, 12, 1));
        assert_eq!(
            p("2027年1月5日 14:00"),
            When {
                date: d(2027, 1, 5),
                time: t(14, 0)
            }
        );
    }

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        assert_eq!(parse("  ", now()), Err(DateError::Empty));
        for bad in [
            "soon",
            "2026-13-01",
            "25:00",
            "+3x",
            "9",
            "next blursday",
            "feb 30",
            "+99999999999y",
        ] {
            assert!(
                matches!(parse(bad, now()), Err(DateError::Unknown(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn at_fills_in_a_default_time() {
        let w = p("2026-12-01");
        assert_eq!(
            w.at(NaiveTime::from_hms_opt(9, 0, 0).unwrap()).to_string(),
            "2026-12-01 09:00:00"
        );
    }
}
