//! Reads beyond a list's equality filters, for the screens' aggregates: the funnel's sums per
//! stage and a stage's window within a close month, and activities within a time range. Each is
//! one SQL statement over the list indexes, never the matching records read and summed in Rust
//! (at a million customers that read 50,000 records per stage and took seconds).

use chrono::{Datelike, NaiveDate};
use crm_server::schema::Entity;
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, params_from_iter};

use super::{Record, Replica, ReplicaError, schema};

/// Which opportunities a funnel read covers: the stage and owner by equality, the expected close
/// within a month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealScope {
    pub owner_id: Option<String>,
    /// (year, month).
    pub close_month: Option<(i32, u32)>,
}

/// One stage's opportunities in a scope: how many, their amounts and weighted amounts (minor
/// units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageSums {
    pub stage_id: String,
    pub count: usize,
    pub total: i64,
    /// Σ amount × probability / 100, each deal rounded toward zero as `tui::data::weighted`
    /// does; the stage's probability stands in where the deal has none.
    pub weighted: i64,
}

/// The first day of the month and of the next, as stored dates compare (`YYYY-MM-DD`).
fn month_bounds((y, m): (i32, u32)) -> Option<(String, String)> {
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), m + 1, 1)?
    };
    Some((
        first.format("%Y-%m-%d").to_string(),
        next.format("%Y-%m-%d").to_string(),
    ))
}

impl DealScope {
    /// ` AND …` conditions on `c`, their arguments appended to `args`.
    fn conditions(&self, sql: &mut String, args: &mut Vec<SqlValue>) {
        if let Some(owner) = &self.owner_id {
            args.push(SqlValue::Text(owner.clone()));
            sql.push_str(&format!(" AND c.owner_id = ?{}", args.len()));
        }
        if let Some(month) = self.close_month {
            match month_bounds(month) {
                Some((from, to)) => {
                    args.push(SqlValue::Text(from));
                    args.push(SqlValue::Text(to));
                    sql.push_str(&format!(
                        " AND c.expected_close >= ?{} AND c.expected_close < ?{}",
                        args.len() - 1,
                        args.len()
                    ));
                }
                // No such month: nothing closes in it.
                None => sql.push_str(" AND 0"),
            }
        }
    }
}

impl Replica {
    /// Per stage that has any, the opportunities of `scope`: one grouped read over the
    /// `(stage_id, amount, probability)` index.
    pub fn stage_sums(&self, scope: &DealScope) -> Result<Vec<StageSums>, ReplicaError> {
        let mut sql = String::from(
            "SELECT c.stage_id, count(*), sum(coalesce(c.amount, 0)), \
             sum(coalesce(c.amount, 0) * coalesce(c.probability, s.probability, 0) / 100) \
             FROM opportunities c LEFT JOIN stages s ON s.id = c.stage_id WHERE 1",
        );
        let mut args = Vec::new();
        scope.conditions(&mut sql, &mut args);
        sql.push_str(" GROUP BY c.stage_id");
        let mut stmt = self.db.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok(StageSums {
                stage_id: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                count: usize::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                total: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                weighted: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A window of one stage's opportunities in `scope`, largest amount first (ties: the
    /// newer row first), as `list` orders them by amount.
    pub fn stage_window(
        &self,
        stage_id: &str,
        scope: &DealScope,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, ReplicaError> {
        let entity = Entity::Opportunities;
        let mut sql = format!("{} WHERE c.stage_id = ?1", schema::table(entity).select);
        let mut args = vec![SqlValue::Text(stage_id.to_string())];
        scope.conditions(&mut sql, &mut args);
        args.push(SqlValue::Integer(limit as i64));
        args.push(SqlValue::Integer(offset as i64));
        sql.push_str(&format!(
            " ORDER BY c.amount DESC, c.rowid DESC LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        self.query(entity, &sql, args)
    }

    /// Where opportunity `id` stands in its stage's window order (`stage_window`), counted
    /// through the index; None when it is not in that stage and scope.
    pub fn stage_position(
        &self,
        stage_id: &str,
        scope: &DealScope,
        id: &str,
    ) -> Result<Option<usize>, ReplicaError> {
        let mut sql = String::from(
            "SELECT c.amount, c.rowid FROM opportunities c WHERE c.id = ?1 AND c.stage_id = ?2",
        );
        let mut args = vec![
            SqlValue::Text(id.to_string()),
            SqlValue::Text(stage_id.to_string()),
        ];
        scope.conditions(&mut sql, &mut args);
        let Some((amount, rowid)) = self
            .db
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args), |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()?
        else {
            return Ok(None);
        };
        // Before it: larger amounts (a missing amount sorts last), then equal amounts on newer
        // rows.
        let before = match amount {
            Some(_) => "(c.amount > ?2 OR (c.amount = ?2 AND c.rowid > ?3))",
            None => "(c.amount IS NOT NULL OR c.rowid > ?3)",
        };
        let mut sql =
            format!("SELECT count(*) FROM opportunities c WHERE c.stage_id = ?1 AND {before}");
        let mut args = vec![
            SqlValue::Text(stage_id.to_string()),
            amount.map_or(SqlValue::Null, SqlValue::Integer),
            SqlValue::Integer(rowid),
        ];
        scope.conditions(&mut sql, &mut args);
        let n: i64 = self
            .db
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args), |r| r.get(0))?;
        Ok(Some(usize::try_from(n).unwrap_or(0)))
    }
}

impl Replica {
    /// Activities whose time (`starts_at`, else `due_at`: `rules::reminders::activity_time`)
    /// lies in [from, to) as stored text compares, only `owner`'s when given, at most `limit`:
    /// a range read over the `starts_at` and `(owner_id, due_at)` indexes, not the owner's
    /// every activity. Times are stored as the server writes them (RFC 3339, UTC, `Z`), so a
    /// text range is a time range; the caller checks the edges.
    pub fn activities_between(
        &self,
        from: &str,
        to: &str,
        owner: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Record>, ReplicaError> {
        let entity = Entity::Activities;
        let mut sql = format!(
            "{} WHERE ((c.starts_at >= ?1 AND c.starts_at < ?2) \
             OR (c.starts_at IS NULL AND c.due_at >= ?1 AND c.due_at < ?2))",
            schema::table(entity).select
        );
        let mut args = vec![
            SqlValue::Text(from.to_string()),
            SqlValue::Text(to.to_string()),
        ];
        if let Some(owner) = owner {
            args.push(SqlValue::Text(owner.to_string()));
            sql.push_str(" AND c.owner_id = ?3");
        }
        args.push(SqlValue::Integer(limit as i64));
        sql.push_str(&format!(" LIMIT ?{}", args.len()));
        self.query(entity, &sql, args)
    }

    /// Calls planned (not done, a due time, no start) before `until` for `owner` or for nobody,
    /// by due time (the overdue first); over the `(owner_id, due_at)` index.
    pub fn callbacks_due(
        &self,
        owner: &str,
        until: &str,
        limit: usize,
    ) -> Result<Vec<Record>, ReplicaError> {
        let entity = Entity::Activities;
        let sql = format!(
            "{} WHERE (c.owner_id = ?1 OR c.owner_id IS NULL) AND c.due_at < ?2 \
             AND c.kind = 'call' AND c.done = 0 AND c.starts_at IS NULL \
             ORDER BY c.due_at, c.id LIMIT ?3",
            schema::table(entity).select
        );
        let args = vec![
            SqlValue::Text(owner.to_string()),
            SqlValue::Text(until.to_string()),
            SqlValue::Integer(limit as i64),
        ];
        self.query(entity, &sql, args)
    }
}

#[cfg(test)]
mod tests {
    use super::month_bounds;

    #[test]
    fn a_month_is_its_first_day_to_the_next_months() {
        assert_eq!(
            month_bounds((2026, 12)),
            Some(("2026-12-01".into(), "2027-01-01".into()))
        );
        assert_eq!(
            month_bounds((2026, 2)),
            Some(("2026-02-01".into(), "2026-03-01".into()))
        );
        assert_eq!(month_bounds((2026, 13)), None);
    }
}
