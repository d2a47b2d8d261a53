//! Customer care over HTTP (`service::care`, `service::mail`):
//!
//! - the care scan on a schedule ([`care_every`]): the rules' tasks for the day, read on a
//!   reader thread, made by the writer under the named lock `care`;
//! - `POST /care/run` `{today?: "YYYY-MM-DD"}`: the same scan now (managers and admins; a past
//!   day catches up what a server down that day missed), answering the tasks it made;
//! - `POST /letter_templates/{id}/send` `{send_id, contact_ids?, customer_ids?, q?}`: a mail
//!   merge by email or SMS, at most once per send id and contact, never to a contact who opted
//!   out; answered per recipient (`sent`, `opted_out`, `no_address`, `already_sent`,
//!   `unknown`, `failed` with the reason). With `write_only: true` nothing is sent or
//!   recorded: the answer holds each recipient's filled subject and text, for letters written
//!   out as files (`crm letter_templates send --out DIR`); opted-out contacts are marked so.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::records::check_id;
use super::{AppState, Bearer, json_object};
use crate::access::Role;
use crate::error::ApiError;
use crate::schema::Entity;
use crate::service::care;
use crate::service::mail::{self, Outcome, To};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/care/run", post(run))
        .route("/letter_templates/{id}/send", post(send))
}

/// Scans every `every` until the process ends; a failed scan is logged and tried again.
pub async fn care_every(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match scan(&state, Utc::now()).await {
            Ok(made) if !made.is_empty() => tracing::info!(tasks = made.len(), "made care tasks"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "care scan failed"),
        }
    }
}

async fn scan(state: &AppState, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let found = state.read(move |tx| care::due(tx, now)).await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    state.write(move |tx| care::make_due(tx, &found, now)).await
}

fn body_or_empty(body: Result<Bytes, BytesRejection>) -> Result<crate::store::Record, ApiError> {
    match &body {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Default::default()),
        _ => json_object(body),
    }
}

async fn run(
    State(state): State<AppState>,
    bearer: Bearer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_empty(body)?;
    let now = match body.get("today").and_then(Value::as_str) {
        // Noon in UTC is the same day in every zone from -11 to +11.
        Some(day) => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| ApiError::invalid("today", "must be a date, YYYY-MM-DD"))?,
        None => Utc::now(),
    };
    let role = state.read_as(&bearer, |_, actor| Ok(actor.role)).await?;
    if !matches!(role, Role::Admin | Role::Manager) {
        return Err(ApiError::forbidden(
            "only a manager or admin may run the care plan",
        ));
    }
    let made = scan(&state, now).await?;
    Ok(axum::Json(json!({"made": made.len(), "tasks": made})).into_response())
}

fn ids(body: &crate::store::Record, field: &str) -> Result<Vec<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| uuid::Uuid::parse_str(s).ok())
                    .map(|u| u.hyphenated().to_string())
                    .ok_or_else(|| ApiError::invalid(field, "must be a list of ids"))
            })
            .collect(),
        Some(_) => Err(ApiError::invalid(field, "must be a list of ids")),
    }
}

async fn send(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let template_id = check_id(Entity::LetterTemplates, &id)?;
    let body = json_object(body)?;
    let send_id = body
        .get("send_id")
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| {
            ApiError::invalid(
                "send_id",
                "must be a UUID, the same one when a send is retried",
            )
        })?;
    let query = match body.get("q").and_then(Value::as_str) {
        Some(q) => Some(crate::query::parse(q).map_err(ApiError::Query)?),
        None => None,
    };
    let to = To {
        contact_ids: ids(&body, "contact_ids")?,
        customer_ids: ids(&body, "customer_ids")?,
        query,
    };
    if to.contact_ids.is_empty() && to.customer_ids.is_empty() && to.query.is_none() {
        return Err(ApiError::invalid(
            "to",
            "name contact_ids, customer_ids or a query q to send to",
        ));
    }
    let now = Utc::now();
    let (template, send) = (template_id.clone(), send_id.clone());
    let plan = state
        .read_as(&bearer, move |tx, actor| {
            mail::plan(tx, actor, &template, &send, &to, now)
        })
        .await?;
    if body.get("write_only") == Some(&Value::Bool(true)) {
        return Ok(
            axum::Json(json!({"send_id": send_id, "recipients": plan.recipients})).into_response(),
        );
    }
    let outbound = state.0.settings.mail.clone();
    let to_send = plan.recipients.iter().any(|r| r.outcome == Outcome::Sent);
    if to_send {
        let missing = match plan.channel.as_str() {
            "sms" => outbound
                .sms
                .is_none()
                .then_some("an SMS command (serve --sms-command)"),
            _ => outbound
                .smtp
                .is_none()
                .then_some("an SMTP server (serve --smtp-url)"),
        };
        if let Some(what) = missing {
            return Err(ApiError::Conflict {
                message: format!("this server has no {what} configured; ask the admin to set one"),
                existing: None,
            });
        }
    }
    let template = template_id.clone();
    let mut plan = state
        .write_as(&bearer, move |tx, actor| {
            let mut plan = plan;
            mail::claim(tx, actor, &template, &mut plan)?;
            Ok(plan)
        })
        .await?;
    let sms = plan.channel == "sms";
    let mut sending = std::mem::take(&mut plan.recipients);
    sending = tokio::task::spawn_blocking(move || {
        for r in sending.iter_mut().filter(|r| r.outcome == Outcome::Sent) {
            let sent = match (&outbound.smtp, &outbound.sms, sms) {
                (_, Some(hook), true) => hook.send(&r.address, &r.text),
                (Some(smtp), _, false) => smtp.send(&r.address, &r.subject, &r.text),
                _ => Err("no way to send is configured".into()),
            };
            if let Err(e) = sent {
                r.outcome = Outcome::Failed;
                r.error = Some(e);
            }
        }
        sending
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the send stopped: {e}")))?;
    plan.recipients = sending;
    let finished = plan.clone();
    state
        .write_as(&bearer, move |tx, actor| {
            mail::finish(tx, actor, &finished, Utc::now())
        })
        .await?;
    let count = |o: Outcome| plan.recipients.iter().filter(|r| r.outcome == o).count();
    Ok(axum::Json(json!({
        "send_id": send_id,
        "sent": count(Outcome::Sent),
        "failed": count(Outcome::Failed),
        "skipped": plan.recipients.len() - count(Outcome::Sent) - count(Outcome::Failed),
        "recipients": plan.recipients,
    }))
    .into_response())
}
