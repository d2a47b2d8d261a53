//! The dashboard's panels as tables, for `crm report NAME`: the same figures
//! (`figures::compute`), a row per person or team (and a total) or per item. Amounts are in
//! minor units, as the API sends them; percentages and averages rounded to two decimals.
//! Pure.

use serde_json::{Map, Value, json};

use super::figures::{AGE_BUCKETS, Figures};
use crm_server::schema::PRIORITIES;

/// The reports, as `crm report NAME` names them, and what each holds.
pub const REPORTS: &[(&str, &str)] = &[
    (
        "sales",
        "won against target, coverage, win rate, average deal and days to close, per person or team",
    ),
    (
        "forecast",
        "weighted open amounts closing this month and the next two, per person or team",
    ),
    (
        "conversion",
        "deals closing in the period that reached each stage, and the share from the stage before",
    ),
    ("ageing", "open deals unchanged past the limit, per stage"),
    (
        "customers",
        "customers, new ones, without business, not contacted, per person or team",
    ),
    (
        "pyramid",
        "the customer pyramid: top 1%, next 4%, next 15%, the other 80% by revenue",
    ),
    ("tickets", "open tickets by priority and age"),
    (
        "service",
        "resolved tickets, SLA compliance, first response and resolution times, satisfaction",
    ),
    ("calls", "calls by wrap-up code"),
    (
        "activity",
        "visits, calls and meetings per person or team, and per week",
    ),
];

/// Whether a report's column holds money (minor units): the amounts, and the forecast's month
/// columns (`2026-12`).
pub fn is_money(column: &str) -> bool {
    let month = column.len() == 7 && column.as_bytes().get(4) == Some(&b'-');
    month
        || matches!(
            column,
            "won" | "target" | "average_deal" | "open_weighted" | "revenue" | "quarter"
        )
}

/// Column names and rows of one report; None for a name not in [`REPORTS`].
pub type Table = (Vec<String>, Vec<Map<String, Value>>);

fn round2(x: f64) -> Value {
    json!((x * 100.0).round() / 100.0)
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, round2)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

pub fn table(name: &str, f: &Figures) -> Option<Table> {
    let period = f.period.label();
    Some(match name {
        "sales" => {
            let mut rows: Vec<Map<String, Value>> = Vec::new();
            let total = f.sales_total();
            for r in f.sales.iter().chain(std::iter::once(&total)) {
                rows.push(obj(json!({
                    "period": period,
                    "who": r.label,
                    "won": r.won,
                    "target": r.target,
                    "attainment_pct": opt(r.attainment()),
                    "won_deals": r.won_count,
                    "lost_deals": r.lost_count,
                    "win_rate_pct": opt(r.win_rate()),
                    "average_deal": r.average_deal(),
                    "average_days_to_close": opt(r.average_days()),
                    "open_weighted": r.open_weighted,
                    "coverage": opt(r.coverage()),
                })));
            }
            (
                columns(&[
                    "period", "who", "won", "target", "attainment_pct", "won_deals", "lost_deals",
                    "win_rate_pct", "average_deal", "average_days_to_close", "open_weighted",
                    "coverage",
                ]),
                rows,
            )
        }
        "forecast" => {
            let month = |i: u32| {
                f.forecast_from
                    .checked_add_months(chrono::Months::new(i))
                    .map_or(String::new(), |d| d.format("%Y-%m").to_string())
            };
            let rows = f
                .forecast
                .iter()
                .map(|r| {
                    obj(json!({
                        "who": r.label,
                        "month_1": r.months[0],
                        "month_2": r.months[1],
                        "month_3": r.months[2],
                        "quarter": r.quarter(),
                    }))
                })
                .collect();
            let mut cols = columns(&["who"]);
            cols.extend((0..3).map(month));
            cols.push("quarter".into());
            // The month columns are named by their month.
            let rows = rename(rows, &["month_1", "month_2", "month_3"], &cols[1..4]);
            (cols, rows)
        }
        "conversion" => (
            columns(&["period", "stage", "reached", "rate_pct"]),
            f.conversion
                .iter()
                .map(|s| obj(json!({"period": period, "stage": s.stage, "reached": s.reached, "rate_pct": opt(s.rate)})))
                .collect(),
        ),
        "ageing" => (
            columns(&["stage", "deals"]),
            f.ageing
                .iter()
                .map(|(s, n)| obj(json!({"stage": s, "deals": n})))
                .collect(),
        ),
        "customers" => (
            columns(&["period", "who", "customers", "new", "no_business", "not_contacted"]),
            f.customers
                .iter()
                .map(|c| {
                    obj(json!({"period": period, "who": c.label, "customers": c.total, "new": c.new,
                               "no_business": c.no_business, "not_contacted": c.not_contacted}))
                })
                .collect(),
        ),
        "pyramid" => {
            let revenue = f.revenue();
            (
                columns(&["period", "tier", "customers", "revenue", "share_pct"]),
                f.pyramid
                    .iter()
                    .map(|t| {
                        let share = (revenue > 0).then(|| t.revenue as f64 * 100.0 / revenue as f64);
                        obj(json!({"period": period, "tier": t.name, "customers": t.customers,
                                   "revenue": t.revenue, "share_pct": opt(share)}))
                    })
                    .collect(),
            )
        }
        "tickets" => {
            let mut cols = columns(&["priority"]);
            cols.extend(AGE_BUCKETS.iter().map(|b| b.to_string()));
            let rows = PRIORITIES
                .iter()
                .zip(&f.service.open)
                .map(|(p, row)| {
                    let mut m = Map::new();
                    m.insert("priority".into(), json!(p));
                    for (b, n) in AGE_BUCKETS.iter().zip(row) {
                        m.insert(b.to_string(), json!(n));
                    }
                    m
                })
                .collect();
            (cols, rows)
        }
        "service" => {
            let s = &f.service;
            (
                columns(&[
                    "period", "resolved", "sla_met_pct", "first_response_met_pct",
                    "first_response_minutes", "resolution_hours", "rated", "satisfaction",
                ]),
                vec![obj(json!({
                    "period": period,
                    "resolved": s.resolved,
                    "sla_met_pct": opt(s.sla_compliance()),
                    "first_response_met_pct": opt(s.response_compliance()),
                    "first_response_minutes": opt(s.response_minutes),
                    "resolution_hours": opt(s.resolution_hours),
                    "rated": s.rated,
                    "satisfaction": opt(s.satisfaction),
                }))],
            )
        }
        "calls" => (
            columns(&["period", "outcome", "calls"]),
            f.service
                .calls
                .iter()
                .map(|(o, n)| obj(json!({"period": period, "outcome": o, "calls": n})))
                .collect(),
        ),
        "activity" => {
            let weeks = f.period.weeks() as f64;
            (
                columns(&[
                    "period", "who", "visits", "calls", "meetings", "visits_a_week",
                    "calls_a_week", "meetings_a_week",
                ]),
                f.activity
                    .iter()
                    .map(|a| {
                        obj(json!({"period": period, "who": a.label, "visits": a.visits,
                                   "calls": a.calls, "meetings": a.meetings,
                                   "visits_a_week": round2(a.visits as f64 / weeks),
                                   "calls_a_week": round2(a.calls as f64 / weeks),
                                   "meetings_a_week": round2(a.meetings as f64 / weeks)}))
                    })
                    .collect(),
            )
        }
        _ => return None,
    })
}

fn rename(rows: Vec<Map<String, Value>>, from: &[&str], to: &[String]) -> Vec<Map<String, Value>> {
    rows.into_iter()
        .map(|mut r| {
            for (a, b) in from.iter().zip(to) {
                if let Some(v) = r.remove(*a) {
                    r.insert(b.clone(), v);
                }
            }
            r
        })
        .collect()
}
