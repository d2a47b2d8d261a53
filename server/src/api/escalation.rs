//! The server's minute sweeps: escalation (`service::escalation`) and scheduled surveys
//! (`service::schedules`), each a read on a reader thread, then the writer only for what it
//! found, like any write, so the long-polls wake and clients see the changes at once.

use std::time::Duration;

use crate::service::{escalation, schedules};

use super::AppState;

/// Sweeps every `every` until the process ends; a failed sweep is logged and tried again.
pub async fn escalate_every(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = chrono::Utc::now();
        // The scan on a reader thread; the writer only for what rises, read again there.
        let swept = match state.read(move |tx| escalation::due(tx, now)).await {
            Ok(found) if found.is_empty() => Ok(Vec::new()),
            Ok(found) => {
                state
                    .write(move |tx| escalation::raise_due(tx, &found, now))
                    .await
            }
            Err(e) => Err(e),
        };
        match swept {
            Ok(done) if !done.is_empty() => {
                tracing::info!(tickets = done.len(), "raised service-level alerts");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "escalation sweep failed"),
        }
        let made = match state.read(move |tx| schedules::due(tx, now)).await {
            Ok(found) if found.is_empty() => Ok(Vec::new()),
            Ok(found) => {
                state
                    .write(move |tx| schedules::make_due(tx, &found, now))
                    .await
            }
            Err(e) => Err(e),
        };
        match made {
            Ok(made) if !made.is_empty() => {
                tracing::info!(visits = made.len(), "made scheduled return visits");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "survey schedule sweep failed"),
        }
    }
}
