//! Figures the replica keeps as its rows change, for reads that would otherwise join or scan a
//! million rows. The dashboard reads them; nothing else writes them.
//!
//! - `customer_last_order`: each customer's latest order that counts (not cancelled or
//!   returned) with the customer's owner beside it, indexed by owner and date. The dashboard's
//!   "no business" figure counts a person's customers with an order since a day as one range of
//!   that index (at a million customers it joined every order of the last 180 days to its
//!   customer: seconds). Its triggers recompute the one customer a write touches from the rows
//!   (never adding to a stored figure), so it is right whatever order rows arrive in.
//! - `customer_levels` and `customer_warnings`: per owner, how many customers hold each
//!   suggested level and each warning (`value_level`, `warnings`, which the server's analysis
//!   sets), and the index `customers (owner_id, value_level, value_score)` the pyramid's lowest
//!   and highest score are read from, one probe per owner and level. The value pyramid and the
//!   warning counts read json and levels of every customer before (an admin's: 1M rows, seconds).
//!   These counts cannot be recomputed per write (a group is tens of thousands of customers, and
//!   a value sweep synced rewrites most of them), so their triggers count each change in and
//!   out: the old row's level and warnings out, the new row's in, in the write's own
//!   transaction. An owner missing is counted as `''`, as is a level missing.
//!
//! A first sync fills the tables without them (`DROP`, with the list indexes: a trigger's
//! look-up per row, before the orders' index exists, would read the whole table each time) and
//! builds them after its list indexes (`STEPS`, the last steps of `list_indexes`); a replica an
//! older build made gets the same build when it is opened (`Replica::upgrade_summaries`). Until
//! then [`Replica::has_order_summary`] and [`Replica::has_value_summary`] are false and readers
//! use the rows themselves.

use rusqlite::OptionalExtension;

use super::{Replica, ReplicaError};

/// What `meta.summaries` says when every summary of this build is there and kept: a replica
/// holding another value (or none) gets them built again (`Replica::upgrade_summaries`).
const VERSION: &str = "4";

/// The statements that set customer `id`'s row (an SQL expression: `NEW.customer_id`) from the
/// rows as they are: its latest order that counts and its owner, or no row.
fn recompute(id: &str) -> String {
    format!(
        "DELETE FROM customer_last_order WHERE customer_id = {id};
  INSERT INTO customer_last_order (customer_id, owner_id, last_on)
    SELECT c.id, c.owner_id, m.last_on FROM customers c,
      (SELECT max(ordered_on) AS last_on FROM orders
       WHERE customer_id = {id} AND status NOT IN ('cancelled', 'returned')) m
    WHERE c.id = {id} AND m.last_on IS NOT NULL;
"
    )
}

/// `customer_last_order`, its index and its triggers.
fn last_order_create() -> String {
    let order_new = recompute("NEW.customer_id");
    let order_old = recompute("OLD.customer_id");
    let customer_new = recompute("NEW.id");
    let customer_old = recompute("OLD.id");
    format!(
        "CREATE TABLE customer_last_order (customer_id TEXT PRIMARY KEY, owner_id TEXT, last_on TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX customer_last_order_owner ON customer_last_order (owner_id, last_on);
CREATE TRIGGER customer_last_order_oi AFTER INSERT ON orders BEGIN
  {order_new}END;
CREATE TRIGGER customer_last_order_ou AFTER UPDATE OF customer_id, status, ordered_on ON orders BEGIN
  {order_old}  {order_new}END;
CREATE TRIGGER customer_last_order_od AFTER DELETE ON orders BEGIN
  {order_old}END;
CREATE TRIGGER customer_last_order_ci AFTER INSERT ON customers BEGIN
  {customer_new}END;
CREATE TRIGGER customer_last_order_cu AFTER UPDATE OF id, owner_id ON customers BEGIN
  {customer_old}  {customer_new}END;
CREATE TRIGGER customer_last_order_cd AFTER DELETE ON customers BEGIN
  DELETE FROM customer_last_order WHERE customer_id = OLD.id;
END;
"
    )
}

const LAST_ORDER_DROP: &str = "\
DROP TRIGGER IF EXISTS customer_last_order_oi;
DROP TRIGGER IF EXISTS customer_last_order_ou;
DROP TRIGGER IF EXISTS customer_last_order_od;
DROP TRIGGER IF EXISTS customer_last_order_ci;
DROP TRIGGER IF EXISTS customer_last_order_cu;
DROP TRIGGER IF EXISTS customer_last_order_cd;
DROP TABLE IF EXISTS customer_last_order;
";

const LAST_ORDER_FILL: &str = "\
INSERT INTO customer_last_order (customer_id, owner_id, last_on)
  SELECT c.id, c.owner_id, m.last_on FROM
    (SELECT customer_id, max(ordered_on) AS last_on FROM orders
     WHERE status NOT IN ('cancelled', 'returned') AND customer_id IS NOT NULL GROUP BY customer_id) m
  JOIN customers c ON c.id = m.customer_id
  WHERE m.last_on IS NOT NULL;
";

/// `customer_business_days`: how many customers of each owner last bought on each day, kept
/// from `customer_last_order` by its own triggers (that table changes only by a customer's row
/// deleted and inserted again), so "no business since a day" is a sum over a few hundred days
/// per person rather than a count of their customers' rows (a salesperson's: 183,000).
const DAYS_CREATE: &str = "\
CREATE TABLE customer_business_days (owner_id TEXT NOT NULL, last_on TEXT NOT NULL, customers INTEGER NOT NULL, PRIMARY KEY (owner_id, last_on)) WITHOUT ROWID;
CREATE TRIGGER customer_business_days_i AFTER INSERT ON customer_last_order BEGIN
  INSERT INTO customer_business_days (owner_id, last_on, customers) VALUES (coalesce(NEW.owner_id, ''), NEW.last_on, 1)
    ON CONFLICT (owner_id, last_on) DO UPDATE SET customers = customers + 1;
END;
CREATE TRIGGER customer_business_days_d AFTER DELETE ON customer_last_order BEGIN
  UPDATE customer_business_days SET customers = customers - 1
    WHERE owner_id = coalesce(OLD.owner_id, '') AND last_on = OLD.last_on;
END;
";

const DAYS_DROP: &str = "\
DROP TRIGGER IF EXISTS customer_business_days_i;
DROP TRIGGER IF EXISTS customer_business_days_d;
DROP TABLE IF EXISTS customer_business_days;
";

const DAYS_FILL: &str = "\
INSERT INTO customer_business_days (owner_id, last_on, customers)
  SELECT coalesce(owner_id, ''), last_on, count(*) FROM customer_last_order GROUP BY 1, 2;
";

/// A row's warnings (`NEW` or `OLD`) as json_each reads them: nothing when they are not JSON.
fn warnings_of(row: &str) -> String {
    format!(
        "SELECT DISTINCT value FROM json_each(CASE WHEN json_valid({row}.warnings) THEN {row}.warnings END) \
         WHERE type = 'text'"
    )
}

/// The statements counting row `row` (`NEW` or `OLD`) in (`+`) or out (`-`).
fn count_level(row: &str, sign: char) -> String {
    format!(
        "INSERT INTO customer_levels (owner_id, level, customers) \
         VALUES (coalesce({row}.owner_id, ''), coalesce({row}.value_level, ''), {sign}1) \
         ON CONFLICT (owner_id, level) DO UPDATE SET customers = customers {sign} 1;\n"
    )
}

fn count_warnings(row: &str, sign: char) -> String {
    format!(
        "INSERT INTO customer_warnings (owner_id, warning, customers) \
         SELECT coalesce({row}.owner_id, ''), value, {sign}1 FROM ({}) WHERE true \
         ON CONFLICT (owner_id, warning) DO UPDATE SET customers = customers {sign} 1;\n",
        warnings_of(row)
    )
}

/// The level and warning counts, the score index and their triggers. An update counts only
/// when one of the columns counted changed (the `WHEN`): a customer's other edits cost nothing.
fn value_create() -> String {
    let (level_in, level_out) = (count_level("NEW", '+'), count_level("OLD", '-'));
    let (warn_in, warn_out) = (count_warnings("NEW", '+'), count_warnings("OLD", '-'));
    format!(
        "CREATE TABLE customer_levels (owner_id TEXT NOT NULL, level TEXT NOT NULL, customers INTEGER NOT NULL, PRIMARY KEY (owner_id, level)) WITHOUT ROWID;
CREATE TABLE customer_warnings (owner_id TEXT NOT NULL, warning TEXT NOT NULL, customers INTEGER NOT NULL, PRIMARY KEY (owner_id, warning)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS customer_levels_scores ON customers (owner_id, value_level, value_score);
CREATE TRIGGER customer_levels_ci AFTER INSERT ON customers BEGIN
  {level_in}  {warn_in}END;
CREATE TRIGGER customer_levels_cu AFTER UPDATE OF owner_id, value_level ON customers
  WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.value_level IS NOT NEW.value_level BEGIN
  {level_out}  {level_in}END;
CREATE TRIGGER customer_warnings_cu AFTER UPDATE OF owner_id, warnings ON customers
  WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.warnings IS NOT NEW.warnings BEGIN
  {warn_out}  {warn_in}END;
CREATE TRIGGER customer_levels_cd AFTER DELETE ON customers BEGIN
  {level_out}  {warn_out}END;
"
    )
}

const VALUE_DROP: &str = "\
DROP TRIGGER IF EXISTS customer_levels_ci;
DROP TRIGGER IF EXISTS customer_levels_cu;
DROP TRIGGER IF EXISTS customer_warnings_cu;
DROP TRIGGER IF EXISTS customer_levels_cd;
DROP INDEX IF EXISTS customer_levels_scores;
DROP TABLE IF EXISTS customer_levels;
DROP TABLE IF EXISTS customer_warnings;
";

const VALUE_FILL: &str = "\
INSERT INTO customer_levels (owner_id, level, customers)
  SELECT coalesce(owner_id, ''), coalesce(value_level, ''), count(*) FROM customers GROUP BY 1, 2;
INSERT INTO customer_warnings (owner_id, warning, customers)
  SELECT coalesce(c.owner_id, ''), w.value, count(DISTINCT c.rowid) FROM customers c,
    json_each(CASE WHEN json_valid(c.warnings) THEN c.warnings END) w
  WHERE c.warnings <> '[]' AND w.type = 'text' GROUP BY 1, 2;
";

/// Indexes the dashboard reads from alone (`dashboard::figures`): each customer's owner by id,
/// for the period's orders, tickets and activities joined to their customers' owners; a
/// person's deals by expected close with what the sales, conversion and forecast figures sum.
/// Without them each of those read a row per order or deal (an admin's month: about a second).
const INDEXES_CREATE: &str = "\
CREATE INDEX IF NOT EXISTS dashboard_customer_owner ON customers (id, owner_id);
CREATE INDEX IF NOT EXISTS dashboard_deals ON opportunities (owner_id, expected_close, stage_id, amount, probability, created_at);
";

const INDEXES_DROP: &str = "\
DROP INDEX IF EXISTS dashboard_customer_owner;
DROP INDEX IF EXISTS dashboard_deals;
";

/// `meta.summaries` set to this build's [`VERSION`] (the last step's, and a new replica's).
fn version_mark() -> String {
    format!(
        "INSERT INTO meta (key, value) VALUES ('summaries', '{VERSION}') \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value;\n"
    )
}

/// The tables, indexes and triggers, on a new replica (empty: nothing to fill).
pub(super) static CREATE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{}{DAYS_CREATE}{}{INDEXES_CREATE}{}",
        last_order_create(),
        value_create(),
        version_mark()
    )
});

/// Everything `CREATE` makes, gone (a first sync fills the tables without it).
pub(super) static DROP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{DAYS_DROP}{LAST_ORDER_DROP}{VALUE_DROP}{INDEXES_DROP}DELETE FROM meta WHERE key = 'summaries';\n"
    )
});

/// Fills each summary from the rows (after a first sync, or on a replica an older build made),
/// then keeps it: one step each, the fill and the triggers in the step's one transaction, so no
/// write falls between them. The last sets the version.
pub(super) static STEPS: std::sync::LazyLock<[String; 3]> = std::sync::LazyLock::new(|| {
    [
        // The day counts filled after the latest orders, not counted in row by row.
        format!(
            "{DAYS_DROP}{LAST_ORDER_DROP}{}{LAST_ORDER_FILL}{DAYS_CREATE}{DAYS_FILL}",
            last_order_create()
        ),
        format!("{VALUE_DROP}{}{VALUE_FILL}", value_create()),
        format!("{INDEXES_CREATE}{}", version_mark()),
    ]
});

impl Replica {
    /// Whether `customer_last_order` is there and kept (not while a first sync fills the
    /// tables, nor until the build after it reaches it).
    pub fn has_order_summary(&self) -> Result<bool, ReplicaError> {
        Ok(self
            .db
            .prepare_cached(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'customer_last_order_cd'",
            )?
            .query_row([], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether the level and warning counts are there and kept (as `has_order_summary`; also
    /// not on a replica an older build made until its build has made them).
    pub fn has_value_summary(&self) -> Result<bool, ReplicaError> {
        Ok(self.meta("summaries")?.as_deref() == Some(VERSION))
    }

    /// A replica whose summaries are not this build's (an older build made it) gets them built
    /// in the steps that follow a first sync (`list_indexes`), by whatever process continues
    /// the build. Nothing while a first sync or its build is under way: their end builds them.
    pub(super) fn upgrade_summaries(&self) -> Result<(), ReplicaError> {
        if self.bulk_loading()? || self.meta("lists")?.is_some() || self.has_value_summary()? {
            return Ok(());
        }
        self.defer_summaries()
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// A replica's tables, with the summary as a new replica has it.
    fn replica() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(&crate::replica::schema::create_sql())
            .unwrap();
        db
    }

    fn customer(db: &Connection, id: &str, owner: &str) {
        db.execute(
            "INSERT INTO customers (id, version, name, owner_id) VALUES (?1, 1, ?1, ?2)",
            [id, owner],
        )
        .unwrap();
    }

    fn order(db: &Connection, id: &str, customer: &str, on: &str, status: &str) {
        db.execute(
            "INSERT INTO orders (id, version, customer_id, ordered_on, status) VALUES (?1, 1, ?2, ?3, ?4)",
            [id, customer, on, status],
        )
        .unwrap();
    }

    /// (customer, owner, latest order) as kept; the day counts checked against them.
    fn kept(db: &Connection) -> Vec<(String, String, String)> {
        let days = |sql: &str| -> Vec<(String, String, i64)> {
            db.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(
            days(
                "SELECT owner_id, last_on, customers FROM customer_business_days \
                 WHERE customers <> 0 ORDER BY 1, 2"
            ),
            days(
                "SELECT coalesce(owner_id, ''), last_on, count(*) FROM customer_last_order \
                 GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            "customers per owner and day of their latest order"
        );
        db.prepare("SELECT customer_id, owner_id, last_on FROM customer_last_order ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The same, computed from the rows as the dashboard read them before the summary.
    fn from_rows(db: &Connection) -> Vec<(String, String, String)> {
        db.prepare(
            "SELECT c.id, c.owner_id, max(o.ordered_on) FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE o.status NOT IN ('cancelled', 'returned') AND o.ordered_on IS NOT NULL GROUP BY c.id ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn row(c: &str, owner: &str, on: &str) -> (String, String, String) {
        (c.into(), owner.into(), on.into())
    }

    #[test]
    fn the_latest_order_that_counts_follows_every_change_of_orders_and_customers() {
        let db = replica();
        customer(&db, "a", "u1");
        customer(&db, "b", "u2");
        order(&db, "o1", "a", "2026-01-01", "closed");
        order(&db, "o2", "a", "2026-03-01", "cancelled");
        assert_eq!(
            kept(&db),
            vec![row("a", "u1", "2026-01-01")],
            "cancelled left out"
        );
        db.execute("UPDATE orders SET status = 'delivered' WHERE id = 'o2'", [])
            .unwrap();
        assert_eq!(kept(&db), vec![row("a", "u1", "2026-03-01")]);
        db.execute("UPDATE orders SET status = 'returned' WHERE id = 'o2'", [])
            .unwrap();
        assert_eq!(
            kept(&db),
            vec![row("a", "u1", "2026-01-01")],
            "returned left out"
        );
        db.execute("UPDATE customers SET owner_id = 'u3' WHERE id = 'a'", [])
            .unwrap();
        assert_eq!(
            kept(&db),
            vec![row("a", "u3", "2026-01-01")],
            "the new owner's"
        );
        // An order moved to another customer leaves the first with none.
        db.execute("UPDATE orders SET customer_id = 'b' WHERE id = 'o1'", [])
            .unwrap();
        assert_eq!(kept(&db), vec![row("b", "u2", "2026-01-01")]);
        db.execute("DELETE FROM orders WHERE id = 'o1'", [])
            .unwrap();
        assert_eq!(kept(&db), vec![]);
        // An order that arrives before its customer counts once the customer does.
        order(&db, "o3", "c", "2026-02-02", "invoiced");
        assert_eq!(kept(&db), vec![]);
        customer(&db, "c", "u1");
        assert_eq!(kept(&db), vec![row("c", "u1", "2026-02-02")]);
        order(&db, "o4", "b", "2026-02-10", "entered");
        db.execute("DELETE FROM customers WHERE id = 'c'", [])
            .unwrap();
        assert_eq!(kept(&db), vec![row("b", "u2", "2026-02-10")]);
        assert_eq!(kept(&db), from_rows(&db));
    }

    #[test]
    fn a_first_syncs_rows_without_the_triggers_are_summed_by_the_build() {
        let db = replica();
        // A first sync fills the tables with the summary dropped.
        db.execute_batch(&DROP).unwrap();
        for (id, owner) in [("a", "u1"), ("b", "u2"), ("c", "u2")] {
            customer(&db, id, owner);
        }
        order(&db, "o1", "a", "2026-01-01", "closed");
        order(&db, "o2", "a", "2026-03-01", "cancelled");
        order(&db, "o3", "b", "2026-02-01", "delivered");
        order(&db, "o4", "b", "2026-02-03", "invoiced");
        order(&db, "o5", "gone", "2026-02-03", "invoiced");
        let no_table = db.prepare("SELECT 1 FROM customer_last_order");
        assert!(no_table.is_err(), "dropped");
        drop(no_table);
        for step in STEPS.iter() {
            db.execute_batch(step).unwrap();
        }
        assert_eq!(
            kept(&db),
            vec![row("a", "u1", "2026-01-01"), row("b", "u2", "2026-02-03")]
        );
        assert_eq!(kept(&db), from_rows(&db));
        // And kept from then on.
        order(&db, "o6", "c", "2026-04-01", "closed");
        assert_eq!(kept(&db), from_rows(&db));
        assert_eq!(kept(&db).len(), 3);
    }

    /// (owner, level or warning, customers) as kept, groups of none left out.
    fn counts(db: &Connection, table: &str, key: &str) -> Vec<(String, String, i64)> {
        db.prepare(&format!(
            "SELECT owner_id, {key}, customers FROM {table} WHERE customers <> 0 ORDER BY 1, 2"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// The same counted from the rows, as the dashboard counted before the summaries.
    fn levels_from_rows(db: &Connection) -> Vec<(String, String, i64)> {
        db.prepare(
            "SELECT coalesce(owner_id, ''), coalesce(value_level, ''), count(*) FROM customers \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    fn warnings_from_rows(db: &Connection) -> Vec<(String, String, i64)> {
        let mut out = Vec::new();
        for code in ["falling", "no_business", "no_contact"] {
            let mut stmt = db
                .prepare(
                    "SELECT coalesce(c.owner_id, ''), count(*) FROM customers c \
                     WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.warnings) \
                       THEN c.warnings END) w WHERE w.value = ?1) \
                     GROUP BY 1",
                )
                .unwrap();
            let rows = stmt
                .query_map([code], |r| Ok((r.get(0)?, code.to_string(), r.get(1)?)))
                .unwrap();
            out.extend(rows.map(Result::unwrap));
        }
        out.sort();
        out
    }

    fn valued(db: &Connection, id: &str, owner: Option<&str>, level: Option<&str>, warnings: &str) {
        db.execute(
            "INSERT INTO customers (id, version, name, owner_id, value_level, value_score, warnings) \
             VALUES (?1, 1, ?1, ?2, ?3, 10, ?4)",
            rusqlite::params![id, owner, level, warnings],
        )
        .unwrap();
    }

    fn agree(db: &Connection, what: &str) {
        assert_eq!(
            counts(db, "customer_levels", "level"),
            levels_from_rows(db),
            "levels after {what}"
        );
        assert_eq!(
            counts(db, "customer_warnings", "warning"),
            warnings_from_rows(db),
            "warnings after {what}"
        );
    }

    #[test]
    fn the_level_and_warning_counts_follow_every_insert_update_and_delete() {
        let db = replica();
        valued(&db, "a", Some("u1"), Some("A"), r#"["no_contact"]"#);
        valued(
            &db,
            "b",
            Some("u1"),
            Some("A"),
            r#"["no_contact","falling"]"#,
        );
        valued(&db, "c", Some("u2"), None, "[]");
        valued(
            &db,
            "d",
            None,
            Some("B"),
            r#"["no_business","no_business"]"#,
        );
        valued(&db, "e", Some("u2"), Some("C"), "not json");
        agree(&db, "inserts");
        assert_eq!(
            counts(&db, "customer_levels", "level"),
            vec![
                ("".into(), "B".into(), 1),
                ("u1".into(), "A".into(), 2),
                ("u2".into(), "".into(), 1),
                ("u2".into(), "C".into(), 1),
            ]
        );
        assert_eq!(
            counts(&db, "customer_warnings", "warning"),
            vec![
                ("".into(), "no_business".into(), 1),
                ("u1".into(), "falling".into(), 1),
                ("u1".into(), "no_contact".into(), 2),
            ],
            "a code listed twice counts its customer once; text that is no JSON counts nothing"
        );
        for (sql, what) in [
            (
                "UPDATE customers SET value_level = 'B' WHERE id = 'a'",
                "a level change",
            ),
            (
                "UPDATE customers SET owner_id = 'u3' WHERE id = 'b'",
                "an owner change",
            ),
            (
                "UPDATE customers SET owner_id = NULL WHERE id = 'a'",
                "an owner removed",
            ),
            (
                "UPDATE customers SET warnings = '[\"falling\"]' WHERE id = 'c'",
                "a warning added",
            ),
            (
                "UPDATE customers SET warnings = '[]' WHERE id = 'b'",
                "warnings cleared",
            ),
            (
                "UPDATE customers SET name = 'x', value_score = 99 WHERE id = 'd'",
                "another edit",
            ),
            (
                "UPDATE customers SET owner_id = 'u1', value_level = NULL, warnings = '[\"no_contact\"]' WHERE id = 'e'",
                "all at once",
            ),
            ("DELETE FROM customers WHERE id = 'd'", "a delete"),
            ("DELETE FROM customers WHERE id = 'a'", "another delete"),
        ] {
            db.execute(sql, []).unwrap();
            agree(&db, what);
        }
        // Every customer gone: nothing counted.
        db.execute("DELETE FROM customers", []).unwrap();
        assert_eq!(counts(&db, "customer_levels", "level"), vec![]);
        assert_eq!(counts(&db, "customer_warnings", "warning"), vec![]);
    }

    #[test]
    fn the_build_counts_what_a_first_sync_wrote_and_keeps_counting() {
        let db = replica();
        db.execute_batch(&DROP).unwrap();
        valued(
            &db,
            "a",
            Some("u1"),
            Some("A"),
            r#"["no_contact","no_contact"]"#,
        );
        valued(&db, "b", Some("u1"), Some("A"), "[]");
        valued(&db, "c", None, None, r#"["falling"]"#);
        for step in STEPS.iter() {
            db.execute_batch(step).unwrap();
        }
        agree(&db, "the build");
        let version: String = db
            .query_row("SELECT value FROM meta WHERE key = 'summaries'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(version, VERSION);
        db.execute(
            "UPDATE customers SET value_level = 'B', warnings = '[]' WHERE id = 'a'",
            [],
        )
        .unwrap();
        valued(&db, "d", Some("u2"), Some("A"), r#"["falling"]"#);
        agree(&db, "writes after the build");
    }
}
