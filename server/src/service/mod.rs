//! The domain rules of every read and write, written against the storage primitives in
//! [`crate::store::Tx`]: validation, permissions, generated numbers, SLA times, the duplicate
//! check, optimistic concurrency, the access lists, the change feed and the audit trail.
//!
//! This file holds the operations (get, list, create, update; delete and restore in `deletion.rs`,
//! what every write shares in `prepare.rs`); the
//! rules of each area live beside it: `customers.rs`, `sales.rs` (opportunities, stages),
//! `activities.rs`, `tickets.rs` (tickets and their comments), `users.rs` (users, teams),
//! `feed.rs` (change feed, first-sync snapshot, audit trail) and `wire.rs` (their wire types).

mod activities;
pub mod analysis;
mod approvals;
mod bulk;
pub mod care;
pub mod catalog;
mod competitors;
mod customers;
mod dealers;
mod deletion;
mod desk;
pub mod escalation;
mod feed;
pub mod field;
pub mod files;
mod hand_over;
pub mod import;
mod knowledge;
mod lists;
pub mod mail;
pub mod marketing;
pub mod merges;
mod orders;
mod payments;
mod prepare;
mod products;
pub mod query;
mod quotes;
pub mod recent;
mod relations;
mod sales;
pub mod schedules;
mod stock;
pub mod surveys;
mod targets;
pub mod territories;
mod tickets;
mod users;

pub use deletion::{delete, restore};
pub use desk::ticket_policy;

pub use customers::hidden_columns;
pub use feed::{audit_trail, feed, snapshot};
pub use hand_over::{HandedOver, hand_over};
pub use orders::order_totals;
pub use payments::MAX_INSTALMENTS;
pub use products::{discount_limit, price_for};
pub use quotes::{MAX_LINES, opportunity_amount, quote_totals};
pub use sales::deal_owner_problem;
pub use users::{NamedTeam, team_named};

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::{self, Actor, Denied, Lookup};
use crate::catalog::{Catalog, merge_custom};
use crate::error::ApiError;
use crate::schema::{CUSTOM_FIELD, Entity, Kind};
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::{self, Mode, format_time};
use customers::check_duplicates;
use deletion::{refresh_dependents, tombstone};
pub(crate) use prepare::stamp_change;
use prepare::{audit_fields, check_custom_links, check_links, diff, prepare, record_changed_any};

/// Lets the pure access rules look things up through a transaction. A failed look-up reads as
/// "nothing there", which denies rather than grants.
pub(crate) struct TxLookup<'a>(pub(crate) &'a dyn Tx);

impl Lookup for TxLookup<'_> {
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
        match self.0.get(entity, id) {
            Ok(Some(stored)) if !stored.deleted => self.0.read_set(entity, id).ok(),
            _ => None,
        }
    }
    fn team_of(&self, user_id: &str) -> Option<String> {
        self.0.team_of(user_id).ok().flatten()
    }
}

fn denied(entity: Entity, d: Denied) -> ApiError {
    match d {
        Denied::Hidden => ApiError::NotFound(entity.noun()),
        Denied::Forbidden(message) => ApiError::forbidden(message),
    }
}

fn problems_to_error(p: validate::Problems) -> ApiError {
    if p.forbidden.is_empty() {
        ApiError::Invalid(p.invalid)
    } else {
        ApiError::Forbidden {
            message: "you may not set some of these fields".into(),
            fields: p.forbidden,
        }
    }
}

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Whether writes of this entity are checked against the admin's lists or custom fields.
fn needs_catalog(entity: Entity) -> bool {
    entity
        .fields()
        .iter()
        .any(|f| matches!(f.kind, Kind::List(_)) || f.name == CUSTOM_FIELD)
}

/// The custom fields this actor may not read, to strip from what they are sent: None when
/// there are none (admins read everything; most entities have no restricted field).
pub fn hidden_fields(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
) -> Result<Option<Vec<String>>, ApiError> {
    if actor.is_admin() || entity.field(CUSTOM_FIELD).is_none() {
        return Ok(None);
    }
    let catalog = catalog::load_fields(tx)?;
    let keys: Vec<String> = catalog
        .hidden_keys(entity, actor.role)
        .into_iter()
        .map(String::from)
        .collect();
    Ok((!keys.is_empty()).then_some(keys))
}

/// Removes the custom values this actor may not read from a record sent to them.
pub(crate) fn strip_for(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    record: &mut Record,
) -> Result<(), ApiError> {
    if let Some(keys) = hidden_fields(tx, actor, entity)? {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        crate::catalog::strip_keys(&keys, record);
    }
    Ok(())
}

/// Reads one live record the actor may see.
pub fn get(tx: &dyn Tx, actor: &Actor, entity: Entity, id: &str) -> Result<Record, ApiError> {
    let stored = tx
        .get(entity, id)?
        .filter(|s| !s.deleted)
        .ok_or(ApiError::NotFound(entity.noun()))?;
    if !actor.is_admin() && !actor.may_read(&tx.read_set(entity, id)?) {
        return Err(ApiError::NotFound(entity.noun()));
    }
    let mut record = stored.record;
    strip_for(tx, actor, entity, &mut record)?;
    Ok(record)
}

/// The principals to filter by: None for admins, who see everything.
pub fn viewer(actor: &Actor) -> Option<Vec<String>> {
    (!actor.is_admin()).then(|| actor.principals())
}

pub fn list(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    query: &ListQuery,
) -> Result<Vec<Record>, ApiError> {
    let listed = |name: &str| matches!(entity.field(name).map(|f| f.kind), Some(Kind::List(_)));
    let resolved;
    let query = if query.filters.iter().any(|(name, _)| listed(name)) {
        // A list field's filter names a code as people type it (`level=a`): the list's spelling.
        let catalog = catalog::load(tx)?;
        let mut q = query.clone();
        for (name, value) in &mut q.filters {
            if let (Some(Kind::List(list)), Value::String(code)) =
                (entity.field(name).map(|f| f.kind), &*value)
                && let Some(item) = catalog
                    .items(list)
                    .find(|i| i.code.eq_ignore_ascii_case(code))
            {
                *value = Value::String(item.code.clone());
            }
        }
        resolved = q;
        &resolved
    } else {
        query
    };
    let mut records = tx.list(entity, query, viewer(actor).as_deref())?;
    if let Some(keys) = hidden_fields(tx, actor, entity)? {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        for record in &mut records {
            crate::catalog::strip_keys(&keys, record);
        }
    }
    Ok(records)
}

/// The catalog a write of this entity is checked against (an empty one when it has no list
/// or custom field).
fn catalog_for(tx: &dyn Tx, entity: Entity) -> Result<Catalog, ApiError> {
    if needs_catalog(entity) {
        catalog::load(tx)
    } else {
        Ok(Catalog::default())
    }
}

/// What a write returns: the record and whether it was created by this call.
pub struct Written {
    pub record: Record,
    pub created: bool,
}

pub fn create(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    body: &Record,
    allow_duplicate: bool,
) -> Result<Written, ApiError> {
    let catalog = catalog_for(tx, entity)?;
    create_in(tx, actor, entity, body, allow_duplicate, &catalog)
}

/// [`create`] against a catalog already read in this transaction (an import reads it once for
/// thousands of rows).
pub(crate) fn create_in(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    body: &Record,
    allow_duplicate: bool,
    catalog: &Catalog,
) -> Result<Written, ApiError> {
    let mut record = validate::check_in(entity, body, Mode::Create, actor.role, catalog)
        .map_err(problems_to_error)?;
    let password = record.remove("password");
    let id = match record.remove("id") {
        Some(Value::String(id)) => id,
        _ => Uuid::now_v7().hyphenated().to_string(),
    };
    if tx.get(entity, &id)?.is_some() {
        // Nothing of the record: whoever made it, it may since have moved out of the asker's
        // sight. A retry gets the first answer back through its Idempotency-Key instead.
        return Err(ApiError::Conflict {
            message: format!(
                "a {} with id {id} already exists; a retry must send the first request's Idempotency-Key",
                entity.noun()
            ),
            existing: None,
        });
    }
    let stamp = format_time(now());
    record.insert("id".into(), Value::String(id.clone()));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), Value::String(stamp.clone()));
    record.insert("updated_at".into(), Value::String(stamp));
    record.insert("created_by".into(), Value::String(actor.id.clone()));
    record.insert("updated_by".into(), Value::String(actor.id.clone()));

    merges::redirect_links(tx, entity, &mut record, None)?;
    prepare(tx, actor, entity, None, &mut record)?;
    check_links(tx, entity, &record, None)?;
    check_custom_links(tx, entity, catalog, &record, None)?;
    let lookup = TxLookup(tx);
    access::may_hold(actor, entity, &record, &lookup).map_err(|d| denied(entity, d))?;
    if matches!(
        entity,
        Entity::Opportunities | Entity::Quotes | Entity::Orders | Entity::PaymentPlans
    ) {
        sales::check_owner(tx, None, &record)?;
    }
    if entity == Entity::Customers && !allow_duplicate {
        check_duplicates(tx, &record, None)?;
    }
    let hidden = hidden_columns(entity, &record);
    tx.insert(entity, &record, &hidden)?;
    if entity == Entity::Users {
        let password = password
            .as_ref()
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("password", "is required"))?;
        tx.set_password_hash(&id, &crate::auth::hash_password(password)?)?;
    }
    let set = access::read_set(entity, &record, &lookup);
    tx.set_read_set(entity, &id, &set)?;
    tx.record_change(entity, &id, &BTreeSet::new())?;
    tickets::after_write(tx, actor, entity, None, &record)?;
    quotes::after_write(tx, actor, entity, None, &record)?;
    orders::after_write(tx, actor, entity, None, &record)?;
    stock::after_write(tx, actor, entity, None, &record)?;
    payments::after_write(tx, actor, entity, None, &record)?;
    approvals::after_write(tx, actor, entity, None, &record)?;
    knowledge::after_write(tx, actor, entity, None, &record)?;
    surveys::after_write(tx, actor, entity, None, &record)?;
    marketing::after_write(tx, actor, entity, None, &record)?;
    care::after_write(tx, entity, None, &record)?;
    field::after_write(tx, actor, entity, None, &record)?;
    merges::after_write(tx, actor, entity, None, &record)?;
    bulk::after_write(tx, actor, entity, None, &record)?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "create",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(audit_fields(entity, &record))),
    })?;
    crate::catalog::strip_keys(&catalog.hidden_keys(entity, actor.role), &mut record);
    Ok(Written {
        record,
        created: true,
    })
}

pub fn update(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
    body: &Record,
    if_match: Option<i64>,
) -> Result<Record, ApiError> {
    let stored = tx.get(entity, id)?;
    if stored.as_ref().is_some_and(|s| s.deleted)
        && let Some(survivor) = merges::redirect(tx, entity, id)?
    {
        // An edit of a customer or contact merged away since (an offline client's) goes to the
        // survivor:
        // its fields, without the version check, which named the merged-away record's.
        return update(tx, actor, entity, &survivor, body, None);
    }
    let current = stored
        .filter(|s| !s.deleted)
        .ok_or(ApiError::NotFound(entity.noun()))?
        .record;
    let old_set = tx.read_set(entity, id)?;
    let lookup = TxLookup(tx);
    access::may_change(actor, entity, &current, &old_set, &lookup)
        .map_err(|d| denied(entity, d))?;
    let version = current.get("version").and_then(Value::as_i64).unwrap_or(0);
    if if_match.is_some_and(|v| v != version) {
        return Err(ApiError::Stale { current });
    }
    let catalog = catalog_for(tx, entity)?;
    let mut changes = validate::check_in(entity, body, Mode::Patch, actor.role, &catalog)
        .map_err(problems_to_error)?;
    let password = changes.remove("password");
    let mut record = current.clone();
    for (k, v) in changes {
        // Custom values merge key by key: a key not sent (one this user may not read, or whose
        // field their client does not know yet) stays as it is.
        let v = match (k.as_str(), v) {
            (CUSTOM_FIELD, Value::Object(patch)) => merge_custom(current.get(CUSTOM_FIELD), &patch),
            (_, v) => v,
        };
        record.insert(k, v);
    }
    merges::redirect_links(tx, entity, &mut record, Some(&current))?;
    prepare(tx, actor, entity, Some(&current), &mut record)?;
    check_links(tx, entity, &record, Some(&current))?;
    check_custom_links(tx, entity, &catalog, &record, Some(&current))?;
    access::may_hold_from(actor, entity, Some(&current), &record, &lookup)
        .map_err(|d| denied(entity, d))?;
    if matches!(
        entity,
        Entity::Opportunities | Entity::Quotes | Entity::Orders | Entity::PaymentPlans
    ) {
        sales::check_owner(tx, Some(&current), &record)?;
    }
    if entity == Entity::Customers
        && record_changed_any(&current, &record, &["name", "phone", "email"])
    {
        check_duplicates(tx, &record, Some(id)).or_else(|e| match e {
            // Edits are not blocked by an existing near-duplicate; creates are.
            ApiError::Conflict {
                existing: Some(_), ..
            } => Ok(()),
            other => Err(other),
        })?;
    }
    if entity == Entity::Users {
        users::keep_an_admin(tx, &current, &record)?;
    }
    let changed = diff(&current, &record);
    if let Some(password) = password {
        let password = password
            .as_str()
            .ok_or_else(|| ApiError::invalid("password", "must be text"))?;
        tx.set_password_hash(id, &crate::auth::hash_password(password)?)?;
        tx.delete_sessions_of(id)?;
    }
    let hidden = catalog.hidden_keys(entity, actor.role);
    if changed.is_empty() {
        let mut current = current;
        crate::catalog::strip_keys(&hidden, &mut current);
        return Ok(current);
    }
    stamp_change(&mut record, actor, version);
    tx.update(entity, &record, &hidden_columns(entity, &record), false)?;

    let new_set = access::read_set(entity, &record, &lookup);
    let dropped: BTreeSet<String> = old_set.difference(&new_set).cloned().collect();
    if new_set != old_set {
        tx.set_read_set(entity, id, &new_set)?;
    }
    tx.record_change(entity, id, &dropped)?;
    let team_moved = entity == Entity::Users && changed.contains_key("team_id");
    if new_set != old_set || team_moved {
        refresh_dependents(tx, entity, id)?;
    }
    // A user disabled, or given another role or team, signs in again: their tokens carried
    // the old access, and their client rebuilds its copy for the new one.
    let access_moved = entity == Entity::Users
        && (changed.contains_key("role") || changed.contains_key("team_id"));
    if entity == Entity::Users
        && (access_moved || record.get("active") == Some(&Value::Bool(false)))
    {
        tx.delete_sessions_of(id)?;
    }
    tickets::after_write(tx, actor, entity, Some(&current), &record)?;
    quotes::after_write(tx, actor, entity, Some(&current), &record)?;
    orders::after_write(tx, actor, entity, Some(&current), &record)?;
    stock::after_write(tx, actor, entity, Some(&current), &record)?;
    payments::after_write(tx, actor, entity, Some(&current), &record)?;
    approvals::after_write(tx, actor, entity, Some(&current), &record)?;
    knowledge::after_write(tx, actor, entity, Some(&current), &record)?;
    surveys::after_write(tx, actor, entity, Some(&current), &record)?;
    marketing::after_write(tx, actor, entity, Some(&current), &record)?;
    care::after_write(tx, entity, Some(&current), &record)?;
    field::after_write(tx, actor, entity, Some(&current), &record)?;
    merges::after_write(tx, actor, entity, Some(&current), &record)?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "update",
        entity: Some(entity),
        record_id: Some(id.to_string()),
        changes: Some(Value::Object(changed)),
    })?;
    crate::catalog::strip_keys(&hidden, &mut record);
    Ok(record)
}
