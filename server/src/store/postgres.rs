//! The PostgreSQL backend: the same `Database` and `Tx` as SQLite, over tokio-postgres with a
//! deadpool pool, for teams that outgrow one machine's SQLite (issue #16).
//!
//! The storage traits are synchronous: the service's rules call them inside one transaction
//! from the API's reader threads and its group-commit writer thread, never from async code. So
//! this backend keeps the driver async and bridges at the edge: the connections' socket tasks
//! (and the pool's connects and health checks) run on a small runtime this store owns, and a
//! transaction's thread waits for each query's answer with [`wait`]. A query's future only
//! talks to its connection's task through channels, so it may be waited on from any thread.
//! SQLite keeps its own path and pays nothing for this.
//!
//! The change feed: transactions that take positions from a sequence can commit out of order,
//! and a reader that saw 105 before 104 committed would skip 104 forever. Here a write
//! transaction keeps its feed entries aside (`record_change`) and writes them at its end, under
//! the feed lock (an advisory transaction lock) held until its COMMIT has become visible: the
//! positions are handed out in commit order, so every position below a committed one is
//! committed or gone, and a reader never passes a position still in flight.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll, Wake};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

use super::{Database, StorageError, Tx};
use crate::validate::format_time;

mod copy;
mod tx;

pub use copy::{COPY_BATCH, Copied, CopyError, Migrated, migrate_sqlite_file};
pub use tx::PgTx;

/// Numbered migrations for PostgreSQL, embedded; applied in order, each once, like SQLite's
/// (`sqlite::MIGRATIONS`). Never edit a released one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_init",
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "0002_level_settings",
        include_str!("../../../migrations/postgres/0002_level_settings.sql"),
    ),
    (
        3,
        "0003_products_quotes",
        include_str!("../../../migrations/postgres/0003_products_quotes.sql"),
    ),
    (
        4,
        "0004_customer_sort_key",
        include_str!("../../../migrations/postgres/0004_customer_sort_key.sql"),
    ),
    (
        5,
        "0005_updated_by",
        include_str!("../../../migrations/postgres/0005_updated_by.sql"),
    ),
    (
        6,
        "0006_orders_stock_payments",
        include_str!("../../../migrations/postgres/0006_orders_stock_payments.sql"),
    ),
    (
        7,
        "0007_approvals_contracts",
        include_str!("../../../migrations/postgres/0007_approvals_contracts.sql"),
    ),
    (
        8,
        "0008_service_desk",
        include_str!("../../../migrations/postgres/0008_service_desk.sql"),
    ),
    (
        9,
        "0009_lists_custom_fields",
        include_str!("../../../migrations/postgres/0009_lists_custom_fields.sql"),
    ),
    (
        10,
        "0010_sign_in_counts",
        include_str!("../../../migrations/postgres/0010_sign_in_counts.sql"),
    ),
    (
        11,
        "0011_targets",
        include_str!("../../../migrations/postgres/0011_targets.sql"),
    ),
    (
        12,
        "0012_saved_queries_static_lists",
        include_str!("../../../migrations/postgres/0012_saved_queries_static_lists.sql"),
    ),
    (
        13,
        "0013_knowledge_surveys",
        include_str!("../../../migrations/postgres/0013_knowledge_surveys.sql"),
    ),
    (
        14,
        "0014_leads_campaigns",
        include_str!("../../../migrations/postgres/0014_leads_campaigns.sql"),
    ),
    (
        15,
        "0015_document_templates",
        include_str!("../../../migrations/postgres/0015_document_templates.sql"),
    ),
    (
        16,
        "0016_escalation",
        include_str!("../../../migrations/postgres/0016_escalation.sql"),
    ),
    (
        17,
        "0017_merges_bulk_actions",
        include_str!("../../../migrations/postgres/0017_merges_bulk_actions.sql"),
    ),
    (
        18,
        "0018_relations_dealers_territories",
        include_str!("../../../migrations/postgres/0018_relations_dealers_territories.sql"),
    ),
    (
        19,
        "0019_files",
        include_str!("../../../migrations/postgres/0019_files.sql"),
    ),
    (
        20,
        "0020_care",
        include_str!("../../../migrations/postgres/0020_care.sql"),
    ),
    (
        21,
        "0021_field_service",
        include_str!("../../../migrations/postgres/0021_field_service.sql"),
    ),
    (
        22,
        "0022_analysis",
        include_str!("../../../migrations/postgres/0022_analysis.sql"),
    ),
    (
        23,
        "0023_contact_merges",
        include_str!("../../../migrations/postgres/0023_contact_merges.sql"),
    ),
    (
        24,
        "0024_file_settings",
        include_str!("../../../migrations/postgres/0024_file_settings.sql"),
    ),
    (
        25,
        "0025_care_scan",
        include_str!("../../../migrations/postgres/0025_care_scan.sql"),
    ),
];

/// Customers a sort-key fill reads and writes at once: one round trip each way per batch.
const SORT_KEY_BATCH: i64 = 10_000;

/// Connections the pool holds at most: the API's readers and its writer, the admin commands.
pub const POOL_SIZE: usize = 24;

/// How long a transaction waits for a free connection, or for a new one to open, before the
/// request is answered 503 (busy).
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// Advisory lock keys (one 64-bit key space per database; these spell "crm feed" and "crm
/// migr" in ASCII, so they do not meet another application's small numbers).
const FEED_LOCK: i64 = 0x6372_6d20_6665_6564;
const MIGRATION_LOCK: i64 = 0x6372_6d20_6d69_6772;

/// Whether a `--db` value names a PostgreSQL database rather than an SQLite file.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The channel a server notifies, in the transaction that writes to the feed, and every server
/// listens on: PostgreSQL delivers the notification when (and only if) that transaction commits.
const FEED_CHANNEL: &str = "crm_feed";

/// Who to wake when another server writes; each held weakly by its owner.
type Watchers = Arc<std::sync::Mutex<Vec<std::sync::Weak<dyn Fn() + Send + Sync>>>>;

pub struct Postgres {
    pool: Pool,
    /// Where the database is and how to reach it, for the listening connection.
    config: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
    /// This store's own mark on its notifications, so it is not woken by its own writes.
    instance: String,
    watchers: Watchers,
    /// The listening connection runs once someone watches.
    listening: std::sync::Once,
    /// Runs the connections' socket tasks; None only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    /// Where the database is, without its password, for messages and logs.
    name: String,
}

impl Drop for Postgres {
    /// The last handle may be dropped inside another runtime's task (the server's state), where
    /// a runtime may not be shut down by blocking on it.
    fn drop(&mut self) {
        self.pool.close();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Why a PostgreSQL database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot read the database address: {0} (postgres://USER@HOST:PORT/DATABASE)")]
    Address(String),
    #[error(
        "cannot read the database's CA certificates in {path}: {detail}; give a PEM file of the CA that signed the PostgreSQL server's certificate"
    )]
    CaFile { path: PathBuf, detail: String },
    #[error("cannot set up TLS to the database: {0}")]
    Tls(String),
    #[error("cannot start the database's connection thread: {0}")]
    Runtime(String),
    #[error("cannot set up the connection pool for {0}")]
    Pool(String),
}

impl From<OpenError> for StorageError {
    fn from(e: OpenError) -> Self {
        StorageError::Refused(e.to_string())
    }
}

/// How [`Postgres::open_with`] connects.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// PEM certificates of a private CA that signed the database server's certificate, trusted
    /// beside the public roots.
    pub ca_file: Option<PathBuf>,
}

/// TLS to the database: rustls with ring, the public roots and a private CA if given. The
/// server's certificate and name are always verified (stricter than libpq's `require`).
fn tls_connector(ca_file: Option<&Path>) -> Result<MakeRustlsConnect, OpenError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let ca_error = |detail: String| OpenError::CaFile {
            path: path.to_path_buf(),
            detail,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| ca_error(e.to_string()))?;
        if certs.is_empty() {
            return Err(ca_error("it holds no certificate".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OpenError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl Postgres {
    /// [`Postgres::open_with`] with the default options.
    pub fn open(url: &str) -> Result<Postgres, StorageError> {
        Postgres::open_with(url, &OpenOptions::default())
    }

    /// Connects to the database at `url` (`postgres://…`, libpq's URL form), applies the pending
    /// migrations and returns the store. Several servers may start at once: one migrates, the
    /// others wait for it. `sslmode=require` speaks TLS, the server's certificate and name
    /// verified; otherwise (`prefer`, the default, or `disable`) plain TCP.
    pub fn open_with(url: &str, options: &OpenOptions) -> Result<Postgres, StorageError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| OpenError::Address(e.to_string()))?;
        let name = describe(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("crm-postgres")
            .enable_all()
            .build()
            .map_err(|e| OpenError::Runtime(e.to_string()))?;
        let manager_config = || ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        // TLS only when asked for: libpq's `prefer` takes any certificate, and this backend
        // verifies every one, so a default URL would fail on the self-signed certificate many
        // installations (Debian's among them) switch on.
        let tls = if config.get_ssl_mode() == SslMode::Require {
            Some(tls_connector(options.ca_file.as_deref())?)
        } else {
            None
        };
        let manager = match &tls {
            None => Manager::from_config(config.clone(), tokio_postgres::NoTls, manager_config()),
            Some(tls) => Manager::from_config(config.clone(), tls.clone(), manager_config()),
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_WAIT))
            .create_timeout(Some(CONNECT_WAIT))
            .recycle_timeout(Some(CONNECT_WAIT))
            .build()
            .map_err(|e| OpenError::Pool(format!("{name}: {e}")))?;
        let db = Postgres {
            pool,
            config,
            tls,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            watchers: Arc::default(),
            listening: std::sync::Once::new(),
            runtime: Some(runtime),
            name,
        };
        db.migrate()?;
        Ok(db)
    }

    /// The database as messages name it: user, host, port and name, never the password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection from the pool; opened on the store's runtime when none is idle.
    fn connection(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.pooled()?.map_err(|e| pool_error(&self.name, e))
    }

    fn pooled(
        &self,
    ) -> Result<Result<deadpool_postgres::Object, deadpool_postgres::PoolError>, StorageError> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StorageError::Other("the database is closed".into()))?;
        let pool = self.pool.clone();
        wait(runtime.spawn(async move { pool.get().await }))
            .map_err(|e| StorageError::Other(format!("the connection task failed: {e}")))
    }

    /// Applies the migrations the database has not seen, each in its own transaction, under a
    /// session lock so that servers starting together migrate once. The first connection: a
    /// failure to make it is told as it is (unreachable, refused password, untrusted
    /// certificate), not as a busy database.
    fn migrate(&self) -> Result<Vec<&'static str>, StorageError> {
        let conn = self.pooled()?.map_err(|e| {
            StorageError::Refused(format!("cannot connect to {}: {}", self.name, causes(&e)))
        })?;
        let client: &tokio_postgres::Client = &conn;
        wait(client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]))?;
        let applied = migrate_locked(client);
        let unlocked = wait(client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]));
        let applied = applied?;
        unlocked?;
        Ok(applied)
    }
}

fn migrate_locked(client: &tokio_postgres::Client) -> Result<Vec<&'static str>, StorageError> {
    wait(client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    ))?;
    let newest: i64 = wait(client.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    ))?
    .try_get(0)?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if newest > known {
        return Err(StorageError::Refused(format!(
            "the database is at schema version {newest}, newer than this crm-server knows ({known}); upgrade crm-server"
        )));
    }
    let mut applied = Vec::new();
    for (version, name, text) in MIGRATIONS.iter().filter(|m| m.0 > newest) {
        wait(client.batch_execute("BEGIN"))?;
        let result = wait(async {
            client.batch_execute(text).await?;
            if *name == "0004_customer_sort_key" {
                fill_sort_keys(client).await?;
            }
            if *name == "0023_contact_merges" {
                fill_contact_keys(client).await?;
            }
            client
                .execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[version, name, &format_time(chrono::Utc::now())],
                )
                .await
        });
        match result {
            Ok(_) => wait(client.batch_execute("COMMIT"))?,
            Err(e) => {
                let _ = wait(client.batch_execute("ROLLBACK"));
                return Err(StorageError::Other(format!(
                    "migration {name} failed: {}",
                    causes(&e)
                )));
            }
        }
        applied.push(*name);
    }
    Ok(applied)
}

/// Gives every customer stored before the sort key its `sort_name`, as SQLite's migration does
/// with `crm_sort_key`: the key is Rust's (`crate::pinyin::sort_key`), so it is made here and
/// written back a batch at a time, inside the migration's transaction.
async fn fill_sort_keys(client: &tokio_postgres::Client) -> Result<(), tokio_postgres::Error> {
    let mut after = String::new();
    loop {
        let rows = client
            .query(
                "SELECT id, name FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &SORT_KEY_BATCH],
            )
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get(0)?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.try_get::<_, String>(0)?);
            keys.push(crate::pinyin::sort_key(row.try_get::<_, &str>(1)?));
        }
        client
            .execute(
                "UPDATE customers SET sort_name = k.key FROM unnest($1::text[], $2::text[]) AS k(id, key) WHERE customers.id = k.id",
                &[&ids, &keys],
            )
            .await?;
    }
}

/// Gives every contact stored before its duplicate keys (`dedupe::Keys::of_contact`), as
/// SQLite's migration does with its registered functions, a batch at a time.
async fn fill_contact_keys(client: &tokio_postgres::Client) -> Result<(), tokio_postgres::Error> {
    let mut after = String::new();
    loop {
        let rows = client
            .query(
                "SELECT id, customer_id, name, phone, mobile, email FROM contacts WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &SORT_KEY_BATCH],
            )
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get(0)?;
        let mut columns: [Vec<Option<String>>; 3] = Default::default();
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.try_get::<_, String>(0)?);
            let mut record = crate::store::Record::new();
            for (i, field) in ["customer_id", "name", "phone", "mobile", "email"]
                .into_iter()
                .enumerate()
            {
                if let Some(v) = row.try_get::<_, Option<String>>(i + 1)? {
                    record.insert(field.into(), serde_json::Value::String(v));
                }
            }
            let keys = crate::dedupe::Keys::of_contact(&record);
            columns[0].push(keys.name);
            columns[1].push(keys.phone);
            columns[2].push(keys.email);
        }
        client
            .execute(
                "UPDATE contacts SET name_key = k.n, phone_key = k.p, email_key = k.e \
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(id, n, p, e) \
                 WHERE contacts.id = k.id",
                &[&ids, &columns[0], &columns[1], &columns[2]],
            )
            .await?;
    }
}

/// [`describe`] of a URL, for messages.
pub fn describe_url(url: &str) -> String {
    url.parse::<tokio_postgres::Config>()
        .map_or_else(|_| "the PostgreSQL database".into(), |c| describe(&c))
}

/// `user@host:port/dbname`, for messages: a URL's password must never reach a log.
fn describe(config: &tokio_postgres::Config) -> String {
    // Each host with its port (one port given serves every host), as the multi-host URL is read.
    let ports = config.get_ports();
    let host = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let name = match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(i).or(if ports.len() == 1 {
                ports.first()
            } else {
                None
            }) {
                Some(p) => format!("{name}:{p}"),
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let user = config.get_user().map_or(String::new(), |u| format!("{u}@"));
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{host}/{db}")
}

/// Waits on this thread for a future whose work is done elsewhere (a query answered by its
/// connection's task, a task on the store's runtime). The storage traits are synchronous and
/// run on the API's reader and writer threads, so a transaction's thread simply waits.
pub(crate) fn wait<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

fn pool_error(name: &str, e: deadpool_postgres::PoolError) -> StorageError {
    use deadpool_postgres::PoolError;
    match e {
        // No connection free or none could be opened in time: try again later.
        PoolError::Timeout(_) => StorageError::Busy,
        PoolError::Backend(e) => {
            tracing::warn!(db = %name, error = %e, "cannot connect to the database");
            StorageError::from(e)
        }
        other => StorageError::Other(format!("{name}: {other}")),
    }
}

/// An error with the errors that caused it, for a person to read.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// PostgreSQL's failures in storage's words, as SQLite's are (`sqlite.rs`): the API layer maps
/// them to answers (busy: try again; a unique key taken: a conflict) instead of a bare 500.
impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The connection broke or could not be made: the database is out of reach for now.
        if e.is_closed() {
            return StorageError::Busy;
        }
        let Some(db) = e.as_db_error() else {
            if e.code().is_none() && e.to_string().contains("connect") {
                return StorageError::Busy;
            }
            return StorageError::Other(causes(&e));
        };
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            return StorageError::Conflict {
                key: unique_key(db.table(), db.constraint()),
            };
        }
        if [
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::READ_ONLY_SQL_TRANSACTION,
        ]
        .contains(code)
        {
            // A standby that cannot take writes, a restart, a lost race: the same request
            // succeeds when tried again.
            return StorageError::Busy;
        }
        if *code == SqlState::DISK_FULL {
            return StorageError::DiskFull;
        }
        if [SqlState::DATA_CORRUPTED, SqlState::INDEX_CORRUPTED].contains(code) {
            return StorageError::Corrupt(db.message().to_string());
        }
        StorageError::Other(format!("{}: {}", code.code(), db.message()))
    }
}

/// A unique index's name as SQLite names the key (`customers.code`): the migrations name each
/// index `<table>_<column>`; a primary key is the id.
fn unique_key(table: Option<&str>, constraint: Option<&str>) -> String {
    match (table, constraint) {
        (Some(table), Some(constraint)) => {
            let column = constraint
                .strip_prefix(table)
                .and_then(|c| c.strip_prefix('_'))
                .map(|c| if c == "pkey" { "id" } else { c })
                .unwrap_or(constraint);
            format!("{table}.{column}")
        }
        (Some(table), None) => table.to_string(),
        (None, Some(constraint)) => constraint.to_string(),
        (None, None) => "key".into(),
    }
}

impl Database for Postgres {
    /// One snapshot for the whole read (REPEATABLE READ), as SQLite's read transaction is: a
    /// snapshot page and the feed head it reports agree.
    fn read_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let conn = self.connection()?;
        let tx = PgTx::new(&conn, false);
        tx.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let result = f(&tx);
        let end = tx.batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        result.and(end)
    }

    /// READ COMMITTED, like every PostgreSQL write: the rules' look-ups that must not race
    /// (duplicates, idempotency keys) take key locks (`PgTx`), unique indexes catch the rest,
    /// and the feed is written last under the feed lock.
    fn write_tx(
        &self,
        f: &mut dyn FnMut(&dyn Tx) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let conn = self.connection()?;
        let tx = PgTx::new(&conn, true);
        tx.batch("BEGIN")?;
        let result = f(&tx).and_then(|()| tx.write_feed()).and_then(|()| {
            if tx.fed() {
                tx.notify(FEED_CHANNEL, &self.instance)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                if let Err(e) = tx.batch("COMMIT") {
                    let _ = tx.batch("ROLLBACK");
                    return Err(e);
                }
                Ok(())
            }
            Err(e) => {
                tx.batch("ROLLBACK")?;
                Err(e)
            }
        }
    }

    fn backup(&self, to: &Path) -> Result<(), StorageError> {
        Err(StorageError::Refused(backup_advice(&self.name, to)))
    }

    fn shares_sign_in_counts(&self) -> bool {
        true
    }

    fn refresh_statistics(&self) -> Result<(), StorageError> {
        let conn = self.connection()?;
        PgTx::new(&conn, false).batch("ANALYZE")
    }

    fn watch_other_servers(
        &self,
        wake: std::sync::Weak<dyn Fn() + Send + Sync>,
    ) -> Result<(), StorageError> {
        self.watchers
            .lock()
            .map_err(|_| StorageError::Other("the watchers' lock was poisoned".into()))?
            .push(wake);
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StorageError::Other("the database is closed".into()))?;
        self.listening.call_once(|| {
            let (config, tls) = (self.config.clone(), self.tls.clone());
            let (me, watchers) = (self.instance.clone(), self.watchers.clone());
            let name = self.name.clone();
            runtime.spawn(listen(config, tls, me, watchers, name));
        });
        Ok(())
    }
}

/// Wakes every watcher still there, and forgets the ones gone.
fn wake_all(watchers: &Watchers) {
    let live: Vec<Arc<dyn Fn() + Send + Sync>> = match watchers.lock() {
        Ok(mut list) => {
            list.retain(|w| w.strong_count() > 0);
            list.iter().filter_map(std::sync::Weak::upgrade).collect()
        }
        Err(_) => return,
    };
    for wake in live {
        wake();
    }
}

/// Listens for other servers' feed writes on a connection of its own, for as long as the store
/// lives; connects again after losing the connection (and wakes everyone then, since a
/// notification may have been missed meanwhile).
async fn listen(
    config: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
    me: String,
    watchers: Watchers,
    name: String,
) {
    loop {
        let followed = match &tls {
            None => follow(config.connect(tokio_postgres::NoTls).await, &me, &watchers).await,
            Some(tls) => follow(config.connect(tls.clone()).await, &me, &watchers).await,
        };
        if let Err(e) = followed {
            tracing::warn!(db = %name, error = %e, "lost the connection that hears other servers' writes; connecting again");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Follows one listening connection until it ends.
async fn follow<S, T>(
    connected: Result<
        (tokio_postgres::Client, tokio_postgres::Connection<S, T>),
        tokio_postgres::Error,
    >,
    me: &str,
    watchers: &Watchers,
) -> Result<(), tokio_postgres::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (client, mut connection) = connected?;
    let listen = format!("LISTEN {FEED_CHANNEL}");
    let mut listening = std::pin::pin!(client.batch_execute(&listen));
    let mut listened = false;
    loop {
        tokio::select! {
            done = &mut listening, if !listened => {
                done?;
                listened = true;
                // Writes made while this connection was not listening.
                wake_all(watchers);
            }
            message = std::future::poll_fn(|cx| connection.poll_message(cx)) => match message {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                    if n.payload() != me {
                        wake_all(watchers);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
        }
    }
}

/// What to run instead of `crm-server backup` on PostgreSQL.
pub fn backup_advice(name: &str, to: &Path) -> String {
    format!(
        "crm-server does not copy a PostgreSQL database itself; use PostgreSQL's own tools: pg_dump --format=custom --file={} '{name}' (restore with pg_restore), or continuous archiving with pg_basebackup for point-in-time recovery",
        to.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keys_are_named_as_sqlite_names_them() {
        assert_eq!(
            unique_key(Some("customers"), Some("customers_code")),
            "customers.code"
        );
        assert_eq!(unique_key(Some("users"), Some("users_pkey")), "users.id");
        assert_eq!(unique_key(Some("t"), Some("other")), "t.other");
    }

    #[test]
    fn every_host_of_a_multi_host_address_is_described_with_its_port() {
        assert_eq!(
            describe_url(
                "postgres://crm:secret@db1:5432,db2:5433/crm?target_session_attrs=read-write"
            ),
            "postgres://crm@db1:5432,db2:5433/crm"
        );
    }

    #[test]
    fn an_address_is_described_without_its_password() {
        let config: tokio_postgres::Config =
            "postgres://crm:s3cret@db.example:5433/crm".parse().unwrap();
        let name = describe(&config);
        assert_eq!(name, "postgres://crm@db.example:5433/crm");
        assert!(!name.contains("s3cret"));
        assert!(is_url("postgresql://x/y") && is_url("postgres://x/y"));
        assert!(!is_url("/var/lib/crm/server.db"));
    }

    #[test]
    fn a_ca_file_that_holds_no_certificate_is_refused_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        let options = OpenOptions {
            ca_file: Some(ca.clone()),
        };
        let url = "postgres://crm@127.0.0.1:1/crm?sslmode=require";
        let refused = Postgres::open_with(url, &options);
        assert!(
            matches!(&refused, Err(StorageError::Refused(m)) if m.contains("ca.pem")),
            "{:?}",
            refused.err()
        );
        // Nothing to read is said as plainly.
        let options = OpenOptions {
            ca_file: Some(dir.path().join("missing.pem")),
        };
        let refused = Postgres::open_with(url, &options);
        assert!(matches!(&refused, Err(StorageError::Refused(m)) if m.contains("missing.pem")));
    }
}
