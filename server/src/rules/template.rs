//! The placeholder language of document templates (quotes, contracts) and letter templates
//! (mail merge, SMS, a care rule's wording), small enough to read in one go: `{{key}}`
//! is a value; `{{#lines}}…{{/lines}}` repeats its text once per line (a line's keys, then the
//! document's); `{{#key}}…{{/key}}` for any other key shows its text only when the value is not
//! empty. Every value is escaped for the format (HTML or Markdown) and stripped of control
//! characters; an unknown key or an unclosed section is an error naming it and its line, since
//! an admin writes these.

use std::collections::BTreeMap;

/// The format a template writes, which decides how values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    Html,
    Markdown,
    /// Plain text (a letter's text part, an SMS): values only stripped of control characters.
    Plain,
}

/// The values a template is filled with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    pub fields: BTreeMap<&'static str, String>,
    pub lines: Vec<BTreeMap<&'static str, String>>,
}

/// Why a template cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template line {line}: unknown placeholder {{{{{key}}}}}; known: {known}")]
    Unknown {
        line: usize,
        key: String,
        known: String,
    },
    #[error("template line {line}: {{{{#{key}}}}} is never closed with {{{{/{key}}}}}")]
    Unclosed { line: usize, key: String },
    #[error("template line {line}: {{{{ is never closed with }}}}")]
    Open { line: usize },
}

/// `s` escaped for `escape`, without control characters (newlines and tabs kept).
pub fn escape(s: &str, escape: Escape) -> String {
    let clean: String = s
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect();
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match (escape, c) {
            (Escape::Html, '&') => out.push_str("&amp;"),
            (Escape::Html, '<') => out.push_str("&lt;"),
            (Escape::Html, '>') => out.push_str("&gt;"),
            (Escape::Html, '"') => out.push_str("&quot;"),
            (Escape::Html, '\'') => out.push_str("&#39;"),
            (Escape::Markdown, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// What may act on a terminal or mislead the eye: control characters, bidi controls, line and
/// paragraph separators (the client's `text::is_unsafe` is the same set).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || crate::validate::is_bidi_override(c)
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
        )
}

fn line_of(template: &str, at: usize) -> usize {
    template[..at].matches('\n').count() + 1
}

/// `template` filled with `values`.
pub fn render(template: &str, values: &Values, esc: Escape) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() * 2);
    fill(template, 0, template, values, None, esc, &mut out)?;
    Ok(out)
}

fn known(values: &Values) -> String {
    let mut keys: Vec<&str> = values.fields.keys().copied().collect();
    if let Some(first) = values.lines.first() {
        keys.extend(first.keys().copied());
    }
    keys.push("#lines");
    keys.sort_unstable();
    keys.dedup();
    keys.join(", ")
}

/// Fills `part` (which starts at `offset` in `whole`, for line numbers) into `out`.
fn fill(
    whole: &str,
    offset: usize,
    part: &str,
    values: &Values,
    line: Option<&BTreeMap<&'static str, String>>,
    esc: Escape,
    out: &mut String,
) -> Result<(), TemplateError> {
    let mut rest = part;
    let mut at = offset;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Open {
            line: line_of(whole, at + open),
        })?;
        let tag = after[..close].trim();
        let tag_line = line_of(whole, at + open);
        let body_start = open + 2 + close + 2;
        if let Some(key) = tag.strip_prefix('#') {
            let end_tag = format!("{{{{/{key}}}}}");
            let end = rest[body_start..]
                .find(&end_tag)
                .ok_or_else(|| TemplateError::Unclosed {
                    line: tag_line,
                    key: key.to_string(),
                })?;
            let body = &rest[body_start..body_start + end];
            let body_at = at + body_start;
            if key == "lines" {
                for l in &values.lines {
                    fill(whole, body_at, body, values, Some(l), esc, out)?;
                }
            } else {
                let value = lookup(key, values, line).ok_or_else(|| TemplateError::Unknown {
                    line: tag_line,
                    key: key.to_string(),
                    known: known(values),
                })?;
                if !value.trim().is_empty() {
                    fill(whole, body_at, body, values, line, esc, out)?;
                }
            }
            let consumed = body_start + end + end_tag.len();
            at += consumed;
            rest = &rest[consumed..];
        } else {
            let value = lookup(tag, values, line).ok_or_else(|| TemplateError::Unknown {
                line: tag_line,
                key: tag.to_string(),
                known: known(values),
            })?;
            out.push_str(&escape(value, esc));
            at += body_start;
            rest = &rest[body_start..];
        }
    }
    out.push_str(rest);
    Ok(())
}

fn lookup<'a>(
    key: &str,
    values: &'a Values,
    line: Option<&'a BTreeMap<&'static str, String>>,
) -> Option<&'a str> {
    line.and_then(|l| l.get(key))
        .or_else(|| values.fields.get(key))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        let mut v = Values::default();
        v.fields.insert("number", "Q-000001".into());
        v.fields.insert("terms", String::new());
        v.fields.insert("customer", "<b>A & B</b>".into());
        for (n, name) in [("1", "实施服务"), ("2", "许可|证")] {
            let mut l = BTreeMap::new();
            l.insert("no", n.to_string());
            l.insert("product", name.to_string());
            v.lines.push(l);
        }
        v
    }

    #[test]
    fn placeholders_sections_and_conditions_fill_and_escape() {
        let t = "# {{number}}\n{{#lines}}{{no}}. {{product}} ({{number}})\n{{/lines}}{{#terms}}Terms: {{terms}}{{/terms}}{{customer}}";
        assert_eq!(
            render(t, &values(), Escape::Markdown).unwrap(),
            "# Q-000001\n1. 实施服务 (Q-000001)\n2. 许可\\|证 (Q-000001)\n\\<b\\>A & B\\</b\\>"
        );
        assert_eq!(
            render("<p>{{customer}}</p>", &values(), Escape::Html).unwrap(),
            "<p>&lt;b&gt;A &amp; B&lt;/b&gt;</p>"
        );
    }

    #[test]
    fn a_wrong_template_says_what_and_where() {
        let e = render("ok\n{{nmber}}", &values(), Escape::Html).unwrap_err();
        assert!(matches!(&e, TemplateError::Unknown { line: 2, key, .. } if key == "nmber"));
        assert!(
            e.to_string()
                .contains("known: #lines, customer, no, number"),
            "{e}"
        );
        assert_eq!(
            render("{{#lines}}x", &values(), Escape::Html),
            Err(TemplateError::Unclosed {
                line: 1,
                key: "lines".into()
            })
        );
        assert_eq!(
            render("a\nb {{number", &values(), Escape::Html),
            Err(TemplateError::Open { line: 2 })
        );
    }

    #[test]
    fn control_characters_never_reach_the_document() {
        let mut v = values();
        v.fields
            .insert("customer", "evil\u{1b}[31m\u{202e}x".into());
        assert_eq!(
            render("{{customer}}", &v, Escape::Html).unwrap(),
            "evil[31mx"
        );
    }
}
