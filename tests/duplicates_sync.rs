//! The duplicate queue's screen over a real server: online it shows the server's pairs — one
//! of whose customers this replica has not pulled yet —, read off the UI thread; with the
//! server gone it says so and shows the pairs among the replica's own records.

mod common;
mod support;

use chrono::Utc;
use common::{TestServer, replica_for, sign_in};
use crm::sync;
use crm::tui::{App, ReplicaSource, ServerReads, TuiOptions};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, screen, type_text};

fn app_for(source: ReplicaSource) -> App {
    let options = TuiOptions {
        profile: "work".into(),
        username: "root".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(source), Utc::now());
    let effects = app.update(crm::tui::Action::Resize(150, 30));
    app.settle(effects);
    app
}

fn open_queue(app: &mut App, what: &str) -> String {
    press(app, ":");
    type_text(app, what);
    press(app, "<Enter>");
    screen(app)
}

#[test]
fn online_the_queue_is_the_servers_and_offline_the_replicas_with_a_note() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut server = TestServer::start();
    let root = server.add_user("root", "admin", None);
    let customer = |name: &str, phone: &str| {
        server.create_as_system(
            Entity::Customers,
            json!({"name": name, "phone": phone, "owner_id": root}),
        )
    };
    customer("北辰科技", "010-6552 1234");
    customer("北辰科技有限公司", "+86 10 6552 1234");
    let client = runtime.block_on(sign_in(&server, "root"));
    let (path, replica) = runtime.block_on(replica_for(&server, &client, "root"));
    runtime
        .block_on(sync::pull(&replica, &client, |_| {}))
        .expect("pull");
    // Made after the pull: the server knows it, this replica does not yet.
    customer("南山贸易", "0755-8888 0001");
    customer("南山贸易公司", "+86 755 8888 0001");

    let reads = ServerReads {
        client: client.clone(),
        runtime: runtime.handle().clone(),
    };
    let mut app = app_for(ReplicaSource::new(replica).with_server(reads.clone()));
    let shown = open_queue(&mut app, "duplicates");
    assert!(shown.contains("from the server · pair 1 of 2"), "{shown}");
    press(&mut app, "J");
    let shown = screen(&app);
    assert!(shown.contains("南山贸易公司"), "the server's pair: {shown}");
    assert!(!shown.contains("offline"), "{shown}");

    // The server gone: the replica's one pair, and why.
    drop(app);
    server.stop();
    let replica = crm::replica::Replica::open_reader(&path).unwrap();
    let mut app = app_for(ReplicaSource::new(replica).with_server(reads));
    let shown = open_queue(&mut app, "duplicates");
    assert!(
        shown.contains("offline: pairs among the customers on this machine"),
        "{shown}"
    );
    assert!(shown.contains("pair 1 of 1"), "{shown}");
    assert!(shown.contains("北辰科技有限公司"), "{shown}");
    assert!(!shown.contains("from the server"), "{shown}");
}
