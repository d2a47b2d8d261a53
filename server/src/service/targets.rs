//! Targets (quotas) checked beyond their fields: exactly one of a user, a team and a dealer, a month given
//! by its first day, one target per user or team and month. Who may set which is `access`'s.

use super::products::where_eq;
use super::text;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, Tx};

/// Targets one user or team holds at most that a duplicate check reads: a century of months.
const MAX_TARGETS: usize = 1_200;

pub(super) fn prepare(tx: &dyn Tx, record: &Record) -> Result<(), ApiError> {
    let holder = match (
        text(record, "user_id"),
        text(record, "team_id"),
        text(record, "customer_id"),
    ) {
        (Some(user), None, None) => ("user_id", user),
        (None, Some(team), None) => ("team_id", team),
        (None, None, Some(dealer)) => {
            if !super::dealers::is_dealer(tx, dealer)? {
                return Err(ApiError::invalid(
                    "customer_id",
                    "a customer's target is a dealer's; choose a customer of category dealer",
                ));
            }
            ("customer_id", dealer)
        }
        (None, None, None) => {
            return Err(ApiError::invalid(
                "user_id",
                "name the user (or the team, or the dealer) the target is for",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "team_id",
                "a target is one user's, one team's or one dealer's; leave the others empty",
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
        let whose = match field {
            "user_id" => "user",
            "team_id" => "team",
            _ => "dealer",
        };
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
