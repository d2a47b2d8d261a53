//! The one error type of the server's operations, and its JSON shape on the wire:
//! `{"error": {"code", "message", "fields"}}`. Internal detail is logged, never sent.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::store::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    Malformed(String),
    #[error("{0}")]
    BadRequest(String),
    /// A `?q=` the query language cannot read: 400 with the position of the wrong word.
    #[error("{0}")]
    Query(crate::query::QueryError),
    #[error("sign in first: the token is missing, expired or revoked")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{message}")]
    Forbidden {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        message: String,
        /// The record in the way, for the client to show.
        existing: Option<Value>,
    },
    #[error("the record changed since you read it (now version {})", current.get("version").and_then(Value::as_i64).unwrap_or(0))]
    Stale { current: Map<String, Value> },
    #[error("the request body is larger than the server accepts")]
    TooLarge,
    /// An attached file over the admin's limit (`serve --max-file-size`).
    #[error("the file is larger than the {} this server accepts; ask an admin to raise the limit", human_bytes(*limit))]
    FileTooLarge { limit: u64 },
    /// An attached file whose bytes are of no allowed kind (`serve --file-types`).
    #[error("{0}")]
    UnsupportedType(String),
    #[error("this server keeps no files; its administrator starts it with --files-dir")]
    NoFiles,
    #[error("this route does not take that method (GET /api/v1/openapi.json lists them)")]
    MethodNotAllowed,
    #[error("some fields are not valid")]
    Invalid(BTreeMap<String, String>),
    #[error("too many failed sign-ins; wait {0} seconds and try again")]
    TooManyAttempts(u64),
    #[error("the database is busy; try again in a moment")]
    StorageBusy,
    #[error("the server's disk is full; tell its administrator")]
    DiskFull,
    #[error("the server is busy signing others in; try again in {0} seconds")]
    Busy(u64),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A size as people read it: `25 MB`, `512 KB`, `300 bytes` (powers of 1024).
pub fn human_bytes(n: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;
    let scaled = |unit: u64, name: &str| {
        if n.is_multiple_of(unit) {
            format!("{} {name}", n / unit)
        } else {
            format!("{:.1} {name}", n as f64 / unit as f64)
        }
    };
    match n {
        n if n >= GB => scaled(GB, "GB"),
        n if n >= MB => scaled(MB, "MB"),
        n if n >= KB => scaled(KB, "KB"),
        n => format!("{n} bytes"),
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) | ApiError::BadRequest(_) | ApiError::Query(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthorized | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::TooLarge | ApiError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::StorageBusy | ApiError::NoFiles => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Query(_) => "bad_query",
            ApiError::Unauthorized => "unauthorized",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict {
                existing: Some(_), ..
            } => "duplicate",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Stale { .. } => "stale",
            ApiError::TooLarge | ApiError::FileTooLarge { .. } => "too_large",
            ApiError::UnsupportedType(_) => "unsupported_type",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Invalid(_) => "invalid",
            ApiError::TooManyAttempts(_) => "too_many_attempts",
            ApiError::StorageBusy => "storage_busy",
            ApiError::NoFiles => "no_files",
            ApiError::DiskFull => "disk_full",
            ApiError::Busy(_) => "busy",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::Forbidden {
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(BTreeMap::from([(field.to_string(), message.into())]))
    }

    /// The JSON body sent to the client.
    pub fn body(&self) -> Value {
        let message = match self {
            // The detail stays in the log.
            ApiError::Internal(_) => "the server failed; the error is in its log".to_string(),
            other => other.to_string(),
        };
        let mut error = json!({ "code": self.code(), "message": message });
        let fields = match self {
            ApiError::Invalid(fields) | ApiError::Forbidden { fields, .. } => Some(fields),
            _ => None,
        };
        if let Some(fields) = fields.filter(|f| !f.is_empty()) {
            error["fields"] = json!(fields);
        }
        match self {
            ApiError::Conflict {
                existing: Some(existing),
                ..
            } => error["existing"] = existing.clone(),
            ApiError::Stale { current } => error["current"] = Value::Object(current.clone()),
            ApiError::Query(q) => error["position"] = json!(q.at),
            _ => {}
        }
        json!({ "error": error })
    }
}

/// Seconds a client is told to wait before trying a busy database again.
const STORAGE_RETRY_SECONDS: u64 = 1;

impl ApiError {
    /// The `Retry-After` of an answer that asks the client to come back later.
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::StorageBusy => Some(STORAGE_RETRY_SECONDS),
            ApiError::TooManyAttempts(seconds) | ApiError::Busy(seconds) => Some(*seconds),
            _ => None,
        }
    }
}

/// What a client is told when storage fails: the one place storage's failures become answers.
impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(noun) => ApiError::NotFound(noun),
            StorageError::Conflict { key } => {
                // The backend names the key as table.column; the client knows the field.
                let field = key.rsplit_once('.').map_or(key.as_str(), |(_, f)| f);
                ApiError::Conflict {
                    message: format!("another record already holds this {field}"),
                    existing: None,
                }
            }
            StorageError::Busy => ApiError::StorageBusy,
            StorageError::DiskFull => ApiError::DiskFull,
            StorageError::Refused(message) => ApiError::BadRequest(message),
            e @ (StorageError::Corrupt(_) | StorageError::RolledBack | StorageError::Other(_)) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::from(e).into()
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let retry_after = self.retry_after();
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(e: StorageError) -> (StatusCode, Option<String>, Value) {
        let response = ApiError::from(e).into_response();
        let retry = response
            .headers()
            .get(axum::http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let status = response.status();
        let body = body_of(response);
        (status, retry, body)
    }

    fn body_of(response: Response) -> Value {
        let bytes = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn storage_failures_become_answers_a_client_can_act_on() {
        let (status, retry, body) = answer(StorageError::Busy);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(body["error"]["code"], "storage_busy");

        let (status, retry, _) = answer(StorageError::DiskFull);
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(retry, None);

        let (status, _, body) = answer(StorageError::Conflict {
            key: "customers.code".into(),
        });
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body["error"]["message"],
            "another record already holds this code"
        );

        let (status, _, _) = answer(StorageError::NotFound("customer"));
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Internal detail is logged, never sent.
        let (status, _, body) = answer(StorageError::Corrupt("page 7 of customers".into()));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("page 7"));
    }
}
