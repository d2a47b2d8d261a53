//! The `crm` binary as a script would use it, against a real server on loopback: sign-in with a
//! private token file, writes that reach the server (or wait offline), exit codes, CSV safety.

mod common;

use std::path::Path;
use std::process::Output;

use common::cli::{Crm, ok, text};
use common::{PASSWORD, TestServer};
use crm_server::schema::Entity;
use serde_json::Value;

impl Crm {
    fn token_file(&self) -> std::path::PathBuf {
        self.home
            .path()
            .join("data")
            .join("credentials")
            .join("default.token")
    }
}

fn server_names(server: &TestServer) -> Vec<String> {
    server
        .all(Entity::Customers)
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
        .collect()
}

fn signed_in() -> (TestServer, Crm) {
    let server = TestServer::start();
    server.add_user("li", "sales", None);
    let client = Crm::new();
    ok(&client.login(&server, "li"));
    (server, client)
}

#[test]
fn a_script_signs_in_adds_lists_and_the_server_has_it() {
    let (server, client) = signed_in();
    let status = ok(&client.run(&["status"]));
    assert!(status.contains("online as li (sales)"), "{status}");
    assert!(status.contains("default.token"), "{status}");

    ok(&client.run(&[
        "customers",
        "add",
        "--name",
        "华为技术有限公司",
        "--phone",
        "+86 138 0013 8000",
        "--level",
        "a",
    ]));
    assert!(server_names(&server).contains(&"华为技术有限公司".to_string()));

    let listed = ok(&client.run(&["customers", "list", "--search", "华为", "--format", "json"]));
    let items: Vec<Value> = serde_json::from_str(&listed).expect("json on stdout");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["level"], "A");
    assert_eq!(items[0]["pending"], false);

    // Found by any run of the phone's digits.
    let by_digits = ok(&client.run(&[
        "customers",
        "list",
        "--search",
        "0013800",
        "--format",
        "json",
    ]));
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&by_digits)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn exit_codes_say_what_failed() {
    let (_server, client) = signed_in();
    ok(&client.run(&["customers", "add", "--name", "Acme Ltd."]));
    let duplicate = client.run(&["customers", "add", "--name", "ACME  ltd"]);
    assert_eq!(
        duplicate.status.code(),
        Some(5),
        "{}",
        text(&duplicate.stderr)
    );
    assert!(text(&duplicate.stderr).contains("--allow-duplicate"));
    ok(&client.run(&[
        "customers",
        "add",
        "--name",
        "ACME  ltd",
        "--allow-duplicate",
    ]));

    let missing = client.run(&["customers", "show", "C999999"]);
    assert_eq!(missing.status.code(), Some(3));
    let invalid = client.run(&["customers", "add", "--name", "X", "--level", "Z"]);
    assert_eq!(invalid.status.code(), Some(4), "{}", text(&invalid.stderr));
    assert!(text(&invalid.stderr).contains("level"));
    let usage = client.run(&["customers", "add", "--name", "Y", "--shared-with", "nobody"]);
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage.stderr));

    let stranger = Crm::new();
    let not_signed_in = stranger.run(&["sync"]);
    assert!(!not_signed_in.status.success());
    assert!(
        text(&not_signed_in.stderr).contains("crm login"),
        "{}",
        text(&not_signed_in.stderr)
    );
}

#[test]
fn csv_exports_defuse_formulas() {
    let (_server, client) = signed_in();
    ok(&client.run(&[
        "customers",
        "add",
        "--name",
        "=HYPERLINK(\"http://evil\")",
        "--email",
        "a@b.cn",
    ]));
    let csv = ok(&client.run(&["export", "customers", "--format", "csv"]));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );
    assert!(
        !csv.lines().any(|l| l.starts_with('=') || l.contains(",=")),
        "{csv}"
    );
}

#[test]
fn offline_writes_wait_in_the_outbox_and_arrive_once() {
    let (mut server, client) = signed_in();
    server.stop();
    let out = ok_stderr(&client.run(&["customers", "add", "--name", "离线客户"]));
    assert!(
        out.contains("offline") || out.contains("next sync"),
        "{out}"
    );
    let status = ok(&client.run(&["status"]));
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("pending writes") && l.trim_end().ends_with('1')),
        "{status}"
    );

    server.restart();
    ok(&client.run(&["sync"]));
    ok(&client.run(&["sync"]));
    let names = server_names(&server);
    assert_eq!(
        names.iter().filter(|n| *n == "离线客户").count(),
        1,
        "{names:?}"
    );
    let status = ok(&client.run(&["status"]));
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("pending writes") && l.trim_end().ends_with('0')),
        "{status}"
    );
}

fn ok_stderr(out: &Output) -> String {
    ok(out);
    text(&out.stderr)
}

#[test]
fn logout_revokes_the_token_everywhere() {
    let (_server, client) = signed_in();
    let token = std::fs::read_to_string(client.token_file()).expect("token file");
    ok(&client.run(&["logout"]));
    assert!(!client.token_file().exists());
    // The old token no longer works, even from a script that kept it.
    let out = client
        .command(&["sync"])
        .env("CRM_TOKEN", token.trim())
        .output()
        .expect("crm");
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("crm login"));
}

#[cfg(unix)]
#[test]
fn a_token_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (_server, client) = signed_in();
    let file = client.token_file();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = client.run(&["sync"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("chmod 600"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        Path::new(&file).exists(),
        "the file is left for the user to fix"
    );
}

/// The permission bits of a path.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn the_local_copy_and_settings_are_readable_only_by_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_server, client) = signed_in();
    ok(&client.run(&["customers", "add", "--name", "华为技术有限公司"]));
    let data = client.home.path().join("data");
    let profile = data.join("profiles").join("default");
    let replica = profile.join("replica.db");
    for dir in [
        data.clone(),
        data.join("profiles"),
        profile.clone(),
        data.join("credentials"),
        client.home.path().join("config"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let mut files = vec![
        replica.clone(),
        crm::replica::outbox_path(&replica),
        client.token_file(),
        client.home.path().join("config").join("config.toml"),
    ];
    // Whatever SQLite keeps beside the files (WAL, shared memory) is private too.
    for entry in std::fs::read_dir(&profile).unwrap() {
        files.push(entry.unwrap().path());
    }
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // A copy left looser by an older crm is tightened when next used.
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&replica, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(
        crm::replica::outbox_path(&replica),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    ok(&client.run(&["customers", "list"]));
    assert_eq!(mode(&profile), 0o700);
    assert_eq!(mode(&replica), 0o600);
    assert_eq!(mode(&crm::replica::outbox_path(&replica)), 0o600);
}

fn replica_file(client: &Crm) -> std::path::PathBuf {
    client
        .home
        .path()
        .join("data")
        .join("profiles")
        .join("default")
        .join("replica.db")
}

#[test]
fn logout_removes_the_local_copy_when_asked_and_keeps_it_otherwise() {
    let (server, client) = signed_in();
    ok(&client.run(&["customers", "add", "--name", "Acme"]));
    assert!(replica_file(&client).exists());
    // A script (no terminal to ask on) keeps the data unless told.
    ok(&client.run(&["logout"]));
    assert!(replica_file(&client).exists());

    ok(&client.login(&server, "li"));
    ok(&client.run(&["logout", "--keep-data"]));
    assert!(replica_file(&client).exists());

    ok(&client.login(&server, "li"));
    ok(&client.run(&["logout", "--remove-data"]));
    assert!(!client.token_file().exists());
    assert!(!replica_file(&client).exists());
    assert!(!crm::replica::outbox_path(&replica_file(&client)).exists());
    assert!(!replica_file(&client).parent().unwrap().exists());
}

#[test]
fn logout_never_drops_unsent_writes_unless_forced() {
    let (mut server, client) = signed_in();
    server.stop();
    ok(&client.run(&["customers", "add", "--name", "离线客户"]));

    let refused = client.run(&["logout", "--remove-data"]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(message.contains("1 unsent change"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert!(replica_file(&client).exists());
    assert!(
        client.token_file().exists(),
        "still signed in, so the write can be sent"
    );

    // Asked without a terminal: signed out, the data and its unsent write kept.
    let kept = ok_stderr(&client.run(&["logout"]));
    assert!(kept.contains("unsent"), "{kept}");
    assert!(replica_file(&client).exists());
    let status = ok(&client.run(&["status"]));
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("pending writes") && l.trim_end().ends_with('1')),
        "{status}"
    );

    ok(&client.run(&["logout", "--remove-data", "--force"]));
    assert!(!replica_file(&client).exists());
}

#[test]
fn other_peoples_escape_sequences_never_reach_the_terminal() {
    let (server, client) = signed_in();
    ok(&client.run(&["customers", "add", "--name", "Acme"]));
    // Stored before input was checked: written straight into the server's table.
    let mut customer = server
        .all(Entity::Customers)
        .into_iter()
        .next()
        .expect("the customer");
    let evil = "\u{1b}]0;owned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{202e}";
    customer.insert("name".into(), Value::String(format!("Acme{evil}")));
    customer.insert("notes".into(), Value::String(format!("line\n{evil}")));
    customer.insert("version".into(), Value::from(2));
    let id = customer["id"].as_str().unwrap().to_string();
    crm_server::store::write(server.db(), |tx| {
        tx.update(Entity::Customers, &customer, &Vec::new(), false)?;
        tx.record_change(Entity::Customers, &id, &Default::default())
            .map(|_| ())
    })
    .expect("store the evil name");
    ok(&client.run(&["sync"]));

    for format in ["table", "csv", "json"] {
        let out = client.run(&["customers", "list", "--format", format]);
        let shown = ok(&out);
        assert!(shown.contains("Acme"), "{format}: {shown}");
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n') && !shown.contains('\u{202e}'),
            "{format}: {shown:?}"
        );
    }
    let json = ok(&client.run(&["customers", "list", "--format", "json"]));
    let items: Vec<Value> = serde_json::from_str(&json).expect("still JSON");
    assert_eq!(
        items[0]["name"],
        format!("Acme{evil}"),
        "the same value, escaped"
    );
    let csv = ok(&client.run(&["export", "customers", "--format", "csv"]));
    assert!(!csv.contains('\u{1b}') && !csv.contains('\u{7}'), "{csv:?}");
}

#[test]
fn a_refusal_kept_in_the_outbox_is_shown_without_its_escape_sequences() {
    let (mut server, client) = signed_in();
    server.stop();
    ok(&client.run(&["customers", "add", "--name", "Later Co"]));
    // A refusal recorded by an older crm, echoing someone's data as the server sent it.
    let outbox = crm::replica::outbox_path(&replica_file(&client));
    let conn = rusqlite::Connection::open(&outbox).expect("outbox");
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?1",
        ["duplicate of \u{1b}]0;owned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{202e}Acme"],
    )
    .expect("record the refusal");
    drop(conn);
    let out = client.run(&["status"]);
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(shown.contains("duplicate of"), "{shown}");
    assert!(
        !shown
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{shown:?}"
    );
}

#[test]
fn tables_show_times_in_the_profiles_zone_and_json_keeps_rfc_3339() {
    let (_server, client) = signed_in();
    ok(&client.run(&["customers", "add", "--name", "Acme"]));
    let customers: Vec<Value> =
        serde_json::from_str(&ok(&client.run(&["customers", "list", "--format", "json"])))
            .expect("json");
    let customer = customers[0]["id"].as_str().expect("an id").to_string();
    ok(&client.run(&[
        "activities",
        "add",
        "--kind",
        "visit",
        "--subject",
        "Plant visit",
        "--customer",
        &customer,
        "--starts-at",
        "2026-11-25T01:00:00Z",
    ]));
    let in_zone = |zone: &str, args: &[&str]| {
        ok(&client
            .command(args)
            .env("CRM_TIMEZONE", zone)
            .output()
            .expect("run crm"))
    };
    let table = in_zone("Asia/Shanghai", &["activities", "list"]);
    assert!(table.contains("2026-11-25 09:00 +08"), "{table}");
    let table = in_zone("Europe/Berlin", &["activities", "list"]);
    assert!(table.contains("2026-11-25 02:00 +01"), "{table}");
    let json = in_zone("Asia/Shanghai", &["activities", "list", "--format", "json"]);
    let items: Vec<Value> = serde_json::from_str(&json).expect("json");
    let stored = items[0]["starts_at"].as_str().expect("a time");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(stored).map(|t| t.to_utc().to_rfc3339()),
        Ok("2026-11-25T01:00:00+00:00".to_string()),
        "JSON is RFC 3339 with its offset: {stored}"
    );
    // A zone that does not exist is an error that says what to write.
    let out = client
        .command(&["activities", "list"])
        .env("CRM_TIMEZONE", "Asia/Shangai")
        .output()
        .expect("run crm");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Asia/Shanghai"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn outbox_commands_list_retry_and_discard_refused_writes_and_undo_walks_back() {
    let (server, client) = signed_in();
    let other = server.add_user("wu", "sales", None);
    server.create_as_system(
        Entity::Customers,
        serde_json::json!({"name": "Twin Trading", "owner_id": other}),
    );
    // The server refuses the duplicate: the command says so and fails.
    let out = client.run(&["customers", "add", "--name", "Twin Trading"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("crm outbox list"),
        "{}",
        text(&out.stderr)
    );
    let listed = ok(&client.run(&["outbox", "list", "--format", "json"]));
    let items: Vec<Value> = serde_json::from_str(&listed).expect("json");
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["state"], "refused");
    assert_eq!(items[0]["code"], "duplicate");
    assert_eq!(items[0]["action"], "create");
    assert_eq!(items[0]["record"], "Twin Trading");
    assert!(
        items[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("same name")),
        "{listed}"
    );
    let table = ok(&client.run(&["outbox", "list"]));
    assert!(
        table.contains("Twin Trading") && table.contains("refused"),
        "{table}"
    );
    let id = items[0]["id"].as_i64().expect("id").to_string();

    // Retried unchanged, the server refuses again: still listed, exit code 1.
    let out = client.run(&["outbox", "retry", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        server_names(&server)
            .iter()
            .filter(|n| *n == "Twin Trading")
            .count(),
        1
    );
    // Unknown entries are "not found".
    assert_eq!(
        client.run(&["outbox", "discard", "9999"]).status.code(),
        Some(3)
    );
    let out = ok_stderr(&client.run(&["outbox", "discard", "--all"]));
    assert!(out.contains("Twin Trading"), "{out}");
    let empty = ok_stderr(&client.run(&["outbox", "list"]));
    assert!(empty.contains("empty"), "{empty}");
    let listed = ok(&client.run(&["customers", "list", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&listed).unwrap().len(),
        0,
        "the refused create is gone: {listed}"
    );

    // Undo from the CLI: an edit, then the create.
    ok(&client.run(&["customers", "add", "--name", "Undo Trading", "--level", "c"]));
    let code = server
        .all(Entity::Customers)
        .into_iter()
        .find(|c| c["name"] == "Undo Trading")
        .and_then(|c| c["code"].as_str().map(String::from))
        .expect("created");
    ok(&client.run(&["customers", "edit", &code, "--level", "a"]));
    let level = |server: &TestServer| {
        server
            .all(Entity::Customers)
            .into_iter()
            .find(|c| c["name"] == "Undo Trading")
            .map(|c| c["level"].clone())
    };
    assert_eq!(level(&server), Some(Value::from("A")));
    let out = ok_stderr(&client.run(&["undo"]));
    assert!(
        out.contains("undone: edit of customer") && out.contains(&code),
        "{out}"
    );
    assert_eq!(level(&server), Some(Value::from("C")));
    let out = ok_stderr(&client.run(&["undo"]));
    assert!(out.contains("creation of customer"), "{out}");
    assert_eq!(level(&server), None, "deleted on the server");
    let out = ok_stderr(&client.run(&["undo"]));
    assert!(out.contains("nothing to undo"), "{out}");
}

#[test]
fn conflicts_list_names_who_changed_the_record_on_the_server_and_when() {
    // 王芳 is a colleague li's copy knows (her users list names people).
    let server = TestServer::start();
    server.add_user("li", "sales", None);
    server.create_as_system(
        Entity::Users,
        serde_json::json!({
            "username": "wangfang",
            "display_name": "王芳",
            "role": "admin",
            "password": PASSWORD,
        }),
    );
    let li = Crm::new();
    ok(&li.login(&server, "li"));
    ok(&li.run(&["customers", "add", "--name", "Acme", "--phone", "010 1"]));
    let code = server.all(Entity::Customers)[0]["code"]
        .as_str()
        .expect("a code")
        .to_string();
    // 王芳 signs in (her copy has Acme) and changes the phone; li, not yet knowing, too.
    let wang = Crm::new();
    ok(&wang.login(&server, "wangfang"));
    ok(&wang.run(&["customers", "edit", &code, "--phone", "010 2"]));
    li.run(&["customers", "edit", &code, "--phone", "010 3"]);

    let listed = ok(&li
        .command(&["conflicts", "list"])
        .env("CRM_TIMEZONE", "Asia/Shanghai")
        .output()
        .expect("run crm"));
    assert!(listed.contains(&format!("{code} Acme")), "{listed}");
    assert!(listed.contains("changed by 王芳 at 20"), "{listed}");
    assert!(listed.contains(" +08"), "{listed}");
    let id = server
        .all(Entity::Users)
        .iter()
        .find(|u| u["username"] == "wangfang")
        .and_then(|u| u["id"].as_str().map(String::from))
        .expect("wangfang");
    assert!(!listed.contains(&id), "a name, not an id: {listed}");

    // The record view names who last changed it.
    let shown = ok(&wang.run(&["customers", "show", &code]));
    assert!(
        shown
            .lines()
            .any(|l| l.contains("updated_by") && l.contains("王芳")),
        "{shown}"
    );
}

#[test]
fn crm_approvals_lists_what_waits_and_approves_it() {
    let server = TestServer::start();
    let east = server.add_team("east");
    server.add_user("li", "sales", Some(&east));
    server.add_user("wang", "manager", Some(&east));
    let li = Crm::new();
    ok(&li.login(&server, "li"));
    ok(&li.run(&["customers", "add", "--name", "华为技术有限公司"]));
    ok(&li.run(&["sync"]));
    let customer = server.all(Entity::Customers)[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&li.run(&[
        "contracts",
        "add",
        "--name",
        "年度维保合同",
        "--customer",
        &customer,
        "--amount",
        "12500",
    ]));
    ok(&li.run(&["sync"]));
    ok(&li.run(&[
        "approvals",
        "add",
        "--contract",
        "K-000001",
        "--note",
        "请审批",
    ]));
    ok(&li.run(&["sync"]));
    // Nothing waits for li.
    let mine = ok(&li.run(&["approvals", "list", "--waiting", "--format", "json"]));
    assert_eq!(serde_json::from_str::<Vec<Value>>(&mine).unwrap().len(), 0);

    let wang = Crm::new();
    ok(&wang.login(&server, "wang"));
    let waiting = ok(&wang.run(&["approvals", "list", "--waiting", "--format", "json"]));
    let items: Vec<Value> = serde_json::from_str(&waiting).expect("json");
    assert_eq!(items.len(), 1, "{waiting}");
    assert!(items[0]["subject"].as_str().unwrap().contains("K-000001"));
    let id = items[0]["id"].as_str().unwrap().to_string();
    // A rejection needs a reason: the command says so before anything is written.
    let refused = wang.run(&["approvals", "reject", &id]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("--comment"),
        "{}",
        text(&refused.stderr)
    );
    ok(&wang.run(&["approvals", "approve", &id, "--comment", "同意"]));
    ok(&wang.run(&["sync"]));
    let contract = &server.all(Entity::Contracts)[0];
    assert_eq!(contract["status"], "approved");
    let waiting = ok(&wang.run(&["approvals", "list", "--waiting", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&waiting).unwrap().len(),
        0
    );
}

#[test]
fn an_admin_loads_the_public_holiday_file_once_and_again_changes_nothing() {
    let server = TestServer::start();
    server.add_user("root", "admin", None);
    let client = Crm::new();
    ok(&client.login(&server, "root"));
    let file = client.home.path().join("cn-2026.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/holidays/cn-2026.json"),
        &file,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let said = text(&client.run(&["holidays", "load", path]).stderr);
    assert!(said.contains("39 added, 0 changed, 0 already so"), "{said}");
    let holidays = server.all(Entity::Holidays);
    assert_eq!(holidays.len(), 39);
    // 调休: the Saturday before the Spring Festival is worked.
    let feb14 = holidays
        .iter()
        .find(|h| h.get("date").and_then(Value::as_str) == Some("2026-02-14"))
        .expect("2026-02-14 listed");
    assert_eq!(feb14["kind"], "workday");
    assert_eq!(feb14["name"], "春节");
    let said = text(&client.run(&["holidays", "load", path]).stderr);
    assert!(said.contains("0 added, 0 changed, 39 already so"), "{said}");
    assert_eq!(server.all(Entity::Holidays).len(), 39);

    // A broken file writes nothing and says where it is wrong.
    std::fs::write(
        &file,
        r#"{"days":[{"name":"x","date":"2026-02-30","isOffDay":true}]}"#,
    )
    .unwrap();
    let out = client.run(&["holidays", "load", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("day 1"), "{}", text(&out.stderr));
}

#[test]
fn custom_fields_are_set_by_label_listed_shown_and_exported() {
    let server = TestServer::start();
    server.add_user("li", "sales", None);
    server.create_as_system(
        Entity::FieldDefinitions,
        serde_json::json!({"entity": "customers", "key": "registered_capital", "label_zh": "注册资金",
                           "label_en": "Capital", "kind": "money", "in_list": true}),
    );
    server.create_as_system(
        Entity::FieldDefinitions,
        serde_json::json!({"entity": "customers", "key": "taxpayer", "label_zh": "纳税人", "kind": "choice",
                           "choices": ["一般纳税人", "小规模纳税人"]}),
    );
    let client = Crm::new();
    ok(&client.login(&server, "li"));
    ok(&client.run(&["sync"]));
    ok(&client.run(&[
        "customers",
        "add",
        "--name",
        "北京某科技",
        "--field",
        "注册资金=5000000",
        "--field",
        "taxpayer=一般纳税人",
    ]));
    let stored = server.all(Entity::Customers);
    assert_eq!(
        stored[0]["custom"],
        serde_json::json!({"registered_capital": 500_000_000, "taxpayer": "一般纳税人"})
    );
    // A bad choice or an unknown field is refused before anything is queued.
    let bad = client.run(&[
        "customers",
        "add",
        "--name",
        "x",
        "--field",
        "纳税人=个体户",
    ]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("custom.taxpayer"),
        "{}",
        text(&bad.stderr)
    );
    let unknown = client.run(&["customers", "add", "--name", "y", "--field", "颜色=红"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("registered_capital"),
        "{}",
        text(&unknown.stderr)
    );
    // The list shows the column an admin asked for; the export has a column per field.
    let listed = ok(&client
        .command(&["customers", "list"])
        .env("LANG", "en_US.UTF-8")
        .output()
        .expect("run crm"));
    assert!(listed.to_uppercase().contains("CAPITAL"), "{listed}");
    assert!(listed.contains("5,000,000.00"), "{listed}");
    let csv = ok(&client.run(&["export", "customers"]));
    let header = csv.lines().next().unwrap_or_default();
    assert!(header.contains("custom.registered_capital"), "{header}");
    assert!(csv.contains("500000000"), "{csv}");
}

#[test]
fn leads_are_imported_from_csv_row_by_row_converted_and_a_campaigns_results_read() {
    let (server, client) = signed_in();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    std::fs::write(
        &file,
        "姓名,公司,邮箱,来源,不认识\n王磊,\"北辰, 科技\",wang@beichen.example,web,x\n李娜,南山贸易,not-an-email,web,y\n赵敏,,,referral,z\n",
    )
    .unwrap();
    let out = client.run(&["leads", "import", file.to_str().unwrap()]);
    let said = text(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("2 leads created, 0 updated, 1 refused"),
        "{said}"
    );
    assert!(said.contains("row 3: refused: email"), "{said}");
    assert!(said.contains("column 不认识: left out"), "{said}");
    let leads = server.all(Entity::Leads);
    assert_eq!(leads.len(), 2);
    // The same file again (a stopped import resumed, or a second run) creates nothing twice.
    let again = client.run(&["leads", "import", file.to_str().unwrap()]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(server.all(Entity::Leads).len(), 2);
    assert!(leads.iter().any(|l| l["company"] == "北辰, 科技"));
    // The imported leads are in the local copy at once.
    let listed = ok(&client.run(&["leads", "list", "--format", "json"]));
    let items: Vec<Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(items.len(), 2);
    let number = items
        .iter()
        .find(|l| l["name"] == "王磊")
        .and_then(|l| l["number"].as_str())
        .unwrap()
        .to_string();

    let out = client.run(&[
        "leads",
        "convert",
        &number,
        "--opportunity",
        "北辰 首单",
        "--amount",
        "1200",
    ]);
    let said = text(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("is customer C"), "{said}");
    assert!(server_names(&server).contains(&"北辰, 科技".to_string()));
    let deals = server.all(Entity::Opportunities);
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0]["amount"], 120_000);
    // Twice: refused, kept in the outbox with the reason.
    let out = client.run(&["leads", "convert", &number]);
    assert!(!out.status.success());
    assert_eq!(server.all(Entity::Customers).len(), 1);

    ok(&client.run(&[
        "campaigns",
        "add",
        "--name",
        "春季展会",
        "--campaign-type",
        "exhibition",
        "--starts-on",
        "2026-03-01",
        "--actual-cost",
        "300",
    ]));
    let results = ok(&client.run(&["campaigns", "results", "春季展会", "--format", "json"]));
    let r: Value = serde_json::from_str(&results).unwrap();
    assert_eq!(r["leads"], 0);
    assert_eq!(r["actual_cost"], 30_000);
    assert_eq!(r["roi_bp"], -10_000);
    let table = ok(&client.run(&["campaigns", "results", "春季展会"]));
    assert!(table.contains("-100.00%"), "{table}");
}
