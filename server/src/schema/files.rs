//! Files attached to records (a contract scan, a specification, a site photo): the record of a
//! file — its name, size, type and SHA-256 digest — syncs like any other; its bytes live on the
//! server's disk, stored once per digest (`crate::blobs`), and reach a client only when asked
//! (`GET /files/{id}/content`, `crm files get`). Not the document *templates* of
//! `schema/documents.rs`, which print quotes and contracts.
//!
//! A file hangs off one record named by `entity` and `record_id`; its read set is that record's
//! (`access::read_set`), and the record's delete takes it along (`Entity::dependents`).

use super::{Default, Descriptor, Field, Kind, describe, f};

/// The entities a file may be attached to.
pub const ATTACHABLE: &[&str] = &[
    "customers",
    "contacts",
    "opportunities",
    "activities",
    "tickets",
    "quotes",
    "orders",
    "contracts",
    "expense_claims",
    "leads",
    "campaigns",
    "products",
    "competitors",
    "articles",
];

/// The field naming the record a file belongs to; `Entity::dependents` lists it for every
/// attachable entity.
pub const FILE_RECORD: &str = "record_id";

const FILE_FIELDS: &[Field] = &[
    f("entity", Kind::Enum(ATTACHABLE)).required().filter(),
    f(FILE_RECORD, Kind::Text(36)).required().filter(),
    f("name", Kind::Text(255)).required().sort(),
    f("notes", Kind::Text(2_000)).lines(),
    // The server's, from the bytes it received.
    f("size", Kind::Int(0, i64::MAX))
        .server()
        .default(Default::Int(0)),
    f("content_type", Kind::Text(100))
        .server()
        .default(Default::Str("application/octet-stream"))
        .filter(),
    f("sha256", Kind::Text(64))
        .server()
        .default(Default::Str(""))
        .filter(),
];

pub(super) const FILES: Descriptor = Descriptor {
    default_sort: "name",
    title: "name",
    search: &["name", "notes"],
    indexes: &[FILE_RECORD],
    form: &["name", "notes"],
    columns: &["name", "size", "content_type", "entity"],
    ..describe("files", "file", FILE_FIELDS)
};

/// The admin's limits on attached files, one record for the server (`service::files`): the
/// largest file in MiB and the kinds allowed (`rules::file_types::FileKind` names). Without a
/// record the server's flags (`serve --max-file-size`, `--file-types`) hold.
const FILE_SETTING_FIELDS: &[Field] = &[
    f("max_size_mb", Kind::Int(1, 10_240)).default(Default::Int(25)),
    f("types", Kind::Tags).default(Default::EmptyList),
];

pub(super) const FILE_SETTINGS: Descriptor = Descriptor {
    title: "max_size_mb",
    search: &[],
    form: &["max_size_mb", "types"],
    columns: &["max_size_mb", "types"],
    ..describe("file_settings", "file setting", FILE_SETTING_FIELDS)
};
