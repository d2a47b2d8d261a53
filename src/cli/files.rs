//! `crm files …`: files attached to records (a contract scan, a specification, a site photo).
//!
//! - `attach RECORD FILE [--name] [--notes]`: the bytes uploaded to the server (which checks
//!   the size limit and the kind), then a sync brings the file's record back;
//! - `list RECORD`: the record's files from the replica (offline too), `local` when the bytes
//!   are kept here;
//! - `get ID [--out PATH]`: the bytes downloaded (once: they are kept under the profile's
//!   `files/` folder by their SHA-256 and checked against it), or copied to PATH (0600);
//! - `open ID`: fetched as `get`, then handed to the system's opener (`xdg-open`, `open` on
//!   macOS, or the program `CRM_OPENER` names), the path one argument, never a shell's;
//! - `rm ID`: removed like any record, through the outbox;
//! - `sweep`: an admin has the server remove now the bytes no file record names any more.
//!
//! RECORD is a number (C000123, T-000123, Q-…, O-…, K-…, L-…, KB-…) or a record's id.

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::blobs::BlobStore;
use crm_server::rules::numbers::Number;
use crm_server::schema::{ATTACHABLE, Entity};
use serde_json::{Map, Value, json};

use super::output::{self, Format};
use super::{CliError, Context};
use crate::replica::{LocalQuery, Record, Replica};

/// The program that opens a file for the user instead of the system's (tests, other desktops).
pub const OPENER_VAR: &str = "CRM_OPENER";

pub fn command() -> Command {
    let id = || {
        Arg::new("id")
            .required(true)
            .help("the file's id (crm files list RECORD shows it)")
    };
    let record = || {
        Arg::new("record").required(true).help(
            "the record: a number (C000123, T-000123, Q-000123, O-…, K-…, L-…, KB-…) or an id",
        )
    };
    Command::new("files")
        .about("Files attached to records: attach, list, get, open, rm")
        .subcommand_required(true)
        .subcommand(
            Command::new("attach")
                .about(
                    "Attach a file to a record (uploaded now: the server checks its size and kind)",
                )
                .arg(record())
                .arg(Arg::new("file").required(true).help("the file to attach"))
                .arg(
                    Arg::new("name")
                        .long("name")
                        .help("the name it is shown by [default: the file's]"),
                )
                .arg(Arg::new("notes").long("notes").help("a note kept with it")),
        )
        .subcommand(
            Command::new("list")
                .about("A record's files (from the local copy)")
                .arg(record())
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(clap::builder::EnumValueParser::<Format>::new())
                        .default_value("table")
                        .help("table for people; json or csv for programs"),
                ),
        )
        .subcommand(
            Command::new("get")
                .about("Download a file's bytes and keep them here; prints where")
                .arg(id())
                .arg(
                    Arg::new("out")
                        .long("out")
                        .short('o')
                        .help("copy it to this file (made 0600; an existing file is not replaced)"),
                ),
        )
        .subcommand(
            Command::new("open")
                .about("Open a file with the system's opener (downloaded first when not kept here)")
                .arg(id()),
        )
        .subcommand(Command::new("sweep").about(
            "Admins: remove now the stored bytes no file record names any more (the server does it hourly)",
        ))
        .subcommand(
            Command::new("rm")
                .about("Remove a file from its record")
                .arg(id())
                .arg(
                    Arg::new("yes")
                        .long("yes")
                        .action(ArgAction::SetTrue)
                        .help("no question asked"),
                ),
        )
}

pub fn run(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let arg = |m: &ArgMatches, name: &str| m.get_one::<String>(name).cloned().unwrap_or_default();
    let replica = ctx.open_replica()?;
    match m.subcommand() {
        Some(("attach", m)) => attach(
            ctx,
            &replica,
            &arg(m, "record"),
            Path::new(&arg(m, "file")),
            m,
        ),
        Some(("list", m)) => {
            let format = m
                .get_one::<Format>("format")
                .copied()
                .unwrap_or(Format::Table);
            list(ctx, &replica, &arg(m, "record"), format)
        }
        Some(("get", m)) => {
            let kept = fetch(ctx, &replica, &arg(m, "id"))?;
            match m.get_one::<String>("out") {
                Some(out) => {
                    copy_private(&kept, Path::new(out))?;
                    say!("saved {out}");
                }
                None => super::write_stdout(&format!("{}\n", kept.display()))?,
            }
            Ok(())
        }
        Some(("open", m)) => {
            let id = arg(m, "id");
            let file = file_record(&replica, &id)?;
            let kept = fetch(ctx, &replica, &id)?;
            let named = named_copy(ctx, &file, &kept)?;
            open_with_system(&named)
        }
        Some(("rm", m)) => {
            let file = file_record(&replica, &arg(m, "id"))?;
            replica.delete(Entity::Files, &file.id)?;
            let name = file
                .fields
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("");
            ctx.after_write(&replica, &format!("removed {name}"))
        }
        Some(("sweep", _)) => {
            let answer = super::marketing::online(ctx, "/files/sweep", Some(&json!({})))?;
            let count = |f: &str| answer.get(f).and_then(Value::as_u64).unwrap_or(0);
            say!(
                "removed the bytes of {} of {} stored files no record names",
                count("removed"),
                count("stored")
            );
            Ok(())
        }
        _ => Err(CliError::Usage(
            "say what to do: attach, list, get, open, rm or sweep".into(),
        )),
    }
}

/// The record RECORD names: a number, or an id of any record files attach to.
pub fn target(replica: &Replica, key: &str) -> Result<Record, CliError> {
    let key = key.trim();
    if let Some(number) = Number::parse(key) {
        let entity = number.entity();
        let query = LocalQuery {
            filters: vec![(
                number.field().to_string(),
                Value::String(key.to_uppercase()),
            )],
            sort: Some("created_at".into()),
            descending: true,
            limit: 1,
            ..LocalQuery::default()
        };
        return replica
            .list(entity, &query)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                CliError::NotFound(format!("no {} {key} here (try crm sync)", entity.noun()))
            });
    }
    if uuid::Uuid::parse_str(key).is_ok() {
        for name in ATTACHABLE {
            if let Some(entity) = Entity::from_name(name)
                && let Some(record) = replica.get(entity, key)?
            {
                return Ok(record);
            }
        }
    }
    Err(CliError::NotFound(format!(
        "no record {key:?} here: name it by its number (C000123, T-000123, Q-…) or id"
    )))
}

fn file_record(replica: &Replica, id: &str) -> Result<Record, CliError> {
    replica.get(Entity::Files, id.trim())?.ok_or_else(|| {
        CliError::NotFound(format!(
            "no file {id} here (crm files list RECORD shows them)"
        ))
    })
}

/// Where this profile keeps the files it fetched: `files/` beside its replica.
fn store(ctx: &Context) -> Result<BlobStore, CliError> {
    let replica = ctx.dirs.replica(&ctx.profile_name);
    let dir = replica.parent().unwrap_or(Path::new(".")).join("files");
    BlobStore::open(&dir)
        .map_err(|e| CliError::Other(format!("cannot keep files in {}: {e}", dir.display())))
}

fn attach(
    ctx: &Context,
    replica: &Replica,
    key: &str,
    path: &Path,
    m: &ArgMatches,
) -> Result<(), CliError> {
    let record = target(replica, key)?;
    let name = match m.get_one::<String>("name") {
        Some(name) => name.clone(),
        None => path
            .file_name()
            .and_then(|n| n.to_str())
            .map(String::from)
            .ok_or_else(|| {
                CliError::Usage(format!("{} names no file; give --name", path.display()))
            })?,
    };
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Other(format!("cannot read {}: {e}", path.display())))?;
    let client = ctx.client()?;
    let notes = m.get_one::<String>("notes").map(String::as_str);
    let file =
        ctx.runtime
            .block_on(client.upload_file(record.entity, &record.id, &name, notes, bytes))?;
    // The file's record reaches the replica as any other: by the feed.
    ctx.runtime
        .block_on(crate::sync::pull(replica, &client, |_| {}))?;
    let text = |f: &str| {
        file.get(f)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let size = file.get("size").and_then(Value::as_u64).unwrap_or(0);
    say!(
        "attached {} ({}, {}) to {} {key}: file {}",
        text("name"),
        crm_server::error::human_bytes(size),
        text("content_type"),
        record.entity.noun(),
        text("id")
    );
    Ok(())
}

fn list(ctx: &Context, replica: &Replica, key: &str, format: Format) -> Result<(), CliError> {
    let record = target(replica, key)?;
    let query = LocalQuery {
        filters: vec![("record_id".into(), Value::String(record.id.clone()))],
        limit: 10_000,
        ..LocalQuery::default()
    };
    let files = replica.list(Entity::Files, &query)?;
    let store = store(ctx)?;
    let zone = ctx.zone()?;
    let rows: Vec<Map<String, Value>> = files
        .iter()
        .map(|f| {
            let text = |k: &str| {
                f.fields
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let size = f.fields.get("size").and_then(Value::as_u64).unwrap_or(0);
            let by = f
                .fields
                .get("created_by")
                .and_then(Value::as_str)
                .and_then(|u| replica.get(Entity::Users, u).ok().flatten())
                .and_then(|u| crate::replica::user_name(Some(&u.fields)))
                .unwrap_or_default();
            let added = f
                .fields
                .get("created_at")
                .and_then(|v| output::local_time(v, zone))
                .unwrap_or(Value::Null);
            let mut row = Map::new();
            row.insert("id".into(), json!(f.id));
            row.insert("name".into(), json!(text("name")));
            match format {
                Format::Table => {
                    row.insert("size".into(), json!(crm_server::error::human_bytes(size)))
                }
                _ => row.insert("size".into(), json!(size)),
            };
            row.insert("type".into(), json!(text("content_type")));
            row.insert("added".into(), added);
            row.insert("by".into(), json!(by));
            row.insert("local".into(), json!(store.has(&text("sha256"))));
            row.insert("notes".into(), json!(text("notes")));
            if format != Format::Table {
                row.insert("sha256".into(), json!(text("sha256")));
            }
            row
        })
        .collect();
    let columns: &[&str] = match format {
        Format::Table => &[
            "id", "name", "size", "type", "added", "by", "local", "notes",
        ],
        _ => &[
            "id", "name", "size", "type", "added", "by", "local", "notes", "sha256",
        ],
    };
    let text = match format {
        Format::Table => {
            if rows.is_empty() {
                say!("no files on {} {key}", record.entity.noun());
                return Ok(());
            }
            output::table(columns, &rows, 40)
        }
        Format::Csv => output::csv(columns, &rows),
        Format::Json => {
            output::json(&rows, true).map_err(|e| CliError::Other(e.to_string()))? + "\n"
        }
    };
    super::write_stdout(&text)
}

/// The file's bytes kept here: downloaded unless they already are, checked against the digest
/// its record names (bytes that differ are dropped, never shown).
pub fn fetch(ctx: &Context, replica: &Replica, id: &str) -> Result<PathBuf, CliError> {
    let file = file_record(replica, id)?;
    let digest = file
        .fields
        .get("sha256")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let store = store(ctx)?;
    if store.has(&digest) {
        // Kept bytes are checked again: a copy changed on disk is fetched afresh.
        let path = store.path(&digest);
        if crm_server::blobs::digest_of(&path).is_ok_and(|d| d == digest) {
            return Ok(path);
        }
        let _ = std::fs::remove_file(&path);
    }
    let client = ctx.client()?;
    let mut incoming = store
        .begin()
        .map_err(|e| CliError::Other(format!("cannot keep the file: {e}")))?;
    ctx.runtime
        .block_on(client.download_file(&file.id, |bytes| incoming.write(bytes)))?;
    let kept = store
        .keep(incoming)
        .map_err(|e| CliError::Other(format!("cannot keep the file: {e}")))?;
    if kept.sha256 != digest {
        let _ = std::fs::remove_file(store.path(&kept.sha256));
        return Err(CliError::Other(format!(
            "the server sent other bytes than file {} names (SHA-256 {digest}); nothing was kept",
            file.id
        )));
    }
    Ok(store.path(&digest))
}

/// Copies `from` to `to`, made 0600 before a byte is written; an existing `to` stays.
fn copy_private(from: &Path, to: &Path) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Other(format!("cannot write {}: {e}", to.display()));
    if to.exists() {
        return Err(CliError::Usage(format!(
            "{} exists; name another --out",
            to.display()
        )));
    }
    crate::private::file(to).map_err(fail)?;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(to)
        .map_err(fail)?;
    std::io::copy(&mut std::fs::File::open(from).map_err(fail)?, &mut out).map_err(fail)?;
    Ok(())
}

/// A file name safe to make on disk from what a user typed: no folders, no control or bidi
/// characters, no leading dot or dash.
fn safe_file_name(name: &str) -> String {
    let cleaned: String = crate::text::sanitize(name)
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches(['.', '-']).to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// The kept bytes under the file's own name (an opener tells the kind by it): a link in
/// `files/open/<id>/`, 0700 folders, the bytes' 0600.
fn named_copy(ctx: &Context, file: &Record, kept: &Path) -> Result<PathBuf, CliError> {
    let name = file
        .fields
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("file");
    let store = store(ctx)?;
    let dir = store.dir().join("open").join(&file.id);
    let fail =
        |e: std::io::Error| CliError::Other(format!("cannot prepare {}: {e}", dir.display()));
    crate::private::dir(&dir).map_err(fail)?;
    let path = dir.join(safe_file_name(name));
    if !path.exists() && std::fs::hard_link(kept, &path).is_err() {
        copy_private(kept, &path)?;
    }
    Ok(path)
}

/// The program and its first arguments that open files: `CRM_OPENER` (split on white space),
/// else the system's.
fn opener() -> Vec<String> {
    if let Some(words) = std::env::var(OPENER_VAR)
        .ok()
        .map(|v| v.split_whitespace().map(String::from).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
    {
        return words;
    }
    if cfg!(target_os = "macos") {
        vec!["open".into()]
    } else if cfg!(windows) {
        vec!["explorer".into()]
    } else {
        vec!["xdg-open".into()]
    }
}

/// Hands `path` to the opener as one argument, no shell in between.
pub fn open_with_system(path: &Path) -> Result<(), CliError> {
    let words = opener();
    let (program, args) = words
        .split_first()
        .ok_or_else(|| CliError::Other("no opener".into()))?;
    let status = std::process::Command::new(program)
        .args(args)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| {
            CliError::Other(format!(
                "cannot run {program} to open {}: {e}; set {OPENER_VAR} to the program that opens files",
                path.display()
            ))
        })?;
    if !status.success() {
        return Err(CliError::Other(format!(
            "{program} could not open {} ({status})",
            path.display()
        )));
    }
    say!("opened {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_typed_by_users_make_no_paths_or_options() {
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("-rf 合同.pdf"), "rf 合同.pdf");
        assert_eq!(safe_file_name("a\u{202e}fdp.exe"), "afdp.exe");
        assert_eq!(safe_file_name("..."), "file");
    }
}
