//! The bytes of attached files, on the server's disk, stored once per content: a file's name is
//! its SHA-256 digest (`<dir>/ab/abcdef…`), so the same scan attached to ten records takes its
//! space once, and a stored file is never changed. Folders are 0700 and files 0600. An upload
//! is written to `<dir>/tmp/` while it is read and hashed, then renamed into place; one that
//! fails or goes over the limit is removed (`Incoming`'s drop). The rows that name a digest
//! are the database's (`files.sha256`); on PostgreSQL the bytes are still this server's disk.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::rules::file_types::HEAD;

/// A store of file contents under one folder.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

/// A digest in lowercase hex, as stored and sent.
pub fn hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * digest.len());
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// True for a SHA-256 digest as this store names files: 64 lowercase hex digits.
pub fn is_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The SHA-256 of a file's contents, read in blocks.
pub fn digest_of(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Makes `dir` (and its parents) with mode 0700, or tightens it to 0700 when it exists.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A new file, 0600 from its creation; fails when it exists.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// An upload being received: written to a temporary file and hashed as it comes.
pub struct Incoming {
    file: Option<File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl Incoming {
    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the upload was already finished"))?;
        file.write_all(bytes)?;
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        if self.head.len() < HEAD {
            let more = (HEAD - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..more]);
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes received (at most [`HEAD`]), for the type check.
    pub fn head(&self) -> &[u8] {
        &self.head
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Kept uploads were renamed away; anything still here is a partial or refused one.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What a kept upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// False when the same bytes were stored already (this upload was dropped).
    pub new: bool,
}

impl BlobStore {
    /// The store under `dir`, made 0700 (with its `tmp/`) when missing. Temporary files a
    /// crash left behind are removed.
    pub fn open(dir: &Path) -> std::io::Result<BlobStore> {
        private_dir(dir)?;
        let tmp = dir.join("tmp");
        private_dir(&tmp)?;
        for entry in std::fs::read_dir(&tmp)?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(BlobStore {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the bytes of `digest` are (or would be).
    pub fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(&digest[..2.min(digest.len())]).join(digest)
    }

    /// Whether the bytes of `digest` are stored.
    pub fn has(&self, digest: &str) -> bool {
        is_digest(digest) && self.path(digest).is_file()
    }

    /// Opens the stored bytes of `digest`.
    pub fn open_blob(&self, digest: &str) -> std::io::Result<File> {
        if !is_digest(digest) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "not a digest",
            ));
        }
        File::open(self.path(digest))
    }

    /// The lock an upload holds, shared, from keeping its bytes until its row is committed,
    /// and the sweep of unreferenced bytes holds alone while it looks and removes: so the
    /// sweep never removes bytes an upload has kept (perhaps finding them there already) but
    /// not yet named in a row. A lock on a file (`<dir>/lock`), so servers sharing the folder
    /// keep to it too. Released when the returned file is dropped.
    pub fn lock_for_upload(&self) -> std::io::Result<File> {
        let file = self.lock_file()?;
        file.lock_shared()?;
        Ok(file)
    }

    /// The sweep's side of [`BlobStore::lock_for_upload`]: waits for uploads in flight.
    pub fn lock_for_sweep(&self) -> std::io::Result<File> {
        let file = self.lock_file()?;
        file.lock()?;
        Ok(file)
    }

    fn lock_file(&self) -> std::io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(self.dir.join("lock"))
    }

    /// Removes the bytes of `digest`; false when they were not there. Copies in backups
    /// (hard links) keep theirs.
    pub fn remove(&self, digest: &str) -> std::io::Result<bool> {
        if !is_digest(digest) {
            return Ok(false);
        }
        match std::fs::remove_file(self.path(digest)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Starts receiving an upload.
    pub fn begin(&self) -> std::io::Result<Incoming> {
        let path = self
            .dir
            .join("tmp")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let file = private_file(&path)?;
        Ok(Incoming {
            file: Some(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        })
    }

    /// Makes a received upload durable under its digest; the same bytes stored before are
    /// kept and this copy dropped.
    pub fn keep(&self, mut incoming: Incoming) -> std::io::Result<Stored> {
        let file = incoming
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("the upload was already finished"))?;
        file.sync_all()?;
        drop(file);
        let sha256 = hex(&std::mem::take(&mut incoming.hasher).finalize());
        let size = incoming.size;
        let target = self.path(&sha256);
        if target.is_file() {
            return Ok(Stored {
                sha256,
                size,
                new: false,
            });
        }
        private_dir(target.parent().unwrap_or(&self.dir))?;
        std::fs::rename(&incoming.path, &target)?;
        if let Ok(dir) = File::open(target.parent().unwrap_or(&self.dir)) {
            let _ = dir.sync_all();
        }
        Ok(Stored {
            sha256,
            size,
            new: true,
        })
    }

    /// Every digest stored, sorted.
    pub fn digests(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        for shard in std::fs::read_dir(&self.dir)?.flatten() {
            let name = shard.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.len() != 2 || !shard.path().is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(shard.path())?.flatten() {
                if let Some(digest) = entry.file_name().to_str()
                    && is_digest(digest)
                    && digest.starts_with(name)
                {
                    out.push(digest.to_string());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Copies every stored file into `to` (a store's layout, 0700/0600): a hard link where the
    /// file system allows (the bytes never change), a copy otherwise. Those already there are
    /// left; returns how many were added.
    pub fn copy_to(&self, to: &Path) -> std::io::Result<usize> {
        let target = BlobStore::open(to)?;
        let mut added = 0;
        for digest in self.digests()? {
            let dest = target.path(&digest);
            if dest.is_file() {
                continue;
            }
            private_dir(dest.parent().unwrap_or(to))?;
            let src = self.path(&digest);
            if std::fs::hard_link(&src, &dest).is_err() {
                // Swept since it was listed: no record named it, so no backup needs it.
                let mut from = match File::open(&src) {
                    Ok(from) => from,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                let mut out = private_file(&dest)?;
                std::io::copy(&mut from, &mut out)?;
                out.sync_all()?;
            }
            added += 1;
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_stored_once_and_a_dropped_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&dir.path().join("files")).unwrap();
        let mut a = store.begin().unwrap();
        a.write(b"%PDF-1.7 ").unwrap();
        a.write(b"contract").unwrap();
        assert_eq!(a.head(), b"%PDF-1.7 contract");
        let first = store.keep(a).unwrap();
        assert!(first.new);
        assert_eq!(first.size, 17);
        assert_eq!(first.sha256, crate::auth::sha256_hex("%PDF-1.7 contract"));
        let mut b = store.begin().unwrap();
        b.write(b"%PDF-1.7 contract").unwrap();
        let second = store.keep(b).unwrap();
        assert!(!second.new);
        assert_eq!(second.sha256, first.sha256);
        let mut partial = store.begin().unwrap();
        partial.write(b"half of it").unwrap();
        drop(partial);
        assert_eq!(store.digests().unwrap(), vec![first.sha256.clone()]);
        assert_eq!(
            std::fs::read_dir(store.dir().join("tmp")).unwrap().count(),
            0
        );
        assert_eq!(digest_of(&store.path(&first.sha256)).unwrap(), first.sha256);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(store.dir()), 0o700);
            assert_eq!(mode(store.path(&first.sha256).parent().unwrap()), 0o700);
            assert_eq!(mode(&store.path(&first.sha256)), 0o600);
        }
        let copy = dir.path().join("backup.files");
        assert_eq!(store.copy_to(&copy).unwrap(), 1);
        assert_eq!(store.copy_to(&copy).unwrap(), 0);
        assert!(BlobStore::open(&copy).unwrap().has(&first.sha256));
    }

    #[test]
    fn an_upload_in_flight_keeps_the_sweep_out_and_uploads_share() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let upload = store.lock_for_upload().unwrap();
        let other_upload = store.lock_for_upload().unwrap();
        let sweep = store.lock_file().unwrap();
        assert!(
            sweep.try_lock().is_err(),
            "uploads in flight hold the sweep off"
        );
        drop(upload);
        assert!(sweep.try_lock().is_err());
        drop(other_upload);
        assert!(sweep.try_lock().is_ok());
        // And while the sweep runs, an upload waits.
        let upload = store.lock_file().unwrap();
        assert!(upload.try_lock_shared().is_err());
        drop(sweep);
        assert!(upload.try_lock_shared().is_ok());
    }
}
