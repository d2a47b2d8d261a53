//! Opening the screens: the TUI over the profile's replica, with the live sync task beside it,
//! listening for calls `crm pop` hands over; `crm pop` hands its call to those screens when
//! they are open.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgMatches, Command};

use super::{CliError, Context, account};
use crate::replica::local_writes;
use crate::sync::{LiveSettings, spawn_live_with};
use crate::tui::{self, Pane, ReplicaSource, TuiOptions};

pub fn pop_command() -> Command {
    Command::new("pop")
        .about("Open the screens on the caller with this phone number (for a phone system)")
        .arg(
            Arg::new("phone")
                .long("phone")
                .required(true)
                .help("the caller's number, in any format"),
        )
}

pub fn pop(ctx: &Context, m: &ArgMatches) -> Result<(), CliError> {
    let phone = m.get_one::<String>("phone").cloned().unwrap_or_default();
    // The same check the screens make of a number handed to them.
    let phone = crate::pop::decode(phone.as_bytes()).map_err(|e| CliError::Usage(e.to_string()))?;
    // Screens already open for this profile take the call: no second process, no second sync.
    let socket = crate::pop::socket_path(&ctx.dirs.data, &ctx.profile_name);
    #[cfg(unix)]
    match crate::pop::send(&socket, &phone) {
        Ok(true) => return Ok(()),
        Ok(false) => {}
        Err(e @ (crate::pop::PopError::TooLong | crate::pop::PopError::ControlCharacter)) => {
            return Err(CliError::Usage(e.to_string()));
        }
        Err(e) => return Err(CliError::Other(e.to_string())),
    }
    open(ctx, Some(phone), Pane::Customers)
}

/// Runs the TUI for the context's profile until the user quits. A replica that never synced is
/// filled first (with a progress line); after that the screens never wait for the network.
pub fn open(ctx: &Context, pop: Option<String>, pane: Pane) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() {
        return Err(CliError::Usage(
            "the screens need a terminal; for scripts, use the commands in `crm --help`".into(),
        ));
    }
    let profile = ctx.profile()?;
    let username = profile
        .username
        .clone()
        .ok_or_else(|| CliError::NotSignedIn(ctx.profile_name.clone()))?;
    let client = ctx.client()?;
    let mut replica = ctx.open_replica()?;
    if replica.user_id()?.is_none() || replica.cursor()? == 0 {
        let me = ctx.runtime.block_on(client.me())?;
        account::bind(&mut replica, &me)?;
        account::sync_now(ctx, &replica, &client)?;
    } else if !replica.knows_capabilities()? {
        // Signed in before the server said what the role may do: ask once, briefly; offline,
        // every key stays offered and the server decides.
        let asked = ctx
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(2), client.me()).await });
        if let Ok(Ok(me)) = asked {
            account::bind(&mut replica, &me)?;
        }
    }
    let path = replica.path().to_path_buf();
    // A first sync's search index not built yet (by `crm index-search`, or a stopped build):
    // built here beside the screens, which scan for searches until it is done.
    if !replica.indexes_ready()? {
        let _ = crate::replica::spawn_search_indexer(path.clone());
    }
    let wake = local_writes(&path);
    let options = TuiOptions {
        profile: ctx.profile_name.clone(),
        username,
        theme: profile
            .theme
            .clone()
            .unwrap_or_else(|| tui::theme::DEFAULT_THEME.into()),
        theme_dir: Some(ctx.dirs.config.join("themes")),
        keymap: profile.keys.clone(),
        initial_pane: pane,
        pop,
        zone: ctx.zone()?,
        language: profile.language.clone(),
        dial_command: profile.dial_command.clone().unwrap_or_default(),
        bell: profile.bell,
        pop_socket: Some(crate::pop::socket_path(&ctx.dirs.data, &ctx.profile_name)),
        sync_now: Some(Arc::new(move || wake.notify_one())),
        ..TuiOptions::default()
    };
    // What only the server answers (the duplicate queue over its whole table) is asked on the
    // screens' reader threads, with the signed-in client.
    let server = tui::ServerReads {
        client: client.clone(),
        runtime: ctx.runtime.handle().clone(),
    };
    let (events, received) = tokio::sync::mpsc::channel(256);
    let live = if profile.sync.live {
        let _runtime = ctx.runtime.enter();
        let settings = LiveSettings {
            wait: Duration::from_secs(profile.sync.wait_seconds.clamp(1, 55)),
            ..LiveSettings::default()
        };
        Some(spawn_live_with(path, client, events, settings))
    } else {
        drop(events);
        None
    };
    let result = tui::run(
        options,
        Box::new(ReplicaSource::new(replica).with_server(server)),
        Some(received),
    );
    if let Some(task) = live {
        task.abort();
    }
    // What is left unsent is said in words, never by outbox numbers or ids.
    if let Ok(status) = ctx.open_replica().and_then(|r| Ok(r.status()?)) {
        for line in leaving_words(status.pending_writes, status.failed_writes) {
            say!("{line}");
        }
    }
    result.map_err(|e| CliError::Other(format!("the screens stopped: {e:#}")))
}

/// What quitting says about writes not yet accepted by the server.
pub fn leaving_words(pending: usize, refused: usize) -> Vec<String> {
    let changes = |n: usize| format!("{n} change{}", if n == 1 { "" } else { "s" });
    let mut out = Vec::new();
    if pending > 0 {
        out.push(format!(
            "{} not yet sent — they are kept and will be sent when you are online",
            changes(pending)
        ));
    }
    if refused > 0 {
        out.push(format!(
            "{} refused by the server — kept until you fix or discard them (:outbox, or `crm outbox list`)",
            changes(refused)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::leaving_words;

    #[test]
    fn quitting_counts_what_is_unsent_in_words() {
        assert!(leaving_words(0, 0).is_empty());
        assert_eq!(
            leaving_words(3, 0),
            ["3 changes not yet sent — they are kept and will be sent when you are online"]
        );
        let both = leaving_words(1, 2);
        assert!(both[0].starts_with("1 change not yet sent"), "{both:?}");
        assert!(both[1].starts_with("2 changes refused"), "{both:?}");
    }
}
