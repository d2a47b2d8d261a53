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

#[test]
fn w_saves_the_slash_query_and_saved_offers_it_at_once() {
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    // Nothing typed yet: nothing to save, no form.
    press(&mut app, "W");
    assert!(screen(&app).contains("nothing to save"), "{}", screen(&app));
    assert!(fx.written().is_empty());

    // `/` and Enter opens the first match; back on the list the query stays.
    press(&mut app, "/");
    type_text(&mut app, "lifecycle:lost,dormant");
    press(&mut app, "<Enter> q");
    assert_eq!(app.customers.query.search, "lifecycle:lost,dormant");
    let filtered = visible_names(&app);
    press(&mut app, "W");
    let s = screen(&app);
    assert!(
        s.contains("lifecycle:lost,dormant"),
        "the form holds the query: {s}"
    );
    type_text(&mut app, "流失客户");
    // Down to `shared`: the team sees it too.
    press(&mut app, "<Down> <Down> <Space> <Enter>");
    let written = fx.last_written();
    assert_eq!(written.entity, Entity::SavedQueries);
    assert_eq!(written.fields["name"], "流失客户");
    assert_eq!(written.fields["entity"], "customers");
    assert_eq!(written.fields["query"], "lifecycle:lost,dormant");
    assert_eq!(written.fields["shared"], true);
    assert!(screen(&app).contains("Created"), "{}", screen(&app));

    // The picker lists it before any sync; applied, it filters as the query did.
    press(&mut app, "<Esc> <Esc>");
    assert_ne!(visible_names(&app), filtered, "the filter was cleared");
    press(&mut app, ":");
    type_text(&mut app, "saved");
    press(&mut app, "<Enter>");
    assert!(screen(&app).contains("流失客户"), "{}", screen(&app));
    type_text(&mut app, "流失");
    press(&mut app, "<Enter>");
    assert_eq!(app.customers.query.search, "saved:\"流失客户\"");
    assert_eq!(visible_names(&app), filtered);
}

#[test]
fn w_on_a_generic_list_saves_its_query_for_that_entity() {
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "list tickets");
    press(&mut app, "<Enter> :");
    type_text(&mut app, "filter priority:high");
    press(&mut app, "<Enter> W");
    type_text(&mut app, "urgent");
    press(&mut app, "<Enter>");
    let written = fx.last_written();
    assert_eq!(
        (
            written.entity,
            written.fields["entity"].as_str(),
            written.fields["query"].as_str(),
            written.fields["shared"].as_bool()
        ),
        (
            Entity::SavedQueries,
            Some("tickets"),
            Some("priority:high"),
            Some(false)
        )
    );
}
