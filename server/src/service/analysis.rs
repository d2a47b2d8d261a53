//! Work plans and logs checked beyond their fields, the value model's and the analysis
//! settings' rules, and **the customer analysis sweep**: each customer's value score and
//! suggested level (the admin's weighted indicators), its lifecycle stage (potential → trading
//! after the first order, dormant after N days without business, lost after M) and the
//! warnings that stand (no contact, no business, a big customer's falling orders).
//!
//! The sweep reads customers in batches in id order, each batch one statement
//! (`store::analysis`), on a reader thread ([`measure`]); only a batch where something changes
//! goes to the writer ([`apply`]), which takes the named lock `analysis` (several servers: one
//! at a time), measures the same batch again and stores what differs — so it is idempotent and
//! a second server finds the work done. Each change is a record change (version, feed); a
//! lifecycle move is also in the audit trail (action `lifecycle`, nobody as actor). Scores are
//! recomputed facts, not anyone's decision: their changes reach the feed, not the audit trail.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::products::where_eq;
use super::{hidden_columns, text};
use crate::access::Actor;
use crate::catalog::CustomKind;
use crate::error::ApiError;
use crate::rules::analysis::{self as rules, Business, Indicator, Settings, is_key};
use crate::schema::Entity;
use crate::store::analysis::{AnalysisRow, LAST_CONTACT, NUMBERS, measures_sql};
use crate::store::{AuditEntry, ListQuery, Record, Tx};
use crate::validate::format_time;

/// Customers measured per statement.
pub const BATCH: usize = 1_000;
/// Indicators and thresholds an admin may define (read whole at each batch).
const MAX_MODEL: usize = 50;

pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::WorkPlans | Entity::WorkLogs => {
            if old.is_none() && record.get("owner_id").is_none_or(Value::is_null) {
                record.insert("owner_id".into(), json!(actor.id));
            }
            if entity == Entity::WorkPlans {
                let week = text(record, "week").and_then(|w| w.parse::<NaiveDate>().ok());
                if week.is_some_and(|w| chrono::Datelike::weekday(&w) != chrono::Weekday::Mon) {
                    return Err(ApiError::invalid(
                        "week",
                        "give the week by its Monday, e.g. 2026-11-30",
                    ));
                }
            } else if let Some(plan) = text(record, "plan_id") {
                let owner = tx
                    .get(Entity::WorkPlans, plan)?
                    .filter(|p| !p.deleted)
                    .and_then(|p| text(&p.record, "owner_id").map(str::to_string));
                if owner.as_deref() != text(record, "owner_id") {
                    return Err(ApiError::invalid(
                        "plan_id",
                        "a day's log belongs to its writer's own plan; pick one of yours",
                    ));
                }
            }
        }
        Entity::ValueIndicators => {
            let custom = text(record, "indicator") == Some("custom");
            match (custom, text(record, "custom_key")) {
                (true, None) => {
                    return Err(ApiError::invalid(
                        "custom_key",
                        "name the customers' number field this indicator counts",
                    ));
                }
                (true, Some(key)) => {
                    let catalog = super::catalog::load_fields(tx)?;
                    let number = catalog
                        .custom_field(Entity::Customers, key)
                        .is_some_and(|f| matches!(f.kind, CustomKind::Number | CustomKind::Money));
                    if !number || !is_key(key) {
                        return Err(ApiError::invalid(
                            "custom_key",
                            format!("{key} is no number or money field of customers"),
                        ));
                    }
                }
                (false, Some(_)) => {
                    return Err(ApiError::invalid(
                        "custom_key",
                        "only a custom indicator names a field; leave it empty",
                    ));
                }
                (false, None) => {}
            }
        }
        Entity::ValueLevels => {
            let level = text(record, "level").unwrap_or_default();
            let id = text(record, "id");
            let taken = where_eq(tx, Entity::ValueLevels, "level", level, MAX_MODEL)?
                .iter()
                .any(|r| text(r, "id") != id);
            if taken {
                return Err(ApiError::Conflict {
                    message: format!("level {level} already has a threshold; change that one"),
                    existing: None,
                });
            }
        }
        Entity::AnalysisSettings => {
            let id = text(record, "id");
            let others = all(tx, Entity::AnalysisSettings)?
                .iter()
                .any(|r| text(r, "id") != id);
            if others {
                return Err(ApiError::Conflict {
                    message: "the analysis settings are one record; change that one".into(),
                    existing: None,
                });
            }
            let int = |f: &str| record.get(f).and_then(Value::as_i64).unwrap_or(0);
            if int("lost_days") <= int("dormant_days") {
                return Err(ApiError::invalid(
                    "lost_days",
                    "a customer is lost after it is dormant: give more days than dormant_days",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn all(tx: &dyn Tx, entity: Entity) -> Result<Vec<Record>, ApiError> {
    let query = ListQuery {
        sort: "created_at",
        limit: MAX_MODEL,
        ..ListQuery::default()
    };
    Ok(tx.list(entity, &query, None)?)
}

/// The admin's model and settings as they stand (the defaults where none is defined).
#[derive(Debug, Clone)]
pub struct Model {
    pub indicators: Vec<Indicator>,
    pub thresholds: Vec<(String, i64)>,
    pub settings: Settings,
}

pub fn model(tx: &dyn Tx) -> Result<Model, ApiError> {
    let mut indicators: Vec<Indicator> = all(tx, Entity::ValueIndicators)?
        .iter()
        .filter_map(Indicator::of_record)
        .collect();
    if indicators.is_empty() {
        indicators = rules::default_model();
    }
    let mut thresholds: Vec<(String, i64)> = all(tx, Entity::ValueLevels)?
        .iter()
        .filter_map(|r| {
            Some((
                text(r, "level")?.to_string(),
                r.get("min_score").and_then(Value::as_i64)?,
            ))
        })
        .collect();
    if thresholds.is_empty() {
        thresholds = rules::default_thresholds();
    }
    let settings = all(tx, Entity::AnalysisSettings)?;
    Ok(Model {
        indicators,
        thresholds,
        settings: Settings::of_record(settings.first()),
    })
}

/// What the rules say one customer's analysed fields should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub score: i64,
    pub level: Option<String>,
    pub lifecycle: String,
    pub last_business_on: Option<String>,
    pub warnings: Vec<String>,
}

/// One batch read: the last id read (where the next batch starts; None when none was left),
/// how many customers, and those whose analysed fields differ from what the rules say.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub last: Option<String>,
    pub read: usize,
    pub changes: Vec<Change>,
}

/// Measures the batch of customers after `after` (`""`: from the first) on `now`'s day.
pub fn measure(tx: &dyn Tx, after: &str, now: DateTime<Utc>) -> Result<Batch, ApiError> {
    let model = model(tx)?;
    let today = now.date_naive();
    let sql = measures_sql(
        &tx.analysis_dialect(),
        &model.indicators,
        today,
        &format_time(now),
        BATCH,
    );
    let rows = tx.analysis_rows(&sql, after, NUMBERS + model.indicators.len())?;
    let mut batch = Batch {
        read: rows.len(),
        ..Batch::default()
    };
    for row in &rows {
        batch.last = row.texts.first().cloned().flatten();
        if let Some(change) = decide(row, &model, today) {
            batch.changes.push(change);
        }
    }
    Ok(batch)
}

fn day_of(value: Option<&String>) -> Option<NaiveDate> {
    value.and_then(|v| v.get(..10)).and_then(|d| d.parse().ok())
}

/// What the rules make of one row, when it differs from what the customer holds.
fn decide(row: &AnalysisRow, model: &Model, today: NaiveDate) -> Option<Change> {
    let t = |i: usize| row.texts.get(i).and_then(Option::as_ref);
    let n = |i: usize| row.numbers.get(i).copied().unwrap_or(0);
    let last_business = day_of(t(6)).max(day_of(t(7)));
    let business = Business {
        orders: n(2),
        last_business,
        last_contact: day_of(t(LAST_CONTACT)),
        created: day_of(t(5)),
        recent_quarter: n(3),
        previous_quarter: n(4),
    };
    let score = rules::score(&model.indicators, row.numbers.get(NUMBERS..).unwrap_or(&[]));
    let change = Change {
        id: t(0)?.clone(),
        score,
        level: rules::suggested_level(&model.thresholds, score),
        lifecycle: rules::lifecycle(
            t(1).map_or(rules::POTENTIAL, String::as_str),
            &business,
            today,
            &model.settings,
        ),
        last_business_on: last_business.map(|d| d.to_string()),
        warnings: rules::warnings(&business, score, today, &model.settings),
    };
    let held_warnings: Vec<String> = t(4)
        .and_then(|w| serde_json::from_str(w).ok())
        .unwrap_or_default();
    let same = n(1) == change.score
        && t(2) == change.level.as_ref()
        && t(1) == Some(&change.lifecycle)
        && t(3) == change.last_business_on.as_ref()
        && held_warnings == change.warnings;
    (!same).then_some(change)
}

/// What a sweep or a batch's write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    /// Customers looked at.
    pub customers: usize,
    /// Customers whose analysed fields changed.
    pub changed: usize,
    /// Of those, how many moved in their lifecycle.
    pub moved: usize,
}

/// Stores the batch after `after` as the rules say, measured again in this write (an order or
/// an edit may have come since the read), under the named lock.
pub fn apply(tx: &dyn Tx, after: &str, now: DateTime<Utc>) -> Result<Swept, ApiError> {
    tx.lock_named("analysis")?;
    let batch = measure(tx, after, now)?;
    let mut done = Swept {
        customers: batch.read,
        ..Swept::default()
    };
    for change in &batch.changes {
        let Some(stored) = tx
            .get(Entity::Customers, &change.id)?
            .filter(|c| !c.deleted)
        else {
            continue;
        };
        if store(tx, stored.record, change)? {
            done.moved += 1;
        }
        done.changed += 1;
    }
    Ok(done)
}

/// `change`'s fields laid on a customer's record.
fn analysed(current: &Record, change: &Change) -> Record {
    let mut record = current.clone();
    record.insert("value_score".into(), json!(change.score));
    record.insert("value_level".into(), json!(change.level));
    record.insert("lifecycle".into(), json!(change.lifecycle));
    record.insert("last_business_on".into(), json!(change.last_business_on));
    record.insert("warnings".into(), json!(change.warnings));
    record
}

/// The demo seeder's sweep of the batch after `after`: each customer's analysed fields set as
/// the rules say **in place** — no new version, no feed entry, no audit — as if the customer had
/// been made scored. Only for records no client has read yet (a database being seeded, before
/// it is served): then the server's first sweep finds nothing to change, where it rewrote, and
/// so sent to every client again, nearly every customer of the demo. The batch's last id
/// (None when none was left) and what changed.
pub fn settle_batch(
    tx: &dyn Tx,
    after: &str,
    now: DateTime<Utc>,
) -> Result<(Option<String>, Swept), ApiError> {
    let batch = measure(tx, after, now)?;
    let mut done = Swept {
        customers: batch.read,
        ..Swept::default()
    };
    for change in &batch.changes {
        let Some(stored) = tx
            .get(Entity::Customers, &change.id)?
            .filter(|c| !c.deleted)
        else {
            continue;
        };
        let record = analysed(&stored.record, change);
        tx.update(
            Entity::Customers,
            &record,
            &hidden_columns(Entity::Customers, &record),
            false,
        )?;
        done.changed += 1;
        done.moved += usize::from(stored.record.get("lifecycle") != record.get("lifecycle"));
    }
    Ok((batch.last, done))
}

/// Writes one customer's analysed fields; true when its lifecycle moved.
fn store(tx: &dyn Tx, current: Record, change: &Change) -> Result<bool, ApiError> {
    let mut record = analysed(&current, change);
    let version = current.get("version").and_then(Value::as_i64).unwrap_or(0);
    record.insert("version".into(), json!(version + 1));
    record.insert("updated_at".into(), json!(format_time(Utc::now())));
    // Nobody made this change: the server's rules did.
    record.insert("updated_by".into(), Value::Null);
    tx.update(
        Entity::Customers,
        &record,
        &hidden_columns(Entity::Customers, &record),
        false,
    )?;
    // None of these fields feeds the read set: it stays.
    tx.record_change(Entity::Customers, &change.id, &BTreeSet::new())?;
    let before = current.get("lifecycle").cloned().unwrap_or(Value::Null);
    let moved = before != json!(change.lifecycle);
    if moved {
        tx.audit(&AuditEntry {
            actor_id: None,
            action: "lifecycle",
            entity: Some(Entity::Customers),
            record_id: Some(change.id.clone()),
            changes: Some(json!({ "lifecycle": [before, change.lifecycle] })),
        })?;
    }
    Ok(moved)
}

/// The whole sweep in this one transaction (tests, the seeder): batch after batch.
pub fn sweep(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Swept, ApiError> {
    let mut total = Swept::default();
    let mut after = String::new();
    loop {
        let batch = measure(tx, &after, now)?;
        let Some(last) = batch.last.clone() else {
            break;
        };
        if !batch.changes.is_empty() {
            let done = apply(tx, &after, now)?;
            total.changed += done.changed;
            total.moved += done.moved;
        }
        total.customers += batch.read;
        after = last;
    }
    Ok(total)
}
