use super::*;
use serde_json::Map;

pub(super) fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Wednesday 2026-11-25 09:00 UTC.
fn fixture_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub(super) fn source() -> (tempfile::TempDir, ReplicaSource) {
    let dir = tempfile::tempdir().unwrap();
    let replica = Replica::open(&dir.path().join("replica.db")).unwrap();
    (dir, ReplicaSource::new(replica))
}

#[test]
fn local_writes_are_read_back_at_once() {
    let (_dir, mut s) = source();
    let huawei = s
        .create(
            Entity::Customers,
            obj(json!({"name": "华为技术有限公司", "phone": "+86 755 2878 0808", "level": "A"})),
        )
        .unwrap();
    let acme = s
        .create(
            Entity::Customers,
            obj(json!({"name": "Acme Ltd.", "level": "B"})),
        )
        .unwrap();
    let all = s.customers(&CustomerQuery::default(), 0, 10).unwrap();
    let names: Vec<&str> = all.iter().map(|c| text(c, "name")).collect();
    assert_eq!(names, ["Acme Ltd.", "华为技术有限公司"]);
    let q = CustomerQuery {
        search: "华为".into(),
        ..CustomerQuery::default()
    };
    assert_eq!(s.customers(&q, 0, 10).unwrap().len(), 1);
    let q = CustomerQuery {
        level: Some("B".into()),
        ..CustomerQuery::default()
    };
    assert_eq!(
        text(&s.customers(&q, 0, 10).unwrap()[0], "id"),
        text(&acme, "id")
    );
    assert_eq!(
        text(
            &s.customer_by_phone("0755-28780808").unwrap().unwrap(),
            "id"
        ),
        text(&huawei, "id")
    );
    let dup = s
        .find_duplicates(&obj(json!({"name": "华为 技术有限公司"})))
        .unwrap();
    assert_eq!(dup.len(), 1);
    assert!(s.status().pending >= 2);
}

#[test]
fn the_reverse_order_mirrors_the_forward_one() {
    // The end of the list is read with the opposite sort: ties must fall the same way.
    let (_dir, mut s) = source();
    for name in [
        "Same",
        "Beta",
        "Same",
        "Alpha",
        "Same",
        "Customer 1",
        "Customer 2",
    ] {
        s.create(Entity::Customers, obj(json!({ "name": name })))
            .unwrap();
    }
    for search in ["", "Customer"] {
        let forward = CustomerQuery {
            search: search.into(),
            ..CustomerQuery::default()
        };
        let backward = CustomerQuery {
            descending: true,
            ..forward.clone()
        };
        let ids = |q: &CustomerQuery| -> Vec<String> {
            s.customers(q, 0, 50)
                .unwrap()
                .iter()
                .map(|c| text(c, "id").to_string())
                .collect()
        };
        let mut reversed = ids(&backward);
        reversed.reverse();
        assert_eq!(ids(&forward), reversed, "search {search:?}");
    }
}

#[test]
fn tickets_queue_in_sla_order_and_the_calendar_reads_a_range() {
    let (_dir, mut s) = source();
    let c = s
        .create(Entity::Customers, obj(json!({"name": "Acme"})))
        .unwrap();
    let cid = text(&c, "id").to_string();
    // No SLA times until the server sets them: the more urgent priority leads.
    for (subject, priority) in [("printer", "low"), ("outage", "urgent")] {
        s.create(
            Entity::Tickets,
            obj(json!({"subject": subject, "customer_id": cid, "priority": priority})),
        )
        .unwrap();
    }
    let all = TicketQuery {
        scope: TicketScope::All,
        ..TicketQuery::default()
    };
    let queue = s.tickets(&all, 0, 10).unwrap();
    let subjects: Vec<&str> = queue.iter().map(|t| text(t, "subject")).collect();
    assert_eq!(subjects, ["outage", "printer"]);
    let mine = TicketQuery {
        scope: TicketScope::Unassigned,
        ..TicketQuery::default()
    };
    assert_eq!(s.tickets(&mine, 0, 10).unwrap().len(), 2);

    let starts = "2026-11-25T06:00:00.000Z";
    s.create(
        Entity::Activities,
        obj(json!({"kind": "meeting", "subject": "demo", "customer_id": cid, "starts_at": starts})),
    )
    .unwrap();
    let from = fixture_now() - chrono::Duration::days(1);
    let to = fixture_now() + chrono::Duration::days(1);
    let items = s.activities_between(from, to, None).unwrap();
    assert_eq!(items.len(), 1);
    assert!(
        s.activities_between(to, to + chrono::Duration::days(1), None)
            .unwrap()
            .is_empty()
    );
    let tl = s.timeline(&cid, 10).unwrap();
    assert_eq!(tl.len(), 3);
}

#[test]
fn refused_values_come_back_per_field() {
    let (_dir, mut s) = source();
    let err = s
        .create(Entity::Customers, obj(json!({"kind": "Z"})))
        .unwrap_err();
    let WriteError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    assert!(fields.contains_key("name") && fields.contains_key("kind"));
}
