//! The analysis in the demo: the admin's value model (orders and payments of the last year,
//! what is owed, visits of the last half year; thresholds for A–D), the lifecycle and warning
//! settings, and each salesperson's work plans for last week and this one with a log for each
//! working day of the last week, naming customers of theirs — all through the service, as the
//! admin and as the people themselves. The scores are the server's sweep's
//! (`service::analysis`), which runs as the server starts.

use chrono::{Datelike, Duration};
use serde_json::{Value, json};

use super::approvals::actor_at;
use super::generator::Gen;
use super::setup::object;
use super::users::DEMO_USERS;
use crate::access::Role;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Tx};

/// Customers a plan names.
const PLAN_CUSTOMERS: usize = 3;

impl Gen {
    pub(super) fn analysis(&mut self, tx: &dyn Tx) -> Result<usize, ApiError> {
        let admin = crate::system_actor();
        for (indicator, window, weight, full_at) in [
            ("order_total", 365, 40, 50_000_000),
            ("payments", 365, 30, 50_000_000),
            ("receivables", 0, 10, 10_000_000),
            ("visits", 180, 20, 6),
        ] {
            let body = json!({"indicator": indicator, "window_days": window,
                              "weight": weight, "full_at": full_at});
            service::create(tx, &admin, Entity::ValueIndicators, &object(body), false)?;
        }
        for (level, min) in [("A", 75), ("B", 50), ("C", 25), ("D", 0)] {
            let body = json!({"level": level, "min_score": min});
            service::create(tx, &admin, Entity::ValueLevels, &object(body), false)?;
        }
        let body = json!({"dormant_days": 180, "lost_days": 365, "no_contact_days": 30,
                          "no_business_days": 90, "big_min_score": 60, "falling_ratio_pct": 70});
        service::create(tx, &admin, Entity::AnalysisSettings, &object(body), false)?;

        let today = self.today.date_naive();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let mut made = 0;
        for (n, user) in DEMO_USERS.iter().enumerate() {
            if user.role != Role::Sales {
                continue;
            }
            let Some(actor) = actor_at(self, n) else {
                continue;
            };
            let query = ListQuery {
                filters: vec![("owner_id", json!(actor.id))],
                sort: "created_at",
                limit: PLAN_CUSTOMERS,
                ..ListQuery::default()
            };
            let customers: Vec<Value> = tx
                .list(Entity::Customers, &query, None)?
                .iter()
                .filter_map(|c| c.get("id").cloned())
                .collect();
            for (week, title, status) in [
                (monday - Duration::days(7), "上周拜访与跟进", "done"),
                (monday, "本周重点客户推进", "submitted"),
            ] {
                let body = json!({"week": week.to_string(), "title": title, "status": status,
                                  "goals": "1. 拜访重点客户\n2. 推进报价\n3. 回款跟进",
                                  "customer_ids": customers});
                let plan = service::create(tx, &actor, Entity::WorkPlans, &object(body), false)?;
                made += 1;
                if status != "done" {
                    continue;
                }
                let plan_id = plan.record.get("id").cloned().unwrap_or(Value::Null);
                for d in 0..5 {
                    let day = week + Duration::days(d);
                    let body = json!({"day": day.to_string(), "plan_id": plan_id,
                                      "summary": "电话回访两家客户，整理报价单。",
                                      "hours": 8, "customer_ids": customers,
                                      "next_steps": "约下周上门演示"});
                    service::create(tx, &actor, Entity::WorkLogs, &object(body), false)?;
                    made += 1;
                }
            }
        }
        Ok(made)
    }
}
