//! The e-secretary on the screens: an activity of mine coming due while the app runs puts a
//! message in the status bar (and rings the bell when the profile asks); a done one, someone
//! else's, or one not yet due says nothing. The look is a read on the loading thread
//! (`work::Read::Due`): the tick only asks, the answer puts the message up.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::{Action, App, Effect, TuiOptions, work};
use support::{options, screen, start_with};

/// A tick at `now`, its read answered as the loading thread would: the effects left.
fn tick(app: &mut App, now: DateTime<Utc>) -> Vec<Effect> {
    let effects = app.update(Action::Tick(now));
    app.settle(effects)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn bell(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Bell))
}

#[test]
fn a_callback_coming_due_shows_in_the_status_bar_and_rings_when_asked() {
    let (mut app, _fx) = start_with(TuiOptions {
        bell: true,
        ..options()
    });
    // Before 14:00 UTC nothing of mine comes due after the fixtures' 09:00 but the 16:00 task.
    let effects = tick(&mut app, at("2026-11-25T13:59:30Z"));
    assert!(!bell(&effects));
    assert!(
        app.flash
            .as_ref()
            .is_none_or(|f| !f.text.starts_with("Due")),
        "{:?}",
        app.flash
    );
    // The call with John starts at 14:00: the next look sees it.
    let effects = tick(&mut app, at("2026-11-25T14:00:10Z"));
    let flash = app.flash.clone().expect("a message");
    assert_eq!(flash.text, "Due 14:00: call Renewal call with John");
    assert!(bell(&effects));
    // It stays a minute, then goes; the same call is not announced twice.
    let effects = tick(&mut app, at("2026-11-25T14:00:40Z"));
    assert!(!bell(&effects));
    tick(&mut app, at("2026-11-25T14:01:20Z"));
    assert!(app.flash.is_none(), "{:?}", app.flash);
}

#[test]
fn the_look_is_asked_of_the_loading_thread_and_its_answer_fills_the_status_bar() {
    let (mut app, fx) = start_with(options());
    tick(&mut app, at("2026-11-25T13:59:30Z"));
    let effects = app.update(Action::Tick(at("2026-11-25T14:00:10Z")));
    let asked: Vec<(u64, work::Read)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { request, read } => Some((*request, read.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1, "{effects:?}");
    let (request, read) = asked[0].clone();
    let work::Read::Due { since, until, .. } = &read else {
        panic!("the secretary's read: {read:?}")
    };
    assert_eq!(
        (*since, *until),
        (at("2026-11-25T13:59:30Z"), at("2026-11-25T14:00:10Z"))
    );
    assert!(
        app.flash.is_none(),
        "nothing until the answer: {:?}",
        app.flash
    );
    // Another tick while it is unanswered asks nothing more.
    let more = app.update(Action::Tick(at("2026-11-25T14:00:40Z")));
    assert!(
        !more.iter().any(|e| matches!(e, Effect::Load { .. })),
        "{more:?}"
    );
    let data = work::read(&fx.source(), &read);
    let rest = app.update(Action::Loaded { request, data });
    app.settle(rest);
    assert!(
        screen(&app).contains("Due 14:00: call Renewal call with John"),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_failed_look_leaves_its_window_to_the_next() {
    let (mut app, fx) = start_with(options());
    tick(&mut app, at("2026-11-25T13:59:30Z"));
    let effects = app.update(Action::Tick(at("2026-11-25T14:00:10Z")));
    let Some(Effect::Load { request, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::Load { .. }))
        .cloned()
    else {
        panic!("a read: {effects:?}")
    };
    let failed = Err(crm::tui::data::DataError::Storage("disk I/O error".into()));
    app.update(Action::Loaded {
        request,
        data: failed,
    });
    assert!(
        app.flash
            .as_ref()
            .is_none_or(|f| !f.text.starts_with("Due"))
    );
    // The next look reads from 13:59:30 again, so the 14:00 call is still announced.
    tick(&mut app, at("2026-11-25T14:00:40Z"));
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("Due 14:00: call Renewal call with John")
    );
    drop(fx);
}

#[test]
fn times_show_in_the_user_s_zone_and_without_bell_nothing_rings() {
    let (mut app, _fx) = start_with(TuiOptions {
        zone: crm::zone::Zone::named("Asia/Shanghai").unwrap(),
        ..options()
    });
    // The task due 16:00 UTC (00:00 in Shanghai) and nothing else in between.
    tick(&mut app, at("2026-11-25T15:59:50Z"));
    let effects = tick(&mut app, at("2026-11-25T16:00:20Z"));
    assert!(!bell(&effects), "no bell unless the profile asks");
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("Due 00:00: task Prepare contract draft")
    );
}

#[test]
fn a_long_gap_counts_everything_come_due_and_other_people_s_say_nothing() {
    let (mut app, _fx) = start_with(options());
    // Asleep from 09:00 on the 25th to the 1st: my call, task, meeting and visit came due; the
    // done call of the 24th and the 08:00 task were due before the screens opened.
    tick(&mut app, at("2026-12-01T01:59:50Z"));
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("Due 14:00: call Renewal call with John (+3 more)")
    );
    app.flash = None;
    // 02:00 on the 1st is someone else's meeting.
    tick(&mut app, at("2026-12-01T02:00:30Z"));
    assert!(app.flash.is_none(), "{:?}", app.flash);
}
