//! Customer care over HTTP, on SQLite and (with CRM_TEST_PG) PostgreSQL: care rules make their
//! tasks once per occasion; a mail merge sends through a real SMTP conversation (a sink on
//! 127.0.0.1) once per send id and contact, never to a contact who opted out, each message an
//! activity; SMS through a command given its arguments without a shell; who may do what.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use common::{TestServer, id_of};
use crm_server::api::Settings;
use crm_server::mail::{Outbound, SmsHook, Smtp};
use crm_server::service::care;
use serde_json::{Value, json};

/// One message a sink received: its envelope recipient and its data.
#[derive(Debug, Clone)]
struct Received {
    to: String,
    data: String,
}

/// A tiny SMTP server on 127.0.0.1: accepts every message, except to an address starting with
/// `bounce`, which it refuses with 550.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let got = keep.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().unwrap();
                let mut lines = BufReader::new(stream);
                let say = |out: &mut std::net::TcpStream, s: &str| {
                    let _ = out.write_all(format!("{s}\r\n").as_bytes());
                };
                say(&mut out, "220 sink ESMTP");
                let mut to = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        say(&mut out, "250 sink");
                    } else if upper.starts_with("RCPT TO:") {
                        to = line[8..].trim().trim_matches(['<', '>']).to_string();
                        if to.starts_with("bounce") {
                            say(&mut out, "550 no such mailbox");
                        } else {
                            say(&mut out, "250 OK");
                        }
                    } else if upper.starts_with("DATA") {
                        say(&mut out, "354 go on");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        got.lock().unwrap().push(Received {
                            to: to.clone(),
                            data,
                        });
                        say(&mut out, "250 queued");
                    } else if upper.starts_with("QUIT") {
                        say(&mut out, "221 bye");
                        return;
                    } else {
                        say(&mut out, "250 OK");
                    }
                }
            });
        }
    });
    (port, got)
}

fn quiet() -> Settings {
    // The scheduled scan is the test's to run.
    Settings {
        care_every: Duration::from_secs(3600),
        ..Settings::default()
    }
}

fn tasks_of(client: &common::Client, rule: &Value) -> Vec<Value> {
    let (status, page) = client.get("/activities?limit=200");
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["care_rule_id"] == rule["id"])
        .cloned()
        .collect()
}

#[test]
fn a_birthday_rule_makes_one_task_for_the_owner_however_often_it_runs() {
    let server = TestServer::start_with(quiet());
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let sales = server.user("sam", "sales", Some(&north));
    let other = server.user("olga", "sales", Some(&north));
    let rule = admin.create(
        "/care_rules",
        json!({"name": "生日", "occasion": "birthday", "days_before": 3, "time_zone": "UTC",
               "wording": "{{contact}}，祝您{{years}}岁生日快乐！{{owner}}"}),
    );
    let now = Utc::now();
    let today = now.date_naive();
    let in_two = today + chrono::Duration::days(2);
    let in_five = today + chrono::Duration::days(5);
    let born = |d: NaiveDate| format!("1990-{}", d.format("%m-%d"));
    let customer = sales.create("/customers", json!({"name": "华为"}));
    let soon = sales.create(
        "/contacts",
        json!({"customer_id": id_of(&customer), "name": "王小明", "birthday": born(in_two)}),
    );
    sales.create(
        "/contacts",
        json!({"customer_id": id_of(&customer), "name": "李静", "birthday": born(in_five)}),
    );
    sales.create(
        "/contacts",
        json!({"customer_id": id_of(&customer), "name": "张伟"}),
    );

    let run = || {
        crm_server::store::write(server.db().as_ref(), |tx| {
            let found = care::due(tx, now)?;
            care::make_due(tx, &found, now)
        })
        .expect("care scan")
    };
    let made = run();
    assert_eq!(made.len(), 1, "only the birthday within 3 days: {made:?}");
    assert!(run().is_empty(), "a second scan makes nothing");
    // Through the route, as a manager's catch-up of the same day: still nothing new.
    let (status, answer) = admin.post("/care/run", json!({"today": today.to_string()}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["made"], json!(0), "{answer}");

    let tasks = tasks_of(&sales, &rule);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["kind"], json!("task"));
    assert_eq!(task["owner_id"], json!(sales.id()));
    assert_eq!(task["contact_id"], soon["id"]);
    assert_eq!(task["done"], json!(false));
    let years = in_two.format("%Y").to_string().parse::<i32>().unwrap() - 1990;
    assert_eq!(
        task["notes"],
        json!(format!("王小明，祝您{years}岁生日快乐！sam (display)")),
        "{task}"
    );
    assert!(
        task["subject"].as_str().unwrap().contains("王小明"),
        "{task}"
    );
    assert!(
        task["due_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{in_two}T09:00")),
        "{task}"
    );
    // Another salesperson does not see a customer not theirs, nor its care task.
    assert!(tasks_of(&other, &rule).is_empty());
}

#[test]
fn a_holiday_rule_greets_its_level_s_customers_on_the_lunar_day_once() {
    let server = TestServer::start_with(quiet());
    let admin = server.user("root", "admin", None);
    let manager = server.user("mia", "manager", None);
    let rule = manager.create(
        "/care_rules",
        json!({"name": "春节", "occasion": "spring_festival", "level": "A", "days_before": 7,
               "wording": "{{customer}}：恭贺新春！"}),
    );
    let key = admin.create("/customers", json!({"name": "东华科技", "level": "A"}));
    admin.create("/customers", json!({"name": "小店", "level": "C"}));

    // 2027's 春节 is 6 February: a week ahead it fires, eight days ahead not yet.
    let (_, early) = manager.post("/care/run", json!({"today": "2027-01-29"}));
    assert_eq!(early["made"], json!(0), "{early}");
    let (status, made) = manager.post("/care/run", json!({"today": "2027-01-31"}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["made"], json!(1), "{made}");
    let (_, again) = manager.post("/care/run", json!({"today": "2027-02-06"}));
    assert_eq!(again["made"], json!(0), "the same 春节 again: {again}");
    let tasks = tasks_of(&admin, &rule);
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["customer_id"], key["id"]);
    assert_eq!(tasks[0]["notes"], json!("东华科技：恭贺新春！"));
    assert!(
        tasks[0]["due_at"]
            .as_str()
            .unwrap()
            .starts_with("2027-02-06T01:00"),
        "09:00 in Shanghai: {}",
        tasks[0]
    );
    // A rule switched off makes nothing.
    manager.patch(
        &format!("/care_rules/{}", id_of(&rule)),
        json!({"active": false}),
    );
    let (_, next_year) = manager.post("/care/run", json!({"today": "2028-01-26"}));
    assert_eq!(next_year["made"], json!(0), "{next_year}");
}

#[test]
fn reaching_level_a_greets_once_and_an_a_customer_edited_otherwise_does_not() {
    let server = TestServer::start_with(quiet());
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let sales = server.user("sam", "sales", Some(&north));
    let rule = admin.create(
        "/care_rules",
        json!({"name": "升级", "occasion": "level_a", "time_zone": "UTC",
               "wording": "{{customer}} 升级为 A 级，{{owner}} 请致电祝贺"}),
    );
    // Already A before the rule's task could be made by a change: edits of other fields, and
    // a scan however often it runs, make nothing for it.
    let already = sales.create("/customers", json!({"name": "老客户", "level": "B"}));
    admin.patch(
        &format!("/care_rules/{}", id_of(&rule)),
        json!({"active": false}),
    );
    sales.patch(
        &format!("/customers/{}", id_of(&already)),
        json!({"level": "A"}),
    );
    admin.patch(
        &format!("/care_rules/{}", id_of(&rule)),
        json!({"active": true}),
    );
    let (status, _) = sales.patch(
        &format!("/customers/{}", id_of(&already)),
        json!({"address": "上海市浦东新区", "phone": "+86 21 5555 0101"}),
    );
    assert_eq!(status, 200);
    let (_, scan) = admin.post("/care/run", json!({}));
    assert_eq!(scan["made"], json!(0), "{scan}");
    assert!(
        tasks_of(&admin, &rule).is_empty(),
        "an A customer edited is not greeted"
    );

    // A customer moving B → A is greeted in that write, once, for its owner.
    let rising = sales.create("/customers", json!({"name": "新星", "level": "B"}));
    let path = format!("/customers/{}", id_of(&rising));
    let (status, _) = sales.patch(&path, json!({"level": "A"}));
    assert_eq!(status, 200);
    let tasks = tasks_of(&sales, &rule);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["customer_id"], rising["id"]);
    assert_eq!(tasks[0]["owner_id"], json!(sales.id()));
    assert_eq!(
        tasks[0]["notes"],
        json!("新星 升级为 A 级，sam (display) 请致电祝贺")
    );
    // Edited again while A, and down and back up the same day: still one.
    sales.patch(&path, json!({"notes": "年度大单"}));
    sales.patch(&path, json!({"level": "B"}));
    sales.patch(&path, json!({"level": "A"}));
    let (_, scan) = admin.post("/care/run", json!({}));
    assert_eq!(scan["made"], json!(0), "{scan}");
    assert_eq!(tasks_of(&sales, &rule).len(), 1);
    // A new customer made at A has reached it.
    let born_a = sales.create("/customers", json!({"name": "直升", "level": "A"}));
    let tasks = tasks_of(&sales, &rule);
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert!(tasks.iter().any(|t| t["customer_id"] == born_a["id"]));
}

#[test]
fn only_managers_and_admins_edit_care_rules_and_templates_or_run_the_plan() {
    let server = TestServer::start_with(quiet());
    let north = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    let agent = server.user("ann", "agent", None);
    let rule = json!({"name": "x", "occasion": "birthday", "wording": "hi {{contact}}"});
    let template = json!({"name": "x", "subject": "Hi", "body": "Dear {{contact}}"});
    for client in [&sales, &agent] {
        assert_eq!(client.post("/care_rules", rule.clone()).0, 403);
        assert_eq!(client.post("/letter_templates", template.clone()).0, 403);
        assert_eq!(client.post("/care/run", json!({})).0, 403);
    }
    let made = manager.create("/letter_templates", template);
    manager.create("/care_rules", rule);
    // Everyone reads them (a client renders offline).
    assert_eq!(
        agent.get(&format!("/letter_templates/{}", id_of(&made))).0,
        200
    );
    // An unknown placeholder or zone is refused, naming the field.
    let (status, bad) = manager.post(
        "/letter_templates",
        json!({"name": "y", "body": "Dear {{nmae}}"}),
    );
    assert_eq!(status, 422, "{bad}");
    assert!(
        bad["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("nmae"),
        "{bad}"
    );
    let (status, bad) = manager.post(
        "/care_rules",
        json!({"name": "z", "occasion": "birthday", "wording": "x", "time_zone": "Mars/Base"}),
    );
    assert_eq!(status, 422, "{bad}");
    assert!(bad["error"]["fields"]["time_zone"].is_string(), "{bad}");
}

#[test]
fn a_mail_merge_sends_once_per_send_id_never_to_the_opted_out_and_records_each() {
    let (port, sink) = smtp_sink();
    let smtp = Smtp::parse(
        &format!("smtp+plain://127.0.0.1:{port}"),
        "CRM <crm@example.com>",
        None,
    )
    .unwrap();
    let server = TestServer::start_with(Settings {
        mail: Outbound {
            smtp: Some(smtp),
            sms: None,
        },
        ..quiet()
    });
    let north = server.add_team("north");
    let manager = server.user("mia", "manager", Some(&north));
    let sales = server.user("sam", "sales", Some(&north));
    let stranger = server.user("olga", "sales", None);
    let template = manager.create(
        "/letter_templates",
        json!({"name": "Invite", "subject": "Invitation for {{customer}}",
               "body": "Dear {{contact}},\nyou are invited. {{owner}}"}),
    );
    let a = sales.create("/customers", json!({"name": "Acme"}));
    let b = sales.create("/customers", json!({"name": "Beta"}));
    let c = sales.create("/customers", json!({"name": "Gamma"}));
    let d = sales.create("/customers", json!({"name": "Delta"}));
    let wang = sales.create("/contacts", json!({"customer_id": id_of(&a), "name": "Wang", "email": "wang@acme.example", "is_primary": true}));
    sales.create(
        "/contacts",
        json!({"customer_id": id_of(&a), "name": "Li", "email": "li@acme.example"}),
    );
    sales.create("/contacts", json!({"customer_id": id_of(&b), "name": "Zhao", "email": "zhao@beta.example", "opted_out": true}));
    sales.create(
        "/contacts",
        json!({"customer_id": id_of(&c), "name": "Qian"}),
    );
    sales.create(
        "/contacts",
        json!({"customer_id": id_of(&d), "name": "Sun", "email": "bounce@delta.example"}),
    );
    let path = format!("/letter_templates/{}/send", id_of(&template));
    let send_id = "0190f5a2-0000-7000-8000-00000000aaaa";
    let body =
        json!({"send_id": send_id, "customer_ids": [id_of(&a), id_of(&b), id_of(&c), id_of(&d)]});

    let (status, first) = sales.post(&path, body.clone());
    assert_eq!(status, 200, "{first}");
    let outcome = |answer: &Value, name: &str| {
        answer["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["contact"] == json!(name))
            .map(|r| r["outcome"].clone())
    };
    assert_eq!(outcome(&first, "Wang"), Some(json!("sent")), "{first}");
    assert_eq!(
        outcome(&first, "Li"),
        None,
        "only the primary contact: {first}"
    );
    assert_eq!(outcome(&first, "Zhao"), Some(json!("opted_out")));
    assert_eq!(outcome(&first, "Qian"), Some(json!("no_address")));
    assert_eq!(outcome(&first, "Sun"), Some(json!("failed")));
    assert_eq!(first["sent"], json!(1));
    {
        let got = sink.lock().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].to, "wang@acme.example");
        assert!(
            got[0].data.contains("Subject: Invitation for Acme"),
            "{}",
            got[0].data
        );
        assert!(got[0].data.contains("Dear Wang,"), "{}", got[0].data);
        assert!(got[0].data.contains("sam (display)"), "{}", got[0].data);
    }
    // The message is an activity on the customer, done; the refused one notes why, not done.
    let (_, acts) = sales.get(&format!("/activities?customer_id={}", id_of(&a)));
    let sent: Vec<&Value> = acts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == json!("email"))
        .collect();
    assert_eq!(sent.len(), 1, "{acts}");
    assert_eq!(sent[0]["done"], json!(true));
    assert_eq!(sent[0]["contact_id"], wang["id"]);
    assert_eq!(sent[0]["letter_template_id"], template["id"]);
    assert!(sent[0]["notes"].as_str().unwrap().starts_with("Dear Wang,"));
    let (_, bounced) = sales.get(&format!("/activities?customer_id={}", id_of(&d)));
    assert!(
        bounced["items"][0]["notes"]
            .as_str()
            .unwrap()
            .starts_with("Not sent: "),
        "{bounced}"
    );

    // Retried with the same send id: nothing goes twice; the refused one is tried again.
    let (status, again) = sales.post(&path, body.clone());
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        outcome(&again, "Wang"),
        Some(json!("already_sent")),
        "{again}"
    );
    assert_eq!(outcome(&again, "Sun"), Some(json!("failed")), "{again}");
    assert_eq!(sink.lock().unwrap().len(), 1);
    // Opting out later is honoured by the next send too.
    sales.patch(
        &format!("/contacts/{}", id_of(&wang)),
        json!({"opted_out": true}),
    );
    let (_, later) = sales.post(
        &path,
        json!({"send_id": "0190f5a2-0000-7000-8000-00000000bbbb", "customer_ids": [id_of(&a)]}),
    );
    assert_eq!(outcome(&later, "Wang"), Some(json!("opted_out")), "{later}");
    assert_eq!(sink.lock().unwrap().len(), 1);
    // Someone who cannot see the customer sends nothing to it.
    let (status, refused) = stranger.post(
        &path,
        json!({"send_id": "0190f5a2-0000-7000-8000-00000000cccc", "customer_ids": [id_of(&c)]}),
    );
    assert!(status == 404 || status == 403, "{status} {refused}");
    // A send without a send id is refused: a retry could not be recognised.
    assert_eq!(
        sales.post(&path, json!({"customer_ids": [id_of(&a)]})).0,
        422
    );
}

#[test]
fn an_sms_goes_through_the_admin_s_command_with_its_text_as_one_argument() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sent.txt");
    let script = dir.path().join("sms.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s|' \"$@\" >> {}\necho >> {}\n",
            out.display(),
            out.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    let hook = SmsHook::new(vec![
        script.display().to_string(),
        "--to".into(),
        "{to}".into(),
        "{text}".into(),
    ])
    .unwrap();
    let server = TestServer::start_with(Settings {
        mail: Outbound {
            smtp: None,
            sms: Some(hook),
        },
        ..quiet()
    });
    let admin = server.user("root", "admin", None);
    let template = admin.create(
        "/letter_templates",
        json!({"name": "节日", "channel": "sms", "body": "{{contact}}您好; $(reboot) 中秋快乐"}),
    );
    let customer = admin.create("/customers", json!({"name": "华为"}));
    let contact = admin.create(
        "/contacts",
        json!({"customer_id": id_of(&customer), "name": "王小明", "mobile": "13800138000"}),
    );
    let path = format!("/letter_templates/{}/send", id_of(&template));
    let body = json!({"send_id": "0190f5a2-0000-7000-8000-00000000dddd", "contact_ids": [id_of(&contact)]});
    let (status, answer) = admin.post(&path, body.clone());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["sent"], json!(1), "{answer}");
    assert_eq!(admin.post(&path, body).1["sent"], json!(0));
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        written,
        "--to|13800138000|王小明您好; $(reboot) 中秋快乐|\n"
    );
    let (_, acts) = admin.get(&format!("/activities?customer_id={}", id_of(&customer)));
    assert_eq!(acts["items"][0]["kind"], json!("sms"), "{acts}");
    // Email is not configured on this server: a send says so rather than pretending.
    let mail = admin.create("/letter_templates", json!({"name": "m", "body": "x"}));
    admin.patch(
        &format!("/contacts/{}", id_of(&contact)),
        json!({"email": "w@x.example"}),
    );
    let (status, e) = admin.post(&format!("/letter_templates/{}/send", id_of(&mail)), json!({"send_id": "0190f5a2-0000-7000-8000-00000000eeee", "contact_ids": [id_of(&contact)]}));
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("SMTP"),
        "{e}"
    );
}
