//! The change feed: `GET /api/v1/sync?since=N&limit=M&wait=S`.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;

use super::{AppState, AuthUser};
use crate::error::ApiError;
use crate::service::{self, FeedPage};

pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 5000;

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", get(sync))
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

async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    Query(params): Query<HashMap<String, String>>,
) -> Result<axum::Json<FeedPage>, ApiError> {
    if let Some(unknown) = params
        .keys()
        .find(|k| !matches!(k.as_str(), "since" | "limit" | "wait"))
    {
        return Err(ApiError::invalid(
            unknown,
            "is not a parameter of the change feed",
        ));
    }
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
        writes.borrow_and_update();
        let actor = user.0.clone();
        let page = state
            .read(move |tx| service::feed(tx, &actor, since, limit))
            .await?;
        if !page.changes.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(axum::Json(page));
        }
        // The change may not concern this user: then read again and keep waiting.
        if tokio::time::timeout_at(deadline, writes.changed())
            .await
            .is_err()
        {
            return Ok(axum::Json(page));
        }
    }
}
