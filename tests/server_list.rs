//! A profile naming several addresses of one server: the client moves to the next when one is
//! unreachable, keeps the one that answered, and never moves on an answer (a 4xx is the
//! server's word, not an outage).

mod common;

use common::{PASSWORD, pull, replica_for, team};
use crm::sync::{ApiClient, ClientError};
use crm_server::schema::Entity;

/// An address on loopback where nothing listens: connecting is refused.
fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_address_is_passed_over_for_the_next() {
    let team = team();
    let server = &team.server;
    let dead = dead_address();
    let client = ApiClient::new(&format!("{dead}, {}", server.url())).expect("a server list");
    assert!(client.base_url().starts_with(&dead));
    let session = client
        .login("alice", PASSWORD)
        .await
        .expect("sign in past the dead one");
    // The address that answered is kept, by every clone of the client.
    assert_eq!(client.base_url(), format!("{}/api/v1", server.url()));
    let alice = client.with_token(session.token);
    let (_path, replica) = replica_for(server, &alice, "alice").await;
    let made = server.create_as_system(
        Entity::Customers,
        serde_json::json!({"name": "列表客户", "owner_id": team.alice_id}),
    );
    pull(&replica, &alice).await;
    let id = made["id"].as_str().expect("an id");
    assert!(replica.get(Entity::Customers, id).expect("get").is_some());
    assert_eq!(alice.base_url(), format!("{}/api/v1", server.url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_not_an_outage() {
    let first = team();
    let second = team();
    let client = ApiClient::new(&format!("{},{}", first.server.url(), second.server.url()))
        .expect("a server list");
    // A wrong password and a missing record are answers of the first server: nothing moves.
    assert!(matches!(
        client.login("alice", "wrong-password").await,
        Err(ClientError::BadCredentials)
    ));
    let session = client.login("alice", PASSWORD).await.expect("sign in");
    let alice = client.with_token(session.token);
    assert!(matches!(
        alice
            .get(Entity::Customers, "00000000-0000-0000-0000-00000000dead")
            .await,
        Err(ClientError::NotFound { .. })
    ));
    assert_eq!(alice.base_url(), format!("{}/api/v1", first.server.url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_address_is_down_the_client_is_offline() {
    let client =
        ApiClient::new(&format!("{}, {}", dead_address(), dead_address())).expect("a server list");
    assert!(matches!(
        client.login("alice", PASSWORD).await,
        Err(ClientError::Offline { .. })
    ));
    assert!(matches!(
        ApiClient::new("https://ok.example.com, ftp://x"),
        Err(ClientError::BadUrl(_))
    ));
}
