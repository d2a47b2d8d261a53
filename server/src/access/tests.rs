use super::*;
use serde_json::json;
use std::collections::HashMap;

#[derive(Default)]
struct Fake {
    sets: HashMap<(Entity, String), BTreeSet<String>>,
    teams: HashMap<String, String>,
}

impl Lookup for Fake {
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
        self.sets.get(&(entity, id.to_string())).cloned()
    }
    fn team_of(&self, user_id: &str) -> Option<String> {
        self.teams.get(user_id).cloned()
    }
}

fn actor(id: &str, role: Role, team: Option<&str>) -> Actor {
    Actor {
        id: id.into(),
        username: id.into(),
        role,
        team_id: team.map(Into::into),
    }
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn world() -> Fake {
    let mut fake = Fake::default();
    fake.teams.insert("alice".into(), "north".into());
    fake.teams.insert("bob".into(), "south".into());
    let customer = map(json!({"owner_id": "alice", "shared_with": ["carol"]}));
    let set = read_set(Entity::Customers, &customer, &fake);
    fake.sets.insert((Entity::Customers, "c1".into()), set);
    fake
}

#[test]
fn customer_read_set_holds_owner_team_shared_and_agents() {
    let fake = world();
    let set = fake.read_set(Entity::Customers, "c1").unwrap();
    let expected: BTreeSet<String> = ["u:alice", "t:north", "u:carol", "agent"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(set, expected);
}

#[test]
fn sales_see_only_their_own_or_shared_customers() {
    let fake = world();
    let set = fake.read_set(Entity::Customers, "c1").unwrap();
    assert!(actor("alice", Role::Sales, Some("north")).may_read(&set));
    assert!(actor("carol", Role::Sales, None).may_read(&set));
    assert!(!actor("bob", Role::Sales, Some("south")).may_read(&set));
    assert!(actor("mgr", Role::Manager, Some("north")).may_read(&set));
    assert!(!actor("mgr2", Role::Manager, Some("south")).may_read(&set));
    assert!(actor("agent1", Role::Agent, None).may_read(&set));
}

#[test]
fn agents_never_see_opportunities() {
    let fake = world();
    let opp = map(json!({"customer_id": "c1", "owner_id": "alice"}));
    let set = read_set(Entity::Opportunities, &opp, &fake);
    assert!(!actor("agent1", Role::Agent, None).may_read(&set));
    assert!(actor("alice", Role::Sales, None).may_read(&set));
    let denied = may_hold(
        &actor("agent1", Role::Agent, None),
        Entity::Opportunities,
        &opp,
        &fake,
    );
    assert!(matches!(denied, Err(Denied::Forbidden(_))));
}

#[test]
fn agents_work_unassigned_or_own_tickets_only() {
    let fake = world();
    let agent = actor("agent1", Role::Agent, None);
    let open = map(json!({"customer_id": "c1", "created_by": "x"}));
    let read = read_set(Entity::Tickets, &open, &fake);
    assert!(may_change(&agent, Entity::Tickets, &open, &read, &fake).is_ok());
    let theirs = map(json!({"customer_id": "c1", "assignee_id": "agent2"}));
    let read = read_set(Entity::Tickets, &theirs, &fake);
    assert!(matches!(
        may_change(&agent, Entity::Tickets, &theirs, &read, &fake),
        Err(Denied::Forbidden(_))
    ));
    let mine = map(json!({"customer_id": "c1", "assignee_id": "agent1"}));
    let read = read_set(Entity::Tickets, &mine, &fake);
    assert!(may_change(&agent, Entity::Tickets, &mine, &read, &fake).is_ok());
}

#[test]
fn competitors_are_read_by_all_and_kept_by_their_author_and_managers() {
    let fake = world();
    let competitor = map(json!({"name": "对手", "created_by": "alice"}));
    let read = read_set(Entity::Competitors, &competitor, &fake);
    let agent = actor("agent1", Role::Agent, None);
    let bob = actor("bob", Role::Sales, Some("south"));
    assert!(agent.may_read(&read) && bob.may_read(&read));
    let alice = actor("alice", Role::Sales, Some("north"));
    assert!(may_change(&alice, Entity::Competitors, &competitor, &read, &fake).is_ok());
    let mgr = actor("mgr", Role::Manager, Some("south"));
    assert!(may_change(&mgr, Entity::Competitors, &competitor, &read, &fake).is_ok());
    assert!(matches!(
        may_change(&bob, Entity::Competitors, &competitor, &read, &fake),
        Err(Denied::Forbidden(_))
    ));
    assert!(matches!(
        may_hold(&agent, Entity::Competitors, &competitor, &fake),
        Err(Denied::Forbidden(_))
    ));
    assert!(may_hold(&bob, Entity::Competitors, &competitor, &fake).is_ok());
}

#[test]
fn a_deals_competitors_follow_the_deal() {
    let mut fake = world();
    let opp = map(json!({"customer_id": "c1", "owner_id": "alice"}));
    let opp_set = read_set(Entity::Opportunities, &opp, &fake);
    fake.sets
        .insert((Entity::Opportunities, "o1".into()), opp_set.clone());
    let competitor = map(json!({"name": "对手"}));
    let set = read_set(Entity::Competitors, &competitor, &fake);
    fake.sets.insert((Entity::Competitors, "k1".into()), set);
    let entry = map(json!({"opportunity_id": "o1", "competitor_id": "k1"}));
    assert_eq!(
        read_set(Entity::OpportunityCompetitors, &entry, &fake),
        opp_set
    );
    let alice = actor("alice", Role::Sales, Some("north"));
    assert!(may_hold(&alice, Entity::OpportunityCompetitors, &entry, &fake).is_ok());
    // Bob sees the competitor but not the deal: the deal reads as missing.
    let bob = actor("bob", Role::Sales, Some("south"));
    assert!(matches!(
        may_hold(&bob, Entity::OpportunityCompetitors, &entry, &fake),
        Err(Denied::Forbidden(m)) if m.contains("opportunity_id")
    ));
    let agent = actor("agent1", Role::Agent, None);
    assert!(!agent.may_read(&read_set(Entity::OpportunityCompetitors, &entry, &fake)));
}

#[test]
fn a_hidden_record_is_hidden_not_forbidden() {
    let fake = world();
    let set = fake.read_set(Entity::Customers, "c1").unwrap();
    let customer = map(json!({"owner_id": "alice"}));
    let bob = actor("bob", Role::Sales, Some("south"));
    assert_eq!(
        may_change(&bob, Entity::Customers, &customer, &set, &fake),
        Err(Denied::Hidden)
    );
}

#[test]
fn shared_users_edit_but_do_not_delete() {
    let fake = world();
    let set = fake.read_set(Entity::Customers, "c1").unwrap();
    let customer = map(json!({"owner_id": "alice", "shared_with": ["carol"]}));
    let carol = actor("carol", Role::Sales, None);
    assert!(may_change(&carol, Entity::Customers, &customer, &set, &fake).is_ok());
    assert!(may_delete(&carol, Entity::Customers, &customer, &set, &fake).is_err());
    let alice = actor("alice", Role::Sales, Some("north"));
    assert!(may_delete(&alice, Entity::Customers, &customer, &set, &fake).is_ok());
}

#[test]
fn only_the_owner_or_a_manager_changes_sharing() {
    let fake = world();
    let old = map(json!({"owner_id": "alice", "shared_with": ["carol"]}));
    let handed_on = map(json!({"owner_id": "alice", "shared_with": ["carol", "bob"]}));
    let same = map(json!({"owner_id": "alice", "shared_with": ["carol"], "notes": "x"}));
    let carol = actor("carol", Role::Sales, None);
    assert!(matches!(
        may_hold_from(&carol, Entity::Customers, Some(&old), &handed_on, &fake),
        Err(Denied::Forbidden(_))
    ));
    assert!(may_hold_from(&carol, Entity::Customers, Some(&old), &same, &fake).is_ok());
    let alice = actor("alice", Role::Sales, Some("north"));
    assert!(may_hold_from(&alice, Entity::Customers, Some(&old), &handed_on, &fake).is_ok());
    let mgr = actor("mgr", Role::Manager, Some("north"));
    assert!(may_hold_from(&mgr, Entity::Customers, Some(&old), &handed_on, &fake).is_ok());
}

#[test]
fn managers_audit_their_own_team_only() {
    let mgr = actor("mgr", Role::Manager, Some("north"));
    let member = map(json!({"role": "sales", "team_id": "north"}));
    let stranger = map(json!({"role": "sales", "team_id": "south"}));
    let admin = map(json!({"role": "admin", "team_id": "north"}));
    assert!(manager_may_audit(&mgr, Entity::Users, "u1", &member));
    assert!(!manager_may_audit(&mgr, Entity::Users, "u2", &stranger));
    assert!(!manager_may_audit(&mgr, Entity::Users, "u3", &admin));
    assert!(manager_may_audit(
        &mgr,
        Entity::Users,
        "mgr",
        &map(json!({"role": "manager"}))
    ));
    assert!(manager_may_audit(
        &mgr,
        Entity::Teams,
        "north",
        &map(json!({}))
    ));
    assert!(!manager_may_audit(
        &mgr,
        Entity::Teams,
        "south",
        &map(json!({}))
    ));
}

#[test]
fn only_admins_change_users() {
    let fake = world();
    let user = map(json!({"username": "x"}));
    let mgr = actor("mgr", Role::Manager, Some("north"));
    assert!(may_hold(&mgr, Entity::Users, &user, &fake).is_err());
    assert!(
        may_hold(
            &actor("root", Role::Admin, None),
            Entity::Users,
            &user,
            &fake
        )
        .is_ok()
    );
}

#[test]
fn deal_owners_sell_are_active_and_see_the_customer() {
    let customer: BTreeSet<String> = ["u:owner", "t:north", "u:shared", AGENT]
        .into_iter()
        .map(String::from)
        .collect();
    let owner = actor("owner", Role::Sales, Some("north"));
    assert_eq!(deal_owner_problem(&owner, true, &customer), None);
    let shared = actor("shared", Role::Sales, Some("south"));
    assert_eq!(deal_owner_problem(&shared, true, &customer), None);
    let manager = actor("boss", Role::Manager, Some("north"));
    assert_eq!(deal_owner_problem(&manager, true, &customer), None);
    let admin = actor("root", Role::Admin, None);
    assert_eq!(deal_owner_problem(&admin, true, &customer), None);

    // An agent sees every customer but works no deals.
    let agent = actor("agent", Role::Agent, None);
    let why = deal_owner_problem(&agent, true, &customer).unwrap();
    assert!(why.contains("call-centre agent"), "{why}");
    // A salesperson of the same team who is neither owner nor shared sees nothing.
    let colleague = actor("colleague", Role::Sales, Some("north"));
    let why = deal_owner_problem(&colleague, true, &customer).unwrap();
    assert!(why.contains("cannot see this customer"), "{why}");
    // A manager of another team neither.
    let other = actor("other", Role::Manager, Some("south"));
    assert!(deal_owner_problem(&other, true, &customer).is_some());
    let why = deal_owner_problem(&owner, false, &customer).unwrap();
    assert!(why.contains("not active"), "{why}");
}
