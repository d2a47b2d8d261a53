//! The duplicate review queue (`service::merges`):
//!
//! - `GET /customers/duplicates?after=A:B&limit=50`: pairs of live customers that share a
//!   normalized name, phone, email or the pinyin of their name, each `{a, b, reasons}`, for
//!   whoever may merge both (admins, a manager who may change both, the owner of both); `next`
//!   is the `after` of the next page, absent on the last.
//!
//! - `GET /contacts/duplicates`: the same for contacts — the same name at one customer, the same
//!   mobile (else phone) or email anywhere —, for whoever may change both contacts' customers.
//!
//! A merge itself is `POST /merges {survivor_id, merged_id, take, survivor_version,
//! merged_version}` and its undo `PATCH /merges/{id} {"status": "undone"}` (admins): records like
//! any other, so an offline client's outbox sends them; contacts merge by `POST /contact_merges`
//! with the same fields.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::{AppState, Bearer};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service::merges;

/// Pairs a page holds when the request names no limit, and at most.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/customers/duplicates",
            get(|state, bearer, params| duplicates(Entity::Customers, state, bearer, params)),
        )
        .route(
            "/contacts/duplicates",
            get(|state, bearer, params| duplicates(Entity::Contacts, state, bearer, params)),
        )
}

async fn duplicates(
    subject: Entity,
    State(state): State<AppState>,
    bearer: Bearer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let limit = match params.get("limit") {
        None => DEFAULT_PAGE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("limit must be 1 to {MAX_PAGE}")))?,
    };
    let after = params.get("after").cloned();
    let answer = state
        .read_as(&bearer, move |tx, actor| {
            let pairs = merges::duplicate_pairs(tx, actor, subject, after.as_deref(), limit)?;
            let next = (pairs.len() == limit)
                .then(|| pairs.last())
                .flatten()
                .map(|p| {
                    let id = |r: &crate::store::Record| {
                        r.get("id")
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_string()
                    };
                    format!("{}:{}", id(&p.a), id(&p.b))
                });
            Ok(json!({"pairs": pairs, "next": next}))
        })
        .await?;
    Ok(axum::Json(answer).into_response())
}
