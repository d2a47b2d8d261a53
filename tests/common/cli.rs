//! The `crm` binary run as a script runs it: a home of its own (config and data folders), no
//! profile, token or server from the environment.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use super::{PASSWORD, TestServer};

pub struct Crm {
    pub home: tempfile::TempDir,
}

impl Crm {
    pub fn new() -> Crm {
        Crm {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
        cmd.args(args)
            .env("CRM_CONFIG_DIR", self.home.path().join("config"))
            .env("CRM_DATA_DIR", self.home.path().join("data"))
            .env_remove("CRM_PROFILE")
            .env_remove("CRM_TOKEN")
            .env_remove("CRM_SERVER")
            .env_remove("CRM_USER")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run crm")
    }

    pub fn login(&self, server: &TestServer, user: &str) -> Output {
        let mut child = self
            .command(&[
                "login",
                "--server",
                &server.url(),
                "--user",
                user,
                "--password-stdin",
                "--store",
                "file",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn crm login");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .expect("write password");
        child.wait_with_output().expect("crm login")
    }
}

/// Output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The standard output of a run that must succeed; the whole output when it did not.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "crm failed ({:?}): {}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}
