//! Mail merge (群发): a letter template filled for each recipient and sent by email or SMS,
//! each message an activity on its customer. Three steps, so no transaction is held while a
//! mail server answers:
//!
//! 1. [`plan`] (a read, as the user): the recipients — the contacts named, or each customer's
//!    primary contact (else its first) — with what each gets, or why not: opted out, no
//!    address, already sent.
//! 2. [`claim`] (a write, as the user): each message's activity created, not done, under an id
//!    made from the send id and the contact (`rules::care::message_id`) through
//!    `service::create`, so the user's right to write on the customer is checked as for any
//!    activity, and a second claim of the same message finds the first.
//! 3. the API sends, then [`finish`] marks each activity done, or notes why the server refused it
//!    (`rules::care::NOT_SENT`: a retry may try that one again). An activity claimed and never
//!    finished (the server stopped mid-send) is never sent again: at most once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::text;
use crate::access::Actor;
use crate::error::ApiError;
use crate::query::Term;
use crate::rules::care::{self, NOT_SENT};
use crate::schema::Entity;
use crate::store::{ListQuery, Record, Tx};
use crate::validate::format_time;

/// Most recipients one send reaches.
pub const MAX_RECIPIENTS: usize = 1_000;

/// What became of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// To be sent (in a plan), then sent.
    Sent,
    /// The contact opted out of mail and messages.
    OptedOut,
    /// No email address (or mobile number, for SMS).
    NoAddress,
    /// This send reached them before.
    AlreadySent,
    /// An earlier try of this send was cut off before it could tell: not sent again.
    Unknown,
    /// The mail server or SMS command refused it (`error` says why); a retry may try again.
    Failed,
}

/// One recipient of a send.
#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    pub customer_id: String,
    pub contact_id: String,
    pub contact: String,
    pub address: String,
    pub outcome: Outcome,
    /// The message's activity.
    pub activity_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What it says, filled for this recipient.
    pub subject: String,
    pub text: String,
}

/// A send worked out: the template's channel and every recipient.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub channel: String,
    pub recipients: Vec<Recipient>,
}

/// Whom to send to: contacts by id, customers by id, or the customers a query finds.
#[derive(Debug, Clone, Default)]
pub struct To {
    pub contact_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub query: Option<Vec<Term>>,
}

fn primary_contact(
    tx: &dyn Tx,
    actor: &Actor,
    customer_id: &str,
) -> Result<Option<Record>, ApiError> {
    let contacts = super::list(
        tx,
        actor,
        Entity::Contacts,
        &ListQuery {
            filters: vec![("customer_id", json!(customer_id))],
            sort: "name",
            limit: 200,
            ..ListQuery::default()
        },
    )?;
    let primary = contacts
        .iter()
        .find(|c| c.get("is_primary") == Some(&json!(true)))
        .or(contacts.first());
    Ok(primary.cloned())
}

/// The recipients of `template_id` for `to`, as `actor` may see them (step 1).
pub fn plan(
    tx: &dyn Tx,
    actor: &Actor,
    template_id: &str,
    send_id: &str,
    to: &To,
    now: DateTime<Utc>,
) -> Result<Plan, ApiError> {
    let template = super::get(tx, actor, Entity::LetterTemplates, template_id)?;
    if template.get("active") != Some(&json!(true)) {
        return Err(ApiError::invalid(
            "template",
            "this letter template is not active; choose an active one",
        ));
    }
    let channel = text(&template, "channel").unwrap_or("email").to_string();
    let mut contacts: Vec<Record> = Vec::new();
    for id in &to.contact_ids {
        contacts.push(super::get(tx, actor, Entity::Contacts, id)?);
    }
    let mut customer_ids = to.customer_ids.clone();
    if let Some(terms) = &to.query {
        let conditions = super::query::conditions(tx, actor, Entity::Customers, terms)?;
        let found = super::list(
            tx,
            actor,
            Entity::Customers,
            &ListQuery {
                conditions,
                sort: "id",
                limit: MAX_RECIPIENTS + 1,
                ..ListQuery::default()
            },
        )?;
        customer_ids.extend(
            found
                .iter()
                .filter_map(|c| text(c, "id").map(str::to_string)),
        );
    }
    for id in &customer_ids {
        super::get(tx, actor, Entity::Customers, id)?;
        if let Some(contact) = primary_contact(tx, actor, id)? {
            contacts.push(contact);
        }
    }
    contacts.dedup_by(|a, b| a.get("id") == b.get("id"));
    if contacts.len() > MAX_RECIPIENTS {
        return Err(ApiError::invalid(
            "to",
            format!(
                "reaches more than {MAX_RECIPIENTS} contacts; narrow the query and send in parts"
            ),
        ));
    }
    let today = now.date_naive();
    let mut recipients = Vec::new();
    for contact in contacts {
        let contact_id = text(&contact, "id").unwrap_or_default().to_string();
        let customer_id = text(&contact, "customer_id")
            .unwrap_or_default()
            .to_string();
        let customer = tx
            .get(Entity::Customers, &customer_id)?
            .map(|c| c.record)
            .unwrap_or_default();
        let address_field = if channel == "sms" { "mobile" } else { "email" };
        let address = text(&contact, address_field)
            .unwrap_or("")
            .trim()
            .to_string();
        let activity_id = care::message_id(send_id, &contact_id);
        let outcome = if contact.get("opted_out") == Some(&json!(true)) {
            Outcome::OptedOut
        } else if address.is_empty() {
            Outcome::NoAddress
        } else {
            match tx.get(Entity::Activities, &activity_id)? {
                None => Outcome::Sent,
                Some(a) if a.record.get("done") == Some(&json!(true)) => Outcome::AlreadySent,
                Some(a) if text(&a.record, "notes").is_some_and(|n| n.starts_with(NOT_SENT)) => {
                    Outcome::Sent
                }
                Some(_) => Outcome::Unknown,
            }
        };
        let subject_values = super::care::subject_of(tx, &customer, Some(&contact), today)?;
        let fill = |field: &str| {
            care::fill(text(&template, field).unwrap_or_default(), &subject_values)
                .map_err(|e| ApiError::invalid(field, format!("the letter template: {e}")))
        };
        recipients.push(Recipient {
            customer_id,
            contact_id,
            contact: text(&contact, "name").unwrap_or_default().to_string(),
            address,
            outcome,
            activity_id,
            error: None,
            subject: fill("subject")?,
            text: fill("body")?,
        });
    }
    Ok(Plan {
        channel,
        recipients,
    })
}

/// Creates each message's activity, not yet done, as `actor` (step 2). A recipient whose
/// activity another request made meanwhile is marked as that one stands.
pub fn claim(
    tx: &dyn Tx,
    actor: &Actor,
    template_id: &str,
    plan: &mut Plan,
) -> Result<(), ApiError> {
    let kind = if plan.channel == "sms" {
        "sms"
    } else {
        "email"
    };
    for r in plan
        .recipients
        .iter_mut()
        .filter(|r| r.outcome == Outcome::Sent)
    {
        match tx.get(Entity::Activities, &r.activity_id)? {
            Some(a) if a.record.get("done") == Some(&json!(true)) => {
                r.outcome = Outcome::AlreadySent;
                continue;
            }
            Some(a) if text(&a.record, "notes").is_some_and(|n| n.starts_with(NOT_SENT)) => {
                // A refused try of this send: sent again under the same activity.
                continue;
            }
            Some(_) => {
                r.outcome = Outcome::Unknown;
                continue;
            }
            None => {}
        }
        let subject = if r.subject.is_empty() {
            format!("{kind}: {}", r.contact)
        } else {
            r.subject.clone()
        };
        let mut body = Record::new();
        body.insert("id".into(), json!(r.activity_id));
        body.insert("kind".into(), json!(kind));
        body.insert(
            "subject".into(),
            json!(subject.chars().take(200).collect::<String>()),
        );
        body.insert(
            "notes".into(),
            json!(r.text.chars().take(10_000).collect::<String>()),
        );
        body.insert("customer_id".into(), json!(r.customer_id));
        body.insert("contact_id".into(), json!(r.contact_id));
        body.insert("letter_template_id".into(), json!(template_id));
        body.insert("done".into(), json!(false));
        super::create(tx, actor, Entity::Activities, &body, true)?;
    }
    Ok(())
}

/// Marks what was sent done and notes what was refused (step 3).
pub fn finish(tx: &dyn Tx, actor: &Actor, plan: &Plan, now: DateTime<Utc>) -> Result<(), ApiError> {
    for r in &plan.recipients {
        let changes = match r.outcome {
            Outcome::Sent => vec![
                ("done", json!(true)),
                ("ends_at", json!(format_time(now))),
                (
                    "notes",
                    json!(r.text.chars().take(10_000).collect::<String>()),
                ),
            ],
            Outcome::Failed => {
                let why = r.error.clone().unwrap_or_default();
                let notes: String = format!("{NOT_SENT}{why}\n\n{}", r.text)
                    .chars()
                    .take(10_000)
                    .collect();
                vec![("notes", json!(notes))]
            }
            _ => continue,
        };
        let Some(stored) = tx.get(Entity::Activities, &r.activity_id)? else {
            continue;
        };
        super::marketing::edit_as_server(tx, actor, Entity::Activities, stored.record, &changes)?;
    }
    Ok(())
}
