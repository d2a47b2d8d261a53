//! An XLSX table: a header row, then rows of typed cells, streamed.
//!
//! Over `rust_xlsxwriter` in constant memory mode: each row goes to an unnamed temporary file
//! (0600, never linked into a folder) as soon as the next begins, so a million rows cost what
//! one row costs; `finish` zips the sheet into the writer given. Text is always a text cell —
//! never a formula, whatever it starts with (`=1+1` stays the four characters) — with control
//! characters dropped as everywhere we print; money is a number of yuan shown with two
//! decimals; dates and times are Excel dates, so a spreadsheet sorts and sums them.
//!
//! ```no_run
//! # use crm::export::xlsx::{Cell, Sheet};
//! let mut sheet = Sheet::new("customers", &["name", "amount", "since"])?;
//! sheet.row(&[Cell::Text("东华"), Cell::Money(123_456), Cell::Empty])?;
//! sheet.finish(std::io::stdout())?;
//! # Ok::<(), crm::export::xlsx::XlsxError>(())
//! ```

use std::io::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

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
    Write(#[from] rust_xlsxwriter::XlsxError),
}

/// Excel's limits (rows counted with the header).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_TEXT: usize = 32_767;
/// Integers beyond this lose digits as a spreadsheet's numbers (doubles): written as text.
const EXACT_INTEGER: i64 = 1 << 53;

/// A one-sheet workbook being written row by row.
pub struct Sheet {
    workbook: Workbook,
    sheet: Worksheet,
    headers: Vec<String>,
    next_row: u32,
    money: Format,
    date: Format,
    datetime: Format,
}

impl Sheet {
    /// A sheet named `name` (cut to Excel's 31 characters, without the characters a sheet
    /// name may not hold) whose first row holds `headers` in bold, frozen above the rows.
    pub fn new(name: &str, headers: &[&str]) -> Result<Sheet, XlsxError> {
        if headers.len() > MAX_COLUMNS {
            return Err(XlsxError::TooManyColumns);
        }
        let mut workbook = Workbook::new();
        // Deflate was a third of an export's time at level 6; level 1 is several times
        // faster for a somewhat larger file.
        workbook.set_zip_compression_level(1);
        let mut sheet = workbook.new_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(name))?;
        let bold = Format::new().set_bold();
        for (i, h) in headers.iter().enumerate() {
            let col = column(i);
            sheet.write_string_with_format(0, col, clean(h, 0, h)?, &bold)?;
            // Wide enough for a name or a date; readers widen the rest.
            sheet.set_column_width(col, 14)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            workbook,
            sheet,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            next_row: 1,
            money: Format::new().set_num_format("#,##0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        })
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
        for (i, cell) in cells.iter().enumerate() {
            let col = column(i);
            match *cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    if !s.is_empty() {
                        let s = clean(s, row, &self.headers[i])?;
                        self.sheet.write_string(row, col, s)?;
                    }
                }
                Cell::Integer(n) if n.abs() < EXACT_INTEGER => {
                    self.sheet.write_number(row, col, n as f64)?;
                }
                Cell::Integer(n) => {
                    self.sheet.write_string(row, col, n.to_string())?;
                }
                Cell::Number(x) if x.is_finite() => {
                    self.sheet.write_number(row, col, x)?;
                }
                Cell::Number(_) => {}
                Cell::Money(minor) => {
                    // Exact to the fen for any amount below 2^53 fen.
                    self.sheet.write_number_with_format(
                        row,
                        col,
                        minor as f64 / 100.0,
                        &self.money,
                    )?;
                }
                Cell::Bool(b) => {
                    self.sheet.write_boolean(row, col, b)?;
                }
                Cell::Date(d) => match excel_date(d) {
                    Some(d) => {
                        self.sheet
                            .write_datetime_with_format(row, col, &d, &self.date)?;
                    }
                    // Before 1900 or after 9999: Excel has no such date; the text says it.
                    None => {
                        self.sheet.write_string(row, col, d.to_string())?;
                    }
                },
                Cell::DateTime(t) => match excel_date(t.date()).and_then(|d| {
                    d.and_hms(t.hour() as u16, t.minute() as u8, t.second())
                        .ok()
                }) {
                    Some(d) => {
                        self.sheet
                            .write_datetime_with_format(row, col, &d, &self.datetime)?;
                    }
                    None => {
                        self.sheet.write_string(
                            row,
                            col,
                            t.format("%Y-%m-%d %H:%M:%S").to_string(),
                        )?;
                    }
                },
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes the workbook to `out` (a file or standard output: nothing is sought back).
    pub fn finish<W: Write + Send>(mut self, out: W) -> Result<(), XlsxError> {
        self.workbook.push_worksheet(self.sheet);
        self.workbook.save_to_writer(out)?;
        Ok(())
    }
}

fn column(i: usize) -> u16 {
    // `new` refused more than MAX_COLUMNS headers and every row has as many cells.
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// Text as a cell holds it: control characters dropped (newlines and tabs kept), refused
/// when longer than a cell holds.
fn clean(s: &str, row: u32, column: &str) -> Result<String, XlsxError> {
    let s = if s
        .chars()
        .any(|c| c != '\n' && c != '\t' && crate::text::is_unsafe(c))
    {
        crate::text::sanitize_lines(s)
    } else {
        s.to_string()
    };
    let len = s.encode_utf16().count();
    if len > MAX_TEXT {
        return Err(XlsxError::TooLong {
            row,
            column: column.to_string(),
            len,
        });
    }
    Ok(s)
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
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
