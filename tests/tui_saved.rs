//! `:saved` on the screens: the saved queries and static lists of the list in view, picked and
//! applied as its filter in the query language's words.

mod support;

use crm::tui::data::text;
use crm_server::schema::Entity;
use serde_json::json;
use support::{
    Fixture, app_over, apply_records, now, options, press, screen, server_record, type_text,
};

fn visible_names(app: &crm::tui::App) -> Vec<String> {
    let mut names: Vec<String> = app
        .customers
        .list
        .rows
        .iter()
        .map(|c| text(c, "name").to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn a_picked_list_or_saved_query_filters_the_customers() {
    let fx = Fixture::load();
    let replica = fx.replica();
    let customers = replica
        .list(
            Entity::Customers,
            &crm::replica::LocalQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
    let on_list = [&customers[0], &customers[3]];
    let list_id = "00000010-0000-7000-8000-000000000001";
    let mut seq = 2_000_000;
    apply_records(
        &replica,
        Entity::StaticLists,
        vec![server_record(
            Entity::StaticLists,
            list_id,
            json!({"name": "春季活动", "entity": "customers"}),
            now(),
        )],
        &mut seq,
    );
    let members = on_list
        .iter()
        .zip(1..)
        .map(|(c, n)| {
            server_record(
                Entity::ListMembers,
                &format!("00000011-0000-7000-8000-{n:012}"),
                json!({"list_id": list_id, "record_id": c.id}),
                now(),
            )
        })
        .collect();
    apply_records(&replica, Entity::ListMembers, members, &mut seq);
    apply_records(
        &replica,
        Entity::SavedQueries,
        vec![server_record(
            Entity::SavedQueries,
            "00000012-0000-7000-8000-000000000001",
            json!({"name": "lost ones", "entity": "customers", "query": "lifecycle:lost,dormant"}),
            now(),
        )],
        &mut seq,
    );
    drop(replica);
    let mut app = app_over(Box::new(fx.source()), options(), 100, 30);

    press(&mut app, ":");
    type_text(&mut app, "saved");
    press(&mut app, "<Enter>");
    let s = screen(&app);
    assert!(s.contains("春季活动") && s.contains("lost ones"), "{s}");
    // The picker filters as typed; Enter applies the one chosen.
    type_text(&mut app, "春季");
    press(&mut app, "<Enter>");
    let mut expected: Vec<String> = on_list
        .iter()
        .map(|c| c.fields["name"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(visible_names(&app), expected);
    assert_eq!(app.customers.query.search, "list:\"春季活动\"");

    press(&mut app, ":");
    type_text(&mut app, "saved");
    press(&mut app, "<Enter>");
    type_text(&mut app, "lost");
    press(&mut app, "<Enter>");
    assert_eq!(
        visible_names(&app),
        ["Globex Corporation", "Umbrella Pharma"]
    );
}
