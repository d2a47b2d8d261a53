//! Records printed for people (a table fitted by display width) and for programs (JSON, CSV
//! with formula injection defused). All three may reach a terminal, so none lets a character
//! through that acts on one: tables and CSV drop them, JSON writes them as `\u` escapes.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::text;
use crate::zone::Zone;

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

/// A progress bar drawn in text: ` 42% [########············]` (the fraction is clamped to
/// 0..=1). The sync's and the demo seed's progress lines both draw it.
pub fn bar(fraction: f64) -> String {
    const WIDTH: usize = 20;
    let f = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    let filled = ((f * WIDTH as f64).round() as usize).min(WIDTH);
    format!(
        "{:>3.0}% [{}{}]",
        f * 100.0,
        "#".repeat(filled),
        "·".repeat(WIDTH - filled)
    )
}

/// A stored RFC 3339 time as a table shows it: in the user's zone with its offset,
/// "2026-11-25 09:00 +08". JSON and CSV keep the stored value. None when it is not a time.
pub fn local_time(value: &Value, zone: Zone) -> Option<Value> {
    let t = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
    let shown = zone.format(t.to_utc(), "%Y-%m-%d %H:%M %:z");
    Some(Value::String(
        shown.strip_suffix(":00").unwrap_or(&shown).to_string(),
    ))
}

/// A CSV field; a leading = + - @ (or tab/CR) would make a spreadsheet run it as a formula, so it
/// gets a leading apostrophe.
pub fn csv_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_csv_field(&mut out, s);
    out
}

/// [`csv_field`] appended to `out`: what a streaming export writes, with no allocation for
/// the usual field (no control characters, nothing to quote).
pub fn push_csv_field(out: &mut String, s: &str) {
    let cleaned;
    let s = if s
        .chars()
        .any(|c| c != '\n' && c != '\t' && text::is_unsafe(c))
    {
        cleaned = text::sanitize_lines(s);
        cleaned.as_str()
    } else {
        s
    };
    let defuse = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if defuse {
            out.push('\'');
        }
        for c in s.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        if defuse {
            out.push('\'');
        }
        out.push_str(s);
    }
}

/// `s` as a JSON string appended to `out`, with what [`text::is_unsafe`] names escaped as
/// [`json`] does: the same text for any JSON reader.
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    push_json_fragment(out, s, true);
    out.push('"');
}

/// JSON text made elsewhere (SQLite's) appended to `out` with what [`text::is_unsafe`] names
/// escaped; such characters lie only inside its strings, where an escape means the same.
pub fn push_json_text(out: &mut String, json: &str) {
    push_json_fragment(out, json, false);
}

fn push_json_fragment(out: &mut String, s: &str, quote: bool) {
    use std::fmt::Write as _;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' if quote => Some("\\\""),
            '\\' if quote => Some("\\\\"),
            '\n' if quote => Some("\\n"),
            '\t' if quote => Some("\\t"),
            '\r' if quote => Some("\\r"),
            _ => None,
        };
        if escape.is_none() && !text::is_unsafe(c) {
            continue;
        }
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            // Every such character lies in the Basic Multilingual Plane: one escape each.
            None => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
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

/// JSON text of `value` in which every character that could act on a terminal (C1 controls,
/// DEL, bidi controls, line separators) is a `\u` escape; serde_json escapes only C0 controls.
/// The same value for any JSON reader.
pub fn json(value: &impl Serialize, pretty: bool) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    if pretty {
        let mut ser =
            serde_json::Serializer::with_formatter(&mut out, Escaping(PrettyFormatter::new()));
        value.serialize(&mut ser)?;
    } else {
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Escaping(CompactFormatter));
        value.serialize(&mut ser)?;
    }
    // The formatter writes only what serde_json gives it and ASCII escapes.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A formatter that escapes what [`text::is_unsafe`] names inside strings and otherwise lays
/// out as the one it wraps.
struct Escaping<F>(F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if text::is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every such character lies in the Basic Multilingual Plane: one escape each.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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
    fn csv_and_json_never_carry_what_acts_on_a_terminal() {
        let evil = "ACME\u{1b}]0;owned\u{7}\u{9b}2J\u{202e}\u{2028}";
        let out = csv(
            &["name", "notes"],
            &rows(json!([{"name": evil, "notes": "a\nb"}])),
        );
        assert!(
            !out.chars().any(|c| text::is_unsafe(c) && c != '\n'),
            "{out:?}"
        );
        assert!(out.contains("\"a\nb\""), "newlines stay, quoted: {out:?}");

        let value = json!({"name": evil, "tags": ["\u{85}x"], "n": 1});
        for pretty in [false, true] {
            let text = json(&value, pretty).unwrap();
            assert!(
                !text.chars().any(|c| text::is_unsafe(c) && c != '\n'),
                "{text:?}"
            );
            assert!(
                text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u001b")
            );
            // The same value for any JSON reader.
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        }
        assert_eq!(
            json(&json!({"a": [1, "华为"]}), false).unwrap(),
            r#"{"a":[1,"华为"]}"#
        );
    }

    #[test]
    fn the_bar_fills_with_the_fraction() {
        assert_eq!(bar(0.0), "  0% [····················]");
        assert_eq!(bar(0.5), " 50% [##########··········]");
        assert_eq!(bar(1.0), "100% [####################]");
        assert_eq!(bar(2.0), bar(1.0));
        assert_eq!(bar(f64::NAN), bar(0.0));
    }

    #[test]
    fn table_times_are_the_users_and_keep_their_offset() {
        let shanghai = Zone::named("Asia/Shanghai").unwrap();
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let at = |s: &str, z| local_time(&json!(s), z).unwrap();
        assert_eq!(
            at("2026-11-25T01:00:00Z", shanghai),
            json!("2026-11-25 09:00 +08")
        );
        assert_eq!(
            at("2026-10-24T08:00:00Z", berlin),
            json!("2026-10-24 10:00 +02")
        );
        assert_eq!(
            at("2026-10-26T09:00:00Z", berlin),
            json!("2026-10-26 10:00 +01")
        );
        assert_eq!(
            at(
                "2026-11-25T09:00:00+05:30",
                Zone::named("Asia/Kolkata").unwrap()
            ),
            json!("2026-11-25 09:00 +05:30")
        );
        assert_eq!(local_time(&json!("not a time"), shanghai), None);
        assert_eq!(local_time(&json!(3), shanghai), None);
    }

    #[test]
    fn tables_strip_escape_sequences() {
        let out = table(&["name"], &rows(json!([{"name": "evil\u{1b}[2J"}])), 40);
        assert!(!out.contains('\u{1b}'));
    }
}
