//! The dashboard's figures against a known data set: records written through the real server,
//! synced into each user's replica, and every figure read back through `dashboard::figures`.
//! Two teams, so a manager's figures are seen to hold exactly their team's records and an
//! admin's both, by team. Dates are set from today, so nothing depends on the day it runs.

mod common;

use chrono::{Duration, NaiveDate, Utc};
use common::{TestServer, replica_for, sign_in};
use crm::dashboard::figures::{self, Figures, Limits, Scope};
use crm::dashboard::period::{Period, Span};
use crm::replica::Replica;
use crm::sync;
use crm::zone::Zone;
use crm_server::access::Role;
use crm_server::schema::Entity;
use serde_json::{Value, json};

struct World {
    server: TestServer,
    east: String,
    west: String,
    alice: String,
    carl: String,
    bob: String,
    dave: String,
    today: NaiveDate,
}

fn id(record: &serde_json::Map<String, Value>) -> String {
    record["id"].as_str().unwrap().to_string()
}

fn day(today: NaiveDate, days: i64) -> String {
    (today + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn stage_of(server: &TestServer, kind: &str) -> (String, i64) {
    let stages = server.all(Entity::Stages);
    let s = stages
        .iter()
        .filter(|s| s["kind"] == kind)
        .min_by_key(|s| s["position"].as_i64())
        .expect("a stage of the kind");
    (id(s), s["probability"].as_i64().unwrap_or(0))
}

/// East (manager bob; alice and carl sell) and west (dave sells): customers, deals, targets,
/// orders, tickets and activities with known amounts.
fn world() -> World {
    let server = TestServer::start();
    let east = server.add_team("east");
    let west = server.add_team("west");
    let alice = server.add_user("alice", "sales", Some(&east));
    let carl = server.add_user("carl", "sales", Some(&east));
    let bob = server.add_user("bob", "manager", Some(&east));
    let dave = server.add_user("dave", "sales", Some(&west));
    server.add_user("root", "admin", None);
    let today = Utc::now().date_naive();
    let customer = |name: &str, owner: &str| {
        id(&server.create_as_system(Entity::Customers, json!({"name": name, "owner_id": owner})))
    };
    let ca1 = customer("甲公司", &alice);
    let ca2 = customer("乙公司", &alice);
    let cc1 = customer("丙公司", &carl);
    let cd1 = customer("丁公司", &dave);
    let (won, _) = stage_of(&server, "won");
    let (lost, _) = stage_of(&server, "lost");
    let (open, _) = stage_of(&server, "open");
    let deal = |customer: &str, owner: &str, stage: &str, amount: i64, close: i64, p: i64| {
        server.create_as_system(
            Entity::Opportunities,
            json!({"name": "deal", "customer_id": customer, "owner_id": owner,
                   "stage_id": stage, "amount": amount, "probability": p,
                   "expected_close": day(today, close), "close_reason": "known"}),
        );
    };
    deal(&ca1, &alice, &won, 100_000, 10, 100);
    deal(&ca2, &alice, &won, 300_000, 20, 100);
    deal(&ca1, &alice, &lost, 999_000, 5, 0);
    deal(&ca2, &alice, &open, 200_000, 15, 50);
    // Beyond the period: in no period figure, in the forecast when within three months.
    deal(&ca2, &alice, &open, 1_000_000, 50, 10);
    deal(&cc1, &carl, &won, 50_000, 3, 100);
    deal(&cc1, &carl, &open, 400_000, 7, 25);
    deal(&cd1, &dave, &won, 9_999_000, 4, 100);

    let month = today.format("%Y-%m-01").to_string();
    let later = (today + Duration::days(200)).format("%Y-%m-01").to_string();
    let target = |body: Value| {
        server.create_as_system(Entity::Targets, body);
    };
    target(json!({"user_id": alice, "month": month, "amount": 1_000_000}));
    target(json!({"user_id": alice, "month": later, "amount": 77}));
    target(json!({"user_id": carl, "month": month, "amount": 500_000}));
    target(json!({"team_id": east, "month": month, "amount": 2_000_000}));
    target(json!({"user_id": dave, "month": month, "amount": 123_000}));

    // Orders of known totals (a service product, no tax): the pyramid and "no business".
    let product = id(&server.create_as_system(
        Entity::Products,
        json!({"code": "SVC", "name": "服务", "kind": "service", "list_price": 1_000, "tax_rate_bp": 0}),
    ));
    for (customer, owner, quantity) in [
        (&ca1, &alice, 500),
        (&ca2, &alice, 300),
        (&cc1, &carl, 200),
        (&cd1, &dave, 100),
    ] {
        let order = id(&server.create_as_system(
            Entity::Orders,
            json!({"customer_id": customer, "owner_id": owner}),
        ));
        server.create_as_system(
            Entity::OrderLines,
            json!({"order_id": order, "product_id": product, "quantity": quantity}),
        );
    }

    // Tickets: one resolved and rated 4 for east, one open and high; one resolved and rated 1
    // for west.
    let ticket = |customer: &str, priority: &str| {
        id(&server.create_as_system(
            Entity::Tickets,
            json!({"subject": "问题", "customer_id": customer, "priority": priority}),
        ))
    };
    let t1 = ticket(&ca1, "normal");
    ticket(&cc1, "high");
    let t3 = ticket(&cd1, "normal");
    // The score comes from the return visit a closed ticket gets, as the customer answers it.
    let survey = id(&server.create_as_system(
        Entity::Surveys,
        json!({"title_en": "After service", "title_zh": "服务回访", "after_ticket_close": true}),
    ));
    let scale = id(&server.create_as_system(
        Entity::SurveyQuestions,
        json!({"survey_id": survey, "position": 1, "kind": "scale", "text_en": "Satisfied?",
               "text_zh": "满意吗？", "required": true, "satisfaction": true}),
    ));
    for (t, score) in [(&t1, 4), (&t3, 1)] {
        server.update_as_system(
            Entity::Tickets,
            t,
            json!({"status": "resolved", "resolution": "done"}),
        );
        server.update_as_system(Entity::Tickets, t, json!({"status": "closed"}));
        let visit = server
            .all(Entity::ReturnVisits)
            .into_iter()
            .find(|v| v.get("ticket_id") == Some(&json!(t)))
            .expect("the closed ticket's return visit");
        server.update_as_system(
            Entity::ReturnVisits,
            &id(&visit),
            json!({"status": "done", "answers": {scale.clone(): score}}),
        );
    }

    // Visits, calls and meetings an hour ago.
    let started = crm_server::validate::format_time(Utc::now() - Duration::hours(1));
    for (owner, customer, kind, n) in [
        (&alice, &ca1, "call", 2),
        (&alice, &ca1, "visit", 1),
        (&carl, &cc1, "meeting", 1),
        (&dave, &cd1, "call", 5),
    ] {
        for _ in 0..n {
            server.create_as_system(
                Entity::Activities,
                json!({"kind": kind, "subject": kind, "owner_id": owner, "customer_id": customer,
                       "starts_at": started, "done": true}),
            );
        }
    }
    World {
        server,
        east,
        west,
        alice,
        carl,
        bob,
        dave,
        today,
    }
}

async fn figures_of(w: &World, username: &str, scope: Scope) -> Figures {
    let client = sign_in(&w.server, username).await;
    let (_, replica): (_, Replica) = replica_for(&w.server, &client, username).await;
    sync::pull(&replica, &client, |_| {}).await.expect("pull");
    // Five days back, forty days long: today and every date set above lie within it.
    let period = Period::holding(Span::Days(40), w.today - Duration::days(5));
    figures::compute(
        &replica,
        &scope,
        period,
        &Zone::UTC,
        Utc::now(),
        Limits::default(),
    )
    .expect("figures")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_salespersons_figures_are_their_own() {
    let w = world();
    let scope = Scope {
        me: w.alice.clone(),
        role: Role::Sales,
        team: Some(w.east.clone()),
    };
    let f = figures_of(&w, "alice", scope).await;
    assert_eq!(f.sales.len(), 1, "{:?}", f.sales);
    let s = &f.sales[0];
    assert_eq!(s.group, w.alice);
    assert_eq!((s.won, s.won_count, s.lost_count), (400_000, 2, 1));
    assert_eq!(s.target, 1_000_000, "this month's target only");
    assert_eq!(s.win_rate().map(|r| r.round()), Some(67.0));
    assert_eq!(s.average_deal(), Some(200_000));
    assert_eq!(s.average_days(), Some(15.0));
    // Open and closing in the period: 200,000 at 50 %; the 1,000,000 closes after it.
    assert_eq!(s.open_weighted, 100_000);
    assert_eq!(s.coverage(), Some(100_000.0 / 600_000.0));
    assert_eq!(s.attainment(), Some(40.0));
    // This month's, next month's and the one after's weighted open amounts.
    let months = f.forecast[0].months;
    assert_eq!(f.forecast[0].quarter(), 100_000 + 100_000);
    let month_of = |days: i64| {
        use chrono::Datelike;
        let d = w.today + Duration::days(days);
        (d.year() - w.today.year()) * 12 + d.month() as i32 - w.today.month() as i32
    };
    let mut expected = [0; 3];
    for (days, weighted) in [(15, 100_000), (50, 100_000)] {
        expected[month_of(days) as usize] += weighted;
    }
    assert_eq!(months, expected);

    let c = &f.customers[0];
    assert_eq!((c.total, c.new), (2, 2));
    // Both ordered today; only 甲公司 was called or visited.
    assert_eq!((c.no_business, c.not_contacted), (0, 1));
    let tiers: Vec<(i64, i64)> = f.pyramid.iter().map(|t| (t.customers, t.revenue)).collect();
    assert_eq!(tiers, vec![(1, 500_000), (0, 0), (0, 0), (1, 300_000)]);

    assert_eq!(f.service.resolved, 1);
    assert_eq!(f.service.satisfaction, Some(4.0));
    assert_eq!(f.service.sla_compliance(), Some(100.0));
    let open_total: i64 = f.service.open.iter().flatten().sum();
    assert_eq!(open_total, 0, "carl's ticket is not alice's");
    assert_eq!(f.service.calls, vec![("-".to_string(), 2)]);
    let a = &f.activity[0];
    assert_eq!((a.visits, a.calls, a.meetings), (1, 2, 0));
    assert_eq!(f.activity_weeks.iter().sum::<i64>(), 3);
    assert_eq!(f.activity_weeks.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_figures_hold_exactly_their_teams_records_by_member() {
    let w = world();
    let scope = Scope {
        me: w.bob.clone(),
        role: Role::Manager,
        team: Some(w.east.clone()),
    };
    let f = figures_of(&w, "bob", scope).await;
    let people: Vec<&str> = f.sales.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(
        people,
        vec![w.alice.as_str(), w.carl.as_str()],
        "{:?}",
        f.sales
    );
    let total = f.sales_total();
    // Dave's 9,999,000 is west's, never in east's figures.
    assert_eq!(
        (total.won, total.won_count, total.lost_count),
        (450_000, 3, 1)
    );
    assert_eq!(
        total.target, 2_000_000,
        "the team's own target stands for the team"
    );
    assert_eq!(f.team_target, Some(2_000_000));
    assert_eq!(f.sales[1].target, 500_000);
    assert_eq!(total.open_weighted, 200_000);
    let customers: i64 = f.customers.iter().map(|c| c.total).sum();
    assert_eq!(customers, 3);
    assert_eq!(f.revenue(), 1_000_000);
    let tiers: Vec<(i64, i64)> = f.pyramid.iter().map(|t| (t.customers, t.revenue)).collect();
    assert_eq!(tiers, vec![(1, 500_000), (0, 0), (0, 0), (2, 500_000)]);
    // Conversion among east's deals closing in the period: 3 won, 1 lost, 2 open in the first
    // open stage.
    let first = &f.conversion[0];
    assert_eq!(first.reached, 6, "{:?}", f.conversion);
    let won = f.conversion.last().unwrap();
    assert_eq!((won.stage.as_str(), won.reached), ("won", 3));
    assert_eq!(f.conversion[1].rate, Some(50.0));
    assert_eq!(f.service.resolved, 1);
    assert_eq!(f.service.satisfaction, Some(4.0));
    let high = crm_server::schema::PRIORITIES
        .iter()
        .position(|p| *p == "high")
        .unwrap();
    assert_eq!(f.service.open[high], [1, 0, 0, 0]);
    let calls: i64 = f.activity.iter().map(|a| a.calls).sum();
    assert_eq!(calls, 2, "dave's five calls are west's");
    assert_eq!(f.activity.iter().map(|a| a.meetings).sum::<i64>(), 1);
    // Nothing ages yet: every deal changed just now.
    assert!(f.ageing.iter().all(|(_, n)| *n == 0), "{:?}", f.ageing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_figures_are_everyones_by_team() {
    let w = world();
    let root = w.server.all(Entity::Users);
    let root = root
        .iter()
        .find(|u| u["username"] == "root")
        .map(id)
        .unwrap();
    let scope = Scope {
        me: root,
        role: Role::Admin,
        team: None,
    };
    let f = figures_of(&w, "root", scope).await;
    let rows: Vec<(&str, i64, i64)> = f
        .sales
        .iter()
        .map(|r| (r.group.as_str(), r.won, r.target))
        .collect();
    assert_eq!(
        rows,
        vec![
            (w.east.as_str(), 450_000, 2_000_000),
            (w.west.as_str(), 9_999_000, 123_000),
        ]
    );
    assert_eq!(f.sales[0].label, "east");
    assert_eq!(f.sales_total().won, 10_449_000);
    assert_eq!(f.revenue(), 1_100_000);
    assert_eq!(f.service.resolved, 2);
    assert_eq!(f.service.satisfaction, Some(2.5));
    assert_eq!(f.service.calls, vec![("-".to_string(), 7)]);
    let _ = (&w.dave, &w.carl);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_unchanged_past_the_limit_age_in_their_stage() {
    let w = world();
    let scope = Scope {
        me: w.bob.clone(),
        role: Role::Manager,
        team: Some(w.east.clone()),
    };
    let client = sign_in(&w.server, "bob").await;
    let (_, replica) = replica_for(&w.server, &client, "bob").await;
    sync::pull(&replica, &client, |_| {}).await.expect("pull");
    let period = Period::holding(Span::Days(40), w.today - Duration::days(5));
    // Seen from 31 days ahead, every open deal of east (three) has waited past 30 days.
    let later = Utc::now() + Duration::days(31);
    let f = figures::compute(
        &replica,
        &scope,
        period,
        &Zone::UTC,
        later,
        Limits::default(),
    )
    .expect("figures");
    let aged: i64 = f.ageing.iter().map(|(_, n)| n).sum();
    assert_eq!(aged, 3, "{:?}", f.ageing);
}
