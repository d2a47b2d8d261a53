//! The shape of a descriptor: an entity's fields, their kinds, who may set them, and how
//! lists, forms and the OpenAPI document use them (the entities' own tables are in `schema`
//! and its modules).

use super::{Entity, ListName};

/// One entity's description. Storage SQL, validation, list queries, the OpenAPI document, the
/// replica's tables and indexes, the CLI's flags and the screens' lists and forms are all
/// generated from it.
#[derive(Debug)]
pub struct Descriptor {
    /// Plural, lowercase: URLs, the change feed, SQL table names.
    pub name: &'static str,
    /// Singular, for messages.
    pub noun: &'static str,
    pub fields: &'static [Field],
    /// The sort of a list that names none: newest first for activity-like records,
    /// alphabetical for master data.
    pub default_sort: &'static str,
    /// The field that names a record for people (a name, a subject).
    pub title: &'static str,
    /// The generated human number people quote (C000123, T-000123), if the entity has one.
    pub number: Option<&'static str>,
    /// Text fields a list's search (`?q=`, the screens' `/`) matches.
    pub search: &'static [&'static str],
    /// Indexes a large table needs for the orders and look-ups lists use (replica).
    pub indexes: &'static [&'static str],
    /// The fields a create/edit form shows, in order; server-set fields are never here.
    pub form: &'static [&'static str],
    /// The fields a list or table shows, in order (links shown by their target's name).
    pub columns: &'static [&'static str],
    /// Link fields whose target's access (read set, or a user's team) feeds this record's read
    /// set: when the target changes, this record's read set is computed again.
    pub access_links: &'static [&'static str],
}

/// What a field holds; decides its SQL column, its JSON shape and its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text up to this many characters.
    Text(usize),
    /// One of a fixed set of lowercase words.
    Enum(&'static [&'static str]),
    /// The code of an active item of a list an admin edits (`list_items`), checked against the
    /// list of the moment (`catalog::Catalog`).
    List(ListName),
    /// The id of a record of another entity.
    Ref(Entity),
    /// A whole number in an inclusive range.
    Int(i64, i64),
    /// Money in integer minor units (fen, cents); never negative.
    Money,
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An instant, RFC 3339, stored and sent in UTC.
    Time,
    /// A list of short labels.
    Tags,
    /// A list of ids of records of another entity.
    Refs(Entity),
    /// A JSON object of extension fields: string keys, scalar values. The `custom` field of an
    /// entity holds its custom fields' values, checked against their definitions.
    Map,
}

/// Who may set a field from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who may write the record.
    Open,
    /// Only managers and admins (owner, team).
    Privileged,
    /// Only admins (a user's role).
    Admin,
    /// Only the server (generated numbers, SLA due times, timestamps).
    Server,
}

/// A value a field takes when a create leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    Null,
    Str(&'static str),
    Int(i64),
    Bool(bool),
    EmptyList,
    EmptyMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Must be present (and not null) on create.
    pub required: bool,
    pub access: Access,
    pub default: Default,
    /// May be used as `?name=value` in lists.
    pub filter: bool,
    /// May be used as `?sort=name`; only NOT NULL columns, so cursors compare cleanly.
    pub sort: bool,
    /// The server fills it when a create leaves it out (customer codes, ticket numbers).
    pub generated: bool,
    /// Text of several lines (notes, descriptions): newlines and tabs are allowed in it, as in
    /// no other text field.
    pub lines: bool,
    /// The shape a text value must have beyond its length (an email address, a web address, a
    /// phone number); checked by `validate`, stated in the OpenAPI document.
    pub format: Option<Format>,
}

/// A shape a text field's value must have. Deliberately permissive where real data varies; the
/// exact rules are `validate::format_problem`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `local@domain.tld`: one `@`, a local part, a domain of two or more dot-separated labels,
    /// no spaces.
    Email,
    /// A web address: `http(s)://host…` or a bare `host…`, the host of two or more labels.
    Url,
    /// Digits with spaces and `+ ( ) - . / # , ;`, and an extension word (`转`, `分机`, `ext`, `x`).
    Phone,
}

impl Field {
    /// True when the column can never hold NULL.
    pub fn not_null(&self) -> bool {
        self.required || self.generated || !matches!(self.default, Default::Null)
    }
}

pub(super) const fn f(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        access: Access::Open,
        default: Default::Null,
        filter: false,
        sort: false,
        generated: false,
        lines: false,
        format: None,
    }
}

impl Field {
    pub(super) const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub(super) const fn privileged(mut self) -> Field {
        self.access = Access::Privileged;
        self
    }
    pub(super) const fn admin(mut self) -> Field {
        self.access = Access::Admin;
        self
    }
    pub(super) const fn server(mut self) -> Field {
        self.access = Access::Server;
        self
    }
    pub(super) const fn default(mut self, d: Default) -> Field {
        self.default = d;
        self
    }
    pub(super) const fn filter(mut self) -> Field {
        self.filter = true;
        self
    }
    pub(super) const fn generated(mut self) -> Field {
        self.generated = true;
        self
    }
    pub(super) const fn sort(mut self) -> Field {
        self.sort = true;
        self
    }
    pub(super) const fn lines(mut self) -> Field {
        self.lines = true;
        self
    }
    pub(super) const fn format(mut self, format: Format) -> Field {
        self.format = Some(format);
        self
    }
}
