//! The sales panel: won against target, conversion, deals ageing in a stage, the forecast.

use std::collections::BTreeMap;

use crm_server::access::Role;
use rusqlite::Connection;

use super::{Args, ForecastRow, SalesRow, Scope, StageStep, each, row, sorted};
use crate::replica::ReplicaError;

pub(super) fn sales(
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
         FROM people p CROSS JOIN opportunities c ON c.owner_id = p.id \
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

pub(super) fn conversion(
    db: &Connection,
    scope: &Scope,
    args: &Args,
) -> Result<Vec<StageStep>, ReplicaError> {
    // Deals closing in the period per stage: a range of `dashboard_deals` (owner_id,
    // expected_close, stage_id, …) per person; people first, or the planner read every deal
    // by stage.
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    each(
        db,
        scope,
        args,
        "SELECT c.stage_id, count(*) FROM people p CROSS JOIN opportunities c ON c.owner_id = p.id \
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

pub(super) fn ageing(
    db: &Connection,
    scope: &Scope,
    args: &Args,
) -> Result<Vec<(String, i64)>, ReplicaError> {
    let mut out = Vec::new();
    each(
        db,
        scope,
        args,
        // People first (`CROSS JOIN` keeps that order): a range of the (owner_id, stage_id,
        // updated_at) index per person and stage, counted from the index alone. Left to the
        // planner it read the stage's deals by the funnel's index and each deal's row.
        "SELECT s.name, \
           (SELECT count(*) FROM people p CROSS JOIN opportunities c \
            WHERE c.owner_id = p.id AND c.stage_id = s.id AND c.updated_at < :stage_cut_t) \
         FROM stages s WHERE s.kind = 'open' ORDER BY s.position, s.name",
        |r| {
            out.push((r.get(0)?, r.get(1)?));
            Ok(())
        },
    )?;
    Ok(out)
}

pub(super) fn forecast(
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
         FROM people p CROSS JOIN opportunities c ON c.owner_id = p.id \
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
