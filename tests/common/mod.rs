//! A real crm server on 127.0.0.1 with a temporary database, on a runtime of its own so a test
//! can stop it hard (as a crash or a network cut would) and start it again on the same port.

#![allow(dead_code)]

pub mod cli;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crm::replica::Replica;
use crm::sync::ApiClient;
use crm_server::schema::Entity;
use crm_server::store::{Database, Record};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub db_path: PathBuf,
    pub addr: SocketAddr,
    db: Option<Arc<dyn Database>>,
    runtime: Option<tokio::runtime::Runtime>,
}

fn launch(
    db_path: &Path,
    addr: SocketAddr,
) -> (tokio::runtime::Runtime, Arc<dyn Database>, SocketAddr) {
    let db = crm_server::open_sqlite(db_path).expect("open the server database");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    // The port may linger a moment after a hard stop.
    let mut tries = 0;
    let listener = loop {
        match std::net::TcpListener::bind(addr) {
            Ok(l) => break l,
            Err(e) if tries < 50 => {
                tries += 1;
                eprintln!("bind {addr}: {e}; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("cannot bind {addr}: {e}"),
        }
    };
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let bound = listener.local_addr().expect("local addr");
    let served = db.clone();
    let files = crm_server::backups::files_beside(db_path);
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let _ = crm_server::serve(
            listener,
            served,
            crm_server::Settings {
                files_dir: Some(files),
                ..crm_server::Settings::default()
            },
            std::future::pending(),
        )
        .await;
    });
    (runtime, db, bound)
}

impl TestServer {
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("server.db");
        let (runtime, db, addr) = launch(&db_path, "127.0.0.1:0".parse().expect("addr"));
        TestServer {
            dir,
            db_path,
            addr,
            db: Some(db),
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops at once: connections are cut, requests in flight get no answer.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        self.db = None;
    }

    /// Starts again on the same database and port.
    pub fn restart(&mut self) {
        self.stop();
        let (runtime, db, addr) = launch(&self.db_path, self.addr);
        assert_eq!(addr, self.addr);
        self.runtime = Some(runtime);
        self.db = Some(db);
    }

    pub fn db(&self) -> &dyn Database {
        self.db.as_deref().expect("the server is running")
    }

    pub fn add_team(&self, name: &str) -> String {
        let body = json!({ "name": name });
        self.create_as_system(Entity::Teams, body)["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Creates a user and returns its id.
    pub fn add_user(&self, username: &str, role: &str, team_id: Option<&str>) -> String {
        let body = json!({
            "username": username,
            "display_name": username,
            "role": role,
            "team_id": team_id,
            "password": PASSWORD,
        });
        self.create_as_system(Entity::Users, body)["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Writes a record directly, as the server itself (for setting up what other users own).
    pub fn create_as_system(&self, entity: Entity, body: Value) -> Record {
        let body = body.as_object().cloned().expect("an object");
        crm_server::store::write(self.db(), |tx| {
            crm_server::service::create(tx, &crm_server::system_actor(), entity, &body, true)
        })
        .expect("create")
        .record
    }

    pub fn update_as_system(&self, entity: Entity, id: &str, body: Value) -> Record {
        let body = body.as_object().cloned().expect("an object");
        crm_server::store::write(self.db(), |tx| {
            crm_server::service::update(tx, &crm_server::system_actor(), entity, id, &body, None)
        })
        .expect("update")
    }

    /// Every live record of an entity as the server stores it (no access filter).
    pub fn all(&self, entity: Entity) -> Vec<Record> {
        crm_server::store::read(self.db(), |tx| {
            tx.list(
                entity,
                &crm_server::store::ListQuery {
                    sort: "created_at",
                    limit: 1_000_000,
                    ..Default::default()
                },
                None,
            )
        })
        .expect("list")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A signed-in client for `username`.
pub async fn sign_in(server: &TestServer, username: &str) -> ApiClient {
    let client = ApiClient::new(&server.url()).expect("client");
    let session = client.login(username, PASSWORD).await.expect("sign in");
    client.with_token(session.token)
}

/// A replica file for one user in the server's temp dir, bound to that user.
pub async fn replica_for(
    server: &TestServer,
    client: &ApiClient,
    name: &str,
) -> (PathBuf, Replica) {
    let path = server.dir.path().join(format!("{name}.replica"));
    let mut replica = Replica::open(&path).expect("open replica");
    let me = client.me().await.expect("me");
    let role =
        crm_server::access::Role::parse(me["role"].as_str().unwrap_or("sales")).expect("role");
    replica
        .bind_user(
            me["id"].as_str().unwrap_or_default(),
            role,
            me["team_id"].as_str(),
        )
        .expect("bind user");
    (path, replica)
}

pub fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

/// A sales rep and her manager in one team: the manager sees and may edit her customers.
pub struct Team {
    pub server: TestServer,
    pub alice_id: String,
    pub bob_id: String,
}

pub fn team() -> Team {
    let server = TestServer::start();
    let east = server.add_team("east");
    let alice_id = server.add_user("alice", "sales", Some(&east));
    let bob_id = server.add_user("bob", "manager", Some(&east));
    Team {
        server,
        alice_id,
        bob_id,
    }
}

pub async fn pull(replica: &Replica, client: &ApiClient) -> crm::sync::PullReport {
    crm::sync::pull(replica, client, |_| {})
        .await
        .expect("pull")
}

pub async fn push(replica: &Replica, client: &ApiClient) -> crm::sync::PushReport {
    crm::sync::push(replica, client).await.expect("push")
}

/// A field of a record in the replica (null when unset); panics when the record is missing.
pub fn field(replica: &Replica, entity: Entity, id: &str, name: &str) -> Value {
    replica
        .get(entity, id)
        .expect("get")
        .unwrap_or_else(|| panic!("{} {id} is not in the replica", entity.noun()))
        .fields
        .get(name)
        .cloned()
        .unwrap_or(Value::Null)
}
