//! Reading a snapshot page of rows (`crm_server::wire::SnapshotRows`, the compact form) into
//! prepared rows: each group's field names are read once, its rows' text is checked whole by the
//! JSON parser and then read in place by `Scan`, each row's values lent to one reused `RawFields`
//! by position, so a row costs no allocation beyond its `PreparedRow`. Unlike a page of objects, whose unreadable records are left out, a
//! page of rows that does not hold together (a row longer or shorter than its fields, a row
//! without an id, a group whose rows come before its fields) is refused whole: nothing of it is
//! written, and the sync stops with the reason.

use std::fmt;

use crm_server::schema::Entity;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::prepared_row::{PreparedRow, RawFields};

/// The prepared rows of a page of rows, in the order sent.
pub fn prepare_snapshot_rows(body: &[u8]) -> Result<Vec<PreparedRow>, serde_json::Error> {
    let mut rows = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    PageSeed { rows: &mut rows }.deserialize(&mut de)?;
    de.end()?;
    Ok(rows)
}

/// The page: its `groups` read into `rows`, its position skipped (the client has it already).
struct PageSeed<'r> {
    rows: &'r mut Vec<PreparedRow>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot page of rows")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut groups = false;
        while let Some(key) = map.next_key::<&str>()? {
            if key == "groups" {
                map.next_value_seed(GroupsSeed {
                    rows: &mut *self.rows,
                })?;
                groups = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !groups {
            return Err(de::Error::missing_field("groups"));
        }
        Ok(())
    }
}

struct GroupsSeed<'r> {
    rows: &'r mut Vec<PreparedRow>,
}

impl<'de> DeserializeSeed<'de> for GroupsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GroupsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of groups of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(()) = seq.next_element_seed(GroupSeed {
            rows: &mut *self.rows,
        })? {}
        Ok(())
    }
}

/// One entity's group: `entity`, then `fields`, then `rows` (the order the server writes them;
/// rows before their fields cannot be read by position, and are refused).
struct GroupSeed<'r> {
    rows: &'r mut Vec<PreparedRow>,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a group of rows with its entity and fields")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut entity: Option<Entity> = None;
        let mut fields: Option<Vec<String>> = None;
        let mut rows = false;
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "entity" => entity = Some(map.next_value()?),
                "fields" => fields = Some(map.next_value()?),
                "rows" => {
                    let (Some(entity), Some(fields)) = (entity, fields.as_deref()) else {
                        return Err(de::Error::custom(
                            "a group's rows come before its entity and fields",
                        ));
                    };
                    if !fields.iter().any(|f| f == "id") {
                        return Err(de::Error::custom(format!(
                            "the rows of {} have no id field",
                            entity.name()
                        )));
                    }
                    // Checked whole by the parser here, then read row by row in place.
                    let text: &RawValue = map.next_value()?;
                    read_rows(entity, fields, text.get(), self.rows).map_err(de::Error::custom)?;
                    rows = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !rows {
            return Err(de::Error::missing_field("rows"));
        }
        Ok(())
    }
}

/// A group's rows, read from their JSON text (checked whole by the parser) into one reused
/// `RawFields`: the parser's value-by-value path (a UTF-8 check and a dispatch per value, 25
/// values a row) was a fifth of a first sync's preparing.
fn read_rows<'t>(
    entity: Entity,
    fields: &'t [String],
    text: &'t str,
    rows: &mut Vec<PreparedRow>,
) -> Result<(), String> {
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut values = RawFields::with_capacity(fields.len());
    scan.expect(b'[')?;
    if scan.next_is(b']') {
        return Ok(());
    }
    loop {
        scan.expect(b'[')?;
        values.clear();
        if !scan.next_is(b']') {
            loop {
                let value = scan.value()?;
                let Some(name) = fields.get(values.len()) else {
                    return Err(format!(
                        "a row holds more values than its {} fields",
                        fields.len()
                    ));
                };
                values.push(name, value);
                if !scan.separator()? {
                    break;
                }
            }
        }
        if values.len() != fields.len() {
            return Err(format!(
                "invalid length {}, expected a row of {} values",
                values.len(),
                fields.len()
            ));
        }
        let row = PreparedRow::from_fields(entity, &values)
            .ok_or_else(|| format!("a row of {} has no id", entity.name()))?;
        rows.push(row);
        if !scan.separator()? {
            return Ok(());
        }
    }
}

/// A cursor over JSON text the parser has already read whole, so it is well formed: only its
/// shape (rows of values) is left to check.
struct Scan<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Scan<'t> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn unexpected(&self) -> String {
        format!("a page of rows has unexpected text at byte {}", self.at)
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.bytes.get(self.at) != Some(&byte) {
            return Err(self.unexpected());
        }
        self.at += 1;
        Ok(())
    }

    /// Steps over `byte` when it comes next.
    fn next_is(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// After a value: true past a comma (another follows), false past the closing bracket.
    fn separator(&mut self) -> Result<bool, String> {
        self.skip_space();
        let more = match self.bytes.get(self.at) {
            Some(b',') => true,
            Some(b']') => false,
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(more)
    }

    /// One whole JSON value's text.
    fn value(&mut self) -> Result<&'t str, String> {
        self.skip_space();
        let start = self.at;
        let end =
            match self.bytes.get(start) {
                Some(b'"') => self.string_end(start + 1),
                Some(b'[' | b'{') => {
                    let mut depth = 0usize;
                    let mut at = start;
                    loop {
                        match self.bytes.get(at) {
                            Some(b'"') => at = self.string_end(at + 1),
                            Some(b'[' | b'{') => {
                                depth += 1;
                                at += 1;
                            }
                            Some(b']' | b'}') => {
                                depth = depth.saturating_sub(1);
                                at += 1;
                                if depth == 0 {
                                    break at;
                                }
                            }
                            Some(_) => at += 1,
                            None => break at,
                        }
                    }
                }
                // A number, true, false or null: up to what ends it.
                _ => {
                    let mut at = start;
                    while self.bytes.get(at).is_some_and(|b| {
                        !matches!(b, b',' | b']' | b'}') && !b.is_ascii_whitespace()
                    }) {
                        at += 1;
                    }
                    at
                }
            };
        // Ends fall on ASCII punctuation, so on character boundaries.
        let value = self
            .text
            .get(start..end)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.unexpected())?;
        self.at = end;
        Ok(value)
    }

    /// Past the closing quote of a string whose text starts at `at`.
    fn string_end(&self, mut at: usize) -> usize {
        loop {
            let found = self
                .bytes
                .get(at..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest));
            match found {
                Some(i) if self.bytes.get(at + i) == Some(&b'"') => return at + i + 1,
                // A backslash: the character it escapes cannot end the string.
                Some(i) => at += i + 2,
                None => return self.bytes.len(),
            }
        }
    }
}
