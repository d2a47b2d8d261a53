//! An XLSX table: a header row, then rows of typed cells, streamed.
//!
//! Written as it goes: the workbook's few fixed parts first, then the sheet's XML row by row
//! through the zip's deflate (level 1) straight into the writer given — no temporary file, no
//! row kept once written, so a million rows cost what one row costs, and nothing is sought
//! back (standard output works). The sheet's cells are written here rather than through a
//! general workbook writer: at a million customers `rust_xlsxwriter` kept each cell in a map,
//! each text twice, looked its format up by hashing it, and wrote the sheet to a temporary
//! file it then read back — 98,000 rows a second, half the budget. Text is always a text cell
//! (an inline string) — never a formula, whatever it starts with (`=1+1` stays the four
//! characters) — with control characters dropped as everywhere we print; money is a number of
//! yuan shown with two decimals; dates and times are Excel dates, so a spreadsheet sorts and
//! sums them.
//!
//! ```no_run
//! # use crm::export::xlsx::{Cell, Sheet};
//! let mut sheet = Sheet::new("customers", &["name", "amount", "since"], std::io::stdout())?;
//! sheet.row(&[Cell::Text("东华"), Cell::Money(123_456), Cell::Empty])?;
//! sheet.finish()?;
//! # Ok::<(), crm::export::xlsx::XlsxError>(())
//! ```

use std::borrow::Cow;
use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use zip::ZipWriter;
use zip::write::{SimpleFileOptions, StreamWriter};

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    /// Always a text cell, never read as a formula.
    Text(&'a str),
    Integer(i64),
    /// A decimal number as it is (a rate, a score).
    Number(f64),
    /// Money in integer minor units (fen): a number of yuan with two decimals.
    Money(i64),
    Bool(bool),
    Date(NaiveDate),
    /// A wall-clock time: the caller brings an instant into the reader's zone first.
    DateTime(NaiveDateTime),
}

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error(
        "row {row}, column {column}: {len} characters is more than a spreadsheet cell holds (32,767); export this as CSV or JSON instead"
    )]
    TooLong {
        row: u32,
        column: String,
        len: usize,
    },
    #[error(
        "more rows than a spreadsheet holds (1,048,576); narrow the export with --where, or export as CSV or JSON"
    )]
    TooManyRows,
    #[error("more columns than a spreadsheet holds (16,384)")]
    TooManyColumns,
    #[error("a row of {got} cells under {want} headers")]
    Width { got: usize, want: usize },
    #[error("cannot write the spreadsheet: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot write the spreadsheet: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// Excel's limits (rows counted with the header).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_TEXT: usize = 32_767;
/// Integers beyond this lose digits as a spreadsheet's numbers (doubles): written as text.
const EXACT_INTEGER: i64 = 1 << 53;
/// The sheet's XML is handed to the deflate in pieces of about this size.
const CHUNK: usize = 64 * 1024;

/// The styles a cell refers to (`s`), in `STYLES`' `cellXfs` order.
const BOLD: u8 = 1;
const MONEY: u8 = 2;
const DATE: u8 = 3;
const DATETIME: u8 = 4;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Plain, bold (the header), money, date, date and time.
const STYLES: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"##;

/// A one-sheet workbook being written row by row into `W`.
pub struct Sheet<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    headers: Vec<String>,
    /// Each column's letters (`A`, `B`, … `AA`).
    letters: Vec<String>,
    next_row: u32,
    /// The sheet's XML not yet handed to the deflate.
    xml: String,
}

impl<W: Write> Sheet<W> {
    /// A sheet named `name` (cut to Excel's 31 characters, without the characters a sheet
    /// name may not hold) whose first row holds `headers` in bold, frozen above the rows,
    /// written into `out` as rows come.
    pub fn new(name: &str, headers: &[&str], out: W) -> Result<Sheet<W>, XlsxError> {
        if headers.len() > MAX_COLUMNS {
            return Err(XlsxError::TooManyColumns);
        }
        let mut zip = ZipWriter::new_stream(out);
        // Deflate was a third of an export's time at level 6; level 1 is several times
        // faster for a somewhat larger file.
        let part = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        let mut name_xml = String::new();
        push_escaped(&mut name_xml, &sheet_name(name));
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView/></bookViews><sheets><sheet name="{name_xml}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        for (path, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(path, part)?;
            zip.write_all(text.as_bytes())?;
        }
        // The sheet may pass 4 GiB unpacked: its sizes in Zip64 fields.
        zip.start_file("xl/worksheets/sheet1.xml", part.large_file(true))?;
        let letters: Vec<String> = (0..headers.len()).map(column_letters).collect();
        let mut sheet = Sheet {
            zip,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            letters,
            next_row: 1,
            xml: String::with_capacity(CHUNK + 4096),
        };
        sheet.xml.push_str(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>"#,
        );
        if !headers.is_empty() {
            // Wide enough for a name or a date; readers widen the rest.
            sheet.xml.push_str(&format!(
                r#"<cols><col min="1" max="{}" width="14.7109375" customWidth="1"/></cols>"#,
                headers.len()
            ));
        }
        sheet.xml.push_str(r#"<sheetData><row r="1">"#);
        for (i, h) in headers.iter().enumerate() {
            let text = clean(h, 0, h)?;
            sheet.text_cell(i, 1, &text, Some(BOLD));
        }
        sheet.xml.push_str("</row>");
        Ok(sheet)
    }

    /// Rows written so far, the header not counted.
    pub fn rows(&self) -> u32 {
        self.next_row - 1
    }

    /// Appends one row: as many cells as headers.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        if cells.len() != self.headers.len() {
            return Err(XlsxError::Width {
                got: cells.len(),
                want: self.headers.len(),
            });
        }
        if self.next_row >= MAX_ROWS {
            return Err(XlsxError::TooManyRows);
        }
        let row = self.next_row;
        // Excel counts rows from 1; the header is row 1.
        let r = row + 1;
        self.xml.push_str("<row r=\"");
        self.xml.push_str(itoa::Buffer::new().format(r));
        self.xml.push_str("\">");
        for (i, cell) in cells.iter().enumerate() {
            match *cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    if !s.is_empty() {
                        let s = clean(s, row, &self.headers[i])?;
                        self.text_cell(i, r, &s, None);
                    }
                }
                Cell::Integer(n) if n.abs() < EXACT_INTEGER => {
                    self.number_cell(i, r, n as f64, None);
                }
                Cell::Integer(n) => {
                    self.text_cell(i, r, itoa::Buffer::new().format(n), None);
                }
                Cell::Number(x) if x.is_finite() => self.number_cell(i, r, x, None),
                Cell::Number(_) => {}
                // Exact to the fen for any amount below 2^53 fen.
                Cell::Money(minor) => self.number_cell(i, r, minor as f64 / 100.0, Some(MONEY)),
                Cell::Bool(b) => {
                    self.open_cell(i, r, None, Some("b"));
                    self.xml
                        .push_str(if b { "<v>1</v></c>" } else { "<v>0</v></c>" });
                }
                Cell::Date(d) => match excel_day(d) {
                    Some(day) => self.number_cell(i, r, day as f64, Some(DATE)),
                    // Before 1900 or after 9999: Excel has no such date; the text says it.
                    None => self.text_cell(i, r, &d.to_string(), None),
                },
                Cell::DateTime(t) => match excel_day(t.date()) {
                    Some(day) => {
                        let seconds = f64::from(t.num_seconds_from_midnight());
                        self.number_cell(i, r, day as f64 + seconds / 86_400.0, Some(DATETIME));
                    }
                    None => {
                        let text = t.format("%Y-%m-%d %H:%M:%S").to_string();
                        self.text_cell(i, r, &text, None);
                    }
                },
            }
        }
        self.xml.push_str("</row>");
        self.next_row += 1;
        if self.xml.len() >= CHUNK {
            self.zip.write_all(self.xml.as_bytes())?;
            self.xml.clear();
        }
        Ok(())
    }

    /// Ends the sheet and the archive; the writer given to `new` has every byte.
    pub fn finish(mut self) -> Result<(), XlsxError> {
        self.xml.push_str("</sheetData></worksheet>");
        self.zip.write_all(self.xml.as_bytes())?;
        let mut out = self.zip.finish()?.into_inner();
        out.flush()?;
        Ok(())
    }

    /// `<c r="B7" s=".." t="..">`
    fn open_cell(&mut self, column: usize, row: u32, style: Option<u8>, kind: Option<&str>) {
        let xml = &mut self.xml;
        xml.push_str("<c r=\"");
        xml.push_str(&self.letters[column]);
        xml.push_str(itoa::Buffer::new().format(row));
        xml.push('"');
        if let Some(s) = style {
            xml.push_str(" s=\"");
            xml.push_str(itoa::Buffer::new().format(s));
            xml.push('"');
        }
        if let Some(t) = kind {
            xml.push_str(" t=\"");
            xml.push_str(t);
            xml.push('"');
        }
        xml.push('>');
    }

    fn number_cell(&mut self, column: usize, row: u32, x: f64, style: Option<u8>) {
        self.open_cell(column, row, style, None);
        self.xml.push_str("<v>");
        // Whole numbers as integers (`1280000`, not `1280000.0`), others by their shortest
        // exact decimal.
        if x.fract() == 0.0 && x.abs() < EXACT_INTEGER as f64 {
            self.xml.push_str(itoa::Buffer::new().format(x as i64));
        } else {
            self.xml.push_str(ryu::Buffer::new().format_finite(x));
        }
        self.xml.push_str("</v></c>");
    }

    /// An inline string: never a formula, never looked up in a shared table.
    fn text_cell(&mut self, column: usize, row: u32, text: &str, style: Option<u8>) {
        self.open_cell(column, row, style, Some("inlineStr"));
        let edges = [' ', '\t', '\n'];
        if text.starts_with(edges) || text.ends_with(edges) {
            self.xml.push_str("<is><t xml:space=\"preserve\">");
        } else {
            self.xml.push_str("<is><t>");
        }
        push_escaped(&mut self.xml, text);
        self.xml.push_str("</t></is></c>");
    }
}

/// `text` as XML character data. Also `_x005F` before what Excel would read as an escaped
/// character (`_x0041_` is shown as `A` otherwise), so the text comes back as it was.
fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'_' if is_excel_escape(&bytes[i..]) => "_x005F_",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        out.push_str(replacement);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

/// `_xHHHH_` at the start of `bytes`.
fn is_excel_escape(bytes: &[u8]) -> bool {
    bytes.len() >= 7
        && bytes[1] == b'x'
        && bytes[2..6].iter().all(u8::is_ascii_hexdigit)
        && bytes[6] == b'_'
}

/// A column's letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
fn column_letters(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Text as a cell holds it: control characters dropped (newlines and tabs kept), refused
/// when longer than a cell holds.
fn clean<'a>(s: &'a str, row: u32, column: &str) -> Result<Cow<'a, str>, XlsxError> {
    // The first byte of every character `text::is_unsafe` names (controls, C1 controls,
    // U+061C, the U+2000 block's marks and separators): text without one is safe as it is,
    // found without decoding a character (a tenth of an export's time before).
    let suspicious = s
        .bytes()
        .any(|b| b < 0x20 || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2));
    let s = if suspicious
        && s.chars()
            .any(|c| c != '\n' && c != '\t' && crate::text::is_unsafe(c))
    {
        Cow::Owned(crate::text::sanitize_lines(s))
    } else {
        Cow::Borrowed(s)
    };
    // UTF-16 units are never more than the bytes: count them only for a long text.
    if s.len() > MAX_TEXT {
        let len = s.encode_utf16().count();
        if len > MAX_TEXT {
            return Err(XlsxError::TooLong {
                row,
                column: column.to_string(),
                len,
            });
        }
    }
    Ok(s)
}

/// Excel's day number of a date (days since 1899-12-30; before March 1900 one less, for the
/// 29 February 1900 Excel counts), None before 1900 or after 9999.
fn excel_day(d: NaiveDate) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    if d < first || d > last {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let leap_bug = NaiveDate::from_ymd_opt(1900, 3, 1)?;
    let days = (d - epoch).num_days();
    Some(if d < leap_bug { days - 1 } else { days })
}

/// A sheet name Excel accepts: none of `[]:*?/\`, not starting or ending with `'`, at most 31
/// characters, never empty.
fn sheet_name(name: &str) -> String {
    let s: String = crate::text::sanitize(name)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let s = s.trim_matches('\'').to_string();
    if s.is_empty() { "Sheet1".into() } else { s }
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::*;

    #[test]
    fn columns_are_lettered_as_excel_letters_them() {
        let letters: Vec<String> = [0, 25, 26, 51, 52, 701, 702, 16_383]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(
            letters,
            ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"].map(String::from)
        );
    }

    #[test]
    fn days_count_as_excel_counts_them() {
        let day = |y, m, d| excel_day(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(day(1900, 1, 1), Some(1));
        assert_eq!(day(1900, 2, 28), Some(59));
        assert_eq!(
            day(1900, 3, 1),
            Some(61),
            "after the 29 February 1900 Excel counts"
        );
        assert_eq!(day(2026, 12, 15), Some(46_371));
        assert_eq!(day(1899, 12, 31), None);
        assert_eq!(day(10_000, 1, 1), None);
    }

    #[test]
    fn text_is_escaped_and_cleaned_of_what_acts_on_a_screen() {
        let mut out = String::new();
        push_escaped(&mut out, "a<b & \"c\" _x0041_ _x12_");
        assert_eq!(out, "a&lt;b &amp; &quot;c&quot; _x005F_x0041_ _x12_");
        assert_eq!(
            clean("上海\u{202e}东华\u{7}", 1, "name").unwrap(),
            "上海东华"
        );
        assert_eq!(
            clean("行一\n行二\t“引号”", 1, "notes").unwrap(),
            "行一\n行二\t“引号”"
        );
        assert!(matches!(
            clean("纯文本", 1, "name").unwrap(),
            Cow::Borrowed(_)
        ));
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(matches!(
            clean(&long, 3, "notes"),
            Err(XlsxError::TooLong { row: 3, .. })
        ));
    }

    #[test]
    fn a_sheet_reads_back_with_its_types() {
        let mut bytes = Vec::new();
        let mut sheet =
            Sheet::new("客户[1]", &["name", "amount", "on", "vip", "n"], &mut bytes).unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        sheet
            .row(&[
                Cell::Text("=1+1"),
                Cell::Money(123_456),
                Cell::Date(on),
                Cell::Bool(true),
                Cell::Integer(1 << 60),
            ])
            .unwrap();
        sheet
            .row(&[
                Cell::Text(" 东华 "),
                Cell::Empty,
                Cell::Empty,
                Cell::Bool(false),
                Cell::Number(0.5),
            ])
            .unwrap();
        assert!(matches!(
            sheet.row(&[Cell::Empty]),
            Err(XlsxError::Width { got: 1, want: 5 })
        ));
        assert_eq!(sheet.rows(), 2);
        sheet.finish().unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["客户1".to_string()]);
        let range = book.worksheet_range("客户1").unwrap();
        let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(0, 0), Data::String("name".into()));
        assert_eq!(
            at(1, 0),
            Data::String("=1+1".into()),
            "text, never a formula"
        );
        assert_eq!(at(1, 1), Data::Float(1234.56));
        match at(1, 2) {
            Data::DateTime(d) => assert_eq!(d.as_f64(), 46_371.0),
            other => panic!("a date: {other:?}"),
        }
        assert_eq!(at(1, 3), Data::Bool(true));
        assert_eq!(
            at(1, 4),
            Data::String((1_i64 << 60).to_string()),
            "too big for a double: text"
        );
        assert_eq!(at(2, 0), Data::String(" 东华 ".into()), "spaces kept");
        assert_eq!(at(2, 3), Data::Bool(false));
        assert_eq!(at(2, 4), Data::Float(0.5));
    }
}
