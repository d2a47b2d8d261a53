//! The server speaking TLS itself (`crm-server serve --tls-cert --tls-key`), and the client
//! verifying its certificate: trusted through a private CA file, refused without it.
//! The certificate and CA are fixtures made by server/tests/fixtures/make-tls.sh.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crm::replica::Replica;
use crm::sync::{self, ApiClient, ClientError};
use crm_server::schema::Entity;
use crm_server::store::{self, Database};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("server/tests/fixtures")
        .join(name)
}

fn create(db: &dyn Database, entity: Entity, body: serde_json::Value) -> String {
    let body = body.as_object().cloned().expect("an object");
    let made = store::write(db, |tx| {
        crm_server::service::create(tx, &crm_server::system_actor(), entity, &body, false)
    })
    .expect("create");
    made.record["id"].as_str().expect("id").to_string()
}

#[test]
fn a_client_trusting_the_ca_syncs_and_one_that_does_not_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db: Arc<dyn Database> =
        crm_server::open_sqlite(&dir.path().join("server.db")).expect("open the database");
    let li = create(
        db.as_ref(),
        Entity::Users,
        json!({"username": "li", "display_name": "Li", "role": "admin", "password": PASSWORD}),
    );
    create(
        db.as_ref(),
        Entity::Customers,
        json!({"name": "Over TLS Ltd", "level": "A", "owner_id": li}),
    );
    let tls = crm_server::tls::server_config(&fixture("server.pem"), &fixture("server-key.pem"))
        .expect("the fixture certificate");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let served = db.clone();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let settings = crm_server::Settings {
            tls: Some(tls),
            ..crm_server::Settings::default()
        };
        let _ = crm_server::serve(listener, served, settings, std::future::pending()).await;
    });

    runtime.block_on(async {
        for host in ["127.0.0.1", "localhost"] {
            let url = format!("https://{host}:{port}");
            // Without the CA the certificate is not trusted: refused, nothing sent.
            let stranger = ApiClient::new(&url).expect("client");
            let refused = stranger.login("li", PASSWORD).await;
            assert!(
                matches!(refused, Err(ClientError::Untrusted { .. })),
                "{refused:?}"
            );

            let client = ApiClient::trusting(&url, Some(&fixture("ca.pem"))).expect("client");
            let session = client
                .login("li", PASSWORD)
                .await
                .expect("sign in over TLS");
            let client = client.with_token(session.token);
            let path = dir.path().join(format!("{host}.replica"));
            let mut replica = Replica::open(&path).expect("replica");
            let me = client.me().await.expect("me");
            replica
                .bind_user(
                    me["id"].as_str().unwrap_or_default(),
                    crm_server::access::Role::Admin,
                    None,
                )
                .expect("bind");
            sync::pull(&replica, &client, |_| {})
                .await
                .expect("sync over TLS");
            let names: Vec<String> = replica
                .list(Entity::Customers, &crm::replica::LocalQuery::default())
                .expect("list")
                .iter()
                .filter_map(|r| r.fields["name"].as_str().map(String::from))
                .collect();
            assert_eq!(names, ["Over TLS Ltd"]);
        }
    });

    // A CA file that is no certificate is a clear error, not a client that trusts nothing.
    let bad = dir.path().join("not-a-ca.pem");
    std::fs::write(&bad, "hello").expect("write");
    assert!(matches!(
        ApiClient::trusting("https://127.0.0.1:1", Some(&bad)),
        Err(ClientError::CaFile { .. })
    ));
    runtime.shutdown_background();
}
