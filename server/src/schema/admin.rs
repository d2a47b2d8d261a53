//! The data model an admin shapes: the value lists of the choice fields (levels, categories,
//! lifecycle stages, industries, regions, ticket categories) and the custom (extension) fields
//! of each entity. Both are records like any other (they sync, they are audited); what they
//! mean for validation, the screens and the API is `crate::catalog`'s.

use super::{Default, Descriptor, Field, Kind, ROLES, describe, f};

/// A list an admin edits whose codes a `Kind::List` field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListName {
    Levels,
    Categories,
    Lifecycle,
    Industries,
    Regions,
    TicketCategories,
    ArticleCategories,
    /// Where leads come from (web form, referral, exhibition…).
    LeadSources,
    /// A contact's part in the buying decision (decision maker, influencer, user, gatekeeper).
    DecisionRoles,
}

impl ListName {
    pub const ALL: [ListName; 9] = [
        ListName::Levels,
        ListName::Categories,
        ListName::Lifecycle,
        ListName::Industries,
        ListName::Regions,
        ListName::TicketCategories,
        ListName::ArticleCategories,
        ListName::LeadSources,
        ListName::DecisionRoles,
    ];

    /// The name a list item's `list` field holds.
    pub const fn name(self) -> &'static str {
        match self {
            ListName::Levels => "levels",
            ListName::Categories => "categories",
            ListName::Lifecycle => "lifecycle",
            ListName::Industries => "industries",
            ListName::Regions => "regions",
            ListName::TicketCategories => "ticket_categories",
            ListName::ArticleCategories => "article_categories",
            ListName::LeadSources => "lead_sources",
            ListName::DecisionRoles => "decision_roles",
        }
    }

    pub fn from_name(name: &str) -> Option<ListName> {
        ListName::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// `ListName::name` of every list, for the `list` field's choices.
pub const LIST_NAMES: &[&str] = &[
    ListName::Levels.name(),
    ListName::Categories.name(),
    ListName::Lifecycle.name(),
    ListName::Industries.name(),
    ListName::Regions.name(),
    ListName::TicketCategories.name(),
    ListName::ArticleCategories.name(),
    ListName::LeadSources.name(),
    ListName::DecisionRoles.name(),
];

/// What a custom field holds (`catalog::CustomKind` reads these words).
pub const CUSTOM_KINDS: &[&str] = &[
    "text",
    "number",
    "money",
    "date",
    "choice",
    "multi_choice",
    "user",
    "link",
];

/// One value of an admin's list: its code (what records store; A/B/C/D and the other codes
/// made by migration 12 stay as they were), its names in Chinese and English, its place in
/// the list, a colour the screens show it in, and whether new records may take it.
const LIST_ITEM_FIELDS: &[Field] = &[
    f("list", Kind::Enum(LIST_NAMES)).required().sort().filter(),
    f("code", Kind::Text(50)).required().sort().filter(),
    f("name_zh", Kind::Text(100)).required(),
    f("name_en", Kind::Text(100)).required(),
    f("position", Kind::Int(0, 10_000))
        .default(Default::Int(0))
        .sort(),
    f("colour", Kind::Text(20)),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

/// A custom field of an entity: the key its value has in the record's `custom` map, its
/// labels, its kind (choices for the choice kinds, the linked entity for `link`), whether a
/// create must give it, whether list searches match it, whether lists show it as a column, its
/// place among the custom fields, and the roles that may read and write it (none listed: all).
const FIELD_DEFINITION_FIELDS: &[Field] = &[
    f("entity", Kind::Text(50)).required().sort().filter(),
    f("key", Kind::Text(64)).required().sort().filter(),
    f("label_zh", Kind::Text(100)).required(),
    f("label_en", Kind::Text(100)),
    f("kind", Kind::Enum(CUSTOM_KINDS)).required().filter(),
    f("choices", Kind::Tags).default(Default::EmptyList),
    f("link", Kind::Text(50)),
    f("required", Kind::Bool).default(Default::Bool(false)),
    f("searchable", Kind::Bool).default(Default::Bool(false)),
    f("in_list", Kind::Bool).default(Default::Bool(false)),
    f("position", Kind::Int(0, 10_000))
        .default(Default::Int(0))
        .sort(),
    f("read_roles", Kind::Tags).default(Default::EmptyList),
    f("write_roles", Kind::Tags).default(Default::EmptyList),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

/// The roles `read_roles` and `write_roles` may name.
pub const FIELD_ROLES: &[&str] = ROLES;

pub(super) const LIST_ITEMS: Descriptor = Descriptor {
    default_sort: "position",
    title: "name_zh",
    search: &["code", "name_zh", "name_en"],
    form: &[
        "list", "code", "name_zh", "name_en", "position", "colour", "active",
    ],
    columns: &[
        "list", "position", "code", "name_zh", "name_en", "colour", "active",
    ],
    ..describe("list_items", "list item", LIST_ITEM_FIELDS)
};

pub(super) const FIELD_DEFINITIONS: Descriptor = Descriptor {
    default_sort: "position",
    title: "label_zh",
    search: &["key", "label_zh", "label_en"],
    form: &[
        "entity",
        "key",
        "label_zh",
        "label_en",
        "kind",
        "choices",
        "link",
        "required",
        "searchable",
        "in_list",
        "position",
        "read_roles",
        "write_roles",
        "active",
    ],
    columns: &[
        "entity", "position", "key", "label_zh", "label_en", "kind", "required", "active",
    ],
    ..describe(
        "field_definitions",
        "field definition",
        FIELD_DEFINITION_FIELDS,
    )
};
