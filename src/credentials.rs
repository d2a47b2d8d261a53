//! Where the sign-in token is kept: the OS keyring (Secret Service, pure Rust), or, where no
//! keyring answers (a server, SSH without a desktop session), a file only its owner can read.
//! `CRM_TOKEN` overrides both, for scripts.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no keyring answered ({0}); use the file store: `crm login --store file ...`")]
    NoKeyring(String),
    #[error(
        "{path} can be read by others (mode {mode:o}); refusing to use it. Run `chmod 600 {path}` (and `chmod 700` its folder), or delete it and log in again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("cannot use the token file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Names the place a token lives, for `crm status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    Keyring,
    File(PathBuf),
    Env,
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Keyring => write!(f, "OS keyring"),
            Store::File(path) => write!(f, "file {}", path.display()),
            Store::Env => write!(f, "CRM_TOKEN"),
        }
    }
}

const SERVICE: &str = "crm";

fn account(profile: &str) -> String {
    format!("profile:{profile}")
}

/// Keyring calls may start their own async machinery: run them on a plain thread, never on an
/// executor thread.
fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CredentialError> {
    std::thread::spawn(f)
        .join()
        .map_err(|_| CredentialError::NoKeyring("the keyring call crashed".into()))
}

pub fn keyring_get(profile: &str) -> Result<Option<String>, CredentialError> {
    let account = account(profile);
    off_thread(move || {
        let entry = keyring::Entry::new(SERVICE, &account)
            .map_err(|e| CredentialError::NoKeyring(e.to_string()))?;
        match entry.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(CredentialError::NoKeyring(e.to_string())),
        }
    })?
}

pub fn keyring_set(profile: &str, token: &str) -> Result<(), CredentialError> {
    let account = account(profile);
    let token = token.to_string();
    off_thread(move || {
        let entry = keyring::Entry::new(SERVICE, &account)
            .map_err(|e| CredentialError::NoKeyring(e.to_string()))?;
        entry
            .set_password(&token)
            .map_err(|e| CredentialError::NoKeyring(e.to_string()))?;
        // Some stores accept a write they cannot read back; trust only a round trip.
        match entry.get_password() {
            Ok(back) if back == token => Ok(()),
            Ok(_) => Err(CredentialError::NoKeyring(
                "the keyring returned a different token".into(),
            )),
            Err(e) => Err(CredentialError::NoKeyring(e.to_string())),
        }
    })?
}

pub fn keyring_delete(profile: &str) -> Result<(), CredentialError> {
    let account = account(profile);
    off_thread(move || {
        let entry = keyring::Entry::new(SERVICE, &account)
            .map_err(|e| CredentialError::NoKeyring(e.to_string()))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(CredentialError::NoKeyring(e.to_string())),
        }
    })?
}

/// A token file per profile in a folder only the owner may enter.
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir
            .join(format!("{}.token", crate::config::safe_name(profile)))
    }

    pub fn get(&self, profile: &str) -> Result<Option<String>, CredentialError> {
        let path = self.path(profile);
        if !path.exists() {
            return Ok(None);
        }
        check_private(&path, 0o077)?;
        check_private(&self.dir, 0o077)?;
        let token = std::fs::read_to_string(&path).map_err(|source| CredentialError::Io {
            path: path.clone(),
            source,
        })?;
        let token = token.trim().to_string();
        Ok((!token.is_empty()).then_some(token))
    }

    pub fn set(&self, profile: &str, token: &str) -> Result<(), CredentialError> {
        let path = self.path(profile);
        let io = |source| CredentialError::Io {
            path: path.clone(),
            source,
        };
        crate::private::dir(&self.dir).map_err(io)?;
        let tmp = path.with_extension("token.tmp");
        write_private(&tmp, token).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    pub fn delete(&self, profile: &str) -> Result<(), CredentialError> {
        let path = self.path(profile);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(CredentialError::Io { path, source }),
        }
    }
}

#[cfg(unix)]
fn check_private(path: &Path, forbidden: u32) -> Result<(), CredentialError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| CredentialError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & forbidden != 0 {
        return Err(CredentialError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _forbidden: u32) -> Result<(), CredentialError> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_store_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("credentials"));
        assert_eq!(store.get("work").unwrap(), None);
        store.set("work", "crm_token").unwrap();
        assert_eq!(store.get("work").unwrap().as_deref(), Some("crm_token"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path("work"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
        store.delete("work").unwrap();
        assert_eq!(store.get("work").unwrap(), None);
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }

    #[cfg(unix)]
    #[test]
    fn the_file_store_refuses_a_world_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("credentials"));
        store.set("work", "crm_token").unwrap();
        set_mode(&store.path("work"), 0o644).unwrap();
        assert!(matches!(
            store.get("work"),
            Err(CredentialError::TooOpen { .. })
        ));
        set_mode(&store.path("work"), 0o600).unwrap();
        set_mode(&dir.path().join("credentials"), 0o755).unwrap();
        assert!(matches!(
            store.get("work"),
            Err(CredentialError::TooOpen { .. })
        ));
    }
}
