//! Approvals, one mechanism for contracts, expense claims and over-limit quote discounts;
//! contracts, expense claims and licences; against the real server over HTTP (SQLite, and
//! PostgreSQL when CRM_TEST_PG names one).

mod common;

use common::{Client, TestServer, id_of};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    admin: Client,
    manager: Client,
    alice: Client,
    bob: Client,
    agent: Client,
}

fn world() -> World {
    let server = TestServer::start();
    let north = server.add_team("north");
    let south = server.add_team("south");
    World {
        admin: server.user("root", "admin", None),
        manager: server.user("nina", "manager", Some(&north)),
        alice: server.user("alice", "sales", Some(&north)),
        bob: server.user("bob", "sales", Some(&south)),
        agent: server.user("ada", "agent", None),
        server,
    }
}

fn contract(client: &Client, customer: &str, amount: i64) -> Value {
    client.create(
        "/contracts",
        json!({"name": "年度供货合同", "customer_id": customer, "amount": amount,
               "format": "standard", "contract_type": "sales",
               "payment_terms": "30% 预付, 70% 验收后 30 天", "standards": "GB/T 19001",
               "key_clauses": "违约金 5%", "remarks": "首年",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    )
}

fn submit(client: &Client, link: &str, id: &str) -> (u16, Value) {
    client.post("/approvals", json!({link: id, "note": "please approve"}))
}

fn actions(trail: &Value) -> Vec<String> {
    trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_contract_goes_to_the_owners_manager_is_locked_while_pending_and_every_step_is_audited() {
    let w = world();
    let customer = id_of(&w.alice.create("/customers", json!({"name": "甲公司"})));
    let k = contract(&w.alice, &customer, 500_000);
    let id = id_of(&k);
    let number = k["number"].as_str().unwrap();
    assert!(
        number.starts_with("K-") && number.len() == 8,
        "a contract number: {number}"
    );
    assert_eq!(k["status"], "draft");
    // The status is the approval's, never sent.
    let path = format!("/contracts/{id}");
    assert_eq!(w.alice.patch(&path, json!({"status": "approved"})).0, 422);

    let (status, approval) = submit(&w.alice, "contract_id", &id);
    assert_eq!(status, 201, "{approval}");
    assert_eq!(approval["approver_id"], json!(w.manager.id()));
    assert_eq!(approval["submitted_by"], json!(w.alice.id()));
    assert_eq!(approval["kind"], "contract");
    assert_eq!(approval["amount"], 500_000);
    assert!(approval["subject"].as_str().unwrap().contains(number));
    let (_, k) = w.alice.get(&path);
    assert_eq!(k["status"], "pending");

    // Locked while pending: edits and deletion 409 saying why; a second submission too.
    let (status, body) = w.alice.patch(&path, json!({"amount": 1}));
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("waiting for approval"),
        "{body}"
    );
    assert_eq!(w.manager.patch(&path, json!({"remarks": "x"})).0, 409);
    assert_eq!(w.alice.delete(&path).0, 409);
    assert_eq!(submit(&w.alice, "contract_id", &id).0, 409);

    // The manager's inbox holds it; the submitter may not decide it.
    let inbox = w.manager.list_all(
        "/approvals",
        &format!("approver_id={}&status=pending", w.manager.id()),
        50,
    );
    assert_eq!(inbox.len(), 1);
    let approval_path = format!("/approvals/{}", id_of(&approval));
    assert_eq!(
        w.alice
            .patch(&approval_path, json!({"status": "approved"}))
            .0,
        403
    );
    // A decision changes nothing else of the approval.
    assert_eq!(
        w.manager
            .patch(
                &approval_path,
                json!({"status": "approved", "note": "mine"})
            )
            .0,
        422
    );
    let (status, decided) = w.manager.patch(
        &approval_path,
        json!({"status": "approved", "comment": "条款可以"}),
    );
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["decided_by"], json!(w.manager.id()));
    assert!(decided["decided_at"].is_string());
    let (_, k) = w.alice.get(&path);
    assert_eq!(k["status"], "approved");
    // Approved is final: no edit, no second decision.
    assert_eq!(w.alice.patch(&path, json!({"amount": 1})).0, 409);
    assert_eq!(
        w.manager
            .patch(
                &approval_path,
                json!({"status": "rejected", "comment": "no"})
            )
            .0,
        409
    );
    assert_eq!(w.manager.delete(&approval_path).0, 409);

    let (status, trail) = w.admin.get(&format!("/audit/contracts/{id}"));
    assert_eq!(status, 200, "{trail}");
    let steps = actions(&trail);
    for step in ["create", "submit", "approve"] {
        assert!(steps.iter().any(|s| s == step), "{step} in {steps:?}");
    }
    let approve = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "approve")
        .unwrap();
    assert_eq!(approve["actor_id"], json!(w.manager.id()));
    assert_eq!(approve["changes"]["comment"], "条款可以");
}

#[test]
fn an_approver_cannot_approve_their_own_submission() {
    let w = world();
    let second_admin = w.server.user("root2", "admin", None);
    let customer = id_of(&w.admin.create("/customers", json!({"name": "乙公司"})));
    let k = id_of(&contract(&w.admin, &customer, 100));
    // The admin's own contract goes to another admin, never back to them.
    let (status, approval) = submit(&w.admin, "contract_id", &k);
    assert_eq!(status, 201, "{approval}");
    assert_eq!(approval["approver_id"], json!(second_admin.id()));
    let path = format!("/approvals/{}", id_of(&approval));
    // Admins may decide what waits for others, but not their own submission.
    let (status, body) = w.admin.patch(&path, json!({"status": "approved"}));
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("your own"), "{body}");
    let (_, k_now) = w.admin.get(&format!("/contracts/{k}"));
    assert_eq!(k_now["status"], "pending");
    assert_eq!(
        second_admin.patch(&path, json!({"status": "approved"})).0,
        200
    );

    // A manager's own claim goes to an admin; the manager may not approve it either.
    let claim = id_of(&w.manager.create(
        "/expense_claims",
        json!({"subject": "出差", "spent_on": "2026-03-02", "amount": 8_800, "category": "travel"}),
    ));
    let (_, approval) = submit(&w.manager, "expense_claim_id", &claim);
    assert_eq!(approval["approver_id"], json!(w.admin.id()));
    assert_eq!(
        w.manager
            .patch(
                &format!("/approvals/{}", id_of(&approval)),
                json!({"status": "approved"})
            )
            .0,
        403
    );
}

#[test]
fn above_the_admins_amount_an_admin_approves_and_rejections_say_why() {
    let w = world();
    // Only an admin sets the amount.
    assert_eq!(
        w.manager
            .post(
                "/approval_settings",
                json!({"kind": "contract", "admin_above": 1_000_000})
            )
            .0,
        403
    );
    w.admin.create(
        "/approval_settings",
        json!({"kind": "contract", "admin_above": 1_000_000}),
    );
    assert_eq!(
        w.admin
            .post(
                "/approval_settings",
                json!({"kind": "contract", "admin_above": 5})
            )
            .0,
        409,
        "one setting per kind"
    );
    let customer = id_of(&w.alice.create("/customers", json!({"name": "丙公司"})));
    let small = id_of(&contract(&w.alice, &customer, 1_000_000));
    let big = id_of(&contract(&w.alice, &customer, 1_000_001));
    let (_, a_small) = submit(&w.alice, "contract_id", &small);
    let (_, a_big) = submit(&w.alice, "contract_id", &big);
    assert_eq!(a_small["approver_id"], json!(w.manager.id()));
    assert_eq!(a_big["approver_id"], json!(w.admin.id()));
    // The manager may not decide what went to an admin.
    let big_path = format!("/approvals/{}", id_of(&a_big));
    assert_eq!(
        w.manager.patch(&big_path, json!({"status": "approved"})).0,
        403
    );
    // A rejection needs a comment; the rejected contract is corrected and submitted again.
    let small_path = format!("/approvals/{}", id_of(&a_small));
    let (status, body) = w.manager.patch(&small_path, json!({"status": "rejected"}));
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        w.manager
            .patch(
                &small_path,
                json!({"status": "rejected", "comment": "付款条件太松"})
            )
            .0,
        200
    );
    let contract_path = format!("/contracts/{small}");
    let (_, k) = w.alice.get(&contract_path);
    assert_eq!(k["status"], "rejected");
    assert_eq!(
        w.alice
            .patch(&contract_path, json!({"payment_terms": "50% 预付"}))
            .0,
        200
    );
    let (status, again) = submit(&w.alice, "contract_id", &small);
    assert_eq!(status, 201, "{again}");
    // Withdrawn by its submitter (nobody else), the contract is a draft again.
    let again_path = format!("/approvals/{}", id_of(&again));
    assert_eq!(
        w.manager
            .patch(&again_path, json!({"status": "withdrawn"}))
            .0,
        403
    );
    assert_eq!(
        w.alice.patch(&again_path, json!({"status": "withdrawn"})).0,
        200
    );
    let (_, k) = w.alice.get(&contract_path);
    assert_eq!(k["status"], "draft");
}

#[test]
fn an_over_limit_quote_is_sent_only_once_approved() {
    let w = world();
    let p = id_of(&w.manager.create(
        "/products",
        json!({"code": "W-1", "name": "产品", "list_price": 10_000}),
    ));
    let customer = id_of(&w.alice.create("/customers", json!({"name": "丁公司"})));
    let quote = id_of(&w.alice.create("/quotes", json!({"customer_id": customer})));
    let line = id_of(&w.alice.create(
        "/quote_lines",
        json!({"quote_id": quote, "product_id": p, "discount_bp": 2_000}),
    ));
    let path = format!("/quotes/{quote}");
    let line_path = format!("/quote_lines/{line}");
    // Above the sales limit (10 %): sending is refused, submitting is the way.
    let (status, body) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("approval"), "{body}");
    let (status, approval) = submit(&w.alice, "quote_id", &quote);
    assert_eq!(status, 201, "{approval}");
    assert_eq!(approval["kind"], "discount");
    assert_eq!(approval["discount_bp"], 2_000);
    assert_eq!(approval["approver_id"], json!(w.manager.id()));
    // Locked while pending: no line edits, no send.
    assert_eq!(
        w.alice.patch(&line_path, json!({"discount_bp": 5_000})).0,
        409
    );
    assert_eq!(w.alice.patch(&path, json!({"subject": "x"})).0, 409);
    assert_eq!(w.alice.patch(&path, json!({"status": "sent"})).0, 409);
    // The submitter cannot approve it through the API either.
    let approval_path = format!("/approvals/{}", id_of(&approval));
    assert_eq!(
        w.alice
            .patch(&approval_path, json!({"status": "approved"}))
            .0,
        403
    );
    w.manager.patch(
        &approval_path,
        json!({"status": "approved", "comment": "ok"}),
    );
    // Approved: a larger discount than approved is refused again; the approved one is sent.
    assert_eq!(
        w.alice.patch(&line_path, json!({"discount_bp": 2_500})).0,
        200
    );
    assert_eq!(w.alice.patch(&path, json!({"status": "sent"})).0, 403);
    w.alice.patch(&line_path, json!({"discount_bp": 2_000}));
    let (status, sent) = w.alice.patch(&path, json!({"status": "sent"}));
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["status"], "sent");

    // A quote within the limit needs no approval: submitting it is refused.
    let plain = id_of(&w.alice.create("/quotes", json!({"customer_id": customer})));
    w.alice.create(
        "/quote_lines",
        json!({"quote_id": plain, "product_id": p, "discount_bp": 500}),
    );
    let (status, body) = submit(&w.alice, "quote_id", &plain);
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("within your limit"), "{body}");
}

#[test]
fn expense_claims_and_approvals_are_seen_only_by_the_claimant_their_managers_and_admins() {
    let w = world();
    let claim = id_of(&w.alice.create(
        "/expense_claims",
        json!({"subject": "客户晚宴", "spent_on": "2026-03-01", "amount": 123_456,
               "category": "entertainment", "receipt_note": "发票 No. 123"}),
    ));
    let path = format!("/expense_claims/{claim}");
    assert_eq!(w.alice.get(&path).0, 200);
    assert_eq!(w.manager.get(&path).0, 200);
    assert_eq!(w.admin.get(&path).0, 200);
    assert_eq!(w.bob.get(&path).0, 404);
    assert_eq!(w.agent.get(&path).0, 404);
    // Bob may not submit what he cannot see.
    assert_eq!(submit(&w.bob, "expense_claim_id", &claim).0, 403);
    // An approval links exactly one record.
    assert_eq!(w.alice.post("/approvals", json!({"note": "?"})).0, 422);
    let (_, approval) = submit(&w.alice, "expense_claim_id", &claim);
    let approval_id = id_of(&approval);
    assert!(w.bob.list_all("/approvals", "", 50).is_empty());
    assert!(w.agent.list_all("/approvals", "", 50).is_empty());
    assert_eq!(w.manager.list_all("/approvals", "", 50).len(), 1);
    let (changes, _) = w.bob.feed(0, 500);
    assert!(
        changes
            .iter()
            .all(|c| c["entity"] != "approvals" && c["entity"] != "expense_claims"),
        "bob's feed carries alice's claim"
    );
    w.manager.patch(
        &format!("/approvals/{approval_id}"),
        json!({"status": "approved"}),
    );
    let (_, c) = w.alice.get(&path);
    assert_eq!(c["status"], "approved");
}

#[test]
fn licences_are_unique_and_seen_with_their_customer() {
    let w = world();
    let p = id_of(&w.manager.create(
        "/products",
        json!({"code": "SW-1", "name": "软件", "kind": "licence", "list_price": 10_000}),
    ));
    let customer = id_of(&w.alice.create("/customers", json!({"name": "戊公司"})));
    let licence = json!({"licence_number": "LIC-2026-0001", "customer_id": customer,
                         "product_id": p, "seats": 25, "starts_on": "2026-01-01",
                         "ends_on": "2026-12-31"});
    let l = id_of(&w.alice.create("/licences", licence.clone()));
    assert_eq!(w.alice.post("/licences", licence).0, 409);
    assert_eq!(
        w.alice
            .post(
                "/licences",
                json!({"licence_number": "LIC-2", "customer_id": customer, "product_id": p,
                       "starts_on": "2026-02-01", "ends_on": "2026-01-01"})
            )
            .0,
        422
    );
    let path = format!("/licences/{l}");
    // The call centre reads a caller's licence but does not write one; other teams see nothing.
    assert_eq!(w.agent.get(&path).0, 200);
    assert_eq!(w.agent.patch(&path, json!({"seats": 1})).0, 403);
    assert_eq!(w.bob.get(&path).0, 404);
    assert_eq!(
        w.alice
            .list_all("/licences", &format!("customer_id={customer}"), 50)
            .len(),
        1
    );
}

#[test]
fn a_contract_is_paid_by_a_plan_that_takes_its_customer_and_number() {
    let w = world();
    let customer = id_of(&w.alice.create("/customers", json!({"name": "乙公司"})));
    let k = contract(&w.alice, &customer, 1_000_000);
    let plan = w
        .alice
        .create("/payment_plans", json!({"contract_id": id_of(&k)}));
    assert_eq!(plan["customer_id"], json!(customer));
    assert_eq!(
        plan["name"],
        json!(format!("{} payments", k["number"].as_str().unwrap()))
    );
    // A plan stays with its contract, and names only a contract that exists.
    let (status, body) = w.alice.patch(
        &format!("/payment_plans/{}", id_of(&plan)),
        json!({"contract_id": null}),
    );
    assert_eq!(status, 422, "{body}");
    let (status, body) = w.alice.post(
        "/payment_plans",
        json!({"contract_id": "0190a0b0-0000-7000-8000-000000000000"}),
    );
    assert_eq!(status, 422, "{body}");
}
