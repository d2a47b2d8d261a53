//! Who may read a record in a given state: its read set, from its owners and its parents'.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::*;
use crate::schema::Entity;

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
pub(super) fn attached_to(record: &Map<String, Value>, lookup: &dyn Lookup) -> BTreeSet<String> {
    text(record, "entity")
        .and_then(Entity::from_name)
        .map(|entity| parent(record, crate::schema::FILE_RECORD, entity, lookup))
        .unwrap_or_default()
}
