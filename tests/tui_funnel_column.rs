//! The funnel's column scroll reads on the reader thread (`Read::FunnelColumn`): a key that
//! leaves the cards held reads nothing itself, the cards before stay (none chosen) with the
//! line marked "…", only the newest question's answer is shown, and the answer brings the
//! stage's window around the chosen card.

mod support;

use crm::tui::action::Effect;
use crm::tui::data::id;
use crm::tui::work::{Loaded, Read};
use crm::tui::{Action, App};
use support::{Fixture, app_over, options, press, press_raw};

fn column_loads(effects: &[Effect]) -> Vec<(u64, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                request,
                read: Read::FunnelColumn(ask),
            } => Some((*request, ask.offset)),
            _ => None,
        })
        .collect()
}

/// A terminal so short a stage shows one card: its second is past the window.
fn short() -> (App, Fixture) {
    let fx = Fixture::load();
    let app = app_over(Box::new(fx.source()), options(), 100, 12);
    (app, fx)
}

#[test]
fn scrolling_past_the_cards_held_asks_the_reader_and_shows_its_answer() {
    let (mut app, _fx) = short();
    press(&mut app, "2");
    let first = app.funnel.columns[0].rows.clone();
    assert_eq!(first.len(), 1, "one card shown: {first:?}");
    assert!(app.funnel.summaries[0].count >= 2);

    let effects = press_raw(&mut app, "j");
    let asked = column_loads(&effects);
    assert_eq!(asked.len(), 1, "{effects:?}");
    assert_eq!(asked[0].1, 1, "the window from the second card");
    let column = &app.funnel.columns[0];
    assert_eq!(column.rows, first, "the card before stays meanwhile");
    assert_eq!((column.selected, column.offset), (1, 0));
    assert!(app.funnel.is_reading_column());
    assert!(
        support::screen(&app).contains(" …"),
        "{}",
        support::screen(&app)
    );

    // An older question's answer is not shown.
    app.update(Action::Loaded {
        request: asked[0].0 + 1_000_000,
        data: Ok(Loaded::FunnelColumn(Box::default())),
    });
    assert_eq!(app.funnel.columns[0].rows, first);

    app.settle(effects);
    let column = &app.funnel.columns[0];
    assert!(!app.funnel.is_reading_column());
    assert_eq!((column.selected, column.offset), (1, 1));
    assert_eq!(column.rows.len(), 1);
    assert_ne!(id(&column.rows[0]), id(&first[0]), "the second card");

    // Back within the cards held before the answer: that question is moot, its answer
    // (which would show a window without the chosen card) is dropped.
    let second = app.funnel.columns[0].rows.clone();
    let up = press_raw(&mut app, "k");
    assert_eq!(column_loads(&up).len(), 1);
    let down = press_raw(&mut app, "j");
    assert!(column_loads(&down).is_empty(), "the card is held: {down:?}");
    assert!(!app.funnel.is_reading_column());
    app.settle(up);
    let column = &app.funnel.columns[0];
    assert_eq!((column.selected, column.offset), (1, 1));
    assert_eq!(column.rows, second, "the moot answer is dropped");
}
