//! Knowledge-base rules: article numbers (`KB-000123`) and authors, the earlier version an edit
//! keeps (`article_versions`, written by the server alone), and the count of tickets an article
//! solved: a ticket finished with an article's number in its comments or resolution counts once
//! for that article.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use super::products::where_eq;
use super::quotes::{int, touch};
use super::{TxLookup, hidden_columns, now, text};
use crate::access::{self, Actor};
use crate::error::ApiError;
use crate::rules::{knowledge, numbers, sla};
use crate::schema::Entity;
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::format_time;

/// The most comments of a ticket read for article links.
const COMMENTS_READ: usize = 1000;

pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Articles => match old {
            None => {
                let number = numbers::article_number(tx.next_counter(numbers::ARTICLE_COUNTER)?);
                record.insert("number".into(), json!(number));
                // The system (a seed, a migration) is no user: such an article has no author.
                if actor.id != crate::system_actor().id {
                    record.insert("author_id".into(), json!(actor.id));
                }
                record.insert("revision".into(), json!(1));
                record.insert("solved_count".into(), json!(0));
            }
            Some(old) => {
                if knowledge::keeps_version(
                    text(old, "title").unwrap_or_default(),
                    text(old, "body").unwrap_or_default(),
                    text(record, "title").unwrap_or_default(),
                    text(record, "body").unwrap_or_default(),
                ) {
                    record.insert("revision".into(), json!(int(old, "revision").max(1) + 1));
                }
            }
        },
        // Admins pass `role_may_write`; nobody writes history by hand.
        Entity::ArticleVersions => {
            return Err(ApiError::forbidden(
                "article versions are kept by the server; edit the article instead",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Side effects: an article's edit keeps the version before it; a ticket finishing counts the
/// articles it links.
pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    match (entity, old) {
        (Entity::Articles, Some(old)) if int(old, "revision") != int(record, "revision") => {
            let mut version = Record::new();
            version.insert("article_id".into(), json!(text(record, "id")));
            version.insert("revision".into(), json!(int(old, "revision").max(1)));
            for field in ["title", "body"] {
                version.insert(field.into(), old.get(field).cloned().unwrap_or(Value::Null));
            }
            version.insert(
                "edited_by".into(),
                old.get("updated_by").cloned().unwrap_or(Value::Null),
            );
            version.insert(
                "edited_at".into(),
                old.get("updated_at").cloned().unwrap_or(Value::Null),
            );
            insert_made(tx, actor, Entity::ArticleVersions, version)?;
        }
        (Entity::Tickets, old) => {
            let was = old.and_then(|o| text(o, "status")).unwrap_or("new");
            let is = text(record, "status").unwrap_or("new");
            if !sla::is_finished(was) && sla::is_finished(is) {
                count_solved(tx, actor, record)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Adds one to the solved count of each live article the ticket's comments or resolution link.
fn count_solved(tx: &dyn Tx, actor: &Actor, ticket: &Record) -> Result<(), ApiError> {
    let Some(id) = text(ticket, "id") else {
        return Ok(());
    };
    let mut linked = knowledge::linked_numbers(text(ticket, "resolution").unwrap_or_default());
    for comment in where_eq(tx, Entity::Comments, "ticket_id", id, COMMENTS_READ)? {
        for n in knowledge::linked_numbers(text(&comment, "body").unwrap_or_default()) {
            if !linked.contains(&n) {
                linked.push(n);
            }
        }
    }
    for number in linked {
        let query = ListQuery {
            filters: vec![("number", json!(number))],
            sort: "created_at",
            limit: 1,
            ..ListQuery::default()
        };
        if let Some(article) = tx.list(Entity::Articles, &query, None)?.into_iter().next()
            && let Some(article_id) = text(&article, "id")
        {
            let count = int(&article, "solved_count") + 1;
            touch(
                tx,
                actor,
                Entity::Articles,
                article_id,
                &[("solved_count", json!(count))],
            )?;
        }
    }
    Ok(())
}

/// Stores a record the server makes itself (a kept version, a return visit): no client field
/// checks, its read set from the access rules, in the feed and the audit trail like any create.
pub(super) fn insert_made(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    mut record: Record,
) -> Result<Record, ApiError> {
    let id = Uuid::now_v7().hyphenated().to_string();
    let stamp = format_time(now());
    for field in entity.fields() {
        if !record.contains_key(field.name) {
            record.insert(field.name.into(), crate::validate::default_value(field));
        }
    }
    record.insert("id".into(), json!(id));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), json!(stamp));
    record.insert("updated_at".into(), json!(stamp));
    record.insert("created_by".into(), json!(actor.id));
    record.insert("updated_by".into(), json!(actor.id));
    tx.insert(entity, &record, &hidden_columns(entity, &record))?;
    let set = access::read_set(entity, &record, &TxLookup(tx));
    tx.set_read_set(entity, &id, &set)?;
    tx.record_change(entity, &id, &BTreeSet::new())?;
    tx.audit(&AuditEntry {
        actor_id: Some(actor.id.clone()),
        action: "create",
        entity: Some(entity),
        record_id: Some(id),
        changes: Some(Value::Object(record.clone())),
    })?;
    Ok(record)
}
