//! A record's view reads on the reader thread (`Read::Record`): the key that opens or reloads
//! it reads no rows, the view says "…" until the answer, only its newest question's answer is
//! shown, and the answer brings the record and what refers to it.

mod support;

use std::sync::atomic::Ordering;

use crm::tui::action::Effect;
use crm::tui::nav::Opened;
use crm::tui::panes::record::RecordView;
use crm::tui::work::{Loaded, Read};
use crm::tui::{Action, App};
use crm_server::schema::Entity;
use support::{Fixture, app_over, options, press, press_raw, screen, type_text};

fn view(app: &App) -> &RecordView {
    match app.opened().last() {
        Some(Opened::Record(v)) => v,
        other => panic!("a record view, not {other:?}"),
    }
}

/// The view's head line (the entity's noun and the record's title).
fn head(app: &App) -> String {
    screen(app)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim_matches(|c: char| c == '"' || c.is_whitespace())
        .to_string()
}

fn record_loads(effects: &[Effect]) -> Vec<(u64, Entity, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                request,
                read: Read::Record(ask),
            } => Some((*request, ask.entity, ask.id.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn opening_a_record_reads_nothing_in_the_key_and_shows_the_newest_answer() {
    let fx = Fixture::load();
    let source = fx.source();
    let rows = source.rows_read();
    let mut app = app_over(Box::new(source), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "list stages");
    press(&mut app, "<Enter>");

    let before = rows.load(Ordering::SeqCst);
    let effects = press_raw(&mut app, "<Enter>");
    let asked = record_loads(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert_eq!(asked[0].1, Entity::Stages);
    assert_eq!(
        rows.load(Ordering::SeqCst),
        before,
        "no rows read in the key"
    );
    assert!(view(&app).is_reading());
    assert!(view(&app).related.is_empty());
    assert!(head(&app).ends_with("…"), "{}", screen(&app));

    // An answer to another question (an older one) is not shown.
    app.update(Action::Loaded {
        request: asked[0].0 + 1_000_000,
        data: Ok(Loaded::Record(Box::default())),
    });
    assert!(view(&app).is_reading() && !view(&app).gone);

    app.settle(effects);
    let v = view(&app);
    assert!(!v.is_reading());
    assert_eq!(v.record["id"], asked[0].2.as_str());
    assert!(
        v.related.iter().any(|(e, _)| *e == Entity::Opportunities),
        "the stage's deals: {:?}",
        v.related
    );
    assert!(
        head(&app).starts_with("stage · ") && !head(&app).ends_with("…"),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_reload_keeps_the_rows_and_a_gone_record_closes_its_view() {
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "list stages");
    press(&mut app, "<Enter> <Enter>");
    let shown = view(&app).related.clone();
    assert!(!shown.is_empty());
    let id = view(&app).record["id"].as_str().unwrap().to_string();

    // A sync's reload: the rows stay while the reader reads.
    let effects = app.update(Action::SyncStatus(crm::tui::SyncStatus::Synced {
        at: support::now(),
        pulled: 1,
        pushed: 0,
    }));
    let asked = record_loads(&effects);
    if let Some((request, _, _)) = asked.first() {
        assert!(view(&app).is_reading());
        assert_eq!(view(&app).related, shown, "the rows stay meanwhile");
        // The answer says the record is gone: its view closes.
        app.update(Action::Loaded {
            request: *request,
            data: Ok(Loaded::Record(Box::default())),
        });
        assert!(
            !app.opened()
                .any(|o| matches!(o, Opened::Record(v) if v.id == id)),
            "the view closed"
        );
    } else {
        panic!("a sync's reload asks the reader: {effects:?}");
    }
}

fn list(app: &App) -> &crm::tui::panes::records::RecordList {
    match app.opened().last() {
        Some(Opened::List(l)) => l,
        other => panic!("a list, not {other:?}"),
    }
}

fn window_rereads(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                request,
                read: Read::RecordsWindow { .. },
            } => Some(*request),
            _ => None,
        })
        .collect()
}

fn synced() -> Action {
    Action::SyncStatus(crm::tui::SyncStatus::Synced {
        at: support::now(),
        pulled: 1,
        pushed: 0,
    })
}

#[test]
fn a_lists_reload_reads_its_window_off_the_ui_thread_keeping_the_rows_and_the_cursor() {
    let fx = Fixture::load();
    let source = fx.source();
    let rows = source.rows_read();
    let mut app = app_over(Box::new(source), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "list opportunities");
    press(&mut app, "<Enter> j j");
    let shown = list(&app).list.rows.clone();
    assert!(shown.len() > 2, "{shown:?}");
    assert_eq!(list(&app).list.selected, 2);

    let before = rows.load(Ordering::SeqCst);
    let effects = app.update(synced());
    let asked = window_rereads(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert_eq!(
        rows.load(Ordering::SeqCst),
        before,
        "no rows read in the key"
    );
    assert!(list(&app).is_reading());
    assert_eq!(list(&app).list.rows, shown, "the rows stay meanwhile");
    assert_eq!(list(&app).list.selected, 2);

    // A second reload before the first answers: only the newest is taken.
    let again = app.update(synced());
    let newest = window_rereads(&again);
    assert_eq!(newest.len(), 1);
    assert_ne!(newest[0], asked[0]);
    app.settle(effects);
    assert!(list(&app).is_reading(), "the older answer is not taken");
    app.settle(again);
    let l = list(&app);
    assert!(!l.is_reading());
    assert_eq!(l.list.selected, 2, "the cursor where it stood");
    assert_eq!(l.list.rows, shown, "nothing changed: the same rows");
}

#[test]
fn a_reload_answered_after_the_cursor_moved_is_asked_again_from_where_it_stands() {
    let fx = Fixture::load();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "list opportunities");
    press(&mut app, "<Enter>");
    let effects = app.update(synced());
    assert_eq!(window_rereads(&effects).len(), 1);
    // The rows held serve the move at once.
    press_raw(&mut app, "j");
    assert_eq!(list(&app).list.selected, 1);
    let mut answers = Vec::new();
    for e in effects {
        if let Effect::Load { request, read } = e {
            let data = crm::tui::work::read(app_source(&fx).as_ref(), &read);
            answers.extend(app.update(Action::Loaded { request, data }));
        }
    }
    assert_eq!(
        window_rereads(&answers).len(),
        1,
        "asked again from the row chosen now: {answers:?}"
    );
    app.settle(answers);
    let l = list(&app);
    assert!(!l.is_reading());
    assert_eq!(l.list.selected, 1);
}

/// A second source over the same replica, for answering a read by hand.
fn app_source(fx: &Fixture) -> Box<dyn crm::tui::data::DataSource> {
    Box::new(fx.source())
}
