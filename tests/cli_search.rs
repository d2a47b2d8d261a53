//! `crm customers list --search` lists what the customers screen lists for the same text, in the
//! same order, from the same replica: one search path (`Replica::find_customers`).

mod support;

use std::process::{Command, Stdio};

use crm::tui::data::{CustomerQuery, DataSource};
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{Fixture, apply_records, now, server_record};

/// The fixtures and a few Chinese names found by their pinyin, in a replica at the place the
/// CLI reads for the default profile under `data`.
fn replica_in(data: &std::path::Path) -> Fixture {
    let fx = Fixture::load();
    let replica = fx.replica();
    let names = ["上海东华供应链", "北京东方电子", "东华大学", "深圳贸易集团"];
    let records = names
        .iter()
        .zip(1..)
        .map(|(name, n)| {
            server_record(
                Entity::Customers,
                &format!("00000009-0000-7000-8000-{n:012}"),
                json!({"code": format!("C9{n:05}"), "name": name}),
                now(),
            )
        })
        .collect();
    let mut seq = 1_000_000;
    apply_records(&replica, Entity::Customers, records, &mut seq);
    drop(replica);
    let profile = data.join("profiles").join("default");
    std::fs::create_dir_all(&profile).unwrap();
    for file in ["replica.db", "replica.db.outbox"] {
        let from = fx.path().with_file_name(file);
        std::fs::copy(&from, profile.join(file)).unwrap();
    }
    fx
}

fn cli_ids(home: &std::path::Path, args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["customers", "list", "--format", "json"])
        .args(args)
        .env("CRM_CONFIG_DIR", home.join("config"))
        .env("CRM_DATA_DIR", home.join("data"))
        .env_remove("CRM_PROFILE")
        .env_remove("CRM_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run crm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON list");
    listed
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_cli_search_lists_what_the_screen_lists() {
    let home = tempfile::tempdir().unwrap();
    let fx = replica_in(&home.path().join("data"));
    let source = fx.source();
    let screen = |search: &str, limit: usize| -> Vec<String> {
        let q = CustomerQuery {
            search: search.into(),
            ..CustomerQuery::default()
        };
        source
            .customers(&q, 0, limit)
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    for search in [
        "dh", "donghua", "dong hua", "华", "科技", "东华", "acme", "C0001", "0755",
    ] {
        let listed = cli_ids(home.path(), &["--search", search, "--limit", "50"]);
        assert_eq!(listed, screen(search, 50), "--search {search}");
    }
    // Found by pinyin from the CLI: the two 东华s, and not 东方 or the others.
    let dh = cli_ids(home.path(), &["--search", "donghua"]);
    assert_eq!(dh.len(), 2, "{dh:?}");
    // Paged as the screen pages.
    let second = cli_ids(
        home.path(),
        &["--search", "科技", "--limit", "2", "--offset", "1"],
    );
    assert_eq!(second, screen("科技", 3)[1..]);
    // No search: the list by name, in pinyin order, as the screen shows it.
    assert_eq!(cli_ids(home.path(), &["--limit", "200"]), screen("", 200));
}

fn cli_names(home: &std::path::Path, args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["customers", "list", "--format", "json", "--sort", "name"])
        .args(args)
        .env("CRM_CONFIG_DIR", home.join("config"))
        .env("CRM_DATA_DIR", home.join("data"))
        .env_remove("CRM_PROFILE")
        .env_remove("CRM_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run crm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON list");
    listed
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn where_takes_the_query_language() {
    let home = tempfile::tempdir().unwrap();
    let _fx = replica_in(&home.path().join("data"));
    let names = |q: &str| cli_names(home.path(), &["--where", q]);
    // Owner by username or by name; lists, negation, tags, Chinese values.
    assert_eq!(
        names("owner:li level:A"),
        ["阿里巴巴网络技术有限公司", "华为技术有限公司"]
    );
    assert_eq!(names("owner:李娜 level:A"), names("owner:li level:A"));
    assert_eq!(
        names("region:北京,上海 -level:D"),
        [
            "北京字节跳动科技有限公司",
            "上海浦东发展银行",
            "小米科技有限责任公司"
        ]
    );
    assert_eq!(
        names("tag:vip -owner:wang"),
        ["阿里巴巴网络技术有限公司", "华为技术有限公司"]
    );
    assert_eq!(
        names("lifecycle:lost,dormant"),
        ["Globex Corporation", "Umbrella Pharma"]
    );
    // Words still search, with the conditions.
    assert_eq!(
        names("科技 level:B"),
        ["北京字节跳动科技有限公司", "小米科技有限责任公司"]
    );
    // The flag filters and --where agree.
    assert_eq!(cli_names(home.path(), &["--level", "C"]), names("level:C"));
}

#[test]
fn a_bad_where_points_at_the_wrong_word() {
    let home = tempfile::tempdir().unwrap();
    let _fx = replica_in(&home.path().join("data"));
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["customers", "list", "--where", "region:华东 levl:A"])
        .env("CRM_CONFIG_DIR", home.path().join("config"))
        .env("CRM_DATA_DIR", home.path().join("data"))
        .env_remove("CRM_PROFILE")
        .env_remove("CRM_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run crm");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown field \"levl\" of customers at 11: did you mean level?"),
        "{err}"
    );
    // The caret sits under the word, 华东 being two columns a character.
    assert!(
        err.contains(&format!("\n  region:华东 levl:A\n  {}^", " ".repeat(12))),
        "{err}"
    );
}

fn crm_out(home: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(args)
        .env("CRM_CONFIG_DIR", home.join("config"))
        .env("CRM_DATA_DIR", home.join("data"))
        .env_remove("CRM_PROFILE")
        .env_remove("CRM_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run crm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn exports_take_where_and_keep_chinese_text() {
    let home = tempfile::tempdir().unwrap();
    let _fx = replica_in(&home.path().join("data"));
    let csv = crm_out(
        home.path(),
        &[
            "export",
            "customers",
            "--format",
            "csv",
            "--where",
            "owner:li level:A",
        ],
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,version,"), "{csv}");
    assert!(csv.contains("华为技术有限公司") && csv.contains("阿里巴巴网络技术有限公司"));
    let json = crm_out(
        home.path(),
        &[
            "export",
            "customers",
            "--format",
            "json",
            "--where",
            "-level:A,B",
        ],
    );
    let listed: Vec<Value> = serde_json::from_str(&json).expect("a JSON list");
    let mut names: Vec<&str> = listed.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort();
    // Levels C and D, and the four customers with no level.
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&"张记餐饮") && names.contains(&"Globex Corporation"));
}

/// The export reads one statement in storage order: every record once, in order, across what
/// were the boundaries of its OFFSET pages (5,000), which an export paging by OFFSET over a
/// sort re-read from the start each time.
#[test]
fn an_export_streams_every_record_once_in_storage_order() {
    let home = tempfile::tempdir().unwrap();
    let fx = support::Fixture::synthetic(12_345);
    let profile = home.path().join("data").join("profiles").join("default");
    std::fs::create_dir_all(&profile).unwrap();
    for file in ["replica.db", "replica.db.outbox"] {
        std::fs::copy(fx.path().with_file_name(file), profile.join(file)).unwrap();
    }
    let csv = crm_out(home.path(), &["export", "customers", "--format", "csv"]);
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 12_345);
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a record exported twice");
    let replica = crm::replica::Replica::open_reader(&profile.join("replica.db")).unwrap();
    let mut in_storage = Vec::new();
    replica
        .each_chunk(
            Entity::Customers,
            &crm::replica::LocalQuery::default(),
            777,
            |chunk| -> Result<(), crm::replica::ReplicaError> {
                in_storage.extend(chunk.iter().map(|r| r.id.clone()));
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(
        ids, in_storage,
        "the export is the storage order, in one pass"
    );
}
