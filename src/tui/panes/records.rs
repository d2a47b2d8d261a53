//! The generic list of any entity, built from its descriptor (`:list ENTITY`): columns from its
//! fields, its sortable fields for `s`, `/` to search, marks for bulk delete, the create and edit
//! forms the descriptor makes. A new kind of record gets this screen with no code of its own.

use std::collections::HashMap;

use crm_server::catalog::{CustomField, CustomKind};
use crm_server::schema::{CUSTOM_FIELD, Entity, Field, Kind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;

use super::cell_style;
use crate::tui::action::Action;
use crate::tui::data::{CountQuery, DataError, DataSource, Record, RecordQuery, id, text};
use crate::tui::dialogs::{Dialog, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::format;
use crate::tui::keymap::Mode;
use crate::tui::list::{ListView, Listed, Window};
use crate::tui::screen::{Answer, Ctx, Place, Screen};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{self, Loaded, Read};

const HEADER_ROWS: u16 = 2;
const MAX_COLUMNS: usize = 7;

/// Where a record opens: its bespoke screen where it has one, else the generic view.
pub fn place_of(entity: Entity, id: &str) -> Place {
    match entity {
        Entity::Customers => Place::Customer {
            id: id.to_string(),
            inbound: false,
        },
        Entity::Tickets => Place::Ticket(id.to_string()),
        Entity::Articles => Place::Article {
            id: id.to_string(),
            ticket: None,
        },
        Entity::ReturnVisits => Place::Visit(id.to_string()),
        Entity::Surveys => Place::Survey(id.to_string()),
        entity => Place::Record {
            entity,
            id: id.to_string(),
        },
    }
}

/// The words a record goes by: its number or code, then its name or subject.
pub fn title_of(record: &Record) -> String {
    let number = ["code", "number"]
        .iter()
        .map(|f| text(record, f))
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let name = ["name", "subject", "username", "body"]
        .iter()
        .map(|f| text(record, f))
        .find(|s| !s.is_empty())
        .unwrap_or("");
    format!("{number} {name}").trim().to_string()
}

/// The words a record of `entity` goes by: as [`title_of`], else its descriptor's title field,
/// a reference (a deal's competitor) by the name `names` holds for it.
pub fn title_in(entity: Entity, record: &Record, names: &HashMap<String, String>) -> String {
    let plain = title_of(record);
    if !plain.is_empty() {
        return plain;
    }
    let field = entity.descriptor().title;
    let value = text(record, field);
    match entity.field(field).map(|f| f.kind) {
        Some(Kind::Ref(_)) => names.get(value).cloned().unwrap_or_default(),
        _ => value.to_string(),
    }
}

/// The fields a list shows: the descriptor's columns, as many as fit a screen.
pub fn columns(entity: Entity) -> Vec<&'static Field> {
    let mut cols: Vec<&Field> = entity
        .descriptor()
        .columns
        .iter()
        .filter_map(|name| entity.field(name))
        .collect();
    cols.truncate(MAX_COLUMNS);
    cols
}

/// A field's value as shown; references by the names `names` holds (users by `view`).
pub fn cell(
    record: &Record,
    field: &Field,
    names: &HashMap<String, String>,
    view: &View,
) -> String {
    let Some(v) = record.get(field.name).filter(|v| !v.is_null()) else {
        return String::new();
    };
    match field.kind {
        Kind::Ref(Entity::Users) => view.people.name(v.as_str().unwrap_or("")),
        Kind::Ref(_) => {
            let key = v.as_str().unwrap_or("");
            names.get(key).cloned().unwrap_or_else(|| key.to_string())
        }
        Kind::Money => format::money(v.as_i64().unwrap_or(0)),
        Kind::Bool => if v.as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        }
        .into(),
        Kind::Time => crate::tui::data::time(record, field.name)
            .map(|t| view.zone.datetime(t))
            .unwrap_or_default(),
        Kind::Tags => v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        _ => match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

/// A custom field's value as shown: money as an amount, a user by name, a record by the name
/// `names` holds, several choices joined.
pub fn custom_cell(
    record: &Record,
    field: &CustomField,
    names: &HashMap<String, String>,
    view: &View,
) -> String {
    let Some(v) = record
        .get(CUSTOM_FIELD)
        .and_then(|m| m.get(field.key.as_str()))
        .filter(|v| !v.is_null())
    else {
        return String::new();
    };
    match (field.kind, v) {
        (CustomKind::Money, v) => format::money(v.as_i64().unwrap_or(0)),
        (CustomKind::User, Value::String(id)) => view.people.name(id),
        (CustomKind::Link(_), Value::String(id)) => {
            names.get(id).cloned().unwrap_or_else(|| id.clone())
        }
        (_, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The labels of the records `rows` refer to in `fields`, read once per id.
pub fn name_refs(
    rows: &[Record],
    fields: &[&Field],
    names: &mut HashMap<String, String>,
    ctx: &mut Ctx,
) {
    for f in fields {
        let Kind::Ref(target) = f.kind else { continue };
        if target == Entity::Users {
            continue;
        }
        for r in rows {
            let rid = text(r, f.name);
            if !rid.is_empty() && !names.contains_key(rid) {
                let label = ctx.label_of(target, rid);
                names.insert(rid.to_string(), label);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordList {
    pub entity: Entity,
    pub query: RecordQuery,
    pub list: ListView,
    names: HashMap<String, String>,
    /// What the header says in place of the entity's name (the Sales screen's section tabs).
    pub heading: Option<String>,
    /// The custom fields an admin shows as columns, from the source's catalog at the last read
    /// (so a field defined since shows after the next sync).
    pub custom: Vec<CustomField>,
    /// Why the filter does not read as a query, shown on the filter line.
    pub problem: Option<crm_server::query::QueryError>,
    /// Fields shown before the descriptor's columns (the value ranking's score and level).
    pub lead: &'static [&'static str],
    /// Tells this list's window reads apart from another list's of the same entity.
    key: u64,
    /// The first rows asked of the window thread after the query changed (request, rows
    /// asked): until they come, the rows before stay, the header marked "…".
    reading: Option<(u64, usize)>,
    /// The reload asked last (after a write or sync: the window where it stands), read off
    /// the UI thread while the rows before stay; older answers are stale.
    rereading: Option<u64>,
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(HEADER_ROWS)).max(1)
}

pub(crate) fn page(
    source: &dyn DataSource,
    entity: Entity,
    q: &RecordQuery,
    offset: usize,
    limit: usize,
    from_end: bool,
) -> Result<Vec<Record>, crate::tui::data::DataError> {
    let q = RecordQuery {
        descending: q.descending != from_end,
        ..q.clone()
    };
    source.records(entity, &q, offset, limit)
}

impl RecordList {
    /// The list filtered by a query in the query language, as `:filter` would.
    pub fn filtered(entity: Entity, query: String) -> RecordList {
        let mut list = RecordList::new(entity);
        list.query.search = query;
        list
    }

    /// The customers by the server's value score, highest first, the score and suggested
    /// level first among the columns (`:value`).
    pub fn ranked() -> RecordList {
        let mut list = RecordList::new(Entity::Customers);
        list.query.sort = Some("value_score".into());
        list.query.descending = true;
        list.heading = Some("Customers by value".into());
        list.lead = &["value_score", "value_level", "lifecycle"];
        list
    }

    /// The columns shown: the lead fields, then the descriptor's.
    fn cols(&self) -> Vec<&'static Field> {
        let mut cols: Vec<&'static Field> = self
            .lead
            .iter()
            .filter_map(|name| self.entity.field(name))
            .collect();
        for c in columns(self.entity) {
            if !cols.iter().any(|l| l.name == c.name) {
                cols.push(c);
            }
        }
        cols.truncate(MAX_COLUMNS);
        cols
    }

    pub fn new(entity: Entity) -> RecordList {
        RecordList {
            lead: &[],
            entity,
            query: RecordQuery::default(),
            list: ListView::default(),
            names: HashMap::new(),
            heading: None,
            custom: Vec::new(),
            problem: None,
            key: work::request(),
            reading: None,
            rereading: None,
        }
    }

    fn fetch(&mut self, ctx: &mut Ctx) {
        self.custom = ctx
            .source
            .catalog()
            .custom_fields(self.entity)
            .filter(|c| c.in_list)
            .cloned()
            .collect();
        let h = list_height(ctx.area);
        let (entity, q) = (self.entity, &self.query);
        let source: &dyn DataSource = &*ctx.source;
        let r = self.list.ensure(h, &mut |o, l, from_end| {
            page(source, entity, q, o, l, from_end)
        });
        ctx.ok(r);
        let cols = self.cols();
        name_refs(&self.list.rows, &cols, &mut self.names, ctx);
    }

    /// The query changed: back to the top, the first rows read off the UI thread (at a
    /// million orders a filtered window costs more than a frame); the rows shown stay until
    /// they come.
    fn requery(&mut self, ctx: &mut Ctx) {
        let limit = Window::first_rows(list_height(ctx.area));
        let request = work::request();
        self.reading = Some((request, limit));
        self.rereading = None;
        ctx.load(
            request,
            Read::Records {
                entity: self.entity,
                query: self.query.clone(),
                limit,
                list: self.key,
            },
        );
        self.recount(ctx);
    }

    /// Whether the rows shown are those of the query before (its window is being read).
    pub fn is_reading(&self) -> bool {
        self.reading.is_some() || self.rereading.is_some()
    }

    /// The data changed (a write, a sync): the window where it stands read again by the
    /// reader (`Read::RecordsWindow`), the rows before kept on screen until it answers.
    fn reread(&mut self, ctx: &mut Ctx) {
        let request = work::request();
        self.rereading = Some(request);
        ctx.load(
            request,
            Read::RecordsWindow {
                entity: self.entity,
                query: self.query.clone(),
                window: Box::new(self.list.window.clone()),
                height: list_height(ctx.area),
                list: self.key,
            },
        );
    }

    /// A reread answered: taken when the cursor stands where it stood when asked (else the
    /// window is asked again from where it stands now).
    fn take_reread(&mut self, asked_from: &Window, window: &Window, ctx: &mut Ctx) {
        self.rereading = None;
        let now = &self.list.window;
        if (now.anchor, now.selected, now.offset)
            != (asked_from.anchor, asked_from.selected, asked_from.offset)
        {
            return self.reread(ctx);
        }
        self.list.window = window.clone();
        // Names the rows' references (the window covers the screen: nothing more is read).
        self.fetch(ctx);
    }

    /// Asks for the list's exact length, answered off the UI thread.
    fn recount(&mut self, ctx: &mut Ctx) {
        let request = self.list.recount();
        ctx.count(
            request,
            CountQuery::Records(self.entity, self.query.clone()),
        );
    }

    fn sorts(&self) -> Vec<&'static str> {
        self.entity
            .fields()
            .iter()
            .filter(|f| f.sort)
            .map(|f| f.name)
            .chain(["updated_at"])
            .collect()
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 3 {
            return;
        }
        let position = if self.reading.is_some() {
            format!("… {}", self.list.status())
        } else {
            self.list.status()
        };
        let pos_w = crate::text::width(&position) as u16 + 1;
        let left_w = area.width.saturating_sub(pos_w + 1);
        match &self.list.filter {
            Some(input) => {
                draw::put(buf, area.x + 1, area.y, 2, "/", theme.style(Role::Key));
                let (shown, _) = input.view(usize::from(left_w.saturating_sub(4)));
                draw::put_fit(
                    buf,
                    area.x + 3,
                    area.y,
                    left_w.saturating_sub(3),
                    &shown,
                    theme.style(Role::Input),
                );
            }
            None => {
                let mut head = self
                    .heading
                    .clone()
                    .unwrap_or_else(|| self.entity.name().to_string());
                if !self.query.search.is_empty() {
                    head.push_str(&format!(" · search “{}”", self.query.search));
                }
                let sort = self
                    .query
                    .sort
                    .as_deref()
                    .unwrap_or(self.entity.default_sort());
                head.push_str(&format!(
                    " · sort {sort} {}",
                    if self.query.descending { "↓" } else { "↑" }
                ));
                draw::put(
                    buf,
                    area.x + 1,
                    area.y,
                    left_w,
                    &head,
                    theme.style(Role::Muted),
                );
            }
        }
        match &self.problem {
            // The query's error in place of the position: what is wrong and where.
            Some(e) => draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &format!("⚠ {e}"),
                theme.style(Role::Danger),
            ),
            None => draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &position,
                theme.style(Role::Muted),
            ),
        }
        let cols = self.cols();
        let custom: Vec<&CustomField> = self
            .custom
            .iter()
            .take(MAX_COLUMNS.saturating_sub(cols.len()).max(1))
            .collect();
        let fixed: Vec<u16> = cols
            .iter()
            .map(|f| match f.kind {
                Kind::Text(_) if matches!(f.name, "name" | "subject" | "username") => 0,
                Kind::Text(_) | Kind::Ref(_) => 16,
                Kind::Time => 16,
                Kind::Money => 14,
                _ => 10,
            })
            .chain(custom.iter().map(|_| 14))
            .collect();
        let flex = fixed.iter().position(|w| *w == 0).unwrap_or(0);
        let widths = draw::share(area.width.saturating_sub(2), &fixed, flex, 10);
        let header: Vec<(u16, &str, ratatui::style::Style)> = cols
            .iter()
            .map(|f| f.name)
            .chain(custom.iter().map(|c| c.label(view.me.lang)))
            .zip(&widths)
            .map(|(name, w)| (*w, name, theme.style(Role::Header)))
            .collect();
        draw::columns(buf, area.x + 1, area.y + 1, &header);
        if self.list.is_empty() {
            draw::put(
                buf,
                area.x + 2,
                area.y + HEADER_ROWS,
                area.width.saturating_sub(3),
                "Nothing here. n adds one; / searches.",
                theme.style(Role::Muted),
            );
            return;
        }
        for (line, r, selected) in self.list.visible(list_height(area)) {
            let y = area.y + HEADER_ROWS + line as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let cells: Vec<String> = cols
                .iter()
                .map(|f| cell(r, f, &self.names, view))
                .chain(custom.iter().map(|c| custom_cell(r, c, &self.names, view)))
                .collect();
            let row: Vec<(u16, &str, ratatui::style::Style)> = widths
                .iter()
                .zip(&cells)
                .map(|(w, s)| (*w, s.as_str(), cell_style(theme, Role::Text, selected)))
                .collect();
            draw::columns(buf, area.x + 1, y, &row);
            if self.list.is_marked(r) {
                draw::row_mark(buf, area.x, y, cell_style(theme, Role::Accent, selected));
            } else if view.refused.contains_key(crate::tui::data::id(r)) {
                draw::refused_mark(buf, area.x, y, cell_style(theme, Role::Danger, selected));
            }
        }
    }
}

impl Screen for RecordList {
    fn reload(&mut self, ctx: &mut Ctx) {
        if self.reading.is_some() {
            // The window asked may have been read before the change: asked again.
            return self.requery(ctx);
        }
        if self.list.rows.is_empty() {
            // Nothing shown yet (a list just opened): its first rows, as a new query.
            return self.requery(ctx);
        }
        self.reread(ctx);
        self.recount(ctx);
    }

    fn counted(&mut self, request: u64, count: usize) {
        self.list.counted(request, count);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.rereading == Some(request) {
            match data {
                Ok(Loaded::RecordsWindow { asked_from, window }) => {
                    self.take_reread(asked_from, window, ctx);
                }
                Ok(_) => {}
                Err(e) => {
                    self.rereading = None;
                    ctx.error(e);
                }
            }
            return;
        }
        let Some((asked, limit)) = self.reading else {
            return;
        };
        if asked != request {
            return;
        }
        self.reading = None;
        match data {
            Ok(Loaded::Records(rows)) => {
                self.list.window.fill_from_top(rows.clone(), limit);
                // A window taller than the one asked (a resize meanwhile) reads the rest, and
                // the rows' references are named.
                self.fetch(ctx);
            }
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let (entity, q) = (self.entity, &self.query);
        let source: &dyn DataSource = &*ctx.source;
        let mut fetch =
            |o: usize, l: usize, from_end: bool| page(source, entity, q, o, l, from_end);
        let action = match self.list.handle(action, h, &mut fetch) {
            Listed::Done(r) => {
                ctx.ok(r);
                let cols = self.cols();
                return name_refs(&self.list.rows, &cols, &mut self.names, ctx);
            }
            Listed::Filter(search) => {
                self.problem = ctx.source.query_problem(self.entity, &search);
                self.query.search = search;
                return self.requery(ctx);
            }
            Listed::Open => {
                if let Some(r) = self.list.selected_row() {
                    ctx.go(place_of(self.entity, id(r)));
                }
                return;
            }
            Listed::Pass(action) => action,
        };
        let chosen = self.list.selected_row().cloned();
        match action {
            Action::Back if !self.query.search.is_empty() => {
                self.query.search.clear();
                self.requery(ctx);
            }
            Action::Back => ctx.back(),
            Action::Search => self.list.start_filter(&self.query.search),
            Action::NamedFilters => crate::tui::named_filters::open(self.entity, ctx),
            Action::SaveQuery => {
                crate::tui::named_filters::save_current(self.entity, &self.query.search, ctx);
            }
            Action::FilterBy(q) => {
                self.list.filter = None;
                self.problem = ctx.source.query_problem(self.entity, &q);
                if let Some(e) = &self.problem {
                    ctx.error(e.to_string());
                }
                self.query.search = q;
                self.requery(ctx);
            }
            Action::New => {
                let form = ctx.form(
                    &format!("New {}", self.entity.noun()),
                    self.entity,
                    Purpose::Create(self.entity),
                    None,
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::Edit => {
                if let Some(r) = chosen {
                    let form = ctx.form(
                        &format!("Edit {}", title_in(self.entity, &r, &self.names)),
                        self.entity,
                        Purpose::Edit(self.entity, id(&r).to_string()),
                        Some(&r),
                        Record::new(),
                    );
                    ctx.open(Dialog::Form(form));
                }
            }
            Action::Delete if !self.list.marks.is_empty() => {
                ctx.confirm_delete_many(self.entity, self.list.chosen_ids());
            }
            Action::Delete => {
                if let Some(r) = chosen {
                    let what = title_in(self.entity, &r, &self.names);
                    ctx.confirm_delete(self.entity, id(&r), &what);
                }
            }
            Action::CopyId => {
                if let Some(r) = chosen {
                    ctx.copy_id(id(&r));
                }
            }
            Action::Sort => {
                let sorts = self.sorts();
                let current = self
                    .query
                    .sort
                    .as_deref()
                    .unwrap_or(self.entity.default_sort());
                let i = sorts
                    .iter()
                    .position(|s| *s == current)
                    .map_or(0, |i| i + 1);
                let next = sorts[i % sorts.len()];
                self.query.sort = Some(next.to_string());
                self.requery(ctx);
                ctx.flash(format!("Sorted by {next}"));
            }
            Action::Reverse => {
                self.query.descending = !self.query.descending;
                self.requery(ctx);
            }
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        if let (Purpose::NamedFilter, Answer::Picked(choice)) = (&purpose, &answer) {
            self.handle(Action::FilterBy(choice.value.clone()), ctx);
            return;
        }
        if matches!(purpose, Purpose::DeleteMany { .. }) {
            self.list.marks.clear();
        }
        flows::answer(purpose, answer, ctx);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Records
    }

    fn entity(&self) -> Option<Entity> {
        Some(self.entity)
    }

    fn crumb(&self) -> String {
        self.entity.name().to_string()
    }

    fn typing(&self) -> bool {
        self.list.typing()
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        let input = self.list.filter.as_ref()?;
        let (_, col) = input.view(usize::from(area.width.saturating_sub(4)));
        Some(Position::new(area.x + 3 + col as u16, area.y))
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.query.search = self.list.paste(text, &self.query.search);
        self.requery(ctx);
    }

    fn click(&mut self, _x: u16, y: u16, ctx: &mut Ctx) {
        let top = ctx.area.y + HEADER_ROWS;
        if y < top {
            return;
        }
        let was = self.list.selected;
        if self.list.click(usize::from(y - top), list_height(ctx.area)) && was == self.list.selected
        {
            self.handle(Action::Open, ctx);
        }
    }
}
