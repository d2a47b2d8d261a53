//! People and territories (issue 14): how a customer's contacts stand to each other (reports to,
//! assistant of, influences, family member of; 001's 上级主管, 助理/秘书, 影响者, 家庭成员, drawn as
//! the decision map), the territories new customers are assigned by (003's 区域), and a dealer's
//! periodic assessment (000 §3.2 经销商考察). A dealer is a customer of category `dealer`; its
//! agency contract, territory, targets and the orders placed through it are fields elsewhere
//! (`customers.agency_contract_id`, `customers.territory_id`, `targets.customer_id`,
//! `orders.dealer_id`).

use super::{Default, Descriptor, Entity, Field, Kind, describe, f};

/// How one contact stands to another: `contact_id` *kind* `related_id` ("王芳 assistant_of 李总").
pub const RELATION_KINDS: &[&str] = &["reports_to", "assistant_of", "influences", "family_of"];

/// A relation between two contacts. Both must be contacts the writer can see; a contact
/// reports to one person at most and never, through others, to themselves (`service/relations.rs`).
const CONTACT_RELATION_FIELDS: &[Field] = &[
    f("contact_id", Kind::Ref(Entity::Contacts))
        .required()
        .filter(),
    f("kind", Kind::Enum(RELATION_KINDS)).required().filter(),
    f("related_id", Kind::Ref(Entity::Contacts))
        .required()
        .filter(),
    // Why someone influences (为什么能对大客户产生影响), or the family tie (配偶, 孩子…).
    f("reason", Kind::Text(500)),
];

pub(super) const CONTACT_RELATIONS: Descriptor = Descriptor {
    title: "kind",
    search: &["reason"],
    indexes: &["contact_id", "related_id"],
    form: &["contact_id", "kind", "related_id", "reason"],
    columns: &["contact_id", "kind", "related_id", "reason"],
    // Read by whoever reads the contact it is about.
    access_links: &["contact_id"],
    ..describe(
        "contact_relations",
        "contact relation",
        CONTACT_RELATION_FIELDS,
    )
};

/// A territory: the regions (and, narrowing, industries) whose new customers go to its owner
/// and team. Admins keep them; everyone reads them. `rules::territories` picks one.
const TERRITORY_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort().filter(),
    // Codes of the admin's `regions` list, checked by the service.
    f("regions", Kind::Tags).default(Default::EmptyList),
    // Codes of the `industries` list; empty: every industry.
    f("industries", Kind::Tags).default(Default::EmptyList),
    f("owner_id", Kind::Ref(Entity::Users)).filter(),
    f("team_id", Kind::Ref(Entity::Teams)).filter(),
    // Among rules equally specific, the lower number wins.
    f("priority", Kind::Int(0, 1000))
        .default(Default::Int(100))
        .sort(),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
    f("description", Kind::Text(2000)).lines(),
];

pub(super) const TERRITORIES: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "description"],
    form: &[
        "name",
        "regions",
        "industries",
        "owner_id",
        "team_id",
        "priority",
        "active",
        "description",
    ],
    columns: &[
        "name",
        "regions",
        "industries",
        "owner_id",
        "team_id",
        "priority",
        "active",
    ],
    ..describe("territories", "territory", TERRITORY_FIELDS)
};

/// A dealer's assessment for a period (经销商考察): four scores out of 100; the total and grade
/// are the server's (`rules::dealers::grade`). One per dealer and period.
const DEALER_ASSESSMENT_FIELDS: &[Field] = &[
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    // The period's first day (a month or a quarter).
    f("period", Kind::Date).required().sort().filter(),
    f("sales_score", Kind::Int(0, 100)).required(),
    f("market_score", Kind::Int(0, 100)).required(),
    f("service_score", Kind::Int(0, 100)).required(),
    f("credit_score", Kind::Int(0, 100)).required(),
    f("total", Kind::Int(0, 100)).server().generated().sort(),
    f("grade", Kind::Text(1)).server().generated().filter(),
    f("notes", Kind::Text(2000)).lines(),
];

pub(super) const DEALER_ASSESSMENTS: Descriptor = Descriptor {
    default_sort: "period",
    title: "period",
    search: &["notes"],
    indexes: &["customer_id", "period"],
    form: &[
        "customer_id",
        "period",
        "sales_score",
        "market_score",
        "service_score",
        "credit_score",
        "notes",
    ],
    columns: &[
        "customer_id",
        "period",
        "total",
        "grade",
        "sales_score",
        "market_score",
        "service_score",
        "credit_score",
    ],
    access_links: &["customer_id"],
    ..describe(
        "dealer_assessments",
        "dealer assessment",
        DEALER_ASSESSMENT_FIELDS,
    )
};
