//! The scripting CLI: what each `crm` command does. Data on stdout (table, JSON or CSV),
//! messages on stderr, and exit codes that say what failed (see [`CliError::exit_code`]).

/// A message on stderr, cleaned of anything that could act on the terminal: messages carry
/// text from the server and from other people's records (a customer's name in a duplicate
/// warning, a refusal stored in the outbox), and they reach the terminal as they are.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::text::sanitize_lines(&format!($($arg)*)))
    };
}

pub mod account;
pub mod agenda;
pub mod demo;
pub mod export;
pub mod fields;
pub mod files;
pub mod import;
pub mod letters;
pub mod marketing;
pub mod merges;
pub mod outbox;
pub mod output;
pub mod records;
pub mod render;
pub mod report;
pub mod screen;
pub mod surveys;

use std::io::Write;
use std::time::Duration;

use crate::config::{Config, ConfigError, Dirs, Profile, StoreChoice};
use crate::credentials::{self, CredentialError, FileStore, Store};
use crate::replica::{Replica, ReplicaError};
use crate::sync::{self, ApiClient, ClientError, SyncError};
use crate::zone::Zone;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    #[error(
        "not signed in to profile {0}; run `crm login --profile {0} --server URL --user NAME` (or `crm demo`)"
    )]
    NotSignedIn(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// 2 usage, 3 not found, 4 invalid values, 5 duplicate, 6 not signed in, 7 server
    /// unreachable, 8 conflict, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::NotFound(_)
            | CliError::Replica(ReplicaError::NotFound { .. })
            | CliError::Client(ClientError::NotFound { .. }) => 3,
            CliError::Replica(ReplicaError::Invalid { .. })
            | CliError::Client(ClientError::Invalid { .. }) => 4,
            CliError::Duplicate(_) | CliError::Client(ClientError::Duplicate { .. }) => 5,
            CliError::NotSignedIn(_)
            | CliError::Client(ClientError::Unauthorized | ClientError::BadCredentials) => 6,
            CliError::Sync(e) if e.is_unauthorized() => 6,
            CliError::Client(e) if e.is_transient() => 7,
            CliError::Sync(e) if e.is_transient() => 7,
            CliError::Client(ClientError::Stale { .. })
            | CliError::Replica(ReplicaError::NoConflict { .. }) => 8,
            _ => 1,
        }
    }
}

pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`crm … | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Other(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Everything a command needs to find its profile, replica, token and server.
pub struct Context {
    pub dirs: Dirs,
    pub config: Config,
    pub profile_name: String,
    pub runtime: tokio::runtime::Runtime,
}

impl Context {
    pub fn new(profile_flag: Option<&str>) -> Result<Context, CliError> {
        let dirs = Dirs::discover()?;
        dirs.make_private()?;
        let config = Config::load(&dirs)?;
        let profile_name = config.profile_name(profile_flag);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))?;
        Ok(Context {
            dirs,
            config,
            profile_name,
            runtime,
        })
    }

    pub fn profile(&self) -> Result<Profile, CliError> {
        Ok(self.config.profile(&self.profile_name)?)
    }

    /// The zone times are shown and typed in: the profile's `timezone` (CRM_TIMEZONE), else
    /// `TZ`, else the system's. Commands that need no profile still get one.
    pub fn zone(&self) -> Result<Zone, CliError> {
        let named = self
            .config
            .profile(&self.profile_name)
            .ok()
            .and_then(|p| p.timezone);
        Zone::resolve(named.as_deref())
            .map_err(|e| CliError::Usage(format!("profile {}: {e}", self.profile_name)))
    }

    pub fn file_store(&self) -> FileStore {
        FileStore::new(self.dirs.credentials())
    }

    pub fn open_replica(&self) -> Result<Replica, CliError> {
        let replica = Replica::open(&self.dirs.replica(&self.profile_name))?;
        if let Some(note) = replica.rebuilt() {
            say!("note: {note}");
        }
        Ok(replica)
    }

    /// The sign-in token and where it came from: CRM_TOKEN, then the profile's store.
    pub fn token(&self) -> Result<Option<(String, Store)>, CliError> {
        if let Some(token) = std::env::var("CRM_TOKEN").ok().filter(|t| !t.is_empty()) {
            return Ok(Some((token, Store::Env)));
        }
        let choice = self
            .config
            .profiles
            .get(&self.profile_name)
            .map(|p| p.credential_store)
            .unwrap_or_default();
        let file = self.file_store();
        if choice != StoreChoice::File {
            match credentials::keyring_get(&self.profile_name) {
                Ok(Some(token)) => return Ok(Some((token, Store::Keyring))),
                Ok(None) => {}
                Err(e) if choice == StoreChoice::Keyring => return Err(e.into()),
                Err(_) => {}
            }
        }
        Ok(file
            .get(&self.profile_name)?
            .map(|t| (t, Store::File(file.path(&self.profile_name)))))
    }

    /// A client for the profile's server with its token.
    pub fn client(&self) -> Result<ApiClient, CliError> {
        let profile = self.profile()?;
        let server = profile
            .server
            .ok_or_else(|| CliError::NotSignedIn(self.profile_name.clone()))?;
        let (token, _) = self
            .token()?
            .ok_or_else(|| CliError::NotSignedIn(self.profile_name.clone()))?;
        Ok(ApiClient::trusting(&server, profile.ca_file.as_deref())?.with_token(token))
    }

    /// Says what was saved, then tries to send it at once; offline it stays in the outbox.
    pub fn after_write(&self, replica: &Replica, message: &str) -> Result<(), CliError> {
        say!("{message}");
        let Ok(client) = self.client() else {
            say!("saved locally; it is sent when you sign in and sync");
            return Ok(());
        };
        let pushed = self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), sync::push(replica, &client)).await
        });
        match pushed {
            Ok(Ok(report)) => {
                for refused in &report.refused {
                    say!("the server refused it: {}", refused.message);
                }
                for conflict in &report.conflicts {
                    let label = replica
                        .get(conflict.entity, &conflict.id)?
                        .map(|r| crate::replica::record_label(conflict.entity, &r.fields))
                        .unwrap_or_else(|| conflict.id.clone());
                    say!(
                        "conflict on {} {label} field {}: `crm conflicts list` shows both values",
                        conflict.entity.noun(),
                        conflict.field
                    );
                }
                if !report.refused.is_empty() {
                    return Err(CliError::Other(
                        "the server refused the change; it is kept, marked refused: `crm outbox list` shows why, `crm outbox retry` or `discard` settles it"
                            .into(),
                    ));
                }
                Ok(())
            }
            Ok(Err(e)) if e.is_transient() => {
                say!("saved offline ({e}); it is sent at the next sync");
                Ok(())
            }
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                say!("the server is slow to answer; the change is saved and sent at the next sync");
                Ok(())
            }
        }
    }
}
