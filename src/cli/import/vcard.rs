//! Reading vCard files (3.0 and 4.0, as phones and mail programs export address books) into
//! contact rows: one row per card, with the columns a contact import maps by name. Pure.
//!
//! Lines folded with a leading space or tab are joined; `\,` `\;` `\n` are unescaped;
//! parameters (`TEL;TYPE=CELL:`) choose between phone and mobile; a grouped property
//! (`item1.EMAIL`) is read as the property. Quoted-printable (2.1) values are decoded.

/// The columns every card gives, in order; a contact import maps them by name.
pub const COLUMNS: [&str; 8] = [
    "customer_id",
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "birthday",
];
const NOTES: &str = "notes";

/// Rows with the line each began on.
pub type Numbered = Vec<(usize, Vec<String>)>;

/// A vCard text that does not read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct VcardError {
    pub line: usize,
    pub message: &'static str,
}

/// The header and one row per card: the organisation (as the customer), the formatted name
/// (else the structured one, family name first as Chinese cards write it), title, department,
/// the first work or other phone, the first mobile, the first email, the birthday (YYYY-MM-DD)
/// and the note.
pub fn rows(text: &str) -> Result<(Vec<String>, Numbered), VcardError> {
    let mut header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_string()).collect();
    header.push(NOTES.into());
    let mut out = Vec::new();
    let mut card: Option<(usize, Card)> = None;
    for (line, content) in unfold(text) {
        let Some((name_part, value)) = content.split_once(':') else {
            if content.trim().is_empty() {
                continue;
            }
            return Err(VcardError {
                line,
                message: "a line without a colon (NAME:value)",
            });
        };
        let mut parts = name_part.split(';');
        let name = parts.next().unwrap_or_default();
        let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
        let params: Vec<String> = parts.map(str::to_ascii_uppercase).collect();
        let qp = params.iter().any(|p| p.contains("QUOTED-PRINTABLE"));
        let value = if qp {
            quoted_printable(value)
        } else {
            value.to_string()
        };
        match name.as_str() {
            "BEGIN" if value.eq_ignore_ascii_case("VCARD") => {
                if card.is_some() {
                    return Err(VcardError {
                        line,
                        message: "BEGIN:VCARD inside a card (END:VCARD missing)",
                    });
                }
                card = Some((line, Card::default()));
            }
            "END" if value.eq_ignore_ascii_case("VCARD") => {
                let Some((at, c)) = card.take() else {
                    return Err(VcardError {
                        line,
                        message: "END:VCARD without BEGIN:VCARD",
                    });
                };
                out.push((at, c.row()));
            }
            _ => {
                let Some((_, c)) = card.as_mut() else {
                    return Err(VcardError {
                        line,
                        message: "a property outside BEGIN:VCARD … END:VCARD",
                    });
                };
                c.take(&name, &params, &value);
            }
        }
    }
    if let Some((line, _)) = card {
        return Err(VcardError {
            line,
            message: "a card is never ended (END:VCARD missing)",
        });
    }
    Ok((header, out))
}

#[derive(Default)]
struct Card {
    formatted: Option<String>,
    structured: Option<String>,
    org: Option<String>,
    department: Option<String>,
    title: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    birthday: Option<String>,
    note: Option<String>,
}

impl Card {
    fn take(&mut self, name: &str, params: &[String], value: &str) {
        let first = |slot: &mut Option<String>, v: String| {
            if slot.is_none() && !v.trim().is_empty() {
                *slot = Some(v.trim().to_string());
            }
        };
        match name {
            "FN" => first(&mut self.formatted, unescape(value)),
            "N" => {
                // Family;Given;Additional;Prefix;Suffix
                let parts: Vec<String> = split_unescaped(value, ';');
                let family = parts.first().map(String::as_str).unwrap_or_default();
                let given = parts.get(1).map(String::as_str).unwrap_or_default();
                let cjk = family.chars().chain(given.chars()).any(is_cjk);
                let joined = if cjk {
                    format!("{family}{given}")
                } else {
                    format!("{given} {family}")
                };
                first(&mut self.structured, joined.trim().to_string());
            }
            "ORG" => {
                let parts = split_unescaped(value, ';');
                first(&mut self.org, parts.first().cloned().unwrap_or_default());
                if let Some(d) = parts.get(1) {
                    first(&mut self.department, d.clone());
                }
            }
            "TITLE" => first(&mut self.title, unescape(value)),
            "TEL" => {
                let types = params.join(";");
                let v = unescape(value.trim_start_matches("tel:"));
                if types.contains("CELL") {
                    first(&mut self.mobile, v);
                } else if !types.contains("FAX") {
                    first(&mut self.phone, v);
                }
            }
            "EMAIL" => first(&mut self.email, unescape(value)),
            "BDAY" => first(&mut self.birthday, birthday(value)),
            "NOTE" => first(&mut self.note, unescape(value)),
            _ => {}
        }
    }

    fn row(self) -> Vec<String> {
        [
            self.org,
            self.formatted.or(self.structured),
            self.title,
            self.department,
            self.phone,
            self.mobile,
            self.email,
            self.birthday,
            self.note,
        ]
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// `19800315`, `1980-03-15`, `1980-03-15T00:00:00Z` → `1980-03-15`; anything else as it is
/// (the import then refuses it with the date rule's message).
fn birthday(value: &str) -> String {
    let v = value.trim();
    let digits: String = v
        .chars()
        .take_while(|c| *c != 'T')
        .filter(char::is_ascii_digit)
        .collect();
    if digits.len() == 8 {
        format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..])
    } else {
        v.to_string()
    }
}

/// Content lines, folded ones joined, each with the line number it began on.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let raw = if i == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        match (raw.strip_prefix([' ', '\t']), out.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => out.push((i + 1, raw.to_string())),
        }
    }
    // A quoted-printable soft line break (`=` at the end) continues on the next line.
    let mut joined: Vec<(usize, String)> = Vec::new();
    for (line, text) in out {
        match joined.last_mut() {
            Some((_, last))
                if last.ends_with('=')
                    && last.to_ascii_uppercase().contains("QUOTED-PRINTABLE") =>
            {
                last.pop();
                last.push_str(&text);
            }
            _ => joined.push((line, text)),
        }
    }
    joined
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits on `sep` not escaped, each part unescaped.
fn split_unescaped(value: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(unescape(&std::mem::take(&mut current)));
        } else {
            current.push(c);
        }
    }
    parts.push(unescape(&current));
    parts
}

fn quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_become_contact_rows() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:王;磊;;;\r\nFN:王磊\r\nORG:北辰科技;销售部\r\nTITLE:采购\r\n  经理\r\nTEL;TYPE=WORK,VOICE:010-6552 1234\r\nTEL;TYPE=CELL:138 0013 8000\r\nitem1.EMAIL;TYPE=INTERNET:wang@beichen.example\r\nBDAY:19800315\r\nNOTE:第一行\\n第二行\\, 逗号\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nN:Smith;Anna;;;\r\nTEL;TYPE=fax:1\r\nTEL;VALUE=uri;TYPE=cell:tel:+86-139-0000-0000\r\nEND:VCARD\r\n";
        let (header, rows) = rows(text).unwrap();
        assert_eq!(header.len(), 9);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 1);
        assert_eq!(
            rows[0].1,
            [
                "北辰科技",
                "王磊",
                "采购 经理",
                "销售部",
                "010-6552 1234",
                "138 0013 8000",
                "wang@beichen.example",
                "1980-03-15",
                "第一行\n第二行, 逗号"
            ]
        );
        assert_eq!(rows[1].0, 14);
        assert_eq!(rows[1].1[1], "Anna Smith");
        assert_eq!(rows[1].1[4], "", "a fax is not the phone");
        assert_eq!(rows[1].1[5], "+86-139-0000-0000");
    }

    #[test]
    fn quoted_printable_names_decode_and_broken_cards_say_where() {
        let text = "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E=E5=A8=9C\nEND:VCARD\n";
        assert_eq!(rows(text).unwrap().1[0].1[1], "李娜");
        assert_eq!(rows("BEGIN:VCARD\nFN:a\n").unwrap_err().line, 1);
        assert_eq!(rows("FN:a\n").unwrap_err().line, 1);
        assert_eq!(
            rows("BEGIN:VCARD\nEND:VCARD\nEND:VCARD\n")
                .unwrap_err()
                .line,
            3
        );
    }
}
