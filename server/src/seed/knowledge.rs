//! The demo's knowledge base and surveys: article categories, articles in Chinese and English
//! (one edited, so it has a kept version; one not for agents), and a return-visit survey marked
//! for closed tickets with finished visits of customers of the pool, so its results have
//! figures. Through the service as the system, like an admin's records; few whatever the size.

use serde_json::{Value, json};

use super::generator::Gen;
use super::rng::{KNOWLEDGE, Rng};
use super::setup::{id_of, object};
use super::users::DEMO_USERS;
use crate::access::{Actor, Role};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// (code, English, Chinese)
const CATEGORIES: [(&str, &str, &str); 3] = [
    ("howto", "How-to", "操作指南"),
    ("troubleshooting", "Troubleshooting", "故障排除"),
    ("policy", "Policy", "政策制度"),
];

/// (title, category, for agents, visibility, tags, body)
type Article = (
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static [&'static str],
    &'static str,
);

const ARTICLES: [Article; 5] = [
    (
        "打印机卡纸怎么办",
        "troubleshooting",
        true,
        "public",
        &["打印机", "卡纸"],
        "# 打印机卡纸\n\n遇到**卡纸**时请按以下步骤处理：\n\n1. 关闭电源并拔下电源线\n2. 打开后盖，*轻轻*取出纸张\n3. 检查进纸器是否有碎纸\n\n> 不要用力拉扯纸张，以免损坏定影器。\n\n仍无法解决请建立上门服务工单。\n",
    ),
    (
        "Resetting a user's password",
        "howto",
        true,
        "public",
        &["password", "account"],
        "# Resetting a password\n\nAsk the caller for the **customer code** and confirm the contact's mobile.\n\n- Open *Settings → Users*\n- Choose the user and press `Reset`\n- Read the one-time code aloud; never send it by mail\n\nSee [the security policy](https://example.com/security) for what to check first.\n",
    ),
    (
        "Device does not start",
        "troubleshooting",
        true,
        "public",
        &["power", "fault"],
        "# Device does not start\n\n1. Check the power supply and the fuse\n2. Hold the power key for **10 seconds**\n3. If the display stays dark, open a ticket of category `visit`\n\n```\nfault code E01: power board\nfault code E02: display\n```\n",
    ),
    (
        "发票开具规则",
        "policy",
        true,
        "internal",
        &["发票", "财务"],
        "# 发票开具规则\n\n## 增值税专用发票\n\n- 需提供纳税人识别号、开户行及账号\n- 订单**开票**后 3 个工作日内寄出\n\n## 普通发票\n\n个人客户默认开具电子普通发票。\n",
    ),
    (
        "Discount negotiation playbook",
        "policy",
        false,
        "internal",
        &["discount", "sales"],
        "# Discount negotiation\n\nFor sales and managers only.\n\n- Never open with the limit\n- Trade discount for **term** or **volume**\n- Above your limit, submit the quote for approval (`A`)\n",
    ),
];

/// (kind, English, Chinese, choices, required, satisfaction)
const QUESTIONS: [(&str, &str, &str, &str, bool, bool); 4] = [
    (
        "scale",
        "How satisfied are you with our service?",
        "您对我们的服务满意吗？",
        "",
        true,
        true,
    ),
    (
        "single",
        "Was the problem solved the first time?",
        "问题是否一次解决？",
        "是 / Yes\n否 / No",
        true,
        false,
    ),
    (
        "multiple",
        "What could we do better?",
        "我们哪些方面需要改进？",
        "响应速度 / Response time\n技术水平 / Skill\n服务态度 / Manner\n价格 / Price",
        false,
        false,
    ),
    ("text", "Anything else?", "其他意见或建议", "", false, false),
];

/// Finished return visits the demo records.
const VISITS: usize = 30;

fn create(tx: &dyn Tx, entity: Entity, body: Value) -> Result<String, ApiError> {
    create_as(tx, &crate::system_actor(), entity, body)
}

fn create_as(tx: &dyn Tx, actor: &Actor, entity: Entity, body: Value) -> Result<String, ApiError> {
    let made = service::create(tx, actor, entity, &object(body), false)?;
    id_of(&made.record)
}

/// The first demo manager, who writes the articles (an article's author is a user).
fn manager(g: &Gen) -> Actor {
    DEMO_USERS
        .iter()
        .enumerate()
        .find(|(n, u)| u.role == Role::Manager && g.setup.users.get(*n).is_some())
        .map_or_else(crate::system_actor, |(n, u)| Actor {
            id: g.setup.users[n].clone(),
            username: u.username.to_string(),
            role: u.role,
            team_id: g.setup.teams[n].clone(),
        })
}

impl Gen {
    /// The article categories, articles, the return-visit survey and its finished visits.
    pub(super) fn knowledge(&mut self, tx: &dyn Tx) -> Result<(), ApiError> {
        let author = manager(self);
        for (i, (code, en, zh)) in CATEGORIES.into_iter().enumerate() {
            create(
                tx,
                Entity::ListItems,
                json!({"list": "article_categories", "code": code, "name_en": en,
                    "name_zh": zh, "position": i + 1}),
            )?;
        }
        let mut first = None;
        for (title, category, for_agents, visibility, tags, body) in ARTICLES {
            let id = create_as(
                tx,
                &author,
                Entity::Articles,
                json!({"title": title, "category": category, "for_agents": for_agents,
                    "visibility": visibility, "tags": tags, "body": body,
                    "reviewed_on": "2026-11-02"}),
            )?;
            first.get_or_insert(id);
        }
        // An edit, so the first article has a version kept.
        if let Some(id) = first {
            let patch = json!({"body": format!("{}\n更新：新机型的后盖在左侧。\n", ARTICLES[0].5)});
            service::update(tx, &author, Entity::Articles, &id, &object(patch), None)?;
        }
        let survey = create(
            tx,
            Entity::Surveys,
            json!({"title_en": "After-service return visit", "title_zh": "售后服务回访",
                "description": "Asked by phone a few days after a ticket is closed.\n工单关闭后数日内电话回访。",
                "after_ticket_close": true}),
        )?;
        let mut questions = Vec::new();
        for (n, (kind, en, zh, choices, required, satisfaction)) in
            QUESTIONS.into_iter().enumerate()
        {
            let choices = (!choices.is_empty()).then_some(choices);
            questions.push(create(
                tx,
                Entity::SurveyQuestions,
                json!({"survey_id": survey, "position": n + 1, "kind": kind, "text_en": en,
                    "text_zh": zh, "choices": choices, "required": required,
                    "satisfaction": satisfaction}),
            )?);
        }
        if self.pool.is_empty() {
            return Ok(());
        }
        let yes_no = ["是 / Yes", "否 / No"];
        let better = [
            "响应速度 / Response time",
            "技术水平 / Skill",
            "服务态度 / Manner",
            "价格 / Price",
        ];
        let remarks = [
            "工程师很专业",
            "希望响应再快一些",
            "Very helpful on the phone",
            "",
        ];
        for i in 0..VISITS {
            let mut rng = Rng::stream(KNOWLEDGE, i);
            let c = &self.pool[rng.below(self.pool.len())];
            // Mostly content, a few not: a distribution worth drawing.
            let score = [5, 5, 4, 4, 4, 3, 5, 2, 4, 1][rng.below(10)];
            let mut answers = serde_json::Map::new();
            answers.insert(questions[0].clone(), json!(score));
            answers.insert(questions[1].clone(), json!(yes_no[usize::from(score < 4)]));
            let picked: Vec<&str> = better
                .iter()
                .enumerate()
                .filter(|(k, _)| rng.below(3) == 0 || (score < 3 && *k == 0))
                .map(|(_, b)| *b)
                .collect();
            if !picked.is_empty() {
                answers.insert(questions[2].clone(), json!(picked.join("\n")));
            }
            let remark = remarks[rng.below(remarks.len())];
            if !remark.is_empty() {
                answers.insert(questions[3].clone(), json!(remark));
            }
            create(
                tx,
                Entity::ReturnVisits,
                json!({"subject": "售后服务回访", "survey_id": survey, "customer_id": c.id,
                    "status": "done", "answers": answers}),
            )?;
        }
        Ok(())
    }
}
