//! Competitors on the screens, over the real replica filled from the fixtures (competitors,
//! their products and the competitors in each deal): the customer's 360° lists the competitors
//! in its deals by name; Enter opens an entry or a deal in full; a deal's view adds a competitor
//! in a few keys (pick one, then the form) and writes it to the outbox.

mod support;

use crm::replica::Op;
use crm::tui::App;
use crm::tui::data::text;
use crm::tui::nav::Opened;
use crm::tui::panes::customer360::Section;
use crm_server::schema::Entity;
use serde_json::json;
use support::{fixture_id, press, screen, type_text};

/// Opens a record by its number from the command line.
fn open(app: &mut App, number: &str) {
    press(app, ":");
    type_text(app, &format!("open {number}"));
    press(app, "<Enter>");
}

/// The record view in view: (entity, id).
fn record_view(app: &App) -> Option<(Entity, String)> {
    match app.opened().last() {
        Some(Opened::Record(v)) => Some((v.entity, v.id.clone())),
        _ => None,
    }
}

#[test]
fn the_360_lists_the_competitors_in_the_customers_deals_by_name() {
    let (mut app, _fx) = start_wide();
    open(&mut app, "C000101");
    let view = app.customer_view().expect("the 360 is open");
    let rows: Vec<(String, String, &str, &str)> = view
        .competitors
        .iter()
        .map(|c| {
            (
                c.competitor.clone(),
                c.deal.clone(),
                text(&c.entry, "threat"),
                text(&c.entry, "status"),
            )
        })
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.contains(&(
        "中兴通讯".into(),
        "5G 基站维保合同".into(),
        "high",
        "competing"
    )));
    assert!(rows.contains(&(
        "Ericsson".into(),
        "5G 基站维保合同".into(),
        "medium",
        "dropped"
    )));
    assert!(rows.contains(&(
        "中兴通讯".into(),
        "数据中心扩容".into(),
        "medium",
        "competing"
    )));
    let shown = screen(&app);
    assert!(shown.contains("Competitors (3)"), "{shown}");
    assert!(shown.contains("Ericsson"), "{shown}");
    assert!(!shown.contains("0000000a-"), "names, never ids: {shown}");
    // A customer whose deals have none says so.
    open(&mut app, "C000103");
    assert!(app.customer_view().unwrap().competitors.is_empty());
    assert!(screen(&app).contains("Competitors (0)"));
}

#[test]
fn enter_on_a_competitor_entry_opens_it_named_not_numbered() {
    let (mut app, _fx) = start_wide();
    open(&mut app, "C000101");
    press(&mut app, "h");
    assert_eq!(app.customer_view().unwrap().section, Section::Competitors);
    let chosen = app.customer_view().unwrap().competitors[0].clone();
    press(&mut app, "<Enter>");
    assert_eq!(
        record_view(&app),
        Some((
            Entity::OpportunityCompetitors,
            text(&chosen.entry, "id").to_string()
        ))
    );
    let shown = screen(&app);
    assert!(
        shown.contains(&format!("opportunity competitor · {}", chosen.competitor)),
        "the header names the competitor: {shown}"
    );
    assert!(shown.contains(&chosen.deal), "the deal by name: {shown}");
    assert!(!shown.contains("0000000a-"), "{shown}");
    assert!(!shown.contains("00000006-"), "{shown}");
    assert_eq!(
        app.breadcrumb().last().map(String::as_str),
        Some(chosen.competitor.as_str())
    );
    press(&mut app, "<Esc>");
    assert!(app.customer_view().is_some(), "Esc returns to the 360");
}

#[test]
fn a_deal_lists_its_competitors_and_adds_one_in_a_few_keys() {
    let (mut app, fx) = start_wide();
    open(&mut app, "C000101");
    // Opportunities is the section left of the competitors.
    press(&mut app, "h h");
    let view = app.customer_view().unwrap();
    assert_eq!(view.section, Section::Opportunities);
    let deal = view.opportunities[view.cursor[1]].clone();
    press(&mut app, "<Enter>");
    assert_eq!(
        record_view(&app),
        Some((Entity::Opportunities, text(&deal, "id").to_string())),
        "Enter on a deal opens the deal"
    );
    let before = screen(&app);
    assert!(
        before.contains("中兴通讯"),
        "its competitors by name: {before}"
    );
    assert!(!before.contains("0000000a-"), "{before}");

    // c: pick a competitor (typing narrows the list), then the form for the rest.
    press(&mut app, "c");
    assert_eq!(app.dialog_name(), Some("picker"));
    type_text(&mut app, "Initrode");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("form"));
    assert!(
        screen(&app).contains("Initrode Ltd. in"),
        "{}",
        screen(&app)
    );
    press(&mut app, "<C-s>");
    assert_eq!(app.dialog_name(), None, "saved: {}", screen(&app));

    let w = fx.last_written();
    assert_eq!(
        (w.op, w.entity),
        (Op::Create, Entity::OpportunityCompetitors)
    );
    assert_eq!(w.fields["opportunity_id"], json!(text(&deal, "id")));
    assert_eq!(
        w.fields["competitor_id"],
        json!(fixture_id(Entity::Competitors, "name", "Initrode Ltd."))
    );
    assert!(screen(&app).contains("Initrode Ltd."), "{}", screen(&app));

    // Back in the 360 the new competitor is among the customer's.
    press(&mut app, "<Esc>");
    let entries: Vec<(String, String)> = app
        .customer_view()
        .expect("back in the 360")
        .competitors
        .iter()
        .map(|c| (c.competitor.clone(), c.deal.clone()))
        .collect();
    assert!(
        entries.contains(&("Initrode Ltd.".to_string(), text(&deal, "name").to_string())),
        "{entries:?}"
    );
}

#[test]
fn only_a_deal_takes_a_competitor() {
    let (mut app, fx) = start_wide();
    let before = fx.written().len();
    open(&mut app, "C000101");
    press(&mut app, "h");
    press(&mut app, "<Enter>");
    assert_eq!(
        record_view(&app).map(|(e, _)| e),
        Some(Entity::OpportunityCompetitors)
    );
    press(&mut app, "c");
    assert_eq!(app.dialog_name(), None);
    let flash = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(flash.contains("open an opportunity first"), "{flash}");
    assert_eq!(fx.written().len(), before);
}

#[test]
fn the_360_filter_narrows_the_competitors_too() {
    let (mut app, _fx) = start_wide();
    open(&mut app, "C000101");
    press(&mut app, "/");
    type_text(&mut app, "ericsson");
    let view = app.customer_view().unwrap();
    let names: Vec<&str> = view
        .competitors
        .iter()
        .map(|c| c.competitor.as_str())
        .collect();
    assert_eq!(names, ["Ericsson"]);
    press(&mut app, "<C-u>");
    type_text(&mut app, "数据中心");
    let view = app.customer_view().unwrap();
    let deals: Vec<&str> = view.competitors.iter().map(|c| c.deal.as_str()).collect();
    assert_eq!(deals, ["数据中心扩容"], "by the deal's name too");
}

fn start_wide() -> (App, support::Fixture) {
    support::start_sized(support::options(), 140, 40)
}

#[test]
fn the_funnel_opens_a_deal_with_its_competitors() {
    let (mut app, _fx) = start_wide();
    press(&mut app, "2");
    // The proposal stage holds the 5G deal, in which two competitors are.
    let proposal = app
        .funnel
        .summaries
        .iter()
        .position(|s| text(&s.stage, "name") == "proposal")
        .unwrap();
    for _ in 0..proposal {
        press(&mut app, "l");
    }
    let five_g = fixture_id(Entity::Opportunities, "name", "5G 基站维保合同");
    for _ in 0..app.funnel.summaries[proposal].count {
        let c = &app.funnel.columns[proposal];
        if c.rows.get(c.selected - c.offset).map(|o| text(o, "id")) == Some(five_g.as_str()) {
            break;
        }
        press(&mut app, "j");
    }
    press(&mut app, "i");
    assert_eq!(record_view(&app), Some((Entity::Opportunities, five_g)));
    let shown = screen(&app);
    assert!(
        shown.contains("中兴通讯") && shown.contains("Ericsson"),
        "{shown}"
    );
    assert!(!shown.contains("0000000a-"), "{shown}");
    press(&mut app, "<Esc>");
    assert_eq!(app.pane, crm::tui::Pane::Funnel);
    assert!(record_view(&app).is_none(), "Esc returns to the board");
}

#[test]
fn a_deals_related_records_filter_too() {
    let (mut app, _fx) = start_wide();
    open(&mut app, "C000101");
    press(&mut app, "h h <Enter>");
    let related = |app: &App| -> usize {
        match app.opened().last() {
            Some(Opened::Record(v)) => v.related.len(),
            _ => panic!("the deal's view is open"),
        }
    };
    let all = related(&app);
    assert!(all >= 2, "its two competitors at least: {all}");
    press(&mut app, "/");
    type_text(&mut app, "ericsson");
    assert_eq!(related(&app), 1);
    assert!(screen(&app).contains("/ ericsson"), "{}", screen(&app));
    press(&mut app, "<Esc>");
    assert_eq!(related(&app), all, "Esc clears the filter");
    assert!(record_view(&app).is_some(), "and stays in the view");
}
