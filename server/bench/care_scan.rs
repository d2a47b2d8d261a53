//! The care scan over a million contacts (issue 13): how long `service::care::due` takes to find
//! the day's birthdays with the month-day index (`contacts_birthday_md`, SQLite migration 0027)
//! and without it (the index dropped: every contact with a birthday read and checked).
//!
//! `cargo run -p crm-server --example care_scan -- DIR [CONTACTS]` makes `DIR/care_scan.db`
//! (100,000 customers, CONTACTS contacts — 1,000,000 by default — with birthdays spread over
//! the year, one birthday rule three days ahead), times the day's first scan (a batch of 2,000
//! found), makes every task of the window, then times the steady scan the server runs every 10
//! minutes (nothing new found) with the index and with it dropped, five runs each, printing the
//! medians and what the plan uses; it deletes the file when done. Asserts only that both ways
//! find the same.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use crm_server::service::care;
use crm_server::store::{self, sqlite::Sqlite};

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: care_scan DIR [CONTACTS]"))?,
    );
    let contacts: i64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("care_scan.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let started = Instant::now();
    drop(Sqlite::open(&path)?);
    let conn = rusqlite::Connection::open(&path)?;
    let customers = (contacts / 10).max(1);
    let stamp = "2026-01-01T00:00:00Z";
    conn.execute_batch("PRAGMA synchronous = OFF; BEGIN;")?;
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO customers (id, version, created_at, updated_at, code, name, owner_id)
         SELECT printf('00000000-0000-4000-8000-%012d', i), 1, ?2, ?2, printf('C%07d', i),
                printf('客户 %d', i), NULL FROM n",
        rusqlite::params![customers, stamp],
    )?;
    // Birthdays spread over every day of the year: day i % 366 of 1988 (a leap year).
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO contacts (id, version, created_at, updated_at, customer_id, name, birthday)
         SELECT printf('10000000-0000-4000-8000-%012d', i), 1, ?2, ?2,
                printf('00000000-0000-4000-8000-%012d', 1 + i % ?3), printf('联系人 %d', i),
                date('1988-01-01', printf('+%d days', i % 366)) FROM n",
        rusqlite::params![contacts, stamp, customers],
    )?;
    conn.execute(
        "INSERT INTO care_rules (id, version, created_at, updated_at, name, occasion,
                                 days_before, wording, time_zone)
         VALUES ('20000000-0000-4000-8000-000000000001', 1, ?1, ?1, '生日', 'birthday', 3,
                 '{{contact}}，生日快乐！', 'UTC')",
        [stamp],
    )?;
    conn.execute_batch("COMMIT; ANALYZE;")?;
    println!(
        "made {customers} customers and {contacts} contacts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let db = Sqlite::open(&path)?;
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 1, 0, 0)
        .single()
        .expect("a time");
    let plan = |conn: &rusqlite::Connection| -> anyhow::Result<String> {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE deleted = 0 AND {} IN \
             ('12-04', '12-05') ORDER BY id LIMIT 5000",
            care::BIRTHDAY_MONTH_DAY
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("; "))
    };
    let runs = |label: &str| -> anyhow::Result<usize> {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let due = store::read(&db, |tx| care::due(tx, now))?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            found = due.len();
        }
        println!(
            "{label}: {found} tasks due, median {:.1} ms of 5 runs",
            median(times)
        );
        Ok(found)
    };
    println!("plan with the index: {}", plan(&conn)?);
    let with = runs("first scan of the day, with the month-day index")?;
    // The steady state the 10-minute scan lives in: the day's tasks made, nothing new found.
    let started = Instant::now();
    let mut made = 0;
    loop {
        let found = store::read(&db, |tx| care::due(tx, now))?;
        if found.is_empty() {
            break;
        }
        made += store::write(&db, |tx| care::make_due(tx, &found, now))?.len();
    }
    println!(
        "made the window's {made} tasks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let steady_with = runs("steady scan, with the index")?;
    conn.execute_batch("DROP INDEX contacts_birthday_md;")?;
    println!("plan without: {}", plan(&conn)?);
    let steady_without = runs("steady scan, without it (every contact read)")?;
    assert_eq!(
        (with.min(1), steady_with, steady_without),
        (1, 0, 0),
        "both ways find the same birthdays"
    );
    drop(conn);
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
