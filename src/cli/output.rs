//! Records printed for people (a table fitted by display width) and for programs (JSON, CSV
//! with formula injection defused).

use serde_json::Value;

use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// A record field as one line of plain text.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| cell(Some(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// A CSV field; a leading = + - @ (or tab/CR) would make a spreadsheet run it as a formula, so it
/// gets a leading apostrophe.
pub fn csv_field(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub fn csv(columns: &[&str], rows: &[serde_json::Map<String, Value>]) -> String {
    let mut out = columns
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = columns
            .iter()
            .map(|c| csv_field(&cell(row.get(*c))))
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A table whose columns line up by display width (CJK counts two), each cut to `max_width`.
pub fn table(
    columns: &[&str],
    rows: &[serde_json::Map<String, Value>],
    max_width: usize,
) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| text::sanitize(&cell(row.get(*c))))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| text::width(&r[i]))
                .chain([text::width(c)])
                .max()
                .unwrap_or(0)
                .min(max_width)
        })
        .collect();
    let line = |values: Vec<String>| -> String {
        let parts: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| text::fit(v, *w))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(columns.iter().map(|c| c.to_uppercase()).collect());
    out.push('\n');
    for row in cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(v: Value) -> Vec<serde_json::Map<String, Value>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        assert_eq!(csv_field("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(csv_field("+86 138"), "'+86 138");
        assert_eq!(csv_field("@cmd"), "'@cmd");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("华为"), "华为");
        let out = csv(
            &["name", "phone"],
            &rows(json!([{"name": "=HYPERLINK(\"x\")", "phone": null}])),
        );
        assert_eq!(out, "name,phone\n\"'=HYPERLINK(\"\"x\"\")\",\n");
    }

    #[test]
    fn tables_align_cjk_by_display_width() {
        let out = table(
            &["code", "name", "level"],
            &rows(json!([
                {"code": "C000001", "name": "华为技术有限公司", "level": "A"},
                {"code": "C000002", "name": "Acme", "level": "B"}
            ])),
            40,
        );
        let lines: Vec<&str> = out.lines().collect();
        // The level column starts at the same display column on every line.
        let col = |l: &str, needle: &str| text::width(&l[..l.find(needle).unwrap()]);
        assert_eq!(col(lines[1], " A"), col(lines[2], " B"));
        assert!(lines[0].starts_with("CODE"));
    }

    #[test]
    fn tables_strip_escape_sequences() {
        let out = table(&["name"], &rows(json!([{"name": "evil\u{1b}[2J"}])), 40);
        assert!(!out.contains('\u{1b}'));
    }
}
