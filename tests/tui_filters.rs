//! `/` filters every list, over the real replica filled from the fixtures: the ticket queue (by
//! number, subject, customer name or phone), the funnel's columns, the calendar's agenda and the
//! sections of a customer's 360° view. Esc clears a filter; moving works on what is left.

mod support;

use crm::tui::App;
use crm::tui::action::CalView;
use crm::tui::data::{TicketScope, text};
use crm_server::schema::Entity;
use support::{fixture_id, press, screen, start, type_text};

fn queue_numbers(app: &App) -> Vec<String> {
    app.tickets
        .list
        .rows
        .iter()
        .map(|t| text(t, "number").to_string())
        .collect()
}

/// The queue of every open ticket, filtered by `filter` typed after `/`.
fn tickets_matching(filter: &str) -> Vec<String> {
    let (mut app, _fx) = start();
    press(&mut app, "4 A");
    assert_eq!(app.tickets.query.scope, TicketScope::All);
    press(&mut app, "/");
    type_text(&mut app, filter);
    let mut found = queue_numbers(&app);
    found.sort();
    found
}

#[test]
fn the_ticket_queue_filters_by_number_subject_customer_and_phone() {
    assert_eq!(tickets_matching("T-000102"), ["T-000102"], "by number");
    assert_eq!(
        tickets_matching("refund"),
        ["T-000105"],
        "by subject, any case"
    );
    assert_eq!(tickets_matching("Acme"), ["T-000103"], "by customer name");
    assert_eq!(
        tickets_matching("小米"),
        ["T-000104"],
        "by a Chinese customer name"
    );
    assert_eq!(
        tickets_matching("2878 0808"),
        ["T-000101"],
        "by the customer's phone, spaced as written"
    );
    assert_eq!(
        tickets_matching("acme login"),
        ["T-000103"],
        "a word of the customer's and a word of the subject"
    );
    assert!(
        tickets_matching("acme refund").is_empty(),
        "every word must match"
    );
    assert!(tickets_matching("nothing like this").is_empty());
}

#[test]
fn the_ticket_filter_shows_as_typed_and_esc_clears_it() {
    let (mut app, _fx) = start();
    press(&mut app, "4 A");
    let all = queue_numbers(&app).len();
    assert!(all >= 5, "every open ticket: {all}");
    press(&mut app, "/");
    type_text(&mut app, "login");
    assert!(screen(&app).contains("/ login"), "{}", screen(&app));
    assert_eq!(queue_numbers(&app), ["T-000103"]);
    // Enter keeps the filter and opens the ticket found.
    press(&mut app, "<Enter>");
    assert!(app.ticket_view().is_some(), "Enter opens the ticket found");
    press(&mut app, "<Esc>");
    assert_eq!(app.tickets.query.search, "login", "the filter stays");
    assert!(screen(&app).contains("search “login”"), "{}", screen(&app));
    press(&mut app, "<Esc>");
    assert_eq!(app.tickets.query.search, "");
    assert_eq!(queue_numbers(&app).len(), all);
}

#[test]
fn the_funnel_columns_filter_by_name() {
    let (mut app, _fx) = start();
    press(&mut app, "2");
    let before: usize = app.funnel.summaries.iter().map(|s| s.count).sum();
    assert_eq!(before, 10, "every fixture opportunity");
    press(&mut app, "/");
    type_text(&mut app, "plant");
    let counts: Vec<(String, usize)> = app
        .funnel
        .summaries
        .iter()
        .map(|s| (text(&s.stage, "name").to_string(), s.count))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(counts, [("lost".to_string(), 1)]);
    let lost = app
        .funnel
        .summaries
        .iter()
        .position(|s| text(&s.stage, "name") == "lost")
        .unwrap();
    let cards: Vec<&str> = app.funnel.columns[lost]
        .rows
        .iter()
        .map(|o| text(o, "name"))
        .collect();
    assert_eq!(cards, ["Plant automation"]);
    press(&mut app, "<Enter>");
    assert!(screen(&app).contains("filter “plant”"), "{}", screen(&app));
    press(&mut app, "<Esc>");
    let after: usize = app.funnel.summaries.iter().map(|s| s.count).sum();
    assert_eq!(after, before, "Esc clears the filter");
}

/// The funnel's cards left by `filter` typed after `/`, sorted.
fn deals_matching(filter: &str) -> Vec<String> {
    let (mut app, _fx) = start();
    press(&mut app, "2 /");
    type_text(&mut app, filter);
    let mut cards: Vec<String> = app
        .funnel
        .columns
        .iter()
        .flat_map(|c| c.rows.iter().map(|o| text(o, "name").to_string()))
        .collect();
    cards.sort();
    let counted: usize = app.funnel.summaries.iter().map(|s| s.count).sum();
    assert_eq!(counted, cards.len(), "the sums count what is shown");
    cards
}

#[test]
fn the_funnel_filter_matches_the_customers_name_too() {
    assert_eq!(
        deals_matching("globex"),
        ["Plant automation"],
        "by customer"
    );
    assert_eq!(
        deals_matching("华为"),
        ["5G 基站维保合同", "数据中心扩容"],
        "by a Chinese customer name"
    );
    assert_eq!(
        deals_matching("huawei"),
        ["5G 基站维保合同", "数据中心扩容"],
        "by the pinyin of the customer's name"
    );
    assert_eq!(
        deals_matching("xm"),
        ["智能工厂试点"],
        "by the initials of the customer's name"
    );
    assert_eq!(
        deals_matching("acme renewal"),
        ["Annual support renewal"],
        "a word of the customer's and a word of the deal's"
    );
    assert!(deals_matching("acme automation").is_empty(), "every word");
    assert_eq!(
        deals_matching("扩容"),
        ["数据中心扩容"],
        "the deal's own name"
    );
}

#[test]
fn the_agenda_filters_and_moves_like_every_list() {
    let (mut app, _fx) = start();
    press(&mut app, "3 a");
    assert_eq!(app.calendar.view, CalView::Agenda);
    let subjects = |app: &App| -> Vec<String> {
        app.calendar
            .items
            .iter()
            .map(|a| text(a, "subject").to_string())
            .collect()
    };
    assert!(subjects(&app).len() >= 3, "{:?}", subjects(&app));
    press(&mut app, "/");
    type_text(&mut app, "call");
    let calls = subjects(&app);
    assert!(!calls.is_empty());
    assert!(
        app.calendar.items.iter().all(
            |a| text(a, "kind") == "call" || text(a, "subject").to_lowercase().contains("call")
        ),
        "{calls:?}"
    );
    press(&mut app, "<Enter>");
    // The agenda's own keys now move through what the filter left, stopping at the ends.
    press(&mut app, "G");
    assert_eq!(app.calendar.item, calls.len() - 1);
    press(&mut app, "j");
    assert_eq!(app.calendar.item, calls.len() - 1, "stops at the last item");
    press(&mut app, "<C-u>");
    assert_eq!(app.calendar.item, 0);
    press(&mut app, "<Esc>");
    assert!(subjects(&app).len() > calls.len(), "Esc clears the filter");
}

#[test]
fn the_360_sections_filter_together() {
    let (mut app, _fx) = start();
    let huawei = fixture_id(Entity::Customers, "code", "C000101");
    press(&mut app, "/");
    type_text(&mut app, "C000101");
    press(&mut app, "<Enter>");
    let view = app.customer_view().expect("the 360 is open");
    assert_eq!(view.id, huawei);
    assert_eq!(view.contacts.len(), 2);
    press(&mut app, "/");
    type_text(&mut app, "李");
    let view = app.customer_view().unwrap();
    let contacts: Vec<&str> = view.contacts.iter().map(|k| text(k, "name")).collect();
    assert_eq!(contacts, ["李静"]);
    assert!(view.opportunities.is_empty());
    press(&mut app, "<C-u>");
    type_text(&mut app, "5G");
    let view = app.customer_view().unwrap();
    assert!(view.contacts.is_empty());
    let opps: Vec<&str> = view.opportunities.iter().map(|o| text(o, "name")).collect();
    assert_eq!(opps, ["5G 基站维保合同"]);
    assert!(
        view.timeline
            .iter()
            .all(|e| text(&e.record, "subject").contains("5G")),
        "the timeline too"
    );
    press(&mut app, "<Esc>");
    let view = app
        .customer_view()
        .expect("Esc while typing clears, and stays");
    assert_eq!(view.contacts.len(), 2);
}
