//! The demo's extended profiles (seed 001 客户资料, 联系人资料): the customer's legal
//! representative, registered capital, taxpayer type, payment attitude, business licence
//! number, staff and turnover; the contact's personality, interests and education. They are
//! custom fields, defined through `service::create` as an admin would, and filled on a share of
//! the customers and contacts the generators make.

use serde_json::{Map, Value, json};

use super::rng::Rng;
use super::words::WORDS;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// One demo field: entity, key, Chinese and English label, kind, choices, searchable, shown as
/// a list column, the roles that may read it (none: all).
type Def = (
    Entity,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
    bool,
    &'static [&'static str],
);

const TAXPAYER: &[&str] = &["一般纳税人", "小规模纳税人"];
const PAYMENT: &[&str] = &["爽快", "正常", "拖延", "需催收"];
const PERSONALITY: &[&str] = &["外向", "内向", "稳重", "果断", "谨慎"];
const INTERESTS: &[&str] = &[
    "高尔夫",
    "茶道",
    "钓鱼",
    "摄影",
    "旅游",
    "阅读",
    "足球",
    "书法",
];
const EDUCATION: &[&str] = &["高中", "大专", "本科", "硕士", "博士", "MBA"];

const DEFS: &[Def] = &[
    (
        Entity::Customers,
        "legal_rep",
        "法人代表",
        "Legal representative",
        "text",
        &[],
        true,
        false,
        &[],
    ),
    (
        Entity::Customers,
        "registered_capital",
        "注册资金",
        "Registered capital",
        "money",
        &[],
        false,
        false,
        &[],
    ),
    (
        Entity::Customers,
        "taxpayer_type",
        "纳税人类型",
        "Taxpayer type",
        "choice",
        TAXPAYER,
        false,
        false,
        &[],
    ),
    // How a customer pays is for the people who sell and manage, not the call centre.
    (
        Entity::Customers,
        "payment_attitude",
        "付款态度",
        "Payment attitude",
        "choice",
        PAYMENT,
        false,
        true,
        &["sales", "manager"],
    ),
    (
        Entity::Customers,
        "licence_no",
        "营业执照号",
        "Business licence no.",
        "text",
        &[],
        true,
        false,
        &[],
    ),
    (
        Entity::Customers,
        "employees",
        "员工人数",
        "Employees",
        "number",
        &[],
        false,
        false,
        &[],
    ),
    (
        Entity::Customers,
        "annual_revenue",
        "年营业额",
        "Annual revenue",
        "text",
        &[],
        false,
        false,
        &[],
    ),
    (
        Entity::Contacts,
        "personality",
        "性格",
        "Personality",
        "choice",
        PERSONALITY,
        false,
        false,
        &[],
    ),
    (
        Entity::Contacts,
        "interests",
        "兴趣",
        "Interests",
        "multi_choice",
        INTERESTS,
        false,
        false,
        &[],
    ),
    (
        Entity::Contacts,
        "education",
        "学历",
        "Education",
        "choice",
        EDUCATION,
        false,
        false,
        &[],
    ),
];

/// Defines the demo's profile fields (those an admin has not defined already).
pub(super) fn define(tx: &dyn Tx) -> Result<usize, ApiError> {
    let system = crate::system_actor();
    let known = service::catalog::load_fields(tx)?;
    for (position, (entity, key, zh, en, kind, choices, searchable, in_list, read)) in
        DEFS.iter().enumerate()
    {
        if known.all_custom_fields(*entity).any(|f| f.key == *key) {
            continue;
        }
        let body = json!({
            "entity": entity.name(), "key": key, "label_zh": zh, "label_en": en, "kind": kind,
            "choices": choices, "searchable": searchable, "in_list": in_list,
            "position": position, "read_roles": read, "write_roles": read,
        });
        let Value::Object(body) = body else {
            unreachable!("a JSON object literal")
        };
        service::create(tx, &system, Entity::FieldDefinitions, &body, false)?;
    }
    Ok(DEFS.len())
}

/// The profile of a company customer (about one in five has one), or None.
pub(super) fn customer(rng: &mut Rng, zh: bool) -> Option<Map<String, Value>> {
    if !rng.percent(20) {
        return None;
    }
    let mut m = Map::new();
    if zh {
        let surname = rng.pick(&WORDS.surnames).0;
        let given = rng.pick(&WORDS.given_chars).0;
        m.insert("legal_rep".into(), json!(format!("{surname}{given}")));
        m.insert("licence_no".into(), json!(rng.fill("91######@@#######@")));
        m.insert("taxpayer_type".into(), json!(rng.pick(TAXPAYER)));
        m.insert("annual_revenue".into(), json!(rng.pick(&WORDS.revenues_zh)));
    } else {
        m.insert("annual_revenue".into(), json!(rng.pick(&WORDS.revenues_en)));
    }
    // In fen: from 100,000 to 50,000,000 yuan.
    m.insert(
        "registered_capital".into(),
        json!(rng.between(1, 500) * 100_000 * 100),
    );
    m.insert("employees".into(), json!(rng.between(8, 5000)));
    if rng.percent(60) {
        m.insert("payment_attitude".into(), json!(rng.pick(PAYMENT)));
    }
    Some(m)
}

/// The personal profile of a contact (about one in four has one), or None.
pub(super) fn contact(rng: &mut Rng) -> Option<Map<String, Value>> {
    if !rng.percent(25) {
        return None;
    }
    let mut m = Map::new();
    m.insert("personality".into(), json!(rng.pick(PERSONALITY)));
    let mut interests: Vec<&str> = Vec::new();
    for _ in 0..rng.between(1, 3) {
        let i = *rng.pick(INTERESTS);
        if !interests.contains(&i) {
            interests.push(i);
        }
    }
    m.insert("interests".into(), json!(interests));
    if rng.percent(70) {
        m.insert("education".into(), json!(rng.pick(EDUCATION)));
    }
    Some(m)
}
