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
use crm_server::validate::format_time;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Statement};

use super::period::Period;

mod customers;
mod sales;
mod service;

use self::customers::{customers, pyramid};
pub use self::sales::conversion_steps;
use self::sales::{ageing, conversion, forecast, sales};
use self::service::{activity, activity_weeks, service};
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

/// Which of the replica's kept summaries (`replica::summaries`) are there to read; until a
/// first sync's build has made them the figures read the rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Summaries {
    pub order: bool,
    pub value: bool,
}

/// The values every statement may name; each binds those it uses.
pub(super) struct Args(Vec<(&'static str, SqlValue)>);

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
pub(super) fn each(
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
pub(super) fn labels(
    db: &Connection,
    grouping: Grouping,
) -> Result<BTreeMap<String, String>, ReplicaError> {
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
    compute_timed(replica, scope, period, zone, now, limits, &mut |_, _| {})
}

/// [`compute`], telling `took` how long each figure's statements took (the bench's breakdown).
pub fn compute_timed(
    replica: &Replica,
    scope: &Scope,
    period: Period,
    zone: &Zone,
    now: DateTime<Utc>,
    limits: Limits,
    took: &mut dyn FnMut(&'static str, std::time::Duration),
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
    let (sales, team_target) = timed("sales", took, || sales(db, scope, &args, &labels))?;
    let conversion = timed("conversion", took, || conversion(db, scope, &args))?;
    let won_stage = db
        .query_row(
            "SELECT name FROM stages WHERE kind = 'won' ORDER BY position, name LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let ageing = timed("ageing", took, || ageing(db, scope, &args))?;
    let forecast = timed("forecast", took, || forecast(db, scope, &args, &labels))?;
    let summaries = Summaries {
        order: replica.has_order_summary()?,
        value: replica.has_value_summary()?,
    };
    let customers = timed("customers", took, || {
        customers(db, scope, &args, &labels, summaries)
    })?;
    let pyramid = timed("pyramid", took, || pyramid(db, scope, &args))?;
    let service = timed("service", took, || service(db, scope, &args, &period))?;
    let (activity, activity_weeks) = timed("activity", took, || {
        Ok((
            activity(db, scope, &args, &labels)?,
            activity_weeks(db, scope, &args, &period)?,
        ))
    })?;
    let value_levels = timed("value levels", took, || {
        super::value::levels(replica, scope)
    })?;
    let warnings = timed("warnings", took, || super::value::warnings(replica, scope))?;
    Ok(Figures {
        period,
        grouping,
        sales,
        team_target,
        conversion,
        won_stage,
        ageing,
        forecast,
        forecast_from: today.with_day0(0).unwrap_or(today),
        customers,
        pyramid,
        service,
        activity,
        activity_weeks,
        value_levels,
        warnings,
    })
}

/// Runs one figure's statements, telling `took` how long they took.
fn timed<T>(
    name: &'static str,
    took: &mut dyn FnMut(&'static str, std::time::Duration),
    figure: impl FnOnce() -> Result<T, ReplicaError>,
) -> Result<T, ReplicaError> {
    let start = std::time::Instant::now();
    let out = figure();
    took(name, start.elapsed());
    out
}

/// A row per group, made on first sight, kept in label order.
pub(super) fn row<T: Default>(rows: &mut BTreeMap<String, T>, group: String) -> &mut T {
    rows.entry(group).or_default()
}

pub(super) fn sorted<T>(
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
