//! The TUI driven by keys over a real replica filled from the fixtures: what each key sequence
//! does to the state and what it writes to the replica's outbox.

mod support;

use chrono::NaiveDate;
use crm::replica::{EntryState, Op};
use crm::tui::action::{CalView, Effect, Pane};
use crm::tui::data::{DataSource, TicketScope, text};
use crm::tui::dialogs::{Dialog, Purpose};
use crm::tui::keymap::{Mode, Overrides};
use crm::tui::{Action, App, SyncStatus, TuiOptions};
use crm_server::schema::Entity;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use serde_json::json;
use support::{
    Fixture, app_over, fixture_id, now, options, press, screen, start, start_with, type_text,
};

fn visible_names(app: &App) -> Vec<String> {
    app.customers
        .list
        .rows
        .iter()
        .map(|c| text(c, "name").to_string())
        .collect()
}

/// A fixture customer's id, by code.
fn customer(code: &str) -> String {
    fixture_id(Entity::Customers, "code", code)
}

fn stage(name: &str) -> String {
    fixture_id(Entity::Stages, "name", name)
}

#[test]
fn search_narrows_the_list_and_enter_opens_the_360_view() {
    let (mut app, _fx) = start();
    assert_eq!(app.customers.list.rows.len(), 12);
    press(&mut app, "/");
    assert_eq!(
        app.modes(),
        [Mode::Dialog],
        "typing goes to the search line"
    );
    type_text(&mut app, "华为");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
    press(&mut app, "<Enter>");
    let view = app.customer_view().expect("360 view open");
    assert_eq!(view.id, customer("C000101"));
    assert_eq!(app.pane_mode(), Mode::Customer);
    let s = screen(&app);
    assert!(
        s.contains("Contacts (2)") && s.contains("Opportunities (2)") && s.contains("Timeline"),
        "{s}"
    );
    press(&mut app, "<Esc>");
    assert!(app.customer_view().is_none());
    assert_eq!(
        visible_names(&app),
        ["华为技术有限公司"],
        "the search stays until cleared"
    );
    press(&mut app, "<Esc>");
    assert_eq!(app.customers.list.rows.len(), 12);
}

#[test]
fn the_command_line_searches_customers() {
    let (mut app, _fx) = start();
    press(&mut app, "3 :");
    type_text(&mut app, "cust 张");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane, Pane::Customers);
    assert_eq!(visible_names(&app), ["张记餐饮"]);
    press(&mut app, ":");
    type_text(&mut app, "ticket new");
    press(&mut app, "<Enter>");
    assert_eq!((app.pane, app.dialog_name()), (Pane::Tickets, Some("form")));
}

#[test]
fn search_covers_phone_and_contact_names() {
    let (mut app, _fx) = start();
    press(&mut app, "/");
    type_text(&mut app, "王小明");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
    press(&mut app, "<Esc> /");
    // The rows are read off the UI thread: answered here as the reader thread would.
    let effects = app.update(Action::Paste("30 901820".into()));
    app.settle(effects);
    assert_eq!(visible_names(&app), ["Globex Corporation"]);
}

#[test]
fn c_then_an_outcome_then_enter_logs_a_call() {
    let (mut app, fx) = start();
    press(&mut app, "/");
    type_text(&mut app, "华为");
    press(&mut app, "<Enter> c");
    assert_eq!(app.dialog_name(), Some("log_call"));
    press(&mut app, "<Enter> <Enter>");
    assert_eq!(app.dialog_name(), None, "saved and closed");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Create, Entity::Activities));
    assert_eq!(w.fields["kind"], json!("call"));
    assert_eq!(w.fields["outcome"], json!("answered"));
    assert_eq!(w.fields["customer_id"], json!(customer("C000101")));
    assert_eq!(w.fields["direction"], json!("outbound"));
    assert!(app.flash.as_ref().unwrap().text.contains("Call logged"));
    // The timeline shows it at once: nothing waits for the network.
    let view = app.customer_view().unwrap();
    assert!(view.timeline.iter().any(|e| text(&e.record, "outcome") == "answered" && e.at == "2026-11-25T09:00:00.000Z"));
}

#[test]
fn a_call_is_logged_from_the_list_with_a_digit_and_a_note() {
    let (mut app, fx) = start();
    press(&mut app, "c 2");
    type_text(&mut app, "left a message");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.fields["outcome"], json!("no_answer"));
    assert_eq!(w.fields["notes"], json!("left a message"));
    assert_eq!(
        w.fields["customer_id"],
        json!(customer("C000102")),
        "the first row in pinyin order, 阿里巴巴 (a li ba ba)"
    );
}

#[test]
fn moving_an_opportunity_to_won_asks_for_a_reason() {
    let (mut app, fx) = start();
    press(&mut app, "2 l l l");
    let before = fx.outbox();
    press(&mut app, "L");
    let Some(Dialog::Prompt(p)) = app.dialogs.last() else {
        panic!("expected a prompt, got {:?}", app.dialog_name());
    };
    assert!(matches!(&p.purpose, Purpose::StageReason { kind, .. } if kind == "won"));
    press(&mut app, "<Enter>");
    assert_eq!(fx.outbox(), before, "an empty reason is refused");
    assert!(matches!(app.dialogs.last(), Some(Dialog::Prompt(p)) if p.error.is_some()));
    type_text(&mut app, "价格和交付期都有优势");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Update, Entity::Opportunities));
    assert_eq!(w.fields["stage_id"], json!(stage("won")));
    assert_eq!(w.fields["close_reason"], json!("价格和交付期都有优势"));
    assert_eq!(app.funnel.summaries[4].count, 2, "won has it now");
}

#[test]
fn moving_between_open_stages_needs_no_reason() {
    let (mut app, fx) = start();
    press(&mut app, "2 L");
    let w = fx.last_written();
    assert_eq!(w.fields["stage_id"], json!(stage("qualified")));
    assert_eq!(app.funnel.col, 1, "the cursor follows the opportunity");
    press(&mut app, "H");
    assert_eq!(fx.last_written().fields["stage_id"], json!(stage("lead")));
}

#[test]
fn resolving_a_ticket_asks_for_a_note_and_closing_no_satisfaction() {
    let (mut app, fx) = start();
    press(&mut app, "4");
    assert_eq!(app.tickets.query.scope, TicketScope::Mine);
    let first = text(app.tickets.list.selected_row().unwrap(), "number").to_string();
    assert_eq!(first, "T-000102", "the breached one first");
    press(&mut app, "r");
    assert!(
        matches!(app.dialogs.last(), Some(Dialog::Prompt(p)) if matches!(p.purpose, Purpose::ResolveNote(_)))
    );
    type_text(&mut app, "已重开发票");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Update, Entity::Tickets));
    assert_eq!(
        w.fields,
        json!({"status": "resolved", "resolution": "已重开发票"})
            .as_object()
            .cloned()
            .unwrap()
    );

    // Closing the next one: no score asked (the return visit asks the customer), only the
    // note it lacks.
    press(&mut app, "x");
    assert_eq!(app.dialog_name(), Some("prompt"));
    type_text(&mut app, "restarted the base station");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.fields["status"], json!("closed"));
    assert!(!w.fields.contains_key("satisfaction"), "{:?}", w.fields);
}

#[test]
fn ticket_status_priority_and_assignee_change_with_keys() {
    let (mut app, fx) = start();
    press(&mut app, "4 <Enter>");
    assert_eq!(app.pane_mode(), Mode::Ticket);
    press(&mut app, "p");
    type_text(&mut app, "urg");
    press(&mut app, "<Enter>");
    assert_eq!(fx.last_written().fields["priority"], json!("urgent"));
    press(&mut app, "a");
    type_text(&mut app, "陈静");
    press(&mut app, "<Enter>");
    assert_eq!(
        fx.last_written().fields["assignee_id"],
        json!(fixture_id(Entity::Users, "username", "chen"))
    );
    press(&mut app, "s");
    type_text(&mut app, "pend");
    press(&mut app, "<Enter>");
    assert_eq!(fx.last_written().fields["status"], json!("pending"));
    press(&mut app, "c");
    type_text(&mut app, "已联系财务");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(
        (w.entity, &w.fields["body"]),
        (Entity::Comments, &json!("已联系财务"))
    );
    let view = app.ticket_view().unwrap();
    assert_eq!(view.comments.len(), 1);
}

#[test]
fn ticket_scopes_filter_the_queue() {
    let (mut app, _fx) = start();
    press(&mut app, "4 U");
    assert!(
        app.tickets
            .list
            .rows
            .iter()
            .all(|t| t.get("assignee_id").is_none_or(|v| v.is_null()))
    );
    assert_eq!(app.tickets.list.rows.len(), 3);
    press(&mut app, "A");
    assert_eq!(app.tickets.list.rows.len(), 6, "open ones only");
    press(&mut app, "z");
    assert_eq!(app.tickets.list.rows.len(), 7, "and the resolved one");
}

#[test]
fn goto_moves_the_calendar() {
    let (mut app, _fx) = start();
    press(&mut app, ":");
    type_text(&mut app, "goto 2026-12-01");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane, Pane::Calendar);
    assert_eq!(
        app.calendar.cursor,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    );
    // And the same from the calendar's own key, typed naturally.
    press(&mut app, "g d");
    type_text(&mut app, "next fri");
    press(&mut app, "<Enter>");
    assert_eq!(
        app.calendar.cursor,
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    );
    press(&mut app, "t");
    assert_eq!(app.calendar.cursor, now().date_naive());
}

#[test]
fn activities_are_created_rescheduled_and_completed_with_keys() {
    let (mut app, fx) = start();
    press(&mut app, "3 a");
    assert_eq!(app.calendar.view, CalView::Agenda);
    let first = app.calendar.items[0].clone();
    assert_eq!(text(&first, "subject"), "准备需求清单");
    press(&mut app, "x");
    assert_eq!(fx.last_written().fields["done"], json!(true));
    press(&mut app, "j r");
    type_text(&mut app, "+1d");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(
        w.fields["starts_at"],
        json!("2026-11-26T14:00:00.000Z"),
        "a date keeps the time"
    );

    press(&mut app, "m n");
    assert_eq!(app.dialog_name(), Some("form"));
    type_text(&mut app, "Demo at the plant");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.fields["subject"], json!("Demo at the plant"));
    assert_eq!(w.fields["kind"], json!("meeting"));
    assert_eq!(
        w.fields["starts_at"],
        json!("2026-11-25T10:00:00.000Z"),
        "today: the next full hour"
    );
}

#[test]
fn question_mark_lists_bindings_from_the_keymap() {
    let (mut app, _fx) = start();
    press(&mut app, "?");
    let help = app.help_text().expect("help open");
    assert!(
        help.iter()
            .any(|l| l.contains("Log a call with this customer"))
    );
    assert!(
        help.iter()
            .any(|l| l.contains("g g") && l.contains("First customer"))
    );
    press(&mut app, "<Esc>");
    assert!(app.help_text().is_none());

    // A user's override shows in help, with the action's description.
    let mut overrides = Overrides::new();
    overrides.insert(
        "customers".into(),
        [("L".to_string(), "log_call".to_string())]
            .into_iter()
            .collect(),
    );
    let (mut app, _fx) = start_with(TuiOptions {
        keymap: overrides,
        ..options()
    });
    press(&mut app, "?");
    let help = app.help_text().unwrap();
    assert!(
        help.iter()
            .any(|l| l.starts_with("L, c ") || l.starts_with("c, L ") || l.starts_with("L ")),
        "{help:?}"
    );
    press(&mut app, "<Esc> L");
    assert_eq!(app.dialog_name(), Some("log_call"));
}

#[test]
fn duplicate_customers_are_flagged_before_the_local_create() {
    let (mut app, fx) = start();
    press(&mut app, "n");
    type_text(&mut app, "Huawei Shenzhen");
    press(&mut app, "<Tab> <Tab> <Tab> <Tab> <Tab>");
    type_text(&mut app, "+86 (755) 2878-0808");
    press(&mut app, "<Enter>");
    let Some(Dialog::Confirm(c)) = app.dialogs.last() else {
        panic!(
            "expected the duplicate warning, got {:?}",
            app.dialog_name()
        );
    };
    assert!(
        c.lines[0].contains("Same phone as C000101 华为技术有限公司 owned by 李娜"),
        "{:?}",
        c.lines
    );
    let before = fx.outbox();
    press(&mut app, "n");
    assert_eq!(
        app.dialog_name(),
        Some("form"),
        "back to the form, typing kept"
    );
    assert_eq!(fx.outbox(), before);
    press(&mut app, "<Enter> y");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Create, Entity::Customers));
    assert_eq!(w.fields["name"], json!("Huawei Shenzhen"));
    assert!(
        w.allow_duplicate,
        "the server is told the user saw the duplicate"
    );
    assert!(app.customer_view().is_some(), "the new customer opens");
}

#[test]
fn a_failed_save_keeps_what_was_typed() {
    let (mut app, fx) = start();
    press(&mut app, "<Enter> o");
    type_text(&mut app, "Big deal");
    press(&mut app, "<Tab> <Tab> <Tab>");
    type_text(&mut app, "twelve dollars");
    press(&mut app, "<Enter>");
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!()
    };
    let amount = form.field("amount").unwrap();
    assert_eq!(
        amount.error.as_deref(),
        Some("must be an amount like 12,345.67")
    );
    assert_eq!(amount.input.value(), "twelve dollars");
    assert_eq!(form.field("name").unwrap().input.value(), "Big deal");
    assert!(fx.written().is_empty());
}

#[test]
fn pick_lists_fill_reference_fields() {
    let (mut app, fx) = start();
    press(&mut app, "4 n");
    type_text(&mut app, "打印机卡纸");
    press(&mut app, "<Tab>");
    type_text(&mut app, "小米");
    assert_eq!(app.dialog_name(), Some("picker"));
    press(&mut app, "<Enter>");
    press(&mut app, "<Space> <Enter>");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::Tickets);
    assert_eq!(w.fields["customer_id"], json!(customer("C000109")));
    assert_eq!(
        w.fields["contact_id"],
        json!(fixture_id(Entity::Contacts, "name", "孙悦")),
        "contacts of the chosen customer"
    );
}

#[test]
fn delete_is_confirmed_and_y_copies_the_id() {
    let (mut app, fx) = start();
    let effects = press(&mut app, "y");
    assert_eq!(effects, [Effect::Clipboard(customer("C000102"))]);
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains(&customer("C000102"))
    );
    assert!(crm::tui::osc52("abc").starts_with("\x1b]52;c;YWJj"));
    press(&mut app, "d");
    assert_eq!(app.dialog_name(), Some("confirm"));
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("confirm"), "Enter does not delete");
    press(&mut app, "n");
    assert!(fx.written().is_empty());
    press(&mut app, "d y");
    let w = fx.last_written();
    assert_eq!((w.op, w.record_id), (Op::Delete, customer("C000102")));
    assert_eq!(app.customers.list.rows.len(), 11);
}

#[test]
fn conflicts_open_a_side_by_side_chooser() {
    let (mut app, fx) = start();
    assert_eq!(
        app.status.conflicts, 2,
        "phone and notes changed on both sides"
    );
    // A click on the status bar opens it too.
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 90,
        row: 28,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.dialog_name(), Some("conflicts"));
    press(&mut app, "<Esc> !");
    assert_eq!(app.dialog_name(), Some("conflicts"));
    press(&mut app, "j l <Enter>");
    // Theirs for the phone, as chosen: no longer sent, the server's value shown. Mine for the
    // notes, the default: still to be sent, and no longer held back by a conflict.
    let acme = customer("C000104");
    let entries: Vec<_> = fx
        .outbox()
        .into_iter()
        .filter(|e| e.record_id == acme)
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0].op, entries[0].state),
        (Op::Update, EntryState::Pending)
    );
    assert_eq!(
        entries[0].fields,
        json!({"notes": "Switchboard moved to the new office"})
            .as_object()
            .cloned()
            .unwrap()
    );
    let shown = fx.source().get(Entity::Customers, &acme).unwrap().unwrap();
    assert_eq!(
        (&shown["phone"], &shown["notes"]),
        (
            &json!("+44 20 7946 0999"),
            &json!("Switchboard moved to the new office")
        )
    );
    assert_eq!(app.status.conflicts, 0);
    assert_eq!(app.dialog_name(), None);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let (mut app, _fx) = start();
    press(&mut app, "n");
    type_text(&mut app, "half typed");
    // Typing in a form is not thrown away unasked: the first Ctrl-C asks, a second quits.
    let effects = app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(effects, []);
    assert_eq!(app.dialog_name(), Some("confirm"));
    let effects = app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(effects, [Effect::Quit]);
    let (mut app, _fx) = start();
    press(&mut app, "4 /");
    let effects = app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(effects, [Effect::Quit], "a search line is no form");
    let (mut app, _fx) = start();
    assert_eq!(press(&mut app, "q"), [Effect::Quit]);
    assert_eq!(press(&mut app, ": q <Enter>"), [Effect::Quit]);
}

#[test]
fn panes_switch_by_number_tab_and_mouse() {
    let (mut app, _fx) = start();
    press(&mut app, "3");
    assert_eq!(app.pane, Pane::Calendar);
    press(&mut app, "<Tab>");
    assert_eq!(app.pane, Pane::Tickets);
    press(&mut app, "<Tab>");
    assert_eq!(app.pane, Pane::Customers);
    press(&mut app, "<BackTab>");
    assert_eq!(app.pane, Pane::Tickets);
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Action::Mouse(click(16, 0)));
    assert_eq!(app.pane, Pane::Funnel);
    app.update(Action::Mouse(click(3, 0)));
    // Rows start under the tab bar and two header lines; click the fourth customer.
    app.update(Action::Mouse(click(10, 6)));
    assert_eq!(app.customers.list.selected, 3);
    app.update(Action::Mouse(click(10, 6)));
    assert!(app.customer_view().is_some(), "a second click opens");
    press(&mut app, "<Esc>");
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.customers.list.selected, 6);
}

#[test]
fn a_pop_opens_the_caller_or_a_new_customer_form() {
    let (app, _fx) = start_with(TuiOptions {
        pop: Some("+86 138-0013-8000".into()),
        ..options()
    });
    assert_eq!(
        app.customer_view().map(|v| v.id.clone()),
        Some(customer("C000101")),
        "found through a contact's mobile"
    );
    assert!(app.customer_view().is_some_and(|v| v.inbound));

    let (app, _fx) = start_with(TuiOptions {
        pop: Some("+86 139 9999 0000".into()),
        ..options()
    });
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!("expected a form")
    };
    assert_eq!(
        form.field("phone").unwrap().input.value(),
        "+86 139 9999 0000"
    );
}

#[test]
fn a_long_list_costs_a_window() {
    // Ten thousand customers, synced in pages: a list that read them all would read 10,000 rows.
    let fx = Fixture::synthetic(10_000);
    let source = fx.source();
    let read = source.rows_read();
    let rows = || read.load(std::sync::atomic::Ordering::Relaxed);
    let mut app = app_over(Box::new(source), options(), 100, 30);
    let built = rows();
    // One window at the default size, one after the resize: each a screenful and a page either side.
    assert!(built <= 200, "opening built {built} rows");
    // G anchors the window at the end and reads it in reverse: nothing is counted.
    press(&mut app, "G");
    assert_eq!(
        text(app.customers.list.selected_row().unwrap(), "code"),
        "C0010000"
    );
    let s = screen(&app);
    assert!(s.contains("last"), "{s}");
    press(&mut app, "k k");
    assert_eq!(
        text(app.customers.list.selected_row().unwrap(), "code"),
        "C0009998"
    );
    assert!(screen(&app).contains("last − 2"));
    press(&mut app, "<C-u> g g");
    assert_eq!(app.customers.list.selected, 0);
    assert!(
        rows() - built <= 400,
        "moving built {} rows",
        rows() - built
    );
    let s = screen(&app);
    assert!(s.contains("1 / 75+"), "{s}");
}

#[test]
fn sync_messages_reach_the_status_bar() {
    let (mut app, _fx) = start();
    let s = screen(&app);
    assert!(
        s.contains("synced 3m ago"),
        "the replica's last sync, on the fixtures' clock: {s}"
    );
    app.update(Action::SyncStatus(SyncStatus::Offline {
        reason: "connection refused".into(),
    }));
    assert!(screen(&app).contains("offline"));
    app.update(Action::SyncStatus(SyncStatus::Synced {
        at: now(),
        pulled: 3,
        pushed: 2,
    }));
    let s = screen(&app);
    assert!(s.contains("online") && s.contains("synced just now"), "{s}");
    assert_eq!(press(&mut app, "<C-r>"), [Effect::SyncNow]);
    app.update(Action::SyncStatus(SyncStatus::Rejected {
        message: "duplicate of C000101".into(),
    }));
    assert!(app.flash.as_ref().unwrap().error);
}

#[test]
fn filters_and_sort_apply_to_the_list() {
    let (mut app, _fx) = start();
    press(&mut app, "f");
    type_text(&mut app, "A");
    press(&mut app, "<Enter> <Enter>");
    assert_eq!(app.dialog_name(), None);
    assert_eq!(app.customers.query.level.as_deref(), Some("A"));
    assert!(
        app.customers
            .list
            .rows
            .iter()
            .all(|c| text(c, "level") == "A")
    );
    assert_eq!(app.customers.list.rows.len(), 4);
    press(&mut app, "F s");
    assert_eq!(app.customers.list.rows.len(), 12);
    assert_eq!(
        text(&app.customers.list.rows[0], "code"),
        "C000101",
        "sorted by code"
    );
    press(&mut app, "S");
    assert_eq!(text(&app.customers.list.rows[0], "code"), "C000112");
}

#[test]
fn the_far_end_of_a_long_ticket_queue_names_its_customers() {
    let fx = Fixture::load();
    let mut source = fx.source();
    let tail_customer = "尾单测试贸易有限公司";
    let created = source
        .create(
            Entity::Customers,
            json!({"name": tail_customer}).as_object().unwrap().clone(),
        )
        .expect("a customer is created");
    let tail_id = text(&created, "id").to_string();
    // Tickets not yet sent have no SLA clock (the server sets it) and sort after those that do,
    // in the order they were made: the tail tickets, created last, end the queue, far outside
    // the first window read.
    for n in 0..300 {
        let (subject, owner) = if n < 270 {
            (format!("Queue filler {n}"), customer("C000101"))
        } else {
            (format!("Queue tail {n}"), tail_id.clone())
        };
        let body = json!({"subject": subject, "customer_id": owner, "priority": "low"});
        source
            .create(Entity::Tickets, body.as_object().unwrap().clone())
            .expect("a ticket is created");
    }
    let mut app = app_over(Box::new(source), options(), 100, 30);
    press(&mut app, "4 A");
    for _ in 0..300 {
        press(&mut app, "j");
    }
    let screen = screen(&app);
    let tail_rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("Queue tail"))
        .collect();
    assert!(!tail_rows.is_empty(), "{screen}");
    let shown: String = tail_customer.chars().take(4).collect();
    for row in tail_rows {
        assert!(row.contains(&shown), "no customer on {row:?}\n{screen}");
    }
}

#[test]
fn a_busy_day_shows_its_whole_count_at_80_columns() {
    let fx = Fixture::load();
    // Twelve of the user's tasks on one day, synced from the server.
    let me = fixture_id(Entity::Users, "username", support::ME);
    let busy = (0..12)
        .map(|n| {
            support::server_record(
                Entity::Activities,
                &format!("00000007-0001-7000-8000-{n:012x}"),
                json!({
                    "kind": "task",
                    "subject": format!("Busy {n}"),
                    "starts_at": "2026-12-10T09:00:00.000Z",
                    "customer_id": customer("C000101"),
                    "owner_id": me,
                }),
                now(),
            )
        })
        .collect();
    support::apply_records(&fx.replica(), Entity::Activities, busy, &mut 100_000);
    let mut app = app_over(Box::new(fx.source()), options(), 80, 24);
    press(&mut app, ":");
    type_text(&mut app, "goto 2026-12-10");
    press(&mut app, "<Enter>");
    let screen = screen(&app);
    assert!(screen.contains("10•12"), "{screen}");
}
