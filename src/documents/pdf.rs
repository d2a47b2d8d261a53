//! A document's Markdown laid out as an A4 PDF through `printpdf`, no external program: headings,
//! paragraphs wrapped to the page, tables as aligned columns (amounts to the right), new pages as
//! needed. Text is set in Noto Sans SC (`data/fonts/`, SIL OFL 1.1, subset to GB 2312's
//! characters, Latin and punctuation), embedded in the binary; each PDF carries only the glyphs
//! it uses (printpdf's `font_subsetting`), so Chinese prints on a machine without fonts and a
//! one-page quote stays small; a character outside the font prints as an empty box.

use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference};

/// The font every document is set in.
pub const FONT: &[u8] = include_bytes!("../../data/fonts/NotoSansSC-Regular-GB2312.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;
const BODY_PT: f32 = 10.0;
/// Millimetres per point.
const PT_MM: f32 = 0.352_778;

/// The width of `s` set at `pt` points, in millimetres: a wide (CJK) character one em, any other
/// about half of one (the font's Latin average), which is close enough to wrap and align by.
pub fn width_mm(s: &str, pt: f32) -> f32 {
    let ems: f32 = s
        .chars()
        .map(|c| match unicode_width::UnicodeWidthChar::width(c) {
            Some(2) => 1.0,
            Some(0) | None => 0.0,
            _ => 0.56,
        })
        .sum();
    ems * pt * PT_MM
}

/// Markdown's backslash escapes undone and its emphasis marks dropped: the text as printed.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// A table row's cells, split on the pipes that are not escaped.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut escaped = false;
    for c in inner.chars() {
        if escaped {
            cell.push('\\');
            cell.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            out.push(plain(cell.trim()));
            cell.clear();
        } else {
            cell.push(c);
        }
    }
    out.push(plain(cell.trim()));
    out
}

fn is_rule(row: &str) -> bool {
    let t = row.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn numeric(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '-' | ' '))
}

/// `text` cut into lines no wider than `max` millimetres at `pt` points.
fn wrap(text: &str, pt: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        line.push(c);
        if width_mm(&line, pt) > max {
            line.pop();
            // Break at the last space when there is one on the line (Latin words stay whole).
            let cut = line.rfind(' ').filter(|&i| i > 0);
            match cut {
                Some(i) => {
                    let rest = line[i + 1..].to_string();
                    line.truncate(i);
                    lines.push(std::mem::take(&mut line));
                    line = rest;
                }
                None => lines.push(std::mem::take(&mut line)),
            }
            line.push(c);
        }
    }
    lines.push(line);
    lines
}

struct Writer {
    doc: PdfDocumentReference,
    font: IndirectFontRef,
    layer: PdfLayerReference,
    /// Millimetres from the bottom of the page to the next line's baseline.
    y: f32,
}

impl Writer {
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let (page, layer) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "text");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text(&mut self, s: &str, pt: f32, x: f32) {
        self.layer.use_text(s, pt, Mm(x), Mm(self.y), &self.font);
    }

    fn paragraph(&mut self, s: &str, pt: f32) {
        for line in wrap(s, pt, PAGE_W - 2.0 * MARGIN) {
            let height = pt * PT_MM * 1.5;
            self.room(height);
            self.y -= height;
            self.text(&line, pt, MARGIN);
        }
    }

    fn table(&mut self, rows: &[Vec<String>]) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let gap = 3.0;
        let mut widths: Vec<f32> = (0..columns)
            .map(|i| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| width_mm(c, BODY_PT))
                    .fold(0.0, f32::max)
            })
            .collect();
        // The widest column gives up what the page lacks.
        let total: f32 = widths.iter().sum::<f32>() + gap * columns.saturating_sub(1) as f32;
        let room = PAGE_W - 2.0 * MARGIN;
        if total > room
            && let Some((widest, _)) = widths.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))
        {
            widths[widest] = (widths[widest] - (total - room)).max(10.0);
        }
        for row in rows {
            let height = BODY_PT * PT_MM * 1.6;
            self.room(height);
            self.y -= height;
            let mut x = MARGIN;
            for (i, cell) in row.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(10.0);
                let shown = wrap(cell, BODY_PT, w)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let at = if numeric(cell) {
                    x + w - width_mm(&shown, BODY_PT)
                } else {
                    x
                };
                self.text(&shown, BODY_PT, at);
                x += w + gap;
            }
        }
    }
}

/// The Markdown `text` as a PDF titled `title`.
pub fn from_markdown(text: &str, title: &str) -> Result<Vec<u8>, String> {
    let (doc, page, layer) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "text");
    let font = doc
        .add_external_font(FONT)
        .map_err(|e| format!("the document font does not load: {e}"))?;
    let layer = doc.get_page(page).get_layer(layer);
    let mut w = Writer {
        doc,
        font,
        layer,
        y: PAGE_H - MARGIN,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.starts_with('|') {
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].trim().starts_with('|') {
                if !is_rule(lines[i]) {
                    rows.push(cells(lines[i]));
                }
                i += 1;
            }
            // A table of labels and totals has an empty header row: leave it out.
            rows.retain(|r| r.iter().any(|c| !c.is_empty()));
            w.table(&rows);
            w.y -= 2.0;
            continue;
        }
        if let Some(h) = t.strip_prefix("## ") {
            w.y -= 3.0;
            w.paragraph(&plain(h), 13.0);
        } else if let Some(h) = t.strip_prefix("# ") {
            w.paragraph(&plain(h), 17.0);
            w.y -= 2.0;
        } else if t.is_empty() {
            w.y -= BODY_PT * PT_MM * 0.8;
        } else {
            w.paragraph(&plain(t), BODY_PT);
        }
        i += 1;
    }
    w.doc
        .save_to_bytes()
        .map_err(|e| format!("the PDF could not be written: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_marks_and_escapes_do_not_print() {
        assert_eq!(plain("**合计** a\\|b \\<x\\>"), "合计 a|b <x>");
        assert_eq!(
            cells("| 1 | 许可\\|证 | **7** |"),
            vec!["1", "许可|证", "7"]
        );
        assert!(is_rule("|---|---:|"));
        assert!(numeric("12,949.94") && numeric("7.5%") && !numeric("S-IMPL"));
    }

    #[test]
    fn long_lines_wrap_within_the_width_and_keep_every_character() {
        let text = "保密条款 ".repeat(40);
        let lines = wrap(&text, 10.0, 60.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| width_mm(l, 10.0) <= 60.0));
        let joined: String = lines.join(" ");
        assert_eq!(
            joined.chars().filter(|c| !c.is_whitespace()).count(),
            text.chars().filter(|c| !c.is_whitespace()).count()
        );
    }
}
