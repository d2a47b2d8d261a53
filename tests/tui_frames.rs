//! No write or reload waits in a frame: the funnel's moves and the calendar's changes show at
//! once and are written by the writer thread (here: answered when the test says), the reloads
//! are read by the reader thread and only the last one asked is shown, a refused write is
//! undone with a message, and a moved card stays chosen in its new stage.

mod support;

use crm::tui::App;
use crm::tui::action::Effect;
use crm::tui::data::{DataSource, FunnelFilter, WriteError, id, int, text, weighted};
use crm::tui::{Action, work};
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, fixture_id, press, press_raw, start, type_text};

fn stage(name: &str) -> String {
    fixture_id(Entity::Stages, "name", name)
}

/// The deal chosen in the funnel.
fn chosen(app: &App) -> String {
    let f = &app.funnel;
    let c = &f.columns[f.col];
    id(&c.rows[c.selected - c.offset]).to_string()
}

/// The writes among `effects`: (request, the record, its patch).
fn writes(effects: &[Effect]) -> Vec<(u64, String, serde_json::Value)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Write {
                request,
                write: work::Write::Update { id, patch, .. },
            } => Some((*request, id.clone(), json!(patch))),
            _ => None,
        })
        .collect()
}

#[test]
fn a_move_shows_at_once_and_is_written_after_the_key() {
    let (mut app, fx) = start();
    press(&mut app, "2");
    let card = chosen(&app);
    let counts: Vec<usize> = app.funnel.summaries.iter().map(|s| s.count).collect();
    let effects = press_raw(&mut app, "L");
    let asked = writes(&effects);
    assert_eq!(asked.len(), 1, "one write handed off: {effects:?}");
    assert_eq!(asked[0].1, card);
    assert_eq!(asked[0].2, json!({"stage_id": stage("qualified")}));
    assert!(fx.written().is_empty(), "nothing written in the key itself");
    assert_eq!(app.funnel.col, 1, "the card moved on screen at once");
    assert_eq!(chosen(&app), card, "and is chosen in its new stage");
    assert_eq!(app.funnel.summaries[0].count, counts[0] - 1);
    assert_eq!(app.funnel.summaries[1].count, counts[1] + 1);
    assert!(app.funnel.pending.busy(), "the screen marks that it waits");
    let marked = |app: &App| {
        support::screen(app)
            .lines()
            .any(|l| l.contains("any month …"))
    };
    assert!(marked(&app), "{}", support::screen(&app));

    app.settle(effects);
    assert!(!marked(&app), "{}", support::screen(&app));
    let w = fx.last_written();
    assert_eq!(w.record_id, card);
    assert_eq!(w.fields["stage_id"], json!(stage("qualified")));
    assert!(!app.funnel.pending.busy());
    assert_eq!(app.funnel.col, 1);
    assert_eq!(
        chosen(&app),
        card,
        "the reload after the write keeps it chosen"
    );
    assert_eq!(app.funnel.summaries[1].count, counts[1] + 1);
}

#[test]
fn the_cursor_follows_the_card_across_moves_and_stops_at_the_edges() {
    let (mut app, fx) = start();
    press(&mut app, "2 j");
    let card = chosen(&app);
    assert_ne!(
        card,
        id(&app.funnel.columns[0].rows[0]),
        "the second card of the stage, not its top one"
    );
    press(&mut app, "L L");
    assert_eq!(app.funnel.col, 2);
    assert_eq!(chosen(&app), card, "the second L moved the same deal again");
    assert_eq!(
        fx.last_written().fields["stage_id"],
        json!(stage("proposal"))
    );
    press(&mut app, "H");
    assert_eq!((app.funnel.col, chosen(&app)), (1, card.clone()));
    press(&mut app, "H");
    assert_eq!((app.funnel.col, chosen(&app)), (0, card.clone()));
    assert_eq!(fx.last_written().fields["stage_id"], json!(stage("lead")));
    let before = fx.written().len();
    let effects = press_raw(&mut app, "H");
    assert!(writes(&effects).is_empty(), "no stage before the first");
    assert_eq!(fx.written().len(), before);
    assert_eq!((app.funnel.col, chosen(&app)), (0, card));

    // The last card of a stage: moved, it is chosen in the next, and the stage it left keeps
    // a chosen card within what is left.
    press(&mut app, "G");
    let last = chosen(&app);
    press(&mut app, "L");
    assert_eq!((app.funnel.col, chosen(&app)), (1, last));
    let left = &app.funnel.columns[0];
    assert!(left.selected < app.funnel.summaries[0].count.max(1));
}

#[test]
fn a_refused_move_puts_the_card_back_with_a_message() {
    let (mut app, fx) = start();
    press(&mut app, "2");
    let card = chosen(&app);
    let counts: Vec<usize> = app.funnel.summaries.iter().map(|s| s.count).collect();
    let effects = press_raw(&mut app, "L");
    let (request, ..) = writes(&effects)[0].clone();
    assert_eq!(app.funnel.col, 1);
    // The writer's answer: refused.
    let more = app.update(Action::Written {
        request,
        result: Err(WriteError::Forbidden("you may not move this deal".into())),
    });
    app.settle(more);
    assert_eq!(app.funnel.col, 0, "the card went back");
    assert_eq!(chosen(&app), card);
    let counts_now: Vec<usize> = app.funnel.summaries.iter().map(|s| s.count).collect();
    assert_eq!(counts_now, counts);
    let flash = app.flash.clone().expect("a message");
    assert!(flash.error && flash.text.contains("you may not move this deal"));
    assert!(fx.written().is_empty());
    assert!(!app.funnel.pending.busy());
}

#[test]
fn only_the_last_reload_asked_is_shown() {
    let (mut app, _fx) = start();
    press(&mut app, "2");
    let all: Vec<usize> = app.funnel.summaries.iter().map(|s| s.count).collect();
    press_raw(&mut app, "m");
    type_text(&mut app, "2027-01");
    let month = press_raw(&mut app, "<Enter>");
    let clear = press_raw(&mut app, "F");
    assert!(
        matches!(&month[..], [Effect::Load { .. }]) && matches!(&clear[..], [Effect::Load { .. }]),
        "each asks a load and reads nothing itself: {month:?} {clear:?}"
    );
    // The reader answers the newer first, then the older one, late.
    app.settle(clear);
    assert_eq!(
        app.funnel
            .summaries
            .iter()
            .map(|s| s.count)
            .collect::<Vec<_>>(),
        all
    );
    app.settle(month);
    assert_eq!(
        app.funnel
            .summaries
            .iter()
            .map(|s| s.count)
            .collect::<Vec<_>>(),
        all,
        "the month filter's late answer is stale: dropped"
    );
    assert_eq!(app.funnel.filter, FunnelFilter::default());
}

#[test]
fn the_calendar_marks_done_at_once_and_undoes_a_refusal() {
    let (mut app, fx) = start();
    press(&mut app, "3 a");
    let first = app.calendar.items[0].clone();
    assert_eq!(first["done"], json!(false));
    let effects = press_raw(&mut app, "x");
    let asked = writes(&effects);
    assert_eq!(asked.len(), 1);
    assert!(fx.written().is_empty(), "nothing written in the key itself");
    assert_eq!(
        app.calendar.items[0]["done"],
        json!(true),
        "shown done at once"
    );
    app.update(Action::Written {
        request: asked[0].0,
        result: Err(WriteError::Storage("disk full".into())),
    });
    assert_eq!(app.calendar.items[0]["done"], json!(false), "undone");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("disk full"))
    );

    // Rescheduled: the prompt closes, the activity shows on its new day before the write.
    let second = app.calendar.items[1].clone();
    press(&mut app, "j r");
    type_text(&mut app, "+1d");
    let effects = press_raw(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None);
    let asked = writes(&effects);
    assert_eq!(asked[0].2["starts_at"], json!("2026-11-26T14:00:00.000Z"));
    let shown = app
        .calendar
        .items
        .iter()
        .find(|a| id(a) == id(&second))
        .expect("still in the agenda");
    assert_eq!(shown["starts_at"], json!("2026-11-26T14:00:00.000Z"));
    assert!(fx.written().is_empty());
    app.settle(effects);
    assert_eq!(
        fx.last_written().fields["starts_at"],
        json!("2026-11-26T14:00:00.000Z")
    );
}

/// The funnel's sums come from SQL; they must be what the rule (`data::weighted`) makes of
/// the cards, under every filter, and a card's position what the window order says.
#[test]
fn the_funnel_sums_and_positions_agree_with_the_cards() {
    let fx = Fixture::load();
    let source = fx.source();
    let owners: Vec<Option<String>> = std::iter::once(None)
        .chain(
            support::records(Entity::Opportunities)
                .iter()
                .map(|o| Some(text(o, "owner_id").to_string())),
        )
        .collect();
    let mut months = vec![None];
    for o in support::records(Entity::Opportunities) {
        let d = text(&o, "expected_close");
        if let (Some(y), Some(m)) = (d.get(..4), d.get(5..7)) {
            months.push(Some((y.parse().unwrap(), m.parse().unwrap())));
        }
    }
    let mut checked = 0;
    for owner in &owners {
        for month in &months {
            let filter = FunnelFilter {
                owner_id: owner.clone(),
                close_month: *month,
                search: String::new(),
            };
            for s in source.funnel(&filter).unwrap() {
                let sid = id(&s.stage);
                let cards = source.stage_opportunities(sid, &filter, 0, 1000).unwrap();
                let p = int(&s.stage, "probability").unwrap_or(0);
                assert_eq!(s.count, cards.len(), "{filter:?}");
                assert_eq!(
                    s.total,
                    cards
                        .iter()
                        .map(|o| int(o, "amount").unwrap_or(0))
                        .sum::<i64>()
                );
                assert_eq!(
                    s.weighted,
                    cards.iter().map(|o| weighted(o, p)).sum::<i64>()
                );
                for (i, o) in cards.iter().enumerate() {
                    assert_eq!(
                        source.stage_position(sid, &filter, id(o)).unwrap(),
                        Some(i),
                        "{filter:?}"
                    );
                }
                checked += cards.len();
            }
        }
    }
    assert!(checked > 20, "the fixtures have deals under these filters");
    let qualified = stage("qualified");
    let in_lead = id(&source
        .stage_opportunities(&stage("lead"), &FunnelFilter::default(), 0, 1)
        .unwrap()[0])
    .to_string();
    assert_eq!(
        source
            .stage_position(&qualified, &FunnelFilter::default(), &in_lead)
            .unwrap(),
        None,
        "not in that stage"
    );
}
