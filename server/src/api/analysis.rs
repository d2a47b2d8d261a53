//! The customer analysis (`service::analysis`) on a schedule and on demand:
//! `POST /analysis/run` (admins) sweeps every customer now and answers what changed. Either
//! way batch by batch: each read on a reader thread, the writer only for a batch where
//! something changes, so a sweep of a million customers never holds the writer for long.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use chrono::{DateTime, Utc};

use super::{AppState, Bearer};
use crate::error::ApiError;
use crate::service::analysis::{self, Swept};

pub fn router() -> Router<AppState> {
    Router::new().route("/analysis/run", post(run))
}

/// Sweeps every `every` until the process ends; a failed sweep is logged and tried again.
pub async fn analyse_every(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match sweep(&state, Utc::now()).await {
            Ok(done) if done.changed > 0 => tracing::info!(
                customers = done.customers,
                changed = done.changed,
                moved = done.moved,
                "customer analysis"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "customer analysis failed"),
        }
    }
}

/// One sweep over every customer, batch by batch.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<Swept, ApiError> {
    let mut total = Swept::default();
    let mut after = String::new();
    loop {
        let from = after.clone();
        let batch = state
            .read(move |tx| analysis::measure(tx, &from, now))
            .await?;
        let Some(last) = batch.last.clone() else {
            return Ok(total);
        };
        total.customers += batch.read;
        if !batch.changes.is_empty() {
            let from = after.clone();
            let done = state
                .write(move |tx| analysis::apply(tx, &from, now))
                .await?;
            total.changed += done.changed;
            total.moved += done.moved;
        }
        after = last;
    }
}

async fn run(State(state): State<AppState>, bearer: Bearer) -> Result<axum::Json<Swept>, ApiError> {
    let actor = state.read_as(&bearer, |_, actor| Ok(actor.clone())).await?;
    if !actor.is_admin() {
        return Err(ApiError::forbidden(
            "only an admin runs the customer analysis; it also runs on its own schedule",
        ));
    }
    Ok(axum::Json(sweep(&state, Utc::now()).await?))
}
