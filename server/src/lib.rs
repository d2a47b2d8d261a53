//! The crm server: the CRM domain over HTTP on SQLite. The library also owns the API's wire
//! shapes, so the terminal client parses exactly what the server sends.

pub mod access;
pub mod api;
pub mod auth;
pub mod dedupe;
pub mod error;
pub mod rules;
pub mod schema;
pub mod seed;
pub mod service;
pub mod store;
pub mod validate;
pub mod wire;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use tokio::net::TcpListener;

pub use api::{AppState, Settings};
pub use error::ApiError;
use schema::Entity;
use store::{Database, ListQuery};

/// The pipeline every new database starts with: name, default win probability, kind.
pub const DEFAULT_STAGES: &[(&str, i64, &str)] = &[
    ("lead", 10, "open"),
    ("qualified", 25, "open"),
    ("proposal", 50, "open"),
    ("negotiation", 75, "open"),
    ("won", 100, "won"),
    ("lost", 0, "lost"),
];

/// Opens the SQLite database at `path`, migrating it, and fills in the default pipeline stages
/// when there are none.
pub fn open_sqlite(path: &Path) -> Result<Arc<dyn Database>, ApiError> {
    let db: Arc<dyn Database> = Arc::new(store::sqlite::Sqlite::open(path)?);
    ensure_stages(db.as_ref())?;
    Ok(db)
}

fn ensure_stages(db: &dyn Database) -> Result<(), ApiError> {
    store::write(db, |tx| {
        let any = ListQuery {
            sort: "position",
            limit: 1,
            ..ListQuery::default()
        };
        if !tx.list(Entity::Stages, &any, None)?.is_empty() {
            return Ok(());
        }
        let system = system_actor();
        for (position, (name, probability, kind)) in DEFAULT_STAGES.iter().enumerate() {
            let body = json!({"name": name, "position": position as i64 * 10, "probability": probability, "kind": kind});
            let body = body.as_object().cloned().unwrap_or_default();
            service::create(tx, &system, Entity::Stages, &body, false)?;
        }
        Ok(())
    })
}

/// The actor for work the server does on its own (migrations, seeding, the admin CLI).
pub fn system_actor() -> access::Actor {
    access::Actor {
        id: "00000000-0000-0000-0000-000000000000".into(),
        username: "system".into(),
        role: access::Role::Admin,
        team_id: None,
    }
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    db: Arc<dyn Database>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = AppState::new(db, settings).map_err(|e| std::io::Error::other(e.to_string()))?;
    let app = api::router(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.stop_waiting();
        })
        .await
}
