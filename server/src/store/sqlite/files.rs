//! The database file itself: refusing one that is not a crm database, checking its pages,
//! keeping it and its copies private, and restoring one from a backup.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{MIGRATIONS, StorageError};

/// Why a database file is refused.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no database at {0}")]
    Missing(PathBuf),
    #[error(
        "{0} is an empty file, not a crm database; move it away to start a fresh database there, or restore a backup onto it (crm-server restore FILE --force)"
    )]
    Empty(PathBuf),
    #[error(
        "{0} is not an SQLite database; give the path of a crm database, or a path where none exists yet"
    )]
    NotSqlite(PathBuf),
    #[error("{0} is an SQLite database but not a crm database (it has no schema_migrations)")]
    NotCrm(PathBuf),
    #[error(
        "{path} is at schema version {found}, newer than this crm-server knows ({known}); upgrade crm-server"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path} is damaged ({detail}); restore a backup (crm-server restore FILE --force)")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} is read-only: the server cannot write its database; make it writable")]
    ReadOnly { path: PathBuf },
    #[error("{0} exists; stop the server that uses it and add --force to replace it")]
    Exists(PathBuf),
    #[error("cannot read or write {path}: {detail}")]
    Io { path: PathBuf, detail: String },
}

/// A refused file is told to the admin as it is: its message says what to do.
impl From<FileError> for StorageError {
    fn from(e: FileError) -> Self {
        StorageError::Refused(e.to_string())
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |e| FileError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> FileError + '_ {
    move |e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => FileError::NotSqlite(path.to_path_buf()),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => FileError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => FileError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    }
}

/// How thoroughly [`check_file`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The header and the schema version only.
    Header,
    /// And `PRAGMA quick_check`: every page read, no index checked against its table.
    Quick,
    /// And `PRAGMA integrity_check`: everything.
    Full,
}

/// Refuses an existing file that cannot be a database: empty, or without SQLite's header. A
/// zero-length file is not quietly taken for a fresh database. Ok(false) when nothing is there.
pub fn check_header(path: &Path) -> Result<bool, FileError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(path)(e)),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]).map_err(io_error(path))? {
            0 => break,
            n => read += n,
        }
    }
    match read {
        0 => Err(FileError::Empty(path.to_path_buf())),
        16 if &header == b"SQLite format 3\0" => Ok(true),
        _ => Err(FileError::NotSqlite(path.to_path_buf())),
    }
}

/// The schema version of an open database; refuses one that is not a crm database or is newer
/// than this build knows. 0 for a database with no tables yet.
pub(super) fn schema_version(conn: &Connection, path: &Path) -> Result<i64, FileError> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    let has_migrations: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    if !has_migrations {
        return if tables == 0 {
            Ok(0)
        } else {
            Err(FileError::NotCrm(path.to_path_buf()))
        };
    }
    let found: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_error(path))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if found > known {
        return Err(FileError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    Ok(found)
}

/// Checks an existing crm database without writing to it: the header, that it is a crm
/// database this build knows, and (Quick, Full) SQLite's own check of its pages. Returns the
/// schema version.
pub fn check_file(path: &Path, check: Check) -> Result<i64, FileError> {
    if !check_header(path)? {
        return Err(FileError::Missing(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error(path))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sqlite_error(path))?;
    let version = schema_version(&conn, path)?;
    let pragma = match check {
        Check::Header => return Ok(version),
        Check::Quick => "PRAGMA quick_check(20)",
        Check::Full => "PRAGMA integrity_check(20)",
    };
    let problems: Vec<String> = conn
        .prepare(pragma)
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(sqlite_error(path))?;
    if problems != ["ok"] {
        return Err(FileError::Damaged {
            path: path.to_path_buf(),
            detail: problems.join("; "),
        });
    }
    Ok(version)
}

/// The database file and its WAL are the server's alone: 0600 (SQLite gives the WAL and the
/// shared-memory file the database file's mode when it makes them).
#[cfg(unix)]
pub(super) fn keep_private(path: &Path) -> Result<(), FileError> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io_error(&file))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file)(e)),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(super) fn keep_private(_: &Path) -> Result<(), FileError> {
    Ok(())
}

/// Makes `dir` (and its parents) when missing; the last one only its owner may enter.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), FileError> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// Creates `path` empty, readable by its owner only; fails when it exists.
fn create_private_file(path: &Path) -> Result<std::fs::File, FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            FileError::Exists(path.to_path_buf())
        } else {
            io_error(path)(e)
        }
    })
}

/// Writes a consistent copy of the database `conn` reads to `to` (new; 0600), synced to disk.
pub(super) fn copy_into(conn: &Connection, from: &Path, to: &Path) -> Result<(), FileError> {
    let target = to.to_str().ok_or_else(|| FileError::Io {
        path: to.to_path_buf(),
        detail: "the path must be valid UTF-8".into(),
    })?;
    drop(create_private_file(to)?);
    // VACUUM INTO takes an empty file, so the copy keeps the mode made above.
    if let Err(e) = conn.execute("VACUUM INTO ?1", [target]) {
        let _ = std::fs::remove_file(to);
        return Err(sqlite_error(from)(e));
    }
    // VACUUM INTO does not sync what it wrote.
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_error(to))
}

/// `crm-server restore FROM`: replaces the database at `to` with a checked copy of `from`. The
/// copy is written beside `to` and renamed over it, so a failure leaves `to` as it was. An
/// existing `to` is replaced only with `force` (the server must be stopped: its WAL goes).
pub fn restore(from: &Path, to: &Path, force: bool) -> Result<i64, FileError> {
    let version = check_file(from, Check::Full)?;
    if version == 0 {
        return Err(FileError::NotCrm(from.to_path_buf()));
    }
    if to.exists() && !force {
        return Err(FileError::Exists(to.to_path_buf()));
    }
    if let Some(dir) = to.parent() {
        create_private_dir(dir)?;
    }
    let mut staged = to.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    match std::fs::remove_file(&staged) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&staged)(e)),
        _ => {}
    }
    let source = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error(from))?;
    copy_into(&source, from, &staged)?;
    drop(source);
    if let Err(e) = check_file(&staged, Check::Quick) {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    // The old database's WAL would be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        let mut name = to.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&file)(e)),
            _ => {}
        }
    }
    std::fs::rename(&staged, to).map_err(io_error(to))?;
    #[cfg(unix)]
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    Ok(version)
}
