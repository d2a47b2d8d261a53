//! Setup: refuse a used database, make teams and users, read stages and service levels.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::users::{DEMO_PASSWORD, DEMO_USERS};
use super::words::WORDS;
use crate::error::ApiError;
use crate::rules::business_time::Calendar;
use crate::rules::sla;
use crate::schema::{Entity, PRIORITIES};
use crate::service;
use crate::store::{ListQuery, Record, Tx};

pub(super) struct Stage {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) probability: i64,
}

pub(super) struct Setup {
    /// User ids in DEMO_USERS order.
    pub(super) users: Vec<String>,
    /// Team id of each user, in DEMO_USERS order.
    pub(super) teams: Vec<Option<String>>,
    pub(super) teams_made: usize,
    pub(super) stages: Vec<Stage>,
    /// The service level per entry of PRIORITIES (for every customer level) and the calendar
    /// it counts in, as the service sets a ticket's due times.
    pub(super) sla: Vec<(sla::Policy, Calendar)>,
    /// The competitors, as made.
    pub(super) rivals: Vec<Rival>,
}

/// A competitor made at setup: its id, whom it competes for, its products' (id, price).
pub(super) struct Rival {
    pub(super) id: String,
    pub(super) zh: bool,
    pub(super) products: Vec<(String, i64)>,
}

/// The competitors and their products, through the service like any user's: few, and the
/// same rules (unique names, a product's competitor) apply.
fn rivals(tx: &dyn Tx) -> Result<Vec<Rival>, ApiError> {
    let system = crate::system_actor();
    let mut made = Vec::new();
    for c in &WORDS.competitors {
        let body = json!({
            "name": c.name,
            "website": c.website,
            "threat": c.threat,
            "strategy": c.strategy,
            "strengths": c.strengths,
            "weaknesses": c.weaknesses,
            "customer_count": c.customer_count,
            "partners": c.partners,
        });
        let competitor = service::create(tx, &system, Entity::Competitors, &object(body), false)?;
        let id = id_of(&competitor.record)?;
        let mut products = Vec::new();
        for p in &c.products {
            let body = json!({
                "competitor_id": id,
                "name": p.name,
                "price": p.price,
                "currency": if c.zh { "CNY" } else { "USD" },
                "performance": p.performance,
                "strengths": p.strengths,
                "weaknesses": p.weaknesses,
            });
            let product = service::create(
                tx,
                &system,
                Entity::CompetitorProducts,
                &object(body),
                false,
            )?;
            products.push((id_of(&product.record)?, p.price));
        }
        made.push(Rival {
            id,
            zh: c.zh,
            products,
        });
    }
    Ok(made)
}

pub(super) fn object(v: Value) -> Record {
    match v {
        Value::Object(map) => map,
        _ => Record::new(),
    }
}

pub(super) fn id_of(record: &Record) -> Result<String, ApiError> {
    record
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| ApiError::Internal("a created record has no id".into()))
}

pub(super) fn setup(tx: &dyn Tx) -> Result<Setup, ApiError> {
    let any = ListQuery {
        sort: "name",
        limit: 1,
        ..ListQuery::default()
    };
    if !tx.list(Entity::Customers, &any, None)?.is_empty() {
        return Err(ApiError::BadRequest(
            "the database already holds customers; seed an empty database".into(),
        ));
    }
    let system = crate::system_actor();
    let mut team_ids: HashMap<&str, String> = HashMap::new();
    let mut teams_made = 0;
    for name in DEMO_USERS.iter().filter_map(|u| u.team) {
        if team_ids.contains_key(name) {
            continue;
        }
        // A team of that name made by hand is reused: the names are what the demo is about.
        let team = service::team_named(tx, name)?;
        teams_made += usize::from(team.made);
        let id = team.id;
        team_ids.insert(name, id);
    }
    let mut users = Vec::new();
    let mut teams = Vec::new();
    for u in DEMO_USERS {
        if tx.username_taken(u.username, None)? {
            return Err(ApiError::BadRequest(format!(
                "a user named {} exists already; seed an empty database",
                u.username
            )));
        }
        let team = u.team.and_then(|t| team_ids.get(t)).cloned();
        let body = json!({
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role.as_str(),
            "team_id": team,
            "email": format!("{}@example.com", u.username),
            "password": DEMO_PASSWORD,
        });
        let made = service::create(tx, &system, Entity::Users, &object(body), false)?;
        users.push(id_of(&made.record)?);
        teams.push(team);
    }
    super::profile::define(tx)?;
    let all = ListQuery {
        sort: "position",
        limit: 1000,
        ..ListQuery::default()
    };
    let stages = tx
        .list(Entity::Stages, &all, None)?
        .iter()
        .map(|s| {
            Ok(Stage {
                id: id_of(s)?,
                kind: s
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("open")
                    .to_string(),
                probability: s.get("probability").and_then(Value::as_i64).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    super::desk::desk(tx)?;
    let sla = PRIORITIES
        .iter()
        .map(|p| service::ticket_policy(tx, p, None))
        .collect::<Result<_, _>>()?;
    Ok(Setup {
        users,
        teams,
        teams_made,
        stages,
        sla,
        rivals: rivals(tx)?,
    })
}
