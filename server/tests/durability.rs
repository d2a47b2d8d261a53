//! What survives: an online backup taken while the server serves, and every acknowledged write
//! when the server process is killed with SIGKILL mid-load.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Client, PASSWORD, TestServer, id_of};
use crm_server::schema::Entity;
use crm_server::store::{self, Database, ListQuery, Record, StorageError};
use reqwest::Method;
use serde_json::json;

/// Every live record of an entity, by id.
fn all_records(db: &dyn Database, entity: Entity) -> Vec<Record> {
    let query = ListQuery {
        sort: "id",
        limit: 1_000_000,
        ..ListQuery::default()
    };
    store::read(db, |tx| tx.list(entity, &query, None)).expect("list")
}

/// What the change feed holds, as (seq, entity, id), and the read set of every live record.
type Shape = (Vec<(i64, String, String)>, Vec<(String, BTreeSet<String>)>);

fn feed_and_acl(db: &dyn Database) -> Shape {
    store::read(db, |tx| {
        let feed = tx
            .changes(0, 1_000_000, None)?
            .into_iter()
            .map(|c| (c.seq, c.entity.name().to_string(), c.id))
            .collect();
        let mut acl = Vec::new();
        for entity in Entity::ALL {
            let query = ListQuery {
                sort: "id",
                limit: 1_000_000,
                ..ListQuery::default()
            };
            for record in tx.list(entity, &query, None)? {
                let id = record["id"].as_str().unwrap_or_default().to_string();
                acl.push((id.clone(), tx.read_set(entity, &id)?));
            }
        }
        Ok::<_, StorageError>((feed, acl))
    })
    .expect("read feed and access lists")
}

/// A record of every entity, some edited, some deleted.
fn populate(admin: &Client, server: &TestServer) {
    let team = id_of(&admin.create("/teams", json!({"name": "north"})));
    server.add_user("alice", "sales", Some(&team));
    admin.create(
        "/discount_limits",
        json!({"role": "sales", "max_discount_bp": 1500}),
    );
    admin.create(
        "/stages",
        json!({"name": "pilot", "position": 15, "probability": 20}),
    );
    admin.create("/level_settings", json!({"level": "B", "quiet_days": 10}));
    // Another admin, whom the admin's own submissions go to.
    server.add_user("root2", "admin", None);
    admin.create(
        "/approval_settings",
        json!({"kind": "contract", "admin_above": 1_000_000}),
    );
    admin.create(
        "/wrap_up_codes",
        json!({"code": "answered", "label_en": "Answered", "label_zh": "已接通", "digit": 1}),
    );
    let calendar = id_of(&admin.create(
        "/sla_calendars",
        json!({"name": "office", "monday": "09:00-18:00", "friday": "09:00-12:00, 13:00-17:00"}),
    ));
    admin.create("/holidays", json!({"date": "2026-10-01", "name": "国庆节"}));
    admin.create(
        "/service_levels",
        json!({"priority": "high", "first_response_minutes": 60, "resolution_minutes": 480, "calendar_id": calendar}),
    );
    admin.create(
        "/call_scripts",
        json!({"name": "Greeting", "body": "# start\nHello.\n1 Fault -> fault\n# fault\nTake notes."}),
    );
    admin.create(
        "/canned_replies",
        json!({"title": "Thanks", "body": "Dear {customer}, {ticket} is resolved."}),
    );
    admin.create(
        "/field_definitions",
        json!({"entity": "customers", "key": "n", "label_zh": "编号", "kind": "number"}),
    );
    // The team's target for a month.
    admin.create(
        "/targets",
        json!({"team_id": team, "month": "2026-12-01", "amount": 50_000_000}),
    );
    // The admin's own quote template.
    admin.create(
        "/document_templates",
        json!({"kind": "quote", "lang": "zh", "format": "md", "body": "# 报价单 {{number}}"}),
    );
    // An article edited once (a kept version); a survey for closed tickets with a question.
    let article = id_of(&admin.create("/articles", json!({"title": "打印机卡纸", "body": "关机"})));
    admin.patch(&format!("/articles/{article}"), json!({"body": "先关机"}));
    let survey = id_of(&admin.create(
        "/surveys",
        json!({"title_en": "After", "title_zh": "回访", "after_ticket_close": true}),
    ));
    admin.create(
        "/survey_questions",
        json!({"survey_id": survey, "position": 1, "kind": "scale", "text_en": "Happy?", "text_zh": "满意吗？"}),
    );
    for i in 0..20 {
        let competitor = id_of(&admin.create(
            "/competitors",
            json!({"name": format!("Rival {i}"), "tags": ["erp"]}),
        ));
        let product = id_of(&admin.create(
            "/competitor_products",
            json!({"competitor_id": competitor, "name": format!("Suite {i}"), "price": i * 100}),
        ));
        let customer = id_of(&admin.create(
            "/customers",
            json!({"name": format!("Backup {i}"), "phone": format!("1390000{i:04}"), "tags": ["x"], "custom": {"n": i}}),
        ));
        let contact = id_of(&admin.create(
            "/contacts",
            json!({"customer_id": customer, "name": format!("Contact {i}")}),
        ));
        admin.create(
            "/saved_queries",
            json!({"name": format!("Query {i}"), "entity": "customers", "query": "level:A", "shared": true}),
        );
        let list = id_of(&admin.create(
            "/static_lists",
            json!({"name": format!("List {i}"), "entity": "customers"}),
        ));
        admin.create(
            "/list_members",
            json!({"list_id": list, "record_id": customer}),
        );
        let deal = id_of(&admin.create(
            "/opportunities",
            json!({"customer_id": customer, "name": format!("Deal {i}"), "amount": i * 1000}),
        ));
        admin.create(
            "/opportunity_competitors",
            json!({"opportunity_id": deal, "competitor_id": competitor, "product_id": product}),
        );
        let sold = id_of(&admin.create(
            "/products",
            json!({"code": format!("P-{i}"), "name": format!("Product {i}"), "list_price": 1000 + i}),
        ));
        admin.create("/product_costs", json!({"product_id": sold, "cost": 500}));
        admin.create(
            "/prices",
            json!({"product_id": sold, "level": "A", "unit_price": 900, "valid_from": "2026-01-01"}),
        );
        admin.create(
            "/opportunity_lines",
            json!({"opportunity_id": deal, "product_id": sold, "quantity": 2}),
        );
        let quote = id_of(&admin.create("/quotes", json!({"customer_id": customer})));
        admin.create(
            "/quote_lines",
            json!({"quote_id": quote, "product_id": sold, "discount_bp": 250}),
        );
        let warehouse = id_of(&admin.create(
            "/warehouses",
            json!({"code": format!("WH-{i}"), "name": format!("Warehouse {i}")}),
        ));
        admin.create(
            "/stock_movements",
            json!({"product_id": sold, "warehouse_id": warehouse, "kind": "in", "quantity": 5}),
        );
        let order = id_of(&admin.create(
            "/orders",
            json!({"customer_id": customer, "warehouse_id": warehouse}),
        ));
        admin.create(
            "/order_lines",
            json!({"order_id": order, "product_id": sold, "quantity": 2}),
        );
        let plan = id_of(&admin.create("/payment_plans", json!({"order_id": order})));
        let instalment = id_of(&admin.create(
            "/instalments",
            json!({"plan_id": plan, "due_date": "2026-02-01", "amount": 1_000}),
        ));
        admin.create(
            "/payments",
            json!({"instalment_id": instalment, "amount": 400, "received_on": "2026-02-03"}),
        );
        let contract = id_of(&admin.create(
            "/contracts",
            json!({"name": format!("Contract {i}"), "customer_id": customer, "amount": i * 100,
                   "ends_on": "2027-01-31"}),
        ));
        admin.create(
            "/approvals",
            json!({"contract_id": contract, "note": "please"}),
        );
        admin.create(
            "/expense_claims",
            json!({"subject": format!("Taxi {i}"), "spent_on": "2026-02-01", "amount": 3_500,
                   "category": "transport", "customer_id": customer}),
        );
        admin.create(
            "/licences",
            json!({"licence_number": format!("LIC-{i}"), "customer_id": customer,
                   "product_id": sold, "starts_on": "2026-01-01"}),
        );
        admin.create(
            "/activities",
            json!({"kind": "call", "subject": "hello", "customer_id": customer, "contact_id": contact}),
        );
        let campaign = id_of(&admin.create(
            "/campaigns",
            json!({"name": format!("Fair {i}"), "campaign_type": "exhibition", "starts_on": "2026-04-01"}),
        ));
        admin.create(
            "/campaign_members",
            json!({"campaign_id": campaign, "customer_id": customer}),
        );
        admin.create(
            "/leads",
            json!({"name": format!("Lead {i}"), "company": format!("Prospect {i}"), "campaign_id": campaign}),
        );
        let ticket = id_of(&admin.create(
            "/tickets",
            json!({"subject": format!("Issue {i}"), "customer_id": customer}),
        ));
        admin.create(
            &format!("/tickets/{ticket}/comments"),
            json!({"body": "looking"}),
        );
        if i % 3 == 0 {
            // Closed: a return visit is made for it.
            admin.patch(
                &format!("/tickets/{ticket}"),
                json!({"status": "closed", "resolution": "fixed"}),
            );
        }
        if i % 4 == 1 {
            admin.patch(
                &format!("/customers/{customer}"),
                json!({"level": "A", "notes": "edited"}),
            );
        }
        if i % 5 == 2 {
            admin.delete(&format!("/customers/{customer}"));
        }
    }
    populate_later_entities(admin, server);
}

/// The entities of the later modules: field service and survey schedules, relations,
/// territories and dealers, files, care, merges and bulk actions, plans and the value model.
fn populate_later_entities(admin: &Client, server: &TestServer) {
    let me = admin.id();
    admin.create(
        "/territories",
        json!({"name": "华东区", "regions": ["华东"], "owner_id": me}),
    );
    let customer =
        id_of(&admin.create("/customers", json!({"name": "Later Co", "region": "华东"})));
    let boss = id_of(&admin.create(
        "/contacts",
        json!({"customer_id": customer, "name": "张总"}),
    ));
    let clerk = id_of(&admin.create(
        "/contacts",
        json!({"customer_id": customer, "name": "王会计"}),
    ));
    admin.create(
        "/contact_relations",
        json!({"contact_id": clerk, "kind": "reports_to", "related_id": boss}),
    );
    let dealer = id_of(&admin.create(
        "/customers",
        json!({"name": "Dealer Co", "category": "dealer"}),
    ));
    admin.create(
        "/dealer_assessments",
        json!({"customer_id": dealer, "period": "2026-10-01", "sales_score": 90,
               "market_score": 80, "service_score": 85, "credit_score": 84}),
    );
    let ticket = id_of(&admin.create(
        "/tickets",
        json!({"subject": "On site", "customer_id": customer}),
    ));
    let engineer = server.add_user("engineer", "agent", None);
    let visit = id_of(&admin.create(
        "/field_visits",
        json!({"ticket_id": ticket, "engineer_id": engineer, "starts_at": "2026-12-08T01:00:00Z"}),
    ));
    let part = id_of(&admin.create(
        "/products",
        json!({"code": "PART-1", "name": "Roller", "list_price": 100}),
    ));
    admin.create(
        "/visit_parts",
        json!({"visit_id": visit, "product_id": part, "quantity": 1}),
    );
    let survey = id_of(&admin.create(
        "/surveys",
        json!({"title_en": "Quarterly", "title_zh": "季度回访"}),
    ));
    admin.create(
        "/survey_schedules",
        json!({"name": "A quarterly", "survey_id": survey, "query": "level:A", "period": "quarter"}),
    );
    let (status, file) = admin.send(
        admin
            .request(Method::POST, "/files/upload")
            .query(&[
                ("entity", "customers"),
                ("record_id", customer.as_str()),
                ("name", "note.txt"),
            ])
            .body(b"a note kept with the customer".to_vec()),
    );
    assert_eq!(status, 201, "{file}");
    admin.create(
        "/care_rules",
        json!({"name": "生日", "occasion": "birthday", "days_before": 3, "wording": "{{contact}}，生日快乐！"}),
    );
    admin.create(
        "/letter_templates",
        json!({"name": "Hello", "subject": "Hi", "body": "Dear {{contact}}"}),
    );
    let keep = admin.create(
        "/customers",
        json!({"name": "Twin Co", "phone": "13800001111"}),
    );
    let twin = admin.create(
        "/customers?allow_duplicate=true",
        json!({"name": "Twin Co.", "phone": "138 0000 1111"}),
    );
    admin.create(
        "/merges",
        json!({"survivor_id": id_of(&keep), "merged_id": id_of(&twin), "take": [],
               "survivor_version": keep["version"], "merged_version": twin["version"]}),
    );
    let kept = admin.create(
        "/contacts",
        json!({"customer_id": customer, "name": "李会计", "mobile": "13900002222"}),
    );
    let double = admin.create(
        "/contacts?allow_duplicate=true",
        json!({"customer_id": customer, "name": "李会计", "mobile": "139 0000 2222"}),
    );
    admin.create(
        "/contact_merges",
        json!({"survivor_id": id_of(&kept), "merged_id": id_of(&double), "take": [],
               "survivor_version": kept["version"], "merged_version": double["version"]}),
    );
    admin.create(
        "/bulk_actions",
        json!({"kind": "tag", "ids": [customer], "tag": "展会"}),
    );
    let plan = id_of(&admin.create(
        "/work_plans",
        json!({"week": "2026-11-30", "title": "本周计划"}),
    ));
    admin.create(
        "/work_logs",
        json!({"day": "2026-12-01", "summary": "见了采购", "plan_id": plan, "customer_ids": [customer]}),
    );
    admin.create(
        "/value_indicators",
        json!({"indicator": "order_total", "weight": 3, "full_at": 100_000}),
    );
    admin.create("/value_levels", json!({"level": "A", "min_score": 80}));
    admin.create(
        "/analysis_settings",
        json!({"dormant_days": 30, "lost_days": 60, "no_business_days": 20, "no_contact_days": 10}),
    );
    admin.create(
        "/file_settings",
        json!({"max_size_mb": 10, "types": ["pdf", "image"]}),
    );
}

#[test]
fn an_online_backup_equals_the_live_database() {
    let server = TestServer::start_sqlite();
    let admin = server.user("root", "admin", None);
    populate(&admin, &server);
    let live = server.db();

    // Back up while other users read.
    let copy = server.dir().join("copy.db");
    let stop = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let reader = server.login("root");
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(reader.get("/customers?limit=50").0, 200);
                    assert_eq!(reader.get("/sync?limit=100").0, 200);
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while reads.load(Ordering::Relaxed) < 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        live.backup(&copy).expect("backup while serving");
        stop.store(true, Ordering::Relaxed);
    });
    assert!(
        live.backup(&copy).is_err(),
        "a backup overwrote an existing file"
    );

    let backup = crm_server::open_sqlite(&copy).expect("open the backup");
    for entity in Entity::ALL {
        let (ours, theirs) = (
            all_records(live.as_ref(), entity),
            all_records(backup.as_ref(), entity),
        );
        assert!(!ours.is_empty(), "no {} to compare", entity.name());
        assert_eq!(ours, theirs, "{} differ in the backup", entity.name());
    }
    assert_eq!(feed_and_acl(live.as_ref()), feed_and_acl(backup.as_ref()));
    // Passwords came along: the backup signs the same users in.
    let hashes = |db: &dyn Database| {
        store::read(db, |tx| {
            Ok::<_, StorageError>(tx.credentials("alice")?.and_then(|c| c.password_hash))
        })
        .unwrap()
    };
    assert!(hashes(live.as_ref()).is_some());
    assert_eq!(hashes(live.as_ref()), hashes(backup.as_ref()));
}

#[test]
fn a_backup_during_writes_is_a_consistent_snapshot() {
    let server = TestServer::start_sqlite();
    let admin = server.user("root", "admin", None);
    let live = server.db();
    let copy = server.dir().join("during.db");
    let acknowledged = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let before_backup = std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..5000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let customer =
                    id_of(&admin.create("/customers", json!({"name": format!("Busy {i}")})));
                admin.create("/contacts", json!({"customer_id": customer, "name": "c"}));
                acknowledged.lock().unwrap().push(customer);
            }
        });
        while acknowledged.lock().unwrap().len() < 20 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let before = acknowledged.lock().unwrap().clone();
        live.backup(&copy).expect("backup during writes");
        std::thread::sleep(Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
        before
    });
    let after = acknowledged.into_inner().unwrap();
    assert!(
        after.len() > before_backup.len(),
        "the writes did not go on during the backup"
    );

    let backup = crm_server::open_sqlite(&copy).expect("open the backup");
    let copied = all_records(backup.as_ref(), Entity::Customers);
    let copied_ids: BTreeSet<&str> = copied.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in &before_backup {
        assert!(
            copied_ids.contains(id.as_str()),
            "{id} was acknowledged before the backup but is missing"
        );
    }
    let live_customers = all_records(live.as_ref(), Entity::Customers);
    for record in &copied {
        assert!(
            live_customers.contains(record),
            "the backup holds a record the live database does not"
        );
    }
    // Each copied customer came with its access list and its place in the feed: no torn writes.
    let (feed, acl) = feed_and_acl(backup.as_ref());
    let in_feed: BTreeSet<&str> = feed.iter().map(|(_, _, id)| id.as_str()).collect();
    for id in &copied_ids {
        assert!(in_feed.contains(id), "{id} is not in the backup's feed");
        let set = acl
            .iter()
            .find(|(a, _)| a == id)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        assert!(!set.is_empty(), "{id} has no access list in the backup");
    }
}

/// The server binary, killed (SIGKILL on unix) when dropped.
struct Process {
    child: Child,
    base_url: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("address").port()
}

/// Starts `crm-server serve` on a free port and waits until it answers /health.
fn serve(db: &Path, logs: &Path) -> Process {
    let probe = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    for attempt in 0..10 {
        let port = free_port();
        let log_path = logs.join(format!("serve-{port}-{attempt}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let child = Command::new(BIN)
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start crm-server");
        let mut process = Process {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if process.child.try_wait().expect("poll the server").is_some() {
                break; // The port was taken after all: try another.
            }
            let health = probe
                .get(format!("{}/api/v1/health", process.base_url))
                .send();
            if health.is_ok_and(|r| r.status().is_success()) {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                assert!(
                    log.contains("serving"),
                    "no 'serving' line in the log: {log}"
                );
                return process;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        eprintln!("crm-server did not come up on port {port} (attempt {attempt}): {log}");
    }
    panic!("crm-server never came up");
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");

    let mut add = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args([
            "user",
            "add",
            "loader",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run crm-server user add");
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let added = add.wait_with_output().unwrap();
    assert!(
        added.status.success(),
        "user add failed: {}",
        String::from_utf8_lossy(&added.stderr)
    );

    let mut server = serve(&db, dir.path());
    let acknowledged = Mutex::new(Vec::<String>::new());
    let failures = AtomicUsize::new(0);
    // Sign in before the load starts: creates are fast enough that 300 could be acknowledged
    // while a slow sign-in (argon2) was still running, and the kill would land on it.
    let clients: Vec<Client> = (0..4)
        .map(|_| Client::login(&server.base_url, "loader"))
        .collect();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (t, client) in clients.into_iter().enumerate() {
            let (acknowledged, failures) = (&acknowledged, &failures);
            s.spawn(move || {
                for i in 0..3000 {
                    if started.elapsed() > Duration::from_secs(20) {
                        return;
                    }
                    let request = client
                        .request(Method::POST, "/customers?allow_duplicate=true")
                        .json(&json!({"name": format!("Load {t}-{i}"), "phone": "13800138000"}));
                    match client.try_send(request) {
                        Ok((201, record)) => acknowledged.lock().unwrap().push(id_of(&record)),
                        Ok((status, body)) => panic!("create answered {status}: {body}"),
                        Err(_) => {
                            // The server is gone.
                            failures.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                }
            });
        }
        while acknowledged.lock().unwrap().len() < 300
            && started.elapsed() < Duration::from_secs(15)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        server.child.kill().expect("SIGKILL the server");
        server.child.wait().expect("reap the server");
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(
        acknowledged.len() >= 300,
        "only {} creates before the deadline",
        acknowledged.len()
    );
    assert!(
        failures.load(Ordering::Relaxed) > 0,
        "the kill did not land mid-load"
    );
    drop(server);

    let server = serve(&db, dir.path());
    let client = Client::login(&server.base_url, "loader");
    let stored: BTreeSet<String> = client
        .list_all("/customers", "sort=id", 1000)
        .iter()
        .map(id_of)
        .collect();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged creates were lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    assert!(stored.len() >= acknowledged.len());
    // The restarted server takes writes again.
    client.create("/customers", json!({"name": "After the crash"}));

    // The command-line backup copies the database while the server serves.
    let copy = dir.path().join("cli-backup.db");
    let backup = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .arg("backup")
        .arg(&copy)
        .output()
        .expect("run crm-server backup");
    assert!(
        backup.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let copied = crm_server::open_sqlite(&copy).expect("open the backup");
    let copied: BTreeSet<String> = all_records(copied.as_ref(), Entity::Customers)
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        acknowledged.iter().all(|id| copied.contains(id)),
        "the backup lacks acknowledged customers"
    );
    assert_eq!(copied.len(), stored.len() + 1);
}

#[test]
fn on_postgresql_a_backup_is_refused_with_the_command_to_use() {
    let server = TestServer::start();
    if !server.on_postgres() {
        return;
    }
    let to = server.dir().join("copy.db");
    let refused = server.db().backup(&to);
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("pg_dump")),
        "{refused:?}"
    );
    assert!(!to.exists(), "nothing was written");
}
