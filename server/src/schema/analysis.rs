//! Work plans and logs (seed 004 工作计划, 工作日志) and customer analysis (seed 001 客户价值分析,
//! 客户生命周期): the value model an admin defines (indicators with weights, score thresholds per
//! level) and the settings of the lifecycle rules and warnings. The scores, suggested levels,
//! lifecycle moves and warnings themselves are the server's (`service::analysis`).

use super::{Default, Descriptor, Entity, Field, Kind, ListName, describe, f};

/// What a work plan is at: written, handed to the manager, looked back on.
pub const PLAN_STATUSES: &[&str] = &["draft", "submitted", "done"];

/// What a value indicator measures per customer (`rules::analysis::Indicator`).
pub const VALUE_INDICATORS: &[&str] =
    &["order_total", "payments", "receivables", "visits", "custom"];

/// A salesperson's plan for a week: what they mean to do and whom they mean to see.
const WORK_PLAN_FIELDS: &[Field] = &[
    f("week", Kind::Date).required().sort().filter(),
    f("title", Kind::Text(200)).required(),
    f("goals", Kind::Text(10_000)).lines(),
    f("customer_ids", Kind::Refs(Entity::Customers)).default(Default::EmptyList),
    f("activity_ids", Kind::Refs(Entity::Activities)).default(Default::EmptyList),
    f("status", Kind::Enum(PLAN_STATUSES))
        .default(Default::Str("draft"))
        .filter(),
    f("review", Kind::Text(10_000)).lines(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
];

/// What a salesperson did on a day, against the week's plan.
const WORK_LOG_FIELDS: &[Field] = &[
    f("day", Kind::Date).required().sort().filter(),
    f("summary", Kind::Text(10_000)).required().lines(),
    f("plan_id", Kind::Ref(Entity::WorkPlans)).filter(),
    f("customer_ids", Kind::Refs(Entity::Customers)).default(Default::EmptyList),
    f("activity_ids", Kind::Refs(Entity::Activities)).default(Default::EmptyList),
    f("hours", Kind::Int(0, 24)),
    f("next_steps", Kind::Text(2_000)).lines(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
];

/// One measure of a customer's value: what it counts, over how many days back (0: all time),
/// its weight, and the value at which it gives its full points (money in minor units, visits
/// as a count, a custom number as stored).
const VALUE_INDICATOR_FIELDS: &[Field] = &[
    f("indicator", Kind::Enum(VALUE_INDICATORS))
        .required()
        .sort()
        .filter(),
    f("custom_key", Kind::Text(64)),
    f("window_days", Kind::Int(0, 3_650)).default(Default::Int(0)),
    f("weight", Kind::Int(1, 100)).required(),
    f("full_at", Kind::Int(1, 1_000_000_000_000_000)).required(),
    f("label", Kind::Text(100)),
];

/// The least score a customer needs for a level to be suggested.
const VALUE_LEVEL_FIELDS: &[Field] = &[
    f("level", Kind::List(ListName::Levels))
        .required()
        .sort()
        .filter(),
    f("min_score", Kind::Int(0, 100)).required(),
];

/// The lifecycle's and the warnings' days and ratios; one record (the service keeps it one).
const ANALYSIS_SETTING_FIELDS: &[Field] = &[
    f("dormant_days", Kind::Int(1, 3_650)).default(Default::Int(180)),
    f("lost_days", Kind::Int(1, 3_650)).default(Default::Int(365)),
    f("no_contact_days", Kind::Int(1, 3_650)).default(Default::Int(30)),
    f("no_business_days", Kind::Int(1, 3_650)).default(Default::Int(90)),
    f("big_min_score", Kind::Int(0, 100)).default(Default::Int(60)),
    f("falling_ratio_pct", Kind::Int(1, 100)).default(Default::Int(70)),
];

pub(super) const WORK_PLANS: Descriptor = Descriptor {
    default_sort: "week",
    title: "title",
    search: &["title", "goals"],
    indexes: &["owner_id, week"],
    form: &[
        "week",
        "title",
        "goals",
        "customer_ids",
        "activity_ids",
        "status",
        "review",
        "owner_id",
    ],
    columns: &["week", "title", "status", "owner_id"],
    access_links: &["owner_id"],
    ..describe("work_plans", "work plan", WORK_PLAN_FIELDS)
};

pub(super) const WORK_LOGS: Descriptor = Descriptor {
    default_sort: "day",
    title: "summary",
    search: &["summary", "next_steps"],
    indexes: &["owner_id, day", "plan_id"],
    form: &[
        "day",
        "summary",
        "plan_id",
        "customer_ids",
        "activity_ids",
        "hours",
        "next_steps",
        "owner_id",
    ],
    columns: &["day", "summary", "hours", "owner_id"],
    access_links: &["owner_id"],
    ..describe("work_logs", "work log", WORK_LOG_FIELDS)
};

pub(super) const VALUE_INDICATOR_DESC: Descriptor = Descriptor {
    default_sort: "indicator",
    title: "indicator",
    search: &["label", "custom_key"],
    form: &[
        "indicator",
        "custom_key",
        "label",
        "window_days",
        "weight",
        "full_at",
    ],
    columns: &[
        "indicator",
        "custom_key",
        "window_days",
        "weight",
        "full_at",
    ],
    ..describe(
        "value_indicators",
        "value indicator",
        VALUE_INDICATOR_FIELDS,
    )
};

pub(super) const VALUE_LEVELS: Descriptor = Descriptor {
    default_sort: "level",
    title: "level",
    search: &[],
    form: &["level", "min_score"],
    columns: &["level", "min_score"],
    ..describe("value_levels", "value level", VALUE_LEVEL_FIELDS)
};

pub(super) const ANALYSIS_SETTINGS: Descriptor = Descriptor {
    title: "dormant_days",
    search: &[],
    form: &[
        "dormant_days",
        "lost_days",
        "no_contact_days",
        "no_business_days",
        "big_min_score",
        "falling_ratio_pct",
    ],
    columns: &[
        "dormant_days",
        "lost_days",
        "no_contact_days",
        "no_business_days",
        "big_min_score",
        "falling_ratio_pct",
    ],
    ..describe(
        "analysis_settings",
        "analysis setting",
        ANALYSIS_SETTING_FIELDS,
    )
};
