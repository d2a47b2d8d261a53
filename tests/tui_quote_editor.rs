//! The quote editor over the fixtures' replica, as li (sales, limit 10 %): opened on a draft
//! quote from the Sales screen, a line added by pinyin search and priced by the customer's
//! level price, the total line following the quantity as it is typed, the line written with its
//! price and tax rate, a discount above the limit refused on `s` with the server's message, and
//! sent once within it.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::data::Record;
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{
    Fixture, app_over, apply_records, fixture_id, press, press_raw, screen, server_record,
    type_text,
};

const QUOTE: &str = "0000000e-0000-7000-8000-000000000001";
const IMPL: &str = "0000000f-0000-7000-8000-000000000001";
const LICENCE: &str = "0000000f-0000-7000-8000-000000000002";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn stored(entity: Entity, id: &str, fields: Value) -> Record {
    server_record(entity, id, fields, at("2026-11-20T08:00:00Z"))
}

/// Two products (one with a level-A price), a draft quote for 华为 (level A, li's); li's app.
fn editor_world() -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let replica = fx.replica();
    let mut seq = 2_000_000;
    apply_records(
        &replica,
        Entity::Products,
        vec![
            stored(
                Entity::Products,
                IMPL,
                json!({"code": "S-IMPL", "name": "实施服务", "kind": "service", "unit": "天",
                       "list_price": 250_000, "currency": "CNY", "tax_rate_bp": 600, "active": true}),
            ),
            stored(
                Entity::Products,
                LICENCE,
                json!({"code": "WMS-LIC", "name": "仓储管理系统许可", "kind": "licence", "unit": "套",
                       "list_price": 100_000, "currency": "CNY", "tax_rate_bp": 1_300, "active": true}),
            ),
        ],
        &mut seq,
    );
    apply_records(
        &replica,
        Entity::Prices,
        vec![stored(
            Entity::Prices,
            "00000010-0000-7000-8000-000000000001",
            json!({"product_id": IMPL, "level": "A", "unit_price": 200_000,
                   "currency": "CNY", "valid_from": "2026-01-01"}),
        )],
        &mut seq,
    );
    let mut quote = stored(
        Entity::Quotes,
        QUOTE,
        json!({"customer_id": customer, "subject": "WMS 实施", "status": "draft",
               "currency": "CNY", "owner_id": "00000002-0000-7000-8000-000000000003"}),
    );
    quote.extend(obj(json!({"number": "Q-000001", "revision": 1,
                                "subtotal": 0, "tax": 0, "total": 0})));
    apply_records(&replica, Entity::Quotes, vec![quote], &mut seq);
    drop(replica);
    let app = app_over(Box::new(fx.source()), support::options(), 120, 30);
    (app, fx)
}

/// The newest entry the app wrote for `entity` holding `field` (the outbox folds an edit into
/// its record's unsent entry), and that field's value.
fn written(fx: &Fixture, entity: Entity, field: &str) -> Option<Value> {
    fx.written()
        .into_iter()
        .rev()
        .find(|e| e.entity == entity && e.fields.contains_key(field))
        .map(|e| e.fields[field].clone())
}

fn obj(v: Value) -> Record {
    v.as_object().cloned().unwrap()
}

#[test]
fn a_line_found_by_pinyin_is_priced_for_the_customer_and_the_total_follows_the_typing() {
    let (mut app, fx) = editor_world();
    press(&mut app, "g s");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Q-000001 r1 · draft"), "{shown}");
    assert!(shown.contains("no lines yet"), "{shown}");

    // n: the product search; "shishi" is the pinyin of 实施.
    press(&mut app, "n");
    type_text(&mut app, "shishi");
    let shown = screen(&app);
    assert!(shown.contains("S-IMPL"), "{shown}");
    assert!(!shown.contains("WMS-LIC"), "{shown}");
    press(&mut app, "<Enter>");
    // The level-A price (2,000.00), not the list price (2,500.00).
    let created = fx.last_written();
    assert_eq!(created.entity, Entity::QuoteLines);
    assert_eq!(created.fields["unit_price"], 200_000);
    assert_eq!(created.fields["tax_rate_bp"], 600);
    assert_eq!(created.fields["quote_id"], QUOTE);
    let shown = screen(&app);
    // One unit: 2,000.00 + 6 % = 2,120.00.
    assert!(shown.contains("Total 2,120.00"), "{shown}");

    // The quantity is being typed: each key moves the total, before anything is written.
    press(&mut app, "<Backspace>");
    type_text(&mut app, "3");
    let shown = screen(&app);
    assert!(shown.contains("Subtotal 6,000.00"), "{shown}");
    assert!(shown.contains("Total 6,360.00"), "{shown}");
    type_text(&mut app, "7");
    assert!(screen(&app).contains("Total 78,440.00"), "37 × 2,120.00");
    assert_eq!(
        written(&fx, Entity::QuoteLines, "quantity"),
        Some(json!(1)),
        "nothing written while typing"
    );
    press(&mut app, "<Backspace> <Enter>");
    assert_eq!(written(&fx, Entity::QuoteLines, "quantity"), Some(json!(3)));
    assert!(screen(&app).contains("Total 6,360.00"));

    // A second line; 15 % off the first is above li's 10 %: s says so and sends nothing.
    press(&mut app, "n");
    type_text(&mut app, "WMS");
    press(&mut app, "<Enter> <Enter>");
    // 6,000.00 + 1,000.00 net; 360.00 + 130.00 tax.
    assert!(screen(&app).contains("Total 7,490.00"), "{}", screen(&app));
    press(&mut app, "k %");
    press(&mut app, "<C-u>");
    type_text(&mut app, "15");
    // 5,100.00 + 306.00 + 1,130.00
    assert!(screen(&app).contains("Total 6,536.00"), "{}", screen(&app));
    press(&mut app, "<Enter>");
    let discounts: Vec<Value> = fx
        .written()
        .iter()
        .filter_map(|e| e.fields.get("discount_bp").cloned())
        .collect();
    assert!(discounts.contains(&json!(1_500)), "{discounts:?}");
    press(&mut app, "s");
    let shown = screen(&app);
    assert!(shown.contains("above your limit"), "{shown}");
    assert_eq!(
        written(&fx, Entity::Quotes, "status"),
        None,
        "an over-limit quote is not sent"
    );

    // A draft is not accepted: it is sent first (the rule's words, nothing written).
    press(&mut app, "a");
    assert!(
        screen(&app).contains("a draft quote is sent before it can be accepted"),
        "{}",
        screen(&app)
    );
    assert!(fx.written().iter().all(|e| e.entity != Entity::Orders));

    // Within the limit it is sent.
    press(&mut app, "%");
    press(&mut app, "<C-u>");
    type_text(&mut app, "10");
    press(&mut app, "<Enter> s");
    assert_eq!(written(&fx, Entity::Quotes, "status"), Some(json!("sent")));
    assert!(screen(&app).contains("· sent"), "{}", screen(&app));
    // A sent quote's lines stay as they are.
    press(&mut app, "<Enter>");
    assert!(
        screen(&app).contains("this quote is sent and can no longer be changed"),
        "{}",
        screen(&app)
    );

    // a: accepted, and its order made from it (the server takes its lines).
    press(&mut app, "a");
    assert_eq!(
        written(&fx, Entity::Quotes, "status"),
        Some(json!("accepted"))
    );
    assert_eq!(written(&fx, Entity::Orders, "quote_id"), Some(json!(QUOTE)));
    assert!(screen(&app).contains("· accepted"), "{}", screen(&app));
}

/// The view on top.
fn editing(app: &crm::tui::App) -> bool {
    matches!(
        app.opened().last(),
        Some(crm::tui::nav::Opened::QuoteEditor(_))
    )
}

#[test]
fn the_customers_360_opens_a_draft_in_the_editor_and_starts_a_new_quote_there() {
    let (mut app, fx) = editor_world();
    let code = support::fixture(Entity::Customers, "name", "华为技术有限公司")["code"]
        .as_str()
        .unwrap()
        .to_string();
    press(&mut app, ":");
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    // Back through the sections to the quotes.
    for _ in 0..8 {
        if app.customer_view().unwrap().section == crm::tui::panes::customer360::Section::Quotes {
            break;
        }
        press(&mut app, "h");
    }
    assert_eq!(
        app.customer_view().unwrap().section,
        crm::tui::panes::customer360::Section::Quotes
    );
    press(&mut app, "<Enter>");
    assert!(editing(&app), "{}", screen(&app));
    assert!(screen(&app).contains("Q-000001 r1 · draft"));
    press(&mut app, "<Esc>");
    // n: the quote's header (its customer given), saved, then the new quote's editor.
    press(&mut app, "n");
    assert!(screen(&app).contains("New quote"), "{}", screen(&app));
    press(&mut app, "<C-s>");
    assert!(editing(&app), "{}", screen(&app));
    assert!(
        screen(&app).contains("New quote (numbered when synced) · draft · 华为技术有限公司"),
        "{}",
        screen(&app)
    );
    let created = fx
        .written()
        .into_iter()
        .rev()
        .find(|e| e.entity == Entity::Quotes)
        .expect("the quote was written");
    assert_eq!(
        created.fields["customer_id"],
        json!(fixture_id(Entity::Customers, "name", "华为技术有限公司"))
    );
}

#[test]
fn the_editor_reads_its_quote_and_its_catalogue_off_the_ui_thread() {
    let (mut app, _fx) = editor_world();
    press(&mut app, "g s");
    // Opening asks the reader thread for the quote; the key reads nothing itself.
    let effects = press_raw(&mut app, "<Enter>");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            crm::tui::Effect::Load { read: crm::tui::work::Read::Quote(ask), .. } if ask.id == QUOTE
        )),
        "{effects:?}"
    );
    assert!(screen(&app).contains("reading…"), "{}", screen(&app));
    app.settle(effects);
    assert!(
        screen(&app).contains("Q-000001 r1 · draft"),
        "{}",
        screen(&app)
    );

    // The picker opens at once; what is typed before the catalogue comes filters it when it does.
    let effects = press_raw(&mut app, "n");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            crm::tui::Effect::Load {
                read: crm::tui::work::Read::QuoteCatalogue,
                ..
            }
        )),
        "{effects:?}"
    );
    let typed = press_raw(&mut app, "s h i s h i");
    assert!(!screen(&app).contains("S-IMPL"), "{}", screen(&app));
    app.settle(effects);
    app.settle(typed);
    let shown = screen(&app);
    assert!(shown.contains("S-IMPL"), "{shown}");
    assert!(!shown.contains("WMS-LIC"), "{shown}");
}
