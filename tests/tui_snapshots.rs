//! Every pane and dialog drawn at 80x24 and 160x48 over the fixtures, at the fixtures' "now".

mod support;

use crm::tui::App;
use support::{press, screen, type_text};

/// Draws a scene at both sizes; `setup` runs on a fresh app of each size.
fn scene<R>(name: &str, setup: impl Fn(&mut App) -> R) {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut a, _fixture) = support::start_sized(support::options(), w, h);
        setup(&mut a);
        insta::assert_snapshot!(format!("{name}@{w}x{h}"), screen(&a));
    }
}

#[test]
fn customers_list() {
    scene("customers_list", |_| {});
}

#[test]
fn customers_search() {
    scene("customers_search", |a| {
        press(a, "/");
        type_text(a, "科技");
    });
}

#[test]
fn customer_360() {
    scene("customer_360", |a| press(a, "<Enter>"));
}

#[test]
fn funnel_board() {
    scene("funnel_board", |a| press(a, "2 l l j"));
}

#[test]
fn funnel_chart() {
    scene("funnel_chart", |a| press(a, "2 v"));
}

#[test]
fn calendar_month() {
    scene("calendar_month", |a| press(a, "3"));
}

#[test]
fn calendar_week() {
    scene("calendar_week", |a| press(a, "3 w"));
}

#[test]
fn calendar_agenda() {
    scene("calendar_agenda", |a| press(a, "3 a"));
}

#[test]
fn tickets_queue() {
    scene("tickets_queue", |a| press(a, "4 A"));
}

#[test]
fn ticket_view() {
    scene("ticket_view", |a| press(a, "4 <Enter>"));
}

#[test]
fn dialog_form_with_errors() {
    scene("dialog_form", |a| {
        press(a, "n");
        type_text(a, "   ");
        press(a, "<Tab> <Tab> <Tab> <Tab> <Tab> <Tab>");
        type_text(a, "not-an-email-but-very-long-".repeat(12).as_str());
        press(a, "<Enter>");
    });
}

#[test]
fn dialog_picker() {
    scene("dialog_picker", |a| {
        press(a, "n <Tab> <Tab> <Space>");
    });
}

#[test]
fn dialog_log_call() {
    scene("dialog_log_call", |a| {
        press(a, "<Enter> c 2");
        type_text(a, "客户在开会");
    });
}

#[test]
fn dialog_duplicate_warning() {
    scene("dialog_duplicate", |a| {
        press(a, "n");
        type_text(a, "华为 技术有限公司");
        press(a, "<Enter>");
    });
}

#[test]
fn dialog_stage_reason() {
    scene("dialog_stage_reason", |a| press(a, "2 l l l L"));
}

#[test]
fn dialog_help() {
    scene("dialog_help", |a| press(a, "?"));
}

#[test]
fn dialog_conflicts() {
    scene("dialog_conflicts", |a| press(a, "! j l"));
}

#[test]
fn command_line() {
    scene("command_line", |a| {
        press(a, ":");
        type_text(a, "theme ");
        press(a, "<Tab>");
    });
}
