//! Pure: the admin's lists and custom fields as the rules read them. A `Catalog` is built from
//! the `list_items` and `field_definitions` records (the server reads them in the write's
//! transaction; the client from its replica, so it knows a field as soon as a sync brought its
//! definition, with no rebuild and no resync). It answers which codes a `Kind::List` field may
//! take now and how each is labelled and coloured, which custom fields an entity has, how a
//! custom value is checked, and which of them a role may read or write.
//!
//! `entity_fields` is the one list of an entity's fields, built-in and custom, by which
//! screens, the CLI and the query language name them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::Role;
use crate::schema::{CUSTOM_FIELD, Entity, Field, Kind, ListName};

type Record = Map<String, Value>;

/// The language labels are shown in: a user's profile `language` (the call outcomes' too).
pub use crate::rules::call_outcomes::Lang;

/// One value of an admin's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub list: ListName,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
    pub colour: Option<String>,
    pub active: bool,
}

impl ListItem {
    pub fn from_record(r: &Record) -> Option<ListItem> {
        Some(ListItem {
            list: ListName::from_name(str_of(r, "list")?)?,
            code: str_of(r, "code")?.to_string(),
            name_zh: str_of(r, "name_zh").unwrap_or_default().to_string(),
            name_en: str_of(r, "name_en").unwrap_or_default().to_string(),
            position: r.get("position").and_then(Value::as_i64).unwrap_or(0),
            colour: str_of(r, "colour").map(String::from),
            active: r.get("active").and_then(Value::as_bool).unwrap_or(true),
        })
    }

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_en.is_empty() => &self.name_en,
            _ if !self.name_zh.is_empty() => &self.name_zh,
            _ => &self.code,
        }
    }
}

/// What a custom field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomKind {
    /// Text up to `MAX_TEXT` characters, several lines allowed.
    Text,
    /// A number (whole or not).
    Number,
    /// Money in integer minor units, never negative.
    Money,
    /// `YYYY-MM-DD`.
    Date,
    /// One of the definition's choices.
    Choice,
    /// A list of the definition's choices.
    MultiChoice,
    /// A user's id.
    User,
    /// The id of a record of this entity.
    Link(Entity),
}

/// The longest custom text.
pub const MAX_TEXT: usize = 2000;

impl CustomKind {
    pub fn parse(kind: &str, link: Option<&str>) -> Option<CustomKind> {
        Some(match kind {
            "text" => CustomKind::Text,
            "number" => CustomKind::Number,
            "money" => CustomKind::Money,
            "date" => CustomKind::Date,
            "choice" => CustomKind::Choice,
            "multi_choice" => CustomKind::MultiChoice,
            "user" => CustomKind::User,
            "link" => CustomKind::Link(Entity::from_name(link?)?),
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CustomKind::Text => "text",
            CustomKind::Number => "number",
            CustomKind::Money => "money",
            CustomKind::Date => "date",
            CustomKind::Choice => "choice",
            CustomKind::MultiChoice => "multi_choice",
            CustomKind::User => "user",
            CustomKind::Link(_) => "link",
        }
    }

    /// The entity whose record ids it holds, if any.
    pub fn target(self) -> Option<Entity> {
        match self {
            CustomKind::User => Some(Entity::Users),
            CustomKind::Link(e) => Some(e),
            _ => None,
        }
    }
}

/// One custom field of an entity, as its definition says.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    pub id: String,
    pub entity: Entity,
    pub key: String,
    pub label_zh: String,
    pub label_en: Option<String>,
    pub kind: CustomKind,
    pub choices: Vec<String>,
    pub required: bool,
    pub searchable: bool,
    pub in_list: bool,
    pub position: i64,
    /// None listed: every role.
    pub read_roles: Vec<Role>,
    pub write_roles: Vec<Role>,
    pub active: bool,
}

impl CustomField {
    pub fn from_record(r: &Record) -> Option<CustomField> {
        let roles = |name: &str| -> Vec<Role> {
            r.get(name)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .filter_map(Role::parse)
                        .collect()
                })
                .unwrap_or_default()
        };
        let flag =
            |name: &str, default: bool| r.get(name).and_then(Value::as_bool).unwrap_or(default);
        Some(CustomField {
            id: str_of(r, "id").unwrap_or_default().to_string(),
            entity: Entity::from_name(str_of(r, "entity")?)?,
            key: str_of(r, "key")?.to_string(),
            label_zh: str_of(r, "label_zh").unwrap_or_default().to_string(),
            label_en: str_of(r, "label_en").map(String::from),
            kind: CustomKind::parse(str_of(r, "kind")?, str_of(r, "link"))?,
            choices: r
                .get("choices")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            required: flag("required", false),
            searchable: flag("searchable", false),
            in_list: flag("in_list", false),
            position: r.get("position").and_then(Value::as_i64).unwrap_or(0),
            read_roles: roles("read_roles"),
            write_roles: roles("write_roles"),
            active: flag("active", true),
        })
    }

    /// The label in `lang`, else the other one, else the key.
    pub fn label(&self, lang: Lang) -> &str {
        match (lang, self.label_en.as_deref()) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ if !self.label_zh.is_empty() => &self.label_zh,
            _ => &self.key,
        }
    }

    pub fn may_read(&self, role: Role) -> bool {
        role == Role::Admin || self.read_roles.is_empty() || self.read_roles.contains(&role)
    }

    pub fn may_write(&self, role: Role) -> bool {
        self.may_read(role)
            && (role == Role::Admin
                || self.write_roles.is_empty()
                || self.write_roles.contains(&role))
    }

    /// The name a body's problems use for it: `custom.<key>`.
    pub fn path(&self) -> String {
        format!("{CUSTOM_FIELD}.{}", self.key)
    }

    /// One value checked and normalized; null clears it.
    pub fn normalize(&self, value: &Value) -> Result<Value, String> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match self.kind {
            CustomKind::Text => {
                let s = value.as_str().ok_or("must be text")?;
                let s = s.replace("\r\n", "\n");
                if let Some(problem) = crate::validate::refused_character(&s, true) {
                    return Err(problem);
                }
                let s = s.trim();
                if s.chars().count() > MAX_TEXT {
                    return Err(format!("must be at most {MAX_TEXT} characters"));
                }
                Ok(if s.is_empty() {
                    Value::Null
                } else {
                    Value::String(s.into())
                })
            }
            CustomKind::Number => match value {
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(value.clone()),
                _ => Err("must be a number".into()),
            },
            CustomKind::Money => {
                let n = value
                    .as_i64()
                    .ok_or("must be a whole number of minor units (cents, fen)")?;
                if n < 0 {
                    return Err("must not be negative".into());
                }
                Ok(Value::from(n))
            }
            CustomKind::Date => {
                let s = value.as_str().ok_or("must be a date, YYYY-MM-DD")?;
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                    .map_err(|_| "must be a date, YYYY-MM-DD".into())
            }
            CustomKind::Choice => {
                let s = value.as_str().ok_or("must be text")?;
                self.choice(s).map(|c| Value::String(c.into()))
            }
            CustomKind::MultiChoice => {
                let items = value.as_array().ok_or("must be a list of choices")?;
                let mut out: Vec<Value> = Vec::new();
                for item in items {
                    let c = self.choice(item.as_str().ok_or("must be a list of choices")?)?;
                    if !out.iter().any(|v| v == c) {
                        out.push(Value::String(c.into()));
                    }
                }
                Ok(Value::Array(out))
            }
            CustomKind::User | CustomKind::Link(_) => value
                .as_str()
                .and_then(|s| Uuid::parse_str(s.trim()).ok())
                .map(|id| Value::String(id.hyphenated().to_string()))
                .ok_or_else(|| "must be an id (a UUID)".into()),
        }
    }

    fn choice(&self, s: &str) -> Result<&str, String> {
        let s = s.trim();
        self.choices
            .iter()
            .find(|c| c.as_str() == s || c.to_lowercase() == s.to_lowercase())
            .map(String::as_str)
            .ok_or_else(|| format!("must be one of: {}", self.choices.join(", ")))
    }
}

/// Problems of a body's custom values, keyed `custom.<key>`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CustomProblems {
    pub invalid: BTreeMap<String, String>,
    pub forbidden: BTreeMap<String, String>,
}

/// The lists and custom fields in force.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: Vec<ListItem>,
    fields: Vec<CustomField>,
    /// A list with no items takes any value: a client before its first sync knows none (the
    /// server, whose lists migration 12 fills, checks).
    open_when_empty: bool,
}

impl Catalog {
    /// The catalog the records say, strict: a list with no items takes nothing.
    pub fn new(items: Vec<ListItem>, mut fields: Vec<CustomField>) -> Catalog {
        fields.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
        let mut items = items;
        items.sort_by(|a, b| (a.list, a.position, &a.code).cmp(&(b.list, b.position, &b.code)));
        Catalog {
            items,
            fields,
            open_when_empty: false,
        }
    }

    pub fn from_records<'a>(
        items: impl IntoIterator<Item = &'a Record>,
        fields: impl IntoIterator<Item = &'a Record>,
    ) -> Catalog {
        Catalog::new(
            items
                .into_iter()
                .filter_map(ListItem::from_record)
                .collect(),
            fields
                .into_iter()
                .filter_map(CustomField::from_record)
                .collect(),
        )
    }

    /// A list with no items takes any value (the client's copy before it knows them).
    pub fn open_when_empty(mut self) -> Catalog {
        self.open_when_empty = true;
        self
    }

    /// A list's items, active or not, in order.
    pub fn items(&self, list: ListName) -> impl Iterator<Item = &ListItem> {
        self.items.iter().filter(move |i| i.list == list)
    }

    /// The codes new values may take, in order.
    pub fn codes(&self, list: ListName) -> Vec<&str> {
        self.items(list)
            .filter(|i| i.active)
            .map(|i| i.code.as_str())
            .collect()
    }

    pub fn item(&self, list: ListName, code: &str) -> Option<&ListItem> {
        self.items(list).find(|i| i.code == code)
    }

    /// A code's name in `lang`; the code itself when the list does not hold it.
    pub fn label<'a>(&'a self, list: ListName, code: &'a str, lang: Lang) -> &'a str {
        self.item(list, code).map_or(code, |i| i.name(lang))
    }

    pub fn colour(&self, list: ListName, code: &str) -> Option<&str> {
        self.item(list, code).and_then(|i| i.colour.as_deref())
    }

    /// A value of a `Kind::List` field: an active code of the list (matched without regard to
    /// case), as the list spells it.
    pub fn check_code(&self, list: ListName, value: &str) -> Result<String, String> {
        let value = value.trim();
        if self.open_when_empty && self.items(list).next().is_none() {
            return Ok(value.to_string());
        }
        let codes = self.codes(list);
        if codes.is_empty() {
            return Err(format!(
                "cannot be set: the list {} has no active values; an admin adds them (list_items)",
                list.name()
            ));
        }
        codes
            .iter()
            .find(|c| **c == value)
            .or_else(|| {
                codes
                    .iter()
                    .find(|c| c.to_lowercase() == value.to_lowercase())
            })
            .map(|c| (*c).to_string())
            .ok_or_else(|| format!("must be one of: {}", codes.join(", ")))
    }

    /// Every definition of an entity, active or not, in order.
    pub fn all_custom_fields(&self, entity: Entity) -> impl Iterator<Item = &CustomField> {
        self.fields.iter().filter(move |f| f.entity == entity)
    }

    /// The active custom fields of an entity, in order.
    pub fn custom_fields(&self, entity: Entity) -> impl Iterator<Item = &CustomField> {
        self.all_custom_fields(entity).filter(|f| f.active)
    }

    /// An active custom field by its key.
    pub fn custom_field(&self, entity: Entity, key: &str) -> Option<&CustomField> {
        self.custom_fields(entity).find(|f| f.key == key)
    }

    /// An active custom field by its key or either label (case folded), as people type it
    /// (`--field 注册资金=…`).
    pub fn find_custom(&self, entity: Entity, name: &str) -> Option<&CustomField> {
        let folded = name.trim().to_lowercase();
        self.custom_field(entity, name.trim()).or_else(|| {
            self.custom_fields(entity).find(|f| {
                f.key.to_lowercase() == folded
                    || f.label_zh.to_lowercase() == folded
                    || f.label_en
                        .as_deref()
                        .is_some_and(|l| l.to_lowercase() == folded)
            })
        })
    }

    /// The keys of an entity's custom fields a role may not read (inactive ones included:
    /// their values stay stored).
    pub fn hidden_keys(&self, entity: Entity, role: Role) -> Vec<&str> {
        self.all_custom_fields(entity)
            .filter(|f| !f.may_read(role))
            .map(|f| f.key.as_str())
            .collect()
    }

    /// Removes from a record the custom values a role may not read; true when any was there.
    pub fn strip(&self, entity: Entity, role: Role, record: &mut Record) -> bool {
        strip_keys(&self.hidden_keys(entity, role), record)
    }

    /// Checks a body's `custom` object against the entity's definitions: every key a defined,
    /// active field the role may write, every value of its kind, and on create every required
    /// field given. Returns the normalized map (on patch holding nulls for keys to clear).
    pub fn check_custom(
        &self,
        entity: Entity,
        value: Option<&Value>,
        create: bool,
        role: Role,
    ) -> Result<Map<String, Value>, CustomProblems> {
        let mut problems = CustomProblems::default();
        let mut out = Map::new();
        let empty = Map::new();
        let given = match value {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(map)) => map,
            Some(_) => {
                problems.invalid.insert(
                    CUSTOM_FIELD.into(),
                    "must be an object of custom field values".into(),
                );
                return Err(problems);
            }
        };
        for (key, v) in given {
            let path = format!("{CUSTOM_FIELD}.{key}");
            let Some(field) = self.custom_field(entity, key) else {
                problems.invalid.insert(
                    path,
                    format!(
                        "is not a custom field of a {}; an admin defines it (field_definitions)",
                        entity.noun()
                    ),
                );
                continue;
            };
            if !field.may_write(role) {
                problems
                    .forbidden
                    .insert(path, format!("a {} may not set this field", role.as_str()));
                continue;
            }
            match field.normalize(v) {
                Ok(Value::Null) if field.required => {
                    problems.invalid.insert(path, "is required".into());
                }
                Ok(Value::Null) if create => {}
                Ok(v) => {
                    out.insert(key.clone(), v);
                }
                Err(message) => {
                    problems.invalid.insert(path, message);
                }
            }
        }
        if create {
            for field in self.custom_fields(entity).filter(|f| f.required) {
                if !out.contains_key(&field.key) && !problems.invalid.contains_key(&field.path()) {
                    problems.invalid.insert(field.path(), "is required".into());
                }
            }
        }
        if problems.invalid.is_empty() && problems.forbidden.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

/// Removes these custom keys from a record's `custom` map; true when any was there.
pub fn strip_keys(keys: &[&str], record: &mut Record) -> bool {
    let Some(Value::Object(custom)) = record.get_mut(CUSTOM_FIELD) else {
        return false;
    };
    let mut any = false;
    for key in keys {
        any |= custom.remove(*key).is_some();
    }
    any
}

/// A stored `custom` map with a patch's laid on it: a key sent replaces, a null clears, a key
/// not sent stays (a client that may not read a field, or does not know it yet, keeps it).
pub fn merge_custom(stored: Option<&Value>, patch: &Map<String, Value>) -> Value {
    let mut out = stored
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in patch {
        if v.is_null() {
            out.remove(k);
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// A field of an entity, built in or custom: what `entity_fields` lists.
#[derive(Debug, Clone, Copy)]
pub enum FieldRef<'a> {
    Builtin(&'static Field),
    Custom(&'a CustomField),
}

impl<'a> FieldRef<'a> {
    /// A built-in field's name, a custom field's key.
    pub fn name(&self) -> &'a str {
        match self {
            FieldRef::Builtin(f) => f.name,
            FieldRef::Custom(c) => &c.key,
        }
    }

    /// Where its value lies in a record.
    pub fn value<'r>(&self, record: &'r Record) -> Option<&'r Value> {
        match self {
            FieldRef::Builtin(f) => record.get(f.name),
            FieldRef::Custom(c) => record.get(CUSTOM_FIELD).and_then(|m| m.get(c.key.as_str())),
        }
    }

    pub fn is_custom(&self) -> bool {
        matches!(self, FieldRef::Custom(_))
    }
}

/// The one list of an entity's fields: its built-in fields (the `custom` map itself left out)
/// then its active custom fields in order. Screens, the CLI and the query language resolve
/// field names through it (`find_field`), so a field an admin defines is known everywhere the
/// catalog is.
pub fn entity_fields(entity: Entity, catalog: &Catalog) -> Vec<FieldRef<'_>> {
    entity
        .fields()
        .iter()
        .filter(|f| f.name != CUSTOM_FIELD)
        .map(FieldRef::Builtin)
        .chain(catalog.custom_fields(entity).map(FieldRef::Custom))
        .collect()
}

/// A field by name: a built-in field's name, else a custom field's key or label.
pub fn find_field<'a>(entity: Entity, catalog: &'a Catalog, name: &str) -> Option<FieldRef<'a>> {
    entity
        .field(name)
        .filter(|f| f.name != CUSTOM_FIELD)
        .map(FieldRef::Builtin)
        .or_else(|| catalog.find_custom(entity, name).map(FieldRef::Custom))
}

/// The list a field's codes come from, if it is a list field.
pub fn list_of(field: &Field) -> Option<ListName> {
    match field.kind {
        Kind::List(list) => Some(list),
        _ => None,
    }
}

fn str_of<'a>(r: &'a Record, name: &str) -> Option<&'a str> {
    r.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Record {
        v.as_object().unwrap().clone()
    }

    fn catalog() -> Catalog {
        let items = [
            json!({"list": "levels", "code": "A", "name_zh": "重要", "name_en": "Key", "position": 1}),
            json!({"list": "levels", "code": "B", "name_zh": "普通", "name_en": "Normal", "position": 2}),
            json!({"list": "levels", "code": "Z", "name_zh": "停用", "name_en": "Old", "position": 3, "active": false}),
        ]
        .map(obj);
        let fields = [
            json!({"entity": "customers", "key": "capital", "label_zh": "注册资金", "label_en": "Registered capital", "kind": "money", "position": 2}),
            json!({"entity": "customers", "key": "taxpayer", "label_zh": "纳税人", "kind": "choice", "choices": ["一般纳税人", "小规模纳税人"], "required": true, "position": 1}),
            json!({"entity": "customers", "key": "secret", "label_zh": "内部评价", "kind": "text", "read_roles": ["manager"], "write_roles": ["manager"]}),
            json!({"entity": "contacts", "key": "hobby", "label_zh": "兴趣", "kind": "multi_choice", "choices": ["golf", "tea"]}),
        ]
        .map(obj);
        Catalog::from_records(&items, &fields)
    }

    #[test]
    fn list_codes_are_the_active_ones_matched_without_case() {
        let c = catalog();
        assert_eq!(c.codes(ListName::Levels), vec!["A", "B"]);
        assert_eq!(c.check_code(ListName::Levels, "a"), Ok("A".into()));
        let err = c.check_code(ListName::Levels, "Z").unwrap_err();
        assert_eq!(err, "must be one of: A, B");
        assert!(c.check_code(ListName::Regions, "华东").is_err());
        let open = catalog().open_when_empty();
        assert_eq!(
            open.check_code(ListName::Regions, "华东"),
            Ok("华东".into())
        );
        assert!(open.check_code(ListName::Levels, "Q").is_err());
        assert_eq!(c.label(ListName::Levels, "A", Lang::En), "Key");
        assert_eq!(c.label(ListName::Levels, "A", Lang::Zh), "重要");
        assert_eq!(c.label(ListName::Levels, "Q", Lang::Zh), "Q");
    }

    #[test]
    fn custom_values_are_checked_by_kind_role_and_requirement() {
        let c = catalog();
        let ok = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"capital": 500_000_000, "taxpayer": "一般纳税人"})),
                true,
                Role::Sales,
            )
            .unwrap();
        assert_eq!(ok["capital"], json!(500_000_000));
        let bad = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"capital": "lots"})),
                true,
                Role::Sales,
            )
            .unwrap_err();
        assert!(bad.invalid["custom.capital"].contains("whole number"));
        assert_eq!(bad.invalid["custom.taxpayer"], "is required");
        let bad = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"taxpayer": "其他"})),
                false,
                Role::Sales,
            )
            .unwrap_err();
        assert!(bad.invalid["custom.taxpayer"].contains("一般纳税人, 小规模纳税人"));
        let bad = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"nope": 1})),
                false,
                Role::Admin,
            )
            .unwrap_err();
        assert!(bad.invalid.contains_key("custom.nope"));
        let denied = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"secret": "x"})),
                false,
                Role::Sales,
            )
            .unwrap_err();
        assert!(denied.forbidden.contains_key("custom.secret"));
        assert!(
            c.check_custom(
                Entity::Customers,
                Some(&json!({"secret": "x"})),
                false,
                Role::Manager
            )
            .is_ok()
        );
        // A patch clears with null; a required field may not be cleared.
        let cleared = c
            .check_custom(
                Entity::Customers,
                Some(&json!({"capital": null})),
                false,
                Role::Sales,
            )
            .unwrap();
        assert_eq!(cleared["capital"], Value::Null);
        assert!(
            c.check_custom(
                Entity::Customers,
                Some(&json!({"taxpayer": null})),
                false,
                Role::Sales
            )
            .is_err()
        );
        let multi = c
            .check_custom(
                Entity::Contacts,
                Some(&json!({"hobby": ["Tea", "golf", "tea"]})),
                true,
                Role::Agent,
            )
            .unwrap();
        assert_eq!(multi["hobby"], json!(["tea", "golf"]));
    }

    #[test]
    fn hidden_values_are_stripped_and_merges_keep_what_was_not_sent() {
        let c = catalog();
        let mut r = obj(json!({"name": "x", "custom": {"secret": "s", "capital": 1}}));
        assert!(c.strip(Entity::Customers, Role::Sales, &mut r));
        assert_eq!(r["custom"], json!({"capital": 1}));
        let mut r = obj(json!({"custom": {"secret": "s"}}));
        assert!(!c.strip(Entity::Customers, Role::Manager, &mut r));
        let merged = merge_custom(
            Some(&json!({"secret": "s", "capital": 1})),
            &obj(json!({"capital": null, "taxpayer": "一般纳税人"})),
        );
        assert_eq!(merged, json!({"secret": "s", "taxpayer": "一般纳税人"}));
    }

    #[test]
    fn entity_fields_list_built_in_then_custom_and_find_by_label() {
        let c = catalog();
        let names: Vec<&str> = entity_fields(Entity::Customers, &c)
            .iter()
            .map(FieldRef::name)
            .collect();
        assert!(names.contains(&"name") && !names.contains(&"custom"));
        assert_eq!(&names[names.len() - 3..], ["secret", "taxpayer", "capital"]);
        assert_eq!(
            find_field(Entity::Customers, &c, "注册资金")
                .unwrap()
                .name(),
            "capital"
        );
        assert_eq!(
            find_field(Entity::Customers, &c, "registered capital")
                .unwrap()
                .name(),
            "capital"
        );
        let r = obj(json!({"custom": {"capital": 7}}));
        assert_eq!(
            find_field(Entity::Customers, &c, "capital")
                .unwrap()
                .value(&r),
            Some(&json!(7))
        );
        assert!(find_field(Entity::Contacts, &c, "capital").is_none());
    }
}
