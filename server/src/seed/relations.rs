//! People and territories in the demo, all through the service: territories for the sales
//! teams' regions (华东 to 李娜 and the east team, 华北 to 张伟, 海外 to Emma, East China finance to
//! the east team's manager), decision maps on customers with three or more contacts (who reports
//! to whom, an assistant, an influencer and why), and two quarters' assessments of the
//! generated dealers. New records only: the seeded customers and contacts stay as generated
//! (the seed tests hold them to their first version).

use chrono::{Datelike, Months, NaiveDate};
use serde_json::json;

use super::approvals::actor_at;
use super::generator::Gen;
use super::setup::{id_of, object};
use super::users::{DEMO, EMMA, LI, WANG, ZHANG};
use crate::error::ApiError;
use crate::rules::dealers::DEALER_CATEGORY;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Tx};

/// Customers whose contacts get a decision map.
const MAPPED: usize = 40;

/// Why someone influences the decision maker, in turn.
const INFLUENCE: [&str; 4] = [
    "技术选型由他把关",
    "老同学, 说话有分量",
    "掌管预算",
    "前任项目负责人",
];

/// Dealers (generated customers of category dealer) that get assessments.
const DEALERS: usize = 8;

impl Gen {
    pub(super) fn relations(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let Some(admin) = actor_at(self, DEMO) else {
            return Ok(());
        };
        let user = |n: usize| self.setup.users.get(n).cloned();
        let team = |n: usize| self.setup.teams.get(n).cloned().flatten();
        for (name, regions, industries, owner, team, priority) in [
            ("华东区", vec!["华东"], vec![], user(LI), team(LI), 100),
            (
                "华东金融",
                vec!["华东"],
                vec!["金融"],
                user(WANG),
                team(WANG),
                50,
            ),
            (
                "华北区",
                vec!["华北", "东北"],
                vec![],
                user(ZHANG),
                team(ZHANG),
                100,
            ),
            (
                "海外",
                vec!["International"],
                vec![],
                user(EMMA),
                team(EMMA),
                100,
            ),
        ] {
            let body = json!({"name": name, "regions": regions, "industries": industries,
                "owner_id": owner, "team_id": team, "priority": priority,
                "description": format!("{name}的新客户自动分配")});
            service::create(tx, &admin, Entity::Territories, &object(body), false)?;
        }

        // Decision maps: the first contact decides, the second reports to them and influences,
        // the third reports to the second, the fourth is the first's assistant.
        let mapped: Vec<Vec<String>> = self
            .pool
            .iter()
            .filter(|c| c.contacts.len() >= 3)
            .take(MAPPED)
            .map(|c| c.contacts.iter().map(|(id, _)| id.clone()).collect())
            .collect();
        for (i, people) in mapped.iter().enumerate() {
            let relate = |from: &str, kind: &str, to: &str, reason: Option<&str>| {
                let body = json!({"contact_id": from, "kind": kind, "related_id": to,
                    "reason": reason});
                service::create(tx, &admin, Entity::ContactRelations, &object(body), false)
                    .map(|_| ())
            };
            relate(&people[1], "reports_to", &people[0], None)?;
            relate(&people[2], "reports_to", &people[1], None)?;
            let why = INFLUENCE[i % INFLUENCE.len()];
            relate(&people[2], "influences", &people[0], Some(why))?;
            if let Some(assistant) = people.get(3) {
                relate(assistant, "assistant_of", &people[0], None)?;
            }
        }

        // Dealers: the generated customers of category dealer get two quarters' assessments.
        let today = self.now.date_naive();
        let quarter = |back: u32| {
            let first = NaiveDate::from_ymd_opt(today.year(), (today.month() - 1) / 3 * 3 + 1, 1)
                .unwrap_or(today);
            first
                .checked_sub_months(Months::new(3 * back))
                .unwrap_or(first)
                .to_string()
        };
        let dealers = tx.list(
            Entity::Customers,
            &ListQuery {
                filters: vec![("category", json!(DEALER_CATEGORY))],
                sort: "code",
                limit: DEALERS,
                ..ListQuery::default()
            },
            None,
        )?;
        for (i, dealer) in dealers.iter().enumerate() {
            let dealer = id_of(dealer)?;
            for back in [1, 0] {
                let base = 60 + (i as i64 * 7 + i64::from(back) * 5) % 35;
                let body = json!({"customer_id": dealer, "period": quarter(back),
                    "sales_score": base, "market_score": (base + 8).min(100),
                    "service_score": (base + 3).min(100), "credit_score": (base + 12).min(100),
                    "notes": "季度考察"});
                service::create(tx, &admin, Entity::DealerAssessments, &object(body), false)?;
            }
        }
        Ok(())
    }
}
