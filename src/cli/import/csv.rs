//! Reading CSV (RFC 4180): fields separated by commas, records by CRLF or LF, a field in double
//! quotes may hold commas, line breaks and doubled quotes. Pure; what the import reads CSV files
//! with.

use std::fmt;

/// A CSV text that does not read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: &'static str,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The records of a CSV text, each its fields; blank lines are skipped.
pub fn records(text: &str) -> Result<Vec<Vec<String>>, CsvError> {
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let end_record = |record: &mut Vec<String>, field: &mut String, out: &mut Vec<Vec<String>>| {
        record.push(std::mem::take(field));
        let blank = record.len() == 1 && record[0].is_empty();
        let done = std::mem::take(record);
        if !blank {
            out.push(done);
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => {
                return Err(CsvError {
                    line,
                    message: "a quote inside an unquoted field (quote the whole field and double the quote)",
                });
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_record(&mut record, &mut field, &mut out);
                was_quoted = false;
                line += 1;
            }
            other if was_quoted => {
                let _ = other;
                return Err(CsvError {
                    line,
                    message: "text after a closing quote (a field is quoted whole)",
                });
            }
            other => field.push(other),
        }
    }
    if quoted {
        return Err(CsvError {
            line,
            message: "a quoted field is never closed",
        });
    }
    if !field.is_empty() || !record.is_empty() {
        end_record(&mut record, &mut field, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text =
            "name,company,notes\r\n王磊,\"北辰, 科技\",\"说 \"\"你好\"\"\n第二行\"\n\n李娜,,\n";
        let rows = records(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], ["name", "company", "notes"]);
        assert_eq!(rows[1], ["王磊", "北辰, 科技", "说 \"你好\"\n第二行"]);
        assert_eq!(rows[2], ["李娜", "", ""]);
        assert_eq!(records("a,b").unwrap(), [["a", "b"]]);
    }

    #[test]
    fn a_broken_quote_says_where() {
        assert_eq!(records("a\n\"open").unwrap_err().line, 2);
        assert_eq!(records("a\nb\"c").unwrap_err().line, 2);
        assert_eq!(records("\"a\"b").unwrap_err().line, 1);
    }
}
