//! Every dashboard figure, computed by SQLite over the local replica: each function is one or two
//! grouped statements over the list indexes, never records loaded and summed in Rust. The
//! replica holds exactly what its user may read, so a manager's figures are their team's; the
//! scope's `people` (the user, the team's members, everyone by team) narrows and groups them.
//! The TUI's dashboard (on its loading thread) and `crm report` both read through here.
//!
//! What a figure means where the data leaves room:
//! - a won or lost deal closed on its `expected_close` day (deals keep no close date of their own);
//!   days to close run from its creation to that day;
//! - a deal "ages in its stage" when it is open and unchanged for the limit's days (deals keep
//!   no stage history; any change restarts the clock);
//! - stage-to-stage conversion counts, among the deals closing in the period, those that
//!   reached each stage: a deal in a stage reached every stage before it, a won deal all of
//!   them, a lost deal only the first;
//! - revenue is the total of a customer's orders in the period, cancelled and returned ones
//!   left out; no business means no such order in the last N days, not contacted no call,
//!   visit, meeting or email started in the last N days;
//! - a ticket's service figures count the tickets resolved in the period.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use crm_server::access::Role;
use crm_server::schema::PRIORITIES;
use crm_server::validate::format_time;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Statement};

use super::period::Period;
use crate::replica::{Replica, ReplicaError};
use crate::zone::Zone;

/// Whose figures: the signed-in user, their role and team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub me: String,
    pub role: Role,
    pub team: Option<String>,
}

/// How a scope's rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// A salesperson's one row, or a manager's row per member.
    Person,
    /// An admin's row per team.
    Team,
}

impl Scope {
    pub fn grouping(&self) -> Grouping {
        if self.role == Role::Admin {
            Grouping::Team
        } else {
            Grouping::Person
        }
    }

    /// `people(id, grp)`: the owners whose records count, and the row each counts in.
    fn people(&self) -> &'static str {
        match self.role {
            Role::Admin => "people(id, grp) AS (SELECT id, coalesce(team_id, '') FROM users)",
            Role::Manager => {
                "people(id, grp) AS (SELECT id, id FROM users WHERE team_id = :team OR id = :me)"
            }
            Role::Sales | Role::Agent => {
                "people(id, grp) AS (SELECT id, id FROM users WHERE id = :me)"
            }
        }
    }
}

/// The days the warnings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// An open deal unchanged this long ages in its stage.
    pub stage_days: i64,
    /// A customer without an order this long has no business.
    pub no_business_days: i64,
    /// A customer without a call, visit, meeting or email this long is not contacted.
    pub quiet_days: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            stage_days: 30,
            no_business_days: 180,
            quiet_days: 90,
        }
    }
}

/// One row's sales (a person or a team), amounts in minor units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SalesRow {
    pub group: String,
    pub label: String,
    pub won: i64,
    pub won_count: i64,
    pub lost_count: i64,
    /// Σ days from creation to close of the won deals.
    pub days_to_close: f64,
    /// Open deals closing from today to the period's end, weighted by probability.
    pub open_weighted: i64,
    pub target: i64,
}

impl SalesRow {
    /// Won deals among those closed, percent.
    pub fn win_rate(&self) -> Option<f64> {
        let closed = self.won_count + self.lost_count;
        (closed > 0).then(|| self.won_count as f64 * 100.0 / closed as f64)
    }

    pub fn average_deal(&self) -> Option<i64> {
        (self.won_count > 0).then(|| self.won / self.won_count)
    }

    pub fn average_days(&self) -> Option<f64> {
        (self.won_count > 0).then(|| self.days_to_close / self.won_count as f64)
    }

    /// Won against target, percent.
    pub fn attainment(&self) -> Option<f64> {
        (self.target > 0).then(|| self.won as f64 * 100.0 / self.target as f64)
    }

    /// Open weighted against what remains of the target (none when it is met).
    pub fn coverage(&self) -> Option<f64> {
        let remaining = self.target - self.won;
        (remaining > 0).then(|| self.open_weighted as f64 / remaining as f64)
    }
}

/// Deals that reached a stage, and that share of those that reached the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct StageStep {
    pub stage: String,
    pub reached: i64,
    /// Percent of the previous stage's; None for the first.
    pub rate: Option<f64>,
}

/// Weighted open amounts by month of expected close: this month and the next two.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastRow {
    pub group: String,
    pub label: String,
    pub months: [i64; 3],
}

impl ForecastRow {
    pub fn quarter(&self) -> i64 {
        self.months.iter().sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerRow {
    pub group: String,
    pub label: String,
    pub total: i64,
    pub new: i64,
    pub no_business: i64,
    pub not_contacted: i64,
}

/// A tier of the customer pyramid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    pub name: &'static str,
    pub customers: i64,
    pub revenue: i64,
}

/// The pyramid's tiers by rank of revenue: top 1 %, next 4 %, next 15 %, the other 80 %.
pub const TIERS: [(&str, i64); 4] = [
    ("top 1%", 1),
    ("next 4%", 5),
    ("next 15%", 20),
    ("other 80%", 100),
];

/// Open tickets' ages, in days: under 1, 1–3, 3–7, 7 and more.
pub const AGE_BUCKETS: [&str; 4] = ["<1d", "1-3d", "3-7d", "7d+"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    /// Per priority (`PRIORITIES` order), per age bucket.
    pub open: Vec<[i64; 4]>,
    pub resolved: i64,
    pub resolution_met: i64,
    pub responded: i64,
    pub response_met: i64,
    pub response_minutes: Option<f64>,
    pub resolution_hours: Option<f64>,
    pub rated: i64,
    pub satisfaction: Option<f64>,
    /// Average satisfaction per week of the period (None: no rating that week).
    pub satisfaction_weeks: Vec<Option<f64>>,
    /// Calls in the period by wrap-up code (`-` when none), most first.
    pub calls: Vec<(String, i64)>,
}

impl Service {
    /// Resolved in time, percent.
    pub fn sla_compliance(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.resolution_met as f64 * 100.0 / self.resolved as f64)
    }

    pub fn response_compliance(&self) -> Option<f64> {
        (self.responded > 0).then(|| self.response_met as f64 * 100.0 / self.responded as f64)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityRow {
    pub group: String,
    pub label: String,
    pub visits: i64,
    pub calls: i64,
    pub meetings: i64,
}

/// Everything the dashboard shows for one scope and period.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub period: Period,
    pub grouping: Grouping,
    pub sales: Vec<SalesRow>,
    /// A manager's team's own target, when one is set: it stands for the team's total.
    pub team_target: Option<i64>,
    pub conversion: Vec<StageStep>,
    /// The name of the first won stage, for the list of won deals.
    pub won_stage: Option<String>,
    /// Open deals unchanged for the limit, per open stage (stage order).
    pub ageing: Vec<(String, i64)>,
    pub forecast: Vec<ForecastRow>,
    /// The first of the forecast's three months.
    pub forecast_from: NaiveDate,
    pub customers: Vec<CustomerRow>,
    pub pyramid: Vec<Tier>,
    pub service: Service,
    pub activity: Vec<ActivityRow>,
    /// Visits, calls and meetings per week of the period.
    pub activity_weeks: Vec<i64>,
    /// The value pyramid by suggested level and the warnings standing (`super::value`).
    pub value_levels: Vec<super::value::LevelCount>,
    pub warnings: super::value::WarningCounts,
}

impl Figures {
    /// The scope's sales summed; the target is the team's own when it has one.
    pub fn sales_total(&self) -> SalesRow {
        let mut t = SalesRow {
            label: "total".into(),
            ..SalesRow::default()
        };
        for r in &self.sales {
            t.won += r.won;
            t.won_count += r.won_count;
            t.lost_count += r.lost_count;
            t.days_to_close += r.days_to_close;
            t.open_weighted += r.open_weighted;
            t.target += r.target;
        }
        if let Some(team) = self.team_target {
            t.target = team;
        }
        t
    }

    pub fn revenue(&self) -> i64 {
        self.pyramid.iter().map(|t| t.revenue).sum()
    }
}

/// The values every statement may name; each binds those it uses.
struct Args(Vec<(&'static str, SqlValue)>);

impl Args {
    fn new(
        scope: &Scope,
        period: &Period,
        zone: &Zone,
        now: DateTime<Utc>,
        limits: Limits,
    ) -> Args {
        let day = |d: NaiveDate| SqlValue::Text(d.format("%Y-%m-%d").to_string());
        let time = |t: DateTime<Utc>| SqlValue::Text(format_time(t));
        let today = zone.date(now);
        let month = today.with_day0(0).unwrap_or(today);
        let text = |s: Option<&str>| s.map_or(SqlValue::Null, |s| SqlValue::Text(s.into()));
        Args(vec![
            (":me", SqlValue::Text(scope.me.clone())),
            (":team", text(scope.team.as_deref())),
            (":from", day(period.from)),
            (":to", day(period.to)),
            (":first_month", day(period.first_month())),
            (":today", day(today)),
            (":month", day(month)),
            (
                ":month3",
                day(month
                    .checked_add_months(chrono::Months::new(3))
                    .unwrap_or(month)),
            ),
            (":from_t", time(zone.day_start(period.from))),
            (":to_t", time(zone.day_start(period.to))),
            (":now_t", time(now)),
            (
                ":stage_cut_t",
                time(now - Duration::days(limits.stage_days)),
            ),
            (
                ":quiet_cut_t",
                time(now - Duration::days(limits.quiet_days)),
            ),
            (
                ":idle_cut",
                day(today - Duration::days(limits.no_business_days)),
            ),
            (":day1_t", time(now - Duration::days(1))),
            (":day3_t", time(now - Duration::days(3))),
            (":day7_t", time(now - Duration::days(7))),
        ])
    }

    fn bind(&self, stmt: &mut Statement<'_>) -> Result<(), ReplicaError> {
        for (name, value) in &self.0 {
            if let Some(i) = stmt.parameter_index(name)? {
                stmt.raw_bind_parameter(i, value)?;
            }
        }
        Ok(())
    }
}

/// Runs `sql` (after the scope's `people` CTE) and hands each row to `each`.
fn each(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    sql: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), ReplicaError> {
    let sql = format!("WITH {} {sql}", scope.people());
    let mut stmt = db.prepare_cached(&sql)?;
    args.bind(&mut stmt)?;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        each(row)?;
    }
    Ok(())
}

/// The name of each row's group: a person's display name, a team's name.
fn labels(db: &Connection, grouping: Grouping) -> Result<BTreeMap<String, String>, ReplicaError> {
    let sql = match grouping {
        Grouping::Person => "SELECT id, coalesce(display_name, username) FROM users",
        Grouping::Team => "SELECT id, name FROM teams",
    };
    let mut stmt = db.prepare_cached(sql)?;
    let mut out: BTreeMap<String, String> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    out.insert(String::new(), "no team".into());
    Ok(out)
}

fn label_of(labels: &BTreeMap<String, String>, group: &str) -> String {
    labels
        .get(group)
        .cloned()
        .unwrap_or_else(|| group.to_string())
}

/// Every figure for `scope` over `period`, `now` read in `zone`.
pub fn compute(
    replica: &Replica,
    scope: &Scope,
    period: Period,
    zone: &Zone,
    now: DateTime<Utc>,
    limits: Limits,
) -> Result<Figures, ReplicaError> {
    let db = replica.connection();
    // A manager's team as the replica knows it, when the caller did not say.
    let mut scope = scope.clone();
    if scope.team.is_none() {
        scope.team = db
            .query_row(
                "SELECT team_id FROM users WHERE id = ?1",
                [&scope.me],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
    }
    let scope = &scope;
    let args = Args::new(scope, &period, zone, now, limits);
    let grouping = scope.grouping();
    let labels = labels(db, grouping)?;
    let today = zone.date(now);
    let (sales, team_target) = sales(db, scope, &args, &labels)?;
    Ok(Figures {
        period,
        grouping,
        sales,
        team_target,
        conversion: conversion(db, scope, &args)?,
        won_stage: db
            .query_row(
                "SELECT name FROM stages WHERE kind = 'won' ORDER BY position, name LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?,
        ageing: ageing(db, scope, &args)?,
        forecast: forecast(db, scope, &args, &labels)?,
        forecast_from: today.with_day0(0).unwrap_or(today),
        customers: customers(db, scope, &args, &labels, replica.has_order_summary()?)?,
        pyramid: pyramid(db, scope, &args)?,
        service: service(db, scope, &args, &period)?,
        activity: activity(db, scope, &args, &labels)?,
        activity_weeks: activity_weeks(db, scope, &args, &period)?,
        value_levels: super::value::levels(replica, scope)?,
        warnings: super::value::warnings(replica, scope)?,
    })
}

/// A row per group, made on first sight, kept in label order.
fn row<T: Default>(rows: &mut BTreeMap<String, T>, group: String) -> &mut T {
    rows.entry(group).or_default()
}

fn sorted<T>(
    rows: BTreeMap<String, T>,
    labels: &BTreeMap<String, String>,
    mut set: impl FnMut(&mut T, String, String),
) -> Vec<T> {
    let mut out: Vec<(String, T)> = rows
        .into_iter()
        .map(|(g, mut r)| {
            let label = label_of(labels, &g);
            set(&mut r, g, label.clone());
            (label, r)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, r)| r).collect()
}

fn sales(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    labels: &BTreeMap<String, String>,
) -> Result<(Vec<SalesRow>, Option<i64>), ReplicaError> {
    let mut rows: BTreeMap<String, SalesRow> = BTreeMap::new();
    // Deals closing in the period, and open ones closing from today to its end: a range on
    // the (owner_id, expected_close) index per person.
    each(
        db,
        scope,
        args,
        "SELECT p.grp, \
           sum(CASE WHEN s.kind = 'won' AND c.expected_close >= :from THEN coalesce(c.amount, 0) ELSE 0 END), \
           sum(CASE WHEN s.kind = 'won' AND c.expected_close >= :from THEN 1 ELSE 0 END), \
           sum(CASE WHEN s.kind = 'lost' AND c.expected_close >= :from THEN 1 ELSE 0 END), \
           sum(CASE WHEN s.kind = 'won' AND c.expected_close >= :from \
               THEN julianday(c.expected_close) - julianday(substr(c.created_at, 1, 10)) ELSE 0 END), \
           sum(CASE WHEN coalesce(s.kind, 'open') = 'open' AND c.expected_close >= :today \
               THEN coalesce(c.amount, 0) * coalesce(c.probability, s.probability, 0) / 100 ELSE 0 END) \
         FROM people p JOIN opportunities c ON c.owner_id = p.id \
         LEFT JOIN stages s ON s.id = c.stage_id \
         WHERE c.expected_close >= min(:from, :today) AND c.expected_close < :to \
         GROUP BY p.grp",
        |r| {
            let x = row(&mut rows, r.get(0)?);
            x.won = r.get(1)?;
            x.won_count = r.get(2)?;
            x.lost_count = r.get(3)?;
            x.days_to_close = r.get(4)?;
            x.open_weighted = r.get(5)?;
            Ok(())
        },
    )?;
    // Users' targets of the months the period covers.
    each(
        db,
        scope,
        args,
        "SELECT p.grp, sum(t.amount) FROM people p JOIN targets t ON t.user_id = p.id \
         WHERE t.month >= :first_month AND t.month < :to GROUP BY p.grp",
        |r| {
            row(&mut rows, r.get(0)?).target = r.get(1)?;
            Ok(())
        },
    )?;
    // Teams' own targets: an admin's rows are teams, each its own target when set; a
    // manager's total is their team's.
    let mut teams: BTreeMap<String, i64> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT t.team_id, sum(t.amount) FROM targets t \
         WHERE t.team_id IS NOT NULL AND t.month >= :first_month AND t.month < :to \
         GROUP BY t.team_id",
        |r| {
            teams.insert(r.get(0)?, r.get(1)?);
            Ok(())
        },
    )?;
    let team_target = match scope.role {
        Role::Admin => {
            for (team, amount) in &teams {
                row(&mut rows, team.clone()).target = *amount;
            }
            None
        }
        Role::Manager => scope.team.as_ref().and_then(|t| teams.get(t).copied()),
        _ => None,
    };
    let rows = sorted(rows, labels, |r, g, l| {
        r.group = g;
        r.label = l;
    });
    Ok((rows, team_target))
}

fn conversion(db: &Connection, scope: &Scope, args: &Args) -> Result<Vec<StageStep>, ReplicaError> {
    // Deals closing in the period per stage: a range on (owner_id, expected_close) per person.
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT c.stage_id, count(*) FROM people p JOIN opportunities c ON c.owner_id = p.id \
         WHERE c.expected_close >= :from AND c.expected_close < :to AND c.stage_id IS NOT NULL \
         GROUP BY c.stage_id",
        |r| {
            counts.insert(r.get(0)?, r.get(1)?);
            Ok(())
        },
    )?;
    // (position, name, kind, deals there now) of every stage, in order.
    let mut stages: Vec<(i64, String, String, i64)> = Vec::new();
    let mut stmt =
        db.prepare_cached("SELECT id, position, name, kind FROM stages ORDER BY position, name")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let n = counts.get(&id).copied().unwrap_or(0);
        stages.push((r.get(1)?, r.get(2)?, r.get(3)?, n));
    }
    Ok(conversion_steps(&stages))
}

/// Pure: from the deals now in each stage (position, name, kind, count), how many reached each
/// open stage and then won.
pub fn conversion_steps(stages: &[(i64, String, String, i64)]) -> Vec<StageStep> {
    let won: i64 = stages.iter().filter(|s| s.2 == "won").map(|s| s.3).sum();
    let lost: i64 = stages.iter().filter(|s| s.2 == "lost").map(|s| s.3).sum();
    let open: Vec<&(i64, String, String, i64)> = stages.iter().filter(|s| s.2 == "open").collect();
    let mut steps = Vec::new();
    let mut previous: Option<i64> = None;
    for (i, stage) in open.iter().enumerate() {
        // Those here now, in a later open stage, won, and (first stage only) lost.
        let mut reached: i64 = open[i..].iter().map(|s| s.3).sum::<i64>() + won;
        if i == 0 {
            reached += lost;
        }
        steps.push(step(&stage.1, reached, previous));
        previous = Some(reached);
    }
    steps.push(step("won", won, previous));
    steps
}

fn step(stage: &str, reached: i64, previous: Option<i64>) -> StageStep {
    StageStep {
        stage: stage.to_string(),
        reached,
        rate: previous.map(|p| {
            if p > 0 {
                reached as f64 * 100.0 / p as f64
            } else {
                0.0
            }
        }),
    }
}

fn ageing(db: &Connection, scope: &Scope, args: &Args) -> Result<Vec<(String, i64)>, ReplicaError> {
    let mut out = Vec::new();
    each(
        db,
        scope,
        args,
        "SELECT s.name, \
           (SELECT count(*) FROM opportunities c JOIN people p ON p.id = c.owner_id \
            WHERE c.stage_id = s.id AND c.updated_at < :stage_cut_t) \
         FROM stages s WHERE s.kind = 'open' ORDER BY s.position, s.name",
        |r| {
            out.push((r.get(0)?, r.get(1)?));
            Ok(())
        },
    )?;
    Ok(out)
}

fn forecast(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<ForecastRow>, ReplicaError> {
    let mut rows: BTreeMap<String, ForecastRow> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT p.grp, \
           (CAST(substr(c.expected_close, 1, 4) AS INTEGER) * 12 + CAST(substr(c.expected_close, 6, 2) AS INTEGER)) \
           - (CAST(substr(:month, 1, 4) AS INTEGER) * 12 + CAST(substr(:month, 6, 2) AS INTEGER)), \
           sum(coalesce(c.amount, 0) * coalesce(c.probability, s.probability, 0) / 100) \
         FROM people p JOIN opportunities c ON c.owner_id = p.id \
         LEFT JOIN stages s ON s.id = c.stage_id \
         WHERE c.expected_close >= :month AND c.expected_close < :month3 \
           AND coalesce(s.kind, 'open') = 'open' \
         GROUP BY 1, 2",
        |r| {
            let month: i64 = r.get(1)?;
            if let Some(slot) = usize::try_from(month).ok().filter(|m| *m < 3) {
                row(&mut rows, r.get(0)?).months[slot] = r.get(2)?;
            }
            Ok(())
        },
    )?;
    Ok(sorted(rows, labels, |r, g, l| {
        r.group = g;
        r.label = l;
    }))
}

fn customers(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    labels: &BTreeMap<String, String>,
    order_summary: bool,
) -> Result<Vec<CustomerRow>, ReplicaError> {
    let mut rows: BTreeMap<String, CustomerRow> = BTreeMap::new();
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
    // Those with business (an order) or contact lately, counted from the orders and
    // activities of the window, and taken from the total.
    // Each customer's latest order that counts is kept beside its owner by the replica
    // (`customer_last_order`): a range of its (owner, day) index per person. Until a first
    // sync's build has made it, the orders of the window joined to their customers.
    let mut with_business: BTreeMap<String, i64> = BTreeMap::new();
    let business = if order_summary {
        "SELECT p.grp, count(*) FROM people p \
         JOIN customer_last_order x ON x.owner_id = p.id AND x.last_on >= :idle_cut \
         GROUP BY p.grp"
    } else {
        "SELECT p.grp, count(DISTINCT o.customer_id) FROM orders o \
         JOIN customers c ON c.id = o.customer_id JOIN people p ON p.id = c.owner_id \
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
         JOIN customers c ON c.id = a.customer_id JOIN people p ON p.id = c.owner_id \
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

fn pyramid(db: &Connection, scope: &Scope, args: &Args) -> Result<Vec<Tier>, ReplicaError> {
    let mut tiers: Vec<Tier> = TIERS
        .iter()
        .map(|(name, _)| Tier {
            name,
            customers: 0,
            revenue: 0,
        })
        .collect();
    // Each customer's revenue ranked; a customer's tier by its rank among those with any.
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
                       JOIN customers c ON c.id = o.customer_id JOIN people p ON p.id = c.owner_id \
                       WHERE o.ordered_on >= :from AND o.ordered_on < :to \
                         AND o.status NOT IN ('cancelled', 'returned') \
                       GROUP BY o.customer_id HAVING sum(o.total) > 0))) \
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

fn service(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    period: &Period,
) -> Result<Service, ReplicaError> {
    let mut out = Service {
        open: vec![[0; 4]; PRIORITIES.len()],
        satisfaction_weeks: vec![None; usize::try_from(period.weeks()).unwrap_or(1)],
        ..Service::default()
    };
    each(
        db,
        scope,
        args,
        "SELECT t.priority, CASE WHEN t.created_at >= :day1_t THEN 0 WHEN t.created_at >= :day3_t THEN 1 \
           WHEN t.created_at >= :day7_t THEN 2 ELSE 3 END, count(*) \
         FROM tickets t JOIN customers c ON c.id = t.customer_id JOIN people p ON p.id = c.owner_id \
         WHERE t.status IN ('new', 'open', 'pending') GROUP BY 1, 2",
        |r| {
            let priority: String = r.get(0)?;
            let bucket: i64 = r.get(1)?;
            if let (Some(p), Ok(b)) = (
                PRIORITIES.iter().position(|x| *x == priority),
                usize::try_from(bucket),
            ) && let Some(cell) = out.open.get_mut(p).and_then(|row| row.get_mut(b))
            {
                *cell = r.get(2)?;
            }
            Ok(())
        },
    )?;
    each(
        db,
        scope,
        args,
        "SELECT count(*), \
           sum(CASE WHEN t.resolution_due IS NULL OR t.resolved_at <= t.resolution_due THEN 1 ELSE 0 END), \
           sum(CASE WHEN t.first_responded_at IS NOT NULL THEN 1 ELSE 0 END), \
           sum(CASE WHEN t.first_responded_at IS NOT NULL AND (t.first_response_due IS NULL \
               OR t.first_responded_at <= t.first_response_due) THEN 1 ELSE 0 END), \
           avg((julianday(t.first_responded_at) - julianday(t.created_at)) * 1440), \
           avg((julianday(t.resolved_at) - julianday(t.created_at)) * 24), \
           count(t.satisfaction), avg(t.satisfaction) \
         FROM tickets t JOIN customers c ON c.id = t.customer_id JOIN people p ON p.id = c.owner_id \
         WHERE t.resolved_at >= :from_t AND t.resolved_at < :to_t",
        |r| {
            out.resolved = r.get(0)?;
            out.resolution_met = r.get::<_, Option<i64>>(1)?.unwrap_or(0);
            out.responded = r.get::<_, Option<i64>>(2)?.unwrap_or(0);
            out.response_met = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
            out.response_minutes = r.get(4)?;
            out.resolution_hours = r.get(5)?;
            out.rated = r.get(6)?;
            out.satisfaction = r.get(7)?;
            Ok(())
        },
    )?;
    each(
        db,
        scope,
        args,
        "SELECT CAST((julianday(t.resolved_at) - julianday(:from_t)) / 7 AS INTEGER), avg(t.satisfaction) \
         FROM tickets t JOIN customers c ON c.id = t.customer_id JOIN people p ON p.id = c.owner_id \
         WHERE t.resolved_at >= :from_t AND t.resolved_at < :to_t AND t.satisfaction IS NOT NULL \
         GROUP BY 1",
        |r| {
            let week: i64 = r.get(0)?;
            if let Some(slot) = usize::try_from(week)
                .ok()
                .and_then(|w| out.satisfaction_weeks.get_mut(w))
            {
                *slot = r.get(1)?;
            }
            Ok(())
        },
    )?;
    each(
        db,
        scope,
        args,
        "SELECT coalesce(a.outcome, '-'), count(*) FROM activities a JOIN people p ON p.id = a.owner_id \
         WHERE a.starts_at >= :from_t AND a.starts_at < :to_t AND a.kind = 'call' \
         GROUP BY 1 ORDER BY 2 DESC, 1",
        |r| {
            out.calls.push((r.get(0)?, r.get(1)?));
            Ok(())
        },
    )?;
    Ok(out)
}

fn activity(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<ActivityRow>, ReplicaError> {
    let mut rows: BTreeMap<String, ActivityRow> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT p.grp, a.kind, count(*) FROM activities a JOIN people p ON p.id = a.owner_id \
         WHERE a.starts_at >= :from_t AND a.starts_at < :to_t \
           AND a.kind IN ('visit', 'call', 'meeting') GROUP BY 1, 2",
        |r| {
            let kind: String = r.get(1)?;
            let n: i64 = r.get(2)?;
            let x = row(&mut rows, r.get(0)?);
            match kind.as_str() {
                "visit" => x.visits = n,
                "call" => x.calls = n,
                _ => x.meetings = n,
            }
            Ok(())
        },
    )?;
    Ok(sorted(rows, labels, |r, g, l| {
        r.group = g;
        r.label = l;
    }))
}

fn activity_weeks(
    db: &Connection,
    scope: &Scope,
    args: &Args,
    period: &Period,
) -> Result<Vec<i64>, ReplicaError> {
    let mut weeks = vec![0; usize::try_from(period.weeks()).unwrap_or(1)];
    each(
        db,
        scope,
        args,
        "SELECT CAST((julianday(a.starts_at) - julianday(:from_t)) / 7 AS INTEGER), count(*) \
         FROM activities a JOIN people p ON p.id = a.owner_id \
         WHERE a.starts_at >= :from_t AND a.starts_at < :to_t \
           AND a.kind IN ('visit', 'call', 'meeting') GROUP BY 1",
        |r| {
            let week: i64 = r.get(0)?;
            if let Some(slot) = usize::try_from(week).ok().and_then(|w| weeks.get_mut(w)) {
                *slot = r.get(1)?;
            }
            Ok(())
        },
    )?;
    Ok(weeks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(pos: i64, name: &str, kind: &str, n: i64) -> (i64, String, String, i64) {
        (pos, name.into(), kind.into(), n)
    }

    #[test]
    fn conversion_counts_each_deal_as_having_reached_every_stage_before_its_own() {
        let steps = conversion_steps(&[
            stage(1, "lead", "open", 4),
            stage(2, "proposal", "open", 2),
            stage(3, "won", "won", 3),
            stage(4, "lost", "lost", 1),
        ]);
        let reached: Vec<i64> = steps.iter().map(|s| s.reached).collect();
        // lead: 4 + 2 + 3 won + 1 lost; proposal: 2 + 3; won: 3.
        assert_eq!(reached, vec![10, 5, 3]);
        assert_eq!(steps[0].rate, None);
        assert_eq!(steps[1].rate, Some(50.0));
        assert_eq!(steps[2].rate, Some(60.0));
    }
}
