//! Demo data of field service and scheduled surveys: on-site visits booked by the call centre
//! for 刘洋 on open tickets — upcoming ones in his calendar, finished ones with their report,
//! parts and the customer's confirmation, one still awaiting it —, the quarterly return visit
//! of every A-level customer, and a call campaign's script. All through the service, as the
//! people themselves.

use chrono::Duration;
use serde_json::{Value, json};

use super::SeedReport;
use super::generator::Gen;
use super::users::{CHEN, DEMO_USERS, LIU, WANG};
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Tx};
use crate::validate::format_time;

/// Visits booked: (days from today, hour UTC, done, confirmed).
const VISITS: [(i64, u32, bool, bool); 6] = [
    (1, 1, false, false),
    (2, 6, false, false),
    (5, 2, false, false),
    (-3, 2, true, true),
    (-6, 5, true, true),
    (-1, 3, true, false),
];

const REPORTS: [&str; 3] = [
    "更换水泵密封圈，试运行两小时无渗漏。",
    "Replaced the controller board and updated its firmware; tested with the customer.",
    "清洗过滤器，校准压力传感器。",
];

const CAMPAIGN_SCRIPT: &str = "# start\n您好，我是{agent}，{customer}的客户经理让我联系您，介绍我们的春季保养活动。\n1 感兴趣 / Interested -> offer\n2 现在不方便 / Busy now -> later\n3 不需要 / Not interested -> close\n# offer\n保养套餐包括上门检查与易损件更换，九折。可以为您预约工程师上门。\n1 预约上门 / Book a visit -> book\n# book\n记下方便的日期，挂断后在工单上按 V 预约工程师。\n# later\n问什么时候方便回电，记为回电。\n# close\n感谢您的时间，祝您工作顺利。";

fn object(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn actor(g: &Gen, n: usize) -> Option<Actor> {
    Some(Actor {
        id: g.setup.users.get(n)?.clone(),
        username: DEMO_USERS[n].username.to_string(),
        role: DEMO_USERS[n].role,
        team_id: g.setup.teams.get(n).cloned().flatten(),
    })
}

fn id(record: &serde_json::Map<String, Value>) -> String {
    record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Gen {
    /// Each visit's appointment counts among the report's activities.
    pub(super) fn field(&mut self, tx: &dyn Tx, report: &mut SeedReport) -> Result<(), ApiError> {
        let (Some(agent), Some(engineer), Some(manager)) =
            (actor(self, CHEN), actor(self, LIU), actor(self, WANG))
        else {
            return Ok(());
        };
        let products = tx.list(
            Entity::Products,
            &ListQuery {
                sort: "code",
                limit: 3,
                ..ListQuery::default()
            },
            None,
        )?;
        let mut open = Vec::new();
        for t in &self.tickets {
            if open.len() == VISITS.len() {
                break;
            }
            if let Some(stored) = tx.get(Entity::Tickets, &t.id)?.filter(|s| !s.deleted) {
                let status = stored.record.get("status").and_then(Value::as_str);
                if !crate::rules::sla::is_finished(status.unwrap_or("new")) {
                    open.push(t.id.clone());
                }
            }
        }
        for (n, (ticket, (days, hour, done, confirmed))) in open.iter().zip(VISITS).enumerate() {
            let starts = self.today + Duration::days(days) + Duration::hours(i64::from(hour));
            let mut body = json!({"ticket_id": ticket, "engineer_id": engineer.id,
                "starts_at": format_time(starts),
                "ends_at": format_time(starts + Duration::minutes(90))});
            // A visit that took place is recorded with its report at once, by the engineer.
            if done {
                body["status"] = json!("done");
                body["work_done"] = json!(REPORTS[n % REPORTS.len()]);
                body["minutes_on_site"] = json!(60 + 15 * n);
                if confirmed {
                    body["confirmed_by"] = json!(["王建国", "Ms. Li", "赵主任"][n % 3]);
                    body["confirmed_at"] = json!(format_time(starts + Duration::minutes(80)));
                }
            }
            let by = if done { &engineer } else { &agent };
            let visit = service::create(tx, by, Entity::FieldVisits, &object(body), false)?.record;
            report.activities += 1;
            if !done {
                continue;
            }
            if let Some(product) = products.get(n % products.len().max(1)) {
                service::create(
                    tx,
                    &engineer,
                    Entity::VisitParts,
                    &object(json!({"visit_id": id(&visit), "product_id": id(product),
                        "quantity": 1 + n % 2})),
                    false,
                )?;
            }
        }
        let survey = tx
            .list(
                Entity::Surveys,
                &ListQuery {
                    sort: "title_en",
                    limit: 1,
                    ..ListQuery::default()
                },
                None,
            )?
            .into_iter()
            .next();
        if let Some(survey) = survey {
            service::create(
                tx,
                &manager,
                Entity::SurveySchedules,
                &object(
                    json!({"name": "A 级客户季度回访 / A-level quarterly", "survey_id": id(&survey),
                    "query": "level:A", "period": "quarter", "assignee_id": agent.id,
                    "due_days": 30}),
                ),
                false,
            )?;
        }
        let campaign = tx
            .list(
                Entity::Campaigns,
                &ListQuery {
                    filters: vec![("campaign_type", json!("call"))],
                    sort: "name",
                    limit: 1,
                    ..ListQuery::default()
                },
                None,
            )?
            .into_iter()
            .next();
        if let Some(campaign) = campaign {
            service::create(
                tx,
                &manager,
                Entity::CallScripts,
                &object(json!({"name": "春季保养活动 / Spring service offer",
                    "campaign_id": id(&campaign), "body": CAMPAIGN_SCRIPT})),
                false,
            )?;
        }
        Ok(())
    }
}
