//! Create, read, list, update and delete for every entity, the comment thread of a ticket, and
//! the audit trail of a record.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use super::{AppState, Bearer, idempotency_key, if_match, json_object};
use crate::access::Actor;
use crate::error::ApiError;
use crate::schema::{Entity, Kind, SYSTEM_FIELDS};
use crate::service;
use crate::store::{IdempotentAnswer, ListQuery, Record};

pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{entity}", get(list).post(create))
        .route("/{entity}/{id}", get(get_one).patch(update).delete(remove))
        .route("/{entity}/{id}/restore", post(restore))
        .route("/quotes/{id}/order", post(order_quote))
        .route("/audit/{entity}/{id}", get(audit))
        .route(
            "/tickets/{ticket}/comments",
            get(list_comments).post(create_comment),
        )
        .route(
            "/tickets/{ticket}/comments/{id}",
            get(get_comment)
                .patch(update_comment)
                .delete(delete_comment),
        )
}

fn entity_of(name: &str) -> Result<Entity, ApiError> {
    Entity::from_name(name).ok_or(ApiError::NotFound(
        "route (GET /api/v1/openapi.json lists them)",
    ))
}

pub(super) fn check_id(entity: Entity, id: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| ApiError::NotFound(entity.noun()))
}

#[derive(Debug)]
/// A list request: the query and the terms of its `?q=`, resolved in the read transaction
/// (links are looked up as the asking user).
pub struct ListRequest {
    pub query: ListQuery,
    pub terms: Vec<crate::query::Term>,
}

/// Parses `?limit=&cursor=&sort=&q=&<field>=` against the entity's descriptor.
pub fn parse_list_query(
    entity: Entity,
    params: &HashMap<String, String>,
) -> Result<ListRequest, ApiError> {
    let mut terms = Vec::new();
    let mut query = ListQuery {
        sort: entity.default_sort(),
        limit: DEFAULT_PAGE,
        ..ListQuery::default()
    };
    let mut problems = std::collections::BTreeMap::new();
    let mut cursor = None;
    for (key, raw) in params {
        match key.as_str() {
            "limit" => match raw.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => query.limit = n,
                _ => {
                    problems.insert(key.clone(), format!("must be 1 to {MAX_PAGE}"));
                }
            },
            "cursor" => cursor = Some(raw.clone()),
            // The query language; plain words are the search they always were.
            "q" => terms = crate::query::parse(raw).map_err(ApiError::Query)?,
            "sort" => {
                let (name, descending) = match raw.strip_prefix('-') {
                    Some(rest) => (rest, true),
                    None => (raw.as_str(), false),
                };
                let sortable = SYSTEM_FIELDS
                    .iter()
                    .copied()
                    .filter(|f| !crate::schema::SYSTEM_AUTHORS.contains(f))
                    .chain(entity.fields().iter().filter(|f| f.sort).map(|f| f.name))
                    .find(|f| *f == name);
                match sortable {
                    Some(f) => {
                        query.sort = f;
                        query.descending = descending;
                    }
                    None => {
                        problems.insert(
                            key.clone(),
                            format!("cannot sort {} by {name}", entity.name()),
                        );
                    }
                }
            }
            _ => match entity.field(key).filter(|f| f.filter) {
                Some(field) => match filter_value(field, raw) {
                    Ok(v) => query.filters.push((field.name, v)),
                    Err(message) => {
                        problems.insert(key.clone(), message);
                    }
                },
                None => {
                    problems.insert(key.clone(), format!("is not a filter of {}", entity.name()));
                }
            },
        }
    }
    if let Some(cursor) = cursor {
        query.after = Some(
            decode_cursor(&cursor)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this server gave"))?,
        );
    }
    if problems.is_empty() {
        Ok(ListRequest { query, terms })
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// A filter's value, checked as the field's values are: what no record can hold is refused
/// rather than matched against nothing.
fn filter_value(field: &crate::schema::Field, raw: &str) -> Result<Value, String> {
    let kind = field.kind;
    if raw == "none" && !matches!(kind, Kind::Text(_)) {
        return Ok(Value::Null);
    }
    match kind {
        Kind::Text(max) => {
            if raw.chars().count() > max {
                return Err(format!("must be at most {max} characters"));
            }
            Ok(Value::String(raw.to_string()))
        }
        Kind::Date | Kind::Time => crate::validate::normalize(field, &Value::String(raw.into())),
        Kind::Bool => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".into()),
        },
        Kind::Int(..) | Kind::Money => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be a number".into()),
        Kind::Enum(options) => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(raw))
            .map(|o| Value::String((*o).into()))
            .ok_or_else(|| format!("must be one of: {}", options.join(", "))),
        Kind::Ref(_) => uuid::Uuid::parse_str(raw)
            .map(|u| Value::String(u.hyphenated().to_string()))
            .map_err(|_| "must be an id (UUID) or none".into()),
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn encode_cursor(sort_value: &Value, id: &Value) -> String {
    URL_SAFE_NO_PAD.encode(json!([sort_value, id]).to_string())
}

fn decode_cursor(cursor: &str) -> Option<(Value, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let pair = value.as_array()?;
    match pair.as_slice() {
        [sort, Value::String(id)] if !sort.is_array() && !sort.is_object() => {
            Some((sort.clone(), id.clone()))
        }
        _ => None,
    }
}

async fn list_entity(
    state: AppState,
    bearer: Bearer,
    entity: Entity,
    request: Result<ListRequest, ApiError>,
) -> Result<Response, ApiError> {
    // A bad query is reported only to a signed-in user: the token is checked first.
    let page = state
        .read_as(&bearer, move |tx, actor| {
            let ListRequest { mut query, terms } = request?;
            query.conditions = service::query::conditions(tx, actor, entity, &terms)?;
            let limit = query.limit;
            query.limit = limit + 1;
            let items = service::list(tx, actor, entity, &query)?;
            Ok((items, limit, query.sort))
        })
        .await?;
    let (mut items, limit, sort) = page;
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = match items.last() {
        Some(last) if more => Some(encode_cursor(
            last.get(sort).unwrap_or(&Value::Null),
            last.get("id").unwrap_or(&Value::Null),
        )),
        _ => None,
    };
    json_response(
        &Page {
            items: &items,
            next_cursor,
        },
        items.len() * RECORD_BYTES,
    )
}

/// A page of a list. Serialized from the records as they are: `json!` copied every record into
/// a new value first.
#[derive(Serialize)]
struct Page<'a> {
    items: &'a [Record],
    next_cursor: Option<String>,
}

/// About the size of a record as JSON (a customer is 600-800 bytes), to size response buffers.
const RECORD_BYTES: usize = 1024;

/// A JSON response written into a buffer of about the right size, rather than one that starts
/// small and is copied each time it doubles.
fn json_response(value: &impl Serialize, size_hint: usize) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut body, value)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

async fn list(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(entity): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let query = parse_list_query(entity, &params);
    list_entity(state, bearer, entity, query).await
}

async fn get_one(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((entity, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let id = check_id(entity, &id);
    let record = state
        .read_as(&bearer, move |tx, actor| {
            service::get(tx, actor, entity, &id?)
        })
        .await?;
    json_response(&record, RECORD_BYTES)
}

/// What a write asked for, as a digest: a retry must ask for the same thing to get the first
/// answer back.
fn request_digest(parts: &Value) -> String {
    crate::auth::request_digest(parts)
}

/// Runs a write once per Idempotency-Key: a retry of the same request gets the first answer
/// back; the key sent with another request is refused. A first answer that carries a record of
/// `entity` is given again only while the user may still read that record: it may have been
/// reassigned away from them since.
pub(super) async fn idempotent_write(
    state: &AppState,
    bearer: &Bearer,
    headers: &HeaderMap,
    entity: Entity,
    request: Value,
    op: impl FnOnce(&dyn crate::store::Tx, &Actor) -> Result<(StatusCode, Value), ApiError>
    + Send
    + 'static,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers);
    let (status, body) = state
        .write_as(bearer, move |tx, actor| {
            let key = key?;
            let request = match &key {
                Some(_) => request_digest(&request),
                None => String::new(),
            };
            if let Some(key) = &key
                && let Some(first) = tx.idempotent_answer(&actor.id, key)?
            {
                // Keys remembered before requests were (an empty digest) answer as they did.
                if !first.request.is_empty() && first.request != request {
                    return Err(ApiError::invalid(
                        "Idempotency-Key",
                        "was already used for another request; send a new key",
                    ));
                }
                check_still_visible(tx, actor, entity, &first)?;
                return Ok((first.status, first.body));
            }
            let (status, body) = op(tx, actor)?;
            let answer = IdempotentAnswer {
                request,
                status: status.as_u16(),
                body: body.to_string(),
            };
            if let Some(key) = &key {
                tx.remember_answer(&actor.id, key, &answer)?;
            }
            Ok((answer.status, answer.body))
        })
        .await?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Refuses to replay an answer whose record the user may no longer read, telling nothing of it.
fn check_still_visible(
    tx: &dyn crate::store::Tx,
    actor: &Actor,
    entity: Entity,
    answer: &IdempotentAnswer,
) -> Result<(), ApiError> {
    if !(200..300).contains(&answer.status) {
        return Ok(());
    }
    let id = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|body| {
            // A record carries its version; a deletion's answer names only the id.
            body.get("version")?;
            body.get("id")?.as_str().map(String::from)
        });
    match id {
        Some(id) => match service::get(tx, actor, entity, &id) {
            Ok(_) => Ok(()),
            Err(ApiError::NotFound(_)) => Err(ApiError::Conflict {
                message: format!(
                    "this request was already applied, and the {} it wrote is no longer one you may see",
                    entity.noun()
                ),
                existing: None,
            }),
            Err(e) => Err(e),
        },
        None => Ok(()),
    }
}

async fn create_entity(
    state: AppState,
    bearer: Bearer,
    headers: HeaderMap,
    entity: Entity,
    body: Result<Record, ApiError>,
    allow_duplicate: bool,
) -> Result<Response, ApiError> {
    let request = json!({
        "op": "create",
        "entity": entity.name(),
        "body": body.as_ref().ok(),
        "allow_duplicate": allow_duplicate,
    });
    idempotent_write(
        &state,
        &bearer,
        &headers,
        entity,
        request,
        move |tx, actor| {
            let written = service::create(tx, actor, entity, &body?, allow_duplicate)?;
            let status = if written.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Value::Object(written.record)))
        },
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(entity): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let body = json_object(body);
    let allow_duplicate = params.get("allow_duplicate").is_some_and(|v| v == "true");
    create_entity(state, bearer, headers, entity, body, allow_duplicate).await
}

/// `POST /quotes/{id}/order`: an order from an accepted quote in one step (its lines copied, the
/// quote marked ordered) — the same create as `POST /orders` naming the quote, which an offline
/// client's outbox sends. The body may add the order's own fields (warehouse, delivery date).
async fn order_quote(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = check_id(Entity::Quotes, &id);
    let empty = matches!(&body, Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace));
    let body = if empty {
        Ok(Record::new())
    } else {
        json_object(body)
    };
    let body = match (body, id) {
        (Ok(mut body), Ok(id)) => {
            body.insert("quote_id".into(), Value::String(id));
            Ok(body)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    create_entity(state, bearer, headers, Entity::Orders, body, false).await
}

async fn update_entity(
    state: AppState,
    bearer: Bearer,
    headers: HeaderMap,
    entity: Entity,
    id: Result<String, ApiError>,
    body: Result<Record, ApiError>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers);
    let request = json!({
        "op": "update",
        "entity": entity.name(),
        "id": id.as_ref().ok(),
        "body": body.as_ref().ok(),
    });
    idempotent_write(
        &state,
        &bearer,
        &headers,
        entity,
        request,
        move |tx, actor| {
            let record = service::update(tx, actor, entity, &id?, &body?, version?)?;
            Ok((StatusCode::OK, Value::Object(record)))
        },
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((entity, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let id = check_id(entity, &id);
    let body = json_object(body);
    update_entity(state, bearer, headers, entity, id, body).await
}

async fn delete_entity(
    state: AppState,
    bearer: Bearer,
    headers: HeaderMap,
    entity: Entity,
    id: Result<String, ApiError>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers);
    let request = json!({"op": "delete", "entity": entity.name(), "id": id.as_ref().ok()});
    idempotent_write(
        &state,
        &bearer,
        &headers,
        entity,
        request,
        move |tx, actor| {
            let id = id?;
            service::delete(tx, actor, entity, &id, version?)?;
            Ok((StatusCode::OK, json!({ "deleted": id })))
        },
    )
    .await
}

async fn remove(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((entity, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let id = check_id(entity, &id);
    delete_entity(state, bearer, headers, entity, id).await
}

/// `POST /{entity}/{id}/restore`: a deleted record back (the undo of a delete).
async fn restore(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((entity, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let id = check_id(entity, &id);
    let request = json!({"op": "restore", "entity": entity.name(), "id": id.as_ref().ok()});
    idempotent_write(
        &state,
        &bearer,
        &headers,
        entity,
        request,
        move |tx, actor| {
            let record = service::restore(tx, actor, entity, &id?)?;
            Ok((StatusCode::OK, Value::Object(record)))
        },
    )
    .await
}

async fn audit(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((entity, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let entity = entity_of(&entity)?;
    let id = check_id(entity, &id);
    let trail = state
        .read_as(&bearer, move |tx, actor| {
            service::audit_trail(tx, actor, entity, &id?)
        })
        .await?;
    Ok(axum::Json(json!({ "items": trail })).into_response())
}

/// The ticket must be one the user may see; its comments are then listed or added.
async fn visible_ticket(
    state: &AppState,
    bearer: &Bearer,
    ticket: &str,
) -> Result<String, ApiError> {
    let id = check_id(Entity::Tickets, ticket);
    state
        .read_as(bearer, move |tx, actor| {
            let id = id?;
            service::get(tx, actor, Entity::Tickets, &id)?;
            Ok(id)
        })
        .await
}

async fn list_comments(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(ticket): Path<String>,
    Query(mut params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let ticket = visible_ticket(&state, &bearer, &ticket).await?;
    params.insert("ticket_id".into(), ticket);
    let query = parse_list_query(Entity::Comments, &params);
    list_entity(state, bearer, Entity::Comments, query).await
}

async fn create_comment(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(ticket): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let ticket = visible_ticket(&state, &bearer, &ticket).await?;
    let mut body = json_object(body)?;
    if body
        .get("ticket_id")
        .is_some_and(|t| t.as_str() != Some(ticket.as_str()))
    {
        return Err(ApiError::invalid(
            "ticket_id",
            "must match the ticket in the path",
        ));
    }
    body.insert("ticket_id".into(), Value::String(ticket));
    create_entity(state, bearer, headers, Entity::Comments, Ok(body), false).await
}

/// A comment id is only accepted under the ticket it belongs to.
async fn comment_of(
    state: &AppState,
    bearer: &Bearer,
    ticket: &str,
    id: &str,
) -> Result<String, ApiError> {
    let ticket = visible_ticket(state, bearer, ticket).await?;
    let id = check_id(Entity::Comments, id)?;
    let lookup = id.clone();
    let comment = state
        .read_as(bearer, move |tx, actor| {
            service::get(tx, actor, Entity::Comments, &lookup)
        })
        .await?;
    if comment.get("ticket_id").and_then(Value::as_str) != Some(ticket.as_str()) {
        return Err(ApiError::NotFound("comment"));
    }
    Ok(id)
}

async fn get_comment(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((ticket, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = comment_of(&state, &bearer, &ticket, &id).await?;
    let record = state
        .read_as(&bearer, move |tx, actor| {
            service::get(tx, actor, Entity::Comments, &id)
        })
        .await?;
    Ok(axum::Json(record).into_response())
}

async fn update_comment(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((ticket, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = comment_of(&state, &bearer, &ticket, &id).await?;
    let body = json_object(body);
    update_entity(state, bearer, headers, Entity::Comments, Ok(id), body).await
}

async fn delete_comment(
    State(state): State<AppState>,
    bearer: Bearer,
    Path((ticket, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = comment_of(&state, &bearer, &ticket, &id).await?;
    delete_entity(state, bearer, headers, Entity::Comments, Ok(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn list_queries_accept_known_filters_and_sorts_only() {
        let q = parse_list_query(
            Entity::Customers,
            &params(&[("level", "a"), ("sort", "-name"), ("limit", "10")]),
        )
        .unwrap()
        .query;
        // The list's spelling of the code is the service's to find (`service::list`).
        assert_eq!(q.filters, vec![("level", json!("a"))]);
        assert_eq!((q.sort, q.descending, q.limit), ("name", true, 10));
        let long = "x".repeat(101);
        for (entity, key, value) in [
            (Entity::Opportunities, "expected_close", "AAA"),
            (Entity::Customers, "source", long.as_str()),
        ] {
            assert!(
                parse_list_query(entity, &params(&[(key, value)])).is_err(),
                "{key}={value} was taken"
            );
        }
        assert!(
            parse_list_query(
                Entity::Opportunities,
                &params(&[("expected_close", "2026-12-31")])
            )
            .is_ok()
        );
        let err = parse_list_query(
            Entity::Customers,
            &params(&[("notes", "x"), ("sort", "phone"), ("limit", "0")]),
        )
        .unwrap_err();
        match err {
            ApiError::Invalid(fields) => {
                assert!(
                    fields.contains_key("notes")
                        && fields.contains_key("sort")
                        && fields.contains_key("limit")
                );
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor(
            &json!("华为"),
            &json!("0190c1d2-0000-7000-8000-000000000001"),
        );
        assert_eq!(
            decode_cursor(&c),
            Some((
                json!("华为"),
                "0190c1d2-0000-7000-8000-000000000001".to_string()
            ))
        );
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("[1,2,3]")), None);
    }
}
