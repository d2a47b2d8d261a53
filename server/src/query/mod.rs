//! The one query language of every list: `level:A region:华东 owner:li amount>100000
//! updated<30d stage:proposal,negotiation -lifecycle:lost "上海" tag:vip`.
//!
//! - `field:value` (equal), `field:a,b` (any of), `field>v`, `>=`, `<`, `<=` on numbers, money
//!   (in yuan: `amount>100000`, `100k`, `1.5m`, `10万`) and dates; `field:none` an empty field.
//! - Dates: `2026-12-01` (on a time field: that day, UTC), or relative ages `30d`, `12h`, `2w`:
//!   `updated<30d` is "less than 30 days ago", `updated>30d` "longer ago than 30 days",
//!   `updated:7d` "within the last 7 days".
//! - Text fields: the exact value, or a prefix with `*` (`name:华为*`); tags and lists of ids: the
//!   record holds any of the values; links (`owner`, `stage`, `customer`…) by what people type:
//!   a user's username or name (`me`), a stage's name, a customer's code or name, or an id.
//! - `-` before a term leaves out what it matches; words and `"quoted phrases"` go to the list's
//!   search.
//!
//! One parser (`parse`), one resolution against a descriptor (`resolve`, fields looked up by
//! name, so every field an entity's descriptor lists can be queried), one SQL rendering
//! (`sql`) that the server's SQLite and PostgreSQL lists and the client's replica share.

mod parse;
mod resolve;
pub mod sql;

pub use parse::{CUSTOM_PREFIX, Op, Term, TermKind, Word, parse};
pub use resolve::{Condition, Lookup, Resolved, Test, custom_column, field_named, resolve};

/// A query the language cannot read, with where (1-based character position) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at {at}{}", hint.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
pub struct QueryError {
    pub at: usize,
    pub message: String,
    /// What was probably meant (`did you mean level?`).
    pub hint: Option<String>,
}

impl QueryError {
    pub fn new(at: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            at,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> QueryError {
        self.hint = Some(hint.into());
        self
    }
}

/// The closest of `options` to `word` by edit distance, when close enough to be a typo.
pub fn closest<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    options
        .into_iter()
        .map(|o| (distance(&word, &o.to_lowercase()), o))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

/// Edit distance in characters, a swap of two neighbours counting as one edit (`lsot`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// True when `text` reads as the language rather than plain search words: it holds a field
/// term (`word:`, `word>`…), a quote or a leading `-`. The screens' `/` switches on this.
pub fn looks_like_query(text: &str) -> bool {
    parse(text).map_or(true, |terms| {
        terms.iter().any(|t| {
            t.negated
                || matches!(t.kind, TermKind::Field { .. })
                || matches!(&t.kind, TermKind::Text(w) if w.quoted)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("levl", ["level", "region"]), Some("level"));
        assert_eq!(closest("Regoin", ["level", "region"]), Some("region"));
        assert_eq!(closest("xyz", ["level", "region"]), None);
    }

    #[test]
    fn plain_words_are_not_a_query() {
        assert!(!looks_like_query("深圳 华为"));
        assert!(!looks_like_query("a-b"));
        assert!(looks_like_query("level:A"));
        assert!(looks_like_query("amount>5"));
        assert!(looks_like_query("-lost"));
        assert!(looks_like_query("\"上海"));
    }
}
