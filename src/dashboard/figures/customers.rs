//! The customers panel: totals, new, no business, not contacted, and the revenue pyramid.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::{Args, CustomerRow, Scope, Summaries, TIERS, Tier, each, row, sorted};
use crate::replica::ReplicaError;

pub(super) fn customers(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    labels: &BTreeMap<String, String>,
    summaries: Summaries,
) -> Result<Vec<CustomerRow>, ReplicaError> {
    let mut rows: BTreeMap<String, CustomerRow> = BTreeMap::new();
    if summaries.value {
        // Each person's customers as the replica counts them per level (`customer_levels`),
        // and the period's new ones as a range of the (owner, created_at) index: an admin's
        // total counted a million index entries.
        each(
            db,
            scope,
            args,
            "SELECT p.grp, sum(x.customers) FROM people p \
             JOIN customer_levels x ON x.owner_id = p.id GROUP BY p.grp HAVING sum(x.customers) > 0",
            |r| {
                row(&mut rows, r.get(0)?).total = r.get(1)?;
                Ok(())
            },
        )?;
        each(
            db,
            scope,
            args,
            "SELECT p.grp, count(*) FROM people p JOIN customers c ON c.owner_id = p.id \
             AND c.created_at >= :from_t AND c.created_at < :to_t GROUP BY p.grp",
            |r| {
                row(&mut rows, r.get(0)?).new = r.get(1)?;
                Ok(())
            },
        )?;
    } else {
        each(
            db,
            scope,
            args,
            "SELECT p.grp, count(*), \
               sum(CASE WHEN c.created_at >= :from_t AND c.created_at < :to_t THEN 1 ELSE 0 END) \
             FROM people p JOIN customers c ON c.owner_id = p.id GROUP BY p.grp",
            |r| {
                let x = row(&mut rows, r.get(0)?);
                x.total = r.get(1)?;
                x.new = r.get(2)?;
                Ok(())
            },
        )?;
    }
    // Those with business (an order) or contact lately, counted from the orders and
    // activities of the window, and taken from the total.
    // Each customer's latest order that counts is kept beside its owner by the replica
    // (`customer_last_order`), and how many customers of an owner last bought on each day
    // (`customer_business_days`): a sum over a range of days per person. Until a first
    // sync's build has made it, the orders of the window joined to their customers.
    let mut with_business: BTreeMap<String, i64> = BTreeMap::new();
    let business = if summaries.value {
        "SELECT p.grp, sum(x.customers) FROM people p \
         JOIN customer_business_days x ON x.owner_id = p.id AND x.last_on >= :idle_cut \
         GROUP BY p.grp"
    } else if summaries.order {
        "SELECT p.grp, count(*) FROM people p \
         JOIN customer_last_order x ON x.owner_id = p.id AND x.last_on >= :idle_cut \
         GROUP BY p.grp"
    } else {
        "SELECT p.grp, count(DISTINCT o.customer_id) FROM orders o \
         CROSS JOIN customers c ON c.id = o.customer_id CROSS JOIN people p ON p.id = c.owner_id \
         WHERE o.ordered_on >= :idle_cut AND o.status NOT IN ('cancelled', 'returned') \
         GROUP BY p.grp"
    };
    each(db, scope, args, business, |r| {
        with_business.insert(r.get(0)?, r.get(1)?);
        Ok(())
    })?;
    let mut contacted: BTreeMap<String, i64> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT p.grp, count(DISTINCT a.customer_id) FROM activities a \
         CROSS JOIN customers c ON c.id = a.customer_id CROSS JOIN people p ON p.id = c.owner_id \
         WHERE a.starts_at >= :quiet_cut_t AND a.starts_at <= :now_t \
           AND a.kind IN ('call', 'visit', 'meeting', 'email') \
         GROUP BY p.grp",
        |r| {
            contacted.insert(r.get(0)?, r.get(1)?);
            Ok(())
        },
    )?;
    for (group, r) in rows.iter_mut() {
        r.no_business = r.total - with_business.get(group).copied().unwrap_or(0);
        r.not_contacted = r.total - contacted.get(group).copied().unwrap_or(0);
    }
    Ok(sorted(rows, labels, |r, g, l| {
        r.group = g;
        r.label = l;
    }))
}

pub(super) fn pyramid(
    db: &Connection,
    scope: &Scope,
    args: &Args,
) -> Result<Vec<Tier>, ReplicaError> {
    let mut tiers: Vec<Tier> = TIERS
        .iter()
        .map(|(name, _)| Tier {
            name,
            customers: 0,
            revenue: 0,
        })
        .collect();
    // Each customer's revenue ranked; a customer's tier by its rank among those with any. The
    // period's orders from their (ordered_on, …) index, each customer's owner from
    // `dashboard_customer_owner` (`replica::summaries`); `+o.customer_id` keeps the planner
    // from reading every order in customer order to save the grouping's sort.
    each(
        db,
        scope,
        args,
        "SELECT tier, count(*), sum(revenue) FROM ( \
           SELECT revenue, CASE \
             WHEN rank * 100 <= max(1, (n * 1 + 99) / 100) * 100 THEN 0 \
             WHEN rank * 100 <= n * 5 THEN 1 \
             WHEN rank * 100 <= n * 20 THEN 2 ELSE 3 END AS tier \
           FROM (SELECT revenue, row_number() OVER (ORDER BY revenue DESC, customer_id) AS rank, \
                        count(*) OVER () AS n \
                 FROM (SELECT o.customer_id, sum(o.total) AS revenue FROM orders o \
                       CROSS JOIN customers c ON c.id = o.customer_id CROSS JOIN people p ON p.id = c.owner_id \
                       WHERE o.ordered_on >= :from AND o.ordered_on < :to \
                         AND o.status NOT IN ('cancelled', 'returned') \
                       GROUP BY +o.customer_id HAVING sum(o.total) > 0))) \
         GROUP BY tier",
        |r| {
            let tier: i64 = r.get(0)?;
            if let Some(t) = usize::try_from(tier).ok().and_then(|i| tiers.get_mut(i)) {
                t.customers = r.get(1)?;
                t.revenue = r.get(2)?;
            }
            Ok(())
        },
    )?;
    Ok(tiers)
}
