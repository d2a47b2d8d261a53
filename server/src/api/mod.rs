//! The HTTP API under /api/v1: shared state, extractors and the router. Each submodule holds the
//! handlers of one area; all database work runs on threads of its own (readers.rs, writer.rs),
//! never on async threads.

mod analysis;
mod auth;
mod care;
mod escalation;
mod files;
mod import;
mod marketing;
mod merges;
pub mod openapi;
mod readers;
mod receivables;
mod recent;
mod records;
mod sessions;
mod sync;
mod territories;
mod writer;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::access::Actor;
use crate::auth::{HashGate, Throttle, ThrottleLimits};
use crate::error::ApiError;
use crate::store::{self, Database, Tx};
use readers::Readers;
use writer::Writer;

/// Largest request body accepted; more answers 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a connection may take to send a request's headers, or stay idle, by default.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// Settings a deployment (or a test) may change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a sign-in lasts.
    pub token_ttl: chrono::Duration,
    /// Failed sign-ins of one username from one address before a pause.
    pub login_attempts: u32,
    /// Failed sign-ins from one address, whatever the usernames, before a pause.
    pub login_attempts_per_address: u32,
    pub login_lockout: Duration,
    /// Most addresses (and username-address pairs) the sign-in throttle remembers.
    pub throttle_capacity: usize,
    /// Password hashes computed at once, and how many more may wait before 503.
    pub hash_threads: usize,
    pub hash_queue: usize,
    /// Proxies whose `X-Forwarded-For` names the client; from anyone else it is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Longest long-poll a client may ask for.
    pub max_wait: Duration,
    /// How long a connection may take to send a request's headers, and stay idle between
    /// requests, before it is closed.
    pub header_timeout: Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Serve HTTPS with this certificate and key (`serve --tls-cert --tls-key`).
    pub tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    /// How often the escalation sweep raises tickets' service-level alerts (`escalation`).
    pub escalate_every: Duration,
    /// How often the care scan makes the care rules' tasks (`care`).
    pub care_every: Duration,
    /// Where a mail merge sends: the admin's SMTP server and SMS command (`mail`).
    pub mail: crate::mail::Outbound,
    /// Where attached files' bytes are kept (`blobs`); None: files are refused (503).
    pub files_dir: Option<std::path::PathBuf>,
    /// The largest file an upload may carry (`serve --max-file-size`).
    pub max_file_bytes: u64,
    /// The kinds of file uploads may be (`serve --file-types`), by their first bytes.
    pub file_types: Vec<crate::rules::file_types::FileKind>,
    /// How long the bytes of a deleted file are kept, so an undo of the delete brings them
    /// back (`files::sweep`).
    pub deleted_files_kept: chrono::Duration,
    /// How often bytes no file record names any more are removed (`files::sweep`).
    pub sweep_files_every: Duration,
    /// How often the customer analysis (value scores, lifecycle, warnings) sweeps
    /// (`service::analysis`).
    pub analyse_every: Duration,
}

/// The largest attached file when the admin sets no limit: 25 MiB (a scanned contract).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

impl Default for Settings {
    fn default() -> Self {
        let hash_threads = crate::auth::HashGate::default_threads();
        Settings {
            token_ttl: chrono::Duration::days(30),
            login_attempts: 10,
            login_attempts_per_address: 50,
            login_lockout: Duration::from_secs(15 * 60),
            throttle_capacity: 10_000,
            hash_threads,
            hash_queue: 8 * hash_threads,
            trusted_proxies: Vec::new(),
            max_wait: Duration::from_secs(60),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: 512,
            tls: None,
            escalate_every: Duration::from_secs(60),
            care_every: Duration::from_secs(600),
            mail: crate::mail::Outbound::default(),
            files_dir: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            file_types: crate::rules::file_types::FileKind::DEFAULT.to_vec(),
            analyse_every: Duration::from_secs(15 * 60),
            deleted_files_kept: chrono::Duration::days(30),
            sweep_files_every: Duration::from_secs(60 * 60),
        }
    }
}

struct Inner {
    db: Arc<dyn Database>,
    /// Bumped after every committed write, to wake long-polls.
    writes: Arc<watch::Sender<u64>>,
    /// Bumps `writes` when another server on the same database commits; the store holds it
    /// weakly, so it goes with this state.
    _others_wrote: Arc<dyn Fn() + Send + Sync>,
    /// Set when the server begins to stop: long-polls answer at once instead of holding the
    /// shutdown for their whole wait.
    stopping: watch::Sender<bool>,
    throttle: Throttle,
    /// Password hashing, bounded.
    hashing: HashGate,
    settings: Settings,
    /// Read transactions run on reader threads, fed from one queue.
    readers: Readers,
    /// Writes queue for one writer thread, which commits those waiting together.
    writer: Writer,
    /// The feed's recent changes, read once per wake-up for every long-poll.
    feed: recent::SharedFeed,
    /// Session checks of requests arriving together, made together.
    sessions: sessions::SessionChecks,
    /// When the last health probe began and whether it could write: probes that arrived before
    /// it began take its answer.
    probed: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
    /// Attached files' bytes (`Settings::files_dir`).
    blobs: Option<crate::blobs::BlobStore>,
}

/// Reader threads: two per core, so a long read (a big sync page) leaves another thread for
/// the quick ones; no more than the reader pool keeps idle, so connections are reused.
fn reader_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (2 * cores).clamp(2, store::sqlite::MAX_IDLE_READERS)
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// Fails only when the writer thread cannot be started, or the database cannot be watched
    /// for other servers' writes.
    pub fn new(db: Arc<dyn Database>, settings: Settings) -> Result<AppState, ApiError> {
        let writes = Arc::new(watch::channel(0u64).0);
        let (stopping, _) = watch::channel(false);
        let bump = writes.clone();
        let others_wrote: Arc<dyn Fn() + Send + Sync> =
            Arc::new(move || bump.send_modify(|n| *n = n.wrapping_add(1)));
        db.watch_other_servers(Arc::downgrade(&others_wrote))?;
        let shared_counts = db.shares_sign_in_counts();
        let blobs = match &settings.files_dir {
            Some(dir) => Some(crate::blobs::BlobStore::open(dir).map_err(|e| {
                ApiError::Internal(format!("the files folder {}: {e}", dir.display()))
            })?),
            None => None,
        };
        Ok(AppState(Arc::new(Inner {
            blobs,
            _others_wrote: others_wrote,
            stopping,
            writer: Writer::start(db.clone())?,
            readers: Readers::start(db.clone(), reader_threads())?,
            db,
            writes,
            throttle: Throttle::new(
                ThrottleLimits {
                    per_user: settings.login_attempts,
                    per_address: settings.login_attempts_per_address,
                    window: settings.login_lockout,
                    capacity: settings.throttle_capacity,
                },
                shared_counts,
            ),
            hashing: HashGate::new(settings.hash_threads, settings.hash_queue),
            settings,
            feed: recent::SharedFeed::new(crate::service::recent::Limits::default()),
            sessions: sessions::SessionChecks::default(),
            probed: tokio::sync::Mutex::new(None),
        })))
    }

    pub fn db(&self) -> Arc<dyn Database> {
        self.0.db.clone()
    }

    /// Tells waiting long-polls to answer now: the server is stopping.
    pub fn stop_waiting(&self) {
        self.0.stopping.send_replace(true);
    }

    /// Resolves once [`AppState::stop_waiting`] was called.
    async fn stopping(&self) {
        let mut stopping = self.0.stopping.subscribe();
        // An error means the sender is gone, which only happens as the state is dropped.
        let _ = stopping.wait_for(|s| *s).await;
    }

    /// Runs a read transaction on a reader thread.
    async fn read<T: Send + 'static, E: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        self.0.readers.read(f).await
    }

    /// Runs `f` as a write on the writer thread and wakes the long-polls once it commits.
    async fn write<T: Send + 'static, E: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        let out = self
            .0
            .writer
            .write(move |tx| f(tx).map_err(ApiError::from))
            .await?;
        self.0.writes.send_modify(|n| *n = n.wrapping_add(1));
        Ok(out)
    }

    /// Runs `f` as a write on the writer thread without waking the long-polls: it changed no
    /// record (the sign-in throttle's counts).
    async fn write_quietly<T: Send + 'static, E: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        self.0
            .writer
            .write(move |tx| f(tx).map_err(ApiError::from))
            .await
    }

    /// Authenticates `bearer` and runs `f` as its user, both in one read transaction: one trip
    /// to a database thread per request instead of two, and the session is checked against the
    /// same snapshot the work reads.
    async fn read_as<T: Send + 'static>(
        &self,
        bearer: &Bearer,
        f: impl FnOnce(&dyn Tx, &Actor) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let hash = bearer.0.clone();
        self.read(move |tx| f(tx, &authenticate(tx, &hash)?)).await
    }

    /// Authenticates `bearer` and runs `f` as its user in one write transaction, so a session
    /// revoked before the write commits cannot slip a write in after it.
    async fn write_as<T: Send + 'static>(
        &self,
        bearer: &Bearer,
        f: impl FnOnce(&dyn Tx, &Actor) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let hash = bearer.0.clone();
        self.write(move |tx| f(tx, &authenticate(tx, &hash)?)).await
    }
}

/// The user a live session belongs to; revoked, expired and disabled users' tokens fail here.
/// Checked on every request, never cached: `crm-server user disable` and `passwd` revoke from
/// another process, and must take effect at once.
fn authenticate(tx: &dyn Tx, token_hash: &str) -> Result<Actor, ApiError> {
    let now = crate::validate::format_time(chrono::Utc::now());
    tx.session_actor(token_hash, &now)?
        .ok_or(ApiError::Unauthorized)
}

/// A request's bearer token, hashed as the sessions table keeps it, not yet checked: handlers
/// check it with [`AppState::read_as`] or [`AppState::write_as`] in the transaction that does
/// their work. A request without a token is refused here.
pub struct Bearer(String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|token| Bearer(crate::auth::token_hash(token)))
            .ok_or(ApiError::Unauthorized)
    }
}

/// The signed-in user of a request, from its bearer token, checked before the handler runs.
pub struct AuthUser(pub Actor, pub String);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Bearer(hash) = Bearer::from_request_parts(parts, state).await?;
        let actor = state.0.sessions.check(state, hash.clone()).await?;
        Ok(AuthUser(actor, hash))
    }
}

/// The address a request came from: the peer, or, when the peer is a trusted proxy, the last
/// address in `X-Forwarded-For` that is not one of the trusted proxies.
pub fn client_address(parts: &Parts, trusted: &[IpAddr]) -> IpAddr {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|a| a.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// The client's address, as [`client_address`] finds it.
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(
            parts,
            &state.0.settings.trusted_proxies,
        )))
    }
}

/// Parses a request body as a JSON object, with the API's error shape for every failure.
pub fn json_object(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::Malformed("expected a JSON object".into())),
        Err(e) => Err(ApiError::Malformed(e.to_string())),
    }
}

/// The version in an `If-Match` header: `3`, `"3"` or `W/"3"`.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::BadRequest("If-Match must hold the record's version number".into())
        })
}

pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(crate::wire::IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("Idempotency-Key must be plain text".into()))?
        .trim();
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 200 characters".into(),
        ));
    }
    Ok(Some(key.to_string()))
}

/// 12 hex digits, unique within the process: a random start plus a counter. A random id per
/// request cost a getrandom call each.
fn request_id() -> String {
    static NEXT: LazyLock<AtomicU64> =
        LazyLock::new(|| AtomicU64::new(uuid::Uuid::new_v4().as_u64_pair().0));
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:012x}", n & 0xffff_ffff_ffff)
}

/// Gives every request an id, logs it with its outcome, and returns the id to the client.
async fn request_log(request: Request, next: Next) -> Response {
    let id = request_id();
    let method = request.method().clone();
    // The path only: queries can carry search terms, and never reach the log.
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let span = tracing::info_span!("request", %id, %method, %path);
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros();
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, micros, "answered");
        } else {
            tracing::debug!(status, micros, "answered");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route (GET /api/v1/openapi.json lists them)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Ready only when the database takes a write: a read-only file, a full disk or a lock held by
/// another process answer 503, so a load balancer stops sending work that would fail.
/// Probes arriving together share one write: each takes the answer of a probe that began after
/// it arrived (thousands of kept-alive connections probing were as many writes queued before
/// the real ones; on PostgreSQL, round trips each).
async fn health(State(state): State<AppState>) -> Response {
    let arrived = std::time::Instant::now();
    let writable = {
        let mut last = state.0.probed.lock().await;
        match *last {
            Some((began, writable)) if began >= arrived => writable,
            _ => {
                let began = std::time::Instant::now();
                // Straight to the writer: a probe is no write to wake the long-polls for.
                let probe = state
                    .0
                    .writer
                    .write(|tx| Ok(tx.next_counter("health_probe")?))
                    .await;
                if let Err(e) = &probe {
                    tracing::warn!(error = %e, "health: the database cannot be written");
                }
                *last = Some((began, probe.is_ok()));
                probe.is_ok()
            }
        }
    };
    match writable {
        true => {
            axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
                .into_response()
        }
        false => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({
                "status": "not_ready",
                "reason": "the database cannot be written; the error is in the server's log",
                "version": env!("CARGO_PKG_VERSION"),
            })),
        )
            .into_response(),
    }
}

pub use analysis::analyse_every;
pub use care::care_every;
pub use escalation::escalate_every;
pub use files::{sweep_files_every, sweep_unnamed_files};

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::handler))
        .merge(auth::router())
        .merge(sync::router())
        .merge(receivables::router())
        .merge(marketing::router())
        .merge(import::router())
        .merge(merges::router())
        .merge(care::router())
        .merge(files::router())
        .merge(territories::router())
        .merge(analysis::router())
        .merge(records::router())
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(request_log))
        .with_state(state)
}
