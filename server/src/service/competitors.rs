//! Competitors: the rules of their records beyond their fields and access: one competitor per name,
//! a product offered in a deal is that competitor's, and a competitor is in a deal once.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn changed(old: Option<&Record>, record: &Record, field: &str) -> bool {
    old.is_none_or(|o| o.get(field) != record.get(field))
}

/// Checks a competitor record about to be stored (`old`: its stored state, None on create).
pub fn prepare(
    tx: &dyn Tx,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    let id = text(record, "id");
    match entity {
        Entity::Competitors => {
            let name = text(record, "name").unwrap_or_default();
            if changed(old, record, "name") && tx.name_taken(Entity::Competitors, name, id)? {
                return Err(ApiError::Conflict {
                    message: format!("a competitor named {name} exists; add to that one"),
                    existing: None,
                });
            }
        }
        Entity::OpportunityCompetitors => {
            let competitor = text(record, "competitor_id").unwrap_or_default();
            if let Some(product) = text(record, "product_id")
                && (changed(old, record, "product_id") || changed(old, record, "competitor_id"))
            {
                let owner = tx
                    .get(Entity::CompetitorProducts, product)?
                    .filter(|p| !p.deleted)
                    .and_then(|p| text(&p.record, "competitor_id").map(String::from));
                if owner.as_deref() != Some(competitor) {
                    return Err(ApiError::invalid(
                        "product_id",
                        "is not a product of this competitor",
                    ));
                }
            }
            if changed(old, record, "opportunity_id") || changed(old, record, "competitor_id") {
                let opportunity = text(record, "opportunity_id").unwrap_or_default();
                let same = ListQuery {
                    filters: vec![
                        ("opportunity_id", json!(opportunity)),
                        ("competitor_id", json!(competitor)),
                    ],
                    sort: "created_at",
                    limit: 2,
                    ..ListQuery::default()
                };
                let taken = tx
                    .list(Entity::OpportunityCompetitors, &same, None)?
                    .iter()
                    .any(|r| text(r, "id") != id);
                if taken {
                    return Err(ApiError::Conflict {
                        message: "this competitor is already in the opportunity; edit that entry"
                            .into(),
                        existing: None,
                    });
                }
            }
        }
        _ => {}
    }
    Ok(())
}
