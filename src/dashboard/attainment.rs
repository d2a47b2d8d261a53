//! The month's target the funnel sets its won amount against (issue 12: attainment in the
//! funnel): one person's when the funnel shows one owner's deals (or the signed-in
//! salesperson's own), a manager's team's — its own target when one is set, else its members'
//! summed, as the dashboard's sales total reads it —, an admin's every team's. Read from the
//! replica's `targets`, which holds exactly the targets the user may read.

use chrono::NaiveDate;
use crm_server::access::Role;
use rusqlite::OptionalExtension;

use crate::replica::{Replica, ReplicaError};

/// Whose target the funnel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    /// One user's (the funnel's owner filter, or a salesperson's own).
    User(String),
    /// A team's: its own target, else its members'.
    Team(String),
    /// Every team's (an admin's funnel over everyone).
    Everyone,
}

impl Whose {
    /// Whose target a funnel of `owner` (its filter) shows to `me` in `role` on `team`.
    pub fn of(owner: Option<&str>, me: &str, role: Role, team: Option<&str>) -> Whose {
        match (owner, role, team) {
            (Some(owner), ..) => Whose::User(owner.to_string()),
            (None, Role::Manager, Some(team)) => Whose::Team(team.to_string()),
            (None, Role::Admin, _) => Whose::Everyone,
            _ => Whose::User(me.to_string()),
        }
    }
}

/// The target of `month` (its first day) for `whose`; None when none is set.
pub fn month_target(
    replica: &Replica,
    whose: &Whose,
    month: NaiveDate,
) -> Result<Option<i64>, ReplicaError> {
    let db = replica.connection();
    let month = month.format("%Y-%m-01").to_string();
    let one = |sql: &str, who: &str| -> Result<Option<i64>, ReplicaError> {
        Ok(db
            .query_row(sql, [who, month.as_str()], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    };
    match whose {
        Whose::User(user) => one(
            "SELECT sum(amount) FROM targets WHERE user_id = ?1 AND month = ?2",
            user,
        ),
        Whose::Team(team) => match one(
            "SELECT sum(amount) FROM targets WHERE team_id = ?1 AND month = ?2",
            team,
        )? {
            Some(own) => Ok(Some(own)),
            None => one(
                "SELECT sum(t.amount) FROM targets t JOIN users u ON u.id = t.user_id \
                 WHERE u.team_id = ?1 AND t.month = ?2",
                team,
            ),
        },
        Whose::Everyone => {
            let teams = one(
                "SELECT sum(amount) FROM targets WHERE team_id IS NOT NULL AND ?1 = ?1 \
                 AND month = ?2",
                "",
            )?;
            match teams {
                Some(sum) => Ok(Some(sum)),
                None => one(
                    "SELECT sum(amount) FROM targets WHERE user_id IS NOT NULL AND ?1 = ?1 \
                     AND month = ?2",
                    "",
                ),
            }
        }
    }
}

/// Won against target, in whole percent (None without a target).
pub fn percent(won: i64, target: Option<i64>) -> Option<i64> {
    let target = target.filter(|t| *t > 0)?;
    Some(((i128::from(won) * 100 + i128::from(target) / 2) / i128::from(target)) as i64)
}
