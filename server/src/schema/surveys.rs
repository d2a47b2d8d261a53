//! Questionnaires and return visits (seeds 000 §3.10 问卷调查, 002 step 9 回访): surveys an
//! admin or manager builds, their questions, and the return visits in which an agent asks them
//! and records the answers (`rules::surveys` checks and counts them).

use super::{Default, Descriptor, Field, Kind, describe, f};
use crate::schema::Entity;

/// A question's kind: one choice, several choices, a 1–5 scale, free text.
pub const QUESTION_KINDS: &[&str] = &["single", "multiple", "scale", "text"];
/// Where a return visit stands.
pub const VISIT_STATUSES: &[&str] = &["open", "done", "declined"];

const SURVEY_FIELDS: &[Field] = &[
    f("title_en", Kind::Text(200)).required().sort(),
    f("title_zh", Kind::Text(200)).required(),
    f("description", Kind::Text(2000)).lines(),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
    // Closing a ticket makes a return visit with this survey (the first active one so marked).
    f("after_ticket_close", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
];

/// A question: its text in both languages, its choices one a line (choice kinds only),
/// whether it must be answered, and whether its scale is the ticket's satisfaction.
const QUESTION_FIELDS: &[Field] = &[
    f("survey_id", Kind::Ref(Entity::Surveys))
        .required()
        .filter(),
    f("position", Kind::Int(1, 200)).required().sort(),
    f("kind", Kind::Enum(QUESTION_KINDS)).required(),
    f("text_en", Kind::Text(500)).required(),
    f("text_zh", Kind::Text(500)).required(),
    f("choices", Kind::Text(4000)).lines(),
    f("required", Kind::Bool).default(Default::Bool(false)),
    f("satisfaction", Kind::Bool).default(Default::Bool(false)),
];

/// A return visit (回访): a survey asked of a customer by an agent. `answers` maps a question's
/// id to its answer (a scale's number, a choice's text, several choices one a line, text).
const RETURN_VISIT_FIELDS: &[Field] = &[
    f("subject", Kind::Text(200)),
    f("survey_id", Kind::Ref(Entity::Surveys))
        .required()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)),
    f("ticket_id", Kind::Ref(Entity::Tickets)).filter(),
    f("assignee_id", Kind::Ref(Entity::Users)).filter(),
    f("due_on", Kind::Date).filter(),
    f("status", Kind::Enum(VISIT_STATUSES))
        .default(Default::Str("open"))
        .filter(),
    f("answers", Kind::Map).default(Default::EmptyMap),
    f("notes", Kind::Text(10_000)).lines(),
    f("done_at", Kind::Time).server(),
    // A scheduled survey's visit: the schedule and the period it asks for (`2026-Q4`), the
    // server's, one per customer (a unique index).
    f("schedule_id", Kind::Ref(Entity::SurveySchedules))
        .server()
        .filter(),
    f("period", Kind::Text(10)).server().filter(),
];

pub(super) const SURVEYS: Descriptor = Descriptor {
    default_sort: "title_en",
    title: "title_en",
    search: &["title_en", "title_zh"],
    form: &[
        "title_en",
        "title_zh",
        "description",
        "active",
        "after_ticket_close",
    ],
    columns: &["title_en", "title_zh", "active", "after_ticket_close"],
    ..describe("surveys", "survey", SURVEY_FIELDS)
};

pub(super) const SURVEY_QUESTIONS: Descriptor = Descriptor {
    default_sort: "position",
    title: "text_en",
    search: &["text_en", "text_zh"],
    indexes: &["survey_id"],
    // A survey's delete takes its questions along.
    access_links: &["survey_id"],
    form: &[
        "survey_id",
        "position",
        "kind",
        "text_en",
        "text_zh",
        "choices",
        "required",
        "satisfaction",
    ],
    columns: &["survey_id", "position", "kind", "text_en", "required"],
    ..describe("survey_questions", "survey question", QUESTION_FIELDS)
};

pub(super) const RETURN_VISITS: Descriptor = Descriptor {
    default_sort: "created_at",
    title: "subject",
    search: &["subject"],
    indexes: &[
        "customer_id",
        "ticket_id",
        "survey_id",
        "assignee_id, status",
    ],
    form: &[
        "subject",
        "survey_id",
        "customer_id",
        "contact_id",
        "ticket_id",
        "assignee_id",
        "due_on",
        "status",
        "notes",
    ],
    access_links: &["customer_id", "assignee_id"],
    columns: &["due_on", "subject", "customer_id", "assignee_id", "status"],
    ..describe("return_visits", "return visit", RETURN_VISIT_FIELDS)
};
