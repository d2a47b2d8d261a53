//! Merging duplicate customers and contacts (seed 000 §3.1.1): the review queue's pairs, the
//! merge, its redirect and its undo. A `merges` record merges customers, a `contact_merges`
//! record contacts (the subject, `subject_of`); everything below is the same for both but the
//! keys, who may merge (`access::may_merge`, `access::may_merge_contacts`) and the identity a
//! merge never takes.
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

/// Fields a merge never takes from the merged-away record: its identity and what the server
/// keeps.
fn not_taken(subject: Entity) -> &'static [&'static str] {
    match subject {
        Entity::Customers => &["code", "custom"],
        _ => &["custom"],
    }
}

/// What a merge record merges: customers (`merges`) or contacts (`contact_merges`).
pub fn subject_of(merge: Entity) -> Option<Entity> {
    match merge {
        Entity::Merges => Some(Entity::Customers),
        Entity::ContactMerges => Some(Entity::Contacts),
        _ => None,
    }
}

/// The merge records of a subject: the inverse of `subject_of`.
pub fn merges_of(subject: Entity) -> Option<Entity> {
    match subject {
        Entity::Customers => Some(Entity::Merges),
        Entity::Contacts => Some(Entity::ContactMerges),
        _ => None,
    }
}

/// The hidden key columns a subject's pairs are found by, each with the reason it gives.
fn key_columns(subject: Entity) -> &'static [(&'static str, &'static str)] {
    match subject {
        Entity::Customers => &[
            ("name_key", "name"),
            ("phone_key", "phone"),
            ("email_key", "email"),
            ("sort_name", "pinyin"),
        ],
        // A contact's name key holds its customer: the same name at one customer.
        _ => &[
            ("name_key", "name"),
            ("phone_key", "phone"),
            ("email_key", "email"),
        ],
    }
}
/// Chains of redirects followed at most (A merged into B, B later into C).
const MAX_HOPS: usize = 16;
/// Rows of shared keys read per key when listing pairs.
const MAX_KEY_ROWS: usize = 20_000;
/// What a static-list membership is marked with in `moved` when the survivor was already on the
/// list: deleted by the merge, restored by its undo.
const DELETED: &str = "-deleted";

/// A candidate pair of the review queue: the two records and on which keys they agree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pair {
    pub a: Record,
    pub b: Record,
    pub reasons: Vec<&'static str>,
}

/// The pairs of customers or contacts (`subject`) this actor may merge, ordered by the first
/// one's then the second's id, starting after `after` (`"<a id>:<b id>"`), at most `limit`.
pub fn duplicate_pairs(
    tx: &dyn Tx,
    actor: &Actor,
    subject: Entity,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Pair>, ApiError> {
    let mut reasons: std::collections::BTreeMap<(String, String), Vec<&'static str>> =
        Default::default();
    for &(column, reason) in key_columns(subject) {
        let rows = tx.shared_keys(subject, column, MAX_KEY_ROWS)?;
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
        let (Some(ra), Some(rb)) = (live(tx, subject, &a)?, live(tx, subject, &b)?) else {
            continue;
        };
        let (sa, sb) = (tx.read_set(subject, &a)?, tx.read_set(subject, &b)?);
        if may_merge(tx, actor, subject, (&ra, &sa), (&rb, &sb)).is_err() {
            continue;
        }
        let (mut ra, mut rb) = (ra, rb);
        super::strip_for(tx, actor, subject, &mut ra)?;
        super::strip_for(tx, actor, subject, &mut rb)?;
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

/// Who may merge two records of a subject: the one rule of each, asked by the queue and the
/// merge alike.
fn may_merge(
    tx: &dyn Tx,
    actor: &Actor,
    subject: Entity,
    a: (&Record, &std::collections::BTreeSet<String>),
    b: (&Record, &std::collections::BTreeSet<String>),
) -> Result<(), access::Denied> {
    match subject {
        Entity::Customers => access::may_merge(actor, a, b),
        _ => access::may_merge_contacts(actor, a, b, &super::TxLookup(tx)),
    }
}

fn live(tx: &dyn Tx, subject: Entity, id: &str) -> Result<Option<Record>, ApiError> {
    Ok(tx
        .get(subject, id)?
        .filter(|s| !s.deleted)
        .map(|s| s.record))
}

/// The survivor a merged-away customer's or contact's id redirects to (following later
/// merges), or None when no merge in force names it.
pub(super) fn redirect(
    tx: &dyn Tx,
    subject: Entity,
    merged_id: &str,
) -> Result<Option<String>, ApiError> {
    let Some(merges) = merges_of(subject) else {
        return Ok(None);
    };
    let mut id = merged_id.to_string();
    let mut found = None;
    for _ in 0..MAX_HOPS {
        let next = where_eq(tx, merges, "merged_id", &id, 4)?
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

/// Points a record's links to merged-away customers and contacts at their survivors: the write
/// path's look at the redirects, for links this write sets (a link the record held already is
/// left).
pub(super) fn redirect_links(
    tx: &dyn Tx,
    entity: Entity,
    record: &mut Record,
    old: Option<&Record>,
) -> Result<(), ApiError> {
    if subject_of(entity).is_some() {
        return Ok(());
    }
    for field in entity.fields() {
        let subject = match field.kind {
            Kind::Ref(e) | Kind::Refs(e) if merges_of(e).is_some() => e,
            _ => continue,
        };
        if old.is_some_and(|o| o.get(field.name) == record.get(field.name)) {
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
            let gone = tx.get(subject, id)?.is_some_and(|stored| stored.deleted);
            if gone && let Some(survivor) = redirect(tx, subject, id)? {
                *v = Value::String(survivor);
            }
        }
    }
    Ok(())
}

/// A record naming a customer or contact, and in which of its fields.
type Reference = (Entity, Record, Vec<&'static str>);

/// The records (and fields) naming a customer or contact: every descriptor's `Ref(subject)`
/// fields, and static-list memberships of the subject's lists (their `record_id` is any
/// entity's id).
fn references(tx: &dyn Tx, subject: Entity, merged_id: &str) -> Result<Vec<Reference>, ApiError> {
    let mut out: Vec<Reference> = Vec::new();
    for entity in Entity::ALL {
        if entity == subject || subject_of(entity).is_some() {
            continue;
        }
        for field in entity.fields() {
            if field.kind != Kind::Ref(subject) {
                continue;
            }
            for r in where_eq(tx, entity, field.name, merged_id, EVERY)? {
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
    for member in where_eq(tx, Entity::ListMembers, "record_id", merged_id, EVERY)? {
        let list = text(&member, "list_id")
            .map(|l| tx.get(Entity::StaticLists, l))
            .transpose()?
            .flatten();
        if list.is_some_and(|l| text(&l.record, "entity") == Some(subject.name())) {
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

/// A merge's rules before it is stored: on create, the two customers or contacts, who may
/// merge them, the versions compared, the fields taken, and the plan (`moved`, `before`); on a
/// patch, only its undo.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let Some(subject) = subject_of(entity) else {
        return Ok(());
    };
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
            format!("is the survivor; name the other {}", subject.noun()),
        ));
    }
    let survivor = live_or_redirected(tx, subject, &survivor_id, "survivor_id")?;
    let merged = live_or_redirected(tx, subject, &merged_id, "merged_id")?;
    let sets = (
        tx.read_set(subject, &survivor_id)?,
        tx.read_set(subject, &merged_id)?,
    );
    may_merge(tx, actor, subject, (&survivor, &sets.0), (&merged, &sets.1))
        .map_err(|d| denied(subject, d))?;
    for (field, current) in [("survivor_version", &survivor), ("merged_version", &merged)] {
        let seen = record.get(field).and_then(Value::as_i64);
        let now = current.get("version").and_then(Value::as_i64);
        if seen.is_some() && seen != now {
            return Err(conflict(format!(
                "{} changed since you compared them; look at the pair again",
                label(current)
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
        let ok = subject.field(field).is_some_and(|f| {
            !not_taken(subject).contains(&f.name)
                && !matches!(f.kind, Kind::Tags | Kind::Refs(_) | Kind::Map)
        });
        if !ok {
            return Err(ApiError::invalid(
                "take",
                format!(
                    "{field} is not a {} field a merge can take; name fields like phone, email{}",
                    subject.noun(),
                    if subject == Entity::Customers {
                        ", level"
                    } else {
                        ", title"
                    }
                ),
            ));
        }
    }
    // The survivor's values the merge replaces: those taken, and empty ones the other fills.
    let mut before = Map::new();
    for field in subject.fields() {
        if not_taken(subject).contains(&field.name)
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
    for (entity, r, fields) in references(tx, subject, &merged_id)? {
        let id = text(&r, "id").unwrap_or_default();
        let mark = if (entity == Entity::ListMembers
            && text(&r, "list_id")
                .is_some_and(|list| on_list(tx, list, &survivor_id).unwrap_or(false)))
            || collides(tx, entity, &r, &fields, &merged_id, &survivor_id)?
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
    if subject == Entity::Customers {
        record.insert(
            "merged_code".into(),
            merged.get("code").cloned().unwrap_or(Value::Null),
        );
    }
    record.insert(
        "merged_name".into(),
        merged.get("name").cloned().unwrap_or(Value::Null),
    );
    Ok(())
}

/// A customer or contact as people name it: `C000123 东华` or the contact's name.
fn label(r: &Record) -> String {
    [text(r, "code"), text(r, "name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a record, moved to the survivor, would say what a live record says already (the
/// survivor on the same campaign, a second superior) or relate the survivor to itself: such a
/// record is deleted by the merge (`DELETED`) and restored by its undo, instead of moved.
fn collides(
    tx: &dyn Tx,
    entity: Entity,
    record: &Record,
    fields: &[&str],
    merged_id: &str,
    survivor_id: &str,
) -> Result<bool, ApiError> {
    let mut after = record.clone();
    for f in fields {
        if text(record, f) == Some(merged_id) {
            after.insert((*f).into(), json!(survivor_id));
        }
    }
    let id = text(record, "id");
    let others = |field: &'static str| -> Result<Vec<Record>, ApiError> {
        let value = text(&after, field).unwrap_or_default();
        Ok(where_eq(tx, entity, field, value, EVERY)?
            .into_iter()
            .filter(|r| text(r, "id") != id)
            .collect())
    };
    Ok(match entity {
        Entity::ContactRelations => {
            text(&after, "contact_id") == text(&after, "related_id")
                || (text(&after, "kind") == Some("reports_to")
                    && others("contact_id")?
                        .iter()
                        .any(|r| text(r, "kind") == Some("reports_to")))
        }
        // One membership per person per campaign (a unique index holds it).
        Entity::CampaignMembers => others("campaign_id")?.iter().any(|r| {
            ["customer_id", "contact_id", "lead_id"]
                .iter()
                .all(|f| text(r, f) == text(&after, f))
        }),
        _ => false,
    })
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

/// A live customer or contact, or the error naming where a merged-away one went.
fn live_or_redirected(
    tx: &dyn Tx,
    subject: Entity,
    id: &str,
    field: &str,
) -> Result<Record, ApiError> {
    if let Some(r) = live(tx, subject, id)? {
        return Ok(r);
    }
    if let Some(survivor) = redirect(tx, subject, id)? {
        let name = live(tx, subject, &survivor)?
            .map(|c| label(&c))
            .unwrap_or(survivor);
        return Err(conflict(format!(
            "this {} was already merged into {name}; refresh the queue",
            subject.noun()
        )));
    }
    Err(ApiError::invalid(
        field,
        format!("no such {}", subject.noun()),
    ))
}

/// Carries out a merge just stored, or the undo just asked.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let Some(subject) = subject_of(entity) else {
        return Ok(());
    };
    match old {
        None => merge(tx, actor, subject, record),
        Some(old)
            if text(old, "status") == Some("done") && text(record, "status") == Some("undone") =>
        {
            unmerge(tx, actor, subject, record)
        }
        Some(_) => Ok(()),
    }
}

fn merge(tx: &dyn Tx, actor: &Actor, subject: Entity, merge: &Record) -> Result<(), ApiError> {
    let survivor_id = text(merge, "survivor_id").unwrap_or_default();
    let merged_id = text(merge, "merged_id").unwrap_or_default();
    let merge_id = text(merge, "id").unwrap_or_default();
    let merged = live(tx, subject, merged_id)?.ok_or(ApiError::NotFound(subject.noun()))?;
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
        super::update(tx, actor, subject, survivor_id, &patch, None)?;
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
    let set = tx.read_set(subject, merged_id)?;
    super::tombstone(tx, actor, subject, merged, set, None)?;
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
            entity: Some(subject),
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

fn unmerge(tx: &dyn Tx, actor: &Actor, subject: Entity, merge: &Record) -> Result<(), ApiError> {
    let survivor_id = text(merge, "survivor_id").unwrap_or_default();
    let merged_id = text(merge, "merged_id").unwrap_or_default();
    let merge_id = text(merge, "id").unwrap_or_default();
    let merged = match tx.get(subject, merged_id)? {
        Some(s) if s.deleted => {
            super::restore(tx, actor, subject, merged_id)?;
            s.record
        }
        Some(s) => s.record,
        None => return Err(ApiError::NotFound(subject.noun())),
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
    if let Some(survivor) = live(tx, subject, survivor_id)? {
        let changes: Vec<(&str, Value)> = before
            .iter()
            .filter(|(f, _)| survivor.get(f.as_str()) == merged.get(f.as_str()))
            .map(|(f, v)| (f.as_str(), v.clone()))
            .collect();
        edit_as_server(tx, actor, subject, survivor, &changes)?;
    }
    for id in [merged_id, survivor_id] {
        tx.audit(&AuditEntry {
            actor_id: Some(actor.id.clone()),
            action: "unmerge",
            entity: Some(subject),
            record_id: Some(id.to_string()),
            changes: Some(json!({"merge": merge_id, "moved_back": back})),
        })?;
    }
    Ok(())
}
