//! The keys that wrote in the key itself now hand their writes to the writer thread: the
//! reminders' `x` and `r`, undo, the outbox review's resend and discard, a conflict's choice.
//! Nothing is written in the key (the answer is given here when the test says); a prompt whose
//! answer is written (a resolution, a comment, a reminder moved) stays open with its text until
//! the answer, and a refusal is shown in it with the text kept.

mod support;

use crm::replica::Op;
use crm::tui::action::Effect;
use crm::tui::data::{WriteError, text};
use crm::tui::dialogs::Dialog;
use crm::tui::nav::Opened;
use crm::tui::panes::reminders::Item;
use crm::tui::{Action, App, work};
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, press, press_raw, start, type_text};

/// The writes among `effects`, in order.
fn writes(effects: &[Effect]) -> Vec<(u64, work::Write)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Write { request, write } => Some((*request, write.clone())),
            _ => None,
        })
        .collect()
}

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

/// The prompt on top: its text, its error, whether it waits for a write.
fn prompt(app: &App) -> Option<(String, Option<String>, Option<u64>)> {
    match app.dialogs.last() {
        Some(Dialog::Prompt(p)) => Some((p.input.value(), p.error.clone(), p.saving)),
        _ => None,
    }
}

/// The reminders opened and read (the read answered as the run loop's worker would).
fn reminders(app: &mut App, fx: &Fixture) -> Vec<Item> {
    let source = fx.source();
    for e in press(app, "R") {
        if let Effect::Reminders { request, query } = e {
            let reminders = Box::new(crm::tui::DataSource::reminders(&source, &query).unwrap());
            app.update(Action::Reminded { request, reminders });
        }
    }
    match app.opened().last() {
        Some(Opened::Reminders(v)) => v.items.clone(),
        other => panic!("the reminders are not open: {other:?}"),
    }
}

fn shown_items(app: &App) -> Vec<Item> {
    match app.opened().last() {
        Some(Opened::Reminders(v)) => v.items.clone(),
        other => panic!("the reminders are not open: {other:?}"),
    }
}

#[test]
fn reminders_x_is_written_after_the_key_and_leaves_the_list_at_once() {
    let (mut app, fx) = start();
    let items = reminders(&mut app, &fx);
    let at = items
        .iter()
        .position(|i| matches!(i, Item::Overdue(..)))
        .expect("an overdue follow-up of li's in the fixtures");
    let Item::Overdue(activity, _) = &items[at] else {
        unreachable!()
    };
    press(&mut app, "g g");
    for _ in 0..at {
        press(&mut app, "j");
    }
    let effects = press_raw(&mut app, "x");
    let asked = writes(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert!(
        matches!(&asked[0].1, work::Write::Update { entity: Entity::Activities, id, patch }
            if id == text(activity, "id") && patch.get("done") == Some(&json!(true))),
        "{asked:?}"
    );
    assert!(fx.written().is_empty(), "nothing written in the key");
    assert_eq!(
        shown_items(&app).len(),
        items.len() - 1,
        "off the list at once"
    );
    app.settle(effects);
    let w = fx.last_written();
    assert_eq!(
        (w.entity, w.record_id.as_str()),
        (Entity::Activities, text(activity, "id"))
    );
    assert_eq!(w.fields["done"], json!(true));
    assert_eq!(flash(&app), "Done");
}

#[test]
fn reminders_r_waits_in_its_prompt_and_a_refusal_keeps_the_date_typed() {
    let (mut app, fx) = start();
    let items = reminders(&mut app, &fx);
    let at = items
        .iter()
        .position(|i| matches!(i, Item::Overdue(..)))
        .expect("an overdue follow-up");
    press(&mut app, "g g");
    for _ in 0..at {
        press(&mut app, "j");
    }
    press(&mut app, "r");
    type_text(&mut app, "2026-12-01");
    let effects = press_raw(&mut app, "<Enter>");
    let asked = writes(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert!(fx.written().is_empty(), "nothing written in the key");
    let (typed, _, saving) = prompt(&app).expect("the prompt waits for its write");
    assert_eq!((typed.as_str(), saving), ("2026-12-01", Some(asked[0].0)));
    assert!(support::screen(&app).contains("Saving…"));
    assert!(
        writes(&press_raw(&mut app, "<Enter>")).is_empty(),
        "a second Enter waits"
    );
    app.update(Action::Written {
        request: asked[0].0,
        result: Err(WriteError::Forbidden("not your follow-up".into())),
    });
    let (typed, error, saving) = prompt(&app).expect("a refusal keeps the prompt");
    assert_eq!(typed, "2026-12-01", "the text typed is kept");
    assert_eq!(saving, None);
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("not your follow-up"),
        "{error:?}"
    );
    // Enter again: written this time, and the prompt closes.
    let effects = press_raw(&mut app, "<Enter>");
    app.settle(effects);
    assert_eq!(prompt(&app), None);
    assert!(fx.last_written().fields["due_at"].is_string());
    assert!(flash(&app).starts_with("Moved to"), "{}", flash(&app));
}

#[test]
fn a_refused_comment_keeps_its_text_in_the_prompt() {
    let (mut app, fx) = start();
    press(&mut app, "4 <Enter> c");
    type_text(&mut app, "已联系财务");
    let effects = press_raw(&mut app, "<Enter>");
    let asked = writes(&effects);
    assert!(
        matches!(&asked[..], [(_, work::Write::Creates(c))] if c[0].0 == Entity::Comments),
        "{asked:?}"
    );
    assert_eq!(
        prompt(&app).map(|p| p.2),
        Some(Some(asked[0].0)),
        "open, saving"
    );
    app.update(Action::Written {
        request: asked[0].0,
        result: Err(WriteError::Forbidden("the ticket is closed".into())),
    });
    let (typed, error, _) = prompt(&app).expect("the prompt stays");
    assert_eq!(typed, "已联系财务");
    assert!(error.unwrap_or_default().contains("the ticket is closed"));
    assert!(fx.written().is_empty());
    // Esc gives up; the answer of a prompt closed meanwhile goes to the status bar.
    press(&mut app, "<Esc>");
    assert_eq!(prompt(&app), None);
}

#[test]
fn a_resolution_is_written_after_the_key_and_closes_its_prompt_when_answered() {
    let (mut app, fx) = start();
    press(&mut app, "4 r");
    type_text(&mut app, "已重开发票");
    let effects = press_raw(&mut app, "<Enter>");
    assert_eq!(writes(&effects).len(), 1);
    assert!(fx.written().is_empty(), "nothing written in the key");
    assert!(prompt(&app).is_some(), "open until the answer");
    app.settle(effects);
    assert_eq!(prompt(&app), None);
    assert_eq!(fx.last_written().fields["status"], json!("resolved"));
    assert_eq!(flash(&app), "Ticket resolved");
}

#[test]
fn undo_is_written_after_the_key_and_says_what_it_undid() {
    let (mut app, fx) = start();
    let name = text(&app.customers.list.rows[0], "name").to_string();
    let id = text(&app.customers.list.rows[0], "id").to_string();
    press(&mut app, "e");
    type_text(&mut app, " 一");
    press(&mut app, "<Enter>");
    let before = fx.written().len();
    let effects = press_raw(&mut app, "u");
    assert!(
        matches!(&writes(&effects)[..], [(_, work::Write::Undo)]),
        "{effects:?}"
    );
    assert_eq!(fx.written().len(), before, "nothing undone in the key");
    app.settle(effects);
    let stored = fx.replica().get(Entity::Customers, &id).unwrap().unwrap();
    assert_eq!(stored.text("name"), Some(name.as_str()), "the edit undone");
    assert!(
        flash(&app).starts_with("Undone: edit of customer"),
        "{}",
        flash(&app)
    );
}

#[test]
fn a_conflict_choice_is_written_after_the_key() {
    let (mut app, fx) = start();
    assert_eq!(app.status.conflicts, 2);
    press(&mut app, "! j l");
    let effects = press_raw(&mut app, "<Enter>");
    let asked = writes(&effects);
    assert!(
        matches!(&asked[..], [(_, work::Write::Resolve { .. })]),
        "{asked:?}"
    );
    assert_eq!(app.dialog_name(), None, "the chooser closes at once");
    let parked = |fx: &Fixture| {
        fx.outbox()
            .iter()
            .filter(|e| e.state == crm::replica::EntryState::Conflict)
            .count()
    };
    assert_eq!(parked(&fx), 1, "still parked until written");
    app.settle(effects);
    assert_eq!(parked(&fx), 0);
    assert!(
        flash(&app).starts_with("Conflict resolved"),
        "{}",
        flash(&app)
    );
    assert_eq!(app.status.conflicts, 0);
}

#[test]
fn the_outbox_discard_is_written_after_the_key() {
    let fx = Fixture::load();
    let made = fx
        .replica()
        .create(
            Entity::Customers,
            serde_json::from_value(json!({"name": "Discard Me Co"})).unwrap(),
        )
        .expect("create");
    let mut app = support::app_over(Box::new(fx.source()), support::options(), 120, 30);
    press(&mut app, "g o");
    let at = match app.opened().last() {
        Some(Opened::Outbox(v)) => v
            .writes
            .iter()
            .position(|w| w.record_id == made.id)
            .expect("listed"),
        other => panic!("{other:?}"),
    };
    for _ in 0..at {
        press(&mut app, "j");
    }
    let effects = press_raw(&mut app, "D y");
    assert!(
        matches!(&writes(&effects)[..], [(_, work::Write::Discard(_))]),
        "{effects:?}"
    );
    let kept = |fx: &Fixture| fx.outbox().iter().any(|e| e.record_id == made.id);
    assert!(kept(&fx), "nothing discarded in the key");
    app.settle(effects);
    assert!(!kept(&fx));
    assert!(flash(&app).starts_with("Discarded"), "{}", flash(&app));
    assert!(
        fx.written()
            .iter()
            .all(|e| e.record_id != made.id || e.op != Op::Create)
    );
}
