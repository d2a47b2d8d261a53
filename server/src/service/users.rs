//! User and team rules: unique usernames and team names.

use serde_json::{Value, json};

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

/// A team found by name, or made now.
pub struct NamedTeam {
    pub id: String,
    /// It did not exist and was made by this call.
    pub made: bool,
}

/// The team called `name`, made (by the system, through [`super::create`]) when there is none:
/// a team of that name made by hand is reused. Used by `crm-server user add --team` and the
/// demo seed.
pub fn team_named(tx: &dyn Tx, name: &str) -> Result<NamedTeam, ApiError> {
    let query = ListQuery {
        filters: vec![("name", json!(name))],
        sort: "name",
        limit: 1,
        ..ListQuery::default()
    };
    let (record, made) = match tx.list(Entity::Teams, &query, None)?.into_iter().next() {
        Some(team) => (team, false),
        None => {
            let mut body = Record::new();
            body.insert("name".into(), json!(name));
            let system = crate::system_actor();
            (
                super::create(tx, &system, Entity::Teams, &body, false)?.record,
                true,
            )
        }
    };
    let id = text(&record, "id")
        .ok_or_else(|| ApiError::Internal("a team has no id".into()))?
        .to_string();
    Ok(NamedTeam { id, made })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    #[test]
    fn a_team_is_made_once_and_found_by_name_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_sqlite(&dir.path().join("t.db")).unwrap();
        let first = store::write(db.as_ref(), |tx| team_named(tx, "呼叫中心")).unwrap();
        let again = store::write(db.as_ref(), |tx| team_named(tx, "呼叫中心")).unwrap();
        let other = store::write(db.as_ref(), |tx| team_named(tx, "International")).unwrap();
        assert!(first.made && !again.made && other.made);
        assert_eq!(first.id, again.id);
        assert_ne!(first.id, other.id);
        let count = store::read(db.as_ref(), |tx| {
            let all = ListQuery {
                sort: "name",
                limit: 10,
                ..ListQuery::default()
            };
            Ok::<_, ApiError>(tx.list(Entity::Teams, &all, None)?.len())
        })
        .unwrap();
        assert_eq!(count, 2);
    }
}
