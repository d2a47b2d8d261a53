//! Checks a JSON body against an entity's descriptor and turns it into clean column values.
//! Pure: no storage, no HTTP. The same rules serve create (defaults filled, required enforced)
//! and patch (only the fields sent).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::Role;
use crate::catalog::Catalog;
use crate::schema::{self, Access, Default, Entity, Field, Format, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

/// What was wrong with a body, field by field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems {
    /// Bad values: answered with 422.
    pub invalid: BTreeMap<String, String>,
    /// Fields this user may not set: answered with 403.
    pub forbidden: BTreeMap<String, String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.invalid.is_empty() && self.forbidden.is_empty()
    }
}

/// Fields accepted in a body beyond the descriptor's: a user's password is write-only.
fn write_only(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Users => &["password"],
        _ => &[],
    }
}

/// `check_in` against no lists and no custom fields known: list fields take any code, custom
/// values none. For bodies without either, and for tests.
pub fn check(
    entity: Entity,
    input: &Map<String, Value>,
    mode: Mode,
    role: Role,
) -> Result<Map<String, Value>, Problems> {
    check_in(
        entity,
        input,
        mode,
        role,
        &Catalog::default().open_when_empty(),
    )
}

/// Checks `input` and returns the normalized fields. On create the result holds every field of
/// the entity (defaults filled in); on patch only those sent. `id` may be sent on create. List
/// fields must hold an active code of the catalog's list, the `custom` map values of the
/// entity's custom fields (named `custom.<key>` in the problems).
pub fn check_in(
    entity: Entity,
    input: &Map<String, Value>,
    mode: Mode,
    role: Role,
    catalog: &Catalog,
) -> Result<Map<String, Value>, Problems> {
    let mut problems = Problems::default();
    let mut out = Map::new();

    for (key, value) in input {
        if key == "id" && mode == Mode::Create {
            match value.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(id) => {
                    out.insert("id".into(), Value::String(id.hyphenated().to_string()));
                }
                None => {
                    problems
                        .invalid
                        .insert(key.clone(), "must be a UUID".into());
                }
            }
            continue;
        }
        if schema::SYSTEM_FIELDS.contains(&key.as_str()) {
            let hint = if key == "version" {
                "is set by the server; send the version you edited as If-Match"
            } else {
                "is set by the server"
            };
            problems.invalid.insert(key.clone(), hint.into());
            continue;
        }
        if write_only(entity).contains(&key.as_str()) {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let Some(field) = entity.field(key) else {
            problems.invalid.insert(
                key.clone(),
                format!("is not a field of a {}", entity.noun()),
            );
            continue;
        };
        match field.access {
            Access::Server => {
                problems
                    .invalid
                    .insert(key.clone(), "is set by the server".into());
                continue;
            }
            Access::Privileged if !role.may_assign() => {
                problems
                    .forbidden
                    .insert(key.clone(), "only a manager or admin may set this".into());
                continue;
            }
            Access::Admin if role != Role::Admin => {
                problems
                    .forbidden
                    .insert(key.clone(), "only an admin may set this".into());
                continue;
            }
            _ => {}
        }
        if key == schema::CUSTOM_FIELD && matches!(field.kind, Kind::Map) {
            match catalog.check_custom(entity, Some(value), mode == Mode::Create, role) {
                Ok(map) => {
                    out.insert(key.clone(), Value::Object(map));
                }
                Err(p) => {
                    problems.invalid.extend(p.invalid);
                    problems.forbidden.extend(p.forbidden);
                }
            }
            continue;
        }
        let checked = normalize(field, value).and_then(|v| match (field.kind, &v) {
            (Kind::List(list), Value::String(code)) => {
                catalog.check_code(list, code).map(Value::String)
            }
            _ => Ok(v),
        });
        match checked {
            Ok(v) => {
                out.insert(key.clone(), v);
            }
            Err(message) => {
                problems.invalid.insert(key.clone(), message);
            }
        }
    }

    if mode == Mode::Create {
        if entity.field(schema::CUSTOM_FIELD).is_some() && !input.contains_key(schema::CUSTOM_FIELD)
        {
            // Required custom fields are required when no map is sent at all, too.
            if let Err(p) = catalog.check_custom(entity, None, true, role) {
                problems.invalid.extend(p.invalid);
            }
        }
        for field in entity.fields() {
            if out.contains_key(field.name)
                || problems.invalid.contains_key(field.name)
                || problems.forbidden.contains_key(field.name)
            {
                continue;
            }
            if field.required {
                problems
                    .invalid
                    .insert(field.name.into(), "is required".into());
            } else {
                out.insert(field.name.into(), default_value(field));
            }
        }
    }
    for field in entity.fields().iter().filter(|f| f.required) {
        if out.get(field.name).is_some_and(Value::is_null) {
            problems
                .invalid
                .insert(field.name.into(), "is required".into());
        }
    }

    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

pub fn default_value(field: &Field) -> Value {
    match field.default {
        Default::Null => Value::Null,
        Default::Str(s) => Value::String(s.into()),
        Default::Int(i) => Value::from(i),
        Default::Bool(b) => Value::Bool(b),
        Default::EmptyList => Value::Array(Vec::new()),
        Default::EmptyMap => Value::Object(Map::new()),
    }
}

/// An RFC 3339 instant in UTC, as every timestamp is stored and sent.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Bidi overrides and isolates: they make text show in another order than it is stored (a file
/// name or an amount read backwards), so no text field may hold them.
pub fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Why text is refused: a control character (escape sequences start with one; newline and tab
/// are allowed only in text of several lines) or a bidi override. Text shown to other people on
/// their terminals must not act on them.
pub fn refused_character(s: &str, lines: bool) -> Option<String> {
    let c = s.chars().find(|&c| {
        (c.is_control() && !(lines && matches!(c, '\n' | '\t'))) || is_bidi_override(c)
    })?;
    let what = if is_bidi_override(c) {
        "bidi override characters"
    } else if lines {
        "control characters other than newline and tab"
    } else {
        "control characters (newlines and tabs included)"
    };
    Some(format!(
        "must not contain {what} (found U+{:04X})",
        c as u32
    ))
}

/// Checks one text value: no refused character; a Windows line end becomes a newline first.
fn clean_text(s: &str, lines: bool) -> Result<String, String> {
    let s = if lines && s.contains('\r') {
        s.replace("\r\n", "\n")
    } else {
        s.to_string()
    };
    match refused_character(&s, lines) {
        Some(message) => Err(message),
        None => Ok(s),
    }
}

/// One field's value checked and normalized (as a body's are; list filters use it too).
pub fn normalize(field: &Field, value: &Value) -> Result<Value, String> {
    if value.is_null() {
        return Ok(default_value(field));
    }
    match field.kind {
        Kind::Text(max) => {
            let s = clean_text(value.as_str().ok_or("must be text")?, field.lines)?;
            let s = s.trim();
            if s.chars().count() > max {
                return Err(format!("must be at most {max} characters"));
            }
            if s.is_empty() {
                return Ok(default_value(field));
            }
            if let Some(problem) = field.format.and_then(|f| format_problem(f, s)) {
                return Err(problem.into());
            }
            Ok(Value::String(s.into()))
        }
        Kind::List(_) => {
            // The code's membership of the list is the catalog's to check (`check_in`).
            let s = clean_text(value.as_str().ok_or("must be text")?, false)?;
            let s = s.trim();
            if s.chars().count() > 50 {
                return Err("must be at most 50 characters".into());
            }
            if s.is_empty() {
                return Ok(default_value(field));
            }
            Ok(Value::String(s.into()))
        }
        Kind::Enum(options) => {
            let s = value.as_str().ok_or("must be text")?.trim();
            options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(s))
                .map(|o| Value::String((*o).into()))
                .ok_or_else(|| format!("must be one of: {}", options.join(", ")))
        }
        Kind::Ref(_) => parse_uuid(value).map(Value::String),
        Kind::Int(min, max) => {
            let n = value.as_i64().ok_or("must be a whole number")?;
            if n < min || n > max {
                return Err(format!("must be between {min} and {max}"));
            }
            Ok(Value::from(n))
        }
        Kind::Money => {
            let n = value
                .as_i64()
                .ok_or("must be a whole number of minor units (cents, fen)")?;
            if n < 0 {
                return Err("must not be negative".into());
            }
            Ok(Value::from(n))
        }
        Kind::Bool => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| "must be true or false".into()),
        Kind::Date => {
            let s = value.as_str().ok_or("must be a date, YYYY-MM-DD")?;
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .map_err(|_| "must be a date, YYYY-MM-DD".into())
        }
        Kind::Time => {
            let s = value.as_str().ok_or("must be a time, RFC 3339")?;
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Value::String(format_time(t.with_timezone(&Utc))))
                .map_err(|_| "must be a time in RFC 3339, like 2026-12-01T09:30:00Z".into())
        }
        Kind::Tags => {
            let items = value.as_array().ok_or("must be a list of text")?;
            if items.len() > 50 {
                return Err("must hold at most 50 tags".into());
            }
            let mut seen = BTreeSet::new();
            let mut tags = Vec::new();
            for item in items {
                let tag = item.as_str().ok_or("must be a list of text")?.trim();
                if tag.is_empty() || tag.chars().count() > 50 {
                    return Err("each tag must be 1 to 50 characters".into());
                }
                if let Some(message) = refused_character(tag, false) {
                    return Err(format!("{tag:?}: {message}"));
                }
                if seen.insert(tag.to_string()) {
                    tags.push(Value::String(tag.into()));
                }
            }
            Ok(Value::Array(tags))
        }
        Kind::Refs(_) => {
            let items = value.as_array().ok_or("must be a list of ids")?;
            let mut seen = BTreeSet::new();
            let mut ids = Vec::new();
            for item in items {
                let id = parse_uuid(item)?;
                if seen.insert(id.clone()) {
                    ids.push(Value::String(id));
                }
            }
            Ok(Value::Array(ids))
        }
        Kind::Map => {
            let map = value
                .as_object()
                .ok_or("must be an object of named values")?;
            if map.len() > 100 {
                return Err("must hold at most 100 extension fields".into());
            }
            for (key, v) in map {
                if key.is_empty() || key.chars().count() > 64 {
                    return Err("each extension field name must be 1 to 64 characters".into());
                }
                if let Some(message) = refused_character(key, false) {
                    return Err(format!("extension field names {message}"));
                }
                if v.is_array() || v.is_object() {
                    return Err(format!(
                        "{key}: extension values must be text, numbers or true/false"
                    ));
                }
                if v.as_str().is_some_and(|s| s.chars().count() > 2000) {
                    return Err(format!("{key}: must be at most 2000 characters"));
                }
                // Extension values may run to 2000 characters: several lines are allowed.
                if let Some(message) = v.as_str().and_then(|s| refused_character(s, true)) {
                    return Err(format!("{key}: {message}"));
                }
            }
            Ok(value.clone())
        }
    }
}

/// Space as the formats see it: Unicode white space, and the byte-order mark some editors leave.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Why trimmed, non-empty text does not have the shape `format` asks for, or None when it does.
/// Permissive where real data varies (international domains, national phone spellings); the
/// OpenAPI document states the same rules as patterns (`api/openapi.rs`).
pub fn format_problem(format: Format, s: &str) -> Option<&'static str> {
    let ok = match format {
        Format::Email => is_email(s),
        Format::Url => is_url(s),
        Format::Phone => is_phone(s),
    };
    if ok {
        return None;
    }
    Some(match format {
        Format::Email => {
            "must be an email address like name@example.com (one @, a domain with a dot, no spaces)"
        }
        Format::Url => "must be a web address like https://www.example.com or www.example.com",
        Format::Phone => {
            "must be a phone number: digits, spaces and + ( ) - . /, an extension after 转, 分机, ext or x"
        }
    })
}

/// A domain or host: two or more non-empty labels joined by dots, each free of spaces and of
/// the characters that end a host or start a user name or port.
fn is_host(s: &str) -> bool {
    let mut labels = 0;
    for label in s.split('.') {
        if label.is_empty() || label.chars().any(|c| is_space(c) || "/?#:@".contains(c)) {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

/// `local@domain.tld`: exactly one `@`, a non-empty local part, no spaces.
fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.chars().any(is_space)
                && !domain.contains('@')
                && is_host(domain)
        }
        None => false,
    }
}

/// `http://` or `https://` (any case) and a host, or a bare host; then an optional port and an
/// optional path, query or fragment without spaces. Other schemes (`javascript:`, `ftp://`) are
/// refused: the value is shown as a link.
fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find(|scheme| lower.starts_with(**scheme))
        .map_or(s, |scheme| &s[scheme.len()..]);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = match authority.split_once(':') {
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            host
        }
        None => authority,
    };
    is_host(host) && !tail.chars().any(is_space)
}

/// Words that introduce an extension (the same ones `dedupe::phone_digits` strips).
const EXTENSION_WORDS: [&str; 4] = ["分机", "转", "ext", "x"];

/// Digits (one at least), spaces and `+ ( ) - . / # , ;`, and the extension words.
fn is_phone(s: &str) -> bool {
    let mut rest = s.to_ascii_lowercase();
    for word in EXTENSION_WORDS {
        rest = rest.replace(word, " ");
    }
    rest.chars().any(|c| c.is_ascii_digit())
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || is_space(c) || "+()-./#,;".contains(c))
}

fn parse_uuid(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .and_then(|s| Uuid::parse_str(s.trim()).ok())
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| "must be an id (UUID)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    /// The levels and a few custom fields of customers, as the tests' bodies use them.
    fn catalog() -> Catalog {
        let item =
            |code: &str| json!({"list": "levels", "code": code, "name_zh": code, "name_en": code});
        let field =
            |key: &str| json!({"entity": "customers", "key": key, "label_zh": key, "kind": "text"});
        let items: Vec<Map<String, Value>> = ["A", "B", "C", "D"]
            .map(|c| item(c).as_object().unwrap().clone())
            .to_vec();
        let fields: Vec<Map<String, Value>> = ["k", "备注", "nested"]
            .map(|k| field(k).as_object().unwrap().clone())
            .to_vec();
        Catalog::from_records(&items, &fields)
    }

    /// `check_in` against the tests' catalog.
    fn check(
        entity: Entity,
        input: &Map<String, Value>,
        mode: Mode,
        role: Role,
    ) -> Result<Map<String, Value>, Problems> {
        check_in(entity, input, mode, role, &catalog())
    }
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    /// An admin's patch of one field of `entity`, checked.
    fn patch_field(
        entity: Entity,
        field: &str,
        value: Value,
    ) -> Result<Map<String, Value>, Problems> {
        check(
            entity,
            &obj(json!({ field: value })),
            Mode::Patch,
            Role::Admin,
        )
    }

    #[test]
    fn create_fills_defaults_and_normalizes() {
        let out = check(
            Entity::Customers,
            &obj(json!({"name": "  华为技术有限公司 ", "level": "a", "tags": ["vip", "vip", "华南"]})),
            Mode::Create,
            Role::Sales,
        )
        .unwrap();
        assert_eq!(out["name"], "华为技术有限公司");
        assert_eq!(out["level"], "A");
        assert_eq!(out["category"], "prospect");
        assert_eq!(out["tags"], json!(["vip", "华南"]));
        assert_eq!(out["custom"], json!({}));
        assert!(out["phone"].is_null());
    }

    #[test]
    fn every_bad_field_is_named() {
        let problems = check(
            Entity::Customers,
            &obj(json!({"level": "Z", "email": 5, "bogus": 1, "version": 3})),
            Mode::Create,
            Role::Sales,
        )
        .unwrap_err();
        for field in ["level", "email", "bogus", "version", "name"] {
            assert!(
                problems.invalid.contains_key(field),
                "{field} not reported: {problems:?}"
            );
        }
    }

    #[test]
    fn sales_may_not_set_owner_but_managers_may() {
        let body = obj(json!({"owner_id": "0190c1d2-0000-7000-8000-000000000001"}));
        let problems = check(Entity::Customers, &body, Mode::Patch, Role::Sales).unwrap_err();
        assert!(problems.forbidden.contains_key("owner_id"));
        assert!(check(Entity::Customers, &body, Mode::Patch, Role::Manager).is_ok());
    }

    #[test]
    fn patch_may_not_null_a_required_field() {
        let problems = check(
            Entity::Customers,
            &obj(json!({"name": null})),
            Mode::Patch,
            Role::Admin,
        )
        .unwrap_err();
        assert_eq!(problems.invalid["name"], "is required");
    }

    #[test]
    fn times_are_stored_in_utc() {
        let out = check(
            Entity::Activities,
            &obj(json!({"kind": "call", "subject": "x", "starts_at": "2026-12-01T09:30:00+08:00"})),
            Mode::Create,
            Role::Agent,
        )
        .unwrap();
        assert_eq!(out["starts_at"], "2026-12-01T01:30:00.000Z");
    }

    #[test]
    fn ranges_and_money_are_checked() {
        let problems = check(
            Entity::Opportunities,
            &obj(json!({"customer_id": "nope", "name": "x", "amount": -5, "probability": 150})),
            Mode::Create,
            Role::Sales,
        )
        .unwrap_err();
        assert!(problems.invalid.contains_key("customer_id"));
        assert!(problems.invalid.contains_key("amount"));
        assert!(problems.invalid.contains_key("probability"));
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_refused_in_every_text_field() {
        let evil = [
            "evil\u{1b}]0;owned\u{7}",
            "C1\u{9b}2J",
            "abc\u{202e}fed",
            "iso\u{2066}x",
        ];
        for entity in Entity::ALL {
            for field in entity.fields() {
                if !matches!(field.kind, Kind::Text(_)) || field.access == Access::Server {
                    continue;
                }
                for bad in evil {
                    let problems = patch_field(entity, field.name, json!(bad)).unwrap_err();
                    assert!(
                        problems.invalid[field.name].starts_with("must not contain"),
                        "{}.{}: {problems:?}",
                        entity.name(),
                        field.name
                    );
                }
                let newline = patch_field(entity, field.name, json!("one\r\ntwo\tthree"));
                if field.lines {
                    assert_eq!(newline.unwrap()[field.name], "one\ntwo\tthree");
                } else {
                    assert!(
                        newline.is_err(),
                        "{}.{} took a newline",
                        entity.name(),
                        field.name
                    );
                }
            }
        }
        for body in [
            json!({"tags": ["ok", "bad\u{1b}[2J"]}),
            json!({"custom": {"k": "v\u{202d}"}}),
            json!({"custom": {"k\u{7}": "v"}}),
        ] {
            let problems = check(Entity::Customers, &obj(body), Mode::Patch, Role::Sales);
            assert!(problems.is_err());
        }
        let fine = check(
            Entity::Customers,
            &obj(
                json!({"notes": "第一行\n\t第二行", "custom": {"备注": "a\nb"}, "tags": ["华南"]}),
            ),
            Mode::Patch,
            Role::Sales,
        );
        assert!(fine.is_ok(), "{fine:?}");
    }

    #[test]
    fn extension_fields_hold_scalars_only() {
        let bad = check(
            Entity::Customers,
            &obj(json!({"name": "x", "custom": {"nested": {"a": 1}}})),
            Mode::Create,
            Role::Sales,
        );
        assert!(bad.unwrap_err().invalid.contains_key("custom.nested"));
    }

    #[test]
    fn emails_need_one_at_a_local_part_and_a_dotted_domain() {
        for good in [
            "wang@example.com",
            "first.last+tag@mail.example.co.uk",
            "张三@例子.中国",
            "O'Brien@EXAMPLE.COM",
        ] {
            assert_eq!(format_problem(Format::Email, good), None, "{good}");
        }
        for bad in [
            "wang@@example",
            "zhou@",
            "@example.com",
            "wang@example",
            "wang@example.",
            "wang@.example.com",
            "wang@exa..mple.com",
            "wang example@example.com",
            "wang@exa mple.com",
            "wang@a@example.com",
            "example.com",
        ] {
            assert!(format_problem(Format::Email, bad).is_some(), "{bad} passed");
        }
    }

    #[test]
    fn web_addresses_are_http_or_a_bare_domain() {
        for good in [
            "https://www.zte.com.cn",
            "HTTP://acme.example/about?x=1#top",
            "www.example.com",
            "example.com:8080/path",
            "https://例子.中国",
        ] {
            assert_eq!(format_problem(Format::Url, good), None, "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "ftp://files.example.com",
            "https://",
            "localhost",
            "https://user@example.com",
            "example.com:port",
            "example .com",
            "https://example.com/a b",
            "https://.example.com",
        ] {
            assert!(format_problem(Format::Url, bad).is_some(), "{bad} passed");
        }
    }

    #[test]
    fn phones_are_digits_punctuation_and_an_extension_word() {
        for good in [
            "+86 755 2878 0808",
            "(010) 5825-1234",
            "0571-8502-2088 转 6218",
            "010 6552 1234 分机 8",
            "+44 20 7946 0000 ext. 12",
            "+1 555 0100 X12",
            "138.1111.2222",
            "021/6161 8888#3",
            "400\u{3000}100\u{3000}5678",
        ] {
            assert_eq!(format_problem(Format::Phone, good), None, "{good}");
        }
        for bad in [
            "call me",
            "ext",
            "+86 abc 1234",
            "13800138000 or 13900139000",
            "1@2",
        ] {
            assert!(format_problem(Format::Phone, bad).is_some(), "{bad} passed");
        }
    }

    #[test]
    fn every_formatted_field_refuses_a_bad_value_by_name() {
        let mut seen = 0;
        for entity in Entity::ALL {
            for field in entity.fields() {
                let Some(format) = field.format else { continue };
                seen += 1;
                let (bad, good) = match format {
                    Format::Email => ("zhou@", " zhou@example.com "),
                    Format::Url => ("javascript:alert(1)", "www.example.com"),
                    Format::Phone => ("call me", "+86 10 6552 1234 转 8"),
                };
                let problems = patch_field(entity, field.name, json!(bad)).unwrap_err();
                assert!(
                    problems.invalid[field.name].starts_with("must be a"),
                    "{}.{}: {problems:?}",
                    entity.name(),
                    field.name
                );
                let out = patch_field(entity, field.name, json!(good)).unwrap();
                assert_eq!(out[field.name], good.trim());
                // Blank stays "none", as in every optional text field.
                let blank = patch_field(entity, field.name, json!("  ")).unwrap();
                assert!(blank[field.name].is_null());
            }
        }
        // users, customers and contacts' emails; customer phone, fax, website; contact phone,
        // mobile; competitor website; lead phone and email.
        assert_eq!(seen, 11);
    }
}
