//! A quote's life: which status moves are allowed, when a quote may still be edited or revised,
//! and the discount a role may give without approval.
//!
//! `draft → sent → accepted | rejected | expired`, and `accepted → ordered` when an order is
//! made from it (by the server only: [`ORDERED_BY_ORDER`]). Only a draft is edited (its fields and its
//! lines); a sent quote is answered; an accepted one is final. A sent, rejected or expired quote
//! may be revised: a new draft with the next revision number that `supersedes` it, after which
//! the earlier one is read-only for good.

use crate::access::Role;

/// Lines a quote or an opportunity may hold; more is refused, so totals stay cheap.
pub const MAX_LINES: usize = 500;

/// Every status a quote can be in.
pub const STATUSES: &[&str] = &[
    "draft", "sent", "accepted", "rejected", "expired", "ordered",
];

/// Why a move is refused: the quote's state is at fault (the service answers 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
}

/// May a quote move from `from` to `to`? Staying put is always allowed.
pub fn transition(from: &str, to: &str) -> Result<(), Refusal> {
    let ok = from == to
        || matches!(
            (from, to),
            ("draft", "sent")
                | ("sent", "accepted" | "rejected" | "expired")
                | ("accepted", "ordered")
        );
    if ok {
        Ok(())
    } else {
        Err(Refusal {
            message: match from {
                "draft" => format!("a draft quote is sent before it can be {to}"),
                "sent" => format!("a sent quote is accepted, rejected or expired, not {to}"),
                _ => format!("this quote is {from} and cannot become {to}; revise it instead"),
            },
        })
    }
}

/// What a user who sets a quote to `ordered` by hand is told: an order made from the quote does.
pub const ORDERED_BY_ORDER: &str = "a quote becomes ordered when an order is made from it: POST /quotes/{id}/order, or an order naming the quote";

/// Why an order may not be made from a quote in this status (`ordered_as`: the order's number
/// when it was ordered already), if not.
pub fn order_problem(status: &str, ordered_as: Option<&str>) -> Option<String> {
    match (status, ordered_as) {
        ("accepted", None) => None,
        (_, Some(number)) => Some(format!(
            "this quote was ordered already as {number}; an accepted quote is ordered once"
        )),
        ("ordered", None) => Some("this quote was ordered already".into()),
        (other, None) => Some(format!(
            "only an accepted quote becomes an order; this one is {other}"
        )),
    }
}

/// May a quote in this status have its fields (other than its status) or its lines changed?
pub fn editable(status: &str) -> bool {
    status == "draft"
}

/// What a user is told when they edit a quote that is no longer a draft.
pub fn not_editable(status: &str) -> String {
    format!("this quote is {status} and can no longer be changed; revise it to make a new version")
}

/// Is a quote in this status still open (not yet answered): shown as open on the customer's
/// 360°, unless a newer revision replaced it.
pub fn is_open(status: &str) -> bool {
    matches!(status, "draft" | "sent")
}

/// May a quote in this status be revised (a new version made from it)?
pub fn revisable(status: &str) -> bool {
    matches!(status, "sent" | "rejected" | "expired")
}

/// The largest discount (basis points) a role may give on a line without a manager's approval,
/// when the admin has set none for it.
pub fn default_discount_limit(role: Role) -> i64 {
    match role {
        Role::Admin => 10_000,
        Role::Manager => 3_000,
        Role::Sales => 1_000,
        Role::Agent => 0,
    }
}

/// Why a quote whose largest line discount is `max_discount_bp` may not be sent by someone whose
/// limit is `limit_bp`, or None when it may.
pub fn discount_problem(max_discount_bp: i64, limit_bp: i64) -> Option<String> {
    (max_discount_bp > limit_bp).then(|| {
        format!(
            "a discount of {} is above your limit of {}: submit the quote for a manager's approval before it is sent",
            percent(max_discount_bp),
            percent(limit_bp)
        )
    })
}

/// The discount limit of `role` from the admin's `discount_limits` records (any order), else
/// [`default_discount_limit`]: the server's check on sending and the quote editor's warning.
pub fn limit_of_records(rows: &[serde_json::Map<String, serde_json::Value>], role: Role) -> i64 {
    rows.iter()
        .find(|r| r.get("role").and_then(serde_json::Value::as_str) == Some(role.as_str()))
        .and_then(|r| r.get("max_discount_bp"))
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_else(|| default_discount_limit(role))
}

/// Why a quote whose largest line discount is `max_discount_bp` may not be sent by someone
/// whose limit is `limit_bp`, when no approval covers it (`approved_bp`: the discount its latest
/// approved approval allows), or None when it may.
pub fn send_problem(
    max_discount_bp: i64,
    limit_bp: i64,
    approved_bp: Option<i64>,
) -> Option<String> {
    discount_problem(max_discount_bp, limit_bp)
        .filter(|_| !crate::rules::approvals::discount_covered(approved_bp, max_discount_bp))
}

/// The discount the latest approved approval of a quote allows, from its approvals in the
/// order they were made (oldest first).
pub fn approved_discount_of(
    approvals: &[serde_json::Map<String, serde_json::Value>],
) -> Option<i64> {
    approvals
        .iter()
        .rev()
        .find(|a| a.get("status").and_then(serde_json::Value::as_str) == Some("approved"))
        .and_then(|a| a.get("discount_bp"))
        .and_then(serde_json::Value::as_i64)
}

/// Basis points as a percentage for people: `1250` → `12.5%`.
pub fn percent(bp: i64) -> String {
    let (whole, frac) = (bp / 100, (bp % 100).abs());
    if frac == 0 {
        format!("{whole}%")
    } else if frac % 10 == 0 {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_forward_moves_are_allowed() {
        let allowed = [
            ("draft", "sent"),
            ("sent", "accepted"),
            ("sent", "rejected"),
            ("sent", "expired"),
            ("accepted", "ordered"),
        ];
        for from in STATUSES {
            for to in STATUSES {
                let ok = transition(from, to).is_ok();
                let expected = from == to || allowed.contains(&(*from, *to));
                assert_eq!(ok, expected, "{from} → {to}");
            }
        }
        assert!(
            transition("accepted", "draft")
                .unwrap_err()
                .message
                .contains("revise")
        );
    }

    #[test]
    fn drafts_are_edited_and_answered_quotes_revised() {
        assert!(editable("draft"));
        for s in ["sent", "accepted", "rejected", "expired"] {
            assert!(!editable(s), "{s}");
        }
        assert!(is_open("draft") && is_open("sent"));
        assert!(!is_open("accepted") && !is_open("rejected") && !is_open("expired"));
        assert!(!revisable("draft"));
        assert!(!revisable("accepted"));
        assert!(revisable("sent") && revisable("rejected") && revisable("expired"));
    }

    #[test]
    fn a_discount_above_the_limit_needs_approval() {
        assert_eq!(discount_problem(1_000, 1_000), None);
        assert_eq!(discount_problem(0, 0), None);
        let why = discount_problem(1_250, 1_000).unwrap();
        assert!(why.contains("12.5%") && why.contains("10%") && why.contains("approval"));
        assert!(default_discount_limit(Role::Sales) < default_discount_limit(Role::Manager));
        assert_eq!(default_discount_limit(Role::Agent), 0);
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(percent(1_000), "10%");
        assert_eq!(percent(1_250), "12.5%");
        assert_eq!(percent(1_234), "12.34%");
        assert_eq!(percent(5), "0.05%");
    }
}
