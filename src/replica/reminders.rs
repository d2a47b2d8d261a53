//! What the reminders need from the replica, in SQL over its indexes: every one of a user's
//! customers in the watched levels with its last contact, and the contacts of a user's customers
//! that have a birthday. What counts as quiet or as a birthday in range is decided by
//! `crm_server::rules::reminders`; the SQL only narrows.

use chrono::{DateTime, Utc};
use crm_server::schema::Entity;
use rusqlite::params_from_iter;
use rusqlite::types::Value as SqlValue;

use super::query::read_record;
use super::{Record, Replica, ReplicaError, schema};

/// A customer, the time of its latest activity that has happened by `now` (start, else due
/// time: `rules::reminders::activity_time`), and whether a follow-up is planned after `now`
/// (`rules::reminders::is_planned`).
pub type LastContact = (Record, Option<DateTime<Utc>>, bool);

impl Replica {
    /// The customers of `owner` (all visible when None) at `level` whose latest activity by
    /// `now` is no later than `cutoff` or who have none, and no follow-up planned: the first
    /// `limit` of them, longest without contact first, and how many there are in all. Every
    /// customer is looked at, through the `owner_id, name` and activities' `customer_id`
    /// indexes; only `limit` become records (a salesperson of the 1M demo has 350,000).
    pub fn last_contacts(
        &self,
        owner: Option<&str>,
        level: &str,
        now: &str,
        cutoff: &str,
        limit: usize,
    ) -> Result<(Vec<LastContact>, usize), ReplicaError> {
        // The name, after the record's columns, for the order (`rules::reminders::quiet_order`).
        let select = schema::table(Entity::Customers).select.replacen(
            " FROM ",
            ", c.name AS quiet_name FROM ",
            1,
        );
        let mut args = vec![
            SqlValue::Text(now.to_string()),
            SqlValue::Text(level.to_string()),
            SqlValue::Text(cutoff.to_string()),
        ];
        let mut owned = String::new();
        if let Some(o) = owner {
            args.push(SqlValue::Text(o.to_string()));
            owned = " AND c.owner_id = ?4".into();
        }
        let sql = format!(
            "SELECT * FROM (SELECT q.*, (SELECT max(coalesce(a.starts_at, a.due_at)) FROM activities a \
             WHERE a.customer_id = q.id AND coalesce(a.starts_at, a.due_at) <= ?1) AS last, \
             EXISTS (SELECT 1 FROM activities a WHERE a.customer_id = q.id \
             AND coalesce(a.done, 0) = 0 AND a.due_at > ?1) AS planned \
             FROM ({select} WHERE c.level = ?2 COLLATE NOCASE{owned}) q) \
             WHERE (last IS NULL OR last <= ?3) AND NOT planned \
             ORDER BY last IS NOT NULL, last, quiet_name LIMIT {limit}"
        );
        let count_sql = format!(
            "SELECT count(*) FROM ({}) ",
            sql.split(" ORDER BY ").next().unwrap_or(&sql)
        );
        let total: i64 = self
            .db
            .prepare_cached(&count_sql)?
            .query_row(params_from_iter(args.clone()), |r| r.get(0))?;
        let mut stmt = self.db.prepare_cached(&sql)?;
        let last_at = stmt.column_count() - 2;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            let last: Option<String> = r.get(last_at)?;
            let planned: bool = r.get(last_at + 1)?;
            Ok((read_record(Entity::Customers, r)?, last, planned))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (customer, last, planned) = row?;
            let last = last
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| t.with_timezone(&Utc));
            out.push((customer, last, planned));
        }
        Ok((out, usize::try_from(total).unwrap_or(0)))
    }

    /// The contacts of `owner`'s customers (all visible when None) whose birthday's month-day
    /// is one of `days` (`rules::reminders::birthday_month_days`, soonest first; None: any
    /// birthday), each with its customer's name: the first `limit`, in the order of `days`,
    /// then by customer and contact name, and how many there are in all. Only `limit` become
    /// records: a salesperson of the 1M demo has 36,000 contacts with a birthday in two weeks.
    pub fn birthday_contacts(
        &self,
        owner: Option<&str>,
        days: Option<&[String]>,
        limit: usize,
    ) -> Result<(Vec<(Record, String)>, usize), ReplicaError> {
        let select = &schema::table(Entity::Contacts).select;
        let mut args = Vec::new();
        let mut owned = String::new();
        if let Some(o) = owner {
            args.push(SqlValue::Text(o.to_string()));
            owned = format!(" AND p.owner_id = ?{}", args.len());
        }
        // The month-days as a list the row is tested against, and their order for the sort:
        // joined as a table, SQLite would walk the owner's customers once per day.
        let (filter, order) = match days {
            Some([]) => return Ok((Vec::new(), 0)),
            Some(days) => {
                let mut marks = Vec::with_capacity(days.len());
                for md in days {
                    args.push(SqlValue::Text(md.clone()));
                    marks.push(format!("?{}", args.len()));
                }
                let order: Vec<String> = marks
                    .iter()
                    .enumerate()
                    .map(|(pos, mark)| format!("WHEN {mark} THEN {pos}"))
                    .collect();
                (
                    format!(" AND substr(c.birthday, 6, 5) IN ({})", marks.join(", ")),
                    format!("CASE substr(c.birthday, 6, 5) {} END, ", order.join(" ")),
                )
            }
            None => (String::new(), "substr(c.birthday, 6, 5), ".to_string()),
        };
        // The record's columns first (as `read_record` reads them), then the customer's name
        // and the count of every match (computed before the limit).
        let (columns, from) = select.split_once(" FROM ").unwrap_or((select, ""));
        let sql = format!(
            "{columns}, p.name, count(*) OVER () FROM {from} \
             JOIN customers p ON p.id = c.customer_id \
             WHERE c.birthday IS NOT NULL{filter}{owned} \
             ORDER BY {order}p.name, c.name LIMIT {limit}"
        );
        let mut stmt = self.db.prepare(&sql)?;
        let name_at = stmt.column_count() - 2;
        let mut total = 0usize;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            let all: i64 = r.get(name_at + 1)?;
            Ok((
                read_record(Entity::Contacts, r)?,
                r.get::<_, Option<String>>(name_at)?.unwrap_or_default(),
                all,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (contact, name, all) = row?;
            total = usize::try_from(all).unwrap_or(0);
            out.push((contact, name));
        }
        Ok((out, total))
    }
}
