//! Saved queries and static lists (issue 12, seed 003 查询 and 静态列表): a named query of one
//! entity kept by its owner — the user who made it (`created_by`) — alone or shared with their
//! team, and a named, fixed set of records of one entity (a campaign's call list) whose members
//! stay what was put in whatever the records become. The query language names them
//! (`saved:NAME`, `list:NAME`); access is in `access.rs`, the checks in `service/lists.rs`.

use super::{Default, Descriptor, Entity, Field, Kind, describe, f};

/// The most members a static list holds: `list:NAME` becomes one `id IN (…)` of them.
pub const MAX_LIST_MEMBERS: usize = 10_000;

const SAVED_QUERY_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort().filter(),
    f("entity", Kind::Text(50)).required().sort().filter(),
    f("query", Kind::Text(2_000)).required(),
    f("shared", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
];

const STATIC_LIST_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort().filter(),
    f("entity", Kind::Text(50)).required().sort().filter(),
    f("description", Kind::Text(2_000)).lines(),
    f("shared", Kind::Bool)
        .default(Default::Bool(false))
        .filter(),
];

const LIST_MEMBER_FIELDS: &[Field] = &[
    f("list_id", Kind::Ref(Entity::StaticLists))
        .required()
        .filter(),
    // Any entity's record, by id: the list's `entity` says which.
    f("record_id", Kind::Text(36)).required().filter(),
];

pub(super) const SAVED_QUERIES: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "query"],
    form: &["name", "entity", "query", "shared"],
    columns: &["name", "entity", "query", "shared"],
    ..describe("saved_queries", "saved query", SAVED_QUERY_FIELDS)
};

pub(super) const STATIC_LISTS: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "description"],
    form: &["name", "entity", "description", "shared"],
    columns: &["name", "entity", "shared"],
    ..describe("static_lists", "static list", STATIC_LIST_FIELDS)
};

pub(super) const LIST_MEMBERS: Descriptor = Descriptor {
    title: "record_id",
    search: &["record_id"],
    indexes: &["list_id"],
    form: &["list_id", "record_id"],
    columns: &["list_id", "record_id"],
    access_links: &["list_id"],
    ..describe("list_members", "list member", LIST_MEMBER_FIELDS)
};
