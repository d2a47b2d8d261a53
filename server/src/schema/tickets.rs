//! Tickets and their comments: the service desk's core records. Their service-level clocks
//! are the server's (`rules::sla`, `service::tickets`, `service::escalation`).

use super::{CUSTOM, Default, Descriptor, Entity, Field, Kind, ListName, describe, f};

pub const TICKET_CHANNELS: &[&str] = &["phone", "email", "web", "visit"];
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
pub const TICKET_STATUSES: &[&str] = &["new", "open", "pending", "resolved", "closed"];
/// How a ticket's running service-level clock stands (`rules::sla::Alert`).
pub const SLA_ALERTS: &[&str] = &["none", "due_soon", "breached"];

const TICKET_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    f("subject", Kind::Text(200)).required(),
    f("description", Kind::Text(20_000)).lines(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)),
    f("channel", Kind::Enum(TICKET_CHANNELS))
        .default(Default::Str("phone"))
        .filter(),
    f("priority", Kind::Enum(PRIORITIES))
        .default(Default::Str("normal"))
        .filter(),
    f("status", Kind::Enum(TICKET_STATUSES))
        .default(Default::Str("new"))
        .filter(),
    f("assignee_id", Kind::Ref(Entity::Users)).filter(),
    f("category", Kind::List(ListName::TicketCategories)).filter(),
    f("first_response_due", Kind::Time).server(),
    f("resolution_due", Kind::Time).server(),
    f("first_responded_at", Kind::Time).server(),
    f("resolved_at", Kind::Time).server(),
    // Where the running clock stands (`rules::sla::Alert`), kept by the server's escalation
    // sweep; the assignee's and the manager's reminders read it.
    f("sla_alert", Kind::Enum(SLA_ALERTS))
        .server()
        .default(Default::Str("none"))
        .filter(),
    f("escalated_at", Kind::Time).server(),
    f("escalated_from", Kind::Ref(Entity::Users)).server(),
    f("resolution", Kind::Text(10_000)).lines(),
    // From the return visit's survey answer (`service::surveys`), no longer typed at closing.
    f("satisfaction", Kind::Int(1, 5)).server(),
    CUSTOM,
];

const COMMENT_FIELDS: &[Field] = &[
    f("ticket_id", Kind::Ref(Entity::Tickets))
        .required()
        .filter(),
    f("body", Kind::Text(20_000)).required().lines(),
    f("internal", Kind::Bool).default(Default::Bool(false)),
];

pub(super) const TICKETS: Descriptor = Descriptor {
    title: "subject",
    number: Some("number"),
    search: &["number", "subject"],
    indexes: &[
        "customer_id",
        "status, priority",
        "assignee_id, resolution_due",
        "sla_alert, assignee_id",
        // The dashboard: the tickets resolved in a period.
        "resolved_at",
    ],
    form: &[
        "subject",
        "customer_id",
        "contact_id",
        "channel",
        "priority",
        "category",
        "assignee_id",
        "description",
    ],
    access_links: &["customer_id", "assignee_id"],
    columns: &[
        "number",
        "priority",
        "status",
        "subject",
        "customer_id",
        "assignee_id",
        "resolution_due",
    ],
    ..describe("tickets", "ticket", TICKET_FIELDS)
};

pub(super) const COMMENTS: Descriptor = Descriptor {
    title: "body",
    search: &["body"],
    indexes: &["ticket_id"],
    form: &["body", "internal"],
    access_links: &["ticket_id"],
    columns: &["ticket_id", "body", "internal"],
    ..describe("comments", "comment", COMMENT_FIELDS)
};
