//! Deterministic demo data for `crm-server seed --demo` and `crm demo`: teams and users, Chinese
//! and English customers with contacts, a pipeline across every stage, a month of calendar around
//! today and a ticket queue with breached and nearly due service levels.
//!
//! Everything comes from a fixed-seed PRNG, a stream per record, so the same customer count gives
//! the same names, codes, ids and fields, and a larger count begins with the same customers; only
//! times move, being offsets from now. Users and teams go through [`service::create`] (passwords
//! hashed, rules applied). The bulk records are built here as full stored records (every field,
//! system fields, read sets from [`crate::access::read_set`]) by one thread and written by
//! another through [`crate::store::Tx::insert_new`] in large transactions, because a million
//! customers through `service::create` one by one would take hours. What `service::create`
//! would derive is derived by the same rules ([`crate::rules`], [`crate::dedupe`]): codes and
//! ticket numbers, SLA due times, the duplicate-check keys.
//!
//! A generator per entity (`customers.rs`, `contacts.rs`, `opportunities.rs`, `tickets.rs`,
//! `activities.rs`) over shared state (`gen.rs`, `rng.rs`), users and teams (`users.rs`,
//! `setup.rs`), the writer (`feed.rs`), the word lists as data (`words.json`, `words.rs`).

mod activities;
mod analysis;
mod approvals;
mod care;
mod competitors;
mod contacts;
mod customers;
mod dealers;
mod desk;
mod feed;
mod field;
mod generator;
mod knowledge;
mod marketing;
mod opportunities;
mod order_history;
mod orders;
mod profile;
mod quotes;
mod relations;
mod rng;
mod setup;
mod targets;
mod tickets;
mod users;
mod words;

#[cfg(test)]
mod tests;

pub use users::{DEMO_PASSWORD, DEMO_USERS, DemoUser};

use std::fmt;
use std::sync::mpsc::sync_channel;

use chrono::Utc;
use serde_json::json;

use crate::error::ApiError;
use crate::store::{self, AuditEntry, Database, NewRecord};
use feed::write_customers;
use generator::Gen;
use setup::setup;

/// Customers per write transaction: large enough that commits are rare, small enough that the
/// WAL and the memory held stay modest.
const BATCH: usize = 100_000;
/// Customers the generator hands to the writer at a time: small, so each batch of records is
/// freed soon after it was allocated.
const CHUNK: usize = 500;
/// Customers remembered (with their contacts and opportunities) for activities and tickets.
const POOL: usize = 4_000;
const MAX_ACTIVITIES: usize = 3_000;
const MAX_TICKETS: usize = 3_000;
/// Quotes made through the service, a tenth of the deals at most this many.
const MAX_QUOTES: usize = 1_000;
/// Orders entered through the service, a tenth of the deals at most this many (and the ordered
/// quotes).
const MAX_ORDERS: usize = 1_000;
const SEED: u64 = 0x5EED_0C2A_2026_0001;
/// Ids are version-7 UUIDs whose timestamps count up from here, one millisecond per record, so
/// they are the same on every run and each index on `id` is appended to rather than split.
const ID_EPOCH_MS: u64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// What a seed made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub teams: usize,
    pub users: usize,
    pub customers: usize,
    pub contacts: usize,
    pub opportunities: usize,
    /// Competitors met in those opportunities.
    pub rivals: usize,
    pub activities: usize,
    pub tickets: usize,
    pub comments: usize,
    pub products: usize,
    /// Price-list entries.
    pub prices: usize,
    pub opportunity_lines: usize,
    pub quotes: usize,
    pub quote_lines: usize,
    pub warehouses: usize,
    pub stock_movements: usize,
    pub orders: usize,
    pub order_lines: usize,
    pub payment_plans: usize,
    pub instalments: usize,
    pub payments: usize,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seeded {} customers, {} contacts, {} opportunities (with {} competitors met, {} product lines), {} activities, {} tickets with {} comments, {} products with {} price-list entries, {} quotes with {} lines, {} orders with {} lines, {} payment plans with {} instalments and {} payments, {} warehouses with {} stock movements; {} users in {} teams",
            self.customers,
            self.contacts,
            self.opportunities,
            self.rivals,
            self.opportunity_lines,
            self.activities,
            self.tickets,
            self.comments,
            self.products,
            self.prices,
            self.quotes,
            self.quote_lines,
            self.orders,
            self.order_lines,
            self.payment_plans,
            self.instalments,
            self.payments,
            self.warehouses,
            self.stock_movements,
            self.users,
            self.teams
        )
    }
}

/// How far a seed has come, told to the caller as it goes (for a progress bar; the seed itself
/// prints nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedProgress {
    /// Customers (with their contacts and opportunities) written so far, of `total`.
    Customers { written: usize, total: usize },
    /// The customers are in; tickets and activities are being made and written.
    Finishing,
}

/// Fills an empty database with demo data: the [`DEMO_USERS`] and their teams, `customers`
/// customers with their contacts and opportunities, and (capped for large counts) a month of
/// activities and a queue of tickets with comments. Refuses a database that holds customers.
pub fn demo(db: &dyn Database, customers: usize) -> Result<SeedReport, ApiError> {
    demo_with_progress(db, customers, &mut |_| {})
}

/// [`demo`], telling `progress` how far it has come.
pub fn demo_with_progress(
    db: &dyn Database,
    customers: usize,
    progress: &mut dyn FnMut(SeedProgress),
) -> Result<SeedReport, ApiError> {
    seed(db, customers, BATCH, CHUNK, progress)
}

/// [`demo`] with the sizes of transactions and of the generator's chunks given, so tests can
/// cross their boundaries with few customers.
fn seed(
    db: &dyn Database,
    customers: usize,
    batch: usize,
    chunk: usize,
    progress: &mut dyn FnMut(SeedProgress),
) -> Result<SeedReport, ApiError> {
    let chunk = chunk.max(1);
    let now = Utc::now();
    let setup = store::write(db, setup)?;
    let teams = setup.teams_made;
    // One thread makes the customers while this one writes them: SQLite is the bottleneck, so
    // the making is hidden behind it.
    let mut g = std::thread::scope(|scope| {
        let (send, receive) = sync_channel::<Vec<NewRecord>>(16);
        let maker = scope.spawn(move || {
            let mut g = Gen::new(now, setup, customers);
            g.customers(&send, chunk);
            g
        });
        let mut written_so_far = |written| {
            progress(SeedProgress::Customers {
                written,
                total: customers,
            })
        };
        let written = write_customers(db, &receive, customers, batch, chunk, &mut written_so_far);
        // Unblocks the maker when the writer stopped early.
        drop(receive);
        let g = maker
            .join()
            .map_err(|_| ApiError::Internal("the demo data generator failed".into()))?;
        written.map(|()| g)
    })?;
    let mut report = SeedReport {
        teams,
        users: DEMO_USERS.len(),
        customers,
        contacts: g.contacts,
        opportunities: g.opportunities,
        rivals: g.rivals,
        orders: g.orders,
        order_lines: g.order_lines,
        ..SeedReport::default()
    };
    progress(SeedProgress::Finishing);
    store::write(db, |tx| -> Result<(), ApiError> {
        g.sales(tx, &mut report)?;
        g.approvals(tx)?;
        g.targets(tx)?;
        g.knowledge(tx)?;
        let tickets = g.tickets(tx, &mut report)?;
        let activities = g.activities(&mut report);
        tx.insert_new(&mut tickets.into_iter().chain(activities).map(Ok))?;
        g.marketing(tx, &mut report)?;
        g.field(tx, &mut report)?;
        g.relations(tx)?;
        g.dealer_orders(tx, &mut report)?;
        // Care tasks are activities, counted with them; the birthday today is a contact.
        let cared = care::care(tx, chrono::Utc::now())?;
        report.activities += cared.tasks;
        report.contacts += cared.contacts;
        g.analysis(tx)?;
        Ok(tx.audit(&AuditEntry {
            actor_id: Some(crate::system_actor().id),
            action: "seed",
            entity: None,
            record_id: None,
            changes: Some(json!({
                "teams": report.teams,
                "users": report.users,
                "customers": report.customers,
                "contacts": report.contacts,
                "opportunities": report.opportunities,
                "opportunity_competitors": report.rivals,
                "activities": report.activities,
                "tickets": report.tickets,
                "comments": report.comments,
                "products": report.products,
                "prices": report.prices,
                "opportunity_lines": report.opportunity_lines,
                "quotes": report.quotes,
                "quote_lines": report.quote_lines,
                "orders": report.orders,
                "order_lines": report.order_lines,
                "payment_plans": report.payment_plans,
                "instalments": report.instalments,
                "payments": report.payments,
                "warehouses": report.warehouses,
                "stock_movements": report.stock_movements,
            })),
        })?)
    })?;
    // The scores, levels, lifecycle and warnings as the server's sweep would set them, laid on
    // the customers as made (no version, feed entry or audit of their own: nobody has read them
    // yet), a batch a transaction; the sweep that runs as the server starts then finds them
    // done instead of rewriting, and sending again, nearly every customer.
    // As of now, not the seed's start: the care tasks above are stamped with the time they
    // were made, and a contact after the sweep's moment would not count.
    let scored_at = Utc::now();
    let mut after = String::new();
    loop {
        let (last, _) = store::write(db, |tx| {
            crate::service::analysis::settle_batch(tx, &after, scored_at)
        })?;
        match last {
            Some(last) => after = last,
            None => break,
        }
    }
    Ok(report)
}
