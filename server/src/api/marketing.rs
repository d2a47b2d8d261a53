//! Leads and campaigns beyond their records' CRUD (`service::marketing`):
//!
//! - `POST /leads/{id}/convert` `{customer_id?, opportunity_name?, opportunity_amount?, force?}`:
//!   the conversion in one step (the same as patching the lead's `status` to `converted`, which
//!   an offline client's outbox sends); 409 when converted already or when a likely duplicate
//!   customer exists (its code and id in `existing`: attach to it, or send `force`).
//! - `POST /campaigns/{id}/members` `{entity: customers|contacts|leads, q}`: members from a
//!   query in the query language, among the records the user may read.
//! - `GET /campaigns/{id}/results`: members, responses, leads, opportunities, won amount, cost per
//!   lead and ROI.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::records::{check_id, idempotent_write};
use super::{AppState, Bearer, json_object};
use crate::error::ApiError;
use crate::rules::marketing::Results;
use crate::schema::Entity;
use crate::service::marketing;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads/{id}/convert", post(convert))
        .route("/campaigns/{id}/members", post(add_members))
        .route("/campaigns/{id}/results", get(results))
}

fn empty_or_object(body: Result<Bytes, BytesRejection>) -> Result<crate::store::Record, ApiError> {
    match &body {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Default::default()),
        _ => json_object(body),
    }
}

async fn convert(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = check_id(Entity::Leads, &id);
    let body = empty_or_object(body);
    let request = json!({"op": "convert", "id": id.as_ref().ok(), "body": body.as_ref().ok()});
    idempotent_write(
        &state,
        &bearer,
        &headers,
        Entity::Leads,
        request,
        move |tx, actor| {
            let lead = marketing::convert_lead(tx, actor, &id?, &body?)?;
            Ok((StatusCode::OK, Value::Object(lead)))
        },
    )
    .await
}

async fn add_members(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = check_id(Entity::Campaigns, &id);
    let body = json_object(body);
    let request = json!({"op": "members", "id": id.as_ref().ok(), "body": body.as_ref().ok()});
    idempotent_write(
        &state,
        &bearer,
        &headers,
        Entity::CampaignMembers,
        request,
        move |tx, actor| {
            let body = body?;
            let (entity, link) = body
                .get("entity")
                .and_then(Value::as_str)
                .and_then(marketing::member_entity)
                .ok_or_else(|| {
                    ApiError::invalid("entity", "must be customers, contacts or leads")
                })?;
            let q = body.get("q").and_then(Value::as_str).unwrap_or_default();
            let terms = crate::query::parse(q).map_err(ApiError::Query)?;
            let added = marketing::add_members(tx, actor, &id?, entity, link, &terms)?;
            Ok((StatusCode::OK, json!(added)))
        },
    )
    .await
}

/// A campaign's results as sent.
pub fn results_body(r: &Results) -> Value {
    let s = &r.sums;
    json!({
        "members": s.members,
        "responses": s.responses,
        "attended": s.attended,
        "leads": s.leads,
        "converted_leads": s.converted_leads,
        "opportunities": s.opportunities,
        "won": s.won,
        "won_amount": s.won_amount,
        "budget": r.budget,
        "actual_cost": r.actual_cost,
        "cost_per_lead": r.cost_per_lead,
        "roi_bp": r.roi_bp,
    })
}

async fn results(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = check_id(Entity::Campaigns, &id)?;
    let answer = state
        .read_as(&bearer, move |tx, actor| {
            marketing::results(tx, actor, &id).map(|r| results_body(&r))
        })
        .await?;
    Ok(axum::Json(answer).into_response())
}
