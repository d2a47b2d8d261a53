//! The customer analysis' read (`service::analysis`): one statement per batch of customers, in
//! id order after a key, each customer's measures made by subqueries over the indexes of its
//! orders, payments, instalments and activities — never a query per customer from Rust, never
//! records loaded. Written once for both backends, which differ in how a live row, a custom
//! number and a sum are spelled (`Dialect`).

use chrono::{Duration, NaiveDate};

use crate::rules::analysis::{Indicator, Measure, QUARTER_DAYS, is_key};

/// How a backend spells what differs.
pub struct Dialect {
    /// The live-row test of a table alias (`o.deleted = 0`, `NOT o.deleted`).
    pub live: fn(&str) -> String,
    /// A whole number from a customer's custom field (0 when absent or not a number).
    pub custom_number: fn(&str) -> String,
    /// The placeholder of the one parameter, the id after which the batch starts.
    pub after: &'static str,
}

/// The text columns of a row, in order.
pub const TEXTS: [&str; 8] = [
    "id",
    "lifecycle",
    "value_level",
    "last_business_on",
    "warnings",
    "created_at",
    "last_order",
    "last_payment",
];
/// Then the last contact (text), then the numbers.
pub const LAST_CONTACT: usize = TEXTS.len();
/// The number columns before the model's: version, score, orders, the two quarters.
pub const NUMBERS: usize = 5;

/// One row: `TEXTS` and the last contact, then `NUMBERS` and one number per indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisRow {
    pub texts: Vec<Option<String>>,
    pub numbers: Vec<i64>,
}

/// The statement reading `limit` customers after the parameter's id on `today` (`now` the
/// instant, RFC 3339), with one column per indicator of `model`.
pub fn measures_sql(
    d: &Dialect,
    model: &[Indicator],
    today: NaiveDate,
    now: &str,
    limit: usize,
) -> String {
    let day = |n: i64| format!("'{}'", today - Duration::days(n));
    let now = format!("'{}'", now.replace('\'', ""));
    let business = format!(
        "{} AND o.customer_id = c.id AND o.status NOT IN ('cancelled', 'returned')",
        (d.live)("o.")
    );
    let orders = format!("FROM orders o WHERE {business}");
    let payments = format!(
        "FROM payments p WHERE {} AND p.customer_id = c.id",
        (d.live)("p.")
    );
    let contact = "coalesce(a.starts_at, a.due_at)";
    let mut columns = vec![
        "c.id".to_string(),
        "c.lifecycle".into(),
        "c.value_level".into(),
        "c.last_business_on".into(),
        "c.warnings".into(),
        "c.created_at".into(),
        format!("(SELECT max(o.ordered_on) {orders})"),
        format!("(SELECT max(p.received_on) {payments})"),
        format!(
            "(SELECT max({contact}) FROM activities a WHERE {} AND a.customer_id = c.id \
             AND {contact} <= {now})",
            (d.live)("a.")
        ),
        "CAST(c.version AS BIGINT)".into(),
        "CAST(c.value_score AS BIGINT)".into(),
        format!("CAST((SELECT count(*) {orders}) AS BIGINT)"),
        format!(
            "CAST((SELECT coalesce(sum(o.total), 0) {orders} AND o.ordered_on > {}) AS BIGINT)",
            day(QUARTER_DAYS)
        ),
        format!(
            "CAST((SELECT coalesce(sum(o.total), 0) {orders} AND o.ordered_on > {} \
             AND o.ordered_on <= {}) AS BIGINT)",
            day(2 * QUARTER_DAYS),
            day(QUARTER_DAYS)
        ),
    ];
    for indicator in model {
        let since = |field: &str| {
            if indicator.window_days > 0 {
                format!(" AND {field} > {}", day(indicator.window_days))
            } else {
                String::new()
            }
        };
        let expr = match indicator.measure {
            Measure::OrderTotal => format!(
                "(SELECT coalesce(sum(o.total), 0) {orders}{})",
                since("o.ordered_on")
            ),
            Measure::Payments => format!(
                "(SELECT coalesce(sum(p.amount), 0) {payments}{})",
                since("p.received_on")
            ),
            Measure::Receivables => format!(
                "(SELECT coalesce(sum(i.amount - i.received), 0) FROM instalments i \
                 WHERE {} AND i.customer_id = c.id AND i.status <> 'paid')",
                (d.live)("i.")
            ),
            Measure::Visits => format!(
                "(SELECT count(*) FROM activities a WHERE {} AND a.customer_id = c.id \
                 AND a.kind IN ('visit', 'meeting') AND a.starts_at <= {now}{})",
                (d.live)("a."),
                since("a.starts_at")
            ),
            Measure::Custom => match indicator.custom_key.as_deref().filter(|k| is_key(k)) {
                Some(key) => (d.custom_number)(key),
                None => "0".into(),
            },
        };
        columns.push(format!("CAST({expr} AS BIGINT)"));
    }
    format!(
        "SELECT {} FROM customers c WHERE {} AND c.id > {} ORDER BY c.id LIMIT {limit}",
        columns.join(", "),
        (d.live)("c."),
        d.after
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_custom_key_never_reaches_the_statement() {
        let d = Dialect {
            live: |t| format!("{t}deleted = 0"),
            custom_number: |k| format!("json_extract(c.custom, '$.{k}')"),
            after: "?1",
        };
        let model = [Indicator {
            measure: Measure::Custom,
            custom_key: Some("x') OR 1=1 --".into()),
            window_days: 0,
            weight: 1,
            full_at: 1,
        }];
        let sql = measures_sql(&d, &model, "2026-12-01".parse().unwrap(), "now", 10);
        assert!(!sql.contains("OR 1=1"), "{sql}");
        assert!(sql.contains("CAST(0 AS BIGINT)"));
    }
}
