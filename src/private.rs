//! Folders and files only their owner may read: the client keeps customers' names, phones and
//! emails (the replica, its outbox, the demo server's database) and a sign-in token on disk, so
//! its folders are 0700 and its files 0600 — made so at creation, and tightened when found
//! looser (a copy made by an older crm, or by hand).

use std::path::{Path, PathBuf};

/// The suffixes SQLite gives the files beside a database (WAL, shared memory, rollback journal).
const SQLITE_SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates `dir` (and any missing parents) readable only by its owner, and tightens it when it
/// exists with a looser mode.
pub fn dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    tighten(dir, 0o700)
}

/// Like [`dir`] for a folder that does not exist yet; one that exists is left as it is (a folder
/// named by `CRM_DATA_DIR` may be shared: what crm keeps inside it is made private instead).
pub fn dir_if_missing(path: &Path) -> std::io::Result<()> {
    if path.is_dir() { Ok(()) } else { dir(path) }
}

/// Makes sure `file` exists and only its owner may read it: created empty with mode 0600 when
/// missing, tightened when looser. SQLite gives a database's WAL, shared-memory and journal files
/// the mode of the database file, so calling this before SQLite opens a file covers them too.
pub fn file(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file)
        {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    tighten(file, 0o600)
}

/// A database file made private before SQLite opens it, with any WAL, shared-memory or journal
/// file already beside it tightened too.
pub fn database(path: &Path) -> std::io::Result<()> {
    file(path)?;
    existing_database(path)
}

/// Tightens a database file and the files beside it, those that exist (for a database another
/// program creates, the server's: it must not find an empty file where it expects none).
pub fn existing_database(path: &Path) -> std::io::Result<()> {
    for side in std::iter::once(path.to_path_buf())
        .chain(SQLITE_SIDE_FILES.iter().map(|s| with_suffix(path, s)))
    {
        match tighten(&side, 0o600) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Sets `mode` on `path` when its group or others may do anything with it.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(path: &Path, _mode: u32) -> std::io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

/// The permission bits of `path`, for checks and tests.
#[cfg(unix)]
pub fn mode(path: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn folders_and_files_are_made_private_and_tightened() {
        let root = tempfile::tempdir().unwrap();
        let nested = root.path().join("a").join("b");
        dir(&nested).unwrap();
        assert_eq!(mode(&nested).unwrap(), 0o700);
        assert_eq!(mode(&root.path().join("a")).unwrap(), 0o700);

        let loose = root.path().join("loose");
        std::fs::create_dir(&loose).unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir(&loose).unwrap();
        assert_eq!(mode(&loose).unwrap(), 0o700);

        let db = nested.join("x.db");
        file(&db).unwrap();
        assert_eq!(mode(&db).unwrap(), 0o600);
        let wal = with_suffix(&db, "-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        database(&db).unwrap();
        assert_eq!(mode(&db).unwrap(), 0o600);
        assert_eq!(mode(&wal).unwrap(), 0o600);
    }
}
