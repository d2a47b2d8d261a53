//! Deterministic demo data for `crm-server seed --demo` and `crm demo`: teams and users, Chinese
//! and English customers with contacts, a pipeline across every stage, a month of calendar around
//! today and a ticket queue with breached and nearly due service levels.
//!
//! Everything comes from a fixed-seed PRNG, a stream per record, so the same customer count gives
//! the same names, codes, ids and fields, and a larger count begins with the same customers; only
//! times move, being offsets from now. Users and teams go through [`service::create`] (passwords
//! hashed, rules applied). The bulk records are built here as full stored records (every field,
//! system fields, duplicate-check keys, read sets from [`access::read_set`]) by one thread and
//! written by another through [`Tx::insert_new`] in large transactions, because a million
//! customers through `service::create` one by one would take hours.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::{Map, Value, json};

use crate::access::{self, Lookup, Role};
use crate::dedupe;
use crate::error::ApiError;
use crate::schema::{Entity, PRIORITIES, SYSTEM_FIELDS};
use crate::service;
use crate::store::{
    self, AuditEntry, Database, Hidden, ListQuery, NewRecord, Record, StorageError, Tx,
};
use crate::validate::{self, format_time};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-password";

/// A user the demo data is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The team's name; None for the admin, who belongs to no team.
    pub team: Option<&'static str>,
}

const fn user(
    username: &'static str,
    display_name: &'static str,
    role: Role,
    team: Option<&'static str>,
) -> DemoUser {
    DemoUser {
        username,
        display_name,
        role,
        team,
    }
}

/// The demo users, all with [`DEMO_PASSWORD`]. `crm demo` signs in as the first, `demo`.
pub const DEMO_USERS: &[DemoUser] = &[
    user("demo", "Demo Admin", Role::Admin, None),
    user("wang", "王经理", Role::Manager, Some(EAST)),
    user("li", "李娜", Role::Sales, Some(EAST)),
    user("zhang", "张伟", Role::Sales, Some(NORTH)),
    user("emma", "Emma Clark", Role::Sales, Some(INTERNATIONAL)),
    user("chen", "陈静", Role::Agent, Some(CALL_CENTRE)),
    user("liu", "刘洋", Role::Agent, Some(CALL_CENTRE)),
];

const EAST: &str = "华东销售部";
const NORTH: &str = "华北销售部";
const INTERNATIONAL: &str = "International";
const CALL_CENTRE: &str = "呼叫中心";

// Positions in DEMO_USERS, so the generator can name people without looking them up.
const DEMO: usize = 0;
const WANG: usize = 1;
const LI: usize = 2;
const ZHANG: usize = 3;
const EMMA: usize = 4;
const CHEN: usize = 5;
const LIU: usize = 6;
const SALES: [usize; 3] = [LI, ZHANG, EMMA];
const AGENTS: [usize; 2] = [CHEN, LIU];

/// Customers per write transaction: large enough that commits are rare, small enough that the
/// WAL and the memory held stay modest.
const BATCH: usize = 100_000;
/// Customers the generator hands to the writer at a time: small, so each batch of records is
/// freed soon after it was allocated.
const CHUNK: usize = 500;
/// Customers remembered (with their contacts and opportunities) for activities and tickets.
const POOL: usize = 4_000;
const MAX_ACTIVITIES: usize = 3_000;
const MAX_TICKETS: usize = 3_000;
const SEED: u64 = 0x5EED_0C2A_2026_0001;
/// Ids are version-7 UUIDs whose timestamps count up from here, one millisecond per record, so
/// they are the same on every run and each index on `id` is appended to rather than split.
const ID_EPOCH_MS: u64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// What a seed made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub teams: usize,
    pub users: usize,
    pub customers: usize,
    pub contacts: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub tickets: usize,
    pub comments: usize,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seeded {} customers, {} contacts, {} opportunities, {} activities, {} tickets with {} comments; {} users in {} teams",
            self.customers,
            self.contacts,
            self.opportunities,
            self.activities,
            self.tickets,
            self.comments,
            self.users,
            self.teams
        )
    }
}

/// Fills an empty database with demo data: the [`DEMO_USERS`] and their teams, `customers`
/// customers with their contacts and opportunities, and (capped for large counts) a month of
/// activities and a queue of tickets with comments. Refuses a database that holds customers.
pub fn demo(db: &dyn Database, customers: usize) -> Result<SeedReport, ApiError> {
    seed(db, customers, BATCH, CHUNK)
}

/// [`demo`] with the sizes of transactions and of the generator's chunks given, so tests can
/// cross their boundaries with few customers.
fn seed(
    db: &dyn Database,
    customers: usize,
    batch: usize,
    chunk: usize,
) -> Result<SeedReport, ApiError> {
    let chunk = chunk.max(1);
    let now = Utc::now();
    let setup = store::write(db, setup)?;
    let teams = setup.teams_made;
    // One thread makes the customers while this one writes them: SQLite is the bottleneck, so
    // the making is hidden behind it.
    let mut g = std::thread::scope(|scope| {
        let (send, receive) = sync_channel::<Vec<NewRecord>>(16);
        let maker = scope.spawn(move || {
            let mut g = Gen::new(now, setup, customers);
            g.customers(&send, chunk);
            g
        });
        let written = write_customers(db, &receive, customers, batch, chunk);
        // Unblocks the maker when the writer stopped early.
        drop(receive);
        let g = maker
            .join()
            .map_err(|_| ApiError::Internal("the demo data generator failed".into()))?;
        written.map(|()| g)
    })?;
    let mut report = SeedReport {
        teams,
        users: DEMO_USERS.len(),
        customers,
        contacts: g.contacts,
        opportunities: g.opportunities,
        ..SeedReport::default()
    };
    store::write(db, |tx| -> Result<(), ApiError> {
        let tickets = g.tickets(tx, &mut report)?;
        let activities = g.activities(&mut report);
        tx.insert_new(&mut tickets.into_iter().chain(activities).map(Ok))?;
        Ok(tx.audit(&AuditEntry {
            actor_id: Some(crate::system_actor().id),
            action: "seed",
            entity: None,
            record_id: None,
            changes: Some(json!({
                "teams": report.teams,
                "users": report.users,
                "customers": report.customers,
                "contacts": report.contacts,
                "opportunities": report.opportunities,
                "activities": report.activities,
                "tickets": report.tickets,
                "comments": report.comments,
            })),
        })?)
    })?;
    Ok(report)
}

/// Writes the customers (with their contacts and opportunities) arriving from the generator, a
/// batch per transaction, giving each customer the next code as `service::create` would.
fn write_customers(
    db: &dyn Database,
    receive: &Receiver<Vec<NewRecord>>,
    total: usize,
    batch: usize,
    chunk: usize,
) -> Result<(), ApiError> {
    let mut done = 0;
    while done < total {
        let chunks = (total - done).min(batch.max(chunk)).div_ceil(chunk);
        let made = store::write(db, |tx| {
            let mut feed = Feed {
                tx,
                receive,
                chunk: Vec::new().into_iter(),
                chunks,
                customers: 0,
            };
            tx.insert_new(&mut feed)?;
            Ok::<_, StorageError>(feed.customers)
        })?;
        if made == 0 {
            return Err(ApiError::Internal(
                "the demo data generator stopped early".into(),
            ));
        }
        done += made;
    }
    Ok(())
}

/// The records of a number of chunks from the generator, customers given their codes.
struct Feed<'a> {
    tx: &'a dyn Tx,
    receive: &'a Receiver<Vec<NewRecord>>,
    chunk: std::vec::IntoIter<NewRecord>,
    /// Chunks still to take.
    chunks: usize,
    customers: usize,
}

impl Feed<'_> {
    fn code(&self) -> Result<String, StorageError> {
        loop {
            let code = format!("C{:06}", self.tx.next_counter("customer_code")?);
            if !self.tx.code_taken(&code, None)? {
                return Ok(code);
            }
        }
    }
}

impl Iterator for Feed<'_> {
    type Item = Result<NewRecord, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut r) = self.chunk.next() {
                if r.entity == Entity::Customers {
                    self.customers += 1;
                    match self.code() {
                        Ok(code) => set(&mut r.record, "code", code),
                        Err(e) => return Some(Err(e)),
                    }
                }
                return Some(Ok(r));
            }
            if self.chunks == 0 {
                return None;
            }
            self.chunks -= 1;
            self.chunk = self.receive.recv().ok()?.into_iter();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Setup: refuse a used database, make teams and users, read stages and service levels.

struct Stage {
    id: String,
    kind: String,
    probability: i64,
}

struct Setup {
    /// User ids in DEMO_USERS order.
    users: Vec<String>,
    /// Team id of each user, in DEMO_USERS order.
    teams: Vec<Option<String>>,
    teams_made: usize,
    stages: Vec<Stage>,
    /// (first response, resolution) minutes per entry of PRIORITIES.
    sla: Vec<(i64, i64)>,
}

fn object(v: Value) -> Record {
    match v {
        Value::Object(map) => map,
        _ => Record::new(),
    }
}

fn id_of(record: &Record) -> Result<String, ApiError> {
    record
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| ApiError::Internal("a created record has no id".into()))
}

fn setup(tx: &dyn Tx) -> Result<Setup, ApiError> {
    let any = ListQuery {
        sort: "name",
        limit: 1,
        ..ListQuery::default()
    };
    if !tx.list(Entity::Customers, &any, None)?.is_empty() {
        return Err(ApiError::BadRequest(
            "the database already holds customers; seed an empty database".into(),
        ));
    }
    let system = crate::system_actor();
    let mut team_ids: HashMap<&str, String> = HashMap::new();
    let mut teams_made = 0;
    for name in DEMO_USERS.iter().filter_map(|u| u.team) {
        if team_ids.contains_key(name) {
            continue;
        }
        // A team of that name made by hand is reused: the names are what the demo is about.
        let query = ListQuery {
            filters: vec![("name", json!(name))],
            sort: "name",
            limit: 1,
            ..ListQuery::default()
        };
        let id = match tx.list(Entity::Teams, &query, None)?.first() {
            Some(team) => id_of(team)?,
            None => {
                teams_made += 1;
                let made = service::create(
                    tx,
                    &system,
                    Entity::Teams,
                    &object(json!({"name": name})),
                    false,
                )?;
                id_of(&made.record)?
            }
        };
        team_ids.insert(name, id);
    }
    let mut users = Vec::new();
    let mut teams = Vec::new();
    for u in DEMO_USERS {
        if tx.username_taken(u.username, None)? {
            return Err(ApiError::BadRequest(format!(
                "a user named {} exists already; seed an empty database",
                u.username
            )));
        }
        let team = u.team.and_then(|t| team_ids.get(t)).cloned();
        let body = json!({
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role.as_str(),
            "team_id": team,
            "email": format!("{}@example.com", u.username),
            "password": DEMO_PASSWORD,
        });
        let made = service::create(tx, &system, Entity::Users, &object(body), false)?;
        users.push(id_of(&made.record)?);
        teams.push(team);
    }
    let all = ListQuery {
        sort: "position",
        limit: 1000,
        ..ListQuery::default()
    };
    let stages = tx
        .list(Entity::Stages, &all, None)?
        .iter()
        .map(|s| {
            Ok(Stage {
                id: id_of(s)?,
                kind: s
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("open")
                    .to_string(),
                probability: s.get("probability").and_then(Value::as_i64).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let sla = PRIORITIES
        .iter()
        .map(|p| tx.sla(p))
        .collect::<Result<_, _>>()?;
    Ok(Setup {
        users,
        teams,
        teams_made,
        stages,
        sla,
    })
}

// ---------------------------------------------------------------------------------------------
// The PRNG.

/// splitmix64: tiny, fast, and good enough for demo data.
struct Rng(u64);

/// The streams the generator draws from: each customer, ticket and activity has its own, so
/// a draw that depends on the time of day (whether a call is already past, say) cannot shift
/// what every later record gets.
const CUSTOMERS: u64 = 1;
const TICKETS: u64 = 2;
const ACTIVITIES: u64 = 3;

impl Rng {
    /// Stream `item` of `kind`.
    fn stream(kind: u64, item: usize) -> Rng {
        let mut rng = Rng(SEED ^ kind.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.0 ^= rng.next() ^ (item as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0). Multiply-shift: the bias is far below notice.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty. Always one draw, so the draws
    /// that follow do not depend on the range.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(0) as usize + 1) as i64
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Picks nearer the front more often: for lists ordered from common to rare.
    fn pick_skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let a = self.below(items.len());
        let b = self.below(items.len());
        &items[a.min(b)]
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut roll = self.below(total.max(1) as usize) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }

    /// `pattern` with each `#` replaced by a digit and each `@` by a capital letter.
    fn fill(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| match c {
                '#' => char::from(b'0' + self.below(10) as u8),
                '@' => char::from(b'A' + self.below(26) as u8),
                other => other,
            })
            .collect()
    }
}

/// The sets of fingerprints need no second hash.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes
            .iter()
            .fold(self.0, |h, b| h.rotate_left(8) ^ u64::from(*b));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Fingerprints = HashSet<u64, BuildHasherDefault<Prehashed>>;

/// FNV-1a: a fixed hash for the sets of names, phones and mails already handed out, so a million
/// of them cost eight bytes each.
fn fingerprint(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------------
// Read sets without a database round trip.

/// The access rules' view of the records made so far: the read sets of the customers in hand
/// and of the pooled ones, and every demo user's team.
#[derive(Default)]
struct Known {
    teams: HashMap<String, String>,
    sets: HashMap<(Entity, String), BTreeSet<String>>,
}

impl Lookup for Known {
    fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
        self.sets.get(&(entity, id.to_string())).cloned()
    }
    fn team_of(&self, user_id: &str) -> Option<String> {
        self.teams.get(user_id).cloned()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

/// A customer remembered for activities and tickets.
struct Pooled {
    id: String,
    short: String,
    zh: bool,
    owner: usize,
    created: DateTime<Utc>,
    /// (id, name)
    contacts: Vec<(String, String)>,
    /// (id, name)
    opportunities: Vec<(String, String)>,
}

struct PooledTicket {
    id: String,
    customer: usize,
    subject: String,
    created: DateTime<Utc>,
}

/// Where a customer is: a Chinese city or a foreign country.
#[derive(Clone, Copy)]
enum Place {
    Cn(&'static City),
    Abroad(&'static Country),
}

struct Gen {
    rng: Rng,
    now: DateTime<Utc>,
    /// Midnight UTC today: the calendar is laid out in days from here.
    today: DateTime<Utc>,
    total: usize,
    setup: Setup,
    known: Known,
    templates: HashMap<Entity, Record>,
    ids: u64,
    names: Fingerprints,
    phones: Fingerprints,
    emails: Fingerprints,
    domains: Fingerprints,
    /// Keep every `stride`-th customer in the pool.
    stride: usize,
    pool: Vec<Pooled>,
    tickets: Vec<PooledTicket>,
    contacts: usize,
    opportunities: usize,
}

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

/// The duplicate-check keys `service::create` stores beside a customer.
fn customer_keys(record: &Record) -> Hidden {
    vec![
        ("name_key", text(record, "name").and_then(dedupe::name_key)),
        (
            "phone_key",
            text(record, "phone").and_then(dedupe::phone_key),
        ),
        (
            "email_key",
            text(record, "email").and_then(dedupe::email_key),
        ),
    ]
}

fn set(record: &mut Record, field: &str, value: impl Into<Value>) {
    // Every field is present from the template, so this never allocates a key.
    match record.get_mut(field) {
        Some(slot) => *slot = value.into(),
        None => debug_assert!(false, "{field} is not a field of the record being seeded"),
    }
}

impl Gen {
    fn new(now: DateTime<Utc>, setup: Setup, total: usize) -> Gen {
        let today = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(now, |t| t.and_utc());
        let mut known = Known::default();
        for (user, team) in setup.users.iter().zip(&setup.teams) {
            if let Some(team) = team {
                known.teams.insert(user.clone(), team.clone());
            }
        }
        let templates = Entity::ALL
            .iter()
            .map(|&e| {
                let mut r = Record::new();
                for field in SYSTEM_FIELDS {
                    r.insert((*field).to_string(), Value::Null);
                }
                for field in e.fields() {
                    r.insert(field.name.to_string(), validate::default_value(field));
                }
                (e, r)
            })
            .collect();
        Gen {
            rng: Rng(SEED),
            now,
            today,
            total,
            setup,
            known,
            templates,
            ids: 0,
            names: Fingerprints::default(),
            phones: Fingerprints::default(),
            emails: Fingerprints::default(),
            domains: Fingerprints::default(),
            stride: total.div_ceil(POOL).max(1),
            pool: Vec::new(),
            tickets: Vec::new(),
            contacts: 0,
            opportunities: 0,
        }
    }

    fn user(&self, index: usize) -> &str {
        &self.setup.users[index]
    }

    fn new_id(&mut self) -> String {
        let millis = ID_EPOCH_MS + self.ids;
        self.ids += 1;
        let bits = (u128::from(self.rng.next()) << 64 | u128::from(self.rng.next())).to_be_bytes();
        let mut random = [0u8; 10];
        random.copy_from_slice(&bits[..10]);
        uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A full record of `entity` with every field at its default and the system fields set.
    fn record(
        &mut self,
        entity: Entity,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
        by: &str,
    ) -> Record {
        let mut r = self.templates.get(&entity).cloned().unwrap_or_default();
        let id = self.new_id();
        set(&mut r, "id", id);
        set(&mut r, "version", 1);
        set(&mut r, "created_at", format_time(created));
        set(&mut r, "updated_at", format_time(updated.max(created)));
        set(&mut r, "created_by", by);
        r
    }

    /// A time between `from` and now, or `from` itself when that is not in the past.
    fn since(&mut self, from: DateTime<Utc>) -> DateTime<Utc> {
        let span = (self.now - from).num_seconds();
        from + Duration::seconds(self.rng.between(0, span.max(0)))
    }

    /// An instant on `day` (midnight UTC) at a Beijing working hour, 09:00 to 17:45.
    fn working_time(&mut self, day: DateTime<Utc>) -> DateTime<Utc> {
        let hour = self.rng.between(9, 17);
        let minute = 15 * self.rng.between(0, 3);
        day + Duration::hours(hour - 8) + Duration::minutes(minute)
    }

    /// Draws from `make` until the name is new; very large seeds may exhaust a name space, and
    /// then a number makes it unique.
    fn unique_name(&mut self, index: usize, mut make: impl FnMut(&mut Rng) -> String) -> String {
        let mut name = String::new();
        for _ in 0..30 {
            name = make(&mut self.rng);
            if self.claim_name(&name) {
                return name;
            }
        }
        let name = format!("{name} #{}", index + 1);
        self.claim_name(&name);
        name
    }

    fn claim_name(&mut self, name: &str) -> bool {
        dedupe::name_key(name).is_some_and(|key| self.names.insert(fingerprint(&key)))
    }

    fn unique_phone(&mut self, mut make: impl FnMut(&mut Rng) -> String) -> String {
        loop {
            let phone = make(&mut self.rng);
            if let Some(key) = dedupe::phone_key(&phone)
                && self.phones.insert(fingerprint(&key))
            {
                return phone;
            }
        }
    }

    /// Records a mail address as handed out; false when it was already.
    fn claim_email(&mut self, email: &str) -> bool {
        dedupe::email_key(email).is_some_and(|key| self.emails.insert(fingerprint(&key)))
    }

    /// A web domain not handed out before, from a label; a city or the index tell apart those
    /// that clash.
    fn unique_domain(&mut self, label: &str, city: &str, tld: &str, index: usize) -> String {
        for candidate in [
            format!("{label}.{tld}"),
            format!("{label}-{city}.{tld}"),
            format!("{city}{label}.{tld}"),
        ] {
            if self.domains.insert(fingerprint(&candidate)) {
                return candidate;
            }
        }
        let candidate = format!("{label}{}.{tld}", index + 1);
        self.domains.insert(fingerprint(&candidate));
        candidate
    }

    fn mobile(rng: &mut Rng) -> String {
        let prefix = rng.pick(MOBILE_PREFIXES);
        rng.fill(&format!("{prefix}-####-####"))
    }

    fn landline(rng: &mut Rng, city: &City) -> String {
        let first = rng.between(2, 8);
        rng.fill(&format!("{}-{first}#######", city.area))
    }

    // -----------------------------------------------------------------------------------------
    // Customers, contacts, opportunities.

    /// Makes every customer, with its contacts and opportunities, and sends them on in chunks.
    fn customers(&mut self, send: &SyncSender<Vec<NewRecord>>, chunk: usize) {
        let mut start = 0;
        while start < self.total {
            let end = (start + chunk.max(1)).min(self.total);
            let mut chunk = Vec::with_capacity((end - start) * 3);
            for index in start..end {
                self.customer(index, &mut chunk);
            }
            if send.send(chunk).is_err() {
                return;
            }
            start = end;
        }
    }

    /// Appends a customer, then its contacts and opportunities (parents first, so a client
    /// following the change feed never holds a child without its parent). The writer fills in
    /// the code.
    fn customer(&mut self, index: usize, out: &mut Vec<NewRecord>) {
        self.rng = Rng::stream(CUSTOMERS, index);
        // Created over the last three years in code order, so older customers have lower codes.
        let span = 3 * 365 * 86_400_i64;
        let slot = span / self.total.max(1) as i64;
        let offset =
            span * index as i64 / self.total.max(1) as i64 + self.rng.between(0, slot.max(1) - 1);
        let created =
            (self.today - Duration::seconds(span) + Duration::seconds(offset)).min(self.now);
        let updated = if self.rng.percent(40) {
            created
        } else {
            self.since(created)
        };

        let roll = self.rng.below(100);
        let person = roll >= 85;
        let zh = if person { roll < 96 } else { roll < 68 };
        let place = if zh {
            Place::Cn(self.rng.pick_skewed(CITIES))
        } else {
            Place::Abroad(self.rng.pick(COUNTRIES))
        };
        let owner = self.owner_for(place);
        let owner_id = self.user(owner).to_string();
        let mut r = self.record(Entity::Customers, created, updated, &owner_id);
        let id = text(&r, "id").unwrap_or_default().to_string();

        // Names, and the labels mail addresses are made from.
        let (name, short, person_mail, domain_label) = match (person, place) {
            (false, Place::Cn(city)) => {
                let (name, short, label) = self.chinese_company(index, city);
                (name, short, None, Some(label))
            }
            (false, Place::Abroad(country)) => {
                let (name, short, label) = self.english_company(index, country);
                (name, short, None, Some(label))
            }
            (true, Place::Cn(_)) => {
                let (name, mail) = self.unique_person_zh(index);
                (name.clone(), name, Some(mail), None)
            }
            (true, Place::Abroad(_)) => {
                let (name, mail) = self.unique_person_en(index);
                (name.clone(), name, Some(mail), None)
            }
        };
        set(&mut r, "name", name);
        set(&mut r, "kind", if person { "person" } else { "company" });

        // Where they are and how to reach them.
        let (region, city_label) = match place {
            Place::Cn(city) => (city.region, city.pinyin),
            Place::Abroad(country) => (INTERNATIONAL, country.label),
        };
        set(&mut r, "region", region);
        let address = self.address(place, &short);
        set(&mut r, "address", address);
        let postcode = match place {
            Place::Cn(city) => self.rng.fill(&format!("{}###", city.post)),
            Place::Abroad(country) => self.rng.fill(country.postcode),
        };
        set(&mut r, "postcode", postcode);
        let phone = match (person, place) {
            (true, Place::Cn(_)) => self.unique_phone(Gen::mobile),
            (false, Place::Cn(city)) => self.unique_phone(|rng| Gen::landline(rng, city)),
            (_, Place::Abroad(country)) => self.unique_phone(|rng| rng.fill(country.phone)),
        };
        set(&mut r, "phone", phone);
        let mut domain = None;
        if let Some(label) = &domain_label {
            let tld = match place {
                Place::Cn(_) => *self.rng.weighted(&[("com", 5), ("cn", 3), ("com.cn", 2)]),
                Place::Abroad(country) => country.tld,
            };
            let d = self.unique_domain(label, city_label, tld, index);
            if self.rng.percent(20)
                && let Place::Cn(city) = place
            {
                let fax = self.unique_phone(|rng| Gen::landline(rng, city));
                set(&mut r, "fax", fax);
            }
            if self.rng.percent(65) {
                set(&mut r, "website", format!("https://www.{d}"));
            }
            if self.rng.percent(75) {
                let mailbox = if zh {
                    self.rng
                        .pick(&["info", "sales", "service", "contact", "office"])
                } else {
                    self.rng
                        .pick(&["info", "sales", "hello", "contact", "office"])
                };
                // The domain is new, so the address is too; this records it as taken.
                let email = format!("{mailbox}@{d}");
                if self.claim_email(&email) {
                    set(&mut r, "email", email);
                }
            }
            domain = Some(d);
        } else if let Some(mail) = person_mail.filter(|_| self.rng.percent(60))
            && self.claim_email(&mail)
        {
            set(&mut r, "email", mail);
        }

        // How they are classified.
        if !person {
            let industry = match place {
                Place::Cn(_) => *self.rng.pick(INDUSTRIES_ZH_FIELD),
                Place::Abroad(_) => *self.rng.pick(INDUSTRIES_EN_FIELD),
            };
            set(&mut r, "industry", industry);
        }
        let level = *self
            .rng
            .weighted(&[("A", 5), ("B", 15), ("C", 40), ("D", 40)]);
        set(&mut r, "level", level);
        let category = *self.rng.weighted(&[
            ("prospect", 35),
            ("customer", 40),
            ("partner", 8),
            ("dealer", 7),
            ("supplier", 5),
            ("other", 5),
        ]);
        set(&mut r, "category", category);
        let lifecycle = if category == "prospect" {
            *self.rng.weighted(&[("potential", 85), ("lost", 15)])
        } else {
            *self.rng.weighted(&[
                ("active", 65),
                ("dormant", 20),
                ("lost", 8),
                ("potential", 7),
            ])
        };
        set(&mut r, "lifecycle", lifecycle);
        let source = if zh {
            *self.rng.pick(SOURCES_ZH)
        } else {
            *self.rng.pick(SOURCES_EN)
        };
        set(&mut r, "source", source);
        let tag_count = *self.rng.weighted(&[(0usize, 40), (1, 35), (2, 18), (3, 7)]);
        let mut tags: Vec<Value> = Vec::new();
        for _ in 0..tag_count {
            let tag = if zh {
                *self.rng.pick(TAGS_ZH)
            } else {
                *self.rng.pick(TAGS_EN)
            };
            if !tags.iter().any(|t| t == tag) {
                tags.push(json!(tag));
            }
        }
        if level == "A" && !tags.iter().any(|t| t == "VIP") {
            tags.push(json!("VIP"));
        }
        set(&mut r, "tags", tags);
        if self.rng.percent(20) {
            let note = if zh {
                *self.rng.pick(CUSTOMER_NOTES_ZH)
            } else {
                *self.rng.pick(CUSTOMER_NOTES_EN)
            };
            set(&mut r, "notes", note);
        }
        if !person && self.rng.percent(18) {
            let extra = if zh {
                let mut m = Map::new();
                m.insert("年营业额".into(), json!(self.rng.pick(REVENUES_ZH)));
                m.insert("员工人数".into(), json!(self.rng.between(8, 5000)));
                if self.rng.percent(50) {
                    m.insert(
                        "统一社会信用代码".into(),
                        json!(self.rng.fill("91######@@#######@")),
                    );
                }
                m
            } else {
                let mut m = Map::new();
                m.insert("annual_revenue".into(), json!(self.rng.pick(REVENUES_EN)));
                m.insert("employees".into(), json!(self.rng.between(5, 20_000)));
                m
            };
            set(&mut r, "extra", Value::Object(extra));
        }

        // Who works it.
        set(&mut r, "owner_id", owner_id.clone());
        set(
            &mut r,
            "team_id",
            self.setup.teams[owner]
                .clone()
                .map_or(Value::Null, Value::String),
        );
        if self.rng.percent(5) {
            let others: Vec<usize> = SALES.iter().copied().filter(|&u| u != owner).collect();
            let with = *self.rng.pick(&others);
            set(&mut r, "shared_with", json!([self.user(with)]));
        }

        let read_set = access::read_set(Entity::Customers, &r, &self.known);
        self.known
            .sets
            .insert((Entity::Customers, id.clone()), read_set.clone());
        let hidden = customer_keys(&r);
        out.push(NewRecord {
            entity: Entity::Customers,
            record: r,
            hidden,
            read_set,
        });

        // Contacts: a person is their own contact; companies have one to three.
        let count = if person {
            1
        } else {
            *self.rng.weighted(&[(1usize, 55), (2, 30), (3, 15)])
        };
        let mut made_contacts = Vec::with_capacity(count);
        for n in 0..count {
            let own_name = person.then_some(short.as_str());
            let contact = self.contact(
                &id,
                &owner_id,
                created,
                zh,
                place,
                domain.as_deref(),
                own_name,
                n == 0,
            );
            let cid = text(&contact.record, "id").unwrap_or_default().to_string();
            let cname = text(&contact.record, "name")
                .unwrap_or_default()
                .to_string();
            made_contacts.push((cid, cname));
            out.push(contact);
            self.contacts += 1;
        }

        // Opportunities for about three customers in ten.
        let mut made_opps = Vec::new();
        if self.rng.percent(30) {
            let count = if self.rng.percent(20) { 2 } else { 1 };
            for _ in 0..count {
                let opp = self.opportunity(
                    &id,
                    &owner_id,
                    &short,
                    zh,
                    person,
                    created,
                    source,
                    &made_contacts,
                );
                let oid = text(&opp.record, "id").unwrap_or_default().to_string();
                let oname = text(&opp.record, "name").unwrap_or_default().to_string();
                if index.is_multiple_of(self.stride) {
                    self.known
                        .sets
                        .insert((Entity::Opportunities, oid.clone()), opp.read_set.clone());
                }
                made_opps.push((oid, oname));
                out.push(opp);
                self.opportunities += 1;
            }
        }

        if index.is_multiple_of(self.stride) {
            self.pool.push(Pooled {
                id,
                short,
                zh,
                owner,
                created,
                contacts: made_contacts,
                opportunities: made_opps,
            });
        } else {
            self.known.sets.remove(&(Entity::Customers, id));
        }
    }

    /// The salesperson a customer belongs to, by where it is.
    fn owner_for(&mut self, place: Place) -> usize {
        match place {
            Place::Abroad(_) => *self.rng.weighted(&[(EMMA, 85), (LI, 10), (WANG, 5)]),
            Place::Cn(city) => match city.region {
                "华北" | "东北" | "西北" => *self.rng.weighted(&[(ZHANG, 90), (WANG, 10)]),
                "华东" => *self.rng.weighted(&[(LI, 70), (WANG, 30)]),
                _ => *self.rng.weighted(&[(LI, 40), (ZHANG, 40), (WANG, 20)]),
            },
        }
    }

    /// (name, short name, domain label)
    fn chinese_company(&mut self, index: usize, city: &'static City) -> (String, String, String) {
        let mut parts = None;
        let name = self.unique_name(index, |rng| {
            let a = rng.pick(BRAND_CHARS);
            let mut b = rng.pick(BRAND_CHARS);
            while b.0 == a.0 {
                b = rng.pick(BRAND_CHARS);
            }
            let industry = rng.pick(INDUSTRIES_ZH);
            let suffix = if industry.0.contains("科技") {
                *rng.weighted(&[("有限公司", 6), ("股份有限公司", 2), ("集团有限公司", 1)])
            } else {
                *rng.weighted(&[
                    ("有限公司", 5),
                    ("科技有限公司", 3),
                    ("股份有限公司", 1),
                    ("集团有限公司", 1),
                    ("集团", 1),
                ])
            };
            let brand = format!("{}{}", a.0, b.0);
            let label = format!("{}{}{}", a.1, b.1, industry.1);
            let name = format!("{}{brand}{}{suffix}", city.name, industry.0);
            parts = Some((format!("{brand}{}", industry.0), label));
            name
        });
        let (short, label) = parts.unwrap_or_default();
        (name, short, label)
    }

    fn english_company(
        &mut self,
        index: usize,
        country: &'static Country,
    ) -> (String, String, String) {
        let mut parts = None;
        let name = self.unique_name(index, |rng| {
            let prefix = if rng.percent(45) {
                (*rng.pick(EN_PREFIXES)).to_string()
            } else {
                format!(
                    "{}{}",
                    rng.pick(EN_FIRST_PARTS),
                    rng.pick(EN_SECOND_PARTS).to_lowercase()
                )
            };
            let industry = *rng.pick(EN_INDUSTRIES);
            let suffix = *rng.pick(country.suffixes);
            let qualified = if rng.percent(25) {
                format!("{prefix} {industry} ({}) {suffix}", country.name)
            } else {
                format!("{prefix} {industry} {suffix}")
            };
            let label: String = format!("{prefix}{industry}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .flat_map(|c| c.to_lowercase())
                .collect();
            parts = Some((prefix, label));
            qualified
        });
        let (short, label) = parts.unwrap_or_default();
        (name, short, label)
    }

    /// A Chinese person's name not used by another customer, and a personal mail address.
    fn unique_person_zh(&mut self, index: usize) -> (String, String) {
        let mut mail = String::new();
        let name = self.unique_name(index, |rng| {
            let (name, pinyin) = person_zh(rng);
            let host = rng.pick(&["163.com", "126.com", "qq.com", "sina.com", "foxmail.com"]);
            mail = format!("{pinyin}{}@{host}", rng.between(60, 99));
            name
        });
        (name, mail)
    }

    fn unique_person_en(&mut self, index: usize) -> (String, String) {
        let mut mail = String::new();
        let name = self.unique_name(index, |rng| {
            let first = rng.pick(EN_FIRST_NAMES);
            let last = rng.pick(EN_LAST_NAMES);
            let host = rng.pick(&[
                "gmail.com",
                "outlook.com",
                "yahoo.com",
                "icloud.com",
                "proton.me",
            ]);
            mail = format!(
                "{}.{}{}@{host}",
                first.to_lowercase(),
                last.to_lowercase(),
                rng.between(1, 99)
            );
            if rng.percent(60) {
                format!("{first} {}. {last}", char::from(b'A' + rng.below(26) as u8))
            } else {
                format!("{first} {last}")
            }
        });
        (name, mail)
    }

    fn address(&mut self, place: Place, short: &str) -> String {
        match place {
            Place::Cn(city) => {
                let district = self.rng.pick(city.districts);
                let road = self.rng.pick(ROADS_ZH);
                let number = self.rng.between(1, 999);
                let building = if self.rng.percent(60) {
                    let tower = self.rng.pick(&["大厦", "中心", "广场", "科技园", "商务楼"]);
                    let floor = self.rng.between(2, 38);
                    let brand: String = short.chars().take(2).collect();
                    format!("{brand}{tower}{floor}楼")
                } else {
                    format!(
                        "{}号楼{}室",
                        self.rng.between(1, 12),
                        self.rng.between(101, 2208)
                    )
                };
                format!("{}市{district}{road}{number}号{building}", city.name)
            }
            Place::Abroad(country) => {
                let city = self.rng.pick(country.cities);
                let street = self.rng.pick(EN_STREETS);
                format!(
                    "{} {street}, {city}, {}",
                    self.rng.between(1, 480),
                    country.name
                )
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn contact(
        &mut self,
        customer_id: &str,
        owner_id: &str,
        customer_created: DateTime<Utc>,
        zh: bool,
        place: Place,
        domain: Option<&str>,
        own_name: Option<&str>,
        primary: bool,
    ) -> NewRecord {
        let created =
            (customer_created + Duration::minutes(self.rng.between(1, 60 * 24 * 20))).min(self.now);
        let updated = if self.rng.percent(70) {
            created
        } else {
            self.since(created)
        };
        let mut r = self.record(Entity::Contacts, created, updated, owner_id);
        set(&mut r, "customer_id", customer_id);
        let (name, mail_user) = match (own_name, zh) {
            (Some(name), _) => (name.to_string(), None),
            (None, true) => {
                let (name, pinyin) = person_zh(&mut self.rng);
                (name, Some(pinyin))
            }
            (None, false) => {
                let first = self.rng.pick(EN_FIRST_NAMES);
                let last = self.rng.pick(EN_LAST_NAMES);
                (
                    format!("{first} {last}"),
                    Some(format!("{}.{}", first.to_lowercase(), last.to_lowercase())),
                )
            }
        };
        set(&mut r, "name", name);
        if own_name.is_none() {
            let (title, department) = if zh {
                *self.rng.pick(TITLES_ZH)
            } else {
                *self.rng.pick(TITLES_EN)
            };
            set(&mut r, "title", title);
            set(&mut r, "department", department);
        }
        match place {
            Place::Cn(city) => {
                if own_name.is_none() && self.rng.percent(70) {
                    let mut phone = Gen::landline(&mut self.rng, city);
                    if self.rng.percent(40) {
                        phone = format!("{phone} 转 {}", self.rng.between(800, 8999));
                    }
                    set(&mut r, "phone", phone);
                }
                if self.rng.percent(90) {
                    let mobile = Gen::mobile(&mut self.rng);
                    set(&mut r, "mobile", mobile);
                }
            }
            Place::Abroad(country) => {
                let phone = self.rng.fill(country.phone);
                set(&mut r, "phone", phone);
                if self.rng.percent(60) {
                    let mobile = self.rng.fill(country.mobile);
                    set(&mut r, "mobile", mobile);
                }
            }
        }
        if let (Some(user), Some(domain)) = (mail_user, domain)
            && self.rng.percent(80)
        {
            set(&mut r, "email", format!("{user}@{domain}"));
        }
        if let Some(birthday) = self.birthday() {
            set(&mut r, "birthday", birthday);
        }
        set(&mut r, "is_primary", primary);
        let channel = if zh {
            *self.rng.weighted(&[
                ("wechat", 35),
                ("mobile", 25),
                ("phone", 15),
                ("email", 15),
                ("visit", 5),
                ("sms", 5),
            ])
        } else {
            *self.rng.weighted(&[
                ("email", 50),
                ("phone", 20),
                ("mobile", 20),
                ("web", 5),
                ("visit", 5),
            ])
        };
        set(&mut r, "preferred_channel", channel);
        if self.rng.percent(10) {
            let note = if zh {
                *self.rng.pick(CONTACT_NOTES_ZH)
            } else {
                *self.rng.pick(CONTACT_NOTES_EN)
            };
            set(&mut r, "notes", note);
        }
        let read_set = access::read_set(Entity::Contacts, &r, &self.known);
        NewRecord {
            entity: Entity::Contacts,
            record: r,
            hidden: Vec::new(),
            read_set,
        }
    }

    /// Seven in ten contacts have a birthday on file; some fall in the coming month, so the
    /// birthday reminders have something to show.
    fn birthday(&mut self) -> Option<String> {
        if !self.rng.percent(70) {
            return None;
        }
        let year = self.rng.between(1960, 2000) as i32;
        let (month, day) = if self.rng.percent(12) {
            let date = self.today.date_naive() + Duration::days(self.rng.between(0, 29));
            (date.month(), date.day())
        } else {
            let date = NaiveDate::from_yo_opt(2001, self.rng.between(1, 365) as u32)?;
            (date.month(), date.day())
        };
        // 29 February only exists in leap years.
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(1988, month, day))?;
        Some(date.format("%Y-%m-%d").to_string())
    }

    #[allow(clippy::too_many_arguments)]
    fn opportunity(
        &mut self,
        customer_id: &str,
        owner_id: &str,
        short: &str,
        zh: bool,
        person: bool,
        customer_created: DateTime<Utc>,
        source: &str,
        contacts: &[(String, String)],
    ) -> NewRecord {
        // The stages are read from the database: open ones weighted towards the top of the
        // funnel, and a good share already won or lost.
        let open = self
            .setup
            .stages
            .iter()
            .filter(|s| s.kind == "open")
            .count();
        let mut weights = Vec::with_capacity(self.setup.stages.len());
        let mut open_seen = 0;
        for (i, stage) in self.setup.stages.iter().enumerate() {
            let w = match stage.kind.as_str() {
                "open" => {
                    open_seen += 1;
                    (open - open_seen + 3) as u32
                }
                "won" => 4,
                _ => 3,
            };
            weights.push((i, w));
        }
        let stage_index = if weights.is_empty() {
            None
        } else {
            Some(*self.rng.weighted(&weights))
        };
        let (stage_id, kind, probability) = match stage_index.map(|i| &self.setup.stages[i]) {
            Some(s) => (Some(s.id.clone()), s.kind.clone(), Some(s.probability)),
            None => (None, "open".to_string(), None),
        };

        let created = self.since(customer_created.max(self.now - Duration::days(240)));
        let updated = self.since(created);
        let mut r = self.record(Entity::Opportunities, created, updated, owner_id);
        set(&mut r, "customer_id", customer_id);
        if !contacts.is_empty() && self.rng.percent(80) {
            let (cid, _) = self.rng.pick(contacts);
            set(&mut r, "contact_id", cid.clone());
        }
        let item = match (zh, person) {
            (true, false) => *self.rng.pick(DEALS_ZH),
            (true, true) => *self.rng.pick(PERSONAL_DEALS_ZH),
            (false, false) => *self.rng.pick(DEALS_EN),
            (false, true) => *self.rng.pick(PERSONAL_DEALS_EN),
        };
        let name = if zh {
            format!("{short} · {item}")
        } else {
            format!("{short} – {item}")
        };
        set(&mut r, "name", name);
        if let Some(stage_id) = stage_id {
            set(&mut r, "stage_id", stage_id);
        }
        if let Some(p) = probability {
            set(&mut r, "probability", p);
        }
        // Integer yuan (or dollars) in bands, so small deals are common and large ones rare.
        let band = *self.rng.weighted(&[
            ((5_000, 20_000), 30),
            ((20_000, 100_000), 35),
            ((100_000, 500_000), 25),
            ((500_000, 2_000_000), 10),
        ]);
        let (lo, hi) = if zh { band } else { (band.0 / 5, band.1 / 7) };
        let whole = self.rng.between(lo / 100, hi / 100) * 100;
        set(&mut r, "amount", whole * 100);
        set(&mut r, "currency", if zh { "CNY" } else { "USD" });
        let close = if kind == "open" {
            self.today + Duration::days(self.rng.between(-30, 90))
        } else {
            self.today - Duration::days(self.rng.between(0, 90))
        };
        set(
            &mut r,
            "expected_close",
            close.format("%Y-%m-%d").to_string(),
        );
        set(&mut r, "owner_id", owner_id);
        set(&mut r, "source", source);
        match kind.as_str() {
            "open" => {
                let step = if zh {
                    *self.rng.pick(NEXT_STEPS_ZH)
                } else {
                    *self.rng.pick(NEXT_STEPS_EN)
                };
                set(&mut r, "next_step", step);
            }
            "won" => {
                let reason = if zh {
                    *self.rng.pick(WON_ZH)
                } else {
                    *self.rng.pick(WON_EN)
                };
                set(&mut r, "close_reason", reason);
                let step = if zh {
                    "安排实施启动会"
                } else {
                    "Schedule the kick-off"
                };
                set(&mut r, "next_step", step);
            }
            _ => {
                let reason = if zh {
                    *self.rng.pick(LOST_ZH)
                } else {
                    *self.rng.pick(LOST_EN)
                };
                set(&mut r, "close_reason", reason);
            }
        }
        let read_set = access::read_set(Entity::Opportunities, &r, &self.known);
        NewRecord {
            entity: Entity::Opportunities,
            record: r,
            hidden: Vec::new(),
            read_set,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tickets and their comments.

    /// The ticket queue, each ticket followed by its comments.
    fn tickets(
        &mut self,
        tx: &dyn Tx,
        report: &mut SeedReport,
    ) -> Result<Vec<NewRecord>, ApiError> {
        if self.pool.is_empty() {
            return Ok(Vec::new());
        }
        let count = self.total.div_ceil(2).min(MAX_TICKETS);
        let mut out = Vec::with_capacity(count * 3);
        for i in 0..count {
            self.rng = Rng::stream(TICKETS, i);
            let number = format!("T-{:06}", tx.next_counter("ticket_number")?);
            let (ticket, mut comments) = self.ticket(number);
            report.tickets += 1;
            report.comments += comments.len();
            out.push(ticket);
            out.append(&mut comments);
        }
        Ok(out)
    }

    fn ticket(&mut self, number: String) -> (NewRecord, Vec<NewRecord>) {
        let customer = self.rng.below(self.pool.len());
        let zh = self.pool[customer].zh;
        let priority_index = *self
            .rng
            .weighted(&[(0usize, 20), (1, 50), (2, 20), (3, 10)]);
        let priority = PRIORITIES.get(priority_index).copied().unwrap_or("normal");
        let (first_minutes, resolve_minutes) = self
            .setup
            .sla
            .get(priority_index)
            .copied()
            .unwrap_or((240, 1440));
        let status = *self.rng.weighted(&[
            ("new", 12),
            ("open", 25),
            ("pending", 13),
            ("resolved", 30),
            ("closed", 20),
        ]);
        let minutes = Duration::minutes;

        // Opened at a time chosen so that the queue shows every state of the service level:
        // long finished, comfortably within, nearly due and breached.
        let created = match status {
            "resolved" | "closed" => self.now - minutes(self.rng.between(60 * 24, 60 * 24 * 30)),
            "new" => self.now - minutes(self.rng.between(1, first_minutes * 2)),
            _ => match self.rng.below(100) {
                0..30 => {
                    self.now - minutes(resolve_minutes + self.rng.between(30, resolve_minutes * 2))
                }
                30..55 => {
                    self.now
                        - minutes(
                            resolve_minutes - self.rng.between(10, 120.min(resolve_minutes - 1)),
                        )
                }
                _ => self.now - minutes(self.rng.between(5, resolve_minutes / 2)),
            },
        }
        .max(self.pool[customer].created);
        let first_due = created + minutes(first_minutes);
        let resolve_due = created + minutes(resolve_minutes);
        let responded = (status != "new").then(|| {
            // Mostly in time; a few late.
            let late = self.rng.percent(15);
            let after = if late {
                self.rng.between(first_minutes, first_minutes * 2)
            } else {
                self.rng.between(2, first_minutes)
            };
            (created + minutes(after)).min(self.now)
        });
        let resolved = matches!(status, "resolved" | "closed").then(|| {
            let late = self.rng.percent(15);
            let after = if late {
                self.rng.between(resolve_minutes, resolve_minutes * 3)
            } else {
                self.rng.between(first_minutes, resolve_minutes)
            };
            let at = (created + minutes(after)).min(self.now - minutes(5));
            at.max(responded.unwrap_or(created))
        });
        let assignee = match status {
            "new" if self.rng.percent(70) => None,
            "new" => Some(*self.rng.pick(&AGENTS)),
            _ if self.rng.percent(8) => None,
            _ => Some(*self.rng.pick(&AGENTS)),
        };
        let by = *self.rng.pick(&AGENTS);
        let last_event = resolved.or(responded).unwrap_or(created);
        let updated = if status == "closed" {
            self.since(last_event)
        } else {
            last_event
        };
        let by_id = self.user(by).to_string();
        let mut r = self.record(Entity::Tickets, created, updated, &by_id);
        let id = text(&r, "id").unwrap_or_default().to_string();
        set(&mut r, "number", number);
        let topic = if zh {
            self.rng.pick(TICKETS_ZH)
        } else {
            self.rng.pick(TICKETS_EN)
        };
        set(&mut r, "subject", topic.subject);
        set(&mut r, "description", topic.description);
        set(&mut r, "category", topic.category);
        set(&mut r, "customer_id", self.pool[customer].id.clone());
        if !self.pool[customer].contacts.is_empty() && self.rng.percent(85) {
            let pick = self.rng.below(self.pool[customer].contacts.len());
            set(
                &mut r,
                "contact_id",
                self.pool[customer].contacts[pick].0.clone(),
            );
        }
        let channel =
            *self
                .rng
                .weighted(&[("phone", 45), ("email", 25), ("web", 20), ("visit", 10)]);
        set(&mut r, "channel", channel);
        set(&mut r, "priority", priority);
        set(&mut r, "status", status);
        if let Some(a) = assignee {
            set(&mut r, "assignee_id", self.user(a).to_string());
        }
        set(&mut r, "first_response_due", format_time(first_due));
        set(&mut r, "resolution_due", format_time(resolve_due));
        if let Some(t) = responded {
            set(&mut r, "first_responded_at", format_time(t));
        }
        if let Some(t) = resolved {
            set(&mut r, "resolved_at", format_time(t));
            set(&mut r, "resolution", topic.resolution);
            if self.rng.percent(60) {
                let score = *self
                    .rng
                    .weighted(&[(1i64, 5), (2, 5), (3, 15), (4, 35), (5, 40)]);
                set(&mut r, "satisfaction", score);
            }
        }
        let read_set = access::read_set(Entity::Tickets, &r, &self.known);
        self.known
            .sets
            .insert((Entity::Tickets, id.clone()), read_set.clone());
        self.tickets.push(PooledTicket {
            id: id.clone(),
            customer,
            subject: topic.subject.to_string(),
            created,
        });

        // Comments: a first reply when it was answered, then notes until it was resolved. A new
        // ticket has only internal notes, since a visible reply would be its first response.
        let count = self.rng.between(1, 3) as usize;
        let author = self.user(assignee.unwrap_or(by)).to_string();
        let end = resolved.unwrap_or(self.now);
        let mut comments = Vec::with_capacity(count);
        for n in 0..count {
            let (at, internal) = match (n, responded) {
                (0, Some(t)) => (t, false),
                _ => {
                    let from = responded.unwrap_or(created);
                    let span = (end - from).num_seconds().max(0);
                    (
                        from + Duration::seconds(self.rng.between(0, span)),
                        responded.is_none() || self.rng.percent(35),
                    )
                }
            };
            let mut c = self.record(Entity::Comments, at, at, &author);
            set(&mut c, "ticket_id", id.clone());
            let body = match (zh, internal) {
                (true, false) => *self.rng.pick(REPLIES_ZH),
                (true, true) => *self.rng.pick(INTERNAL_ZH),
                (false, false) => *self.rng.pick(REPLIES_EN),
                (false, true) => *self.rng.pick(INTERNAL_EN),
            };
            set(&mut c, "body", body);
            set(&mut c, "internal", internal);
            let read_set = access::read_set(Entity::Comments, &c, &self.known);
            comments.push(NewRecord {
                entity: Entity::Comments,
                record: c,
                hidden: Vec::new(),
                read_set,
            });
        }
        (
            NewRecord {
                entity: Entity::Tickets,
                record: r,
                hidden: Vec::new(),
                read_set,
            },
            comments,
        )
    }

    // -----------------------------------------------------------------------------------------
    // The calendar.

    /// A month of calendar around today.
    fn activities(&mut self, report: &mut SeedReport) -> Vec<NewRecord> {
        if self.pool.is_empty() {
            return Vec::new();
        }
        let count = self.total.saturating_mul(3).min(MAX_ACTIVITIES);
        let mut by_owner: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, c) in self.pool.iter().enumerate() {
            by_owner.entry(c.owner).or_default().push(i);
        }
        let mut made = Vec::with_capacity(count);
        for i in 0..count {
            self.rng = Rng::stream(ACTIVITIES, i);
            let owner = *self.rng.weighted(&[
                (DEMO, 15),
                (WANG, 15),
                (LI, 20),
                (ZHANG, 18),
                (EMMA, 16),
                (CHEN, 8),
                (LIU, 8),
            ]);
            made.push(self.activity(owner, &by_owner));
        }
        report.activities += made.len();
        made
    }

    fn activity(&mut self, owner: usize, by_owner: &HashMap<usize, Vec<usize>>) -> NewRecord {
        // A working day within a fortnight either side of today.
        let mut day = self.today + Duration::days(self.rng.between(-15, 15));
        match day.weekday() {
            Weekday::Sat => day -= Duration::days(1),
            Weekday::Sun => day += Duration::days(1),
            _ => {}
        }
        let agent = AGENTS.contains(&owner);
        let ticket = (agent && !self.tickets.is_empty() && self.rng.percent(80))
            .then(|| self.rng.below(self.tickets.len()));
        let customer = match ticket {
            Some(t) => self.tickets[t].customer,
            None => match by_owner.get(&owner).filter(|_| owner != DEMO) {
                Some(own) => *self.rng.pick(own),
                None => self.rng.below(self.pool.len()),
            },
        };
        let mut kind = if agent {
            *self
                .rng
                .weighted(&[("call", 70), ("task", 15), ("note", 10), ("email", 5)])
        } else {
            *self.rng.weighted(&[
                ("call", 30),
                ("meeting", 15),
                ("visit", 12),
                ("task", 25),
                ("email", 12),
                ("note", 6),
            ])
        };
        let start = self.working_time(day);
        // Mails and notes are records of what happened, so they are never in the future.
        if matches!(kind, "email" | "note") && start > self.now {
            kind = "task";
        }
        let past = start <= self.now;
        let owner_id = self.user(owner).to_string();
        let c = &self.pool[customer];
        let (customer_id, zh, short) = (c.id.clone(), c.zh, c.short.clone());
        let contact =
            (!c.contacts.is_empty()).then(|| c.contacts[self.rng.below(c.contacts.len())].clone());
        let opportunity =
            (!agent && ticket.is_none() && !c.opportunities.is_empty() && self.rng.percent(35))
                .then(|| c.opportunities[self.rng.below(c.opportunities.len())].clone());
        let not_before = ticket.map_or(c.created, |t| self.tickets[t].created);

        let planned = (start - Duration::days(self.rng.between(1, 10))).min(self.now);
        let created = planned.max(not_before).min(self.now);
        let mut r = self.record(Entity::Activities, created, created, &owner_id);
        set(&mut r, "kind", kind);
        set(&mut r, "owner_id", owner_id);
        set(&mut r, "customer_id", customer_id);
        if let Some((id, _)) = &contact {
            set(&mut r, "contact_id", id.clone());
        }
        if let Some((id, _)) = &opportunity {
            set(&mut r, "opportunity_id", id.clone());
        }
        if let Some(t) = ticket {
            set(&mut r, "ticket_id", self.tickets[t].id.clone());
        }
        let who = contact
            .as_ref()
            .map_or(short.as_str(), |(_, name)| name.as_str())
            .to_string();
        let about = match (&opportunity, ticket) {
            (Some((_, name)), _) => name.clone(),
            (None, Some(t)) => self.tickets[t].subject.clone(),
            (None, None) => short.clone(),
        };
        let templates = subject_templates(kind, zh, ticket.is_some());
        let subject = self
            .rng
            .pick(templates)
            .replace("{who}", &who)
            .replace("{about}", &about)
            .replace("{customer}", &short);
        set(
            &mut r,
            "subject",
            subject.chars().take(200).collect::<String>(),
        );

        let mut done = false;
        let mut finished = start;
        match kind {
            "call" => {
                let inbound = if agent {
                    self.rng.percent(75)
                } else {
                    self.rng.percent(15)
                };
                set(
                    &mut r,
                    "direction",
                    if inbound { "inbound" } else { "outbound" },
                );
                set(&mut r, "starts_at", format_time(start));
                if past {
                    let outcome = if agent {
                        *self.rng.weighted(&[
                            ("resolved", 35),
                            ("answered", 25),
                            ("escalated", 10),
                            ("callback_requested", 12),
                            ("no_answer", 8),
                            ("voicemail", 5),
                            ("busy", 3),
                            ("wrong_number", 2),
                        ])
                    } else {
                        *self.rng.weighted(&[
                            ("answered", 40),
                            ("no_answer", 15),
                            ("busy", 6),
                            ("voicemail", 10),
                            ("callback_requested", 14),
                            ("sale", 10),
                            ("wrong_number", 2),
                            ("escalated", 3),
                        ])
                    };
                    let talked = matches!(
                        outcome,
                        "answered" | "resolved" | "escalated" | "callback_requested" | "sale"
                    );
                    let seconds = if talked {
                        self.rng.between(45, 1800)
                    } else {
                        self.rng.between(5, 40)
                    };
                    finished = start + Duration::seconds(seconds);
                    set(&mut r, "ends_at", format_time(finished));
                    set(&mut r, "duration_seconds", seconds);
                    set(&mut r, "outcome", outcome);
                    done = true;
                }
            }
            "meeting" | "visit" => {
                let minutes = if kind == "visit" {
                    self.rng.between(4, 12) * 15
                } else {
                    self.rng.between(2, 8) * 15
                };
                finished = start + Duration::minutes(minutes);
                set(&mut r, "starts_at", format_time(start));
                set(&mut r, "ends_at", format_time(finished));
                done = past && self.rng.percent(90);
            }
            "task" => {
                let due = day + Duration::hours(*self.rng.pick(&[10i64, 12, 15, 18]) - 8);
                set(&mut r, "due_at", format_time(due));
                // A quarter of the tasks already due are still open: the overdue list.
                done = if due <= self.now {
                    self.rng.percent(75)
                } else {
                    self.rng.percent(8)
                };
                finished = due.min(self.now);
            }
            _ => {
                set(&mut r, "starts_at", format_time(start));
                done = true;
            }
        }
        set(&mut r, "done", done);
        if self.rng.percent(30) {
            let note = match (kind, zh) {
                ("call", true) => *self.rng.pick(CALL_NOTES_ZH),
                ("call", false) => *self.rng.pick(CALL_NOTES_EN),
                (_, true) => *self.rng.pick(ACTIVITY_NOTES_ZH),
                (_, false) => *self.rng.pick(ACTIVITY_NOTES_EN),
            };
            set(&mut r, "notes", note);
        }
        if done {
            let touched = finished.max(created).min(self.now);
            set(&mut r, "updated_at", format_time(touched));
        }
        let read_set = access::read_set(Entity::Activities, &r, &self.known);
        NewRecord {
            entity: Entity::Activities,
            record: r,
            hidden: Vec::new(),
            read_set,
        }
    }
}

/// A Chinese name and its pinyin, for mail addresses.
fn person_zh(rng: &mut Rng) -> (String, String) {
    let surname = rng.pick_skewed(SURNAMES);
    let first = rng.pick(GIVEN_CHARS);
    if rng.percent(35) {
        (
            format!("{}{}", surname.0, first.0),
            format!("{}{}", surname.1, first.1),
        )
    } else {
        let second = rng.pick(GIVEN_CHARS);
        (
            format!("{}{}{}", surname.0, first.0, second.0),
            format!("{}{}{}", surname.1, first.1, second.1),
        )
    }
}

fn subject_templates(kind: &str, zh: bool, ticket: bool) -> &'static [&'static str] {
    match (kind, zh, ticket) {
        ("call", true, true) => &["来电：{about}", "回电确认：{about}", "跟进工单：{about}"],
        ("call", false, true) => &[
            "Call about: {about}",
            "Call back on: {about}",
            "Follow-up call: {about}",
        ],
        ("call", true, false) => &[
            "电话回访{who}",
            "电话跟进：{about}",
            "确认{customer}报价反馈",
            "约{who}见面时间",
        ],
        ("call", false, false) => &[
            "Call {who}",
            "Follow up on {about}",
            "Check quote feedback from {customer}",
            "Book a meeting with {who}",
        ],
        ("meeting", true, _) => &[
            "{customer}需求沟通会",
            "方案评审：{about}",
            "季度业务回顾（{customer}）",
            "与{who}商务洽谈",
        ],
        ("meeting", false, _) => &[
            "Requirements workshop with {customer}",
            "Proposal review: {about}",
            "Quarterly review with {customer}",
            "Meeting with {who}",
        ],
        ("visit", true, _) => &[
            "拜访{customer}",
            "上门演示产品（{customer}）",
            "现场调研：{about}",
            "拜访{who}",
        ],
        ("visit", false, _) => &[
            "Visit {customer}",
            "On-site demo at {customer}",
            "Site survey: {about}",
            "Visit {who}",
        ],
        ("task", true, true) => &["处理工单：{about}", "回复客户：{about}"],
        ("task", false, true) => &["Work the ticket: {about}", "Reply to the customer: {about}"],
        ("task", true, false) => &[
            "准备{customer}报价单",
            "发送合同草稿给{who}",
            "整理会议纪要（{customer}）",
            "更新{customer}客户资料",
            "跟进：{about}",
        ],
        ("task", false, false) => &[
            "Prepare a quote for {customer}",
            "Send the draft contract to {who}",
            "Write up meeting notes ({customer})",
            "Update {customer}'s details",
            "Follow up: {about}",
        ],
        ("email", true, _) => &[
            "发送产品资料给{who}",
            "邮件发送报价：{about}",
            "回复{who}的咨询",
        ],
        ("email", false, _) => &[
            "Send brochure to {who}",
            "Email the quote: {about}",
            "Reply to {who}",
        ],
        (_, true, _) => &["客户反馈记录（{customer}）", "备注：{about}"],
        (_, false, _) => &["Notes from {customer}", "Note: {about}"],
    }
}

// ---------------------------------------------------------------------------------------------
// The word lists.

struct City {
    name: &'static str,
    pinyin: &'static str,
    region: &'static str,
    area: &'static str,
    post: &'static str,
    districts: &'static [&'static str],
}

const fn city(
    name: &'static str,
    pinyin: &'static str,
    region: &'static str,
    area: &'static str,
    post: &'static str,
    districts: &'static [&'static str],
) -> City {
    City {
        name,
        pinyin,
        region,
        area,
        post,
        districts,
    }
}

/// From the most to the least common in the demo (picked with a skew towards the front).
#[rustfmt::skip]
const CITIES: &[City] = &[
    city("上海", "sh", "华东", "021", "200", &["浦东新区", "徐汇区", "静安区", "闵行区", "长宁区", "杨浦区"]),
    city("北京", "bj", "华北", "010", "100", &["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "大兴区"]),
    city("深圳", "sz", "华南", "0755", "518", &["南山区", "福田区", "宝安区", "龙岗区", "罗湖区"]),
    city("杭州", "hz", "华东", "0571", "310", &["西湖区", "滨江区", "余杭区", "拱墅区", "萧山区"]),
    city("广州", "gz", "华南", "020", "510", &["天河区", "越秀区", "番禺区", "海珠区", "白云区"]),
    city("成都", "cd", "西南", "028", "610", &["武侯区", "锦江区", "高新区", "青羊区", "成华区"]),
    city("南京", "nj", "华东", "025", "210", &["鼓楼区", "玄武区", "建邺区", "江宁区"]),
    city("苏州", "suz", "华东", "0512", "215", &["工业园区", "姑苏区", "吴中区", "相城区"]),
    city("武汉", "wh", "华中", "027", "430", &["江汉区", "武昌区", "洪山区", "东湖高新区"]),
    city("天津", "tj", "华北", "022", "300", &["和平区", "南开区", "河西区", "滨海新区"]),
    city("重庆", "cq", "西南", "023", "400", &["渝中区", "江北区", "南岸区", "渝北区"]),
    city("西安", "xa", "西北", "029", "710", &["雁塔区", "碑林区", "未央区", "高新区"]),
    city("宁波", "nb", "华东", "0574", "315", &["鄞州区", "海曙区", "江北区"]),
    city("长沙", "cs", "华中", "0731", "410", &["岳麓区", "芙蓉区", "雨花区", "开福区"]),
    city("青岛", "qd", "华东", "0532", "266", &["市南区", "崂山区", "黄岛区"]),
    city("厦门", "xm", "华东", "0592", "361", &["思明区", "湖里区", "集美区"]),
    city("郑州", "zz", "华中", "0371", "450", &["金水区", "二七区", "郑东新区"]),
    city("合肥", "hf", "华东", "0551", "230", &["蜀山区", "包河区", "庐阳区"]),
    city("济南", "jn", "华东", "0531", "250", &["历下区", "市中区", "槐荫区"]),
    city("东莞", "dg", "华南", "0769", "523", &["南城街道", "东城街道", "长安镇", "松山湖"]),
    city("佛山", "fs", "华南", "0757", "528", &["禅城区", "南海区", "顺德区"]),
    city("沈阳", "sy", "东北", "024", "110", &["和平区", "沈河区", "浑南区", "皇姑区"]),
    city("大连", "dl", "东北", "0411", "116", &["中山区", "沙河口区", "甘井子区"]),
    city("昆明", "km", "西南", "0871", "650", &["五华区", "盘龙区", "官渡区"]),
    city("福州", "fz", "华东", "0591", "350", &["鼓楼区", "台江区", "仓山区"]),
    city("哈尔滨", "hrb", "东北", "0451", "150", &["南岗区", "道里区", "香坊区"]),
    city("长春", "cc", "东北", "0431", "130", &["朝阳区", "南关区", "净月区"]),
    city("石家庄", "sjz", "华北", "0311", "050", &["长安区", "桥西区", "裕华区"]),
    city("太原", "ty", "华北", "0351", "030", &["小店区", "迎泽区", "杏花岭区"]),
    city("南昌", "nc", "华中", "0791", "330", &["东湖区", "西湖区", "红谷滩区"]),
    city("贵阳", "gy", "西南", "0851", "550", &["南明区", "云岩区", "观山湖区"]),
    city("南宁", "nn", "华南", "0771", "530", &["青秀区", "兴宁区", "西乡塘区"]),
    city("兰州", "lz", "西北", "0931", "730", &["城关区", "七里河区", "安宁区"]),
    city("乌鲁木齐", "wlmq", "西北", "0991", "830", &["天山区", "沙依巴克区", "新市区"]),
];

struct Country {
    /// As written in addresses and company names.
    name: &'static str,
    /// For telling apart clashing web domains.
    label: &'static str,
    suffixes: &'static [&'static str],
    cities: &'static [&'static str],
    phone: &'static str,
    mobile: &'static str,
    postcode: &'static str,
    tld: &'static str,
}

const COUNTRIES: &[Country] = &[
    Country {
        name: "United Kingdom",
        label: "uk",
        suffixes: &["Ltd", "Ltd", "PLC", "Group Ltd"],
        cities: &[
            "London",
            "Manchester",
            "Birmingham",
            "Leeds",
            "Bristol",
            "Edinburgh",
        ],
        phone: "+44 20 #### ####",
        mobile: "+44 7### ######",
        postcode: "@@# #@@",
        tld: "co.uk",
    },
    Country {
        name: "United States",
        label: "us",
        suffixes: &["Inc.", "LLC", "Corp."],
        cities: &[
            "New York, NY",
            "San Francisco, CA",
            "Chicago, IL",
            "Seattle, WA",
            "Austin, TX",
            "Boston, MA",
        ],
        phone: "+1 212 ### ####",
        mobile: "+1 917 ### ####",
        postcode: "#####",
        tld: "com",
    },
    Country {
        name: "Germany",
        label: "de",
        suffixes: &["GmbH", "GmbH", "AG"],
        cities: &["Berlin", "Hamburg", "Munich", "Frankfurt", "Stuttgart"],
        phone: "+49 30 ########",
        mobile: "+49 151 ########",
        postcode: "#####",
        tld: "de",
    },
    Country {
        name: "Singapore",
        label: "sg",
        suffixes: &["Pte Ltd"],
        cities: &["Singapore"],
        phone: "+65 6### ####",
        mobile: "+65 9### ####",
        postcode: "######",
        tld: "com.sg",
    },
    Country {
        name: "Hong Kong",
        label: "hk",
        suffixes: &["Limited", "Co., Ltd"],
        cities: &["Central", "Kowloon", "Wan Chai", "Tsim Sha Tsui"],
        phone: "+852 2### ####",
        mobile: "+852 9### ####",
        postcode: "999077",
        tld: "com.hk",
    },
    Country {
        name: "Australia",
        label: "au",
        suffixes: &["Pty Ltd"],
        cities: &["Sydney NSW", "Melbourne VIC", "Brisbane QLD", "Perth WA"],
        phone: "+61 2 #### ####",
        mobile: "+61 4## ### ###",
        postcode: "2###",
        tld: "com.au",
    },
    Country {
        name: "Netherlands",
        label: "nl",
        suffixes: &["B.V.", "N.V."],
        cities: &["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"],
        phone: "+31 20 ### ####",
        mobile: "+31 6 ########",
        postcode: "1### @@",
        tld: "nl",
    },
    Country {
        name: "France",
        label: "fr",
        suffixes: &["S.A.", "SAS"],
        cities: &["Paris", "Lyon", "Marseille", "Toulouse"],
        phone: "+33 1 ## ## ## ##",
        mobile: "+33 6 ## ## ## ##",
        postcode: "75###",
        tld: "fr",
    },
    Country {
        name: "Japan",
        label: "jp",
        suffixes: &["K.K.", "Co., Ltd"],
        cities: &["Tokyo", "Osaka", "Yokohama", "Nagoya"],
        phone: "+81 3 #### ####",
        mobile: "+81 90 #### ####",
        postcode: "1##-####",
        tld: "co.jp",
    },
    Country {
        name: "Canada",
        label: "ca",
        suffixes: &["Inc.", "Ltd"],
        cities: &[
            "Toronto, ON",
            "Vancouver, BC",
            "Montreal, QC",
            "Calgary, AB",
        ],
        phone: "+1 416 ### ####",
        mobile: "+1 647 ### ####",
        postcode: "M#@ #@#",
        tld: "ca",
    },
];

#[rustfmt::skip]
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "198", "199",
];

/// (character, pinyin) for brand names and their web domains.
#[rustfmt::skip]
const BRAND_CHARS: &[(&str, &str)] = &[
    ("华", "hua"), ("信", "xin"), ("达", "da"), ("星", "xing"), ("瑞", "rui"), ("恒", "heng"), ("安", "an"),
    ("通", "tong"), ("博", "bo"), ("泰", "tai"), ("宏", "hong"), ("海", "hai"), ("盛", "sheng"), ("德", "de"),
    ("金", "jin"), ("鑫", "xin"), ("天", "tian"), ("远", "yuan"), ("联", "lian"), ("中", "zhong"), ("创", "chuang"),
    ("新", "xin"), ("智", "zhi"), ("云", "yun"), ("长", "chang"), ("丰", "feng"), ("和", "he"), ("鼎", "ding"),
    ("汇", "hui"), ("嘉", "jia"), ("润", "run"), ("东", "dong"), ("方", "fang"), ("明", "ming"), ("光", "guang"),
    ("宇", "yu"), ("辰", "chen"), ("弘", "hong"), ("正", "zheng"), ("诚", "cheng"), ("景", "jing"), ("美", "mei"),
    ("佳", "jia"), ("万", "wan"), ("永", "yong"), ("兴", "xing"), ("荣", "rong"), ("凯", "kai"), ("腾", "teng"),
    ("飞", "fei"), ("康", "kang"), ("睿", "rui"), ("捷", "jie"), ("优", "you"), ("卓", "zhuo"), ("越", "yue"),
    ("领", "ling"), ("航", "hang"), ("晨", "chen"), ("锐", "rui"), ("峰", "feng"), ("源", "yuan"), ("启", "qi"),
    ("易", "yi"), ("杰", "jie"), ("蓝", "lan"), ("绿", "lv"), ("银", "yin"), ("立", "li"), ("协", "xie"),
];

/// (word in the name, ASCII label for the domain)
#[rustfmt::skip]
const INDUSTRIES_ZH: &[(&str, &str)] = &[
    ("科技", "tech"), ("软件", "soft"), ("电子", "elec"), ("网络", "net"), ("信息技术", "it"), ("物流", "logistics"),
    ("贸易", "trade"), ("医药", "pharma"), ("生物科技", "bio"), ("机械", "machinery"), ("汽车配件", "auto"),
    ("新能源", "energy"), ("建材", "build"), ("建筑工程", "cons"), ("食品", "food"), ("餐饮管理", "catering"),
    ("服饰", "fashion"), ("纺织", "textile"), ("化工", "chem"), ("环保科技", "eco"), ("教育咨询", "edu"), ("文化传媒", "media"),
    ("广告", "ad"), ("家居", "home"), ("电器", "appliance"), ("农业", "agri"), ("置业", "realty"), ("投资", "invest"),
    ("酒店管理", "hotel"), ("仪器", "instrument"), ("精密制造", "precision"), ("供应链管理", "scm"), ("医疗器械", "medical"),
    ("包装", "pack"), ("印务", "print"), ("数据科技", "data"),
];

/// The industry field of Chinese companies.
#[rustfmt::skip]
const INDUSTRIES_ZH_FIELD: &[&str] = &[
    "信息技术", "软件", "电子制造", "互联网", "物流", "贸易", "医药", "生物医药", "机械制造", "汽车", "新能源", "建材", "建筑", "食品饮料", "餐饮",
    "纺织服装", "化工", "环保", "教育", "文化传媒", "广告营销", "家居", "家电", "农业", "房地产", "金融", "酒店", "仪器仪表", "制造业", "供应链",
    "医疗器械", "包装印刷",
];

#[rustfmt::skip]
const INDUSTRIES_EN_FIELD: &[&str] = &[
    "Software", "Logistics", "Manufacturing", "Retail", "Pharmaceuticals", "Energy", "Financial Services",
    "Consulting", "Hospitality", "Food & Beverage", "Electronics", "Automotive", "Media", "Education",
    "Construction",
];

#[rustfmt::skip]
const EN_PREFIXES: &[&str] = &[
    "Northwind", "Bluewater", "Silverline", "Redwood", "Harborview", "Summit", "Pinecrest", "Ironbridge",
    "Crescent", "Evergreen", "Granite", "Lakeside", "Meridian", "Oakridge", "Pioneer", "Riverside",
    "Sterling", "Westfield", "Horizon", "Keystone", "Atlas", "Beacon", "Cobalt", "Falcon", "Orchid",
    "Quantum", "Sapphire", "Trinity", "Vanguard", "Zenith", "Aurora", "Brightwater", "Cedar", "Delta",
    "Eastgate", "Fairview", "Highland", "Kingsway", "Maple", "Nova", "Oceanic", "Parkside", "Regent",
    "Southbank", "Thornbury", "Unity", "Wexford", "Ashford", "Bramble", "Contoso", "Fabrikam", "Tailspin",
    "Wingtip", "Litware", "Adventure Works", "Alpine", "Blackstone", "Clearwater", "Driftwood", "Emerald",
    "Foxglove", "Goldcrest", "Hawthorn", "Juniper", "Kestrel", "Larkspur", "Moorland", "Nightingale",
    "Osprey", "Primrose", "Quayside", "Rosewood", "Sandstone", "Tidewater", "Upland", "Valiant", "Willow",
    "Yellowstone",
];

#[rustfmt::skip]
const EN_FIRST_PARTS: &[&str] = &[
    "Blue", "Green", "Silver", "Golden", "Red", "North", "South", "East", "West", "Grand", "Royal", "Bright",
    "Clear", "Swift", "Prime", "First", "Iron", "Stone", "Sun", "Star", "Sea", "Sky", "High", "Far", "Oak",
];

#[rustfmt::skip]
const EN_SECOND_PARTS: &[&str] = &[
    "Harbor", "River", "Stone", "Bridge", "Field", "Peak", "Point", "Star", "Lake", "Ridge", "Gate", "Crest",
    "Vale", "Wave", "Rock", "Leaf", "Hill", "Port", "Wood", "Light", "Brook", "Haven", "Moor", "Ford", "Mark",
];

#[rustfmt::skip]
const EN_INDUSTRIES: &[&str] = &[
    "Trading", "Logistics", "Software", "Systems", "Foods", "Pharmaceuticals", "Consulting", "Engineering",
    "Analytics", "Energy", "Textiles", "Electronics", "Instruments", "Media", "Capital", "Hospitality",
    "Retail", "Supply", "Biotech", "Robotics", "Chemicals", "Packaging", "Marine", "Motors", "Design",
    "Networks", "Labs",
];

#[rustfmt::skip]
const EN_STREETS: &[&str] = &[
    "High Street", "King Street", "Market Street", "Harbour Road", "Queen's Road", "Orchard Road",
    "Main Street", "Park Avenue", "Station Road", "Church Lane", "Mill Road", "Victoria Street",
    "Bridge Street", "Water Street",
];

#[rustfmt::skip]
const ROADS_ZH: &[&str] = &[
    "人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "科技路", "创业路", "文化路", "新华路", "学府路", "滨江大道", "世纪大道", "南京路", "青年路",
    "发展大道", "高新大道", "金融街", "迎宾大道", "工业园路",
];

/// From the most to the least common.
#[rustfmt::skip]
const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"),
    ("沈", "shen"), ("欧阳", "ouyang"), ("司马", "sima"),
];

#[rustfmt::skip]
const GIVEN_CHARS: &[(&str, &str)] = &[
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("辉", "hui"),
    ("玲", "ling"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("红", "hong"), ("建", "jian"), ("国", "guo"),
    ("文", "wen"), ("斌", "bin"), ("鹏", "peng"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("晨", "chen"),
    ("欣", "xin"), ("怡", "yi"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("慧", "hui"), ("颖", "ying"),
    ("佳", "jia"), ("思", "si"), ("雨", "yu"), ("萱", "xuan"), ("梓", "zi"), ("轩", "xuan"), ("博", "bo"),
    ("子", "zi"), ("涵", "han"), ("睿", "rui"), ("瑞", "rui"), ("晓", "xiao"), ("志", "zhi"), ("海", "hai"),
    ("波", "bo"), ("峰", "feng"), ("亮", "liang"), ("旭", "xu"), ("东", "dong"), ("春", "chun"), ("秋", "qiu"),
    ("梅", "mei"), ("兰", "lan"), ("秀", "xiu"), ("丹", "dan"), ("倩", "qian"), ("璐", "lu"), ("嘉", "jia"),
    ("俊", "jun"), ("天", "tian"), ("一", "yi"), ("成", "cheng"), ("立", "li"), ("新", "xin"), ("永", "yong"),
    ("佩", "pei"), ("晶", "jing"), ("振", "zhen"), ("荣", "rong"),
];

#[rustfmt::skip]
const EN_FIRST_NAMES: &[&str] = &[
    "James", "Oliver", "William", "Henry", "Thomas", "George", "Jack", "Noah", "Liam", "Lucas", "Daniel",
    "Samuel", "David", "Michael", "Robert", "Peter", "Andrew", "Mark", "Paul", "Richard", "Olivia", "Emma",
    "Amelia", "Sophia", "Charlotte", "Isla", "Grace", "Chloe", "Lily", "Hannah", "Emily", "Sarah", "Laura",
    "Anna", "Julia", "Claire", "Rachel", "Helen", "Lucy", "Megan", "Ethan", "Ryan", "Nathan", "Adam", "Simon",
    "Sophie", "Zoe", "Alice", "Ruby", "Freya", "Kenji", "Yuki", "Priya", "Arjun", "Mateo", "Elena", "Lars",
    "Ingrid", "Pierre", "Camille",
];

#[rustfmt::skip]
const EN_LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
    "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
    "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
    "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
    "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
    "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Whitfield", "Ashworth",
    "Fairbanks", "Hartley", "Lindqvist", "Novak", "Tanaka", "Sato", "Müller", "Schmidt", "Dubois", "Laurent",
    "Rossi", "García", "Fernández", "Kowalski",
];

#[rustfmt::skip]
const TITLES_ZH: &[(&str, &str)] = &[
    ("总经理", "总经办"), ("副总经理", "总经办"), ("董事长", "董事会"), ("采购经理", "采购部"), ("采购专员", "采购部"), ("IT主管", "信息部"),
    ("技术总监", "技术部"), ("财务总监", "财务部"), ("会计", "财务部"), ("行政主管", "行政部"), ("人事经理", "人力资源部"), ("销售总监", "销售部"),
    ("市场经理", "市场部"), ("运营经理", "运营部"), ("项目经理", "项目部"), ("仓储主管", "物流部"), ("CFO", "财务部"),
];

#[rustfmt::skip]
const TITLES_EN: &[(&str, &str)] = &[
    ("CEO", "Management"), ("CFO", "Finance"), ("CTO", "Technology"), ("Purchasing Manager", "Procurement"),
    ("Procurement Officer", "Procurement"), ("IT Manager", "IT"), ("Operations Director", "Operations"),
    ("Office Manager", "Administration"), ("HR Manager", "Human Resources"), ("Sales Director", "Sales"),
    ("Marketing Manager", "Marketing"), ("Project Manager", "Projects"), ("Finance Controller", "Finance"),
];

#[rustfmt::skip]
const SOURCES_ZH: &[&str] = &[
    "展会", "官网", "转介绍", "电话营销", "百度推广", "微信公众号", "老客户", "合作伙伴", "招投标",
];
#[rustfmt::skip]
const SOURCES_EN: &[&str] = &[
    "web", "referral", "trade show", "LinkedIn", "cold call", "partner", "webinar",
];
#[rustfmt::skip]
const TAGS_ZH: &[&str] = &[
    "重点客户", "年度合同", "新客户", "高潜力", "政府项目", "需回访", "价格敏感", "长期合作", "渠道", "VIP",
];
#[rustfmt::skip]
const TAGS_EN: &[&str] = &[
    "key account", "annual contract", "new", "high potential", "needs follow-up", "price sensitive",
    "channel", "VIP",
];
#[rustfmt::skip]
const REVENUES_ZH: &[&str] = &[
    "300万", "800万", "1200万", "5000万", "8000万", "1.2亿", "3亿", "10亿以上",
];
#[rustfmt::skip]
const REVENUES_EN: &[&str] = &[
    "USD 2M", "USD 5M", "USD 12M", "USD 40M", "USD 150M", "USD 1B+",
];

#[rustfmt::skip]
const CUSTOMER_NOTES_ZH: &[&str] = &[
    "老客户介绍，决策链较长。", "对价格敏感，注重售后服务。", "每年第四季度集中采购。", "需要增值税专用发票。", "关键人是采购经理，技术部有否决权。", "曾使用竞品，合同明年到期。",
    "希望提供现场演示，倾向分期付款。", "总部在外地，本地为分公司，采购需总部审批。",
];
#[rustfmt::skip]
const CUSTOMER_NOTES_EN: &[&str] = &[
    "Decision maker is the CFO; procurement runs the tender.", "Budget cycle starts in April.",
    "Prefers email; avoid calls before 10am their time.",
    "Currently with a competitor; contract ends next year.",
    "Asked for a reference customer in their industry.", "Needs invoices in USD with a PO number.",
];
#[rustfmt::skip]
const CONTACT_NOTES_ZH: &[&str] = &[
    "喜欢下午联系", "微信回复较快", "出差较多，先发短信", "对技术细节很关注", "是最终决策人",
];
#[rustfmt::skip]
const CONTACT_NOTES_EN: &[&str] = &[
    "Best reached after lunch", "Travels a lot; text first", "Very technical", "Final decision maker",
];

#[rustfmt::skip]
const DEALS_ZH: &[&str] = &[
    "ERP系统升级项目", "年度办公设备采购", "CRM系统实施", "云服务器扩容", "安防监控改造", "员工培训服务", "仓储管理系统", "数据中心建设", "网络设备更新", "年度维保合同",
    "新产品线试点", "营销推广合作", "物流外包服务", "生产线自动化改造", "财务软件采购", "门店管理系统", "2027年度框架协议",
];
#[rustfmt::skip]
const PERSONAL_DEALS_ZH: &[&str] = &[
    "家庭保险方案", "私人理财咨询", "装修设计服务", "会员年卡", "家用净水设备",
];
#[rustfmt::skip]
const DEALS_EN: &[&str] = &[
    "ERP upgrade", "Annual office supplies", "CRM rollout", "Cloud capacity expansion",
    "Security system refit", "Staff training programme", "Warehouse management system", "Network refresh",
    "Annual maintenance contract", "New product line pilot", "Marketing partnership", "Logistics outsourcing",
    "2027 framework agreement",
];
#[rustfmt::skip]
const PERSONAL_DEALS_EN: &[&str] = &[
    "Home insurance plan", "Private advisory", "Annual membership", "Home water purifier",
];
#[rustfmt::skip]
const NEXT_STEPS_ZH: &[&str] = &[
    "安排产品演示", "发送报价单", "等待客户内部审批", "约见采购经理", "准备投标文件", "提交技术方案", "商务谈判", "安排样品试用", "确认合同条款",
];
#[rustfmt::skip]
const NEXT_STEPS_EN: &[&str] = &[
    "Book a product demo", "Send the quote", "Waiting for internal approval", "Meet the purchasing manager",
    "Prepare the tender documents", "Submit the technical proposal", "Negotiate terms", "Arrange a trial",
];
#[rustfmt::skip]
const WON_ZH: &[&str] = &[
    "价格优势", "技术方案获得认可", "长期合作关系", "交付周期短", "售后服务口碑好",
];
#[rustfmt::skip]
const WON_EN: &[&str] = &[
    "Best price", "Technical fit", "Long-standing relationship", "Fastest delivery", "Service reputation",
];
#[rustfmt::skip]
const LOST_ZH: &[&str] = &[
    "价格过高", "选择了竞争对手", "预算取消", "需求变更", "项目延期至明年",
];
#[rustfmt::skip]
const LOST_EN: &[&str] = &[
    "Price too high", "Chose a competitor", "Budget cancelled", "Requirements changed",
    "Postponed to next year",
];

#[rustfmt::skip]
const CALL_NOTES_ZH: &[&str] = &[
    "客户表示下周给答复", "已记录需求，待技术确认", "客户不方便，约明天再打", "问题已当场解决",
];
#[rustfmt::skip]
const CALL_NOTES_EN: &[&str] = &[
    "They will reply next week", "Logged the request; waiting on tech", "Bad time; call back tomorrow",
    "Solved on the call",
];
#[rustfmt::skip]
const ACTIVITY_NOTES_ZH: &[&str] = &[
    "带上最新产品手册", "需要准备案例介绍", "客户关注交付周期", "会后发送会议纪要",
];
#[rustfmt::skip]
const ACTIVITY_NOTES_EN: &[&str] = &[
    "Bring the new brochure", "Prepare a case study", "They care about delivery times",
    "Send minutes afterwards",
];

struct Topic {
    category: &'static str,
    subject: &'static str,
    description: &'static str,
    resolution: &'static str,
}

const fn topic(
    category: &'static str,
    subject: &'static str,
    description: &'static str,
    resolution: &'static str,
) -> Topic {
    Topic {
        category,
        subject,
        description,
        resolution,
    }
}

#[rustfmt::skip]
const TICKETS_ZH: &[Topic] = &[
    topic("故障报修", "设备无法开机", "客户反映设备通电后无反应，指示灯不亮。", "上门更换电源模块，设备恢复正常。"),
    topic("故障报修", "系统登录报错", "多名员工登录时提示“会话已过期”。", "清理服务器缓存并升级补丁后恢复。"),
    topic("安装调试", "新设备安装预约", "客户新购设备需要安排上门安装。", "已完成安装调试并培训操作人员。"),
    topic("账单问题", "发票抬头有误", "上月发票抬头写错，需要重开。", "已作废原发票并重新开具。"),
    topic("账单问题", "重复扣款", "客户称本月服务费被扣了两次。", "核实后退还重复扣款。"),
    topic("产品咨询", "咨询升级方案", "客户想了解从标准版升级到企业版的费用。", "已发送升级报价和功能对比。"),
    topic("投诉建议", "送货延误投诉", "订单比约定时间晚到三天。", "致歉并补偿运费，已优化配送安排。"),
    topic("退换货", "收到货物破损", "到货时外包装破损，部分产品损坏。", "安排换货，破损件已回收。"),
    topic("账号权限", "新员工开通账号", "需要为三名新员工开通系统账号。", "账号已开通并发送初始密码。"),
    topic("培训需求", "申请操作培训", "客户新团队需要一次系统操作培训。", "已安排线上培训并发送录像。"),
];

#[rustfmt::skip]
const TICKETS_EN: &[Topic] = &[
    topic("fault", "Device will not power on", "The unit shows no lights after being plugged in.", "Replaced the power supply on site; working again."),
    topic("fault", "Login error for several users", "Users see 'session expired' when signing in.", "Cleared the server cache and applied the patch."),
    topic("installation", "Installation appointment", "New equipment needs to be installed on site.", "Installed, tested and staff shown how to use it."),
    topic("billing", "Wrong company name on invoice", "Last month's invoice has the wrong company name.", "Cancelled and reissued the invoice."),
    topic("billing", "Charged twice", "This month's fee was taken twice.", "Refunded the duplicate charge."),
    topic("question", "Upgrade options", "Customer asks what the enterprise edition costs.", "Sent the upgrade quote and a feature comparison."),
    topic("complaint", "Late delivery", "The order arrived three days late.", "Apologised, refunded shipping and changed carrier."),
    topic("returns", "Goods arrived damaged", "Box was crushed and some items are broken.", "Replacement sent; damaged goods collected."),
    topic("account", "Accounts for new staff", "Three new starters need accounts.", "Accounts created and invitations sent."),
    topic("training", "Training request", "Their new team needs a training session.", "Held an online session and shared the recording."),
];

#[rustfmt::skip]
const REPLIES_ZH: &[&str] = &[
    "您好，已收到您的问题，我们正在处理，稍后回复您。", "已联系技术同事确认，预计今天内给您答复。", "请提供一下订单号和联系电话，方便我们核实。", "问题已处理，请您确认是否恢复正常。",
];
#[rustfmt::skip]
const INTERNAL_ZH: &[&str] = &[
    "已转技术部确认", "客户情绪较大，注意沟通方式", "需要财务协助核对", "等待备件到货",
];
#[rustfmt::skip]
const REPLIES_EN: &[&str] = &[
    "Thanks for getting in touch; we are looking into it and will update you shortly.",
    "I have asked our technical team and expect an answer today.",
    "Could you send the order number and a phone number so we can check?",
    "This should now be fixed; please let us know if it works for you.",
];
#[rustfmt::skip]
const INTERNAL_EN: &[&str] = &[
    "Passed to the tech team", "Customer is upset; handle with care", "Need finance to check",
    "Waiting for spare parts",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Actor;
    use crate::schema::{Access, Kind};
    use crate::validate::Mode;
    use std::sync::Arc;

    fn open() -> (tempfile::TempDir, Arc<dyn Database>) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_sqlite(&dir.path().join("seed.db")).unwrap();
        (dir, db)
    }

    fn all(db: &dyn Database, actor: &Actor, entity: Entity) -> Vec<Record> {
        store::read(db, |tx| {
            let query = ListQuery {
                sort: "created_at",
                limit: 1_000_000,
                ..ListQuery::default()
            };
            service::list(tx, actor, entity, &query)
        })
        .unwrap()
    }

    fn actor(db: &dyn Database, username: &str) -> Actor {
        store::read(db, |tx| {
            Ok::<_, ApiError>(tx.credentials(username)?.unwrap().actor)
        })
        .unwrap()
    }

    fn ids(records: &[Record]) -> BTreeSet<String> {
        records
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn by_code(db: &dyn Database) -> Vec<(String, String, String)> {
        let mut rows: Vec<(String, String, String)> =
            all(db, &crate::system_actor(), Entity::Customers)
                .iter()
                .map(|c| {
                    (
                        c["code"].as_str().unwrap().into(),
                        c["name"].as_str().unwrap().into(),
                        c["id"].as_str().unwrap().into(),
                    )
                })
                .collect();
        rows.sort();
        rows
    }

    #[test]
    fn the_user_table_matches_the_indices_the_generator_uses() {
        let names: Vec<&str> = DEMO_USERS.iter().map(|u| u.username).collect();
        assert_eq!(
            names,
            ["demo", "wang", "li", "zhang", "emma", "chen", "liu"]
        );
        assert_eq!(DEMO_USERS[DEMO].role, Role::Admin);
        assert!(SALES.iter().all(|&u| DEMO_USERS[u].role == Role::Sales));
        assert!(AGENTS.iter().all(|&u| DEMO_USERS[u].role == Role::Agent));
        assert_eq!(DEMO_USERS[WANG].role, Role::Manager);
    }

    #[test]
    fn the_same_count_gives_the_same_customers() {
        let (_a, first) = open();
        let (_b, second) = open();
        let report = demo(first.as_ref(), 120).unwrap();
        assert_eq!(report, demo(second.as_ref(), 120).unwrap());
        let (left, right) = (by_code(first.as_ref()), by_code(second.as_ref()));
        assert_eq!(left.len(), 120);
        assert!(left == right, "two seeds of 120 differ");
        assert_eq!(left[0].0, "C000001");
        assert_eq!(left[119].0, "C000120");
        // A larger count begins with the same customers.
        let (_c, third) = open();
        demo(third.as_ref(), 130).unwrap();
        assert!(
            by_code(third.as_ref())[..120] == left[..],
            "130 customers do not begin with the 120"
        );
    }

    #[test]
    fn what_is_made_does_not_depend_on_the_time_of_day() {
        let setup = || Setup {
            users: (0..DEMO_USERS.len())
                .map(|i| format!("00000000-0000-7000-8000-00000000000{i}"))
                .collect(),
            teams: DEMO_USERS
                .iter()
                .map(|u| u.team.map(String::from))
                .collect(),
            teams_made: 0,
            stages: vec![
                Stage {
                    id: "open".into(),
                    kind: "open".into(),
                    probability: 10,
                },
                Stage {
                    id: "won".into(),
                    kind: "won".into(),
                    probability: 100,
                },
            ],
            sla: vec![(480, 4320), (240, 1440), (60, 480), (30, 240)],
        };
        let made = |now: DateTime<Utc>| {
            let mut g = Gen::new(now, setup(), 300);
            let mut out = Vec::new();
            for index in 0..300 {
                g.customer(index, &mut out);
            }
            // Whether an activity is already past depends on the hour; what it is about must not.
            out.extend(g.activities(&mut SeedReport::default()));
            out.into_iter()
                .map(|r| {
                    let keep = [
                        "id",
                        "name",
                        "phone",
                        "email",
                        "owner_id",
                        "tags",
                        "customer_id",
                        "contact_id",
                    ];
                    (r.entity, keep.map(|k| r.record.get(k).cloned()))
                })
                .collect::<Vec<_>>()
        };
        let just_after_midnight =
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 0, 5, 0).unwrap();
        let late = just_after_midnight + Duration::hours(23);
        let a_month_later = late + Duration::days(30);
        let first = made(just_after_midnight);
        assert!(first == made(late), "the time of day changed the data");
        assert!(first == made(a_month_later), "the date changed the data");
    }

    #[test]
    fn many_small_transactions_make_the_same_data() {
        let (_a, whole) = open();
        let (_b, pieces) = open();
        assert_eq!(
            seed(whole.as_ref(), 130, BATCH, CHUNK).unwrap(),
            seed(pieces.as_ref(), 130, 40, 15).unwrap()
        );
        assert!(
            by_code(whole.as_ref()) == by_code(pieces.as_ref()),
            "batching changed the customers"
        );
        let admin = crate::system_actor();
        for entity in [Entity::Contacts, Entity::Opportunities, Entity::Tickets] {
            assert_eq!(
                ids(&all(whole.as_ref(), &admin, entity)),
                ids(&all(pieces.as_ref(), &admin, entity))
            );
        }
        let feed = whole_feed(pieces.as_ref(), &admin);
        assert_eq!(
            feed.iter()
                .filter(|e| e.entity == Entity::Customers)
                .count(),
            130
        );
    }

    #[test]
    fn every_seeded_record_is_a_proper_record() {
        let (_dir, db) = open();
        let report = demo(db.as_ref(), 300).unwrap();
        let admin = crate::system_actor();
        let now = format_time(Utc::now());
        let mut seen = 0;
        let mut upcoming_birthdays = 0;
        let today = Utc::now().date_naive();
        for entity in [
            Entity::Customers,
            Entity::Contacts,
            Entity::Opportunities,
            Entity::Activities,
            Entity::Tickets,
            Entity::Comments,
        ] {
            let records = all(db.as_ref(), &admin, entity);
            assert!(!records.is_empty(), "no {}", entity.name());
            seen += records.len();
            for r in &records {
                let name = format!("{} {}", entity.name(), r["id"]);
                // What the API would accept on create, unchanged by normalization.
                let mut body = r.clone();
                for f in SYSTEM_FIELDS {
                    assert!(
                        !body.remove(*f).unwrap().is_null() || *f == "created_by",
                        "{name}: {f}"
                    );
                }
                for f in entity
                    .fields()
                    .iter()
                    .filter(|f| f.access == Access::Server)
                {
                    body.remove(f.name);
                }
                let mut checked = validate::check(entity, &body, Mode::Create, Role::Admin)
                    .unwrap_or_else(|p| panic!("{name}: {p:?}"));
                checked.retain(|k, _| body.contains_key(k));
                assert_eq!(checked, body, "{name} changes when validated");
                assert_eq!(r["version"], json!(1));
                assert!(
                    r["created_at"].as_str().unwrap() <= r["updated_at"].as_str().unwrap(),
                    "{name}"
                );
                assert!(
                    r["updated_at"].as_str().unwrap() <= now.as_str(),
                    "{name} updated in the future"
                );
                // Links name live records.
                store::read(db.as_ref(), |tx| {
                    for field in entity.fields() {
                        if let (Kind::Ref(target), Some(Value::String(id))) =
                            (field.kind, r.get(field.name))
                        {
                            assert!(
                                tx.get(target, id)?.is_some_and(|s| !s.deleted),
                                "{name}.{}",
                                field.name
                            );
                        }
                    }
                    Ok::<_, ApiError>(())
                })
                .unwrap();
                match entity {
                    Entity::Opportunities => {
                        let stage = store::read(db.as_ref(), |tx| {
                            tx.get(Entity::Stages, r["stage_id"].as_str().unwrap())
                        })
                        .unwrap()
                        .unwrap();
                        if stage.record["kind"] != "open" {
                            assert!(r["close_reason"].is_string(), "{name}");
                        }
                        assert_eq!(r["probability"], stage.record["probability"]);
                    }
                    Entity::Activities => {
                        if r["kind"] != "call" {
                            assert!(
                                r["direction"].is_null()
                                    && r["outcome"].is_null()
                                    && r["duration_seconds"].is_null(),
                                "{name}"
                            );
                        }
                        if let (Some(s), Some(e)) = (r["starts_at"].as_str(), r["ends_at"].as_str())
                        {
                            assert!(s <= e, "{name}");
                        }
                    }
                    Entity::Tickets => {
                        let finished = matches!(r["status"].as_str(), Some("resolved" | "closed"));
                        assert_eq!(finished, r["resolution"].is_string(), "{name}");
                        assert_eq!(finished, r["resolved_at"].is_string(), "{name}");
                        assert!(finished || r["satisfaction"].is_null(), "{name}");
                        assert_eq!(
                            r["status"] != "new",
                            r["first_responded_at"].is_string(),
                            "{name}"
                        );
                        assert!(
                            r["first_response_due"].is_string() && r["resolution_due"].is_string(),
                            "{name}"
                        );
                    }
                    Entity::Contacts => {
                        if let Some(b) = r["birthday"].as_str() {
                            let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").unwrap();
                            let this_year = b.with_year(today.year()).unwrap_or(b);
                            let days = (this_year - today).num_days();
                            if (0..30).contains(&days) {
                                upcoming_birthdays += 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(
            seen,
            report.customers
                + report.contacts
                + report.opportunities
                + report.activities
                + report.tickets
                + report.comments
        );
        assert!(upcoming_birthdays > 0, "no birthday in the coming month");
    }

    #[test]
    fn read_sets_are_what_the_access_rules_say() {
        struct Stored<'a>(&'a dyn Tx);
        impl Lookup for Stored<'_> {
            fn read_set(&self, entity: Entity, id: &str) -> Option<BTreeSet<String>> {
                self.0.read_set(entity, id).ok()
            }
            fn team_of(&self, user_id: &str) -> Option<String> {
                self.0.team_of(user_id).ok().flatten()
            }
        }
        let (_dir, db) = open();
        demo(db.as_ref(), 150).unwrap();
        let admin = crate::system_actor();
        for entity in [
            Entity::Customers,
            Entity::Contacts,
            Entity::Opportunities,
            Entity::Activities,
            Entity::Tickets,
            Entity::Comments,
        ] {
            for r in all(db.as_ref(), &admin, entity) {
                store::read(db.as_ref(), |tx| {
                    let id = r["id"].as_str().unwrap();
                    let stored = tx.read_set(entity, id)?;
                    assert!(!stored.is_empty());
                    assert_eq!(
                        stored,
                        access::read_set(entity, &r, &Stored(tx)),
                        "{} {id}",
                        entity.name()
                    );
                    Ok::<_, ApiError>(())
                })
                .unwrap();
            }
        }
    }

    #[test]
    fn sales_see_their_own_and_shared_customers_and_agents_see_no_pipeline() {
        let (_dir, db) = open();
        demo(db.as_ref(), 300).unwrap();
        let admin = crate::system_actor();
        let li = actor(db.as_ref(), "li");
        let customers = all(db.as_ref(), &admin, Entity::Customers);
        let mine: Vec<&Record> = customers
            .iter()
            .filter(|c| {
                c["owner_id"] == li.id.as_str()
                    || c["shared_with"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|u| u == li.id.as_str())
            })
            .collect();
        let shared = mine
            .iter()
            .filter(|c| c["owner_id"] != li.id.as_str())
            .count();
        assert!(shared > 0, "nothing is shared with li");
        assert!(mine.len() < customers.len() / 2);
        let seen = all(db.as_ref(), &li, Entity::Customers);
        assert_eq!(
            ids(&seen),
            mine.iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        );
        store::read(db.as_ref(), |tx| {
            for c in &customers {
                let id = c["id"].as_str().unwrap();
                let visible = mine.iter().any(|m| m["id"] == id);
                match service::get(tx, &li, Entity::Customers, id) {
                    Ok(_) => assert!(visible, "li reads {id}"),
                    Err(ApiError::NotFound(_)) => assert!(!visible, "li cannot read {id}"),
                    Err(e) => panic!("{e}"),
                }
            }
            Ok::<_, ApiError>(())
        })
        .unwrap();

        // The manager sees his team's customers, more than li alone.
        let wang = actor(db.as_ref(), "wang");
        assert!(all(db.as_ref(), &wang, Entity::Customers).len() > seen.len());

        let chen = actor(db.as_ref(), "chen");
        assert_eq!(
            all(db.as_ref(), &chen, Entity::Customers).len(),
            customers.len()
        );
        assert!(all(db.as_ref(), &chen, Entity::Opportunities).is_empty());
        let opportunities = all(db.as_ref(), &admin, Entity::Opportunities);
        assert!(!opportunities.is_empty());
        store::read(db.as_ref(), |tx| {
            let id = opportunities[0]["id"].as_str().unwrap();
            assert!(matches!(
                service::get(tx, &chen, Entity::Opportunities, id),
                Err(ApiError::NotFound(_))
            ));
            Ok::<_, ApiError>(())
        })
        .unwrap();
        // Every stage has deals in it.
        let stages = all(db.as_ref(), &admin, Entity::Stages);
        for s in &stages {
            assert!(
                opportunities.iter().any(|o| o["stage_id"] == s["id"]),
                "stage {} is empty",
                s["name"]
            );
        }
    }

    fn whole_feed(db: &dyn Database, actor: &Actor) -> Vec<crate::wire::FeedEntry> {
        let mut out = Vec::new();
        let mut since = 0;
        loop {
            let page = store::read(db, |tx| service::feed(tx, actor, since, 500)).unwrap();
            out.extend(page.changes);
            since = page.next;
            if !page.more {
                return out;
            }
        }
    }

    #[test]
    fn the_change_feed_holds_every_customer_once() {
        let (_dir, db) = open();
        demo(db.as_ref(), 250).unwrap();
        let admin = crate::system_actor();
        let feed = whole_feed(db.as_ref(), &admin);
        let customers: Vec<String> = feed
            .iter()
            .filter(|e| e.entity == Entity::Customers)
            .map(|e| {
                assert_eq!(e.op, crate::wire::FeedOp::Upsert);
                e.id.clone()
            })
            .collect();
        let unique: BTreeSet<String> = customers.iter().cloned().collect();
        assert_eq!(customers.len(), unique.len(), "a customer appears twice");
        assert_eq!(unique, ids(&all(db.as_ref(), &admin, Entity::Customers)));
        // Every other seeded record is in it too, each after its customer.
        for entity in [
            Entity::Contacts,
            Entity::Opportunities,
            Entity::Activities,
            Entity::Tickets,
            Entity::Comments,
        ] {
            let in_feed: BTreeSet<String> = feed
                .iter()
                .filter(|e| e.entity == entity)
                .map(|e| e.id.clone())
                .collect();
            assert_eq!(
                in_feed,
                ids(&all(db.as_ref(), &admin, entity)),
                "{}",
                entity.name()
            );
        }
        let position: HashMap<&str, usize> = feed
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        for e in &feed {
            if let Some(parent) = e
                .record
                .as_ref()
                .and_then(|r| r.get("customer_id"))
                .and_then(Value::as_str)
            {
                assert!(
                    position[parent] < position[e.id.as_str()],
                    "{} {} precedes its customer",
                    e.entity.name(),
                    e.id
                );
            }
        }
        // A sales user's feed is exactly what she may read.
        let li = actor(db.as_ref(), "li");
        let hers: BTreeSet<String> = whole_feed(db.as_ref(), &li)
            .into_iter()
            .filter(|e| e.entity == Entity::Customers)
            .map(|e| e.id)
            .collect();
        assert_eq!(hers, ids(&all(db.as_ref(), &li, Entity::Customers)));
    }

    #[test]
    fn records_made_after_seeding_get_fresh_codes_and_numbers() {
        let (_dir, db) = open();
        demo(db.as_ref(), 80).unwrap();
        let admin = crate::system_actor();
        let codes: BTreeSet<String> = all(db.as_ref(), &admin, Entity::Customers)
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        let numbers: Vec<String> = all(db.as_ref(), &admin, Entity::Tickets)
            .iter()
            .map(|t| t["number"].as_str().unwrap().to_string())
            .collect();
        let last = numbers.iter().max().unwrap().clone();
        assert_eq!(last, format!("T-{:06}", numbers.len()));
        let (customer, ticket) = store::write(db.as_ref(), |tx| {
            let li = tx.credentials("li")?.unwrap().actor;
            let c = service::create(
                tx,
                &li,
                Entity::Customers,
                &object(json!({"name": "全新测试客户有限公司"})),
                false,
            )?;
            let body = object(json!({"subject": "new", "customer_id": c.record["id"]}));
            let t = service::create(tx, &li, Entity::Tickets, &body, false)?;
            Ok::<_, ApiError>((c.record, t.record))
        })
        .unwrap();
        let code = customer["code"].as_str().unwrap();
        assert!(!codes.contains(code), "{code} was handed out twice");
        assert_eq!(code, "C000081");
        assert!(ticket["number"].as_str().unwrap() > last.as_str());
    }

    #[test]
    fn the_duplicate_check_knows_the_seeded_customers() {
        let (_dir, db) = open();
        demo(db.as_ref(), 400).unwrap();
        let admin = crate::system_actor();
        let customers = all(db.as_ref(), &admin, Entity::Customers);
        store::read(db.as_ref(), |tx| {
            // No seeded customer is flagged as a duplicate of another.
            for c in &customers {
                let found = tx.find_duplicates(&customer_keys(c), c["id"].as_str())?;
                assert!(
                    found.is_empty(),
                    "{} clashes with {}",
                    c["name"],
                    found[0]["name"]
                );
            }
            Ok::<_, ApiError>(())
        })
        .unwrap();
        // The stored keys are the ones a create is checked against.
        let err = store::write(db.as_ref(), |tx| {
            let zhang = tx.credentials("zhang")?.unwrap().actor;
            let body =
                object(json!({"name": customers[7]["name"].as_str().unwrap().to_uppercase()}));
            service::create(tx, &zhang, Entity::Customers, &body, false)
        })
        .err()
        .unwrap();
        assert!(
            matches!(
                err,
                ApiError::Conflict {
                    existing: Some(_),
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_database_with_customers_is_refused() {
        let (_dir, db) = open();
        demo(db.as_ref(), 10).unwrap();
        let before = all(db.as_ref(), &crate::system_actor(), Entity::Customers).len();
        match demo(db.as_ref(), 10) {
            Err(ApiError::BadRequest(message)) => {
                assert!(message.contains("already holds customers"), "{message}")
            }
            other => panic!("seeded twice: {other:?}"),
        }
        assert_eq!(
            all(db.as_ref(), &crate::system_actor(), Entity::Customers).len(),
            before
        );
    }

    #[test]
    fn demo_users_sign_in_with_the_demo_password() {
        let (_dir, db) = open();
        let report = demo(db.as_ref(), 0).unwrap();
        assert_eq!((report.users, report.teams, report.customers), (7, 4, 0));
        store::read(db.as_ref(), |tx| {
            for u in DEMO_USERS {
                let c = tx.credentials(u.username)?.unwrap();
                assert_eq!(c.actor.role, u.role);
                assert!(crate::auth::verify_password(
                    DEMO_PASSWORD,
                    c.password_hash.as_deref().unwrap()
                ));
            }
            Ok::<_, ApiError>(())
        })
        .unwrap();
    }
}
