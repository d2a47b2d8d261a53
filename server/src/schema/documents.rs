//! The templates quotes and contracts are printed from (`crm quotes render`, `crm contracts
//! render`): one per kind of document, language and format, written by an admin and read by
//! everyone, so a client renders offline with the company's own. A kind, language and format
//! without one prints from the built-in default.

use super::{Default, Descriptor, Field, Kind, describe, f};

/// What a template prints.
pub const DOCUMENT_KINDS: &[&str] = &["quote", "contract"];
/// The languages documents are printed in (the profile's language).
pub const DOCUMENT_LANGS: &[&str] = &["zh", "en"];
/// The formats a template is written in; a PDF is printed from the Markdown one.
pub const DOCUMENT_FORMATS: &[&str] = &["md", "html"];

const DOCUMENT_TEMPLATE_FIELDS: &[Field] = &[
    f("kind", Kind::Enum(DOCUMENT_KINDS))
        .required()
        .sort()
        .filter(),
    f("lang", Kind::Enum(DOCUMENT_LANGS))
        .default(Default::Str("zh"))
        .filter(),
    f("format", Kind::Enum(DOCUMENT_FORMATS))
        .default(Default::Str("md"))
        .filter(),
    f("body", Kind::Text(100_000)).required().lines(),
    f("notes", Kind::Text(2_000)).lines(),
];

pub(super) const DOCUMENT_TEMPLATES: Descriptor = Descriptor {
    default_sort: "kind",
    title: "kind",
    search: &["notes"],
    form: &["kind", "lang", "format", "body", "notes"],
    columns: &["kind", "lang", "format", "notes"],
    ..describe(
        "document_templates",
        "document template",
        DOCUMENT_TEMPLATE_FIELDS,
    )
};
