use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use super::generator::*;
use super::setup::*;
use super::users::*;
use super::words::WORDS;
use super::*;
use crate::access::Actor;
use crate::access::{self, Lookup, Role};
use crate::rules::business_time::Calendar;
use crate::rules::{numbers, reasons, sla};
use crate::schema::{Access, Kind};
use crate::schema::{Entity, SYSTEM_FIELDS};
use crate::service;
use crate::store::{ListQuery, Record, Tx};
use crate::validate::Mode;
use crate::validate::{self, format_time};

fn open() -> (tempfile::TempDir, Arc<dyn Database>) {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::open_sqlite(&dir.path().join("seed.db")).unwrap();
    (dir, db)
}

fn all(db: &dyn Database, actor: &Actor, entity: Entity) -> Vec<Record> {
    store::read(db, |tx| {
        let query = ListQuery {
            sort: "created_at",
            limit: 1_000_000,
            ..ListQuery::default()
        };
        service::list(tx, actor, entity, &query)
    })
    .unwrap()
}

fn actor(db: &dyn Database, username: &str) -> Actor {
    store::read(db, |tx| {
        Ok::<_, ApiError>(tx.credentials(username)?.unwrap().actor)
    })
    .unwrap()
}

fn ids(records: &[Record]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn by_code(db: &dyn Database) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> =
        all(db, &crate::system_actor(), Entity::Customers)
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().into(),
                    c["name"].as_str().unwrap().into(),
                    c["id"].as_str().unwrap().into(),
                )
            })
            .collect();
    rows.sort();
    rows
}

#[test]
fn the_user_table_matches_the_indices_the_generator_uses() {
    let names: Vec<&str> = DEMO_USERS.iter().map(|u| u.username).collect();
    assert_eq!(
        names,
        ["demo", "wang", "li", "zhang", "emma", "chen", "liu"]
    );
    assert_eq!(DEMO_USERS[DEMO].role, Role::Admin);
    assert!(SALES.iter().all(|&u| DEMO_USERS[u].role == Role::Sales));
    assert!(AGENTS.iter().all(|&u| DEMO_USERS[u].role == Role::Agent));
    assert_eq!(DEMO_USERS[WANG].role, Role::Manager);
}

#[test]
fn the_same_count_gives_the_same_customers() {
    let (_a, first) = open();
    let (_b, second) = open();
    let report = demo(first.as_ref(), 120).unwrap();
    assert_eq!(report, demo(second.as_ref(), 120).unwrap());
    let (left, right) = (by_code(first.as_ref()), by_code(second.as_ref()));
    assert_eq!(left.len(), 120);
    assert!(left == right, "two seeds of 120 differ");
    assert_eq!(left[0].0, "C000001");
    assert_eq!(left[119].0, "C000120");
    // A larger count begins with the same customers.
    let (_c, third) = open();
    demo(third.as_ref(), 130).unwrap();
    assert!(
        by_code(third.as_ref())[..120] == left[..],
        "130 customers do not begin with the 120"
    );
}

#[test]
fn what_is_made_does_not_depend_on_the_time_of_day() {
    let setup = || Setup {
        users: (0..DEMO_USERS.len())
            .map(|i| format!("00000000-0000-7000-8000-00000000000{i}"))
            .collect(),
        teams: DEMO_USERS
            .iter()
            .map(|u| u.team.map(String::from))
            .collect(),
        teams_made: 0,
        stages: vec![
            Stage {
                id: "open".into(),
                kind: "open".into(),
                probability: 10,
            },
            Stage {
                id: "won".into(),
                kind: "won".into(),
                probability: 100,
            },
        ],
        sla: [(480, 4320), (240, 1440), (60, 480), (30, 240)]
            .into_iter()
            .map(|p| (sla::Policy::from(p), Calendar::always()))
            .collect(),
        rivals: [("rival-zh", true), ("rival-en", false)]
            .into_iter()
            .map(|(id, zh)| Rival {
                id: id.into(),
                zh,
                products: vec![(format!("{id}-product"), 100_000)],
            })
            .collect(),
    };
    let made = |now: DateTime<Utc>| {
        let mut g = Gen::new(now, setup(), 300);
        let mut out = Vec::new();
        for index in 0..300 {
            g.customer(index, &mut out);
        }
        // Whether an activity is already past depends on the hour; what it is about must not.
        out.extend(g.activities(&mut SeedReport::default()));
        out.into_iter()
            .map(|r| {
                let keep = [
                    "id",
                    "name",
                    "phone",
                    "email",
                    "owner_id",
                    "tags",
                    "customer_id",
                    "contact_id",
                ];
                (r.entity, keep.map(|k| r.record.get(k).cloned()))
            })
            .collect::<Vec<_>>()
    };
    let just_after_midnight =
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 0, 5, 0).unwrap();
    let late = just_after_midnight + Duration::hours(23);
    let a_month_later = late + Duration::days(30);
    let first = made(just_after_midnight);
    assert!(first == made(late), "the time of day changed the data");
    assert!(first == made(a_month_later), "the date changed the data");
}

#[test]
fn progress_is_told_as_customers_are_written_then_the_rest() {
    let (_dir, db) = open();
    let mut told = Vec::new();
    seed(db.as_ref(), 130, 40, 15, &mut |p| told.push(p)).unwrap();
    let written: Vec<usize> = told
        .iter()
        .filter_map(|p| match p {
            SeedProgress::Customers { written, total } => {
                assert_eq!(*total, 130);
                Some(*written)
            }
            SeedProgress::Finishing => None,
        })
        .collect();
    assert!(written.windows(2).all(|w| w[0] <= w[1]), "{written:?}");
    assert!(
        written.iter().filter(|w| **w > 0 && **w < 130).count() >= 5,
        "told along the way, not only at the end: {written:?}"
    );
    assert_eq!(written.last(), Some(&130));
    assert_eq!(told.last(), Some(&SeedProgress::Finishing));
}

#[test]
fn many_small_transactions_make_the_same_data() {
    let (_a, whole) = open();
    let (_b, pieces) = open();
    assert_eq!(
        seed(whole.as_ref(), 130, BATCH, CHUNK, &mut |_| {}).unwrap(),
        seed(pieces.as_ref(), 130, 40, 15, &mut |_| {}).unwrap()
    );
    assert!(
        by_code(whole.as_ref()) == by_code(pieces.as_ref()),
        "batching changed the customers"
    );
    let admin = crate::system_actor();
    for entity in [Entity::Contacts, Entity::Opportunities, Entity::Tickets] {
        assert_eq!(
            ids(&all(whole.as_ref(), &admin, entity)),
            ids(&all(pieces.as_ref(), &admin, entity))
        );
    }
    let feed = whole_feed(pieces.as_ref(), &admin);
    assert_eq!(
        feed.iter()
            .filter(|e| e.entity == Entity::Customers)
            .count(),
        130
    );
}

#[test]
fn every_seeded_record_is_a_proper_record() {
    let (_dir, db) = open();
    let report = demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let now = format_time(Utc::now());
    let mut seen = 0;
    let mut upcoming_birthdays = 0;
    let today = Utc::now().date_naive();
    // Deals written again: priced by their lines, or won after their lead's conversion.
    let priced_deals: BTreeSet<String> = all(db.as_ref(), &admin, Entity::OpportunityLines)
        .iter()
        .chain(&all(db.as_ref(), &admin, Entity::Leads))
        .filter_map(|l| l["opportunity_id"].as_str().map(String::from))
        .collect();
    let catalog = store::read(db.as_ref(), |tx| crate::service::catalog::load(tx)).unwrap();
    for entity in [
        Entity::Customers,
        Entity::Contacts,
        Entity::Opportunities,
        Entity::Activities,
        Entity::Tickets,
        Entity::Comments,
        Entity::Competitors,
        Entity::CompetitorProducts,
        Entity::OpportunityCompetitors,
    ] {
        let records = all(db.as_ref(), &admin, entity);
        assert!(!records.is_empty(), "no {}", entity.name());
        seen += records.len();
        for r in &records {
            let name = format!("{} {}", entity.name(), r["id"]);
            // What the API would accept on create, unchanged by normalization.
            let mut body = r.clone();
            for f in SYSTEM_FIELDS {
                assert!(
                    !body.remove(*f).unwrap().is_null()
                        || crate::schema::SYSTEM_AUTHORS.contains(f),
                    "{name}: {f}"
                );
            }
            for f in entity
                .fields()
                .iter()
                .filter(|f| f.access == Access::Server)
            {
                body.remove(f.name);
            }
            let mut checked =
                validate::check_in(entity, &body, Mode::Create, Role::Admin, &catalog)
                    .unwrap_or_else(|p| panic!("{name}: {p:?}"));
            checked.retain(|k, _| body.contains_key(k));
            assert_eq!(checked, body, "{name} changes when validated");
            // A deal with products on it was written again when they set its amount.
            if !priced_deals.contains(r["id"].as_str().unwrap_or_default()) {
                assert_eq!(r["version"], json!(1), "{name}");
            }
            assert!(
                r["created_at"].as_str().unwrap() <= r["updated_at"].as_str().unwrap(),
                "{name}"
            );
            assert!(
                r["updated_at"].as_str().unwrap() <= now.as_str(),
                "{name} updated in the future"
            );
            // Links name live records.
            store::read(db.as_ref(), |tx| {
                for field in entity.fields() {
                    if let (Kind::Ref(target), Some(Value::String(id))) =
                        (field.kind, r.get(field.name))
                    {
                        assert!(
                            tx.get(target, id)?.is_some_and(|s| !s.deleted),
                            "{name}.{}",
                            field.name
                        );
                    }
                }
                Ok::<_, ApiError>(())
            })
            .unwrap();
            match entity {
                Entity::Opportunities => {
                    let stage = store::read(db.as_ref(), |tx| {
                        tx.get(Entity::Stages, r["stage_id"].as_str().unwrap())
                    })
                    .unwrap()
                    .unwrap();
                    let kind = stage.record["kind"].as_str().unwrap();
                    assert_eq!(
                        reasons::close_reason(kind, r["close_reason"].as_str()),
                        Ok(()),
                        "{name}"
                    );
                    assert_eq!(r["probability"], stage.record["probability"]);
                }
                Entity::Activities => {
                    if r["kind"] != "call" {
                        assert!(
                            r["direction"].is_null()
                                && r["outcome"].is_null()
                                && r["duration_seconds"].is_null(),
                            "{name}"
                        );
                    }
                    if let (Some(s), Some(e)) = (r["starts_at"].as_str(), r["ends_at"].as_str()) {
                        assert!(s <= e, "{name}");
                    }
                }
                Entity::Tickets => {
                    let status = r["status"].as_str().unwrap();
                    let finished = sla::is_finished(status);
                    assert_eq!(
                        reasons::resolution(status, r["resolution"].as_str()),
                        Ok(()),
                        "{name}"
                    );
                    assert_eq!(
                        reasons::satisfaction(status, !r["satisfaction"].is_null()),
                        Ok(()),
                        "{name}"
                    );
                    assert_eq!(finished, r["resolution"].is_string(), "{name}");
                    assert_eq!(finished, r["resolved_at"].is_string(), "{name}");
                    assert!(finished || r["satisfaction"].is_null(), "{name}");
                    assert_eq!(
                        r["status"] != "new",
                        r["first_responded_at"].is_string(),
                        "{name}"
                    );
                    // Due times as the service would set them, from the store's policy.
                    let opened = DateTime::parse_from_rfc3339(r["created_at"].as_str().unwrap())
                        .unwrap()
                        .with_timezone(&Utc);
                    // The demo's customers have no service level of their own level.
                    let (policy, calendar) = store::read(db.as_ref(), |tx| {
                        crate::service::ticket_policy(tx, r["priority"].as_str().unwrap(), None)
                    })
                    .unwrap();
                    let due = policy.due(opened, &calendar);
                    assert_eq!(r["first_response_due"], format_time(due.first_response));
                    assert_eq!(r["resolution_due"], format_time(due.resolution));
                    assert!(numbers::Number::parse(r["number"].as_str().unwrap()).is_some());
                }
                Entity::Contacts => {
                    if let Some(b) = r["birthday"].as_str() {
                        let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").unwrap();
                        let this_year = b.with_year(today.year()).unwrap_or(b);
                        let days = (this_year - today).num_days();
                        if (0..30).contains(&days) {
                            upcoming_birthdays += 1;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        seen,
        report.customers
            + report.contacts
            + report.opportunities
            + report.activities
            + report.tickets
            + report.comments
            + report.rivals
            + WORDS.competitors.len()
            + WORDS
                .competitors
                .iter()
                .map(|c| c.products.len())
                .sum::<usize>()
    );
    assert!(upcoming_birthdays > 0, "no birthday in the coming month");
}

#[test]
fn every_seeded_deal_has_an_owner_who_may_own_it() {
    let (_dir, db) = open();
    demo(db.as_ref(), 150).unwrap();
    let deals = all(db.as_ref(), &crate::system_actor(), Entity::Opportunities);
    assert!(!deals.is_empty());
    store::read(db.as_ref(), |tx| {
        for deal in &deals {
            let owner = deal["owner_id"].as_str().unwrap();
            let customer = deal["customer_id"].as_str().unwrap();
            assert_eq!(
                service::deal_owner_problem(tx, owner, customer)?,
                None,
                "{deal:?}"
            );
        }
        Ok::<_, ApiError>(())
    })
    .unwrap();
}

#[test]
fn read_sets_are_what_the_access_rules_say() {
    struct Stored<'a>(&'a dyn Tx);
    impl Lookup for Stored<'_> {
        fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
            self.0.read_set(entity, id).ok()
        }
        fn team_of(&self, user_id: &str) -> Option<String> {
            self.0.team_of(user_id).ok().flatten()
        }
    }
    let (_dir, db) = open();
    demo(db.as_ref(), 150).unwrap();
    let admin = crate::system_actor();
    for entity in [
        Entity::Customers,
        Entity::Contacts,
        Entity::Opportunities,
        Entity::Activities,
        Entity::Tickets,
        Entity::Comments,
        Entity::Competitors,
        Entity::CompetitorProducts,
        Entity::OpportunityCompetitors,
        Entity::Products,
        Entity::ProductCosts,
        Entity::Prices,
        Entity::OpportunityLines,
        Entity::DiscountLimits,
        Entity::Quotes,
        Entity::QuoteLines,
        Entity::Warehouses,
        Entity::StockLevels,
        Entity::StockMovements,
        Entity::Orders,
        Entity::OrderLines,
        Entity::PaymentPlans,
        Entity::Instalments,
        Entity::Payments,
        Entity::Contracts,
        Entity::ExpenseClaims,
        Entity::Approvals,
        Entity::Licences,
        Entity::ApprovalSettings,
        Entity::Leads,
        Entity::Campaigns,
        Entity::CampaignMembers,
        Entity::WorkPlans,
        Entity::WorkLogs,
    ] {
        for r in all(db.as_ref(), &admin, entity) {
            store::read(db.as_ref(), |tx| {
                let id = r["id"].as_str().unwrap();
                let stored = tx.read_set(entity, id)?;
                assert!(!stored.is_empty());
                assert_eq!(
                    stored,
                    access::read_set(entity, &r, &Stored(tx)),
                    "{} {id}",
                    entity.name()
                );
                Ok::<_, ApiError>(())
            })
            .unwrap();
        }
    }
}

#[test]
fn sales_see_their_own_and_shared_customers_and_agents_see_no_pipeline() {
    let (_dir, db) = open();
    demo(db.as_ref(), 300).unwrap();
    let admin = crate::system_actor();
    let li = actor(db.as_ref(), "li");
    let customers = all(db.as_ref(), &admin, Entity::Customers);
    let mine: Vec<&Record> = customers
        .iter()
        .filter(|c| {
            c["owner_id"] == li.id.as_str()
                || c["shared_with"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u == li.id.as_str())
        })
        .collect();
    let shared = mine
        .iter()
        .filter(|c| c["owner_id"] != li.id.as_str())
        .count();
    assert!(shared > 0, "nothing is shared with li");
    assert!(mine.len() < customers.len() / 2);
    let seen = all(db.as_ref(), &li, Entity::Customers);
    assert_eq!(
        ids(&seen),
        mine.iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    );
    store::read(db.as_ref(), |tx| {
        for c in &customers {
            let id = c["id"].as_str().unwrap();
            let visible = mine.iter().any(|m| m["id"] == id);
            match service::get(tx, &li, Entity::Customers, id) {
                Ok(_) => assert!(visible, "li reads {id}"),
                Err(ApiError::NotFound(_)) => assert!(!visible, "li cannot read {id}"),
                Err(e) => panic!("{e}"),
            }
        }
        Ok::<_, ApiError>(())
    })
    .unwrap();

    // The manager sees his team's customers, more than li alone.
    let wang = actor(db.as_ref(), "wang");
    assert!(all(db.as_ref(), &wang, Entity::Customers).len() > seen.len());

    let chen = actor(db.as_ref(), "chen");
    assert_eq!(
        all(db.as_ref(), &chen, Entity::Customers).len(),
        customers.len()
    );
    assert!(all(db.as_ref(), &chen, Entity::Opportunities).is_empty());
    let opportunities = all(db.as_ref(), &admin, Entity::Opportunities);
    assert!(!opportunities.is_empty());
    store::read(db.as_ref(), |tx| {
        let id = opportunities[0]["id"].as_str().unwrap();
        assert!(matches!(
            service::get(tx, &chen, Entity::Opportunities, id),
            Err(ApiError::NotFound(_))
        ));
        Ok::<_, ApiError>(())
    })
    .unwrap();
    // Every stage has deals in it.
    let stages = all(db.as_ref(), &admin, Entity::Stages);
    for s in &stages {
        assert!(
            opportunities.iter().any(|o| o["stage_id"] == s["id"]),
            "stage {} is empty",
            s["name"]
        );
    }
}

fn whole_feed(db: &dyn Database, actor: &Actor) -> Vec<crate::wire::FeedEntry> {
    let mut out = Vec::new();
    let mut since = 0;
    loop {
        let page = store::read(db, |tx| service::feed(tx, actor, since, 500)).unwrap();
        out.extend(page.changes);
        since = page.next;
        if !page.more {
            return out;
        }
    }
}

#[test]
fn the_change_feed_holds_every_customer_once() {
    let (_dir, db) = open();
    demo(db.as_ref(), 250).unwrap();
    let admin = crate::system_actor();
    let feed = whole_feed(db.as_ref(), &admin);
    let customers: Vec<String> = feed
        .iter()
        .filter(|e| e.entity == Entity::Customers)
        .map(|e| {
            assert_eq!(e.op, crate::wire::FeedOp::Upsert);
            e.id.clone()
        })
        .collect();
    let unique: BTreeSet<String> = customers.iter().cloned().collect();
    assert_eq!(customers.len(), unique.len(), "a customer appears twice");
    assert_eq!(unique, ids(&all(db.as_ref(), &admin, Entity::Customers)));
    // Every other seeded record is in it too, each after its customer.
    for entity in [
        Entity::Contacts,
        Entity::Opportunities,
        Entity::Activities,
        Entity::Tickets,
        Entity::Comments,
    ] {
        let in_feed: BTreeSet<String> = feed
            .iter()
            .filter(|e| e.entity == entity)
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(
            in_feed,
            ids(&all(db.as_ref(), &admin, entity)),
            "{}",
            entity.name()
        );
    }
    let position: HashMap<&str, usize> = feed
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    for e in &feed {
        if let Some(parent) = e
            .record
            .as_ref()
            .and_then(|r| r.get("customer_id"))
            .and_then(Value::as_str)
        {
            assert!(
                position[parent] < position[e.id.as_str()],
                "{} {} precedes its customer",
                e.entity.name(),
                e.id
            );
        }
    }
    // A sales user's feed is exactly what she may read.
    let li = actor(db.as_ref(), "li");
    let hers: BTreeSet<String> = whole_feed(db.as_ref(), &li)
        .into_iter()
        .filter(|e| e.entity == Entity::Customers)
        .map(|e| e.id)
        .collect();
    assert_eq!(hers, ids(&all(db.as_ref(), &li, Entity::Customers)));
}

#[test]
fn records_made_after_seeding_get_fresh_codes_and_numbers() {
    let (_dir, db) = open();
    demo(db.as_ref(), 80).unwrap();
    let admin = crate::system_actor();
    let codes: BTreeSet<String> = all(db.as_ref(), &admin, Entity::Customers)
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let numbers: Vec<String> = all(db.as_ref(), &admin, Entity::Tickets)
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_string())
        .collect();
    let last = numbers.iter().max().unwrap().clone();
    assert_eq!(last, format!("T-{:06}", numbers.len()));
    let (customer, ticket) = store::write(db.as_ref(), |tx| {
        let li = tx.credentials("li")?.unwrap().actor;
        let c = service::create(
            tx,
            &li,
            Entity::Customers,
            &object(json!({"name": "全新测试客户有限公司"})),
            false,
        )?;
        let body = object(json!({"subject": "new", "customer_id": c.record["id"]}));
        let t = service::create(tx, &li, Entity::Tickets, &body, false)?;
        Ok::<_, ApiError>((c.record, t.record))
    })
    .unwrap();
    let code = customer["code"].as_str().unwrap();
    assert!(!codes.contains(code), "{code} was handed out twice");
    assert_eq!(code, "C000081");
    assert!(ticket["number"].as_str().unwrap() > last.as_str());
}

#[test]
fn the_duplicate_check_knows_the_seeded_customers() {
    let (_dir, db) = open();
    demo(db.as_ref(), 400).unwrap();
    let admin = crate::system_actor();
    let customers = all(db.as_ref(), &admin, Entity::Customers);
    store::read(db.as_ref(), |tx| {
        // No seeded customer is flagged as a duplicate of another.
        for c in &customers {
            let found =
                tx.find_duplicates(&crate::dedupe::Keys::of(c).columns(), c["id"].as_str())?;
            assert!(
                found.is_empty(),
                "{} clashes with {}",
                c["name"],
                found[0]["name"]
            );
        }
        Ok::<_, ApiError>(())
    })
    .unwrap();
    // The stored keys are the ones a create is checked against.
    let err = store::write(db.as_ref(), |tx| {
        let zhang = tx.credentials("zhang")?.unwrap().actor;
        let body = object(json!({"name": customers[7]["name"].as_str().unwrap().to_uppercase()}));
        service::create(tx, &zhang, Entity::Customers, &body, false)
    })
    .err()
    .unwrap();
    assert!(
        matches!(
            err,
            ApiError::Conflict {
                existing: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_database_with_customers_is_refused() {
    let (_dir, db) = open();
    demo(db.as_ref(), 10).unwrap();
    let before = all(db.as_ref(), &crate::system_actor(), Entity::Customers).len();
    match demo(db.as_ref(), 10) {
        Err(ApiError::BadRequest(message)) => {
            assert!(message.contains("already holds customers"), "{message}")
        }
        other => panic!("seeded twice: {other:?}"),
    }
    assert_eq!(
        all(db.as_ref(), &crate::system_actor(), Entity::Customers).len(),
        before
    );
}

#[test]
fn demo_users_sign_in_with_the_demo_password() {
    let (_dir, db) = open();
    let report = demo(db.as_ref(), 0).unwrap();
    assert_eq!((report.users, report.teams, report.customers), (7, 4, 0));
    store::read(db.as_ref(), |tx| {
        for u in DEMO_USERS {
            let c = tx.credentials(u.username)?.unwrap();
            assert_eq!(c.actor.role, u.role);
            assert!(crate::auth::verify_password(
                DEMO_PASSWORD,
                c.password_hash.as_deref().unwrap()
            ));
        }
        Ok::<_, ApiError>(())
    })
    .unwrap();
}

mod field;
mod marketing;
mod sales;

#[test]
fn the_demo_is_scored_as_made_so_the_first_sweep_rewrites_nothing() {
    let (_dir, db) = open();
    demo(db.as_ref(), 200).unwrap();
    let admin = crate::system_actor();
    let customers = all(db.as_ref(), &admin, Entity::Customers);
    let levels: BTreeSet<String> = customers
        .iter()
        .filter_map(|c| c.get("value_level")?.as_str().map(String::from))
        .collect();
    assert!(
        levels.len() >= 2,
        "the demo's customers reach several levels: {levels:?}"
    );
    let swept = store::write(db.as_ref(), |tx| service::analysis::sweep(tx, Utc::now())).unwrap();
    assert_eq!(swept.customers, 200);
    assert_eq!(swept.changed, 0, "{swept:?}");
}
