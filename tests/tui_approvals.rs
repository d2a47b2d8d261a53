//! The approvals inbox and the Sales screen over the fixtures' replica, as 王经理 (wang, the
//! east team's manager): the status bar's count, `g a` listing what waits for him, `a`
//! approving and `r` rejecting with a reason (written off the UI thread, read from the outbox),
//! Enter opening the record an approval is for, and the Sales screen's sections with `/`.

mod support;

use chrono::{DateTime, Utc};
use crm::tui::TuiOptions;
use crm::tui::data::Record;
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{
    Fixture, app_over, apply_records, fixture_id, press, screen, server_record, type_text,
};

const WANG: &str = "00000002-0000-7000-8000-000000000002";
const LI: &str = "00000002-0000-7000-8000-000000000003";
const DEMO: &str = "00000002-0000-7000-8000-000000000001";

/// A record as the server sends it, with the fields only the server sets.
fn stored(entity: Entity, id: &str, open: Value, server: Value) -> Record {
    let mut r = server_record(entity, id, open, at("2026-11-24T08:00:00Z"));
    if let Value::Object(fields) = server {
        r.extend(fields);
    }
    r
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Two of li's contracts waiting for wang, one for the admin; wang's app over them.
fn inbox() -> (crm::tui::App, Fixture) {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let mut seq = 1_000_000;
    let contract = |n: usize, name: &str, status: &str| {
        stored(
            Entity::Contracts,
            &format!("0000000c-0000-7000-8000-00000000000{n}"),
            json!({"name": name, "customer_id": customer,
                   "owner_id": LI, "amount": 1_250_000 * n as i64}),
            json!({"number": format!("K-00000{n}"), "status": status}),
        )
    };
    let contracts = vec![
        contract(1, "年度维保合同", "pending"),
        contract(2, "云服务框架协议", "pending"),
        contract(3, "大额采购合同", "pending"),
    ];
    let approval = |n: usize, approver: &str, subject: &str| {
        let mut r = stored(
            Entity::Approvals,
            &format!("0000000d-0000-7000-8000-00000000000{n}"),
            json!({"contract_id": format!("0000000c-0000-7000-8000-00000000000{n}"),
                   "status": "pending", "note": "请审批"}),
            json!({"kind": "contract", "subject": subject, "amount": 1_250_000 * n as i64,
                   "submitted_by": LI, "approver_id": approver}),
        );
        // Oldest first: the inbox lists them in the order they were submitted.
        r.insert(
            "created_at".into(),
            json!(format!("2026-11-24T09:0{n}:00Z")),
        );
        r
    };
    let approvals = vec![
        approval(1, WANG, "K-000001 年度维保合同"),
        approval(2, WANG, "K-000002 云服务框架协议"),
        approval(3, DEMO, "K-000003 大额采购合同"),
    ];
    let replica = fx.replica();
    apply_records(&replica, Entity::Contracts, contracts, &mut seq);
    apply_records(&replica, Entity::Approvals, approvals, &mut seq);
    drop(replica);
    let options = TuiOptions {
        username: "wang".into(),
        ..support::options()
    };
    let app = app_over(Box::new(fx.source()), options, 120, 30);
    (app, fx)
}

#[test]
fn the_inbox_lists_what_waits_for_this_manager_and_a_approves_it() {
    let (mut app, fx) = inbox();
    assert_eq!(app.to_approve, 2, "the admin's one is not his");
    assert!(screen(&app).contains("2 to approve"), "{}", screen(&app));
    press(&mut app, "g a");
    let shown = screen(&app);
    assert!(shown.contains("年度维保合同"), "{shown}");
    assert!(shown.contains("云服务框架协议"), "{shown}");
    assert!(!shown.contains("大额采购合同"), "{shown}");
    assert!(shown.contains("12,500.00"), "its amount: {shown}");

    press(&mut app, "a");
    let written = fx.last_written();
    assert_eq!(written.entity, Entity::Approvals);
    assert_eq!(written.record_id, "0000000d-0000-7000-8000-000000000001");
    assert_eq!(written.fields["status"], "approved");
    assert_eq!(app.to_approve, 1);
    let shown = screen(&app);
    assert!(shown.contains("Approved K-000001"), "{shown}");
    assert!(shown.contains("1 to approve"), "{shown}");
}

#[test]
fn r_rejects_only_with_a_reason() {
    let (mut app, fx) = inbox();
    press(&mut app, "g a j");
    let before = fx.written().len();
    press(&mut app, "r");
    assert_eq!(app.dialog_name(), Some("prompt"));
    // No reason, no rejection.
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), Some("prompt"));
    assert_eq!(fx.written().len(), before);
    type_text(&mut app, "付款条件太松");
    press(&mut app, "<Enter>");
    assert_eq!(app.dialog_name(), None);
    let written = fx.last_written();
    assert_eq!(written.record_id, "0000000d-0000-7000-8000-000000000002");
    assert_eq!(written.fields["status"], "rejected");
    assert_eq!(written.fields["comment"], "付款条件太松");
    assert!(
        screen(&app).contains("Rejected K-000002"),
        "{}",
        screen(&app)
    );
}

#[test]
fn enter_opens_the_record_an_approval_is_for() {
    let (mut app, _fx) = inbox();
    press(&mut app, "g a <Enter>");
    let shown = screen(&app);
    assert!(shown.contains("K-000001"), "{shown}");
    assert!(shown.contains("年度维保合同"), "{shown}");
    assert!(shown.contains("pending"), "its status: {shown}");
    // Esc goes back to the inbox.
    press(&mut app, "<Esc>");
    assert!(screen(&app).contains("[To approve"), "{}", screen(&app));
}

#[test]
fn the_sales_screen_has_sections_and_filters_each() {
    let (mut app, _fx) = inbox();
    press(&mut app, ":");
    type_text(&mut app, "sales");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("[Quotes"), "{shown}");
    assert!(
        shown.contains("To approve"),
        "a manager's has the inbox: {shown}"
    );
    // Quotes, then orders, then contracts.
    press(&mut app, "l");
    press(&mut app, "l");
    let shown = screen(&app);
    assert!(shown.contains("[Contracts"), "{shown}");
    assert!(
        shown.contains("年度维保合同") && shown.contains("大额采购合同"),
        "{shown}"
    );
    press(&mut app, "/");
    type_text(&mut app, "框架");
    let shown = screen(&app);
    assert!(shown.contains("云服务框架协议"), "{shown}");
    assert!(!shown.contains("年度维保合同"), "{shown}");
    press(&mut app, "<Esc>");
    // `a` outside the approvals section says where approvals are decided.
    press(&mut app, "a");
    assert!(
        screen(&app).contains("Decide in To approve"),
        "{}",
        screen(&app)
    );
    press(&mut app, "h");
    press(&mut app, "h");
    assert!(screen(&app).contains("[Quotes"), "{}", screen(&app));
    // Round the other way: the inbox is the last section.
    press(&mut app, "h");
    assert!(screen(&app).contains("[To approve 2]"), "{}", screen(&app));
}

#[test]
fn the_customers_360_shows_its_contracts_and_licences() {
    let (mut app, fx) = inbox();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let licence = stored(
        Entity::Licences,
        "0000000e-0000-7000-8000-000000000001",
        json!({"licence_number": "LIC-2026-000042", "customer_id": customer,
               "product_id": "0000000f-0000-7000-8000-000000000001", "seats": 25,
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
        json!({}),
    );
    let mut seq = 2_000_000;
    apply_records(&fx.replica(), Entity::Licences, vec![licence], &mut seq);
    app.reload_all();
    press(&mut app, ":");
    type_text(&mut app, "open C000101");
    press(&mut app, "<Enter>");
    let shown = screen(&app);
    assert!(shown.contains("Contracts (3) · licences (1)"), "{shown}");
    assert!(shown.contains("LIC-2026-000042"), "{shown}");
    assert!(shown.contains("K-000003"), "newest first: {shown}");
    let view = app.customer_view().expect("the 360");
    assert_eq!(view.agreements.len(), 4);
    // `/` narrows it to the licence; h reaches the section (before the timeline), Enter opens.
    press(&mut app, "/");
    type_text(&mut app, "LIC-2026");
    assert_eq!(app.customer_view().unwrap().agreements.len(), 1);
    press(&mut app, "<Esc>");
    // The licences come after the contracts: G is the last.
    press(&mut app, "h G <Enter>");
    let shown = screen(&app);
    assert!(
        shown.contains("licence_number"),
        "the licence's view: {shown}"
    );
    assert!(shown.contains("LIC-2026-000042"), "{shown}");
}

#[test]
fn an_approved_contract_ending_soon_is_a_reminder_to_renew() {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let contract = |n: usize, status: &str, ends: &str| {
        stored(
            Entity::Contracts,
            &format!("0000000c-0000-7000-8000-00000000001{n}"),
            json!({"name": format!("合同 {n}"), "customer_id": customer, "owner_id": LI,
                   "ends_on": ends, "renewal_days": 30}),
            json!({"number": format!("K-00001{n}"), "status": status}),
        )
    };
    let mut seq = 1_000_000;
    apply_records(
        &fx.replica(),
        Entity::Contracts,
        vec![
            contract(1, "approved", "2026-12-10"),
            contract(2, "approved", "2027-06-30"),
            contract(3, "pending", "2026-12-05"),
        ],
        &mut seq,
    );
    let mut app = app_over(Box::new(fx.source()), support::options(), 120, 30);
    let effects = press(&mut app, "R");
    let source = fx.source();
    use crm::tui::data::DataSource;
    for e in effects {
        if let crm::tui::Effect::Reminders { request, query } = e {
            let reminders = Box::new(source.reminders(&query).unwrap());
            app.update(crm::tui::Action::Reminded { request, reminders });
        }
    }
    let shown = screen(&app);
    assert!(shown.contains("1 to renew"), "{shown}");
    assert!(shown.contains("K-000011"), "{shown}");
    assert!(shown.contains("ends 2026-12-10"), "{shown}");
    assert!(
        !shown.contains("K-000012") && !shown.contains("K-000013"),
        "{shown}"
    );
}

#[test]
fn a_contracts_view_submits_it_for_approval_with_a() {
    let fx = Fixture::load();
    let customer = fixture_id(Entity::Customers, "name", "华为技术有限公司");
    let draft = stored(
        Entity::Contracts,
        "0000000c-0000-7000-8000-000000000021",
        json!({"name": "新签合同", "customer_id": customer, "owner_id": LI, "amount": 500_000}),
        json!({"number": "K-000021", "status": "draft"}),
    );
    let mut seq = 1_000_000;
    apply_records(&fx.replica(), Entity::Contracts, vec![draft], &mut seq);
    let mut app = app_over(Box::new(fx.source()), support::options(), 120, 30);
    press(&mut app, ":");
    type_text(&mut app, "open K-000021");
    press(&mut app, "<Enter>");
    assert!(screen(&app).contains("新签合同"), "{}", screen(&app));
    press(&mut app, "A");
    assert_eq!(app.dialog_name(), Some("prompt"));
    type_text(&mut app, "请王经理审批");
    press(&mut app, "<Enter>");
    let written = fx.last_written();
    assert_eq!(written.entity, Entity::Approvals);
    assert_eq!(
        written.fields["contract_id"],
        "0000000c-0000-7000-8000-000000000021"
    );
    assert_eq!(written.fields["note"], "请王经理审批");
    assert!(
        screen(&app).contains("Submitted for approval"),
        "{}",
        screen(&app)
    );
}
