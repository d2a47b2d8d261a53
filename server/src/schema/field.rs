//! Field service (seed 000 §3.7.3 现场服务, §3.7.4 完成确认) and scheduled surveys: a ticket's
//! on-site visits — an engineer, an appointment the server puts in the engineer's calendar, the
//! on-site report and the customer's confirmation —, the parts a visit used, and the schedules
//! that ask a survey of a customer list once a period (`service::field`, `service::schedules`).

use super::{Default, Descriptor, Field, Kind, describe, f};
use crate::schema::Entity;

/// Where a visit stands: planned, finished on site (its report written), or called off.
pub const VISIT_STATES: &[&str] = &["scheduled", "done", "cancelled"];
/// How often a schedule asks its survey: once per calendar month, quarter or year.
pub const SCHEDULE_PERIODS: &[&str] = &["month", "quarter", "year"];

const FIELD_VISIT_FIELDS: &[Field] = &[
    f("ticket_id", Kind::Ref(Entity::Tickets))
        .required()
        .filter(),
    // The ticket's, set by the server so the visit lists under its customer.
    f("customer_id", Kind::Ref(Entity::Customers))
        .server()
        .filter(),
    f("engineer_id", Kind::Ref(Entity::Users))
        .required()
        .filter(),
    f("starts_at", Kind::Time).required().sort().filter(),
    f("ends_at", Kind::Time),
    f("status", Kind::Enum(VISIT_STATES))
        .default(Default::Str("scheduled"))
        .filter(),
    // The engineer's calendar item, made and kept by the server.
    f("activity_id", Kind::Ref(Entity::Activities)).server(),
    // The on-site report.
    f("work_done", Kind::Text(10_000)).lines(),
    f("minutes_on_site", Kind::Int(1, 10_080)),
    // 完成确认: who at the customer confirmed the work, and when.
    f("confirmed_by", Kind::Text(100)),
    f("confirmed_at", Kind::Time),
];

const VISIT_PART_FIELDS: &[Field] = &[
    f("visit_id", Kind::Ref(Entity::FieldVisits))
        .required()
        .filter(),
    f("product_id", Kind::Ref(Entity::Products)).required(),
    f("quantity", Kind::Int(1, 1_000_000)).required(),
    // The stock the part came from: when named, the server takes it out (a movement `out`).
    f("warehouse_id", Kind::Ref(Entity::Warehouses)),
    f("notes", Kind::Text(500)),
];

const SURVEY_SCHEDULE_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("survey_id", Kind::Ref(Entity::Surveys))
        .required()
        .filter(),
    // Which customers: a query in the query language (`level:A`), or a static list, as the
    // schedule's creator sees them.
    f("query", Kind::Text(1_000)),
    f("list_id", Kind::Ref(Entity::StaticLists)),
    f("period", Kind::Enum(SCHEDULE_PERIODS)).default(Default::Str("quarter")),
    // The agent the return visits go to; none: any agent takes them.
    f("assignee_id", Kind::Ref(Entity::Users)),
    // Days from the start of a period to a visit's due date.
    f("due_days", Kind::Int(1, 366)).default(Default::Int(14)),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

pub(super) const FIELD_VISITS: Descriptor = Descriptor {
    default_sort: "starts_at",
    title: "starts_at",
    search: &["work_done", "confirmed_by"],
    indexes: &["ticket_id", "engineer_id, starts_at", "customer_id"],
    form: &[
        "ticket_id",
        "engineer_id",
        "starts_at",
        "ends_at",
        "status",
        "work_done",
        "minutes_on_site",
        "confirmed_by",
        "confirmed_at",
    ],
    access_links: &["ticket_id"],
    columns: &[
        "starts_at",
        "ticket_id",
        "engineer_id",
        "status",
        "confirmed_by",
    ],
    ..describe("field_visits", "field visit", FIELD_VISIT_FIELDS)
};

pub(super) const VISIT_PARTS: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["visit_id"],
    form: &["product_id", "quantity", "warehouse_id", "notes"],
    access_links: &["visit_id"],
    columns: &["visit_id", "product_id", "quantity", "warehouse_id"],
    ..describe("visit_parts", "visit part", VISIT_PART_FIELDS)
};

pub(super) const SURVEY_SCHEDULES: Descriptor = Descriptor {
    default_sort: "name",
    form: &[
        "name",
        "survey_id",
        "query",
        "list_id",
        "period",
        "assignee_id",
        "due_days",
        "active",
    ],
    columns: &[
        "name",
        "survey_id",
        "query",
        "period",
        "assignee_id",
        "active",
    ],
    ..describe(
        "survey_schedules",
        "survey schedule",
        SURVEY_SCHEDULE_FIELDS,
    )
};
