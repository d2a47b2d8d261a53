//! The escalation sweep on a schedule (`service::escalation`): through the writer like any
//! write, so the long-polls wake and clients see the raised alerts at once.

use std::time::Duration;

use crate::service::escalation;

use super::AppState;

/// Sweeps every `every` until the process ends; a failed sweep is logged and tried again.
pub async fn escalate_every(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let swept = state
            .write(|tx| escalation::sweep(tx, chrono::Utc::now()))
            .await;
        match swept {
            Ok(done) if !done.is_empty() => {
                tracing::info!(tickets = done.len(), "raised service-level alerts");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "escalation sweep failed"),
        }
    }
}
