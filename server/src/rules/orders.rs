//! An order's life and what its stock may do.
//!
//! `entered → confirmed → partly_delivered → delivered → invoiced → closed`; an entered or
//! confirmed order may be `cancelled`, goods delivered (partly or wholly, invoiced or not) may be
//! `returned`. Confirming reserves the stock of the stock-kept lines; a delivery takes the goods
//! out of stock and out of the reservation; a cancellation releases what is still reserved; a
//! return brings the delivered goods back and releases the rest. `partly_delivered` and
//! `delivered` follow the lines' delivered quantities: a user either records quantities on the
//! lines, or moves the order to `delivered`, which delivers what is left.

/// Every status an order can be in, in the order of its life.
pub const STATUSES: [&str; 8] = [
    "entered",
    "confirmed",
    "partly_delivered",
    "delivered",
    "invoiced",
    "closed",
    "returned",
    "cancelled",
];

/// Why a move is refused: the order's state is at fault (the service answers 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
}

fn refuse(message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal {
        message: message.into(),
    })
}

/// May an order move from `from` to `to`? Staying put is always allowed. `by_lines` says the
/// move follows the lines' delivered quantities (the server's own), the only way into
/// `partly_delivered`.
pub fn transition(from: &str, to: &str, by_lines: bool) -> Result<(), Refusal> {
    if from == to {
        return Ok(());
    }
    let ok = matches!(
        (from, to),
        ("entered", "confirmed" | "cancelled")
            | ("confirmed", "delivered" | "cancelled")
            | ("partly_delivered", "delivered" | "returned")
            | ("delivered", "invoiced" | "returned")
            | ("invoiced", "closed" | "returned")
    ) || (by_lines && matches!((from, to), ("confirmed", "partly_delivered")));
    if ok {
        return Ok(());
    }
    match (from, to) {
        (_, "partly_delivered") => {
            refuse("record the delivered quantities on the order's lines to deliver part of it")
        }
        ("entered", _) => refuse(format!("an entered order is confirmed before it is {to}")),
        ("confirmed", _) => refuse(format!(
            "a confirmed order is delivered or cancelled, not {to}"
        )),
        ("partly_delivered", "cancelled") => {
            refuse("part of this order was delivered: return it rather than cancel it")
        }
        ("closed" | "returned" | "cancelled", _) => {
            refuse(format!("this order is {from} and cannot become {to}"))
        }
        _ => refuse(format!("an order that is {from} cannot become {to}")),
    }
}

/// May an order in this status have its fields (other than status, delivery date and notes)
/// and its lines' products, quantities, prices and discounts changed?
pub fn editable(status: &str) -> bool {
    status == "entered"
}

/// What a user is told when they change an order that is no longer entered.
pub fn not_editable(status: &str) -> String {
    format!(
        "this order is {status}: its customer, lines and prices no longer change; cancel or return it and enter another"
    )
}

/// Do goods leave against this order's lines in this status?
pub fn delivering(status: &str) -> bool {
    matches!(status, "confirmed" | "partly_delivered")
}

/// Does an order in this status hold stock reserved for what is not yet delivered?
pub fn reserves(status: &str) -> bool {
    delivering(status)
}

/// Is an order in this status still to be done (for lists of open orders, the 360°)?
pub fn is_open(status: &str) -> bool {
    matches!(
        status,
        "entered" | "confirmed" | "partly_delivered" | "delivered"
    )
}

/// An order's delivery status from its lines' (quantity, delivered) pairs: `delivered` when
/// every line is, `partly_delivered` when something left, else `confirmed`.
pub fn delivery_status(lines: &[(i64, i64)]) -> &'static str {
    if lines.iter().all(|(q, d)| d >= q) {
        "delivered"
    } else if lines.iter().any(|(_, d)| *d > 0) {
        "partly_delivered"
    } else {
        "confirmed"
    }
}

/// Why a line's delivered quantity may not become `new` (from `old`, of `quantity`), if not.
pub fn delivery_problem(quantity: i64, old: i64, new: i64) -> Option<String> {
    if new < old {
        Some(format!(
            "{old} were delivered already; goods coming back are a return of the order"
        ))
    } else if new > quantity {
        Some(format!("only {quantity} were ordered on this line"))
    } else {
        None
    }
}

/// Why `wanted` units cannot be taken from stock where `available` are free, if not: the
/// message the losing side of a race for the last units reads.
pub fn shortage(product: &str, warehouse: &str, available: i64, wanted: i64) -> Option<String> {
    (wanted > available).then(|| {
        format!(
            "not enough stock of {product} in {warehouse}: {} free, {wanted} needed; another order may have taken it",
            available.max(0)
        )
    })
}

/// Is a stock level low: what is free at or below its threshold (a threshold of 0 warns only
/// when nothing is free)?
pub fn is_low(available: i64, threshold: i64) -> bool {
    available <= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_moves_are_allowed() {
        let allowed = [
            ("entered", "confirmed"),
            ("entered", "cancelled"),
            ("confirmed", "delivered"),
            ("confirmed", "cancelled"),
            ("partly_delivered", "delivered"),
            ("partly_delivered", "returned"),
            ("delivered", "invoiced"),
            ("delivered", "returned"),
            ("invoiced", "closed"),
            ("invoiced", "returned"),
        ];
        for from in STATUSES {
            for to in STATUSES {
                let expected = from == to || allowed.contains(&(from, to));
                assert_eq!(
                    transition(from, to, false).is_ok(),
                    expected,
                    "{from} → {to}"
                );
            }
        }
        // Part of a delivery is only ever the lines' doing.
        assert!(transition("confirmed", "partly_delivered", true).is_ok());
        let why = transition("confirmed", "partly_delivered", false).unwrap_err();
        assert!(why.message.contains("lines"));
        assert!(
            transition("partly_delivered", "cancelled", false)
                .unwrap_err()
                .message
                .contains("return")
        );
        assert!(transition("closed", "entered", true).is_err());
    }

    #[test]
    fn delivery_status_follows_the_lines() {
        assert_eq!(delivery_status(&[(2, 0), (1, 0)]), "confirmed");
        assert_eq!(delivery_status(&[(2, 1), (1, 0)]), "partly_delivered");
        assert_eq!(delivery_status(&[(2, 2), (1, 1)]), "delivered");
        assert_eq!(delivery_status(&[(0, 0)]), "delivered");
    }

    #[test]
    fn deliveries_only_grow_up_to_the_quantity() {
        assert_eq!(delivery_problem(5, 2, 4), None);
        assert_eq!(delivery_problem(5, 2, 5), None);
        assert!(delivery_problem(5, 2, 1).unwrap().contains("return"));
        assert!(delivery_problem(5, 2, 6).unwrap().contains("only 5"));
    }

    #[test]
    fn a_shortage_says_what_is_free() {
        assert_eq!(shortage("P-1", "WH", 3, 3), None);
        let why = shortage("P-1", "WH", 0, 1).unwrap();
        assert!(why.contains("P-1") && why.contains("0 free") && why.contains("1 needed"));
        assert!(shortage("P-1", "WH", -2, 1).unwrap().contains("0 free"));
        assert!(is_low(5, 5) && !is_low(6, 5) && is_low(0, 0) && !is_low(1, 0));
        assert!(reserves("confirmed") && reserves("partly_delivered") && !reserves("delivered"));
        assert!(editable("entered") && !editable("confirmed"));
    }
}
