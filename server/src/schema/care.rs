//! Customer care (客户关怀): the rules that make care tasks for a customer's owner on an
//! occasion (a contact's birthday, the company's founding day, 春节, 中秋, a customer reaching
//! level A), each with its preset wording, and the letter templates a mail merge or an SMS
//! sends. Both are read by everyone (a client renders offline) and written by managers and
//! admins. The occasions' dates are `rules::care`'s; the scan that applies the rules is
//! `service::care`.

use super::{Default, Descriptor, Field, Kind, ListName, describe, f};

/// What a care rule fires on (`rules::care::Occasion`).
pub const CARE_OCCASIONS: &[&str] = &[
    "birthday",
    "anniversary",
    "new_year",
    "spring_festival",
    "mid_autumn",
    "level_a",
];

/// How a letter template is sent.
pub const LETTER_CHANNELS: &[&str] = &["email", "sms"];

const CARE_RULE_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("occasion", Kind::Enum(CARE_OCCASIONS))
        .required()
        .filter(),
    // Only customers of this level; none: every customer (a holiday's rule wants one).
    f("level", Kind::List(ListName::Levels)).filter(),
    // The task is made this many days before the occasion (and on any day up to it).
    f("days_before", Kind::Int(0, 60)).default(Default::Int(0)),
    // The preset wording, with placeholders (`rules::care::wording_values`).
    f("wording", Kind::Text(2_000)).required().lines(),
    // The day an occasion falls on is the day in this zone.
    f("time_zone", Kind::Text(64)).default(Default::Str("Asia/Shanghai")),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

const LETTER_TEMPLATE_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("channel", Kind::Enum(LETTER_CHANNELS))
        .default(Default::Str("email"))
        .filter(),
    // An email's subject; placeholders as the body's.
    f("subject", Kind::Text(200)),
    f("body", Kind::Text(50_000)).required().lines(),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

pub(super) const CARE_RULES: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "wording"],
    form: &[
        "name",
        "occasion",
        "level",
        "days_before",
        "wording",
        "time_zone",
        "active",
    ],
    columns: &["name", "occasion", "level", "days_before", "active"],
    ..describe("care_rules", "care rule", CARE_RULE_FIELDS)
};

pub(super) const LETTER_TEMPLATES: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "subject"],
    form: &["name", "channel", "subject", "body", "active"],
    columns: &["name", "channel", "subject", "active"],
    ..describe(
        "letter_templates",
        "letter template",
        LETTER_TEMPLATE_FIELDS,
    )
};
