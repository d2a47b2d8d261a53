//! Signing in and out, status, sync and conflicts.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::access::Role;
use serde_json::{Map, Value};

use super::{CliError, Context, output, write_stdout};
use crate::config::StoreChoice;
use crate::credentials;
use crate::replica::{Keep, Replica};
use crate::sync::{self, ApiClient, Progress};

pub fn login_command() -> Command {
    Command::new("login")
        .about("Sign in to a server and keep the token in the OS keyring (or a private file)")
        .arg(
            Arg::new("server")
                .long("server")
                .help("the server's URL [default: the profile's]"),
        )
        .arg(
            Arg::new("user")
                .long("user")
                .help("your username [default: the profile's]"),
        )
        .arg(
            Arg::new("password_stdin")
                .long("password-stdin")
                .action(ArgAction::SetTrue)
                .help("read the password from standard input instead of asking"),
        )
        .arg(
            Arg::new("store")
                .long("store")
                .value_parser(["auto", "keyring", "file"])
                .help("where to keep the token [default: the profile's, else auto]"),
        )
}

pub fn conflicts_command() -> Command {
    Command::new("conflicts")
        .about("Fields you and someone else changed at once")
        .subcommand_required(true)
        .subcommand(Command::new("list").about("List conflicts with both values"))
        .subcommand(
            Command::new("resolve")
                .about("Keep your value or theirs")
                .arg(
                    Arg::new("id")
                        .required(true)
                        .help("the record's number (C000123, T-000123) or id"),
                )
                .arg(
                    Arg::new("keep")
                        .long("keep")
                        .required(true)
                        .value_parser(["mine", "theirs"]),
                )
                .arg(
                    Arg::new("field")
                        .long("field")
                        .help("only this field [default: every field of the record]"),
                ),
        )
}

fn read_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Other(format!("cannot read the password: {e}")))?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return Err(CliError::Usage("no password on standard input".into()));
        }
        return Ok(password);
    }
    rpassword::prompt_password("Password: ")
        .map_err(|e| CliError::Other(format!("cannot read the password: {e}")))
}

fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Keeps the token where the profile says; with `auto`, the keyring when one answers, else a
/// private file once the user agrees. Returns the store used.
pub fn keep_token(
    ctx: &Context,
    choice: StoreChoice,
    token: &str,
    interactive_fallback: bool,
) -> Result<StoreChoice, CliError> {
    let file = ctx.file_store();
    match choice {
        StoreChoice::File => {
            file.set(&ctx.profile_name, token)?;
            Ok(StoreChoice::File)
        }
        StoreChoice::Keyring => {
            credentials::keyring_set(&ctx.profile_name, token)?;
            Ok(StoreChoice::Keyring)
        }
        StoreChoice::Auto => match credentials::keyring_set(&ctx.profile_name, token) {
            Ok(()) => Ok(StoreChoice::Keyring),
            Err(e) => {
                let path = file.path(&ctx.profile_name);
                say!("No OS keyring answered ({e}).");
                let agreed = interactive_fallback
                    && confirm(&format!(
                        "Keep the token in {} instead (readable only by you)?",
                        path.display()
                    ));
                if !agreed {
                    return Err(CliError::Other(
                        "the token was not kept; run `crm login --store file ...` to keep it in a private file".into(),
                    ));
                }
                file.set(&ctx.profile_name, token)?;
                Ok(StoreChoice::File)
            }
        },
    }
}

pub fn login(ctx: &mut Context, m: &ArgMatches) -> Result<(), CliError> {
    let existing = ctx
        .config
        .profiles
        .get(&ctx.profile_name)
        .cloned()
        .unwrap_or_default();
    let server = m
        .get_one::<String>("server")
        .cloned()
        .or(existing.server.clone())
        .ok_or_else(|| {
            CliError::Usage("say which server: --server https://crm.example.com".into())
        })?;
    let username = m
        .get_one::<String>("user")
        .cloned()
        .or(existing.username.clone())
        .ok_or_else(|| CliError::Usage("say who you are: --user NAME".into()))?;
    let choice = match m.get_one::<String>("store").map(String::as_str) {
        Some("file") => StoreChoice::File,
        Some("keyring") => StoreChoice::Keyring,
        Some(_) => StoreChoice::Auto,
        None => existing.credential_store,
    };
    let password = read_password(m.get_flag("password_stdin"))?;
    let ca_file = crate::config::ca_file_override().or_else(|| existing.ca_file.clone());
    let client = ApiClient::trusting(&server, ca_file.as_deref())?;
    let session = ctx.runtime.block_on(client.login(&username, &password))?;
    let used = match keep_token(ctx, choice, &session.token, true) {
        Ok(used) => used,
        Err(e) => {
            // Do not leave a live token behind that nobody holds.
            let _ = ctx
                .runtime
                .block_on(client.clone().with_token(session.token.clone()).logout());
            return Err(e);
        }
    };
    let profile = ctx
        .config
        .profiles
        .entry(ctx.profile_name.clone())
        .or_default();
    profile.server = Some(server.clone());
    profile.username = Some(username.clone());
    profile.credential_store = used;
    if ctx.config.default_profile.is_none() {
        ctx.config.default_profile = Some(ctx.profile_name.clone());
    }
    ctx.config.save(&ctx.dirs)?;
    let display = session
        .user
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or(&username);
    say!(
        "signed in to {server} as {} (profile {}); token kept in the {}",
        crate::text::sanitize(display),
        ctx.profile_name,
        if used == StoreChoice::File {
            "private file store"
        } else {
            "OS keyring"
        }
    );
    let mut replica = ctx.open_replica()?;
    bind(&mut replica, &session.user)?;
    let client = client.with_token(session.token);
    sync_now(ctx, &replica, &client)?;
    index_in_background(ctx, &replica)
}

/// After a first sync the list and search indexes are built from the rows
/// (`replica::list_indexes`, `replica::search_index`): by a
/// process of its own, `crm index-search`, left running at a low priority, so this command ends
/// when the rows are in. The screens build it on a thread if it is not done when they open;
/// until then searches scan the rows.
fn index_in_background(ctx: &Context, replica: &Replica) -> Result<(), CliError> {
    if replica.indexes_ready()? {
        return Ok(());
    }
    let started = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg("--profile")
            .arg(&ctx.profile_name)
            .arg("index-search")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    });
    match started {
        Ok(_) => {
            say!(
                "building the list and search indexes in the background; lists and searches read the rows until they are done"
            )
        }
        Err(e) => say!(
            "could not start the search index build ({e}); the screens build it when they open"
        ),
    }
    Ok(())
}

/// `crm index-search` (not listed): builds the replica's search index to the end, if a build is
/// under way.
pub fn index_search(ctx: &Context) -> Result<(), CliError> {
    let path = ctx.open_replica()?.path().to_path_buf();
    crate::replica::index_search(&path)?;
    Ok(())
}

/// Ties the replica to the signed-in user (a different user's data is cleared first).
pub fn bind(replica: &mut Replica, user: &Map<String, Value>) -> Result<(), CliError> {
    let id = user
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Other("the server's sign-in answer has no user id".into()))?;
    let role = user
        .get("role")
        .and_then(Value::as_str)
        .and_then(Role::parse)
        .unwrap_or(Role::Agent);
    let team = user.get("team_id").and_then(Value::as_str);
    if replica.bind_user(id, role, team)? {
        say!("the local copy is rebuilt for this user's role and team");
    }
    if let Some(Value::Object(caps)) = user.get("capabilities") {
        replica.set_capabilities(caps)?;
    }
    Ok(())
}

/// Pushes pending writes, then pulls, drawing progress on stderr.
pub fn sync_now(ctx: &Context, replica: &Replica, client: &ApiClient) -> Result<(), CliError> {
    let pushed = ctx.runtime.block_on(sync::push(replica, client))?;
    if pushed.sent > 0 {
        say!("sent {} local change(s)", pushed.sent);
    }
    for refused in &pushed.refused {
        say!(
            "refused by the server: {} {}: {}",
            refused.entity.noun(),
            refused.id,
            refused.message
        );
    }
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut last_draw = Instant::now();
    let report = ctx
        .runtime
        .block_on(sync::pull(replica, client, |p: Progress| {
            if tty && (last_draw.elapsed() > Duration::from_millis(100) || !p.more) {
                last_draw = Instant::now();
                eprint!("\r{}", progress_line(&p, started.elapsed()));
                let _ = std::io::stderr().flush();
            }
        }))?;
    if tty {
        eprintln!();
    }
    say!(
        "synced: {} updated, {} removed, {} conflict(s) in {:.1} s",
        report.upserts,
        report.removals,
        report.conflicts.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `syncing  42% [########··········] 126000 records · 38000/s`, redrawn in place; without the
/// percentage and bar when the server does not say how much there is.
fn progress_line(p: &Progress, elapsed: Duration) -> String {
    let rate = p.received as f64 / elapsed.as_secs_f64().max(0.001);
    let state = if p.more { "syncing" } else { "done" };
    let records = match p.expected {
        Some(total) if p.more => format!("{} of {total} records", p.received),
        _ => format!("{} records", p.received),
    };
    match p.fraction() {
        Some(f) => format!("{state} {} {records} · {rate:.0}/s   ", output::bar(f)),
        None => format!("{state}: {records} · {rate:.0}/s   "),
    }
}

pub fn logout_command() -> Command {
    Command::new("logout")
        .about("Revoke the token on the server, forget it here, and offer to remove the local copy")
        .arg(
            Arg::new("remove_data")
                .long("remove-data")
                .action(ArgAction::SetTrue)
                .conflicts_with("keep_data")
                .help("remove this profile's local copy of the data (refused while changes are unsent)"),
        )
        .arg(
            Arg::new("keep_data")
                .long("keep-data")
                .action(ArgAction::SetTrue)
                .help("keep this profile's local copy without asking"),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .requires("remove_data")
                .help("with --remove-data: remove it even with unsent changes (they are lost)"),
        )
}

/// What `crm logout` does with the local copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataChoice {
    Keep,
    Remove,
    Ask,
}

/// Unsent changes in the profile's outbox (a damaged outbox moved aside counts as one: it may
/// hold some); None when the profile has no local copy.
fn unsent_writes(ctx: &Context) -> Result<Option<usize>, CliError> {
    let path = ctx.dirs.replica(&ctx.profile_name);
    let folder = path.parent().map(std::path::Path::to_path_buf);
    if !folder.as_deref().is_some_and(std::path::Path::exists) {
        return Ok(None);
    }
    let damaged = std::fs::read_dir(folder.as_deref().unwrap_or(&path))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains(".outbox.damaged-"))
                .count()
        })
        .unwrap_or(0);
    let outbox = if path.exists() || crate::replica::outbox_path(&path).exists() {
        ctx.open_replica()?.outbox()?.len()
    } else {
        0
    };
    Ok(Some(outbox + damaged))
}

/// Removes the profile's folder: the replica, its outbox and everything SQLite keeps beside them.
fn remove_local_copy(ctx: &Context) -> Result<(), CliError> {
    let path = ctx.dirs.replica(&ctx.profile_name);
    let Some(folder) = path.parent() else {
        return Ok(());
    };
    match std::fs::remove_dir_all(folder) {
        Ok(()) => {
            say!("removed the local copy in {}", folder.display());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::Other(format!(
            "cannot remove the local copy {}: {e}; remove it by hand",
            folder.display()
        ))),
    }
}

pub fn logout(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let choice = if m.get_flag("remove_data") {
        DataChoice::Remove
    } else if m.get_flag("keep_data") {
        DataChoice::Keep
    } else {
        DataChoice::Ask
    };
    let force = m.get_flag("force");
    let unsent = if choice == DataChoice::Keep {
        None
    } else {
        unsent_writes(ctx)?
    };
    // Refused before anything is signed out, so the user can still sync what is waiting.
    if choice == DataChoice::Remove && !force && unsent.is_some_and(|n| n > 0) {
        return Err(CliError::Usage(format!(
            "{} unsent change(s) in profile {}: run `crm sync` first, or `crm logout --remove-data --force` to drop them",
            unsent.unwrap_or_default(),
            ctx.profile_name
        )));
    }
    sign_out(ctx)?;
    match (choice, unsent) {
        (DataChoice::Keep, _) | (_, None) => Ok(()),
        (DataChoice::Remove, Some(_)) => remove_local_copy(ctx),
        (DataChoice::Ask, Some(n)) if n > 0 => {
            say!(
                "the local copy is kept: it holds {n} unsent change(s); `crm sync` after signing in sends them, `crm logout --remove-data --force` drops them"
            );
            Ok(())
        }
        (DataChoice::Ask, Some(_)) => {
            let folder = ctx.dirs.replica(&ctx.profile_name);
            let folder = folder.parent().unwrap_or(&folder);
            if confirm(&format!(
                "Remove the local copy of the data in {}?",
                folder.display()
            )) {
                remove_local_copy(ctx)
            } else {
                say!(
                    "the local copy is kept in {}; `crm logout --remove-data` removes it",
                    folder.display()
                );
                Ok(())
            }
        }
    }
}

/// Revokes the token on the server (when it answers) and forgets it here.
fn sign_out(ctx: &Context) -> Result<(), CliError> {
    match ctx.client() {
        Ok(client) => match ctx.runtime.block_on(client.logout()) {
            Ok(()) => say!("the token is revoked on the server"),
            Err(e) => {
                say!("could not revoke the token on the server ({e}); it expires on its own")
            }
        },
        Err(CliError::NotSignedIn(_)) => {
            say!("profile {} was not signed in", ctx.profile_name)
        }
        Err(e) => return Err(e),
    }
    let _ = credentials::keyring_delete(&ctx.profile_name);
    ctx.file_store().delete(&ctx.profile_name)?;
    say!("signed out of profile {}", ctx.profile_name);
    Ok(())
}

pub fn status(ctx: &Context) -> Result<(), CliError> {
    let profile = ctx.profile()?;
    let replica = ctx.open_replica()?;
    let state = replica.status()?;
    let token = ctx.token()?;
    let store = match &token {
        Some((_, store)) => store.to_string(),
        None => "none (not signed in)".into(),
    };
    let online = match (&token, ctx.client()) {
        (Some(_), Ok(client)) => {
            match ctx
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(3), client.me()).await })
            {
                Ok(Ok(me)) => format!(
                    "online as {} ({})",
                    me.get("username").and_then(Value::as_str).unwrap_or("?"),
                    me.get("role").and_then(Value::as_str).unwrap_or("?")
                ),
                Ok(Err(e)) => format!("not connected: {e}"),
                Err(_) => "not connected: the server did not answer in 3 s".into(),
            }
        }
        _ => "not signed in".into(),
    };
    let zone = ctx.zone()?;
    let last_sync = state
        .last_sync_at
        .map(|t| {
            output::local_time(&Value::String(t.clone()), zone)
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or(t)
        })
        .unwrap_or_else(|| "never".into());
    let rows: Vec<(&str, String)> = vec![
        ("profile", ctx.profile_name.clone()),
        ("server", profile.server.unwrap_or_else(|| "-".into())),
        ("user", profile.username.unwrap_or_else(|| "-".into())),
        ("connection", online),
        ("credential store", store),
        ("time zone", zone.name().to_string()),
        ("last sync", last_sync),
        ("cursor", state.cursor.to_string()),
        ("pending writes", state.pending_writes.to_string()),
        ("refused writes", state.failed_writes.to_string()),
        ("conflicts", state.conflicts.to_string()),
        ("replica", replica.path().display().to_string()),
    ];
    let rows: Vec<Map<String, Value>> = rows
        .into_iter()
        .map(|(k, v)| {
            let mut m = Map::new();
            m.insert("what".into(), Value::String(k.into()));
            m.insert("state".into(), Value::String(v));
            m
        })
        .collect();
    write_stdout(&output::table(&["what", "state"], &rows, 100))?;
    for entry in replica.outbox()?.iter().filter(|e| e.last_error.is_some()) {
        say!(
            "{} of {} {}: {}",
            entry.op.as_str(),
            entry.entity.noun(),
            replica.entry_label(entry)?,
            entry.last_error.as_deref().unwrap_or_default()
        );
    }
    if state.failed_writes > 0 {
        say!(
            "`crm outbox list` shows the refused writes; `crm outbox retry` or `discard` settles them"
        );
    }
    Ok(())
}

pub fn sync_command() -> Command {
    Command::new("sync")
        .about("Send local changes and fetch the server's")
        .arg(
            Arg::new("full")
                .long("full")
                .action(ArgAction::SetTrue)
                .help("rebuild the replica from scratch (unsent changes are kept)"),
        )
}

pub fn sync(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let client = ctx.client()?;
    let mut replica = ctx.open_replica()?;
    if m.get_flag("full") {
        replica.rebuild()?;
        say!("the replica was emptied; fetching everything");
    }
    // Signed in and online: who the user is now (role, team, what they may do) is refreshed.
    let me = ctx.runtime.block_on(client.me())?;
    bind(&mut replica, &me)?;
    replica.retry_now()?;
    sync_now(ctx, &replica, &client)?;
    index_in_background(ctx, &replica)
}

pub fn conflicts(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let replica = ctx.open_replica()?;
    match m.subcommand() {
        Some(("resolve", m)) => {
            let id = m
                .get_one::<String>("id")
                .map(String::as_str)
                .unwrap_or_default();
            let keep = if m.get_one::<String>("keep").map(String::as_str) == Some("mine") {
                Keep::Mine
            } else {
                Keep::Theirs
            };
            let conflict = replica
                .conflicts()?
                .into_iter()
                .find(|c| {
                    c.id == id
                        || c.id.starts_with(id)
                        || replica
                            .get(c.entity, &c.id)
                            .ok()
                            .flatten()
                            .and_then(|r| {
                                let number = c.entity.descriptor().number?;
                                Some(r.text(number) == Some(id))
                            })
                            .unwrap_or(false)
                })
                .ok_or_else(|| {
                    CliError::NotFound(format!(
                        "no conflict on {id}; `crm conflicts list` shows them"
                    ))
                })?;
            match m.get_one::<String>("field") {
                Some(field) => replica.resolve_field(conflict.entity, &conflict.id, field, keep)?,
                None => replica.resolve(conflict.entity, &conflict.id, keep)?,
            };
            let label = replica
                .get(conflict.entity, &conflict.id)?
                .map(|r| crate::replica::record_label(conflict.entity, &r.fields))
                .unwrap_or_else(|| conflict.id.clone());
            ctx.after_write(
                &replica,
                &format!("resolved {} {label}", conflict.entity.noun()),
            )
        }
        _ => {
            let zone = ctx.zone()?;
            let mut rows: Vec<Map<String, Value>> = Vec::new();
            for c in replica.conflicts()? {
                let record = replica.get(c.entity, &c.id)?;
                let label = record
                    .as_ref()
                    .map(|r| crate::replica::record_label(c.entity, &r.fields))
                    .unwrap_or_else(|| c.id.clone());
                // The view keeps the server's system fields: who changed the server's copy, when.
                let at = record
                    .as_ref()
                    .and_then(|r| r.get("updated_at"))
                    .and_then(|t| output::local_time(t, zone))
                    .and_then(|t| t.as_str().map(String::from));
                let who = match record.as_ref().and_then(|r| r.text("updated_by")) {
                    Some(id) => replica
                        .get(crm_server::schema::Entity::Users, id)?
                        .and_then(|u| crate::replica::user_name(Some(&u.fields))),
                    None => None,
                };
                let changed = crate::replica::changed_by(who.as_deref(), at.as_deref());
                let mut m = Map::new();
                m.insert("entity".into(), Value::String(c.entity.noun().into()));
                m.insert("record".into(), Value::String(label));
                m.insert("field".into(), Value::String(c.field));
                m.insert("mine".into(), c.mine);
                m.insert("theirs".into(), c.theirs);
                m.insert("changed on the server".into(), Value::String(changed));
                rows.push(m);
            }
            if rows.is_empty() {
                say!("no conflicts");
                return Ok(());
            }
            write_stdout(&output::table(
                &[
                    "entity",
                    "record",
                    "field",
                    "mine",
                    "theirs",
                    "changed on the server",
                ],
                &rows,
                40,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(received: usize, expected: Option<usize>, cursor: i64, latest: i64) -> Progress {
        Progress {
            received,
            cursor,
            start: 0,
            latest,
            expected,
            first_sync: true,
            more: true,
        }
    }

    #[test]
    fn the_progress_line_shows_how_far_a_sync_has_come() {
        let second = Duration::from_secs(1);
        let snapshot = progress_line(&progress(50_000, Some(200_000), 0, 900), second);
        assert!(
            snapshot.starts_with("syncing  25% [#####···············] 50000 of 200000 records"),
            "{snapshot}"
        );
        let feed = progress_line(&progress(10, None, 150, 200), second);
        assert!(
            feed.starts_with("syncing  75% [###############·····] 10 records"),
            "{feed}"
        );
        let unknown = progress_line(&progress(10, None, 150, 0), second);
        assert!(
            unknown.starts_with("syncing: 10 records · 10/s"),
            "{unknown}"
        );
        let done = Progress {
            more: false,
            ..progress(200_000, Some(200_000), 900, 900)
        };
        assert!(progress_line(&done, second).starts_with("done 100% [####################]"));
    }
}
