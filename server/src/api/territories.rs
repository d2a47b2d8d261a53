//! `POST /territories/apply` (`crm territories apply [--dry-run]`): after an admin changed the
//! territory rules, every customer put where the rule now says — batch by batch, each batch
//! one write through `service::territories::apply` (the same rule as on create and on a change
//! of region, each move an audited update by the admin). `{"dry_run": true}` counts without
//! writing. Answers `{"customers", "moved", "owners"}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::{AppState, AuthUser, json_object};
use crate::error::ApiError;
use crate::service::territories::{self, Applied};

pub fn router() -> Router<AppState> {
    Router::new().route("/territories/apply", post(apply))
}

async fn apply(
    State(state): State<AppState>,
    AuthUser(actor, _): AuthUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = match &body {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Default::default(),
        _ => json_object(body)?,
    };
    let dry_run = match body.get("dry_run") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("dry_run", "must be true or false")),
    };
    let mut total = Applied::default();
    let mut after = None;
    loop {
        let actor = actor.clone();
        let from = after.take();
        let batch = if dry_run {
            state
                .read(move |tx| territories::apply(tx, &actor, from, true))
                .await?
        } else {
            state
                .write(move |tx| territories::apply(tx, &actor, from, false))
                .await?
        };
        total.customers += batch.customers;
        total.moved += batch.moved;
        total.owners += batch.owners;
        match batch.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(axum::Json(json!({
        "customers": total.customers,
        "moved": total.moved,
        "owners": total.owners,
        "dry_run": dry_run,
    }))
    .into_response())
}
