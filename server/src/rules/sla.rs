//! A ticket's service level: when the first response and the resolution are due. The minutes
//! per priority are data (`sla_policies`, filled by migration 0001, read through `Tx::sla`);
//! what is done with them is here.

use chrono::{DateTime, Duration, Utc};

/// The priority a ticket without one is served at.
pub const DEFAULT_PRIORITY: &str = "normal";

/// The statuses in which a ticket is finished: its clocks stop, it needs a resolution.
pub fn is_finished(status: &str) -> bool {
    matches!(status, "resolved" | "closed")
}

/// A priority's service level in minutes from the ticket's opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

impl From<(i64, i64)> for Policy {
    fn from((first_response_minutes, resolution_minutes): (i64, i64)) -> Policy {
        Policy {
            first_response_minutes,
            resolution_minutes,
        }
    }
}

/// When a ticket's first response and resolution are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub first_response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
}

impl Policy {
    /// Due times run from when the ticket was opened, at the current priority's level (a
    /// changed priority moves them, still counted from the opening).
    pub fn due(self, opened: DateTime<Utc>) -> Due {
        Due {
            first_response: opened + Duration::minutes(self.first_response_minutes),
            resolution: opened + Duration::minutes(self.resolution_minutes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_count_from_the_opening() {
        let opened = DateTime::parse_from_rfc3339("2026-03-01T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let due = Policy::from((30, 240)).due(opened);
        assert_eq!(due.first_response.to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(due.resolution.to_rfc3339(), "2026-03-02T03:30:00+00:00");
    }

    #[test]
    fn resolved_and_closed_are_finished() {
        assert!(is_finished("resolved") && is_finished("closed"));
        assert!(!is_finished("new") && !is_finished("open") && !is_finished("pending"));
    }
}
