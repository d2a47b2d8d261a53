//! Times on the screens are the user's: shown in their zone, typed in their zone, stored in UTC.
//! Every test names its zone; none depends on the machine's.

mod support;

use chrono::{DateTime, NaiveDate, Utc};
use crm::tui::action::CalView;
use crm::tui::data::text;
use crm::tui::{Action, App, TuiOptions};
use crm::zone::Zone;
use crm_server::schema::Entity;
use serde_json::json;
use support::*;

fn zone(name: &str) -> Zone {
    Zone::named(name).unwrap()
}

fn in_zone(name: &str) -> TuiOptions {
    TuiOptions {
        zone: zone(name),
        ..options()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn subjects_on(app: &App, d: NaiveDate) -> Vec<String> {
    app.calendar
        .day_items(d)
        .iter()
        .map(|a| text(a, "subject").to_string())
        .collect()
}

#[test]
fn a_beijing_morning_visit_shows_at_nine_on_its_day() {
    // 拜访小米工厂 is stored as 2026-11-27T01:00Z: 09:00 in Beijing.
    let (mut app, _fx) = start_sized(in_zone("Asia/Shanghai"), 160, 40);
    press(&mut app, "3 w g d");
    type_text(&mut app, "2026-11-27");
    press(&mut app, "<Enter>");
    assert!(subjects_on(&app, day(2026, 11, 27)).contains(&"拜访小米工厂".to_string()));
    let shown = screen(&app);
    assert!(shown.contains("09:00 visit"), "{shown}");
    assert!(!shown.contains("01:00 visit"), "{shown}");
    assert!(
        shown.contains("Asia/Shanghai +08"),
        "the header names the zone: {shown}"
    );
    // The clock in the header is Beijing's: 09:00 UTC is 17:00 there.
    assert!(shown.contains("Wed 2026-11-25 17:00"), "{shown}");
}

#[test]
fn tomorrow_at_two_typed_in_shanghai_is_stored_as_six_utc() {
    let (mut app, fx) = start_with(in_zone("Asia/Shanghai"));
    // A new meeting, its start typed over the prefilled one.
    press(&mut app, "3 m n");
    type_text(&mut app, "Site visit");
    press(&mut app, "<Tab> <C-u>");
    type_text(&mut app, "tomorrow 14:00");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None, "{}", screen(&app));
    let w = fx.last_written();
    assert_eq!(w.fields["subject"], json!("Site visit"));
    assert_eq!(w.fields["starts_at"], json!("2026-11-26T06:00:00.000Z"));

    // Rescheduling by a date keeps the local time of day: "Prepare contract draft" is due at
    // 00:00 on the 26th in Shanghai (16:00 UTC the day before).
    press(&mut app, "a");
    let i = app
        .calendar
        .items
        .iter()
        .position(|a| text(a, "subject") == "Prepare contract draft")
        .expect("the task in the agenda");
    app.calendar.item = i;
    press(&mut app, "r");
    type_text(&mut app, "+2d");
    press(&mut app, "<Enter>");
    assert_eq!(
        fx.last_written().fields["due_at"],
        json!("2026-11-26T16:00:00.000Z"),
        "00:00 on the 27th in Shanghai"
    );
}

#[test]
fn a_new_activity_on_another_day_starts_at_nine_local() {
    let (mut app, fx) = start_with(in_zone("Asia/Shanghai"));
    press(&mut app, "3 m l n");
    type_text(&mut app, "Prepare");
    press(&mut app, "<Enter>");
    assert_eq!(
        fx.last_written().fields["starts_at"],
        json!("2026-11-26T01:00:00.000Z"),
        "09:00 in Shanghai on the next day"
    );
}

/// A replica holding the fixtures' users and these activities of 李娜's.
fn with_activities(options: TuiOptions, activities: &[(&str, &str)]) -> (App, Fixture) {
    let fx = Fixture::users_only();
    let me = fixture_id(Entity::Users, "username", ME);
    let records = activities
        .iter()
        .enumerate()
        .map(|(i, (subject, starts))| {
            server_record(
                Entity::Activities,
                &format!("00000000-0000-4000-8000-0000000a{i:04}"),
                json!({"kind": "meeting", "subject": subject, "starts_at": starts, "owner_id": me}),
                now(),
            )
        })
        .collect();
    let mut seq = 100_000;
    apply_records(&fx.replica(), Entity::Activities, records, &mut seq);
    let app = app_over(Box::new(fx.source()), options, 160, 40);
    (app, fx)
}

#[test]
fn berlin_times_keep_their_wall_clock_across_the_october_change() {
    // Summer time (+02) until 2026-10-25 03:00, winter time (+01) after.
    let (mut app, _fx) = with_activities(
        in_zone("Europe/Berlin"),
        &[
            ("Before the change", "2026-10-24T08:00:00Z"),
            ("After the change", "2026-10-26T09:00:00Z"),
            // 00:30 on Monday the 26th in Berlin; still Sunday in UTC.
            ("Just after midnight", "2026-10-25T23:30:00Z"),
        ],
    );
    app.update(Action::Tick(utc("2026-10-22T10:00:00Z")));
    press(&mut app, "3 w g d");
    type_text(&mut app, "2026-10-24");
    press(&mut app, "<Enter>");
    assert_eq!(app.calendar.view, CalView::Week);
    assert_eq!(
        subjects_on(&app, day(2026, 10, 24)),
        ["Before the change"],
        "Saturday"
    );
    let week = screen(&app);
    assert!(week.contains("10:00 meeting"), "{week}");
    assert!(!week.contains("08:00 meeting"), "{week}");

    press(&mut app, "g d");
    type_text(&mut app, "2026-10-26");
    press(&mut app, "<Enter>");
    let mut monday = subjects_on(&app, day(2026, 10, 26));
    monday.sort();
    assert_eq!(monday, ["After the change", "Just after midnight"]);
    assert!(subjects_on(&app, day(2026, 10, 25)).is_empty());
    let week = screen(&app);
    assert!(week.contains("10:00 meeting"), "{week}");
    assert!(week.contains("00:30 meeting"), "{week}");
    assert!(!week.contains("09:00 meeting"), "{week}");
}

#[test]
fn a_late_evening_in_new_york_stays_on_its_day() {
    // 23:30 on the 26th in New York is 04:30 on the 27th in UTC.
    let (mut app, _fx) = with_activities(
        in_zone("America/New_York"),
        &[("Late call", "2026-11-27T04:30:00Z")],
    );
    press(&mut app, "3 m g d");
    type_text(&mut app, "2026-11-26");
    press(&mut app, "<Enter>");
    assert_eq!(subjects_on(&app, day(2026, 11, 26)), ["Late call"]);
    assert!(subjects_on(&app, day(2026, 11, 27)).is_empty());
    press(&mut app, "a");
    let agenda = screen(&app);
    assert!(agenda.contains("Thu 2026-11-26"), "{agenda}");
    assert!(agenda.contains("23:30"), "{agenda}");
}

#[test]
fn today_is_the_users_day_not_utcs() {
    // 2026-11-25T17:30Z is already the 26th in Shanghai.
    let (mut app, _fx) = start_with(in_zone("Asia/Shanghai"));
    app.update(Action::Tick(utc("2026-11-25T17:30:00Z")));
    press(&mut app, "3 g d");
    type_text(&mut app, "2026-12-10");
    press(&mut app, "<Enter> t");
    assert_eq!(app.calendar.cursor, day(2026, 11, 26));
    press(&mut app, "g d");
    type_text(&mut app, "tomorrow");
    press(&mut app, "<Enter>");
    assert_eq!(app.calendar.cursor, day(2026, 11, 27));
}

#[test]
fn a_time_in_the_spring_gap_is_refused_with_the_next_valid_one() {
    let (mut app, fx) = start_with(in_zone("Europe/Berlin"));
    let before = fx.written().len();
    press(&mut app, "3 m n");
    type_text(&mut app, "Gap");
    press(&mut app, "<Tab> <C-u>");
    type_text(&mut app, "2027-03-28 02:30");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("form"), "the form stays open");
    assert_eq!(fx.written().len(), before, "nothing written");
    let form = match app.dialogs.last() {
        Some(crm::tui::dialogs::Dialog::Form(f)) => f.clone(),
        _ => unreachable!(),
    };
    let error = form.field("starts_at").and_then(|f| f.error.clone());
    assert_eq!(
        error.as_deref(),
        Some(
            "2027-03-28 02:30 does not exist in Europe/Berlin: the clocks go forward then; type 03:00 or later"
        )
    );
}
