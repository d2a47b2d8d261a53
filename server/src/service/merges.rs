//! Merging duplicate customers (seed 000 §3.1.1): the review queue's pairs, the merge, its
//! redirect and its undo.
//!
//! - **Pairs** (`duplicate_pairs`): live customers sharing a duplicate key (`dedupe`: the
//!   normalized name, phone or email; the pinyin key of the name, for names that sound the
//!   same), found in SQL by `Tx::shared_keys`, listed for whoever may merge both
//!   (`access::may_merge`).
//! - **A merge** is the create of a `merges` record (`prepare` then `after_write`, in the write's
//!   transaction): the customers' versions checked against those the user compared (409 when
//!   either changed), the survivor given the values the user took from the other (its own
//!   `service::update`, audited), then every record naming the merged-away customer in a
//!   `Ref(Customers)` field of any descriptor — and its static-list memberships — moved to the
//!   survivor as the server's edit (new versions, read sets, feed), then the merged-away
//!   customer deleted. The record keeps what was moved (`moved`) and the values replaced
//!   (`before`).
//! - **The redirect**: while a merge is in force, a write naming the merged-away customer (an
//!   edit of it, a new contact of it sent from an offline outbox) is applied to the survivor
//!   (`redirect`, `redirect_links`).
//! - **Undo** (an admin patches `status` to `undone`): the merged-away customer restored, exactly
//!   the records moved moved back (those still on the survivor), the survivor's taken values
//!   put back where nobody changed them since.

use serde_json::{Map, Value, json};

use super::marketing::edit_as_server;
use super::products::{EVERY, where_eq};
use super::{denied, text};
use crate::access::{self, Actor};
use crate::error::ApiError;
use crate::schema::{Access, Entity, Kind};
use crate::store::{AuditEntry, Record, Tx};
use crate::validate::format_time;

/// Customer fields a merge never takes from the merged-away record: its identity and what the
/// server keeps.
const NOT_TAKEN: &[&str] = &["code", "custom"];
/// Chains of redirects followed at most (A merged into B, B later into C).
const MAX_HOPS: usize = 16;
/// Rows of shared keys read per key when listing pairs.
const MAX_KEY_ROWS: usize = 20_000;
/// What a static-list membership is marked with in `moved` when the survivor was already on the
/// list: deleted by the merge, restored by its undo.
const DELETED: &str = "-deleted";

/// A candidate pair of the review queue: the two customers and on which keys they agree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pair {
    pub a: Record,
    pub b: Record,
    pub reasons: Vec<&'static str>,
}

/// The pairs this actor may merge, ordered by the first customer's then the second's id,
/// starting after `after` (`"<a id>:<b id>"`), at most `limit`.
pub fn duplicate_pairs(
    tx: &dyn Tx,
    actor: &Actor,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Pair>, ApiError> {
    let mut reasons: std::collections::BTreeMap<(String, String), Vec<&'static str>> =
        Default::default();
    for (column, reason) in [
        ("name_key", "name"),
        ("phone_key", "phone"),
        ("email_key", "email"),
        ("sort_name", "pinyin"),
    ] {
        let rows = tx.shared_keys(column, MAX_KEY_ROWS)?;
        for group in rows.chunk_by(|x, y| x.0 == y.0) {
            for (i, (_, a)) in group.iter().enumerate() {
                for (_, b) in &group[i + 1..] {
                    let key = if a < b {
                        (a.clone(), b.clone())
                    } else {
                        (b.clone(), a.clone())
                    };
                    let list = reasons.entry(key).or_default();
                    if !list.contains(&reason) {
                        list.push(reason);
                    }
                }
            }
        }
    }
    let after = after.and_then(|a| a.split_once(':'));
    let mut out = Vec::new();
    for ((a, b), mut on) in reasons {
        if after.is_some_and(|(x, y)| (a.as_str(), b.as_str()) <= (x, y)) {
            continue;
        }
        // The pinyin key says little when the name already matched.
        if on.contains(&"name") {
            on.retain(|r| *r != "pinyin");
        }
        let (Some(ra), Some(rb)) = (live_customer(tx, &a)?, live_customer(tx, &b)?) else {
            continue;
        };
        let (sa, sb) = (
            tx.read_set(Entity::Customers, &a)?,
            tx.read_set(Entity::Customers, &b)?,
        );
        if access::may_merge(actor, (&ra, &sa), (&rb, &sb)).is_err() {
            continue;
        }
        let (mut ra, mut rb) = (ra, rb);
        super::strip_for(tx, actor, Entity::Customers, &mut ra)?;
        super::strip_for(tx, actor, Entity::Customers, &mut rb)?;
        out.push(Pair {
            a: ra,
            b: rb,
            reasons: on,
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

fn live_customer(tx: &dyn Tx, id: &str) -> Result<Option<Record>, ApiError> {
    Ok(tx
        .get(Entity::Customers, id)?
        .filter(|s| !s.deleted)
        .map(|s| s.record))
}

/// The survivor a merged-away customer's id redirects to (following later merges), or None
/// when no merge in force names it.
pub(super) fn redirect(tx: &dyn Tx, customer_id: &str) -> Result<Option<String>, ApiError> {
    let mut id = customer_id.to_string();
    let mut found = None;
    for _ in 0..MAX_HOPS {
        let next = where_eq(tx, Entity::Merges, "merged_id", &id, 4)?
            .into_iter()
            .find(|m| text(m, "status") == Some("done"))
            .and_then(|m| text(&m, "survivor_id").map(String::from));
        match next {
            Some(s) => {
                id = s.clone();
                found = Some(s);
            }
            None => break,
        }
    }
    Ok(found)
}

/// Points a record's links to merged-away customers at their survivors: the write path's look
/// at the redirects, for links this write sets (a link the record held already is left).
pub(super) fn redirect_links(
    tx: &dyn Tx,
    entity: Entity,
    record: &mut Record,
    old: Option<&Record>,
) -> Result<(), ApiError> {
    if entity == Entity::Merges {
        return Ok(());
    }
    for field in entity.fields() {
        let is_link = matches!(
            field.kind,
            Kind::Ref(Entity::Customers) | Kind::Refs(Entity::Customers)
        );
        if !is_link || old.is_some_and(|o| o.get(field.name) == record.get(field.name)) {
            continue;
        }
        let Some(value) = record.get_mut(field.name) else {
            continue;
        };
        let ids: Vec<&mut Value> = match value {
            Value::String(_) => vec![value],
            Value::Array(items) => items.iter_mut().collect(),
            _ => continue,
        };
        for v in ids {
            let Some(id) = v.as_str() else { continue };
            let gone = tx
                .get(Entity::Customers, id)?
                .is_some_and(|stored| stored.deleted);
            if gone && let Some(survivor) = redirect(tx, id)? {
                *v = Value::String(survivor);
            }
        }
    }
    Ok(())
}

/// A record naming a customer, and in which of its fields.
type Reference = (Entity, Record, Vec<&'static str>);

/// The records (and fields) naming a customer: every descriptor's `Ref(Customers)` fields, and
/// static-list memberships of customer lists (their `record_id` is any entity's id).
fn references(tx: &dyn Tx, customer_id: &str) -> Result<Vec<Reference>, ApiError> {
    let mut out: Vec<Reference> = Vec::new();
    for entity in Entity::ALL {
        if matches!(entity, Entity::Merges | Entity::Customers) {
            continue;
        }
        for field in entity.fields() {
            if field.kind != Kind::Ref(Entity::Customers) {
                continue;
            }
            for r in where_eq(tx, entity, field.name, customer_id, EVERY)? {
                match out
                    .iter_mut()
                    .find(|(e, o, _)| *e == entity && o.get("id") == r.get("id"))
                {
                    Some((_, _, fields)) => fields.push(field.name),
                    None => out.push((entity, r, vec![field.name])),
                }
            }
        }
    }
    for member in where_eq(tx, Entity::ListMembers, "record_id", customer_id, EVERY)? {
        let list = text(&member, "list_id")
            .map(|l| tx.get(Entity::StaticLists, l))
            .transpose()?
            .flatten();
        if list.is_some_and(|l| text(&l.record, "entity") == Some("customers")) {
            out.push((Entity::ListMembers, member, vec!["record_id"]));
        }
    }
    Ok(out)
}

fn key(entity: Entity, id: &str) -> String {
    format!("{}/{id}", entity.name())
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        existing: None,
    }
}

/// A merge's rules before it is stored: on create, the two customers, who may merge them, the
/// versions compared, the fields taken, and the plan (`moved`, `before`); on a patch, only its
/// undo.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    if let Some(old) = old {
        let changed: Vec<&String> = record
            .keys()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "status" | "version" | "updated_at" | "updated_by"
                ) && old.get(k.as_str()) != record.get(k.as_str())
            })
            .collect();
        if !changed.is_empty() {
            return Err(conflict(
                "a merge is not edited; undo it (status undone) and merge again",
            ));
        }
        match (text(old, "status"), text(record, "status")) {
            (Some("done"), Some("undone")) => {
                record.insert("undone_at".into(), json!(format_time(super::now())));
            }
            (Some("undone"), Some("done")) => {
                return Err(conflict(
                    "an undone merge stays undone; merge the two again",
                ));
            }
            _ => {}
        }
        return Ok(());
    }
    let survivor_id = text(record, "survivor_id").unwrap_or_default().to_string();
    let merged_id = text(record, "merged_id").unwrap_or_default().to_string();
    if survivor_id == merged_id {
        return Err(ApiError::invalid(
            "merged_id",
            "is the survivor; name the other customer",
        ));
    }
    let survivor = live_or_redirected(tx, &survivor_id, "survivor_id")?;
    let merged = live_or_redirected(tx, &merged_id, "merged_id")?;
    let sets = (
        tx.read_set(Entity::Customers, &survivor_id)?,
        tx.read_set(Entity::Customers, &merged_id)?,
    );
    access::may_merge(actor, (&survivor, &sets.0), (&merged, &sets.1))
        .map_err(|d| denied(Entity::Customers, d))?;
    for (field, current) in [("survivor_version", &survivor), ("merged_version", &merged)] {
        let seen = record.get(field).and_then(Value::as_i64);
        let now = current.get("version").and_then(Value::as_i64);
        if seen.is_some() && seen != now {
            return Err(conflict(format!(
                "{} {} changed since you compared them; look at the pair again",
                text(current, "code").unwrap_or_default(),
                text(current, "name").unwrap_or_default()
            )));
        }
    }
    let take: Vec<String> = record
        .get("take")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    for field in &take {
        let ok = Entity::Customers.field(field).is_some_and(|f| {
            !NOT_TAKEN.contains(&f.name)
                && !matches!(f.kind, Kind::Tags | Kind::Refs(_) | Kind::Map)
        });
        if !ok {
            return Err(ApiError::invalid(
                "take",
                format!(
                    "{field} is not a customer field a merge can take; name fields like phone, email, level"
                ),
            ));
        }
    }
    // The survivor's values the merge replaces: those taken, and empty ones the other fills.
    let mut before = Map::new();
    for field in Entity::Customers.fields() {
        if NOT_TAKEN.contains(&field.name)
            || matches!(field.kind, Kind::Tags | Kind::Refs(_) | Kind::Map)
        {
            continue;
        }
        let mine = survivor.get(field.name).cloned().unwrap_or(Value::Null);
        let theirs = merged.get(field.name).cloned().unwrap_or(Value::Null);
        // An empty field takes the other's value unasked, unless only some may set it (an
        // owner or team is the user's explicit choice).
        let taken = take.iter().any(|t| t == field.name)
            || (is_empty(&mine) && !is_empty(&theirs) && field.access == Access::Open);
        if taken && mine != theirs {
            before.insert(field.name.into(), mine);
        }
    }
    let mut moved = Map::new();
    for (entity, r, fields) in references(tx, &merged_id)? {
        let id = text(&r, "id").unwrap_or_default();
        let mark = if entity == Entity::ListMembers
            && text(&r, "list_id")
                .is_some_and(|list| on_list(tx, list, &survivor_id).unwrap_or(false))
        {
            DELETED.to_string()
        } else {
            fields.join(",")
        };
        moved.insert(key(entity, id), Value::String(mark));
    }
    record.insert("survivor_id".into(), json!(survivor_id));
    record.insert("merged_id".into(), json!(merged_id));
    record.insert("status".into(), json!("done"));
    record.insert("moved".into(), Value::Object(moved));
    record.insert("before".into(), Value::Object(before));
    record.insert(
        "merged_code".into(),
        merged.get("code").cloned().unwrap_or(Value::Null),
    );
    record.insert(
        "merged_name".into(),
        merged.get("name").cloned().unwrap_or(Value::Null),
    );
    Ok(())
}

fn is_empty(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

fn on_list(tx: &dyn Tx, list: &str, customer: &str) -> Result<bool, ApiError> {
    Ok(
        where_eq(tx, Entity::ListMembers, "record_id", customer, EVERY)?
            .iter()
            .any(|m| text(m, "list_id") == Some(list)),
    )
}

/// A live customer, or the error naming where a merged-away one went.
fn live_or_redirected(tx: &dyn Tx, id: &str, field: &str) -> Result<Record, ApiError> {
    if let Some(r) = live_customer(tx, id)? {
        return Ok(r);
    }
    if let Some(survivor) = redirect(tx, id)? {
        let code = live_customer(tx, &survivor)?
            .and_then(|c| text(&c, "code").map(String::from))
            .unwrap_or(survivor);
        return Err(conflict(format!(
            "this customer was already merged into {code}; refresh the queue"
        )));
    }
    Err(ApiError::invalid(field, "no such customer"))
}

/// Carries out a merge just stored, or the undo just asked.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    if entity != Entity::Merges {
        return Ok(());
    }
    match old {
        None => merge(tx, actor, record),
        Some(old)
            if text(old, "status") == Some("done") && text(record, "status") == Some("undone") =>
        {
            unmerge(tx, actor, record)
        }
        Some(_) => Ok(()),
    }
}

fn merge(tx: &dyn Tx, actor: &Actor, merge: &Record) -> Result<(), ApiError> {
    let survivor_id = text(merge, "survivor_id").unwrap_or_default();
    let merged_id = text(merge, "merged_id").unwrap_or_default();
    let merge_id = text(merge, "id").unwrap_or_default();
    let merged = live_customer(tx, merged_id)?.ok_or(ApiError::NotFound("customer"))?;
    let before = merge
        .get("before")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if !before.is_empty() {
        let patch: Record = before
            .keys()
            .map(|f| (f.clone(), merged.get(f).cloned().unwrap_or(Value::Null)))
            .collect();
        // As the user: their right to set each field (an owner is a manager's to change).
        super::update(tx, actor, Entity::Customers, survivor_id, &patch, None)?;
    }
    let moved = merge
        .get("moved")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, mark) in &moved {
        let Some((entity, id)) = parse_key(k) else {
            continue;
        };
        let Some(stored) = tx.get(entity, id)?.filter(|s| !s.deleted) else {
            continue;
        };
        let mark = mark.as_str().unwrap_or_default();
        if mark == DELETED {
            let set = tx.read_set(entity, id)?;
            super::tombstone(tx, actor, entity, stored.record, set, None)?;
            continue;
        }
        let changes: Vec<(&str, Value)> = mark
            .split(',')
            .filter(|f| text(&stored.record, f) == Some(merged_id))
            .map(|f| (f, json!(survivor_id)))
            .collect();
        edit_as_server(tx, actor, entity, stored.record, &changes)?;
    }
    let set = tx.read_set(Entity::Customers, merged_id)?;
    super::tombstone(tx, actor, Entity::Customers, merged, set, None)?;
    for (id, changes) in [
        (
            merged_id,
            json!({"merged_into": survivor_id, "merge": merge_id}),
        ),
        (
            survivor_id,
            json!({"merged_from": merged_id, "merge": merge_id, "moved": moved.len()}),
        ),
    ] {
        tx.audit(&AuditEntry {
            actor_id: Some(actor.id.clone()),
            action: "merge",
            entity: Some(Entity::Customers),
            record_id: Some(id.to_string()),
            changes: Some(changes),
        })?;
    }
    Ok(())
}

fn parse_key(k: &str) -> Option<(Entity, &str)> {
    let (name, id) = k.split_once('/')?;
    Some((Entity::from_name(name)?, id))
}

fn unmerge(tx: &dyn Tx, actor: &Actor, merge: &Record) -> Result<(), ApiError> {
    let survivor_id = text(merge, "survivor_id").unwrap_or_default();
    let merged_id = text(merge, "merged_id").unwrap_or_default();
    let merge_id = text(merge, "id").unwrap_or_default();
    let merged = match tx.get(Entity::Customers, merged_id)? {
        Some(s) if s.deleted => {
            super::restore(tx, actor, Entity::Customers, merged_id)?;
            s.record
        }
        Some(s) => s.record,
        None => return Err(ApiError::NotFound("customer")),
    };
    let moved = merge
        .get("moved")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut back = 0;
    for (k, mark) in &moved {
        let Some((entity, id)) = parse_key(k) else {
            continue;
        };
        let Some(stored) = tx.get(entity, id)? else {
            continue;
        };
        let mark = mark.as_str().unwrap_or_default();
        if mark == DELETED {
            if stored.deleted {
                super::restore(tx, actor, entity, id)?;
                back += 1;
            }
            continue;
        }
        if stored.deleted {
            continue;
        }
        // Only what still names the survivor: a record moved on since stays where it went.
        let changes: Vec<(&str, Value)> = mark
            .split(',')
            .filter(|f| text(&stored.record, f) == Some(survivor_id))
            .map(|f| (f, json!(merged_id)))
            .collect();
        if !changes.is_empty() {
            back += 1;
        }
        edit_as_server(tx, actor, entity, stored.record, &changes)?;
    }
    // The survivor's own values back, where they still hold what the merge gave them.
    let before = merge
        .get("before")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(survivor) = live_customer(tx, survivor_id)? {
        let changes: Vec<(&str, Value)> = before
            .iter()
            .filter(|(f, _)| survivor.get(f.as_str()) == merged.get(f.as_str()))
            .map(|(f, v)| (f.as_str(), v.clone()))
            .collect();
        edit_as_server(tx, actor, Entity::Customers, survivor, &changes)?;
    }
    for id in [merged_id, survivor_id] {
        tx.audit(&AuditEntry {
            actor_id: Some(actor.id.clone()),
            action: "unmerge",
            entity: Some(Entity::Customers),
            record_id: Some(id.to_string()),
            changes: Some(json!({"merge": merge_id, "moved_back": back})),
        })?;
    }
    Ok(())
}
