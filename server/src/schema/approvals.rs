//! Approvals and what goes through them: contracts (004 合同审批), expense claims (003, 004
//! 请款), a quote's discount above the sender's limit; the approval settings an admin sets; and
//! the licences a customer holds (002). The rules of their states are `rules::approvals`.

use super::{Default, Descriptor, Entity, Field, Kind, describe, f};
use crate::rules::approvals;

/// Which record an approval is for.
pub const APPROVAL_KINDS: &[&str] = &approvals::KINDS;
/// An approval's own state.
pub const APPROVAL_STATUSES: &[&str] = &approvals::STATUSES;
/// The approval state of a contract or an expense claim.
pub const SUBJECT_STATUSES: &[&str] = &approvals::SUBJECT_STATUSES;
/// 合同格式: our standard text, the customer's paper, or one negotiated for this deal.
pub const CONTRACT_FORMATS: &[&str] = &["standard", "customer", "negotiated"];
/// 合同类型.
pub const CONTRACT_TYPES: &[&str] = &["sales", "service", "licence", "framework", "other"];
/// What an expense was for.
pub const EXPENSE_CATEGORIES: &[&str] = &[
    "travel",
    "transport",
    "meals",
    "entertainment",
    "gifts",
    "office",
    "other",
];

/// The amount above which an approval of a kind goes to an admin instead of the owner's
/// manager (one per kind at most; a kind without one always goes to the manager).
const APPROVAL_SETTING_FIELDS: &[Field] = &[
    f("kind", Kind::Enum(APPROVAL_KINDS))
        .required()
        .sort()
        .filter(),
    f("admin_above", Kind::Money).required(),
];

/// One request for approval of one record: made by submitting it (a create), decided by its
/// approver (a patch of `status` with a `comment`). Exactly one of the three links is set.
const APPROVAL_FIELDS: &[Field] = &[
    f("kind", Kind::Enum(APPROVAL_KINDS))
        .server()
        .generated()
        .filter(),
    f("contract_id", Kind::Ref(Entity::Contracts)).filter(),
    f("quote_id", Kind::Ref(Entity::Quotes)).filter(),
    f("expense_claim_id", Kind::Ref(Entity::ExpenseClaims)).filter(),
    f("subject", Kind::Text(300)).server().generated(),
    f("amount", Kind::Money).server().generated().sort(),
    f("discount_bp", Kind::Int(0, 10_000)).server(),
    f("submitted_by", Kind::Ref(Entity::Users))
        .server()
        .generated()
        .filter(),
    f("approver_id", Kind::Ref(Entity::Users))
        .server()
        .generated()
        .filter(),
    f("status", Kind::Enum(APPROVAL_STATUSES))
        .default(Default::Str("pending"))
        .filter(),
    f("note", Kind::Text(2_000)).lines(),
    f("comment", Kind::Text(2_000)).lines(),
    f("decided_by", Kind::Ref(Entity::Users)).server(),
    f("decided_at", Kind::Time).server(),
];

/// A contract with a customer (004 合同审批: 合同名称, 合同格式, 合同类型, 合同金额, 付款约定,
/// 合同遵循标准, 合同中重要事项, 备注), approved before it is signed.
const CONTRACT_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    f("name", Kind::Text(200)).required().sort(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).filter(),
    f("quote_id", Kind::Ref(Entity::Quotes)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("format", Kind::Enum(CONTRACT_FORMATS)).default(Default::Str("standard")),
    f("contract_type", Kind::Enum(CONTRACT_TYPES))
        .default(Default::Str("sales"))
        .filter(),
    f("amount", Kind::Money).default(Default::Int(0)).sort(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("payment_terms", Kind::Text(2_000)).lines(),
    f("standards", Kind::Text(2_000)).lines(),
    f("key_clauses", Kind::Text(5_000)).lines(),
    f("remarks", Kind::Text(5_000)).lines(),
    f("starts_on", Kind::Date),
    f("ends_on", Kind::Date).filter(),
    f("renewal_days", Kind::Int(0, 365)).default(Default::Int(30)),
    f("status", Kind::Enum(SUBJECT_STATUSES))
        .server()
        .default(Default::Str("draft"))
        .filter(),
];

/// An expense claim (请款): what was spent, on what, for which customer or deal.
const EXPENSE_CLAIM_FIELDS: &[Field] = &[
    f("subject", Kind::Text(200)).required(),
    f("spent_on", Kind::Date).required().sort().filter(),
    f("amount", Kind::Money).required().sort(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("category", Kind::Enum(EXPENSE_CATEGORIES))
        .required()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).filter(),
    f("receipt_note", Kind::Text(2_000)).lines(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("status", Kind::Enum(SUBJECT_STATUSES))
        .server()
        .default(Default::Str("draft"))
        .filter(),
];

/// A licence (002: 软件产品的授权号): a serial number a customer holds for a product, for a term.
const LICENCE_FIELDS: &[Field] = &[
    f("licence_number", Kind::Text(100))
        .required()
        .sort()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("contract_id", Kind::Ref(Entity::Contracts)).filter(),
    f("seats", Kind::Int(1, 1_000_000)).default(Default::Int(1)),
    f("starts_on", Kind::Date).required(),
    f("ends_on", Kind::Date),
    f("notes", Kind::Text(2_000)).lines(),
];

pub(super) const APPROVAL_SETTINGS: Descriptor = Descriptor {
    default_sort: "kind",
    title: "kind",
    search: &[],
    form: &["kind", "admin_above"],
    columns: &["kind", "admin_above"],
    ..describe(
        "approval_settings",
        "approval setting",
        APPROVAL_SETTING_FIELDS,
    )
};

pub(super) const APPROVALS: Descriptor = Descriptor {
    title: "subject",
    search: &["subject", "note", "comment"],
    indexes: &[
        "approver_id, status",
        "contract_id",
        "quote_id",
        "expense_claim_id",
    ],
    // A submission names its record and a note; a decision sets the status with a comment.
    form: &[
        "contract_id",
        "quote_id",
        "expense_claim_id",
        "note",
        "status",
        "comment",
    ],
    columns: &[
        "kind",
        "subject",
        "amount",
        "submitted_by",
        "approver_id",
        "status",
        "created_at",
    ],
    access_links: &["contract_id", "quote_id", "expense_claim_id"],
    ..describe("approvals", "approval", APPROVAL_FIELDS)
};

pub(super) const CONTRACTS: Descriptor = Descriptor {
    number: Some("number"),
    search: &["number", "name"],
    indexes: &["customer_id", "number", "owner_id, status", "ends_on"],
    form: &[
        "name",
        "customer_id",
        "opportunity_id",
        "quote_id",
        "owner_id",
        "format",
        "contract_type",
        "amount",
        "currency",
        "payment_terms",
        "standards",
        "key_clauses",
        "remarks",
        "starts_on",
        "ends_on",
        "renewal_days",
    ],
    columns: &[
        "number",
        "name",
        "customer_id",
        "contract_type",
        "amount",
        "status",
        "ends_on",
        "owner_id",
    ],
    access_links: &["customer_id", "owner_id"],
    ..describe("contracts", "contract", CONTRACT_FIELDS)
};

pub(super) const EXPENSE_CLAIMS: Descriptor = Descriptor {
    default_sort: "spent_on",
    title: "subject",
    search: &["subject", "receipt_note"],
    indexes: &["owner_id, status", "customer_id"],
    form: &[
        "subject",
        "spent_on",
        "amount",
        "currency",
        "category",
        "customer_id",
        "opportunity_id",
        "receipt_note",
        "owner_id",
    ],
    columns: &[
        "spent_on",
        "subject",
        "category",
        "amount",
        "customer_id",
        "status",
        "owner_id",
    ],
    access_links: &["owner_id"],
    ..describe("expense_claims", "expense claim", EXPENSE_CLAIM_FIELDS)
};

pub(super) const LICENCES: Descriptor = Descriptor {
    default_sort: "licence_number",
    title: "licence_number",
    search: &["licence_number", "notes"],
    indexes: &["customer_id", "licence_number"],
    form: &[
        "licence_number",
        "customer_id",
        "product_id",
        "contract_id",
        "seats",
        "starts_on",
        "ends_on",
        "notes",
    ],
    columns: &[
        "licence_number",
        "customer_id",
        "product_id",
        "seats",
        "starts_on",
        "ends_on",
    ],
    access_links: &["customer_id"],
    ..describe("licences", "licence", LICENCE_FIELDS)
};
