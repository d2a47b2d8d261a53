//! `crm export`: what the files hold, read back as another program would read them.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, apply_records, now, server_record};

/// The fixtures, plus a customer whose name a spreadsheet would run as a formula, in a
/// replica at the place the CLI reads for the default profile under `home/data`.
fn replica_in(home: &std::path::Path) -> Fixture {
    let fx = Fixture::load();
    let replica = fx.replica();
    let records = vec![server_record(
        Entity::Customers,
        "00000009-0000-7000-8000-000000000001",
        json!({"code": "C900001", "name": "=1+1", "level": "A"}),
        now(),
    )];
    let mut seq = 1_000_000;
    apply_records(&replica, Entity::Customers, records, &mut seq);
    drop(replica);
    let profile = home.join("data").join("profiles").join("default");
    std::fs::create_dir_all(&profile).unwrap();
    for file in ["replica.db", "replica.db.outbox"] {
        std::fs::copy(fx.path().with_file_name(file), profile.join(file)).unwrap();
    }
    fx
}

fn crm_bytes(home: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(args)
        .env("CRM_CONFIG_DIR", home.join("config"))
        .env("CRM_DATA_DIR", home.join("data"))
        .env("TZ", "Asia/Shanghai")
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
    out.stdout
}

/// A file of the XLSX archive, as text.
fn part(xlsx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an XLSX is a zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the file"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// One cell of the sheet's XML: its type attribute, whether it has a style, the text of its
/// value (an inline string's text or a number), and whether it holds a formula.
#[derive(Debug)]
struct XmlCell {
    kind: Option<String>,
    styled: bool,
    value: String,
    formula: bool,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The sheet's rows, each its cells by column letter.
fn rows(sheet: &str) -> Vec<std::collections::BTreeMap<String, XmlCell>> {
    let data = between(sheet, "<sheetData>", "</sheetData>").expect("sheet data");
    data.split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|c| {
                    let tag = &c[..c.find('>').unwrap()];
                    let tag = format!(" {tag}");
                    let reference = attr(&tag, "r").unwrap();
                    let column: String = reference
                        .chars()
                        .take_while(char::is_ascii_uppercase)
                        .collect();
                    let value = between(c, "<t>", "</t>")
                        .or_else(|| between(c, "<t xml:space=\"preserve\">", "</t>"))
                        .or_else(|| between(c, "<v>", "</v>"))
                        .map(unescape)
                        .unwrap_or_default();
                    let cell = XmlCell {
                        kind: attr(&tag, "t"),
                        styled: attr(&tag, "s").is_some(),
                        value,
                        formula: c.contains("<f>") || c.contains("<f "),
                    };
                    (column, cell)
                })
                .collect()
        })
        .collect()
}

/// The column letter of a header.
fn column_of(header: &std::collections::BTreeMap<String, XmlCell>, name: &str) -> String {
    header
        .iter()
        .find(|(_, c)| c.value == name)
        .unwrap_or_else(|| panic!("a {name} column"))
        .0
        .clone()
}

#[test]
fn an_xlsx_export_keeps_chinese_text_and_never_runs_a_formula() {
    let home = tempfile::tempdir().unwrap();
    let _fx = replica_in(home.path());
    let xlsx = crm_bytes(home.path(), &["export", "customers", "--format", "xlsx"]);
    let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
    let rows = rows(&sheet);
    let header = &rows[0];
    let name = column_of(header, "name");
    let csv = String::from_utf8(crm_bytes(
        home.path(),
        &["export", "customers", "--format", "csv"],
    ))
    .unwrap();
    assert_eq!(rows.len(), csv.lines().count(), "a row per record, as CSV");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[&name].value.as_str()).collect();
    assert!(names.contains(&"华为技术有限公司"), "{names:?}");
    let formula = rows[1..]
        .iter()
        .map(|r| &r[&name])
        .find(|c| c.value == "=1+1")
        .expect("the name written as it is, with no apostrophe");
    assert_eq!(formula.kind.as_deref(), Some("inlineStr"), "{formula:?}");
    assert!(
        !sheet.contains("<f>") && !formula.formula,
        "no formula anywhere"
    );
    // The workbook names its sheet after what it holds.
    assert!(part(&xlsx, "xl/workbook.xml").contains("name=\"customers\""));
}

#[test]
fn an_xlsx_export_writes_amounts_dates_and_times_as_numbers() {
    let home = tempfile::tempdir().unwrap();
    let _fx = replica_in(home.path());
    let xlsx = crm_bytes(
        home.path(),
        &[
            "export",
            "opportunities",
            "--format",
            "xlsx",
            "--where",
            "\"5G 基站维保合同\"",
        ],
    );
    let rows = rows(&part(&xlsx, "xl/worksheets/sheet1.xml"));
    assert_eq!(rows.len(), 2, "the header and the one deal found");
    let (header, deal) = (&rows[0], &rows[1]);
    let cell = |name: &str| &deal[&column_of(header, name)];
    // 128,000,000 fen is 1,280,000.00 yuan: a number, shown with two decimals.
    let amount = cell("amount");
    assert_eq!(
        (amount.kind.as_deref(), amount.value.as_str()),
        (None, "1280000")
    );
    assert!(amount.styled);
    assert!(part(&xlsx, "xl/styles.xml").contains("formatCode=\"#,##0.00\""));
    assert_eq!(cell("probability").value, "50");
    // 2026-12-15 as Excel's day number (days since 1899-12-30).
    let day = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap()
        - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    let close = cell("expected_close");
    assert_eq!(close.value, day.num_days().to_string());
    assert!(close.styled && close.kind.is_none());
    // 08:00 UTC is 16:00 in Shanghai: two thirds of a day past midnight.
    let created = cell("created_at");
    let created: f64 = created.value.parse().expect("a time is a number");
    let expected = (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
    .num_days() as f64
        + 16.0 / 24.0;
    assert!((created - expected).abs() < 1e-6, "{created} vs {expected}");
    assert_eq!(cell("name").value, "5G 基站维保合同");
}

/// A static list and a saved query synced into the replica: `--where 'list:NAME'` exports
/// exactly the list's members, `saved:NAME` what the saved query finds, in CSV and XLSX.
#[test]
fn exports_and_lists_take_static_lists_and_saved_queries() {
    let home = tempfile::tempdir().unwrap();
    let fx = replica_in(home.path());
    let replica = fx.replica();
    let customers = replica
        .list(
            Entity::Customers,
            &crm::replica::LocalQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(customers.len() > 4);
    let members: Vec<String> = [0, 2, 3].iter().map(|&i| customers[i].id.clone()).collect();
    let mut seq = 2_000_000;
    let list_id = "00000010-0000-7000-8000-000000000001";
    apply_records(
        &replica,
        Entity::StaticLists,
        vec![server_record(
            Entity::StaticLists,
            list_id,
            json!({"name": "春季活动", "entity": "customers"}),
            now(),
        )],
        &mut seq,
    );
    let records = members
        .iter()
        .zip(1..)
        .map(|(id, n)| {
            server_record(
                Entity::ListMembers,
                &format!("00000011-0000-7000-8000-{n:012}"),
                json!({"list_id": list_id, "record_id": id}),
                now(),
            )
        })
        .collect();
    apply_records(&replica, Entity::ListMembers, records, &mut seq);
    apply_records(
        &replica,
        Entity::SavedQueries,
        vec![server_record(
            Entity::SavedQueries,
            "00000012-0000-7000-8000-000000000001",
            json!({"name": "top", "entity": "customers", "query": "level:A"}),
            now(),
        )],
        &mut seq,
    );
    drop(replica);
    let profile = home.path().join("data").join("profiles").join("default");
    for file in ["replica.db", "replica.db.outbox"] {
        std::fs::copy(fx.path().with_file_name(file), profile.join(file)).unwrap();
    }
    let ids = |args: &[&str]| -> std::collections::BTreeSet<String> {
        let csv = String::from_utf8(crm_bytes(home.path(), args)).unwrap();
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    let expected: std::collections::BTreeSet<String> = members.iter().cloned().collect();
    assert_eq!(
        ids(&["export", "customers", "--where", "list:春季活动"]),
        expected
    );
    let left_out = ids(&["export", "customers", "--where", "-list:春季活动"]);
    assert_eq!(left_out.len(), customers.len() - members.len());
    assert!(left_out.is_disjoint(&expected));
    let xlsx = crm_bytes(
        home.path(),
        &[
            "export",
            "customers",
            "--format",
            "xlsx",
            "--where",
            "list:春季活动",
        ],
    );
    assert_eq!(
        rows(&part(&xlsx, "xl/worksheets/sheet1.xml")).len(),
        members.len() + 1
    );
    // A saved query is its terms: the same customers as the query written out.
    assert_eq!(
        ids(&["export", "customers", "--where", "saved:top"]),
        ids(&["export", "customers", "--where", "level:A"]),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["export", "customers", "--where", "list:秋季"])
        .env("CRM_CONFIG_DIR", home.path().join("config"))
        .env("CRM_DATA_DIR", home.path().join("data"))
        .env_remove("CRM_PROFILE")
        .env_remove("CRM_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no list of customers called \"秋季\""),
        "{err}"
    );
}
