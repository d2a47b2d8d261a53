//! `crm customers|contacts|leads|products import FILE`: a CSV, XLSX or (contacts) vCard file
//! brought in through the server's bulk route (`POST /{entity}/import`), which takes each row
//! through the same rules as a single create or update.
//!
//! - The columns map to fields by their headers ([`mapping`]: Chinese and English labels, custom
//!   fields by key or label), corrected with `--map HEADER=FIELD`, and the mapping is saved for
//!   the same headers next time.
//! - Values are read as the CLI's flags read them (`fields::parse_value`: money in yuan, users by
//!   username, customers by code — and, in an import, by their exact name —, dates in the
//!   user's zone); a value that does not read refuses its row here, with the reason.
//! - Rows go in parts of at most [`CHUNK_ROWS`] and [`CHUNK_BYTES`], each with an idempotency
//!   key made of its content: run again after a stop, the parts already written are answered
//!   from the server's memory of them and nothing is created twice.
//! - `--dry-run` asks the server what it would do (created, updated — matched by code, number
//!   or the duplicate check — and refused, why) and writes nothing. Each part's dry run is
//!   rolled back, so a row repeating a row of an earlier part would look new to the server:
//!   the file's rows are also compared with each other by the import's own keys
//!   (`crm_server::service::import::earlier_rows`), and such a row is reported as updating (or,
//!   with `--no-update`, refused as a duplicate of) the earlier row.
//! - Resume does not rest on the server's 24-hour memory of idempotency keys alone: a progress
//!   file (`imports/<digest>.json` beside the replica, 0600 in a 0700 folder, named by the
//!   entity and the parts' keys) records each part's answer as it comes; run again, the parts
//!   it names are not sent again and their answers count as before. It is removed when the
//!   import finishes.
//! - Refused rows go to an error file (CSV, the file's own columns plus `row` and `reason`,
//!   formulas defused, 0600).

pub mod csv;
pub mod mapping;
pub mod read;
pub mod vcard;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Arg, ArgAction, ArgMatches, Command};
use crm_server::catalog::Catalog;
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use super::fields::{self, Clock, Resolve};
use super::output;
use super::records::Names;
use super::{CliError, Context};
use crate::replica::{LocalQuery, Replica};
use mapping::{Saved, Target};

/// Rows sent in one request at most (the server takes up to 5,000).
pub const CHUNK_ROWS: usize = 1_000;
/// A request's rows in bytes at most (the server's body limit is 1 MiB).
pub const CHUNK_BYTES: usize = 900 * 1024;
/// Refusals and updates listed on the terminal; the rest are counted (and in the error file).
const LISTED: usize = 20;

/// The entities with an import.
pub fn importable(entity: Entity) -> bool {
    matches!(
        entity,
        Entity::Customers | Entity::Contacts | Entity::Leads | Entity::Products
    )
}

/// The `import` subcommand of an importable entity.
pub fn command(entity: Entity) -> Command {
    let what = match entity {
        Entity::Contacts => "a CSV, XLSX or vCard (.vcf) file",
        _ => "a CSV or XLSX file",
    };
    let mut c = Command::new("import")
        .about(format!(
            "Import {} from {what}: columns mapped by their headers (客户名称, 电话, 邮箱… or field names), each row created, updated when it names an existing record (its code or number, or the duplicate check), or refused with its reason",
            entity.name()
        ))
        .arg(Arg::new("file").required(true))
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("say what would be created, updated and refused, and why; write nothing"),
        )
        .arg(
            Arg::new("map")
                .long("map")
                .action(ArgAction::Append)
                .value_name("HEADER=FIELD")
                .help("the field a column fills (a field name, custom.<key>, or - to leave it out); remembered for these headers"),
        )
        .arg(
            Arg::new("no-update")
                .long("no-update")
                .action(ArgAction::SetTrue)
                .help("refuse rows that match an existing record instead of updating it"),
        )
        .arg(
            Arg::new("errors")
                .long("errors")
                .value_name("FILE")
                .help("where refused rows are written (default: FILE.errors.csv beside the file)"),
        )
        .arg(
            Arg::new("sheet")
                .long("sheet")
                .help("the sheet of a workbook to read (default: the first)"),
        );
    if entity == Entity::Contacts {
        c = c.arg(
            Arg::new("customer")
                .long("customer")
                .help("the customer (code, id or name) of every contact without one in the file"),
        );
    }
    c
}

/// Names as an import reads them: the CLI's (codes, usernames, numbers), customers also by
/// their exact name, each answer kept for the rows after.
struct ImportNames<'a> {
    names: Names<'a>,
    by_name: RefCell<Option<HashMap<String, Vec<String>>>>,
    known: RefCell<HashMap<(Entity, String), Result<String, String>>>,
}

impl ImportNames<'_> {
    fn customer_by_name(&self, text: &str) -> Result<String, String> {
        let mut by_name = self.by_name.borrow_mut();
        if by_name.is_none() {
            let all = self
                .names
                .0
                .list(
                    Entity::Customers,
                    &LocalQuery {
                        limit: usize::MAX >> 1,
                        ..LocalQuery::default()
                    },
                )
                .map_err(|e| e.to_string())?;
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for c in all {
                if let Some(key) = c.text("name").and_then(crm_server::dedupe::name_key) {
                    map.entry(key).or_default().push(c.id.clone());
                }
            }
            *by_name = Some(map);
        }
        let found = crm_server::dedupe::name_key(text)
            .and_then(|k| by_name.as_ref().and_then(|m| m.get(&k)))
            .cloned()
            .unwrap_or_default();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(format!(
                "no customer {text} in the local replica (a code, id or exact name; `crm sync` fetches new ones)"
            )),
            _ => Err(format!(
                "{} customers are named {text}; give the customer's code",
                found.len()
            )),
        }
    }
}

impl Resolve for ImportNames<'_> {
    fn resolve(&self, target: Entity, text: &str) -> Result<String, String> {
        let key = (target, text.to_string());
        if let Some(known) = self.known.borrow().get(&key) {
            return known.clone();
        }
        let found = match self.names.record(target, text) {
            Ok(r) => Ok(r.id),
            Err(_) if target == Entity::Customers => self.customer_by_name(text),
            Err(e) => Err(e.to_string()),
        };
        self.known.borrow_mut().insert(key, found.clone());
        found
    }
}

/// A row made ready for the server, or refused before it is sent.
enum Prepared {
    Ready(Map<String, Value>),
    Refused(String),
}

/// One row of the file as sent: its number in the file and its cells (for the error file).
struct Row<'t> {
    at: usize,
    cells: &'t [String],
}

/// A row read and ready to send: where it is in the file, and its fields.
type Ready<'t> = (Row<'t>, Map<String, Value>);

/// What the import did, for the summary.
#[derive(Default)]
struct Tally {
    created: usize,
    updated: usize,
    refused: usize,
    /// (row, what it updated or duplicates, how it matched)
    updates: Vec<(usize, String)>,
    /// (row number, cells, reason)
    errors: Vec<(usize, Vec<String>, String)>,
}

pub fn run(
    ctx: &Context,
    replica: &Replica,
    names: Names<'_>,
    clock: &Clock,
    entity: Entity,
    m: &ArgMatches,
) -> Result<(), CliError> {
    let arg = |n: &str| {
        m.try_get_one::<String>(n)
            .ok()
            .flatten()
            .map(String::as_str)
    };
    let path = PathBuf::from(arg("file").unwrap_or_default());
    let dry_run = m.get_flag("dry-run");
    let update = !m.get_flag("no-update");
    let table = read::table(&path, arg("sheet")).map_err(|e| CliError::Usage(e.to_string()))?;
    if table.header.len() > 1
        && read::Kind::of(&path) == Some(read::Kind::Vcard)
        && entity != Entity::Contacts
    {
        return Err(CliError::Usage(
            "a vCard file holds contacts: `crm contacts import FILE.vcf`".into(),
        ));
    }
    let catalog = replica.catalog()?;

    // The mapping: saved for these headers, else guessed; then what --map says.
    let profile_dir = ctx
        .dirs
        .replica(&ctx.profile_name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let saved_path = Saved::path(&profile_dir);
    let mut saved = Saved::load(&saved_path);
    let mut targets = mapping::guess(entity, &catalog, &table.header);
    if let Some(remembered) = saved.get(entity, &table.header) {
        say!("using the mapping saved for these columns");
        for (h, t) in table.header.iter().zip(targets.iter_mut()) {
            if let Some(spelled) = remembered.get(h.trim())
                && let Ok(target) = Target::parse(entity, &catalog, spelled)
            {
                *t = target;
            }
        }
    }
    for given in m.get_many::<String>("map").into_iter().flatten() {
        let (header, field) = given.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--map {given}: write HEADER=FIELD (FIELD - leaves it out)"
            ))
        })?;
        let at = table
            .header
            .iter()
            .position(|h| h.trim() == header.trim())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "--map {given}: no column {header} (columns: {})",
                    table.header.join(", ")
                ))
            })?;
        let target = Target::parse(entity, &catalog, field)
            .map_err(|e| CliError::Usage(format!("--map {given}: {e}")))?;
        // A field filled by one column only: the one named here.
        for t in targets.iter_mut() {
            if *t == target && target != Target::Skip {
                *t = Target::Skip;
            }
        }
        targets[at] = target;
    }
    for (h, t) in table.header.iter().zip(&targets) {
        match t {
            Target::Skip => say!("column {h}: left out"),
            t => say!("column {h} → {}", t.spelled()),
        }
    }
    let customer_given = arg("customer");
    let fills = |f: &'static str| targets.contains(&Target::Field(f));
    let mut missing: Vec<&str> = entity
        .fields()
        .iter()
        .filter(|f| f.required && !fills(f.name))
        .map(|f| f.name)
        .filter(|f| !(*f == "customer_id" && customer_given.is_some()))
        .collect();
    if entity == Entity::Customers && !fills("name") {
        missing.push("name");
    }
    missing.dedup();
    if !missing.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: no column for {} (columns: {}); name one with --map HEADER=FIELD{}",
            path.display(),
            missing.join(", "),
            table.header.join(", "),
            if missing.contains(&"customer_id") {
                " or give --customer"
            } else {
                ""
            }
        )));
    }
    saved.put(entity, &table.header, &targets);
    if let Err(e) = saved.save(&saved_path) {
        say!("note: the mapping was not saved ({e})");
    }

    let resolver = ImportNames {
        names,
        by_name: RefCell::new(None),
        known: RefCell::new(HashMap::new()),
    };
    let fixed_customer = match customer_given {
        Some(c) => Some(
            resolver
                .resolve(Entity::Customers, c)
                .map_err(|e| CliError::Usage(format!("--customer {c}: {e}")))?,
        ),
        None => None,
    };

    // Rows read here; those that do not read are refused before anything is sent.
    let mut tally = Tally::default();
    let mut ready: Vec<(Row<'_>, Map<String, Value>)> = Vec::with_capacity(table.rows.len());
    for (at, cells) in &table.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match prepare(entity, &catalog, &resolver, clock, &targets, cells) {
            Prepared::Ready(mut body) => {
                if let Some(c) = &fixed_customer
                    && body.get("customer_id").is_none_or(Value::is_null)
                {
                    body.insert("customer_id".into(), Value::String(c.clone()));
                }
                ready.push((Row { at: *at, cells }, body));
            }
            Prepared::Refused(reason) => {
                tally.refused += 1;
                tally.errors.push((*at, cells.clone(), reason));
            }
        }
    }

    let total = ready.len();
    let started = Instant::now();
    let bar = std::io::stderr().is_terminal();
    let mut sent = 0usize;
    let parts: Vec<(String, Value, &[Ready<'_>])> = chunks(&ready)
        .map(|part| {
            let rows: Vec<&Map<String, Value>> = part.iter().map(|(_, b)| b).collect();
            let body = json!({"rows": rows, "dry_run": dry_run, "update": update});
            let key = format!(
                "import-{}",
                crm_server::auth::sha256_hex(&format!("{}/import {body}", entity.name()))
            );
            (key, body, part)
        })
        .collect();
    // A dry run writes nothing, so it has nothing to resume.
    let mut progress = (!dry_run).then(|| {
        let keys: Vec<&str> = parts.iter().map(|(k, _, _)| k.as_str()).collect();
        Progress::open(&profile_dir, entity, &keys)
    });
    if let Some(p) = &progress
        && !p.done.is_empty()
    {
        say!(
            "resuming: {} of {} parts were imported before ({})",
            p.done.len(),
            parts.len(),
            p.path.display()
        );
    }
    for (key, body, part) in &parts {
        let before = progress.as_ref().and_then(|p| p.done.get(key).cloned());
        let answer = match before {
            Some(answer) => answer,
            None => {
                let answer = super::marketing::online_as(
                    ctx,
                    &format!("/{}/import", entity.name()),
                    Some(body),
                    key.clone(),
                )?;
                if let Some(p) = progress.as_mut()
                    && let Err(e) = p.record(key, &answer)
                {
                    say!("note: the progress was not saved ({e}); a stop now resends this part");
                }
                answer
            }
        };
        take_answer(&answer, part, &mut tally);
        sent += part.len();
        if bar {
            eprint!(
                "\r{} {} {sent}/{total} rows",
                if dry_run { "checking " } else { "importing" },
                output::bar(sent as f64 / total.max(1) as f64)
            );
        }
    }
    if bar && total > 0 {
        eprintln!();
    }
    let took = started.elapsed();
    if let Some(p) = progress {
        p.finish();
    }
    if dry_run {
        within_file(entity, &ready, update, &mut tally);
    }

    for (at, what) in tally.updates.iter().take(LISTED) {
        say!(
            "row {at}: {} {what}",
            if dry_run { "would update" } else { "updated" }
        );
    }
    if tally.updates.len() > LISTED {
        say!("… and {} more updated", tally.updates.len() - LISTED);
    }
    tally.errors.sort_by_key(|(at, _, _)| *at);
    for (at, _, reason) in tally.errors.iter().take(LISTED) {
        say!("row {at}: refused: {reason}");
    }
    if tally.errors.len() > LISTED {
        say!("… and {} more refused", tally.errors.len() - LISTED);
    }
    if !tally.errors.is_empty() {
        let errors_path = arg("errors")
            .map(PathBuf::from)
            .unwrap_or_else(|| errors_beside(&path));
        write_errors(&errors_path, &table.header, &tally.errors)
            .map_err(|e| CliError::Other(format!("{}: {e}", errors_path.display())))?;
        say!(
            "refused rows, with their reasons: {}",
            errors_path.display()
        );
    }
    let noun = entity.name();
    if dry_run {
        say!(
            "dry run: {} {noun} would be created, {} updated, {} refused; nothing was written",
            tally.created,
            tally.updated,
            tally.refused
        );
    } else {
        say!(
            "{} {noun} created, {} updated, {} refused in {:.1} s",
            tally.created,
            tally.updated,
            tally.refused,
            took.as_secs_f64()
        );
        let client = ctx.client()?;
        ctx.runtime
            .block_on(crate::sync::pull(replica, &client, |_| {}))?;
    }
    if tally.refused > 0 && tally.created + tally.updated == 0 {
        return Err(CliError::Other(if dry_run {
            "no row would be imported".into()
        } else {
            "no row was imported".into()
        }));
    }
    Ok(())
}

/// Parts of at most [`CHUNK_ROWS`] rows and about [`CHUNK_BYTES`]: always the same parts for
/// the same rows, so a part sent again carries the same key.
fn chunks<'a, 't>(
    rows: &'a [(Row<'t>, Map<String, Value>)],
) -> impl Iterator<Item = &'a [(Row<'t>, Map<String, Value>)]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= rows.len() {
            return None;
        }
        let mut bytes = 0;
        let mut end = start;
        while end < rows.len() && end - start < CHUNK_ROWS {
            let size = Value::Object(rows[end].1.clone()).to_string().len() + 1;
            if end > start && bytes + size > CHUNK_BYTES {
                break;
            }
            bytes += size;
            end += 1;
        }
        let part = &rows[start..end];
        start = end;
        Some(part)
    })
}

/// A dry run's rows that repeat an earlier row of the file. Within one part the server saw the
/// earlier row's record (its savepoint holds it) and answered so; across parts it could not
/// (each part's dry run is rolled back) and counted the row as created: that count is corrected
/// to what the import will do — update the record the earlier row makes, or refuse the row
/// with `--no-update`.
fn within_file(
    entity: Entity,
    ready: &[(Row<'_>, Map<String, Value>)],
    update: bool,
    tally: &mut Tally,
) {
    let bodies: Vec<&Map<String, Value>> = ready.iter().map(|(_, b)| b).collect();
    let answered = |at: usize, tally: &Tally| {
        tally.updates.iter().any(|(a, _)| *a == at) || tally.errors.iter().any(|(a, _, _)| *a == at)
    };
    for (i, j, on) in crm_server::service::import::earlier_rows(entity, &bodies) {
        let (row, earlier) = (&ready[i].0, &ready[j].0);
        // An earlier row refused makes nothing to repeat.
        if tally.errors.iter().any(|(a, _, _)| *a == earlier.at) {
            continue;
        }
        let same = format!(
            "the same {} as row {} of this file",
            on.join(" and "),
            earlier.at
        );
        say!("row {}: {same}", row.at);
        if answered(row.at, tally) {
            continue;
        }
        tally.created = tally.created.saturating_sub(1);
        if update {
            tally.updated += 1;
            tally
                .updates
                .push((row.at, format!("what row {} makes ({same})", earlier.at)));
        } else {
            tally.refused += 1;
            tally.errors.push((
                row.at,
                row.cells.to_vec(),
                format!("duplicates row {}: {same}", earlier.at),
            ));
        }
    }
}

/// An import's progress on disk: each part's answer by its key, so a run after a stop sends
/// only the parts not answered yet, whatever the server still remembers.
struct Progress {
    path: PathBuf,
    done: Map<String, Value>,
}

impl Progress {
    /// The progress of the import of these parts (none when it is new or unreadable).
    fn open(profile_dir: &Path, entity: Entity, keys: &[&str]) -> Progress {
        let digest = crm_server::auth::sha256_hex(&format!("{} {}", entity.name(), keys.join(" ")));
        let path = profile_dir.join("imports").join(format!("{digest}.json"));
        let done = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["done"].as_object().cloned())
            .unwrap_or_default();
        Progress { path, done }
    }

    /// A part answered: written at once (0600 in a 0700 folder: the answers name records).
    fn record(&mut self, key: &str, answer: &Value) -> std::io::Result<()> {
        self.done.insert(key.to_string(), answer.clone());
        if let Some(dir) = self.path.parent() {
            crate::private::dir(dir)?;
        }
        let text = json!({ "done": self.done }).to_string();
        let temp = self.path.with_extension("json.part");
        crate::private::file(&temp)?;
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &self.path)
    }

    /// The import finished: nothing to resume.
    fn finish(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One part's answer added to the tally.
fn take_answer(answer: &Value, part: &[(Row<'_>, Map<String, Value>)], tally: &mut Tally) {
    let count = |k: &str| answer[k].as_u64().unwrap_or(0) as usize;
    tally.created += count("created");
    tally.updated += count("updated");
    tally.refused += count("refused");
    for row in answer["rows"].as_array().into_iter().flatten() {
        let Some((r, _)) = row["row"].as_u64().and_then(|i| part.get(i as usize)) else {
            continue;
        };
        match row["outcome"].as_str() {
            Some("updated") => {
                let what = row["key"].as_str().unwrap_or("the record").to_string();
                let on: Vec<&str> = row["matched_on"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                tally
                    .updates
                    .push((r.at, format!("{what} (matched on {})", on.join(" and "))));
            }
            _ => tally
                .errors
                .push((r.at, r.cells.to_vec(), reason(&row["error"]))),
        }
    }
}

/// An API error as one line: each field's problem, else the message.
pub fn reason(error: &Value) -> String {
    error["fields"]
        .as_object()
        .map(|f| {
            f.iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| error["message"].as_str().unwrap_or("refused").to_string())
}

/// One row's cells read into a body by the columns' fields.
fn prepare(
    entity: Entity,
    catalog: &Catalog,
    resolver: &dyn Resolve,
    clock: &Clock,
    targets: &[Target],
    cells: &[String],
) -> Prepared {
    let mut body = Map::new();
    let mut custom = Map::new();
    let mut problems = Vec::new();
    for (raw, target) in cells.iter().zip(targets) {
        match target {
            Target::Skip => {}
            Target::Field(name) => {
                let Some(field) = entity.field(name) else {
                    continue;
                };
                let value = if *name == "tax_rate_bp" {
                    basis_points(raw)
                } else {
                    fields::parse_value(field, raw, resolver, clock)
                };
                match value {
                    Ok(Value::Null) => {}
                    Ok(v) => {
                        body.insert((*name).to_string(), v);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
            Target::Custom(key) => {
                let Some(def) = catalog.find_custom(entity, key) else {
                    continue;
                };
                match fields::parse_custom(def, raw, resolver, clock) {
                    Ok(Value::Null) => {}
                    Ok(v) => {
                        custom.insert(key.clone(), v);
                    }
                    Err(e) => problems.push(format!("custom.{key}: {e}")),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Prepared::Refused(problems.join("; "));
    }
    if !custom.is_empty() {
        body.insert("custom".into(), Value::Object(custom));
    }
    Prepared::Ready(body)
}

/// A rate as a spreadsheet holds it — `13%`, `13`, `0.13` — in basis points (1300).
fn basis_points(raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    if t.is_empty() || t == "-" {
        return Ok(Value::Null);
    }
    let bad = || format!("{t} is not a rate like 13% or 0.13");
    let (number, percent) = match t.strip_suffix(['%', '％']) {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let n: f64 = number.parse().map_err(|_| bad())?;
    let percent = if percent || n > 1.0 { n } else { n * 100.0 };
    let bp = (percent * 100.0).round();
    if !(0.0..=10_000.0).contains(&bp) {
        return Err(bad());
    }
    Ok(Value::from(bp as i64))
}

/// `people.xlsx` → `people.errors.csv` beside it.
fn errors_beside(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.errors.csv"))
}

/// The refused rows as CSV: the file's columns, then `row` and `reason`; every field through
/// the export's CSV writer (quoted when needed, formulas defused, control characters removed).
fn write_errors(
    path: &Path,
    header: &[String],
    errors: &[(usize, Vec<String>, String)],
) -> std::io::Result<()> {
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        for (i, c) in cells.enumerate() {
            if i > 0 {
                out.push(',');
            }
            output::push_csv_field(out, c);
        }
        out.push_str("\r\n");
    };
    line(
        &mut out,
        &mut header.iter().map(String::as_str).chain(["row", "reason"]),
    );
    for (at, cells, reason) in errors {
        let at = at.to_string();
        let mut padded: Vec<&str> = cells.iter().map(String::as_str).collect();
        padded.resize(header.len().max(padded.len()), "");
        line(
            &mut out,
            &mut padded.into_iter().chain([at.as_str(), reason.as_str()]),
        );
    }
    let _ = std::fs::remove_file(path);
    crate::private::file(path)?;
    std::fs::write(path, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_keeps_each_answered_part_privately_until_the_import_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let keys = ["import-a", "import-b"];
        let mut p = Progress::open(dir.path(), Entity::Customers, &keys);
        assert!(p.done.is_empty());
        p.record("import-a", &json!({"created": 3})).unwrap();
        // A run after a stop finds the part answered; another file's import does not.
        let again = Progress::open(dir.path(), Entity::Customers, &keys);
        assert_eq!(again.done["import-a"], json!({"created": 3}));
        assert!(!again.done.contains_key("import-b"));
        assert!(
            Progress::open(dir.path(), Entity::Contacts, &keys)
                .done
                .is_empty()
        );
        assert!(
            Progress::open(dir.path(), Entity::Customers, &["import-a"])
                .done
                .is_empty()
        );
        #[cfg(unix)]
        {
            assert_eq!(crate::private::mode(&again.path).unwrap(), 0o600);
            assert_eq!(
                crate::private::mode(again.path.parent().unwrap()).unwrap(),
                0o700
            );
        }
        again.finish();
        assert!(
            Progress::open(dir.path(), Entity::Customers, &keys)
                .done
                .is_empty()
        );
    }

    #[test]
    fn a_dry_runs_row_repeating_another_parts_row_counts_as_what_the_import_will_do() {
        let cells: Vec<Vec<String>> = (0..4).map(|i| vec![format!("cell {i}")]).collect();
        let bodies = [
            json!({"name": "北辰科技", "phone": "010-6552 1234"}),
            json!({"name": "南山贸易", "email": "bad"}),
            json!({"name": "东方物流", "phone": "+86 10 6552 1234"}),
            json!({"name": "南山 贸易"}),
        ];
        let ready: Vec<(Row<'_>, Map<String, Value>)> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    Row {
                        at: i + 2,
                        cells: &cells[i],
                    },
                    b.as_object().unwrap().clone(),
                )
            })
            .collect();
        // The server refused row 3 (its bad email) and, parts apart, created the others.
        let tally = || Tally {
            created: 3,
            refused: 1,
            errors: vec![(3, cells[1].clone(), "email: bad".into())],
            ..Tally::default()
        };
        let mut updating = tally();
        within_file(Entity::Customers, &ready, true, &mut updating);
        // Row 4 repeats row 2's phone; row 5 repeats refused row 3: nothing to repeat.
        assert_eq!(
            (updating.created, updating.updated, updating.refused),
            (2, 1, 1)
        );
        assert_eq!(updating.updates[0].0, 4);
        assert!(updating.updates[0].1.contains("the same phone as row 2"));
        let mut refusing = tally();
        within_file(Entity::Customers, &ready, false, &mut refusing);
        assert_eq!(
            (refusing.created, refusing.updated, refusing.refused),
            (2, 0, 2)
        );
        assert!(
            refusing
                .errors
                .iter()
                .any(|(at, _, why)| *at == 4 && why.contains("duplicates row 2"))
        );
    }

    #[test]
    fn rates_read_as_basis_points() {
        assert_eq!(basis_points("13%"), Ok(Value::from(1300)));
        assert_eq!(basis_points("6"), Ok(Value::from(600)));
        assert_eq!(basis_points("0.09"), Ok(Value::from(900)));
        assert_eq!(basis_points(""), Ok(Value::Null));
        assert!(basis_points("abc").is_err());
        assert!(basis_points("200%").is_err());
    }

    #[test]
    fn the_error_file_defuses_formulas_and_keeps_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.errors.csv");
        let header = vec!["名称".to_string(), "电话".to_string()];
        write_errors(
            &path,
            &header,
            &[(
                3,
                vec!["=HYPERLINK(\"x\")".into()],
                "phone: bad, very".into(),
            )],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "名称,电话,row,reason\r\n\"'=HYPERLINK(\"\"x\"\")\",,3,\"phone: bad, very\"\r\n"
        );
        #[cfg(unix)]
        assert_eq!(crate::private::mode(&path).unwrap() & 0o777, 0o600);
    }
}
