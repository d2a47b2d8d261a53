//! Customer analysis (seed 001 客户价值分析, 客户生命周期, 预警): a customer's value score from the
//! admin's weighted indicators, the level it suggests, its lifecycle stage from its business,
//! and the warnings that stand. Pure decisions over measures the server reads in SQL
//! (`store::analysis`); `service::analysis` stores what changed.

use chrono::NaiveDate;
use serde_json::Value;

use crate::store::Record;

/// The lifecycle codes the rules move customers between (the admin's `lifecycle` list; its
/// `active` item is the seed's 交易 stage: trading).
pub const POTENTIAL: &str = "potential";
pub const TRADING: &str = "active";
pub const DORMANT: &str = "dormant";
pub const LOST: &str = "lost";

/// Warning codes a customer's `warnings` hold.
pub const NO_CONTACT: &str = "no_contact";
pub const NO_BUSINESS: &str = "no_business";
pub const FALLING: &str = "falling";

/// The span each half of the falling-orders comparison covers: a rolling quarter, so the
/// first days of a calendar quarter do not make every customer "falling".
pub const QUARTER_DAYS: i64 = 91;

/// What an indicator measures per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Orders' totals (not cancelled or returned), by `ordered_on`.
    OrderTotal,
    /// Payments received, by `received_on`.
    Payments,
    /// What its instalments still owe (the window is not used).
    Receivables,
    /// Visits and meetings held, by `starts_at`.
    Visits,
    /// A number custom field of the customer (the window is not used).
    Custom,
}

impl Measure {
    pub fn of_code(code: &str) -> Option<Measure> {
        Some(match code {
            "order_total" => Measure::OrderTotal,
            "payments" => Measure::Payments,
            "receivables" => Measure::Receivables,
            "visits" => Measure::Visits,
            "custom" => Measure::Custom,
            _ => return None,
        })
    }
}

/// One indicator of the admin's model (a `value_indicators` record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub measure: Measure,
    /// The custom field's key (`Measure::Custom` only): lowercase letters, digits and `_`.
    pub custom_key: Option<String>,
    /// Days back the measure counts (0: all time).
    pub window_days: i64,
    pub weight: i64,
    /// The value at which the indicator gives its full points.
    pub full_at: i64,
}

impl Indicator {
    pub fn of_record(r: &Record) -> Option<Indicator> {
        let int = |f: &str| r.get(f).and_then(Value::as_i64);
        Some(Indicator {
            measure: Measure::of_code(r.get("indicator")?.as_str()?)?,
            custom_key: r
                .get("custom_key")
                .and_then(Value::as_str)
                .filter(|k| is_key(k))
                .map(str::to_string),
            window_days: int("window_days").unwrap_or(0).max(0),
            weight: int("weight").filter(|w| *w > 0)?,
            full_at: int("full_at").filter(|v| *v > 0)?,
        })
    }
}

/// A custom field key the SQL may name: what `catalog` allows for keys, checked again because
/// the key is written into the statement.
pub fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The model used when the admin has defined no indicator: orders and payments of the last
/// year, what is owed, visits.
pub fn default_model() -> Vec<Indicator> {
    let i = |measure, window_days, weight, full_at| Indicator {
        measure,
        custom_key: None,
        window_days,
        weight,
        full_at,
    };
    vec![
        i(Measure::OrderTotal, 365, 40, 100_000_000),
        i(Measure::Payments, 365, 30, 100_000_000),
        i(Measure::Receivables, 0, 10, 10_000_000),
        i(Measure::Visits, 180, 20, 12),
    ]
}

/// The score 0–100 of one customer's indicator values (in the model's order): each value
/// capped at its `full_at` and scaled to its weight, the sum over the weights, rounded half up.
/// Negative values count as zero.
pub fn score(model: &[Indicator], values: &[i64]) -> i64 {
    let total_weight: i128 = model.iter().map(|i| i128::from(i.weight)).sum();
    if total_weight == 0 {
        return 0;
    }
    // Points in units of 1/(full_at) so nothing is lost before the one division per indicator.
    let mut points: i128 = 0;
    for (indicator, value) in model.iter().zip(values) {
        let capped = i128::from((*value).clamp(0, indicator.full_at));
        points +=
            capped * 100 * i128::from(indicator.weight) * 1_000_000 / i128::from(indicator.full_at);
    }
    let scaled = points / total_weight; // score × 1,000,000
    ((scaled + 500_000) / 1_000_000).clamp(0, 100) as i64
}

/// The level a score suggests: the one with the highest `min_score` the score reaches.
/// `thresholds` are (level, min_score) as the admin set them.
pub fn suggested_level(thresholds: &[(String, i64)], score: i64) -> Option<String> {
    thresholds
        .iter()
        .filter(|(_, min)| score >= *min)
        .max_by_key(|(_, min)| *min)
        .map(|(level, _)| level.clone())
}

/// The levels suggested when the admin has set no thresholds.
pub fn default_thresholds() -> Vec<(String, i64)> {
    [("A", 80), ("B", 60), ("C", 30), ("D", 0)]
        .into_iter()
        .map(|(l, m)| (l.to_string(), m))
        .collect()
}

/// The lifecycle's and the warnings' days (an `analysis_settings` record, or the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub dormant_days: i64,
    pub lost_days: i64,
    pub no_contact_days: i64,
    pub no_business_days: i64,
    pub big_min_score: i64,
    pub falling_ratio_pct: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dormant_days: 180,
            lost_days: 365,
            no_contact_days: 30,
            no_business_days: 90,
            big_min_score: 60,
            falling_ratio_pct: 70,
        }
    }
}

impl Settings {
    pub fn of_record(r: Option<&Record>) -> Settings {
        let d = Settings::default();
        let Some(r) = r else { return d };
        let int = |f: &str, or: i64| r.get(f).and_then(Value::as_i64).unwrap_or(or);
        Settings {
            dormant_days: int("dormant_days", d.dormant_days),
            lost_days: int("lost_days", d.lost_days),
            no_contact_days: int("no_contact_days", d.no_contact_days),
            no_business_days: int("no_business_days", d.no_business_days),
            big_min_score: int("big_min_score", d.big_min_score),
            falling_ratio_pct: int("falling_ratio_pct", d.falling_ratio_pct),
        }
    }
}

/// What the server read of one customer's business, for the lifecycle and the warnings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Business {
    /// Orders placed, ever (not cancelled or returned).
    pub orders: i64,
    /// The last order's or payment's day.
    pub last_business: Option<NaiveDate>,
    /// The last activity that has happened (its start, else its due time), as a day.
    pub last_contact: Option<NaiveDate>,
    /// The day the customer was entered.
    pub created: Option<NaiveDate>,
    /// Order totals of the last `QUARTER_DAYS` and of the `QUARTER_DAYS` before.
    pub recent_quarter: i64,
    pub previous_quarter: i64,
}

/// The lifecycle stage the rules give a customer with this business on `today`: potential
/// until its first order, then trading, dormant after `dormant_days` without an order or a
/// payment, lost after `lost_days`; a new order brings it back to trading. A customer with no
/// order keeps the stage people gave it.
pub fn lifecycle(current: &str, business: &Business, today: NaiveDate, s: &Settings) -> String {
    if business.orders == 0 {
        return current.to_string();
    }
    let Some(last) = business.last_business else {
        return current.to_string();
    };
    let idle = (today - last).num_days();
    if idle >= s.lost_days {
        LOST
    } else if idle >= s.dormant_days {
        DORMANT
    } else {
        TRADING
    }
    .to_string()
}

/// The warnings that stand for a customer on `today`, in a fixed order: no contact for
/// `no_contact_days` (counted from its entry when never contacted), no business for
/// `no_business_days` (only a customer that has bought), and a big customer (score at least
/// `big_min_score`) whose last quarter's orders fell below `falling_ratio_pct` of the quarter
/// before.
pub fn warnings(business: &Business, score: i64, today: NaiveDate, s: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    let since = business.last_contact.or(business.created);
    if since.is_some_and(|d| (today - d).num_days() >= s.no_contact_days) {
        out.push(NO_CONTACT.to_string());
    }
    if business.orders > 0
        && business
            .last_business
            .is_some_and(|d| (today - d).num_days() >= s.no_business_days)
    {
        out.push(NO_BUSINESS.to_string());
    }
    let falls = business.previous_quarter > 0
        && i128::from(business.recent_quarter) * 100
            < i128::from(business.previous_quarter) * i128::from(s.falling_ratio_pct);
    if score >= s.big_min_score && falls {
        out.push(FALLING.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ind(measure: Measure, weight: i64, full_at: i64) -> Indicator {
        Indicator {
            measure,
            custom_key: None,
            window_days: 0,
            weight,
            full_at,
        }
    }

    #[test]
    fn score_weighs_capped_values() {
        let model = [
            ind(Measure::OrderTotal, 3, 1_000),
            ind(Measure::Visits, 1, 10),
        ];
        // Half the orders' points and all the visits': (3 × 50 + 1 × 100) / 4 = 62.5 → 63.
        assert_eq!(score(&model, &[500, 10]), 63);
        // Over the cap counts as the cap; below zero as zero.
        assert_eq!(score(&model, &[5_000, 40]), 100);
        assert_eq!(score(&model, &[-7, 0]), 0);
        assert_eq!(score(&[], &[]), 0);
    }

    #[test]
    fn the_highest_threshold_reached_is_suggested() {
        let t = default_thresholds();
        assert_eq!(suggested_level(&t, 80).as_deref(), Some("A"));
        assert_eq!(suggested_level(&t, 79).as_deref(), Some("B"));
        assert_eq!(suggested_level(&t, 0).as_deref(), Some("D"));
        let only_a = vec![("A".to_string(), 90)];
        assert_eq!(suggested_level(&only_a, 50), None);
    }

    #[test]
    fn lifecycle_follows_the_business() {
        let s = Settings::default();
        let today = day("2026-12-01");
        let none = Business::default();
        assert_eq!(lifecycle("potential", &none, today, &s), "potential");
        assert_eq!(lifecycle("lost", &none, today, &s), "lost");
        let bought = |last: &str| Business {
            orders: 1,
            last_business: Some(day(last)),
            ..Business::default()
        };
        assert_eq!(
            lifecycle("potential", &bought("2026-11-30"), today, &s),
            TRADING
        );
        // 180 days idle: dormant; 179: still trading.
        assert_eq!(
            lifecycle("active", &bought("2026-06-04"), today, &s),
            DORMANT
        );
        assert_eq!(
            lifecycle("active", &bought("2026-06-05"), today, &s),
            TRADING
        );
        assert_eq!(lifecycle("dormant", &bought("2025-12-01"), today, &s), LOST);
        assert_eq!(lifecycle("lost", &bought("2026-11-01"), today, &s), TRADING);
    }

    #[test]
    fn warnings_stand_by_their_days_and_ratio() {
        let s = Settings::default();
        let today = day("2026-12-01");
        let b = Business {
            orders: 2,
            last_business: Some(day("2026-08-01")),
            last_contact: Some(day("2026-11-20")),
            created: Some(day("2020-01-01")),
            recent_quarter: 60,
            previous_quarter: 100,
        };
        assert_eq!(warnings(&b, 70, today, &s), vec![NO_BUSINESS, FALLING]);
        // A small customer's falling orders are no warning; 70 % is not below 70 %.
        assert_eq!(warnings(&b, 59, today, &s), vec![NO_BUSINESS]);
        let even = Business {
            recent_quarter: 70,
            ..b.clone()
        };
        assert_eq!(warnings(&even, 70, today, &s), vec![NO_BUSINESS]);
        // Never contacted: counted from its entry; a new customer has no warning yet.
        let new = Business {
            created: Some(day("2026-11-25")),
            ..Business::default()
        };
        assert!(warnings(&new, 0, today, &s).is_empty());
        let old = Business {
            created: Some(day("2026-10-01")),
            ..Business::default()
        };
        assert_eq!(warnings(&old, 0, today, &s), vec![NO_CONTACT]);
    }
}
