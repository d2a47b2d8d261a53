//! The service and activity panels: open tickets by age, SLA, ratings, calls by outcome;
//! visits, calls and meetings per person and per week.

use std::collections::BTreeMap;

use crm_server::schema::PRIORITIES;
use rusqlite::Connection;

use super::super::period::Period;
use super::{ActivityRow, Args, Scope, Service, each, row, sorted};
use crate::replica::ReplicaError;

pub(super) fn service(
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
         FROM tickets t CROSS JOIN customers c ON c.id = t.customer_id CROSS JOIN people p ON p.id = c.owner_id \
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
         FROM tickets t CROSS JOIN customers c ON c.id = t.customer_id CROSS JOIN people p ON p.id = c.owner_id \
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
         FROM tickets t CROSS JOIN customers c ON c.id = t.customer_id CROSS JOIN people p ON p.id = c.owner_id \
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

pub(super) fn activity(
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

pub(super) fn activity_weeks(
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
