//! `crm files` against a real server: a file attached from the command line reaches the server
//! and, as a record (name, size, type, digest), every replica that may see it; its bytes are
//! downloaded only when asked, checked, kept 0600, and handed to the opener as one argument.

mod common;

use std::path::{Path, PathBuf};

use common::TestServer;
use common::cli::{Crm, ok, text};
use crm_server::schema::Entity;
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n% a scanned contract\n1 0 obj << >> endobj\n%%EOF\n";

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file this client keeps under its profile's `files/` folder.
fn kept(client: &Crm) -> Vec<PathBuf> {
    let dir = client
        .home
        .path()
        .join("data")
        .join("profiles")
        .join("default")
        .join("files");
    let mut out = Vec::new();
    let Ok(shards) = std::fs::read_dir(&dir) else {
        return out;
    };
    for shard in shards.flatten() {
        let name = shard.file_name().to_string_lossy().to_string();
        if name.len() == 2 {
            out.extend(
                std::fs::read_dir(shard.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    out
}

fn files_of(client: &Crm, record: &str) -> Vec<Value> {
    let out = ok(&client.run(&["files", "list", record, "--format", "json"]));
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_file_attached_from_the_command_line_syncs_its_record_and_its_bytes_on_demand() {
    let server = TestServer::start();
    let li = server.add_user("li", "sales", None);
    server.add_user("wang", "admin", None);
    let customer = server.create_as_system(
        Entity::Customers,
        json!({"name": "上海电气", "owner_id": li}),
    );
    let code = customer["code"].as_str().unwrap().to_string();
    let alice = Crm::new();
    ok(&alice.login(&server, "li"));

    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.pdf");
    std::fs::write(&scan, PDF).unwrap();
    let said = alice.run(&[
        "files",
        "attach",
        &code,
        scan.to_str().unwrap(),
        "--notes",
        "首页",
    ]);
    ok(&said);
    assert!(
        text(&said.stderr).contains("attached scan.pdf"),
        "{}",
        text(&said.stderr)
    );
    let stored = server.all(Entity::Files);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["record_id"], customer["id"]);

    // The record synced; the bytes were never kept here by attaching.
    let listed = files_of(&alice, &code);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let file = &listed[0];
    assert_eq!(file["name"], "scan.pdf");
    assert_eq!(file["size"], PDF.len());
    assert_eq!(file["type"], "application/pdf");
    assert_eq!(file["notes"], "首页");
    assert_eq!(file["local"], false);
    let id = file["id"].as_str().unwrap().to_string();
    assert!(kept(&alice).is_empty());

    // Another user who sees the customer (an admin) gets the record by sync, and no bytes.
    let manager = Crm::new();
    ok(&manager.login(&server, "wang"));
    let theirs = files_of(&manager, &code);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["sha256"], file["sha256"]);
    assert!(kept(&manager).is_empty());

    // `get` downloads once, checks, keeps it private and says where.
    let path = PathBuf::from(ok(&manager.run(&["files", "get", &id])).trim());
    assert_eq!(std::fs::read(&path).unwrap(), PDF);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(kept(&manager), vec![path.clone()]);
    assert_eq!(files_of(&manager, &code)[0]["local"], true);
    let out = dir.path().join("copy.pdf");
    ok(&manager.run(&["files", "get", &id, "--out", out.to_str().unwrap()]));
    assert_eq!(std::fs::read(&out).unwrap(), PDF);
    assert_eq!(mode(&out), 0o600);
    // An existing file is not overwritten.
    let again = manager.run(&["files", "get", &id, "--out", out.to_str().unwrap()]);
    assert!(!again.status.success());

    // Bytes kept here that are not the file's are never handed out: fetched again.
    std::fs::write(&path, b"tampered").unwrap();
    let path = PathBuf::from(ok(&manager.run(&["files", "get", &id])).trim());
    assert_eq!(std::fs::read(&path).unwrap(), PDF);

    // `rm` goes through the outbox like any delete; every replica drops it.
    ok(&alice.run(&["files", "rm", &id]));
    assert!(server.all(Entity::Files).is_empty());
    ok(&manager.run(&["sync"]));
    assert!(files_of(&manager, &code).is_empty());
}

#[test]
fn open_hands_the_file_to_the_opener_as_one_argument_and_refusals_say_why() {
    let server = TestServer::start();
    let li = server.add_user("li", "sales", None);
    let customer = server.create_as_system(
        Entity::Customers,
        json!({"name": "杭州制药", "owner_id": li}),
    );
    let code = customer["code"].as_str().unwrap().to_string();
    let client = Crm::new();
    ok(&client.login(&server, "li"));
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.pdf");
    std::fs::write(&scan, PDF).unwrap();
    // A name a shell would act on.
    let name = "报价 $(touch pwned);.pdf";
    ok(&client.run(&[
        "files",
        "attach",
        &code,
        scan.to_str().unwrap(),
        "--name",
        name,
    ]));
    let id = files_of(&client, &code)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let opener = dir.path().join("opener.sh");
    let seen = dir.path().join("seen.txt");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\n",
            seen.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let out = client
        .command(&["files", "open", &id])
        .current_dir(dir.path())
        .env("CRM_OPENER", &opener)
        .output()
        .unwrap();
    ok(&out);
    let seen = std::fs::read_to_string(&seen).unwrap();
    let mut lines = seen.lines();
    assert_eq!(lines.next(), Some("1"), "one argument: {seen}");
    let opened = PathBuf::from(lines.next().unwrap());
    assert_eq!(opened.file_name().unwrap().to_str().unwrap(), name);
    assert_eq!(std::fs::read(&opened).unwrap(), PDF);
    assert!(!dir.path().join("pwned").exists());

    // No opener to run: said, with what to set.
    let out = client
        .command(&["files", "open", &id])
        .env("CRM_OPENER", dir.path().join("no-such-opener"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("CRM_OPENER"),
        "{}",
        text(&out.stderr)
    );

    // The server refuses what is no allowed kind, and says so.
    let program = dir.path().join("setup.pdf");
    std::fs::write(&program, b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff").unwrap();
    let out = client.run(&["files", "attach", &code, program.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not a kind of file"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.all(Entity::Files).len(), 1);
}

#[test]
fn an_admin_sets_the_file_limits_and_sweeps_from_the_command_line() {
    let server = TestServer::start();
    let li = server.add_user("li", "sales", None);
    server.add_user("wang", "admin", None);
    let customer = server.create_as_system(
        Entity::Customers,
        json!({"name": "上海电气", "owner_id": li}),
    );
    let code = customer["code"].as_str().unwrap().to_string();
    let admin = Crm::new();
    ok(&admin.login(&server, "wang"));
    let alice = Crm::new();
    ok(&alice.login(&server, "li"));
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "会议纪要").unwrap();

    // Text is a default kind; the admin's setting allows PDFs only, from the next upload.
    ok(&admin.run(&[
        "file_settings",
        "add",
        "--max-size-mb",
        "1",
        "--types",
        "pdf",
    ]));
    let stored = server.all(Entity::FileSettings);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["types"], json!(["pdf"]));
    let said = alice.run(&["files", "attach", &code, notes.to_str().unwrap()]);
    assert!(!said.status.success());
    assert!(
        text(&said.stderr).contains("not a kind of file this server accepts (pdf)"),
        "{}",
        text(&said.stderr)
    );
    let scan = dir.path().join("scan.pdf");
    std::fs::write(&scan, PDF).unwrap();
    ok(&alice.run(&["files", "attach", &code, scan.to_str().unwrap()]));

    // The sweep is an admin's; with every stored file named, it removes nothing.
    let said = alice.run(&["files", "sweep"]);
    assert!(!said.status.success());
    let said = admin.run(&["files", "sweep"]);
    ok(&said);
    assert!(
        text(&said.stderr).contains("removed the bytes of 0 of 1"),
        "{}",
        text(&said.stderr)
    );

    // `crm territories apply`: an admin's too; a dry run counts.
    assert!(!alice.run(&["territories", "apply"]).status.success());
    let said = admin.run(&["territories", "apply", "--dry-run"]);
    ok(&said);
    assert!(
        text(&said.stderr).contains("0 of 1 customers would move"),
        "{}",
        text(&said.stderr)
    );
}
