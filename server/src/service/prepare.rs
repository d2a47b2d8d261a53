//! What every write shares: the change stamp, the diff and audit fields, link checks and `prepare`.

use serde_json::{Map, Value, json};

use super::{
    activities, analysis, approvals, bulk, care, catalog, competitors, customers, dealers, desk,
    field, files, knowledge, lists, marketing, merges, now, orders, payments, products, quotes,
    relations, sales, schedules, stock, surveys, targets, territories, tickets, users,
};
use crate::access::Actor;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::schema::{CUSTOM_FIELD, Entity, Kind};
use crate::store::{Record, Tx};
use crate::validate::format_time;

/// What every change of a stored record (update, delete, restore, a side effect) sets: the next
/// version, when, and who (the acting user: never what a client sent).
pub(crate) fn stamp_change(record: &mut Record, actor: &Actor, version: i64) {
    record.insert("version".into(), json!(version + 1));
    record.insert("updated_at".into(), Value::String(format_time(now())));
    record.insert("updated_by".into(), Value::String(actor.id.clone()));
}

pub(super) fn record_changed_any(a: &Record, b: &Record, fields: &[&str]) -> bool {
    fields.iter().any(|f| a.get(*f) != b.get(*f))
}

/// `{field: [old, new]}` for every field that differs.
pub(super) fn diff(old: &Record, new: &Record) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in new {
        if matches!(k.as_str(), "version" | "updated_at" | "updated_by") {
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
pub(super) fn audit_fields(entity: Entity, record: &Record) -> Map<String, Value> {
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

/// The ids a link field holds.
pub(super) fn link_ids(kind: Kind, value: Option<&Value>) -> Vec<&str> {
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
pub(super) fn check_links(
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

/// Every id a custom user or link field holds must name a live record (a user active), as
/// `check_links` requires of built-in links; values the record already held are not checked.
pub(super) fn check_custom_links(
    tx: &dyn Tx,
    entity: Entity,
    catalog: &Catalog,
    record: &Record,
    old: Option<&Record>,
) -> Result<(), ApiError> {
    let value = |r: Option<&Record>, key: &str| {
        r.and_then(|r| r.get(CUSTOM_FIELD))
            .and_then(|m| m.get(key))
            .cloned()
    };
    for field in catalog.custom_fields(entity) {
        let Some(target) = field.kind.target() else {
            continue;
        };
        let Some(Value::String(id)) = value(Some(record), &field.key) else {
            continue;
        };
        if value(old, &field.key) == Some(Value::String(id.clone())) {
            continue;
        }
        let live = tx.get(target, &id)?.filter(|s| !s.deleted);
        let ok = match (&live, target) {
            (Some(user), Entity::Users) => user.record.get("active") == Some(&Value::Bool(true)),
            (Some(_), _) => true,
            (None, _) => false,
        };
        if !ok {
            return Err(ApiError::invalid(
                &field.path(),
                format!("no such {}: {id}", target.noun()),
            ));
        }
    }
    Ok(())
}

/// Entity rules applied to the full new state of a record before it is checked and stored.
pub(super) fn prepare(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::Customers => {
            match old {
                None => territories::assign_on_create(tx, actor, record)?,
                Some(old) => territories::follow_region(tx, actor, old, record)?,
            }
            customers::prepare(tx, actor, old, record)?;
            dealers::check_customer(tx, old, record)?;
        }
        Entity::Opportunities => sales::prepare_opportunity(tx, actor, old, record)?,
        Entity::Activities => {
            activities::prepare(actor, old, record)?;
            desk::check_outcome(tx, old, record)?;
        }
        Entity::Tickets => tickets::prepare(tx, old, record)?,
        Entity::Users => users::prepare_user(tx, old, record)?,
        Entity::Teams => users::prepare_team(tx, old, record)?,
        Entity::Competitors | Entity::CompetitorProducts | Entity::OpportunityCompetitors => {
            competitors::prepare(tx, entity, old, record)?;
        }
        Entity::Products | Entity::ProductCosts | Entity::Prices | Entity::DiscountLimits => {
            products::prepare(tx, actor, entity, old, record)?;
        }
        Entity::Quotes | Entity::QuoteLines | Entity::OpportunityLines => {
            quotes::prepare(tx, actor, entity, old, record)?;
        }
        Entity::Orders | Entity::OrderLines => {
            orders::prepare(tx, actor, entity, old, record)?;
            if entity == Entity::Orders {
                dealers::check_order(tx, old, record)?;
            }
        }
        Entity::Warehouses | Entity::StockLevels | Entity::StockMovements => {
            stock::prepare(tx, entity, old, record)?;
        }
        Entity::PaymentPlans | Entity::Instalments | Entity::Payments => {
            payments::prepare(tx, actor, entity, old, record)?;
        }
        Entity::Contracts
        | Entity::ExpenseClaims
        | Entity::Licences
        | Entity::Approvals
        | Entity::ApprovalSettings => approvals::prepare(tx, actor, entity, old, record)?,
        Entity::WrapUpCodes
        | Entity::SlaCalendars
        | Entity::Holidays
        | Entity::ServiceLevels
        | Entity::CallScripts
        | Entity::CannedReplies => desk::prepare(tx, entity, old, record)?,
        Entity::Articles | Entity::ArticleVersions => {
            knowledge::prepare(tx, actor, entity, old, record)?;
        }
        Entity::Surveys | Entity::SurveyQuestions | Entity::ReturnVisits => {
            surveys::prepare(tx, entity, old, record)?;
        }
        Entity::ListItems => catalog::prepare_item(tx, record)?,
        Entity::FieldDefinitions => catalog::prepare_field(tx, old, record)?,
        Entity::Targets => targets::prepare(tx, record)?,
        Entity::SavedQueries | Entity::StaticLists | Entity::ListMembers => {
            lists::prepare(tx, actor, entity, old, record)?;
        }
        Entity::Leads | Entity::Campaigns | Entity::CampaignMembers => {
            marketing::prepare(tx, actor, entity, old, record)?;
        }
        Entity::FieldVisits | Entity::VisitParts => field::prepare(tx, actor, entity, old, record)?,
        Entity::SurveySchedules => schedules::prepare(tx, actor, record)?,
        Entity::ContactRelations => relations::prepare(tx, old, record)?,
        Entity::Territories => territories::prepare(tx, record)?,
        Entity::DealerAssessments => dealers::prepare_assessment(tx, record)?,
        Entity::Merges | Entity::ContactMerges => merges::prepare(tx, actor, entity, old, record)?,
        Entity::BulkActions => bulk::prepare(old, record)?,
        Entity::CareRules | Entity::LetterTemplates => care::prepare(entity, record)?,
        Entity::Files => files::prepare(old, record)?,
        Entity::FileSettings => files::prepare_settings(tx, record)?,
        Entity::WorkPlans
        | Entity::WorkLogs
        | Entity::ValueIndicators
        | Entity::ValueLevels
        | Entity::AnalysisSettings => analysis::prepare(tx, actor, entity, old, record)?,
        Entity::Stages
        | Entity::Contacts
        | Entity::Comments
        | Entity::LevelSettings
        | Entity::DocumentTemplates => {}
    }
    Ok(())
}
