//! The query language on the screens: `/` on a list takes `level:A -lifecycle:lost 深圳` as the
//! API and the CLI do, `:filter` sets it, and a query that does not read says where on the line.

mod support;

use crm::tui::App;
use crm::tui::data::text;
use support::{press, screen, start, type_text};

fn visible_names(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .customers
        .list
        .rows
        .iter()
        .map(|c| text(c, "name").to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn slash_takes_a_query_on_the_customers_list() {
    let (mut app, _fx) = start();
    press(&mut app, "/");
    type_text(&mut app, "owner:li level:A");
    assert_eq!(
        visible_names(&app),
        ["华为技术有限公司", "阿里巴巴网络技术有限公司"]
    );
    assert!(app.customers.problem.is_none());
    // Words and conditions together; a negation keeps the rest.
    press(&mut app, "<Esc> /");
    type_text(&mut app, "tag:vip -region:深圳 -owner:wang");
    assert_eq!(visible_names(&app), ["阿里巴巴网络技术有限公司"]);
    press(&mut app, "<Esc> /");
    type_text(&mut app, "科技 level:B");
    assert_eq!(
        visible_names(&app),
        ["北京字节跳动科技有限公司", "小米科技有限责任公司"]
    );
    // Plain words are still the ranked search.
    press(&mut app, "<Esc> /");
    type_text(&mut app, "华为");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
}

#[test]
fn a_query_that_does_not_read_says_where_on_the_filter_line() {
    let (mut app, _fx) = start_wide();
    press(&mut app, "/");
    type_text(&mut app, "levl:A");
    let problem = app.customers.problem.clone().expect("a problem");
    assert_eq!(problem.at, 1);
    assert!(visible_names(&app).is_empty(), "a bad query lists nothing");
    let s = screen(&app);
    assert!(s.contains("did you mean level?"), "{s}");
    // Fixed, the message goes.
    press(
        &mut app,
        "<Backspace> <Backspace> <Backspace> <Backspace> <Backspace>",
    );
    type_text(&mut app, "evel:A");
    assert!(
        app.customers.problem.is_none(),
        "{:?}",
        app.customers.problem
    );
    assert_eq!(visible_names(&app).len(), 4);
}

fn start_wide() -> (App, support::Fixture) {
    support::start_sized(support::options(), 160, 30)
}

#[test]
fn colon_filter_sets_the_query_of_the_list_in_view() {
    let (mut app, _fx) = start();
    press(&mut app, ":");
    type_text(&mut app, "filter lifecycle:lost,dormant");
    press(&mut app, "<Enter>");
    assert_eq!(
        visible_names(&app),
        ["Globex Corporation", "Umbrella Pharma"]
    );
    // On a generic list too.
    press(&mut app, ":");
    type_text(&mut app, "list tickets");
    press(&mut app, "<Enter> :");
    type_text(&mut app, "filter priority:high,urgent -status:closed");
    press(&mut app, "<Enter>");
    let s = screen(&app);
    assert!(
        s.contains("基站告警") && s.contains("发票抬头") && s.contains("报表导出"),
        "{s}"
    );
    assert!(!s.contains("Refund") && !s.contains("设备巡检"), "{s}");
}

/// The fixture's customers with custom values, and the admin's definitions, as a sync brings
/// them: `budget` (money), `visit_on` (a date), `source` (a choice).
fn with_custom_fields() -> (App, support::Fixture) {
    use crm_server::schema::Entity;
    use serde_json::json;
    use support::{apply_records, now, server_record};
    let fx = support::Fixture::load();
    let replica = fx.replica();
    let mut seq = 3_000_000;
    let definitions = [
        json!({"key": "budget", "label_zh": "预算", "kind": "money"}),
        json!({"key": "visit_on", "label_zh": "拜访日", "kind": "date"}),
        json!({"key": "source", "label_zh": "来源", "kind": "choice", "choices": ["展会", "Web"]}),
    ]
    .into_iter()
    .zip(1..)
    .map(|(mut d, n)| {
        d["entity"] = json!("customers");
        server_record(
            Entity::FieldDefinitions,
            &format!("00000013-0000-7000-8000-{n:012}"),
            d,
            now(),
        )
    })
    .collect();
    apply_records(&replica, Entity::FieldDefinitions, definitions, &mut seq);
    let today = now().date_naive();
    let values = [
        (
            "华为技术有限公司",
            json!({"budget": 20_000_000, "visit_on": (today - chrono::Duration::days(3)).to_string(), "source": "Web"}),
        ),
        (
            "小米科技有限责任公司",
            json!({"budget": 5_000_000, "visit_on": (today - chrono::Duration::days(90)).to_string(), "source": "展会"}),
        ),
    ];
    let all = replica
        .list(
            Entity::Customers,
            &crm::replica::LocalQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    let changed = values
        .iter()
        .map(|(name, custom)| {
            let mut fields = all
                .iter()
                .find(|c| text(&c.fields, "name") == *name)
                .unwrap_or_else(|| panic!("{name} in the fixtures"))
                .fields
                .clone();
            fields.insert("custom".into(), custom.clone());
            let version = fields["version"].as_i64().unwrap_or(1);
            fields.insert("version".into(), json!(version + 1));
            fields
        })
        .collect();
    apply_records(&replica, Entity::Customers, changed, &mut seq);
    drop(replica);
    let app = support::app_over(Box::new(fx.source()), support::options(), 160, 30);
    (app, fx)
}

#[test]
fn slash_queries_custom_fields_as_the_api_does() {
    let (mut app, _fx) = with_custom_fields();
    press(&mut app, "/");
    type_text(&mut app, "custom.budget>100000");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
    press(&mut app, "<Esc> /");
    type_text(&mut app, "custom.visit_on<30d");
    assert_eq!(visible_names(&app), ["华为技术有限公司"]);
    press(&mut app, "<Esc> /");
    type_text(&mut app, "custom.来源:展会");
    assert_eq!(visible_names(&app), ["小米科技有限责任公司"]);
    // A negation keeps those without the value.
    press(&mut app, "<Esc> /");
    type_text(&mut app, "-custom.budget>100000 level:A,B");
    let names = visible_names(&app);
    assert!(
        !names.contains(&"华为技术有限公司".to_string())
            && names.contains(&"小米科技有限责任公司".to_string())
            && names.len() > 1,
        "{names:?}"
    );
    // An unknown key says which there are, at the word.
    press(&mut app, "<Esc> /");
    type_text(&mut app, "level:A custom.budgte>1");
    let problem = app.customers.problem.clone().expect("a problem");
    assert_eq!(problem.at, 9);
    assert!(
        problem
            .message
            .contains("its custom fields are custom.budget, custom.source, custom.visit_on"),
        "{problem}"
    );
    let s = screen(&app);
    assert!(s.contains("did you mean custom.budget?"), "{s}");
}
