//! User and team rules: unique usernames and team names.

use serde_json::Value;

use super::text;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};

/// Refuses a change that would leave no active admin (an admin demoting or disabling themselves
/// last of all): nobody could then manage users, and only the server's own console could mend it.
pub(super) fn keep_an_admin(
    tx: &dyn Tx,
    current: &Record,
    record: &Record,
) -> Result<(), ApiError> {
    let active_admin = |r: &Record| {
        text(r, "role") == Some("admin") && r.get("active") == Some(&Value::Bool(true))
    };
    if !active_admin(current) || active_admin(record) {
        return Ok(());
    }
    let admins = ListQuery {
        filters: vec![
            ("role", Value::String("admin".into())),
            ("active", Value::Bool(true)),
        ],
        sort: "created_at",
        limit: 2,
        ..ListQuery::default()
    };
    let others = tx
        .list(Entity::Users, &admins, None)?
        .iter()
        .filter(|u| text(u, "id") != text(current, "id"))
        .count();
    if others == 0 {
        return Err(ApiError::Conflict {
            message: "this is the last active admin; make another user an admin first".into(),
            existing: None,
        });
    }
    Ok(())
}

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
