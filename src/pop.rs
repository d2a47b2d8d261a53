//! Handing an incoming call to the screens already open: the TUI of a profile listens on a Unix
//! socket in the user's runtime folder (0700, the socket 0600), `crm pop --phone N` connects and
//! sends the number, and the TUI opens the caller. No listener: `crm pop` opens the screens
//! itself, as before.
//!
//! The protocol is one line each way: the number (at most [`MAX_PHONE`] bytes, no control
//! characters), then `ok` or `error: <why>`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest number accepted, in bytes (an international number with an extension fits).
pub const MAX_PHONE: usize = 64;

/// How long either side waits for the other's line: a peer that says nothing is dropped.
const LINE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum PopError {
    #[error("a phone number is at most {MAX_PHONE} characters")]
    TooLong,
    #[error("a phone number holds no control characters")]
    ControlCharacter,
    #[error("{0:?} is not a phone number; give its digits, like 13812345678")]
    NotAPhone(String),
    #[error("the screens refused the call: {0}")]
    Refused(String),
    #[error("the screens of this profile already listen at {0}")]
    InUse(PathBuf),
    #[error("{path}: {source}; check that this folder is yours and writable")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A number as received: one line of at most [`MAX_PHONE`] bytes of text, no control
/// characters, at least one digit. The caller's number reaches the screen, so nothing in it may
/// act on the terminal.
pub fn decode(line: &[u8]) -> Result<String, PopError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > MAX_PHONE {
        return Err(PopError::TooLong);
    }
    let text = std::str::from_utf8(line).map_err(|_| PopError::NotAPhone("(not text)".into()))?;
    if text.chars().any(crate::text::is_unsafe) {
        return Err(PopError::ControlCharacter);
    }
    let phone = text.trim();
    if !phone.chars().any(|c| c.is_ascii_digit()) {
        return Err(PopError::NotAPhone(phone.to_string()));
    }
    Ok(phone.to_string())
}

/// Where the screens of `profile` (over the data in `data`) listen: the user's runtime folder
/// (`$XDG_RUNTIME_DIR`, else the platform's), else a folder in the data folder. The data
/// folder's hash is in the name, so two data folders (tests, a second install) never meet.
pub fn socket_path(data: &Path, profile: &str) -> PathBuf {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            directories::ProjectDirs::from("", "", "crm")
                .and_then(|p| p.runtime_dir().map(Path::to_path_buf))
        });
    socket_in(runtime.as_deref(), data, profile)
}

/// [`socket_path`] with the runtime folder given (None: none, the data folder's `run`).
pub fn socket_in(runtime: Option<&Path>, data: &Path, profile: &str) -> PathBuf {
    let folder = runtime.map_or_else(|| data.join("run"), |r| r.join("crm"));
    let safe: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    folder.join(format!("pop-{safe}-{:08x}.sock", fnv(data)))
}

/// FNV-1a of a path, for a short stable name (not a secret).
fn fnv(path: &Path) -> u32 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
        })
}

/// Sends `phone` to the screens listening at `path`. `Ok(false)`: nobody listens there.
#[cfg(unix)]
pub fn send(path: &Path, phone: &str) -> Result<bool, PopError> {
    use std::os::unix::net::UnixStream;
    let io = |source| PopError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = match UnixStream::connect(path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(false);
        }
        Err(e) => return Err(io(e)),
    };
    stream.set_read_timeout(Some(LINE_WAIT)).map_err(io)?;
    stream.set_write_timeout(Some(LINE_WAIT)).map_err(io)?;
    stream
        .write_all(format!("{phone}\n").as_bytes())
        .map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream.take(256))
        .read_line(&mut answer)
        .map_err(io)?;
    match answer.trim_end() {
        "ok" => Ok(true),
        other => Err(PopError::Refused(crate::text::sanitize(
            other.strip_prefix("error: ").unwrap_or(other),
        ))),
    }
}

/// The screens' end: a socket file that is removed when this is dropped.
#[cfg(unix)]
pub struct Listener {
    path: PathBuf,
}

#[cfg(unix)]
impl Listener {
    /// Listens at `path` and hands each number received to `deliver` on a thread of its own
    /// (which wakes the screens); a `false` from `deliver` (the screens are gone) stops it. A
    /// socket file nobody listens at (left by a crash) is replaced; one that answers is another
    /// screen's, and this one does not listen.
    pub fn start(
        path: &Path,
        deliver: impl Fn(String) -> bool + Send + 'static,
    ) -> Result<Listener, PopError> {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        use std::os::unix::net::{UnixListener, UnixStream};
        let io = |source| PopError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(folder) = path.parent() {
            crate::private::dir(folder).map_err(|source| PopError::Io {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => {
                if UnixStream::connect(path).is_ok() {
                    return Err(PopError::InUse(path.to_path_buf()));
                }
                // Stale: nobody answers.
                std::fs::remove_file(path).map_err(io)?;
            }
            // Not a socket: not ours to delete.
            Ok(_) => {
                return Err(io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "something that is not a socket is in the way",
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let listener = UnixListener::bind(path).map_err(io)?;
        // The folder is 0700 already; the socket is the owner's alone too.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        std::thread::Builder::new()
            .name("crm-pop".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    if !answer(stream, &deliver) {
                        return;
                    }
                }
            })
            .map_err(io)?;
        Ok(Listener {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads one number from a connection and answers it; false when the screens are gone.
#[cfg(unix)]
fn answer(mut stream: std::os::unix::net::UnixStream, deliver: &impl Fn(String) -> bool) -> bool {
    let _ = stream.set_read_timeout(Some(LINE_WAIT));
    let _ = stream.set_write_timeout(Some(LINE_WAIT));
    let mut line = Vec::new();
    // One byte past the longest line tells a long one from a short one.
    let read = match stream.try_clone() {
        Ok(s) => BufReader::new(s.take(MAX_PHONE as u64 + 3)).read_until(b'\n', &mut line),
        Err(e) => Err(e),
    };
    let reply = match read.map_err(|_| PopError::NotAPhone(String::new())) {
        Ok(_) => decode(&line),
        Err(e) => Err(e),
    };
    let (reply, alive) = match reply {
        Ok(phone) => {
            if deliver(phone) {
                ("ok\n".to_string(), true)
            } else {
                ("error: the screens are closing\n".to_string(), false)
            }
        }
        Err(e) => (format!("error: {e}\n"), true),
    };
    let _ = stream.write_all(reply.as_bytes());
    alive
}

#[cfg(unix)]
impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_number_is_one_short_line_of_text_with_digits() {
        assert_eq!(decode(b"+86 138-1234-5678\n").unwrap(), "+86 138-1234-5678");
        assert_eq!(decode(b" 010 6552 1234\r\n").unwrap(), "010 6552 1234");
        assert!(matches!(
            decode("1".repeat(MAX_PHONE + 1).as_bytes()),
            Err(PopError::TooLong)
        ));
        assert!(decode("1".repeat(MAX_PHONE).as_bytes()).is_ok());
        assert!(matches!(
            decode(b"138\x1b[2J"),
            Err(PopError::ControlCharacter)
        ));
        assert!(matches!(
            decode("138\u{202e}1".as_bytes()),
            Err(PopError::ControlCharacter)
        ));
        assert!(matches!(
            decode(b"138\n99\n"),
            Err(PopError::ControlCharacter)
        ));
        assert!(matches!(decode(b"hello"), Err(PopError::NotAPhone(_))));
        assert!(matches!(decode(b"\xff\xfe1"), Err(PopError::NotAPhone(_))));
    }

    #[test]
    fn profiles_and_data_folders_get_sockets_of_their_own() {
        let run = Some(Path::new("/run/user/1000"));
        let a = socket_in(run, Path::new("/data/a"), "work");
        assert!(a.starts_with("/run/user/1000/crm"), "{}", a.display());
        assert_ne!(a, socket_in(run, Path::new("/data/b"), "work"));
        assert_ne!(a, socket_in(run, Path::new("/data/a"), "home"));
        let fallback = socket_in(None, Path::new("/data/a"), "work");
        assert!(
            fallback.starts_with("/data/a/run"),
            "{}",
            fallback.display()
        );
        let odd = socket_in(run, Path::new("/data/a"), "../x y");
        let name = odd.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("pop-___x_y-"), "{name}");
    }

    #[test]
    fn a_listener_hands_numbers_over_refuses_bad_ones_and_replaces_a_stale_socket() {
        use std::os::unix::net::UnixListener;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run").join("pop.sock");
        assert!(!send(&path, "123").unwrap(), "nobody listens yet");

        // A socket file left by a screen that crashed.
        crate::private::dir(path.parent().unwrap()).unwrap();
        drop(UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        assert!(
            !send(&path, "123").unwrap(),
            "a stale socket answers nothing"
        );

        let (tx, rx) = mpsc::channel();
        let listener = Listener::start(&path, move |p| tx.send(p).is_ok()).unwrap();
        assert_eq!(crate::private::mode(&path).unwrap(), 0o600);
        assert_eq!(crate::private::mode(path.parent().unwrap()).unwrap(), 0o700);
        assert!(send(&path, "13812345678").unwrap());
        assert_eq!(rx.recv().unwrap(), "13812345678");

        // A second screen of the same profile does not take the socket over.
        assert!(matches!(
            Listener::start(&path, |_| true),
            Err(PopError::InUse(_))
        ));
        let refused = send(&path, &"9".repeat(MAX_PHONE + 5)).unwrap_err();
        assert!(refused.to_string().contains("at most"), "{refused}");
        let refused = send(&path, "1\x1b]52;c;x\x07").unwrap_err();
        assert!(refused.to_string().contains("control"), "{refused}");
        assert!(rx.try_recv().is_err(), "nothing bad was handed over");

        drop(listener);
        assert!(!path.exists(), "the socket goes with the screens");
    }
}
