//! Which files may be attached to records, decided from their first bytes (their "magic"), not
//! from their names alone: a `.pdf` that is an executable is refused. The name only tells apart
//! formats that share a container (a `.docx` and a `.xlsx` are both ZIP files). Pure.

/// How many of a file's first bytes [`sniff`] reads.
pub const HEAD: usize = 4096;

/// The kinds of file an admin allows (`crm-server serve --file-types pdf,image,office,text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    /// PNG, JPEG, GIF, WebP, TIFF, BMP, HEIC.
    Image,
    /// Word, Excel and PowerPoint (OOXML and the older OLE formats) and OpenDocument.
    Office,
    /// Text in UTF-8 (notes, CSV, Markdown).
    Text,
    /// A ZIP archive that is no office document.
    Archive,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::Pdf,
        FileKind::Image,
        FileKind::Office,
        FileKind::Text,
        FileKind::Archive,
    ];
    /// Allowed when the admin names none: archives may hide anything, so they are asked for.
    pub const DEFAULT: [FileKind; 4] = [
        FileKind::Pdf,
        FileKind::Image,
        FileKind::Office,
        FileKind::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Image => "image",
            FileKind::Office => "office",
            FileKind::Text => "text",
            FileKind::Archive => "archive",
        }
    }

    pub fn parse(name: &str) -> Result<FileKind, String> {
        let name = name.trim().to_ascii_lowercase();
        FileKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                format!(
                    "{name:?} is no kind of file; the kinds are {}",
                    FileKind::ALL.map(FileKind::name).join(", ")
                )
            })
    }
}

/// What a file's bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: FileKind,
    /// The media type sent back when it is downloaded.
    pub content_type: &'static str,
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// What the first bytes of a file (`head`, up to [`HEAD`] of them, fewer when the file is
/// shorter) named `name` are; None for anything not on the list (executables, scripts in
/// other encodings, unknown binaries).
pub fn sniff(head: &[u8], name: &str) -> Option<Sniffed> {
    let is = |kind, content_type| Some(Sniffed { kind, content_type });
    let starts = |magic: &[u8]| head.starts_with(magic);
    let ext = extension(name);
    if starts(b"%PDF-") {
        return is(FileKind::Pdf, "application/pdf");
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return is(FileKind::Image, "image/png");
    }
    if starts(b"\xff\xd8\xff") {
        return is(FileKind::Image, "image/jpeg");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return is(FileKind::Image, "image/gif");
    }
    if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return is(FileKind::Image, "image/webp");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return is(FileKind::Image, "image/tiff");
    }
    if starts(b"BM")
        && head.len() >= 26
        && head
            .get(14)
            .is_some_and(|&b| matches!(b, 12 | 40 | 56 | 108 | 124))
    {
        return is(FileKind::Image, "image/bmp");
    }
    if head.get(4..8) == Some(b"ftyp")
        && matches!(head.get(8..12), Some(b"heic" | b"heix" | b"mif1" | b"heim"))
    {
        return is(FileKind::Image, "image/heic");
    }
    if starts(b"PK\x03\x04") {
        let office = match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt" => "application/vnd.oasis.opendocument.text",
            "ods" => "application/vnd.oasis.opendocument.spreadsheet",
            "odp" => "application/vnd.oasis.opendocument.presentation",
            _ => return is(FileKind::Archive, "application/zip"),
        };
        return is(FileKind::Office, office);
    }
    // The compound file of Word 97, Excel 97 and PowerPoint 97.
    if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        let office = match ext.as_str() {
            "doc" => "application/msword",
            "xls" => "application/vnd.ms-excel",
            "ppt" => "application/vnd.ms-powerpoint",
            _ => "application/x-ole-storage",
        };
        return is(FileKind::Office, office);
    }
    if is_text(head) {
        let text = match ext.as_str() {
            "csv" => "text/csv; charset=utf-8",
            "md" | "markdown" => "text/markdown; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        return is(FileKind::Text, text);
    }
    None
}

/// UTF-8 with no control characters but tab, line feed, carriage return and form feed; a
/// character cut at the end of the head still counts.
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(text) => text,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// The limits an upload is held to: the admin's `file_settings` record when there is one, else
/// the server's flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub kinds: Vec<FileKind>,
}

/// Bytes in the MiB an admin names.
pub const MIB: u64 = 1024 * 1024;

impl Limits {
    /// The limits a `file_settings` record sets (`max_size_mb`, `types`), over `default` for
    /// what it leaves out; `default` itself without a record.
    pub fn of_record(record: Option<&crate::store::Record>, default: Limits) -> Limits {
        let Some(record) = record else {
            return default;
        };
        let max_bytes = record
            .get("max_size_mb")
            .and_then(serde_json::Value::as_u64)
            .map_or(default.max_bytes, |mb| mb.saturating_mul(MIB));
        let kinds: Vec<FileKind> = record
            .get("types")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_str)
                    .filter_map(|n| FileKind::parse(n).ok())
                    .collect()
            })
            .unwrap_or_default();
        Limits {
            max_bytes,
            kinds: if kinds.is_empty() {
                default.kinds
            } else {
                kinds
            },
        }
    }

    /// The kinds allowed, as an admin names them (`pdf, image`).
    pub fn kind_names(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_not_the_name() {
        let kind = |head: &[u8], name| sniff(head, name).map(|s| s.kind);
        assert_eq!(kind(b"%PDF-1.7\n...", "scan.pdf"), Some(FileKind::Pdf));
        assert_eq!(kind(b"%PDF-1.4", "scan.txt"), Some(FileKind::Pdf));
        // An executable named like a PDF is nothing allowed.
        assert_eq!(kind(b"\x7fELF\x02\x01\x01\0\0\0", "contract.pdf"), None);
        assert_eq!(kind(b"MZ\x90\0\x03\0\0\0\x04\0", "photo.jpg"), None);
        assert_eq!(
            kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "site.png"),
            Some(FileKind::Image)
        );
        assert_eq!(
            kind(b"\xff\xd8\xff\xe0\0\x10JFIF", "site"),
            Some(FileKind::Image)
        );
        assert_eq!(
            sniff(b"PK\x03\x04\x14\0", "报价.xlsx").map(|s| s.content_type),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(
            kind(b"PK\x03\x04\x14\0", "tools.zip"),
            Some(FileKind::Archive)
        );
        assert_eq!(
            kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.doc"),
            Some(FileKind::Office)
        );
        assert_eq!(
            kind("规格说明\n第二行\tA".as_bytes(), "spec.txt"),
            Some(FileKind::Text)
        );
        // Binary zeros, or an escape sequence meant for a terminal, are no text.
        assert_eq!(kind(b"abc\0def", "notes.txt"), None);
        assert_eq!(kind(b"hello \x1b[31mred", "notes.txt"), None);
        assert_eq!(kind(b"", "empty.txt"), None);
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_head_is_still_text() {
        let mut head = "合同".repeat(10).into_bytes();
        head.truncate(head.len() - 1);
        assert!(is_text(&head));
        assert!(!is_text(b"\xff\xfe\x00a"));
    }

    #[test]
    fn kinds_read_as_admins_write_them() {
        assert_eq!(FileKind::parse(" PDF "), Ok(FileKind::Pdf));
        assert!(FileKind::parse("exe").unwrap_err().contains("pdf, image"));
    }

    #[test]
    fn an_admins_record_beats_the_flags_and_fills_in_from_them() {
        let flags = Limits {
            max_bytes: 25 * MIB,
            kinds: FileKind::DEFAULT.to_vec(),
        };
        assert_eq!(Limits::of_record(None, flags.clone()), flags);
        let record: crate::store::Record = serde_json::from_value(
            serde_json::json!({"max_size_mb": 2, "types": ["pdf", "archive"]}),
        )
        .unwrap();
        let set = Limits::of_record(Some(&record), flags.clone());
        assert_eq!(set.max_bytes, 2 * MIB);
        assert_eq!(set.kinds, vec![FileKind::Pdf, FileKind::Archive]);
        assert_eq!(set.kind_names(), "pdf, archive");
        // No kinds named: the flags' kinds hold.
        let record: crate::store::Record =
            serde_json::from_value(serde_json::json!({"max_size_mb": 1, "types": []})).unwrap();
        let set = Limits::of_record(Some(&record), flags.clone());
        assert_eq!((set.max_bytes, set.kinds), (MIB, flags.kinds));
    }
}
