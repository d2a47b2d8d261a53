//! Where the replica's "now" comes from: the time stamped on local writes (an outbox entry's
//! `created_at`, which a new record shows until the server answers), on a page applied
//! (`last_sync_at`), on a conflict, and the outbox's retry times. The system clock in use; a fixed
//! instant in tests and benchmarks, so what they show does not depend on the day they run.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => t,
        }
    }

    /// Milliseconds since the epoch, as the outbox keeps retry times.
    pub fn now_ms(self) -> i64 {
        self.now().timestamp_millis()
    }

    /// RFC 3339 as the server writes times (`crm_server::validate::format_time`).
    pub fn now_text(self) -> String {
        crm_server::validate::format_time(self.now())
    }
}
