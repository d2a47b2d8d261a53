//! The primitives of `Tx` besides rows, read sets and the change feed, in PostgreSQL's SQL, as
//! `sqlite/tx/bookkeeping.rs` holds them for SQLite: audit entries, the duplicate and uniqueness
//! checks, counters, SLA policies, teams, credentials and sessions, and idempotent answers.
//! `PgTx`'s trait methods call these.

use super::*;
use crate::access::Role;
use crate::store::{IDEMPOTENCY_HOURS, IDEMPOTENCY_PRUNE_EVERY};

static ANSWERS_REMEMBERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(super) fn audit(tx: &PgTx<'_>, entry: &AuditEntry) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO audit (at, actor_id, action, entity, record_id, changes) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &format_time(chrono::Utc::now()),
            &entry.actor_id,
            &entry.action,
            &entry.entity.map(Entity::name),
            &entry.record_id,
            &entry.changes.as_ref().map(Value::to_string),
        ],
    )?;
    Ok(())
}

pub(super) fn audit_trail(
    tx: &PgTx<'_>,
    entity: Entity,
    id: &str,
    limit: usize,
) -> Result<Vec<Value>, StorageError> {
    let rows = tx.query(
        "SELECT a.id, a.at, a.actor_id, u.username, a.action, a.changes FROM audit a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.entity = $1 AND a.record_id = $2 ORDER BY a.id LIMIT $3",
        &[&entity.name(), &id, &(limit as i64)],
    )?;
    rows.iter()
        .map(|r| {
            let changes: Option<&str> = r.try_get(5)?;
            Ok(serde_json::json!({
                "id": r.try_get::<_, i64>(0)?,
                "at": r.try_get::<_, String>(1)?,
                "actor_id": r.try_get::<_, Option<String>>(2)?,
                "actor": r.try_get::<_, Option<String>>(3)?,
                "action": r.try_get::<_, String>(4)?,
                "changes": changes.and_then(|c| serde_json::from_str::<Value>(c).ok()),
            }))
        })
        .collect()
}

pub(super) fn last_audit(
    tx: &PgTx<'_>,
    entity: Entity,
    id: &str,
    action: &str,
) -> Result<Option<Value>, StorageError> {
    let rows = tx.query(
        "SELECT changes FROM audit WHERE entity = $1 AND record_id = $2 AND action = $3
         ORDER BY id DESC LIMIT 1",
        &[&entity.name(), &id, &action],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let changes: Option<&str> = row.try_get(0)?;
    Ok(changes.and_then(|c| serde_json::from_str::<Value>(c).ok()))
}

/// Each key is locked first (in one order, so two checks never wait on each other in a
/// circle): two concurrent creates of the same customer cannot both find no duplicate.
pub(super) fn find_duplicates(
    tx: &PgTx<'_>,
    keys: &Hidden,
    except: Option<&str>,
) -> Result<Vec<Record>, StorageError> {
    let mut wanted: Vec<(&str, &str)> = keys
        .iter()
        .filter(|(column, _)| hidden_columns(Entity::Customers).contains(column))
        .filter_map(|(column, key)| key.as_deref().map(|k| (*column, k)))
        .collect();
    wanted.sort_unstable();
    for (column, key) in &wanted {
        tx.lock_key(&format!("customers.{column}={key}"))?;
    }
    let mut found: Vec<Record> = Vec::new();
    for (column, key) in wanted {
        let text = format!(
            "{} WHERE {column} = $1 AND NOT deleted AND id IS DISTINCT FROM $2 LIMIT 5",
            sql(Entity::Customers).select
        );
        for row in tx.query(&text, &[&key, &except])? {
            let record = read_row(Entity::Customers, &row)?.record;
            if !found.iter().any(|r| r.get("id") == record.get("id")) {
                found.push(record);
            }
        }
    }
    Ok(found)
}

pub(super) fn shared_keys(
    tx: &PgTx<'_>,
    entity: Entity,
    column: &str,
    limit: usize,
) -> Result<Vec<(String, String)>, StorageError> {
    if !hidden_columns(entity).contains(&column) {
        return Ok(Vec::new());
    }
    let table = entity.name();
    // The keys held twice or more, grouped over the key's index; then their holders.
    let text = format!(
        "SELECT {column}, id FROM {table} WHERE NOT deleted AND {column} IN \
         (SELECT {column} FROM {table} WHERE NOT deleted AND {column} IS NOT NULL AND {column} <> '' \
          GROUP BY {column} HAVING count(*) > 1) ORDER BY {column}, id LIMIT $1"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    for row in tx.query(&text, &[&limit])? {
        out.push((row.try_get::<_, String>(0)?, row.try_get::<_, String>(1)?));
    }
    Ok(out)
}

pub(super) fn code_taken(
    tx: &PgTx<'_>,
    code: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM customers WHERE code = $1 AND id IS DISTINCT FROM $2 LIMIT 1",
            &[&code, &except],
        )?
        .is_some())
}

pub(super) fn username_taken(
    tx: &PgTx<'_>,
    username: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM users WHERE lower(username) = lower($1) AND NOT deleted AND id IS DISTINCT FROM $2 LIMIT 1",
            &[&username, &except],
        )?
        .is_some())
}

pub(super) fn name_taken(
    tx: &PgTx<'_>,
    entity: Entity,
    name: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    let text = format!(
        "SELECT 1 FROM {} WHERE lower(name) = lower($1) AND NOT deleted AND id IS DISTINCT FROM $2 LIMIT 1",
        entity.name()
    );
    Ok(tx.query_opt(&text, &[&name, &except])?.is_some())
}

pub(super) fn next_counter(tx: &PgTx<'_>, name: &str) -> Result<i64, StorageError> {
    let rows = tx.query(
        "INSERT INTO counters (name, value) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        &[&name],
    )?;
    Ok(rows
        .first()
        .ok_or_else(|| StorageError::Other("a counter returned no value".into()))?
        .try_get(0)?)
}

pub(super) fn sla(tx: &PgTx<'_>, priority: &str) -> Result<(i64, i64), StorageError> {
    Ok(tx
        .query_opt(
            "SELECT first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = $1",
            &[&priority],
        )?
        .map(|r| Ok::<_, StorageError>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?
        .unwrap_or((240, 1440)))
}

pub(super) fn team_of(tx: &PgTx<'_>, user_id: &str) -> Result<Option<String>, StorageError> {
    Ok(tx
        .query_opt("SELECT team_id FROM users WHERE id = $1", &[&user_id])?
        .map(|r| r.try_get::<_, Option<String>>(0))
        .transpose()?
        .flatten())
}

pub(super) fn credentials(
    tx: &PgTx<'_>,
    username: &str,
) -> Result<Option<Credentials>, StorageError> {
    let Some(r) = tx.query_opt(
        "SELECT id, username, role, team_id, password_hash, active FROM users
         WHERE lower(username) = lower($1) AND NOT deleted",
        &[&username],
    )?
    else {
        return Ok(None);
    };
    let role: &str = r.try_get(2)?;
    Ok(Some(Credentials {
        actor: Actor {
            id: r.try_get(0)?,
            username: r.try_get(1)?,
            role: Role::parse(role).unwrap_or(Role::Agent),
            team_id: r.try_get(3)?,
        },
        password_hash: r.try_get(4)?,
        active: r.try_get(5)?,
    }))
}

pub(super) fn set_password_hash(
    tx: &PgTx<'_>,
    user_id: &str,
    hash: &str,
) -> Result<(), StorageError> {
    tx.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        &[&user_id, &hash],
    )?;
    Ok(())
}

pub(super) fn create_session(
    tx: &PgTx<'_>,
    token_hash: &str,
    user_id: &str,
    expires_at: &str,
) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[&token_hash, &user_id, &format_time(chrono::Utc::now()), &expires_at],
    )?;
    Ok(())
}

pub(super) fn session_actor(
    tx: &PgTx<'_>,
    token_hash: &str,
    now: &str,
) -> Result<Option<Actor>, StorageError> {
    let Some(r) = tx.query_opt(
        "SELECT u.id, u.username, u.role, u.team_id FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active AND NOT u.deleted",
        &[&token_hash, &now],
    )?
    else {
        return Ok(None);
    };
    let role: &str = r.try_get(2)?;
    Ok(Some(Actor {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        role: Role::parse(role).unwrap_or(Role::Agent),
        team_id: r.try_get(3)?,
    }))
}

/// Many sessions in one query: a thousand long-polls asking again after a write were a
/// thousand round trips.
pub(super) fn session_actors(
    tx: &PgTx<'_>,
    token_hashes: &[String],
    now: &str,
) -> Result<Vec<Option<Actor>>, StorageError> {
    let rows = tx.query(
        "SELECT s.token_hash, u.id, u.username, u.role, u.team_id FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ANY($1) AND s.expires_at > $2 AND u.active AND NOT u.deleted",
        &[&token_hashes, &now],
    )?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        let role: &str = r.try_get(3)?;
        found.insert(
            r.try_get::<_, String>(0)?,
            Actor {
                id: r.try_get(1)?,
                username: r.try_get(2)?,
                role: Role::parse(role).unwrap_or(Role::Agent),
                team_id: r.try_get(4)?,
            },
        );
    }
    Ok(token_hashes.iter().map(|h| found.get(h).cloned()).collect())
}

pub(super) fn delete_session(tx: &PgTx<'_>, token_hash: &str) -> Result<(), StorageError> {
    tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
    Ok(())
}

pub(super) fn delete_sessions_of(tx: &PgTx<'_>, user_id: &str) -> Result<(), StorageError> {
    tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
    Ok(())
}

/// In a write, the key is locked first: a retry that reaches another server while the first
/// attempt is still running waits for it and gets its answer, rather than doing the work
/// twice.
pub(super) fn idempotent_answer(
    tx: &PgTx<'_>,
    user_id: &str,
    key: &str,
) -> Result<Option<IdempotentAnswer>, StorageError> {
    tx.lock_key(&format!("idempotency:{user_id}:{key}"))?;
    let Some(r) = tx.query_opt(
        "SELECT request, status, body FROM idempotency WHERE user_id = $1 AND key = $2",
        &[&user_id, &key],
    )?
    else {
        return Ok(None);
    };
    let status: i64 = r.try_get(1)?;
    Ok(Some(IdempotentAnswer {
        request: r.try_get(0)?,
        status: u16::try_from(status)
            .map_err(|_| StorageError::Other(format!("a stored status {status}")))?,
        body: r.try_get(2)?,
    }))
}

pub(super) fn remember_answer(
    tx: &PgTx<'_>,
    user_id: &str,
    key: &str,
    answer: &IdempotentAnswer,
) -> Result<(), StorageError> {
    let now = chrono::Utc::now();
    tx.execute(
        "INSERT INTO idempotency (user_id, key, request, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, key) DO UPDATE SET request = EXCLUDED.request, status = EXCLUDED.status, body = EXCLUDED.body, created_at = EXCLUDED.created_at",
        &[
            &user_id,
            &key,
            &answer.request,
            &i64::from(answer.status),
            &answer.body,
            &format_time(now),
        ],
    )?;
    let n = ANSWERS_REMEMBERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if n.is_multiple_of(IDEMPOTENCY_PRUNE_EVERY) {
        tx.forget_answers_before(now - chrono::Duration::hours(IDEMPOTENCY_HOURS))?;
    }
    Ok(())
}

/// Sign-in counts stored, so now and then the expired (and, past the bound, the oldest) go.
static SIGN_IN_COUNTS_PUT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Forget expired sign-in counts once every this many counts stored.
const SIGN_IN_PRUNE_EVERY: u64 = 64;

pub(super) fn sign_in_count(tx: &PgTx<'_>, key: &str) -> Result<Option<(u32, i64)>, StorageError> {
    tx.lock_key(&format!("sign-in:{key}"))?;
    let Some(r) = tx.query_opt(
        "SELECT tries, since FROM sign_in_counts WHERE key = $1",
        &[&key],
    )?
    else {
        return Ok(None);
    };
    let tries: i64 = r.try_get(0)?;
    Ok(Some((
        u32::try_from(tries).unwrap_or(u32::MAX),
        r.try_get(1)?,
    )))
}

pub(super) fn set_sign_in_count(
    tx: &PgTx<'_>,
    key: &str,
    count: Option<(u32, i64)>,
    forget_before: i64,
    keep: usize,
) -> Result<(), StorageError> {
    match count {
        None => {
            tx.execute("DELETE FROM sign_in_counts WHERE key = $1", &[&key])?;
        }
        Some((tries, since)) => {
            tx.execute(
                "INSERT INTO sign_in_counts (key, tries, since) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET tries = EXCLUDED.tries, since = EXCLUDED.since",
                &[&key, &i64::from(tries), &since],
            )?;
        }
    }
    let n = SIGN_IN_COUNTS_PUT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if n.is_multiple_of(SIGN_IN_PRUNE_EVERY) {
        tx.execute(
            "DELETE FROM sign_in_counts WHERE since < $1",
            &[&forget_before],
        )?;
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        tx.execute(
            "DELETE FROM sign_in_counts WHERE key IN
             (SELECT key FROM sign_in_counts ORDER BY since DESC, key OFFSET $1)",
            &[&keep],
        )?;
    }
    Ok(())
}

impl PgTx<'_> {
    /// Drops the remembered answers of keys first used before `cutoff`.
    pub fn forget_answers_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StorageError> {
        self.execute(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[&format_time(cutoff)],
        )
    }
}
