//! Conditions as SQL, for the server's SQLite and PostgreSQL lists and the client's replica:
//! the same tests on the same columns, equality and ranges as plain comparisons so the list
//! indexes serve them as they serve the older `?field=value` filters.

use serde_json::Value;

use super::parse::Op;
use super::resolve::{Condition, Test};
use crate::schema::{Entity, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter to bind: its value and the kind of column it is compared with (for
/// PostgreSQL's typed parameters). Returns its placeholder (`?3`, `$3`).
pub type Bind<'a> = dyn FnMut(Value, Kind) -> String + 'a;

/// ` AND (…)` per condition. `prefix` qualifies columns (`c.`); `search` is the columns a
/// search word is looked for in (the descriptor's, or the replica's search text).
pub fn render(
    conditions: &[Condition],
    dialect: Dialect,
    prefix: &str,
    search: &[&str],
    bind: &mut Bind<'_>,
) -> String {
    let mut out = String::new();
    for c in conditions {
        let test = one(c, dialect, prefix, search, bind);
        if c.negated {
            // Records where the test is false or unknown (an empty field): `IS NOT TRUE`.
            out.push_str(&format!(" AND (({test}) IS NOT TRUE)"));
        } else {
            out.push_str(&format!(" AND ({test})"));
        }
    }
    out
}

/// A `LIKE` pattern matching `text` anywhere, its wildcards escaped (with `ESCAPE '\'`).
pub fn like_anywhere(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn one(
    c: &Condition,
    dialect: Dialect,
    prefix: &str,
    search: &[&str],
    bind: &mut Bind<'_>,
) -> String {
    let like = match dialect {
        Dialect::Sqlite => "LIKE",
        Dialect::Postgres => "ILIKE",
    };
    let text = Kind::Text(0);
    let custom = custom_key(&c.column);
    let col = match custom {
        Some(key) => custom_expression(key, c.kind, dialect, prefix),
        None => format!("{prefix}{}", c.column),
    };
    // A custom value is bound as text on PostgreSQL (its JSON is text there) and a number
    // compared as `numeric` on both sides; SQLite compares the JSON's own types.
    let numeric = custom.is_some()
        && dialect == Dialect::Postgres
        && matches!(c.kind, Kind::Int(..) | Kind::Money);
    let mut bind_value = |v: Value| -> String {
        match custom {
            None => bind(v, c.kind),
            Some(_) => {
                let mark = bind(v, text);
                if numeric {
                    format!("CAST({mark}::text AS numeric)")
                } else {
                    mark
                }
            }
        }
    };
    match &c.test {
        Test::AnyOf(values) => {
            let mut parts = Vec::new();
            let mut marks = Vec::new();
            for v in values {
                if v.is_null() {
                    parts.push(format!("{col} IS NULL"));
                } else {
                    marks.push(bind_value(v.clone()));
                }
            }
            match marks.len() {
                0 => {}
                1 => parts.push(format!("{col} = {}", marks[0])),
                _ => parts.push(format!("{col} IN ({})", marks.join(", "))),
            }
            if parts.is_empty() {
                "1 = 0".into()
            } else {
                parts.join(" OR ")
            }
        }
        Test::Compare(op, v) => {
            let symbol = match op {
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Is => "=",
            };
            format!("{col} {symbol} {}", bind_value(v.clone()))
        }
        Test::Range(lo, hi) => {
            let lo = bind_value(lo.clone());
            let hi = bind_value(hi.clone());
            format!("{col} >= {lo} AND {col} < {hi}")
        }
        Test::Prefix(prefixes) => prefixes
            .iter()
            .map(|p| {
                let mark = bind(Value::String(format!("{}%", escape_like(p))), text);
                format!("{col} {like} {mark} ESCAPE '\\'")
            })
            .collect::<Vec<_>>()
            .join(" OR "),
        Test::Holds(items) => {
            // Lists are stored as JSON text: an item is there when its JSON string is.
            let parts: Vec<String> = items
                .iter()
                .map(|item| {
                    let json = Value::String(item.clone()).to_string();
                    let mark = bind(Value::String(like_anywhere(&json)), text);
                    format!("{col} LIKE {mark} ESCAPE '\\'")
                })
                .collect();
            if parts.is_empty() {
                "1 = 0".into()
            } else {
                parts.join(" OR ")
            }
        }
        Test::Search(words) => {
            let mark = bind(Value::String(like_anywhere(words)), text);
            let cast = match dialect {
                Dialect::Sqlite => "",
                Dialect::Postgres => "::text",
            };
            let ors: Vec<String> = search
                .iter()
                .map(|s| format!("{prefix}{s}{cast} {like} {mark} ESCAPE '\\'"))
                .collect();
            if ors.is_empty() {
                "1 = 0".into()
            } else {
                ors.join(" OR ")
            }
        }
    }
}

/// The key of a custom field a condition's column names (`custom.budget`), if it does.
pub fn custom_key(column: &str) -> Option<&str> {
    column
        .strip_prefix(crate::query::CUSTOM_PREFIX)
        .filter(|k| !k.is_empty())
}

/// A custom field's value out of the record's `custom` map (JSON text on both backends).
///
/// The key goes into the SQL as a literal, not a parameter, so that an expression index on
/// the same text serves the condition (`CREATE INDEX … ON customers (json_extract(custom,
/// '$."budget"'))`); keys are letters, digits and `_` (`service::catalog` refuses others), and
/// quotes are doubled anyway so no key can leave the literal.
fn custom_expression(key: &str, kind: Kind, dialect: Dialect, prefix: &str) -> String {
    let key = key.replace('\'', "''");
    match dialect {
        Dialect::Sqlite => {
            let key = key.replace('"', "\"\"");
            format!("json_extract({prefix}custom, '$.\"{key}\"')")
        }
        Dialect::Postgres => {
            let map = format!("({prefix}custom::jsonb)");
            match kind {
                // Only a number compares as one: a value stored as something else is not
                // cast (which would fail the whole list), it matches nothing.
                Kind::Int(..) | Kind::Money => format!(
                    "(CASE WHEN jsonb_typeof({map} -> '{key}') = 'number' \
                     THEN ({map} ->> '{key}')::numeric END)"
                ),
                // A list of choices as its JSON text, which `Holds` looks for items in.
                Kind::Tags => format!("(({map} -> '{key}')::text)"),
                _ => format!("({map} ->> '{key}')"),
            }
        }
    }
}

/// The columns a search word is looked for in on the server: the descriptor's.
pub fn search_columns(entity: Entity) -> &'static [&'static str] {
    entity.descriptor().search
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Lookup, parse, resolve};
    use rusqlite::Connection;
    use rusqlite::types::Value as SqlValue;

    struct NoLinks;
    impl Lookup for NoLinks {
        type Error = std::convert::Infallible;
        fn ids(&self, _: Entity, _: &str) -> Result<Vec<String>, Self::Error> {
            Ok(vec![])
        }
        fn me(&self) -> Option<String> {
            None
        }
        fn custom_fields(
            &self,
            _: Entity,
        ) -> Result<Vec<crate::catalog::CustomField>, Self::Error> {
            Ok(crate::query::resolve::tests::custom_fields())
        }
    }

    /// The names of the rows of a small table that a query selects, in SQLite.
    fn select(q: &str) -> Vec<String> {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            r#"CREATE TABLE customers (name TEXT, level TEXT, region TEXT, tags TEXT, code TEXT,
                email TEXT, phone TEXT, updated_at TEXT, custom TEXT);
             INSERT INTO customers VALUES
              ('上海华为', 'A', '华东', '["vip","渠道"]', 'C1', NULL, NULL, '2026-12-01T00:00:00.000Z',
               '{"budget": 20000000, "visit_on": "2026-11-20", "staff": 12.5, "source": "Web",
                 "lines": ["steel", "glass"], "注册资金": 100000000}'),
              ('深圳腾讯', 'B', '华南', '[]', 'C2', NULL, NULL, '2026-10-01T00:00:00.000Z',
               '{"budget": 5000000, "visit_on": "2026-09-01", "staff": 3, "lines": []}'),
              ('北京百度', NULL, NULL, '["vip_x"]', 'C3', NULL, NULL, '2026-12-02T00:00:00.000Z',
               NULL);"#,
        )
        .unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let Ok(resolved) = resolve(Entity::Customers, &parse(q).unwrap(), now, &NoLinks);
        let resolved = resolved.unwrap();
        let mut args: Vec<SqlValue> = Vec::new();
        let sql = render(
            &resolved.all_conditions(),
            Dialect::Sqlite,
            "",
            search_columns(Entity::Customers),
            &mut |v, _| {
                args.push(crate::store::columns::to_sql(&v));
                format!("?{}", args.len())
            },
        );
        let sql = format!("SELECT name FROM customers WHERE 1{sql} ORDER BY name");
        let mut stmt = db.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn conditions_select_the_right_rows() {
        assert_eq!(select("level:A"), ["上海华为"]);
        assert_eq!(select("level:A,B"), ["上海华为", "深圳腾讯"]);
        // A negation keeps the records whose field is empty.
        assert_eq!(select("-level:A"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("level:none"), ["北京百度"]);
        assert_eq!(select("-level:none"), ["上海华为", "深圳腾讯"]);
        assert_eq!(select("region:华东"), ["上海华为"]);
        // A tag is a whole item, never part of another (`vip` is not `vip_x`).
        assert_eq!(select("tag:vip"), ["上海华为"]);
        assert_eq!(select("tag:渠道,vip_x"), ["上海华为", "北京百度"]);
        assert_eq!(select("-tag:vip"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("updated<7d"), ["上海华为", "北京百度"]);
        assert_eq!(select("updated>7d"), ["深圳腾讯"]);
        assert_eq!(select("updated:2026-12-02"), ["北京百度"]);
        assert_eq!(select("name:上海*"), ["上海华为"]);
        assert_eq!(select("华为"), ["上海华为"]);
        assert_eq!(select("-华为 -\"腾讯\""), ["北京百度"]);
        // Wildcards in a search word are literal.
        assert_eq!(select("%"), Vec::<String>::new());
    }

    #[test]
    fn custom_fields_select_the_right_rows() {
        assert_eq!(select("custom.budget>100000"), ["上海华为"]);
        assert_eq!(select("custom.budget<=50000"), ["深圳腾讯"]);
        // A negation keeps the records without the value, as on built-in fields.
        assert_eq!(select("-custom.budget>100000"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("custom.visit_on<30d"), ["上海华为"]);
        assert_eq!(select("custom.visit_on>30d"), ["深圳腾讯"]);
        assert_eq!(select("custom.staff>=12.5"), ["上海华为"]);
        assert_eq!(select("custom.staff:3"), ["深圳腾讯"]);
        assert_eq!(select("custom.source:web"), ["上海华为"]);
        assert_eq!(select("custom.source:none"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("custom.lines:glass"), ["上海华为"]);
        assert_eq!(select("custom.lines:none"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("-custom.lines:steel"), ["北京百度", "深圳腾讯"]);
        assert_eq!(select("custom.注册资金>=100万 level:A"), ["上海华为"]);
    }

    #[test]
    fn custom_keys_cannot_leave_their_literal() {
        let sql = custom_expression("a'b\"c", Kind::Text(0), Dialect::Sqlite, "c.");
        assert_eq!(sql, "json_extract(c.custom, '$.\"a''b\"\"c\"')");
        let sql = custom_expression("k'", Kind::Money, Dialect::Postgres, "");
        assert!(
            sql.contains("-> 'k'''") && sql.contains("::numeric"),
            "{sql}"
        );
    }
}
