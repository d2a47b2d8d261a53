//! Files on the screens: a record's view lists the files attached to it (synced as records,
//! by `record_id`), and no other record's.

mod support;

use chrono::{DateTime, Utc};
use crm::replica::LocalQuery;
use crm::tui::Effect;
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
