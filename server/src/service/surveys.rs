//! Survey rules: a question's fields agree with its kind; a return visit's answers are checked
//! against its survey's questions (`rules::surveys`: a scale outside 1–5 or, to finish it, a
//! required question unanswered is a 422 naming the question); a finished visit gives its
//! ticket's satisfaction; closing a ticket makes one return visit with the survey an admin marked
//! for it (one per ticket, whatever is retried or reopened).

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::knowledge::insert_made;
use super::products::where_eq;
use super::quotes::{live, today, touch};
use super::{now, text};
use crate::access::Actor;
use crate::error::ApiError;
use crate::rules::surveys::{self, Kind, Question};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};
use crate::validate::format_time;

/// The most questions a survey has (`survey_questions.position` goes to 200).
const MAX_QUESTIONS: usize = 200;
/// Days after a ticket's close by which its return visit is due.
const VISIT_AFTER_DAYS: i64 = 3;

/// A survey's questions, in order.
pub fn questions(tx: &dyn Tx, survey_id: &str) -> Result<Vec<Question>, ApiError> {
    let records = where_eq(
        tx,
        Entity::SurveyQuestions,
        "survey_id",
        survey_id,
        MAX_QUESTIONS,
    )?;
    Ok(surveys::ordered(
        records.iter().filter_map(Question::from_record).collect(),
    ))
}

pub(super) fn prepare(
    tx: &dyn Tx,
    entity: Entity,
    old: Option<&Record>,
    record: &mut Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::SurveyQuestions => {
            let kind = text(record, "kind")
                .and_then(Kind::parse)
                .unwrap_or(Kind::Text);
            let satisfaction = record.get("satisfaction") == Some(&Value::Bool(true));
            if let Some((field, message)) = surveys::question_problem(
                kind,
                text(record, "choices").unwrap_or_default(),
                satisfaction,
            ) {
                return Err(ApiError::invalid(field, message));
            }
            if old.is_some_and(|o| text(o, "survey_id") != text(record, "survey_id")) {
                return Err(ApiError::invalid(
                    "survey_id",
                    "a question stays in its survey; add it to the other instead",
                ));
            }
        }
        Entity::ReturnVisits => {
            let Some(survey_id) = text(record, "survey_id").map(String::from) else {
                return Ok(());
            };
            let questions = questions(tx, &survey_id)?;
            let answers = record
                .get("answers")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let done = text(record, "status") == Some("done");
            let was_done = old.and_then(|o| text(o, "status")) == Some("done");
            // Checked when given or when the visit is finished: an edit of its notes is not
            // refused for a question the admin has since removed.
            let answered = old.is_none_or(|o| o.get("answers") != record.get("answers"));
            if answered || (done && !was_done) {
                surveys::check_answers(&questions, &answers, done).map_err(ApiError::Invalid)?;
            }
            if done && !was_done {
                record.insert("done_at".into(), json!(format_time(now())));
            } else if !done {
                record.insert("done_at".into(), Value::Null);
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn after_write(
    tx: &dyn Tx,
    actor: &Actor,
    entity: Entity,
    old: Option<&Record>,
    record: &Record,
) -> Result<(), ApiError> {
    match entity {
        Entity::ReturnVisits => {
            let was_done = old.and_then(|o| text(o, "status")) == Some("done");
            if text(record, "status") != Some("done") || was_done {
                return Ok(());
            }
            let (Some(ticket), Some(survey)) =
                (text(record, "ticket_id"), text(record, "survey_id"))
            else {
                return Ok(());
            };
            let answers = record
                .get("answers")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(score) = surveys::satisfaction(&questions(tx, survey)?, &answers) {
                touch(
                    tx,
                    actor,
                    Entity::Tickets,
                    ticket,
                    &[("satisfaction", json!(score))],
                )?;
            }
        }
        Entity::Tickets => {
            let was = old.and_then(|o| text(o, "status"));
            if text(record, "status") == Some("closed") && was != Some("closed") {
                visit_after_close(tx, actor, record)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The return visit a closed ticket gets: with the first active survey marked for closed
/// tickets, for the ticket's assignee (else whoever closed it), due a few days on. None when no
/// survey is so marked, or the ticket already has one.
fn visit_after_close(tx: &dyn Tx, actor: &Actor, ticket: &Record) -> Result<(), ApiError> {
    let Some(ticket_id) = text(ticket, "id") else {
        return Ok(());
    };
    if !where_eq(tx, Entity::ReturnVisits, "ticket_id", ticket_id, 1)?.is_empty() {
        return Ok(());
    }
    let query = ListQuery {
        filters: vec![("after_ticket_close", json!(true)), ("active", json!(true))],
        sort: "created_at",
        limit: 1,
        ..ListQuery::default()
    };
    let Some(survey) = tx.list(Entity::Surveys, &query, None)?.into_iter().next() else {
        return Ok(());
    };
    let Some(customer) = text(ticket, "customer_id") else {
        return Ok(());
    };
    if live(tx, Entity::Customers, customer)?.is_none() {
        return Ok(());
    }
    let assignee = text(ticket, "assignee_id").unwrap_or(actor.id.as_str());
    let mut visit = Map::new();
    visit.insert(
        "subject".into(),
        json!(format!(
            "{} · {}",
            text(&survey, "title_zh").unwrap_or_default(),
            text(ticket, "number").unwrap_or_default()
        )),
    );
    visit.insert("survey_id".into(), json!(text(&survey, "id")));
    visit.insert("customer_id".into(), json!(customer));
    visit.insert(
        "contact_id".into(),
        ticket.get("contact_id").cloned().unwrap_or(Value::Null),
    );
    visit.insert("ticket_id".into(), json!(ticket_id));
    visit.insert("assignee_id".into(), json!(assignee));
    visit.insert(
        "due_on".into(),
        json!((today() + Duration::days(VISIT_AFTER_DAYS)).to_string()),
    );
    insert_made(tx, actor, Entity::ReturnVisits, visit)?;
    Ok(())
}
