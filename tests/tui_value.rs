//! The analysis on screen, over the fixtures' replica (customers as the server's analysis left
//! them: scores, suggested levels, warnings): `:value` ranks the customers by score, the
//! reminders list the customers warned of no business or falling orders, and the funnel sets
//! the month's won amount against the target (the salesperson's own, a manager's team's).

mod support;

use crm::tui::TuiOptions;
use crm::tui::data::DataSource;
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, app_over, apply_records, now, press, screen, server_record, type_text};

const LI: &str = "00000002-0000-7000-8000-000000000003";
const TEAM: &str = "00000001-0000-7000-8000-000000000001";

fn app_as(username: &str, fx: &Fixture) -> crm::tui::App {
    let options = TuiOptions {
        username: username.into(),
        ..support::options()
    };
    app_over(Box::new(fx.source()), options, 140, 30)
}

fn row_of(shown: &str, name: &str) -> usize {
    shown
        .lines()
        .position(|l| l.contains(name))
        .unwrap_or_else(|| panic!("{name} not shown:\n{shown}"))
}

#[test]
fn value_ranks_the_customers_by_their_score_highest_first() {
    let fx = Fixture::load();
    let mut app = app_as("demo", &fx);
    press(&mut app, ":");
    type_text(&mut app, "value");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Customers by value"), "{shown}");
    let huawei = row_of(&shown, "华为技术");
    let alibaba = row_of(&shown, "阿里巴巴");
    let bytedance = row_of(&shown, "字节跳动");
    assert!(huawei < alibaba && alibaba < bytedance, "{shown}");
    assert!(shown.lines().nth(huawei).unwrap().contains("92"), "{shown}");
}

/// `R`, with the reminders read as the TUI's reader thread would.
fn open_reminders(app: &mut crm::tui::App, fx: &Fixture) {
    let source = fx.source();
    for e in press(app, "R") {
        if let crm::tui::Effect::Reminders { request, query } = e {
            let reminders = Box::new(source.reminders(&query).unwrap());
            app.update(crm::tui::Action::Reminded { request, reminders });
        }
    }
}

#[test]
fn the_reminders_list_the_customers_the_analysis_warns_about() {
    let fx = Fixture::load();
    // An admin reminded of everyone's: 字节跳动's orders fall, Globex has no business.
    let mut app = app_as("demo", &fx);
    open_reminders(&mut app, &fx);
    let shown = screen(&app);
    assert!(shown.contains("2 warned"), "{shown}");
    let warned_row = |name: &str| {
        shown
            .lines()
            .position(|l| l.contains(name) && l.contains("warning"))
            .unwrap_or_else(|| panic!("{name} not warned:\n{shown}"))
    };
    let falling = warned_row("字节跳动");
    let idle = warned_row("Globex");
    assert!(falling < idle, "the higher value first: {shown}");
    assert!(
        shown
            .lines()
            .nth(falling)
            .unwrap()
            .contains("orders falling")
    );
    assert!(shown.lines().nth(idle).unwrap().contains("no business"));
    // li's own customers have none.
    let mut li = app_as("li", &fx);
    open_reminders(&mut li, &fx);
    let shown = screen(&li);
    assert!(
        !shown.contains("warned") && !shown.contains("Globex"),
        "{shown}"
    );
}

#[test]
fn the_funnel_shows_the_month_s_target_and_attainment() {
    let fx = Fixture::load();
    let mut seq = 3_000_000;
    let target = |n: u8, fields: serde_json::Value| {
        server_record(
            Entity::Targets,
            &format!("0000000f-0000-7000-8000-00000000000{n}"),
            fields,
            now(),
        )
    };
    apply_records(
        &fx.replica(),
        Entity::Targets,
        vec![
            target(
                1,
                json!({"user_id": LI, "month": "2026-11-01", "amount": 1_000_000}),
            ),
            target(
                2,
                json!({"team_id": TEAM, "month": "2026-11-01", "amount": 4_000_000}),
            ),
            // Another month's counts for nothing.
            target(
                3,
                json!({"user_id": LI, "month": "2026-12-01", "amount": 7_000_000}),
            ),
        ],
        &mut seq,
    );
    let mut li = app_as("li", &fx);
    press(&mut li, "2");
    let won = li.funnel.forecast.won;
    assert_eq!(li.funnel.forecast.target, Some(1_000_000));
    let expected = crm::dashboard::attainment::percent(won, Some(1_000_000)).unwrap();
    let shown = screen(&li);
    assert!(
        shown.contains(&format!("target 10,000.00 · {expected}% attained")),
        "{shown}"
    );
    // The manager's funnel is the team's: the team's own target.
    let mut wang = app_as("wang", &fx);
    press(&mut wang, "2");
    assert_eq!(wang.funnel.forecast.target, Some(4_000_000));
    assert!(
        screen(&wang).contains("target 40,000.00"),
        "{}",
        screen(&wang)
    );
}

#[test]
fn attainment_rounds_half_up_and_needs_a_target() {
    use crm::dashboard::attainment::percent;
    assert_eq!(percent(1, Some(200)), Some(1));
    assert_eq!(percent(0, Some(5)), Some(0));
    assert_eq!(percent(300, Some(200)), Some(150));
    assert_eq!(percent(5, None), None);
    assert_eq!(percent(5, Some(0)), None);
}

#[test]
fn a_manager_sees_a_team_member_s_schedule_and_a_salesperson_cannot() {
    let fx = Fixture::load();
    let mut wang = app_as("wang", &fx);
    press(&mut wang, "3");
    let owners = |app: &crm::tui::App| -> Vec<String> {
        app.calendar
            .items
            .iter()
            .map(|a| crm::tui::data::text(a, "owner_id").to_string())
            .collect()
    };
    let own = owners(&wang);
    assert!(own.iter().all(|o| o.ends_with("02")), "wang's own: {own:?}");
    press(&mut wang, "o");
    type_text(&mut wang, "li");
    press(&mut wang, "<Enter>");
    assert_eq!(
        wang.calendar.member.as_ref().map(|m| m.0.as_str()),
        Some(LI)
    );
    let theirs = owners(&wang);
    assert!(!theirs.is_empty(), "li has activities this month");
    assert!(theirs.iter().all(|o| o == LI), "li's only: {theirs:?}");
    assert_eq!(
        wang.calendar.member.as_ref().map(|m| m.1.as_str()),
        Some("李娜")
    );

    let mut li = app_as("li", &fx);
    press(&mut li, "3");
    press(&mut li, "o");
    assert!(li.calendar.member.is_none());
    assert!(
        screen(&li).contains("their manager's to see"),
        "{}",
        screen(&li)
    );
}
