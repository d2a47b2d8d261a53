//! The crm server: the CRM domain over HTTP on SQLite (or PostgreSQL). The library also owns the API's wire
//! shapes, so the terminal client parses exactly what the server sends.

pub mod access;
pub mod api;
pub mod auth;
pub mod backups;
pub mod blobs;
pub mod catalog;
pub mod dedupe;
pub mod error;
pub mod log;
pub mod mail;
pub mod pinyin;
pub mod query;
pub mod rules;
pub mod schema;
pub mod seed;
pub mod service;
pub mod store;
pub mod tls;
pub mod validate;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

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
    open_sqlite_with(path, store::sqlite::OpenOptions::default())
}

/// [`open_sqlite`] with options (how hard commits are synced).
pub fn open_sqlite_with(
    path: &Path,
    options: store::sqlite::OpenOptions,
) -> Result<Arc<dyn Database>, ApiError> {
    let db: Arc<dyn Database> = Arc::new(store::sqlite::Sqlite::open_with(path, options)?);
    ensure_stages(db.as_ref())?;
    Ok(db)
}

/// Opens the PostgreSQL database at `url` (`postgres://…`), migrating it, and fills in the
/// default pipeline stages when there are none.
pub fn open_postgres(url: &str) -> Result<Arc<dyn Database>, ApiError> {
    open_postgres_with(url, &store::postgres::OpenOptions::default())
}

/// [`open_postgres`] with options (a private CA for TLS to the database).
pub fn open_postgres_with(
    url: &str,
    options: &store::postgres::OpenOptions,
) -> Result<Arc<dyn Database>, ApiError> {
    let db: Arc<dyn Database> = Arc::new(store::postgres::Postgres::open_with(url, options)?);
    ensure_stages(db.as_ref())?;
    Ok(db)
}

/// Makes the default stages when there are none, once however many servers start together on
/// one empty database: the look and the making run under one named lock.
fn ensure_stages(db: &dyn Database) -> Result<(), ApiError> {
    store::write(db, |tx| {
        tx.lock_named("default stages")?;
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
///
/// Each connection takes one of `settings.max_connections` places (more wait in the listen
/// queue, so a flood of connections cannot use up the process's files), must send a request's
/// headers within `settings.header_timeout` and is closed when idle that long (a connection
/// sending half a header is not held forever), and speaks TLS when `settings.tls` is set.
pub async fn serve(
    listener: TcpListener,
    db: Arc<dyn Database>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let places = settings.max_connections.clamp(1, 1 << 20);
    let header_timeout = settings.header_timeout;
    let escalate_every = settings.escalate_every;
    let care_every = settings.care_every;
    let analyse_every = settings.analyse_every;
    let sweep_files_every = settings.sweep_files_every;
    let tls = settings.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let state = AppState::new(db, settings).map_err(|e| std::io::Error::other(e.to_string()))?;
    let app = api::router(state.clone());
    // Ends with the server: it holds the state, whose writer holds the database.
    let sweeps = tokio::spawn(api::escalate_every(state.clone(), escalate_every));
    let care = tokio::spawn(api::care_every(state.clone(), care_every));
    let analyses = tokio::spawn(api::analyse_every(state.clone(), analyse_every));
    let file_sweeps = tokio::spawn(api::sweep_files_every(state.clone(), sweep_files_every));
    let limit = Arc::new(Semaphore::new(places));
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let place = tokio::select! {
            place = limit.clone().acquire_owned() => place.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of files, or a connection reset before it was accepted: wait a moment
                    // rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (app, tls, stopped) = (app.clone(), tls.clone(), stopped.clone());
        tokio::spawn(async move {
            let _place = place;
            let Some(tls) = tls else {
                return connection(stream, peer, app, header_timeout, stopped).await;
            };
            match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                Ok(Ok(stream)) => connection(stream, peer, app, header_timeout, stopped).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        });
    }
    sweeps.abort();
    care.abort();
    analyses.abort();
    file_sweeps.abort();
    state.stop_waiting();
    stop.send_replace(true);
    // Every connection holds a place until it ends: all places back means all have ended.
    let _ = limit
        .acquire_many(u32::try_from(places).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// Serves HTTP/1.1 on one connection until it closes, times out, or the server stops (then the
/// request in flight finishes first).
async fn connection<I>(
    io: I,
    peer: SocketAddr,
    app: axum::Router,
    header_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let mut app = app.clone();
        tower_service::Service::call(&mut app, request)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let served = http.serve_connection(TokioIo::new(io), service);
    let mut served = std::pin::pin!(served);
    tokio::select! {
        result = served.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        () = async { let _ = stopped.wait_for(|s| *s).await; } => {
            served.as_mut().graceful_shutdown();
            let _ = served.await;
        }
    }
}
