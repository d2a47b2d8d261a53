//! Sending what a mail merge made: email through the SMTP server the admin configures
//! (`serve --smtp-url`, the password from `CRM_SMTP_PASSWORD` or a file, never logged), and SMS
//! through a command the admin names (run without a shell, the number and the text passed as
//! arguments). Blocking: the API calls these on a blocking thread, outside any transaction.

use std::fmt;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

/// How long one message may take to hand over.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Most bytes of an SMS command's error output kept for the message.
const HOOK_OUTPUT: usize = 2_000;

/// A password kept out of every log and debug print.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`, port 465).
    Tls,
    /// STARTTLS required (`smtp://`, port 587).
    StartTls,
    /// None at all (`smtp+plain://`): a relay on the same machine, or a test's sink.
    Plain,
}

/// The admin's SMTP server.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, `Name <address>` or an address.
    pub from: String,
}

/// Why a mail setting does not read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailSettingError {
    #[error(
        "--smtp-url {0:?}: use smtps://[user@]host[:465], smtp://[user@]host[:587] (STARTTLS) or smtp+plain://host[:25]"
    )]
    Url(String),
    #[error(
        "--smtp-from {0:?} is not an address; use name@example.com or \"Name <name@example.com>\""
    )]
    From(String),
    #[error("--sms-command is empty; name the program and its arguments, with {{to}} and {{text}}")]
    SmsCommand,
}

impl Smtp {
    /// Reads `smtps://user@host:465`, `smtp://host:587` (STARTTLS), `smtp+plain://host:25`;
    /// the password comes separately, never in the address.
    pub fn parse(
        url: &str,
        from: &str,
        password: Option<Secret>,
    ) -> Result<Smtp, MailSettingError> {
        let bad = || MailSettingError::Url(url.to_string());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let (security, default_port) = match scheme {
            "smtps" => (Security::Tls, 465),
            "smtp" => (Security::StartTls, 587),
            "smtp+plain" => (Security::Plain, 25),
            _ => return Err(bad()),
        };
        let rest = rest.trim_end_matches('/');
        let (user, host_port) = match rest.rsplit_once('@') {
            Some((user, hp)) if !user.is_empty() && !user.contains(':') => {
                (Some(user.to_string()), hp)
            }
            Some(_) => return Err(bad()),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (host_port, default_port),
        };
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(bad());
        }
        from.parse::<Mailbox>()
            .map_err(|_| MailSettingError::From(from.to_string()))?;
        Ok(Smtp {
            host: host.to_string(),
            port,
            security,
            username: user,
            password,
            from: from.to_string(),
        })
    }

    /// Hands one message over; the error says what the server or the network answered.
    pub fn send(&self, to: &str, subject: &str, text: &str) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("the address {to:?} does not read: {e}"))?;
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| format!("the sender does not read: {e}"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_string())
            .map_err(|e| e.to_string())?;
        let tls = || {
            TlsParameters::new(self.host.clone()).map_err(|e| format!("TLS to {}: {e}", self.host))
        };
        let mut builder = SmtpTransport::builder_dangerous(&self.host)
            .port(self.port)
            .timeout(Some(SEND_TIMEOUT))
            .tls(match self.security {
                Security::Tls => Tls::Wrapper(tls()?),
                Security::StartTls => Tls::Required(tls()?),
                Security::Plain => Tls::None,
            });
        if let Some(user) = &self.username {
            let password = self.password.clone().unwrap_or_default().0;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        builder
            .build()
            .send(&message)
            .map(|_| ())
            .map_err(|e| format!("the mail server {}: {e}", self.host))
    }
}

/// The admin's SMS command: a program and its arguments, `{to}` and `{text}` in any argument
/// replaced by the number and the message. No shell reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsHook {
    pub program: String,
    pub args: Vec<String>,
}

impl SmsHook {
    /// The command as words (`--sms-command` repeated, or split on whitespace by the caller).
    pub fn new(words: Vec<String>) -> Result<SmsHook, MailSettingError> {
        let mut words = words.into_iter().filter(|w| !w.is_empty());
        let program = words.next().ok_or(MailSettingError::SmsCommand)?;
        Ok(SmsHook {
            program,
            args: words.collect(),
        })
    }

    /// The arguments for one message.
    pub fn argv(&self, to: &str, text: &str) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.replace("{to}", to).replace("{text}", text))
            .collect()
    }

    /// Runs the command for one message; a non-zero exit or a run past the timeout is a
    /// failure, with what it wrote to stderr.
    pub fn send(&self, to: &str, text: &str) -> Result<(), String> {
        let mut child = Command::new(&self.program)
            .args(self.argv(to, text))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("the SMS command {} did not start: {e}", self.program))?;
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > SEND_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("the SMS command {} took too long", self.program));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(e.to_string()),
            }
        };
        if status.success() {
            return Ok(());
        }
        let mut err = String::new();
        if let Some(stderr) = child.stderr.as_mut() {
            let _ = stderr.take(HOOK_OUTPUT as u64).read_to_string(&mut err);
        }
        let err: String = err.chars().filter(|c| !c.is_control()).collect();
        Err(format!(
            "the SMS command {} failed ({status}): {}",
            self.program,
            err.trim()
        ))
    }
}

/// Where messages go: either may be missing, and a send by that channel then says so.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    pub smtp: Option<Smtp>,
    pub sms: Option<SmsHook>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_read_with_their_security_and_default_ports() {
        let s = Smtp::parse(
            "smtps://crm@mail.example.com",
            "CRM <crm@example.com>",
            None,
        )
        .unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("mail.example.com", 465, Security::Tls)
        );
        assert_eq!(s.username.as_deref(), Some("crm"));
        let s = Smtp::parse("smtp://mail.example.com:2525", "crm@example.com", None).unwrap();
        assert_eq!(
            (s.port, s.security, s.username),
            (2525, Security::StartTls, None)
        );
        let s = Smtp::parse("smtp+plain://127.0.0.1:2500", "crm@example.com", None).unwrap();
        assert_eq!(s.security, Security::Plain);
        for bad in [
            "http://x",
            "smtp://",
            "smtp://u:pw@host",
            "smtp://host:port",
            "host",
        ] {
            assert!(Smtp::parse(bad, "crm@example.com", None).is_err(), "{bad}");
        }
        assert_eq!(
            Smtp::parse("smtp://h", "not an address", None).unwrap_err(),
            MailSettingError::From("not an address".into())
        );
    }

    #[test]
    fn the_password_never_prints() {
        let s = Smtp::parse(
            "smtps://u@h",
            "a@b.example",
            Some(Secret::new("hunter2".into())),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn sms_arguments_are_filled_one_by_one_without_a_shell() {
        let hook =
            SmsHook::new(vec!["send-sms".into(), "--to={to}".into(), "{text}".into()]).unwrap();
        assert_eq!(
            hook.argv("13800138000", "你好; rm -rf / $(x)"),
            vec!["--to=13800138000", "你好; rm -rf / $(x)"]
        );
        assert!(SmsHook::new(vec![]).is_err());
    }
}
