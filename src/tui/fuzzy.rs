//! Fuzzy matching for pick-lists: the typed characters must appear in order; runs of
//! consecutive matches and matches at word starts score higher. Case-insensitive, and works on
//! CJK text (each character is a "word start" there, as there are no spaces).

/// A score when every character of `pattern` appears in `candidate` in order; higher is better.
pub fn score(pattern: &str, candidate: &str) -> Option<i64> {
    let pattern: Vec<char> = pattern
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect();
    if pattern.is_empty() {
        return Some(0);
    }
    let mut score = 0i64;
    let mut pi = 0;
    let mut previous_matched = false;
    let mut previous: Option<char> = None;
    for (i, c) in candidate.chars().enumerate() {
        if pi == pattern.len() {
            break;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        if lower == pattern[pi] {
            score += 1;
            if previous_matched {
                score += 5;
            }
            let word_start = previous.is_none_or(|p| !p.is_alphanumeric()) || !c.is_ascii();
            if word_start {
                score += 3;
            }
            if i == 0 {
                score += 2;
            }
            pi += 1;
            previous_matched = true;
        } else {
            previous_matched = false;
        }
        previous = Some(c);
    }
    (pi == pattern.len()).then(|| score - candidate.chars().count() as i64 / 8)
}

/// Indices of `items` matching `pattern`, best first; ties keep their original order.
pub fn rank<'a>(pattern: &str, items: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> = items
        .enumerate()
        .filter_map(|(i, s)| score(pattern, s).map(|sc| (sc, i)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_must_appear_in_order() {
        assert!(score("nans", "no_answer").is_some());
        assert!(score("cbr", "callback_requested").is_some());
        assert!(score("xyz", "no_answer").is_none());
        assert!(score("华技", "华为技术有限公司").is_some());
        assert_eq!(score("", "anything"), Some(0));
    }

    #[test]
    fn prefixes_and_runs_rank_first() {
        let items = ["voicemail", "no_answer", "answered", "wrong_number"];
        let ranked = rank("an", items.iter().copied());
        assert_eq!(items[ranked[0]], "answered");
        let ranked = rank("LI", ["Emma Li", "李娜 (li)", "linda"].into_iter());
        assert_eq!(ranked[0], 2);
    }
}
