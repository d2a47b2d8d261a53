//! The fixture of the integration tests: the real server on 127.0.0.1:0 over a fresh database,
//! and a small blocking HTTP client that speaks its JSON. The database is SQLite in a temporary
//! directory, or, when `CRM_TEST_PG` names a PostgreSQL server (`postgres://USER@HOST:PORT/DB`),
//! a fresh schema there, dropped after the test: the same tests run on both backends.

#![allow(dead_code)] // Each test binary uses a different part of the fixture.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crm_server::schema::Entity;
use crm_server::store::{self, Database};
use crm_server::{Settings, service, system_actor};
use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::{Map, Value, json};

/// Every user the fixture makes has this password.
pub const PASSWORD: &str = "correct-horse-battery";

/// The PostgreSQL server the tests run on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("CRM_TEST_PG")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// A schema of its own on the tests' PostgreSQL server, dropped when the test ends by the
/// server that made it.
pub struct Schema {
    url: String,
    name: String,
    owned: bool,
}

/// Runs SQL on the tests' PostgreSQL server from a plain thread; each row's columns as text.
fn admin_sql(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect to CRM_TEST_PG");
        let task = tokio::spawn(connection);
        let messages = client.simple_query(sql).await.expect("run SQL");
        drop(client);
        let _ = task.await;
        messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(String::from))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    })
}

impl Schema {
    pub fn create(url: &str) -> Schema {
        let name = format!("crm_test_{}", uuid::Uuid::new_v4().simple());
        admin_sql(url, &format!("CREATE SCHEMA {name}"));
        Schema {
            url: url.to_string(),
            name,
            owned: true,
        }
    }

    /// The same schema, for another server on the same database; not dropped by it.
    fn shared(&self) -> Schema {
        Schema {
            url: self.url.clone(),
            name: self.name.clone(),
            owned: false,
        }
    }

    /// Rows of SQL run in this schema, each column as text.
    pub fn sql(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        admin_sql(
            &self.url,
            &format!("SET search_path TO {}; {sql}", self.name),
        )
    }

    /// The server's address, with this schema first on its search path.
    pub fn database_url(&self) -> String {
        let join = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{join}options=-c%20search_path%3D{}", self.url, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        admin_sql(
            &self.url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

pub struct TestServer {
    addr: SocketAddr,
    db: Arc<dyn Database>,
    /// The PostgreSQL schema the test runs in; dropped after the server.
    schema: Option<Schema>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
    /// Dropped last, after the server and the database handle are gone.
    dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(Settings::default())
    }

    /// A server on SQLite whatever `CRM_TEST_PG` says: for tests of what only an SQLite file
    /// has (its file, its lock, its online backup).
    pub fn start_sqlite() -> TestServer {
        TestServer::start_on(Settings::default(), false)
    }

    pub fn start_with(settings: Settings) -> TestServer {
        TestServer::start_on(settings, true)
    }

    /// Rows of a query run straight on the database, behind the server's back (SQL both SQLite
    /// and PostgreSQL read alike), each column as text.
    pub fn query_text(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        if let Some(schema) = &self.schema {
            return admin_sql(
                &schema.url,
                &format!("SET search_path TO {}; {sql}", schema.name),
            );
        }
        let conn = rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the database");
        let mut statement = conn.prepare(sql).expect("prepare");
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                            rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                            rusqlite::types::ValueRef::Text(t)
                            | rusqlite::types::ValueRef::Blob(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                        })
                    })
                    .collect()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("read rows")
    }

    /// Whether this server runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.schema.is_some()
    }

    /// A second server on this one's PostgreSQL database, as a second instance behind a load
    /// balancer is; None on SQLite, which one server serves. Drop it before this one.
    pub fn start_beside(&self) -> Option<TestServer> {
        self.start_beside_with(Settings::default())
    }

    /// [`TestServer::start_beside`] with settings of its own.
    pub fn start_beside_with(&self, settings: Settings) -> Option<TestServer> {
        let schema = self.schema.as_ref()?.shared();
        Some(TestServer::start_in(settings, Some(schema)))
    }

    fn start_on(settings: Settings, postgres_if_asked: bool) -> TestServer {
        let schema = postgres_url()
            .filter(|_| postgres_if_asked)
            .map(|url| Schema::create(&url));
        TestServer::start_in(settings, schema)
    }

    fn start_in(mut settings: Settings, schema: Option<Schema>) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        // Attached files' bytes: in the test's folder, as a server's data directory holds them.
        if settings.files_dir.is_none() {
            settings.files_dir = Some(dir.path().join("files"));
        }
        let db = match &schema {
            Some(schema) => crm_server::open_postgres(&schema.database_url())
                .expect("open the PostgreSQL database"),
            None => crm_server::open_sqlite(&dir.path().join("crm.db")).expect("open the database"),
        };
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        std_listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = std_listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let serving = db.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                let mut signal = stopped.clone();
                let mut deadline = stopped;
                let shutdown = async move {
                    let _ = signal.wait_for(|stop| *stop).await;
                };
                // Requests in flight get a few seconds to finish; then the server is dropped.
                let grace = async move {
                    let _ = deadline.wait_for(|stop| *stop).await;
                    tokio::time::sleep(Duration::from_secs(5)).await;
                };
                tokio::select! {
                    served = crm_server::serve(listener, serving, settings, shutdown) => served.expect("serve"),
                    () = grace => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        TestServer {
            addr,
            db,
            schema,
            stop: Some(stop),
            thread: Some(thread),
            dir,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn db(&self) -> Arc<dyn Database> {
        self.db.clone()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite file (a server from [`TestServer::start_sqlite`]).
    pub fn db_path(&self) -> PathBuf {
        assert!(!self.on_postgres(), "db_path of a server on PostgreSQL");
        self.dir.path().join("crm.db")
    }

    /// Creates a team directly in the database; returns its id.
    pub fn add_team(&self, name: &str) -> String {
        let body = object(json!({ "name": name }));
        let made = store::write(self.db.as_ref(), |tx| {
            service::create(tx, &system_actor(), Entity::Teams, &body, false)
        })
        .expect("create team");
        made.record["id"].as_str().expect("team id").to_string()
    }

    /// Creates a user directly in the database with [`PASSWORD`]; returns its id.
    pub fn add_user(&self, username: &str, role: &str, team_id: Option<&str>) -> String {
        let body = object(json!({
            "username": username,
            "display_name": display_name(username),
            "role": role,
            "team_id": team_id,
            "password": PASSWORD,
        }));
        let made = store::write(self.db.as_ref(), |tx| {
            service::create(tx, &system_actor(), Entity::Users, &body, false)
        })
        .expect("create user");
        made.record["id"].as_str().expect("user id").to_string()
    }

    /// A client that sends no token.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.base_url(), None, Value::Null)
    }

    /// Signs in over HTTP and returns a client carrying the token.
    pub fn login(&self, username: &str) -> Client {
        Client::login(&self.base_url(), username)
    }

    /// Creates a user and signs them in.
    pub fn user(&self, username: &str, role: &str, team_id: Option<&str>) -> Client {
        self.add_user(username, role, team_id);
        self.login(username)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The display name the fixture gives a username.
pub fn display_name(username: &str) -> String {
    format!("{username} (display)")
}

pub fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("a JSON object")
}

/// A signed-in (or anonymous) user of the API. Paths are relative to /api/v1.
pub struct Client {
    http: reqwest::blocking::Client,
    api: String,
    token: Option<String>,
    /// The user record the sign-in answered with.
    pub user: Value,
}

impl Client {
    fn new(base: &str, token: Option<String>, user: Value) -> Client {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Client {
            http,
            api: format!("{base}/api/v1"),
            token,
            user,
        }
    }

    /// Signs in at a server (`http://host:port`) with [`PASSWORD`].
    pub fn login(base_url: &str, username: &str) -> Client {
        let anonymous = Client::new(base_url, None, Value::Null);
        let (status, body) = anonymous.post(
            "/auth/login",
            json!({"username": username, "password": PASSWORD}),
        );
        assert_eq!(status, 200, "sign-in of {username}: {body}");
        let token = body["token"].as_str().expect("token").to_string();
        Client::new(base_url, Some(token), body["user"].clone())
    }

    /// Like [`Client::send`], but a failed connection is an `Err`, not a panic.
    pub fn try_send(&self, request: RequestBuilder) -> Result<(u16, Value), reqwest::Error> {
        let response = request.send()?;
        let status = response.status().as_u16();
        let body = response.json::<Value>()?;
        Ok((status, body))
    }

    /// The signed-in user's id.
    pub fn id(&self) -> String {
        self.user["id"]
            .as_str()
            .expect("signed-in user id")
            .to_string()
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.api));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a request and returns the status and the JSON answer (Null when there is none).
    pub fn send(&self, request: RequestBuilder) -> (u16, Value) {
        let response = request.send().expect("HTTP request");
        let status = response.status().as_u16();
        let text = response.text().expect("response body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("answer is not JSON ({status}): {text}"))
        };
        (status, body)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.request(Method::GET, path))
    }

    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(Method::POST, path).json(&body))
    }

    pub fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(Method::PATCH, path).json(&body))
    }

    pub fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.request(Method::DELETE, path))
    }

    pub fn patch_if_match(&self, path: &str, body: Value, version: i64) -> (u16, Value) {
        self.send(
            self.request(Method::PATCH, path)
                .header("If-Match", version.to_string())
                .json(&body),
        )
    }

    pub fn post_with_key(&self, path: &str, body: Value, key: &str) -> (u16, Value) {
        self.send(
            self.request(Method::POST, path)
                .header("Idempotency-Key", key)
                .json(&body),
        )
    }

    /// Creates a record and returns it; panics unless the answer is 201.
    pub fn create(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body);
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer
    }

    /// Every record of a list, page by page along `next_cursor`; panics on a repeated id.
    /// `query` is the part after `?` without limit or cursor (may be empty).
    pub fn list_all(&self, entity_path: &str, query: &str, page: usize) -> Vec<Value> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let mut url = format!("{entity_path}?limit={page}");
            if !query.is_empty() {
                url.push('&');
                url.push_str(query);
            }
            if let Some(c) = &cursor {
                url.push_str("&cursor=");
                url.push_str(c);
            }
            let (status, body) = self.get(&url);
            assert_eq!(status, 200, "GET {url}: {body}");
            let page_items = body["items"].as_array().expect("items").clone();
            assert!(page_items.len() <= page, "a page holds more than the limit");
            for item in page_items {
                let id = item["id"].as_str().expect("item id").to_string();
                assert!(
                    seen.insert(id.clone()),
                    "{id} listed twice while paging {entity_path}?{query}"
                );
                items.push(item);
            }
            match &body["next_cursor"] {
                Value::String(next) => cursor = Some(next.clone()),
                Value::Null => return items,
                other => panic!("next_cursor is {other}"),
            }
        }
        panic!("paging {entity_path} did not end");
    }

    /// Reads the change feed from `since` in pages of `limit` until `more` is false; returns the
    /// changes and the cursor to continue from.
    pub fn feed(&self, since: i64, limit: usize) -> (Vec<Value>, i64) {
        let mut changes = Vec::new();
        let mut next = since;
        for _ in 0..10_000 {
            let (status, page) = self.get(&format!("/sync?since={next}&limit={limit}"));
            assert_eq!(status, 200, "GET /sync: {page}");
            let batch = page["changes"].as_array().expect("changes");
            assert!(
                batch.len() <= limit,
                "a feed page holds more than the limit"
            );
            for change in batch {
                let seq = change["seq"].as_i64().expect("seq");
                assert!(seq > next, "the feed went backwards: {seq} after {next}");
                next = seq;
            }
            changes.extend(batch.iter().cloned());
            assert_eq!(
                page["next"].as_i64(),
                Some(next),
                "next is the last sequence number sent"
            );
            if page["more"] != Value::Bool(true) {
                return (changes, next);
            }
        }
        panic!("the feed did not end");
    }
}

/// The `id` of a record in an answer.
pub fn id_of(record: &Value) -> String {
    record["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {record}"))
        .to_string()
}

/// The ids of a list of records.
pub fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(id_of).collect()
}
