//! The bytes of attached files (`service::files`, `crate::blobs`):
//!
//! - `POST /files/upload?entity=customers&record_id=ID&name=scan.pdf[&notes=…]`, the file's
//!   bytes as the body: signed in, the record checked visible before a byte is read; the body
//!   streamed to a temporary file and hashed as it comes, refused with 413 as soon as it passes
//!   the admin's limit (`Content-Length` first, then the bytes counted) and with 415 when its
//!   first bytes are of no allowed kind; the partial file removed either way. Stored once per
//!   SHA-256; answers 201 with the file's record (which then syncs like any other).
//! - `GET /files/{id}/content`: the bytes, for whoever may read the file's record (404 to
//!   anyone else), as `application/octet-stream` with the stored type in `X-Content-Type`,
//!   `Content-Disposition: attachment` and the digest as the `ETag`.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::records::check_id;
use super::{AppState, AuthUser};
use crate::blobs::{BlobStore, Incoming};
use crate::error::ApiError;
use crate::rules::file_types::{self, Limits};
use crate::schema::Entity;
use crate::service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/files/upload", post(upload))
        .route("/files/{id}/content", get(download))
        .route("/files/sweep", post(sweep_now))
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    entity: String,
    record_id: String,
    name: String,
    notes: Option<String>,
}

/// Bytes gathered before they are written, so the disk is touched once per this much.
const WRITE_BLOCK: usize = 1024 * 1024;

fn store(state: &AppState) -> Result<BlobStore, ApiError> {
    state.0.blobs.clone().ok_or(ApiError::NoFiles)
}

fn io_error(e: std::io::Error) -> ApiError {
    if e.raw_os_error() == Some(28) {
        ApiError::DiskFull
    } else {
        ApiError::Internal(format!("files: {e}"))
    }
}

/// Writes a block on the blocking pool (file I/O never runs on the async threads).
async fn write_block(mut incoming: Incoming, block: Vec<u8>) -> Result<Incoming, ApiError> {
    tokio::task::spawn_blocking(move || incoming.write(&block).map(|()| incoming))
        .await
        .map_err(|e| ApiError::Internal(format!("files: {e}")))?
        .map_err(io_error)
}

async fn upload(
    State(state): State<AppState>,
    AuthUser(actor, _): AuthUser,
    query: Result<Query<UploadQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest(
            "name the record and the file: ?entity=customers&record_id=ID&name=FILE".into(),
        )
    })?;
    let blobs = store(&state)?;
    // Nothing is read for a record that is not there for this user; the admin's limits are
    // read in the same snapshot, so a changed setting holds from the next upload.
    let record_id = check_id(Entity::Files, &query.record_id)
        .map_err(|_| ApiError::invalid("record_id", "is not a record's id"))?;
    let limits = {
        let (actor, entity, record_id) = (actor.clone(), query.entity.clone(), record_id.clone());
        let flags = Limits {
            max_bytes: state.0.settings.max_file_bytes,
            kinds: state.0.settings.file_types.clone(),
        };
        state
            .read(move |tx| {
                service::files::target(tx, &actor, &entity, &record_id)?;
                service::files::limits(tx, flags)
            })
            .await?
    };
    let limit = limits.max_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::FileTooLarge { limit });
    }
    let mut incoming = tokio::task::spawn_blocking(move || blobs.begin())
        .await
        .map_err(|e| ApiError::Internal(format!("files: {e}")))?
        .map_err(io_error)?;
    let mut body = body;
    let mut block: Vec<u8> = Vec::new();
    let mut received: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received += data.len() as u64;
        if received > limit {
            // `incoming` is dropped here, and its partial file with it.
            return Err(ApiError::FileTooLarge { limit });
        }
        block.extend_from_slice(&data);
        if block.len() >= WRITE_BLOCK {
            incoming = write_block(incoming, std::mem::take(&mut block)).await?;
        }
    }
    if !block.is_empty() {
        incoming = write_block(incoming, block).await?;
    }
    if incoming.size() == 0 {
        return Err(ApiError::invalid("file", "is empty"));
    }
    let sniffed = file_types::sniff(incoming.head(), &query.name)
        .filter(|s| limits.kinds.contains(&s.kind))
        .ok_or_else(|| {
            ApiError::UnsupportedType(format!(
                "{:?} is not a kind of file this server accepts ({}); ask an admin",
                query.name,
                limits.kind_names()
            ))
        })?;
    let blobs = store(&state)?;
    // Held until the row is committed (or refused): the sweep cannot take these bytes away
    // in between, even when they were stored already under another record.
    let (stored, _upload_lock) = tokio::task::spawn_blocking(move || {
        let lock = blobs.lock_for_upload()?;
        blobs.keep(incoming).map(|stored| (stored, lock))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("files: {e}")))?
    .map_err(io_error)?;
    let received = service::files::Received {
        sha256: stored.sha256,
        size: stored.size,
        content_type: sniffed.content_type.to_string(),
    };
    let mut fields = Map::new();
    fields.insert("entity".into(), json!(query.entity));
    fields.insert("record_id".into(), json!(record_id));
    fields.insert("name".into(), json!(query.name));
    if let Some(notes) = query.notes.filter(|n| !n.is_empty()) {
        fields.insert("notes".into(), json!(notes));
    }
    let record = state
        .write(move |tx| service::files::attach(tx, &actor, &fields, &received))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(Value::Object(record))).into_response())
}

async fn download(
    State(state): State<AppState>,
    AuthUser(actor, _): AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = check_id(Entity::Files, &id)?;
    let record = state
        .read(move |tx| service::get(tx, &actor, Entity::Files, &id))
        .await?;
    let text = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or("");
    let digest = text("sha256").to_string();
    let blobs = store(&state)?;
    let file = {
        let digest = digest.clone();
        tokio::task::spawn_blocking(move || blobs.open_blob(&digest))
            .await
            .map_err(|e| ApiError::Internal(format!("files: {e}")))?
    };
    let file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::Internal(format!(
                "the bytes of file {digest} are missing from the files folder"
            )));
        }
        Err(e) => return Err(io_error(e)),
    };
    let size = record.get("size").and_then(Value::as_u64).unwrap_or(0);
    let mut response = Response::new(Body::from_stream(blob_stream(file)));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(text("content_type")) {
        h.insert("x-content-type", v);
    }
    Ok(response)
}

/// The file's bytes in blocks read on the blocking pool.
fn blob_stream(
    file: std::fs::File,
) -> impl futures_util::stream::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut buf = vec![0u8; 256 * 1024];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, file))
        })
        .await;
        match read {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, file))) => Some((Ok(buf), Some(file))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e)), None)),
        }
    })
}

/// What one sweep of the files folder did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Stored contents looked at.
    pub stored: usize,
    /// Of them, removed: no file record names them any more.
    pub removed: usize,
}

/// Removes the bytes no file record names any more — after a delete (once
/// `Settings::deleted_files_kept` has passed, so an undo brings them back), a merge, or an
/// upload whose record was refused. Under the folder's lock (`BlobStore::lock_for_sweep`):
/// uploads between keeping their bytes and committing their row hold it shared, so the rows
/// read here include every upload whose bytes are on disk.
pub async fn sweep_unnamed_files(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Swept, ApiError> {
    let Some(blobs) = state.0.blobs.clone() else {
        return Ok(Swept::default());
    };
    let lock = {
        let blobs = blobs.clone();
        tokio::task::spawn_blocking(move || blobs.lock_for_sweep())
            .await
            .map_err(|e| ApiError::Internal(format!("files: {e}")))?
            .map_err(io_error)?
    };
    let since = crate::validate::format_time(now - state.0.settings.deleted_files_kept);
    let named = state
        .read(move |tx| Ok::<_, ApiError>(tx.file_digests(&since)?))
        .await?;
    tokio::task::spawn_blocking(move || {
        let mut swept = Swept::default();
        for digest in blobs.digests()? {
            swept.stored += 1;
            if !named.contains(&digest) && blobs.remove(&digest)? {
                swept.removed += 1;
            }
        }
        drop(lock);
        Ok::<_, std::io::Error>(swept)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("files: {e}")))?
    .map_err(io_error)
}

/// Sweeps every `every` until the process ends; a failed sweep is logged and tried again.
pub async fn sweep_files_every(state: AppState, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match sweep_unnamed_files(&state, chrono::Utc::now()).await {
            Ok(swept) if swept.removed > 0 => {
                tracing::info!(removed = swept.removed, "removed files no record names");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "files sweep failed"),
        }
    }
}

/// `POST /files/sweep`: an admin sweeps now (after a large clean-up) rather than within the
/// hour; answers what was looked at and removed.
async fn sweep_now(
    State(state): State<AppState>,
    AuthUser(actor, _): AuthUser,
) -> Result<Response, ApiError> {
    if actor.role != crate::access::Role::Admin {
        return Err(ApiError::forbidden(
            "only an admin may sweep the files folder",
        ));
    }
    store(&state)?;
    let swept = sweep_unnamed_files(&state, chrono::Utc::now()).await?;
    Ok(axum::Json(json!({"stored": swept.stored, "removed": swept.removed})).into_response())
}
