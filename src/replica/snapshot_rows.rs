//! Reading a snapshot page of rows (`crm_server::wire::SnapshotRows`, the compact form) into
//! prepared rows, in one pass over its text: each group's field names are read once, and each
//! row's values are lent to one reused `RawFields` by position, so a row costs no allocation
//! beyond its `PreparedRow`. Unlike a page of objects, whose unreadable records are left out, a
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
                    map.next_value_seed(RowsSeed {
                        entity,
                        fields,
                        rows: &mut *self.rows,
                    })?;
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

/// A group's rows, each read by position into one reused `RawFields`.
struct RowsSeed<'r, 'f> {
    entity: Entity,
    fields: &'f [String],
    rows: &'r mut Vec<PreparedRow>,
}

impl<'de: 'f, 'f> DeserializeSeed<'de> for RowsSeed<'_, 'f> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'f, 'f> Visitor<'de> for RowsSeed<'_, 'f> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut values = RawFields::with_capacity(self.fields.len());
        if let Some(n) = seq.size_hint() {
            self.rows.reserve(n);
        }
        while let Some(()) = seq.next_element_seed(RowSeed {
            fields: self.fields,
            values: &mut values,
        })? {
            let row = PreparedRow::from_fields(self.entity, &values).ok_or_else(|| {
                de::Error::custom(format!("a row of {} has no id", self.entity.name()))
            })?;
            self.rows.push(row);
        }
        Ok(())
    }
}

/// One row: exactly one value per field, lent to `values` by the field's name.
struct RowSeed<'v, 'f> {
    fields: &'f [String],
    values: &'v mut RawFields<'f>,
}

impl<'de: 'f, 'f> DeserializeSeed<'de> for RowSeed<'_, 'f> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'f, 'f> Visitor<'de> for RowSeed<'_, 'f> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a row of {} values", self.fields.len())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.values.clear();
        for name in self.fields {
            let Some(value) = seq.next_element::<&'de RawValue>()? else {
                return Err(de::Error::invalid_length(self.values.len(), &self));
            };
            self.values.push(name, value);
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format!(
                "a row holds more values than its {} fields",
                self.fields.len()
            )));
        }
        Ok(())
    }
}
