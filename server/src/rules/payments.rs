//! Payments (回款): what an instalment's state is from what was received against it, when it is
//! overdue, and the aging buckets receivables are read in.
//!
//! An instalment is overdue from the day after its due date while anything of it is unpaid; its
//! days overdue are today − due date. The aging buckets count those days: 1–30 ("0–30"), 31–60,
//! 61–90 and over 90. The server sums them in SQL (`store::aging_columns` builds the sums from
//! [`BUCKETS`]); the client's 360° reads the same buckets off its replica.

use chrono::NaiveDate;

/// An aging bucket: its label and its days overdue, inclusive (`None`: no upper end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub label: &'static str,
    pub from_days: i64,
    pub to_days: Option<i64>,
}

/// The aging buckets, oldest last.
pub const BUCKETS: [Bucket; 4] = [
    Bucket {
        label: "0-30",
        from_days: 1,
        to_days: Some(30),
    },
    Bucket {
        label: "31-60",
        from_days: 31,
        to_days: Some(60),
    },
    Bucket {
        label: "61-90",
        from_days: 61,
        to_days: Some(90),
    },
    Bucket {
        label: "90+",
        from_days: 91,
        to_days: None,
    },
];

/// An instalment's status from its amount and what was received against it.
pub fn status(amount: i64, received: i64) -> &'static str {
    if received >= amount {
        "paid"
    } else if received > 0 {
        "partly_paid"
    } else {
        "open"
    }
}

/// Is an instalment in this status still owed (wholly or partly)?
pub fn is_open(status: &str) -> bool {
    status != "paid"
}

/// Is an instalment in this status, due on `due`, overdue on `today` (a reminder for its owner)?
pub fn is_overdue(status: &str, due: NaiveDate, today: NaiveDate) -> bool {
    is_open(status) && days_overdue(due, today) > 0
}

/// Days an instalment due on `due` is overdue on `today`: 0 when not yet overdue.
pub fn days_overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days().max(0)
}

/// The bucket a number of days overdue falls in; None when not overdue.
pub fn bucket(days_overdue: i64) -> Option<usize> {
    BUCKETS
        .iter()
        .position(|b| days_overdue >= b.from_days && b.to_days.is_none_or(|to| days_overdue <= to))
}

/// Why a payment of `amount` may not be matched to an instalment with `outstanding` still due.
pub fn overpayment(amount: i64, outstanding: i64) -> Option<String> {
    (amount > outstanding).then(|| {
        format!(
            "this payment is more than the {} still due on the instalment; split it over the instalments",
            crate::rules::money::format_minor(outstanding)
        )
    })
}

/// Receivables in buckets: what is owed, what of it is overdue and in which bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Aging {
    /// Everything still owed.
    pub outstanding: i64,
    /// Owed and not yet due.
    pub not_due: i64,
    /// Overdue, per bucket of [`BUCKETS`].
    pub buckets: [i64; 4],
}

impl Aging {
    /// Everything overdue.
    pub fn overdue(&self) -> i64 {
        self.buckets.iter().sum()
    }

    /// Adds one instalment's unpaid part.
    pub fn add(&mut self, unpaid: i64, due: NaiveDate, today: NaiveDate) {
        if unpaid <= 0 {
            return;
        }
        self.outstanding += unpaid;
        match bucket(days_overdue(due, today)) {
            Some(b) => self.buckets[b] += unpaid,
            None => self.not_due += unpaid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_instalment_is_paid_when_all_came_in() {
        assert_eq!(status(100, 0), "open");
        assert_eq!(status(100, 1), "partly_paid");
        assert_eq!(status(100, 100), "paid");
        assert!(is_open("partly_paid") && !is_open("paid"));
        let today = d("2026-06-30");
        assert!(is_overdue("open", d("2026-06-29"), today));
        assert!(
            !is_overdue("open", d("2026-06-30"), today),
            "due today is not late"
        );
        assert!(!is_overdue("paid", d("2026-01-01"), today));
    }

    #[test]
    fn buckets_meet_without_gaps() {
        assert_eq!(bucket(0), None);
        assert_eq!(bucket(1), Some(0));
        assert_eq!(bucket(30), Some(0));
        assert_eq!(bucket(31), Some(1));
        assert_eq!(bucket(60), Some(1));
        assert_eq!(bucket(61), Some(2));
        assert_eq!(bucket(90), Some(2));
        assert_eq!(bucket(91), Some(3));
        assert_eq!(bucket(10_000), Some(3));
        assert_eq!(days_overdue(d("2026-01-31"), d("2026-03-02")), 30);
        assert_eq!(days_overdue(d("2026-03-03"), d("2026-03-02")), 0);
    }

    #[test]
    fn aging_adds_the_unpaid_parts() {
        let today = d("2026-06-30");
        let mut a = Aging::default();
        a.add(100, d("2026-07-10"), today); // not due
        a.add(200, d("2026-06-30"), today); // due today: not overdue
        a.add(300, d("2026-06-29"), today); // 1 day
        a.add(400, d("2026-04-01"), today); // 90 days
        a.add(500, d("2026-03-31"), today); // 91 days
        a.add(0, d("2020-01-01"), today); // paid
        assert_eq!(a.outstanding, 1_500);
        assert_eq!(a.not_due, 300);
        assert_eq!(a.buckets, [300, 0, 400, 500]);
        assert_eq!(a.overdue(), 1_200);
    }

    #[test]
    fn an_overpayment_is_refused() {
        assert_eq!(overpayment(100, 100), None);
        assert!(overpayment(101, 100).unwrap().contains("1.00"));
    }
}
