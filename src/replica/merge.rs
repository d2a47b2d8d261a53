//! The merge decision, pure: given what a local edit started from (`base`), what it set
//! (`mine`) and the server's record now (`theirs`), say what to send again and what conflicts.
//! Used when the server answers 412 to an update and when a pull brings a newer version of a
//! record that has unsent edits.

use serde_json::{Map, Value};

/// One field changed on both sides to different values.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    pub base: Value,
    pub mine: Value,
    pub theirs: Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merge {
    /// Fields changed only locally: send these again against the server's current version.
    pub resend: Map<String, Value>,
    /// Fields changed on both sides to different values: keep both, ask the user.
    pub conflicts: Vec<FieldConflict>,
    /// Fields the server already holds with the local value: nothing to do.
    pub settled: Vec<String>,
}

/// Decides field by field, for the fields of `mine` only (the server's other changes are simply
/// taken). A field missing from `base` or `theirs` reads as null.
pub fn merge(
    base: &Map<String, Value>,
    mine: &Map<String, Value>,
    theirs: &Map<String, Value>,
) -> Merge {
    let mut out = Merge::default();
    for (field, my_value) in mine {
        let their_value = theirs.get(field).unwrap_or(&Value::Null);
        let base_value = base.get(field).unwrap_or(&Value::Null);
        if their_value == my_value {
            out.settled.push(field.clone());
        } else if their_value == base_value {
            out.resend.insert(field.clone(), my_value.clone());
        } else {
            out.conflicts.push(FieldConflict {
                field: field.clone(),
                base: base_value.clone(),
                mine: my_value.clone(),
                theirs: their_value.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_three_cases() {
        let base = map(json!({"name": "Acme", "phone": "1", "level": "B"}));
        let mine = map(json!({"name": "Acme Ltd", "phone": "2", "level": "A"}));
        let theirs = map(
            json!({"name": "Acme", "phone": "3", "level": "A", "region": "北京", "version": 4}),
        );
        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.resend, map(json!({"name": "Acme Ltd"})));
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "phone".into(),
                base: json!("1"),
                mine: json!("2"),
                theirs: json!("3")
            }]
        );
        assert_eq!(m.settled, vec!["level".to_string()]);
    }

    #[test]
    fn missing_reads_as_null() {
        let m = merge(&Map::new(), &map(json!({"email": "a@b"})), &map(json!({})));
        assert_eq!(m.resend, map(json!({"email": "a@b"})));
        let m = merge(
            &Map::new(),
            &map(json!({"email": null})),
            &map(json!({"email": "x@y"})),
        );
        assert_eq!(m.conflicts.len(), 1);
    }

    /// A tiny deterministic generator (xorshift), enough for property-style checks without a
    /// dependency.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// A small pool of values so that equal values on different sides are common.
        fn value(&mut self) -> Value {
            match self.below(7) {
                0 => Value::Null,
                1 => json!(self.below(3)),
                2 => json!(self.below(2) == 0),
                3 => json!(["a", "b"][self.below(2) as usize]),
                4 => json!("华为"),
                5 => json!(["x"]),
                _ => json!({"k": self.below(2)}),
            }
        }
        fn fields(&mut self, names: &[&str]) -> Map<String, Value> {
            let mut m = Map::new();
            for name in names {
                if self.below(3) != 0 {
                    m.insert((*name).to_string(), self.value());
                }
            }
            m
        }
    }

    const NAMES: &[&str] = &[
        "name", "phone", "email", "level", "tags", "custom", "owner_id",
    ];

    #[test]
    fn properties_over_generated_maps() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mine = g.fields(NAMES);
            let mut base = Map::new();
            for k in mine.keys() {
                if g.below(4) != 0 {
                    base.insert(k.clone(), g.value());
                }
            }
            let theirs = g.fields(NAMES);
            let m = merge(&base, &mine, &theirs);

            // Every local field lands in exactly one outcome; nothing else appears.
            let conflicted: Vec<&String> = m.conflicts.iter().map(|c| &c.field).collect();
            for field in mine.keys() {
                let n = usize::from(m.resend.contains_key(field))
                    + usize::from(conflicted.contains(&field))
                    + usize::from(m.settled.contains(field));
                assert_eq!(n, 1, "{field} in {mine:?} / {theirs:?}");
            }
            assert_eq!(
                m.resend.len() + m.conflicts.len() + m.settled.len(),
                mine.len()
            );

            // Resent values are mine, and only where the server did not move.
            for (field, value) in &m.resend {
                assert_eq!(Some(value), mine.get(field));
                assert_eq!(
                    theirs.get(field).unwrap_or(&Value::Null),
                    base.get(field).unwrap_or(&Value::Null)
                );
            }
            // A conflict keeps both values, which differ, and the server did move.
            for c in &m.conflicts {
                assert_ne!(c.mine, c.theirs);
                assert_ne!(c.theirs, c.base);
                assert_eq!(Some(&c.mine), mine.get(&c.field));
            }
            // Applying the resend to theirs gives my value for every field not in conflict.
            let mut after = theirs.clone();
            after.extend(m.resend.clone());
            for (field, value) in &mine {
                if !conflicted.contains(&field) {
                    assert_eq!(after.get(field).unwrap_or(&Value::Null), value);
                }
            }
            // When the server did not move at all, nothing conflicts.
            let unmoved: Map<String, Value> = {
                let mut t = theirs.clone();
                for field in mine.keys() {
                    t.insert(
                        field.clone(),
                        base.get(field).cloned().unwrap_or(Value::Null),
                    );
                }
                t
            };
            assert!(merge(&base, &mine, &unmoved).conflicts.is_empty());
            // Merging again against the same server record after sending is a no-op.
            assert!(merge(&base, &m.resend, &after).resend.is_empty());
        }
    }
}
