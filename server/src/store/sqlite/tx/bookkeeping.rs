//! The primitives of `Tx` besides rows, read sets and the change feed, in SQLite's SQL: audit
//! entries, the duplicate and uniqueness checks, counters, SLA policies, teams, credentials and
//! sessions, and idempotent answers. `SqliteTx`'s trait methods call these.

use super::*;
use crate::store::{IDEMPOTENCY_HOURS, IDEMPOTENCY_PRUNE_EVERY};

static ANSWERS_REMEMBERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(super) fn audit(tx: &SqliteTx<'_>, entry: &AuditEntry) -> Result<(), StorageError> {
    tx.0
        .prepare_cached(
            "INSERT INTO audit (at, actor_id, action, entity, record_id, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            format_time(chrono::Utc::now()),
            entry.actor_id,
            entry.action,
            entry.entity.map(Entity::name),
            entry.record_id,
            entry.changes.as_ref().map(Value::to_string),
        ])?;
    Ok(())
}

pub(super) fn audit_trail(
    tx: &SqliteTx<'_>,
    entity: Entity,
    id: &str,
    limit: usize,
) -> Result<Vec<Value>, StorageError> {
    let mut stmt = tx.0.prepare_cached(
        "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.changes FROM audit a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.entity = ?1 AND a.record_id = ?2 ORDER BY a.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![entity.name(), id, limit as i64], |r| {
        let changes: Option<String> = r.get(5)?;
        Ok(serde_json::json!({
            "id": r.get::<_, i64>(0)?,
            "at": r.get::<_, String>(1)?,
            "actor_id": r.get::<_, Option<String>>(2)?,
            "actor": r.get::<_, Option<String>>(3)?,
            "action": r.get::<_, String>(4)?,
            "changes": changes.and_then(|c| serde_json::from_str::<Value>(&c).ok()),
        }))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn last_audit(
    tx: &SqliteTx<'_>,
    entity: Entity,
    id: &str,
    action: &str,
) -> Result<Option<Value>, StorageError> {
    let changes: Option<Option<String>> =
        tx.0.prepare_cached(
            "SELECT changes FROM audit WHERE entity = ?1 AND record_id = ?2 AND action = ?3
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![entity.name(), id, action], |r| r.get(0))
        .optional()?;
    Ok(changes
        .flatten()
        .and_then(|c| serde_json::from_str::<Value>(&c).ok()))
}

pub(super) fn find_duplicates(
    tx: &SqliteTx<'_>,
    keys: &Hidden,
    except: Option<&str>,
) -> Result<Vec<Record>, StorageError> {
    let mut found: Vec<Record> = Vec::new();
    for (column, key) in keys {
        let Some(key) = key else { continue };
        if !hidden_columns(Entity::Customers).contains(column) {
            continue;
        }
        let sql_text = format!(
            "{} WHERE {column} = ?1 AND deleted = 0 AND id IS NOT ?2 LIMIT 5",
            sql(Entity::Customers).select
        );
        let mut stmt = tx.0.prepare_cached(&sql_text)?;
        let rows = stmt.query_map(params![key, except], |row| read_row(Entity::Customers, row))?;
        for row in rows {
            let record = row?.record;
            if !found.iter().any(|r| r.get("id") == record.get("id")) {
                found.push(record);
            }
        }
    }
    Ok(found)
}

pub(super) fn shared_keys(
    tx: &SqliteTx<'_>,
    entity: Entity,
    column: &str,
    limit: usize,
) -> Result<Vec<(String, String)>, StorageError> {
    if !hidden_columns(entity).contains(&column) {
        return Ok(Vec::new());
    }
    let table = entity.name();
    // The keys held twice or more, grouped over the key's index; then their holders.
    let sql_text = format!(
        "SELECT {column}, id FROM {table} WHERE deleted = 0 AND {column} IN \
         (SELECT {column} FROM {table} WHERE deleted = 0 AND {column} IS NOT NULL AND {column} != '' \
          GROUP BY {column} HAVING count(*) > 1) ORDER BY {column}, id LIMIT ?1"
    );
    let mut stmt = tx.0.prepare_cached(&sql_text)?;
    let rows = stmt.query_map(params![limit as i64], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

pub(super) fn code_taken(
    tx: &SqliteTx<'_>,
    code: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    Ok(tx
        .0
        .prepare_cached("SELECT 1 FROM customers WHERE code = ?1 AND id IS NOT ?2")?
        .exists(params![code, except])?)
}

pub(super) fn username_taken(
    tx: &SqliteTx<'_>,
    username: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    Ok(tx
        .0
        .prepare_cached("SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE AND deleted = 0 AND id IS NOT ?2")?
        .exists(params![username, except])?)
}

pub(super) fn name_taken(
    tx: &SqliteTx<'_>,
    entity: Entity,
    name: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    let sql_text = format!(
        "SELECT 1 FROM {} WHERE name = ?1 COLLATE NOCASE AND deleted = 0 AND id IS NOT ?2",
        entity.name()
    );
    Ok(tx
        .0
        .prepare_cached(&sql_text)?
        .exists(params![name, except])?)
}

pub(super) fn next_counter(tx: &SqliteTx<'_>, name: &str) -> Result<i64, StorageError> {
    Ok(tx
        .0
        .prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, 1)
             ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        )?
        .query_row([name], |r| r.get(0))?)
}

pub(super) fn sla(tx: &SqliteTx<'_>, priority: &str) -> Result<(i64, i64), StorageError> {
    Ok(tx
        .0
        .prepare_cached("SELECT first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = ?1")?
        .query_row([priority], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((240, 1440)))
}

pub(super) fn team_of(tx: &SqliteTx<'_>, user_id: &str) -> Result<Option<String>, StorageError> {
    Ok(tx
        .0
        .prepare_cached("SELECT team_id FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

pub(super) fn credentials(
    tx: &SqliteTx<'_>,
    username: &str,
) -> Result<Option<Credentials>, StorageError> {
    Ok(tx
        .0
        .prepare_cached(
            "SELECT id, username, role, team_id, password_hash, active FROM users
             WHERE username = ?1 COLLATE NOCASE AND deleted = 0",
        )?
        .query_row([username], |r| {
            let role: String = r.get(2)?;
            Ok(Credentials {
                actor: Actor {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    role: Role::parse(&role).unwrap_or(Role::Agent),
                    team_id: r.get(3)?,
                },
                password_hash: r.get(4)?,
                active: r.get(5)?,
            })
        })
        .optional()?)
}

pub(super) fn set_password_hash(
    tx: &SqliteTx<'_>,
    user_id: &str,
    hash: &str,
) -> Result<(), StorageError> {
    tx.0.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![user_id, hash])?;
    Ok(())
}

pub(super) fn create_session(
    tx: &SqliteTx<'_>,
    token_hash: &str,
    user_id: &str,
    expires_at: &str,
) -> Result<(), StorageError> {
    tx.0
        .prepare_cached("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![token_hash, user_id, format_time(chrono::Utc::now()), expires_at])?;
    Ok(())
}

pub(super) fn session_actor(
    tx: &SqliteTx<'_>,
    token_hash: &str,
    now: &str,
) -> Result<Option<Actor>, StorageError> {
    Ok(tx
        .0
        .prepare_cached(
            "SELECT u.id, u.username, u.role, u.team_id FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.active = 1 AND u.deleted = 0",
        )?
        .query_row(params![token_hash, now], |r| {
            let role: String = r.get(2)?;
            Ok(Actor {
                id: r.get(0)?,
                username: r.get(1)?,
                role: Role::parse(&role).unwrap_or(Role::Agent),
                team_id: r.get(3)?,
            })
        })
        .optional()?)
}

pub(super) fn delete_session(tx: &SqliteTx<'_>, token_hash: &str) -> Result<(), StorageError> {
    tx.0.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

pub(super) fn delete_sessions_of(tx: &SqliteTx<'_>, user_id: &str) -> Result<(), StorageError> {
    tx.0.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
        .execute([user_id])?;
    Ok(())
}

pub(super) fn idempotent_answer(
    tx: &SqliteTx<'_>,
    user_id: &str,
    key: &str,
) -> Result<Option<IdempotentAnswer>, StorageError> {
    Ok(tx
        .0
        .prepare_cached(
            "SELECT request, status, body FROM idempotency WHERE user_id = ?1 AND key = ?2",
        )?
        .query_row(params![user_id, key], |r| {
            Ok(IdempotentAnswer {
                request: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
            })
        })
        .optional()?)
}

pub(super) fn remember_answer(
    tx: &SqliteTx<'_>,
    user_id: &str,
    key: &str,
    answer: &IdempotentAnswer,
) -> Result<(), StorageError> {
    let now = chrono::Utc::now();
    tx.0
        .prepare_cached(
            "INSERT OR REPLACE INTO idempotency (user_id, key, request, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            user_id,
            key,
            answer.request,
            answer.status,
            answer.body,
            format_time(now)
        ])?;
    let n = ANSWERS_REMEMBERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if n.is_multiple_of(IDEMPOTENCY_PRUNE_EVERY) {
        tx.forget_answers_before(now - chrono::Duration::hours(IDEMPOTENCY_HOURS))?;
    }
    Ok(())
}

impl SqliteTx<'_> {
    /// Drops the remembered answers of keys first used before `cutoff`.
    pub(in crate::store::sqlite) fn forget_answers_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StorageError> {
        Ok(self
            .0
            .prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
            .execute([format_time(cutoff)])?)
    }
}
