//! The running call's clock: talk time from the pop (or the start key) to the hang-up key, then
//! after-call work until the wrap-up is saved. Pure; the app holds one `CallTimer` at most, the
//! status bar shows it, and the log-call flow records both times on the call.

use chrono::{DateTime, Utc};

/// The longest time either field holds (a day).
const MAX_SECONDS: i64 = 86_400;

/// A call in progress: when it started and, once hung up, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimer {
    pub started: DateTime<Utc>,
    pub hung_up: Option<DateTime<Utc>>,
}

impl CallTimer {
    pub fn start(at: DateTime<Utc>) -> CallTimer {
        CallTimer {
            started: at,
            hung_up: None,
        }
    }

    /// Hangs up at `at` (a second press keeps the first hang-up).
    pub fn hang_up(&mut self, at: DateTime<Utc>) {
        self.hung_up.get_or_insert(at.max(self.started));
    }

    /// What the status bar shows: `☎ 03:12` while talking, `ACW 00:42 · talked 03:12` after.
    pub fn status(&self, now: DateTime<Utc>) -> String {
        let t = CallTimes::of(self.started, self.hung_up, now);
        match self.hung_up {
            None => format!("☎ {}", clock(t.talk_seconds)),
            Some(_) => format!(
                "ACW {} · talked {}",
                clock(t.wrap_up_seconds),
                clock(t.talk_seconds)
            ),
        }
    }
}

/// `mm:ss`, or `h:mm:ss` from an hour.
pub fn clock(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The times a call records when it is wrapped up at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimes {
    /// Start to hang-up (to now, when not hung up: the wrap-up hangs up).
    pub talk_seconds: i64,
    /// Hang-up to now.
    pub wrap_up_seconds: i64,
    /// When the talking ended.
    pub ended: DateTime<Utc>,
}

impl CallTimes {
    pub fn of(
        started: DateTime<Utc>,
        hung_up: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> CallTimes {
        let ended = hung_up.unwrap_or(now).clamp(started, now.max(started));
        CallTimes {
            talk_seconds: (ended - started).num_seconds().clamp(0, MAX_SECONDS),
            wrap_up_seconds: (now - ended).num_seconds().clamp(0, MAX_SECONDS),
            ended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn talk_runs_to_the_hang_up_and_after_call_work_from_there() {
        let mut c = CallTimer::start(t0());
        assert_eq!(c.status(t0() + Duration::seconds(192)), "☎ 03:12");
        c.hang_up(t0() + Duration::seconds(192));
        // A second hang-up does not move it.
        c.hang_up(t0() + Duration::seconds(300));
        let now = t0() + Duration::seconds(234);
        assert_eq!(c.status(now), "ACW 00:42 · talked 03:12");
        let times = CallTimes::of(c.started, c.hung_up, now);
        assert_eq!((times.talk_seconds, times.wrap_up_seconds), (192, 42));
        assert_eq!(times.ended, t0() + Duration::seconds(192));
    }

    #[test]
    fn wrapping_up_without_a_hang_up_ends_the_talk_then() {
        let now = t0() + Duration::seconds(3_725);
        let times = CallTimes::of(t0(), None, now);
        assert_eq!((times.talk_seconds, times.wrap_up_seconds), (3_725, 0));
        assert_eq!(clock(3_725), "1:02:05");
        // A clock set back never gives negative times.
        let times = CallTimes::of(t0(), None, t0() - Duration::seconds(5));
        assert_eq!((times.talk_seconds, times.wrap_up_seconds), (0, 0));
    }
}
