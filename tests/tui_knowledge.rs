//! The knowledge base and return visits on the screens, over a real replica: `g k` lists the
//! articles and `/` finds one by a Chinese word, Enter reads its Markdown rendered, `v` shows the
//! version an edit kept; a ticket's `K` suggests articles by its subject and `y` replies with the
//! link; a return visit's questions answered and finished (a required one missing is refused
//! first); a survey's results counted and drawn as bars.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::dialogs::{Dialog, Purpose};
use crm::tui::keymap::Mode;
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{
    Fixture, app_over, apply_records, fixture, fixture_id, press, screen, server_record, type_text,
};

const ARTICLE_JAM: &str = "00000020-0000-7000-8000-000000000001";
const ARTICLE_PASSWORD: &str = "00000020-0000-7000-8000-000000000002";
const SURVEY: &str = "00000021-0000-7000-8000-000000000001";
const Q_SCALE: &str = "00000022-0000-7000-8000-000000000001";
const Q_CHOICE: &str = "00000022-0000-7000-8000-000000000002";
const VISIT: &str = "00000023-0000-7000-8000-000000000001";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A record as the server sends it, with the fields only the server sets.
fn stored(entity: Entity, id: &str, open: Value, server: Value) -> crm::tui::data::Record {
    let mut r = server_record(entity, id, open, at("2026-11-24T08:00:00Z"));
    if let Value::Object(fields) = server {
        r.extend(fields);
    }
    r
}

/// The fixtures, two articles (one edited once), a survey of two questions, a return visit
/// and two finished ones; li's app over them.
fn knowledge() -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let mut seq = 2_000_000;
    let replica = fx.replica();
    let articles = vec![
        stored(
            Entity::Articles,
            ARTICLE_JAM,
            json!({"title": "打印机卡纸怎么办",
                   "body": "# 打印机卡纸\n\n遇到**卡纸**时：\n\n1. 关机\n2. 打开后盖\n"}),
            json!({"number": "KB-000001", "revision": 2, "solved_count": 3}),
        ),
        stored(
            Entity::Articles,
            ARTICLE_PASSWORD,
            json!({"title": "Resetting a user's password",
                   "body": "Ask for the **customer code**, then press `Reset`."}),
            json!({"number": "KB-000002", "revision": 1}),
        ),
    ];
    apply_records(&replica, Entity::Articles, articles, &mut seq);
    let version = stored(
        Entity::ArticleVersions,
        "00000024-0000-7000-8000-000000000001",
        json!({"article_id": ARTICLE_JAM, "revision": 1, "title": "打印机卡纸",
               "body": "旧的步骤：直接拉出纸张"}),
        json!({}),
    );
    apply_records(&replica, Entity::ArticleVersions, vec![version], &mut seq);
    let survey = stored(
        Entity::Surveys,
        SURVEY,
        json!({"title_en": "After service", "title_zh": "服务回访"}),
        json!({}),
    );
    apply_records(&replica, Entity::Surveys, vec![survey], &mut seq);
    let questions = vec![
        stored(
            Entity::SurveyQuestions,
            Q_SCALE,
            json!({"survey_id": SURVEY, "position": 1, "kind": "scale", "required": true,
                   "satisfaction": true,
                   "text_en": "How satisfied are you?", "text_zh": "您满意吗？"}),
            json!({}),
        ),
        stored(
            Entity::SurveyQuestions,
            Q_CHOICE,
            json!({"survey_id": SURVEY, "position": 2, "kind": "single",
                   "text_en": "Was it fast?", "text_zh": "速度快吗？", "choices": "快\n慢"}),
            json!({}),
        ),
    ];
    apply_records(&replica, Entity::SurveyQuestions, questions, &mut seq);
    let visit = |n: usize, status: &str, answers: Value| {
        stored(
            Entity::ReturnVisits,
            &format!("00000023-0000-7000-8000-00000000000{n}"),
            json!({"subject": "服务回访", "survey_id": SURVEY, "customer_id": customer,
                   "status": status, "answers": answers}),
            json!({}),
        )
    };
    let visits = vec![
        visit(1, "open", json!({})),
        visit(2, "done", json!({Q_SCALE: 5, Q_CHOICE: "快"})),
        visit(3, "done", json!({Q_SCALE: 2, Q_CHOICE: "慢"})),
    ];
    apply_records(&replica, Entity::ReturnVisits, visits, &mut seq);
    drop(replica);
    let app = app_over(Box::new(fx.source()), support::options(), 100, 30);
    (app, fx)
}

#[test]
fn g_k_lists_articles_a_chinese_word_finds_one_and_enter_reads_it_rendered() {
    let (mut app, _fx) = knowledge();
    press(&mut app, "g k");
    assert_eq!(app.pane_mode(), Mode::Knowledge);
    let shown = screen(&app);
    assert!(shown.contains("KB-000001"), "{shown}");
    assert!(shown.contains("KB-000002"), "{shown}");
    press(&mut app, "/");
    type_text(&mut app, "卡纸");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("打印机卡纸怎么办"), "{shown}");
    assert!(!shown.contains("KB-000002"), "{shown}");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane_mode(), Mode::Article);
    let shown = screen(&app);
    // The Markdown read: the heading underlined, the list numbered, no markup left.
    assert!(shown.contains("══════"), "{shown}");
    assert!(shown.contains("1. 关机"), "{shown}");
    assert!(shown.contains("遇到卡纸时："), "{shown}");
    assert!(!shown.contains("**"), "{shown}");
    assert!(shown.contains("solved 3"), "{shown}");
    // The kept version, then back to the current one.
    press(&mut app, "v");
    let shown = screen(&app);
    assert!(shown.contains("旧的步骤：直接拉出纸张"), "{shown}");
    assert!(shown.contains("version 1 of 2"), "{shown}");
    press(&mut app, "v");
    assert!(screen(&app).contains("1. 关机"));
}

#[test]
fn a_tickets_k_suggests_articles_and_y_replies_with_the_link() {
    let (mut app, fx) = knowledge();
    press(&mut app, ":");
    type_text(&mut app, "open T-000103");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane_mode(), Mode::Ticket);
    press(&mut app, "K");
    let Some(Dialog::Picker(p)) = app.dialogs.last() else {
        panic!("no suggestions: {}", screen(&app));
    };
    assert!(matches!(p.purpose, Purpose::SuggestedArticle(_)));
    let shown = screen(&app);
    assert!(shown.contains("KB-000002"), "the password article: {shown}");
    assert!(
        !shown.contains("KB-000001"),
        "the paper jam is not about logins: {shown}"
    );
    press(&mut app, "<Enter>");
    assert_eq!(app.pane_mode(), Mode::Article);
    // `y` asks: the link (first) or the text.
    press(&mut app, "y");
    let Some(Dialog::Picker(how)) = app.dialogs.last() else {
        panic!("no choice of link or text: {}", screen(&app));
    };
    assert!(matches!(how.purpose, Purpose::ArticleReply(_)));
    press(&mut app, "<Enter>");
    let Some(Dialog::Prompt(prompt)) = app.dialogs.last() else {
        panic!("no reply prompt: {}", screen(&app));
    };
    assert!(matches!(
        prompt.purpose,
        Purpose::Comment {
            internal: false,
            ..
        }
    ));
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::Comments);
    assert_eq!(
        w.fields["body"],
        json!(crm_server::rules::knowledge::link(
            "KB-000002",
            "Resetting a user's password"
        ))
    );
    assert_eq!(
        w.fields["ticket_id"],
        json!(fixture_id(Entity::Tickets, "number", "T-000103"))
    );
}

#[test]
fn y_replies_with_the_article_s_text_and_an_internal_one_only_as_a_note() {
    let (mut app, fx) = knowledge();
    let with = |visibility: &str, version: i64| {
        let replica = fx.replica();
        let mut seq = 3_000_000 + version;
        let article = stored(
            Entity::Articles,
            ARTICLE_PASSWORD,
            json!({"title": "Resetting a user's password", "visibility": visibility,
                   "body": "Ask for the **customer code**, then press `Reset`."}),
            json!({"number": "KB-000002", "revision": version, "version": version}),
        );
        apply_records(&replica, Entity::Articles, vec![article], &mut seq);
    };
    with("public", 2);
    press(&mut app, ":");
    type_text(&mut app, "open T-000103");
    press(&mut app, "<Enter> K <Enter>");
    assert_eq!(app.pane_mode(), Mode::Article);
    press(&mut app, "y <Down> <Enter>");
    let Some(Dialog::Prompt(prompt)) = app.dialogs.last() else {
        panic!("no reply prompt: {}", screen(&app));
    };
    assert!(matches!(
        prompt.purpose,
        Purpose::Comment {
            internal: false,
            ..
        }
    ));
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(w.entity, Entity::Comments);
    // The article's words, its Markdown read (no ** or backticks), not its link.
    assert_eq!(
        w.fields["body"],
        json!("Ask for the customer code, then press Reset.")
    );
    assert_eq!(w.fields["internal"], json!(false));

    // An internal article's text goes into an internal note.
    with("internal", 3);
    press(&mut app, "<Esc>");
    press(&mut app, "K <Enter>");
    assert_eq!(app.pane_mode(), Mode::Article);
    press(&mut app, "y <Down>");
    assert!(screen(&app).contains("internal note"), "{}", screen(&app));
    press(&mut app, "<Enter>");
    let Some(Dialog::Prompt(prompt)) = app.dialogs.last() else {
        panic!("no note prompt: {}", screen(&app));
    };
    assert!(matches!(
        prompt.purpose,
        Purpose::Comment { internal: true, .. }
    ));
    press(&mut app, "<Enter>");
    assert_eq!(fx.last_written().fields["internal"], json!(true));
}

#[test]
fn a_return_visit_is_answered_question_by_question_and_finished_only_when_complete() {
    let (mut app, fx) = knowledge();
    let before = fx.written().len();
    press(&mut app, "g k l");
    let shown = screen(&app);
    assert!(shown.contains("服务回访"), "the open visit: {shown}");
    press(&mut app, "<Enter>");
    assert_eq!(app.pane_mode(), Mode::Visit);
    assert!(screen(&app).contains("您满意吗？"), "{}", screen(&app));
    // The required scale unanswered: finishing is refused, naming it.
    press(&mut app, "j x");
    assert!(
        screen(&app).contains("How satisfied are you?"),
        "{}",
        screen(&app)
    );
    assert_eq!(fx.written().len(), before, "nothing written");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("快"), "{shown}");
    press(&mut app, "<Enter>");
    let w = fx.last_written();
    assert_eq!(
        (w.entity, w.record_id.as_str()),
        (Entity::ReturnVisits, VISIT)
    );
    assert_eq!(w.fields["answers"], json!({Q_CHOICE: "快"}));
    press(&mut app, "k <Enter>");
    // 5 4 3 2 1: the second choice is 4.
    press(&mut app, "<Down> <Enter>");
    assert_eq!(
        fx.last_written().fields["answers"],
        json!({Q_CHOICE: "快", Q_SCALE: 4})
    );
    press(&mut app, "x");
    let w = fx.last_written();
    assert_eq!(w.fields["status"], json!("done"));
}

#[test]
fn a_surveys_results_count_finished_visits_as_bars() {
    let (mut app, _fx) = knowledge();
    press(&mut app, "g k l l <Enter>");
    let shown = screen(&app);
    assert!(shown.contains("2 visits finished"), "{shown}");
    assert!(shown.contains("average 3.50"), "{shown}");
    assert!(shown.contains("█"), "{shown}");
}

#[test]
fn the_360_shows_the_customers_satisfaction_from_its_return_visits() {
    let (mut app, _fx) = knowledge();
    let code = fixture(Entity::Customers, "name", "华为技术有限公司")["code"]
        .as_str()
        .unwrap()
        .to_string();
    press(&mut app, ":");
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("3.5/5 · 2 return visits"), "{shown}");
}
