//! The Dashboard screen over the fixtures' replica: `0` opens it, its figures come from the
//! reader thread (shown "…" until then), `[`/`]` and `p` change the period, `h`/`l` the panel,
//! and Enter on a figure opens the list behind it with the figure's query, which the list reads
//! without a complaint.

mod support;

use crm::tui::Effect;
use support::{press, press_raw, screen, start};

#[test]
fn zero_opens_the_dashboard_and_the_figures_arrive_from_the_reader() {
    let (mut app, _fx) = start();
    let asked = press_raw(&mut app, "0");
    assert!(
        asked.iter().any(|e| matches!(e, Effect::Load { .. })),
        "the figures are read off the UI thread: {asked:?}"
    );
    let before = screen(&app);
    assert!(before.contains("Dashboard"), "{before}");
    assert!(before.contains("2026-11 …"), "waiting shows …: {before}");
    app.settle(asked);
    let after = screen(&app);
    assert!(
        after.contains("2026-11"),
        "this month, in the fixtures' time: {after}"
    );
    assert!(after.contains("Won"), "{after}");
    assert!(
        after.contains("Customers 2/4"),
        "the four panels at 100x30: {after}"
    );
    assert!(!after.contains("2026-11 …"), "{after}");
    // The pyramid's tiers, each with its count and share.
    assert!(after.contains("top 1% · 0 · 0%"), "{after}");
}

#[test]
fn brackets_step_the_period_and_p_changes_its_length() {
    let (mut app, _fx) = start();
    press(&mut app, "0");
    press(&mut app, "]");
    assert!(screen(&app).contains("2026-12"), "{}", screen(&app));
    press(&mut app, "[ [");
    assert!(screen(&app).contains("2026-10"), "{}", screen(&app));
    press(&mut app, "p");
    assert!(screen(&app).contains("2026-Q4"), "{}", screen(&app));
    press(&mut app, "p");
    assert!(screen(&app).contains("· 2026 "), "{}", screen(&app));
}

#[test]
fn enter_on_each_figure_opens_its_list_filtered_by_a_query_the_list_reads() {
    let (mut app, _fx) = start();
    press(&mut app, "0");
    let mut opened = 0;
    for panel in 0..4 {
        for figure in 0..8 {
            press(&mut app, "0");
            for _ in 0..panel {
                press(&mut app, "l");
            }
            for _ in 0..figure {
                press(&mut app, "j");
            }
            let before = screen(&app);
            press(&mut app, "<Enter>");
            let shown = screen(&app);
            if shown == before {
                continue;
            }
            assert!(
                !shown.contains("did you mean") && !shown.contains("no field"),
                "panel {panel}, figure {figure}: the query does not read: {shown}"
            );
            opened += 1;
            press(&mut app, "<Esc>");
        }
    }
    assert!(opened >= 10, "only {opened} figures opened a list");
}

/// Every figure's query reads as the lists read it, for each role's wording.
#[test]
fn every_figures_query_reads_in_the_query_language() {
    use crm::dashboard::figures::{Limits, Scope};
    use crm::dashboard::period::{Period, Span};
    use crm::tui::data::DataSource;
    use crm::tui::panes::dashboard::{DashboardAsk, PANELS, lines};
    use crm_server::access::Role;

    let fx = support::Fixture::load();
    let source = fx.source();
    let me = support::fixture_id(crm_server::schema::Entity::Users, "username", support::ME);
    let now = support::now();
    let today = now.date_naive();
    let mut checked = 0;
    for role in [Role::Sales, Role::Manager, Role::Admin] {
        let ask = DashboardAsk {
            scope: Scope {
                me: me.clone(),
                role,
                team: None,
            },
            period: Period::holding(Span::Quarter, today),
            zone: crm::zone::Zone::UTC,
            now,
            limits: Limits::default(),
        };
        let figures = source.dashboard(&ask).expect("figures");
        for panel in 0..PANELS.len() {
            for line in lines(&figures, panel, role, Limits::default(), today) {
                if let Some((entity, query)) = line.link {
                    let problem = source.query_problem(entity, &query);
                    assert!(problem.is_none(), "{entity:?} {query}: {problem:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "{checked}");
}
