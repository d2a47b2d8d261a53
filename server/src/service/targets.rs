//! Targets (quotas) checked beyond their fields: exactly one of a user and a team, a month given
//! by its first day, one target per user or team and month. Who may set which is `access`'s.

use super::products::where_eq;
use super::text;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// Targets one user or team holds at most that a duplicate check reads: a century of months.
const MAX_TARGETS: usize = 1_200;

pub(super) fn prepare(tx: &dyn Tx, record: &Record) -> Result<(), ApiError> {
    let holder = match (text(record, "user_id"), text(record, "team_id")) {
        (Some(user), None) => ("user_id", user),
        (None, Some(team)) => ("team_id", team),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "team_id",
                "a target is a user's or a team's, not both; leave one empty",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "user_id",
                "name the user (or the team) the target is for",
            ));
        }
    };
    let month = text(record, "month").unwrap_or_default();
    if !month.ends_with("-01") {
        return Err(ApiError::invalid(
            "month",
            "give the month by its first day, e.g. 2026-12-01",
        ));
    }
    let id = text(record, "id");
    let (field, value) = holder;
    let taken = where_eq(tx, Entity::Targets, field, value, MAX_TARGETS)?
        .iter()
        .any(|r| text(r, "id") != id && text(r, "month") == Some(month));
    if taken {
        let whose = if field == "user_id" { "user" } else { "team" };
        return Err(ApiError::Conflict {
            message: format!(
                "this {whose} already has a target for {}; change that one",
                month.get(..7).unwrap_or(month)
            ),
            existing: None,
        });
    }
    Ok(())
}
