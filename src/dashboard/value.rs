//! The customers' value and warnings as the server's analysis left them on each customer
//! (`crm_server::service::analysis`: `value_score`, `value_level`, `warnings`): the pyramid by
//! suggested level, the warnings standing, and the ranked list, for the signed-in user's scope
//! (the dashboard's `people`). Each a statement over the replica's indexes; nothing computed
//! here that the server decides.

use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::figures::Scope;
use crate::replica::{Replica, ReplicaError};

/// Customers per suggested level, highest score first; `level` empty for none suggested yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelCount {
    pub level: String,
    pub customers: i64,
    /// The lowest and highest score among them.
    pub min_score: i64,
    pub max_score: i64,
}

/// Customers with each warning standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarningCounts {
    pub no_contact: i64,
    pub no_business: i64,
    pub falling: i64,
}

/// One customer of the ranked list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub id: String,
    pub code: String,
    pub name: String,
    pub score: i64,
    pub level: Option<String>,
    pub lifecycle: Option<String>,
    pub warnings: Vec<String>,
    pub owner: Option<String>,
}

/// The scope's owners as a condition on the column `owner` (an admin's: everyone, a missing
/// owner too), with its parameters.
fn owners(
    db: &Connection,
    scope: &Scope,
    owner: &str,
) -> Result<(String, Vec<String>), ReplicaError> {
    use crm_server::access::Role;
    Ok(match scope.role {
        Role::Admin => ("1".into(), Vec::new()),
        Role::Manager => {
            let team: Option<String> = match &scope.team {
                Some(t) => Some(t.clone()),
                None => db
                    .query_row(
                        "SELECT team_id FROM users WHERE id = ?1",
                        [&scope.me],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten(),
            };
            (
                format!("{owner} IN (SELECT id FROM users WHERE team_id = ?1 OR id = ?2)"),
                vec![team.unwrap_or_default(), scope.me.clone()],
            )
        }
        _ => (format!("{owner} = ?1"), vec![scope.me.clone()]),
    })
}

/// The scope's customers as a statement's `FROM … WHERE` tail, with its parameters.
fn scoped(db: &Connection, scope: &Scope) -> Result<(String, Vec<String>), ReplicaError> {
    let (condition, args) = owners(db, scope, "c.owner_id")?;
    Ok((format!("customers c WHERE {condition}"), args))
}

/// The pyramid by suggested level.
pub fn levels(replica: &Replica, scope: &Scope) -> Result<Vec<LevelCount>, ReplicaError> {
    let db = replica.connection();
    let (sql, args) = if replica.has_value_summary()? {
        // The counts the replica keeps per owner and level (`replica::summaries`), and each
        // group's lowest and highest score from the (owner, level, score) index: the first
        // score (NULL when any is missing, which counts as 0), the first present one, the last.
        let (owners, args) = owners(db, scope, "s.owner_id")?;
        let probe = |order: &str, present: &str| {
            format!(
                "(SELECT c.value_score FROM customers c WHERE c.owner_id IS nullif(s.owner_id, '') \
                  AND c.value_level IS nullif(s.level, ''){present} ORDER BY c.value_score {order} LIMIT 1)"
            )
        };
        let sql = format!(
            "SELECT level, sum(n), min(min(coalesce(first, 0), coalesce(present, 0))), \
               max(CASE WHEN first IS NULL THEN max(coalesce(last, 0), 0) ELSE last END) \
             FROM (SELECT s.level AS level, s.customers AS n, {} AS first, {} AS present, {} AS last \
                   FROM customer_levels s WHERE s.customers > 0 AND {owners}) \
             GROUP BY 1 ORDER BY 4 DESC, 3 DESC, 1",
            probe("", ""),
            probe("", " AND c.value_score IS NOT NULL"),
            probe("DESC", ""),
        );
        (sql, args)
    } else {
        let (from, args) = scoped(db, scope)?;
        let sql = format!(
            "SELECT coalesce(c.value_level, ''), count(*), min(coalesce(c.value_score, 0)), \
             max(coalesce(c.value_score, 0)) \
             FROM {from} GROUP BY 1 ORDER BY 4 DESC, 3 DESC, 1"
        );
        (sql, args)
    };
    let mut stmt = db.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(LevelCount {
            level: r.get(0)?,
            customers: r.get(1)?,
            min_score: r.get(2)?,
            max_score: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many of the scope's customers have each warning.
pub fn warnings(replica: &Replica, scope: &Scope) -> Result<WarningCounts, ReplicaError> {
    use crm_server::rules::analysis::{FALLING, NO_BUSINESS, NO_CONTACT};
    let db = replica.connection();
    let (sql, args) = if replica.has_value_summary()? {
        // The counts the replica keeps per owner and warning (`replica::summaries`).
        let (owners, args) = owners(db, scope, "owner_id")?;
        let has =
            |code: &str| format!("sum(CASE WHEN warning = '{code}' THEN customers ELSE 0 END)");
        (
            format!(
                "SELECT coalesce({}, 0), coalesce({}, 0), coalesce({}, 0) FROM customer_warnings \
                 WHERE {owners}",
                has(NO_CONTACT),
                has(NO_BUSINESS),
                has(FALLING),
            ),
            args,
        )
    } else {
        let (from, args) = scoped(db, scope)?;
        let has = |code: &str| {
            format!(
                "sum(CASE WHEN EXISTS (SELECT 1 FROM json_each(c.warnings) w \
                 WHERE w.value = '{code}') THEN 1 ELSE 0 END)"
            )
        };
        (
            format!(
                "SELECT coalesce({}, 0), coalesce({}, 0), coalesce({}, 0) FROM {from} \
                 AND c.warnings <> '[]'",
                has(NO_CONTACT),
                has(NO_BUSINESS),
                has(FALLING),
            ),
            args,
        )
    };
    let mut stmt = db.prepare_cached(&sql)?;
    Ok(stmt.query_row(params_from_iter(args), |r| {
        Ok(WarningCounts {
            no_contact: r.get(0)?,
            no_business: r.get(1)?,
            falling: r.get(2)?,
        })
    })?)
}

/// The scope's customers by score, highest first (then by name's key), `limit` from `offset`;
/// with `warned` only those with a warning standing.
pub fn ranked(
    replica: &Replica,
    scope: &Scope,
    warned: bool,
    limit: usize,
) -> Result<Vec<Ranked>, ReplicaError> {
    let db = replica.connection();
    let (from, args) = scoped(db, scope)?;
    let only = if warned {
        " AND c.warnings <> '[]'"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.id, coalesce(c.code, ''), c.name, c.value_score, c.value_level, c.lifecycle, \
           c.warnings, (SELECT coalesce(u.display_name, u.username) FROM users u \
                        WHERE u.id = c.owner_id) \
         FROM {from}{only} ORDER BY c.value_score DESC, c.id LIMIT {limit}"
    );
    let mut stmt = db.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        let warnings: String = r.get(6)?;
        Ok(Ranked {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
            score: r.get(3)?,
            level: r.get(4)?,
            lifecycle: r.get(5)?,
            warnings: serde_json::from_str(&warnings).unwrap_or_default(),
            owner: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The reports `crm report` takes from here, and what each holds.
pub const VALUE_REPORTS: &[(&str, &str)] = &[
    (
        "value",
        "customers ranked by the value model's score: suggested level, lifecycle, warnings",
    ),
    (
        "levels",
        "the value pyramid: customers per suggested level and their scores",
    ),
    (
        "warnings",
        "customers with a warning standing (no contact, no business, falling orders), by score",
    ),
];

/// One of [`VALUE_REPORTS`] as a table (columns, rows); None for another name.
pub fn table(
    name: &str,
    replica: &Replica,
    scope: &Scope,
    limit: usize,
) -> Option<Result<super::report::Table, ReplicaError>> {
    use serde_json::{Map, Value, json};
    let obj = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let columns = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Some(match name {
        "value" | "warnings" => ranked(replica, scope, name == "warnings", limit).map(|rows| {
            let rows = rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    obj(json!({
                        "rank": i + 1,
                        "code": r.code,
                        "name": r.name,
                        "score": r.score,
                        "suggested_level": r.level,
                        "lifecycle": r.lifecycle,
                        "warnings": r.warnings.join(" "),
                        "owner": r.owner,
                    }))
                })
                .collect();
            (
                columns(&[
                    "rank",
                    "code",
                    "name",
                    "score",
                    "suggested_level",
                    "lifecycle",
                    "warnings",
                    "owner",
                ]),
                rows,
            )
        }),
        "levels" => levels(replica, scope).map(|rows| {
            let total: i64 = rows.iter().map(|r| r.customers).sum();
            let rows = rows
                .into_iter()
                .map(|r| {
                    let share = if total > 0 {
                        (r.customers as f64 * 10_000.0 / total as f64).round() / 100.0
                    } else {
                        0.0
                    };
                    obj(json!({
                        "suggested_level": r.level,
                        "customers": r.customers,
                        "share_pct": share,
                        "min_score": r.min_score,
                        "max_score": r.max_score,
                    }))
                })
                .collect();
            (
                columns(&[
                    "suggested_level",
                    "customers",
                    "share_pct",
                    "min_score",
                    "max_score",
                ]),
                rows,
            )
        }),
        _ => return None,
    })
}
