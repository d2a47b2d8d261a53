//! Call scripts and canned replies: the shape of a script's body (steps with branches the agent
//! picks by digit) and the placeholders a reply is filled with. Checked by the server when an
//! admin or manager saves one, read by the client when it shows one.
//!
//! A script's body:
//!
//! ```text
//! # start
//! 您好，这里是{agent}。请问有什么可以帮您？
//! 1 A product fault -> fault
//! 2 Wants to buy more -> sale
//! # fault
//! Ask for the serial number and open a ticket.
//! # sale
//! Note the products and plan a callback.
//! ```
//!
//! `# id` starts a step (the first is where a call begins), `N label -> id` is a branch picked
//! by digit N, every other line is what the agent says.

/// The placeholders a canned reply (or a script line) may hold.
pub const PLACEHOLDERS: [&str; 3] = ["customer", "ticket", "agent"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    #[error("the script has no steps; start one with a line \"# start\"")]
    Empty,
    #[error("line {0}: text before the first step; start the script with a line \"# start\"")]
    Orphan(usize),
    #[error("line {0}: a step needs a name after #")]
    Unnamed(usize),
    #[error("step \"{0}\" is defined twice")]
    Twice(String),
    #[error("line {line}: a branch goes to \"{to}\", which is no step")]
    Nowhere { line: usize, to: String },
    #[error("line {line}: digit {digit} is used twice in step \"{step}\"")]
    Digit {
        line: usize,
        digit: u32,
        step: String,
    },
    #[error("{{{0}}} is not a placeholder; use {{customer}}, {{ticket}} or {{agent}}")]
    Placeholder(String),
}

/// A branch: the digit that picks it, what it says, the step it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub digit: u32,
    pub label: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub lines: Vec<String>,
    pub branches: Vec<Branch>,
}

/// A parsed script: its steps, the first where a call begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub steps: Vec<Step>,
}

impl Script {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn first(&self) -> &Step {
        &self.steps[0]
    }
}

fn branch(line: &str) -> Option<(u32, &str, &str)> {
    let mut chars = line.chars();
    let digit = chars.next()?.to_digit(10)?;
    let rest = chars.as_str();
    if !rest.starts_with([' ', '.', ')']) {
        return None;
    }
    let (label, to) = rest.rsplit_once("->")?;
    let label = label.trim_start_matches(['.', ')']).trim();
    Some((digit, label, to.trim()))
}

/// Reads a script's body, naming the first problem.
pub fn parse(body: &str) -> Result<Script, ScriptError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut targets = Vec::new();
    for (i, raw) in body.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if let Some(name) = line.strip_prefix('#') {
            let id = name.trim();
            if id.is_empty() {
                return Err(ScriptError::Unnamed(line_no));
            }
            if steps.iter().any(|s| s.id == id) {
                return Err(ScriptError::Twice(id.into()));
            }
            steps.push(Step {
                id: id.into(),
                lines: Vec::new(),
                branches: Vec::new(),
            });
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let step = steps.last_mut().ok_or(ScriptError::Orphan(line_no))?;
        match branch(line) {
            Some((digit, label, to)) => {
                if step.branches.iter().any(|b| b.digit == digit) {
                    return Err(ScriptError::Digit {
                        line: line_no,
                        digit,
                        step: step.id.clone(),
                    });
                }
                targets.push((line_no, to.to_string()));
                step.branches.push(Branch {
                    digit,
                    label: label.into(),
                    to: to.into(),
                });
            }
            None => step.lines.push(line.to_string()),
        }
    }
    if steps.is_empty() {
        return Err(ScriptError::Empty);
    }
    if let Some((line, to)) = targets
        .into_iter()
        .find(|(_, to)| !steps.iter().any(|s| &s.id == to))
    {
        return Err(ScriptError::Nowhere { line, to });
    }
    placeholders(body)?;
    Ok(Script { steps })
}

/// The placeholders a text names, each checked to be one of [`PLACEHOLDERS`]. `{{` is a brace.
pub fn placeholders(text: &str) -> Result<Vec<&str>, ScriptError> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            rest = stripped;
            continue;
        }
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(ScriptError::Placeholder(name.chars().take(40).collect()));
        }
        found.push(name);
        rest = &after[end + 1..];
    }
    Ok(found)
}

/// The text with each `{name}` replaced by its value (a name without one is left as written);
/// `{{` and `}}` are single braces.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['{', '}']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{')
            && let Some(end) = tail.find('}')
            && let Some((_, value)) = values.iter().find(|(n, _)| *n == &tail[1..end])
        {
            out.push_str(value);
            rest = &tail[end + 1..];
            continue;
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The script for a call with a customer, among the admin's: one for a campaign the customer is
/// in (`campaigns`, most recent first) beats one for the category of an open ticket of theirs
/// (`categories`, newest first) beats a general one (no campaign, no category). Categories
/// compare without case. None when no script applies.
pub fn choose<'a>(
    scripts: &'a [serde_json::Map<String, serde_json::Value>],
    campaigns: &[&str],
    categories: &[&str],
) -> Option<&'a serde_json::Map<String, serde_json::Value>> {
    let field = |s: &serde_json::Map<String, serde_json::Value>, name: &str| {
        s.get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
    };
    let by_campaign = campaigns.iter().find_map(|c| {
        scripts
            .iter()
            .find(|s| field(s, "campaign_id").as_deref() == Some(*c))
    });
    let by_category = || {
        categories.iter().find_map(|c| {
            scripts.iter().find(|s| {
                field(s, "campaign_id").is_none()
                    && field(s, "category").is_some_and(|k| k.eq_ignore_ascii_case(c))
            })
        })
    };
    let general = || {
        scripts
            .iter()
            .find(|s| field(s, "campaign_id").is_none() && field(s, "category").is_none())
    };
    by_campaign.or_else(by_category).or_else(general)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "# start\n您好，这里是{agent}。\n1 A fault -> fault\n2. Wants to buy -> sale\n\n# fault\nAsk for the serial number.\n# sale\nPlan a callback.\n";

    #[test]
    fn steps_and_branches_are_read_in_order() {
        let s = parse(SCRIPT).unwrap();
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.first().id, "start");
        assert_eq!(s.first().lines, vec!["您好，这里是{agent}。"]);
        assert_eq!(
            s.first().branches[1],
            Branch {
                digit: 2,
                label: "Wants to buy".into(),
                to: "sale".into()
            }
        );
        assert_eq!(
            s.step("fault").unwrap().lines,
            vec!["Ask for the serial number."]
        );
        // A line that starts with a digit but is no branch is text.
        let t = parse("# a\n3 items are on the order\n").unwrap();
        assert_eq!(t.first().lines, vec!["3 items are on the order"]);
    }

    #[test]
    fn broken_scripts_name_their_problem() {
        assert_eq!(parse(""), Err(ScriptError::Empty));
        assert_eq!(parse("hello\n# a"), Err(ScriptError::Orphan(1)));
        assert_eq!(parse("# a\n#\n"), Err(ScriptError::Unnamed(2)));
        assert_eq!(parse("# a\n# a"), Err(ScriptError::Twice("a".into())));
        assert_eq!(
            parse("# a\n1 go -> b\n"),
            Err(ScriptError::Nowhere {
                line: 2,
                to: "b".into()
            })
        );
        assert!(matches!(
            parse("# a\n1 x -> a\n1 y -> a"),
            Err(ScriptError::Digit { digit: 1, .. })
        ));
        assert_eq!(
            parse("# a\nHi {name}"),
            Err(ScriptError::Placeholder("name".into()))
        );
    }

    #[test]
    fn a_campaign_s_script_beats_a_category_s_beats_a_general_one() {
        let s = |name: &str, category: &str, campaign: &str| {
            serde_json::json!({"name": name, "category": category, "campaign_id": campaign})
                .as_object()
                .cloned()
                .unwrap()
        };
        let scripts = vec![
            s("general", "", ""),
            s("fault", "Fault", ""),
            s("spring", "", "camp-1"),
        ];
        let name = |found: Option<&serde_json::Map<String, serde_json::Value>>| {
            found.and_then(|f| f["name"].as_str()).map(str::to_string)
        };
        assert_eq!(
            name(choose(&scripts, &["camp-1"], &["fault"])),
            Some("spring".into())
        );
        assert_eq!(
            name(choose(&scripts, &["camp-9"], &["fault"])),
            Some("fault".into())
        );
        assert_eq!(
            name(choose(&scripts, &[], &["billing"])),
            Some("general".into())
        );
        assert_eq!(name(choose(&scripts[1..2], &[], &["billing"])), None);
    }

    #[test]
    fn replies_are_filled_and_braces_escaped() {
        let values = [
            ("customer", "东华科技"),
            ("ticket", "T-000042"),
            ("agent", "王芳"),
        ];
        assert_eq!(
            fill("{customer} 您好，工单 {ticket} 已处理。{agent}", &values),
            "东华科技 您好，工单 T-000042 已处理。王芳"
        );
        assert_eq!(fill("{{customer}} {x} }", &values), "{customer} {x} }");
        assert_eq!(placeholders("{{x}} {ticket}").unwrap(), vec!["ticket"]);
        assert!(placeholders("{tickets}").is_err());
    }
}
