//! Dealers (经销商): a customer of category `dealer`; its assessment's total and grade, and which
//! orders count as sold through it. Used by the service (assessments, the sales figure route)
//! and the client's 360°.

/// The customer category that makes a customer a dealer (the admin's `categories` list).
pub const DEALER_CATEGORY: &str = "dealer";

/// An assessment's total: the four scores' average, rounded half up.
pub fn total(scores: [i64; 4]) -> i64 {
    let sum: i64 = scores.iter().sum();
    (sum * 2 + 4) / 8
}

/// The grade of a total: A from 85, B from 70, C from 60, D below.
pub fn grade(total: i64) -> &'static str {
    match total {
        85.. => "A",
        70..=84 => "B",
        60..=69 => "C",
        _ => "D",
    }
}

/// Whether an order in this status counts in a dealer's sales (not cancelled or returned).
pub fn counts_as_sale(status: &str) -> bool {
    !matches!(status, "cancelled" | "returned")
}

/// A target met in basis points of its amount (10,000 = 100 %); None without a target.
pub fn attainment_bp(sold: i64, target: i64) -> Option<i64> {
    (target > 0).then(|| (i128::from(sold) * 10_000 / i128::from(target)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_round_half_up_and_grade_at_the_bounds() {
        assert_eq!(total([85, 85, 85, 84]), 85); // 84.75
        assert_eq!(total([70, 70, 70, 68]), 70); // 69.5 → 70
        assert_eq!(total([70, 70, 69, 68]), 69); // 69.25
        assert_eq!(grade(85), "A");
        assert_eq!(grade(84), "B");
        assert_eq!(grade(70), "B");
        assert_eq!(grade(69), "C");
        assert_eq!(grade(60), "C");
        assert_eq!(grade(59), "D");
    }

    #[test]
    fn cancelled_and_returned_orders_are_not_sales() {
        assert!(counts_as_sale("confirmed"));
        assert!(counts_as_sale("closed"));
        assert!(!counts_as_sale("cancelled"));
        assert!(!counts_as_sale("returned"));
        assert_eq!(attainment_bp(50, 200), Some(2_500));
        assert_eq!(attainment_bp(50, 0), None);
    }
}
