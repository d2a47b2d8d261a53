//! Bad requests are refused with the right status and name the offending field.

mod common;

use common::{TestServer, id_of};
use reqwest::Method;
use serde_json::{Value, json};

fn field_error<'a>(err: &'a Value, field: &str) -> &'a str {
    err["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("the error does not name {field}: {err}"))
}

#[test]
fn bad_values_are_422_and_name_the_field() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let customer = id_of(&admin.create("/customers", json!({"name": "Valid"})));

    let cases: &[(&str, Value, &str)] = &[
        ("/customers", json!({"level": "A"}), "name"),
        ("/contacts", json!({"name": "orphan"}), "customer_id"),
        ("/contacts", json!({"customer_id": customer}), "name"),
        ("/opportunities", json!({"name": "deal"}), "customer_id"),
        ("/activities", json!({"subject": "call them"}), "kind"),
        ("/activities", json!({"kind": "call"}), "subject"),
        ("/tickets", json!({"customer_id": customer}), "subject"),
        ("/tickets", json!({"subject": "help"}), "customer_id"),
        ("/teams", json!({"description": "nameless"}), "name"),
        (
            "/users",
            json!({"display_name": "X", "role": "sales", "password": "long enough"}),
            "username",
        ),
        (
            "/users",
            json!({"username": "x", "display_name": "X", "role": "sales"}),
            "password",
        ),
        (
            "/users",
            json!({"username": "x", "display_name": "X", "role": "sales", "password": "short"}),
            "password",
        ),
        ("/customers", json!({"name": "Enum", "level": "Z"}), "level"),
        (
            "/users",
            json!({"username": "x", "display_name": "X", "role": "wizard", "password": "long enough"}),
            "role",
        ),
        (
            "/customers",
            json!({"name": "Unknown", "colour": "red"}),
            "colour",
        ),
        (
            "/opportunities",
            json!({"customer_id": customer, "name": "Negative", "amount": -1}),
            "amount",
        ),
        (
            "/opportunities",
            json!({"customer_id": customer, "name": "Fraction", "amount": 1.5}),
            "amount",
        ),
        (
            "/contacts",
            json!({"customer_id": "not-a-uuid", "name": "bad ref"}),
            "customer_id",
        ),
        (
            "/contacts",
            json!({"customer_id": "0190c1d2-0000-7000-8000-000000000001", "name": "dangling"}),
            "customer_id",
        ),
        (
            "/contacts",
            json!({"customer_id": customer, "name": "bad date", "birthday": "yesterday"}),
            "birthday",
        ),
        (
            "/customers",
            json!({"name": "Versioned", "version": 7}),
            "version",
        ),
        (
            "/customers",
            json!({"name": "Authored", "created_by": customer}),
            "created_by",
        ),
        (
            "/tickets",
            json!({"subject": "numbered", "customer_id": customer, "number": "T-1"}),
            "number",
        ),
    ];
    for (path, body, field) in cases {
        let (status, err) = admin.post(path, body.clone());
        assert_eq!(status, 422, "POST {path} {body}: {err}");
        assert_eq!(err["error"]["code"], "invalid", "{err}");
        field_error(&err, field);
    }

    // Patches are checked the same way; the version travels in If-Match, not the body.
    let path = format!("/customers/{customer}");
    for (body, field) in [
        (json!({"version": 2}), "version"),
        (json!({"created_by": customer}), "created_by"),
        (json!({"name": null}), "name"),
        (json!({"level": "Q"}), "level"),
        (json!({"bogus": true}), "bogus"),
    ] {
        let (status, err) = admin.patch(&path, body.clone());
        assert_eq!(status, 422, "PATCH {body}: {err}");
        field_error(&err, field);
    }
    // Nothing of the refused writes stuck.
    let (_, stored) = admin.get(&path);
    assert_eq!(stored["version"], 1, "{stored}");
    let (_, users) = admin.get("/users?limit=100");
    assert_eq!(
        users["items"].as_array().unwrap().len(),
        1,
        "no half-made user: {users}"
    );
}

#[test]
fn broken_bodies_are_400_and_huge_ones_413() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let send_raw = |body: Vec<u8>| {
        admin.send(
            admin
                .request(Method::POST, "/customers")
                .header("Content-Type", "application/json")
                .body(body),
        )
    };

    let (status, err) = send_raw(b"{\"name\": \"unterminated".to_vec());
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("malformed")),
        "{err}"
    );
    for not_an_object in ["[1, 2]", "\"name\"", "42", "null"] {
        let (status, err) = send_raw(not_an_object.as_bytes().to_vec());
        assert_eq!(status, 400, "{not_an_object}: {err}");
    }
    let (status, _) = send_raw(Vec::new());
    assert_eq!(status, 400, "an empty body");

    let huge =
        serde_json::to_vec(&json!({"name": "big", "notes": "x".repeat(1024 * 1024 + 10)})).unwrap();
    let (status, err) = send_raw(huge);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (413, Some("too_large")),
        "{err}"
    );

    // A body just under the limit with a too-long field is a 422 naming it, not a 413.
    let long = serde_json::to_vec(&json!({"name": "long", "notes": "x".repeat(20_000)})).unwrap();
    let (status, err) = send_raw(long);
    assert_eq!(status, 422);
    field_error(&err, "notes");

    // Bad query parameters and headers.
    let (status, err) = admin.get("/customers?limit=0");
    assert_eq!(status, 422);
    field_error(&err, "limit");
    let (status, _) = admin.send(
        admin
            .request(
                Method::PATCH,
                "/customers/0190c1d2-0000-7000-8000-000000000001",
            )
            .header("If-Match", "yesterday")
            .json(&json!({"name": "x"})),
    );
    assert_eq!(status, 400, "a non-numeric If-Match");
    assert_eq!(admin.get("/sync?since=-1").0, 422);
    assert_eq!(admin.get("/sync?bogus=1").0, 422);

    // Unknown routes and methods answer in the same JSON shape.
    let (status, err) = admin.get("/no-such-thing");
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{err}"
    );
    let (status, err) = admin.send(admin.request(Method::PUT, "/customers"));
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (405, Some("method_not_allowed")),
        "{err}"
    );
}

#[test]
fn fields_a_role_may_not_set_are_403_and_named() {
    let server = TestServer::start();
    let team = server.add_team("north");
    let sales = server.user("sam", "sales", Some(&team));
    let manager = server.user("mia", "manager", Some(&team));

    let (status, err) = sales.post(
        "/customers",
        json!({"name": "Mine", "owner_id": manager.id()}),
    );
    assert_eq!(status, 403, "{err}");
    field_error(&err, "owner_id");
    let (status, err) = sales.post("/customers", json!({"name": "Mine", "team_id": team}));
    assert_eq!(status, 403, "{err}");
    field_error(&err, "team_id");

    let customer = id_of(&sales.create("/customers", json!({"name": "Mine"})));
    let (status, err) = sales.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": manager.id()}),
    );
    assert_eq!(status, 403, "{err}");
    field_error(&err, "owner_id");
    // A forbidden field beside a bad one: still refused, and nothing changes.
    let (status, _) = sales.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": manager.id(), "level": "Z"}),
    );
    assert!(status == 403 || status == 422);
    let (_, stored) = sales.get(&format!("/customers/{customer}"));
    assert_eq!(
        (stored["owner_id"].as_str(), stored["version"].as_i64()),
        (Some(sales.id().as_str()), Some(1))
    );

    // Managers may.
    let (status, moved) = manager.patch(
        &format!("/customers/{customer}"),
        json!({"owner_id": manager.id()}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["owner_id"], json!(manager.id()));

    // Only admins set a user's fields.
    let (status, err) = manager.patch(&format!("/users/{}", sales.id()), json!({"role": "admin"}));
    assert_eq!(status, 403, "{err}");
}

#[test]
fn emails_web_addresses_and_phones_are_checked() {
    let server = TestServer::start();
    let admin = server.user("root", "admin", None);
    let customer = id_of(&admin.create("/customers", json!({"name": "Formats"})));
    let cases: &[(&str, Value, &str)] = &[
        (
            "/customers",
            json!({"name": "A", "email": "wang@@example"}),
            "email",
        ),
        (
            "/customers",
            json!({"name": "B", "email": "zhou@"}),
            "email",
        ),
        (
            "/customers",
            json!({"name": "C", "website": "javascript:alert(1)"}),
            "website",
        ),
        (
            "/customers",
            json!({"name": "D", "phone": "call me"}),
            "phone",
        ),
        ("/customers", json!({"name": "E", "fax": "none"}), "fax"),
        (
            "/contacts",
            json!({"customer_id": customer, "name": "F", "mobile": "138 abc"}),
            "mobile",
        ),
        (
            "/contacts",
            json!({"customer_id": customer, "name": "G", "email": "g@localhost"}),
            "email",
        ),
        (
            "/competitors",
            json!({"name": "H", "website": "not a site"}),
            "website",
        ),
        (
            "/users",
            json!({"username": "i", "display_name": "I", "role": "sales", "password": "long enough", "email": "i at example.com"}),
            "email",
        ),
    ];
    for (path, body, field) in cases {
        let (status, err) = admin.post(path, body.clone());
        assert_eq!(status, 422, "{path} {body}: {err}");
        assert!(field_error(&err, field).starts_with("must be a"), "{err}");
    }
    // Nothing was stored.
    assert_eq!(admin.list_all("/customers", "", 100).len(), 1);
    // A patch is held to the same rule; real spellings pass.
    let (status, err) = admin.patch(&format!("/customers/{customer}"), json!({"email": "zhou@"}));
    assert_eq!(status, 422, "{err}");
    assert!(field_error(&err, "email").starts_with("must be an email"));
    let (status, fine) = admin.patch(
        &format!("/customers/{customer}"),
        json!({"email": " 张三@例子.中国 ", "website": "www.zte.com.cn",
               "phone": "0571-8502-2088 转 6218", "fax": "+44 20 7946 0000 ext. 12"}),
    );
    assert_eq!(status, 200, "{fine}");
    assert_eq!(fine["email"], "张三@例子.中国");
}
