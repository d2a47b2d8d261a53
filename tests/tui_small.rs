//! The small things used every hour: messages that go when their moment has passed, help that
//! lists every binding, `gg` everywhere, no label without a value.

mod support;

use chrono::Duration;
use crm::tui::{Action, SyncStatus};
use support::*;

fn flash(app: &crm::tui::App) -> Option<String> {
    app.flash.as_ref().map(|f| f.text.clone())
}

#[test]
fn messages_go_when_their_moment_has_passed_errors_later() {
    let (mut app, _fx) = start();
    press(&mut app, "3 g d");
    type_text(&mut app, "2026-12-01");
    press(&mut app, "<Enter>");
    assert_eq!(flash(&app).as_deref(), Some("Tue 2026-12-01"));
    app.update(Action::Tick(now() + Duration::seconds(4)));
    assert!(flash(&app).is_some(), "still its moment");
    app.update(Action::Tick(now() + Duration::seconds(5)));
    assert_eq!(flash(&app), None, "an info message lasts 5 s");

    // An error stays longer, counted from when it was said.
    app.update(Action::Tick(now() + Duration::seconds(10)));
    press(&mut app, ":");
    type_text(&mut app, "goto blursday");
    press(&mut app, "<Enter>");
    let error = app.flash.clone().expect("an error");
    assert!(error.error, "{error:?}");
    app.update(Action::Tick(now() + Duration::seconds(18)));
    assert!(flash(&app).is_some(), "an error outlasts 5 s");
    app.update(Action::Tick(now() + Duration::seconds(22)));
    assert_eq!(flash(&app), None);
}

#[test]
fn a_stale_offline_message_does_not_sit_beside_online() {
    let (mut app, _fx) = start();
    app.update(Action::SyncStatus(SyncStatus::Offline {
        reason: "the server did not answer".into(),
    }));
    assert!(flash(&app).is_some_and(|f| f.starts_with("offline:")));
    assert_eq!(app.online, Some(false));
    app.update(Action::SyncStatus(SyncStatus::Online));
    assert_eq!(app.online, Some(true));
    assert_eq!(flash(&app), None, "online replaces the offline message");
    let bar = screen(&app);
    assert!(
        bar.contains("● online") && !bar.contains("offline"),
        "{bar}"
    );

    // Any other message is left alone by the connection coming back.
    app.update(Action::SyncStatus(SyncStatus::Offline {
        reason: "timeout".into(),
    }));
    app.update(Action::SyncStatus(SyncStatus::Rejected {
        message: "customer: duplicate".into(),
    }));
    app.update(Action::SyncStatus(SyncStatus::Synced {
        at: now(),
        pulled: 0,
        pushed: 1,
    }));
    assert!(
        flash(&app).is_some_and(|f| f.contains("refused")),
        "{:?}",
        app.flash
    );
}

#[test]
fn an_empty_value_leaves_no_dangling_label() {
    let (mut app, fx) = start();
    let id = fixture_id(crm_server::schema::Entity::Customers, "code", "C000101");
    let mut cleared = serde_json::Map::new();
    cleared.insert("level".into(), serde_json::Value::Null);
    fx.replica()
        .update(crm_server::schema::Entity::Customers, &id, cleared)
        .expect("the level cleared");
    press(&mut app, "/");
    type_text(&mut app, "华为");
    press(&mut app, "<Enter>");
    assert!(app.customer_view().is_some());
    let head = screen(&app);
    let first_line = head.lines().nth(1).unwrap_or_default().to_string();
    assert!(!first_line.contains("level"), "{first_line}");
    assert!(
        first_line.contains("owner"),
        "the others stay: {first_line}"
    );
}

#[test]
fn help_lists_every_screens_bindings_and_filters_them() {
    let (mut app, _fx) = start();
    press(&mut app, "?");
    let help = app.help_text().expect("help open");
    let first_title = help.first().cloned().unwrap_or_default();
    assert!(
        first_title.contains("Customer list"),
        "the screen in view first: {first_title}"
    );
    for desc in [
        "First customer",
        "Reschedule the activity",
        "Most urgent ticket",
        "Last opportunity",
        "Help: filter the bindings as you type",
    ] {
        assert!(help.iter().any(|l| l.contains(desc)), "{desc}: {help:#?}");
    }
    press(&mut app, "/");
    type_text(&mut app, "reschedule");
    let narrowed = app.help_text().expect("help open");
    assert!(
        narrowed.len() >= 2 && narrowed.len() < help.len() / 4,
        "{narrowed:#?}"
    );
    assert!(
        narrowed
            .iter()
            .any(|l| l.contains("Reschedule the activity"))
    );
    assert!(
        narrowed
            .iter()
            // A screen's title, a binding whose text matches, or one whose action does (the
            // reminders' `r` runs `reschedule`).
            .all(|l| l.starts_with(' ')
                || l.to_lowercase().contains("reschedule")
                || l.starts_with("r ")),
        "a screen's title, or a binding that matches: {narrowed:#?}"
    );
    assert!(!narrowed.iter().any(|l| l.contains("First customer")));
    // Enter keeps the filter and j/k scroll again; Esc clears it, Esc again closes.
    press(&mut app, "<Enter>");
    assert_eq!(app.help_text().map(|h| h.len()), Some(narrowed.len()));
    press(&mut app, "<Esc>");
    assert_eq!(app.help_text().map(|h| h.len()), Some(help.len()));
    press(&mut app, "<Esc>");
    assert!(app.help_text().is_none());
}

#[test]
fn gg_is_top_wherever_g_is_bottom() {
    use crm::tui::action::Action as A;
    use crm::tui::keymap::{Key, Keymap, Mode, Resolved};
    let map = Keymap::default_map();
    for mode in Mode::ALL {
        let modes = [mode];
        if map.resolve(&modes, &[Key::char('G')]) == Resolved::Action(A::Bottom) {
            assert_eq!(
                map.resolve(&modes, &[Key::char('g'), Key::char('g')]),
                Resolved::Action(A::Top),
                "{mode:?}"
            );
        }
    }
    // The calendar's agenda: G to its last item, gg back to the first.
    let (mut app, _fx) = start();
    press(&mut app, "3 a G");
    assert_eq!(app.calendar.item, app.calendar.items.len() - 1);
    assert!(app.calendar.item > 0);
    press(&mut app, "g g");
    assert_eq!(app.calendar.item, 0);
    assert_eq!(app.dialog_name(), None, "gg is not go-to-date");
}
