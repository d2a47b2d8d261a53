//! `crm-server migrate-to`: a team's SQLite server copied into PostgreSQL, and a replica synced
//! on the first syncing on from the second without starting over. Runs when `CRM_TEST_PG`
//! names a PostgreSQL server (`postgres://USER@HOST:PORT/DB`); says so when it does not.

mod common;

use std::sync::Arc;

use common::{obj, pull, replica_for, sign_in, team};
use crm::replica::LocalQuery;
use crm::sync::ApiClient;
use crm_server::schema::Entity;
use crm_server::store::{self, Database};
use serde_json::json;

/// Runs SQL on the PostgreSQL server; the first column of each row as text.
async fn sql(url: &str, text: &str) -> Vec<Option<String>> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to CRM_TEST_PG");
    let task = tokio::spawn(connection);
    let rows = client.simple_query(text).await.expect("run SQL");
    drop(client);
    let _ = task.await;
    rows.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(String::from)),
            _ => None,
        })
        .collect()
}

/// A server on `db` at 127.0.0.1, on a runtime of its own (dropped with it).
fn serve(db: Arc<dyn Database>) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let _ = crm_server::serve(
            listener,
            db,
            crm_server::Settings::default(),
            std::future::pending(),
        )
        .await;
    });
    (runtime, url)
}

fn customers(replica: &crm::replica::Replica) -> usize {
    replica
        .count(Entity::Customers, &LocalQuery::default(), None)
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_synced_on_sqlite_syncs_on_from_postgres_without_starting_over() {
    let Some(pg) = std::env::var("CRM_TEST_PG").ok().filter(|u| !u.is_empty()) else {
        eprintln!("note: CRM_TEST_PG is not set: the migrate-to test is skipped");
        return;
    };
    let team = team();
    let mut server = team.server;
    let mut ids = Vec::new();
    for i in 0..30 {
        let made = server.create_as_system(
            Entity::Customers,
            json!({"name": format!("迁移客户 {i}"), "owner_id": team.alice_id}),
        );
        ids.push(made["id"].as_str().expect("an id").to_string());
    }
    server.create_as_system(
        Entity::Contacts,
        json!({"customer_id": ids[0], "name": "王芳"}),
    );
    // A tombstone, which must stay one.
    store::write(server.db(), |tx| {
        crm_server::service::delete(
            tx,
            &crm_server::system_actor(),
            Entity::Customers,
            &ids[29],
            None,
        )
    })
    .expect("delete");
    let alice = sign_in(&server, "alice").await;
    let token = alice.token().expect("a token").to_string();
    let (_path, replica) = replica_for(&server, &alice, "alice").await;
    let first = pull(&replica, &alice).await;
    assert_eq!(customers(&replica), 29);

    // The team stops its server and moves to PostgreSQL.
    server.stop();
    let schema = format!("crm_migrate_{}", uuid::Uuid::new_v4().simple());
    sql(&pg, &format!("CREATE SCHEMA {schema}")).await;
    let join = if pg.contains('?') { '&' } else { '?' };
    let url = format!("{pg}{join}options=-c%20search_path%3D{schema}");
    let from = server.db_path.clone();
    let to = url.clone();
    let migrated = tokio::task::spawn_blocking(move || {
        crm_server::store::postgres::migrate_sqlite_file(
            &from,
            &to,
            &Default::default(),
            &mut |_| {},
        )
    })
    .await
    .expect("the copy's thread")
    .expect("migrate-to");
    assert_eq!(migrated.feed_head, first.cursor);
    // Every table arrived whole, counted on both sides.
    let file = sqlite_count(&server.db_path);
    for (table, rows) in &migrated.tables {
        let there = sql(&url, &format!("SELECT count(*) FROM {schema}.{table}")).await;
        assert_eq!(
            there[0].as_deref(),
            Some(rows.to_string().as_str()),
            "{table}"
        );
        assert_eq!(file(table), *rows, "{table}");
    }
    // A second copy into the now used database is refused, and adds nothing.
    let (from, to) = (server.db_path.clone(), url.clone());
    let again = tokio::task::spawn_blocking(move || {
        crm_server::store::postgres::migrate_sqlite_file(
            &from,
            &to,
            &Default::default(),
            &mut |_| {},
        )
    })
    .await
    .expect("the copy's thread");
    assert!(
        matches!(
            again,
            Err(crm_server::store::postgres::CopyError::NotEmpty(_))
        ),
        "{again:?}"
    );

    // Served from PostgreSQL: the same sign-in works, and the next sync is an ordinary one.
    let open = url.clone();
    let db = tokio::task::spawn_blocking(move || crm_server::open_postgres(&open))
        .await
        .expect("the opening thread")
        .expect("open PostgreSQL");
    let writer = db.clone();
    let (runtime, base) = serve(db);
    let new = tokio::task::spawn_blocking(move || {
        store::write(writer.as_ref(), |tx| {
            crm_server::service::create(
                tx,
                &crm_server::system_actor(),
                Entity::Customers,
                &obj(json!({"name": "迁移之后", "owner_id": team.alice_id})),
                true,
            )
        })
    })
    .await
    .expect("the writing thread")
    .expect("a write on PostgreSQL");
    let moved = ApiClient::new(&base).expect("client").with_token(token);
    let next = pull(&replica, &moved).await;
    // Only the new customer came: no snapshot again, nothing resent, the tombstone stays one.
    assert_eq!(next.upserts, 1, "{next:?}");
    assert_eq!(next.removals, 0, "{next:?}");
    assert!(next.cursor > first.cursor);
    assert_eq!(customers(&replica), 30);
    let id = new.record["id"].as_str().expect("an id");
    assert!(replica.get(Entity::Customers, id).expect("get").is_some());
    assert!(
        replica
            .get(Entity::Customers, &ids[29])
            .expect("get")
            .is_none()
    );
    runtime.shutdown_background();
    sql(&pg, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

/// Rows of a table in the SQLite file, counted behind the server's back.
fn sqlite_count(path: &std::path::Path) -> impl Fn(&str) -> u64 + use<> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the SQLite file");
    move |table: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("count")
        .try_into()
        .expect("a count")
    }
}
