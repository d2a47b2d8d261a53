//! The decision map over a real replica: `M` in a customer's 360° draws its contacts as the
//! tree of who reports to whom, with titles and decision roles in columns that stay aligned
//! under Chinese names, and each person's other relations beneath them; `n` relates the chosen
//! person to a colleague through the form, `r` sets their decision role, `d` deletes a relation —
//! each written to the outbox as the server would take it.

mod support;

use chrono::{DateTime, Utc};
use crm::replica::Op;
use crm::text::width;
use crm::tui::TuiOptions;
use crm::tui::keymap::Mode;
use crm_server::schema::Entity;
use serde_json::json;
use support::{
    Fixture, app_over, apply_records, fixture_id, press, screen, server_record, type_text,
};

const BOSS: &str = "00000030-0000-7000-8000-000000000001";
const ASSISTANT: &str = "00000030-0000-7000-8000-000000000002";
const R_WANG: &str = "00000031-0000-7000-8000-000000000001";
const R_LI: &str = "00000031-0000-7000-8000-000000000002";
const R_ASSISTANT: &str = "00000031-0000-7000-8000-000000000003";
const R_INFLUENCE: &str = "00000031-0000-7000-8000-000000000004";

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn relation(
    id: &str,
    from: &str,
    kind: &str,
    to: &str,
    reason: Option<&str>,
) -> crm::tui::data::Record {
    server_record(
        Entity::ContactRelations,
        id,
        json!({"contact_id": from, "kind": kind, "related_id": to, "reason": reason}),
        at(),
    )
}

/// 华为 (C000101): 张伟 the general manager and decision maker, 王小明 reporting to him, 李静
/// reporting to 王小明 and influencing 张伟, 欧阳娜娜 his assistant; the decision roles' list.
fn mapped() -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let wang = fixture_id(Entity::Contacts, "name", "王小明");
    let li = fixture_id(Entity::Contacts, "name", "李静");
    let replica = fx.replica();
    let mut seq = 3_000_000;
    let roles = [
        ("decision_maker", "决策者", "Decision maker"),
        ("influencer", "影响者", "Influencer"),
        ("user", "使用者", "User"),
        ("gatekeeper", "把关者", "Gatekeeper"),
    ];
    let items = roles
        .iter()
        .enumerate()
        .map(|(i, (code, zh, en))| {
            server_record(
                Entity::ListItems,
                &format!("00000032-0000-7000-8000-00000000000{}", i + 1),
                json!({"list": "decision_roles", "code": code, "name_zh": zh, "name_en": en,
                       "position": i + 1}),
                at(),
            )
        })
        .collect();
    apply_records(&replica, Entity::ListItems, items, &mut seq);
    let people = vec![
        server_record(
            Entity::Contacts,
            BOSS,
            json!({"customer_id": customer, "name": "张伟", "title": "总经理",
                   "decision_role": "decision_maker"}),
            at(),
        ),
        server_record(
            Entity::Contacts,
            ASSISTANT,
            json!({"customer_id": customer, "name": "欧阳娜娜", "title": "总经理助理",
                   "decision_role": "gatekeeper"}),
            at(),
        ),
    ];
    apply_records(&replica, Entity::Contacts, people, &mut seq);
    let relations = vec![
        relation(R_WANG, &wang, "reports_to", BOSS, None),
        relation(R_LI, &li, "reports_to", &wang, None),
        relation(R_ASSISTANT, ASSISTANT, "assistant_of", BOSS, None),
        relation(
            R_INFLUENCE,
            &li,
            "influences",
            BOSS,
            Some("技术选型她说了算"),
        ),
    ];
    apply_records(&replica, Entity::ContactRelations, relations, &mut seq);
    drop(replica);
    let options = TuiOptions {
        language: Some("zh".into()),
        ..support::options()
    };
    let mut app = app_over(Box::new(fx.source()), options, 100, 30);
    press(&mut app, ":");
    type_text(&mut app, "open C000101");
    press(&mut app, "<Enter>");
    assert!(app.customer_view().is_some(), "{}", screen(&app));
    press(&mut app, "M");
    assert_eq!(app.pane_mode(), Mode::DecisionMap, "{}", screen(&app));
    (app, fx)
}

/// The screen's lines from the one holding `first` on, up to the panel's edge.
fn map_lines(shown: &str, first: &str) -> Vec<String> {
    shown
        .lines()
        .skip_while(|l| !l.contains(first))
        .take_while(|l| !l.contains('└') || l.contains("─ "))
        .map(|l| {
            l.trim_start_matches(['│', ' '])
                .trim_end_matches(['│', ' '])
                .to_string()
        })
        .collect()
}

#[test]
fn the_map_is_the_reports_to_tree_with_roles_aligned_under_chinese_names() {
    let (app, _fx) = mapped();
    let shown = screen(&app);
    assert!(
        shown.contains("Decision map · C000101 华为技术有限公司"),
        "{shown}"
    );
    let rows = app.decision_map().expect("the map is in view").rows();
    // 欧阳娜娜 and 张伟 are the roots (by name); 王小明 under 张伟, 李静 under him.
    let find = |s: &str| {
        rows.iter()
            .position(|r| r.contains(s))
            .unwrap_or_else(|| panic!("{s} not in {rows:#?}"))
    };
    let boss = find("张伟  ");
    let wang = find("王小明");
    let li = find("李静");
    assert!(boss < wang && wang < li, "{rows:#?}");
    assert!(rows[wang].starts_with("└─ 王小明"), "{rows:#?}");
    assert!(rows[li].starts_with("   └─ 李静"), "{rows:#?}");
    // Her other relations stand under her; the reports-to edges are the tree itself.
    assert!(
        rows[li + 1].contains("↳ influences 张伟 — 技术选型她说了算"),
        "{rows:#?}"
    );
    let assistant = find("欧阳娜娜");
    assert!(
        rows[assistant + 1].contains("↳ assistant of 张伟"),
        "{rows:#?}"
    );
    assert!(!rows.iter().any(|r| r.contains("reports to")), "{rows:#?}");
    // Titles and roles start in the same column on every person's row, by display width:
    // a four-character name and a two-character one, indented or not.
    let title_at = |row: &str, title: &str| width(&row[..row.find(title).expect(title)]);
    assert_eq!(
        title_at(&rows[boss], "总经理"),
        title_at(&rows[li], "IT 主管")
    );
    assert_eq!(
        title_at(&rows[assistant], "总经理助理"),
        title_at(&rows[wang], "采购经理")
    );
    assert!(rows[boss].ends_with("决策者"), "{rows:#?}");
    assert!(rows[assistant].ends_with("把关者"), "{rows:#?}");
    // And so they are drawn.
    assert!(shown.contains("└─ 王小明"), "{shown}");
    assert!(shown.contains("↳ influences 张伟"), "{shown}");
    let drawn = map_lines(&shown, "欧阳娜娜");
    assert!(!drawn.is_empty(), "{shown}");
}

#[test]
fn n_relates_the_chosen_person_r_sets_a_role_and_d_deletes_a_relation() {
    let (mut app, fx) = mapped();
    let wang = fixture_id(Entity::Contacts, "name", "王小明");
    // To 王小明's row: 欧阳娜娜, her relation, 张伟, 王小明.
    let rows = app.decision_map().unwrap().rows();
    let at_wang = rows.iter().position(|r| r.contains("王小明")).unwrap();
    for _ in 0..at_wang {
        press(&mut app, "j");
    }
    // n: the relation's form, the person filled in; the other person picked among colleagues.
    press(&mut app, "n");
    assert_eq!(app.dialog_name(), Some("form"), "{}", screen(&app));
    assert!(
        screen(&app).contains("王小明: new relation"),
        "{}",
        screen(&app)
    );
    type_text(&mut app, "family");
    assert_eq!(app.dialog_name(), Some("picker"), "{}", screen(&app));
    // A choice picked moves on to the next field.
    press(&mut app, "<Enter>");
    type_text(&mut app, "欧阳");
    assert_eq!(app.dialog_name(), Some("picker"), "{}", screen(&app));
    press(&mut app, "<Enter>");
    type_text(&mut app, "表兄妹");
    press(&mut app, "<C-s>");
    assert_eq!(app.dialog_name(), None, "saved: {}", screen(&app));
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Create, Entity::ContactRelations));
    assert_eq!(w.fields["contact_id"], json!(wang));
    assert_eq!(w.fields["kind"], json!("family_of"));
    assert_eq!(w.fields["related_id"], json!(ASSISTANT));
    assert_eq!(w.fields["reason"], json!("表兄妹"));
    // The map shows it at once, from the replica.
    let rows = app.decision_map().unwrap().rows();
    assert!(
        rows.iter()
            .any(|r| r.contains("↳ family of 欧阳娜娜 — 表兄妹")),
        "{rows:#?}"
    );

    // r: his part in the decision, from the admin's list.
    press(&mut app, "r");
    assert_eq!(app.dialog_name(), Some("picker"), "{}", screen(&app));
    type_text(&mut app, "影响");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Update, Entity::Contacts));
    assert_eq!(w.record_id, wang);
    assert_eq!(w.fields["decision_role"], json!("influencer"));
    let rows = app.decision_map().unwrap().rows();
    let row = rows.iter().find(|r| r.contains("王小明")).unwrap();
    assert!(row.ends_with("影响者"), "{rows:#?}");

    // d on a person says to choose a relation; on the influence line it deletes after asking.
    press(&mut app, "d");
    assert_eq!(app.dialog_name(), None);
    let rows = app.decision_map().unwrap().rows();
    let influence = rows
        .iter()
        .position(|r| r.contains("↳ influences"))
        .unwrap();
    press(&mut app, "g g");
    for _ in 0..influence {
        press(&mut app, "j");
    }
    press(&mut app, "d");
    assert!(app.dialog_name().is_some(), "asks first: {}", screen(&app));
    press(&mut app, "y");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Delete, Entity::ContactRelations));
    assert_eq!(w.record_id, R_INFLUENCE);
    let rows = app.decision_map().unwrap().rows();
    assert!(
        !rows.iter().any(|r| r.contains("↳ influences")),
        "{rows:#?}"
    );
}
