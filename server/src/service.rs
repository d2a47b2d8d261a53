//! The domain rules of every read and write, written against the storage primitives in
//! [`crate::store::Tx`]: validation, permissions, generated numbers, SLA times, the duplicate
//! check, optimistic concurrency, the access lists, the change feed and the audit trail.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::access::{self, Actor, Denied, Lookup, Role};
use crate::dedupe;
use crate::error::ApiError;
use crate::schema::{Entity, Kind};
use crate::store::{AuditEntry, Hidden, ListQuery, Record, Tx};
use crate::validate::{self, Mode, format_time};

/// Lets the pure access rules look things up through a transaction. A failed look-up reads as
/// "nothing there", which denies rather than grants.
struct TxLookup<'a>(&'a dyn Tx);

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

/// Reads one live record the actor may see.
pub fn get(tx: &dyn Tx, actor: &Actor, entity: Entity, id: &str) -> Result<Record, ApiError> {
    let stored = tx
        .get(entity, id)?
        .filter(|s| !s.deleted)
        .ok_or(ApiError::NotFound(entity.noun()))?;
    if !actor.is_admin() && !actor.may_read(&tx.read_set(entity, id)?) {
        return Err(ApiError::NotFound(entity.noun()));
    }
    Ok(stored.record)
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
    tx.list(entity, query, viewer(actor).as_deref())
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
    let mut record =
        validate::check(entity, body, Mode::Create, actor.role).map_err(problems_to_error)?;
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

    prepare(tx, actor, entity, None, &mut record)?;
    check_links(tx, entity, &record, None)?;
    let lookup = TxLookup(tx);
    access::may_hold(actor, entity, &record, &lookup).map_err(|d| denied(entity, d))?;
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
    after_write(tx, actor, entity, None, &record)?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "create",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(audit_fields(entity, &record))),
    })?;
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
    let current = tx
        .get(entity, id)?
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
    let mut changes =
        validate::check(entity, body, Mode::Patch, actor.role).map_err(problems_to_error)?;
    let password = changes.remove("password");
    let mut record = current.clone();
    for (k, v) in changes {
        record.insert(k, v);
    }
    prepare(tx, actor, entity, Some(&current), &mut record)?;
    check_links(tx, entity, &record, Some(&current))?;
    access::may_hold_from(actor, entity, Some(&current), &record, &lookup)
        .map_err(|d| denied(entity, d))?;
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
        keep_an_admin(tx, &current, &record)?;
    }
    let changed = diff(&current, &record);
    if let Some(password) = password {
        let password = password
            .as_str()
            .ok_or_else(|| ApiError::invalid("password", "must be text"))?;
        tx.set_password_hash(id, &crate::auth::hash_password(password)?)?;
        tx.delete_sessions_of(id)?;
    }
    if changed.is_empty() {
        return Ok(current);
    }
    record.insert("version".into(), json!(version + 1));
    record.insert("updated_at".into(), Value::String(format_time(now())));
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
    after_write(tx, actor, entity, Some(&current), &record)?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "update",
        entity: Some(entity),
        record_id: Some(id.to_string()),
        changes: Some(Value::Object(changed)),
    })?;
    Ok(record)
}

pub fn delete(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
    if_match: Option<i64>,
) -> Result<(), ApiError> {
    let current = tx
        .get(entity, id)?
        .filter(|s| !s.deleted)
        .ok_or(ApiError::NotFound(entity.noun()))?
        .record;
    let old_set = tx.read_set(entity, id)?;
    access::may_delete(actor, entity, &current, &old_set, &TxLookup(tx))
        .map_err(|d| denied(entity, d))?;
    let version = current.get("version").and_then(Value::as_i64).unwrap_or(0);
    if if_match.is_some_and(|v| v != version) {
        return Err(ApiError::Stale { current });
    }
    if entity == Entity::Users && id == actor.id {
        return Err(ApiError::forbidden(
            "you cannot delete yourself; ask another admin",
        ));
    }
    if entity == Entity::Stages
        && !tx
            .list(Entity::Opportunities, &stage_filter(id), None)?
            .is_empty()
    {
        return Err(ApiError::Conflict {
            message: "opportunities are still in this stage; move them first".into(),
            existing: None,
        });
    }
    tombstone(tx, actor, entity, current, old_set)
}

/// Refuses a change that would leave no active admin (an admin demoting or disabling themselves
/// last of all): nobody could then manage users, and only the server's own console could mend it.
fn keep_an_admin(tx: &dyn Tx, current: &Record, record: &Record) -> Result<(), ApiError> {
    let active_admin = |r: &Record| {
        text(r, "role") == Some("admin") && r.get("active") == Some(&Value::Bool(true))
    };
    if !active_admin(current) || active_admin(record) {
        return Ok(());
    }
    let admins = ListQuery {
        filters: vec![
            ("role", Value::String("admin".into())),
            ("active", Value::Bool(true)),
        ],
        sort: "created_at",
        limit: 2,
        ..ListQuery::default()
    };
    let others = tx
        .list(Entity::Users, &admins, None)?
        .iter()
        .filter(|u| text(u, "id") != text(current, "id"))
        .count();
    if others == 0 {
        return Err(ApiError::Conflict {
            message: "this is the last active admin; make another user an admin first".into(),
            existing: None,
        });
    }
    Ok(())
}

fn stage_filter(stage_id: &str) -> ListQuery {
    ListQuery {
        filters: vec![("stage_id", Value::String(stage_id.into()))],
        sort: "created_at",
        limit: 1,
        ..ListQuery::default()
    }
}

/// Marks a record deleted, tells everyone who could see it, and does the same to what hangs off
/// it (a deleted customer takes its contacts, opportunities, activities and tickets along).
fn tombstone(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    mut record: Record,
    old_set: BTreeSet<String>,
) -> Result<(), ApiError> {
    let id = text(&record, "id").unwrap_or_default().to_string();
    let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
    record.insert("version".into(), json!(version + 1));
    record.insert("updated_at".into(), Value::String(format_time(now())));
    tx.update(entity, &record, &hidden_columns(entity, &record), true)?;
    tx.set_read_set(entity, &id, &BTreeSet::new())?;
    tx.record_change(entity, &id, &old_set)?;
    if entity == Entity::Users {
        tx.delete_sessions_of(&id)?;
    } else {
        for (child, child_id) in tx.dependents(entity, &id)? {
            if let Some(stored) = tx.get(child, &child_id)?.filter(|s| !s.deleted) {
                let child_set = tx.read_set(child, &child_id)?;
                tombstone(tx, actor, child, stored.record, child_set)?;
            }
        }
    }
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "delete",
        entity: Some(entity),
        record_id: Some(id),
        changes: None,
    })
}

/// Recomputes the read sets of records derived from this one, telling those who lost sight.
fn refresh_dependents(tx: &dyn Tx, entity: Entity, id: &str) -> Result<(), ApiError> {
    let lookup = TxLookup(tx);
    for (child, child_id) in tx.dependents(entity, id)? {
        let Some(stored) = tx.get(child, &child_id)?.filter(|s| !s.deleted) else {
            continue;
        };
        let old_set = tx.read_set(child, &child_id)?;
        let new_set = access::read_set(child, &stored.record, &lookup);
        if new_set != old_set {
            tx.set_read_set(child, &child_id, &new_set)?;
            let dropped: BTreeSet<String> = old_set.difference(&new_set).cloned().collect();
            tx.record_change(child, &child_id, &dropped)?;
            refresh_dependents(tx, child, &child_id)?;
        }
    }
    Ok(())
}

fn record_changed_any(a: &Record, b: &Record, fields: &[&str]) -> bool {
    fields.iter().any(|f| a.get(*f) != b.get(*f))
}

/// `{field: [old, new]}` for every field that differs.
fn diff(old: &Record, new: &Record) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in new {
        if matches!(k.as_str(), "version" | "updated_at") {
            continue;
        }
        let before = old.get(k).cloned().unwrap_or(Value::Null);
        if &before != v {
            out.insert(k.clone(), json!([before, v]));
        }
    }
    out
}

/// The fields of a new record worth keeping in the audit trail (set, not system).
fn audit_fields(entity: Entity, record: &Record) -> Map<String, Value> {
    entity
        .fields()
        .iter()
        .filter_map(|f| {
            record
                .get(f.name)
                .filter(|v| !v.is_null())
                .map(|v| (f.name.to_string(), v.clone()))
        })
        .collect()
}

fn hidden_columns(entity: Entity, record: &Record) -> Hidden {
    match entity {
        Entity::Customers => vec![
            ("name_key", text(record, "name").and_then(dedupe::name_key)),
            (
                "phone_key",
                text(record, "phone").and_then(dedupe::phone_key),
            ),
            (
                "email_key",
                text(record, "email").and_then(dedupe::email_key),
            ),
        ],
        _ => Vec::new(),
    }
}

/// Answers 409 when a live customer has the same normalized name, phone or email. The answer
/// names the existing customer's code and owner only: the asker may not be allowed to see it, so
/// nothing else of it (its name above all) is told.
fn check_duplicates(tx: &dyn Tx, record: &Record, except: Option<&str>) -> Result<(), ApiError> {
    let keys = hidden_columns(Entity::Customers, record);
    let found = tx.find_duplicates(&keys, except)?;
    let Some(existing) = found.first() else {
        return Ok(());
    };
    let matched: Vec<&str> = keys
        .iter()
        .filter(|(column, key)| {
            key.is_some()
                && hidden_columns(Entity::Customers, existing)
                    .iter()
                    .any(|(c, k)| c == column && k == key)
        })
        .map(|(column, _)| column.trim_end_matches("_key"))
        .collect();
    let owner_id = text(existing, "owner_id");
    let owner = match owner_id {
        Some(id) => tx.get(Entity::Users, id)?.map(|u| u.record),
        None => None,
    };
    let owner_name = owner
        .as_ref()
        .and_then(|u| text(u, "display_name"))
        .unwrap_or("nobody");
    let code = text(existing, "code").unwrap_or_default();
    Err(ApiError::Conflict {
        message: format!(
            "a customer with the same {} exists: {code}, owned by {owner_name}; ask them, or create anyway",
            matched.join(" and "),
        ),
        existing: Some(json!({
            "code": code,
            "owner_id": owner_id,
            "owner_name": owner_name,
            "matched_on": matched,
        })),
    })
}

/// The ids a link field holds.
fn link_ids(kind: Kind, value: Option<&Value>) -> Vec<&str> {
    match (kind, value) {
        (Kind::Ref(_), Some(Value::String(id))) => vec![id.as_str()],
        (Kind::Refs(_), Some(Value::Array(items))) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => Vec::new(),
    }
}

/// Every id a write links to must name a live record; users must be active. Links the record
/// already held are not checked again: a deleted contact or a departed user must not make the
/// records that mention them uneditable.
fn check_links(
    tx: &dyn Tx,
    entity: Entity,
    record: &Record,
    old: Option<&Record>,
) -> Result<(), ApiError> {
    let mut problems = std::collections::BTreeMap::new();
    for field in entity.fields() {
        let ids = link_ids(field.kind, record.get(field.name));
        let held = link_ids(field.kind, old.and_then(|o| o.get(field.name)));
        let target = match field.kind {
            Kind::Ref(t) | Kind::Refs(t) => t,
            _ => continue,
        };
        for id in ids.into_iter().filter(|id| !held.contains(id)) {
            let live = tx.get(target, id)?.filter(|s| !s.deleted);
            let ok = match (&live, target) {
                (Some(user), Entity::Users) => {
                    user.record.get("active") == Some(&Value::Bool(true))
                }
                (Some(_), _) => true,
                (None, _) => false,
            };
            if !ok {
                problems.insert(
                    field.name.to_string(),
                    format!("no such {}: {id}", target.noun()),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// Entity rules applied to the full new state of a record before it is checked and stored.
fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").map(String::from);
    match entity {
        Entity::Customers => {
            if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
                record.insert("owner_id".into(), Value::String(actor.id.clone()));
            }
            let owner_changed = old.is_none_or(|o| o.get("owner_id") != record.get("owner_id"));
            let team_given = old.is_none_or(|o| o.get("team_id") != record.get("team_id"))
                && record.get("team_id").is_some_and(|t| !t.is_null());
            if owner_changed && !team_given {
                let team = match text(record, "owner_id") {
                    Some(owner) => tx.team_of(owner)?,
                    None => None,
                };
                record.insert("team_id".into(), team.map_or(Value::Null, Value::String));
            }
            match text(record, "code") {
                None => {
                    let code = loop {
                        let code = format!("C{:06}", tx.next_counter("customer_code")?);
                        if !tx.code_taken(&code, None)? {
                            break code;
                        }
                    };
                    record.insert("code".into(), Value::String(code));
                }
                Some(code) => {
                    if tx.code_taken(code, id.as_deref())? {
                        return Err(ApiError::Conflict {
                            message: format!(
                                "customer code {code} is taken; choose another or leave it empty"
                            ),
                            existing: None,
                        });
                    }
                }
            }
        }
        Entity::Opportunities => {
            if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
                record.insert("owner_id".into(), Value::String(actor.id.clone()));
            }
            if text(record, "stage_id").is_none() {
                let first = tx.list(
                    Entity::Stages,
                    &ListQuery {
                        filters: vec![("kind", json!("open"))],
                        sort: "position",
                        limit: 1,
                        ..ListQuery::default()
                    },
                    None,
                )?;
                if let Some(stage) = first.first() {
                    record.insert("stage_id".into(), stage["id"].clone());
                }
            }
            let stage_changed = old.is_none_or(|o| o.get("stage_id") != record.get("stage_id"));
            let stage = match text(record, "stage_id") {
                Some(s) => tx
                    .get(Entity::Stages, s)?
                    .filter(|s| !s.deleted)
                    .map(|s| s.record),
                None => None,
            };
            if let Some(stage) = &stage {
                let probability_given = old
                    .is_none_or(|o| o.get("probability") != record.get("probability"))
                    && record.get("probability").is_some_and(|p| !p.is_null());
                if stage_changed && !probability_given {
                    record.insert("probability".into(), stage["probability"].clone());
                }
                let kind = text(stage, "kind").unwrap_or("open");
                if kind != "open" && text(record, "close_reason").is_none() {
                    return Err(ApiError::invalid(
                        "close_reason",
                        format!("say why the opportunity was {kind}"),
                    ));
                }
            }
        }
        Entity::Activities => {
            if record.get("owner_id").is_none_or(Value::is_null) && old.is_none() {
                record.insert("owner_id".into(), Value::String(actor.id.clone()));
            }
            if let (Some(start), Some(end)) = (text(record, "starts_at"), text(record, "ends_at"))
                && end < start
            {
                return Err(ApiError::invalid("ends_at", "must not be before starts_at"));
            }
            if text(record, "kind") != Some("call") {
                for field in ["direction", "duration_seconds", "outcome"] {
                    if record.get(field).is_some_and(|v| !v.is_null()) {
                        return Err(ApiError::invalid(field, "applies to calls only"));
                    }
                }
            }
        }
        Entity::Tickets => prepare_ticket(tx, old, record)?,
        Entity::Users => {
            let username = text(record, "username").unwrap_or_default();
            if username.chars().any(char::is_whitespace) {
                return Err(ApiError::invalid("username", "must not contain spaces"));
            }
            if old.is_none_or(|o| o.get("username") != record.get("username"))
                && tx.username_taken(username, id.as_deref())?
            {
                return Err(ApiError::Conflict {
                    message: format!("username {username} is taken"),
                    existing: None,
                });
            }
        }
        Entity::Teams => {
            let name = text(record, "name").unwrap_or_default();
            if old.is_none_or(|o| o.get("name") != record.get("name"))
                && tx.name_taken(Entity::Teams, name, id.as_deref())?
            {
                return Err(ApiError::Conflict {
                    message: format!("a team named {name} exists"),
                    existing: None,
                });
            }
        }
        Entity::Stages | Entity::Contacts | Entity::Comments => {}
    }
    Ok(())
}

fn prepare_ticket(tx: &dyn Tx, old: Option<&Record>, record: &mut Record) -> Result<(), ApiError> {
    let now = now();
    if old.is_none() {
        let number = format!("T-{:06}", tx.next_counter("ticket_number")?);
        record.insert("number".into(), Value::String(number));
    }
    let priority_changed = old.is_none_or(|o| o.get("priority") != record.get("priority"));
    if priority_changed {
        // Due times run from when the ticket was opened, at the current priority's service level.
        let opened = text(record, "created_at")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        let (first, resolve) = tx.sla(text(record, "priority").unwrap_or("normal"))?;
        record.insert(
            "first_response_due".into(),
            Value::String(format_time(opened + Duration::minutes(first))),
        );
        record.insert(
            "resolution_due".into(),
            Value::String(format_time(opened + Duration::minutes(resolve))),
        );
    }
    let status = text(record, "status").unwrap_or("new").to_string();
    let old_status = old.and_then(|o| text(o, "status")).unwrap_or("new");
    if status != "new" && record.get("first_responded_at").is_none_or(Value::is_null) {
        record.insert("first_responded_at".into(), Value::String(format_time(now)));
    }
    let finished = matches!(status.as_str(), "resolved" | "closed");
    if finished {
        if text(record, "resolution").is_none() {
            return Err(ApiError::invalid(
                "resolution",
                "say how the request was resolved",
            ));
        }
        if record.get("resolved_at").is_none_or(Value::is_null) {
            record.insert("resolved_at".into(), Value::String(format_time(now)));
        }
    } else if matches!(old_status, "resolved" | "closed") {
        // Reopened: the clock runs again.
        record.insert("resolved_at".into(), Value::Null);
    }
    if record.get("satisfaction").is_some_and(|s| !s.is_null()) && !finished {
        return Err(ApiError::invalid(
            "satisfaction",
            "is recorded when the ticket is resolved or closed",
        ));
    }
    Ok(())
}

/// Side effects on other records: a customer-visible comment is the ticket's first response.
fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity == Entity::Comments
        && old.is_none()
        && record.get("internal") != Some(&Value::Bool(true))
    {
        let Some(ticket_id) = text(record, "ticket_id") else {
            return Ok(());
        };
        let Some(ticket) = tx.get(Entity::Tickets, ticket_id)?.filter(|t| !t.deleted) else {
            return Ok(());
        };
        let answered_by_staff = text(&ticket.record, "created_by") != Some(actor.id.as_str())
            || text(&ticket.record, "assignee_id") == Some(actor.id.as_str());
        if ticket
            .record
            .get("first_responded_at")
            .is_none_or(Value::is_null)
            && answered_by_staff
        {
            let mut t = ticket.record;
            let version = t.get("version").and_then(Value::as_i64).unwrap_or(0);
            let stamp = format_time(now());
            t.insert("first_responded_at".into(), Value::String(stamp.clone()));
            t.insert("updated_at".into(), Value::String(stamp));
            t.insert("version".into(), json!(version + 1));
            tx.update(Entity::Tickets, &t, &Vec::new(), false)?;
            tx.record_change(Entity::Tickets, ticket_id, &BTreeSet::new())?;
        }
    }
    Ok(())
}

/// One entry of the change feed as a user receives it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    /// `upsert`: store this record; `delete`: it was deleted; `drop`: you may no longer see it.
    pub op: FeedOp,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<Record>,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FeedOp {
    Upsert,
    Delete,
    Drop,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct FeedPage {
    pub changes: Vec<FeedEntry>,
    /// Pass as `since` to continue.
    pub next: i64,
    /// More changes are waiting beyond this page.
    pub more: bool,
    /// The head of the feed when the page was read (0 from a server that does not say), so a
    /// client can tell how far it has come.
    #[serde(default)]
    pub latest: i64,
}

/// Where a snapshot continues: after record `after` of `entity`, in id order.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SnapshotCursor {
    pub entity: Entity,
    pub after: String,
}

/// One record of a snapshot page.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotRecord<R = Record> {
    pub entity: Entity,
    pub record: R,
}

/// A page of `GET /sync/snapshot`: the live records a user may read, entity by entity in
/// `Entity::ALL` order and by id within each. A first sync reads every page, keeping the first
/// page's `head`, then follows the change feed from that head: anything written while the pages
/// were read, deletions and lost access included, is at a later position of the feed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotPage<R = Record> {
    pub records: Vec<SnapshotRecord<R>>,
    /// Pass back as `entity` and `after` to continue; None once every entity is read.
    pub next: Option<SnapshotCursor>,
    /// The head of the change feed when the page was read.
    pub head: i64,
    /// Records the user may read in all, on the first page (asked without a cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// Where a snapshot page stands: its `SnapshotPage` without the records. Sent again in the
/// `Snapshot-Position` header (as this JSON), so a client can ask for the next page before it
/// reads the records.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SnapshotPosition {
    pub next: Option<SnapshotCursor>,
    pub head: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The name of the header that carries a snapshot page's `SnapshotPosition`.
pub const SNAPSHOT_POSITION: &str = "snapshot-position";

/// Bytes set aside per record of a snapshot page: more than most records take (about 600 in
/// the demo data) and at most `MAX_ROOM` in all.
const RECORD_ROOM: usize = 1024;
const MAX_ROOM: usize = 32 << 20;

/// One page of the snapshot, from `from` (the start when None), as the JSON text of a
/// [`SnapshotPage`], byte for byte what serde_json would write for it (its fields in order; the
/// tests compare the two). Written by hand because each record's JSON is made by the store:
/// copied straight in, it is never parsed, checked or serialized again, which was a third of
/// the server's CPU for a page.
pub fn snapshot(
    tx: &dyn Tx,
    actor: &Actor,
    from: Option<SnapshotCursor>,
    limit: usize,
) -> Result<(Vec<u8>, SnapshotPosition), ApiError> {
    const OPEN: &[u8] = br#"{"records":["#;
    let viewer = viewer(actor);
    let viewer = viewer.as_deref();
    let head = tx.latest_seq()?;
    let total = match from {
        None => Some(
            Entity::ALL
                .iter()
                .map(|&e| tx.visible_count(e, viewer))
                .sum::<Result<u64, ApiError>>()?,
        ),
        Some(_) => None,
    };
    let (start, mut after) = match from {
        Some(c) => (c.entity, Some(c.after)),
        None => (Entity::ALL[0], None),
    };
    // Room for the page from the start: grown by doubling, a 3 MB page was copied and its new
    // memory faulted in a dozen times over. Unused room is address space, never touched.
    let mut body = Vec::with_capacity(limit.saturating_mul(RECORD_ROOM).min(MAX_ROOM));
    body.extend_from_slice(OPEN);
    let (mut count, mut last) = (0, String::new());
    let mut next = None;
    for entity in Entity::ALL.into_iter().skip_while(|e| *e != start) {
        let want = limit - count;
        let opening = format!(
            r#"{{"entity":{},"record":"#,
            serde_json::to_string(&entity)?
        );
        let read = tx.snapshot(
            entity,
            after.take().as_deref(),
            want,
            viewer,
            &mut |id, json| {
                if body.len() > OPEN.len() {
                    body.push(b',');
                }
                body.extend_from_slice(opening.as_bytes());
                body.extend_from_slice(json);
                body.push(b'}');
                last.clear();
                last.push_str(id);
            },
        )?;
        count += read;
        if read == want {
            // The page is full: continue after its last record (a later page may find none).
            next = Some(SnapshotCursor {
                entity,
                after: std::mem::take(&mut last),
            });
            break;
        }
    }
    let position = SnapshotPosition { next, head, total };
    // The position's object, its opening brace turned into a comma after the records.
    body.extend_from_slice(b"]");
    let at = body.len();
    serde_json::to_writer(&mut body, &position)?;
    body[at] = b',';
    Ok((body, position))
}

pub fn feed(tx: &dyn Tx, actor: &Actor, since: i64, limit: usize) -> Result<FeedPage, ApiError> {
    let rows = tx.changes(since, limit + 1, viewer(actor).as_deref())?;
    let more = rows.len() > limit;
    let mut changes = Vec::with_capacity(rows.len().min(limit));
    let mut next = since;
    for row in rows.into_iter().take(limit) {
        next = row.seq;
        let op = if row.visible {
            FeedOp::Upsert
        } else if row.deleted {
            FeedOp::Delete
        } else {
            FeedOp::Drop
        };
        changes.push(FeedEntry {
            seq: row.seq,
            entity: row.entity,
            id: row.id,
            op,
            record: row.record,
        });
    }
    Ok(FeedPage {
        changes,
        next,
        more,
        latest: tx.latest_seq()?,
    })
}

/// The audit trail of one record, for admins and for managers who may see the record.
pub fn audit_trail(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    id: &str,
) -> Result<Vec<Value>, ApiError> {
    match actor.role {
        Role::Admin => {}
        Role::Manager => {
            let stored = tx
                .get(entity, id)?
                .ok_or(ApiError::NotFound(entity.noun()))?;
            // A deleted record's read set is gone; its team still owns its history.
            let visible = actor.may_read(&tx.read_set(entity, id)?)
                || (stored.deleted
                    && actor.may_read(&access::read_set(entity, &stored.record, &TxLookup(tx))));
            // Every user and team may be read by all, but their trails (sign-ins included) are
            // for their own team's manager only.
            if !visible || !access::manager_may_audit(actor, entity, id, &stored.record) {
                return Err(ApiError::NotFound(entity.noun()));
            }
        }
        _ => {
            return Err(ApiError::forbidden(
                "only managers and admins may read the audit trail",
            ));
        }
    }
    tx.audit_trail(entity, id, 1000)
}
