//! The OpenAPI 3.1 document at /api/v1/openapi.json, built from the entity descriptors that also
//! drive storage and validation, so it cannot drift from what the server does.

use axum::Json;
use serde_json::{Map, Value, json};

use crate::schema::{Access, Entity, Field, Kind};

pub async fn handler() -> Json<Value> {
    Json(document())
}

fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Text(max) => json!({"type": "string", "maxLength": max}),
        Kind::Enum(options) => json!({"type": "string", "enum": options}),
        Kind::Ref(target) => {
            json!({"type": "string", "format": "uuid", "description": format!("id of a {}", target.noun())})
        }
        Kind::Int(min, max) => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Money => {
            json!({"type": "integer", "minimum": 0, "description": "minor units (cents, fen)"})
        }
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::Time => json!({"type": "string", "format": "date-time", "description": "UTC"}),
        Kind::Tags => {
            json!({"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 50})
        }
        Kind::Refs(target) => {
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "description": format!("ids of {}", target.name())})
        }
        Kind::Map => {
            json!({"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}, "description": "extension fields"})
        }
    };
    if !field.not_null()
        && let Some(t) = schema.get("type").cloned()
    {
        schema["type"] = match t {
            Value::Array(mut types) => {
                types.push(json!("null"));
                Value::Array(types)
            }
            other => json!([other, "null"]),
        };
    }
    match field.access {
        Access::Server => schema["readOnly"] = json!(true),
        Access::Privileged => schema["x-crm-writable-by"] = json!(["manager", "admin"]),
        Access::Admin => schema["x-crm-writable-by"] = json!(["admin"]),
        Access::Open => {}
    }
    schema
}

fn record_schema(entity: Entity) -> Value {
    let mut properties = Map::new();
    properties.insert("id".into(), json!({"type": "string", "format": "uuid"}));
    properties.insert(
        "version".into(),
        json!({"type": "integer", "readOnly": true}),
    );
    properties.insert(
        "created_at".into(),
        json!({"type": "string", "format": "date-time", "readOnly": true}),
    );
    properties.insert(
        "updated_at".into(),
        json!({"type": "string", "format": "date-time", "readOnly": true}),
    );
    properties.insert(
        "created_by".into(),
        json!({"type": ["string", "null"], "format": "uuid", "readOnly": true}),
    );
    for field in entity.fields() {
        properties.insert(field.name.into(), field_schema(field));
    }
    if entity == Entity::Users {
        properties.insert(
            "password".into(),
            json!({"type": "string", "minLength": 8, "writeOnly": true}),
        );
    }
    let required: Vec<&str> = entity
        .fields()
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn reference(entity: Entity) -> Value {
    json!({"$ref": format!("#/components/schemas/{}", entity.name())})
}

fn ok(schema: Value) -> Value {
    json!({"description": "OK", "content": {"application/json": {"schema": schema}}})
}

fn errors() -> Value {
    let e = json!({"$ref": "#/components/responses/Error"});
    json!({"400": e, "401": e, "403": e, "404": e, "409": e, "412": e, "413": e, "422": e})
}

fn list_parameters(entity: Entity) -> Vec<Value> {
    let mut params = vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::records::MAX_PAGE}}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the previous page"}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "a sortable field; prefix - for descending"}),
        json!({"name": "q", "in": "query", "schema": {"type": "string"}, "description": "substring search"}),
    ];
    for field in entity.fields().iter().filter(|f| f.filter) {
        params.push(json!({"name": field.name, "in": "query", "schema": field_schema(field), "description": "equals; `none` for empty"}));
    }
    params
}

fn entity_paths(entity: Entity, paths: &mut Map<String, Value>) {
    let name = entity.name();
    let page = json!({"type": "object", "properties": {"items": {"type": "array", "items": reference(entity)}, "next_cursor": {"type": ["string", "null"]}}});
    let headers = [
        json!({"name": "If-Match", "in": "header", "schema": {"type": "integer"}, "description": "the version you edited; a stale one answers 412 with the current record"}),
        json!({"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}, "description": "a retry with the same key is applied once"}),
    ];
    let mut create_params = vec![headers[1].clone()];
    if entity == Entity::Customers {
        create_params.push(json!({"name": "allow_duplicate", "in": "query", "schema": {"type": "boolean"}, "description": "create even when a customer with the same name, phone or email exists"}));
    }
    let (base, id_param) = if entity == Entity::Comments {
        ("/tickets/{ticket}/comments".to_string(), true)
    } else {
        (format!("/{name}"), false)
    };
    let ticket_param = json!({"name": "ticket", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}});
    let mut list_params = list_parameters(entity);
    if id_param {
        list_params.push(ticket_param.clone());
        create_params.push(ticket_param.clone());
    }
    let mut one = vec![
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}),
    ];
    if id_param {
        one.push(ticket_param);
    }
    paths.insert(base.clone(), json!({
        "get": {"summary": format!("List {name} you may see"), "tags": [name], "parameters": list_params, "responses": merge(json!({"200": ok(page)}), errors())},
        "post": {"summary": format!("Create a {}", entity.noun()), "tags": [name], "parameters": create_params,
                 "requestBody": {"required": true, "content": {"application/json": {"schema": reference(entity)}}},
                 "responses": merge(json!({"201": ok(reference(entity)), "200": ok(reference(entity))}), errors())},
    }));
    let mut with_headers = one.clone();
    with_headers.extend(headers.iter().cloned());
    paths.insert(format!("{base}/{{id}}"), json!({
        "get": {"summary": format!("Get a {}", entity.noun()), "tags": [name], "parameters": one, "responses": merge(json!({"200": ok(reference(entity))}), errors())},
        "patch": {"summary": format!("Change fields of a {}", entity.noun()), "tags": [name], "parameters": with_headers,
                  "requestBody": {"required": true, "content": {"application/json": {"schema": reference(entity)}}},
                  "responses": merge(json!({"200": ok(reference(entity))}), errors())},
        "delete": {"summary": format!("Delete a {} (kept as a tombstone)", entity.noun()), "tags": [name], "parameters": with_headers, "responses": merge(json!({"200": ok(json!({"type": "object"}))}), errors())},
    }));
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

pub fn document() -> Value {
    let mut schemas = Map::new();
    let mut paths = Map::new();
    for entity in Entity::ALL {
        schemas.insert(entity.name().into(), record_schema(entity));
        entity_paths(entity, &mut paths);
    }
    schemas.insert("Error".into(), json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "existing": {"type": "object", "description": "the customer a duplicate matches"},
        "current": {"type": "object", "description": "the current record, on 412"}}, "required": ["code", "message"]}}}));
    let entities: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
    schemas.insert("FeedPage".into(), json!({"type": "object", "properties": {
        "changes": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "entity": {"type": "string", "enum": entities}, "id": {"type": "string", "format": "uuid"},
            "op": {"type": "string", "enum": ["upsert", "delete", "drop"]}, "record": {"type": "object"}}}},
        "next": {"type": "integer"}, "more": {"type": "boolean"},
        "latest": {"type": "integer", "description": "the head of the feed when the page was read"}}}));
    let cursor = json!({"type": "object", "properties": {"entity": {"type": "string", "enum": entities}, "after": {"type": "string", "format": "uuid"}}, "required": ["entity", "after"]});
    schemas.insert("SnapshotPage".into(), json!({"type": "object", "properties": {
        "records": {"type": "array", "items": {"type": "object", "properties": {
            "entity": {"type": "string", "enum": entities}, "record": {"type": "object"}}, "required": ["entity", "record"]}},
        "next": {"oneOf": [cursor, {"type": "null"}], "description": "pass back as entity and after; null once every record is sent"},
        "head": {"type": "integer", "description": "the head of the change feed when the page was read; a first sync follows the feed from the first page's head"},
        "total": {"type": "integer", "description": "records you may read in all, on the first page"}},
        "required": ["records", "next", "head"]}));
    paths.insert("/health".into(), json!({"get": {"summary": "Is the server up", "security": [], "responses": {"200": ok(json!({"type": "object"}))}}}));
    paths.insert("/auth/login".into(), json!({"post": {"summary": "Sign in", "security": [],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}, "required": ["username", "password"], "additionalProperties": false}}}},
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {"token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}, "user": reference(Entity::Users)}}))}), json!({"401": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}))}}));
    paths.insert("/auth/logout".into(), json!({"post": {"summary": "Revoke this token", "responses": {"200": ok(json!({"type": "object"}))}}}));
    paths.insert("/me".into(), json!({"get": {"summary": "The signed-in user", "responses": {"200": ok(reference(Entity::Users))}}}));
    paths.insert("/sync".into(), json!({"get": {"summary": "Changes you may see since a cursor, in order",
        "parameters": [
            {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::sync::MAX_LIMIT}},
            {"name": "wait", "in": "query", "schema": {"type": "integer", "minimum": 0}, "description": "seconds to long-poll for the next change"}],
        "responses": {"200": ok(json!({"$ref": "#/components/schemas/FeedPage"}))}}}));
    let mut snapshot_page = ok(json!({"$ref": "#/components/schemas/SnapshotPage"}));
    snapshot_page["headers"] = json!({crate::wire::SNAPSHOT_POSITION: {
        "description": "the page's next, head and total as a JSON object: ask for the next page before reading this one",
        "schema": {"type": "string"}}});
    paths.insert("/sync/snapshot".into(), json!({"get": {"summary": "Every live record you may see, entity by entity, for a first sync; then follow /sync from the first page's head",
        "parameters": [
            {"name": "entity", "in": "query", "schema": {"type": "string", "enum": entities}, "description": "next.entity of the previous page"},
            {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "next.after of the previous page"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::sync::SNAPSHOT_MAX_LIMIT}}],
        "responses": merge(json!({"200": snapshot_page}), errors())}}));
    paths.insert("/audit/{entity}/{id}".into(), json!({"get": {"summary": "The audit trail of a record (managers and admins)",
        "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": entities}},
                       {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": merge(json!({"200": ok(json!({"type": "object"}))}), errors())}}));
    json!({
        "openapi": "3.1.0",
        "info": {"title": "crm", "version": env!("CARGO_PKG_VERSION"), "description": "The crm server's API. Money in integer minor units, times in UTC, ids are UUIDs."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_and_field_is_documented() {
        let doc = document();
        for entity in Entity::ALL {
            let schema = &doc["components"]["schemas"][entity.name()];
            for field in entity.fields() {
                assert!(
                    schema["properties"][field.name].is_object(),
                    "{}.{}",
                    entity.name(),
                    field.name
                );
            }
        }
        assert!(doc["paths"]["/customers/{id}"]["patch"].is_object());
        assert!(doc["paths"]["/tickets/{ticket}/comments"]["post"].is_object());
        assert!(doc["paths"]["/sync/snapshot"]["get"].is_object());
        let page = &doc["paths"]["/sync/snapshot"]["get"]["responses"]["200"];
        assert!(page["headers"][crate::wire::SNAPSHOT_POSITION].is_object());
        assert!(doc["components"]["schemas"]["FeedPage"]["properties"]["latest"].is_object());
    }
}
