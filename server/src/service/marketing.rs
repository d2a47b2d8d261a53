//! Leads and campaigns: lead numbers and owners, status moves (`rules::marketing`), the
//! **conversion** (a lead's `status` set to `converted`, by a patch — which an offline client's
//! outbox sends — or `POST /leads/{id}/convert`): the customer through the duplicate check (or
//! the one it is attached to), a contact, an opportunity when asked, all in the write's
//! transaction; the lead's activities then move to the customer (keeping `lead_id`), and its
//! campaign memberships count as converted. Campaign members: one person each, a call
//! campaign's member planned as a call for one of its agents (the callbacks queue). A campaign's
//! results: sums read in SQL (`Tx::campaign_sums`), ratios by `rules::marketing::results`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::products::{EVERY, where_eq};
use super::{now, stamp_change, text};
use crate::access::{self, Actor, Role};
use crate::error::ApiError;
use crate::rules::marketing::{self, LeadMove};
use crate::rules::numbers;
use crate::schema::Entity;
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::{self, Mode, format_time};

/// Records a campaign adds from one query at most.
pub const MAX_MEMBERS_ADDED: usize = 10_000;
/// Rows one import request carries at most.
pub const MAX_IMPORT_ROWS: usize = 5_000;

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        existing: None,
    }
}

fn live(tx: &dyn Tx, entity: Entity, id: &str) -> Result<Option<Record>, ApiError> {
    Ok(tx.get(entity, id)?.filter(|s| !s.deleted).map(|s| s.record))
}

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

fn set(record: &mut Record, field: &str, value: Value) {
    record.insert(field.into(), value);
}

fn obj(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Leads => prepare_lead(tx, actor, old, record),
        Entity::Campaigns => prepare_campaign(actor, old, record),
        Entity::CampaignMembers => prepare_member(tx, actor, old, record),
        _ => Ok(()),
    }
}

fn prepare_lead(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if let Some(old) = old
        && text(old, "status") == Some("converted")
    {
        let customer = text(old, "customer_id")
            .map(|id| live(tx, Entity::Customers, id))
            .transpose()?
            .flatten();
        return Err(conflict(
            LeadMove::Converted {
                customer: customer.and_then(|c| text(&c, "code").map(String::from)),
            }
            .message(),
        ));
    }
    if old.is_none() {
        let number = numbers::lead_number(tx.next_counter(numbers::LEAD_COUNTER)?);
        set(record, "number", Value::String(number));
        // A salesperson's or agent's new lead is theirs; a manager's (or an integration's,
        // signed in as one) goes to the team's pool unless it names an owner.
        if record.get("owner_id").is_none_or(Value::is_null) && !actor.role.may_assign() {
            set(record, "owner_id", Value::String(actor.id.clone()));
        }
    }
    let team_given = changed(old, record, "team_id") && text(record, "team_id").is_some();
    if changed(old, record, "owner_id") && !team_given {
        let team = match text(record, "owner_id") {
            Some(owner) => tx.team_of(owner)?,
            // Handed back: it stays in the team it was in.
            None => old
                .and_then(|o| text(o, "team_id"))
                .map(String::from)
                .or_else(|| actor.team_id.clone()),
        };
        set(record, "team_id", team.map_or(Value::Null, Value::String));
    }
    let from = old.and_then(|o| text(o, "status")).unwrap_or("new");
    let to = text(record, "status").unwrap_or("new").to_string();
    marketing::lead_move(from, &to, text(record, "disqualify_reason")).map_err(|m| match m {
        LeadMove::NeedsReason => ApiError::invalid("disqualify_reason", m.message()),
        other => conflict(other.message()),
    })?;
    if to == "converted" && from != "converted" {
        convert(tx, actor, record, false)?;
    }
    Ok(())
}

/// Makes what a lead converts into, filling its links: the customer (unless it names one), a
/// contact, and an opportunity when `opportunity_name` is given. Each through `service::create`
/// as the converting user, so their rules and permissions hold; `force` skips the duplicate
/// check (the user saw the likely duplicate and chose a new customer).
fn convert(tx: &dyn Tx, actor: &Actor, lead: &mut Record, force: bool) -> Result<(), ApiError> {
    let lead_id = text(lead, "id").unwrap_or_default().to_string();
    let assign = |body: &mut Record| {
        // Managers hand what they convert to the lead's owner; others own it themselves.
        if actor.role.may_assign()
            && let Some(owner) = text(lead, "owner_id")
        {
            body.insert("owner_id".into(), Value::String(owner.to_string()));
        }
    };
    let customer_id = match text(lead, "customer_id") {
        Some(id) => {
            super::get(tx, actor, Entity::Customers, id)?;
            id.to_string()
        }
        None => {
            let company = text(lead, "company").filter(|c| !c.trim().is_empty());
            let mut body = obj(json!({
                "id": made_from(&lead_id, 1),
                "name": company.or(text(lead, "name")),
                "kind": if company.is_some() { "company" } else { "person" },
                "phone": lead.get("phone"),
                "email": lead.get("email"),
                "source": lead.get("source"),
                "category": "prospect",
            }));
            body.retain(|_, v| !v.is_null());
            assign(&mut body);
            let made = super::create(tx, actor, Entity::Customers, &body, force)
                .map_err(duplicate_offer)?;
            text(&made.record, "id").unwrap_or_default().to_string()
        }
    };
    let mut contact = obj(json!({
        "id": made_from(&lead_id, 2),
        "customer_id": customer_id,
        "name": lead.get("name"),
        "title": lead.get("title"),
        "phone": lead.get("phone"),
        "email": lead.get("email"),
        "is_primary": text(lead, "customer_id").is_none(),
    }));
    contact.retain(|_, v| !v.is_null());
    let contact = super::create(tx, actor, Entity::Contacts, &contact, false)?.record;
    let contact_id = text(&contact, "id").unwrap_or_default().to_string();
    let opportunity_id = match text(lead, "opportunity_name").filter(|n| !n.trim().is_empty()) {
        Some(name) => {
            let mut body = obj(json!({
                "id": made_from(&lead_id, 3),
                "customer_id": customer_id,
                "contact_id": contact_id,
                "name": name,
                "amount": lead.get("opportunity_amount").filter(|v| !v.is_null()).cloned().unwrap_or(json!(0)),
                "campaign_id": lead.get("campaign_id"),
                "source": lead.get("source"),
            }));
            body.retain(|_, v| !v.is_null());
            assign(&mut body);
            let made = super::create(tx, actor, Entity::Opportunities, &body, false)?;
            Value::String(text(&made.record, "id").unwrap_or_default().to_string())
        }
        None => Value::Null,
    };
    set(lead, "customer_id", Value::String(customer_id));
    set(lead, "contact_id", Value::String(contact_id));
    set(lead, "opportunity_id", opportunity_id);
    set(lead, "converted_at", Value::String(format_time(now())));
    Ok(())
}

/// The id of the `n`th record a lead's conversion makes (1 customer, 2 contact, 3 opportunity):
/// the lead's id with its last bytes marked, so a conversion can only ever make one of each
/// (a second is refused as an id taken) and the same lead converts to the same ids wherever
/// it is converted (the demo's seeds compare).
pub fn made_from(lead_id: &str, n: u8) -> Option<String> {
    let mut bytes = *uuid::Uuid::parse_str(lead_id).ok()?.as_bytes();
    bytes[14] ^= 0xc5;
    bytes[15] ^= n;
    Some(uuid::Uuid::from_bytes(bytes).hyphenated().to_string())
}

/// A likely duplicate found while converting: say how to go on (attach, or convert anyway),
/// and name the customer's id so a client can attach the lead to it.
fn duplicate_offer(e: ApiError) -> ApiError {
    match e {
        ApiError::Conflict {
            message,
            existing: Some(existing),
        } => ApiError::Conflict {
            message: format!(
                "{}; attach the lead to that customer (set its customer) or convert anyway",
                message.trim_end_matches("; ask them, or create anyway")
            ),
            existing: Some(existing),
        },
        other => other,
    }
}

/// `POST /leads/{id}/convert`: the conversion as a patch of the lead, with what the body asks
/// (`customer_id` to attach to, `opportunity_name`, `opportunity_amount`) and `force` to make a
/// new customer despite a likely duplicate.
pub fn convert_lead(
    tx: &dyn Tx,
    actor: &Actor,
    id: &str,
    body: &Record,
) -> Result<Record, ApiError> {
    let mut patch = Map::new();
    for (key, value) in body {
        match key.as_str() {
            "customer_id" | "opportunity_name" | "opportunity_amount" => {
                patch.insert(key.clone(), value.clone());
            }
            "force" => {}
            other => {
                return Err(ApiError::invalid(
                    other,
                    "is not asked at conversion (customer_id, opportunity_name, opportunity_amount, force)",
                ));
            }
        }
    }
    let force = match body.get("force") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("force", "must be true or false")),
    };
    let current = super::get(tx, actor, Entity::Leads, id)?;
    if force
        && text(&current, "status") != Some("converted")
        && patch.get("customer_id").is_none_or(Value::is_null)
    {
        // The user chose a new customer over the duplicate: make it first, then attach.
        let mut lead = current.clone();
        for (k, v) in &patch {
            lead.insert(k.clone(), v.clone());
        }
        let company = text(&lead, "company").filter(|c| !c.trim().is_empty());
        let mut customer = obj(json!({
            "id": made_from(id, 1),
            "name": company.or(text(&lead, "name")),
            "kind": if company.is_some() { "company" } else { "person" },
            "phone": lead.get("phone"),
            "email": lead.get("email"),
            "source": lead.get("source"),
            "category": "prospect",
        }));
        customer.retain(|_, v| !v.is_null());
        if actor.role.may_assign()
            && let Some(owner) = text(&lead, "owner_id")
        {
            customer.insert("owner_id".into(), Value::String(owner.into()));
        }
        let made = super::create(tx, actor, Entity::Customers, &customer, true)?;
        patch.insert("customer_id".into(), made.record["id"].clone());
    }
    patch.insert("status".into(), Value::String("converted".into()));
    super::update(tx, actor, Entity::Leads, id, &patch, None)
}

fn prepare_campaign(
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if old.is_none() && record.get("owner_id").is_none_or(Value::is_null) {
        set(record, "owner_id", Value::String(actor.id.clone()));
    }
    if let (Some(from), Some(to)) = (text(record, "starts_on"), text(record, "ends_on"))
        && to < from
    {
        return Err(ApiError::invalid("ends_on", "must not be before starts_on"));
    }
    Ok(())
}

fn prepare_member(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if let Some(old) = old {
        for field in ["campaign_id", "customer_id", "contact_id", "lead_id"] {
            if changed(Some(old), record, field) {
                return Err(ApiError::invalid(
                    field,
                    "a member is one person of one campaign; remove it and add another",
                ));
            }
        }
    } else {
        // A contact is reached with its customer (the results and the callback need both).
        if let Some(contact) = text(record, "contact_id") {
            let customer = live(tx, Entity::Contacts, contact)?
                .and_then(|c| text(&c, "customer_id").map(String::from));
            match (customer, text(record, "customer_id")) {
                (Some(c), None) => set(record, "customer_id", Value::String(c)),
                (Some(c), Some(given)) if c != given => {
                    return Err(ApiError::invalid(
                        "customer_id",
                        "is not the contact's customer; leave it out",
                    ));
                }
                _ => {}
            }
        }
        let person = text(record, "customer_id").is_some();
        let lead = text(record, "lead_id").is_some();
        if person == lead {
            return Err(ApiError::invalid(
                "lead_id",
                "a member is a customer, a contact or a lead: name exactly one",
            ));
        }
    }
    let from = old.and_then(|o| text(o, "response")).unwrap_or("invited");
    let to = text(record, "response").unwrap_or("invited");
    if from != to && to != "invited" && record.get("responded_at").is_none_or(Value::is_null) {
        set(record, "responded_at", Value::String(format_time(now())));
    }
    if old.is_none() {
        plan_call(tx, actor, record)?;
    }
    Ok(())
}

/// A new member of a call campaign becomes a planned outbound call, due when the campaign
/// starts (or now), for one of the campaign's agents (spread by the member's id) or, without
/// agents, for nobody: the callbacks queue shows a call that is mine or nobody's.
fn plan_call(tx: &dyn Tx, actor: &Actor, member: &mut Record) -> Result<(), ApiError> {
    let Some(campaign) = text(member, "campaign_id")
        .map(|id| live(tx, Entity::Campaigns, id))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    if text(&campaign, "campaign_type") != Some("call")
        || matches!(text(&campaign, "status"), Some("completed" | "cancelled"))
    {
        return Ok(());
    }
    let agents: Vec<&str> = campaign
        .get("agent_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let member_id = text(member, "id").unwrap_or_default();
    let spread = member_id.bytes().rev().take(8).fold(0usize, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    let owner = (!agents.is_empty()).then(|| agents[spread % agents.len()]);
    let stamp = now();
    let due = text(&campaign, "starts_on")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .filter(|d| *d > stamp)
        .unwrap_or(stamp);
    let body = obj(json!({
        "kind": "call",
        "direction": "outbound",
        "subject": text(&campaign, "name").unwrap_or("campaign call"),
        "due_at": format_time(due),
        "customer_id": member.get("customer_id"),
        "contact_id": member.get("contact_id"),
        "lead_id": member.get("lead_id"),
        "owner_id": owner,
    }));
    let activity = insert_as_server(tx, actor, Entity::Activities, &body)?;
    set(member, "activity_id", activity["id"].clone());
    Ok(())
}

/// A record the server makes on a user's behalf (a campaign's call planned for an agent the
/// user may not assign): checked as an admin's would be, stored, put in the feed and the audit
/// trail as made by this user.
fn insert_as_server(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    body: &Record,
) -> Result<Record, ApiError> {
    let mut body = body.clone();
    body.retain(|_, v| !v.is_null());
    let mut record = validate::check(entity, &body, Mode::Create, Role::Admin)
        .map_err(|p| ApiError::Invalid(p.invalid))?;
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    let stamp = format_time(now());
    record.insert("id".into(), Value::String(id.clone()));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), Value::String(stamp.clone()));
    record.insert("updated_at".into(), Value::String(stamp));
    record.insert("created_by".into(), Value::String(actor.id.clone()));
    record.insert("updated_by".into(), Value::String(actor.id.clone()));
    tx.insert(entity, &record, &super::hidden_columns(entity, &record))?;
    let lookup = super::TxLookup(tx);
    tx.set_read_set(entity, &id, &access::read_set(entity, &record, &lookup))?;
    tx.record_change(entity, &id, &BTreeSet::new())?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "create",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(super::audit_fields(entity, &record))),
    })?;
    Ok(record)
}

/// Changes a few fields of a stored record as the server's edit: a new version in the feed,
/// its read set computed again (those who lose sight are told), its dependents' too.
pub(super) fn edit_as_server(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    mut record: Record,
    changes: &[(&str, Value)],
) -> Result<(), ApiError> {
    let id = text(&record, "id").unwrap_or_default().to_string();
    let before = record.clone();
    for (k, v) in changes {
        record.insert((*k).into(), v.clone());
    }
    let diff = super::diff(&before, &record);
    if diff.is_empty() {
        return Ok(());
    }
    let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
    stamp_change(&mut record, actor, version);
    tx.update(
        entity,
        &record,
        &super::hidden_columns(entity, &record),
        false,
    )?;
    let lookup = super::TxLookup(tx);
    let old_set = tx.read_set(entity, &id)?;
    let new_set = access::read_set(entity, &record, &lookup);
    if new_set != old_set {
        tx.set_read_set(entity, &id, &new_set)?;
    }
    let dropped: BTreeSet<String> = old_set.difference(&new_set).cloned().collect();
    tx.record_change(entity, &id, &dropped)?;
    if new_set != old_set {
        super::refresh_dependents(tx, entity, &id)?;
    }
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "update",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(diff)),
    })?;
    Ok(())
}

/// After a lead is converted: its history moves to the customer (and contact) it became, still
/// naming the lead, and its campaign memberships count as converted.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity != Entity::Leads
        || text(record, "status") != Some("converted")
        || old.is_some_and(|o| text(o, "status") == Some("converted"))
    {
        return Ok(());
    }
    let lead_id = text(record, "id").unwrap_or_default();
    let customer = record.get("customer_id").cloned().unwrap_or(Value::Null);
    let contact = record.get("contact_id").cloned().unwrap_or(Value::Null);
    for activity in where_eq(tx, Entity::Activities, "lead_id", lead_id, EVERY)? {
        let mut moves = Vec::new();
        if activity.get("customer_id").is_none_or(Value::is_null) {
            moves.push(("customer_id", customer.clone()));
        }
        if activity.get("contact_id").is_none_or(Value::is_null) {
            moves.push(("contact_id", contact.clone()));
        }
        edit_as_server(tx, actor, Entity::Activities, activity, &moves)?;
    }
    for member in where_eq(tx, Entity::CampaignMembers, "lead_id", lead_id, EVERY)? {
        edit_as_server(
            tx,
            actor,
            Entity::CampaignMembers,
            member,
            &[
                ("response", json!("converted")),
                ("responded_at", json!(format_time(now()))),
            ],
        )?;
    }
    Ok(())
}

/// The entities a campaign's members may be taken from.
pub fn member_entity(name: &str) -> Option<(Entity, &'static str)> {
    match name {
        "customers" => Some((Entity::Customers, "customer_id")),
        "contacts" => Some((Entity::Contacts, "contact_id")),
        "leads" => Some((Entity::Leads, "lead_id")),
        _ => None,
    }
}

/// What adding members from a query did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Added {
    pub added: usize,
    /// Already members.
    pub present: usize,
    /// Found but refused (a lead converted, a record the user may not add).
    pub refused: usize,
}

/// Adds to a campaign every record of `entity` the query finds among those the user may read
/// (at most `MAX_MEMBERS_ADDED`), each a member created as the user (a call campaign's become
/// planned calls); those already members are left as they are.
pub fn add_members(
    tx: &dyn Tx,
    actor: &Actor,
    campaign_id: &str,
    entity: Entity,
    link: &'static str,
    terms: &[crate::query::Term],
) -> Result<Added, ApiError> {
    let campaign = super::get(tx, actor, Entity::Campaigns, campaign_id)?;
    access::may_change(
        actor,
        Entity::Campaigns,
        &campaign,
        &tx.read_set(Entity::Campaigns, campaign_id)?,
        &super::TxLookup(tx),
    )
    .map_err(|d| super::denied(Entity::Campaigns, d))?;
    let conditions = super::query::conditions(tx, actor, entity, terms)?;
    let found = super::list(
        tx,
        actor,
        entity,
        &ListQuery {
            conditions,
            sort: "id",
            limit: MAX_MEMBERS_ADDED,
            ..ListQuery::default()
        },
    )?;
    let present: BTreeSet<String> = where_eq(
        tx,
        Entity::CampaignMembers,
        "campaign_id",
        campaign_id,
        EVERY,
    )?
    .iter()
    .filter(|m| {
        // A contact's membership also names its customer: only the link of this kind counts.
        link != "customer_id" || m.get("contact_id").is_none_or(Value::is_null)
    })
    .filter_map(|m| text(m, link).map(String::from))
    .collect();
    let mut added = Added::default();
    for record in found {
        let Some(id) = text(&record, "id") else {
            continue;
        };
        if present.contains(id) {
            added.present += 1;
            continue;
        }
        let body = obj(json!({ "campaign_id": campaign_id, link: id }));
        let mut outcome = None;
        tx.nested(&mut |tx| {
            let done = super::create(tx, actor, Entity::CampaignMembers, &body, false);
            let failed = done.is_err();
            outcome = Some(done);
            if failed {
                Err(crate::store::StorageError::RolledBack)
            } else {
                Ok(())
            }
        })?
        .ok();
        match outcome {
            Some(Ok(_)) => added.added += 1,
            _ => added.refused += 1,
        }
    }
    Ok(added)
}

/// A campaign's results, for someone who may read it.
pub fn results(
    tx: &dyn Tx,
    actor: &Actor,
    campaign_id: &str,
) -> Result<marketing::Results, ApiError> {
    let campaign = super::get(tx, actor, Entity::Campaigns, campaign_id)?;
    let money = |f: &str| campaign.get(f).and_then(Value::as_i64).unwrap_or(0);
    let sums = tx.campaign_sums(campaign_id)?;
    Ok(marketing::results(
        sums,
        money("budget"),
        money("actual_cost"),
    ))
}

/// One row of an import: created (its id and number) or refused (the error as the API sends
/// it), by its position in the request.
#[derive(Debug, serde::Serialize)]
pub struct Imported {
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// Leads from an import: each row created as a single `POST /leads` would be (the same
/// validation, numbers, owners, permissions), in a savepoint of its own, so a refused row
/// writes nothing and the others go.
pub fn import_leads(tx: &dyn Tx, actor: &Actor, rows: &[Value]) -> Result<Vec<Imported>, ApiError> {
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::invalid(
            "rows",
            format!("at most {MAX_IMPORT_ROWS} rows a request; send the file in parts"),
        ));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (row, value) in rows.iter().enumerate() {
        let Value::Object(body) = value else {
            out.push(Imported {
                row,
                id: None,
                number: None,
                error: Some(
                    ApiError::invalid("row", "must be an object of fields").body()["error"].take(),
                ),
            });
            continue;
        };
        let mut outcome = None;
        tx.nested(&mut |tx| {
            let done = super::create(tx, actor, Entity::Leads, body, false);
            let failed = done.is_err();
            outcome = Some(done);
            if failed {
                Err(crate::store::StorageError::RolledBack)
            } else {
                Ok(())
            }
        })?
        .ok();
        out.push(match outcome {
            Some(Ok(w)) => Imported {
                row,
                id: text(&w.record, "id").map(String::from),
                number: text(&w.record, "number").map(String::from),
                error: None,
            },
            Some(Err(e)) => Imported {
                row,
                id: None,
                number: None,
                error: Some(e.body()["error"].take()),
            },
            None => Imported {
                row,
                id: None,
                number: None,
                error: Some(
                    ApiError::Internal("the row was not written".into()).body()["error"].take(),
                ),
            },
        });
    }
    Ok(out)
}
