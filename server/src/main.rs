//! `crm-server`: run the server and administer its database.

use std::io::{BufRead, IsTerminal};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use crm_server::access::Role;
use crm_server::schema::Entity;
use crm_server::store::{self, ListQuery, sqlite};
use crm_server::{Settings, service, system_actor};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(name = "crm-server", version, about = "The crm multi-user server")]
struct Cli {
    /// The SQLite database file [default: server.db in the platform data directory], or a
    /// PostgreSQL database as postgres://USER@HOST:PORT/DATABASE
    #[arg(long, global = true, env = "CRM_DB")]
    db: Option<PathBuf>,
    /// PEM certificates of the private CA that signed the PostgreSQL server's certificate (TLS
    /// to the database; public CAs are trusted already)
    #[arg(long, global = true, env = "CRM_DB_CA_FILE")]
    db_ca_file: Option<PathBuf>,
    /// Skip the check of every page at start (`PRAGMA quick_check`), for very large databases;
    /// `crm-server check` runs the full check any time.
    #[arg(long, global = true, env = "CRM_SKIP_CHECK")]
    skip_check: bool,
    /// `full`: an acknowledged write survives a power cut (one fsync per batch of writes).
    /// `normal`: faster, but a power cut or OS crash can lose the last acknowledged writes.
    #[arg(long, global = true, env = "CRM_SYNCHRONOUS", default_value = "full", value_parser = ["full", "normal"])]
    synchronous: String,
    /// The folder attached files' bytes are kept in [default: beside an SQLite database,
    /// DB.files; on PostgreSQL, files in the platform data directory]. Backups copy it.
    #[arg(long, global = true, env = "CRM_FILES_DIR")]
    files_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve {
        #[arg(long, env = "CRM_LISTEN", default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// Serve HTTPS with this PEM certificate (chain), with --tls-key.
        #[arg(long, env = "CRM_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "CRM_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// A reverse proxy in front of the server whose X-Forwarded-For names the client (for
        /// the sign-in throttle); repeat for several. From anyone else the header is ignored.
        #[arg(
            long = "trusted-proxy",
            env = "CRM_TRUSTED_PROXY",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<IpAddr>,
        /// Connections served at once; more wait until one ends.
        #[arg(long, env = "CRM_MAX_CONNECTIONS", default_value_t = 512)]
        max_connections: usize,
        /// Seconds a connection may take to send a request's headers or stay idle.
        #[arg(long, env = "CRM_HEADER_TIMEOUT", default_value_t = crm_server::api::DEFAULT_HEADER_TIMEOUT.as_secs())]
        header_timeout: u64,
        /// Write a backup into this folder every --backup-every, keeping the newest --keep.
        #[arg(long, env = "CRM_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        #[arg(long, env = "CRM_BACKUP_EVERY", default_value = "1h", value_parser = crm_server::backups::parse_every)]
        backup_every: std::time::Duration,
        #[arg(long, env = "CRM_BACKUP_KEEP", default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..))]
        keep: u32,
        /// The SMTP server a mail merge sends through: smtps://[user@]host[:465],
        /// smtp://[user@]host[:587] (STARTTLS) or smtp+plain://host[:25]. The password comes
        /// from CRM_SMTP_PASSWORD or --smtp-password-file, never the address.
        #[arg(long, env = "CRM_SMTP_URL", requires = "smtp_from")]
        smtp_url: Option<String>,
        /// The sender of merged mail: name@example.com or "Name <name@example.com>".
        #[arg(long, env = "CRM_SMTP_FROM")]
        smtp_from: Option<String>,
        /// A file (0600) holding the SMTP password on its first line.
        #[arg(long, env = "CRM_SMTP_PASSWORD_FILE")]
        smtp_password_file: Option<PathBuf>,
        /// The command that sends an SMS, its words split on spaces, run without a shell;
        /// {to} and {text} in a word are replaced: "/usr/local/bin/sms --to {to} {text}".
        #[arg(long, env = "CRM_SMS_COMMAND")]
        sms_command: Option<String>,
        /// The largest file users may attach to a record: 25MB, 512KB, 2GB.
        #[arg(long, env = "CRM_MAX_FILE_SIZE", default_value = "25MB", value_parser = parse_size)]
        max_file_size: u64,
        /// The kinds of file users may attach, told by their first bytes: pdf, image, office,
        /// text, archive.
        #[arg(long, env = "CRM_FILE_TYPES", value_delimiter = ',', default_value = "pdf,image,office,text", value_parser = crm_server::rules::file_types::FileKind::parse)]
        file_types: Vec<crm_server::rules::file_types::FileKind>,
    },
    /// Check every page and index of the database (`PRAGMA integrity_check`); exits non-zero
    /// when it is damaged.
    Check,
    /// Replace the database with a checked copy of a backup FILE. Stop the server first; an
    /// existing database is replaced only with --force.
    Restore {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill the database with demo data.
    Seed {
        /// Realistic demo data in Chinese and English (the only kind there is).
        #[arg(long, required = true)]
        demo: bool,
        /// How many customers to create.
        #[arg(long, default_value_t = 200)]
        customers: usize,
    },
    /// Write a consistent copy of the database to FILE, safe while the server runs.
    Backup { file: PathBuf },
    /// Copy this SQLite database (--db) into an empty PostgreSQL database: every record, the
    /// change feed at the same positions, sessions, audit, counters. Stop the server first;
    /// then serve with --db postgres://…: clients keep their sign-ins and sync on.
    MigrateTo {
        /// The PostgreSQL database, postgres://USER@HOST:PORT/DATABASE; it must hold no records.
        url: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is asked for, or read from standard input.
    Add {
        username: String,
        #[arg(long, value_parser = ["admin", "manager", "sales", "agent"])]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// The team's name; created if it does not exist.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Disable a user; their sessions end at once. With --reassign-to, their customers, open
    /// opportunities, planned activities, open leads and campaigns and open tickets go to
    /// another user first, in the same transaction.
    Disable {
        username: String,
        #[arg(long)]
        reassign_to: Option<String>,
    },
    /// Set a user's password; their sessions end at once.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// A request builds and drops thousands of small maps and strings (a list page is 50 records of
/// about 25 fields); glibc's allocator spent a third of a list request in malloc, free and
/// consolidating its fast bins.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `25MB`, `512KB`, `2GB`, `1000` (bytes): a size in powers of 1024.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} must start with a whole number (like 25MB)"))?;
    let unit = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" => 1024,
        "M" | "MB" => 1024 * 1024,
        "G" | "GB" => 1024 * 1024 * 1024,
        _ => return Err(format!("{text:?}: the unit is B, KB, MB or GB (like 25MB)")),
    };
    match number.checked_mul(unit) {
        Some(0) | None => Err(format!("{text:?} must be more than 0 and less than 16 EB")),
        Some(n) => Ok(n),
    }
}

/// Where attached files are kept: `--files-dir`, else beside the SQLite file, else (on
/// PostgreSQL) in the platform data directory.
fn files_dir(cli: &Cli, sqlite: Option<&std::path::Path>) -> Result<PathBuf> {
    if let Some(dir) = &cli.files_dir {
        return Ok(dir.clone());
    }
    if let Some(db) = sqlite {
        return Ok(crm_server::backups::files_beside(db));
    }
    let dirs = directories::ProjectDirs::from("", "", "crm")
        .context("no home directory to keep files in; pass --files-dir DIR")?;
    Ok(dirs.data_dir().join("files"))
}

fn default_db() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "crm")
        .context("no home directory to keep the database in; pass --db PATH")?;
    Ok(dirs.data_dir().join("server.db"))
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Again: ")?;
    if first != second {
        bail!("the passwords differ; nothing was changed");
    }
    Ok(first)
}

/// True when a database file is there; an empty or foreign file is an error.
fn check_header_exists(path: &std::path::Path) -> Result<bool> {
    Ok(sqlite::check_header(path)?)
}

fn find_user(tx: &dyn store::Tx, username: &str) -> Result<String, crm_server::ApiError> {
    tx.credentials(username)?
        .map(|c| c.actor.id)
        .ok_or(crm_server::ApiError::NotFound("user"))
}

fn object(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn main() -> Result<()> {
    crm_server::log::init();
    let cli = Cli::parse();
    let postgres = cli
        .db
        .as_deref()
        .and_then(|p| p.to_str())
        .filter(|db| store::postgres::is_url(db))
        .map(String::from);
    if let Command::MigrateTo { url } = &cli.command {
        let from = match (&postgres, cli.db.clone()) {
            (Some(_), _) => bail!(
                "migrate-to copies an SQLite file: give it with --db FILE (the PostgreSQL database is the argument)"
            ),
            (None, Some(path)) => path,
            (None, None) => default_db()?,
        };
        return migrate_to(&cli, &from, url);
    }
    let (db, name, files) = match postgres {
        Some(url) => {
            let (db, name) = open_postgres(&cli, &url)?;
            (db, name, files_dir(&cli, None)?)
        }
        None => {
            let path = match cli.db.clone() {
                Some(p) => p,
                None => default_db()?,
            };
            let files = files_dir(&cli, Some(&path))?;
            match open_sqlite(&cli, &path, &files)? {
                Some(db) => (db, path.display().to_string(), files),
                None => return Ok(()),
            }
        }
    };
    run(cli.command, db, &name, files)
}

/// The PostgreSQL database at `url`; the commands that work on an SQLite file say what to use
/// instead.
fn open_postgres(cli: &Cli, url: &str) -> Result<(std::sync::Arc<dyn store::Database>, String)> {
    match &cli.command {
        Command::Check => bail!(
            "crm-server check reads an SQLite file; on PostgreSQL check with its own tools (pg_amcheck)"
        ),
        Command::Restore { .. } => bail!(
            "crm-server restore replaces an SQLite file; on PostgreSQL restore a pg_dump with pg_restore"
        ),
        Command::Serve {
            backup_dir: Some(_),
            ..
        } => bail!(
            "--backup-dir copies an SQLite file; on PostgreSQL schedule pg_dump (or archive with pg_basebackup) instead"
        ),
        _ => {}
    }
    let options = store::postgres::OpenOptions {
        ca_file: cli.db_ca_file.clone(),
    };
    let db = crm_server::open_postgres_with(url, &options)
        .context("cannot open the PostgreSQL database")?;
    let name = store::postgres::describe_url(url);
    Ok((db, name))
}

/// `crm-server migrate-to`: the SQLite file at `from`, checked and migrated to this version's
/// schema, copied into the empty PostgreSQL database at `url` with a progress line per table.
fn migrate_to(cli: &Cli, from: &std::path::Path, url: &str) -> Result<()> {
    if !store::postgres::is_url(url) {
        bail!("migrate-to copies into PostgreSQL: give postgres://USER@HOST:PORT/DATABASE");
    }
    if !check_header_exists(from)? {
        bail!("there is no SQLite database at {}", from.display());
    }
    let options = store::postgres::OpenOptions {
        ca_file: cli.db_ca_file.clone(),
    };
    let name = store::postgres::describe_url(url);
    eprintln!("copying {} into {name}…", from.display());
    let tty = std::io::stderr().is_terminal();
    let mut last = String::new();
    let migrated = store::postgres::migrate_sqlite_file(from, url, &options, &mut |c| {
        if tty {
            eprint!("\r  {:<24} {:>10} / {:<10}", c.table, c.rows, c.of);
            if c.rows == c.of {
                eprintln!();
            }
        } else if c.rows == c.of && last != c.table {
            eprintln!("  {:<24} {:>10}", c.table, c.rows);
            last = c.table.to_string();
        }
    })?;
    let rows: u64 = migrated.tables.iter().map(|(_, n)| n).sum();
    let (tables, feed) = (migrated.tables.len(), migrated.feed_head);
    println!(
        "copied {rows} rows in {tables} tables into {name}; the feed continues after position {feed}.\nServe with --db {name} (add your password to the address): clients keep their sign-ins and sync on without starting over."
    );
    Ok(())
}

/// The SQLite database at `path`, checked first; None when the command was done on the file
/// itself (check, restore).
fn open_sqlite(
    cli: &Cli,
    path: &std::path::Path,
    files: &std::path::Path,
) -> Result<Option<std::sync::Arc<dyn store::Database>>> {
    match &cli.command {
        Command::Check => {
            let version = sqlite::check_file(path, sqlite::Check::Full)?;
            println!(
                "{} is sound (integrity_check ok, schema version {version})",
                path.display()
            );
            return Ok(None);
        }
        Command::Restore { file, force } => {
            let version = sqlite::restore(file, path, *force)?;
            let brought = crm_server::backups::restore_files(file, files)?;
            println!(
                "restored {} from {} (schema version {version}; {brought} attached files brought back into {})",
                path.display(),
                file.display(),
                files.display()
            );
            return Ok(None);
        }
        _ => {}
    }
    let check = if cli.skip_check {
        sqlite::Check::Header
    } else {
        sqlite::Check::Quick
    };
    if check_header_exists(path)? {
        sqlite::check_file(path, check)?;
    }
    let options = sqlite::OpenOptions {
        synchronous: match cli.synchronous.as_str() {
            "normal" => sqlite::Synchronous::Normal,
            _ => sqlite::Synchronous::Full,
        },
    };
    let db = crm_server::open_sqlite_with(path, options)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    Ok(Some(db))
}

/// Runs a command on the open database; `name` says which database in messages (never a
/// password).
fn run(
    command: Command,
    db: std::sync::Arc<dyn store::Database>,
    name: &str,
    files: PathBuf,
) -> Result<()> {
    let system = system_actor();
    match command {
        Command::Check | Command::Restore { .. } | Command::MigrateTo { .. } => {}
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            trusted_proxies,
            max_connections,
            header_timeout,
            backup_dir,
            backup_every,
            keep,
            smtp_url,
            smtp_from,
            smtp_password_file,
            sms_command,
            max_file_size,
            file_types,
        } => {
            let mail = mail_settings(smtp_url, smtp_from, smtp_password_file, sms_command)?;
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(crm_server::tls::server_config(&cert, &key)?),
                _ => None,
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            let settings = Settings {
                trusted_proxies,
                max_connections,
                header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
                tls,
                mail,
                files_dir: Some(files.clone()),
                max_file_bytes: max_file_size,
                file_types,
                ..Settings::default()
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| {
                        format!("cannot listen on {listen}; is another server running?")
                    })?;
                if let Some(dir) = backup_dir {
                    let schedule = crm_server::backups::Schedule {
                        dir,
                        every: backup_every,
                        keep: keep as usize,
                        files: Some(files.clone()),
                    };
                    tracing::info!(dir = %schedule.dir.display(), every = ?schedule.every, keep, "scheduled backups");
                    tokio::spawn(crm_server::backups::run(db.clone(), schedule));
                }
                tracing::info!(addr = %listener.local_addr()?, scheme, db = %name, "serving");
                crm_server::serve(listener, db, settings, shutdown_signal()).await?;
                anyhow::Ok(())
            })?;
        }
        Command::Migrate => {
            eprintln!("{name} is at the newest schema");
        }
        Command::User(UserCommand::Add {
            username,
            role,
            display_name,
            team,
            email,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            let role = Role::parse(&role).context("unknown role")?;
            let user = store::write(db.as_ref(), |tx| {
                let team_id = match &team {
                    None => Value::Null,
                    Some(name) => {
                        let team = service::team_named(tx, name)?;
                        if team.made {
                            eprintln!("created team {name}");
                        }
                        Value::String(team.id)
                    }
                };
                let body = json!({
                    "username": username,
                    "display_name": display_name.clone().unwrap_or_else(|| username.clone()),
                    "role": role.as_str(),
                    "team_id": team_id,
                    "email": email,
                    "password": password,
                });
                service::create(tx, &system, Entity::Users, &object(body), false)
            })
            .map_err(|e| anyhow::anyhow!("{e}{}", field_detail(&e)))?;
            println!(
                "added {} ({})",
                username,
                user.record["id"].as_str().unwrap_or_default()
            );
        }
        Command::User(UserCommand::List) => {
            let users = store::read(db.as_ref(), |tx| {
                let query = ListQuery {
                    sort: "username",
                    limit: 100_000,
                    ..ListQuery::default()
                };
                tx.list(Entity::Users, &query, None)
            })?;
            println!("{:<20} {:<8} {:<6} NAME", "USERNAME", "ROLE", "ACTIVE");
            for u in users {
                println!(
                    "{:<20} {:<8} {:<6} {}",
                    u["username"].as_str().unwrap_or_default(),
                    u["role"].as_str().unwrap_or_default(),
                    if u["active"] == Value::Bool(true) {
                        "yes"
                    } else {
                        "no"
                    },
                    u["display_name"].as_str().unwrap_or_default()
                );
            }
        }
        Command::User(UserCommand::Disable {
            username,
            reassign_to: Some(other),
        }) => {
            let moved = store::write(db.as_ref(), |tx| {
                let from = find_user(tx, &username)?;
                let to = find_user(tx, &other)?;
                service::hand_over(tx, &system, &from, &to)
            })?;
            println!(
                "disabled {username}; their sessions are revoked; to {other}: {} customers, {} opportunities, {} activities, {} leads, {} campaigns, {} tickets",
                moved.customers,
                moved.opportunities,
                moved.activities,
                moved.leads,
                moved.campaigns,
                moved.tickets
            );
        }
        Command::User(UserCommand::Disable {
            username,
            reassign_to: None,
        }) => {
            store::write(db.as_ref(), |tx| {
                let id = find_user(tx, &username)?;
                service::update(
                    tx,
                    &system,
                    Entity::Users,
                    &id,
                    &object(json!({"active": false})),
                    None,
                )
            })?;
            println!("disabled {username}; their sessions are revoked");
        }
        Command::User(UserCommand::Passwd {
            username,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            store::write(db.as_ref(), |tx| {
                let id = find_user(tx, &username)?;
                service::update(
                    tx,
                    &system,
                    Entity::Users,
                    &id,
                    &object(json!({"password": password})),
                    None,
                )
            })
            .map_err(|e| anyhow::anyhow!("{e}{}", field_detail(&e)))?;
            println!("changed the password of {username}; their sessions are revoked");
        }
        Command::Seed { demo: _, customers } => {
            let started = std::time::Instant::now();
            let report = crm_server::seed::demo(db.as_ref(), customers)?;
            db.refresh_statistics()?;
            println!("{report} in {:.1} s", started.elapsed().as_secs_f64());
            println!(
                "sign in with password {} as:",
                crm_server::seed::DEMO_PASSWORD
            );
            for u in crm_server::seed::DEMO_USERS {
                let line = format!(
                    "  {:<6} {:<8} {} {}",
                    u.username,
                    u.role.as_str(),
                    u.display_name,
                    u.team.map(|t| format!("({t})")).unwrap_or_default()
                );
                println!("{}", line.trim_end());
            }
        }
        Command::Backup { file } => {
            db.backup(&file)?;
            let copied = crm_server::backups::copy_files(&files, &file)?;
            eprintln!(
                "backed up {name} to {} (and {copied} attached files to {})",
                file.display(),
                crm_server::backups::files_beside(&file).display()
            );
        }
    }
    Ok(())
}

/// The per-field messages of a validation error, for the terminal.
fn field_detail(e: &crm_server::ApiError) -> String {
    match e {
        crm_server::ApiError::Invalid(fields) => {
            fields.iter().map(|(k, v)| format!("\n  {k} {v}")).collect()
        }
        _ => String::new(),
    }
}

/// The mail merge's ways out, from `serve`'s flags; the SMTP password from the environment or a
/// file, so it is in no command line, process list or log.
fn mail_settings(
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    password_file: Option<PathBuf>,
    sms_command: Option<String>,
) -> anyhow::Result<crm_server::mail::Outbound> {
    use crm_server::mail::{Outbound, Secret, SmsHook, Smtp};
    let password = match password_file {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!("cannot read the SMTP password file {}", path.display())
            })?;
            Some(Secret::new(
                text.lines().next().unwrap_or_default().to_string(),
            ))
        }
        None => std::env::var("CRM_SMTP_PASSWORD").ok().map(Secret::new),
    };
    let smtp = match smtp_url {
        Some(url) => Some(Smtp::parse(
            &url,
            smtp_from.as_deref().unwrap_or_default(),
            password,
        )?),
        None => None,
    };
    let sms = match sms_command {
        Some(command) => Some(SmsHook::new(
            command.split_whitespace().map(str::to_string).collect(),
        )?),
        None => None,
    };
    Ok(Outbound { smtp, sms })
}
