//! Duplicate merges and bulk actions (issue 14, seed 000 §3.1.1 重复数据的合并): a merge of one
//! customer into another is a record of its own, so it goes through the outbox offline, syncs,
//! is audited, names the redirect a late edit of the merged-away customer follows, and is
//! undone by an admin (its `status` patched to `undone`). A bulk action over marked customers
//! is a record too: one request, every customer checked, all or nothing. The rules are in
//! `service/merges.rs` and `service/bulk.rs`.

use super::{Default, Descriptor, Entity, Field, Kind, ListName, describe, f};

pub const MERGE_STATUSES: &[&str] = &["done", "undone"];
pub const BULK_KINDS: &[&str] = &["owner", "level", "tag", "list"];
/// The most records one bulk action changes.
pub const MAX_BULK: usize = 1_000;

const MERGE_FIELDS: &[Field] = &[
    // The customer that stays.
    f("survivor_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    // The customer merged into it: gone after the merge, its id a redirect to the survivor.
    f("merged_id", Kind::Ref(Entity::Customers))
        .required()
        .filter(),
    // The fields whose value the merged-away customer gives the survivor (the rest keep the
    // survivor's; an empty survivor field takes the other's anyway).
    f("take", Kind::Tags).default(Default::EmptyList),
    // The versions the user looked at: a customer changed since is not merged (409).
    f("survivor_version", Kind::Int(1, i64::MAX)),
    f("merged_version", Kind::Int(1, i64::MAX)),
    f("status", Kind::Enum(MERGE_STATUSES))
        .default(Default::Str("done"))
        .admin()
        .filter(),
    // The server's: what the merge moved (`entity/id` → the fields it set), the survivor's
    // values it replaced, and what was merged, by code and name, for people.
    f("moved", Kind::Map).server().default(Default::EmptyMap),
    f("before", Kind::Map).server().default(Default::EmptyMap),
    f("merged_code", Kind::Text(32)).server(),
    f("merged_name", Kind::Text(200)).server(),
    f("undone_at", Kind::Time).server(),
];

/// A contact merge: the same record as a customer's, its links to contacts (no code to keep).
const CONTACT_MERGE_FIELDS: &[Field] = &[
    f("survivor_id", Kind::Ref(Entity::Contacts))
        .required()
        .filter(),
    f("merged_id", Kind::Ref(Entity::Contacts))
        .required()
        .filter(),
    f("take", Kind::Tags).default(Default::EmptyList),
    f("survivor_version", Kind::Int(1, i64::MAX)),
    f("merged_version", Kind::Int(1, i64::MAX)),
    f("status", Kind::Enum(MERGE_STATUSES))
        .default(Default::Str("done"))
        .admin()
        .filter(),
    f("moved", Kind::Map).server().default(Default::EmptyMap),
    f("before", Kind::Map).server().default(Default::EmptyMap),
    f("merged_name", Kind::Text(200)).server(),
    f("undone_at", Kind::Time).server(),
];

const BULK_FIELDS: &[Field] = &[
    f("kind", Kind::Enum(BULK_KINDS)).required().filter(),
    f("ids", Kind::Refs(Entity::Customers)).required(),
    // `owner`: the new owner, and whether the open deals and planned activities the old owner
    // held on these customers go along.
    f("owner_id", Kind::Ref(Entity::Users)),
    f("with_open", Kind::Bool).default(Default::Bool(false)),
    f("level", Kind::List(ListName::Levels)),
    f("tag", Kind::Text(50)),
    f("list_id", Kind::Ref(Entity::StaticLists)),
    // The server's report: customers changed, deals and activities moved with them.
    f("changed", Kind::Int(0, i64::MAX)).server(),
    f("deals", Kind::Int(0, i64::MAX)).server(),
    f("activities", Kind::Int(0, i64::MAX)).server(),
];

pub(super) const MERGES: Descriptor = Descriptor {
    title: "merged_name",
    search: &["merged_name", "merged_code"],
    indexes: &["survivor_id", "merged_id"],
    form: &["survivor_id", "merged_id", "take"],
    columns: &[
        "merged_code",
        "merged_name",
        "survivor_id",
        "status",
        "created_at",
    ],
    ..describe("merges", "merge", MERGE_FIELDS)
};

pub(super) const CONTACT_MERGES: Descriptor = Descriptor {
    title: "merged_name",
    search: &["merged_name"],
    indexes: &["survivor_id", "merged_id"],
    form: &["survivor_id", "merged_id", "take"],
    columns: &["merged_name", "survivor_id", "status", "created_at"],
    ..describe("contact_merges", "contact merge", CONTACT_MERGE_FIELDS)
};

pub(super) const BULK_ACTIONS: Descriptor = Descriptor {
    title: "kind",
    search: &["tag"],
    form: &[
        "kind",
        "ids",
        "owner_id",
        "with_open",
        "level",
        "tag",
        "list_id",
    ],
    columns: &["kind", "changed", "deals", "activities", "created_at"],
    ..describe("bulk_actions", "bulk action", BULK_FIELDS)
};
