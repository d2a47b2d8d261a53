//! Navigation over the real local replica: views open on top of the pane they came from, the
//! header shows the way back, Esc and q retrace it to exactly where the user was.

use chrono::{DateTime, Utc};
use crm::replica::Replica;
use crm::tui::data::{DataSource, text};
use crm::tui::keymap::Key;
use crm::tui::{Action, App, Effect, Pane, ReplicaSource, TuiOptions};
use crm_server::schema::Entity;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Map, Value, json};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        let asked = app.key(KeyEvent {
            code: key.code,
            modifiers: key.mods,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        });
        // The loads and writes the TUI's threads would answer, answered at once.
        effects.extend(app.settle(asked));
    }
    effects
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        let asked = app.key(KeyEvent::from(KeyCode::Char(c)));
        app.settle(asked);
    }
}

fn header(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, 0)].symbol().to_string())
        .collect()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
        .unwrap()
        .to_utc()
}

/// An app over a fresh replica holding `n` customers "Customer 000".."Customer n-1".
fn start(n: usize) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut source = ReplicaSource::new(Replica::open(&dir.path().join("replica.db")).unwrap());
    for i in 0..n {
        source
            .create(
                Entity::Customers,
                obj(json!({"name": format!("Customer {i:03}")})),
            )
            .unwrap();
    }
    // The call dialog's codes.
    source
        .create(
            Entity::WrapUpCodes,
            obj(json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1})),
        )
        .unwrap();
    let options = TuiOptions {
        profile: "local".into(),
        username: "li".into(),
        ..TuiOptions::default()
    };
    let mut app = App::new(options, Box::new(source), now());
    app.update(Action::Resize(100, 30));
    (dir, app)
}

fn selected_name(app: &App) -> String {
    app.customers
        .list
        .selected_row()
        .map(|c| text(c, "name").to_string())
        .unwrap_or_default()
}

#[test]
fn esc_retraces_customer_and_ticket_to_the_same_row_of_the_list() {
    let (_dir, mut app) = start(60);
    press(&mut app, "<C-d> <C-d> j j");
    let (row, offset, name) = (
        app.customers.list.selected,
        app.customers.list.offset,
        selected_name(&app),
    );
    assert!(
        row > 20 && offset > 0,
        "scrolled: row {row}, offset {offset}"
    );

    press(&mut app, "<Enter>");
    assert_eq!(app.breadcrumb(), ["Customers".to_string(), name.clone()]);
    assert!(
        header(&app).contains(&format!("Customers › {name}")),
        "{}",
        header(&app)
    );

    // A ticket from the 360° view, then opened from its timeline.
    press(&mut app, "t");
    type_text(&mut app, "发票抬头错误");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None, "{:?}", app.flash);
    let view = app.customer_view().expect("still on the customer");
    let at = view
        .timeline
        .iter()
        .position(|e| e.entity == Entity::Tickets)
        .expect("the ticket is on the timeline");
    for _ in 0..at {
        press(&mut app, "j");
    }
    press(&mut app, "<Enter>");
    assert_eq!(
        app.pane,
        Pane::Customers,
        "the ticket opens on top of the customer"
    );
    assert_eq!(
        app.breadcrumb(),
        [
            "Customers".to_string(),
            name.clone(),
            "发票抬头错误".to_string()
        ]
    );
    // Wide characters fill two cells: compare without the spaces.
    let squeezed = |s: &str| s.replace(' ', "");
    assert!(
        squeezed(&header(&app)).contains(&squeezed(&format!("Customers › {name} › 发票抬头错误"))),
        "{}",
        header(&app)
    );

    press(&mut app, "<Esc>");
    assert!(app.ticket_view().is_none());
    let view = app.customer_view().expect("back on the customer");
    assert_eq!(text(&view.customer, "name"), name);
    assert_eq!(view.cursor[2], at, "the timeline row it was on");

    press(&mut app, "<Esc>");
    assert_eq!(app.breadcrumb(), ["Customers".to_string()]);
    assert_eq!(
        (
            app.customers.list.selected,
            app.customers.list.offset,
            selected_name(&app)
        ),
        (row, offset, name),
        "the same row, scrolled the same"
    );
}

#[test]
fn q_backs_out_of_views_and_quits_only_from_the_pane() {
    let (_dir, mut app) = start(3);
    press(&mut app, "j <Enter>");
    assert!(app.customer_view().is_some());
    assert_eq!(
        press(&mut app, "q"),
        [],
        "q leaves the view, not the program"
    );
    assert!(app.customer_view().is_none());
    assert_eq!(app.customers.list.selected, 1);
    assert_eq!(press(&mut app, "q"), [Effect::Quit]);

    press(&mut app, "<Enter>");
    assert!(app.customer_view().is_some());
    assert_eq!(
        press(&mut app, ": q <Enter>"),
        [Effect::Quit],
        ":q always quits"
    );
}

#[test]
fn each_pane_keeps_its_own_way_back_and_a_crumb_click_goes_back() {
    let (_dir, mut app) = start(5);
    // A call today puts the customer on the calendar.
    press(&mut app, "j j <Enter> c 1 <Enter>");
    let name = text(&app.customer_view().unwrap().customer, "name").to_string();

    press(&mut app, "3");
    assert_eq!(app.breadcrumb(), ["Calendar".to_string()]);
    let day = app.calendar.cursor;
    press(&mut app, "<Enter>");
    assert_eq!(
        app.pane,
        Pane::Calendar,
        "the customer opens over the calendar"
    );
    assert_eq!(app.breadcrumb(), ["Calendar".to_string(), name.clone()]);

    // The customers pane still has its own view open.
    press(&mut app, "1");
    assert_eq!(app.breadcrumb(), ["Customers".to_string(), name.clone()]);
    press(&mut app, "3");

    // Clicking the first step of the breadcrumb goes back to it.
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 3,
        row: 0,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.breadcrumb(), ["Calendar".to_string()]);
    assert_eq!(app.calendar.cursor, day);
}

#[test]
fn deleting_the_record_in_view_closes_it_and_the_view_below_shows_the_change() {
    let (_dir, mut app) = start(2);
    press(&mut app, "<Enter> t");
    type_text(&mut app, "打印机卡纸");
    press(&mut app, "<Enter>");
    let at = app
        .customer_view()
        .unwrap()
        .timeline
        .iter()
        .position(|e| e.entity == Entity::Tickets)
        .unwrap();
    for _ in 0..at {
        press(&mut app, "j");
    }
    press(&mut app, "<Enter>");
    assert!(app.ticket_view().is_some());
    press(&mut app, "d y");
    assert!(
        app.ticket_view().is_none(),
        "the deleted ticket's view closed"
    );
    let view = app.customer_view().expect("back on its customer");
    assert!(
        view.timeline.iter().all(|e| e.entity != Entity::Tickets),
        "the customer's timeline no longer lists it"
    );
}

#[test]
fn space_marks_rows_and_d_deletes_the_marked_ones_after_asking() {
    let (_dir, mut app) = start(6);
    press(&mut app, "j <Space> <Space> j <Space>");
    let marked: Vec<String> = app.customers.list.marks.iter().cloned().collect();
    assert_eq!(marked.len(), 3);
    assert!(
        app.customers.list.status().starts_with("3 marked"),
        "{}",
        app.customers.list.status()
    );
    press(&mut app, "d");
    assert_eq!(app.dialog_name(), Some("confirm"));
    press(&mut app, "y");
    assert_eq!(app.customers.list.len, Some(3), "three customers left");
    assert!(app.customers.list.marks.is_empty());
    let names: Vec<String> = app
        .customers
        .list
        .rows
        .iter()
        .map(|c| text(c, "name").to_string())
        .collect();
    assert_eq!(names, ["Customer 000", "Customer 003", "Customer 005"]);
}

#[test]
fn slash_filters_the_list_as_you_type_and_esc_clears_it() {
    let (_dir, mut app) = start(30);
    press(&mut app, "/");
    type_text(&mut app, "Customer 021");
    let len = app.customers.list.len.unwrap_or(usize::MAX);
    assert!(len < 30, "narrowed: {}", app.customers.list.position());
    assert_eq!(selected_name(&app), "Customer 021", "the best match first");
    press(&mut app, "<Enter>");
    assert_eq!(
        text(&app.customer_view().unwrap().customer, "name"),
        "Customer 021"
    );
    press(&mut app, "<Esc>");
    assert_eq!(
        app.customers.query.search, "Customer 021",
        "the filter stays until cleared"
    );
    press(&mut app, "<Esc>");
    assert!(app.customers.query.search.is_empty());
    assert_eq!(app.customers.list.selected, 0);
}

/// A replica filled the way a sync fills it: a numbered customer with two contacts.
fn synced() -> (tempfile::TempDir, App) {
    use crm_server::wire::{FeedEntry, FeedOp, FeedPage};
    let dir = tempfile::tempdir().unwrap();
    let replica = Replica::open(&dir.path().join("replica.db")).unwrap();
    let stamp = "2026-11-01T00:00:00.000Z";
    let id = |n: u32| format!("00000000-0000-7000-8000-{n:012}");
    let customer = obj(json!({
        "id": id(1), "version": 1, "created_at": stamp, "updated_at": stamp, "created_by": null,
        "code": "C000676", "name": "上海东华贸易有限公司", "kind": "company", "industry": null, "region": null,
        "level": "A", "category": "customer", "lifecycle": "active", "source": null, "address": null,
        "postcode": null, "phone": null, "fax": null, "website": null, "email": null, "owner_id": null,
        "team_id": null, "shared_with": [], "tags": [], "notes": null, "custom": {}
    }));
    let contact = |n: u32, name: &str| {
        obj(json!({
            "id": id(n), "version": 1, "created_at": stamp, "updated_at": stamp, "created_by": null,
            "customer_id": id(1), "name": name, "title": "采购", "department": null, "phone": null,
            "mobile": null, "email": null, "birthday": null, "is_primary": false,
            "preferred_channel": null, "notes": null
        }))
    };
    let records = [
        (Entity::Customers, customer),
        (Entity::Contacts, contact(2, "王小明")),
        (Entity::Contacts, contact(3, "李娜")),
    ];
    let changes: Vec<FeedEntry> = records
        .into_iter()
        .enumerate()
        .map(|(i, (entity, record))| FeedEntry {
            seq: i as i64 + 1,
            entity,
            id: record["id"].as_str().unwrap_or_default().to_string(),
            op: FeedOp::Upsert,
            record: Some(record),
        })
        .collect();
    replica
        .apply_page(&FeedPage {
            next: changes.len() as i64,
            changes,
            more: false,
            latest: 3,
        })
        .unwrap();
    let options = TuiOptions {
        profile: "local".into(),
        username: "li".into(),
        ..TuiOptions::default()
    };
    let mut source = ReplicaSource::new(replica);
    // And one written here, not yet sent: a follow-up with 王小明.
    source
        .create(
            Entity::Activities,
            obj(
                json!({"kind": "task", "subject": "回访王小明", "customer_id": id(1),
                "contact_id": id(2), "due_at": "2026-11-26T09:00:00Z"}),
            ),
        )
        .unwrap();
    let mut app = App::new(options, Box::new(source), now());
    app.update(Action::Resize(120, 30));
    (dir, app)
}

fn run(app: &mut App, line: &str) {
    press(app, ":");
    type_text(app, line);
    press(app, "<Enter>");
}

#[test]
fn list_shows_any_entity_and_opens_its_records_with_their_relations() {
    let (_dir, mut app) = synced();
    press(&mut app, "2");
    run(&mut app, "list contacts");
    assert_eq!(
        app.breadcrumb(),
        ["Funnel".to_string(), "contacts".to_string()]
    );
    let Some(crm::tui::nav::Opened::List(list)) = app.opened().last() else {
        panic!("the generic list is open: {:?}", app.flash)
    };
    assert_eq!(
        list.list.len,
        Some(2),
        "both contacts: {}",
        list.list.position()
    );
    let s = screen_text(&app);
    assert!(s.contains("王小明") && s.contains("李娜"), "{s}");
    assert!(
        s.contains("customer_id") && s.contains("上海东华"),
        "the reference by name:\n{s}"
    );

    // Search as you type, then open the match: its fields and its customer.
    press(&mut app, "/");
    type_text(&mut app, "李娜");
    press(&mut app, "<Enter>");
    assert_eq!(
        app.breadcrumb(),
        [
            "Funnel".to_string(),
            "contacts".to_string(),
            "李娜".to_string()
        ]
    );
    assert_eq!(app.pane_mode(), crm::tui::keymap::Mode::Record);
    let s = screen_text(&app);
    assert!(s.contains("采购"), "{s}");
    press(&mut app, "<Esc>");
    assert_eq!(app.pane_mode(), crm::tui::keymap::Mode::Records);
}

#[test]
fn open_finds_a_record_by_its_number_and_the_customer_lists_what_refers_to_it() {
    let (_dir, mut app) = synced();
    press(&mut app, "4");
    run(&mut app, "open C000676");
    let view = app
        .customer_view()
        .expect("a customer opens in its 360° view");
    assert_eq!(text(&view.customer, "code"), "C000676");
    assert_eq!(
        app.breadcrumb()[0],
        "Tickets",
        "on top of the pane it was asked from"
    );
    press(&mut app, "<Esc>");
    // Typed in small letters too.
    run(&mut app, "open c000676");
    assert_eq!(
        app.customer_view()
            .map(|v| text(&v.customer, "code").to_string()),
        Some("C000676".to_string())
    );
    press(&mut app, "<Esc>");
    run(&mut app, "open C999999");
    assert!(app.customer_view().is_none());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("C999999")),
        "{:?}",
        app.flash
    );
}

fn screen_text(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .replace(' ', "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_record_lists_what_refers_to_it_and_edits_and_deletes_through_the_descriptor() {
    let (_dir, mut app) = synced();
    run(&mut app, "list contact");
    press(&mut app, "/");
    type_text(&mut app, "王小明");
    press(&mut app, "<Enter>");
    let Some(crm::tui::nav::Opened::Record(contact)) = app.opened().last() else {
        panic!("the contact's view: {:?}", app.flash)
    };
    assert_eq!(contact.related.len(), 1, "{:?}", contact.related);
    assert_eq!(contact.related[0].0, Entity::Activities);

    // Its follow-up opens in the generic view too, one step further.
    press(&mut app, "<Enter>");
    assert_eq!(
        app.breadcrumb(),
        ["Customers", "contacts", "王小明", "回访王小明"].map(String::from)
    );
    // Edit through the descriptor's form: the subject is its first field with a value to change.
    press(&mut app, "e");
    assert_eq!(app.dialog_name(), Some("form"));
    let Some(crm::tui::dialogs::Dialog::Form(form)) = app.dialogs.last_mut() else {
        panic!("a form")
    };
    let subject = form
        .fields
        .iter()
        .position(|f| f.name == "subject")
        .unwrap();
    form.focus = subject;
    form.fields[subject].input.set("回访王小明：报价");
    press(&mut app, "<C-s>");
    assert_eq!(app.dialog_name(), None, "{:?}", app.flash);
    assert_eq!(
        app.breadcrumb()[3],
        "回访王小明：报价",
        "the view reads the saved record"
    );

    // Deleting it closes its view; the contact no longer lists it.
    press(&mut app, "d y");
    assert_eq!(app.breadcrumb().len(), 3, "{:?}", app.breadcrumb());
    let Some(crm::tui::nav::Opened::Record(contact)) = app.opened().last() else {
        panic!("back on the contact")
    };
    assert!(
        contact.related.is_empty(),
        "{:?} reading {}",
        contact.related,
        contact.is_reading()
    );
}
