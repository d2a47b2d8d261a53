//! The service desk's reference data (seeds 000 §3.7, 003 CTI): the wrap-up codes a call ends
//! with, service levels with the calendars they count in and the holidays those skip, call
//! scripts and canned replies. Everyone reads them; admins (codes, levels, calendars,
//! holidays) or managers (scripts, replies) write them.

use super::{Default, Descriptor, Field, Kind, LEVELS, PRIORITIES, describe, f};
use crate::schema::Entity;

/// What a wrap-up code asks for after the call: nothing, when to call back, or a ticket.
pub const FOLLOW_UPS: &[&str] = &["none", "callback", "ticket"];
/// A dated exception to a calendar's week (`rules::business_time::DayKind`).
pub const DAY_KINDS: &[&str] = &["holiday", "workday"];
/// Opening hours of one weekday as `rules::business_time::parse_hours` reads them.
const HOURS: Kind = Kind::Text(60);
/// A year of minutes: the longest service level.
const MINUTES: Kind = Kind::Int(1, 525_600);

/// How a call ended, as the agent picks it by its digit in the call dialog. The code is what an
/// activity's `outcome` stores; labels in both languages the screens speak.
const WRAP_UP_CODE_FIELDS: &[Field] = &[
    f("code", Kind::Text(40)).required().sort().filter(),
    f("label_en", Kind::Text(100)).required(),
    f("label_zh", Kind::Text(100)).required(),
    f("digit", Kind::Int(0, 9)).required().sort(),
    f("follow_up", Kind::Enum(FOLLOW_UPS)).default(Default::Str("none")),
    f("follow_up_required", Kind::Bool).default(Default::Bool(false)),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
];

/// Opening hours per weekday in a zone (`rules::business_time::Calendar`); an empty day is closed.
const SLA_CALENDAR_FIELDS: &[Field] = &[
    f("name", Kind::Text(100)).required().sort(),
    f("time_zone", Kind::Text(64)).default(Default::Str("Asia/Shanghai")),
    f("monday", HOURS),
    f("tuesday", HOURS),
    f("wednesday", HOURS),
    f("thursday", HOURS),
    f("friday", HOURS),
    f("saturday", HOURS),
    f("sunday", HOURS),
];

/// A public holiday (closed) or a working weekend (调休), for every calendar.
const HOLIDAY_FIELDS: &[Field] = &[
    f("date", Kind::Date).required().sort().filter(),
    f("name", Kind::Text(100)).required(),
    f("kind", Kind::Enum(DAY_KINDS))
        .default(Default::Str("holiday"))
        .filter(),
];

/// A service level: for a ticket priority, and a customer level or (none) every level, the
/// first response and resolution times in open minutes of a calendar (none: around the clock).
const SERVICE_LEVEL_FIELDS: &[Field] = &[
    f("priority", Kind::Enum(PRIORITIES))
        .required()
        .sort()
        .filter(),
    f("level", Kind::Enum(LEVELS)).filter(),
    f("first_response_minutes", MINUTES).required(),
    f("resolution_minutes", MINUTES).required(),
    f("calendar_id", Kind::Ref(Entity::SlaCalendars)),
    // Minutes before a due time at which the assignee is warned.
    f("warn_minutes", Kind::Int(0, 10_080)).default(Default::Int(30)),
    // What a breach does beyond alerting the team's manager: `reassign` gives the ticket to
    // `escalate_to`, or (none named) to the manager of the assignee's team.
    f("on_breach", Kind::Enum(ON_BREACH)).default(Default::Str("alert")),
    f("escalate_to", Kind::Ref(Entity::Users)),
];

pub const ON_BREACH: &[&str] = &["alert", "reassign"];

/// What an agent says during a call about a ticket category: steps with branches
/// (`rules::scripts` reads the body).
const CALL_SCRIPT_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).required().sort(),
    f("category", Kind::Text(100)).filter(),
    // A call campaign's script, shown during its calls before any category's.
    f("campaign_id", Kind::Ref(Entity::Campaigns)).filter(),
    f("body", Kind::Text(20_000)).required().lines(),
];

/// A reply an agent inserts into a ticket comment; `{customer}`, `{ticket}`, `{agent}` are
/// filled in (`rules::scripts::fill`).
const CANNED_REPLY_FIELDS: &[Field] = &[
    f("title", Kind::Text(200)).required().sort(),
    f("category", Kind::Text(100)).filter(),
    f("body", Kind::Text(10_000)).required().lines(),
];

pub(super) const WRAP_UP_CODES: Descriptor = Descriptor {
    default_sort: "digit",
    title: "label_en",
    search: &["code", "label_en", "label_zh"],
    form: &[
        "code",
        "label_en",
        "label_zh",
        "digit",
        "follow_up",
        "follow_up_required",
        "active",
    ],
    columns: &[
        "digit",
        "code",
        "label_en",
        "label_zh",
        "follow_up",
        "follow_up_required",
        "active",
    ],
    ..describe("wrap_up_codes", "wrap-up code", WRAP_UP_CODE_FIELDS)
};

pub(super) const SLA_CALENDARS: Descriptor = Descriptor {
    default_sort: "name",
    form: &[
        "name",
        "time_zone",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ],
    columns: &[
        "name",
        "time_zone",
        "monday",
        "friday",
        "saturday",
        "sunday",
    ],
    ..describe("sla_calendars", "calendar", SLA_CALENDAR_FIELDS)
};

pub(super) const HOLIDAYS: Descriptor = Descriptor {
    default_sort: "date",
    form: &["date", "name", "kind"],
    columns: &["date", "name", "kind"],
    ..describe("holidays", "holiday", HOLIDAY_FIELDS)
};

pub(super) const SERVICE_LEVELS: Descriptor = Descriptor {
    default_sort: "priority",
    title: "priority",
    search: &[],
    form: &[
        "priority",
        "level",
        "first_response_minutes",
        "resolution_minutes",
        "calendar_id",
        "warn_minutes",
        "on_breach",
        "escalate_to",
    ],
    columns: &[
        "priority",
        "level",
        "first_response_minutes",
        "resolution_minutes",
        "calendar_id",
        "warn_minutes",
    ],
    ..describe("service_levels", "service level", SERVICE_LEVEL_FIELDS)
};

pub(super) const CALL_SCRIPTS: Descriptor = Descriptor {
    default_sort: "name",
    search: &["name", "category"],
    form: &["name", "category", "campaign_id", "body"],
    columns: &["name", "category", "campaign_id"],
    ..describe("call_scripts", "call script", CALL_SCRIPT_FIELDS)
};

pub(super) const CANNED_REPLIES: Descriptor = Descriptor {
    default_sort: "title",
    title: "title",
    search: &["title", "category", "body"],
    form: &["title", "category", "body"],
    columns: &["title", "category"],
    ..describe("canned_replies", "canned reply", CANNED_REPLY_FIELDS)
};
