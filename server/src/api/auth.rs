//! Sign-in, sign-out and who-am-I.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{AppState, AuthUser, ClientAddress, json_object};
use crate::auth::{self, Outcome, ThrottleLimits};
use crate::error::ApiError;
use crate::schema::Entity;
use crate::store::{AuditEntry, Tx};
use crate::validate::format_time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

/// The throttle's counts in a write transaction, each key stored as a digest.
struct TxCounts<'a> {
    tx: &'a dyn Tx,
    limits: ThrottleLimits,
}

impl auth::SignInCounts for TxCounts<'_> {
    fn get(&mut self, key: &str) -> Result<Option<auth::Count>, ApiError> {
        Ok(self
            .tx
            .sign_in_count(&auth::sha256_hex(key))?
            .map(|(n, since)| auth::Count { n, since }))
    }

    fn put(&mut self, key: &str, count: Option<auth::Count>) -> Result<(), ApiError> {
        let window =
            chrono::Duration::from_std(self.limits.window).unwrap_or(chrono::Duration::MAX);
        let forget_before = (chrono::Utc::now() - window).timestamp_millis();
        self.tx.set_sign_in_count(
            &auth::sha256_hex(key),
            count.map(|c| (c.n, c.since)),
            forget_before,
            2 * self.limits.capacity,
        )?;
        Ok(())
    }
}

/// Counts a sign-in try: in this server's memory, or in the database every server on it shares.
async fn begin_sign_in(
    state: &AppState,
    address: std::net::IpAddr,
    username: &str,
) -> Result<auth::Attempt, ApiError> {
    let throttle = &state.0.throttle;
    if !throttle.shared() {
        return throttle.begin(address, username);
    }
    let (limits, username) = (throttle.limits(), username.to_string());
    state
        .write_quietly(move |tx| {
            auth::begin(&mut TxCounts { tx, limits }, &limits, address, &username)
        })
        .await
}

/// Settles a counted try where it was counted. A failure to store the settlement is logged:
/// the try stays counted, which errs on the safe side.
async fn settle_sign_in(state: &AppState, attempt: &auth::Attempt, outcome: Outcome) {
    let throttle = &state.0.throttle;
    if !throttle.shared() {
        throttle.settle(attempt, outcome);
        return;
    }
    let (limits, attempt) = (throttle.limits(), attempt.clone());
    let settled = state
        .write_quietly(move |tx| auth::settle(&mut TxCounts { tx, limits }, &attempt, outcome))
        .await;
    if let Err(e) = settled {
        tracing::warn!("a sign-in try could not be settled: {e}");
    }
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let body = json_object(body)?;
    let field = |name: &str| -> Result<String, ApiError> {
        body.get(name)
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    };
    let (username, password) = (field("username")?, field("password")?);
    if let Some(extra) = body.keys().find(|k| *k != "username" && *k != "password") {
        return Err(ApiError::invalid(extra, "is not a field of a sign-in"));
    }
    // Before anything is looked up, counted, stored or logged: a username no user can have
    // (a megabyte of text, a newline, an escape sequence) is refused as it came.
    auth::check_username(&username).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let attempt = begin_sign_in(&state, address, &username).await?;

    let lookup = username.clone();
    let credentials = match state.read(move |tx| tx.credentials(&lookup)).await {
        Ok(c) => c,
        Err(e) => {
            settle_sign_in(&state, &attempt, Outcome::NotChecked).await;
            return Err(e);
        }
    };
    // Hashing is slow on purpose: bounded, and off the async threads. An unknown user costs a
    // verification too, under the same bound, so timing tells nothing of who exists.
    let checked = state
        .0
        .hashing
        .run(move || match &credentials {
            Some(c) if c.active => c
                .password_hash
                .as_deref()
                .is_some_and(|h| auth::verify_password(&password, h))
                .then(|| c.actor.clone()),
            _ => {
                auth::burn_time(&password);
                None
            }
        })
        .await;
    let verified = match checked {
        Ok(v) => v,
        Err(e) => {
            settle_sign_in(&state, &attempt, Outcome::NotChecked).await;
            return Err(e);
        }
    };

    let Some(actor) = verified else {
        settle_sign_in(&state, &attempt, Outcome::Failed).await;
        let attempted = username.clone();
        state
            .write(move |tx| {
                let known = tx.credentials(&attempted)?;
                tx.audit(&AuditEntry {
                    actor_id: known.map(|c| c.actor.id),
                    action: "login_failed",
                    entity: Some(Entity::Users),
                    record_id: None,
                    changes: Some(json!({ "username": attempted })),
                })
            })
            .await?;
        tracing::info!(%username, %address, "failed sign-in");
        return Err(ApiError::BadCredentials);
    };
    settle_sign_in(&state, &attempt, Outcome::Succeeded).await;

    let token = auth::new_token()?;
    let hash = auth::token_hash(&token);
    let expires_at = format_time(chrono::Utc::now() + state.0.settings.token_ttl);
    let who = actor.clone();
    let expires = expires_at.clone();
    let user = state
        .write(move |tx| {
            tx.create_session(&hash, &who.id, &expires)?;
            tx.audit(&AuditEntry {
                actor_id: Some(who.id.clone()),
                action: "login",
                entity: Some(Entity::Users),
                record_id: Some(who.id.clone()),
                changes: None,
            })?;
            Ok::<_, ApiError>(tx.get(Entity::Users, &who.id)?.map(|s| s.record))
        })
        .await?
        .map(|user| with_capabilities(user, actor.role))
        .ok_or(ApiError::BadCredentials)?;
    tracing::info!(username = %actor.username, "signed in");
    Ok(axum::Json(
        json!({ "token": token, "expires_at": expires_at, "user": user }),
    ))
}

async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<axum::Json<Value>, ApiError> {
    let AuthUser(actor, hash) = user;
    state
        .write(move |tx| {
            tx.delete_session(&hash)?;
            tx.audit(&AuditEntry {
                actor_id: Some(actor.id.clone()),
                action: "logout",
                entity: Some(Entity::Users),
                record_id: Some(actor.id.clone()),
                changes: None,
            })
        })
        .await?;
    Ok(axum::Json(json!({ "signed_out": true })))
}

async fn me(State(state): State<AppState>, user: AuthUser) -> Result<axum::Json<Value>, ApiError> {
    let id = user.0.id.clone();
    let record = state
        .read(move |tx| tx.get(Entity::Users, &id))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(axum::Json(Value::Object(with_capabilities(
        record.record,
        user.0.role,
    ))))
}

/// The signed-in user's record with what their role may do per entity
/// (`access::capabilities`), so screens offer only those actions.
fn with_capabilities(
    mut user: serde_json::Map<String, Value>,
    role: crate::access::Role,
) -> serde_json::Map<String, Value> {
    user.insert(
        "capabilities".into(),
        Value::Object(crate::access::capabilities(role)),
    );
    user
}
