//! Pure but for the look-ups it is handed: a query's terms checked against an entity's
//! descriptor and turned into conditions on its columns, every value in the form its column
//! stores (money in minor units, times as stored RFC 3339, enums as spelled in the schema).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use super::parse::{CUSTOM_PREFIX, Op, Term, TermKind, Word};
use super::{QueryError, closest};
use crate::catalog::{CustomField, CustomKind};
use crate::schema::{Entity, Field, Kind, ListName, SYSTEM_FIELDS};
use crate::validate::format_time;

/// Finds the records a word names, for link fields: the server looks as the asking user, the
/// replica in its own tables.
pub trait Lookup {
    type Error;
    /// The ids of the records of `target` that `text` names: a user by username or display
    /// name, a record with a number by its number, any record by its title; case-insensitive,
    /// whole text. Empty when none.
    fn ids(&self, target: Entity, text: &str) -> Result<Vec<String>, Self::Error>;
    /// The asking user's id (`owner:me`).
    fn me(&self) -> Option<String>;
    /// The codes of a list an admin edits, retired ones too (records may hold them); empty when
    /// not known, and then a code is compared as typed, in upper and in lower case.
    fn list_codes(&self, _list: ListName) -> Result<Vec<String>, Self::Error> {
        Ok(Vec::new())
    }
    /// The record ids in the static list of `entity` called `name` (case-insensitive) that
    /// the asking user may read (their own first, then one shared with them); None when there
    /// is no such list.
    fn list_members(
        &self,
        _entity: Entity,
        _name: &str,
    ) -> Result<Option<Vec<String>>, Self::Error> {
        Ok(None)
    }
    /// The query text of the saved query of `entity` called `name` that the asking user may
    /// read (their own first, then one shared with them); None when there is none.
    fn saved_query(&self, _entity: Entity, _name: &str) -> Result<Option<String>, Self::Error> {
        Ok(None)
    }
    /// The active custom fields of `entity` the asking user may read (`custom.<key>`); a
    /// field hidden from their role is unknown to their queries, as its values are.
    fn custom_fields(&self, _entity: Entity) -> Result<Vec<CustomField>, Self::Error> {
        Ok(Vec::new())
    }
}

/// `list:NAME` — the records of a static list; `saved:NAME` — a saved query's terms.
pub const LIST_WORD: &str = "list";
pub const SAVED_WORD: &str = "saved";

/// How deep saved queries may name saved queries (which also ends a query naming itself).
const SAVED_DEPTH: usize = 3;

/// What a condition asks of its column.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to any of these (null: empty).
    AnyOf(Vec<Value>),
    /// `column <op> value` (never `Op::Is`).
    Compare(Op, Value),
    /// At or after the first, before the second (a day of a time field).
    Range(Value, Value),
    /// Text starting with any of these.
    Prefix(Vec<String>),
    /// A list column (tags, ids, stored as JSON text) holding any of these.
    Holds(Vec<String>),
    /// The list's search (its descriptor's search fields) contains this text.
    Search(String),
}

/// One condition on a list: its column (a field or system field; empty for a search), its
/// test, and whether the records that fail it are wanted instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: String,
    pub kind: Kind,
    pub test: Test,
    pub negated: bool,
}

impl Condition {
    /// Matches no record (a query that does not read lists nothing rather than everything).
    pub fn nothing() -> Condition {
        Condition {
            column: "id".into(),
            kind: Kind::Text(0),
            test: Test::AnyOf(Vec::new()),
            negated: false,
        }
    }

    pub fn search(text: impl Into<String>, negated: bool) -> Condition {
        Condition {
            column: String::new(),
            kind: Kind::Text(0),
            test: Test::Search(text.into()),
            negated,
        }
    }
}

/// A query resolved: its conditions (negated words among them, as `Test::Search`) and the
/// words to search for (kept apart: the replica's customer search ranks and indexes them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    pub conditions: Vec<Condition>,
    pub search: Vec<String>,
}

impl Resolved {
    /// Every condition including the search words as `Test::Search`, for a list that has no
    /// search of its own (the server's).
    pub fn all_conditions(&self) -> Vec<Condition> {
        let mut all = self.conditions.clone();
        all.extend(
            self.search
                .iter()
                .map(|w| Condition::search(w.clone(), false)),
        );
        all
    }
}

/// The field of `entity` a query word names, with the column it is stored in: the field's own
/// name, a link without its `_id` (`owner`), `created`/`updated` for the system times, `tag`
/// for `tags`. Fields come from the descriptor, so whatever it lists can be queried.
pub fn field_named(entity: Entity, word: &str) -> Option<(String, Kind)> {
    let word = word.to_ascii_lowercase();
    let system = |name: &str| -> Option<(String, Kind)> {
        match name {
            "created_at" | "updated_at" => Some((name.to_string(), Kind::Time)),
            "created_by" | "updated_by" => Some((name.to_string(), Kind::Ref(Entity::Users))),
            "id" => Some(("id".to_string(), Kind::Ref(entity))),
            _ => None,
        }
    };
    let own = |name: &str| -> Option<(String, Kind)> {
        entity
            .field(name)
            .filter(|f| queryable(f))
            .map(|f| (f.name.to_string(), f.kind))
            .or_else(|| system(name))
    };
    own(&word)
        .or_else(|| own(&format!("{word}_id")))
        .or_else(|| own(&format!("{word}_at")))
        .or_else(|| own(&format!("{word}s")))
}

fn queryable(field: &Field) -> bool {
    !matches!(field.kind, Kind::Map)
}

/// Every name `field_named` takes for `entity`, for suggestions.
fn names(entity: Entity) -> Vec<String> {
    let mut out = Vec::new();
    for f in entity.fields().iter().filter(|f| queryable(f)) {
        out.push(f.name.to_string());
        if let Some(short) = f.name.strip_suffix("_id") {
            out.push(short.to_string());
        }
    }
    for s in SYSTEM_FIELDS {
        out.push((*s).to_string());
        if let Some(short) = s.strip_suffix("_at") {
            out.push(short.to_string());
        }
    }
    out
}

/// A term's field written as `custom.<key>`.
fn is_custom_word(word: &str) -> bool {
    word.get(..CUSTOM_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(CUSTOM_PREFIX))
}

/// The column a condition on a custom field names: `custom.<key>`, which the SQL renderer
/// reads out of the record's `custom` map (`sql::custom_key`).
pub fn custom_column(key: &str) -> String {
    format!("{CUSTOM_PREFIX}{key}")
}

/// The kind a custom field's values are compared as (and bound as on PostgreSQL): numbers
/// as `Int`, amounts as `Money`, choices as text, several choices as tags, links as ids.
fn custom_kind(kind: CustomKind) -> Kind {
    match kind {
        CustomKind::Text | CustomKind::Choice => Kind::Text(0),
        CustomKind::Number => Kind::Int(i64::MIN, i64::MAX),
        CustomKind::Money => Kind::Money,
        CustomKind::Date => Kind::Date,
        CustomKind::MultiChoice => Kind::Tags,
        CustomKind::User => Kind::Ref(Entity::Users),
        CustomKind::Link(target) => Kind::Ref(target),
    }
}

/// The custom field a term names: `custom.<key>` by key or label (case folded), or a bare
/// word that is no built-in field by key or label. Unknown: an error at the word naming the
/// nearest built-in field or the custom keys there are.
fn custom_field<'a>(
    entity: Entity,
    customs: &'a [CustomField],
    field: &Word,
) -> Result<&'a CustomField, QueryError> {
    let prefixed = is_custom_word(&field.text);
    let name = if prefixed {
        &field.text[CUSTOM_PREFIX.len()..]
    } else {
        field.text.as_str()
    };
    let folded = name.to_lowercase();
    let found = customs.iter().find(|c| c.key == name).or_else(|| {
        customs.iter().find(|c| {
            c.key.to_lowercase() == folded
                || c.label_zh.to_lowercase() == folded
                || c.label_en
                    .as_deref()
                    .is_some_and(|l| l.to_lowercase() == folded)
        })
    });
    if let Some(found) = found {
        return Ok(found);
    }
    let keys: Vec<String> = customs.iter().map(|c| custom_column(&c.key)).collect();
    let known = if keys.is_empty() {
        format!("{} has no custom fields you can see", entity.name())
    } else {
        format!("its custom fields are {}", keys.join(", "))
    };
    if prefixed {
        let e = QueryError::new(
            field.at,
            format!(
                "unknown custom field \"{name}\" of {} ({known})",
                entity.name()
            ),
        );
        return Err(
            match closest(name, customs.iter().map(|c| c.key.as_str())) {
                Some(near) => e.hint(format!("did you mean {}?", custom_column(near))),
                None => e,
            },
        );
    }
    let mut e = QueryError::new(
        field.at,
        format!("unknown field \"{}\" of {}", field.text, entity.name()),
    );
    let builtin = names(entity);
    if let Some(near) = closest(&field.text, builtin.iter().map(String::as_str)) {
        e = e.hint(format!("did you mean {near}?"));
    } else if let Some(near) = closest(&field.text, customs.iter().map(|c| c.key.as_str())) {
        e = e.hint(format!("did you mean {}?", custom_column(near)));
    }
    Err(e)
}

/// A custom field's test: amounts, dates, text, links and `none` as the built-in kinds take
/// them; numbers whole or not; choices checked against the definition's.
fn custom_test<L: Lookup>(
    entity: Entity,
    custom: &CustomField,
    op: Op,
    values: &[Word],
    now: DateTime<Utc>,
    lookup: &L,
) -> Result<Result<Test, QueryError>, L::Error> {
    let name = custom_column(&custom.key);
    let is_none = op == Op::Is && values.iter().any(is_none);
    match custom.kind {
        CustomKind::Number if !is_none => {
            let mut numbers = Vec::new();
            for w in values {
                let text = w.text.trim();
                match text.parse::<f64>().ok().filter(|n| n.is_finite()) {
                    Some(n) => numbers.push(number_value(n)),
                    None => {
                        return Ok(Err(QueryError::new(
                            w.at,
                            format!("{name} takes a number, not \"{text}\""),
                        )));
                    }
                }
            }
            Ok(Ok(if op == Op::Is {
                Test::AnyOf(numbers)
            } else {
                Test::Compare(op, numbers.remove(0))
            }))
        }
        CustomKind::Choice | CustomKind::MultiChoice if !is_none => {
            if op != Op::Is {
                return Ok(Err(QueryError::new(
                    values[0].at - op.symbol().chars().count(),
                    format!("{name} is a choice: compare it with \":\""),
                )));
            }
            let mut chosen = Vec::new();
            for w in values {
                let text = w.text.trim();
                let Some(c) = custom
                    .choices
                    .iter()
                    .find(|c| c.as_str() == text || c.to_lowercase() == text.to_lowercase())
                else {
                    let e = QueryError::new(
                        w.at,
                        format!(
                            "{name} is never \"{text}\" (one of {})",
                            custom.choices.join(", ")
                        ),
                    );
                    return Ok(Err(
                        match closest(text, custom.choices.iter().map(String::as_str)) {
                            Some(near) => e.hint(format!("did you mean {near}?")),
                            None => e,
                        },
                    ));
                };
                chosen.push(c.clone());
            }
            Ok(Ok(if custom.kind == CustomKind::MultiChoice {
                Test::Holds(chosen)
            } else {
                Test::AnyOf(chosen.into_iter().map(Value::String).collect())
            }))
        }
        kind => test_of(entity, custom_kind(kind), &name, op, values, now, lookup),
    }
}

/// A number as JSON: whole numbers as integers (so SQLite compares them as the stored ones).
fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

/// Resolves parsed terms for a list of `entity`, at `now` (relative dates).
pub fn resolve<L: Lookup>(
    entity: Entity,
    terms: &[Term],
    now: DateTime<Utc>,
    lookup: &L,
) -> Result<Result<Resolved, QueryError>, L::Error> {
    let mut out = Resolved::default();
    match resolve_into(entity, terms, now, lookup, 0, &mut out)? {
        Ok(()) => Ok(Ok(out)),
        Err(e) => Ok(Err(e)),
    }
}

/// A `list:` or `saved:` term into `out`; errors point at the term's words.
fn resolve_named<L: Lookup>(
    entity: Entity,
    term: &Term,
    (field, op, values): (&Word, Op, &[Word]),
    now: DateTime<Utc>,
    lookup: &L,
    depth: usize,
    out: &mut Resolved,
) -> Result<Result<(), QueryError>, L::Error> {
    let word = field.text.to_lowercase();
    if op != Op::Is {
        return Ok(Err(QueryError::new(
            field.at,
            format!("{word} takes a name: {word}:NAME"),
        )));
    }
    if word == LIST_WORD {
        let mut ids = Vec::new();
        for v in values {
            match lookup.list_members(entity, &v.text)? {
                Some(members) => ids.extend(members.into_iter().map(Value::String)),
                None => {
                    return Ok(Err(QueryError::new(
                        v.at,
                        format!(
                            "no list of {} called \"{}\" that you can see",
                            entity.name(),
                            v.text
                        ),
                    )));
                }
            }
        }
        out.conditions.push(Condition {
            column: "id".into(),
            kind: Kind::Ref(entity),
            test: Test::AnyOf(ids),
            negated: term.negated,
        });
        return Ok(Ok(()));
    }
    if term.negated || values.len() > 1 {
        return Ok(Err(QueryError::new(
            field.at,
            "saved: names one saved query, and cannot be left out with -",
        )));
    }
    let v = &values[0];
    if depth >= SAVED_DEPTH {
        return Ok(Err(QueryError::new(
            v.at,
            format!("saved queries name each other more than {SAVED_DEPTH} deep (or in a circle)"),
        )));
    }
    let Some(text) = lookup.saved_query(entity, &v.text)? else {
        return Ok(Err(QueryError::new(
            v.at,
            format!(
                "no saved query of {} called \"{}\" that you can see",
                entity.name(),
                v.text
            ),
        )));
    };
    // Its own errors point into its own text: said with its name, at this term.
    let inner = match super::parse(&text) {
        Ok(terms) => resolve_into(entity, &terms, now, lookup, depth + 1, out)?,
        Err(e) => Err(e),
    };
    Ok(inner.map_err(|e| {
        QueryError::new(
            v.at,
            format!("the saved query \"{}\" no longer reads: {e}", v.text),
        )
    }))
}

fn resolve_into<L: Lookup>(
    entity: Entity,
    terms: &[Term],
    now: DateTime<Utc>,
    lookup: &L,
    depth: usize,
    out: &mut Resolved,
) -> Result<Result<(), QueryError>, L::Error> {
    for term in terms {
        if let TermKind::Field { field, op, values } = &term.kind
            && [LIST_WORD, SAVED_WORD].contains(&field.text.to_lowercase().as_str())
        {
            match resolve_named(entity, term, (field, *op, values), now, lookup, depth, out)? {
                Ok(()) => continue,
                Err(e) => return Ok(Err(e)),
            }
        }
        match &term.kind {
            TermKind::Text(word) => {
                if term.negated {
                    out.conditions
                        .push(Condition::search(word.text.clone(), true));
                } else {
                    out.search.push(word.text.clone());
                }
            }
            TermKind::Field { field, op, values } => {
                let builtin = if is_custom_word(&field.text) {
                    None
                } else {
                    field_named(entity, &field.text)
                };
                let Some((column, kind)) = builtin else {
                    // A custom field: `custom.<key>`, or its key or label alone.
                    let customs = lookup.custom_fields(entity)?;
                    match custom_field(entity, &customs, field) {
                        Ok(custom) => {
                            let test = match custom_test(entity, custom, *op, values, now, lookup)?
                            {
                                Ok(t) => t,
                                Err(e) => return Ok(Err(e)),
                            };
                            out.conditions.push(Condition {
                                column: custom_column(&custom.key),
                                kind: custom_kind(custom.kind),
                                test,
                                negated: term.negated,
                            });
                            continue;
                        }
                        Err(e) => return Ok(Err(e)),
                    }
                };
                let test = match test_of(entity, kind, &field.text, *op, values, now, lookup)? {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e)),
                };
                out.conditions.push(Condition {
                    column,
                    kind,
                    test,
                    negated: term.negated,
                });
            }
        }
    }
    Ok(Ok(()))
}

fn is_none(w: &Word) -> bool {
    !w.quoted && (w.text.eq_ignore_ascii_case("none") || w.text == "无")
}

fn test_of<L: Lookup>(
    entity: Entity,
    kind: Kind,
    name: &str,
    op: Op,
    values: &[Word],
    now: DateTime<Utc>,
    lookup: &L,
) -> Result<Result<Test, QueryError>, L::Error> {
    let ordered = matches!(kind, Kind::Int(..) | Kind::Money | Kind::Date | Kind::Time);
    if op != Op::Is && !ordered {
        return Ok(Err(QueryError::new(
            values[0].at - op.symbol().chars().count(),
            format!("{name} is not a number, an amount or a date: compare it with \":\""),
        )));
    }
    if op == Op::Is && values.iter().any(is_none) {
        if values.len() > 1 {
            return Ok(Err(QueryError::new(
                values[0].at,
                "none stands alone: write -field:none for a field that is filled",
            )));
        }
        return Ok(Ok(match kind {
            // An empty list is stored as `[]`.
            Kind::Tags | Kind::Refs(_) => {
                Test::AnyOf(vec![Value::Null, Value::String("[]".into())])
            }
            _ => Test::AnyOf(vec![Value::Null]),
        }));
    }
    let one = |w: &Word| -> Result<Value, QueryError> { scalar(kind, name, w) };
    Ok(Ok(match kind {
        Kind::Date | Kind::Time => {
            let w = &values[0];
            if op == Op::Is && values.len() > 1 {
                let mut days = Vec::new();
                for w in values {
                    match when(kind, w, now) {
                        Ok(When::Day(d)) if kind == Kind::Date => {
                            days.push(Value::String(d.to_string()))
                        }
                        Ok(_) => {
                            return Ok(Err(QueryError::new(
                                w.at,
                                format!("a list of {name} values takes dates like 2026-12-01"),
                            )));
                        }
                        Err(e) => return Ok(Err(e)),
                    }
                }
                return Ok(Ok(Test::AnyOf(days)));
            }
            match when(kind, w, now) {
                Err(e) => return Ok(Err(e)),
                Ok(When::Day(day)) => {
                    let start = |d: NaiveDate| -> Value {
                        match kind {
                            Kind::Date => Value::String(d.to_string()),
                            _ => Value::String(format_time(
                                d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                            )),
                        }
                    };
                    let next = day.succ_opt().unwrap_or(day);
                    match (op, kind) {
                        (Op::Is, Kind::Date) => Test::AnyOf(vec![start(day)]),
                        (Op::Is, _) => Test::Range(start(day), start(next)),
                        (Op::Lt, _) => Test::Compare(Op::Lt, start(day)),
                        (Op::Ge, _) => Test::Compare(Op::Ge, start(day)),
                        // After the day: from the next one on.
                        (Op::Gt, Kind::Date) => Test::Compare(Op::Gt, start(day)),
                        (Op::Gt, _) => Test::Compare(Op::Ge, start(next)),
                        (Op::Le, Kind::Date) => Test::Compare(Op::Le, start(day)),
                        (Op::Le, _) => Test::Compare(Op::Lt, start(next)),
                    }
                }
                Ok(When::Ago(instant)) => {
                    let value = match kind {
                        Kind::Date => Value::String(instant.date_naive().to_string()),
                        _ => Value::String(format_time(instant)),
                    };
                    // An age: "< 30d" is more recent than 30 days ago.
                    let flipped = match op {
                        Op::Is | Op::Lt => Op::Gt,
                        Op::Le => Op::Ge,
                        Op::Gt => Op::Lt,
                        Op::Ge => Op::Le,
                    };
                    let flipped = if op == Op::Is { Op::Ge } else { flipped };
                    Test::Compare(flipped, value)
                }
            }
        }
        Kind::Int(..) | Kind::Money => {
            if op == Op::Is {
                let mut all = Vec::new();
                for w in values {
                    match one(w) {
                        Ok(v) => all.push(v),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                Test::AnyOf(all)
            } else {
                match one(&values[0]) {
                    Ok(v) => Test::Compare(op, v),
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
        Kind::Text(_) => {
            let prefixes: Vec<&Word> = values
                .iter()
                .filter(|w| !w.quoted && w.text.ends_with('*'))
                .collect();
            if prefixes.is_empty() {
                Test::AnyOf(
                    values
                        .iter()
                        .map(|w| Value::String(w.text.clone()))
                        .collect(),
                )
            } else if prefixes.len() == values.len() {
                Test::Prefix(
                    values
                        .iter()
                        .map(|w| w.text.trim_end_matches('*').to_string())
                        .collect(),
                )
            } else {
                return Ok(Err(QueryError::new(
                    prefixes[0].at,
                    "a prefix* cannot be mixed with whole values in one list",
                )));
            }
        }
        Kind::Tags => Test::Holds(values.iter().map(|w| w.text.clone()).collect()),
        // A code of a list the admin edits, as the list spells it (matched without case, as
        // the service matches a value written); unknown lists compare the code as typed.
        Kind::List(list) => {
            let codes = lookup.list_codes(list)?;
            let mut all: Vec<Value> = Vec::new();
            for w in values {
                let found: Vec<String> = if codes.is_empty() {
                    vec![w.text.clone(), w.text.to_uppercase(), w.text.to_lowercase()]
                } else {
                    match codes
                        .iter()
                        .find(|c| c.to_lowercase() == w.text.to_lowercase())
                    {
                        Some(c) => vec![c.clone()],
                        None => {
                            let e = QueryError::new(
                                w.at,
                                format!(
                                    "{name} is never \"{}\" (one of {})",
                                    w.text,
                                    codes.join(", ")
                                ),
                            );
                            return Ok(Err(
                                match closest(&w.text, codes.iter().map(String::as_str)) {
                                    Some(near) => e.hint(format!("did you mean {near}?")),
                                    None => e,
                                },
                            ));
                        }
                    }
                };
                for v in found {
                    let v = Value::String(v);
                    if !all.contains(&v) {
                        all.push(v);
                    }
                }
            }
            Test::AnyOf(all)
        }
        Kind::Ref(target) | Kind::Refs(target) => {
            let mut ids = Vec::new();
            for w in values {
                match reference(entity, target, name, w, lookup)? {
                    Ok(found) => ids.extend(found),
                    Err(e) => return Ok(Err(e)),
                }
            }
            match kind {
                Kind::Refs(_) => Test::Holds(ids),
                _ => Test::AnyOf(ids.into_iter().map(Value::String).collect()),
            }
        }
        Kind::Enum(_) | Kind::Bool => {
            let mut all = Vec::new();
            for w in values {
                match one(w) {
                    Ok(v) => all.push(v),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Test::AnyOf(all)
        }
        Kind::Map => {
            return Ok(Err(QueryError::new(
                values[0].at,
                format!("{name} cannot be queried"),
            )));
        }
    }))
}

/// One value of an enum, a flag, a number or an amount.
fn scalar(kind: Kind, name: &str, w: &Word) -> Result<Value, QueryError> {
    let text = w.text.trim();
    match kind {
        Kind::Enum(options) => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(text))
            .map(|o| Value::String((*o).to_string()))
            .ok_or_else(|| {
                let e = QueryError::new(
                    w.at,
                    format!("{name} is never \"{text}\" (one of {})", options.join(", ")),
                );
                match closest(text, options.iter().copied()) {
                    Some(near) => e.hint(format!("did you mean {near}?")),
                    None => e,
                }
            }),
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "是" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "0" | "否" => Ok(Value::Bool(false)),
            _ => Err(QueryError::new(w.at, format!("{name} is yes or no"))),
        },
        Kind::Int(..) => text.parse::<i64>().map(Value::from).map_err(|_| {
            QueryError::new(w.at, format!("{name} takes a whole number, not \"{text}\""))
        }),
        Kind::Money => money(text).map(Value::from).ok_or_else(|| {
            QueryError::new(
                w.at,
                format!(
                    "{name} takes an amount like 100000, 12345.67, 100k or 10万, not \"{text}\""
                ),
            )
        }),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// An amount in major units (yuan) as minor units: `100000`, `12,345.67`, `¥5000`, `100k`,
/// `1.5m`, `10万`.
fn money(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim_start_matches(['¥', '￥', '$'])
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    let (number, scale) = match cleaned.chars().last()? {
        'k' | 'K' => (&cleaned[..cleaned.len() - 1], 1_000),
        'm' | 'M' => (&cleaned[..cleaned.len() - 1], 1_000_000),
        '万' => (&cleaned[..cleaned.len() - '万'.len_utf8()], 10_000),
        _ => (cleaned.as_str(), 1),
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 8
    {
        return None;
    }
    // Minor units = (whole.frac) × scale × 100, exactly, in integers.
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let digits = frac.len() as u32;
    let frac: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let denominator = 10i128.pow(digits);
    let numerator = (whole * denominator + frac) * scale * 100;
    if numerator % denominator != 0 {
        return None;
    }
    i64::try_from(numerator / denominator).ok()
}

enum When {
    Day(NaiveDate),
    Ago(DateTime<Utc>),
}

/// A date (`2026-12-01`, `today`, `yesterday`) or an age (`30d`, `12h`, `2w`, `90m`).
fn when(kind: Kind, w: &Word, now: DateTime<Utc>) -> Result<When, QueryError> {
    let text = w.text.trim();
    match text.to_ascii_lowercase().as_str() {
        "today" | "今天" => return Ok(When::Day(now.date_naive())),
        "yesterday" | "昨天" => {
            return Ok(When::Day(
                now.date_naive().pred_opt().unwrap_or(now.date_naive()),
            ));
        }
        _ => {}
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(When::Day(d));
    }
    let bad = || {
        QueryError::new(
            w.at,
            format!(
                "\"{text}\" is not a date: write 2026-12-01, today, or an age like 30d, 12h, 2w"
            ),
        )
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let n: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad())?;
    if !(0..=100_000).contains(&n) {
        return Err(bad());
    }
    let ago = match unit {
        'd' | 'D' | '天' => Duration::days(n),
        'w' | 'W' | '周' => Duration::weeks(n),
        'h' | 'H' => Duration::hours(n),
        'm' if kind == Kind::Time => Duration::minutes(n),
        _ => return Err(bad()),
    };
    Ok(When::Ago(now - ago))
}

/// The ids a word names among `target`'s records: `me`, an id, or what `lookup` finds.
fn reference<L: Lookup>(
    entity: Entity,
    target: Entity,
    name: &str,
    w: &Word,
    lookup: &L,
) -> Result<Result<Vec<String>, QueryError>, L::Error> {
    let text = w.text.trim();
    if target == Entity::Users && !w.quoted && (text.eq_ignore_ascii_case("me") || text == "我") {
        return Ok(lookup
            .me()
            .map(|id| vec![id])
            .ok_or_else(|| QueryError::new(w.at, "\"me\" needs a signed-in user")));
    }
    if let Ok(id) = uuid::Uuid::parse_str(text) {
        return Ok(Ok(vec![id.hyphenated().to_string()]));
    }
    let found = lookup.ids(target, text)?;
    if found.is_empty() {
        let what = match target {
            Entity::Users => "user (username or name)",
            _ => target.noun(),
        };
        return Ok(Err(QueryError::new(
            w.at,
            format!("no {what} \"{text}\" for {name} of {}", entity.name()),
        )));
    }
    Ok(Ok(found))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::query::parse;
    use serde_json::json;

    struct Fixed;
    impl Lookup for Fixed {
        type Error = std::convert::Infallible;
        fn ids(&self, target: Entity, text: &str) -> Result<Vec<String>, Self::Error> {
            Ok(match (target, text.to_lowercase().as_str()) {
                (Entity::Users, "li" | "李雷") => vec!["u-li".into()],
                (Entity::Stages, "proposal") => vec!["s-prop".into()],
                (Entity::Stages, "negotiation") => vec!["s-neg".into()],
                _ => vec![],
            })
        }
        fn me(&self) -> Option<String> {
            Some("u-me".into())
        }
        fn list_codes(&self, list: ListName) -> Result<Vec<String>, Self::Error> {
            Ok(match list {
                ListName::Levels => vec!["A".into(), "B".into(), "C".into(), "D".into()],
                ListName::Lifecycle => vec!["potential".into(), "trading".into(), "lost".into()],
                ListName::Regions => vec!["华东".into(), "华南".into(), "none".into()],
                _ => vec![],
            })
        }
        fn custom_fields(&self, entity: Entity) -> Result<Vec<CustomField>, Self::Error> {
            Ok(custom_fields()
                .into_iter()
                .filter(|f| f.entity == entity)
                .collect())
        }
    }

    /// The custom fields the tests' customers have: an amount, a date, a number, a choice,
    /// several choices, a link to a user, and one labelled in Chinese.
    pub(crate) fn custom_fields() -> Vec<CustomField> {
        [
            json!({"key": "budget", "kind": "money", "label_zh": "预算"}),
            json!({"key": "visit_on", "kind": "date", "label_zh": "拜访日"}),
            json!({"key": "staff", "kind": "number", "label_zh": "员工数", "label_en": "Staff"}),
            json!({"key": "source", "kind": "choice", "choices": ["展会", "Web", "referral"]}),
            json!({"key": "lines", "kind": "multi_choice", "choices": ["steel", "glass"]}),
            json!({"key": "buyer", "kind": "user"}),
            json!({"key": "注册资金", "kind": "money"}),
            json!({"key": "note", "kind": "text"}),
        ]
        .into_iter()
        .map(|mut v| {
            v["entity"] = json!("customers");
            CustomField::from_record(v.as_object().unwrap()).unwrap()
        })
        .collect()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn run(entity: Entity, q: &str) -> Result<Resolved, QueryError> {
        let terms = parse(q)?;
        let Ok(r) = resolve(entity, &terms, now(), &Fixed);
        r
    }

    fn one(entity: Entity, q: &str) -> Condition {
        let r = run(entity, q).unwrap();
        assert_eq!(r.conditions.len(), 1, "{q}: {r:?}");
        r.conditions[0].clone()
    }

    #[test]
    fn the_issue_example_resolves() {
        let r = run(
            Entity::Customers,
            r#"level:A region:华东 owner:li updated<30d -lifecycle:lost "上海" tag:vip 深圳"#,
        )
        .unwrap();
        assert_eq!(r.search, ["上海", "深圳"]);
        let c = &r.conditions;
        assert_eq!(
            (c[0].column.as_str(), &c[0].test),
            ("level", &Test::AnyOf(vec![json!("A")]))
        );
        assert_eq!(c[1].test, Test::AnyOf(vec![json!("华东")]));
        assert_eq!(
            (c[2].column.as_str(), &c[2].test),
            ("owner_id", &Test::AnyOf(vec![json!("u-li")]))
        );
        assert_eq!(
            (c[3].column.as_str(), &c[3].test),
            (
                "updated_at",
                &Test::Compare(Op::Gt, json!("2026-11-03T12:00:00.000Z"))
            )
        );
        assert!(c[4].negated);
        assert_eq!(c[4].test, Test::AnyOf(vec![json!("lost")]));
        assert_eq!(
            (c[5].column.as_str(), &c[5].test),
            ("tags", &Test::Holds(vec!["vip".into()]))
        );
    }

    #[test]
    fn money_is_in_yuan() {
        let c = one(Entity::Opportunities, "amount>100000");
        assert_eq!(c.test, Test::Compare(Op::Gt, json!(10_000_000)));
        assert_eq!(
            one(Entity::Opportunities, "amount>=100k").test,
            Test::Compare(Op::Ge, json!(10_000_000))
        );
        assert_eq!(
            one(Entity::Opportunities, "amount<1.5m").test,
            Test::Compare(Op::Lt, json!(150_000_000))
        );
        assert_eq!(
            one(Entity::Opportunities, "amount<=10万").test,
            Test::Compare(Op::Le, json!(10_000_000))
        );
        assert_eq!(
            one(Entity::Opportunities, "amount:12.34,5").test,
            Test::AnyOf(vec![json!(1234), json!(500)])
        );
        let e = run(Entity::Opportunities, "amount>12.345").unwrap_err();
        assert_eq!(e.at, 8);
        let e = run(Entity::Opportunities, "amount>lots").unwrap_err();
        assert!(e.message.contains("takes an amount"), "{e}");
    }

    #[test]
    fn stages_and_owners_by_name() {
        let c = one(Entity::Opportunities, "stage:proposal,negotiation");
        assert_eq!(c.column, "stage_id");
        assert_eq!(c.test, Test::AnyOf(vec![json!("s-prop"), json!("s-neg")]));
        assert_eq!(
            one(Entity::Opportunities, "owner:李雷").test,
            Test::AnyOf(vec![json!("u-li")])
        );
        assert_eq!(
            one(Entity::Customers, "owner:me").test,
            Test::AnyOf(vec![json!("u-me")])
        );
        let e = run(Entity::Customers, "level:A owner:wang").unwrap_err();
        assert_eq!(e.at, 15);
        assert!(e.message.contains("no user"), "{e}");
    }

    #[test]
    fn dates_days_and_ages() {
        // A time field on a day: that day in UTC.
        let c = one(Entity::Customers, "created:2026-12-01");
        assert_eq!(
            c.test,
            Test::Range(
                json!("2026-12-01T00:00:00.000Z"),
                json!("2026-12-02T00:00:00.000Z")
            )
        );
        assert_eq!(
            one(Entity::Customers, "created>2026-12-01").test,
            Test::Compare(Op::Ge, json!("2026-12-02T00:00:00.000Z"))
        );
        assert_eq!(
            one(Entity::Customers, "created<=2026-12-01").test,
            Test::Compare(Op::Lt, json!("2026-12-02T00:00:00.000Z"))
        );
        assert_eq!(
            one(Entity::Customers, "updated>12h").test,
            Test::Compare(Op::Lt, json!("2026-12-03T00:00:00.000Z"))
        );
        assert_eq!(
            one(Entity::Customers, "updated:1w").test,
            Test::Compare(Op::Ge, json!("2026-11-26T12:00:00.000Z"))
        );
        // A date field compares dates.
        assert_eq!(
            one(Entity::Opportunities, "expected_close<2027-01-01").test,
            Test::Compare(Op::Lt, json!("2027-01-01"))
        );
        assert_eq!(
            one(
                Entity::Opportunities,
                "expected_close:2027-01-01,2027-02-01"
            )
            .test,
            Test::AnyOf(vec![json!("2027-01-01"), json!("2027-02-01")])
        );
        let e = run(Entity::Customers, "updated<30x").unwrap_err();
        assert_eq!(e.at, 9);
        assert!(e.message.contains("not a date"), "{e}");
    }

    #[test]
    fn unknown_fields_suggest_the_nearest() {
        let e = run(Entity::Customers, "levl:A").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field \"levl\" of customers at 1: did you mean level?"
        );
        let e = run(Entity::Customers, "level:A zzz:1").unwrap_err();
        assert_eq!((e.at, e.hint.clone()), (9, None));
    }

    #[test]
    fn enum_values_are_checked() {
        let e = run(Entity::Customers, "lifecycle:lsot").unwrap_err();
        assert_eq!(e.at, 11);
        assert_eq!(e.hint.as_deref(), Some("did you mean lost?"));
        assert_eq!(
            one(Entity::Customers, "level:a,b").test,
            Test::AnyOf(vec![json!("A"), json!("B")])
        );
    }

    #[test]
    fn comparisons_only_on_ordered_fields() {
        let e = run(Entity::Customers, "level>A").unwrap_err();
        assert_eq!(e.at, 6);
        assert!(e.message.contains("compare it with"), "{e}");
    }

    #[test]
    fn none_prefix_tags_and_negated_words() {
        assert_eq!(
            one(Entity::Customers, "region:none").test,
            Test::AnyOf(vec![Value::Null])
        );
        assert_eq!(
            one(Entity::Customers, "region:\"none\"").test,
            Test::AnyOf(vec![json!("none")])
        );
        assert_eq!(
            one(Entity::Customers, "name:华为*").test,
            Test::Prefix(vec!["华为".into()])
        );
        let c = one(Entity::Customers, "-\"有限公司\"");
        assert_eq!((c.negated, c.test), (true, Test::Search("有限公司".into())));
        let c = one(Entity::Customers, "-tag:vip,渠道");
        assert_eq!(
            (c.negated, c.test),
            (true, Test::Holds(vec!["vip".into(), "渠道".into()]))
        );
        assert_eq!(
            one(Entity::Contacts, "is_primary:yes").test,
            Test::AnyOf(vec![json!(true)])
        );
    }

    #[test]
    fn custom_fields_compare_by_their_kind() {
        let c = one(Entity::Customers, "custom.budget>100000");
        assert_eq!(
            (c.column.as_str(), c.kind, &c.test),
            (
                "custom.budget",
                Kind::Money,
                &Test::Compare(Op::Gt, json!(10_000_000))
            )
        );
        // A date field's age: visited less than 30 days ago.
        assert_eq!(
            one(Entity::Customers, "custom.visit_on<30d").test,
            Test::Compare(Op::Gt, json!("2026-11-03"))
        );
        assert_eq!(
            one(Entity::Customers, "custom.visit_on:2026-12-01").test,
            Test::AnyOf(vec![json!("2026-12-01")])
        );
        // Numbers whole or not; by key, label, or the bare key.
        assert_eq!(
            one(Entity::Customers, "custom.staff>=12.5").test,
            Test::Compare(Op::Ge, json!(12.5))
        );
        assert_eq!(
            one(Entity::Customers, "staff:10,20").test,
            Test::AnyOf(vec![json!(10), json!(20)])
        );
        assert_eq!(
            one(Entity::Customers, "custom.员工数<5").column,
            "custom.staff"
        );
        assert_eq!(
            one(Entity::Customers, "custom.预算>1万").column,
            "custom.budget"
        );
        assert_eq!(
            one(Entity::Customers, "custom.注册资金>=100万").test,
            Test::Compare(Op::Ge, json!(100_000_000))
        );
        // Choices as the definition spells them; several choices by item; negated; empty.
        assert_eq!(
            one(Entity::Customers, "custom.source:web,展会").test,
            Test::AnyOf(vec![json!("Web"), json!("展会")])
        );
        let c = one(Entity::Customers, "-custom.lines:steel");
        assert_eq!(
            (c.negated, c.test),
            (true, Test::Holds(vec!["steel".into()]))
        );
        assert_eq!(
            one(Entity::Customers, "custom.lines:none").test,
            Test::AnyOf(vec![Value::Null, json!("[]")])
        );
        assert_eq!(
            one(Entity::Customers, "custom.buyer:me").test,
            Test::AnyOf(vec![json!("u-me")])
        );
        assert_eq!(
            one(Entity::Customers, "custom.note:深圳*").test,
            Test::Prefix(vec!["深圳".into()])
        );
    }

    #[test]
    fn custom_field_errors_point_at_the_word() {
        let e = run(Entity::Customers, "level:A custom.budgte>5").unwrap_err();
        assert_eq!(e.at, 9);
        assert!(e.message.starts_with("unknown custom field \"budgte\" of customers (its custom fields are custom.budget, custom.visit_on"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean custom.budget?"));
        let e = run(Entity::Customers, "custom.source:fair").unwrap_err();
        assert_eq!(e.at, 15);
        assert!(e.message.contains("one of 展会, Web, referral"), "{e}");
        let e = run(Entity::Customers, "custom.source>Web").unwrap_err();
        assert_eq!(e.at, 14);
        let e = run(Entity::Customers, "custom.staff>many").unwrap_err();
        assert_eq!((e.at, e.message.contains("takes a number")), (14, true));
        let e = run(Entity::Customers, "custom.budget>lots").unwrap_err();
        assert!(e.message.contains("takes an amount"), "{e}");
        let e = run(Entity::Customers, "custom.visit_on<soon").unwrap_err();
        assert!(e.message.contains("not a date"), "{e}");
        // An entity with none says so; a bare typo of a custom key suggests it.
        let e = run(Entity::Stages, "custom.x:1").unwrap_err();
        assert!(e.message.contains("stages has no custom fields"), "{e}");
        let e = run(Entity::Customers, "budgt>1").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean custom.budget?"));
    }
}
