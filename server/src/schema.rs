//! Entity descriptors: the one place that says which fields each record has, of what kind, who
//! may set them, and which can be filtered or sorted on. Storage, validation, the change feed and
//! the OpenAPI document are all driven by these tables, so they cannot drift apart.

use serde::{Deserialize, Serialize};

mod descriptor;
use descriptor::f;
pub use descriptor::{Access, Default, Descriptor, Field, Format, Kind};

mod admin;
mod analysis;
mod approvals;
mod care;
mod competition;
mod desk;
mod documents;
mod field;
mod files;
mod knowledge;
mod lists;
mod marketing;
mod merges;
mod orders;
mod relations;
mod sales;
mod surveys;
mod targets;
mod tickets;

pub use admin::{CUSTOM_KINDS, FIELD_ROLES, LIST_NAMES, ListName};
use admin::{FIELD_DEFINITIONS, LIST_ITEMS};
pub use approvals::{
    APPROVAL_KINDS, APPROVAL_STATUSES, CONTRACT_FORMATS, CONTRACT_TYPES, EXPENSE_CATEGORIES,
    SUBJECT_STATUSES,
};
use approvals::{APPROVAL_SETTINGS, APPROVALS, CONTRACTS, EXPENSE_CLAIMS, LICENCES};
pub use care::{CARE_OCCASIONS, LETTER_CHANNELS};
use care::{CARE_RULES, LETTER_TEMPLATES};

use analysis::{ANALYSIS_SETTINGS, VALUE_INDICATOR_DESC, VALUE_LEVELS, WORK_LOGS, WORK_PLANS};
pub use analysis::{PLAN_STATUSES, VALUE_INDICATORS};
pub use competition::{COMPETITION_STATUSES, THREATS};
use competition::{COMPETITOR_PRODUCTS, COMPETITORS, OPPORTUNITY_COMPETITORS};
use desk::{CALL_SCRIPTS, CANNED_REPLIES, HOLIDAYS, SERVICE_LEVELS, SLA_CALENDARS, WRAP_UP_CODES};
pub use desk::{DAY_KINDS, FOLLOW_UPS};
use documents::DOCUMENT_TEMPLATES;
pub use documents::{DOCUMENT_FORMATS, DOCUMENT_KINDS, DOCUMENT_LANGS};
use field::{FIELD_VISITS, SURVEY_SCHEDULES, VISIT_PARTS};
pub use field::{SCHEDULE_PERIODS, VISIT_STATES};
pub use files::{ATTACHABLE, FILE_RECORD};
use files::{FILE_SETTINGS, FILES};
pub use knowledge::VISIBILITIES;
use knowledge::{ARTICLE_VERSIONS, ARTICLES};
pub use lists::MAX_LIST_MEMBERS;
use lists::{LIST_MEMBERS, SAVED_QUERIES, STATIC_LISTS};
use marketing::{CAMPAIGN_MEMBERS, CAMPAIGNS, LEADS};
pub use marketing::{CAMPAIGN_STATUSES, CAMPAIGN_TYPES, LEAD_QUALITIES, LEAD_STATUSES, RESPONSES};
use merges::{BULK_ACTIONS, CONTACT_MERGES, MERGES};
pub use merges::{BULK_KINDS, MAX_BULK, MERGE_STATUSES};
pub use orders::{INSTALMENT_STATUSES, MOVEMENT_KINDS, ORDER_STATUSES, PAYMENT_METHODS};
use orders::{
    INSTALMENTS, ORDER_LINES, ORDERS, PAYMENT_PLANS, PAYMENTS, STOCK_LEVELS, STOCK_MOVEMENTS,
    WAREHOUSES,
};
pub use relations::RELATION_KINDS;
use relations::{CONTACT_RELATIONS, DEALER_ASSESSMENTS, TERRITORIES};
use sales::{
    DISCOUNT_LIMITS, OPPORTUNITY_LINES, PRICES, PRODUCT_COSTS, PRODUCTS, QUOTE_LINES, QUOTES,
};
pub use sales::{PRODUCT_KINDS, QUOTE_STATUSES};
pub use surveys::{QUESTION_KINDS, VISIT_STATUSES};
use surveys::{RETURN_VISITS, SURVEY_QUESTIONS, SURVEYS};
use targets::TARGETS;
use tickets::{COMMENTS, TICKETS};
pub use tickets::{PRIORITIES, SLA_ALERTS, TICKET_CHANNELS, TICKET_STATUSES};

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
    Competitors,
    CompetitorProducts,
    OpportunityCompetitors,
    /// Settings per customer level an admin changes (reminders' days without contact).
    LevelSettings,
    Products,
    ProductCosts,
    Prices,
    OpportunityLines,
    DiscountLimits,
    Quotes,
    QuoteLines,
    Warehouses,
    StockLevels,
    StockMovements,
    Orders,
    OrderLines,
    PaymentPlans,
    Instalments,
    Payments,
    /// The amount above which an approval of a kind goes to an admin.
    ApprovalSettings,
    Contracts,
    ExpenseClaims,
    Approvals,
    Licences,
    /// How a call ended, defined by the admin (the call dialog's digits).
    WrapUpCodes,
    /// Opening hours per weekday in a zone, which service levels count in.
    SlaCalendars,
    /// Public holidays and working weekends, for every calendar.
    Holidays,
    /// Response and resolution times per priority and customer level.
    ServiceLevels,
    /// What to say during a call, per ticket category.
    CallScripts,
    /// Replies inserted into ticket comments.
    CannedReplies,
    /// The values of the lists an admin edits (levels, categories, industries…).
    ListItems,
    /// The custom (extension) fields an admin defines per entity.
    FieldDefinitions,
    /// The templates quotes and contracts are printed from, an admin's.
    DocumentTemplates,
    Targets,
    /// A user's named query of one entity, private or shared with their team.
    SavedQueries,
    /// A named, fixed set of records of one entity (a campaign's call list).
    StaticLists,
    /// One record in a static list.
    ListMembers,
    /// Knowledge-base articles (`KB-000123`).
    Articles,
    /// An article as it was before an edit.
    ArticleVersions,
    /// Questionnaires.
    Surveys,
    SurveyQuestions,
    /// A survey asked of a customer (回访), with its answers.
    ReturnVisits,
    /// Possible sales not yet customers (线索), converted into a customer, contact and deal.
    Leads,
    /// Marketing campaigns (营销战役): events, mailings, calls, exhibitions.
    Campaigns,
    /// Who a campaign reaches and how far they responded.
    CampaignMembers,
    /// An engineer's on-site visit for a ticket (现场服务) with its report and confirmation.
    FieldVisits,
    /// A product a field visit used.
    VisitParts,
    /// A survey asked of a customer list once a period (each A-level customer each quarter).
    SurveySchedules,
    /// How one contact stands to another (reports to, assistant of, influences, family).
    ContactRelations,
    /// Regions with an owner and team that new customers there are assigned to (区域).
    Territories,
    /// A dealer's periodic scores (经销商考察).
    DealerAssessments,
    /// One customer merged into another (undoable by an admin); the merged-away id redirects.
    Merges,
    /// One change made to many marked customers at once, all or nothing.
    BulkActions,
    /// One contact merged into another, as customers merge (undoable by an admin).
    ContactMerges,
    /// What makes care tasks on an occasion (birthdays, holidays…), with its preset wording.
    CareRules,
    /// Letters and messages a mail merge or SMS sends, with placeholders.
    LetterTemplates,
    /// A file attached to a record: its name, size, type and digest (the bytes stay on the
    /// server's disk until asked for).
    Files,
    /// The admin's limits on attached files: the largest size and the kinds allowed.
    FileSettings,
    /// A salesperson's plan for a week (工作计划).
    WorkPlans,
    /// A salesperson's log of a day (工作日志).
    WorkLogs,
    /// The admin's value model: one measure of a customer's value and its weight.
    ValueIndicators,
    /// The admin's value model: the least score a level is suggested at.
    ValueLevels,
    /// The days and ratios of the lifecycle rules and the warnings (one record).
    AnalysisSettings,
}

impl Entity {
    pub const ALL: [Entity; 72] = [
        Entity::Teams,
        Entity::Users,
        Entity::Stages,
        Entity::Customers,
        Entity::Contacts,
        Entity::Opportunities,
        Entity::Activities,
        Entity::Tickets,
        Entity::Comments,
        Entity::Competitors,
        Entity::CompetitorProducts,
        Entity::OpportunityCompetitors,
        Entity::LevelSettings,
        Entity::Products,
        Entity::ProductCosts,
        Entity::Prices,
        Entity::OpportunityLines,
        Entity::DiscountLimits,
        Entity::Quotes,
        Entity::QuoteLines,
        Entity::Warehouses,
        Entity::StockLevels,
        Entity::StockMovements,
        Entity::Orders,
        Entity::OrderLines,
        Entity::PaymentPlans,
        Entity::Instalments,
        Entity::Payments,
        Entity::ApprovalSettings,
        Entity::Contracts,
        Entity::ExpenseClaims,
        Entity::Approvals,
        Entity::Licences,
        Entity::WrapUpCodes,
        Entity::SlaCalendars,
        Entity::Holidays,
        Entity::ServiceLevels,
        Entity::CallScripts,
        Entity::CannedReplies,
        Entity::ListItems,
        Entity::FieldDefinitions,
        Entity::DocumentTemplates,
        Entity::Targets,
        Entity::SavedQueries,
        Entity::StaticLists,
        Entity::ListMembers,
        Entity::Articles,
        Entity::ArticleVersions,
        Entity::Surveys,
        Entity::SurveyQuestions,
        Entity::ReturnVisits,
        Entity::Leads,
        Entity::Campaigns,
        Entity::CampaignMembers,
        Entity::FieldVisits,
        Entity::VisitParts,
        Entity::SurveySchedules,
        Entity::ContactRelations,
        Entity::Territories,
        Entity::DealerAssessments,
        Entity::Merges,
        Entity::BulkActions,
        Entity::ContactMerges,
        Entity::CareRules,
        Entity::LetterTemplates,
        Entity::Files,
        Entity::FileSettings,
        Entity::WorkPlans,
        Entity::WorkLogs,
        Entity::ValueIndicators,
        Entity::ValueLevels,
        Entity::AnalysisSettings,
    ];

    /// Everything the rest of the code needs to know about this entity, in one table.
    pub fn descriptor(self) -> &'static Descriptor {
        match self {
            Entity::Teams => &TEAMS,
            Entity::Users => &USERS,
            Entity::Stages => &STAGES,
            Entity::Customers => &CUSTOMERS,
            Entity::Contacts => &CONTACTS,
            Entity::Opportunities => &OPPORTUNITIES,
            Entity::Activities => &ACTIVITIES,
            Entity::Tickets => &TICKETS,
            Entity::Comments => &COMMENTS,
            Entity::Competitors => &COMPETITORS,
            Entity::CompetitorProducts => &COMPETITOR_PRODUCTS,
            Entity::OpportunityCompetitors => &OPPORTUNITY_COMPETITORS,
            Entity::LevelSettings => &LEVEL_SETTINGS,
            Entity::Products => &PRODUCTS,
            Entity::ProductCosts => &PRODUCT_COSTS,
            Entity::Prices => &PRICES,
            Entity::OpportunityLines => &OPPORTUNITY_LINES,
            Entity::DiscountLimits => &DISCOUNT_LIMITS,
            Entity::Quotes => &QUOTES,
            Entity::QuoteLines => &QUOTE_LINES,
            Entity::Warehouses => &WAREHOUSES,
            Entity::StockLevels => &STOCK_LEVELS,
            Entity::StockMovements => &STOCK_MOVEMENTS,
            Entity::Orders => &ORDERS,
            Entity::OrderLines => &ORDER_LINES,
            Entity::PaymentPlans => &PAYMENT_PLANS,
            Entity::Instalments => &INSTALMENTS,
            Entity::Payments => &PAYMENTS,
            Entity::ApprovalSettings => &APPROVAL_SETTINGS,
            Entity::Contracts => &CONTRACTS,
            Entity::ExpenseClaims => &EXPENSE_CLAIMS,
            Entity::Approvals => &APPROVALS,
            Entity::Licences => &LICENCES,
            Entity::WrapUpCodes => &WRAP_UP_CODES,
            Entity::SlaCalendars => &SLA_CALENDARS,
            Entity::Holidays => &HOLIDAYS,
            Entity::ServiceLevels => &SERVICE_LEVELS,
            Entity::CallScripts => &CALL_SCRIPTS,
            Entity::CannedReplies => &CANNED_REPLIES,
            Entity::ListItems => &LIST_ITEMS,
            Entity::FieldDefinitions => &FIELD_DEFINITIONS,
            Entity::DocumentTemplates => &DOCUMENT_TEMPLATES,
            Entity::Targets => &TARGETS,
            Entity::SavedQueries => &SAVED_QUERIES,
            Entity::StaticLists => &STATIC_LISTS,
            Entity::ListMembers => &LIST_MEMBERS,
            Entity::Articles => &ARTICLES,
            Entity::ArticleVersions => &ARTICLE_VERSIONS,
            Entity::Surveys => &SURVEYS,
            Entity::SurveyQuestions => &SURVEY_QUESTIONS,
            Entity::ReturnVisits => &RETURN_VISITS,
            Entity::Leads => &LEADS,
            Entity::Campaigns => &CAMPAIGNS,
            Entity::CampaignMembers => &CAMPAIGN_MEMBERS,
            Entity::FieldVisits => &FIELD_VISITS,
            Entity::VisitParts => &VISIT_PARTS,
            Entity::SurveySchedules => &SURVEY_SCHEDULES,
            Entity::ContactRelations => &CONTACT_RELATIONS,
            Entity::Territories => &TERRITORIES,
            Entity::DealerAssessments => &DEALER_ASSESSMENTS,
            Entity::Merges => &MERGES,
            Entity::BulkActions => &BULK_ACTIONS,
            Entity::ContactMerges => &CONTACT_MERGES,
            Entity::CareRules => &CARE_RULES,
            Entity::LetterTemplates => &LETTER_TEMPLATES,
            Entity::Files => &FILES,
            Entity::FileSettings => &FILE_SETTINGS,
            Entity::WorkPlans => &WORK_PLANS,
            Entity::WorkLogs => &WORK_LOGS,
            Entity::ValueIndicators => &VALUE_INDICATOR_DESC,
            Entity::ValueLevels => &VALUE_LEVELS,
            Entity::AnalysisSettings => &ANALYSIS_SETTINGS,
        }
    }

    /// The name used in URLs, the change feed and as the SQL table name.
    pub fn name(self) -> &'static str {
        self.descriptor().name
    }

    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The singular noun, for messages.
    pub fn noun(self) -> &'static str {
        self.descriptor().noun
    }

    pub fn fields(self) -> &'static [Field] {
        self.descriptor().fields
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The sort used when a list request names none.
    pub fn default_sort(self) -> &'static str {
        self.descriptor().default_sort
    }

    /// The records whose read sets derive from this one: (child entity, its link field).
    /// Derived from the children's `access_links`, so a new entity declares it in one place.
    /// Files hang off any attachable record by its id (`files.record_id`), not a typed link.
    pub fn dependents(self) -> impl Iterator<Item = (Entity, &'static str)> {
        let files = ATTACHABLE
            .contains(&self.name())
            .then_some((Entity::Files, FILE_RECORD));
        Entity::ALL
            .into_iter()
            .flat_map(move |child| {
                child
                    .descriptor()
                    .access_links
                    .iter()
                    .filter(move |link| matches!(child.field(link).map(|f| f.kind), Some(Kind::Ref(e)) if e == self))
                    .map(move |link| (child, *link))
            })
            .chain(files)
    }
}

/// Fields every record carries, set only by the server. `created_by` and `updated_by` are the
/// ids of the users whose writes made and last changed the record (`updated_by` is NULL on
/// records last written before it was kept).
pub const SYSTEM_FIELDS: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

/// System fields naming a user: not sortable.
pub const SYSTEM_AUTHORS: &[&str] = &["created_by", "updated_by"];

pub const ROLES: &[&str] = &["admin", "manager", "sales", "agent"];
/// The levels migration 12 starts the admin's `levels` list with (the demo prices by them).
pub const LEVELS: &[&str] = &["A", "B", "C", "D"];
pub const CUSTOMER_KINDS: &[&str] = &["company", "person"];
pub const CHANNELS: &[&str] = &["phone", "mobile", "email", "wechat", "visit", "sms", "web"];
pub const STAGE_KINDS: &[&str] = &["open", "won", "lost"];
pub const ACTIVITY_KINDS: &[&str] = &["call", "meeting", "visit", "task", "email", "note", "sms"];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound"];

/// The field holding a record's custom field values (`catalog`): one per entity that has
/// custom fields; an entity gets them by listing it (and a `custom` column in its migration).
pub const CUSTOM: Field = f("custom", Kind::Map).default(Default::EmptyMap);

/// The name of the `CUSTOM` field.
pub const CUSTOM_FIELD: &str = "custom";

const TEAM_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort().filter(),
    f("description", Kind::Text(2000)).lines(),
];

const USER_FIELDS: &[Field] = &[
    f("username", Kind::Text(64))
        .required()
        .admin()
        .sort()
        .filter(),
    f("display_name", Kind::Text(100)).required().admin(),
    f("role", Kind::Enum(ROLES)).required().admin().filter(),
    f("team_id", Kind::Ref(Entity::Teams)).admin().filter(),
    f("email", Kind::Text(254)).format(Format::Email).admin(),
    f("active", Kind::Bool)
        .admin()
        .default(Default::Bool(true))
        .filter(),
];

const STAGE_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort(),
    f("position", Kind::Int(0, 1000)).required().sort(),
    f("probability", Kind::Int(0, 100)).required(),
    f("kind", Kind::Enum(STAGE_KINDS))
        .default(Default::Str("open"))
        .filter(),
];

/// One per level at most (a unique index); a level without one uses
/// `rules::reminders::DEFAULT_QUIET_DAYS`.
const LEVEL_SETTING_FIELDS: &[Field] = &[
    f("level", Kind::List(ListName::Levels))
        .required()
        .sort()
        .filter(),
    f("quiet_days", Kind::Int(1, 3650)).required(),
];

const CUSTOMER_FIELDS: &[Field] = &[
    f("code", Kind::Text(32)).generated().sort().filter(),
    f("name", Kind::Text(200)).required().sort(),
    f("kind", Kind::Enum(CUSTOMER_KINDS))
        .default(Default::Str("company"))
        .filter(),
    f("industry", Kind::List(ListName::Industries)).filter(),
    f("region", Kind::List(ListName::Regions)).filter(),
    f("level", Kind::List(ListName::Levels)).filter(),
    f("category", Kind::List(ListName::Categories))
        .default(Default::Str("prospect"))
        .filter(),
    f("lifecycle", Kind::List(ListName::Lifecycle))
        .default(Default::Str("potential"))
        .filter(),
    f("source", Kind::Text(100)).filter(),
    f("address", Kind::Text(500)),
    f("postcode", Kind::Text(20)),
    f("phone", Kind::Text(40)).format(Format::Phone),
    f("fax", Kind::Text(40)).format(Format::Phone),
    f("website", Kind::Text(200)).format(Format::Url),
    f("email", Kind::Text(254)).format(Format::Email),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("team_id", Kind::Ref(Entity::Teams)).privileged().filter(),
    f("shared_with", Kind::Refs(Entity::Users)).default(Default::EmptyList),
    f("tags", Kind::Tags).default(Default::EmptyList),
    f("notes", Kind::Text(10_000)).lines(),
    // The company's founding day (成立时间), whose anniversary a care rule marks.
    f("founded_on", Kind::Date),
    CUSTOM,
    // Set by the server on create from the territories' rules (`rules::territories`);
    // managers move a customer to another.
    f("territory_id", Kind::Ref(Entity::Territories))
        .privileged()
        .filter(),
    // A dealer's agency contract (代理合同): one of its own contracts.
    f("agency_contract_id", Kind::Ref(Entity::Contracts)),
    // The server's analysis (`service::analysis`): the value model's score, the level it
    // suggests, the last order or payment, the warnings standing. Nobody else sets them.
    f("value_score", Kind::Int(0, 100))
        .server()
        .default(Default::Int(0))
        .sort()
        .filter(),
    f("value_level", Kind::List(ListName::Levels))
        .server()
        .filter(),
    f("last_business_on", Kind::Date).server(),
    f("warnings", Kind::Tags)
        .server()
        .default(Default::EmptyList)
        .filter(),
];

const CONTACT_FIELDS: &[Field] = &[
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("name", Kind::Text(100)).required().sort(),
    f("title", Kind::Text(100)),
    f("department", Kind::Text(100)),
    f("phone", Kind::Text(40)).format(Format::Phone),
    f("mobile", Kind::Text(40)).format(Format::Phone),
    f("email", Kind::Text(254)).format(Format::Email),
    f("birthday", Kind::Date),
    // Asked not to be mailed or messaged: every send skips them (`service::mail`).
    f("opted_out", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
    f("is_primary", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
    f("preferred_channel", Kind::Enum(CHANNELS)),
    f("notes", Kind::Text(10_000)).lines(),
    CUSTOM,
    // Their part in the buying decision: the admin's `decision_roles` list.
    f("decision_role", Kind::List(ListName::DecisionRoles)).filter(),
];

const OPPORTUNITY_FIELDS: &[Field] = &[
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
    // The campaign it came from (a converted lead's), which the campaign's results count.
    f("campaign_id", Kind::Ref(Entity::Campaigns)).filter(),
    f("next_step", Kind::Text(500)),
    f("close_reason", Kind::Text(500)),
    CUSTOM,
];

const ACTIVITY_FIELDS: &[Field] = &[
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
    // A lead's history: kept, with the customer it became, when the lead is converted.
    f("lead_id", Kind::Ref(Entity::Leads)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("direction", Kind::Enum(DIRECTIONS)),
    // Talk time, from the pop or the start key to hang-up.
    f("duration_seconds", Kind::Int(0, 86_400)),
    // After-call work, from hang-up to the wrap-up.
    f("wrap_up_seconds", Kind::Int(0, 86_400)),
    // A wrap-up code's `code` (`wrap_up_codes`), checked against the live codes when it changes.
    f("outcome", Kind::Text(40)).filter(),
    // The care rule that made this task (`service::care`); a mail merge's letter template.
    f("care_rule_id", Kind::Ref(Entity::CareRules)),
    f("letter_template_id", Kind::Ref(Entity::LetterTemplates)),
    CUSTOM,
];

/// A descriptor with the common defaults: sorted by creation, titled by `name`, no number.
const fn describe(name: &'static str, noun: &'static str, fields: &'static [Field]) -> Descriptor {
    Descriptor {
        name,
        noun,
        fields,
        default_sort: "created_at",
        title: "name",
        number: None,
        search: &["name"],
        indexes: &[],
        form: &[],
        columns: &["name"],
        access_links: &[],
    }
}

const TEAMS: Descriptor = Descriptor {
    default_sort: "name",
    form: &["name", "description"],
    columns: &["name", "description"],
    ..describe("teams", "team", TEAM_FIELDS)
};

const USERS: Descriptor = Descriptor {
    default_sort: "username",
    title: "display_name",
    search: &["username", "display_name", "email"],
    form: &[
        "username",
        "display_name",
        "role",
        "team_id",
        "email",
        "active",
    ],
    columns: &[
        "username",
        "display_name",
        "role",
        "team_id",
        "email",
        "active",
    ],
    ..describe("users", "user", USER_FIELDS)
};

const STAGES: Descriptor = Descriptor {
    default_sort: "position",
    form: &["name", "position", "probability", "kind"],
    columns: &["position", "name", "probability", "kind"],
    ..describe("stages", "stage", STAGE_FIELDS)
};

const LEVEL_SETTINGS: Descriptor = Descriptor {
    default_sort: "level",
    title: "level",
    search: &[],
    form: &["level", "quiet_days"],
    columns: &["level", "quiet_days"],
    ..describe("level_settings", "level setting", LEVEL_SETTING_FIELDS)
};

const CUSTOMERS: Descriptor = Descriptor {
    default_sort: "name",
    number: Some("code"),
    search: &["name", "code", "email", "phone"],
    indexes: &[
        "name",
        "code",
        "owner_id, name",
        // The dashboard: a person's customers and the new ones in a period, from the index.
        "owner_id, created_at",
        // The value ranking and the pyramid by suggested level (`service::analysis`).
        "value_score",
        "value_level",
    ],
    form: &[
        "name",
        "kind",
        "level",
        "category",
        "lifecycle",
        "phone",
        "email",
        "region",
        "industry",
        "source",
        "website",
        "address",
        "postcode",
        "owner_id",
        "territory_id",
        "agency_contract_id",
        "tags",
        "notes",
    ],
    access_links: &["owner_id"],
    columns: &[
        "code",
        "name",
        "level",
        "category",
        "lifecycle",
        "region",
        "phone",
        "owner_id",
    ],
    ..describe("customers", "customer", CUSTOMER_FIELDS)
};

const CONTACTS: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "phone", "mobile", "email"],
    indexes: &["customer_id", "name"],
    form: &[
        "name",
        "title",
        "department",
        "mobile",
        "phone",
        "email",
        "birthday",
        "is_primary",
        "decision_role",
        "preferred_channel",
        "notes",
    ],
    access_links: &["customer_id"],
    columns: &[
        "customer_id",
        "name",
        "title",
        "mobile",
        "phone",
        "email",
        "birthday",
    ],
    ..describe("contacts", "contact", CONTACT_FIELDS)
};

const OPPORTUNITIES: Descriptor = Descriptor {
    indexes: &[
        "customer_id",
        "owner_id, expected_close",
        // The funnel: a stage's cards by amount, and its sums, from the index alone.
        "stage_id, amount, probability",
        // The dashboard: open deals unchanged in their stage past a limit, a range per person
        // of the scope and stage (owner first: a salesperson's reads only their own deals).
        "owner_id, stage_id, updated_at",
    ],
    form: &[
        "name",
        "customer_id",
        "contact_id",
        "stage_id",
        "amount",
        "currency",
        "probability",
        "expected_close",
        "owner_id",
        "source",
        "campaign_id",
        "next_step",
        "close_reason",
    ],
    access_links: &["customer_id", "owner_id"],
    columns: &[
        "customer_id",
        "name",
        "stage_id",
        "amount",
        "probability",
        "expected_close",
        "owner_id",
    ],
    ..describe("opportunities", "opportunity", OPPORTUNITY_FIELDS)
};

const ACTIVITIES: Descriptor = Descriptor {
    title: "subject",
    search: &["subject"],
    indexes: &[
        "customer_id",
        "owner_id, due_at",
        "starts_at",
        // The dashboard: a person's visits, calls and meetings in a period.
        "owner_id, starts_at",
        "lead_id",
    ],
    form: &[
        "kind",
        "subject",
        "starts_at",
        "ends_at",
        "due_at",
        "customer_id",
        "contact_id",
        "notes",
        "direction",
        "duration_seconds",
        "wrap_up_seconds",
        "outcome",
        "done",
    ],
    access_links: &[
        "customer_id",
        "opportunity_id",
        "ticket_id",
        "lead_id",
        "owner_id",
    ],
    columns: &[
        "starts_at",
        "due_at",
        "kind",
        "subject",
        "customer_id",
        "done",
        "outcome",
        "owner_id",
    ],
    ..describe("activities", "activity", ACTIVITY_FIELDS)
};

#[cfg(test)]
mod tests;
