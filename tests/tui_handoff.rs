//! The shared flows write on the writer thread: a form's save, a delete, a logged call and a
//! ticket's change leave the key at once (nothing written in it), the form waits marked
//! saving, and the answer — here given when the test says — closes it, says what was done or
//! brings a refusal back to the form's fields.

mod support;

use std::collections::BTreeMap;

use crm::replica::Op;
use crm::tui::action::Effect;
use crm::tui::data::{WriteError, text};
use crm::tui::dialogs::Dialog;
use crm::tui::{Action, work};
use crm_server::schema::Entity;
use serde_json::json;
use support::{press, press_raw, start, type_text};

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

fn saving(app: &crm::tui::App) -> Option<u64> {
    match app.dialogs.last() {
        Some(Dialog::Form(f)) => f.saving,
        _ => None,
    }
}

#[test]
fn a_form_waits_for_its_write_and_its_answer_closes_it() {
    let (mut app, fx) = start();
    press(&mut app, "<Enter> E");
    assert_eq!(app.dialog_name(), Some("form"));
    type_text(&mut app, " Group");
    let effects = press_raw(&mut app, "<Enter>");
    let asked = writes(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert!(
        matches!(&asked[0].1, work::Write::Update { entity: Entity::Customers, patch, .. } if text(patch, "name").ends_with(" Group")),
        "{asked:?}"
    );
    assert!(fx.written().is_empty(), "nothing written in the key");
    assert_eq!(app.dialog_name(), Some("form"), "the form waits");
    assert_eq!(saving(&app), Some(asked[0].0));
    assert!(
        support::screen(&app).contains("Saving…"),
        "{}",
        support::screen(&app)
    );
    // A second Enter while it waits does not save twice.
    assert!(writes(&press_raw(&mut app, "<Enter>")).is_empty());
    app.settle(effects);
    assert_eq!(app.dialog_name(), None, "the answer closes the form");
    let flash = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(flash.starts_with("Saved customer"), "{flash}");
    assert!(flash.ends_with(" Group"), "{flash}");
    assert_eq!(fx.written().len(), 1);
}

#[test]
fn a_refused_save_comes_back_to_the_forms_fields() {
    let (mut app, fx) = start();
    press(&mut app, "<Enter> E");
    type_text(&mut app, "!");
    let effects = press_raw(&mut app, "<Enter>");
    let (request, _) = writes(&effects)[0].clone();
    let refusal: BTreeMap<String, String> = [("name".to_string(), "is taken".to_string())].into();
    app.update(Action::Written {
        request,
        result: Err(WriteError::Invalid(refusal)),
    });
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!("the form stays open: {:?}", app.dialog_name());
    };
    assert_eq!(form.saving, None, "it may be saved again");
    assert_eq!(
        form.field("name").unwrap().error.as_deref(),
        Some("is taken")
    );
    assert!(form.field("name").unwrap().input.value().ends_with('!'));
    assert!(fx.written().is_empty());
    // The same answer again (a stale one) changes nothing.
    app.update(Action::Written {
        request,
        result: Ok(Default::default()),
    });
    assert_eq!(app.dialog_name(), Some("form"));
}

#[test]
fn a_new_customer_opens_once_written() {
    let (mut app, fx) = start();
    press(&mut app, "n");
    type_text(&mut app, "Handed Off Ltd");
    let effects = press_raw(&mut app, "<Enter>");
    let asked = writes(&effects);
    let work::Write::Create { body, .. } = &asked[0].1 else {
        panic!("{asked:?}");
    };
    let id = text(body, "id").to_string();
    assert!(!id.is_empty(), "the id is made in the key");
    assert!(
        app.customer_view().is_none(),
        "not opened before it is written"
    );
    app.settle(effects);
    assert_eq!(fx.last_written().record_id, id);
    assert_eq!(app.customer_view().map(|v| v.id.clone()), Some(id));
}

#[test]
fn a_delete_and_a_logged_call_are_written_after_the_key() {
    let (mut app, fx) = start();
    let first = app.customers.list.rows[0].clone();
    let effects = press_raw(&mut app, "d y");
    assert_eq!(writes(&effects).len(), 1);
    assert!(fx.written().is_empty(), "nothing deleted in the key");
    app.settle(effects);
    let w = fx.last_written();
    assert_eq!(
        (w.op, w.record_id.as_str()),
        (Op::Delete, text(&first, "id"))
    );
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("Deleted the customer")
    );
    assert!(
        !app.customers
            .list
            .rows
            .iter()
            .any(|r| text(r, "id") == text(&first, "id")),
        "the list read again after the answer"
    );

    let before = fx.written().len();
    let effects = press_raw(&mut app, "c 1 <Enter>");
    assert_eq!(app.dialog_name(), None, "the dialog closes at once");
    assert_eq!(fx.written().len(), before, "nothing written in the key");
    app.settle(effects);
    assert_eq!(fx.written().len(), before + 1);
    assert_eq!(fx.last_written().fields["outcome"], json!("answered"));
    assert!(app.flash.as_ref().unwrap().text.contains("Call logged"));
}

#[test]
fn deleting_marked_rows_stops_at_a_refusal_and_says_how_far() {
    let (mut app, fx) = start();
    let effects = press_raw(&mut app, "<Space> <Space> d y");
    let asked = writes(&effects);
    let (request, work::Write::Delete { ids, .. }) = asked[0].clone() else {
        panic!("{asked:?}");
    };
    assert_eq!(ids.len(), 2);
    app.update(Action::Written {
        request,
        result: Err(WriteError::Stopped {
            done: 1,
            of: 2,
            error: Box::new(WriteError::Forbidden("not yours".into())),
        }),
    });
    let flash = app.flash.as_ref().unwrap();
    assert!(flash.error, "{}", flash.text);
    assert!(flash.text.contains("done 1 of 2"), "{}", flash.text);
    assert!(flash.text.contains("not yours"), "{}", flash.text);
    assert!(fx.written().is_empty());
}

/// The loads among `effects` (request, read).
fn loads(effects: &[Effect]) -> Vec<(u64, work::Read)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { request, read } => Some((*request, read.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_search_key_hands_its_rows_off_and_shows_only_the_last_answer() {
    let fx = support::Fixture::load();
    let source = fx.source();
    let rows_read = source.rows_read();
    let reads = || rows_read.load(std::sync::atomic::Ordering::Relaxed);
    let mut app = support::app_over(Box::new(source), support::options(), 100, 30);
    assert_eq!(app.customers.list.rows.len(), 12);
    press(&mut app, "/ A c");
    let shown = app.customers.list.rows.clone();
    assert!(!shown.is_empty() && shown.len() < 12, "{}", shown.len());
    let before = reads();
    let first = press_raw(&mut app, "m");
    let second = press_raw(&mut app, "e");
    assert_eq!(reads(), before, "no customer row read in the keys");
    let (asked_first, asked_second) = (loads(&first), loads(&second));
    assert_eq!(asked_first.len(), 1, "{first:?}");
    assert_eq!(asked_second.len(), 1, "{second:?}");
    assert!(
        matches!(&asked_second[0].1, work::Read::Customers { query, .. } if query.search == "Acme"),
        "{asked_second:?}"
    );
    assert!(
        asked_second[0].1.is_window(),
        "read beside the loader's sums"
    );
    // Meanwhile the rows before stay, marked as being read.
    assert!(app.customers.is_reading());
    assert_eq!(app.customers.list.rows, shown);
    assert!(
        support::screen(&app).contains("… "),
        "{}",
        support::screen(&app)
    );
    // The newer answer is shown; the older one, arriving after it, is dropped.
    app.settle(second);
    assert!(!app.customers.is_reading());
    let names = |app: &crm::tui::App| -> Vec<String> {
        app.customers
            .list
            .rows
            .iter()
            .map(|c| text(c, "name").to_string())
            .collect()
    };
    assert_eq!(names(&app), vec!["Acme Ltd.".to_string()]);
    app.settle(first);
    assert_eq!(names(&app), vec!["Acme Ltd.".to_string()], "a stale answer");
    // Esc clears the search: all the rows come back by the same road.
    let cleared = press_raw(&mut app, "<Esc>");
    assert_eq!(loads(&cleared).len(), 1, "{cleared:?}");
    app.settle(cleared);
    assert_eq!(app.customers.list.rows.len(), 12);
}
