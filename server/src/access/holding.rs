//! May an actor bring a record into a state: `may_hold`, `may_hold_from` and the sharing rule.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::*;
use crate::schema::Entity;

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
