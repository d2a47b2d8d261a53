//! The call centre and the reminders over a real replica: a pop picks out the contact whose
//! phone rang, the call's outcome by digit in the user's language, its duration from the pop to
//! the wrap-up, a callback planned; the 360°'s tickets, `e`, `v` and `m`; reminders over every
//! customer with the admin's days per level.

mod support;

use chrono::{DateTime, Duration, Utc};
use crm::tui::Action;
use crm::tui::data::{DataSource, ReminderQuery, text};
use crm::tui::dialogs::{Dialog, Purpose};
use crm::tui::panes::customer360::Section;
use crm_server::schema::Entity;
use serde_json::json;
use support::{
    Fixture, apply_records, fixture, fixture_id, now, options, press, screen, server_record, start,
    start_with, synthetic_customer, type_text,
};

fn customer(code: &str) -> String {
    fixture_id(Entity::Customers, "code", code)
}

fn contact(name: &str) -> String {
    fixture_id(Entity::Contacts, "name", name)
}

/// 李静's mobile, as a phone system might send it.
const LI_JING: &str = "+86 139-0013-9000";

#[test]
fn a_pop_chooses_the_contact_whose_phone_rang_and_the_call_lasts_until_the_wrap_up() {
    let (mut app, fx) = start();
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    let view = app.customer_view().expect("the caller's 360° is open");
    assert_eq!(view.id, customer("C000101"));
    assert_eq!(view.matched.as_deref(), Some(contact("李静").as_str()));
    assert_eq!(view.section, Section::Contacts);
    assert_eq!(text(&view.contacts[view.cursor[0]], "name"), "李静");
    assert!(screen(&app).contains("☎"), "{}", screen(&app));

    // The agent talks for 95 seconds, then wraps up.
    app.now = now() + Duration::seconds(95);
    press(&mut app, "c 1 <Enter>");
    assert_eq!(app.dialog_name(), None);
    let w = fx.last_written();
    assert_eq!(w.fields["outcome"], json!("answered"));
    assert_eq!(w.fields["direction"], json!("inbound"));
    assert_eq!(w.fields["contact_id"], json!(contact("李静")));
    assert_eq!(w.fields["duration_seconds"], json!(95));
    assert_eq!(w.fields["starts_at"], json!("2026-11-25T09:00:00.000Z"));
    assert_eq!(w.fields["ends_at"], json!("2026-11-25T09:01:35.000Z"));
}

#[test]
fn the_agent_picks_another_caller_or_nobody() {
    let (mut app, fx) = start();
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    // Outcome by digit, then Tab back round to the caller and one to the left.
    press(&mut app, "c 3 <Tab> <Tab> <Left>");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.fields["outcome"], json!("busy"));
    assert_eq!(w.fields["contact_id"], json!(contact("王小明")));

    press(&mut app, "c 3 <Tab> <Tab> <Right> <Enter>");
    let w = fx.last_written();
    assert!(
        w.fields.get("contact_id").is_none_or(|v| v.is_null()),
        "past the last contact: nobody in particular: {:?}",
        w.fields
    );
}

#[test]
fn outcomes_show_in_chinese_and_a_digit_picks_one() {
    let (mut app, fx) = start_with(crm::tui::TuiOptions {
        language: Some("zh".into()),
        ..options()
    });
    press(&mut app, "c");
    assert!(screen(&app).contains("无人接听"), "{}", screen(&app));
    press(&mut app, "2");
    type_text(&mut app, "不在");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(
        w.fields["outcome"],
        json!("no_answer"),
        "the code is stored"
    );
    assert_eq!(w.fields["subject"], json!("去电：无人接听"));
    assert_eq!(w.fields["notes"], json!("不在"));
    // Not a pop: no duration is made up.
    assert!(w.fields.get("duration_seconds").is_none_or(|v| v.is_null()));
}

#[test]
fn a_callback_asks_when_and_plans_the_outbound_call() {
    let (mut app, fx) = start();
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    press(&mut app, "c 6");
    // Nothing typed, or nonsense: the dialog stays and says what it needs.
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("log_call"));
    assert!(app.flash.as_ref().unwrap().error);
    assert!(fx.written().is_empty());
    type_text(&mut app, "tomorrow 14:00");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None);
    let written = fx.written();
    assert_eq!(written.len(), 2, "{written:?}");
    let (call, plan) = (&written[0].fields, &written[1].fields);
    assert_eq!(call["outcome"], json!("callback_requested"));
    assert_eq!(plan["kind"], json!("call"));
    assert_eq!(plan["direction"], json!("outbound"));
    assert_eq!(plan["done"], json!(false));
    assert_eq!(plan["due_at"], json!("2026-11-26T14:00:00.000Z"));
    assert_eq!(plan["customer_id"], json!(customer("C000101")));
    assert_eq!(plan["contact_id"], json!(contact("李静")));
}

#[test]
fn a_call_waits_while_a_dialog_is_open_then_opens() {
    let (mut app, _fx) = start();
    press(&mut app, "n");
    assert_eq!(app.dialog_name(), Some("form"));
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    assert_eq!(
        app.dialog_name(),
        Some("form"),
        "the typing is not thrown away"
    );
    assert!(app.flash.as_ref().unwrap().text.contains("Incoming call"));
    press(&mut app, "<Esc>");
    if app.dialog_name().is_some() {
        // A confirmation before throwing a changed form away.
        press(&mut app, "y");
    }
    assert_eq!(
        app.customer_view().map(|v| v.id.clone()),
        Some(customer("C000101"))
    );
}

#[test]
fn the_360_lists_only_its_customers_tickets() {
    let (mut app, _fx) = start();
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    let view = app.customer_view().unwrap();
    let numbers: Vec<&str> = view.tickets.iter().map(|t| text(t, "number")).collect();
    assert_eq!(numbers, ["T-000101"]);
    let s = screen(&app);
    assert!(s.contains("Tickets (1)") && s.contains("T-000101"), "{s}");
}

/// The 360° of 华为 (C000101), opened from the list.
fn huawei(app: &mut crm::tui::App) {
    press(app, "/");
    type_text(app, "华为");
    press(app, "<Enter>");
    assert!(app.customer_view().is_some());
}

#[test]
fn e_edits_the_chosen_item_of_any_section_and_e_shifted_the_customer() {
    let (mut app, fx) = start();
    huawei(&mut app);
    // Timeline → Contacts → Tickets.
    press(&mut app, "l l");
    assert_eq!(app.customer_view().unwrap().section, Section::Tickets);
    press(&mut app, "e");
    let ticket = fixture_id(Entity::Tickets, "number", "T-000101");
    match app.dialogs.last() {
        Some(Dialog::Form(f)) => {
            assert_eq!(f.purpose, Purpose::Edit(Entity::Tickets, ticket.clone()));
        }
        other => panic!("no ticket form: {other:?}"),
    }
    press(&mut app, "<Esc>");
    press(&mut app, "h e");
    match app.dialogs.last() {
        Some(Dialog::Form(f)) => {
            assert_eq!(
                f.purpose,
                Purpose::Edit(Entity::Contacts, contact("王小明"))
            );
        }
        other => panic!("no contact form: {other:?}"),
    }
    press(&mut app, "<Esc> E");
    match app.dialogs.last() {
        Some(Dialog::Form(f)) => {
            assert_eq!(
                f.purpose,
                Purpose::Edit(Entity::Customers, customer("C000101"))
            );
        }
        other => panic!("no customer form: {other:?}"),
    }
    press(&mut app, "<Esc>");
    assert!(fx.written().is_empty(), "nothing saved without Enter");
}

#[test]
fn v_and_m_log_a_visit_and_a_meeting_held_now_in_a_few_keys() {
    let (mut app, fx) = start();
    huawei(&mut app);
    press(&mut app, "v");
    type_text(&mut app, "checked the base station");
    press(&mut app, "<C-s>");
    assert_eq!(app.dialog_name(), None, "saved: {:?}", app.flash);
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::Activities);
    assert_eq!(w.fields["kind"], json!("visit"));
    assert_eq!(w.fields["customer_id"], json!(customer("C000101")));
    assert_eq!(w.fields["starts_at"], json!("2026-11-25T09:00:00.000Z"));
    assert_eq!(w.fields["done"], json!(true));
    assert_eq!(w.fields["notes"], json!("checked the base station"));

    press(&mut app, "m <C-s>");
    let w = fx.last_written();
    assert_eq!(w.fields["kind"], json!("meeting"));
    assert_eq!(w.fields["customer_id"], json!(customer("C000101")));
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn reminders_now(source: &dyn DataSource, owner: Option<&str>) -> crm::tui::data::Reminders {
    source
        .reminders(&ReminderQuery {
            from: now().date_naive(),
            to: now().date_naive() + Duration::days(14),
            now: now(),
            owner: owner.map(str::to_string),
            stock: false,
            team_breaches: false,
        })
        .unwrap()
}

/// 600 customers, each contacted yesterday but one, far down the list by name.
fn many_customers() -> (Fixture, i64, usize) {
    let fx = Fixture::synthetic(600);
    let quiet = 555;
    let replica = fx.replica();
    let mut seq = 1_000_000;
    let calls = (0..600)
        .filter(|i| *i != quiet)
        .map(|i| {
            server_record(
                Entity::Activities,
                &format!("00000007-0001-7000-8000-{i:012x}"),
                json!({"kind": "call", "subject": "Checked in",
                       "customer_id": text(&synthetic_customer(i), "id"),
                       "starts_at": "2026-11-24T09:00:00Z", "done": true}),
                at("2026-11-24T09:00:00Z"),
            )
        })
        .collect();
    apply_records(&replica, Entity::Activities, calls, &mut seq);
    (fx, seq, quiet)
}

#[test]
fn every_customer_is_scanned_not_the_first_500_by_name() {
    let (fx, _, quiet) = many_customers();
    let source = fx.source();
    let r = reminders_now(&source, None);
    let names: Vec<&str> = r.quiet.iter().map(|q| text(&q.customer, "name")).collect();
    assert_eq!(names, [text(&synthetic_customer(quiet), "name")]);
    // The same over one user's customers: every third is li's, 555 among them; none is emma's.
    let li = fixture_id(Entity::Users, "username", "li");
    let mine = reminders_now(&source, Some(&li));
    assert_eq!(mine.quiet.len(), 1);
    assert_eq!(text(&mine.quiet[0].customer, "owner_id"), li);
    let emma = fixture_id(Entity::Users, "username", "emma");
    assert!(reminders_now(&source, Some(&emma)).quiet.is_empty());
}

#[test]
fn counts_are_not_capped() {
    let fx = Fixture::synthetic(600);
    let source = fx.source();
    // Nobody was ever contacted: every one is due and counted; the first QUIET_ROWS are held
    // as rows, oldest contact (here: never) first, by name.
    let r = reminders_now(&source, None);
    assert_eq!(r.quiet_total, 600);
    assert_eq!(r.quiet.len(), crm::tui::data::QUIET_ROWS.min(600));
    let names: Vec<&str> = r.quiet.iter().map(|q| text(&q.customer, "name")).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn the_admins_days_per_level_decide_who_is_quiet() {
    let (fx, mut seq, quiet) = many_customers();
    let source = fx.source();
    // Yesterday's call is within every default (A 7 … D 60 days).
    assert_eq!(reminders_now(&source, None).quiet.len(), 1);
    // The admin makes level B customers due after a day without contact (as the sync brings it).
    let setting = server_record(
        Entity::LevelSettings,
        "00000008-0000-7000-8000-000000000001",
        json!({"level": "B", "quiet_days": 1}),
        at("2026-11-25T08:00:00Z"),
    );
    apply_records(
        &fx.replica(),
        Entity::LevelSettings,
        vec![setting],
        &mut seq,
    );
    let r = reminders_now(&source, None);
    let b = (0..600).filter(|i| i % 4 == 1 && *i != quiet).count();
    let quiet_b = r
        .quiet
        .iter()
        .filter(|q| text(&q.customer, "level") == "B")
        .count();
    assert_eq!(quiet_b, b, "every B customer called yesterday is now due");
    assert!(r.quiet.iter().all(|q| text(&q.customer, "level") == "B"
        || text(&q.customer, "id") == text(&synthetic_customer(quiet), "id")));
}

/// Runs the reminders the app asked for, as the run loop's worker would, and hands them back.
fn answer_reminders(app: &mut crm::tui::App, fx: &Fixture, effects: Vec<crm::tui::Effect>) {
    let source = fx.source();
    for e in effects {
        if let crm::tui::Effect::Reminders { request, query } = e {
            let reminders = Box::new(source.reminders(&query).unwrap());
            app.update(Action::Reminded { request, reminders });
        }
    }
}

fn open_reminders(
    app: &mut crm::tui::App,
    fx: &Fixture,
) -> crm::tui::panes::reminders::RemindersView {
    let effects = press(app, "R");
    answer_reminders(app, fx, effects);
    match app.opened().last() {
        Some(crm::tui::nav::Opened::Reminders(v)) => v.clone(),
        other => panic!("the reminders are not open: {other:?}"),
    }
}

#[test]
fn reminders_are_read_off_the_ui_thread_and_x_and_r_act_on_them() {
    use crm::tui::panes::reminders::Item;
    let (mut app, fx) = start();
    // Asked, not read in the frame: nothing until the answer.
    let effects = press(&mut app, "R");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, crm::tui::Effect::Reminders { .. }))
    );
    assert!(screen(&app).contains("reading"), "{}", screen(&app));
    answer_reminders(&mut app, &fx, effects);
    let view = match app.opened().last() {
        Some(crm::tui::nav::Opened::Reminders(v)) => v.clone(),
        other => panic!("{other:?}"),
    };
    assert!(view.loaded);
    let overdue = view
        .items
        .iter()
        .position(|i| matches!(i, Item::Overdue(..)))
        .expect("the fixtures have an overdue follow-up of li's");
    let quiet = view
        .items
        .iter()
        .position(|i| matches!(i, Item::Quiet(_)))
        .expect("and a customer of li's not contacted");

    // x on an overdue follow-up: done.
    press(&mut app, "g g");
    for _ in 0..overdue {
        press(&mut app, "j");
    }
    let Item::Overdue(activity, _) = &view.items[overdue] else {
        unreachable!()
    };
    press(&mut app, "x");
    let w = fx.last_written();
    assert_eq!(
        (w.entity, w.record_id.clone()),
        (Entity::Activities, text(activity, "id").to_string())
    );
    assert_eq!(w.fields["done"], json!(true));

    // r on a customer not contacted: a follow-up planned on the day typed, and it leaves the
    // list (the plan is its reminder).
    let view = open_reminders(&mut app, &fx);
    let quiet = view
        .items
        .iter()
        .position(|i| matches!(i, Item::Quiet(_)))
        .unwrap_or(quiet);
    let Item::Quiet(q) = &view.items[quiet] else {
        unreachable!()
    };
    let cid = text(&q.customer, "id").to_string();
    press(&mut app, "g g");
    for _ in 0..quiet {
        press(&mut app, "j");
    }
    press(&mut app, "r");
    type_text(&mut app, "2026-12-01");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None, "{:?}", app.flash);
    let w = fx.last_written();
    assert_eq!(w.fields["customer_id"], json!(cid));
    assert_eq!(w.fields["due_at"], json!("2026-12-01T09:00:00.000Z"));
    assert_eq!(w.fields["done"], json!(false));
    let view = open_reminders(&mut app, &fx);
    assert!(
        !view
            .items
            .iter()
            .any(|i| matches!(i, Item::Quiet(q) if text(&q.customer, "id") == cid)),
        "planned: off the list"
    );

    // Enter opens the chosen reminder's customer.
    press(&mut app, "g g <Enter>");
    let opened = app.customer_view().map(|v| v.id.clone());
    assert_eq!(opened.as_deref(), Some(view.items[0].customer_id()));
}

#[test]
fn a_ticket_code_opens_the_ticket_and_the_timer_records_talk_and_after_call_work() {
    let (mut app, fx) = start();
    let popped = app.update(Action::Pop(LI_JING.into()));
    app.settle(popped);
    // Talk for two minutes, hang up, wrap up 40 seconds later.
    app.now = now() + Duration::seconds(120);
    press(&mut app, "<C-e>");
    assert_eq!(
        app.call.and_then(|c| c.hung_up),
        Some(now() + Duration::seconds(120))
    );
    // Once the message has gone, the status bar shows the after-call work running.
    app.now = now() + Duration::seconds(130);
    assert!(
        screen(&app).contains("ACW 00:10 · talked 02:00"),
        "{}",
        screen(&app)
    );
    app.now = now() + Duration::seconds(160);
    // 8 is the escalated code: a required ticket.
    press(&mut app, "c 8 <Enter>");
    assert_eq!(
        app.dialog_name(),
        Some("log_call"),
        "a ticket's subject is required"
    );
    assert!(app.flash.as_ref().unwrap().error);
    assert!(fx.written().is_empty());
    type_text(&mut app, "Analyser shows E42");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None);
    let written = fx.written();
    let ticket = written
        .iter()
        .find(|w| w.entity == Entity::Tickets)
        .expect("a ticket opened");
    assert_eq!(ticket.fields["subject"], json!("Analyser shows E42"));
    assert_eq!(ticket.fields["contact_id"], json!(contact("李静")));
    let call = fx.last_written();
    assert_eq!(call.fields["outcome"], json!("escalated"));
    assert_eq!(call.fields["ticket_id"], json!(ticket.record_id));
    assert_eq!(call.fields["duration_seconds"], json!(120));
    assert_eq!(call.fields["wrap_up_seconds"], json!(40));
    assert_eq!(call.fields["ends_at"], json!("2026-11-25T09:02:00.000Z"));
    // The call is over: the status bar no longer shows it.
    assert!(!screen(&app).contains("ACW"), "{}", screen(&app));
}

/// Calls planned for today and around it: li's overdue one, an unassigned one this afternoon,
/// li's for tomorrow, zhang's for today, and a done one.
fn with_callbacks(dial_command: &str) -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let li = fixture_id(Entity::Users, "username", "li");
    let zhang = fixture_id(Entity::Users, "username", "zhang");
    let c101 = customer("C000101");
    let planned = |n: u32, subject: &str, due: &str, owner: Option<&str>, done: bool| {
        server_record(
            Entity::Activities,
            &format!("00000007-0002-7000-8000-{n:012}"),
            json!({"kind": "call", "subject": subject, "customer_id": c101,
                   "contact_id": contact("李静"), "direction": "outbound",
                   "due_at": due, "owner_id": owner, "done": done}),
            at("2026-11-24T09:00:00Z"),
        )
    };
    let calls = vec![
        planned(
            1,
            "Afternoon, unassigned",
            "2026-11-25T15:00:00Z",
            None,
            false,
        ),
        planned(2, "Overdue, mine", "2026-11-25T08:00:00Z", Some(&li), false),
        planned(
            3,
            "Tomorrow, mine",
            "2026-11-26T10:00:00Z",
            Some(&li),
            false,
        ),
        planned(4, "Zhang's", "2026-11-25T11:00:00Z", Some(&zhang), false),
        planned(5, "Done already", "2026-11-25T07:00:00Z", Some(&li), true),
    ];
    apply_records(&fx.replica(), Entity::Activities, calls, &mut 2_000_000);
    let options = crm::tui::TuiOptions {
        dial_command: dial_command.into(),
        ..options()
    };
    let app = support::app_over(Box::new(fx.source()), options, 120, 30);
    (app, fx)
}

#[test]
fn the_callbacks_queue_lists_today_s_mine_and_unassigned_overdue_first_and_dials() {
    let (mut app, _fx) = with_callbacks("true {phone}");
    press(&mut app, "g c");
    let shown = screen(&app);
    assert!(shown.contains("Callbacks today · 2 · 1 overdue"), "{shown}");
    let overdue = shown
        .find("Overdue, mine")
        .expect("the overdue call listed");
    let later = shown
        .find("Afternoon, unassigned")
        .expect("the unassigned call listed");
    assert!(overdue < later, "overdue first: {shown}");
    for absent in ["Tomorrow, mine", "Zhang's", "Done already"] {
        assert!(!shown.contains(absent), "{absent}: {shown}");
    }
    // The number to dial is the contact's mobile.
    assert!(shown.contains("13900139000"), "{shown}");
    // D dials, opens the customer and starts the call's timer.
    press(&mut app, "D");
    let view = app.customer_view().expect("the customer opens");
    assert_eq!(view.id, customer("C000101"));
    assert!(app.call.is_some(), "the call's timer runs");
    assert!(screen(&app).contains("☎ 00:00"), "{}", screen(&app));
}

#[test]
fn a_dial_command_without_the_number_s_place_is_refused() {
    let (mut app, _fx) = with_callbacks("linphonecsh dial");
    press(&mut app, ":");
    type_text(&mut app, "callbacks");
    press(&mut app, "<Enter>");
    assert!(screen(&app).contains("Callbacks today"), "{}", screen(&app));
    press(&mut app, "D");
    let flash = app.flash.as_ref().expect("said why");
    assert!(
        flash.error && flash.text.contains("{phone}"),
        "{}",
        flash.text
    );
    assert!(app.call.is_none());
    assert!(app.customer_view().is_none());
}

#[test]
fn a_canned_reply_is_found_by_a_word_filled_in_and_sent_as_the_reply() {
    let fx = Fixture::load();
    let replies = vec![
        server_record(
            Entity::CannedReplies,
            "00000014-0000-7000-8000-000000000001",
            json!({"title": "Received", "body": "Dear {customer},\nwe have {ticket}.\n— {agent}"}),
            at("2026-11-24T09:00:00Z"),
        ),
        server_record(
            Entity::CannedReplies,
            "00000014-0000-7000-8000-000000000002",
            json!({"title": "Resolved", "body": "{ticket} is resolved."}),
            at("2026-11-24T09:00:00Z"),
        ),
    ];
    apply_records(
        &fx.replica(),
        Entity::CannedReplies,
        replies,
        &mut 2_000_000,
    );
    let mut app = support::app_over(Box::new(fx.source()), options(), 100, 30);
    press(&mut app, "4 <Enter>");
    let ticket = app.ticket_view().expect("a ticket open").ticket.clone();
    press(&mut app, "R");
    assert_eq!(app.dialog_name(), Some("picker"));
    type_text(&mut app, "receiv");
    press(&mut app, "<Enter>");
    // The reply prompt holds the reply filled in; Enter sends it.
    assert_eq!(app.dialog_name(), Some("prompt"));
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::Comments);
    assert_eq!(w.fields["internal"], json!(false));
    let customer = fixture(Entity::Customers, "id", text(&ticket, "customer_id"));
    let me = fixture(Entity::Users, "username", "li");
    assert_eq!(
        w.fields["body"],
        json!(format!(
            "Dear {}, we have {}. — {}",
            text(&customer, "name"),
            text(&ticket, "number"),
            text(&me, "display_name")
        ))
    );
}
