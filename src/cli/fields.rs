//! Command-line flags generated from the server's field tables, so `crm customers add --name …
//! --level A --owner li` knows every field without a hand-written list, and values are parsed by
//! the same kinds the server validates.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{Arg, ArgAction, ArgMatches};
use crm_server::catalog::{Catalog, CustomField, CustomKind};
use crm_server::schema::{Access, CUSTOM_FIELD, Entity, Field, Kind};
use crm_server::validate::format_time;
use serde_json::{Map, Value};

use crate::tui::dates;
use crate::zone::Zone;

/// The flag for a field: `owner_id` → `owner`, `expected_close` → `expected-close`.
pub fn flag_name(field: &Field) -> String {
    // `--field 注册资金=5000000`: a custom field by its key or label.
    if field.name == CUSTOM_FIELD {
        return "field".into();
    }
    let name = field.name.strip_suffix("_id").unwrap_or(field.name);
    name.replace('_', "-")
}

fn help(field: &Field) -> String {
    match field.kind {
        Kind::Text(_) => "text".into(),
        Kind::Enum(options) => options.join("|"),
        Kind::List(list) => format!("a code of the list {} (crm list_items list)", list.name()),
        Kind::Ref(Entity::Users) => "username".into(),
        Kind::Ref(Entity::Customers) => "customer code or id".into(),
        Kind::Ref(Entity::Stages) => "stage name".into(),
        Kind::Ref(Entity::Teams) => "team name".into(),
        Kind::Ref(target) => format!("{} id", target.noun()),
        Kind::Int(min, max) => format!("{min}..{max}"),
        Kind::Money => "amount, like 12345.67".into(),
        Kind::Bool => "true|false".into(),
        Kind::Date => "a date: 2026-12-01, tomorrow, next mon, +3d".into(),
        Kind::Time => {
            "a time in your zone (2026-12-01 09:30, tomorrow 14:00) or RFC 3339 (2026-12-01T01:30:00Z)"
                .into()
        }
        Kind::Tags => "comma-separated tags".into(),
        Kind::Refs(_) => "comma-separated usernames".into(),
        Kind::Map if field.name == CUSTOM_FIELD => {
            "custom field: KEY=VALUE by its key or label (注册资金=5000000), repeatable; VALUE - clears it"
                .into()
        }
        Kind::Map => "KEY=VALUE, repeatable".into(),
    }
}

/// Fields a client may set on this entity (not the ones the server fills).
pub fn settable(entity: Entity) -> impl Iterator<Item = &'static Field> {
    entity
        .fields()
        .iter()
        .filter(|f| f.access != Access::Server)
}

/// One flag per settable field, for `add` and `edit`.
pub fn write_args(entity: Entity) -> Vec<Arg> {
    settable(entity)
        .map(|field| {
            let arg = Arg::new(field.name)
                .long(flag_name(field))
                .value_name(field.name.to_uppercase())
                .help(help(field));
            if field.kind == Kind::Map {
                arg.action(ArgAction::Append)
            } else {
                arg
            }
        })
        .collect()
}

/// One flag per filterable field, for `list`.
pub fn filter_args(entity: Entity) -> Vec<Arg> {
    entity
        .fields()
        .iter()
        .filter(|f| f.filter)
        .map(|field| {
            Arg::new(field.name)
                .long(flag_name(field))
                .value_name(field.name.to_uppercase())
                .help(format!(
                    "only those whose {} is this ({})",
                    field.name,
                    help(field)
                ))
        })
        .collect()
}

/// Turns names into ids: usernames, customer codes, stage and team names.
pub trait Resolve {
    fn resolve(&self, target: Entity, text: &str) -> Result<String, String>;
}

/// The user's zone and the time now, which typed dates and times are read against.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub zone: Zone,
    pub now: DateTime<Utc>,
}

/// A date or time as typed: an RFC 3339 time or a YYYY-MM-DD date as it is; anything else
/// ("2026-12-01 09:30", "tomorrow 14:00", "next mon") read in the user's zone, as the screens
/// read it, a time sent as its UTC instant (09:00 when only a date was given).
fn date_or_time(kind: Kind, raw: &str, clock: &Clock) -> Result<Value, String> {
    let exact = match kind {
        Kind::Time => DateTime::parse_from_rfc3339(raw).is_ok(),
        _ => NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok(),
    };
    if exact {
        return Ok(Value::String(raw.to_string()));
    }
    let when = dates::parse(raw, clock.zone.naive(clock.now)).map_err(|e| e.to_string())?;
    if kind == Kind::Date {
        return Ok(Value::String(when.date.format("%Y-%m-%d").to_string()));
    }
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let at = clock
        .zone
        .to_utc(when.at(nine))
        .map_err(|e| e.to_string())?;
    Ok(Value::String(format_time(at)))
}

/// Parses one flag value by its field's kind. Money is typed in major units and sent in minor;
/// dates and times are read in the user's zone.
pub fn parse_value(
    field: &Field,
    raw: &str,
    resolver: &dyn Resolve,
    clock: &Clock,
) -> Result<Value, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "-" {
        return Ok(Value::Null);
    }
    match field.kind {
        Kind::Text(_) | Kind::Enum(_) | Kind::List(_) => Ok(Value::String(raw.to_string())),
        Kind::Date | Kind::Time => date_or_time(field.kind, raw, clock),
        Kind::Ref(target) => resolver.resolve(target, raw).map(Value::String),
        Kind::Int(..) => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be a whole number".to_string()),
        Kind::Money => parse_money(raw).map(Value::from),
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "0" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".into()),
        },
        Kind::Tags => Ok(Value::Array(
            raw.split([',', '，'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Value::String(t.to_string()))
                .collect(),
        )),
        Kind::Refs(target) => raw
            .split([',', '，'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| resolver.resolve(target, t).map(Value::String))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Kind::Map => Err("use KEY=VALUE".into()),
    }
}

/// One custom field's value as typed, by its kind: money in major units, a user by username, a
/// record link by what names it, a multiple choice comma-separated; empty or `-` clears it.
pub fn parse_custom(
    field: &CustomField,
    raw: &str,
    resolver: &dyn Resolve,
    clock: &Clock,
) -> Result<Value, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "-" {
        return Ok(Value::Null);
    }
    match field.kind {
        CustomKind::Text | CustomKind::Choice => Ok(Value::String(raw.to_string())),
        CustomKind::Number => {
            let cleaned = raw.replace([',', '_'], "");
            match cleaned.parse::<i64>() {
                Ok(n) => Ok(Value::from(n)),
                Err(_) => cleaned
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| "must be a number".to_string()),
            }
        }
        CustomKind::Money => parse_money(raw).map(Value::from),
        CustomKind::Date => date_or_time(Kind::Date, raw, clock),
        CustomKind::MultiChoice => Ok(Value::Array(
            raw.split([',', '，'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Value::String(t.to_string()))
                .collect(),
        )),
        CustomKind::User | CustomKind::Link(_) => {
            let target = field.kind.target().unwrap_or(Entity::Users);
            resolver.resolve(target, raw).map(Value::String)
        }
    }
}

/// "12,345.67" → 1234567 minor units. At most two decimals; never negative.
pub fn parse_money(raw: &str) -> Result<i64, String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '¥' | '$'))
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let bad = || format!("{raw} is not an amount like 12345.67");
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 2 {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)
}

/// Minor units shown as a major amount: 1234567 → "12,345.67".
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", minor % 100)
}

/// The fields given on the command line, parsed; every bad one is reported at once.
pub fn collect(
    entity: Entity,
    matches: &ArgMatches,
    resolver: &dyn Resolve,
    clock: &Clock,
    catalog: &Catalog,
) -> Result<Map<String, Value>, Vec<String>> {
    let mut out = Map::new();
    let mut problems = Vec::new();
    for field in settable(entity) {
        if field.kind == Kind::Map {
            let Some(pairs) = matches.get_many::<String>(field.name) else {
                continue;
            };
            let mut map = Map::new();
            for pair in pairs {
                let flag = flag_name(field);
                match pair.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        let Some(custom) = catalog.find_custom(entity, k) else {
                            let known: Vec<&str> = catalog
                                .custom_fields(entity)
                                .map(|c| c.key.as_str())
                                .collect();
                            problems.push(format!(
                                "--{flag} {pair}: a {} has no custom field {}; it has: {}",
                                entity.noun(),
                                k.trim(),
                                if known.is_empty() {
                                    "none".to_string()
                                } else {
                                    known.join(", ")
                                }
                            ));
                            continue;
                        };
                        match parse_custom(custom, v, resolver, clock) {
                            Ok(value) => {
                                map.insert(custom.key.clone(), value);
                            }
                            Err(message) => problems.push(format!("--{flag} {pair}: {message}")),
                        }
                    }
                    _ => problems.push(format!("--{flag} {pair}: use KEY=VALUE")),
                }
            }
            out.insert(field.name.into(), Value::Object(map));
            continue;
        }
        if let Some(raw) = matches.get_one::<String>(field.name) {
            match parse_value(field, raw, resolver, clock) {
                Ok(v) => {
                    out.insert(field.name.into(), v);
                }
                Err(message) => problems.push(format!("--{} {raw}: {message}", flag_name(field))),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Names;
    impl Resolve for Names {
        fn resolve(&self, target: Entity, text: &str) -> Result<String, String> {
            match (target, text) {
                (Entity::Users, "li") => Ok("user-li".into()),
                (Entity::Users, "zhang") => Ok("user-zhang".into()),
                _ => Err(format!("no {} named {text}", target.noun())),
            }
        }
    }

    fn utc() -> Clock {
        clock("UTC")
    }

    /// Wednesday 2026-11-25 09:00 UTC, in `zone`.
    fn clock(zone: &str) -> Clock {
        Clock {
            zone: Zone::named(zone).unwrap(),
            now: DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
                .unwrap()
                .to_utc(),
        }
    }

    #[test]
    fn times_are_typed_in_the_users_zone() {
        let starts = Entity::Activities.field("starts_at").unwrap();
        let shanghai = clock("Asia/Shanghai");
        let at = |raw: &str, c: &Clock| parse_value(starts, raw, &Names, c);
        assert_eq!(
            at("tomorrow 14:00", &shanghai),
            Ok(Value::String("2026-11-26T06:00:00.000Z".into()))
        );
        assert_eq!(
            at("2026-11-25 09:00", &shanghai),
            Ok(Value::String("2026-11-25T01:00:00.000Z".into()))
        );
        assert_eq!(
            at("2026-11-25T09:00:00+08:00", &shanghai),
            Ok(Value::String("2026-11-25T09:00:00+08:00".into())),
            "an exact time is sent as typed"
        );
        assert!(
            at("2027-03-28 02:30", &clock("Europe/Berlin"))
                .unwrap_err()
                .contains("03:00"),
            "a time the clocks skip is refused"
        );
        assert!(at("soonish", &shanghai).is_err());
        let birthday = Entity::Contacts.field("birthday").unwrap();
        assert_eq!(
            parse_value(birthday, "tomorrow", &Names, &shanghai),
            Ok(Value::String("2026-11-26".into()))
        );
        assert_eq!(
            parse_value(birthday, "1990-02-03", &Names, &shanghai),
            Ok(Value::String("1990-02-03".into()))
        );
    }

    #[test]
    fn flags_are_named_after_fields() {
        let field = Entity::Customers.field("owner_id").unwrap();
        assert_eq!(flag_name(field), "owner");
        assert_eq!(
            flag_name(Entity::Opportunities.field("expected_close").unwrap()),
            "expected-close"
        );
        let args = write_args(Entity::Tickets);
        assert!(
            args.iter().all(|a| a.get_id() != "number"),
            "server-filled fields get no flag"
        );
    }

    #[test]
    fn money_is_typed_in_major_units() {
        assert_eq!(parse_money("12,345.67"), Ok(1_234_567));
        assert_eq!(parse_money("¥5000"), Ok(500_000));
        assert_eq!(parse_money(".5"), Ok(50));
        assert!(parse_money("1.234").is_err());
        assert!(parse_money("-5").is_err());
        assert!(parse_money("abc").is_err());
        assert_eq!(format_money(1_234_567), "12,345.67");
        assert_eq!(format_money(5), "0.05");
        assert_eq!(format_money(100_000_000), "1,000,000.00");
    }

    #[test]
    fn values_are_parsed_by_kind_and_names_resolved() {
        let owner = Entity::Customers.field("owner_id").unwrap();
        assert_eq!(
            parse_value(owner, "li", &Names, &utc()),
            Ok(Value::String("user-li".into()))
        );
        assert!(parse_value(owner, "nobody", &Names, &utc()).is_err());
        let shared = Entity::Customers.field("shared_with").unwrap();
        assert_eq!(
            parse_value(shared, "li，zhang", &Names, &utc()),
            Ok(serde_json::json!(["user-li", "user-zhang"]))
        );
        let tags = Entity::Customers.field("tags").unwrap();
        assert_eq!(
            parse_value(tags, "vip, 华南,", &Names, &utc()),
            Ok(serde_json::json!(["vip", "华南"]))
        );
    }

    #[test]
    fn every_bad_flag_is_reported() {
        let cmd = clap::Command::new("t").args(write_args(Entity::Opportunities));
        let matches = cmd
            .try_get_matches_from(["t", "--amount", "x", "--owner", "nobody", "--name", "Deal"])
            .unwrap();
        let problems = collect(
            Entity::Opportunities,
            &matches,
            &Names,
            &utc(),
            &Catalog::default(),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
