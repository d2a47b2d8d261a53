//! The period a dashboard or report covers: this month, quarter, year or custom days, stepped
//! back and forth with `[`/`]`, as local days in the user's zone. Pure.

use chrono::{Datelike, Duration, Months, NaiveDate};

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Month,
    Quarter,
    Year,
    /// A custom number of days, stepped by that many.
    Days(i64),
}

/// Local days `from` (inclusive) to `to` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub span: Span,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(
        "no such period {0:?}; use month, quarter, year, a month (2026-12), a quarter (2026-Q4), a year (2026) or two days (2026-11-01..2026-11-30)"
    )]
    Unknown(String),
    #[error("the period ends before it starts: {0}")]
    Backwards(String),
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

impl Period {
    /// The period of `span` that holds `day` (a custom span starts on `day`).
    pub fn holding(span: Span, day: NaiveDate) -> Period {
        let from = match span {
            Span::Month => first_of_month(day),
            Span::Quarter => {
                let month0 = (day.month0() / 3) * 3;
                NaiveDate::from_ymd_opt(day.year(), month0 + 1, 1).unwrap_or(day)
            }
            Span::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
            Span::Days(_) => day,
        };
        Period {
            span,
            from,
            to: Period::end(span, from),
        }
    }

    fn end(span: Span, from: NaiveDate) -> NaiveDate {
        let months = |n| from.checked_add_months(Months::new(n)).unwrap_or(from);
        match span {
            Span::Month => months(1),
            Span::Quarter => months(3),
            Span::Year => months(12),
            Span::Days(n) => from + Duration::days(n.max(1)),
        }
    }

    /// The period before (`by` < 0) or after this one.
    pub fn step(self, by: i32) -> Period {
        let from = match self.span {
            Span::Days(n) => self.from + Duration::days(n.max(1) * i64::from(by)),
            span => {
                let months = match span {
                    Span::Month => 1,
                    Span::Quarter => 3,
                    _ => 12,
                } * by.unsigned_abs();
                let moved = if by < 0 {
                    self.from.checked_sub_months(Months::new(months))
                } else {
                    self.from.checked_add_months(Months::new(months))
                };
                moved.unwrap_or(self.from)
            }
        };
        Period {
            span: self.span,
            from,
            to: Period::end(self.span, from),
        }
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// Whole weeks in the period, at least one (per-week figures divide by it).
    pub fn weeks(&self) -> i64 {
        ((self.days() + 6) / 7).max(1)
    }

    /// The first day of the month `from` lies in: targets are per month, and a month counts
    /// when the period covers any of it.
    pub fn first_month(&self) -> NaiveDate {
        first_of_month(self.from)
    }

    /// As people read it: `2026-12`, `2026-Q4`, `2026`, or `2026-11-03..2026-11-09`.
    pub fn label(&self) -> String {
        match self.span {
            Span::Month => self.from.format("%Y-%m").to_string(),
            Span::Quarter => format!("{}-Q{}", self.from.year(), self.from.month0() / 3 + 1),
            Span::Year => self.from.format("%Y").to_string(),
            Span::Days(_) => format!(
                "{}..{}",
                self.from.format("%Y-%m-%d"),
                (self.to - Duration::days(1)).format("%Y-%m-%d")
            ),
        }
    }

    /// A period as typed (`--period`): `month`, `quarter`, `year` (the one holding `today`),
    /// `last-month`, `2026-12`, `2026-Q4`, `2026`, or `FROM..TO` (both days included).
    pub fn parse(text: &str, today: NaiveDate) -> Result<Period, PeriodError> {
        let t = text.trim().to_lowercase();
        let unknown = || PeriodError::Unknown(text.to_string());
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| unknown());
        match t.as_str() {
            "month" => return Ok(Period::holding(Span::Month, today)),
            "quarter" => return Ok(Period::holding(Span::Quarter, today)),
            "year" => return Ok(Period::holding(Span::Year, today)),
            "last-month" => return Ok(Period::holding(Span::Month, today).step(-1)),
            "last-quarter" => return Ok(Period::holding(Span::Quarter, today).step(-1)),
            "last-year" => return Ok(Period::holding(Span::Year, today).step(-1)),
            _ => {}
        }
        if let Some((a, b)) = t.split_once("..") {
            let (from, last) = (date(a)?, date(b)?);
            if last < from {
                return Err(PeriodError::Backwards(text.to_string()));
            }
            let days = (last - from).num_days() + 1;
            return Ok(Period::holding(Span::Days(days), from));
        }
        if let Some((y, q)) = t.split_once("-q") {
            let year: i32 = y.parse().map_err(|_| unknown())?;
            let q: u32 = q.parse().map_err(|_| unknown())?;
            if !(1..=4).contains(&q) {
                return Err(unknown());
            }
            let day = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or_else(unknown)?;
            return Ok(Period::holding(Span::Quarter, day));
        }
        if t.len() == 7
            && let Ok(day) = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        {
            return Ok(Period::holding(Span::Month, day));
        }
        if t.len() == 4
            && let Ok(year) = t.parse::<i32>()
            && let Some(day) = NaiveDate::from_ymd_opt(year, 1, 1)
        {
            return Ok(Period::holding(Span::Year, day));
        }
        Err(unknown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_hold_the_day_and_step_by_their_length() {
        let q = Period::holding(Span::Quarter, d("2026-11-15"));
        assert_eq!((q.from, q.to), (d("2026-10-01"), d("2027-01-01")));
        assert_eq!(q.label(), "2026-Q4");
        let next = q.step(1);
        assert_eq!((next.from, next.to), (d("2027-01-01"), d("2027-04-01")));
        let m = Period::holding(Span::Month, d("2026-03-31")).step(-1);
        assert_eq!((m.from, m.to), (d("2026-02-01"), d("2026-03-01")));
        let y = Period::holding(Span::Year, d("2026-06-01")).step(-1);
        assert_eq!(y.label(), "2025");
        let c = Period::parse("2026-11-03..2026-11-09", d("2026-12-01")).unwrap();
        assert_eq!((c.days(), c.weeks()), (7, 1));
        assert_eq!(c.step(1).label(), "2026-11-10..2026-11-16");
    }

    #[test]
    fn periods_parse_as_typed_and_refuse_the_rest() {
        let today = d("2026-12-03");
        assert_eq!(Period::parse("month", today).unwrap().label(), "2026-12");
        assert_eq!(
            Period::parse("last-month", today).unwrap().label(),
            "2026-11"
        );
        assert_eq!(
            Period::parse("2026-Q2", today).unwrap().from,
            d("2026-04-01")
        );
        assert_eq!(Period::parse("2025", today).unwrap().to, d("2026-01-01"));
        assert_eq!(Period::parse("2026-02", today).unwrap().to, d("2026-03-01"));
        for bad in ["weekly", "2026-Q5", "2026-13", "x..y"] {
            assert!(Period::parse(bad, today).is_err(), "{bad}");
        }
        assert!(matches!(
            Period::parse("2026-12-09..2026-12-01", today),
            Err(PeriodError::Backwards(_))
        ));
    }
}
