//! The rows a first sync prepares from snapshot records: columns and search text in one buffer.

use std::borrow::Cow;

use crm_server::schema::Entity;
use crm_server::store::columns;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::rows::{RowWrite, parse_map, text_of, to_sql, version_of};
use super::schema;
use super::search::{push_digits_text, push_search_text};

/// What a row is made of that follows from its record alone: its columns and the search text.
/// Made apart from the write so a first sync can prepare a page while the page before it is
/// written. Its text lies in one buffer: a first sync prepares millions of rows, and a string
/// per field made allocation a fifth of the preparing.
#[derive(Debug, Clone)]
pub struct PreparedRow {
    pub entity: Entity,
    /// The server version of the record.
    pub version: i64,
    /// The row's texts one after another: its id, its columns' text, its search text.
    buf: String,
    id: Span,
    /// `created_at`, `updated_at`, `created_by`, `updated_by`, then the table's columns.
    cells: Vec<Cell>,
    /// The sort key of an entity sorted by a key (`schema::SORT_KEY`).
    sort: Option<Span>,
    /// The search text and phone digits of an indexed entity's row.
    search: Option<(Span, Span)>,
}

/// Where a text lies in a prepared row's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span(u32, u32);

impl Span {
    /// The text of `buf` from `start` to its end.
    fn since(buf: &str, start: usize) -> Span {
        // A record is far below 4 GB: the server refuses bodies of more than a few MB.
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span(at(start), at(buf.len()))
    }
}

/// One column's value in a prepared row, as `columns::to_sql` stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(Span),
}

/// System fields stored in `PreparedRow::cells` before the table's columns.
const LEADING: [&str; 4] = ["created_at", "updated_at", "created_by", "updated_by"];

/// The fields of a prepared row's cells, in order.
fn cell_fields(entity: Entity) -> impl Iterator<Item = &'static str> {
    let columns = &schema::table(entity).columns;
    LEADING.into_iter().chain(columns.iter().map(|c| c.name))
}

impl PreparedRow {
    fn start(entity: Entity, capacity: usize) -> PreparedRow {
        PreparedRow {
            entity,
            version: 0,
            buf: String::with_capacity(capacity),
            id: Span(0, 0),
            cells: Vec::with_capacity(schema::table(entity).columns.len() + LEADING.len()),
            sort: None,
            search: None,
        }
    }

    fn push(&mut self, text: &str) -> Span {
        let start = self.buf.len();
        self.buf.push_str(text);
        Span::since(&self.buf, start)
    }

    fn text(&self, Span(start, end): Span) -> &str {
        self.buf
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// A row from a record as the server sent it (None when it is not an object with an id).
    pub fn from_raw(entity: Entity, raw: &RawValue) -> Option<PreparedRow> {
        let Some(fields) = RawFields::parse(raw.get()) else {
            // Keys with escapes, say: read it the slow way.
            let record = parse_map(raw.get())?;
            let id = text_of(&record, "id")?.to_string();
            return Some(PreparedRow::new(entity, id, &record));
        };
        PreparedRow::from_fields(entity, &fields)
    }

    /// A row from a record's fields as read in place (None without an id).
    pub(super) fn from_fields(entity: Entity, fields: &RawFields<'_>) -> Option<PreparedRow> {
        // The row's text is about the record's text: its values, and search text about the
        // size of the keys.
        let size = fields
            .fields
            .iter()
            .map(|(key, value)| key.len() + value.len())
            .sum();
        let mut row = PreparedRow::start(entity, size);
        row.id = row.push(&fields.text("id")?);
        for name in cell_fields(entity) {
            let cell = fields.cell(name, &mut row.buf);
            row.cells.push(cell);
        }
        row.version = match fields.cell("version", &mut row.buf) {
            Cell::Integer(v) => v,
            _ => 0,
        };
        row.sort = sort_column_of(entity, &mut row.buf, |f| fields.text(f));
        row.search = search_columns_of(entity, &mut row.buf, |f| fields.text(f));
        Some(row)
    }

    pub fn new(entity: Entity, id: String, view: &Map<String, Value>) -> PreparedRow {
        let mut row = PreparedRow::start(entity, 256);
        row.id = row.push(&id);
        row.version = version_of(view);
        for name in cell_fields(entity) {
            let cell = match view.get(name) {
                // Copied straight into the buffer, not through a string of its own.
                Some(Value::String(text)) => Cell::Text(row.push(text)),
                other => match to_sql(other) {
                    SqlValue::Null | SqlValue::Blob(_) => Cell::Null,
                    SqlValue::Integer(i) => Cell::Integer(i),
                    SqlValue::Real(f) => Cell::Real(f),
                    SqlValue::Text(t) => Cell::Text(row.push(&t)),
                },
            };
            row.cells.push(cell);
        }
        let text = |f: &str| text_of(view, f).map(Cow::Borrowed);
        row.sort = sort_column_of(entity, &mut row.buf, text);
        row.search = search_columns_of(entity, &mut row.buf, text);
        row
    }

    pub fn id(&self) -> &str {
        self.text(self.id)
    }

    /// The row's columns, as `write_row` binds them.
    fn values(&self) -> impl Iterator<Item = ValueRef<'_>> {
        self.cells.iter().map(|cell| match *cell {
            Cell::Null => ValueRef::Null,
            Cell::Integer(i) => ValueRef::Integer(i),
            Cell::Real(f) => ValueRef::Real(f),
            Cell::Text(span) => ValueRef::Text(self.text(span).as_bytes()),
        })
    }

    /// The parameters of `schema::Table::insert` for this row, as they lie in it.
    pub(super) fn parameters<'r>(
        &'r self,
        how: RowWrite<'r>,
    ) -> impl Iterator<Item = ToSqlOutput<'r>> {
        let conflicted = how.local.is_some_and(|l| l.conflicted);
        let server_json = how.local.and_then(|l| l.server);
        let head = [
            ValueRef::Text(self.id().as_bytes()),
            ValueRef::Integer(how.version),
            ValueRef::Integer(i64::from(how.local.is_some())),
            ValueRef::Integer(i64::from(conflicted)),
        ];
        let search = self.search_text().into_iter().flat_map(|(search, digits)| {
            [
                ValueRef::Text(search.as_bytes()),
                ValueRef::Text(digits.as_bytes()),
            ]
        });
        let server = server_json.map_or(ValueRef::Null, |json| ValueRef::Text(json.as_bytes()));
        let sort = self
            .sort
            .map(|key| ValueRef::Text(self.text(key).as_bytes()));
        head.into_iter()
            .chain(self.values())
            .chain(sort)
            .chain(search)
            .chain([server])
            .map(ToSqlOutput::Borrowed)
    }

    /// The row's columns as values of their own (`created_at`, `updated_at`, `created_by`,
    /// `updated_by`, then the table's columns).
    pub fn columns(&self) -> Vec<SqlValue> {
        self.values().map(SqlValue::from).collect()
    }

    /// The search text and phone digits of an indexed entity's row.
    pub fn search_text(&self) -> Option<(&str, &str)> {
        self.search
            .map(|(search, digits)| (self.text(search), self.text(digits)))
    }

    /// The record the row was made from, with every field of its entity present.
    pub fn record(&self) -> Map<String, Value> {
        let mut record = Map::new();
        record.insert("id".into(), Value::String(self.id().to_string()));
        record.insert("version".into(), Value::from(self.version));
        let table = schema::table(self.entity);
        let kinds = LEADING
            .iter()
            .map(|name| (*name, crm_server::schema::Kind::Time))
            .chain(table.columns.iter().map(|c| (c.name, c.kind)));
        for ((name, kind), value) in kinds.zip(self.columns()) {
            record.insert(name.into(), columns::from_sql(kind, value));
        }
        record
    }
}
/// The sort key of a record of an entity sorted by one (`schema::sorts_by_key`), appended to
/// `buf`: `crm_server::pinyin::sort_key` of its name.
fn sort_column_of<'r>(
    entity: Entity,
    buf: &mut String,
    text_of: impl Fn(&str) -> Option<Cow<'r, str>>,
) -> Option<Span> {
    if !schema::sorts_by_key(entity) {
        return None;
    }
    let start = buf.len();
    if let Some(name) = text_of("name") {
        crm_server::pinyin::push_sort_key(&name, buf);
    }
    Some(Span::since(buf, start))
}

/// The search text and phone digits of an indexed record, appended to `buf`: a customer's
/// name, code and email and its phone; a contact's name and its phone and mobile. `text_of`
/// reads a record's text fields.
fn search_columns_of<'r>(
    entity: Entity,
    buf: &mut String,
    text_of: impl Fn(&str) -> Option<Cow<'r, str>>,
) -> Option<(Span, Span)> {
    let (text, phones): (&[&str], &[&str]) = match entity {
        Entity::Customers => (&["name", "code", "email"], &["phone"]),
        Entity::Contacts => (&["name"], &["phone", "mobile"]),
        _ => return None,
    };
    let text: Vec<Cow<'r, str>> = text.iter().filter_map(|f| text_of(f)).collect();
    let phones: Vec<Cow<'r, str>> = phones.iter().filter_map(|f| text_of(f)).collect();
    let start = buf.len();
    push_search_text(text.iter().map(|t| t.as_ref()), buf);
    let search = Span::since(buf, start);
    let start = buf.len();
    push_digits_text(phones.iter().map(|t| t.as_ref()), buf);
    Some((search, Span::since(buf, start)))
}

/// A record's fields read in place from the JSON text the server sent, each value left as its
/// JSON text until a column needs it: a first sync builds no `Map` per record. The fields are
/// kept in the order sent, which is the order columns ask for them in, so each look-up starts
/// where the last one ended.
pub(super) struct RawFields<'a> {
    /// Each field's name and its value's JSON text.
    fields: Vec<(&'a str, &'a str)>,
    next: std::cell::Cell<usize>,
    /// Where each look-up since `clear` found its field, in the order asked, by the name asked
    /// for (its address and length: the names asked are the program's own constants). The rows
    /// of a page of rows hold one group's fields in one order and a row is read by the same
    /// look-ups in the same order, so from the second row on a look-up checks one name at the
    /// place found before instead of comparing its way there.
    found: std::cell::RefCell<Vec<(usize, usize, Option<usize>)>>,
    asked: std::cell::Cell<usize>,
}

impl<'a> From<Fields<'a>> for RawFields<'a> {
    fn from(Fields(fields): Fields<'a>) -> RawFields<'a> {
        RawFields {
            fields: fields.into_iter().map(|(k, v)| (k, v.get())).collect(),
            next: std::cell::Cell::new(0),
            found: std::cell::RefCell::default(),
            asked: std::cell::Cell::new(0),
        }
    }
}

/// The fields of a JSON object, in order, borrowed from its text.
pub(super) struct Fields<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Fields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

impl<'a> RawFields<'a> {
    /// No fields yet, with room for `count`: filled by `push`, emptied by `clear` and filled
    /// again, so a page of rows read by position reuses one.
    pub(super) fn with_capacity(count: usize) -> RawFields<'a> {
        RawFields {
            fields: Vec::with_capacity(count),
            next: std::cell::Cell::new(0),
            found: std::cell::RefCell::default(),
            asked: std::cell::Cell::new(0),
        }
    }

    /// A field and its value's JSON text (one whole JSON value, as the page holds it).
    pub(super) fn push(&mut self, name: &'a str, value: &'a str) {
        self.fields.push((name, value));
    }

    pub(super) fn len(&self) -> usize {
        self.fields.len()
    }

    /// Empties it for the next row of the same group: the places found stay (see `found`).
    pub(super) fn clear(&mut self) {
        self.fields.clear();
        self.next.set(0);
        self.asked.set(0);
    }

    fn parse(text: &'a str) -> Option<RawFields<'a>> {
        serde_json::from_str::<Fields<'a>>(text)
            .ok()
            .map(RawFields::from)
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        let asked = self.asked.get();
        self.asked.set(asked + 1);
        let key = (name.as_ptr() as usize, name.len());
        let known = self.found.borrow().get(asked).copied();
        let at = match known {
            // The same name asked at the same turn as in the row before: the same place, when
            // it still holds that name (a row of the same group always does).
            Some((ptr, len, at)) if (ptr, len) == key && self.holds(at, name) => at,
            _ => {
                let count = self.fields.len();
                let start = self.next.get();
                let at = (0..count)
                    .map(|i| (start + i) % count)
                    .find(|&i| self.fields[i].0 == name);
                let mut found = self.found.borrow_mut();
                if asked < found.len() {
                    found[asked] = (key.0, key.1, at);
                } else if asked == found.len() {
                    found.push((key.0, key.1, at));
                }
                at
            }
        };
        at.map(|i| {
            self.next.set(i + 1);
            self.fields[i].1
        })
    }

    /// `name` lies at `at` (a field found nowhere is looked for again).
    fn holds(&self, at: Option<usize>, name: &str) -> bool {
        at.and_then(|i| self.fields.get(i))
            .is_some_and(|(field, _)| *field == name)
    }

    /// A field as `columns::to_sql` stores it, its text appended to `buf`.
    fn cell(&self, name: &str, buf: &mut String) -> Cell {
        let Some(text) = self.get(name) else {
            return Cell::Null;
        };
        let start = buf.len();
        match text.as_bytes().first() {
            Some(b'"') => match unescaped(text) {
                Some(plain) => buf.push_str(plain),
                None => match serde_json::from_str::<String>(text) {
                    Ok(s) => buf.push_str(&s),
                    Err(_) => return Cell::Null,
                },
            },
            Some(b't') => return Cell::Integer(1),
            Some(b'f') => return Cell::Integer(0),
            Some(b'[' | b'{') => buf.push_str(text),
            Some(b'n') | None => return Cell::Null,
            Some(_) => {
                return match text.parse::<i64>() {
                    Ok(i) => Cell::Integer(i),
                    Err(_) => match to_sql(serde_json::from_str::<Value>(text).ok().as_ref()) {
                        SqlValue::Integer(i) => Cell::Integer(i),
                        SqlValue::Real(f) => Cell::Real(f),
                        _ => Cell::Null,
                    },
                };
            }
        }
        Cell::Text(Span::since(buf, start))
    }

    /// A text field, borrowed when it holds no escapes.
    fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        let text = self.get(name)?;
        if !text.starts_with('"') {
            return None;
        }
        match unescaped(text) {
            Some(plain) => Some(Cow::Borrowed(plain)),
            None => serde_json::from_str::<String>(text).map(Cow::Owned).ok(),
        }
    }
}

/// The text of a JSON string as written, when it holds no escapes (the parser has checked it
/// is a string: no quote or control character inside).
fn unescaped(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}
