//! The demo's customer care: care rules for the occasions (a key account contact's birthday,
//! 元旦, 春节 and 中秋 for key accounts, a founding anniversary; level A shown but off, since
//! every seeded customer was changed today), letter templates for mail and SMS, and the care
//! tasks of today made by the same scan the server runs. One key account has a contact born
//! on this day, so a rule fires on the day the demo is made.

use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};

use super::setup::object;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::{ListQuery, Tx};

/// (name, occasion, level, days before, wording, active)
type Rule = (
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
    &'static str,
    bool,
);

const RULES: [Rule; 6] = [
    (
        "重要客户联系人生日",
        "birthday",
        Some("A"),
        3,
        "{{contact}}您好！值此生日之际，{{customer}}的老朋友{{owner}}祝您生日快乐，万事如意！",
        true,
    ),
    (
        "元旦问候",
        "new_year",
        Some("A"),
        3,
        "{{customer}}：新年快乐！感谢一年来的信任与支持。——{{owner}}",
        true,
    ),
    (
        "春节问候",
        "spring_festival",
        Some("A"),
        7,
        "{{customer}}：恭贺新春，阖家幸福，生意兴隆！——{{owner}}",
        true,
    ),
    (
        "中秋问候",
        "mid_autumn",
        Some("A"),
        5,
        "{{customer}}：中秋佳节，月圆人圆，祝您节日快乐！——{{owner}}",
        true,
    ),
    (
        "成立周年",
        "anniversary",
        None,
        7,
        "祝贺{{customer}}成立{{years}}周年！——{{owner}}",
        true,
    ),
    (
        "升级为重要客户",
        "level_a",
        None,
        0,
        "{{customer}}已成为重要客户：安排一次拜访并寄送感谢信。",
        false,
    ),
];

/// (name, channel, subject, body)
const TEMPLATES: [(&str, &str, &str, &str); 3] = [
    (
        "新品发布会邀请",
        "email",
        "{{customer}}：诚邀参加新品发布会",
        "尊敬的{{contact}}{{#title}}（{{title}}）{{/title}}：\n\n诚邀贵司参加我们的新品发布会。期待与您相见！\n\n{{owner}}\n{{today}}",
    ),
    (
        "Product launch invitation",
        "email",
        "Invitation for {{customer}}",
        "Dear {{contact}},\n\nWe would be delighted to see you at our product launch.\n\nBest regards,\n{{owner}}",
    ),
    (
        "节日短信",
        "sms",
        "",
        "{{contact}}您好，{{owner}}祝您节日快乐！",
    ),
];

fn create(tx: &dyn Tx, entity: Entity, body: Value) -> Result<(), ApiError> {
    service::create(tx, &crate::system_actor(), entity, &object(body), false).map(|_| ())
}

/// What the care demo added beside its rules and templates.
pub(super) struct Made {
    pub tasks: usize,
    pub contacts: usize,
}

/// Makes the care rules and templates, a contact whose birthday is today, and today's care
/// tasks.
pub(super) fn care(tx: &dyn Tx, now: DateTime<Utc>) -> Result<Made, ApiError> {
    for (name, occasion, level, days_before, wording, active) in RULES {
        create(
            tx,
            Entity::CareRules,
            json!({"name": name, "occasion": occasion, "level": level,
                   "days_before": days_before, "wording": wording, "active": active}),
        )?;
    }
    for (name, channel, subject, body) in TEMPLATES {
        create(
            tx,
            Entity::LetterTemplates,
            json!({"name": name, "channel": channel, "subject": subject, "body": body}),
        )?;
    }
    // A key account's contact born on this day (in Shanghai, the rules' zone) forty years ago,
    // so a 29 February stays a leap day: a rule fires on the day the demo is made.
    let key = ListQuery {
        filters: vec![("level", json!("A"))],
        sort: "id",
        limit: 1,
        ..ListQuery::default()
    };
    let mut contacts = 0;
    if let Some(customer) = tx.list(Entity::Customers, &key, None)?.into_iter().next() {
        let customer_id = customer
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let born = format!(
            "{}-{:02}-{:02}",
            today.year() - 40,
            today.month(),
            today.day()
        );
        create(
            tx,
            Entity::Contacts,
            // An id made from the customer's, as every seeded id is reproducible.
            json!({"id": crate::rules::care::task_id("demo", customer_id, None),
                   "customer_id": customer_id, "name": "周慧敏", "title": "采购总监",
                   "email": "zhou.huimin@care.example", "birthday": born}),
        )?;
        contacts = 1;
    }
    let found = service::care::due(tx, now)?;
    let tasks = service::care::make_due(tx, &found, now)?.len();
    Ok(Made { tasks, contacts })
}
