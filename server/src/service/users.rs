//! User and team rules: unique usernames and team names.

use super::text;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{Record, Tx};

pub(super) fn prepare_user(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").map(String::from);
    let username = text(record, "username").unwrap_or_default();
    if username.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid("username", "must not contain spaces"));
    }
    if old.is_none_or(|o| o.get("username") != record.get("username"))
        && tx.username_taken(username, id.as_deref())?
    {
        return Err(ApiError::Conflict {
            message: format!("username {username} is taken"),
            existing: None,
        });
    }
    Ok(())
}

pub(super) fn prepare_team(
    tx: &dyn Tx,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    let id = text(record, "id").map(String::from);
    let name = text(record, "name").unwrap_or_default();
    if old.is_none_or(|o| o.get("name") != record.get("name"))
        && tx.name_taken(Entity::Teams, name, id.as_deref())?
    {
        return Err(ApiError::Conflict {
            message: format!("a team named {name} exists"),
            existing: None,
        });
    }
    Ok(())
}
