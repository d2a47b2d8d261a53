//! The knowledge base and surveys over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL:
//! article numbers and kept versions, who reads and edits articles, the solved count, questions
//! checked against their kind, answers checked against their questions (422 naming the
//! question), the return visit a closed ticket gets (once), and the satisfaction it gives.

mod common;

use common::{TestServer, id_of};
use reqwest::Method;
use serde_json::{Value, json};

#[test]
fn an_edit_keeps_the_earlier_version_and_only_the_server_writes_versions() {
    let server = TestServer::start();
    let team = server.add_team("kb");
    let admin = server.user("root", "admin", None);
    let manager = server.user("mia", "manager", Some(&team));

    let article = manager.create(
        "/articles",
        json!({"title": "打印机卡纸", "body": "# 步骤\n1. 关机\n2. 取出纸张"}),
    );
    let number = article["number"].as_str().unwrap();
    assert!(number.starts_with("KB-") && number.len() == 9, "{article}");
    assert_eq!(article["revision"], 1);
    assert_eq!(article["author_id"], json!(manager.id()));
    let id = id_of(&article);

    let (status, edited) = manager.patch(
        &format!("/articles/{id}"),
        json!({"body": "# 步骤\n1. 关机\n2. 打开后盖\n3. 取出纸张"}),
    );
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["revision"], 2);
    // A change to neither title nor body keeps no version.
    let (status, tagged) = manager.patch(&format!("/articles/{id}"), json!({"tags": ["打印"]}));
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["revision"], 2);

    let versions = manager.list_all("/article_versions", &format!("article_id={id}"), 50);
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["revision"], 1);
    assert_eq!(versions[0]["body"], article["body"]);
    assert_eq!(versions[0]["edited_by"], json!(manager.id()));

    // Nobody writes history by hand, admins included.
    for who in [&admin, &manager] {
        let (status, body) = who.post(
            "/article_versions",
            json!({"article_id": id, "revision": 9, "title": "fake"}),
        );
        assert_eq!(status, 403, "{body}");
    }
    // The number and the counts are the server's.
    let (status, body) = manager.patch(&format!("/articles/{id}"), json!({"solved_count": 50}));
    assert_eq!(status, 422, "{body}");

    // Deleting the article takes its versions along.
    let (status, _) = manager.delete(&format!("/articles/{id}"));
    assert_eq!(status, 200);
    assert!(
        manager
            .list_all("/article_versions", &format!("article_id={id}"), 50)
            .is_empty()
    );
}

#[test]
fn agents_read_articles_marked_for_them_and_edit_none() {
    let server = TestServer::start();
    let team = server.add_team("kb");
    let manager = server.user("mia", "manager", Some(&team));
    let sales = server.user("sam", "sales", Some(&team));
    let agent = server.user("ann", "agent", Some(&team));

    let open = manager.create(
        "/articles",
        json!({"title": "Reset a password", "body": "x"}),
    );
    let inside = manager.create(
        "/articles",
        json!({"title": "Discount tactics", "body": "y", "for_agents": false}),
    );
    let (status, _) = agent.get(&format!("/articles/{}", id_of(&open)));
    assert_eq!(status, 200);
    let (status, _) = agent.get(&format!("/articles/{}", id_of(&inside)));
    assert_eq!(status, 404);
    let listed = agent.list_all("/articles", "", 50);
    assert_eq!(listed.len(), 1);
    let (status, _) = sales.get(&format!("/articles/{}", id_of(&inside)));
    assert_eq!(status, 200);

    for who in [&agent, &sales] {
        let (status, body) = who.patch(
            &format!("/articles/{}", id_of(&open)),
            json!({"title": "mine"}),
        );
        assert_eq!(status, 403, "{body}");
        let (status, body) = who.post("/articles", json!({"title": "new"}));
        assert_eq!(status, 403, "{body}");
    }
    // Marking an article for agents later lets them read it; unmarking takes it away.
    let (status, _) = manager.patch(
        &format!("/articles/{}", id_of(&inside)),
        json!({"for_agents": true}),
    );
    assert_eq!(status, 200);
    let (status, _) = agent.get(&format!("/articles/{}", id_of(&inside)));
    assert_eq!(status, 200);
}

#[test]
fn a_chinese_word_finds_an_article_and_a_resolved_ticket_counts_its_links() {
    let server = TestServer::start();
    let team = server.add_team("kb");
    let manager = server.user("mia", "manager", Some(&team));
    let agent = server.user("ann", "agent", Some(&team));
    let jam = manager.create(
        "/articles",
        json!({"title": "打印机卡纸怎么办", "body": "先关机"}),
    );
    manager.create(
        "/articles",
        json!({"title": "Invoice questions", "body": "发票"}),
    );
    let (status, found) = agent.get("/articles?q=卡纸");
    assert_eq!(status, 200, "{found}");
    let titles: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["打印机卡纸怎么办"]);

    let customer = agent.create("/customers", json!({"name": "东华科技"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "打印机卡纸", "customer_id": id_of(&customer)}),
    );
    let link =
        crm_server::rules::knowledge::link(jam["number"].as_str().unwrap(), "打印机卡纸怎么办");
    agent.create(
        "/comments",
        json!({"ticket_id": id_of(&ticket), "body": format!("请参考 {link}")}),
    );
    let (status, body) = agent.patch(
        &format!("/tickets/{}", id_of(&ticket)),
        json!({"status": "resolved", "resolution": "按文章处理"}),
    );
    assert_eq!(status, 200, "{body}");
    // Resolved then closed: finished once, counted once.
    let (status, body) = agent.patch(
        &format!("/tickets/{}", id_of(&ticket)),
        json!({"status": "closed"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, read) = agent.get(&format!("/articles/{}", id_of(&jam)));
    assert_eq!(read["solved_count"], 1, "{read}");
}

fn build_survey(admin: &common::Client) -> (Value, Value, Value) {
    let survey = admin.create(
        "/surveys",
        json!({"title_en": "After service", "title_zh": "服务回访", "after_ticket_close": true}),
    );
    let scale = admin.create(
        "/survey_questions",
        json!({"survey_id": id_of(&survey), "position": 1, "kind": "scale",
               "text_en": "How satisfied are you?", "text_zh": "您满意吗？",
               "required": true, "satisfaction": true}),
    );
    let choice = admin.create(
        "/survey_questions",
        json!({"survey_id": id_of(&survey), "position": 2, "kind": "single",
               "text_en": "Was it fast?", "text_zh": "速度快吗？", "choices": "快\n慢"}),
    );
    (survey, scale, choice)
}

#[test]
fn questions_agree_with_their_kind_and_only_managers_build_surveys() {
    let server = TestServer::start();
    let team = server.add_team("kb");
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", Some(&team));
    let (status, body) = agent.post("/surveys", json!({"title_en": "x", "title_zh": "x"}));
    assert_eq!(status, 403, "{body}");
    let (survey, _, _) = build_survey(&admin);
    let (status, body) = admin.post(
        "/survey_questions",
        json!({"survey_id": id_of(&survey), "position": 3, "kind": "single",
               "text_en": "One?", "text_zh": "一？", "choices": "only"}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["choices"].is_string(), "{body}");
    let (status, body) = admin.post(
        "/survey_questions",
        json!({"survey_id": id_of(&survey), "position": 3, "kind": "text",
               "text_en": "Say", "text_zh": "说", "satisfaction": true}),
    );
    assert_eq!(status, 422, "{body}");
}

#[test]
fn answers_are_checked_per_question_and_a_closed_ticket_gets_one_return_visit() {
    let server = TestServer::start();
    let team = server.add_team("kb");
    let admin = server.user("root", "admin", None);
    let agent = server.user("ann", "agent", Some(&team));
    let (survey, scale, choice) = build_survey(&admin);

    let customer = agent.create("/customers", json!({"name": "东华科技"}));
    let ticket = agent.create(
        "/tickets",
        json!({"subject": "Printer", "customer_id": id_of(&customer), "assignee_id": agent.id()}),
    );
    let tid = id_of(&ticket);
    // Satisfaction is no longer typed at closing.
    let (status, body) = agent.patch(
        &format!("/tickets/{tid}"),
        json!({"status": "closed", "resolution": "done", "satisfaction": 5}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["satisfaction"].is_string(),
        "{body}"
    );
    let close = || {
        agent.send(
            agent
                .request(Method::PATCH, &format!("/tickets/{tid}"))
                .header("Idempotency-Key", "close-once")
                .json(&json!({"status": "closed", "resolution": "done"})),
        )
    };
    let (status, body) = close();
    assert_eq!(status, 200, "{body}");
    let (status, body) = close();
    assert_eq!(status, 200, "{body}");
    // Reopened and closed again: still the one visit.
    let (status, body) = agent.patch(&format!("/tickets/{tid}"), json!({"status": "open"}));
    assert_eq!(status, 200, "{body}");
    let (status, body) = agent.patch(&format!("/tickets/{tid}"), json!({"status": "closed"}));
    assert_eq!(status, 200, "{body}");
    let visits = agent.list_all("/return_visits", &format!("ticket_id={tid}"), 50);
    assert_eq!(visits.len(), 1, "{visits:?}");
    let visit = &visits[0];
    assert_eq!(visit["survey_id"], json!(id_of(&survey)));
    assert_eq!(visit["assignee_id"], json!(agent.id()));
    assert_eq!(visit["status"], "open");
    let path = format!("/return_visits/{}", id_of(visit));

    // A scale answer outside 1–5 names its question.
    let (status, body) = agent.patch(&path, json!({"answers": {id_of(&scale): 7}}));
    assert_eq!(status, 422, "{body}");
    let field = &body["error"]["fields"][format!("answers.{}", id_of(&scale))];
    assert!(
        field.as_str().unwrap().contains("How satisfied are you?"),
        "{body}"
    );
    // A choice not offered, likewise.
    let (status, body) = agent.patch(&path, json!({"answers": {id_of(&choice): "中"}}));
    assert_eq!(status, 422, "{body}");
    // Finishing without the required answer is refused; with it, the ticket gets its score.
    let (status, body) = agent.patch(
        &path,
        json!({"status": "done", "answers": {id_of(&choice): "快"}}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"][format!("answers.{}", id_of(&scale))].is_string(),
        "{body}"
    );
    let (status, done) = agent.patch(
        &path,
        json!({"status": "done", "answers": {id_of(&choice): "快", id_of(&scale): 4}}),
    );
    assert_eq!(status, 200, "{done}");
    assert!(done["done_at"].is_string(), "{done}");
    let (_, closed) = agent.get(&format!("/tickets/{tid}"));
    assert_eq!(closed["satisfaction"], 4, "{closed}");
}
