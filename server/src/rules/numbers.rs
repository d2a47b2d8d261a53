//! Human record numbers: a customer's code `C000123`, a ticket's number `T-000123`, a quote's
//! `Q-000123` and an order's `O-000123`, made from
//! a counter of the store and read back (`:open C000123`).

use std::fmt;

use crate::schema::Entity;

/// The store counter customer codes are drawn from.
pub const CUSTOMER_COUNTER: &str = "customer_code";
/// The store counter ticket numbers are drawn from.
pub const TICKET_COUNTER: &str = "ticket_number";
/// The store counter quote numbers are drawn from (a revision keeps its quote's number).
pub const QUOTE_COUNTER: &str = "quote_number";
/// The store counter order numbers are drawn from.
pub const ORDER_COUNTER: &str = "order_number";

/// The store counter contract numbers are drawn from.
pub const CONTRACT_COUNTER: &str = "contract_number";
/// The store counter knowledge-base article numbers are drawn from.
pub const ARTICLE_COUNTER: &str = "article_number";

/// The code of the `n`th customer: `C000123` (more digits past a million).
pub fn customer_code(n: i64) -> String {
    Number::Customer(n).to_string()
}

/// The number of the `n`th ticket: `T-000123`.
pub fn ticket_number(n: i64) -> String {
    Number::Ticket(n).to_string()
}

/// The number of the `n`th quote: `Q-000123`.
pub fn quote_number(n: i64) -> String {
    Number::Quote(n).to_string()
}

/// The number of the `n`th order: `O-000123`.
pub fn order_number(n: i64) -> String {
    Number::Order(n).to_string()
}

/// The number of the `n`th contract: `K-000123`.
pub fn contract_number(n: i64) -> String {
    Number::Contract(n).to_string()
}

/// The number of the `n`th knowledge-base article: `KB-000123` (`K-` is a contract's).
pub fn article_number(n: i64) -> String {
    Number::Article(n).to_string()
}

/// The store counter lead numbers are drawn from.
pub const LEAD_COUNTER: &str = "lead_number";

/// The number of the `n`th lead: `L-000123`.
pub fn lead_number(n: i64) -> String {
    Number::Lead(n).to_string()
}

/// A human number read back: which kind of record it names and its counter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    Customer(i64),
    Ticket(i64),
    Quote(i64),
    Order(i64),
    Contract(i64),
    Article(i64),
    Lead(i64),
}

impl Number {
    /// Reads a generated code or number, any case, white space around ignored. Only the form
    /// these rules write is accepted (`C123` or `T-0000123` are not), so a parsed number
    /// written again is the text that was read.
    pub fn parse(text: &str) -> Option<Number> {
        let upper = text.trim().to_ascii_uppercase();
        let (make, digits): (fn(i64) -> Number, &str) = if let Some(d) = upper.strip_prefix("T-") {
            (Number::Ticket, d)
        } else if let Some(d) = upper.strip_prefix("Q-") {
            (Number::Quote, d)
        } else if let Some(d) = upper.strip_prefix("O-") {
            (Number::Order, d)
        } else if let Some(d) = upper.strip_prefix("KB-") {
            (Number::Article, d)
        } else if let Some(d) = upper.strip_prefix("K-") {
            (Number::Contract, d)
        } else if let Some(d) = upper.strip_prefix("L-") {
            (Number::Lead, d)
        } else if let Some(d) = upper.strip_prefix('C') {
            (Number::Customer, d)
        } else {
            return None;
        };
        if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = make(digits.parse().ok()?);
        (number.to_string() == upper).then_some(number)
    }

    /// The entity a number names.
    pub fn entity(self) -> Entity {
        match self {
            Number::Customer(_) => Entity::Customers,
            Number::Ticket(_) => Entity::Tickets,
            Number::Quote(_) => Entity::Quotes,
            Number::Order(_) => Entity::Orders,
            Number::Contract(_) => Entity::Contracts,
            Number::Article(_) => Entity::Articles,
            Number::Lead(_) => Entity::Leads,
        }
    }

    /// The field that holds it: a customer's `code`, a ticket's `number`.
    pub fn field(self) -> &'static str {
        match self {
            Number::Customer(_) => "code",
            Number::Ticket(_)
            | Number::Quote(_)
            | Number::Order(_)
            | Number::Contract(_)
            | Number::Article(_)
            | Number::Lead(_) => "number",
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Customer(n) => write!(f, "C{n:06}"),
            Number::Ticket(n) => write!(f, "T-{n:06}"),
            Number::Quote(n) => write!(f, "Q-{n:06}"),
            Number::Order(n) => write!(f, "O-{n:06}"),
            Number::Contract(n) => write!(f, "K-{n:06}"),
            Number::Article(n) => write!(f, "KB-{n:06}"),
            Number::Lead(n) => write!(f, "L-{n:06}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_padded_to_six_digits_and_grow_past_a_million() {
        assert_eq!(customer_code(123), "C000123");
        assert_eq!(ticket_number(1001), "T-001001");
        assert_eq!(customer_code(1_234_567), "C1234567");
    }

    #[test]
    fn a_written_number_reads_back() {
        for n in [1, 999_999, 1_000_000, 42_000_000] {
            assert_eq!(Number::parse(&customer_code(n)), Some(Number::Customer(n)));
            assert_eq!(Number::parse(&ticket_number(n)), Some(Number::Ticket(n)));
            assert_eq!(Number::parse(&quote_number(n)), Some(Number::Quote(n)));
            assert_eq!(Number::parse(&order_number(n)), Some(Number::Order(n)));
            assert_eq!(
                Number::parse(&contract_number(n)),
                Some(Number::Contract(n))
            );
            assert_eq!(Number::parse(&article_number(n)), Some(Number::Article(n)));
            assert_eq!(Number::parse(&lead_number(n)), Some(Number::Lead(n)));
        }
        assert_eq!(Number::parse(" c000676 "), Some(Number::Customer(676)));
        assert_eq!(Number::parse("t-001002"), Some(Number::Ticket(1002)));
        assert_eq!(
            Number::parse("T-001002").map(Number::entity),
            Some(Entity::Tickets)
        );
        assert_eq!(Number::parse("C000001").map(Number::field), Some("code"));
    }

    #[test]
    fn other_spellings_are_not_numbers() {
        for text in [
            "",
            "C",
            "C123",
            "C00012a",
            "T000123",
            "T-12",
            "C-000123",
            "C0000123",
            "X000123",
            "C000123x",
            "C+00123",
            "Q000123",
            "Q-12",
            "O000123",
            "O-12",
            "K000123",
            "K-12",
            "KB-12",
            "KB000123",
            "K-B000123",
            "L000123",
            "L-12",
        ] {
            assert_eq!(Number::parse(text), None, "{text}");
        }
    }
}
