//! Sales targets (quotas): an amount a user or a team is to win in a month. Managers set their
//! own team's and its members', admins everyone's (`access`); the dashboard reads won amounts
//! against them.

use super::{Descriptor, Entity, Field, Kind, describe, f};

/// One target: exactly one of `user_id`, `team_id` and `customer_id` (a dealer) (the service checks), the month as its
/// first day, the amount in minor units. One per user and month, one per team and month.
const TARGET_FIELDS: &[Field] = &[
    f("user_id", Kind::Ref(Entity::Users)).filter(),
    f("team_id", Kind::Ref(Entity::Teams)).filter(),
    // A dealer's target (a customer of category dealer): what is to be sold through it.
    f("customer_id", Kind::Ref(Entity::Customers)).filter(),
    f("month", Kind::Date).required().sort().filter(),
    f("amount", Kind::Money).required().sort(),
    f("note", Kind::Text(500)),
];

pub(super) const TARGETS: Descriptor = Descriptor {
    default_sort: "month",
    title: "month",
    search: &["note"],
    indexes: &["month"],
    form: &[
        "user_id",
        "team_id",
        "customer_id",
        "month",
        "amount",
        "note",
    ],
    columns: &[
        "month",
        "user_id",
        "team_id",
        "customer_id",
        "amount",
        "note",
    ],
    // A user target's readers follow the user's team; a dealer's its customer's readers.
    access_links: &["user_id", "customer_id"],
    ..describe("targets", "target", TARGET_FIELDS)
};
