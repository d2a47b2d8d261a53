//! Contact relations: the "reports to" hierarchy must stay a forest (no one reports, through
//! others, to themselves), and the decision map is laid out from it. Pure: the caller gives the
//! edges it read.

use std::collections::{BTreeMap, BTreeSet};

/// The relation kind the decision map's tree is built from.
pub const REPORTS_TO: &str = "reports_to";

/// Why `contact` may not report to `superior`, given who reports to whom now (`superior_of`:
/// contact id → the id they report to; the edge being written is not in it). A relation to
/// oneself and a circle through others are refused; the message names the chain's people by
/// `name`.
pub fn reports_to_problem(
    contact: &str,
    superior: &str,
    superior_of: &BTreeMap<String, String>,
    name: &dyn Fn(&str) -> String,
) -> Option<String> {
    if contact == superior {
        return Some("a contact cannot report to themselves".into());
    }
    let mut chain = vec![superior.to_string()];
    let mut seen = BTreeSet::new();
    let mut at = superior.to_string();
    while let Some(next) = superior_of.get(&at) {
        if !seen.insert(at.clone()) {
            // A circle already stored (written before this rule): not this write's doing.
            break;
        }
        chain.push(next.clone());
        if next == contact {
            let names: Vec<String> = std::iter::once(contact)
                .chain(chain.iter().map(String::as_str))
                .map(name)
                .collect();
            return Some(format!(
                "this would make a circle: {}; change who one of them reports to first",
                names.join(" → ")
            ));
        }
        at = next.clone();
    }
    None
}

/// One row of a decision map: a contact at a depth of the "reports to" tree, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub id: String,
    pub depth: usize,
    /// The last among its siblings (drawn `└─`, its children's guide line left blank).
    pub last: bool,
    /// For each ancestor level above this row, whether a guide line continues there (`│`).
    pub guides: Vec<bool>,
}

/// The rows of a forest: `people` in the order wanted among siblings, `superior_of` the edges.
/// A person whose superior is not among `people` is a root; a circle (never stored through the
/// server, but a replica may hold one a moment) is broken where it is found, so every person
/// appears exactly once.
pub fn tree(people: &[String], superior_of: &BTreeMap<String, String>) -> Vec<TreeRow> {
    let present: BTreeSet<&str> = people.iter().map(String::as_str).collect();
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut roots = Vec::new();
    for person in people {
        match superior_of.get(person) {
            Some(up) if present.contains(up.as_str()) && up != person => {
                children.entry(up.as_str()).or_default().push(person)
            }
            _ => roots.push(person.as_str()),
        }
    }
    let mut rows = Vec::with_capacity(people.len());
    let mut placed = BTreeSet::new();
    fn walk<'a>(
        id: &'a str,
        depth: usize,
        last: bool,
        guides: &mut Vec<bool>,
        children: &BTreeMap<&'a str, Vec<&'a str>>,
        placed: &mut BTreeSet<&'a str>,
        rows: &mut Vec<TreeRow>,
    ) {
        if !placed.insert(id) {
            return;
        }
        rows.push(TreeRow {
            id: id.to_string(),
            depth,
            last,
            guides: guides.clone(),
        });
        let kids = children.get(id).map(Vec::as_slice).unwrap_or_default();
        if depth > 0 {
            guides.push(!last);
        }
        for (i, kid) in kids.iter().enumerate() {
            walk(
                kid,
                depth + 1,
                i + 1 == kids.len(),
                guides,
                children,
                placed,
                rows,
            );
        }
        if depth > 0 {
            guides.pop();
        }
    }
    for (i, root) in roots.iter().enumerate() {
        walk(
            root,
            0,
            i + 1 == roots.len(),
            &mut Vec::new(),
            &children,
            &mut placed,
            &mut rows,
        );
    }
    // People only reachable through a circle: roots of their own.
    for person in people {
        if !placed.contains(person.as_str()) {
            walk(
                person,
                0,
                true,
                &mut Vec::new(),
                &children,
                &mut placed,
                &mut rows,
            );
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_circle_through_others_is_refused_and_named() {
        let up = edges(&[("b", "c"), ("c", "a")]);
        let name = |id: &str| id.to_uppercase();
        let problem = reports_to_problem("a", "b", &up, &name).unwrap();
        assert!(problem.contains("A → B → C → A"), "{problem}");
        assert!(reports_to_problem("a", "a", &up, &name).is_some());
        // A chain that does not come back is fine.
        assert_eq!(reports_to_problem("d", "b", &up, &name), None);
        // A circle already stored elsewhere does not loop forever.
        let loop_elsewhere = edges(&[("x", "y"), ("y", "x")]);
        assert_eq!(reports_to_problem("a", "x", &loop_elsewhere, &name), None);
    }

    #[test]
    fn the_tree_puts_each_person_once_under_their_superior() {
        let people = ids(&["boss", "cfo", "cto", "dev", "outsider"]);
        let up = edges(&[("cfo", "boss"), ("cto", "boss"), ("dev", "cto")]);
        let rows = tree(&people, &up);
        let shape: Vec<(&str, usize, bool)> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.depth, r.last))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("boss", 0, false),
                ("cfo", 1, false),
                ("cto", 1, true),
                ("dev", 2, true),
                ("outsider", 0, true),
            ]
        );
        // Under the last child no guide line continues.
        assert_eq!(rows[3].guides, vec![false]);
        assert_eq!(rows[2].guides, Vec::<bool>::new());
    }

    #[test]
    fn a_circle_in_the_data_still_shows_everyone_once() {
        let people = ids(&["a", "b"]);
        let up = edges(&[("a", "b"), ("b", "a")]);
        let rows = tree(&people, &up);
        assert_eq!(rows.len(), 2);
    }
}
