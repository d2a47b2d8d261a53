//! How values read on screen: money with thousands separators, ages. Times of day are the
//! user's zone's (`crate::zone::Zone`).

use chrono::{DateTime, Utc};

/// Minor units as "12,345.67" (two decimals, as CNY, USD and EUR have).
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// Short money for narrow columns: "1.2M", "345.6K", "999.00".
pub fn money_short(minor: i64) -> String {
    let units = minor as f64 / 100.0;
    let abs = units.abs();
    if abs >= 1e9 {
        format!("{:.1}B", units / 1e9)
    } else if abs >= 1e6 {
        format!("{:.1}M", units / 1e6)
    } else if abs >= 1e4 {
        format!("{:.1}K", units / 1e3)
    } else {
        money(minor)
    }
}

/// Reads "12,345.67", "¥12345", "12345.6" as minor units. None when it is not an amount.
pub fn parse_money(input: &str) -> Option<i64> {
    let cleaned: String = input
        .trim()
        .trim_start_matches(['¥', '$', '€', '£', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '_' && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return None;
    }
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// "just now", "3m ago", "2h ago", "5d ago".
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds();
    if s < 60 {
        "just now".into()
    } else if s < 3600 {
        format!("{}m ago", s / 60)
    } else if s < 86_400 {
        format!("{}h ago", s / 3600)
    } else {
        format!("{}d ago", s / 86_400)
    }
}

/// "level A", or nothing when there is no value: an empty value leaves no dangling label.
pub fn labelled(label: &str, value: &str) -> String {
    if value.trim().is_empty() {
        String::new()
    } else {
        format!("{label} {value}")
    }
}

/// Thousands separators for counts: 1,000,000.
pub fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_separators_and_two_decimals() {
        assert_eq!(money(1_234_567), "12,345.67");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(100_000_000), "1,000,000.00");
        assert_eq!(money(-1230), "-12.30");
        assert_eq!(money_short(123_456_700), "1.2M");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn an_empty_value_has_no_label() {
        assert_eq!(labelled("level", "A"), "level A");
        assert_eq!(labelled("level", ""), "");
        assert_eq!(labelled("level", "  "), "");
    }

    #[test]
    fn money_is_read_back_in_minor_units() {
        assert_eq!(parse_money("12,345.67"), Some(1_234_567));
        assert_eq!(parse_money("¥12345"), Some(1_234_500));
        assert_eq!(parse_money("0.5"), Some(50));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("-3"), None);
        assert_eq!(parse_money("abc"), None);
    }
}
