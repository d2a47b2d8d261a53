//! The demo's sales records (competitors in deals, quotes, orders, stock, payments,
//! approvals) went through the rules.

use super::*;

#[test]
fn competitors_in_deals_fit_the_deal() {
    let (_dir, db) = open();
    let report = demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let entries = all(db.as_ref(), &admin, Entity::OpportunityCompetitors);
    assert_eq!(entries.len(), report.rivals);
    assert!(report.rivals > 20, "{}", report.rivals);
    let by_id = |entity| -> std::collections::HashMap<String, Record> {
        all(db.as_ref(), &admin, entity)
            .into_iter()
            .map(|r| (r["id"].as_str().unwrap().to_string(), r))
            .collect()
    };
    let deals = by_id(Entity::Opportunities);
    let stages = by_id(Entity::Stages);
    let rivals = by_id(Entity::Competitors);
    let products = by_id(Entity::CompetitorProducts);
    let mut pairs = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for e in &entries {
        let deal = &deals[e["opportunity_id"].as_str().unwrap()];
        let rival = &rivals[e["competitor_id"].as_str().unwrap()];
        assert!(
            pairs.insert((deal["id"].to_string(), rival["id"].to_string())),
            "a competitor twice in one deal"
        );
        // Chinese deals (in CNY) meet the competitors of Chinese customers.
        let zh = deal["currency"] == json!("CNY");
        let zh_rival = WORDS
            .competitors
            .iter()
            .find(|c| json!(c.name) == rival["name"])
            .unwrap()
            .zh;
        assert_eq!(zh, zh_rival, "{e:?}");
        if let Some(product) = e["product_id"].as_str() {
            assert_eq!(products[product]["competitor_id"], rival["id"]);
        }
        let kind = &stages[deal["stage_id"].as_str().unwrap()]["kind"];
        let status = e["status"].as_str().unwrap();
        match kind.as_str().unwrap() {
            "won" => assert_eq!(status, "beaten"),
            "lost" => assert!(matches!(status, "chosen" | "dropped")),
            _ => assert!(matches!(status, "competing" | "dropped")),
        }
        statuses.insert(status.to_string());
    }
    assert!(statuses.len() >= 3, "{statuses:?}");
}

/// The sales demo went through the rules: every quote status is there, a revision supersedes a
/// rejected quote, totals are the sums of the lines, deals with lines are worth their lines,
/// and quotes stay a fraction of the deals.
#[test]
fn seeded_quotes_follow_the_rules() {
    let (_dir, db) = open();
    let report = demo(db.as_ref(), 400).unwrap();
    let admin = crate::system_actor();
    let quotes = all(db.as_ref(), &admin, Entity::Quotes);
    assert_eq!(quotes.len(), report.quotes);
    assert!(report.quotes <= (report.opportunities / 10).max(12) + report.quotes / 7 + 1);
    for status in crate::schema::QUOTE_STATUSES {
        assert!(
            quotes.iter().any(|q| q["status"] == *status),
            "no {status} quote among {:?}",
            quotes
                .iter()
                .map(|q| (q["status"].clone(), q["revision"].clone()))
                .collect::<Vec<_>>()
        );
    }
    assert!(
        quotes
            .iter()
            .any(|q| q["revision"] == 2 && q["supersedes"].is_string())
    );
    assert!(report.products > 0 && report.prices > 0 && report.opportunity_lines > 0);
    store::read(db.as_ref(), |tx| {
        for q in &quotes {
            let t = service::quote_totals(tx, q["id"].as_str().unwrap())?;
            assert_eq!(q["subtotal"], json!(t.subtotal), "{}", q["number"]);
            assert_eq!(q["total"], json!(t.total), "{}", q["number"]);
            assert!(t.total > 0, "{} has no lines", q["number"]);
        }
        for line in all(db.as_ref(), &admin, Entity::OpportunityLines) {
            let deal = line["opportunity_id"].as_str().unwrap();
            let stored = tx.get(Entity::Opportunities, deal)?.unwrap().record;
            assert_eq!(
                stored["amount"],
                json!(service::opportunity_amount(tx, deal)?.unwrap())
            );
        }
        Ok::<_, ApiError>(())
    })
    .unwrap();
}

/// The orders demo went through the rules: every order status, totals the sums of the lines,
/// stock reserved exactly by the confirmed orders' undelivered stock lines, one low item, and
/// overdue instalments in every aging bucket (read by the SQL aging read).
#[test]
fn seeded_orders_stock_and_payments_follow_the_rules() {
    let (_dir, db) = open();
    let report = demo(db.as_ref(), 400).unwrap();
    let admin = crate::system_actor();
    let orders = all(db.as_ref(), &admin, Entity::Orders);
    assert_eq!(orders.len(), report.orders);
    for status in crate::schema::ORDER_STATUSES {
        assert!(
            orders.iter().any(|o| o["status"] == *status),
            "no {status} order"
        );
    }
    assert!(orders.iter().any(|o| o["quote_id"].is_string()));
    // About two past orders a customer, each numbered once, each line's product in the catalogue.
    assert!(report.orders >= 400 * 3 / 2, "{} orders", report.orders);
    let numbers: std::collections::BTreeSet<&str> = orders
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), orders.len());
    assert!(
        numbers
            .iter()
            .all(|n| crate::rules::numbers::Number::parse(n).is_some())
    );
    let levels = all(db.as_ref(), &admin, Entity::StockLevels);
    assert_eq!(levels.iter().filter(|l| l["low"] == json!(true)).count(), 1);
    let lines = all(db.as_ref(), &admin, Entity::OrderLines);
    let products = all(db.as_ref(), &admin, Entity::Products);
    assert!(
        lines
            .iter()
            .all(|l| products.iter().any(|p| p["id"] == l["product_id"])),
        "a line names a product the catalogue lacks"
    );
    store::read(db.as_ref(), |tx| {
        for o in &orders {
            let t = service::order_totals(tx, o["id"].as_str().unwrap())?;
            assert_eq!(o["total"], json!(t.total), "{}", o["number"]);
        }
        for level in &levels {
            let reserved: i64 = lines
                .iter()
                .filter(|l| l["product_id"] == level["product_id"])
                .filter(|l| {
                    let order = orders.iter().find(|o| o["id"] == l["order_id"]).unwrap();
                    crate::rules::orders::reserves(order["status"].as_str().unwrap())
                        && order["warehouse_id"] == level["warehouse_id"]
                })
                .filter(|l| {
                    products
                        .iter()
                        .any(|p| p["id"] == l["product_id"] && p["kind"] == "stock")
                })
                .map(|l| {
                    l["quantity"].as_i64().unwrap() - l["delivered_quantity"].as_i64().unwrap()
                })
                .sum();
            assert_eq!(level["reserved"], json!(reserved));
        }
        let today = chrono::Utc::now().date_naive().to_string();
        let aging = tx.aging(&today, None, None)?;
        assert!(aging.buckets.iter().all(|b| *b > 0), "{aging:?}");
        assert!(aging.not_due > 0);
        Ok::<_, ApiError>(())
    })
    .unwrap();
    assert!(report.payments > 0 && report.instalments >= report.payment_plans * 3);
}

#[test]
fn seeded_approvals_show_every_state_and_wait_for_someone_else() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let contracts = all(db.as_ref(), &admin, Entity::Contracts);
    for status in crate::schema::SUBJECT_STATUSES {
        assert!(
            contracts.iter().any(|c| c["status"] == *status),
            "no {status} contract"
        );
    }
    let approvals = all(db.as_ref(), &admin, Entity::Approvals);
    for kind in crate::schema::APPROVAL_KINDS {
        assert!(
            approvals
                .iter()
                .any(|a| a["kind"] == *kind && a["status"] == "pending"),
            "no pending {kind} approval"
        );
    }
    for a in &approvals {
        assert_ne!(a["approver_id"], a["submitted_by"], "{a:?}");
    }
    // The demo admin, whom `crm demo` signs in as, has something to approve.
    let demo_admin = actor(db.as_ref(), "demo");
    assert!(
        approvals
            .iter()
            .any(|a| a["approver_id"] == json!(demo_admin.id) && a["status"] == "pending")
    );
    assert!(!all(db.as_ref(), &admin, Entity::ExpenseClaims).is_empty());
    assert!(!all(db.as_ref(), &admin, Entity::Licences).is_empty());
}

#[test]
fn every_seller_and_sales_team_has_a_target_this_month_the_manager_reads_them() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    // A dealer's target (`seed/dealers.rs`) is checked with its orders.
    let targets: Vec<Record> = all(db.as_ref(), &admin, Entity::Targets)
        .into_iter()
        .filter(|t| t["customer_id"].is_null())
        .collect();
    let month = Utc::now().format("%Y-%m-01").to_string();
    let this_month: Vec<&Record> = targets.iter().filter(|t| t["month"] == month).collect();
    // wang, li, zhang, emma, and their three teams.
    assert_eq!(this_month.len(), 7, "{this_month:?}");
    assert!(this_month.iter().all(|t| t["amount"].as_i64() > Some(0)));
    // Ten months of each.
    assert_eq!(targets.len(), 70);
    // wang manages east: li's and his team's, not zhang's (north).
    let wang = actor(db.as_ref(), "wang");
    let li = actor(db.as_ref(), "li");
    let zhang = actor(db.as_ref(), "zhang");
    let seen = all(db.as_ref(), &wang, Entity::Targets);
    assert!(seen.iter().any(|t| t["user_id"] == json!(li.id)));
    assert!(!seen.iter().any(|t| t["user_id"] == json!(zhang.id)));
    assert!(seen.iter().any(|t| t["team_id"] == json!(wang.team_id)));
}

#[test]
fn dealers_have_orders_through_them_and_a_target_this_month() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let month = {
        let today = Utc::now().date_naive();
        NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap()
    };
    let prefix = &month.to_string()[..8];
    let orders = all(db.as_ref(), &admin, Entity::Orders);
    let targets: Vec<Record> = all(db.as_ref(), &admin, Entity::Targets)
        .into_iter()
        .filter(|t| t["customer_id"].is_string())
        .collect();
    assert!(targets.len() >= 3, "dealers' targets: {}", targets.len());
    let customers: HashMap<String, Record> = all(db.as_ref(), &admin, Entity::Customers)
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    for target in &targets {
        assert_eq!(target["month"], json!(month.to_string()));
        let dealer = target["customer_id"].as_str().unwrap();
        assert_eq!(customers[dealer]["category"], "dealer");
        let through: Vec<&Record> = orders
            .iter()
            .filter(|o| o["dealer_id"].as_str() == Some(dealer))
            .collect();
        assert!(through.len() >= 2, "{dealer}: {}", through.len());
        for o in &through {
            let buyer = &customers[o["customer_id"].as_str().unwrap()];
            assert_ne!(buyer["category"], "dealer");
            assert_eq!(o["owner_id"], customers[dealer]["owner_id"]);
        }
        // What the 360° line sums: sold this month, a real share of the target.
        let sold: i64 = through
            .iter()
            .filter(|o| {
                crate::rules::dealers::counts_as_sale(o["status"].as_str().unwrap())
                    && o["ordered_on"].as_str().unwrap().starts_with(prefix)
            })
            .map(|o| o["total"].as_i64().unwrap())
            .sum();
        assert!(sold > 0, "{dealer} sold nothing this month");
        let bp =
            crate::rules::dealers::attainment_bp(sold, target["amount"].as_i64().unwrap()).unwrap();
        // The demo's dealers sell 70 % to 200 % of their targets (some behind, some ahead).
        assert!((1_000..=20_000).contains(&bp), "{dealer}: {bp} bp");
    }
}
