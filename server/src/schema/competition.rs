//! Competitors, their products, and the competitors in each opportunity.

use super::{CUSTOM, Default, Descriptor, Entity, Field, Format, Kind, describe, f};

pub const THREATS: &[&str] = &["low", "medium", "high"];
/// Where a competitor stands in one deal: still in it, dropped out, beaten by us, or chosen by
/// the customer (the deal lost to them).
pub const COMPETITION_STATUSES: &[&str] = &["competing", "dropped", "beaten", "chosen"];

/// A company that competes for the same customers (seeds 001 §4, 003): its strategy, strengths
/// and weaknesses, standing, and the companies it works with.
const COMPETITOR_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("website", Kind::Text(200)).format(Format::Url),
    f("threat", Kind::Enum(THREATS))
        .default(Default::Str("medium"))
        .filter(),
    f("strategy", Kind::Text(2000)).lines(),
    f("strengths", Kind::Text(2000)).lines(),
    f("weaknesses", Kind::Text(2000)).lines(),
    f("customer_count", Kind::Int(0, 1_000_000_000)),
    f("financials", Kind::Text(2000)).lines(),
    f("partners", Kind::Text(2000)).lines(),
    f("tags", Kind::Tags).default(Default::EmptyList),
    f("notes", Kind::Text(10_000)).lines(),
    CUSTOM,
];

/// A competitor's product or service: how it performs, its strengths and weaknesses, its
/// price and who uses it.
const COMPETITOR_PRODUCT_FIELDS: &[Field] = &[
    f("competitor_id", Kind::Ref(Entity::Competitors))
        .required()
        .filter(),
    f("name", Kind::Text(200)).required().sort(),
    f("performance", Kind::Text(2000)).lines(),
    f("strengths", Kind::Text(2000)).lines(),
    f("weaknesses", Kind::Text(2000)).lines(),
    f("price", Kind::Money),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("used_by", Kind::Text(2000)).lines(),
    f("notes", Kind::Text(10_000)).lines(),
];

/// A competitor in one opportunity: with which product, at what price, how dangerous, and how
/// it ended.
const OPPORTUNITY_COMPETITOR_FIELDS: &[Field] = &[
    f("opportunity_id", Kind::Ref(Entity::Opportunities))
        .required()
        .filter(),
    f("competitor_id", Kind::Ref(Entity::Competitors))
        .required()
        .filter(),
    f("product_id", Kind::Ref(Entity::CompetitorProducts)),
    f("threat", Kind::Enum(THREATS))
        .default(Default::Str("medium"))
        .filter(),
    f("status", Kind::Enum(COMPETITION_STATUSES))
        .default(Default::Str("competing"))
        .filter(),
    f("price_offered", Kind::Money),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("notes", Kind::Text(10_000)).lines(),
];

pub(super) const COMPETITORS: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "website"],
    indexes: &["name"],
    form: &[
        "name",
        "website",
        "threat",
        "strategy",
        "strengths",
        "weaknesses",
        "customer_count",
        "financials",
        "partners",
        "tags",
        "notes",
    ],
    columns: &["name", "threat", "website", "strengths", "weaknesses"],
    ..describe("competitors", "competitor", COMPETITOR_FIELDS)
};

pub(super) const COMPETITOR_PRODUCTS: Descriptor = Descriptor {
    default_sort: "name",
    indexes: &["competitor_id"],
    form: &[
        "competitor_id",
        "name",
        "performance",
        "strengths",
        "weaknesses",
        "price",
        "currency",
        "used_by",
        "notes",
    ],
    columns: &["competitor_id", "name", "price", "strengths", "weaknesses"],
    ..describe(
        "competitor_products",
        "competitor product",
        COMPETITOR_PRODUCT_FIELDS,
    )
};

pub(super) const OPPORTUNITY_COMPETITORS: Descriptor = Descriptor {
    title: "competitor_id",
    search: &["notes"],
    indexes: &["opportunity_id", "competitor_id"],
    form: &[
        "opportunity_id",
        "competitor_id",
        "product_id",
        "threat",
        "status",
        "price_offered",
        "currency",
        "notes",
    ],
    access_links: &["opportunity_id"],
    columns: &[
        "opportunity_id",
        "competitor_id",
        "product_id",
        "threat",
        "status",
        "price_offered",
    ],
    ..describe(
        "opportunity_competitors",
        "opportunity competitor",
        OPPORTUNITY_COMPETITOR_FIELDS,
    )
};
