//! Leads and campaigns in the demo: a campaign of each kind (one running, the call campaign
//! queued for the agents), members from the customer pool with every response, leads in every
//! status from several sources — some converted into customers and deals, one deal won, so the
//! results have a return — all through `service::create`/`update` as the people themselves, so
//! numbers, owners, conversions and the agents' calls are the rules'. A few dozen records
//! whatever the demo's size.

use chrono::Duration;
use serde_json::{Value, json};

use super::SeedReport;
use super::approvals::actor_at;
use super::generator::Gen;
use super::rng::{MARKETING, Rng};
use super::setup::{id_of, object};
use super::users::{AGENTS, DEMO, SALES, WANG};
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// Leads made, in every status in turn.
const LEADS: usize = 48;
/// Members per campaign at most.
const MEMBERS: usize = 12;

/// (name, kind, days from today it starts, days it runs, budget and cost in yuan, status).
const CAMPAIGNS: [(&str, &str, i64, i64, i64, i64, &str); 5] = [
    (
        "2026 春季新品发布会",
        "event",
        -60,
        1,
        80_000,
        72_500,
        "completed",
    ),
    (
        "老客户回访季度邮件",
        "email",
        -20,
        30,
        5_000,
        3_200,
        "active",
    ),
    ("双十一短信促销", "sms", -35, 3, 8_000, 7_900, "completed"),
    ("A 级客户电话回访", "call", 0, 14, 12_000, 0, "active"),
    (
        "上海国际工业博览会",
        "exhibition",
        30,
        5,
        150_000,
        0,
        "planned",
    ),
];

const COMPANIES: [&str; 12] = [
    "星河智能",
    "远航物流",
    "恒泰建材",
    "青禾食品",
    "蓝鲸软件",
    "金石医疗",
    "北辰能源",
    "云帆教育",
    "瑞丰化工",
    "嘉禾纺织",
    "华信电子",
    "汇通汽车",
];
const PEOPLE: [&str; 12] = [
    "周明", "吴婷", "郑凯", "冯雪", "陈晨", "褚亮", "卫东", "蒋丽", "沈阳", "韩梅", "杨帆", "朱琳",
];
const SOURCES: [&str; 7] = [
    "web",
    "referral",
    "exhibition",
    "campaign",
    "cold_call",
    "advertising",
    "partner",
];
const STATUSES: [&str; 6] = [
    "new",
    "contacted",
    "qualified",
    "converted",
    "disqualified",
    "new",
];
const REASONS: [&str; 3] = ["没有预算", "已选用竞品", "联系不上"];

impl Gen {
    /// The demo's campaigns, their members and results, and the leads.
    pub(super) fn marketing(
        &mut self,
        tx: &dyn Tx,
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let (Some(admin), Some(manager)) = (actor_at(self, DEMO), actor_at(self, WANG)) else {
            return Ok(());
        };
        let today = self.now.date_naive();
        let agents: Vec<String> = AGENTS
            .iter()
            .filter_map(|n| self.setup.users.get(*n).cloned())
            .collect();
        let mut campaigns = Vec::new();
        for (i, (name, kind, from, days, budget, cost, status)) in CAMPAIGNS.iter().enumerate() {
            self.rng = Rng::stream(MARKETING, i);
            let starts = today + Duration::days(*from);
            let body = json!({
                "name": name, "campaign_type": kind, "status": status,
                "starts_on": starts.to_string(),
                "ends_on": (starts + Duration::days(*days)).to_string(),
                "budget": budget * 100, "actual_cost": cost * 100,
                "agent_ids": if *kind == "call" { json!(agents) } else { json!([]) },
                "description": format!("{name}:演示数据"),
            });
            let made = service::create(tx, &manager, Entity::Campaigns, &object(body), false)?;
            let id = id_of(&made.record)?;
            report.activities += self.members(tx, &admin, &id, i)?;
            campaigns.push(id);
        }
        let won = self
            .setup
            .stages
            .iter()
            .find(|s| s.kind == "won")
            .map(|s| s.id.clone());
        for i in 0..LEADS {
            self.rng = Rng::stream(MARKETING, 100 + i);
            self.lead(tx, &manager, &campaigns, won.as_deref(), i, report)?;
        }
        Ok(())
    }

    /// Members from the customer pool, by the admin (who may add anyone's customers), with
    /// every response in turn.
    fn members(
        &mut self,
        tx: &dyn Tx,
        admin: &Actor,
        campaign: &str,
        n: usize,
    ) -> Result<usize, ApiError> {
        let mut calls = 0;
        let count = MEMBERS.min(self.pool.len());
        let start = if self.pool.is_empty() {
            0
        } else {
            self.rng.below(self.pool.len())
        };
        for k in 0..count {
            let customer = self.pool[(start + k * 7) % self.pool.len()].id.clone();
            let body = json!({"campaign_id": campaign, "customer_id": customer});
            let made =
                match service::create(tx, admin, Entity::CampaignMembers, &object(body), false) {
                    Ok(m) => {
                        calls += usize::from(m.record["activity_id"].is_string());
                        m.record
                    }
                    // The same customer drawn twice: one membership is enough.
                    Err(ApiError::Conflict { .. }) => continue,
                    Err(e) => return Err(e),
                };
            // The call campaign has just begun: its members wait in the agents' queue.
            let response = match (n, k % 4) {
                (3, _) | (_, 0) => continue,
                (_, 1) => "responded",
                (_, 2) => "attended",
                _ => "responded",
            };
            let patch = json!({"response": response});
            service::update(
                tx,
                admin,
                Entity::CampaignMembers,
                &id_of(&made)?,
                &object(patch),
                None,
            )?;
        }
        Ok(calls)
    }

    /// One lead, in the `i`-th status: by a salesperson (theirs) or the manager (the team's
    /// pool); worked, converted (a deal for every other one, one of them won) or disqualified.
    fn lead(
        &mut self,
        tx: &dyn Tx,
        manager: &Actor,
        campaigns: &[String],
        won: Option<&str>,
        i: usize,
        report: &mut SeedReport,
    ) -> Result<(), ApiError> {
        let status = STATUSES[i % STATUSES.len()];
        // Converted leads are a salesperson's, attached to one of their customers (the demo's
        // customers are made in bulk, numbered in order; a conversion makes none of its own).
        let owner = if i % 4 == 3 && status != "converted" {
            manager.clone()
        } else {
            match actor_at(self, SALES[i % SALES.len()]) {
                Some(a) => a,
                None => return Ok(()),
            }
        };
        let company = format!(
            "{}{}",
            COMPANIES[i % COMPANIES.len()],
            ["科技", "集团", "有限公司", "实业"][i / COMPANIES.len() % 4]
        );
        let campaign = i
            .is_multiple_of(3)
            .then(|| campaigns.get(i % campaigns.len()).cloned())
            .flatten();
        let title = ["采购经理", "总经理", "IT 主管", "行政主管"][i % 4];
        let domain = ["xinghe", "yuanhang", "hengtai", "qinghe"][i % 4];
        let quality = ["hot", "warm", "cold"][i % 3];
        let body = json!({
            "id": self.new_id(),
            "name": PEOPLE[(i * 5) % PEOPLE.len()],
            "company": company,
            "title": title,
            "phone": format!("+86 139 {:04} {:04}", 7000 + i, 1000 + self.rng.below(9000)),
            "email": format!("lead{i}@{domain}.example.cn"),
            "source": if campaign.is_some() { "campaign" } else { SOURCES[i % SOURCES.len()] },
            "campaign_id": campaign,
            "quality": quality,
            "score": self.rng.between(10, 95),
        });
        let made = service::create(tx, &owner, Entity::Leads, &object(body), false)?.record;
        let id = id_of(&made)?;
        if !matches!(status, "new" | "converted") {
            // A first call, kept with the lead (and with the customer it may become).
            let call = json!({"kind": "call", "subject": "首次电话沟通", "lead_id": id,
                              "done": true, "direction": "outbound",
                              "starts_at": crate::validate::format_time(self.now - Duration::days(3))});
            service::create(tx, &owner, Entity::Activities, &object(call), false)?;
            report.activities += 1;
        }
        let patch = match status {
            "contacted" | "qualified" => json!({"status": status}),
            "disqualified" => {
                json!({"status": status, "disqualify_reason": REASONS[i % REASONS.len()]})
            }
            "converted" => {
                let Some(customer) = self
                    .pool
                    .iter()
                    .filter(|c| self.setup.users.get(c.owner) == Some(&owner.id))
                    .nth(i / STATUSES.len())
                    .map(|c| c.id.clone())
                else {
                    return Ok(());
                };
                json!({"status": status, "customer_id": customer,
                "opportunity_name": format!("{company} 首单"),
                "opportunity_amount": self.rng.between(5_000, 200_000) * 100})
            }
            _ => return Ok(()),
        };
        let lead = match service::update(tx, &owner, Entity::Leads, &id, &object(patch), None) {
            Ok(lead) => {
                report.contacts += usize::from(lead["contact_id"].is_string());
                report.opportunities += usize::from(lead["opportunity_id"].is_string());
                lead
            }
            // A likely duplicate of a demo customer: this one stays a lead, as a user would leave it.
            Err(ApiError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        if let (Some(deal), Some(won), true) = (
            lead.get("opportunity_id").and_then(Value::as_str),
            won,
            i % 12 == 9,
        ) {
            let patch = json!({"stage_id": won, "close_reason": "演示:签约"});
            service::update(
                tx,
                &owner,
                Entity::Opportunities,
                deal,
                &object(patch),
                None,
            )?;
        }
        Ok(())
    }
}
