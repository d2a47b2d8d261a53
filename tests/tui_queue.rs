//! The ticket queue is read on the reader thread: its SLA order needs every open ticket of the
//! scope, far more than a frame at scale. A key that changes the queue asks a read and returns;
//! the rows shown before stay (or "Loading…") until the answer, only the answer to the last
//! question is shown, the header's length is exact from the read itself, and a write's answer
//! reads the queue again.

mod support;

use crm::tui::action::Effect;
use crm::tui::data::{TicketScope, text};
use crm::tui::{Action, App, work};
use support::{press, press_raw, screen, start, type_text};

fn numbers(app: &App) -> Vec<String> {
    app.tickets
        .list
        .rows
        .iter()
        .map(|t| text(t, "number").to_string())
        .collect()
}

/// The ticket queue reads among `effects`.
fn queue_reads(effects: &[Effect]) -> Vec<(u64, work::Read)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { request, read } if matches!(read, work::Read::Tickets(_)) => {
                Some((*request, read.clone()))
            }
            _ => None,
        })
        .collect()
}

fn answer(app: &mut App, fx: &support::Fixture, request: u64, read: &work::Read) {
    let reader = fx.source();
    let data = work::read(&reader, read);
    let rest = app.update(Action::Loaded { request, data });
    app.settle(rest);
}

#[test]
fn the_queue_is_read_off_the_key_and_shown_when_it_answers() {
    let (mut app, fx) = start();
    press(&mut app, "4");
    let mine = numbers(&app);
    assert_eq!(mine.first().map(String::as_str), Some("T-000102"));
    let effects = press_raw(&mut app, "A");
    let reads = queue_reads(&effects);
    assert_eq!(reads.len(), 1, "one read of the queue asked: {effects:?}");
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Count { .. })),
        "the read gives the length; no count is asked: {effects:?}"
    );
    assert_eq!(app.tickets.query.scope, TicketScope::All);
    assert_eq!(numbers(&app), mine, "the rows read before stay meanwhile");
    assert!(app.tickets.reading());
    assert!(screen(&app).contains('…'), "marked as reading");
    let (request, read) = &reads[0];
    answer(&mut app, &fx, *request, read);
    assert!(!app.tickets.reading());
    assert_eq!(numbers(&app).len(), 6, "every open ticket");
    assert!(screen(&app).contains("1 / 6"), "{}", screen(&app));
}

#[test]
fn a_stale_answer_is_dropped() {
    let (mut app, fx) = start();
    press(&mut app, "4");
    let all = queue_reads(&press_raw(&mut app, "A"));
    let unassigned = queue_reads(&press_raw(&mut app, "U"));
    assert_eq!((all.len(), unassigned.len()), (1, 1));
    // The newer question answered first, then the older one arrives.
    answer(&mut app, &fx, unassigned[0].0, &unassigned[0].1);
    let shown = numbers(&app);
    assert!(shown.len() < 6, "the unassigned ones only: {shown:?}");
    answer(&mut app, &fx, all[0].0, &all[0].1);
    assert_eq!(numbers(&app), shown, "the older answer changed nothing");
    assert!(!app.tickets.reading());
}

#[test]
fn the_first_showing_says_loading_until_the_answer() {
    let fx = support::Fixture::load();
    let mut app = App::new(support::options(), Box::new(fx.source()), support::now());
    app.update(Action::Resize(100, 30));
    let reads = queue_reads(&press_raw(&mut app, "4"));
    assert_eq!(reads.len(), 1, "showing the queue reads it");
    assert!(
        screen(&app).contains("Loading…"),
        "nothing read yet: {}",
        screen(&app)
    );
    answer(&mut app, &fx, reads[0].0, &reads[0].1);
    assert!(numbers(&app).contains(&"T-000102".to_string()));
    assert!(!screen(&app).contains("Loading…"));
}

#[test]
fn a_write_reads_the_queue_again_and_keeps_the_cursor() {
    let (mut app, _fx) = start();
    press(&mut app, "4 A j");
    let chosen = text(app.tickets.list.selected_row().unwrap(), "number").to_string();
    let selected = app.tickets.list.selected;
    press(&mut app, "s");
    type_text(&mut app, "pend");
    // The write is answered, and the queue read again and answered.
    press(&mut app, "<Enter>");
    assert!(!app.tickets.reading());
    assert_eq!(app.tickets.list.selected, selected, "the cursor stays");
    let row = app
        .tickets
        .list
        .rows
        .iter()
        .find(|t| text(t, "number") == chosen)
        .expect("still in the queue");
    assert_eq!(
        text(row, "status"),
        "pending",
        "the queue read after the write"
    );
}

#[test]
fn the_search_narrows_the_queue_read() {
    let (mut app, _fx) = start();
    press(&mut app, "4 A /");
    type_text(&mut app, "refund");
    assert_eq!(numbers(&app), ["T-000105"]);
    assert!(screen(&app).contains("1 / 1"), "{}", screen(&app));
}

#[test]
fn the_customers_names_come_with_the_queue() {
    let (mut app, fx) = start();
    press(&mut app, "4");
    let reads = queue_reads(&press_raw(&mut app, "A"));
    let (request, read) = &reads[0];
    let Ok(work::Loaded::Tickets(data)) = work::read(&fx.source(), read) else {
        panic!("the queue reads");
    };
    let first = text(&data.queue[0], "customer_id").to_string();
    assert!(
        data.names.contains_key(&first),
        "the reader names every ticket's customer"
    );
    // The names the answer carries are the ones shown: none is looked up in the frame.
    let mut named = data.as_ref().clone();
    named.names = [(first, "Reader Co".to_string())].into();
    app.update(Action::Loaded {
        request: *request,
        data: Ok(work::Loaded::Tickets(std::sync::Arc::new(named))),
    });
    assert!(screen(&app).contains("Reader Co"), "{}", screen(&app));
}

#[test]
fn the_queue_s_countdown_counts_open_time_by_the_customer_s_service_level() {
    use crm_server::schema::Entity;
    use serde_json::json;
    use support::{Fixture, app_over, apply_records, now, options, server_record};

    let fx = Fixture::load();
    let replica = fx.replica();
    let mut seq = 5_000_000;
    // Open one hour a day (10:00–11:00 UTC) for level C's normal tickets; the rule for every
    // other level runs around the clock.
    let calendar_id = "0000ca1e-0000-7000-8000-000000000001";
    let hours = "10:00-11:00";
    apply_records(
        &replica,
        Entity::SlaCalendars,
        vec![server_record(
            Entity::SlaCalendars,
            calendar_id,
            json!({"name": "一小时", "time_zone": "UTC", "monday": hours, "tuesday": hours,
                   "wednesday": hours, "thursday": hours, "friday": hours}),
            now(),
        )],
        &mut seq,
    );
    apply_records(
        &replica,
        Entity::ServiceLevels,
        vec![
            server_record(
                Entity::ServiceLevels,
                "0000ca1e-0000-7000-8000-000000000002",
                json!({"priority": "normal", "level": "C", "first_response_minutes": 60,
                       "resolution_minutes": 600, "calendar_id": calendar_id}),
                now(),
            ),
            server_record(
                Entity::ServiceLevels,
                "0000ca1e-0000-7000-8000-000000000003",
                json!({"priority": "normal", "first_response_minutes": 240,
                       "resolution_minutes": 1440}),
                now(),
            ),
        ],
        &mut seq,
    );
    let mut app = app_over(Box::new(fx.source()), options(), 160, 30);
    press(&mut app, "4 A");
    let shown = screen(&app);
    let row = |number: &str| {
        shown
            .lines()
            .find(|l| l.contains(number))
            .unwrap_or_else(|| panic!("{number} in the queue:\n{shown}"))
            .to_string()
    };
    // T-000105 (Globex, level C) answers by 12:30, 3h 30m away on the wall clock, of which
    // one hour is open: the column says so, as the ticket's own view does.
    assert!(
        row("T-000105").contains("1h open left"),
        "{}",
        row("T-000105")
    );
    // T-000107, another level C customer's, missed its first response yesterday: a breach
    // says how long ago in wall time, calendar or not.
    assert!(
        row("T-000107").contains("breached 17h"),
        "{}",
        row("T-000107")
    );
    // T-000103 (Acme, level B) falls to the rule for every level, around the clock: its wall
    // time, 1h to 10:00.
    assert!(
        row("T-000103").contains("1h left") && !row("T-000103").contains("open left"),
        "{}",
        row("T-000103")
    );
    let reader = fx.source();
    let data = work::read(&reader, &work::Read::Tickets(app.tickets.query.clone())).unwrap();
    let work::Loaded::Tickets(data) = data else {
        panic!("a queue")
    };
    let t105 = data
        .queue
        .iter()
        .find(|t| text(t, "number") == "T-000105")
        .unwrap();
    let (view_text, _) = crm::tui::sla::countdown_open(t105, now(), data.calendar_of(t105));
    assert_eq!(
        view_text, "1h open time left",
        "one rule for the view and the queue"
    );
}
