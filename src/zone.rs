//! The user's time zone: the one place a stored UTC instant becomes a time people read, and a
//! time people type becomes a UTC instant. Times are stored in UTC; the screens and the CLI's
//! tables show and read them in this zone.
//!
//! Where the zone comes from: the profile's `timezone`, else the `TZ` environment variable (an
//! IANA name, `:Name`, or a path ending in `zoneinfo/Name`; anything else is skipped), else the
//! system's (`/etc/localtime`), else UTC.
//!
//! Local times that are not one instant, so nobody has to guess:
//! - a time in the spring-forward gap (02:30 on the day clocks go from 02:00 to 03:00) does not
//!   exist: typing it is refused, and the message names the first time that does;
//! - a time the autumn change repeats (02:30 twice) is the earlier one (summer time);
//! - a day starts at its first instant: midnight, or the end of a gap that swallowed midnight.

use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error(
        "\"{0}\" is not a time zone; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC"
    )]
    Unknown(String),
    #[error("{time} does not exist in {zone}: the clocks go forward then; type {after} or later")]
    Skipped {
        time: String,
        zone: &'static str,
        after: String,
    },
}

/// A time zone of the IANA database. Cheap to copy: screens and dialogs hold it by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl Zone {
    pub const UTC: Zone = Zone(Tz::UTC);

    /// A zone by its IANA name ("Asia/Shanghai"); also `:Asia/Shanghai` and
    /// `/usr/share/zoneinfo/Asia/Shanghai`, as `TZ` may hold them.
    pub fn named(name: &str) -> Result<Zone, ZoneError> {
        let trimmed = name.trim();
        let bare = trimmed.strip_prefix(':').unwrap_or(trimmed);
        let bare = bare.rsplit_once("zoneinfo/").map_or(bare, |(_, n)| n);
        Tz::from_str(bare)
            .map(Zone)
            .map_err(|_| ZoneError::Unknown(trimmed.to_string()))
    }

    /// The user's zone: the profile's setting, else `TZ`, else the system's, else UTC. A profile
    /// naming no zone is an error (a typo should not silently show other times); a `TZ` that is
    /// not an IANA name (a POSIX rule like `CST-8`) is passed over.
    pub fn resolve(profile: Option<&str>) -> Result<Zone, ZoneError> {
        Zone::resolve_from(profile, std::env::var("TZ").ok().as_deref(), || {
            iana_time_zone::get_timezone().ok()
        })
    }

    /// [`Zone::resolve`] with its sources given, for tests.
    pub fn resolve_from(
        profile: Option<&str>,
        tz_env: Option<&str>,
        system: impl FnOnce() -> Option<String>,
    ) -> Result<Zone, ZoneError> {
        if let Some(name) = profile.filter(|n| !n.trim().is_empty()) {
            return Zone::named(name);
        }
        if let Some(zone) = tz_env
            .filter(|n| !n.trim().is_empty())
            .and_then(|n| Zone::named(n).ok())
        {
            return Ok(zone);
        }
        Ok(system()
            .and_then(|n| Zone::named(&n).ok())
            .unwrap_or(Zone::UTC))
    }

    /// The IANA name: "Asia/Shanghai", "UTC".
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zone as a header names it at `now`: "Asia/Shanghai +08", "Europe/Berlin +01", "UTC".
    pub fn label(&self, now: DateTime<Utc>) -> String {
        if self.0 == Tz::UTC {
            return "UTC".into();
        }
        let offset = self.local(now).format("%:z").to_string();
        let short = offset.strip_suffix(":00").unwrap_or(&offset);
        format!("{} {short}", self.name())
    }

    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.0)
    }

    /// The wall-clock time at `t`, as dates are typed against it.
    pub fn naive(&self, t: DateTime<Utc>) -> NaiveDateTime {
        self.local(t).naive_local()
    }

    /// The local day `t` falls on.
    pub fn date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date_naive()
    }

    /// `t` in this zone by a chrono format ("%H:%M").
    pub fn format(&self, t: DateTime<Utc>, fmt: &str) -> String {
        self.local(t).format(fmt).to_string()
    }

    /// "2026-11-25 09:30".
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%Y-%m-%d %H:%M")
    }

    /// "09:30".
    pub fn time(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%H:%M")
    }

    /// A wall-clock time typed in this zone as a UTC instant: a repeated time is the earlier
    /// instant; a skipped one is refused, naming the first time after the gap.
    pub fn to_utc(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, ZoneError> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
            LocalResult::None => Err(ZoneError::Skipped {
                time: local.format("%Y-%m-%d %H:%M").to_string(),
                zone: self.name(),
                after: self
                    .after_gap(local)
                    .map_or_else(String::new, |t| self.time(t)),
            }),
        }
    }

    /// The first instant of a local day (midnight, or the end of a gap that swallowed it).
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(NaiveTime::MIN);
        self.to_utc(midnight)
            .ok()
            .or_else(|| self.after_gap(midnight))
            .unwrap_or_else(|| midnight.and_utc())
    }

    /// The first instant after the gap `local` lies in. Gaps last hours at most; a minute's
    /// step finds the end within a day's worth of tries.
    fn after_gap(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        (1..=24 * 60).find_map(|m| {
            let later = local.checked_add_signed(Duration::minutes(m))?;
            match self.0.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn zone(name: &str) -> Zone {
        Zone::named(name).unwrap()
    }

    #[test]
    fn a_beijing_morning_is_shown_and_stored_right() {
        let beijing = zone("Asia/Shanghai");
        assert_eq!(
            beijing.to_utc(local("2026-11-25 09:00")),
            Ok(utc("2026-11-25T01:00:00Z"))
        );
        assert_eq!(beijing.time(utc("2026-11-25T01:00:00Z")), "09:00");
        assert_eq!(
            beijing.date(utc("2026-11-24T15:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        assert_eq!(
            beijing.date(utc("2026-11-24T16:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            "00:30 in Beijing is 16:30 UTC the day before"
        );
        assert_eq!(
            beijing.day_start(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            utc("2026-11-24T16:00:00Z")
        );
        assert_eq!(
            beijing.label(utc("2026-11-25T01:00:00Z")),
            "Asia/Shanghai +08"
        );
    }

    #[test]
    fn berlin_keeps_wall_clock_times_across_the_october_change() {
        let berlin = zone("Europe/Berlin");
        // Summer time (+02) before 2026-10-25 03:00, winter time (+01) after.
        let before = berlin.to_utc(local("2026-10-24 10:00")).unwrap();
        let after = berlin.to_utc(local("2026-10-26 10:00")).unwrap();
        assert_eq!(before, utc("2026-10-24T08:00:00Z"));
        assert_eq!(after, utc("2026-10-26T09:00:00Z"));
        assert_eq!(berlin.time(before), "10:00");
        assert_eq!(berlin.time(after), "10:00");
        assert_eq!(berlin.label(before), "Europe/Berlin +02");
        assert_eq!(berlin.label(after), "Europe/Berlin +01");
        // 02:30 happens twice on the 25th: the earlier (summer time) is meant.
        assert_eq!(
            berlin.to_utc(local("2026-10-25 02:30")),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        // The day of the change lasts 25 hours.
        let day = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(
            berlin.day_start(day.succ_opt().unwrap()) - berlin.day_start(day),
            Duration::hours(25)
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_is_refused_naming_the_next_one() {
        let berlin = zone("Europe/Berlin");
        let err = berlin.to_utc(local("2026-03-29 02:30")).unwrap_err();
        assert_eq!(
            err,
            ZoneError::Skipped {
                time: "2026-03-29 02:30".into(),
                zone: "Europe/Berlin",
                after: "03:00".into(),
            }
        );
        assert!(err.to_string().contains("type 03:00 or later"), "{err}");
        assert_eq!(
            berlin.to_utc(local("2026-03-29 03:00")),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_gap_ends() {
        // Chile springs forward at midnight: 2026-09-06 00:00 does not exist in Santiago.
        let santiago = zone("America/Santiago");
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = santiago.day_start(day);
        assert_eq!(santiago.date(start), day);
        assert_eq!(santiago.time(start), "01:00");
    }

    #[test]
    fn the_zone_comes_from_profile_then_tz_then_the_system() {
        let system = || Some("Europe/Berlin".to_string());
        assert_eq!(
            Zone::resolve_from(Some("Asia/Shanghai"), Some("America/New_York"), system),
            Ok(zone("Asia/Shanghai"))
        );
        assert_eq!(
            Zone::resolve_from(None, Some(":America/New_York"), system),
            Ok(zone("America/New_York"))
        );
        assert_eq!(
            Zone::resolve_from(None, Some("/usr/share/zoneinfo/Asia/Tokyo"), system),
            Ok(zone("Asia/Tokyo"))
        );
        assert_eq!(
            Zone::resolve_from(None, Some("CST-8"), system),
            Ok(zone("Europe/Berlin")),
            "a POSIX TZ rule is passed over"
        );
        assert_eq!(
            Zone::resolve_from(None, None, system),
            Ok(zone("Europe/Berlin"))
        );
        assert_eq!(Zone::resolve_from(Some(" "), None, || None), Ok(Zone::UTC));
        assert_eq!(
            Zone::resolve_from(Some("Asia/Shangai"), None, system),
            Err(ZoneError::Unknown("Asia/Shangai".into())),
            "a typo in the profile is an error, not another zone"
        );
    }
}
