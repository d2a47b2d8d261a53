//! Entity descriptors: the one place that says which fields each record has, of what kind, who
//! may set them, and which can be filtered or sorted on. Storage, validation, the change feed and
//! the OpenAPI document are all driven by these tables, so they cannot drift apart.

use serde::{Deserialize, Serialize};

/// Every kind of record the server keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Teams,
    Users,
    Stages,
    Customers,
    Contacts,
    Opportunities,
    Activities,
    Tickets,
    Comments,
}

impl Entity {
    pub const ALL: [Entity; 9] = [
        Entity::Teams,
        Entity::Users,
        Entity::Stages,
        Entity::Customers,
        Entity::Contacts,
        Entity::Opportunities,
        Entity::Activities,
        Entity::Tickets,
        Entity::Comments,
    ];

    /// The name used in URLs, the change feed and as the SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Teams => "teams",
            Entity::Users => "users",
            Entity::Stages => "stages",
            Entity::Customers => "customers",
            Entity::Contacts => "contacts",
            Entity::Opportunities => "opportunities",
            Entity::Activities => "activities",
            Entity::Tickets => "tickets",
            Entity::Comments => "comments",
        }
    }

    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The singular noun, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Entity::Teams => "team",
            Entity::Users => "user",
            Entity::Stages => "stage",
            Entity::Customers => "customer",
            Entity::Contacts => "contact",
            Entity::Opportunities => "opportunity",
            Entity::Activities => "activity",
            Entity::Tickets => "ticket",
            Entity::Comments => "comment",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Entity::Teams => TEAM,
            Entity::Users => USER,
            Entity::Stages => STAGE,
            Entity::Customers => CUSTOMER,
            Entity::Contacts => CONTACT,
            Entity::Opportunities => OPPORTUNITY,
            Entity::Activities => ACTIVITY,
            Entity::Tickets => TICKET,
            Entity::Comments => COMMENT,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The sort used when a list request names none: newest first is what people expect of
    /// activity-like records, alphabetical of master data.
    pub fn default_sort(self) -> &'static str {
        match self {
            Entity::Stages => "position",
            Entity::Customers | Entity::Teams => "name",
            Entity::Users => "username",
            Entity::Contacts => "name",
            _ => "created_at",
        }
    }
}

/// What a field holds; decides its SQL column, its JSON shape and its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text up to this many characters.
    Text(usize),
    /// One of a fixed set of lowercase words.
    Enum(&'static [&'static str]),
    /// The id of a record of another entity.
    Ref(Entity),
    /// A whole number in an inclusive range.
    Int(i64, i64),
    /// Money in integer minor units (fen, cents); never negative.
    Money,
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An instant, RFC 3339, stored and sent in UTC.
    Time,
    /// A list of short labels.
    Tags,
    /// A list of ids of records of another entity.
    Refs(Entity),
    /// A JSON object of extension fields: string keys, scalar values.
    Map,
}

/// Who may set a field from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who may write the record.
    Open,
    /// Only managers and admins (owner, team).
    Privileged,
    /// Only admins (a user's role).
    Admin,
    /// Only the server (generated numbers, SLA due times, timestamps).
    Server,
}

/// A value a field takes when a create leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    Null,
    Str(&'static str),
    Int(i64),
    Bool(bool),
    EmptyList,
    EmptyMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Must be present (and not null) on create.
    pub required: bool,
    pub access: Access,
    pub default: Default,
    /// May be used as `?name=value` in lists.
    pub filter: bool,
    /// May be used as `?sort=name`; only NOT NULL columns, so cursors compare cleanly.
    pub sort: bool,
    /// The server fills it when a create leaves it out (customer codes, ticket numbers).
    pub generated: bool,
    /// Text of several lines (notes, descriptions): newlines and tabs are allowed in it, as in
    /// no other text field.
    pub lines: bool,
}

impl Field {
    /// True when the column can never hold NULL.
    pub fn not_null(&self) -> bool {
        self.required || self.generated || !matches!(self.default, Default::Null)
    }
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        access: Access::Open,
        default: Default::Null,
        filter: false,
        sort: false,
        generated: false,
        lines: false,
    }
}

impl Field {
    const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    const fn privileged(mut self) -> Field {
        self.access = Access::Privileged;
        self
    }
    const fn admin(mut self) -> Field {
        self.access = Access::Admin;
        self
    }
    const fn server(mut self) -> Field {
        self.access = Access::Server;
        self
    }
    const fn default(mut self, d: Default) -> Field {
        self.default = d;
        self
    }
    const fn filter(mut self) -> Field {
        self.filter = true;
        self
    }
    const fn generated(mut self) -> Field {
        self.generated = true;
        self
    }
    const fn sort(mut self) -> Field {
        self.sort = true;
        self
    }
    const fn lines(mut self) -> Field {
        self.lines = true;
        self
    }
}

/// Fields every record carries, set only by the server.
pub const SYSTEM_FIELDS: &[&str] = &["id", "version", "created_at", "updated_at", "created_by"];

pub const ROLES: &[&str] = &["admin", "manager", "sales", "agent"];
pub const LEVELS: &[&str] = &["A", "B", "C", "D"];
pub const CUSTOMER_KINDS: &[&str] = &["company", "person"];
pub const CATEGORIES: &[&str] = &[
    "prospect", "customer", "partner", "dealer", "supplier", "other",
];
pub const LIFECYCLE: &[&str] = &["potential", "active", "dormant", "lost"];
pub const CHANNELS: &[&str] = &["phone", "mobile", "email", "wechat", "visit", "sms", "web"];
pub const STAGE_KINDS: &[&str] = &["open", "won", "lost"];
pub const ACTIVITY_KINDS: &[&str] = &["call", "meeting", "visit", "task", "email", "note"];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound"];
pub const CALL_OUTCOMES: &[&str] = &[
    "answered",
    "no_answer",
    "busy",
    "voicemail",
    "wrong_number",
    "callback_requested",
    "resolved",
    "escalated",
    "sale",
];
pub const TICKET_CHANNELS: &[&str] = &["phone", "email", "web", "visit"];
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
pub const TICKET_STATUSES: &[&str] = &["new", "open", "pending", "resolved", "closed"];

const TEAM: &[Field] = &[
    f("name", Kind::Text(100)).required().sort().filter(),
    f("description", Kind::Text(2000)).lines(),
];

const USER: &[Field] = &[
    f("username", Kind::Text(64))
        .required()
        .admin()
        .sort()
        .filter(),
    f("display_name", Kind::Text(100)).required().admin(),
    f("role", Kind::Enum(ROLES)).required().admin().filter(),
    f("team_id", Kind::Ref(Entity::Teams)).admin().filter(),
    f("email", Kind::Text(254)).admin(),
    f("active", Kind::Bool)
        .admin()
        .default(Default::Bool(true))
        .filter(),
];

const STAGE: &[Field] = &[
    f("name", Kind::Text(100)).required().sort(),
    f("position", Kind::Int(0, 1000)).required().sort(),
    f("probability", Kind::Int(0, 100)).required(),
    f("kind", Kind::Enum(STAGE_KINDS))
        .default(Default::Str("open"))
        .filter(),
];

const CUSTOMER: &[Field] = &[
    f("code", Kind::Text(32)).generated().sort().filter(),
    f("name", Kind::Text(200)).required().sort(),
    f("kind", Kind::Enum(CUSTOMER_KINDS))
        .default(Default::Str("company"))
        .filter(),
    f("industry", Kind::Text(100)).filter(),
    f("region", Kind::Text(100)).filter(),
    f("level", Kind::Enum(LEVELS)).filter(),
    f("category", Kind::Enum(CATEGORIES))
        .default(Default::Str("prospect"))
        .filter(),
    f("lifecycle", Kind::Enum(LIFECYCLE))
        .default(Default::Str("potential"))
        .filter(),
    f("source", Kind::Text(100)).filter(),
    f("address", Kind::Text(500)),
    f("postcode", Kind::Text(20)),
    f("phone", Kind::Text(40)),
    f("fax", Kind::Text(40)),
    f("website", Kind::Text(200)),
    f("email", Kind::Text(254)),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("team_id", Kind::Ref(Entity::Teams)).privileged().filter(),
    f("shared_with", Kind::Refs(Entity::Users)).default(Default::EmptyList),
    f("tags", Kind::Tags).default(Default::EmptyList),
    f("notes", Kind::Text(10_000)).lines(),
    f("extra", Kind::Map).default(Default::EmptyMap),
];

const CONTACT: &[Field] = &[
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("name", Kind::Text(100)).required().sort(),
    f("title", Kind::Text(100)),
    f("department", Kind::Text(100)),
    f("phone", Kind::Text(40)),
    f("mobile", Kind::Text(40)),
    f("email", Kind::Text(254)),
    f("birthday", Kind::Date),
    f("is_primary", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
    f("preferred_channel", Kind::Enum(CHANNELS)),
    f("notes", Kind::Text(10_000)).lines(),
];

const OPPORTUNITY: &[Field] = &[
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)),
    f("name", Kind::Text(200)).required().sort(),
    f("stage_id", Kind::Ref(Entity::Stages)).filter(),
    f("amount", Kind::Money).default(Default::Int(0)).sort(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("probability", Kind::Int(0, 100)),
    f("expected_close", Kind::Date).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("source", Kind::Text(100)),
    f("next_step", Kind::Text(500)),
    f("close_reason", Kind::Text(500)),
];

const ACTIVITY: &[Field] = &[
    f("kind", Kind::Enum(ACTIVITY_KINDS)).required().filter(),
    f("subject", Kind::Text(200)).required(),
    f("notes", Kind::Text(10_000)).lines(),
    f("starts_at", Kind::Time),
    f("ends_at", Kind::Time),
    f("due_at", Kind::Time),
    f("done", Kind::Bool).default(Default::Bool(false)).filter(),
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)).filter(),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).filter(),
    f("ticket_id", Kind::Ref(Entity::Tickets)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("direction", Kind::Enum(DIRECTIONS)),
    f("duration_seconds", Kind::Int(0, 86_400)),
    f("outcome", Kind::Enum(CALL_OUTCOMES)).filter(),
];

const TICKET: &[Field] = &[
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
    f("category", Kind::Text(100)).filter(),
    f("first_response_due", Kind::Time).server(),
    f("resolution_due", Kind::Time).server(),
    f("first_responded_at", Kind::Time).server(),
    f("resolved_at", Kind::Time).server(),
    f("resolution", Kind::Text(10_000)).lines(),
    f("satisfaction", Kind::Int(1, 5)),
];

const COMMENT: &[Field] = &[
    f("ticket_id", Kind::Ref(Entity::Tickets))
        .required()
        .filter(),
    f("body", Kind::Text(20_000)).required().lines(),
    f("internal", Kind::Bool).default(Default::Bool(false)),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_name(e.name()), Some(e));
        }
        assert_eq!(Entity::from_name("nope"), None);
    }

    #[test]
    fn sortable_fields_are_never_null() {
        for e in Entity::ALL {
            for field in e.fields().iter().filter(|f| f.sort) {
                assert!(
                    field.not_null(),
                    "{}.{} is sortable but nullable",
                    e.name(),
                    field.name
                );
            }
            let default = e.default_sort();
            assert!(
                SYSTEM_FIELDS.contains(&default) || e.field(default).is_some_and(|f| f.sort),
                "{} sorts by default on {default}, which is not sortable",
                e.name()
            );
        }
    }

    #[test]
    fn no_field_shadows_a_system_field() {
        for e in Entity::ALL {
            for field in e.fields() {
                assert!(
                    !SYSTEM_FIELDS.contains(&field.name),
                    "{}.{}",
                    e.name(),
                    field.name
                );
            }
        }
    }
}
