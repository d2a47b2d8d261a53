//! Who may read and who may change each record. Pure decisions; the storage layer supplies the
//! parent records' access lists through [`Lookup`].
//!
//! Access is expressed as sets of principals: `all`, `agent`, `sales`, `managers`, `u:<user id>` and
//! `t:<team id>`. A user holds a few principals (see [`Actor::principals`]); a record has a read
//! set, stored beside it so lists and the change feed can filter in SQL, and a write set, computed
//! when a change is asked for. Admins bypass both.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::schema::Entity;

mod marketing;
mod relations;
mod roles;
mod writers;
pub use marketing::pool_principal;
pub use roles::{capabilities, may_import, role_may_write};
pub use writers::write_set;
use writers::{list_writers, target_team};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Sales,
    Agent,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "sales" => Some(Role::Sales),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
            Role::Agent => "agent",
        }
    }

    /// May set owners and teams on records.
    pub fn may_assign(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

/// The signed-in user a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub team_id: Option<String>,
}

pub const ALL: &str = "all";
pub const AGENT: &str = "agent";
pub const MANAGERS: &str = "managers";
/// Held by sales people: with `managers`, everyone but the call centre (articles not for agents).
pub const SALES: &str = "sales";

pub fn user_principal(id: &str) -> String {
    format!("u:{id}")
}

pub fn team_principal(id: &str) -> String {
    format!("t:{id}")
}

/// Everyone in a team, whatever their role (a team principal is its managers): what a saved
/// query or static list shared with the team is read by.
pub fn member_principal(team: &str) -> String {
    format!("m:{team}")
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The principals this user holds; a record is visible when its read set shares one.
    pub fn principals(&self) -> Vec<String> {
        let mut p = vec![ALL.to_string(), user_principal(&self.id)];
        if let Some(team) = &self.team_id {
            p.push(member_principal(team));
        }
        match self.role {
            Role::Admin => {}
            Role::Manager => {
                p.push(MANAGERS.to_string());
                if let Some(team) = &self.team_id {
                    p.push(team_principal(team));
                }
            }
            Role::Sales => {
                p.push(SALES.to_string());
                // A team's salespeople see its unassigned leads (`access/marketing.rs`).
                if let Some(team) = &self.team_id {
                    p.push(pool_principal(team));
                }
            }
            Role::Agent => p.push(AGENT.to_string()),
        }
        p
    }

    fn holds_any(&self, set: &BTreeSet<String>) -> bool {
        self.is_admin() || self.principals().iter().any(|p| set.contains(p))
    }

    pub fn may_read(&self, read: &BTreeSet<String>) -> bool {
        self.holds_any(read)
    }
}

/// What the access decisions need to know about records other than the one in hand.
pub trait Lookup {
    /// The stored read set of a live record, or None when it does not exist.
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>>;
    /// The team a user belongs to.
    fn team_of(&self, user_id: &str) -> Option<String>;
}

fn text<'a>(record: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn owner_principals(record: &Map<String, Value>, field: &str, lookup: &dyn Lookup) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(user) = text(record, field) {
        out.push(user_principal(user));
        if let Some(team) = lookup.team_of(user) {
            out.push(team_principal(&team));
        }
    }
    out
}

fn parent(
    record: &Map<String, Value>,
    field: &str,
    entity: Entity,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    text(record, field)
        .and_then(|id| lookup.read_set(entity, id))
        .unwrap_or_default()
}

/// Those who may change a customer: everyone who may read it but the read-only crowds.
fn writers_of(read: &BTreeSet<String>) -> BTreeSet<String> {
    read.iter()
        .filter(|p| *p != ALL && *p != AGENT)
        .cloned()
        .collect()
}

/// The read set of a record in the state given.
pub fn read_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    match entity {
        // Reference data: the call centre answers questions about competitors too.
        Entity::Teams
        | Entity::Users
        | Entity::Stages
        | Entity::Competitors
        | Entity::CompetitorProducts
        | Entity::LevelSettings
        | Entity::DocumentTemplates
        | Entity::ListItems
        | Entity::FieldDefinitions
        | Entity::Products
        | Entity::DiscountLimits
        | Entity::Warehouses
        | Entity::StockLevels
        | Entity::StockMovements
        | Entity::ApprovalSettings
        | Entity::WrapUpCodes
        | Entity::SlaCalendars
        | Entity::Holidays
        | Entity::ServiceLevels
        | Entity::CallScripts
        | Entity::CannedReplies
        | Entity::Surveys
        | Entity::SurveyQuestions
        | Entity::SurveySchedules
        | Entity::CareRules
        | Entity::LetterTemplates
        | Entity::ValueIndicators
        | Entity::ValueLevels
        | Entity::AnalysisSettings
        | Entity::FileSettings => {
            set.insert(ALL.to_string());
        }
        // A plan or log is its writer's and their team's managers' (004: 经理查阅下属的计划).
        Entity::WorkPlans | Entity::WorkLogs => {
            set.extend(owner_principals(record, "owner_id", lookup));
        }
        // Agents read the articles marked for them; the rest is for sales and managers.
        Entity::Articles => {
            if record.get("for_agents") == Some(&Value::Bool(false)) {
                set.insert(SALES.to_string());
                set.insert(MANAGERS.to_string());
            } else {
                set.insert(ALL.to_string());
            }
        }
        Entity::ArticleVersions => {
            set = parent(record, "article_id", Entity::Articles, lookup);
        }
        // The ticket's people and the engineer sent; a part follows its visit.
        Entity::FieldVisits => {
            set = parent(record, "ticket_id", Entity::Tickets, lookup);
            set.extend(owner_principals(record, "engineer_id", lookup));
        }
        Entity::VisitParts => {
            set = parent(record, "visit_id", Entity::FieldVisits, lookup);
        }
        // The customer's people and the call centre, and the agent it is given to.
        Entity::ReturnVisits => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
            set.extend(owner_principals(record, "assignee_id", lookup));
        }
        // What a customer bought and owes: their people, the call centre on the phone with
        // them, and the owner. No cost or margin is in these records (costs are
        // `ProductCosts`, managers only).
        Entity::Orders | Entity::PaymentPlans => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
            set.extend(owner_principals(record, "owner_id", lookup));
        }
        Entity::OrderLines => {
            set = parent(record, "order_id", Entity::Orders, lookup);
        }
        Entity::Instalments => {
            set = parent(record, "plan_id", Entity::PaymentPlans, lookup);
        }
        Entity::Payments => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
            set.extend(parent(record, "plan_id", Entity::PaymentPlans, lookup));
        }
        // Costs (and the margins they give) are for managers and admins only.
        Entity::ProductCosts => {
            set.insert(MANAGERS.to_string());
        }
        // A customer's own price is seen by those who see the customer; a level's by all.
        Entity::Prices => {
            if text(record, "customer_id").is_some() {
                set = parent(record, "customer_id", Entity::Customers, lookup);
            } else {
                set.insert(ALL.to_string());
            }
        }
        Entity::OpportunityLines => {
            set = parent(record, "opportunity_id", Entity::Opportunities, lookup);
        }
        Entity::QuoteLines => {
            set = parent(record, "quote_id", Entity::Quotes, lookup);
        }
        // A claim is the claimant's and their team's (its managers approve it), not the
        // customer's people's.
        Entity::ExpenseClaims => {
            set.extend(owner_principals(record, "owner_id", lookup));
        }
        // Who sees the record it is for, its submitter and its approver.
        Entity::Approvals => {
            set.extend(parent(record, "contract_id", Entity::Contracts, lookup));
            set.extend(parent(record, "quote_id", Entity::Quotes, lookup));
            set.extend(parent(
                record,
                "expense_claim_id",
                Entity::ExpenseClaims,
                lookup,
            ));
            set.remove(AGENT);
            for person in ["submitted_by", "approver_id"] {
                if let Some(id) = text(record, person) {
                    set.insert(user_principal(id));
                }
            }
        }
        Entity::Customers => {
            set.extend(owner_principals(record, "owner_id", lookup));
            if let Some(team) = text(record, "team_id") {
                set.insert(team_principal(team));
            }
            if let Some(shared) = record.get("shared_with").and_then(Value::as_array) {
                set.extend(shared.iter().filter_map(Value::as_str).map(user_principal));
            }
            // The call centre must find any caller at once.
            set.insert(AGENT.to_string());
        }
        // Support needs a customer's licence numbers, so the call centre sees them.
        Entity::Contacts | Entity::Licences => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
        }
        // Deals, and the quotes and contracts that follow them: the customer's people and the
        // owner, not the call centre.
        Entity::Opportunities | Entity::Quotes | Entity::Contracts => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
            set.remove(AGENT);
            set.extend(owner_principals(record, "owner_id", lookup));
        }
        Entity::Activities => {
            set.extend(parent(record, "customer_id", Entity::Customers, lookup));
            set.extend(parent(record, "ticket_id", Entity::Tickets, lookup));
            // A lead's history: its readers, until it is converted and moves to the customer.
            set.extend(parent(record, "lead_id", Entity::Leads, lookup));
            if text(record, "opportunity_id").is_some() {
                let opp = parent(record, "opportunity_id", Entity::Opportunities, lookup);
                if text(record, "customer_id").is_none() {
                    set.extend(opp);
                } else {
                    // Agents see no opportunities, nor the activities planned on them.
                    set.remove(AGENT);
                    set.extend(opp);
                }
            }
            set.extend(owner_principals(record, "owner_id", lookup));
        }
        Entity::Tickets => {
            set = parent(record, "customer_id", Entity::Customers, lookup);
            set.insert(AGENT.to_string());
            set.extend(owner_principals(record, "assignee_id", lookup));
            if let Some(creator) = text(record, "created_by") {
                set.insert(user_principal(creator));
            }
        }
        Entity::Comments => {
            set = parent(record, "ticket_id", Entity::Tickets, lookup);
        }
        Entity::OpportunityCompetitors => {
            set = parent(record, "opportunity_id", Entity::Opportunities, lookup);
        }
        // A user's target: the user and their team's managers; a team's: its managers; a
        // dealer's: the dealer's people.
        Entity::Targets => {
            if text(record, "customer_id").is_some() {
                set.extend(relations::dealer_target_read(record, lookup));
            }
            set.extend(owner_principals(record, "user_id", lookup));
            if let Some(team) = text(record, "team_id") {
                set.insert(team_principal(team));
            }
        }
        // Its owner's (who made it); shared, everyone in the owner's team too.
        Entity::SavedQueries | Entity::StaticLists => {
            if let Some(owner) = text(record, "created_by") {
                set.insert(user_principal(owner));
                if record.get("shared").and_then(Value::as_bool) == Some(true)
                    && let Some(team) = lookup.team_of(owner)
                {
                    set.insert(member_principal(&team));
                }
            }
        }
        Entity::ListMembers => {
            set = parent(record, "list_id", Entity::StaticLists, lookup);
        }
        Entity::Leads | Entity::Campaigns | Entity::CampaignMembers => {
            set = marketing::read_set(entity, record, lookup);
        }
        Entity::ContactRelations | Entity::Territories | Entity::DealerAssessments => {
            set = relations::read_set(entity, record, lookup);
        }
        // Who sees the customer that stayed (not the call centre) and who merged it.
        Entity::Merges => {
            set = parent(record, "survivor_id", Entity::Customers, lookup);
            set.remove(AGENT);
            set.remove(ALL);
            if let Some(by) = text(record, "created_by") {
                set.insert(user_principal(by));
            }
        }
        // Who sees the contact that stayed (not the call centre) and who merged it.
        Entity::ContactMerges => {
            set = parent(record, "survivor_id", Entity::Contacts, lookup);
            set.remove(AGENT);
            set.remove(ALL);
            if let Some(by) = text(record, "created_by") {
                set.insert(user_principal(by));
            }
        }
        // Who asked for it; each customer it changed has its own trail.
        Entity::BulkActions => {
            if let Some(by) = text(record, "created_by") {
                set.insert(user_principal(by));
            }
        }
        // Who may see the record may see its files.
        Entity::Files => set = attached_to(record, lookup),
    }
    set
}

/// The read set of the record a file is attached to (none when it is gone or unnamed).
fn attached_to(record: &Map<String, Value>, lookup: &dyn Lookup) -> BTreeSet<String> {
    text(record, "entity")
        .and_then(Entity::from_name)
        .map(|entity| parent(record, crate::schema::FILE_RECORD, entity, lookup))
        .unwrap_or_default()
}

/// Why an actor may not do what they asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The record is invisible to them: answer as if it did not exist.
    Hidden,
    /// They may see it but not do this.
    Forbidden(String),
}

/// May the actor bring a new record into this state?
pub fn may_hold(
    actor: &Actor,
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    may_hold_from(actor, entity, None, record, lookup)
}

/// May the actor bring a record from state `old` (None: a create) into this state? A link the
/// record already held needs no look at its target again: it may since have been deleted.
pub fn may_hold_from(
    actor: &Actor,
    entity: Entity,
    old: Option<&Map<String, Value>>,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    let need_read = |field: &str, of: Entity| -> Result<(), Denied> {
        match text(record, field) {
            None => Ok(()),
            Some(id) if old.is_some_and(|o| text(o, field) == Some(id)) => Ok(()),
            Some(id) => match lookup.read_set(of, id) {
                Some(set) if actor.may_read(&set) => Ok(()),
                // A link to something unseen reads like a link to nothing.
                _ => Err(Denied::Forbidden(format!(
                    "{field}: no such {} that you can see",
                    of.noun()
                ))),
            },
        }
    };
    role_may_write(actor.role, entity).map_err(Denied::Forbidden)?;
    match entity {
        Entity::Teams
        | Entity::Users
        | Entity::Stages
        | Entity::LevelSettings
        | Entity::DocumentTemplates
        | Entity::ListItems
        | Entity::FieldDefinitions
        | Entity::ApprovalSettings
        | Entity::WrapUpCodes
        | Entity::SlaCalendars
        | Entity::Holidays
        | Entity::ServiceLevels
        | Entity::CallScripts
        | Entity::CannedReplies
        | Entity::Surveys
        | Entity::CareRules
        | Entity::LetterTemplates
        | Entity::ArticleVersions
        | Entity::ValueIndicators
        | Entity::ValueLevels
        | Entity::AnalysisSettings
        | Entity::FileSettings => Ok(()),
        Entity::WorkPlans | Entity::WorkLogs => {
            if text(record, "owner_id") != Some(actor.id.as_str()) {
                return Err(Denied::Forbidden(
                    "a work plan or log is written by its own salesperson; managers read them"
                        .into(),
                ));
            }
            need_read("plan_id", Entity::WorkPlans)?;
            for (field, of) in [
                ("customer_ids", Entity::Customers),
                ("activity_ids", Entity::Activities),
            ] {
                let ids = record.get(field).and_then(Value::as_array);
                let unchanged = old.is_some_and(|o| o.get(field) == record.get(field));
                for id in ids.into_iter().flatten().filter_map(Value::as_str) {
                    if unchanged {
                        break;
                    }
                    match lookup.read_set(of, id) {
                        Some(set) if actor.may_read(&set) => {}
                        _ => {
                            return Err(Denied::Forbidden(format!(
                                "{field}: no such {} that you can see",
                                of.noun()
                            )));
                        }
                    }
                }
            }
            Ok(())
        }
        Entity::Articles => need_read("product_id", Entity::Products),
        Entity::SurveyQuestions => need_read("survey_id", Entity::Surveys),
        Entity::SurveySchedules => {
            need_read("survey_id", Entity::Surveys)?;
            need_read("list_id", Entity::StaticLists)
        }
        Entity::FieldVisits => need_read("ticket_id", Entity::Tickets),
        Entity::VisitParts => {
            need_read("visit_id", Entity::FieldVisits)?;
            need_read("product_id", Entity::Products)?;
            need_read("warehouse_id", Entity::Warehouses)
        }
        Entity::ReturnVisits => {
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)?;
            need_read("ticket_id", Entity::Tickets)
        }
        Entity::Contracts => {
            need_read("customer_id", Entity::Customers)?;
            need_read("opportunity_id", Entity::Opportunities)?;
            need_read("quote_id", Entity::Quotes)
        }
        // A manager sets their own team's targets and its members', never their own.
        Entity::Targets => {
            if text(record, "customer_id").is_some() {
                return relations::may_set_dealer_target(actor, record, lookup, &need_read);
            }
            if text(record, "user_id") == Some(actor.id.as_str()) {
                return Err(Denied::Forbidden(
                    "your own target is set by an admin; ask one".into(),
                ));
            }
            let team = target_team(record, lookup);
            if team.is_some() && team == actor.team_id {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may set targets only for your own team and its members".into(),
                ))
            }
        }
        Entity::ExpenseClaims => {
            need_read("customer_id", Entity::Customers)?;
            need_read("opportunity_id", Entity::Opportunities)
        }
        Entity::Approvals => {
            need_read("contract_id", Entity::Contracts)?;
            need_read("quote_id", Entity::Quotes)?;
            need_read("expense_claim_id", Entity::ExpenseClaims)
        }
        Entity::Licences => {
            need_read("customer_id", Entity::Customers)?;
            need_read("product_id", Entity::Products)?;
            need_read("contract_id", Entity::Contracts)?;
            let customer = parent(record, "customer_id", Entity::Customers, lookup);
            if actor.holds_any(&writers_of(&customer)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this customer's licences; ask its owner or a manager"
                        .into(),
                ))
            }
        }
        Entity::Customers => may_share(actor, old, record),
        Entity::Contacts => {
            need_read("customer_id", Entity::Customers)?;
            let customer = parent(record, "customer_id", Entity::Customers, lookup);
            if actor.holds_any(&writers_of(&customer)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this customer's contacts; ask its owner or a manager"
                        .into(),
                ))
            }
        }
        Entity::Opportunities => {
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)
        }
        Entity::Activities => {
            need_read("lead_id", Entity::Leads)?;
            need_read("customer_id", Entity::Customers)?;
            need_read("ticket_id", Entity::Tickets)?;
            need_read("contact_id", Entity::Contacts)?;
            need_read("opportunity_id", Entity::Opportunities)
        }
        Entity::Tickets => {
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)
        }
        Entity::Comments => need_read("ticket_id", Entity::Tickets),
        Entity::SavedQueries | Entity::StaticLists | Entity::BulkActions => Ok(()),
        Entity::Merges => {
            if old.is_some() {
                return Err(Denied::Forbidden("only an admin may undo a merge".into()));
            }
            // Who may merge these two is `may_merge`, which the service asks with both records.
            need_read("survivor_id", Entity::Customers)?;
            need_read("merged_id", Entity::Customers)
        }
        Entity::ContactMerges => {
            if old.is_some() {
                return Err(Denied::Forbidden("only an admin may undo a merge".into()));
            }
            // Who may merge these two is `may_merge_contacts`, asked by the service.
            need_read("survivor_id", Entity::Contacts)?;
            need_read("merged_id", Entity::Contacts)
        }
        Entity::ListMembers => {
            need_read("list_id", Entity::StaticLists)?;
            let list = parent(record, "list_id", Entity::StaticLists, lookup);
            if actor.holds_any(&list_writers(&list)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "only the list's owner or a manager of its team changes who is on it".into(),
                ))
            }
        }
        Entity::Competitors => Ok(()),
        Entity::CompetitorProducts => need_read("competitor_id", Entity::Competitors),
        Entity::OpportunityCompetitors => {
            need_read("opportunity_id", Entity::Opportunities)?;
            need_read("competitor_id", Entity::Competitors)?;
            need_read("product_id", Entity::CompetitorProducts)?;
            let opportunity = parent(record, "opportunity_id", Entity::Opportunities, lookup);
            if actor.holds_any(&writers_of(&opportunity)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change who competes for this opportunity; ask its owner or a manager"
                        .into(),
                ))
            }
        }
        Entity::Products | Entity::ProductCosts | Entity::Prices => {
            if actor.role != Role::Manager {
                return Err(Denied::Forbidden(
                    "only a manager or admin may change products, costs and prices".into(),
                ));
            }
            need_read("product_id", Entity::Products)?;
            need_read("customer_id", Entity::Customers)
        }
        Entity::DiscountLimits => Err(Denied::Forbidden(
            "only an admin may set discount limits".into(),
        )),
        Entity::OpportunityLines => {
            need_read("opportunity_id", Entity::Opportunities)?;
            need_read("product_id", Entity::Products)?;
            let opportunity = parent(record, "opportunity_id", Entity::Opportunities, lookup);
            if actor.holds_any(&writers_of(&opportunity)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this opportunity's products; ask its owner or a manager"
                        .into(),
                ))
            }
        }
        Entity::Quotes => {
            if actor.role == Role::Agent {
                return Err(Denied::Forbidden(
                    "call-centre agents do not write quotes".into(),
                ));
            }
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)?;
            need_read("opportunity_id", Entity::Opportunities)?;
            need_read("supersedes", Entity::Quotes)
        }
        Entity::Warehouses | Entity::StockLevels | Entity::StockMovements => {
            need_read("product_id", Entity::Products)?;
            need_read("warehouse_id", Entity::Warehouses)
        }
        Entity::Orders => {
            need_read("customer_id", Entity::Customers)?;
            need_read("contact_id", Entity::Contacts)?;
            need_read("opportunity_id", Entity::Opportunities)?;
            need_read("quote_id", Entity::Quotes)?;
            need_read("dealer_id", Entity::Customers)?;
            need_read("warehouse_id", Entity::Warehouses)
        }
        Entity::OrderLines => {
            need_read("order_id", Entity::Orders)?;
            need_read("product_id", Entity::Products)?;
            let order = parent(record, "order_id", Entity::Orders, lookup);
            if actor.holds_any(&writers_of(&order)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this order's lines; ask its owner or a manager".into(),
                ))
            }
        }
        Entity::PaymentPlans => {
            need_read("customer_id", Entity::Customers)?;
            need_read("order_id", Entity::Orders)
        }
        Entity::Instalments => {
            need_read("plan_id", Entity::PaymentPlans)?;
            let plan = parent(record, "plan_id", Entity::PaymentPlans, lookup);
            if actor.holds_any(&writers_of(&plan)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this payment plan; ask its owner or a manager".into(),
                ))
            }
        }
        Entity::Payments => {
            need_read("customer_id", Entity::Customers)?;
            need_read("plan_id", Entity::PaymentPlans)?;
            need_read("instalment_id", Entity::Instalments)
        }
        Entity::Leads | Entity::Campaigns | Entity::CampaignMembers => {
            marketing::may_hold_from(actor, entity, old, record, lookup, &need_read)
        }
        Entity::ContactRelations | Entity::Territories | Entity::DealerAssessments => {
            relations::may_hold_from(actor, entity, record, lookup, &need_read)
        }
        // Whoever sees a record may attach a file to it (the call centre a photo a caller sent).
        Entity::Files => match text(record, "entity").and_then(Entity::from_name) {
            Some(of) => need_read(crate::schema::FILE_RECORD, of),
            None => Err(Denied::Forbidden(
                "entity: not a kind of record files attach to".into(),
            )),
        },
        Entity::QuoteLines => {
            need_read("quote_id", Entity::Quotes)?;
            need_read("product_id", Entity::Products)?;
            let quote = parent(record, "quote_id", Entity::Quotes, lookup);
            if actor.holds_any(&writers_of(&quote)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "you may not change this quote's lines; ask its owner or a manager".into(),
                ))
            }
        }
    }
}

/// Only a customer's owner and managers (admins pass before) choose who it is shared with: a
/// user it is shared with may work it but not hand it on.
fn may_share(
    actor: &Actor,
    old: Option<&Map<String, Value>>,
    record: &Map<String, Value>,
) -> Result<(), Denied> {
    let Some(old) = old else {
        return Ok(());
    };
    let shared = |r: &Map<String, Value>| -> BTreeSet<String> {
        r.get("shared_with")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    if shared(old) == shared(record)
        || actor.role == Role::Manager
        || text(old, "owner_id") == Some(actor.id.as_str())
    {
        return Ok(());
    }
    Err(Denied::Forbidden(
        "only the customer's owner or a manager may change who it is shared with".into(),
    ))
}

/// May this manager read the audit trail of this record they can see? Users and teams are
/// visible to everyone, but a user's trail (their sign-ins) and a team's belong to that team: a
/// manager reads those of their own team, and never an admin's.
pub fn manager_may_audit(
    actor: &Actor,
    entity: Entity,
    id: &str,
    record: &Map<String, Value>,
) -> bool {
    let own_team = |team: Option<&str>| team.is_some() && team == actor.team_id.as_deref();
    match entity {
        Entity::Users => {
            id == actor.id
                || (text(record, "role") != Some("admin") && own_team(text(record, "team_id")))
        }
        Entity::Teams => own_team(Some(id)),
        _ => true,
    }
}

/// Why this user may not own a deal on a customer with this read set, or None when they may:
/// an owner sells (sales, manager or admin), is active, and can see the customer (its read set
/// holds one of their principals), or the deal would be theirs on a customer hidden from them.
pub fn deal_owner_problem(
    owner: &Actor,
    active: bool,
    customer_read: &BTreeSet<String>,
) -> Option<String> {
    let who = &owner.username;
    if owner.role == Role::Agent {
        return Some(format!(
            "{who} is a call-centre agent; only sales people, managers and admins own deals"
        ));
    }
    if !active {
        return Some(format!("{who} is not active; choose someone who is"));
    }
    if !owner.may_read(customer_read) {
        return Some(format!(
            "{who} cannot see this customer; share the customer with them first, or choose someone who can"
        ));
    }
    None
}

/// May the actor merge these two customers (each given with its read set)? Admins always; a
/// manager who may change both; a salesperson only two customers they own. The duplicate review
/// queue lists only the pairs this allows.
pub fn may_merge(
    actor: &Actor,
    a: (&Map<String, Value>, &BTreeSet<String>),
    b: (&Map<String, Value>, &BTreeSet<String>),
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.may_read(a.1) || !actor.may_read(b.1) {
        return Err(Denied::Hidden);
    }
    let owns = |r: &Map<String, Value>| text(r, "owner_id") == Some(actor.id.as_str());
    let allowed = match actor.role {
        Role::Admin => true,
        Role::Manager => actor.holds_any(&writers_of(a.1)) && actor.holds_any(&writers_of(b.1)),
        Role::Sales => owns(a.0) && owns(b.0),
        Role::Agent => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "only a manager, an admin or the owner of both customers may merge them".into(),
        ))
    }
}

/// May the actor merge these two contacts (each given with its read set)? Whoever may change
/// both — a contact is its customer's writers' — and delete the one merged away; admins always.
/// Agents never (`role_may_write`). The contacts' review queue lists only the pairs this allows.
pub fn may_merge_contacts(
    actor: &Actor,
    a: (&Map<String, Value>, &BTreeSet<String>),
    b: (&Map<String, Value>, &BTreeSet<String>),
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    role_may_write(actor.role, Entity::ContactMerges).map_err(Denied::Forbidden)?;
    for (record, read) in [a, b] {
        may_delete(actor, Entity::Contacts, record, read, lookup).map_err(|d| match d {
            Denied::Hidden => Denied::Hidden,
            Denied::Forbidden(_) => Denied::Forbidden(
                "only who may change both contacts' customers (their owner, a manager, an admin) may merge them"
                    .into(),
            ),
        })?;
    }
    Ok(())
}

/// May the actor change or delete this existing record?
pub fn may_change(
    actor: &Actor,
    entity: Entity,
    current: &Map<String, Value>,
    read: &BTreeSet<String>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.may_read(read) {
        return Err(Denied::Hidden);
    }
    if actor.holds_any(&write_set(entity, current, lookup)) {
        Ok(())
    } else {
        Err(Denied::Forbidden(format!(
            "you may read this {} but not change it",
            entity.noun()
        )))
    }
}

/// May the actor delete this record? Shared users may edit a customer but only its owner, a
/// manager of its team or an admin may delete it.
pub fn may_delete(
    actor: &Actor,
    entity: Entity,
    current: &Map<String, Value>,
    read: &BTreeSet<String>,
    lookup: &dyn Lookup,
) -> Result<(), Denied> {
    may_change(actor, entity, current, read, lookup)?;
    if entity == Entity::Targets
        && !actor.is_admin()
        && text(current, "user_id") == Some(actor.id.as_str())
    {
        return Err(Denied::Forbidden(
            "your own target is set by an admin; ask one".into(),
        ));
    }
    if entity == Entity::Customers && actor.role != Role::Admin && actor.role != Role::Manager {
        let owner = text(current, "owner_id");
        if owner != Some(actor.id.as_str()) {
            return Err(Denied::Forbidden(
                "only the customer's owner or a manager may delete it".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
