//! Figures the replica keeps as its rows change, for reads that would otherwise join a million
//! rows: `customer_last_order`, each customer's latest order that counts (not cancelled or
//! returned) with the customer's owner beside it, indexed by owner and date. The dashboard's
//! "no business" figure counts a person's customers with an order since a day as one range of
//! that index (at a million customers it joined every order of the last 180 days to its
//! customer: seconds).
//!
//! Kept by triggers on `orders` and `customers`, each recomputing the one customer it touches
//! from the rows (never adding to a stored figure), so it is right whatever order rows arrive
//! in and whatever a sync, a local write or an undo does. A first sync fills the tables
//! without them (`DROP`, with the list indexes: a trigger's look-up per row, before the orders'
//! index exists, would read the whole table each time) and builds them after its list indexes
//! (`BUILD`, the last step of `list_indexes`); until then [`Replica::has_order_summary`] is
//! false and readers use the rows themselves.

use rusqlite::OptionalExtension;

use super::{Replica, ReplicaError};

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

/// The table, its index and the triggers, on a new replica (empty: nothing to fill).
pub(super) static CREATE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
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
});

/// Everything `CREATE` makes, gone (a first sync fills the tables without it).
pub(super) const DROP: &str = "\
DROP TRIGGER IF EXISTS customer_last_order_oi;
DROP TRIGGER IF EXISTS customer_last_order_ou;
DROP TRIGGER IF EXISTS customer_last_order_od;
DROP TRIGGER IF EXISTS customer_last_order_ci;
DROP TRIGGER IF EXISTS customer_last_order_cu;
DROP TRIGGER IF EXISTS customer_last_order_cd;
DROP TABLE IF EXISTS customer_last_order;
";

/// Fills the summary from the rows (after a first sync), then keeps it: the fill and the
/// triggers in the step's one transaction, so no write falls between them.
pub(super) static BUILD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{DROP}{}\
INSERT INTO customer_last_order (customer_id, owner_id, last_on)
  SELECT c.id, c.owner_id, m.last_on FROM
    (SELECT customer_id, max(ordered_on) AS last_on FROM orders
     WHERE status NOT IN ('cancelled', 'returned') AND customer_id IS NOT NULL GROUP BY customer_id) m
  JOIN customers c ON c.id = m.customer_id
  WHERE m.last_on IS NOT NULL;
",
        *CREATE
    )
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

    /// (customer, owner, latest order) as kept.
    fn kept(db: &Connection) -> Vec<(String, String, String)> {
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
        db.execute_batch(DROP).unwrap();
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
        db.execute_batch(&BUILD).unwrap();
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
}
