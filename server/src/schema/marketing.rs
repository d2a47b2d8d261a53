//! Leads and campaigns (seed 003 线索, 营销战役, 营销项目; 001 市场管理). The rules of their
//! states are `rules::marketing`; the conversion and the campaigns' side effects are
//! `service::marketing`.

use super::{Default, Descriptor, Entity, Field, Format, Kind, ListName, describe, f};
use crate::rules::marketing;

pub const LEAD_QUALITIES: &[&str] = &marketing::LEAD_QUALITIES;
pub const LEAD_STATUSES: &[&str] = &marketing::LEAD_STATUSES;
pub const CAMPAIGN_TYPES: &[&str] = &marketing::CAMPAIGN_TYPES;
pub const CAMPAIGN_STATUSES: &[&str] = &marketing::CAMPAIGN_STATUSES;
pub const RESPONSES: &[&str] = &marketing::RESPONSES;

/// A possible sale not yet a customer (线索). Setting `status` to `converted` converts it: the
/// server makes the customer (or takes `customer_id`, the one it is attached to), a contact,
/// and an opportunity when `opportunity_name` is given, in the same write, and fills the links.
const LEAD_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    f("name", Kind::Text(100)).required().sort(),
    f("company", Kind::Text(200)),
    f("title", Kind::Text(100)),
    f("phone", Kind::Text(40)).format(Format::Phone),
    f("email", Kind::Text(254)).format(Format::Email),
    f("source", Kind::List(ListName::LeadSources)).filter(),
    f("campaign_id", Kind::Ref(Entity::Campaigns)).filter(),
    f("quality", Kind::Enum(LEAD_QUALITIES))
        .default(Default::Str("warm"))
        .filter(),
    f("score", Kind::Int(0, 100)),
    f("status", Kind::Enum(LEAD_STATUSES))
        .default(Default::Str("new"))
        .filter(),
    f("disqualify_reason", Kind::Text(500)),
    // Who works it; none: the team's pool, which its salespeople see and may claim.
    f("owner_id", Kind::Ref(Entity::Users)).filter(),
    f("team_id", Kind::Ref(Entity::Teams)).privileged().filter(),
    f("notes", Kind::Text(10_000)).lines(),
    // The customer it is for: set before converting to attach it to an existing customer;
    // set by the conversion otherwise.
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    // Asked at conversion: an opportunity of this name and amount is made with the customer.
    f("opportunity_name", Kind::Text(200)),
    f("opportunity_amount", Kind::Money),
    f("contact_id", Kind::Ref(Entity::Contacts)).server(),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).server(),
    f("converted_at", Kind::Time).server(),
];

/// A marketing campaign (营销战役/营销项目): its kind, dates, money (minor units) and owner.
/// `agent_ids` are the call-centre agents a call campaign's members are queued for.
const CAMPAIGN_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("campaign_type", Kind::Enum(CAMPAIGN_TYPES))
        .required()
        .filter(),
    f("status", Kind::Enum(CAMPAIGN_STATUSES))
        .default(Default::Str("planned"))
        .filter(),
    f("starts_on", Kind::Date).required().sort().filter(),
    f("ends_on", Kind::Date),
    f("budget", Kind::Money).default(Default::Int(0)).sort(),
    f("actual_cost", Kind::Money).default(Default::Int(0)),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("owner_id", Kind::Ref(Entity::Users)).filter(),
    f("agent_ids", Kind::Refs(Entity::Users)).default(Default::EmptyList),
    f("target_query", Kind::Text(1_000)),
    f("description", Kind::Text(10_000)).lines(),
];

/// Someone a campaign reaches: a customer, a contact (with its customer) or a lead, and how far
/// they responded. A member of a call campaign is a planned call (`activity_id`) in the callbacks
/// queue of the campaign's agents.
const CAMPAIGN_MEMBER_FIELDS: &[Field] = &[
    f("campaign_id", Kind::Ref(Entity::Campaigns))
        .required()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)).filter(),
    f("lead_id", Kind::Ref(Entity::Leads)).filter(),
    f("response", Kind::Enum(RESPONSES))
        .default(Default::Str("invited"))
        .filter(),
    f("responded_at", Kind::Time),
    f("activity_id", Kind::Ref(Entity::Activities)).server(),
    f("notes", Kind::Text(2_000)).lines(),
];

pub(super) const LEADS: Descriptor = Descriptor {
    number: Some("number"),
    search: &["number", "name", "company", "email", "phone"],
    indexes: &[
        "number",
        "owner_id, status",
        "team_id, status",
        "campaign_id",
    ],
    form: &[
        "name",
        "company",
        "title",
        "phone",
        "email",
        "source",
        "campaign_id",
        "quality",
        "score",
        "status",
        "disqualify_reason",
        "owner_id",
        "team_id",
        "notes",
        "customer_id",
        "opportunity_name",
        "opportunity_amount",
    ],
    columns: &[
        "number", "name", "company", "source", "quality", "status", "owner_id",
    ],
    access_links: &["owner_id"],
    ..describe("leads", "lead", LEAD_FIELDS)
};

pub(super) const CAMPAIGNS: Descriptor = Descriptor {
    default_sort: "starts_on",
    indexes: &["starts_on"],
    form: &[
        "name",
        "campaign_type",
        "status",
        "starts_on",
        "ends_on",
        "budget",
        "actual_cost",
        "currency",
        "owner_id",
        "agent_ids",
        "target_query",
        "description",
    ],
    columns: &[
        "name",
        "campaign_type",
        "status",
        "starts_on",
        "budget",
        "actual_cost",
        "owner_id",
    ],
    ..describe("campaigns", "campaign", CAMPAIGN_FIELDS)
};

pub(super) const CAMPAIGN_MEMBERS: Descriptor = Descriptor {
    title: "campaign_id",
    search: &["notes"],
    indexes: &[
        "campaign_id, response",
        "customer_id",
        "contact_id",
        "lead_id",
    ],
    form: &[
        "campaign_id",
        "customer_id",
        "contact_id",
        "lead_id",
        "response",
        "responded_at",
        "notes",
    ],
    columns: &[
        "campaign_id",
        "customer_id",
        "contact_id",
        "lead_id",
        "response",
        "responded_at",
    ],
    access_links: &["customer_id", "contact_id", "lead_id"],
    ..describe(
        "campaign_members",
        "campaign member",
        CAMPAIGN_MEMBER_FIELDS,
    )
};
