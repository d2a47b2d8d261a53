//! The knowledge base (seeds 000 §3.11 知识库管理, 003 知识库): articles people read to answer
//! customers and learn the products, and the earlier versions an edit keeps. Numbers are
//! `KB-000123` (contracts already use `K-`).

use super::{Default, Descriptor, Field, Kind, ListName, describe, f};
use crate::schema::Entity;

/// Who an article may reach: kept inside the company, or sendable to customers.
pub const VISIBILITIES: &[&str] = &["internal", "public"];

/// An article: Markdown body, an admin's category, tags, the product it is about. `for_agents`
/// says whether the call centre reads it; `revision` counts its versions (the earlier ones are
/// `article_versions`); `solved_count` the tickets finished with it linked.
const ARTICLE_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    f("title", Kind::Text(200)).required().sort(),
    f("body", Kind::Text(100_000)).lines(),
    f("category", Kind::List(ListName::ArticleCategories)).filter(),
    f("tags", Kind::Tags).default(Default::EmptyList),
    f("product_id", Kind::Ref(Entity::Products)).filter(),
    f("visibility", Kind::Enum(VISIBILITIES))
        .default(Default::Str("internal"))
        .filter(),
    f("for_agents", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
    f("author_id", Kind::Ref(Entity::Users)).server().filter(),
    f("reviewed_on", Kind::Date),
    f("revision", Kind::Int(1, 1_000_000_000))
        .server()
        .default(Default::Int(1)),
    f("solved_count", Kind::Int(0, 1_000_000_000))
        .server()
        .default(Default::Int(0))
        .sort(),
];

/// An article as it was before an edit: written by the server only, never changed.
const ARTICLE_VERSION_FIELDS: &[Field] = &[
    f("article_id", Kind::Ref(Entity::Articles))
        .required()
        .filter(),
    f("revision", Kind::Int(1, 1_000_000_000)).required().sort(),
    f("title", Kind::Text(200)).required(),
    f("body", Kind::Text(100_000)).lines(),
    f("edited_by", Kind::Ref(Entity::Users)),
    f("edited_at", Kind::Time),
];

pub(super) const ARTICLES: Descriptor = Descriptor {
    default_sort: "title",
    title: "title",
    number: Some("number"),
    search: &["number", "title", "body"],
    form: &[
        "title",
        "category",
        "tags",
        "product_id",
        "visibility",
        "for_agents",
        "reviewed_on",
        "body",
    ],
    columns: &[
        "number",
        "title",
        "category",
        "visibility",
        "solved_count",
        "reviewed_on",
    ],
    ..describe("articles", "article", ARTICLE_FIELDS)
};

pub(super) const ARTICLE_VERSIONS: Descriptor = Descriptor {
    default_sort: "revision",
    title: "title",
    search: &["title"],
    indexes: &["article_id"],
    access_links: &["article_id"],
    columns: &["article_id", "revision", "title", "edited_by", "edited_at"],
    ..describe(
        "article_versions",
        "article version",
        ARTICLE_VERSION_FIELDS,
    )
};
