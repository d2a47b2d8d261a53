//! The HTTP client of the crm API: the server's addresses (one, or several tried in order when
//! one is unreachable), a bearer token, typed answers, and typed errors that tell the user what
//! to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crm_server::schema::Entity;
use crm_server::wire::{
    FeedPage, IDEMPOTENCY_KEY, IF_MATCH, SNAPSHOT_POSITION, SNAPSHOT_ROWS_TYPE, SnapshotCursor,
    SnapshotPage, SnapshotPosition, SnapshotRows, SnapshotShape,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};

/// Time allowed to open a connection; beyond it the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for an ordinary request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A page of a first sync's snapshot. The first page counts every record the user may see;
/// for a salesperson at 1M customers that is a pass over 2.8M access entries, which on a busy
/// server took longer than `REQUEST_TIMEOUT` and failed every first sync.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(180);
/// An attached file's upload or download.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);

/// A successful answer's body as `T`.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// Where a snapshot page stands: from its `Snapshot-Position` header, or from its body when the
/// server sent none (or one that does not read).
fn snapshot_position(
    header: Option<&[u8]>,
    body: &[u8],
    shape: SnapshotShape,
) -> Result<SnapshotPosition, ClientError> {
    if let Some(position) = header.and_then(|h| serde_json::from_slice(h).ok()) {
        return Ok(position);
    }
    let (next, head, total) = match shape {
        SnapshotShape::Objects => {
            let page: SnapshotPage<IgnoredAny> = parse(body)?;
            (page.next, page.head, page.total)
        }
        SnapshotShape::Rows => {
            let page: SnapshotRows<IgnoredAny> = parse(body)?;
            (page.next, page.head, page.total)
        }
    };
    Ok(SnapshotPosition { next, head, total })
}

/// A snapshot page as `ApiClient::snapshot_body` reads it.
pub struct SnapshotBody {
    /// Where the page stands (from its header: its records are not read here).
    pub position: SnapshotPosition,
    /// The page as sent.
    pub body: Vec<u8>,
    /// The form the server sent it in (by its `Content-Type`).
    pub shape: SnapshotShape,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot reach the server at {server} ({detail}); local changes are kept and sent when it is back"
    )]
    Offline { server: String, detail: String },
    #[error("your sign-in expired or was revoked; run `crm login`")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{message}{}", list_fields(.fields))]
    Forbidden {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("{message}")]
    NotFound { message: String },
    #[error("{message}{}", list_fields(.fields))]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("{message}")]
    Duplicate { message: String, existing: Value },
    #[error("{message}")]
    Conflict { message: String },
    #[error("the record changed on the server since it was read (now version {})", .current.get("version").and_then(Value::as_i64).unwrap_or(0))]
    Stale { current: Map<String, Value> },
    #[error("{message}")]
    TooManyAttempts { message: String },
    #[error("the server could not handle the request ({message}); try again later")]
    BadRequest { message: String },
    #[error(
        "the server failed (HTTP {status}: {message}); try again later, and tell its admin if it persists"
    )]
    Server { status: u16, message: String },
    #[error(
        "the server sent an answer this crm does not understand ({0}); check the server URL and that crm and the server are the same version"
    )]
    Protocol(String),
    #[error("{0} is not a server URL; give one like https://crm.example.com")]
    BadUrl(String),
    #[error(
        "cannot use the CA file {path} ({detail}); give a PEM file with the certificate of the CA that signed the server's (ca_file in config.toml, or CRM_CA_FILE)"
    )]
    CaFile { path: PathBuf, detail: String },
    #[error(
        "the server at {server} sent a certificate this crm does not trust ({detail}); if a private CA signed it, set ca_file in config.toml or CRM_CA_FILE"
    )]
    Untrusted { server: String, detail: String },
}

fn list_fields(fields: &BTreeMap<String, String>) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!(": {}", parts.join("; "))
}

impl ClientError {
    /// What kind of refusal a write met, as the outbox keeps it: `forbidden`, `not_found`,
    /// `invalid`, `duplicate`, `conflict`, `bad_request`; None for what is not a refusal.
    pub fn refusal_code(&self) -> Option<&'static str> {
        Some(match self {
            ClientError::Forbidden { .. } => "forbidden",
            ClientError::NotFound { .. } => "not_found",
            ClientError::Invalid { .. } => "invalid",
            ClientError::Duplicate { .. } => "duplicate",
            ClientError::Conflict { .. } => "conflict",
            ClientError::BadRequest { .. } => "bad_request",
            _ => return None,
        })
    }

    /// The server could not be reached or could not answer: try again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Offline { .. }
                | ClientError::Server { .. }
                | ClientError::TooManyAttempts { .. }
        )
    }
}

/// A sign-in: the bearer token and who it belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: String,
    pub user: Map<String, Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    existing: Option<Value>,
    #[serde(default)]
    current: Option<Map<String, Value>>,
}

/// Turns an error answer into a typed error, using the API's `{"error": {...}}` shape when the
/// body has it (a proxy in between may answer with anything).
fn error_of(status: StatusCode, body: &[u8]) -> ClientError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase());
    let code = detail.as_ref().map(|d| d.code.as_str()).unwrap_or("");
    let fields = detail
        .as_ref()
        .map(|d| d.fields.clone())
        .unwrap_or_default();
    match status.as_u16() {
        401 if code == "bad_credentials" => ClientError::BadCredentials,
        401 => ClientError::Unauthorized,
        403 => ClientError::Forbidden { message, fields },
        404 => ClientError::NotFound { message },
        409 => match detail.and_then(|d| d.existing) {
            Some(existing) => ClientError::Duplicate { message, existing },
            None => ClientError::Conflict { message },
        },
        412 => match detail.and_then(|d| d.current) {
            Some(current) => ClientError::Stale { current },
            None => ClientError::Protocol("a 412 answer without the current record".into()),
        },
        422 => ClientError::Invalid { message, fields },
        429 => ClientError::TooManyAttempts { message },
        400 | 413 => ClientError::BadRequest { message },
        s => ClientError::Server { status: s, message },
    }
}

/// The crm API at one server, for one signed-in user. Cheap to clone (the connection pool and
/// the address that answered last are shared).
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    /// Each address as `https://host/api/v1`, without a trailing slash, in the order given.
    bases: Arc<[String]>,
    /// The address that answered last, tried first.
    current: Arc<AtomicUsize>,
    token: Option<String>,
}

/// One address of a server list as its API base (`https://host/api/v1`).
fn api_base(server: &str) -> Result<String, ClientError> {
    let trimmed = server.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|_| ClientError::BadUrl(server.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ClientError::BadUrl(server.to_string()));
    }
    Ok(if trimmed.ends_with("/api/v1") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/api/v1")
    })
}

/// The addresses of `server`: one, or several separated by commas (a profile's list), each
/// checked.
pub fn server_addresses(server: &str) -> Result<Vec<String>, ClientError> {
    let bases = server
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(api_base)
        .collect::<Result<Vec<_>, _>>()?;
    if bases.is_empty() {
        return Err(ClientError::BadUrl(server.to_string()));
    }
    Ok(bases)
}

impl ApiClient {
    /// A client for the server at `server` (`https://crm.example.com`, with or without
    /// `/api/v1`; or several such addresses separated by commas, tried in order when one is
    /// unreachable), not signed in.
    pub fn new(server: &str) -> Result<ApiClient, ClientError> {
        ApiClient::trusting(server, None)
    }

    /// [`ApiClient::new`] that also trusts the certificates in `ca_file` (PEM), for a server
    /// whose certificate a private CA signed. Certificates are always verified.
    pub fn trusting(server: &str, ca_file: Option<&Path>) -> Result<ApiClient, ClientError> {
        let bases = server_addresses(server)?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            // Drop an idle connection before the server closes it, so a request never goes
            // out on one the server is closing.
            .pool_idle_timeout(crm_server::api::DEFAULT_HEADER_TIMEOUT * 2 / 3)
            .user_agent(concat!("crm/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let failed = |detail: String| ClientError::CaFile {
                path: path.to_path_buf(),
                detail,
            };
            let pem = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
            let certificates =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| failed(e.to_string()))?;
            if certificates.is_empty() {
                return Err(failed("it holds no certificate".into()));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Protocol(format!("cannot start the HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            bases: bases.into(),
            current: Arc::new(AtomicUsize::new(0)),
            token: None,
        })
    }

    /// The same client acting with this bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> ApiClient {
        self.token = Some(token.into());
        self
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The API base URL (ending in `/api/v1`) of the address in use: the one that answered
    /// last, else the first.
    pub fn base_url(&self) -> &str {
        let i = self.current.load(Ordering::Relaxed);
        self.bases
            .get(i)
            .or(self.bases.first())
            .map_or("", String::as_str)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base_url()))
            .timeout(REQUEST_TIMEOUT);
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        builder
    }

    /// Sends a request to the address in use, and when it cannot be reached (no connection:
    /// refused, timed out, no such host) to the next ones in turn; the first that answers,
    /// whatever its answer, is used from then on. A request that never connected never reached
    /// a server, so sending it elsewhere does nothing twice.
    async fn execute(&self, builder: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let request = builder
            .build()
            .map_err(|e| ClientError::Protocol(format!("cannot make the request: {e}")))?;
        let url = request.url().as_str().to_string();
        let start = self.current.load(Ordering::Relaxed) % self.bases.len().max(1);
        let built_on = self
            .bases
            .iter()
            .position(|b| url.starts_with(b.as_str()))
            .unwrap_or(start);
        let tail = &url[self.bases.get(built_on).map_or(0, String::len)..];
        for step in 0..self.bases.len() {
            let i = (start + step) % self.bases.len();
            let mut attempt = request
                .try_clone()
                .ok_or_else(|| ClientError::Protocol("a request that cannot be resent".into()))?;
            if i != built_on {
                *attempt.url_mut() = reqwest::Url::parse(&format!("{}{tail}", self.bases[i]))
                    .map_err(|_| ClientError::BadUrl(self.bases[i].clone()))?;
            }
            match self.http.execute(attempt).await {
                Ok(response) => {
                    self.current.store(i, Ordering::Relaxed);
                    return Ok(response);
                }
                // Unreachable: the next address, if there is one.
                Err(e) if e.is_connect() && step + 1 < self.bases.len() => {}
                Err(e) => return Err(self.offline_at(&self.bases[i], &e)),
            }
        }
        Err(ClientError::BadUrl(url))
    }

    fn offline(&self, e: &reqwest::Error) -> ClientError {
        self.offline_at(self.base_url(), e)
    }

    fn offline_at(&self, base: &str, e: &reqwest::Error) -> ClientError {
        // The innermost cause says most (connection refused, timed out, DNS).
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        let server = base.trim_end_matches("/api/v1").to_string();
        // rustls says so when the certificate does not verify: no retry will help.
        if detail.contains("invalid peer certificate") {
            return ClientError::Untrusted { server, detail };
        }
        ClientError::Offline { server, detail }
    }

    async fn send<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T, ClientError> {
        let response = self.execute(builder).await?;
        parse(&self.body_of(response).await?)
    }

    /// The body of a successful answer, as sent.
    async fn body_of(&self, response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.offline(&e))?;
        if status.is_success() {
            Ok(Vec::from(body))
        } else {
            Err(error_of(status, &body))
        }
    }

    /// Signs in; the returned token is for `with_token`.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, ClientError> {
        let body = serde_json::json!({ "username": username, "password": password });
        self.send(self.request(Method::POST, "/auth/login").json(&body))
            .await
    }

    /// Revokes this client's token on the server.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let _: Value = self
            .send(
                self.request(Method::POST, "/auth/logout")
                    .json(&serde_json::json!({})),
            )
            .await?;
        Ok(())
    }

    /// The signed-in user's record.
    pub async fn me(&self) -> Result<Map<String, Value>, ClientError> {
        self.send(self.request(Method::GET, "/me")).await
    }

    /// Changes after `since`, at most `limit`; with `wait`, the server holds the request until
    /// a change arrives or the wait is over (long-poll).
    pub async fn feed(
        &self,
        since: i64,
        limit: usize,
        wait: Option<Duration>,
    ) -> Result<FeedPage, ClientError> {
        let mut query = vec![("since", since.to_string()), ("limit", limit.to_string())];
        let mut builder = self.request(Method::GET, "/sync");
        if let Some(wait) = wait {
            query.push(("wait", wait.as_secs().to_string()));
            builder = builder.timeout(wait + REQUEST_TIMEOUT);
        }
        self.send(builder.query(&query)).await
    }

    /// A page of the snapshot a first sync starts from, continuing at `from` (the start when
    /// None), its records left as JSON text. A server older than the snapshot answers
    /// `NotFound`.
    pub async fn snapshot(
        &self,
        from: Option<&SnapshotCursor>,
        limit: usize,
    ) -> Result<SnapshotPage<Box<serde_json::value::RawValue>>, ClientError> {
        self.send(self.snapshot_request(from, limit)).await
    }

    fn snapshot_request(&self, from: Option<&SnapshotCursor>, limit: usize) -> RequestBuilder {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(c) = from {
            query.push(("entity", c.entity.name().to_string()));
            query.push(("after", c.after.clone()));
        }
        self.request(Method::GET, "/sync/snapshot")
            .query(&query)
            .timeout(SNAPSHOT_TIMEOUT)
    }

    /// A page of the snapshot with only where it stands read; the records stay in `body`, for
    /// `replica::prepare_snapshot_page` to read in place, off the async threads.
    pub async fn snapshot_body(
        &self,
        from: Option<&SnapshotCursor>,
        limit: usize,
    ) -> Result<SnapshotBody, ClientError> {
        // The compact form first; a server that does not know it sends objects.
        let accept = format!("{SNAPSHOT_ROWS_TYPE}, application/json;q=0.5");
        let response = self
            .execute(
                self.snapshot_request(from, limit)
                    .header(reqwest::header::ACCEPT, accept),
            )
            .await?;
        let header = response.headers().get(SNAPSHOT_POSITION).cloned();
        let shape = SnapshotShape::of_content_type(
            response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        let body = self.body_of(response).await?;
        let position = snapshot_position(header.as_ref().map(|v| v.as_bytes()), &body, shape)?;
        Ok(SnapshotBody {
            position,
            body,
            shape,
        })
    }

    pub async fn get(&self, entity: Entity, id: &str) -> Result<Map<String, Value>, ClientError> {
        self.send(self.request(Method::GET, &format!("/{}/{id}", entity.name())))
            .await
    }

    /// Creates a record. A retry with the same idempotency key (or the same client-made `id` in
    /// the body) is answered with the record the first attempt made.
    pub async fn create(
        &self,
        entity: Entity,
        body: &Map<String, Value>,
        idempotency_key: &str,
        allow_duplicate: bool,
    ) -> Result<Map<String, Value>, ClientError> {
        let mut builder = self
            .request(Method::POST, &format!("/{}", entity.name()))
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .json(body);
        if allow_duplicate {
            builder = builder.query(&[("allow_duplicate", "true")]);
        }
        self.send(builder).await
    }

    /// Changes fields of a record, only if it is still at version `if_match` (when given).
    pub async fn patch(
        &self,
        entity: Entity,
        id: &str,
        changes: &Map<String, Value>,
        if_match: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Map<String, Value>, ClientError> {
        let mut builder = self
            .request(Method::PATCH, &format!("/{}/{id}", entity.name()))
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .json(changes);
        if let Some(version) = if_match {
            builder = builder.header(IF_MATCH, version.to_string());
        }
        self.send(builder).await
    }

    pub async fn delete(
        &self,
        entity: Entity,
        id: &str,
        if_match: Option<i64>,
        idempotency_key: &str,
    ) -> Result<(), ClientError> {
        let mut builder = self
            .request(Method::DELETE, &format!("/{}/{id}", entity.name()))
            .header(IDEMPOTENCY_KEY, idempotency_key);
        if let Some(version) = if_match {
            builder = builder.header(IF_MATCH, version.to_string());
        }
        let _: Value = self.send(builder).await?;
        Ok(())
    }

    /// Brings back a record deleted on the server (the undo of a delete); the record as it is.
    pub async fn restore(
        &self,
        entity: Entity,
        id: &str,
        idempotency_key: &str,
    ) -> Result<Map<String, Value>, ClientError> {
        let builder = self
            .request(Method::POST, &format!("/{}/{id}/restore", entity.name()))
            .header(IDEMPOTENCY_KEY, idempotency_key);
        self.send(builder).await
    }

    /// Attaches a file to a record: its bytes uploaded (`POST /files/upload`), the file's record
    /// as the server stored it (name, size, type and digest). Uploads get minutes, not the
    /// usual seconds.
    pub async fn upload_file(
        &self,
        entity: Entity,
        record_id: &str,
        name: &str,
        notes: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<Map<String, Value>, ClientError> {
        let mut query = vec![
            ("entity", entity.name()),
            ("record_id", record_id),
            ("name", name),
        ];
        if let Some(notes) = notes {
            query.push(("notes", notes));
        }
        let builder = self
            .request(Method::POST, "/files/upload")
            .timeout(TRANSFER_TIMEOUT)
            .query(&query)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.send(builder).await
    }

    /// Downloads an attached file's bytes (`GET /files/{id}/content`) into `write`, block by
    /// block as they arrive.
    pub async fn download_file(
        &self,
        id: &str,
        mut write: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), ClientError> {
        let builder = self
            .request(Method::GET, &format!("/files/{id}/content"))
            .timeout(TRANSFER_TIMEOUT);
        let mut response = self.execute(builder).await?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.bytes().await.map_err(|e| self.offline(&e))?;
            return Err(error_of(status, &body));
        }
        while let Some(chunk) = response.chunk().await.map_err(|e| self.offline(&e))? {
            write(&chunk)
                .map_err(|e| ClientError::Protocol(format!("cannot keep the file: {e}")))?;
        }
        Ok(())
    }

    /// A route beyond the records' CRUD (an import, a campaign's results): `body` posted with
    /// the idempotency key, or a GET without one; the answer's JSON.
    pub async fn call(
        &self,
        path: &str,
        body: Option<(&Value, &str)>,
    ) -> Result<Value, ClientError> {
        let builder = match body {
            Some((body, key)) => self
                .request(Method::POST, path)
                .header(IDEMPOTENCY_KEY, key)
                .json(body),
            None => self.request(Method::GET, path),
        };
        self.send(builder).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_page_stands_where_its_header_says_or_else_where_its_body_says() {
        let body = br#"{"records":[{"entity":"customers","record":{"id":"x"}}],"next":{"entity":"customers","after":"x"},"head":7,"total":9}"#;
        let from_body = SnapshotPosition {
            next: Some(SnapshotCursor {
                entity: Entity::Customers,
                after: "x".into(),
            }),
            head: 7,
            total: Some(9),
        };
        let objects = SnapshotShape::Objects;
        let header = br#"{"next":null,"head":8}"#;
        let from_header = snapshot_position(Some(header), body, objects).unwrap();
        assert_eq!((from_header.next, from_header.head), (None, 8));
        assert_eq!(snapshot_position(None, body, objects).unwrap(), from_body);
        assert_eq!(
            snapshot_position(Some(b"garbled"), body, objects).unwrap(),
            from_body
        );
        assert!(matches!(
            snapshot_position(None, b"{\"records\": 1}", objects),
            Err(ClientError::Protocol(_))
        ));
        // The compact form stands where its body says too.
        let rows = br#"{"groups":[{"entity":"customers","fields":["id"],"rows":[["x"]]}],"next":{"entity":"customers","after":"x"},"head":7,"total":9}"#;
        assert_eq!(
            snapshot_position(None, rows, SnapshotShape::Rows).unwrap(),
            from_body
        );
        assert!(matches!(
            snapshot_position(None, rows, objects),
            Err(ClientError::Protocol(_))
        ));
    }

    #[test]
    fn error_answers_become_typed_errors() {
        let body = br#"{"error":{"code":"invalid","message":"some fields are not valid","fields":{"level":"must be one of: A, B"}}}"#;
        match error_of(StatusCode::UNPROCESSABLE_ENTITY, body) {
            ClientError::Invalid { fields, .. } => {
                assert_eq!(fields["level"], "must be one of: A, B")
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"error":{"code":"duplicate","message":"a customer with the same name exists","existing":{"code":"C000001"}}}"#;
        assert!(matches!(
            error_of(StatusCode::CONFLICT, body),
            ClientError::Duplicate { .. }
        ));
        let body = br#"{"error":{"code":"stale","message":"x","current":{"id":"a","version":7}}}"#;
        let e = error_of(StatusCode::PRECONDITION_FAILED, body);
        assert!(e.to_string().contains("version 7"), "{e}");
        assert!(matches!(
            error_of(StatusCode::UNAUTHORIZED, b"{}"),
            ClientError::Unauthorized
        ));
        assert_eq!(
            ClientError::Unauthorized.to_string(),
            "your sign-in expired or was revoked; run `crm login`"
        );
        let body =
            br#"{"error":{"code":"bad_credentials","message":"wrong username or password"}}"#;
        assert!(matches!(
            error_of(StatusCode::UNAUTHORIZED, body),
            ClientError::BadCredentials
        ));
        // A proxy's HTML error page is still a server error, not a crash.
        assert!(matches!(
            error_of(StatusCode::BAD_GATEWAY, b"<html>"),
            ClientError::Server { status: 502, .. }
        ));
    }

    #[test]
    fn urls() {
        assert_eq!(
            ApiClient::new("http://127.0.0.1:8080/").unwrap().base_url(),
            "http://127.0.0.1:8080/api/v1"
        );
        assert_eq!(
            ApiClient::new("https://crm.example.com/api/v1")
                .unwrap()
                .base_url(),
            "https://crm.example.com/api/v1"
        );
        assert!(matches!(
            ApiClient::new("crm.example.com"),
            Err(ClientError::BadUrl(_))
        ));
        assert!(matches!(
            ApiClient::new("ftp://x"),
            Err(ClientError::BadUrl(_))
        ));
    }
}
