//! `crm`: the terminal client. Without a command it opens the screens; with one it is a
//! scripting CLI over the local replica.

use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};
use crm::cli::{
    CliError, Context, account, agenda, demo, export, files, outbox, records, report, screen,
};
use crm::tui::Pane;
use crm_server::schema::Entity;

// A first sync allocates a few small strings per record; mimalloc keeps that a fraction of the
// cost glibc's allocator had (and `crm demo` runs the server in this process too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn build() -> Command {
    let mut cmd =
        Command::new("crm")
            .version(env!("CARGO_PKG_VERSION"))
            .about("A keyboard-first terminal CRM")
            .arg(Arg::new("profile").long("profile").global(true).help(
                "the profile to use [default: CRM_PROFILE, then the config's default_profile]",
            ))
            .subcommand(demo::command())
            .subcommand(account::login_command())
            .subcommand(account::logout_command())
            .subcommand(
                Command::new("status")
                    .about("Server, user, credential store, last sync, pending writes, conflicts"),
            )
            .subcommand(account::sync_command())
            .subcommand(account::conflicts_command())
            .subcommand(outbox::command())
            .subcommand(outbox::undo_command())
            .subcommand(export::export_command())
            .subcommand(report::command())
            .subcommand(agenda::command())
            .subcommand(files::command())
            .subcommand(screen::pop_command())
            .subcommand(
                Command::new("index-search")
                    .hide(true)
                    .about("Build the search index after a first sync (started by login and sync)"),
            );
    for entity in records::ENTITIES {
        cmd = cmd.subcommand(records::command(entity));
    }
    cmd
}

fn run(matches: &ArgMatches) -> Result<(), CliError> {
    let mut ctx = Context::new(matches.get_one::<String>("profile").map(String::as_str))?;
    match matches.subcommand() {
        Some(("demo", m)) => demo::run(&mut ctx, m),
        Some(("login", m)) => account::login(&mut ctx, m),
        Some(("logout", m)) => account::logout(&ctx, m),
        Some(("status", _)) => account::status(&ctx),
        Some(("sync", m)) => account::sync(&ctx, m),
        Some(("conflicts", m)) => account::conflicts(&ctx, m),
        Some(("outbox", m)) => outbox::run(&ctx, m),
        Some(("undo", _)) => outbox::undo(&ctx),
        Some(("export", m)) => export::export(&ctx, m),
        Some(("report", m)) => report::run(&ctx, m),
        Some(("agenda", m)) => agenda::run(&ctx, m),
        Some(("files", m)) => files::run(&ctx, m),
        Some(("pop", m)) => screen::pop(&ctx, m),
        Some(("index-search", _)) => account::index_search(&ctx),
        Some((name, m)) => match Entity::from_name(name) {
            Some(entity) => records::run(&ctx, entity, m),
            None => Err(CliError::Usage(format!(
                "unknown command {name}; see crm --help"
            ))),
        },
        None => screen::open(&ctx, None, Pane::Customers),
    }
}

/// `CRM_LOG` (an env-filter, e.g. `crm=debug`) writes the client's timing spans to stderr, each
/// as it closes with its time busy and idle: where a first sync's time goes. Off by default, so
/// nothing reaches the screens.
fn trace_from_env() {
    let Ok(filter) = std::env::var("CRM_LOG") else {
        return;
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

fn main() -> ExitCode {
    trace_from_env();
    let matches = build().get_matches();
    match run(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message may carry the server's words or another person's data.
            eprintln!("crm: {}", crm::text::sanitize_lines(&e.to_string()));
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
