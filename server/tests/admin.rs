//! The `crm-server` binary on bad days: files that are not a database, damaged pages, restore.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run crm-server")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_empty_file_is_refused_not_made_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    std::fs::write(&db, b"").unwrap();
    let out = run(&db, &["user", "list"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("empty file"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left untouched");
}

#[test]
fn damaged_pages_stop_the_start_and_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let seeded = run(&db, &["seed", "--demo", "--customers", "30"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let check = run(&db, &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    let mut bytes = std::fs::read(&db).unwrap();
    bytes[3 * 4096..6 * 4096].fill(0x5a);
    std::fs::write(&db, &bytes).unwrap();
    let check = run(&db, &["check"]);
    assert!(!check.status.success());
    assert!(stderr(&check).contains("damaged"), "{}", stderr(&check));
    let start = run(&db, &["user", "list"]);
    assert!(!start.status.success());
    assert!(stderr(&start).contains("damaged"), "{}", stderr(&start));
}

#[test]
fn restore_puts_a_checked_backup_in_place_only_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let backup = dir.path().join("backup.db");
    assert!(
        run(&db, &["seed", "--demo", "--customers", "10"])
            .status
            .success()
    );
    let made = run(&db, &["backup", backup.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));

    let refused = run(&db, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));

    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "meeting notes, not a database at all").unwrap();
    let refused = run(&db, &["restore", not_a_backup.to_str().unwrap(), "--force"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not an SQLite database"),
        "{}",
        stderr(&refused)
    );

    let restored = run(&db, &["restore", backup.to_str().unwrap(), "--force"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let list = run(&db, &["user", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(String::from_utf8_lossy(&list.stdout).contains("admin"));
}
