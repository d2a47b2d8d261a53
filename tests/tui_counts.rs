//! Exact counts in list headers ("12 / 2,000", not "12 / 60+"), over the real replica: a list
//! asks for its count as an effect, the answer (computed by a second source, as the run loop's
//! counting thread does) is applied as an action, and an answer to an older question is dropped.

mod support;

use crm::tui::action::{Action, Effect};
use crm::tui::data::{CountQuery, DataSource};
use crm::tui::{App, Pane};
use support::{Fixture, app_over, options, press, screen};

/// The counts the app asked for in these effects.
fn asked(effects: &[Effect]) -> Vec<(u64, CountQuery)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Count { request, query } => Some((*request, query.clone())),
            _ => None,
        })
        .collect()
}

/// Answers each question through `counter`, as the counting thread would.
fn answer(app: &mut App, counter: &dyn DataSource, questions: Vec<(u64, CountQuery)>) {
    for (request, query) in questions {
        let count = counter.count(&query).expect("the count runs");
        app.update(Action::Counted { request, count });
    }
}

fn header(app: &App) -> String {
    screen(app).lines().nth(1).unwrap_or_default().to_string()
}

/// What the run loop counts with: the source's own reader, opened on the counting thread.
fn reader(fx: &Fixture) -> Box<dyn DataSource + Send> {
    let open = fx
        .source()
        .reader()
        .expect("the replica source opens readers");
    open().expect("the reader opens")
}

#[test]
fn the_customer_header_shows_the_exact_count_once_it_arrives() {
    let fx = Fixture::synthetic(2000);
    let counter = reader(&fx);
    let counter = &*counter;
    let mut app = app_over(Box::new(fx.source()), options(), 100, 30);
    // A resize reloads the list in view, which asks for its count.
    let questions = asked(&app.update(Action::Resize(100, 30)));
    assert_eq!(questions.len(), 1, "one question for the list in view");
    assert!(
        header(&app).contains("1 / 75+"),
        "until the count answers, what the window knows: {}",
        header(&app)
    );
    answer(&mut app, counter, questions);
    assert!(header(&app).contains("1 / 2,000"), "{}", header(&app));
    press(&mut app, "G");
    assert!(header(&app).contains("2,000 / 2,000"), "{}", header(&app));
}

#[test]
fn an_answer_to_an_older_question_is_dropped() {
    let fx = Fixture::synthetic(2000);
    let counter = fx.source();
    let mut app = app_over(Box::new(fx.source()), options(), 100, 30);
    let old = asked(&app.update(Action::Resize(100, 30)));
    // The search changes the list: each keystroke asks again.
    press(&mut app, "/");
    let mut newer = Vec::new();
    for c in "0001".chars() {
        newer = asked(&app.update(Action::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char(c),
        ))));
    }
    assert_eq!(newer.len(), 1);
    answer(&mut app, &counter, old);
    assert!(
        !header(&app).contains("2,000"),
        "the count of the unfiltered list is stale: {}",
        header(&app)
    );
    let (_, query) = &newer[0];
    let expected = counter.count(query).unwrap();
    assert_eq!(
        expected, 1000,
        "a typed search lists its best 1,000 matches"
    );
    answer(&mut app, &counter, newer);
    assert_eq!(app.pane, Pane::Customers);
    assert!(
        header(&app).contains("1 / 1,000"),
        "the newest answer shows: {}",
        header(&app)
    );
}

#[test]
fn a_reader_only_reads() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("replica.db");
    assert!(crm::replica::Replica::open_reader(&missing).is_err());
    assert!(!missing.exists(), "a reader creates nothing");
    // Over a real replica it counts, and cannot write.
    let fx = Fixture::load();
    let mut counter = reader(&fx);
    let all = CountQuery::Records(
        crm_server::schema::Entity::Competitors,
        crm::tui::data::RecordQuery::default(),
    );
    assert_eq!(counter.count(&all).unwrap(), 3, "the fixture competitors");
    let refused = counter.create(
        crm_server::schema::Entity::Competitors,
        serde_json::json!({"name": "Nope"})
            .as_object()
            .cloned()
            .unwrap(),
    );
    assert!(refused.is_err(), "a reader writes nothing");
    assert!(fx.written().is_empty());
}
