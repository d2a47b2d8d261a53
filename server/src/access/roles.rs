//! What a role may write at all, whatever the record: the rules `may_hold_from` and
//! `may_change` start from, the capabilities a client is told, and who may import what.

use serde_json::{Map, Value};

use super::{Role, marketing, relations};
use crate::schema::Entity;

/// Whether a role may create, change or delete records of an entity at all, whatever the
/// record (the rest of `may_hold_from` and `may_change` then decide per record); why not, when
/// it may not. Admins may everything. The client learns it through `capabilities`.
pub fn role_may_write(role: Role, entity: Entity) -> Result<(), String> {
    if role == Role::Admin {
        return Ok(());
    }
    match entity {
        Entity::Teams
        | Entity::Users
        | Entity::LevelSettings
        | Entity::DocumentTemplates
        | Entity::ListItems
        | Entity::FieldDefinitions
        | Entity::ApprovalSettings
        | Entity::WrapUpCodes
        | Entity::SlaCalendars
        | Entity::Holidays
        | Entity::ServiceLevels
        | Entity::ValueIndicators
        | Entity::ValueLevels
        | Entity::AnalysisSettings
        | Entity::FileSettings => Err(format!("only an admin may change {}", entity.name())),
        Entity::Contracts | Entity::Licences if role == Role::Agent => {
            Err("call-centre agents read licences but do not write contracts or licences".into())
        }
        Entity::ArticleVersions => {
            Err("article versions are kept by the server; edit the article instead".into())
        }
        Entity::CallScripts
        | Entity::CannedReplies
        | Entity::Articles
        | Entity::Surveys
        | Entity::SurveyQuestions
        | Entity::SurveySchedules
        | Entity::CareRules
        | Entity::LetterTemplates
            if role != Role::Manager =>
        {
            Err(format!(
                "only a manager or admin may change {}",
                entity.name().replace('_', " ")
            ))
        }
        Entity::Stages if role != Role::Manager => {
            Err("only a manager or admin may change pipeline stages".into())
        }
        Entity::Targets if role != Role::Manager => {
            Err("only a manager or admin may set targets".into())
        }
        Entity::Warehouses | Entity::StockLevels | Entity::StockMovements
            if role != Role::Manager =>
        {
            Err("only a manager or admin may change warehouses and stock".into())
        }
        Entity::Orders
        | Entity::OrderLines
        | Entity::PaymentPlans
        | Entity::Instalments
        | Entity::Payments
            if role == Role::Agent =>
        {
            Err("call-centre agents read orders and payments but do not write them".into())
        }
        Entity::Opportunities if role == Role::Agent => {
            Err("call-centre agents do not work opportunities".into())
        }
        Entity::Competitors | Entity::CompetitorProducts | Entity::OpportunityCompetitors
            if role == Role::Agent =>
        {
            Err("call-centre agents read competitors but do not record them".into())
        }
        Entity::Leads | Entity::Campaigns | Entity::CampaignMembers => {
            marketing::role_may_write(role, entity)
        }
        Entity::Merges | Entity::ContactMerges | Entity::BulkActions if role == Role::Agent => Err(
            "call-centre agents do not merge or reassign customers; ask the owner or a manager"
                .into(),
        ),
        Entity::ContactRelations | Entity::Territories | Entity::DealerAssessments => {
            relations::role_may_write(role, entity)
        }
        _ => Ok(()),
    }
}

/// The entities a file may be imported into, and who may import each: whoever may write it,
/// except that call-centre agents bring in leads only and the product catalogue is a manager's.
/// Each row is then checked as a single create would be (`service::import`).
pub fn may_import(role: Role, entity: Entity) -> Result<(), String> {
    if !matches!(
        entity,
        Entity::Customers | Entity::Contacts | Entity::Leads | Entity::Products
    ) {
        return Err(format!(
            "{} cannot be imported; customers, contacts, leads and products can",
            entity.name().replace('_', " ")
        ));
    }
    role_may_write(role, entity)?;
    match (role, entity) {
        (Role::Agent, Entity::Customers | Entity::Contacts | Entity::Products) => Err(format!(
            "call-centre agents import leads, not {}; ask a manager",
            entity.name()
        )),
        (Role::Sales, Entity::Products) => {
            Err("only a manager or admin imports the product catalogue".into())
        }
        _ => Ok(()),
    }
}

/// What a role may do per entity, as `/me` and sign-in send it: `{entity: {"create", "edit",
/// "delete"}}`, each true or false. Per-record rules (whose customer it is) still apply on
/// the write; these say which actions a screen offers at all.
pub fn capabilities(role: Role) -> Map<String, Value> {
    Entity::ALL
        .into_iter()
        .map(|entity| {
            let may = role_may_write(role, entity).is_ok();
            let caps = serde_json::json!({ "create": may, "edit": may, "delete": may });
            (entity.name().to_string(), caps)
        })
        .collect()
}
