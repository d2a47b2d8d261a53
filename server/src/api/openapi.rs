//! The OpenAPI 3.1 document at /api/v1/openapi.json, built from the entity descriptors that also
//! drive storage and validation, so it cannot drift from what the server does: what a create
//! must hold and a patch may, which characters text accepts, every status a route answers and
//! the real limits of its parameters. `server/schemathesis.sh` checks the server against it.

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::AppState;
use crate::catalog::{Catalog, CustomField, CustomKind};
use crate::error::ApiError;
use crate::schema::{Access, CUSTOM_FIELD, Entity, Field, Format, Kind};

/// The document of the moment: the lists' codes and the custom fields as an admin has them
/// now. Read without a token, so it lists only the custom fields every role may read.
pub async fn handler(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let catalog = state.read(|tx| crate::service::catalog::load(tx)).await?;
    Ok(Json(document_in(&catalog)))
}

/// The schema of a custom field's value.
fn custom_schema(field: &CustomField) -> Value {
    let mut schema = match field.kind {
        CustomKind::Text => {
            json!({"type": ["string", "null"], "maxLength": crate::catalog::MAX_TEXT,
            "pattern": text_pattern(true, false)})
        }
        CustomKind::Number => json!({"type": ["number", "null"]}),
        CustomKind::Money => {
            json!({"type": ["integer", "null"], "minimum": 0, "description": "minor units (cents, fen)"})
        }
        CustomKind::Date => json!({"type": ["string", "null"], "format": "date"}),
        CustomKind::Choice => {
            let mut options: Vec<Value> = field.choices.iter().map(|c| json!(c)).collect();
            options.push(Value::Null);
            json!({"enum": options})
        }
        CustomKind::MultiChoice => {
            json!({"type": ["array", "null"], "items": {"enum": field.choices}})
        }
        CustomKind::User | CustomKind::Link(_) => {
            json!({"type": ["string", "null"], "format": "uuid",
            "description": format!("id of a {}", field.kind.target().map_or("record", Entity::noun))})
        }
    };
    schema["title"] = json!(field.label_zh);
    if let Some(en) = &field.label_en {
        schema["x-crm-label-en"] = json!(en);
    }
    if !field.write_roles.is_empty() {
        let roles: Vec<&str> = field.write_roles.iter().map(|r| r.as_str()).collect();
        schema["x-crm-writable-by"] = json!(roles);
    }
    schema
}

/// `document` with the catalog's lists as the list fields' enums and the custom fields every
/// role may read as the properties of each entity's `custom` object.
pub fn document_in(catalog: &Catalog) -> Value {
    let mut doc = document();
    for entity in Entity::ALL {
        for (suffix, create) in [("", false), ("_create", true), ("_patch", false)] {
            let name = format!("{}{suffix}", entity.name());
            let Some(properties) =
                doc["components"]["schemas"][&name]["properties"].as_object_mut()
            else {
                continue;
            };
            for field in entity.fields() {
                let Some(schema) = properties.get_mut(field.name) else {
                    continue;
                };
                if let Kind::List(list) = field.kind {
                    let mut codes: Vec<Value> =
                        catalog.codes(list).into_iter().map(|c| json!(c)).collect();
                    if !field.required || suffix.is_empty() && !field.not_null() {
                        codes.push(Value::Null);
                    }
                    schema["enum"] = Value::Array(codes);
                    schema["description"] =
                        json!(format!("a code of the list {} (list_items)", list.name()));
                }
                if field.name == CUSTOM_FIELD {
                    let fields: Vec<&CustomField> = catalog
                        .custom_fields(entity)
                        .filter(|f| f.read_roles.is_empty())
                        .collect();
                    let props: Map<String, Value> = fields
                        .iter()
                        .map(|f| (f.key.clone(), custom_schema(f)))
                        .collect();
                    let required: Vec<&str> = if create {
                        fields
                            .iter()
                            .filter(|f| f.required)
                            .map(|f| f.key.as_str())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    *schema = json!({"type": "object", "properties": props, "required": required,
                        "description": "custom fields (field_definitions); those some roles may not read are left out of this document and of what those roles are sent"});
                }
            }
        }
    }
    doc
}

/// The characters no text may hold (validate::refused_character), as a regular expression
/// class body: C0 and C1 controls, DEL, bidi overrides and isolates; newline and tab are allowed
/// in text of several lines.
fn refused_class(lines: bool) -> &'static str {
    if lines {
        r"\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
    } else {
        r"\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
    }
}

/// A pattern for text as the server accepts it: none of the refused characters, and, where a
/// value is required, one that is not blank (blank text counts as none).
fn text_pattern(lines: bool, required: bool) -> String {
    let bad = refused_class(lines);
    if required {
        format!(r"^[^{bad}]*[^\s{bad}][^{bad}]*$")
    } else {
        format!(r"^[^{bad}]*$")
    }
}

/// A pattern for a formatted text field, the rules of `validate::format_problem` as a regular
/// expression (one that both ECMA 262 and Python read alike): surrounding space is trimmed, blank
/// text counts as none, and none of the refused characters anywhere.
fn format_pattern(format: Format, required: bool) -> String {
    let bad = refused_class(false);
    // Space the server trims (U+FEFF is named: the two dialects disagree on it).
    let space = format!(r"[^\S\ufeff{bad}]");
    let label = format!(r"[^@\s\ufeff{bad}./?#:]+");
    let host = format!(r"{label}(?:\.{label})+");
    let value = match format {
        Format::Email => format!(r"[^@\s\ufeff{bad}]+@{host}"),
        Format::Url => format!(
            r"(?:[Hh][Tt][Tt][Pp][Ss]?://)?{host}(?::[0-9]{{1,5}})?(?:[/?#][^\s\ufeff{bad}]*)?"
        ),
        Format::Phone => {
            let part = format!(r"(?:[0-9+()./#,;\ufeff-]|{space}|转|分机|[Ee][Xx][Tt]|[Xx])");
            format!(r"{part}*[0-9]{part}*")
        }
    };
    if required {
        format!(r"^{space}*{value}{space}*$")
    } else {
        format!(r"^(?:{space}*|{space}*{value}{space}*)$")
    }
}

/// What a formatted field holds, in words, for the document's readers.
fn format_description(format: Format) -> &'static str {
    match format {
        Format::Email => "an email address: one @, a domain with a dot, no spaces",
        Format::Url => "a web address: http(s)://host… or a bare host…, the host with a dot",
        Format::Phone => {
            "a phone number: digits, spaces and + ( ) - . / # , ;, an extension after 转, 分机, ext or x"
        }
    }
}

/// The schema of a field as sent in a create or patch body.
fn input_schema(field: &Field, required: bool) -> Value {
    let mut schema = match field.kind {
        Kind::Text(max) => match field.format {
            Some(format) => json!({"type": "string", "maxLength": max,
                "pattern": format_pattern(format, required),
                "description": format_description(format)}),
            None => json!({"type": "string", "maxLength": max,
                           "pattern": text_pattern(field.lines, required)}),
        },
        Kind::Tags => json!({"type": "array", "maxItems": 50, "items":
            {"type": "string", "minLength": 1, "maxLength": 50, "pattern": text_pattern(false, true)}}),
        Kind::Map => json!({"type": "object", "maxProperties": 100,
            "propertyNames": {"minLength": 1, "maxLength": 64, "pattern": text_pattern(false, false)},
            "additionalProperties": {"anyOf": [
                {"type": "string", "maxLength": 2000, "pattern": text_pattern(true, false)},
                {"type": ["number", "boolean", "null"]}]},
            "description": "extension fields"}),
        Kind::Money => json!({"type": "integer", "minimum": 0, "maximum": i64::MAX,
                              "description": "minor units (cents, fen)"}),
        _ => field_schema(field),
    };
    // Left out or null, an optional field takes its default; a required one may not be null.
    if let Some(t) = schema.get("type").cloned() {
        let types: Vec<Value> = match t {
            Value::Array(types) => types,
            other => vec![other],
        };
        let null = json!("null");
        let mut types: Vec<Value> = types.into_iter().filter(|t| *t != null).collect();
        if !required {
            types.push(null);
        }
        schema["type"] = Value::Array(types);
    }
    if let Some(map) = schema.as_object_mut() {
        map.remove("readOnly");
    }
    match field.access {
        Access::Privileged => schema["x-crm-writable-by"] = json!(["manager", "admin"]),
        Access::Admin => schema["x-crm-writable-by"] = json!(["admin"]),
        Access::Open | Access::Server => {}
    }
    schema
}

/// The body of a create (`id` may be chosen by the client) or a patch: the fields a client may
/// set, nothing the server sets.
fn body_schema(entity: Entity, create: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    if create {
        properties.insert("id".into(), json!({"type": "string", "format": "uuid",
            "description": "a new id chosen by the client (a retry sends its Idempotency-Key again)"}));
    }
    for field in entity
        .fields()
        .iter()
        .filter(|f| f.access != Access::Server)
    {
        // A comment's ticket is the one in the path.
        let needed = field.required && !(entity == Entity::Comments && field.name == "ticket_id");
        if create && needed {
            required.push(field.name);
        }
        properties.insert(field.name.into(), input_schema(field, field.required));
    }
    if entity == Entity::Users {
        properties.insert(
            "password".into(),
            json!({"type": "string", "minLength": crate::auth::MIN_PASSWORD_CHARS, "writeOnly": true}),
        );
        if create {
            required.push("password");
        }
    }
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Text(max) => json!({"type": "string", "maxLength": max}),
        Kind::Enum(options) => json!({"type": "string", "enum": options}),
        Kind::List(list) => {
            json!({"type": "string", "maxLength": 50, "description": format!("a code of the list {}", list.name())})
        }
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
    if let Some(format) = field.format {
        schema["description"] = json!(format_description(format));
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
    properties.insert(
        "updated_by".into(),
        json!({"type": ["string", "null"], "format": "uuid", "readOnly": true, "description": "the user whose write last changed the record (create, update, delete, restore); null when written before it was kept"}),
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

/// The error answers a route gives, by status, each with the `Error` body.
fn errors(statuses: &[u16]) -> Value {
    let e = json!({"$ref": "#/components/responses/Error"});
    Value::Object(
        statuses
            .iter()
            .map(|s| (s.to_string(), e.clone()))
            .collect(),
    )
}

/// Every route that needs a token answers 401 without a valid one, and 429 or 503 when the
/// server sheds load.
const SIGNED_IN: &[u16] = &[401, 429, 503];

fn statuses(own: &[u16]) -> Vec<u16> {
    let mut all: Vec<u16> = own.iter().chain(SIGNED_IN).copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// `sort` values: a sortable field, `-` in front for descending.
fn sort_values(entity: Entity) -> Vec<String> {
    crate::schema::SYSTEM_FIELDS
        .iter()
        .copied()
        .filter(|f| !crate::schema::SYSTEM_AUTHORS.contains(f))
        .chain(entity.fields().iter().filter(|f| f.sort).map(|f| f.name))
        .flat_map(|f| [f.to_string(), format!("-{f}")])
        .collect()
}

/// A filter's value in a query string: as the field holds it, or `none` for empty.
fn filter_schema(field: &Field) -> Value {
    let mut schema = field_schema(field);
    if let Some(map) = schema.as_object_mut() {
        map.remove("readOnly");
        map.remove("x-crm-writable-by");
        // A query value is a string, never null.
        if let Some(Value::Array(types)) = map.get("type").cloned() {
            let types: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
            map.insert(
                "type".into(),
                types.first().cloned().unwrap_or(json!("string")),
            );
        }
    }
    if matches!(field.kind, Kind::Text(_)) {
        schema
    } else {
        json!({"anyOf": [schema, {"type": "string", "const": "none"}]})
    }
}

fn list_parameters(entity: Entity) -> Vec<Value> {
    let mut params = vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::records::MAX_PAGE}}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
               "description": "next_cursor of the previous page, as given (any other value is 422)"}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string", "enum": sort_values(entity)}, "description": "a sortable field; prefix - for descending"}),
        json!({"name": "q", "in": "query", "schema": {"type": "string"}, "description": "substring search"}),
    ];
    for field in entity.fields().iter().filter(|f| f.filter) {
        params.push(json!({"name": field.name, "in": "query", "schema": filter_schema(field), "description": "equals; `none` for empty"}));
    }
    params
}

/// `If-Match` as the server reads it: the version number, bare, quoted or weak (`W/"3"`).
fn if_match_header() -> Value {
    json!({"name": "If-Match", "in": "header", "schema": {"type": "string", "pattern": r#"^\s*(W/)?"?[0-9]{1,18}"?\s*$"#},
           "description": "the version you edited; a stale one answers 412 with the current record"})
}

/// `Idempotency-Key`: 1 to 200 visible ASCII characters (spaces inside allowed).
fn idempotency_header() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]([ -~]*[!-~])?$"},
           "description": "a retry with the same key and body gets the first answer back, while what it wrote is still yours to see"})
}

fn entity_paths(entity: Entity, paths: &mut Map<String, Value>) {
    let name = entity.name();
    let page = json!({"type": "object", "properties": {"items": {"type": "array", "items": reference(entity)}, "next_cursor": {"type": ["string", "null"]}}, "required": ["items", "next_cursor"]});
    let mut create_params = vec![idempotency_header()];
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
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}_{schema}")}}}});
    // Lists: a bad query is 422; under a ticket, an unknown ticket is 404.
    let list_errors = statuses(&[404, 422]);
    // Writes: a body that is not a JSON object or a bad header is 400; a field this role may not
    // set 403; a missing record or linked ticket 404; a taken id, a duplicate, a rule of state
    // 409; a stale If-Match 412; a body over the limit 413; a bad value 422.
    let write_errors = statuses(&[400, 403, 404, 409, 412, 413, 422]);
    // What a create answers leads to the record's own routes (for tools that follow links).
    let mut target = json!({"id": "$response.body#/id"});
    if id_param {
        target["ticket"] = json!("$response.body#/ticket_id");
    }
    let links: Map<String, Value> = ["get", "patch", "delete"]
        .iter()
        .map(|verb| {
            (
                format!("{verb}_created"),
                json!({"operationId": format!("{verb}_{name}"), "parameters": target}),
            )
        })
        .collect();
    let mut created = ok(reference(entity));
    created["links"] = Value::Object(links);
    paths.insert(base.clone(), json!({
        "get": {"operationId": format!("list_{name}"), "summary": format!("List {name} you may see"), "tags": [name], "parameters": list_params, "responses": merge(json!({"200": ok(page)}), errors(&list_errors))},
        "post": {"operationId": format!("create_{name}"), "summary": format!("Create a {}", entity.noun()), "tags": [name], "parameters": create_params,
                 "requestBody": body("create"),
                 "responses": merge(json!({"201": created, "200": ok(reference(entity))}), errors(&statuses(&[400, 403, 404, 409, 413, 422])))},
    }));
    let mut patch_params = one.clone();
    patch_params.extend([if_match_header(), idempotency_header()]);
    paths.insert(format!("{base}/{{id}}"), json!({
        "get": {"operationId": format!("get_{name}"), "summary": format!("Get a {}", entity.noun()), "tags": [name], "parameters": one, "responses": merge(json!({"200": ok(reference(entity))}), errors(&statuses(&[404])))},
        "patch": {"operationId": format!("patch_{name}"), "summary": format!("Change fields of a {}", entity.noun()), "tags": [name], "parameters": patch_params,
                  "requestBody": body("patch"),
                  "responses": merge(json!({"200": ok(reference(entity))}), errors(&write_errors))},
        "delete": {"operationId": format!("delete_{name}"), "summary": format!("Delete a {} (kept as a tombstone)", entity.noun()), "tags": [name], "parameters": patch_params,
                   "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {"deleted": {"type": "string", "format": "uuid"}}, "required": ["deleted"]}))}),
                                      errors(&statuses(&[400, 403, 404, 409, 412, 422])))},
    }));
    if !id_param {
        let mut restore_params = one;
        restore_params.push(idempotency_header());
        paths.insert(format!("{base}/{{id}}/restore"), json!({
            "post": {"operationId": format!("restore_{name}"), "summary": format!("Bring back a deleted {} as it was (undo of a delete; whoever may delete it)", entity.noun()), "tags": [name], "parameters": restore_params,
                     "responses": merge(json!({"200": ok(reference(entity))}), errors(&statuses(&[400, 403, 404, 409, 422])))},
        }));
    }
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
        schemas.insert(
            format!("{}_create", entity.name()),
            body_schema(entity, true),
        );
        schemas.insert(
            format!("{}_patch", entity.name()),
            body_schema(entity, false),
        );
        entity_paths(entity, &mut paths);
    }
    schemas.insert("Error".into(), json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "existing": {"type": "object", "description": "the customer a duplicate matches: its code and owner only"},
        "current": {"type": "object", "description": "the current record, on 412"}}, "required": ["code", "message"]}}, "required": ["error"]}));
    let entities: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
    schemas.insert("FeedPage".into(), json!({"type": "object", "properties": {
        "changes": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "entity": {"type": "string", "enum": entities}, "id": {"type": "string", "format": "uuid"},
            "op": {"type": "string", "enum": ["upsert", "delete", "drop"]}, "record": {"type": ["object", "null"]}}}},
        "next": {"type": "integer"}, "more": {"type": "boolean"},
        "latest": {"type": "integer", "description": "the head of the feed when the page was read"}}}));
    let cursor = json!({"type": "object", "properties": {"entity": {"type": "string", "enum": entities}, "after": {"type": "string", "format": "uuid"}}, "required": ["entity", "after"]});
    schemas.insert("SnapshotRows".into(), json!({"type": "object",
        "description": "a snapshot page with each entity's field names once and each record as the array of its values in that order; sent when Accept names its media type",
        "properties": {
        "groups": {"type": "array", "items": {"type": "object", "properties": {
            "entity": {"type": "string", "enum": entities},
            "fields": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "array"}}}, "required": ["entity", "fields", "rows"]}},
        "next": {"oneOf": [cursor, {"type": "null"}]},
        "head": {"type": "integer"},
        "total": {"type": "integer"}},
        "required": ["groups", "next", "head"]}));
    schemas.insert("SnapshotPage".into(), json!({"type": "object", "properties": {
        "records": {"type": "array", "items": {"type": "object", "properties": {
            "entity": {"type": "string", "enum": entities}, "record": {"type": "object"}}, "required": ["entity", "record"]}},
        "next": {"oneOf": [cursor, {"type": "null"}], "description": "pass back as entity and after; null once every record is sent"},
        "head": {"type": "integer", "description": "the head of the change feed when the page was read; a first sync follows the feed from the first page's head"},
        "total": {"type": "integer", "description": "records you may read in all, on the first page"}},
        "required": ["records", "next", "head"]}));
    paths.insert(
        "/health".into(),
        json!({"get": {"summary": "Is the server up and able to write", "security": [],
        "responses": merge(json!({"200": ok(json!({"type": "object"}))}), errors(&[503]))}}),
    );
    paths.insert("/auth/login".into(), json!({"post": {"summary": "Sign in", "security": [],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}, "required": ["username", "password"], "additionalProperties": false}}}},
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {"token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}, "user": reference(Entity::Users)}, "required": ["token", "expires_at", "user"]}))}),
                           errors(&[400, 401, 413, 422, 429, 503]))}}));
    paths.insert(
        "/auth/logout".into(),
        json!({"post": {"summary": "Revoke this token",
        "responses": merge(json!({"200": ok(json!({"type": "object"}))}), errors(SIGNED_IN))}}),
    );
    paths.insert(
        "/me".into(),
        json!({"get": {"summary": "The signed-in user",
        "responses": merge(json!({"200": ok(reference(Entity::Users))}), errors(SIGNED_IN))}}),
    );
    paths.insert("/sync".into(), json!({"get": {"summary": "Changes you may see since a cursor, in order",
        "parameters": [
            {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": i64::MAX}, "description": "the `next` of the previous page; 0 from the start"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::sync::MAX_LIMIT}},
            {"name": "wait", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": u64::MAX}, "description": "seconds to long-poll for the next change; the server waits at most a minute"}],
        "responses": merge(json!({"200": ok(json!({"$ref": "#/components/schemas/FeedPage"}))}), errors(&statuses(&[422])))}}));
    let mut snapshot_page = ok(json!({"$ref": "#/components/schemas/SnapshotPage"}));
    // The compact form, for a client whose Accept names it.
    snapshot_page["content"][crate::wire::SNAPSHOT_ROWS_TYPE] =
        json!({"schema": {"$ref": "#/components/schemas/SnapshotRows"}});
    snapshot_page["headers"] = json!({crate::wire::SNAPSHOT_POSITION: {
        "description": "the page's next, head and total as a JSON object: ask for the next page before reading this one",
        "schema": {"type": "string"}}});
    paths.insert("/sync/snapshot".into(), json!({"get": {"summary": "Every live record you may see, entity by entity, for a first sync; then follow /sync from the first page's head",
        "parameters": [
            {"name": "entity", "in": "query", "schema": {"type": "string", "enum": entities}, "description": "next.entity of the previous page; with after"},
            {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "next.after of the previous page; with entity"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::sync::SNAPSHOT_MAX_LIMIT}}],
        "responses": merge(json!({"200": snapshot_page}), errors(&statuses(&[422])))}}));
    paths.insert("/audit/{entity}/{id}".into(), json!({"get": {"summary": "The audit trail of a record (admins; managers for their team's records and people)",
        "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": entities}},
                       {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}, "required": ["items"]}))}),
                           errors(&statuses(&[403, 404])))}}));
    paths.insert("/quotes/{id}/order".into(), json!({"post": {"operationId": "order_quotes",
        "summary": "An order from an accepted quote in one step: its customer, contact, deal and lines taken, the quote marked ordered; once per quote (409 after). The body may add the order's own fields (warehouse_id, delivery_date, notes); the same as POST /orders naming quote_id",
        "tags": ["orders"],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}, idempotency_header()],
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": merge(json!({"201": ok(reference(Entity::Orders))}), errors(&statuses(&[400, 403, 404, 409, 413, 422])))}}));
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}});
    paths.insert("/leads/{id}/convert".into(), json!({"post": {"operationId": "convert_leads",
        "summary": "Convert a lead in one step: the customer (through the duplicate check; customer_id attaches to an existing one, force makes a new one anyway), a contact and, with opportunity_name, an opportunity; the same as PATCH /leads/{id} {status: converted}. 409 when converted already or a likely duplicate exists",
        "tags": ["leads"],
        "parameters": [id_param.clone(), idempotency_header()],
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "customer_id": {"type": "string", "format": "uuid"}, "opportunity_name": {"type": "string"},
            "opportunity_amount": {"type": "integer", "minimum": 0}, "force": {"type": "boolean"}}}}}},
        "responses": merge(json!({"200": ok(reference(Entity::Leads))}), errors(&statuses(&[400, 403, 404, 409, 413, 422])))}}));
    for entity in super::import::IMPORTABLE {
        let name = entity.name();
        paths.insert(format!("/{name}/import"), json!({"post": {"operationId": format!("import_{name}"),
            "summary": format!("{name} in bulk (at most 5,000 rows): each row created as POST /{name} would, or updated when it names an existing record (its code or number, or the duplicate check; update: false refuses it instead), or refused with its error; dry_run answers without writing"),
            "tags": [name],
            "parameters": [idempotency_header()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "rows": {"type": "array", "items": {"type": "object"}},
                "dry_run": {"type": "boolean"}, "update": {"type": "boolean"}}, "required": ["rows"]}}}},
            "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {
                "dry_run": {"type": "boolean"}, "created": {"type": "integer"}, "updated": {"type": "integer"},
                "refused": {"type": "integer"},
                "rows": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "outcome": {"type": "string", "enum": ["updated", "refused"]},
                    "id": {"type": "string"}, "key": {"type": "string"},
                    "matched_on": {"type": "array", "items": {"type": "string"}},
                    "error": {"type": "object"}}}}}}))}), errors(&statuses(&[400, 403, 413, 422])))}}));
    }
    paths.insert("/campaigns/{id}/members".into(), json!({"post": {"operationId": "add_campaign_members",
        "summary": "Add to a campaign the customers, contacts or leads a query (the query language) finds among those you may read; those already members are left",
        "tags": ["campaigns"],
        "parameters": [id_param.clone(), idempotency_header()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "entity": {"type": "string", "enum": ["customers", "contacts", "leads"]}, "q": {"type": "string"}}, "required": ["entity"]}}}},
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {
            "added": {"type": "integer"}, "present": {"type": "integer"}, "refused": {"type": "integer"}}}))}),
            errors(&statuses(&[400, 403, 404, 422])))}}));
    paths.insert("/campaigns/{id}/results".into(), json!({"get": {"operationId": "campaign_results",
        "summary": "A campaign's members, responses, leads, opportunities and won amount (summed by the database), cost per lead (minor units) and ROI (basis points)",
        "tags": ["campaigns"],
        "parameters": [id_param],
        "responses": merge(json!({"200": ok(json!({"type": "object"}))}), errors(&statuses(&[404])))}}));
    paths.insert("/files/upload".into(), json!({"post": {"operationId": "upload_files",
        "summary": "Attach a file to a record: its bytes as the body, stored once per SHA-256; 413 over the server's size limit (checked while reading), 415 when its first bytes are of no allowed kind; the file's record (name, size, type, digest) is answered and syncs like any other",
        "tags": ["files"],
        "parameters": [
            {"name": "entity", "in": "query", "required": true, "schema": {"type": "string", "enum": crate::schema::ATTACHABLE}},
            {"name": "record_id", "in": "query", "required": true, "schema": {"type": "string", "format": "uuid"}},
            {"name": "name", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 255}},
            {"name": "notes", "in": "query", "schema": {"type": "string", "maxLength": 2000}}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": merge(json!({"201": ok(reference(Entity::Files))}), errors(&statuses(&[400, 403, 404, 413, 415, 422, 507])))}}));
    paths.insert("/files/{id}/content".into(), json!({"get": {"operationId": "download_files",
        "summary": "An attached file's bytes, for whoever may read its record; the stored type in X-Content-Type, the digest as the ETag",
        "tags": ["files"],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": merge(json!({"200": {"description": "the bytes", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}), errors(&statuses(&[404])))}}));
    paths.insert("/files/sweep".into(), json!({"post": {"operationId": "sweep_files",
        "summary": "Admins: remove now the stored bytes no file record names any more (the server does it hourly); a deleted file's bytes are kept for the undo (30 days)",
        "tags": ["files"],
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {
            "stored": {"type": "integer"}, "removed": {"type": "integer"}}}))}), errors(&statuses(&[403, 503])))}}));
    paths.insert("/territories/apply".into(), json!({"post": {"operationId": "apply_territories",
        "summary": "Admins: put every customer in the territory the rules now give its region and industry (with the territory's owner and team when it names an owner), each move an audited update; dry_run counts without writing",
        "tags": ["territories"],
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "dry_run": {"type": "boolean"}}}}}},
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {
            "customers": {"type": "integer"}, "moved": {"type": "integer"}, "owners": {"type": "integer"}, "dry_run": {"type": "boolean"}}}))}),
            errors(&statuses(&[403, 422])))}}));
    let bucket_props: serde_json::Map<String, Value> = crate::rules::payments::BUCKETS
        .iter()
        .map(|b| (b.label.to_string(), json!({"type": "integer"})))
        .collect();
    let aging = json!({"type": "object", "properties": {
        "as_of": {"type": "string", "format": "date"},
        "customer_id": {"type": "string", "format": "uuid"},
        "outstanding": {"type": "integer", "description": "still owed, minor units"},
        "not_due": {"type": "integer"},
        "overdue": {"type": "integer"},
        "buckets": {"type": "object", "properties": bucket_props, "description": "overdue by days past the due date"}},
        "required": ["as_of", "outstanding", "not_due", "overdue", "buckets"]});
    let as_of = json!({"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "the day to age on; today (UTC) when left out"});
    paths.insert("/receivables".into(), json!({"get": {"operationId": "receivables",
        "summary": "What is owed on the instalments you may read, aged 0-30, 31-60, 61-90 and 90+ days overdue (summed by the database)",
        "tags": ["payment_plans"],
        "parameters": [{"name": "customer_id", "in": "query", "schema": {"type": "string", "format": "uuid"}}, as_of.clone()],
        "responses": merge(json!({"200": ok(aging.clone())}), errors(&statuses(&[404, 422])))}}));
    paths.insert("/receivables/customers".into(), json!({"get": {"operationId": "receivables_by_customer",
        "summary": "The same per customer, the most overdue first",
        "tags": ["payment_plans"],
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}, as_of],
        "responses": merge(json!({"200": ok(json!({"type": "object", "properties": {"items": {"type": "array", "items": aging}}, "required": ["items"]}))}), errors(&statuses(&[422])))}}));
    json!({
        "openapi": "3.1.0",
        "info": {"title": "crm", "version": env!("CARGO_PKG_VERSION"), "description": "The crm server's API. Money in integer minor units, times in UTC, ids are UUIDs. Text never holds control characters (newline and tab only in text of several lines) nor bidi overrides."},
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
        assert!(doc["paths"]["/quotes/{id}/order"]["post"].is_object());
        assert!(
            doc["paths"]["/receivables"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["properties"]["buckets"]["properties"]["90+"]
                .is_object()
        );
        let page = &doc["paths"]["/sync/snapshot"]["get"]["responses"]["200"];
        assert!(page["headers"][crate::wire::SNAPSHOT_POSITION].is_object());
        assert!(doc["components"]["schemas"]["FeedPage"]["properties"]["latest"].is_object());
    }

    #[test]
    fn bodies_and_statuses_are_what_the_server_does() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        // A create must hold the required fields; a patch need hold nothing; neither may hold
        // what the server sets.
        assert_eq!(schemas["customers_create"]["required"], json!(["name"]));
        assert_eq!(schemas["customers_patch"]["required"], json!([]));
        assert!(schemas["tickets_create"]["properties"]["number"].is_null());
        assert!(schemas["customers_patch"]["properties"]["version"].is_null());
        assert!(
            schemas["users_create"]["required"]
                .as_array()
                .unwrap()
                .contains(&json!("password"))
        );
        assert!(
            !schemas["comments_create"]["required"]
                .as_array()
                .unwrap()
                .contains(&json!("ticket_id")),
            "the path names the ticket"
        );
        // Text refuses what validate refuses.
        let pattern = schemas["customers_create"]["properties"]["name"]["pattern"]
            .as_str()
            .unwrap();
        assert!(
            pattern.contains("\\u001f") && pattern.contains("\\u202e"),
            "{pattern}"
        );
        let notes = schemas["customers_create"]["properties"]["notes"]["pattern"]
            .as_str()
            .unwrap();
        assert!(
            notes.contains("\\u000b"),
            "newline and tab allowed: {notes}"
        );

        let statuses = |path: &str, method: &str| -> Vec<String> {
            doc["paths"][path][method]["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert!(statuses("/me", "get").contains(&"401".to_string()));
        assert!(statuses("/auth/login", "post").contains(&"400".to_string()));
        assert!(statuses("/sync", "get").contains(&"422".to_string()));
        let patch = statuses("/customers/{id}", "patch");
        for s in [
            "400", "401", "403", "404", "409", "412", "413", "422", "429",
        ] {
            assert!(patch.contains(&s.to_string()), "{s} on PATCH");
        }
        assert_eq!(
            doc["paths"]["/sync"]["get"]["parameters"][0]["schema"]["maximum"],
            json!(i64::MAX)
        );
    }

    #[test]
    fn formatted_fields_state_their_rules() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        for entity in Entity::ALL {
            for field in entity.fields().iter().filter(|f| f.format.is_some()) {
                for body in ["create", "patch"] {
                    let schema =
                        &schemas[format!("{}_{body}", entity.name())]["properties"][field.name];
                    let pattern = schema["pattern"].as_str().unwrap_or_default();
                    assert!(
                        pattern.contains('@')
                            || pattern.contains("[Hh]")
                            || pattern.contains("分机"),
                        "{}.{}: {pattern}",
                        entity.name(),
                        field.name
                    );
                    assert!(
                        pattern.contains("\\u001f"),
                        "refused characters kept out: {pattern}"
                    );
                    assert!(schema["description"].is_string());
                }
            }
        }
        let email = &schemas["customers_create"]["properties"]["email"]["pattern"];
        assert!(email.as_str().is_some_and(|p| p.contains('@')), "{email}");
        let website = &schemas["competitors_create"]["properties"]["website"]["pattern"];
        assert!(
            website
                .as_str()
                .is_some_and(|p| p.contains("[Hh][Tt][Tt][Pp]")),
            "{website}"
        );
        let mobile = &schemas["contacts_patch"]["properties"]["mobile"]["pattern"];
        assert!(
            mobile.as_str().is_some_and(|p| p.contains("转")),
            "{mobile}"
        );
    }
}
