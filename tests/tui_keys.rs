//! The TUI driven by keys against the in-memory fixtures: what each key sequence does to the
//! state and what it asks the data source to write.

use chrono::NaiveDate;
use crm::tui::action::{CalView, Effect, Pane};
use crm::tui::data::{DataSource, SourceStatus, TicketScope, text};
use crm::tui::dialogs::{Dialog, Purpose};
use crm::tui::fake::{FakeSource, fake_id, fixture_now};
use crm::tui::keymap::{Key, Mode, Overrides};
use crm::tui::{Action, App, SyncStatus, TuiOptions};
use crm_server::schema::Entity;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn options() -> TuiOptions {
    TuiOptions {
        profile: "work".into(),
        username: "li".into(),
        ..TuiOptions::default()
    }
}

fn start_with(options: TuiOptions, source: FakeSource) -> App {
    let mut app = App::new(options, Box::new(source), fixture_now());
    app.update(Action::Resize(100, 30));
    app
}

/// The app and a handle on its data, to see what it wrote.
fn start() -> (App, FakeSource) {
    let source = FakeSource::new();
    (start_with(options(), source.clone()), source)
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        effects.extend(app.key(KeyEvent {
            code: key.code,
            modifiers: key.mods,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }));
    }
    effects
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.key(KeyEvent::from(KeyCode::Char(c)));
    }
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    t.backend().to_string()
}

fn visible_names(app: &App) -> Vec<String> {
    app.customers
        .list
        .rows
        .iter()
        .map(|c| text(c, "name").to_string())
        .collect()
}

fn customer(n: u64) -> String {
    fake_id(Entity::Customers, n)
}

#[test]
fn search_narrows_the_list_and_enter_opens_the_360_view() {
    let (mut app, _) = start();
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
    assert_eq!(view.id, customer(1));
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
    let (mut app, _) = start();
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
    let (mut app, _) = start();
    press(&mut app, "/");
    type_text(&mut app, "王小明");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
    press(&mut app, "<Esc> /");
    app.update(Action::Paste("7946 0958".into()));
    assert_eq!(visible_names(&app), ["Acme Ltd."]);
}

#[test]
fn c_then_an_outcome_then_enter_logs_a_call() {
    let (mut app, source) = start();
    press(&mut app, "/");
    type_text(&mut app, "华为");
    press(&mut app, "<Enter> c");
    assert_eq!(app.dialog_name(), Some("log_call"));
    press(&mut app, "<Enter> <Enter>");
    assert_eq!(app.dialog_name(), None, "saved and closed");
    let writes = source.writes();
    let w = writes.last().expect("a write");
    assert_eq!((w.op, w.entity), ("create", Entity::Activities));
    assert_eq!(w.body["kind"], json!("call"));
    assert_eq!(w.body["outcome"], json!("answered"));
    assert_eq!(w.body["customer_id"], json!(customer(1)));
    assert_eq!(w.body["direction"], json!("outbound"));
    assert!(app.flash.as_ref().unwrap().text.contains("Call logged"));
    // The timeline shows it at once: nothing waits for the network.
    let view = app.customer_view().unwrap();
    assert!(view.timeline.iter().any(|e| text(&e.record, "outcome") == "answered" && e.at == "2026-11-25T09:00:00.000Z"));
}

#[test]
fn a_call_is_logged_from_the_list_with_a_digit_and_a_note() {
    let (mut app, source) = start();
    press(&mut app, "c 2");
    type_text(&mut app, "left a message");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(w.body["outcome"], json!("no_answer"));
    assert_eq!(w.body["notes"], json!("left a message"));
    assert_eq!(
        w.body["customer_id"],
        json!(customer(4)),
        "the first row, Acme"
    );
}

#[test]
fn moving_an_opportunity_to_won_asks_for_a_reason() {
    let (mut app, source) = start();
    press(&mut app, "2 l l l");
    let before = source.writes().len();
    press(&mut app, "L");
    let Some(Dialog::Prompt(p)) = app.dialogs.last() else {
        panic!("expected a prompt, got {:?}", app.dialog_name());
    };
    assert!(matches!(&p.purpose, Purpose::StageReason { kind, .. } if kind == "won"));
    press(&mut app, "<Enter>");
    assert_eq!(source.writes().len(), before, "an empty reason is refused");
    assert!(matches!(app.dialogs.last(), Some(Dialog::Prompt(p)) if p.error.is_some()));
    type_text(&mut app, "价格和交付期都有优势");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!((w.op, w.entity), ("update", Entity::Opportunities));
    assert_eq!(w.body["stage_id"], json!(fake_id(Entity::Stages, 5)));
    assert_eq!(w.body["close_reason"], json!("价格和交付期都有优势"));
    assert_eq!(app.funnel.summaries[4].count, 2, "won has it now");
}

#[test]
fn moving_between_open_stages_needs_no_reason() {
    let (mut app, source) = start();
    press(&mut app, "2 L");
    let w = source.writes().pop().unwrap();
    assert_eq!(w.body["stage_id"], json!(fake_id(Entity::Stages, 2)));
    assert_eq!(app.funnel.col, 1, "the cursor follows the opportunity");
    press(&mut app, "H");
    assert_eq!(
        source.writes().pop().unwrap().body["stage_id"],
        json!(fake_id(Entity::Stages, 1))
    );
}

#[test]
fn resolving_a_ticket_asks_for_a_note_and_closing_for_satisfaction() {
    let (mut app, source) = start();
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
    let w = source.writes().pop().unwrap();
    assert_eq!(
        w.body,
        json!({"status": "resolved", "resolution": "已重开发票"})
            .as_object()
            .cloned()
            .unwrap()
    );

    // Closing the next one: satisfaction first, then (no resolution yet) the note.
    press(&mut app, "x");
    assert_eq!(app.dialog_name(), Some("picker"));
    press(&mut app, "<Down> <Enter>");
    assert_eq!(app.dialog_name(), Some("prompt"));
    type_text(&mut app, "restarted the base station");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(w.body["status"], json!("closed"));
    assert_eq!(w.body["satisfaction"], json!(4));
}

#[test]
fn ticket_status_priority_and_assignee_change_with_keys() {
    let (mut app, source) = start();
    press(&mut app, "4 <Enter>");
    assert_eq!(app.pane_mode(), Mode::Ticket);
    press(&mut app, "p");
    type_text(&mut app, "urg");
    press(&mut app, "<Enter>");
    assert_eq!(
        source.writes().pop().unwrap().body["priority"],
        json!("urgent")
    );
    press(&mut app, "a");
    type_text(&mut app, "陈静");
    press(&mut app, "<Enter>");
    assert_eq!(
        source.writes().pop().unwrap().body["assignee_id"],
        json!(fake_id(Entity::Users, 6))
    );
    press(&mut app, "s");
    type_text(&mut app, "pend");
    press(&mut app, "<Enter>");
    assert_eq!(
        source.writes().pop().unwrap().body["status"],
        json!("pending")
    );
    press(&mut app, "c");
    type_text(&mut app, "已联系财务");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(
        (w.entity, &w.body["body"]),
        (Entity::Comments, &json!("已联系财务"))
    );
    let view = app.ticket_view().unwrap();
    assert_eq!(view.comments.len(), 1);
}

#[test]
fn ticket_scopes_filter_the_queue() {
    let (mut app, _) = start();
    press(&mut app, "4 u");
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
    let (mut app, _) = start();
    press(&mut app, ":");
    type_text(&mut app, "goto 2026-12-01");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane, Pane::Calendar);
    assert_eq!(
        app.calendar.cursor,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    );
    // And the same from the calendar's own key, typed naturally.
    press(&mut app, "g");
    type_text(&mut app, "next fri");
    press(&mut app, "<Enter>");
    assert_eq!(
        app.calendar.cursor,
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    );
    press(&mut app, "t");
    assert_eq!(app.calendar.cursor, fixture_now().date_naive());
}

#[test]
fn activities_are_created_rescheduled_and_completed_with_keys() {
    let (mut app, source) = start();
    press(&mut app, "3 a");
    assert_eq!(app.calendar.view, CalView::Agenda);
    let first = app.calendar.items[0].clone();
    assert_eq!(text(&first, "subject"), "准备需求清单");
    press(&mut app, "x");
    assert_eq!(source.writes().pop().unwrap().body["done"], json!(true));
    press(&mut app, "j r");
    type_text(&mut app, "+1d");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(
        w.body["starts_at"],
        json!("2026-11-26T14:00:00.000Z"),
        "a date keeps the time"
    );

    press(&mut app, "m n");
    assert_eq!(app.dialog_name(), Some("form"));
    type_text(&mut app, "Demo at the plant");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(w.body["subject"], json!("Demo at the plant"));
    assert_eq!(w.body["kind"], json!("meeting"));
    assert_eq!(
        w.body["starts_at"],
        json!("2026-11-25T10:00:00.000Z"),
        "today: the next full hour"
    );
}

#[test]
fn question_mark_lists_bindings_from_the_keymap() {
    let (mut app, _) = start();
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
    let mut app = start_with(
        TuiOptions {
            keymap: overrides,
            ..options()
        },
        FakeSource::new(),
    );
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
    let (mut app, source) = start();
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
    let before = source.writes().len();
    press(&mut app, "n");
    assert_eq!(
        app.dialog_name(),
        Some("form"),
        "back to the form, typing kept"
    );
    assert_eq!(source.writes().len(), before);
    press(&mut app, "<Enter> y");
    let w = source.writes().pop().unwrap();
    assert_eq!((w.op, w.entity), ("create", Entity::Customers));
    assert_eq!(w.body["name"], json!("Huawei Shenzhen"));
    assert!(app.customer_view().is_some(), "the new customer opens");
}

#[test]
fn a_failed_save_keeps_what_was_typed() {
    let (mut app, source) = start();
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
    assert!(source.writes().is_empty());
}

#[test]
fn pick_lists_fill_reference_fields() {
    let (mut app, source) = start();
    press(&mut app, "4 n");
    type_text(&mut app, "打印机卡纸");
    press(&mut app, "<Tab>");
    type_text(&mut app, "小米");
    assert_eq!(app.dialog_name(), Some("picker"));
    press(&mut app, "<Enter>");
    press(&mut app, "<Space> <Enter>");
    press(&mut app, "<Enter>");
    let w = source.writes().pop().unwrap();
    assert_eq!(w.entity, Entity::Tickets);
    assert_eq!(w.body["customer_id"], json!(customer(9)));
    assert_eq!(
        w.body["contact_id"],
        json!(fake_id(Entity::Contacts, 7)),
        "contacts of the chosen customer"
    );
}

#[test]
fn delete_is_confirmed_and_y_copies_the_id() {
    let (mut app, source) = start();
    let effects = press(&mut app, "y");
    assert_eq!(effects, [Effect::Clipboard(customer(4))]);
    assert!(app.flash.as_ref().unwrap().text.contains(&customer(4)));
    assert!(crm::tui::osc52("abc").starts_with("\x1b]52;c;YWJj"));
    press(&mut app, "d");
    assert_eq!(app.dialog_name(), Some("confirm"));
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("confirm"), "Enter does not delete");
    press(&mut app, "n");
    assert!(source.writes().is_empty());
    press(&mut app, "d y");
    assert_eq!(source.writes().pop().unwrap().op, "delete");
    assert_eq!(app.customers.list.rows.len(), 11);
}

#[test]
fn conflicts_open_a_side_by_side_chooser() {
    let (mut app, source) = start();
    assert_eq!(app.status.conflicts, 1);
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
    let w = source.writes().pop().unwrap();
    assert_eq!(w.op, "resolve");
    assert_eq!(
        w.body["phone"],
        json!("+44 20 7946 0999"),
        "theirs, as chosen"
    );
    assert_eq!(
        w.body["notes"],
        json!("Switchboard moved to the new office"),
        "mine, the default"
    );
    assert_eq!(app.status.conflicts, 0);
    assert_eq!(app.dialog_name(), None);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let (mut app, _) = start();
    press(&mut app, "n");
    type_text(&mut app, "half typed");
    let effects = app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(effects, [Effect::Quit]);
    let (mut app, _) = start();
    assert_eq!(press(&mut app, "q"), [Effect::Quit]);
    assert_eq!(press(&mut app, ": q <Enter>"), [Effect::Quit]);
}

#[test]
fn panes_switch_by_number_tab_and_mouse() {
    let (mut app, _) = start();
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
    let source = FakeSource::new();
    let app = start_with(
        TuiOptions {
            pop: Some("+86 138-0013-8000".into()),
            ..options()
        },
        source,
    );
    assert_eq!(
        app.customer_view().map(|v| v.id.clone()),
        Some(customer(1)),
        "found through a contact's mobile"
    );
    assert!(app.customer_view().is_some_and(|v| v.inbound));

    let app = start_with(
        TuiOptions {
            pop: Some("+86 139 9999 0000".into()),
            ..options()
        },
        FakeSource::new(),
    );
    let Some(Dialog::Form(form)) = app.dialogs.last() else {
        panic!("expected a form")
    };
    assert_eq!(
        form.field("phone").unwrap().input.value(),
        "+86 139 9999 0000"
    );
}

#[test]
fn a_million_customers_cost_a_window() {
    let source = FakeSource::with_synthetic(1_000_000);
    let mut app = start_with(options(), source.clone());
    let built = source.rows_built();
    // One window at the default size, one after the resize: each a screenful and a page either side.
    assert!(built <= 200, "opening built {built} rows");
    // G anchors the window at the end and reads it in reverse: nothing is counted.
    press(&mut app, "G");
    assert_eq!(
        text(app.customers.list.selected_row().unwrap(), "code"),
        "C1000000"
    );
    let s = screen(&app);
    assert!(s.contains("last"), "{s}");
    press(&mut app, "k k");
    assert_eq!(
        text(app.customers.list.selected_row().unwrap(), "code"),
        "C0999998"
    );
    assert!(screen(&app).contains("last − 2"));
    press(&mut app, "<C-u> g g");
    assert_eq!(app.customers.list.selected, 0);
    assert!(
        source.rows_built() - built <= 400,
        "moving built {} rows",
        source.rows_built() - built
    );
    let s = screen(&app);
    assert!(s.contains("1 / 75+"), "{s}");
}

#[test]
fn sync_messages_reach_the_status_bar() {
    let (mut app, source) = start();
    app.update(Action::SyncStatus(SyncStatus::Offline {
        reason: "connection refused".into(),
    }));
    assert!(screen(&app).contains("offline"));
    source.set_status(SourceStatus {
        pending: 0,
        conflicts: 0,
        last_sync: None,
        online: None,
    });
    app.update(Action::SyncStatus(SyncStatus::Synced {
        at: fixture_now(),
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
    let _ = source.status();
}

#[test]
fn filters_and_sort_apply_to_the_list() {
    let (mut app, _) = start();
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
    let mut source = FakeSource::new();
    let tail_customer = "尾单测试贸易有限公司";
    let created = source
        .create(
            Entity::Customers,
            json!({"name": tail_customer}).as_object().unwrap().clone(),
        )
        .expect("a customer is created");
    let tail_id = text(&created, "id").to_string();
    // Equal due times sort by number: the tail tickets, created last, end the queue, far
    // outside the first window read.
    for n in 0..300 {
        let (subject, owner) = if n < 270 {
            (format!("Queue filler {n}"), customer(1))
        } else {
            (format!("Queue tail {n}"), tail_id.clone())
        };
        let body = json!({"subject": subject, "customer_id": owner, "priority": "low"});
        source
            .create(Entity::Tickets, body.as_object().unwrap().clone())
            .expect("a ticket is created");
    }
    let mut app = start_with(options(), source);
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
    let mut source = FakeSource::new();
    for n in 0..12 {
        let body = json!({
            "kind": "task",
            "subject": format!("Busy {n}"),
            "starts_at": "2026-12-10T09:00:00Z",
            "customer_id": customer(1),
        });
        source
            .create(Entity::Activities, body.as_object().unwrap().clone())
            .expect("an activity is created");
    }
    let mut app = start_with(options(), source);
    app.update(Action::Resize(80, 24));
    press(&mut app, ":");
    type_text(&mut app, "goto 2026-12-10");
    press(&mut app, "<Enter>");
    let screen = screen(&app);
    assert!(screen.contains("10•12"), "{screen}");
}
