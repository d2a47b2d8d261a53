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
