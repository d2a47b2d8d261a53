//! Files on the screens: a record's view lists the files attached to it (synced as records,
//! by `record_id`), and no other record's.

mod support;

use chrono::{DateTime, Utc};
use crm::replica::LocalQuery;
use crm::replica::Op;
use crm::tui::Effect;
use crm::tui::action::Action;
use crm_server::schema::Entity;
use serde_json::json;
use support::{Fixture, app_over, apply_records, options, press, screen, server_record, type_text};

fn file(n: usize, entity: &str, record_id: &str, name: &str) -> crm::tui::data::Record {
    let at = DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut r = server_record(
        Entity::Files,
        &format!("00000020-0000-7000-8000-{n:012}"),
        json!({"entity": entity, "record_id": record_id, "name": name}),
        at,
    );
    // What the server learnt from the bytes.
    r.insert("size".into(), json!(48_213));
    r.insert("content_type".into(), json!("image/jpeg"));
    r.insert("sha256".into(), json!(format!("{n:064x}")));
    r
}

#[test]
fn a_records_view_lists_its_files_and_no_others() {
    let fx = Fixture::load();
    let replica = fx.replica();
    let deals = replica
        .list(
            Entity::Opportunities,
            &LocalQuery {
                limit: 1000,
                ..LocalQuery::default()
            },
        )
        .unwrap();
    assert!(deals.len() > 1);
    // Every deal has its site photo; one customer has a contract scan.
    let mut files: Vec<_> = deals
        .iter()
        .enumerate()
        .map(|(i, d)| file(i + 1, "opportunities", &d.id, "照片.jpg"))
        .collect();
    let customer = deals[0].fields["customer_id"].as_str().unwrap().to_string();
    files.push(file(999, "customers", &customer, "合同.pdf"));
    let mut seq = 4_000_000;
    apply_records(&replica, Entity::Files, files, &mut seq);

    let mut app = app_over(Box::new(fx.source()), options(), 120, 40);
    press(&mut app, ":");
    type_text(&mut app, "list opportunities");
    press(&mut app, "<Enter> <Enter>");
    let s = screen(&app);
    assert_eq!(s.matches("照片.jpg").count(), 1, "{s}");
    assert!(!s.contains("合同.pdf"), "{s}");
    assert!(s.contains("file"), "{s}");

    // `o` on the file (the last related record) asks for it to be opened, by its id.
    press(&mut app, "G");
    let opened: Vec<String> = press(&mut app, "o")
        .into_iter()
        .filter_map(|e| match e {
            Effect::OpenFile(id) => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 1);
    let file = replica.get(Entity::Files, &opened[0]).unwrap().unwrap();
    assert_eq!(file.fields["name"], "照片.jpg");
    assert_eq!(file.fields["entity"], "opportunities");
    assert!(screen(&app).contains("Opening 照片.jpg"));

    // The customer's 360° lists the file attached to it, beside its contracts and licences.
    let code = replica
        .get(Entity::Customers, &customer)
        .unwrap()
        .unwrap()
        .fields["code"]
        .as_str()
        .unwrap()
        .to_string();
    press(&mut app, ":");
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    let s = screen(&app);
    assert!(s.contains("合同.pdf"), "{s}");
    assert!(s.contains("files (1"), "{s}");
}

#[test]
fn a_file_is_attached_and_deleted_from_a_records_view() {
    let fx = Fixture::load();
    let replica = fx.replica();
    let deals = replica
        .list(
            Entity::Opportunities,
            &LocalQuery {
                limit: 1000,
                ..LocalQuery::default()
            },
        )
        .unwrap();
    let files: Vec<_> = deals
        .iter()
        .enumerate()
        .map(|(i, d)| file(i + 1, "opportunities", &d.id, "照片.jpg"))
        .collect();
    let mut seq = 4_000_000;
    apply_records(&replica, Entity::Files, files, &mut seq);
    let mut app = app_over(Box::new(fx.source()), options(), 120, 40);
    press(&mut app, ":");
    type_text(&mut app, "list opportunities");
    press(&mut app, "<Enter> <Enter> G");

    // `d` on the file asks first, then deletes the file, not the deal.
    press(&mut app, "d");
    assert!(app.dialog_name().is_some(), "asks first: {}", screen(&app));
    assert!(screen(&app).contains("照片.jpg"), "{}", screen(&app));
    press(&mut app, "y");
    let w = fx.last_written();
    assert_eq!((w.op, w.entity), (Op::Delete, Entity::Files));
    // File n hangs off deal n - 1 (`file`'s ids end in n).
    let n: usize = w.record_id.rsplit('-').next().unwrap().parse().unwrap();
    let deal = deals[n - 1].id.clone();
    assert!(!screen(&app).contains("照片.jpg"), "{}", screen(&app));

    // `F` asks for a path; one that is no file is refused where it was typed.
    press(&mut app, "F");
    assert!(
        screen(&app).contains("Attach a file to"),
        "{}",
        screen(&app)
    );
    type_text(&mut app, "/no/such/报价.pdf");
    let asked = press(&mut app, "<Enter>");
    assert!(
        !asked.iter().any(|e| matches!(e, Effect::AttachFile { .. })),
        "{asked:?}"
    );
    assert!(screen(&app).contains("Cannot attach"), "{}", screen(&app));
    press(&mut app, "<Esc>");

    // A file: its upload is asked for, to this deal, under the file's name.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("报价.pdf");
    std::fs::write(&path, b"%PDF-1.7 quote").unwrap();
    // Typed in part, Tab completes the name.
    press(&mut app, "F");
    type_text(&mut app, &format!("{}/报", dir.path().display()));
    press(&mut app, "<Tab>");
    let asked: Vec<Effect> = press(&mut app, "<Enter>")
        .into_iter()
        .filter(|e| matches!(e, Effect::AttachFile { .. }))
        .collect();
    assert_eq!(
        asked,
        vec![Effect::AttachFile {
            entity: Entity::Opportunities,
            record_id: deal.clone(),
            path: path.clone(),
            name: "报价.pdf".into(),
        }]
    );
    assert_eq!(app.dialog_name(), None);
    assert!(
        screen(&app).contains("Uploading 报价.pdf"),
        "{}",
        screen(&app)
    );
    // How it went is shown when the upload answers.
    app.update(Action::Attached {
        name: "报价.pdf".into(),
        result: Err("the file is larger than the 1 MiB this server accepts".into()),
    });
    assert!(
        screen(&app).contains("Not attached 报价.pdf: the file is larger"),
        "{}",
        screen(&app)
    );
    app.update(Action::Attached {
        name: "报价.pdf".into(),
        result: Ok(()),
    });
    assert!(
        screen(&app).contains("Attached 报价.pdf"),
        "{}",
        screen(&app)
    );

    // Offline it is refused at once, saying why; nothing is uploaded later.
    app.online = Some(false);
    press(&mut app, "F");
    type_text(&mut app, path.to_str().unwrap());
    let asked = press(&mut app, "<Enter>");
    assert!(
        !asked.iter().any(|e| matches!(e, Effect::AttachFile { .. })),
        "{asked:?}"
    );
    assert!(screen(&app).contains("offline"), "{}", screen(&app));
}

#[test]
fn the_360_attaches_a_file_to_its_customer() {
    let fx = Fixture::load();
    let replica = fx.replica();
    let customer = replica
        .list(
            Entity::Customers,
            &LocalQuery {
                limit: 1,
                ..LocalQuery::default()
            },
        )
        .unwrap()
        .remove(0);
    let code = customer.fields["code"].as_str().unwrap().to_string();
    let mut app = app_over(Box::new(fx.source()), options(), 120, 40);
    press(&mut app, ":");
    type_text(&mut app, &format!("open {code}"));
    press(&mut app, "<Enter>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("现场.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n").unwrap();
    press(&mut app, "F");
    type_text(&mut app, path.to_str().unwrap());
    let asked: Vec<Effect> = press(&mut app, "<Enter>")
        .into_iter()
        .filter(|e| matches!(e, Effect::AttachFile { .. }))
        .collect();
    assert_eq!(
        asked,
        vec![Effect::AttachFile {
            entity: Entity::Customers,
            record_id: customer.id.clone(),
            path,
            name: "现场.png".into(),
        }]
    );
}
