//! Which unit price applies to a customer on a date: the price rule, defined once, called by the
//! service when a quote line leaves its price out, by the seeder, and by the client to show the
//! price a line will take.
//!
//! The rule: among the price-list entries of the product valid on the date (`valid_from` ≤ date,
//! and `valid_to` absent or ≥ date, both inclusive), an entry for this very customer beats an
//! entry for the customer's level (A–D), which beats the product's list price. Within the winning
//! kind the entry that became valid latest wins; entries valid from the same day are decided by
//! the lower price, so the answer never depends on the order the entries are read in.

use chrono::NaiveDate;

/// One price-list entry, as the rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceEntry<'a> {
    /// Set for a price agreed with one customer.
    pub customer_id: Option<&'a str>,
    /// Set for a price for every customer of a level.
    pub level: Option<&'a str>,
    /// Minor units per unit.
    pub unit_price: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// Where an applied price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PriceSource {
    List,
    Level,
    Customer,
}

/// The unit price that applies, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub unit_price: i64,
    pub source: PriceSource,
}

impl PriceEntry<'_> {
    fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }

    /// How this entry applies to the customer, if at all.
    fn applies_to(&self, customer_id: &str, level: Option<&str>) -> Option<PriceSource> {
        match (self.customer_id, self.level) {
            (Some(c), _) if c == customer_id => Some(PriceSource::Customer),
            (None, Some(l)) if Some(l) == level => Some(PriceSource::Level),
            _ => None,
        }
    }
}

/// The unit price of a product for a customer (`customer_id`, of `level`) on `date`, from the
/// product's `list_price` and its price-list `entries` (any order; entries of other products
/// must not be passed).
pub fn price_for(
    list_price: i64,
    entries: &[PriceEntry<'_>],
    customer_id: &str,
    level: Option<&str>,
    date: NaiveDate,
) -> Price {
    entries
        .iter()
        .filter(|e| e.valid_on(date))
        .filter_map(|e| e.applies_to(customer_id, level).map(|source| (source, e)))
        // Best kind, then latest start, then the lower price.
        .max_by(|(sa, a), (sb, b)| {
            sa.cmp(sb)
                .then(a.valid_from.cmp(&b.valid_from))
                .then(b.unit_price.cmp(&a.unit_price))
        })
        .map_or(
            Price {
                unit_price: list_price,
                source: PriceSource::List,
            },
            |(source, e)| Price {
                unit_price: e.unit_price,
                source,
            },
        )
}

/// The price of `product` (a `products` record) for a customer from the product's price-list
/// records (`prices` rows of this product, any order), by [`price_for`]: the one way a stored
/// product and its entries become a price, for the server's lines and the client's quote editor
/// alike. Entries without a readable price or start date are skipped.
pub fn price_of_records(
    product: &serde_json::Map<String, serde_json::Value>,
    rows: &[serde_json::Map<String, serde_json::Value>],
    customer_id: &str,
    level: Option<&str>,
    date: NaiveDate,
) -> Price {
    let day = |r: &serde_json::Map<String, serde_json::Value>, f: &str| {
        r.get(f)
            .and_then(serde_json::Value::as_str)
            .and_then(|d| d.parse::<NaiveDate>().ok())
    };
    let entries: Vec<PriceEntry<'_>> = rows
        .iter()
        .filter_map(|r| {
            Some(PriceEntry {
                customer_id: r.get("customer_id").and_then(serde_json::Value::as_str),
                level: r.get("level").and_then(serde_json::Value::as_str),
                unit_price: r.get("unit_price")?.as_i64()?,
                valid_from: day(r, "valid_from")?,
                valid_to: day(r, "valid_to"),
            })
        })
        .collect();
    let list_price = product
        .get("list_price")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    price_for(list_price, &entries, customer_id, level, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry<'a>(
        customer_id: Option<&'a str>,
        level: Option<&'a str>,
        unit_price: i64,
        from: &str,
        to: Option<&str>,
    ) -> PriceEntry<'a> {
        PriceEntry {
            customer_id,
            level,
            unit_price,
            valid_from: day(from),
            valid_to: to.map(day),
        }
    }

    const LIST: i64 = 10_000;

    #[test]
    fn no_entry_means_the_list_price() {
        let p = price_for(LIST, &[], "c1", Some("A"), day("2026-06-01"));
        assert_eq!(
            p,
            Price {
                unit_price: LIST,
                source: PriceSource::List
            }
        );
    }

    #[test]
    fn customer_beats_level_beats_list() {
        let entries = [
            entry(None, Some("A"), 9_000, "2026-01-01", None),
            entry(Some("c1"), None, 8_000, "2025-01-01", None),
            entry(None, Some("B"), 9_500, "2026-01-01", None),
        ];
        let on = day("2026-06-01");
        // The customer's own price, though the level's started later.
        assert_eq!(
            price_for(LIST, &entries, "c1", Some("A"), on),
            Price {
                unit_price: 8_000,
                source: PriceSource::Customer
            }
        );
        // Another customer of level A: the level's.
        assert_eq!(
            price_for(LIST, &entries, "c2", Some("A"), on),
            Price {
                unit_price: 9_000,
                source: PriceSource::Level
            }
        );
        // Level B, level C and no level.
        assert_eq!(
            price_for(LIST, &entries, "c3", Some("B"), on).unit_price,
            9_500
        );
        assert_eq!(
            price_for(LIST, &entries, "c3", Some("C"), on).source,
            PriceSource::List
        );
        assert_eq!(
            price_for(LIST, &entries, "c3", None, on).source,
            PriceSource::List
        );
    }

    #[test]
    fn validity_is_inclusive_at_both_ends_and_expired_entries_fall_back() {
        let entries = [
            entry(Some("c1"), None, 7_000, "2026-03-01", Some("2026-03-31")),
            entry(None, Some("A"), 9_000, "2026-01-01", None),
        ];
        let at = |d: &str| price_for(LIST, &entries, "c1", Some("A"), day(d)).unit_price;
        assert_eq!(at("2026-02-28"), 9_000);
        assert_eq!(at("2026-03-01"), 7_000);
        assert_eq!(at("2026-03-31"), 7_000);
        assert_eq!(at("2026-04-01"), 9_000);
        assert_eq!(at("2025-12-31"), LIST);
    }

    #[test]
    fn the_latest_valid_entry_wins_whatever_the_order() {
        let mut entries = vec![
            entry(None, Some("A"), 9_000, "2025-01-01", None),
            entry(None, Some("A"), 9_200, "2026-01-01", None),
            entry(None, Some("A"), 8_000, "2026-07-01", None),
        ];
        for _ in 0..entries.len() {
            entries.rotate_left(1);
            assert_eq!(
                price_for(LIST, &entries, "c1", Some("A"), day("2026-06-30")).unit_price,
                9_200
            );
            assert_eq!(
                price_for(LIST, &entries, "c1", Some("A"), day("2026-07-01")).unit_price,
                8_000
            );
        }
        // Same start: the lower price, in either order.
        let same = [
            entry(None, Some("A"), 9_100, "2026-01-01", None),
            entry(None, Some("A"), 9_050, "2026-01-01", None),
        ];
        let mut reversed = same;
        reversed.reverse();
        for e in [same, reversed] {
            assert_eq!(
                price_for(LIST, &e, "c", Some("A"), day("2026-02-01")).unit_price,
                9_050
            );
        }
    }

    #[test]
    fn an_entry_for_another_customer_never_applies() {
        let entries = [entry(Some("c9"), None, 1, "2020-01-01", None)];
        assert_eq!(
            price_for(LIST, &entries, "c1", Some("A"), day("2026-01-01")).source,
            PriceSource::List
        );
    }
}
