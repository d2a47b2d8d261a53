//! Settings: profiles in a TOML file in the platform config directory, with `CRM_` environment
//! overrides. A profile names a server, a user and how the client behaves for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no home directory to keep settings in; set CRM_CONFIG_DIR and CRM_DATA_DIR")]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}; fix it or move it aside to start afresh")]
    Parse { path: PathBuf, message: String },
    #[error("no profile named {0}; `crm login --profile {0} --server URL --user NAME` creates it")]
    NoProfile(String),
}

/// How the sign-in token is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StoreChoice {
    /// The OS keyring when one answers, else the file store after saying so.
    #[default]
    Auto,
    Keyring,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Keep the replica live with the long-poll feed while the TUI runs.
    pub live: bool,
    /// Seconds one long-poll waits for the next change.
    pub wait_seconds: u64,
    /// Page size of the change feed.
    pub page_size: usize,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            live: true,
            wait_seconds: 25,
            page_size: 2000,
        }
    }
}

/// `server = "https://a"`, `server = "https://a, https://b"` or `server = ["https://a",
/// "https://b"]`: the addresses joined by commas, as `ApiClient` reads them.
fn one_or_several<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Server {
        One(String),
        Several(Vec<String>),
    }
    Ok(match Option::<Server>::deserialize(d)? {
        None => None,
        Some(Server::One(one)) => Some(one),
        Some(Server::Several(list)) => Some(list.join(", ")),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// The server's base URL, like https://crm.example.com or http://127.0.0.1:7878; or several
    /// addresses of one server (instances, or a standby), as a list or separated by commas,
    /// tried in order when one is unreachable. Kept as one comma-separated string.
    #[serde(deserialize_with = "one_or_several")]
    pub server: Option<String>,
    pub username: Option<String>,
    pub theme: Option<String>,
    /// The IANA time zone times are shown and typed in ("Asia/Shanghai"); unset: `TZ`, then the
    /// system's (`crate::zone`).
    pub timezone: Option<String>,
    /// The language labels are shown in: `zh` or `en` (default: the locale's).
    pub language: Option<String>,
    /// A PEM file of the private CA that signed the server's certificate (CRM_CA_FILE).
    pub ca_file: Option<PathBuf>,
    /// What the callbacks queue's `D` runs to dial, `{phone}` where the number goes (a program
    /// and its arguments, never a shell line): `linphonecsh dial {phone}`.
    pub dial_command: Option<String>,
    /// Ring the terminal's bell when an appointment, callback or task comes due on the screens.
    pub bell: bool,
    pub credential_store: StoreChoice,
    pub sync: SyncSettings,
    /// Key binding overrides per mode, for the TUI: mode → key → action.
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
}

pub const EXAMPLE: &str = r#"# crm settings. Each profile is a server and a user; `crm --profile NAME ...` picks one.
# Environment overrides: CRM_PROFILE, CRM_SERVER, CRM_USER, CRM_THEME, CRM_TIMEZONE, CRM_CA_FILE, CRM_TOKEN (a token, for scripts).
#
# default_profile = "work"
#
# [profiles.work]
# server = "https://crm.example.com"
# server = ["https://crm1.example.com", "https://crm2.example.com"]   # tried in order when one is unreachable
# username = "li"
# theme = "dark"                 # dark, light, high-contrast, basic16
# timezone = "Asia/Shanghai"     # times shown and typed here; default: TZ, then the system's
# language = "zh"                # call outcomes and labels: zh or en (default: the locale's)
# ca_file = "/etc/crm/ca.pem"    # trust a private CA that signed the server's certificate
# dial_command = "linphonecsh dial {phone}"   # the callbacks queue's D: a softphone dials
# bell = true                    # ring the bell when an appointment, callback or task comes due
# credential_store = "auto"      # auto, keyring, file
#
# [profiles.work.sync]
# live = true                    # keep the replica live while the TUI runs
# wait_seconds = 25
# page_size = 2000
#
# [profiles.work.keys.customers] # key binding overrides per mode (`?` in the screens lists them)
# "<C-f>" = "search"
"#;

/// Where settings and data live: the platform directories, or CRM_CONFIG_DIR / CRM_DATA_DIR.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
}

impl Dirs {
    pub fn discover() -> Result<Dirs, ConfigError> {
        let project = directories::ProjectDirs::from("", "", "crm");
        let config = std::env::var_os("CRM_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()))
            .ok_or(ConfigError::NoHome)?;
        let data = std::env::var_os("CRM_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| project.as_ref().map(|p| p.data_dir().to_path_buf()))
            .ok_or(ConfigError::NoHome)?;
        Ok(Dirs { config, data })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    /// The replica of one profile.
    pub fn replica(&self, profile: &str) -> PathBuf {
        self.data
            .join("profiles")
            .join(safe_name(profile))
            .join("replica.db")
    }

    /// The folder of the file credential store.
    pub fn credentials(&self) -> PathBuf {
        self.data.join("credentials")
    }

    /// Makes the config and data folders their owner's alone: created 0700 when missing, and
    /// tightened when looser if they are crm's own platform folders (a folder named by
    /// `CRM_CONFIG_DIR` or `CRM_DATA_DIR` may be shared and is left as it is; what crm keeps in
    /// it is private anyway). The profiles folder inside the data folder is always crm's.
    pub fn make_private(&self) -> Result<(), ConfigError> {
        let wrap = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ConfigError::Write { path, source }
        };
        let platform = directories::ProjectDirs::from("", "", "crm");
        let own = |dir: &Path, default: Option<&Path>| {
            if default == Some(dir) {
                crate::private::dir(dir)
            } else {
                crate::private::dir_if_missing(dir)
            }
        };
        own(&self.config, platform.as_ref().map(|p| p.config_dir())).map_err(wrap(&self.config))?;
        own(&self.data, platform.as_ref().map(|p| p.data_dir())).map_err(wrap(&self.data))?;
        let profiles = self.data.join("profiles");
        crate::private::dir(&profiles).map_err(wrap(&profiles))
    }

    /// The database of the embedded demo server.
    pub fn demo_db(&self) -> PathBuf {
        self.data.join("demo").join("server.db")
    }
}

/// A profile name safe to use as a file name.
pub fn safe_name(profile: &str) -> String {
    profile
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Config {
    /// Reads the config file, writing the commented example first when there is none.
    pub fn load(dirs: &Dirs) -> Result<Config, ConfigError> {
        let path = dirs.config_file();
        if !path.exists() {
            write_file(&path, EXAMPLE)?;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })
    }

    pub fn save(&self, dirs: &Dirs) -> Result<(), ConfigError> {
        let body = toml::to_string_pretty(self).map_err(|e| ConfigError::Parse {
            path: dirs.config_file(),
            message: e.to_string(),
        })?;
        write_file(
            &dirs.config_file(),
            &format!("{}\n{body}", comment_header()),
        )
    }

    /// The profile to use: `--profile`, then CRM_PROFILE, then default_profile, then "default".
    pub fn profile_name(&self, flag: Option<&str>) -> String {
        flag.map(String::from)
            .or_else(|| std::env::var("CRM_PROFILE").ok().filter(|p| !p.is_empty()))
            .or_else(|| self.default_profile.clone())
            .unwrap_or_else(|| "default".to_string())
    }

    /// The named profile with environment overrides applied.
    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        let mut profile = self.profiles.get(name).cloned();
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        if profile.is_none() && (env("CRM_SERVER").is_some() || env("CRM_TOKEN").is_some()) {
            profile = Some(Profile::default());
        }
        let mut profile = profile.ok_or_else(|| ConfigError::NoProfile(name.to_string()))?;
        if let Some(server) = env("CRM_SERVER") {
            profile.server = Some(server);
        }
        if let Some(user) = env("CRM_USER") {
            profile.username = Some(user);
        }
        if let Some(theme) = env("CRM_THEME") {
            profile.theme = Some(theme);
        }
        if let Some(timezone) = env("CRM_TIMEZONE") {
            profile.timezone = Some(timezone);
        }
        if let Some(ca_file) = ca_file_override() {
            profile.ca_file = Some(ca_file);
        }
        Ok(profile)
    }
}

/// CRM_CA_FILE: a private CA to trust, over the profile's `ca_file`.
pub fn ca_file_override() -> Option<PathBuf> {
    std::env::var_os("CRM_CA_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn comment_header() -> &'static str {
    "# crm settings; see `crm --help`. Environment overrides: CRM_PROFILE, CRM_SERVER, CRM_USER, CRM_THEME, CRM_TIMEZONE, CRM_CA_FILE, CRM_TOKEN."
}

fn write_file(path: &Path, text: &str) -> Result<(), ConfigError> {
    let wrap = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::private::dir_if_missing(dir).map_err(wrap)?;
    }
    // Write aside and rename, so a crash never leaves half a config; the file names a server
    // and a user, so it is its owner's alone.
    let tmp = path.with_extension("toml.tmp");
    let _ = std::fs::remove_file(&tmp);
    crate::private::file(&tmp).map_err(wrap)?;
    std::fs::write(&tmp, text).map_err(wrap)?;
    std::fs::rename(&tmp, path).map_err(wrap)
}

/// The language labels are shown in: the profile's `language`, else the locale's.
pub fn lang_of(language: Option<&str>) -> crm_server::rules::call_outcomes::Lang {
    let locale = || {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
    };
    crm_server::rules::call_outcomes::Lang::parse(
        &language
            .map(String::from)
            .or_else(locale)
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_to_an_empty_config() {
        let config = Config::parse(EXAMPLE, Path::new("x")).unwrap();
        assert!(config.profiles.is_empty());
    }

    #[test]
    fn profiles_round_trip_through_toml() {
        let mut config = Config::default();
        let profile = Profile {
            server: Some("http://127.0.0.1:7878".into()),
            username: Some("li".into()),
            credential_store: StoreChoice::File,
            ..Profile::default()
        };
        config.profiles.insert("work".into(), profile.clone());
        config.default_profile = Some("work".into());
        let text = toml::to_string_pretty(&config).unwrap();
        let back = Config::parse(&text, Path::new("x")).unwrap();
        assert_eq!(back, config);
        assert_eq!(back.profiles["work"], profile);
    }

    #[test]
    fn a_server_is_one_address_or_several() {
        let parse = |server: &str| {
            let text = format!("[profiles.x]\nserver = {server}\n");
            Config::parse(&text, Path::new("x")).unwrap().profiles["x"]
                .server
                .clone()
        };
        assert_eq!(parse("\"https://a\"").as_deref(), Some("https://a"));
        assert_eq!(
            parse("[\"https://a\", \"https://b\"]").as_deref(),
            Some("https://a, https://b")
        );
        assert_eq!(
            parse("\"https://a,https://b\"").as_deref(),
            Some("https://a,https://b")
        );
    }

    #[test]
    fn unknown_keys_are_reported_with_the_file() {
        let err =
            Config::parse("[profiles.x]\nservr = \"a\"\n", Path::new("/tmp/c.toml")).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("/tmp/c.toml") && message.contains("servr"),
            "{message}"
        );
    }

    #[test]
    fn profile_names_become_safe_file_names() {
        assert_eq!(safe_name("work/../x"), "work____x");
        assert_eq!(safe_name("华东"), "华东");
    }
}
