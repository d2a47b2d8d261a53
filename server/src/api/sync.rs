//! The change feed, `GET /api/v1/sync?since=N&limit=M&wait=S`, and the snapshot a first sync
//! starts from, `GET /api/v1/sync/snapshot?entity=E&after=ID&limit=M`.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::{AppState, AuthUser};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::wire::{self, FeedPage, SnapshotCursor, SnapshotShape};

pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 5000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync", get(sync))
        .route("/sync/snapshot", get(snapshot))
}

fn number<T: std::str::FromStr>(
    params: &HashMap<String, String>,
    name: &str,
    default: T,
) -> Result<T, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::invalid(name, "must be a non-negative whole number")),
    }
}

/// A query parameter the route does not know is a mistake worth naming, not one to ignore.
fn reject_unknown(
    params: &HashMap<String, String>,
    known: &[&str],
    route: &str,
) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::invalid(
            unknown,
            format!("is not a parameter of {route}"),
        )),
        None => Ok(()),
    }
}

async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    Query(params): Query<HashMap<String, String>>,
) -> Result<axum::Json<FeedPage>, ApiError> {
    reject_unknown(&params, &["since", "limit", "wait"], "the change feed")?;
    let since: i64 = number(&params, "since", 0)?;
    let limit: usize = number(&params, "limit", DEFAULT_LIMIT)?;
    if since < 0 {
        return Err(ApiError::invalid("since", "must not be negative"));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        ));
    }
    let wait = Duration::from_secs(number(&params, "wait", 0u64)?).min(state.0.settings.max_wait);
    let deadline = tokio::time::Instant::now() + wait;

    // Subscribe before reading, so a write that lands between the read and the wait still wakes us.
    let mut writes = state.0.writes.subscribe();
    loop {
        let version = *writes.borrow_and_update();
        // Every poll a write woke asks at once: one read of the recent changes serves them all;
        // a cursor outside what is held is read from the database. A plain page (no wait: a
        // pull, `crm sync`) reads the database, so it sees a write another process made a
        // moment ago, which woke nobody here.
        let held = if wait.is_zero() {
            None
        } else {
            state
                .0
                .feed
                .page(&state, version, &user.0, since, limit)
                .await?
        };
        let page = match held {
            Some(page) => page,
            None => {
                let actor = user.0.clone();
                state
                    .read(move |tx| service::feed(tx, &actor, since, limit))
                    .await?
            }
        };
        if !page.changes.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(axum::Json(page));
        }
        // The change may not concern this user: then read again and keep waiting.
        tokio::select! {
            changed = tokio::time::timeout_at(deadline, writes.changed()) => {
                if changed.is_err() {
                    return Ok(axum::Json(page));
                }
            }
            () = state.stopping() => return Ok(axum::Json(page)),
        }
    }
}

/// Records per snapshot page unless asked otherwise: a first sync reads them all.
pub const SNAPSHOT_DEFAULT_LIMIT: usize = 5000;
pub const SNAPSHOT_MAX_LIMIT: usize = 20_000;

/// The page's shape: rows when the client's `Accept` names `wire::SNAPSHOT_ROWS_TYPE`, else the
/// objects every client reads.
fn snapshot_shape(asked: &HeaderMap) -> SnapshotShape {
    let rows = asked.get_all(header::ACCEPT).iter().any(|value| {
        value.to_str().is_ok_and(|text| {
            text.split(',')
                .any(|kind| SnapshotShape::of_content_type(Some(kind)) == SnapshotShape::Rows)
        })
    });
    if rows {
        SnapshotShape::Rows
    } else {
        SnapshotShape::Objects
    }
}

async fn snapshot(
    State(state): State<AppState>,
    user: AuthUser,
    asked: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    let shape = snapshot_shape(&asked);
    reject_unknown(&params, &["entity", "after", "limit"], "the snapshot")?;
    let limit: usize = number(&params, "limit", SNAPSHOT_DEFAULT_LIMIT)?;
    if !(1..=SNAPSHOT_MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {SNAPSHOT_MAX_LIMIT}"),
        ));
    }
    let from = match (params.get("entity"), params.get("after")) {
        (None, None) => None,
        (Some(name), Some(after)) => {
            let entity = Entity::from_name(name)
                .ok_or_else(|| ApiError::invalid("entity", "is not a kind of record"))?;
            Some(SnapshotCursor {
                entity,
                after: after.clone(),
            })
        }
        _ => {
            return Err(ApiError::invalid(
                "after",
                "entity and after go together: pass the `next` of the previous page",
            ));
        }
    };
    let actor = user.0;
    // The page comes as its JSON text (a `SnapshotPage`), made on the reader thread.
    let (body, position) = state
        .read(move |tx| service::snapshot(tx, &actor, from, limit, shape))
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(shape.content_type()),
    );
    // Left out should it not fit in a header (ids are UUIDs, so it does): the body has it too.
    let position = serde_json::to_string(&position)
        .ok()
        .and_then(|text| HeaderValue::from_str(&text).ok());
    if let Some(value) = position {
        headers.insert(wire::SNAPSHOT_POSITION, value);
    }
    Ok((headers, body))
}
