//! What every TUI test needs, in one place: a real replica in a temporary directory, filled from
//! the fixtures (tests/fixtures/tui) through `Replica::apply_page`, the path a sync takes; an app
//! over it at the fixtures' fixed "now"; keys, typed text and the screen as text; and what the app
//! wrote, read from the replica's outbox.
//!
//! The fixtures are records as the server sends them, one file per entity, seen by 李娜
//! (username "li", sales, team 华东销售部): Chinese and Latin names, a customer whose name
//! carries an escape sequence and a bidi override, a funnel, two weeks of calendar around
//! Wednesday 2026-11-25, tickets in every SLA state. `conflict.json` is one sync conflict: Acme's
//! phone and notes edited here (an unsent local write) while the server changed both (a later
//! feed page).
//!
//! Used as `mod support;` by the TUI tests and by examples/tui_frame_bench.rs (by path).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use crm::replica::{Clock, OutboxEntry, Replica};
use crm::tui::data::{
    CompetitorEntry, Conflict, CountQuery, CustomerQuery, CustomerSort, DataError, DataSource,
    FunnelFilter, OpenReader, Record, RecordQuery, ReminderQuery, Reminders, SourceStatus,
    StageSummary, TicketQuery, TimelineEntry, WriteError,
};
use crm::tui::keymap::Key;
use crm::tui::{Action, App, Effect, ReplicaSource, TuiOptions};
use crm_server::access::Role;
use crm_server::schema::{Access, Entity, Kind, SYSTEM_FIELDS};
use crm_server::validate::{self, Mode, format_time};
use crm_server::wire::{FeedEntry, FeedOp, FeedPage};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::{Map, Value, json};

/// The instant the fixtures are built around: Wednesday 2026-11-25 09:00 UTC. The app and the
/// replica both run on it.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// When the fixtures were synced: three minutes before `now`.
fn synced_at() -> DateTime<Utc> {
    now() - Duration::minutes(3)
}

/// Who the replica belongs to.
pub const ME: &str = "li";

/// The fixture files, in the order they are applied (the replica does not need parents first,
/// but a sync's snapshot sends them so).
const FILES: [Entity; 14] = [
    Entity::Teams,
    Entity::Users,
    Entity::Stages,
    Entity::Customers,
    Entity::Contacts,
    Entity::Opportunities,
    Entity::Activities,
    Entity::Tickets,
    Entity::Comments,
    Entity::Competitors,
    Entity::CompetitorProducts,
    Entity::OpportunityCompetitors,
    Entity::WrapUpCodes,
    // The admin's levels (the other lists are left empty: open, as before a first sync).
    Entity::ListItems,
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui")
}

fn read_json(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("expected a JSON object, got {other}"),
    }
}

/// The fixture records of one entity, as the server sent them.
pub fn records(entity: Entity) -> Vec<Map<String, Value>> {
    match read_json(&format!("{}.json", entity.name())) {
        Value::Array(items) => items.into_iter().map(object).collect(),
        other => panic!("{}.json holds {other}, not a list", entity.name()),
    }
}

/// The fixture record of `entity` whose `field` is `value` (a name, code, username…).
pub fn fixture(entity: Entity, field: &str, value: &str) -> Map<String, Value> {
    records(entity)
        .into_iter()
        .find(|r| r.get(field).and_then(Value::as_str) == Some(value))
        .unwrap_or_else(|| panic!("no {} with {field} {value:?}", entity.noun()))
}

/// The id of that record.
pub fn fixture_id(entity: Entity, field: &str, value: &str) -> String {
    text(&fixture(entity, field, value), "id")
}

fn text(record: &Map<String, Value>, field: &str) -> String {
    record
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A record as the server would send it: the fields given, the entity's defaults for the rest
/// (from its descriptor, through the server's own validation), and the system fields.
pub fn server_record(entity: Entity, id: &str, fields: Value, at: DateTime<Utc>) -> Record {
    let mut record = validate::check(entity, &object(fields), Mode::Create, Role::Admin)
        .unwrap_or_else(|p| panic!("not a valid {}: {p:?}", entity.noun()));
    let stamp = format_time(at);
    record.insert("id".into(), json!(id));
    record.insert("version".into(), json!(1));
    record.insert("created_at".into(), json!(stamp));
    record.insert("updated_at".into(), json!(stamp));
    record.insert("created_by".into(), Value::Null);
    record.insert("updated_by".into(), Value::Null);
    record
}

/// Applies `records` as one page of the change feed, after position `seq` (moved on).
pub fn apply_records(replica: &Replica, entity: Entity, records: Vec<Record>, seq: &mut i64) {
    apply_page(replica, entity, records, seq, false);
}

/// One page of the feed; `more` when pages follow (an empty replica then fills as a first sync
/// does, its indexes built after the last page).
fn apply_page(replica: &Replica, entity: Entity, records: Vec<Record>, seq: &mut i64, more: bool) {
    let changes = records
        .into_iter()
        .map(|record| {
            *seq += 1;
            FeedEntry {
                seq: *seq,
                entity,
                id: text(&record, "id"),
                op: FeedOp::Upsert,
                record: Some(record),
            }
        })
        .collect();
    let page = FeedPage {
        changes,
        next: *seq,
        more,
        latest: *seq,
    };
    replica
        .apply_page(&page)
        .expect("the replica applies the page");
}

/// A replica file filled from the fixtures, in a temporary directory of its own.
pub struct Fixture {
    /// Shared with every source made from it, so the files outlive whichever is dropped first.
    dir: Arc<tempfile::TempDir>,
    path: PathBuf,
    /// The last outbox entry the fixtures made; what a test writes comes after it.
    loaded: i64,
}

impl Fixture {
    /// Every fixture, and the conflict.
    pub fn load() -> Fixture {
        let fx = Fixture::users_only();
        let replica = fx.open(synced_at());
        let mut seq = FILES.len() as i64 * 1000;
        for entity in FILES
            .into_iter()
            .filter(|e| !matches!(e, Entity::Teams | Entity::Users))
        {
            apply_records(&replica, entity, records(entity), &mut seq);
        }

        // The conflict: a local edit not yet sent, then the server's newer copy in a feed page.
        let conflict = object(read_json("conflict.json"));
        let edit = object(conflict["local_edit"].clone());
        let entity = Entity::from_name(edit["entity"].as_str().unwrap_or_default())
            .expect("conflict.json names an entity");
        let id = text(&edit, "id");
        replica
            .update(entity, &id, object(edit["fields"].clone()))
            .expect("the local edit is accepted");
        let server = object(conflict["server_record"].clone());
        apply_records(
            &replica,
            entity,
            vec![object(server["record"].clone())],
            &mut seq,
        );
        let loaded = replica
            .outbox()
            .expect("the outbox reads")
            .iter()
            .map(|e| e.seq)
            .max()
            .unwrap_or(0);
        drop(replica);
        Fixture { loaded, ..fx }
    }

    /// The teams and users only (so the app knows who is signed in), nothing else.
    pub fn users_only() -> Fixture {
        let fx = Fixture::bound();
        let replica = fx.open(synced_at());
        let mut seq = 0;
        for entity in [Entity::Teams, Entity::Users] {
            apply_records(&replica, entity, records(entity), &mut seq);
        }
        fx
    }

    /// The users, and `n` generated customers (see [`synthetic_customer`]), in pages of 5,000 as
    /// a first sync would bring them.
    pub fn synthetic(n: usize) -> Fixture {
        let fx = Fixture::bound();
        let replica = fx.open(synced_at());
        let mut seq = 0;
        for entity in [Entity::Teams, Entity::Users] {
            apply_page(&replica, entity, records(entity), &mut seq, n > 0);
        }
        for start in (0..n).step_by(5000) {
            let end = n.min(start + 5000);
            let page = (start..end).map(synthetic_customer).collect();
            apply_page(&replica, Entity::Customers, page, &mut seq, end < n);
        }
        fx
    }

    /// An empty replica of the fixtures' user.
    fn bound() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("replica.db");
        let fx = Fixture {
            dir: Arc::new(dir),
            path,
            loaded: 0,
        };
        let me = fixture(Entity::Users, "username", ME);
        let role = Role::parse(&text(&me, "role")).expect("a known role");
        let team = Some(text(&me, "team_id")).filter(|t| !t.is_empty());
        fx.open(synced_at())
            .bind_user(&text(&me, "id"), role, team.as_deref())
            .expect("the replica takes its user");
        fx
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self, at: DateTime<Utc>) -> Replica {
        let mut replica = Replica::open(&self.path).expect("the replica opens");
        replica.set_clock(Clock::Fixed(at));
        replica
    }

    /// The replica, on the fixtures' clock.
    pub fn replica(&self) -> Replica {
        self.open(now())
    }

    /// The data source the app reads, over this replica.
    pub fn source(&self) -> TestSource {
        TestSource {
            keep: Some(self.dir.clone()),
            ..TestSource::new(ReplicaSource::new(self.replica()))
        }
    }

    /// Every outbox entry, in order.
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        self.replica().outbox().expect("the outbox reads")
    }

    /// The outbox entries made since the fixtures were loaded: what the app wrote. (The outbox
    /// folds an edit into the newest entry when that is an unsent one of the same record, as it
    /// would be sent.)
    pub fn written(&self) -> Vec<OutboxEntry> {
        self.outbox()
            .into_iter()
            .filter(|e| e.seq > self.loaded)
            .collect()
    }

    /// The newest thing the app wrote.
    pub fn last_written(&self) -> OutboxEntry {
        self.written()
            .pop()
            .expect("the app wrote something to the outbox")
    }
}

/// The generated customer at `index`: names sort in index order.
pub fn synthetic_customer(index: usize) -> Record {
    let region = ["深圳", "北京", "上海", "London", "Berlin"][index % 5];
    let level = ["A", "B", "C", "D"][index % 4];
    let lifecycle = ["active", "potential", "dormant", "lost"][index % 4];
    server_record(
        Entity::Customers,
        &format!("00000004-0001-7000-8000-{index:012x}"),
        json!({
            "code": format!("C{:07}", index + 1),
            "name": format!("客户 {index:07} Trading Co."),
            "level": level,
            "category": "customer",
            "lifecycle": lifecycle,
            "region": region,
            "industry": "Wholesale",
            "phone": format!("+86 10 {:04} {:04}", index / 10_000 % 10_000, index % 10_000),
            "email": format!("buyer{index}@example.com"),
            "owner_id": format!("00000002-0000-7000-8000-{:012x}", 3 + index % 3),
        }),
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("a valid time")
            .with_timezone(&Utc),
    )
}

pub fn options() -> TuiOptions {
    TuiOptions {
        profile: "work".into(),
        username: ME.into(),
        ..TuiOptions::default()
    }
}

/// An app over `source` at the fixtures' "now", drawn at `width` x `height`.
pub fn app_over(
    source: Box<dyn DataSource + Send>,
    options: TuiOptions,
    width: u16,
    height: u16,
) -> App {
    let mut app = App::new(options, source, now());
    let effects = app.update(Action::Resize(width, height));
    app.settle(effects);
    app
}

/// An app over the fixtures at 100x30, and the fixtures to see what it wrote.
pub fn start() -> (App, Fixture) {
    start_with(options())
}

pub fn start_with(options: TuiOptions) -> (App, Fixture) {
    start_sized(options, 100, 30)
}

pub fn start_sized(options: TuiOptions, width: u16, height: u16) -> (App, Fixture) {
    let fx = Fixture::load();
    let app = app_over(Box::new(fx.source()), options, width, height);
    (app, fx)
}

/// Presses keys written as in keymaps, separated by spaces: "c <Enter>"; "<Space>" for a space.
/// The loads and writes the keys hand off are run and answered before it returns (the TUI's
/// threads would answer them a moment later); the other effects are returned.
pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut rest = Vec::new();
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let effects = press_raw(app, k);
        rest.extend(app.settle(effects));
    }
    rest
}

/// Presses keys and returns every effect they asked for, leaving the loads and writes
/// unanswered: what the screen shows before the threads answer.
pub fn press_raw(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        effects.extend(app.key(KeyEvent {
            code: key.code,
            modifiers: key.mods,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }));
    }
    effects
}

/// Types text into whatever has the focus (what it hands off is answered at once).
pub fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        let effects = app.key(KeyEvent::from(KeyCode::Char(c)));
        app.settle(effects);
    }
}

/// The frame as drawn at the app's size.
pub fn draw(app: &App) -> Buffer {
    let mut t =
        Terminal::new(TestBackend::new(app.size.width, app.size.height)).expect("a test terminal");
    t.draw(|f| app.render(f)).expect("the frame draws");
    t.backend().buffer().clone()
}

/// The frame as text, a line per row.
pub fn screen(app: &App) -> String {
    let mut t =
        Terminal::new(TestBackend::new(app.size.width, app.size.height)).expect("a test terminal");
    t.draw(|f| app.render(f)).expect("the frame draws");
    t.backend().to_string()
}

/// The real data source as the tests use it: it keeps the fixture's files alive while the app
/// holds it, and counts the customer rows read through it, to show lists read windows.
pub struct TestSource {
    inner: ReplicaSource,
    rows: Arc<AtomicUsize>,
    keep: Option<Arc<tempfile::TempDir>>,
}

impl TestSource {
    pub fn new(inner: ReplicaSource) -> TestSource {
        TestSource {
            inner,
            rows: Arc::new(AtomicUsize::new(0)),
            keep: None,
        }
    }

    /// Customer rows read so far; stays readable after the source is boxed for the app.
    pub fn rows_read(&self) -> Arc<AtomicUsize> {
        self.rows.clone()
    }
}

impl DataSource for TestSource {
    fn customers(
        &self,
        query: &CustomerQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        let rows = self.inner.customers(query, offset, limit)?;
        self.rows.fetch_add(rows.len(), Ordering::Relaxed);
        Ok(rows)
    }
    fn get(&self, entity: Entity, id: &str) -> Result<Option<Record>, DataError> {
        self.inner.get(entity, id)
    }
    fn records(
        &self,
        entity: Entity,
        query: &RecordQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        self.inner.records(entity, query, offset, limit)
    }
    fn by_number(&self, number: &str) -> Result<Option<(Entity, Record)>, DataError> {
        self.inner.by_number(number)
    }
    fn count(&self, query: &CountQuery) -> Result<usize, DataError> {
        self.inner.count(query)
    }
    fn query_problem(&self, entity: Entity, text: &str) -> Option<crm_server::query::QueryError> {
        self.inner.query_problem(entity, text)
    }
    fn reader(&self) -> Option<OpenReader> {
        self.inner.reader()
    }
    fn writer(&self) -> Option<OpenReader> {
        self.inner.writer()
    }
    fn customer_by_phone(&self, phone: &str) -> Result<Option<Record>, DataError> {
        self.inner.customer_by_phone(phone)
    }
    fn find_duplicates(&self, customer: &Record) -> Result<Vec<Record>, DataError> {
        self.inner.find_duplicates(customer)
    }
    fn contacts_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        self.inner.contacts_of(customer_id)
    }
    fn competitors_of(&self, customer_id: &str) -> Result<Vec<CompetitorEntry>, DataError> {
        self.inner.competitors_of(customer_id)
    }
    fn opportunities_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        self.inner.opportunities_of(customer_id)
    }
    fn timeline(&self, customer_id: &str, limit: usize) -> Result<Vec<TimelineEntry>, DataError> {
        self.inner.timeline(customer_id, limit)
    }
    fn stages(&self) -> Result<Vec<Record>, DataError> {
        self.inner.stages()
    }
    fn funnel(&self, filter: &FunnelFilter) -> Result<Vec<StageSummary>, DataError> {
        self.inner.funnel(filter)
    }
    fn stage_opportunities(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        self.inner
            .stage_opportunities(stage_id, filter, offset, limit)
    }
    fn stage_position(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        opportunity: &str,
    ) -> Result<Option<usize>, DataError> {
        self.inner.stage_position(stage_id, filter, opportunity)
    }
    fn activities_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<Record>, DataError> {
        self.inner.activities_between(from, to, owner)
    }
    fn reminders(&self, query: &ReminderQuery) -> Result<Reminders, DataError> {
        self.inner.reminders(query)
    }
    fn dashboard(
        &self,
        ask: &crm::tui::panes::dashboard::DashboardAsk,
    ) -> Result<crm::dashboard::figures::Figures, DataError> {
        self.inner.dashboard(ask)
    }
    fn month_target(
        &self,
        whose: &crm::dashboard::attainment::Whose,
        month: (i32, u32),
    ) -> Result<Option<i64>, DataError> {
        self.inner.month_target(whose, month)
    }
    fn callbacks(
        &self,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<Vec<crm::tui::data::Record>, DataError> {
        self.inner.callbacks(owner, until)
    }
    fn server_duplicates(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Option<Result<Vec<crm::tui::data::ServerPair>, String>> {
        self.inner.server_duplicates(subject, limit)
    }

    fn duplicate_pairs(
        &self,
        subject: Entity,
        limit: usize,
    ) -> Result<Vec<crm_server::dedupe::IdPair>, DataError> {
        self.inner.duplicate_pairs(subject, limit)
    }
    fn tickets(
        &self,
        query: &TicketQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        self.inner.tickets(query, offset, limit)
    }
    fn ticket_queue(&self, query: &TicketQuery) -> Result<Vec<Record>, DataError> {
        self.inner.ticket_queue(query)
    }
    fn comments(&self, ticket_id: &str) -> Result<Vec<Record>, DataError> {
        self.inner.comments(ticket_id)
    }
    fn users(&self) -> Result<Vec<Record>, DataError> {
        self.inner.users()
    }
    fn catalog(&self) -> crm_server::catalog::Catalog {
        self.inner.catalog()
    }
    fn create(&mut self, entity: Entity, record: Record) -> Result<Record, WriteError> {
        self.inner.create(entity, record)
    }
    fn allow_duplicate(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        self.inner.allow_duplicate(entity, id)
    }
    fn customer_sorts(&self) -> &'static [CustomerSort] {
        self.inner.customer_sorts()
    }
    fn update(&mut self, entity: Entity, id: &str, patch: Record) -> Result<Record, WriteError> {
        self.inner.update(entity, id, patch)
    }
    fn delete(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        self.inner.delete(entity, id)
    }
    fn status(&self) -> SourceStatus {
        self.inner.status()
    }
    fn conflicts(&self) -> Result<Vec<Conflict>, DataError> {
        self.inner.conflicts()
    }
    fn resolve_conflict(&mut self, conflict_id: &str, chosen: Record) -> Result<(), WriteError> {
        self.inner.resolve_conflict(conflict_id, chosen)
    }
    fn refusals(&self) -> std::collections::HashMap<String, String> {
        self.inner.refusals()
    }
    fn pending_writes(&self) -> Result<Vec<crm::tui::data::PendingWrite>, DataError> {
        self.inner.pending_writes()
    }
    fn retry_write(&mut self, seq: i64) -> Result<(), WriteError> {
        self.inner.retry_write(seq)
    }
    fn discard_write(&mut self, seq: i64) -> Result<(), WriteError> {
        self.inner.discard_write(seq)
    }
    fn undo(&mut self) -> Result<Option<crm::tui::data::UndoDone>, WriteError> {
        self.inner.undo()
    }
    fn may(&self, capability: crm::tui::data::Capability, entity: Entity) -> Option<bool> {
        self.inner.may(capability, entity)
    }
}

/// Every fixture record is what the server sends: the system fields and exactly the fields its
/// entity's descriptor lists, each value one the server's validation accepts, each reference
/// to a record the fixtures hold. A fixture that drifts from the schema fails here rather than
/// as a puzzling screen.
pub fn check_fixtures() {
    let ids: std::collections::HashSet<(Entity, String)> = FILES
        .into_iter()
        .flat_map(|e| records(e).into_iter().map(move |r| (e, text(&r, "id"))))
        .collect();
    for entity in FILES {
        for record in records(entity) {
            if let Some(by) = record.get("created_by").and_then(Value::as_str) {
                assert!(
                    ids.contains(&(Entity::Users, by.to_string())),
                    "{} {}: created by {by}, not a fixture user",
                    entity.noun(),
                    text(&record, "id")
                );
            }
            for field in entity.fields() {
                let target = match field.kind {
                    Kind::Ref(target) | Kind::Refs(target) => target,
                    _ => continue,
                };
                let refs: Vec<&str> = match record.get(field.name) {
                    Some(Value::String(id)) => vec![id],
                    Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                    _ => continue,
                };
                for id in refs {
                    assert!(
                        ids.contains(&(target, id.to_string())),
                        "{} {}: {} {id} is not in the fixtures",
                        entity.noun(),
                        text(&record, "id"),
                        field.name
                    );
                }
            }
        }
        let fields: Vec<&str> = SYSTEM_FIELDS
            .iter()
            .copied()
            .chain(entity.fields().iter().map(|f| f.name))
            .collect();
        for record in records(entity) {
            let mut keys: Vec<&str> = record.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut want = fields.clone();
            want.sort_unstable();
            assert_eq!(keys, want, "{} {}", entity.noun(), text(&record, "id"));
            // What a client may send; the server's own fields (numbers, SLA times) it sets.
            // Some records hold escape sequences on purpose: data stored before the server
            // refused them, which the screens must still show harmlessly. They are checked
            // with those characters taken out; everything else must be as the server takes it.
            let values: Map<String, Value> = record
                .iter()
                .filter(|(k, _)| entity.field(k).is_some_and(|f| f.access != Access::Server))
                .map(|(k, v)| (k.clone(), without_refused_characters(v)))
                .collect();
            match validate::check(entity, &values, Mode::Create, Role::Admin) {
                Ok(stored) => {
                    for (k, v) in &values {
                        assert_eq!(
                            stored.get(k),
                            Some(v),
                            "{} {}: {k} is not as the server stores it",
                            entity.noun(),
                            text(&record, "id")
                        );
                    }
                }
                Err(p) => panic!("{} {}: {p:?}", entity.noun(), text(&record, "id")),
            }
        }
    }
}

/// `value` with the characters the server refuses in text taken out.
fn without_refused_characters(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.chars()
                .filter(|&c| !c.is_control() && !validate::is_bidi_override(c))
                .collect(),
        ),
        other => other.clone(),
    }
}
