//! Receivables (应收): what customers still owe on their payment plans' instalments and how
//! overdue it is, in the aging buckets of `rules::payments`, summed in SQL over the instalments
//! the user may read — never loaded into memory.
//!
//! - `GET /receivables[?customer_id=…][&as_of=YYYY-MM-DD]`: one total (everyone's the user sees,
//!   or one customer's).
//! - `GET /receivables/customers[?limit=…][&as_of=…]`: per customer, the most overdue first.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Serialize;

use super::{AppState, Bearer};
use crate::error::ApiError;
use crate::rules::payments::{Aging, BUCKETS};
use crate::schema::Entity;
use crate::service;

/// Customers a per-customer read answers at most.
const MAX_CUSTOMERS: usize = 1_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/receivables", get(totals))
        .route("/receivables/customers", get(by_customer))
}

/// An aging as it is sent: each bucket by its label.
#[derive(Debug, Serialize)]
pub struct AgingBody {
    pub as_of: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    pub outstanding: i64,
    pub not_due: i64,
    pub overdue: i64,
    pub buckets: serde_json::Map<String, serde_json::Value>,
}

fn body(as_of: NaiveDate, customer_id: Option<String>, aging: &Aging) -> AgingBody {
    AgingBody {
        as_of: as_of.to_string(),
        customer_id,
        outstanding: aging.outstanding,
        not_due: aging.not_due,
        overdue: aging.overdue(),
        buckets: BUCKETS
            .iter()
            .zip(aging.buckets)
            .map(|(b, v)| (b.label.to_string(), v.into()))
            .collect(),
    }
}

fn as_of(params: &HashMap<String, String>) -> Result<NaiveDate, ApiError> {
    match params.get("as_of") {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::invalid("as_of", "must be a date, YYYY-MM-DD")),
    }
}

fn unknown(params: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(k, "is not a parameter of this read")),
        None => Ok(()),
    }
}

async fn totals(
    State(state): State<AppState>,
    bearer: Bearer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let answer = state
        .read_as(&bearer, move |tx, actor| {
            unknown(&params, &["customer_id", "as_of"])?;
            let day = as_of(&params)?;
            let customer = match params.get("customer_id") {
                Some(id) => {
                    // A customer the user cannot see reads as none: 404, as its record would.
                    let id = uuid::Uuid::parse_str(id)
                        .map_err(|_| ApiError::NotFound(Entity::Customers.noun()))?
                        .hyphenated()
                        .to_string();
                    service::get(tx, actor, Entity::Customers, &id)?;
                    Some(id)
                }
                None => None,
            };
            let viewer = service::viewer(actor);
            let aging = tx.aging(&day.to_string(), customer.as_deref(), viewer.as_deref())?;
            Ok(body(day, customer, &aging))
        })
        .await?;
    Ok(axum::Json(answer).into_response())
}

async fn by_customer(
    State(state): State<AppState>,
    bearer: Bearer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let answer = state
        .read_as(&bearer, move |tx, actor| {
            unknown(&params, &["limit", "as_of"])?;
            let day = as_of(&params)?;
            let limit = match params.get("limit") {
                None => 50,
                Some(raw) => raw
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_CUSTOMERS).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid("limit", format!("must be 1 to {MAX_CUSTOMERS}"))
                    })?,
            };
            let viewer = service::viewer(actor);
            let rows = tx.aging_by_customer(&day.to_string(), viewer.as_deref(), limit)?;
            Ok(rows
                .into_iter()
                .map(|(customer, aging)| body(day, Some(customer), &aging))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(axum::Json(serde_json::json!({ "items": answer })).into_response())
}
