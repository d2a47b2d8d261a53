//! `crm demo`: the whole product on one machine with nothing to configure — the server
//! in-process on a loopback port with its own database, demo data, a signed-in profile.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::schema::Entity;
use crm_server::store::{self, ListQuery};

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crm_server::seed::SeedProgress;

use super::{CliError, Context, account, output, screen};
use crate::config::StoreChoice;
use crate::sync::ApiClient;
use crate::tui::Pane;

pub const PROFILE: &str = "demo";

pub fn command() -> Command {
    Command::new("demo")
        .about("Run a demo server with demo data and sign in to it (profile `demo`)")
        .arg(
            Arg::new("customers")
                .long("customers")
                .value_parser(clap::value_parser!(usize))
                .default_value("2000")
                .help("how many customers to seed into an empty demo database"),
        )
        .arg(
            Arg::new("user")
                .long("user")
                .default_value("demo")
                .help("the demo user to sign in as: demo (admin), wang (manager), li, zhang, emma (sales), chen, liu (agents)"),
        )
        .arg(
            Arg::new("listen")
                .long("listen")
                .default_value("127.0.0.1:0")
                .help("where the demo server listens (port 0: any free port)"),
        )
        .arg(
            Arg::new("server_only")
                .long("server-only")
                .action(ArgAction::SetTrue)
                .help("do not open the screens: print where the server is and stay up"),
        )
}

fn failed<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> CliError + '_ {
    move |e| CliError::Other(format!("{what}: {e}"))
}

/// A running demo: the server's address and the signed-in profile's replica.
pub struct Running {
    pub url: String,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens (seeding when empty) the demo database, serves it, signs in as `demo`, syncs.
pub fn start(
    ctx: &mut Context,
    customers: usize,
    listen: &str,
    user: &str,
) -> Result<Running, CliError> {
    let db_path = ctx.dirs.demo_db();
    // Demo customers are data like any other: the server's database lives in a folder only its
    // owner may enter, and is tightened once open (SQLite makes the WAL with its mode).
    let private = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| CliError::Other(format!("cannot use {}: {e}", path.display()))
    };
    if let Some(dir) = db_path.parent() {
        crate::private::dir(dir).map_err(private(dir))?;
    }
    let db = crm_server::open_sqlite(&db_path).map_err(failed("cannot open the demo database"))?;
    crate::private::existing_database(&db_path).map_err(private(&db_path))?;
    let any = ListQuery {
        sort: "name",
        limit: 1,
        ..ListQuery::default()
    };
    let empty = store::read(db.as_ref(), |tx| tx.list(Entity::Customers, &any, None))
        .map_err(failed("cannot read the demo database"))?
        .is_empty();
    let db = if empty {
        say!("seeding the demo database with {customers} customers…");
        let started = Instant::now();
        // A bar only where someone watches; a log or a pipe gets the report alone.
        let tty = std::io::stderr().is_terminal();
        let mut last_draw: Option<Instant> = None;
        let report = crm_server::seed::demo_with_progress(db.as_ref(), customers, &mut |p| {
            let last = matches!(p, SeedProgress::Finishing);
            if tty && (last || last_draw.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)))
            {
                last_draw = Some(Instant::now());
                eprint!("\r{}", seed_line(p, started.elapsed()));
                let _ = std::io::stderr().flush();
            }
        })
        .map_err(failed("cannot seed the demo data"));
        if tty {
            eprintln!();
        }
        let report = report?;
        say!("{report} in {:.1} s", started.elapsed().as_secs_f64());
        // Closed and opened again: closing copies the seed's WAL into the database now, rather
        // than beside the first sync that reads it (a third of its time at 100k customers).
        drop(db);
        crm_server::open_sqlite(&db_path).map_err(failed("cannot open the demo database"))?
    } else {
        db
    };
    let listener = ctx
        .runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .map_err(|e| CliError::Other(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Other(format!("no local address: {e}")))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = ctx.runtime.spawn(crm_server::serve(
        listener,
        db,
        crm_server::Settings {
            files_dir: Some(crm_server::backups::files_beside(&db_path)),
            ..crm_server::Settings::default()
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{addr}");

    ctx.profile_name = PROFILE.to_string();
    let client = ApiClient::new(&url)?;
    let session = ctx
        .runtime
        .block_on(client.login(user, crm_server::seed::DEMO_PASSWORD))?;
    // The demo's token lives as long as the demo: a private file, no keyring prompt.
    account::keep_token(ctx, StoreChoice::File, &session.token, false)?;
    let profile = ctx.config.profiles.entry(PROFILE.to_string()).or_default();
    profile.server = Some(url.clone());
    profile.username = Some(user.to_string());
    profile.credential_store = StoreChoice::File;
    if ctx.config.default_profile.is_none() {
        ctx.config.default_profile = Some(PROFILE.to_string());
    }
    ctx.config.save(&ctx.dirs)?;
    let mut replica = ctx.open_replica()?;
    account::bind(&mut replica, &session.user)?;
    account::sync_now(ctx, &replica, &client.with_token(session.token))?;
    Ok(Running { url, stop, server })
}

/// `seeding  42% [########············] 42,000 of 100,000 customers · 9 s`, redrawn in place.
fn seed_line(p: SeedProgress, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match p {
        SeedProgress::Customers { written, total } => format!(
            "seeding {} {} of {} customers · {seconds} s   ",
            output::bar(written as f64 / total.max(1) as f64),
            crate::tui::format::count(written),
            crate::tui::format::count(total)
        ),
        SeedProgress::Finishing => format!(
            "seeding {} tickets and activities · {seconds} s              ",
            output::bar(1.0)
        ),
    }
}

pub fn run(ctx: &mut Context, m: &ArgMatches) -> Result<(), CliError> {
    let customers = *m.get_one::<usize>("customers").unwrap_or(&2000);
    let listen = m
        .get_one::<String>("listen")
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let user = m
        .get_one::<String>("user")
        .cloned()
        .unwrap_or_else(|| "demo".into());
    let running = start(ctx, customers, &listen, &user)?;
    let screens = !m.get_flag("server_only") && std::io::stdout().is_terminal();
    let result = if screens {
        screen::open(ctx, None, Pane::Customers)
    } else {
        say!(
            "The demo server is at {} (database {}).\nSigned in as {user}; every demo user's password is `{}`.\nTry, in another terminal: crm --profile demo customers list --search 华\nCtrl-C stops it.",
            running.url,
            ctx.dirs.demo_db().display(),
            crm_server::seed::DEMO_PASSWORD
        );
        ctx.runtime
            .block_on(tokio::signal::ctrl_c())
            .map_err(|e| CliError::Other(format!("cannot wait for Ctrl-C: {e}")))
    };
    let _ = running.stop.send(());
    let _ = ctx.runtime.block_on(running.server);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_line_says_how_far_it_has_come() {
        let line = seed_line(
            SeedProgress::Customers {
                written: 42_000,
                total: 100_000,
            },
            Duration::from_secs(9),
        );
        assert!(
            line.starts_with("seeding  42% [########")
                && line.contains("42,000 of 100,000 customers · 9 s"),
            "{line}"
        );
        let done = seed_line(SeedProgress::Finishing, Duration::from_secs(30));
        assert!(
            done.contains("100%") && done.contains("tickets and activities"),
            "{done}"
        );
        // No customers asked for: no division by zero.
        assert!(
            seed_line(
                SeedProgress::Customers {
                    written: 0,
                    total: 0
                },
                Duration::ZERO
            )
            .contains("  0%")
        );
    }
}
