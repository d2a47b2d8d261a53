//! Which field each column of an imported file fills: guessed from its header (a field's name,
//! the usual Chinese and English labels, a custom field's key or label), corrected with
//! `--map HEADER=FIELD`, and remembered per entity and per set of headers so the same
//! spreadsheet maps the same way next time. The guess is pure; [`Saved`] is its file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crm_server::catalog::Catalog;
use crm_server::schema::Entity;
use serde::{Deserialize, Serialize};

/// What a column fills: a built-in field, a custom field (`custom.<key>`), or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Field(&'static str),
    Custom(String),
    Skip,
}

impl Target {
    /// As written in `--map` and in the saved file: `name`, `custom.<key>`, `-`.
    pub fn spelled(&self) -> String {
        match self {
            Target::Field(f) => (*f).to_string(),
            Target::Custom(k) => format!("custom.{k}"),
            Target::Skip => "-".into(),
        }
    }

    /// Reads what `--map` or the saved file names, for this entity and the admin's fields.
    pub fn parse(entity: Entity, catalog: &Catalog, text: &str) -> Result<Target, String> {
        let t = text.trim();
        if t == "-" || t.is_empty() {
            return Ok(Target::Skip);
        }
        if let Some(key) = t.strip_prefix("custom.") {
            return catalog
                .find_custom(entity, key)
                .map(|c| Target::Custom(c.key.clone()))
                .ok_or_else(|| format!("{} has no custom field {key}", entity.name()));
        }
        if let Some(field) = importable(entity).find(|f| f.eq_ignore_ascii_case(t)) {
            return Ok(Target::Field(field));
        }
        if let Some(c) = catalog.find_custom(entity, t) {
            return Ok(Target::Custom(c.key.clone()));
        }
        Err(format!(
            "{t} is not a field an import of {} fills ({}, custom.<key>, or - to leave the column out)",
            entity.name(),
            importable(entity).collect::<Vec<_>>().join(", ")
        ))
    }
}

/// The fields a row may fill: what a create takes (the key fields included, which name the
/// record a row updates), never what the server alone sets.
pub fn importable(entity: Entity) -> impl Iterator<Item = &'static str> {
    let key = crm_server::service::import::key_field(entity);
    entity
        .fields()
        .iter()
        .filter(move |f| Some(f.name) == key || f.access != crm_server::schema::Access::Server)
        .map(|f| f.name)
        .filter(|n| *n != "custom")
}

/// The usual headers of a field, Chinese and English, beyond its own name. Earlier entries win
/// when two columns would fill one field (电话 before 手机 for a customer's phone).
fn synonyms(entity: Entity) -> &'static [(&'static str, &'static [&'static str])] {
    const EMAIL: &[&str] = &[
        "邮箱",
        "电子邮件",
        "电子邮箱",
        "邮件",
        "电邮",
        "email地址",
        "e-mail",
        "mail",
        "emailaddress",
    ];
    const NOTES: &[&str] = &["备注", "说明", "附注", "note", "remarks", "comments"];
    const OWNER: &[&str] = &[
        "负责人",
        "所有者",
        "业务员",
        "销售",
        "销售员",
        "客户经理",
        "owner",
    ];
    match entity {
        Entity::Customers => &[
            (
                "code",
                &[
                    "客户编号",
                    "客户编码",
                    "客户代码",
                    "编号",
                    "编码",
                    "customercode",
                ],
            ),
            (
                "name",
                &[
                    "客户名称",
                    "客户",
                    "名称",
                    "公司名称",
                    "单位名称",
                    "客户单位名称",
                    "公司",
                    "单位",
                    "company",
                    "companyname",
                    "customer",
                    "customername",
                    "organization",
                ],
            ),
            ("kind", &["客户性质", "性质", "type"]),
            ("industry", &["行业", "所属行业", "行业类型"]),
            (
                "region",
                &["区域", "地区", "所在区域", "所属区域", "地域", "area"],
            ),
            ("level", &["级别", "客户级别", "等级", "客户等级"]),
            (
                "category",
                &["类别", "客户类别", "分类", "客户分类", "客户类型"],
            ),
            ("lifecycle", &["生命周期", "阶段", "客户阶段"]),
            ("source", &["来源", "客户来源"]),
            (
                "address",
                &["地址", "详细地址", "客户地址", "公司地址", "street"],
            ),
            (
                "postcode",
                &[
                    "邮编",
                    "邮政编码",
                    "客户邮编",
                    "zip",
                    "zipcode",
                    "postalcode",
                ],
            ),
            (
                "phone",
                &[
                    "电话",
                    "联系电话",
                    "业务电话",
                    "客户电话",
                    "座机",
                    "固定电话",
                    "办公电话",
                    "手机",
                    "phonenumber",
                    "tel",
                    "telephone",
                ],
            ),
            ("fax", &["传真", "单位传真号码", "传真号码"]),
            (
                "website",
                &["网址", "网站", "客户网址", "主页", "web", "url", "homepage"],
            ),
            ("email", EMAIL),
            ("owner_id", OWNER),
            ("tags", &["标签"]),
            ("notes", NOTES),
        ],
        Entity::Contacts => &[
            (
                "customer_id",
                &[
                    "客户",
                    "客户名称",
                    "客户编号",
                    "公司",
                    "公司名称",
                    "单位",
                    "单位名称",
                    "所属客户",
                    "customer",
                    "company",
                    "organization",
                    "org",
                ],
            ),
            (
                "name",
                &[
                    "姓名",
                    "联系人",
                    "名字",
                    "联系人姓名",
                    "fullname",
                    "contact",
                ],
            ),
            ("title", &["职务", "职位", "头衔", "jobtitle", "position"]),
            ("department", &["部门", "dept"]),
            (
                "phone",
                &[
                    "电话",
                    "办公电话",
                    "座机",
                    "工作电话",
                    "联系电话",
                    "tel",
                    "workphone",
                    "telephone",
                ],
            ),
            (
                "mobile",
                &[
                    "手机",
                    "移动电话",
                    "手机号",
                    "手机号码",
                    "cell",
                    "cellphone",
                    "mobilephone",
                ],
            ),
            ("email", EMAIL),
            (
                "birthday",
                &["生日", "出生日期", "birthdate", "dateofbirth"],
            ),
            ("is_primary", &["主联系人", "首要联系人", "primary"]),
            ("notes", NOTES),
        ],
        Entity::Leads => &[
            ("number", &["线索编号", "编号"]),
            ("name", &["姓名", "联系人", "名字", "fullname", "contact"]),
            (
                "company",
                &[
                    "公司",
                    "单位",
                    "公司名称",
                    "客户名称",
                    "单位名称",
                    "companyname",
                    "organization",
                ],
            ),
            ("title", &["职务", "职位", "jobtitle"]),
            (
                "phone",
                &[
                    "电话",
                    "手机",
                    "联系电话",
                    "移动电话",
                    "tel",
                    "mobile",
                    "telephone",
                ],
            ),
            ("email", EMAIL),
            ("source", &["来源", "线索来源", "leadsource"]),
            ("quality", &["质量", "线索质量"]),
            ("score", &["评分", "分数"]),
            ("status", &["状态"]),
            ("owner_id", OWNER),
            ("opportunity_name", &["商机", "商机名称"]),
            ("opportunity_amount", &["商机金额", "预计金额", "金额"]),
            ("notes", NOTES),
        ],
        Entity::Products => &[
            (
                "code",
                &[
                    "产品编号",
                    "产品编码",
                    "编号",
                    "编码",
                    "货号",
                    "sku",
                    "productcode",
                ],
            ),
            (
                "name",
                &["产品名称", "名称", "品名", "产品", "product", "productname"],
            ),
            ("kind", &["产品类型", "类型", "type"]),
            ("category", &["类别", "分类", "产品类别", "产品分类"]),
            ("unit", &["单位", "计量单位"]),
            (
                "list_price",
                &[
                    "价格",
                    "单价",
                    "标价",
                    "目录价",
                    "售价",
                    "price",
                    "listprice",
                ],
            ),
            ("currency", &["币种", "货币"]),
            ("tax_rate_bp", &["税率", "taxrate"]),
            ("active", &["启用", "有效", "在售"]),
            ("description", &["描述", "说明", "产品描述"]),
        ],
        _ => &[],
    }
}

/// A header as compared: trimmed, without a byte-order mark, a required marker (`*`) or a
/// parenthesised note (`电话(必填)`), case folded, spaces, `_` and `-` removed.
fn folded(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}');
    let h = h.split(['(', '（']).next().unwrap_or(h);
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*' | '：' | ':'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One header's guess, before columns compete for a field.
fn guess_one(entity: Entity, catalog: &Catalog, header: &str) -> Option<Target> {
    let h = folded(header);
    if h.is_empty() {
        return None;
    }
    if let Some(field) = importable(entity).find(|f| folded(f) == h) {
        return Some(Target::Field(field));
    }
    // A custom field by its key or either label.
    if let Some(c) = catalog.custom_fields(entity).find(|c| {
        folded(&c.key) == h
            || folded(&c.label_zh) == h
            || c.label_en.as_deref().is_some_and(|l| folded(l) == h)
    }) {
        return Some(Target::Custom(c.key.clone()));
    }
    for (field, words) in synonyms(entity) {
        if words.iter().any(|w| folded(w) == h) {
            return Some(Target::Field(field));
        }
    }
    // `custom.<key>`, as an export writes it.
    header
        .trim()
        .strip_prefix("custom.")
        .and_then(|k| catalog.find_custom(entity, k))
        .map(|c| Target::Custom(c.key.clone()))
}

/// The guess for every column: each field filled by one column at most (the one whose header
/// names it most plainly, else the first), the rest left out.
pub fn guess(entity: Entity, catalog: &Catalog, headers: &[String]) -> Vec<Target> {
    let guesses: Vec<Option<Target>> = headers
        .iter()
        .map(|h| guess_one(entity, catalog, h))
        .collect();
    // Rank: the field's own name, then earlier synonyms.
    let rank = |header: &str, target: &Target| -> usize {
        let h = folded(header);
        match target {
            Target::Field(f) => {
                if folded(f) == h {
                    return 0;
                }
                synonyms(entity)
                    .iter()
                    .find(|(name, _)| name == f)
                    .and_then(|(_, words)| words.iter().position(|w| folded(w) == h))
                    .map_or(usize::MAX, |p| p + 1)
            }
            _ => 0,
        }
    };
    let mut best: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, g) in guesses.iter().enumerate() {
        if let Some(t) = g {
            let r = rank(&headers[i], t);
            let slot = best.entry(t.spelled()).or_insert((r, i));
            if r < slot.0 {
                *slot = (r, i);
            }
        }
    }
    guesses
        .into_iter()
        .enumerate()
        .map(|(i, g)| match g {
            Some(t) if best.get(&t.spelled()).is_some_and(|(_, at)| *at == i) => t,
            _ => Target::Skip,
        })
        .collect()
}

/// The set of headers a mapping is remembered by: folded and sorted, so the same spreadsheet
/// with its columns moved maps the same.
pub fn header_set(headers: &[String]) -> String {
    let mut h: Vec<String> = headers.iter().map(|h| folded(h)).collect();
    h.sort();
    h.join("\u{1f}")
}

/// The saved mappings of one profile: per entity, per header set, header → target.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    #[serde(default)]
    mappings: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

impl Saved {
    pub fn path(profile_dir: &Path) -> PathBuf {
        profile_dir.join("import-mappings.json")
    }

    /// The file's mappings; a missing or unreadable file is none (it is only a convenience).
    pub fn load(path: &Path) -> Saved {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// What was used for these headers last time, header → target as spelled.
    pub fn get(&self, entity: Entity, headers: &[String]) -> Option<&BTreeMap<String, String>> {
        self.mappings.get(entity.name())?.get(&header_set(headers))
    }

    pub fn put(&mut self, entity: Entity, headers: &[String], targets: &[Target]) {
        let map = headers
            .iter()
            .zip(targets)
            .map(|(h, t)| (h.trim().to_string(), t.spelled()))
            .collect();
        self.mappings
            .entry(entity.name().to_string())
            .or_default()
            .insert(header_set(headers), map);
    }

    /// Written whole, 0600 (headers may name a customer's own fields).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::private::file(path)?;
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn chinese_headers_of_a_customer_sheet_map_to_their_fields() {
        let h = heads(&[
            "客户名称",
            "电话",
            "手机",
            "邮箱",
            "地址",
            "行业",
            "级别",
            "客户编号",
            "备注(选填)",
            "无关列",
        ]);
        let t = guess(Entity::Customers, &Catalog::default(), &h);
        let spelled: Vec<String> = t.iter().map(Target::spelled).collect();
        assert_eq!(
            spelled,
            [
                "name", "phone", "-", "email", "address", "industry", "level", "code", "notes", "-"
            ]
        );
        // Alone, a mobile column is the customer's phone.
        let t = guess(
            Entity::Customers,
            &Catalog::default(),
            &heads(&["名称", "手机"]),
        );
        assert_eq!(t[1], Target::Field("phone"));
    }

    #[test]
    fn contacts_keep_phone_and_mobile_apart_and_english_headers_map_too() {
        let h = heads(&[
            "Company",
            "Full Name",
            "E-mail",
            "Mobile Phone",
            "电话",
            "Job Title",
        ]);
        let t = guess(Entity::Contacts, &Catalog::default(), &h);
        let spelled: Vec<String> = t.iter().map(Target::spelled).collect();
        assert_eq!(
            spelled,
            ["customer_id", "name", "email", "mobile", "phone", "title"]
        );
        // A field's own name beats a synonym of it.
        let t = guess(
            Entity::Leads,
            &Catalog::default(),
            &heads(&["手机", "phone"]),
        );
        assert_eq!(t, [Target::Skip, Target::Field("phone")]);
    }

    #[test]
    fn the_server_only_fields_are_never_filled_and_map_names_are_checked() {
        assert!(!importable(Entity::Leads).any(|f| f == "converted_at"));
        assert!(importable(Entity::Leads).any(|f| f == "number"));
        assert!(importable(Entity::Customers).any(|f| f == "owner_id"));
        let c = Catalog::default();
        assert_eq!(
            Target::parse(Entity::Customers, &c, "Phone"),
            Ok(Target::Field("phone"))
        );
        assert_eq!(Target::parse(Entity::Customers, &c, "-"), Ok(Target::Skip));
        assert!(Target::parse(Entity::Customers, &c, "converted_at").is_err());
        assert!(Target::parse(Entity::Customers, &c, "custom.nope").is_err());
    }

    #[test]
    fn a_mapping_is_remembered_by_its_headers_in_any_order() {
        let mut saved = Saved::default();
        let h = heads(&["客户名称", "电话"]);
        saved.put(
            Entity::Customers,
            &h,
            &[Target::Field("name"), Target::Skip],
        );
        let moved = heads(&["电话 ", "客户名称"]);
        let got = saved.get(Entity::Customers, &moved).unwrap();
        assert_eq!(got.get("电话").map(String::as_str), Some("-"));
        assert!(saved.get(Entity::Contacts, &moved).is_none());
        assert!(
            saved
                .get(Entity::Customers, &heads(&["客户名称"]))
                .is_none()
        );
    }
}
