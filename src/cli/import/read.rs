//! A file to import read into a table: its header and its rows, each row with the number it
//! has in the file (a spreadsheet's row, a CSV's record counting the header as 1, a vCard's
//! first line), which the report and the error file quote. CSV in UTF-8 or, when it is not
//! UTF-8, GB 18030 (what Excel saves in Chinese Windows); XLSX through calamine (the first
//! sheet, or the one named); vCard through [`super::vcard`].

use std::io::Read;
use std::path::Path;

use super::{csv, vcard};

/// The largest file read.
pub const MAX_FILE: u64 = 64 << 20;

/// The kinds of file an import reads, by their name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Xlsx,
    Vcard,
}

impl Kind {
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Some(Kind::Csv),
            "xlsx" | "xlsm" => Some(Kind::Xlsx),
            "vcf" | "vcard" => Some(Kind::Vcard),
            _ => None,
        }
    }
}

/// A file as rows of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    /// (row number in the file, its cells).
    pub rows: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}: cannot read it: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: larger than 64 MB; split it")]
    TooLarge(String),
    #[error("{0}: {1}")]
    Format(String, String),
    #[error("{0}: not a file an import reads (.csv, .xlsx or .vcf)")]
    Unknown(String),
    #[error("{0}: no header row")]
    Empty(String),
}

/// Reads `path` (the sheet named `sheet` of a workbook, else its first).
pub fn table(path: &Path, sheet: Option<&str>) -> Result<Table, ReadError> {
    let shown = path.display().to_string();
    let kind = Kind::of(path).ok_or_else(|| ReadError::Unknown(shown.clone()))?;
    let bytes = read_limited(path).map_err(|e| match e {
        Some(e) => ReadError::Io(shown.clone(), e),
        None => ReadError::TooLarge(shown.clone()),
    })?;
    let table = match kind {
        Kind::Csv => {
            let text = decode(&bytes);
            let mut records = csv::records(&text)
                .map_err(|e| ReadError::Format(shown.clone(), e.to_string()))?
                .into_iter();
            let header = records
                .next()
                .ok_or_else(|| ReadError::Empty(shown.clone()))?;
            Table {
                header,
                rows: records.enumerate().map(|(i, r)| (i + 2, r)).collect(),
            }
        }
        Kind::Xlsx => xlsx(&bytes, sheet).map_err(|e| ReadError::Format(shown.clone(), e))?,
        Kind::Vcard => {
            let (header, rows) = vcard::rows(&decode(&bytes))
                .map_err(|e| ReadError::Format(shown.clone(), e.to_string()))?;
            Table { header, rows }
        }
    };
    if table.header.iter().all(|h| h.trim().is_empty()) {
        return Err(ReadError::Empty(shown));
    }
    Ok(table)
}

/// The file's bytes; Err(None) when it is larger than [`MAX_FILE`].
fn read_limited(path: &Path) -> Result<Vec<u8>, Option<std::io::Error>> {
    let file = std::fs::File::open(path).map_err(Some)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(Some)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(None);
    }
    Ok(bytes)
}

/// UTF-8 (a byte-order mark dropped), else GB 18030.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a workbook that reads ({e})"))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| format!("no sheet {s} (sheets: {})", names.join(", ")))?,
        None => names.first().cloned().ok_or("the workbook has no sheet")?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name} does not read ({e})"))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let cell = |d: &Data| -> String {
        match d {
            Data::Empty | Data::Error(_) => String::new(),
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            // Whole numbers as typed (a phone or an amount of 12000, not 12000.0).
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(t) => excel_date(t.as_f64()),
        }
    };
    let mut rows = range.rows().enumerate().map(|(i, r)| {
        (
            first_row + i + 1,
            r.iter().map(cell).collect::<Vec<String>>(),
        )
    });
    let (_, header) = rows.next().ok_or("the sheet is empty")?;
    let rows = rows
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    Ok(Table { header, rows })
}

/// An Excel serial day (days since 1899-12-30) as YYYY-MM-DD, with the time when it has one.
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    let days = serial.floor() as i64;
    let Some(date) = base.checked_add_signed(chrono::Duration::days(days)) else {
        return serial.to_string();
    };
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if seconds == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let at = date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(seconds);
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_text_is_read_when_it_is_not_utf8() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("客户名称,电话\n北辰科技,010\n");
        assert_eq!(decode(&bytes), "客户名称,电话\n北辰科技,010\n");
        assert_eq!(decode("\u{feff}名称".as_bytes()), "名称");
    }

    #[test]
    fn excel_serial_days_are_dates() {
        assert_eq!(excel_date(45_658.0), "2025-01-01");
        assert_eq!(excel_date(45_658.5), "2025-01-01 12:00");
    }
}
