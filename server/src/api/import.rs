//! `POST /{customers,contacts,leads,products}/import` `{rows: [{…fields}], dry_run?, update?}`:
//! rows in bulk through `service::import` (each as its single create or update would go, in
//! its own savepoint; at most 5,000 a request). The answer counts what was created, updated
//! and refused and lists every row not simply created with its match or its reason. Sent with
//! an `Idempotency-Key`, a part sent again (a resumed import) gets its first answer back and
//! writes nothing twice; a dry run writes nothing at all.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::records::idempotent_write;
use super::{AppState, Bearer, json_object};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service::import::{self, Options};

/// The entities with an import route.
pub const IMPORTABLE: [Entity; 4] = [
    Entity::Customers,
    Entity::Contacts,
    Entity::Leads,
    Entity::Products,
];

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for entity in IMPORTABLE {
        router = router.route(
            &format!("/{}/import", entity.name()),
            post(
                move |state: State<AppState>,
                      bearer: Bearer,
                      headers: HeaderMap,
                      body: Result<Bytes, BytesRejection>| {
                    run(state, bearer, headers, body, entity)
                },
            ),
        );
    }
    router
}

fn flag(body: &crate::store::Record, name: &str, default: bool) -> Result<bool, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::invalid(name, "must be true or false")),
    }
}

async fn run(
    State(state): State<AppState>,
    bearer: Bearer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    entity: Entity,
) -> Result<Response, ApiError> {
    let body = json_object(body);
    let request = json!({"op": "import", "body": body.as_ref().ok()});
    idempotent_write(
        &state,
        &bearer,
        &headers,
        entity,
        request,
        move |tx, actor| {
            let body = body?;
            let rows = body.get("rows").and_then(Value::as_array).ok_or_else(|| {
                ApiError::invalid("rows", format!("must be a list of {}", entity.name()))
            })?;
            let options = Options {
                dry_run: flag(&body, "dry_run", false)?,
                update: flag(&body, "update", true)?,
            };
            let done = import::import(tx, actor, entity, rows, options)?;
            let answer =
                serde_json::to_value(&done).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((StatusCode::OK, answer))
        },
    )
    .await
}
