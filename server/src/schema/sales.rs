//! Sales to cash: products, their costs and prices, opportunity lines, discount limits, quotes
//! and their lines.

use super::{CUSTOM, Default, Descriptor, Entity, Field, Kind, ListName, ROLES, describe, f};

/// What a product is: goods kept in stock, a service, or a software licence (seed 002).
pub const PRODUCT_KINDS: &[&str] = &["stock", "service", "licence"];
/// A quote's status; the moves between them are `rules::quotes::transition`'s.
pub const QUOTE_STATUSES: &[&str] = crate::rules::quotes::STATUSES;
/// Basis points: 10 000 is 100 %.
const BP: Kind = Kind::Int(0, 10_000);
/// Whole units on a line.
const QUANTITY: Kind = Kind::Int(0, 1_000_000_000);

/// What the company sells (seeds 003 产品, 002 modules 3–5). Its cost is not here but in
/// `product_costs`, which only managers and admins may read: the server never sends a cost to
/// anyone else because no record they can read holds one.
const PRODUCT_FIELDS: &[Field] = &[
    f("code", Kind::Text(32)).required().sort().filter(),
    f("name", Kind::Text(200)).required().sort(),
    f("kind", Kind::Enum(PRODUCT_KINDS))
        .default(Default::Str("stock"))
        .filter(),
    f("category", Kind::Text(100)).filter(),
    f("unit", Kind::Text(20)).default(Default::Str("pcs")),
    f("list_price", Kind::Money).default(Default::Int(0)).sort(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("tax_rate_bp", BP).default(Default::Int(1_300)),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
    f("description", Kind::Text(5_000)).lines(),
    CUSTOM,
];

/// A product's cost: a record of its own so that its read set (managers) keeps it from everyone
/// else in lists, the change feed and the first-sync snapshot alike.
const PRODUCT_COST_FIELDS: &[Field] = &[
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("cost", Kind::Money).required(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("notes", Kind::Text(2_000)).lines(),
];

/// A price-list entry (003 报价: "不同等级的客户提供不同的报价"): a product's unit price for a
/// customer level or for one customer, from a date, perhaps until one. Which applies is
/// `rules::pricing::price_for`.
const PRICE_FIELDS: &[Field] = &[
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    f("level", Kind::List(ListName::Levels)).filter(),
    f("unit_price", Kind::Money).required(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("valid_from", Kind::Date).required().sort().filter(),
    f("valid_to", Kind::Date),
    f("notes", Kind::Text(2_000)).lines(),
];

/// A product on an opportunity (004 商机 相关产品). The server prices it when the price is left
/// out and computes its net; the opportunity's amount is the sum of its lines' nets.
const OPPORTUNITY_LINE_FIELDS: &[Field] = &[
    f("opportunity_id", Kind::Ref(Entity::Opportunities))
        .required()
        .filter(),
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("quantity", QUANTITY).default(Default::Int(1)),
    f("unit_price", Kind::Money).generated(),
    f("discount_bp", BP).default(Default::Int(0)),
    f("net", Kind::Money).server().generated(),
    f("notes", Kind::Text(500)),
];

/// The largest line discount a role may give without approval (a server setting the admin
/// changes; a role without an entry has `rules::quotes::default_discount_limit`).
const DISCOUNT_LIMIT_FIELDS: &[Field] = &[
    f("role", Kind::Enum(ROLES)).required().sort().filter(),
    f("max_discount_bp", BP).required(),
];

/// A quote (000 §3.5 报价管理, 004 客户报价): to a customer, perhaps for a deal, with lines whose
/// totals the server computes by `rules::money`. A revision is a new quote with the same number,
/// the next `revision`, and `supersedes` naming the one it replaces.
const QUOTE_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    f("revision", Kind::Int(1, 1_000)).server().generated(),
    f("supersedes", Kind::Ref(Entity::Quotes)).filter(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("subject", Kind::Text(200)),
    f("status", Kind::Enum(QUOTE_STATUSES))
        .default(Default::Str("draft"))
        .filter(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("valid_until", Kind::Date).filter(),
    f("subtotal", Kind::Money).server().generated(),
    f("tax", Kind::Money).server().generated(),
    f("total", Kind::Money).server().generated().sort(),
    f("sent_at", Kind::Time).server(),
    f("terms", Kind::Text(5_000)).lines(),
    f("notes", Kind::Text(10_000)).lines(),
    CUSTOM,
];

/// A line of a quote. Its unit price defaults to the price rule's, its tax rate to the
/// product's; its net and tax are the server's, by `rules::money`.
const QUOTE_LINE_FIELDS: &[Field] = &[
    f("quote_id", Kind::Ref(Entity::Quotes)).required().filter(),
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("quantity", QUANTITY).default(Default::Int(1)),
    f("unit_price", Kind::Money).generated(),
    f("discount_bp", BP).default(Default::Int(0)),
    f("tax_rate_bp", BP).generated(),
    f("net", Kind::Money).server().generated(),
    f("tax", Kind::Money).server().generated(),
    f("notes", Kind::Text(500)),
];

pub(super) const PRODUCTS: Descriptor = Descriptor {
    default_sort: "code",
    search: &["code", "name", "category"],
    indexes: &["code", "name"],
    form: &[
        "code",
        "name",
        "kind",
        "category",
        "unit",
        "list_price",
        "currency",
        "tax_rate_bp",
        "active",
        "description",
    ],
    columns: &[
        "code",
        "name",
        "kind",
        "category",
        "unit",
        "list_price",
        "tax_rate_bp",
        "active",
    ],
    ..describe("products", "product", PRODUCT_FIELDS)
};

pub(super) const PRODUCT_COSTS: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["product_id"],
    form: &["product_id", "cost", "currency", "notes"],
    columns: &["product_id", "cost", "currency"],
    // Not for its read set (always managers): a deleted product takes its cost along.
    access_links: &["product_id"],
    ..describe("product_costs", "product cost", PRODUCT_COST_FIELDS)
};

pub(super) const PRICES: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["product_id", "customer_id"],
    form: &[
        "product_id",
        "level",
        "customer_id",
        "unit_price",
        "currency",
        "valid_from",
        "valid_to",
        "notes",
    ],
    columns: &[
        "product_id",
        "level",
        "customer_id",
        "unit_price",
        "valid_from",
        "valid_to",
    ],
    access_links: &["customer_id"],
    ..describe("prices", "price-list entry", PRICE_FIELDS)
};

pub(super) const OPPORTUNITY_LINES: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["opportunity_id"],
    form: &[
        "opportunity_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "notes",
    ],
    columns: &[
        "opportunity_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "net",
    ],
    access_links: &["opportunity_id"],
    ..describe(
        "opportunity_lines",
        "opportunity line",
        OPPORTUNITY_LINE_FIELDS,
    )
};

pub(super) const DISCOUNT_LIMITS: Descriptor = Descriptor {
    default_sort: "role",
    title: "role",
    search: &[],
    form: &["role", "max_discount_bp"],
    columns: &["role", "max_discount_bp"],
    ..describe("discount_limits", "discount limit", DISCOUNT_LIMIT_FIELDS)
};

pub(super) const QUOTES: Descriptor = Descriptor {
    title: "number",
    number: Some("number"),
    search: &["number", "subject"],
    indexes: &[
        "customer_id",
        "number",
        "opportunity_id",
        "owner_id, status",
    ],
    form: &[
        "subject",
        "customer_id",
        "contact_id",
        "opportunity_id",
        "status",
        "currency",
        "valid_until",
        "owner_id",
        "terms",
        "notes",
    ],
    columns: &[
        "number",
        "revision",
        "status",
        "customer_id",
        "subject",
        "total",
        "valid_until",
        "owner_id",
    ],
    access_links: &["customer_id", "owner_id"],
    ..describe("quotes", "quote", QUOTE_FIELDS)
};

pub(super) const QUOTE_LINES: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["quote_id"],
    form: &[
        "quote_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "tax_rate_bp",
        "notes",
    ],
    columns: &[
        "quote_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "net",
        "tax",
    ],
    access_links: &["quote_id"],
    ..describe("quote_lines", "quote line", QUOTE_LINE_FIELDS)
};
