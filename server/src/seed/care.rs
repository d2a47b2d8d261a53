//! The demo's customer care: care rules for the occasions (a key account contact's birthday,
//! 元旦, 春节 and 中秋 for key accounts, a founding anniversary; level A shown but off, since
//! every seeded customer was changed today), letter templates for mail and SMS, and the care
//! tasks of today made by the same scan the server runs. One key account contact's birthday is
//! set to today so a rule fires on the day the demo is made.

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

/// Makes the care rules and templates, a birthday today, and today's care tasks; returns how
/// many tasks were made.
pub(super) fn care(tx: &dyn Tx, now: DateTime<Utc>) -> Result<usize, ApiError> {
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
    // A key account's contact born on this day (in Shanghai, the rules' zone) some years ago.
    let key = ListQuery {
        filters: vec![("level", json!("A"))],
        sort: "id",
        limit: 1,
        ..ListQuery::default()
    };
    if let Some(customer) = tx.list(Entity::Customers, &key, None)?.into_iter().next() {
        let contacts = ListQuery {
            filters: vec![(
                "customer_id",
                customer.get("id").cloned().unwrap_or_default(),
            )],
            sort: "id",
            limit: 1,
            ..ListQuery::default()
        };
        if let Some(contact) = tx
            .list(Entity::Contacts, &contacts, None)?
            .into_iter()
            .next()
        {
            let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            // Forty years back: a 29 February stays a leap day.
            let born = format!(
                "{}-{:02}-{:02}",
                today.year() - 40,
                today.month(),
                today.day()
            );
            let id = contact
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let version = contact.get("version").and_then(Value::as_i64);
            service::update(
                tx,
                &crate::system_actor(),
                Entity::Contacts,
                &id,
                &object(json!({"birthday": born})),
                version,
            )?;
        }
    }
    let found = service::care::due(tx, now)?;
    Ok(service::care::make_due(tx, &found, now)?.len())
}
