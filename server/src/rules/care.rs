//! Customer care (客户关怀): when an occasion falls, whether a care rule fires on a day, the
//! words its task carries, and the ids that make a care task or a sent message happen once.
//! Pure: the caller passes the day and the records.
//!
//! 春节 and 中秋 follow the lunar calendar; their Gregorian dates are a table
//! ([`SPRING_FESTIVAL`], [`MID_AUTUMN`]), from the published calendars, to be extended as the
//! years come (a year outside it has no such occasion, and a rule for it makes nothing).

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use super::template::{Escape, TemplateError, Values, render};

/// 春节 (the first day of the first lunar month), Gregorian, 2024–2040.
pub const SPRING_FESTIVAL: &[(i32, u32, u32)] = &[
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 3),
    (2031, 1, 23),
    (2032, 2, 11),
    (2033, 1, 31),
    (2034, 2, 19),
    (2035, 2, 8),
    (2036, 1, 28),
    (2037, 2, 15),
    (2038, 2, 4),
    (2039, 1, 24),
    (2040, 2, 12),
];

/// 中秋 (the fifteenth day of the eighth lunar month), Gregorian, 2024–2040.
pub const MID_AUTUMN: &[(i32, u32, u32)] = &[
    (2024, 9, 17),
    (2025, 10, 6),
    (2026, 9, 25),
    (2027, 9, 15),
    (2028, 10, 3),
    (2029, 9, 22),
    (2030, 9, 12),
    (2031, 10, 1),
    (2032, 9, 19),
    (2033, 9, 8),
    (2034, 9, 27),
    (2035, 9, 16),
    (2036, 10, 4),
    (2037, 9, 24),
    (2038, 9, 13),
    (2039, 10, 2),
    (2040, 9, 20),
];

/// What a care rule fires on (`schema::CARE_OCCASIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// A contact's birthday.
    Birthday,
    /// The customer's founding day (`founded_on`).
    Anniversary,
    NewYear,
    SpringFestival,
    MidAutumn,
    /// The customer reached level A.
    LevelA,
}

impl Occasion {
    pub fn parse(code: &str) -> Option<Occasion> {
        Some(match code {
            "birthday" => Occasion::Birthday,
            "anniversary" => Occasion::Anniversary,
            "new_year" => Occasion::NewYear,
            "spring_festival" => Occasion::SpringFestival,
            "mid_autumn" => Occasion::MidAutumn,
            "level_a" => Occasion::LevelA,
            _ => return None,
        })
    }

    /// Whether each of the rule's customers is its subject (else each contact, or the change).
    pub fn per_customer(self) -> bool {
        matches!(
            self,
            Occasion::Anniversary
                | Occasion::NewYear
                | Occasion::SpringFestival
                | Occasion::MidAutumn
        )
    }

    /// How the occasion is named in a task's subject.
    pub fn label(self) -> &'static str {
        match self {
            Occasion::Birthday => "生日关怀",
            Occasion::Anniversary => "成立周年",
            Occasion::NewYear => "元旦问候",
            Occasion::SpringFestival => "春节问候",
            Occasion::MidAutumn => "中秋问候",
            Occasion::LevelA => "升级为 A 级客户",
        }
    }
}

fn table_date(table: &[(i32, u32, u32)], year: i32) -> Option<NaiveDate> {
    table
        .iter()
        .find(|(y, _, _)| *y == year)
        .and_then(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

/// The first day on or after `from` the occasion falls on: a birthday or anniversary by its
/// `anchor` (the birthday, the founding day; none without one), a holiday by its date. None for
/// level A (no date) and for a lunar holiday beyond the table.
pub fn next_date(
    occasion: Occasion,
    anchor: Option<NaiveDate>,
    from: NaiveDate,
) -> Option<NaiveDate> {
    if matches!(occasion, Occasion::Birthday | Occasion::Anniversary) {
        return super::reminders::next_anniversary(anchor?, from);
    }
    let in_year = |year: i32| -> Option<NaiveDate> {
        match occasion {
            Occasion::Birthday | Occasion::Anniversary => None,
            Occasion::NewYear => NaiveDate::from_ymd_opt(year, 1, 1),
            Occasion::SpringFestival => table_date(SPRING_FESTIVAL, year),
            Occasion::MidAutumn => table_date(MID_AUTUMN, year),
            Occasion::LevelA => None,
        }
    };
    [from.year(), from.year() + 1]
        .into_iter()
        .filter_map(in_year)
        .find(|d| *d >= from)
}

/// Whether a rule made `days_before` ahead fires on `today` for an occasion on `date`: from
/// that many days before up to the day itself, so a server down on the first day still makes
/// the task on a later one (once: [`task_id`]).
pub fn fires(date: NaiveDate, today: NaiveDate, days_before: i64) -> bool {
    date >= today && (date - today).num_days() <= days_before.max(0)
}

/// The month-days (`MM-DD`, as a stored `YYYY-MM-DD` date reads from its sixth character) a
/// birthday or founding day must fall on for a rule `days_before` ahead to fire on `today`:
/// every day from today to `days_before` ahead, and 29 February with a 28th in a year without
/// one ([`next_date`] keeps that birthday on the 28th). `None` when the window spans a whole year
/// (every day would do). The scan reads only these from the month-day index, then checks each
/// with [`fires`].
pub fn month_days(today: NaiveDate, days_before: i64) -> Option<Vec<String>> {
    // The reminders' rule: the days from today to `days_before` ahead.
    let until = today + chrono::Duration::days(days_before.max(0));
    crate::rules::reminders::birthday_month_days(today, until)
}

/// A stable id made from its parts: the same parts always give the same id, so inserting it a
/// second time finds it there instead.
fn made_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// The care task's id for a rule, its subject (a contact or customer) and the occasion's day
/// (level A: the day it was reached): the one task that occasion ever makes.
pub fn task_id(rule_id: &str, subject_id: &str, date: Option<NaiveDate>) -> String {
    let day = date.map(|d| d.to_string()).unwrap_or_default();
    made_id(&["care", rule_id, subject_id, &day])
}

/// The activity recording a message of send `send_id` to `contact_id`: a retried send finds
/// it and sends nothing again.
pub fn message_id(send_id: &str, contact_id: &str) -> String {
    made_id(&["send", send_id, contact_id])
}

/// The start of a message activity's notes when the mail server refused it, so it was not
/// sent and a retry with the same send id may try again.
pub const NOT_SENT: &str = "Not sent: ";

/// The placeholders a care rule's wording and a letter template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "customer", "code", "contact", "title", "owner", "occasion", "date", "years", "today",
];

/// What fills a wording or letter: the customer's name and code, the contact's name and title,
/// the owner's display name, the occasion and its day, the years (an age or anniversary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub customer: String,
    pub code: String,
    pub contact: String,
    pub title: String,
    pub owner: String,
    pub occasion: String,
    pub date: String,
    pub years: String,
    pub today: String,
}

impl Subject {
    pub fn values(&self) -> Values {
        let mut v = Values::default();
        for (k, value) in [
            ("customer", &self.customer),
            ("code", &self.code),
            ("contact", &self.contact),
            ("title", &self.title),
            ("owner", &self.owner),
            ("occasion", &self.occasion),
            ("date", &self.date),
            ("years", &self.years),
            ("today", &self.today),
        ] {
            v.fields.insert(k, value.clone());
        }
        v
    }
}

/// `text` filled for `subject` as plain text (a task's notes, a mail's text, an SMS).
pub fn fill(text: &str, subject: &Subject) -> Result<String, TemplateError> {
    render(text, &subject.values(), Escape::Plain)
}

/// Whether `text` reads as a wording or letter: every placeholder known, every section closed.
pub fn check(text: &str) -> Result<(), TemplateError> {
    fill(text, &Subject::default()).map(|_| ())
}

/// The years since `anchor` on `date` (an age, an anniversary), when positive.
pub fn years_on(anchor: Option<NaiveDate>, date: NaiveDate) -> Option<i32> {
    let anchor = anchor?;
    let mut years = date.year() - anchor.year();
    if (date.month(), date.day()) < (anchor.month(), anchor.day()) {
        years -= 1;
    }
    (years > 0).then_some(years)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_month_days_read_are_every_day_a_birthday_fires_on() {
        assert_eq!(
            month_days(d(2026, 12, 30), 3),
            Some(vec![
                "12-30".into(),
                "12-31".into(),
                "01-01".into(),
                "01-02".into()
            ])
        );
        assert_eq!(month_days(d(2026, 12, 4), -2), Some(vec!["12-04".into()]));
        // 2027 has no 29 February: a birthday on it is kept on the 28th, so it is read then.
        assert_eq!(
            month_days(d(2027, 2, 28), 0),
            Some(vec!["02-28".into(), "02-29".into()])
        );
        assert_eq!(month_days(d(2028, 2, 28), 0), Some(vec!["02-28".into()]));
        assert_eq!(month_days(d(2026, 1, 1), 400), None);
        // Whatever the window, every birthday that fires has its month-day in the set.
        for start in 0..366 {
            let today = d(2026, 1, 1) + chrono::Duration::days(start);
            let set = month_days(today, 10).unwrap();
            for born in [
                d(1988, 2, 29),
                d(1990, 3, 1),
                d(1975, 12, 31),
                d(2000, 1, 1),
            ] {
                let next = next_date(Occasion::Birthday, Some(born), today).unwrap();
                if fires(next, today, 10) {
                    assert!(
                        set.contains(&born.format("%m-%d").to_string()),
                        "{born} {today}"
                    );
                }
            }
        }
    }

    #[test]
    fn birthdays_fall_this_year_or_next_and_29_february_on_the_28th() {
        let born = Some(d(1990, 3, 14));
        assert_eq!(
            next_date(Occasion::Birthday, born, d(2026, 3, 1)),
            Some(d(2026, 3, 14))
        );
        assert_eq!(
            next_date(Occasion::Birthday, born, d(2026, 3, 14)),
            Some(d(2026, 3, 14))
        );
        assert_eq!(
            next_date(Occasion::Birthday, born, d(2026, 3, 15)),
            Some(d(2027, 3, 14))
        );
        let leap = Some(d(1992, 2, 29));
        assert_eq!(
            next_date(Occasion::Birthday, leap, d(2026, 2, 1)),
            Some(d(2026, 2, 28))
        );
        assert_eq!(
            next_date(Occasion::Birthday, leap, d(2028, 2, 1)),
            Some(d(2028, 2, 29))
        );
        assert_eq!(next_date(Occasion::Birthday, None, d(2026, 2, 1)), None);
    }

    #[test]
    fn lunar_holidays_come_from_the_table() {
        assert_eq!(
            next_date(Occasion::SpringFestival, None, d(2026, 1, 1)),
            Some(d(2026, 2, 17))
        );
        assert_eq!(
            next_date(Occasion::SpringFestival, None, d(2026, 2, 18)),
            Some(d(2027, 2, 6))
        );
        assert_eq!(
            next_date(Occasion::MidAutumn, None, d(2026, 9, 25)),
            Some(d(2026, 9, 25))
        );
        assert_eq!(next_date(Occasion::MidAutumn, None, d(2040, 9, 21)), None);
        assert_eq!(
            next_date(Occasion::NewYear, None, d(2026, 12, 4)),
            Some(d(2027, 1, 1))
        );
        assert_eq!(next_date(Occasion::LevelA, None, d(2026, 12, 4)), None);
        // Every year of the table once, in order, within its season.
        for table in [SPRING_FESTIVAL, MID_AUTUMN] {
            for pair in table.windows(2) {
                assert_eq!(pair[1].0, pair[0].0 + 1);
            }
        }
        assert!(
            SPRING_FESTIVAL
                .iter()
                .all(|&(_, m, day)| (m, day) >= (1, 21) && (m, day) <= (2, 20))
        );
        assert!(
            MID_AUTUMN
                .iter()
                .all(|&(_, m, day)| (m, day) >= (9, 7) && (m, day) <= (10, 8))
        );
    }

    #[test]
    fn a_rule_fires_from_its_days_before_up_to_the_day() {
        let day = d(2026, 2, 17);
        assert!(!fires(day, d(2026, 2, 9), 7));
        assert!(fires(day, d(2026, 2, 10), 7));
        assert!(fires(day, d(2026, 2, 17), 7));
        assert!(!fires(day, d(2026, 2, 18), 7));
        assert!(fires(day, day, 0));
        assert!(!fires(day, d(2026, 2, 16), 0));
    }

    #[test]
    fn ids_are_stable_and_differ_by_every_part() {
        let a = task_id("r", "c", Some(d(2026, 2, 17)));
        assert_eq!(a, task_id("r", "c", Some(d(2026, 2, 17))));
        assert_ne!(a, task_id("r", "c", Some(d(2027, 2, 6))));
        assert_ne!(a, task_id("r", "c2", Some(d(2026, 2, 17))));
        assert_ne!(a, task_id("r2", "c", Some(d(2026, 2, 17))));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
        assert_eq!(message_id("s", "c"), message_id("s", "c"));
        assert_ne!(message_id("s", "c"), message_id("s", "d"));
        assert_ne!(message_id("s", "c"), task_id("s", "c", None));
    }

    #[test]
    fn wording_fills_placeholders_and_refuses_unknown_ones() {
        let subject = Subject {
            customer: "华为".into(),
            contact: "王小明".into(),
            years: "36".into(),
            ..Subject::default()
        };
        assert_eq!(
            fill(
                "{{contact}}，祝您{{years}}岁生日快乐！——{{customer}}",
                &subject
            )
            .unwrap(),
            "王小明，祝您36岁生日快乐！——华为"
        );
        assert!(check("尊敬的{{contact}}").is_ok());
        let e = check("尊敬的{{name}}").unwrap_err();
        assert!(e.to_string().contains("name"), "{e}");
        assert_eq!(years_on(Some(d(1990, 3, 14)), d(2026, 3, 14)), Some(36));
        assert_eq!(years_on(Some(d(1990, 3, 14)), d(2026, 3, 13)), Some(35));
        assert_eq!(years_on(Some(d(2026, 3, 14)), d(2026, 3, 14)), None);
    }

    #[test]
    fn control_characters_in_values_never_reach_a_message() {
        let subject = Subject {
            contact: "王\u{1b}[31m小明\u{202e}".into(),
            ..Subject::default()
        };
        assert_eq!(fill("{{contact}}", &subject).unwrap(), "王[31m小明");
    }
}
