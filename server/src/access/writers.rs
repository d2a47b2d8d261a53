//! Who may change or delete a record in a given state: its write set, from its read set and
//! its parents' (the read side is `read_set`, beside it in `access`).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::*;
use crate::schema::Entity;

/// Those who change a saved query or static list with this read set: its owner and, when
/// shared with a team, that team's managers (admins always may).
pub(super) fn list_writers(read: &BTreeSet<String>) -> BTreeSet<String> {
    read.iter()
        .filter_map(|p| match p.strip_prefix("m:") {
            Some(team) => Some(team_principal(team)),
            None => p.starts_with("u:").then(|| p.clone()),
        })
        .collect()
}

/// The principals that may change or delete a record in the state given.
pub fn write_set(
    entity: Entity,
    record: &Map<String, Value>,
    lookup: &dyn Lookup,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    match entity {
        Entity::Teams
        | Entity::Users
        | Entity::LevelSettings
        | Entity::DocumentTemplates
        | Entity::ListItems
        | Entity::FieldDefinitions
        | Entity::DiscountLimits
        | Entity::ApprovalSettings
        | Entity::WrapUpCodes
        | Entity::SlaCalendars
        | Entity::Holidays
        | Entity::ServiceLevels
        | Entity::ArticleVersions
        | Entity::Merges
        | Entity::ContactMerges
        | Entity::BulkActions
        | Entity::ValueIndicators
        | Entity::ValueLevels
        | Entity::AnalysisSettings
        | Entity::FileSettings => {}
        // Only its writer changes it; the managers read it.
        Entity::WorkPlans | Entity::WorkLogs => {
            if let Some(owner) = text(record, "owner_id") {
                set.insert(user_principal(owner));
            }
        }
        Entity::Stages
        | Entity::Products
        | Entity::ProductCosts
        | Entity::Prices
        | Entity::Warehouses
        | Entity::StockLevels
        | Entity::StockMovements
        | Entity::CallScripts
        | Entity::CannedReplies
        | Entity::Articles
        | Entity::Surveys
        | Entity::SurveyQuestions
        | Entity::SurveySchedules
        | Entity::CareRules
        | Entity::LetterTemplates => {
            set.insert(MANAGERS.to_string());
        }
        // Who may change the ticket, any agent (the call centre books visits), the engineer.
        Entity::FieldVisits => {
            set = writers_of(&parent(record, "ticket_id", Entity::Tickets, lookup));
            set.insert(AGENT.to_string());
            set.extend(owner_principals(record, "engineer_id", lookup));
        }
        Entity::VisitParts => {
            set = writers_of(&parent(record, "visit_id", Entity::FieldVisits, lookup));
            set.insert(AGENT.to_string());
        }
        // Whoever may change the customer, the agent it is given to, any agent while nobody is.
        Entity::ReturnVisits => {
            set = writers_of(&parent(record, "customer_id", Entity::Customers, lookup));
            set.extend(owner_principals(record, "assignee_id", lookup));
            if text(record, "assignee_id").is_none() {
                set.insert(AGENT.to_string());
            }
        }
        Entity::Customers
        | Entity::Contacts
        | Entity::Opportunities
        | Entity::Activities
        | Entity::OpportunityCompetitors
        | Entity::OpportunityLines
        | Entity::Quotes
        | Entity::QuoteLines
        | Entity::Orders
        | Entity::OrderLines
        | Entity::PaymentPlans
        | Entity::Instalments
        | Entity::Payments
        | Entity::Contracts
        | Entity::ExpenseClaims => {
            set = writers_of(&read_set(entity, record, lookup));
        }
        Entity::Licences => {
            set = writers_of(&parent(record, "customer_id", Entity::Customers, lookup));
        }
        // Its submitter (to withdraw) and its approver (to decide); the service says which.
        Entity::Approvals => {
            for person in ["submitted_by", "approver_id"] {
                if let Some(id) = text(record, person) {
                    set.insert(user_principal(id));
                }
            }
        }
        // Shared knowledge, curated: managers, and whoever wrote the entry.
        Entity::Competitors | Entity::CompetitorProducts => {
            set.insert(MANAGERS.to_string());
            if let Some(author) = text(record, "created_by") {
                set.insert(user_principal(author));
            }
        }
        Entity::Tickets => {
            set = writers_of(&parent(record, "customer_id", Entity::Customers, lookup));
            set.extend(owner_principals(record, "assignee_id", lookup));
            if text(record, "assignee_id").is_none() {
                set.insert(AGENT.to_string());
            }
        }
        Entity::Leads | Entity::Campaigns | Entity::CampaignMembers => {
            set = marketing::write_set(entity, record, lookup);
        }
        // Renamed or removed by those who may change its record, and by whoever attached it.
        Entity::Files => {
            set = writers_of(&attached_to(record, lookup));
            if let Some(author) = text(record, "created_by") {
                set.insert(user_principal(author));
            }
        }
        Entity::Comments => {
            if let Some(author) = text(record, "created_by") {
                set.insert(user_principal(author));
            }
            if let Some(team) = text(record, "created_by").and_then(|a| lookup.team_of(a)) {
                set.insert(team_principal(&team));
            }
        }
        // The managers of the team it counts in (its user's team); never its user. A dealer's:
        // the managers of the teams that see the dealer.
        Entity::Targets => {
            if text(record, "customer_id").is_some() {
                set.extend(relations::dealer_target_writers(record, lookup));
            } else if let Some(team) = target_team(record, lookup) {
                set.insert(team_principal(&team));
            }
        }
        Entity::ContactRelations | Entity::Territories | Entity::DealerAssessments => {
            set = relations::write_set(entity, record, lookup);
        }
        Entity::SavedQueries | Entity::StaticLists => {
            set = list_writers(&read_set(entity, record, lookup));
        }
        Entity::ListMembers => {
            set = list_writers(&parent(record, "list_id", Entity::StaticLists, lookup));
        }
    }
    set
}

/// The team a target counts in: its own, or its user's.
pub(super) fn target_team(record: &Map<String, Value>, lookup: &dyn Lookup) -> Option<String> {
    match text(record, "team_id") {
        Some(team) => Some(team.to_string()),
        None => text(record, "user_id").and_then(|u| lookup.team_of(u)),
    }
}
