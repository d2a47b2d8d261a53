//! The generic view of any record, built from its descriptor: every field with a value, then the
//! records that refer to it (an opportunity's activities, a stage's opportunities, …), each
//! opening where it opens from a list. Edit and delete use the descriptor's form.

use std::collections::HashMap;

use crm_server::schema::{Entity, Field, Kind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use super::cell_style;
use super::records::{cell, place_of, title_in};
use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource, Record, RecordQuery, id};
use crate::tui::dialogs::{Choice, Dialog, Picker, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::format;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Screen, record_label};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{Loaded, Read};

/// Related records read per kind: a view, not a list (`:list` has them all).
const RELATED_LIMIT: usize = 20;

/// Competitors offered when adding one to a deal.
const COMPETITOR_CHOICES: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    pub entity: Entity,
    pub id: String,
    pub record: Record,
    /// Records that refer to this one: (their entity, the record).
    pub related: Vec<(Entity, Record)>,
    /// Every related record read, before the filter.
    loaded: Vec<(Entity, Record)>,
    /// `/`: narrows the related records by kind and name.
    pub line: FilterLine,
    pub cursor: usize,
    names: HashMap<String, String>,
    pub gone: bool,
    /// The entity's custom fields as the source's catalog had them at the last load.
    pub custom: Vec<crm_server::catalog::CustomField>,
    /// The read asked last; answers to older ones are stale.
    asked: Option<u64>,
}

/// What the view of a record asks the reader thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAsk {
    pub entity: Entity,
    pub id: String,
}

/// What the reader found for a record's view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordData {
    /// None: gone (deleted, or out of the user's view).
    pub record: Option<Record>,
    /// Records that refer to it, up to `RELATED_LIMIT` per kind, then its files.
    pub related: Vec<(Entity, Record)>,
    /// The names of the records they refer to (not users: `People` names those).
    pub names: HashMap<String, String>,
    pub custom: Vec<crm_server::catalog::CustomField>,
}

/// Reads a record's view (on the reader thread; in tests and benches, wherever they like).
pub fn read(source: &dyn DataSource, ask: &RecordAsk) -> Result<RecordData, DataError> {
    let (entity, rid) = (ask.entity, ask.id.as_str());
    let Some(record) = source.get(entity, rid)? else {
        return Ok(RecordData::default());
    };
    let mut names = HashMap::new();
    let fields: Vec<&Field> = entity.fields().iter().collect();
    name_refs_in(source, std::slice::from_ref(&record), &fields, &mut names);
    let custom = source.catalog().custom_fields(entity).cloned().collect();
    let mut related = Vec::new();
    for (e, f) in back_refs(entity) {
        let q = RecordQuery {
            filters: vec![(f.name.to_string(), json!(rid))],
            ..RecordQuery::default()
        };
        let rows = source.records(e, &q, 0, RELATED_LIMIT)?;
        // A record titled by a reference (a deal's competitor) shows the name it refers to.
        let title: Vec<&Field> = e
            .fields()
            .iter()
            .filter(|f| f.name == e.descriptor().title)
            .collect();
        name_refs_in(source, &rows, &title, &mut names);
        related.extend(rows.into_iter().map(|r| (e, r)));
    }
    // Files hang off a record by its id, not a typed link.
    if crm_server::schema::ATTACHABLE.contains(&entity.name()) {
        let q = RecordQuery {
            filters: vec![(crm_server::schema::FILE_RECORD.to_string(), json!(rid))],
            ..RecordQuery::default()
        };
        let rows = source.records(Entity::Files, &q, 0, RELATED_LIMIT)?;
        related.extend(rows.into_iter().map(|r| (Entity::Files, r)));
    }
    Ok(RecordData {
        record: Some(record),
        related,
        names,
        custom,
    })
}

/// `records::name_refs` off the UI thread: each referenced record (not a user) by its name.
fn name_refs_in(
    source: &dyn DataSource,
    rows: &[Record],
    fields: &[&Field],
    names: &mut HashMap<String, String>,
) {
    for f in fields {
        let Kind::Ref(target) = f.kind else { continue };
        if target == Entity::Users {
            continue;
        }
        for r in rows {
            let rid = crate::tui::data::text(r, f.name);
            if !rid.is_empty() && !names.contains_key(rid) {
                names.insert(rid.to_string(), record_label(source, target, rid));
            }
        }
    }
}

/// The fields of other entities that refer to `entity` and can be filtered on.
fn back_refs(entity: Entity) -> Vec<(Entity, &'static Field)> {
    Entity::ALL
        .into_iter()
        .flat_map(|e| e.fields().iter().map(move |f| (e, f)))
        .filter(|(_, f)| f.filter && f.kind == Kind::Ref(entity))
        .collect()
}

impl RecordView {
    pub fn new(entity: Entity, id: &str) -> RecordView {
        RecordView {
            entity,
            id: id.to_string(),
            record: Record::new(),
            related: Vec::new(),
            loaded: Vec::new(),
            line: FilterLine::default(),
            cursor: 0,
            names: HashMap::new(),
            gone: false,
            custom: Vec::new(),
            asked: None,
        }
    }

    /// Asks the reader thread for the record and what refers to it (a read per kind that
    /// links here: more than a frame at a million records); until it answers, what was read
    /// before stays on screen, its head marked "…".
    fn load(&mut self, ctx: &mut Ctx) {
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(
            request,
            Read::Record(RecordAsk {
                entity: self.entity,
                id: self.id.clone(),
            }),
        );
    }

    /// Waiting for the reader's answer.
    pub fn is_reading(&self) -> bool {
        self.asked.is_some()
    }

    /// The reader's answer, shown when it answers the last question asked.
    fn take(&mut self, data: &RecordData, ctx: &mut Ctx) {
        self.asked = None;
        let Some(record) = &data.record else {
            self.gone = true;
            ctx.error(format!("That {} is no longer here", self.entity.noun()));
            return;
        };
        self.record = record.clone();
        self.names.extend(data.names.clone());
        self.custom = data.custom.clone();
        self.loaded = data.related.clone();
        self.refilter();
    }

    /// The related records again, through the filter (in memory: a view reads a few per kind).
    fn refilter(&mut self) {
        self.related = self
            .loaded
            .iter()
            .filter(|(e, r)| self.line.passes(&[e.noun(), &title_in(*e, r, &self.names)]))
            .cloned()
            .collect();
        self.cursor = self.cursor.min(self.related.len().saturating_sub(1));
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if let Some(input) = &self.line.input {
            draw::filter_input(buf, area, input, theme);
        } else if let Some(reason) = view.refused.get(&self.id) {
            // A write of this record the server refused: said in place, with its reason.
            let head = format!(
                "⚠ {} · {} — refused by the server: {reason} (g o to fix or discard)",
                self.entity.noun(),
                self.title()
            );
            draw::put(
                buf,
                area.x + 1,
                area.y,
                area.width.saturating_sub(2),
                &head,
                theme.style(Role::Danger),
            );
        } else {
            let reading = if self.is_reading() { " …" } else { "" };
            let head = format!("{} · {}{reading}", self.entity.noun(), self.title());
            draw::put(
                buf,
                area.x + 1,
                area.y,
                area.width.saturating_sub(2),
                &head,
                theme.style(Role::Title),
            );
        }
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        let left_w = (body.width / 2).max(30.min(body.width));
        let details = draw::panel(
            buf,
            Rect::new(body.x, body.y, left_w, body.height),
            "Details",
            theme,
            false,
        );
        let mut y = details.y;
        // Built-in fields by name, then the custom ones by their label (the map itself is not
        // shown as it is stored).
        let shown = self
            .entity
            .fields()
            .iter()
            .filter(|f| f.name != crm_server::schema::CUSTOM_FIELD)
            .map(|f| (f.name, cell(&self.record, f, &self.names, view)))
            .chain(self.custom.iter().map(|c| {
                (
                    c.label(view.me.lang),
                    super::records::custom_cell(&self.record, c, &self.names, view),
                )
            }));
        for (name, value) in shown {
            if value.is_empty() || y >= details.bottom() {
                continue;
            }
            draw::put(buf, details.x, y, 16, name, theme.style(Role::Muted));
            draw::put(
                buf,
                details.x + 17,
                y,
                details.width.saturating_sub(17),
                &value,
                theme.style(Role::Text),
            );
            y += 1;
        }
        let right = Rect::new(
            body.x + left_w,
            body.y,
            body.width.saturating_sub(left_w),
            body.height,
        );
        let title = match self.line.label() {
            Some(filter) if !self.line.typing() => {
                format!("Related ({}) · {filter}", self.related.len())
            }
            _ => format!("Related ({})", self.related.len()),
        };
        let inner = draw::panel(buf, right, &title, theme, true);
        if self.related.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "nothing refers to it",
                theme.style(Role::Muted),
            );
            return;
        }
        let height = usize::from(inner.height);
        let scroll = (self.cursor + 1).saturating_sub(height.max(1));
        for (row, (e, r)) in self.related.iter().enumerate().skip(scroll).take(height) {
            let y = inner.y + (row - scroll) as u16;
            let selected = row == self.cursor;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let title = title_in(*e, r, &self.names);
            let figures = figures(*e, r, &self.names, view);
            let title_w = if figures.is_empty() {
                inner.width.saturating_sub(15)
            } else {
                inner.width.saturating_sub(15) / 4
            };
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (14, e.noun(), cell_style(theme, Role::Accent, selected)),
                    (title_w, &title, cell_style(theme, Role::Text, selected)),
                    (
                        inner.width.saturating_sub(16 + title_w),
                        &figures,
                        cell_style(theme, Role::Muted, selected),
                    ),
                ],
            );
        }
    }
}

/// A related record's figures beside its title: the numbers and amounts among its list
/// columns (a line's quantity, price, discount, net and tax; a quote's revision and total).
fn figures(
    entity: Entity,
    record: &Record,
    names: &HashMap<String, String>,
    view: &View,
) -> String {
    // A priced line reads as the sum it is: 3 × 2,000.00 −5% = 5,700.00 +342.00 tax.
    let int = |name: &str| record.get(name).and_then(serde_json::Value::as_i64);
    if let (Some(q), Some(unit), Some(net)) = (int("quantity"), int("unit_price"), int("net")) {
        let mut s = format!("{q} × {}", format::money(unit));
        if let Some(d) = int("discount_bp").filter(|d| *d > 0) {
            s.push_str(&format!(" −{}", crm_server::rules::quotes::percent(d)));
        }
        s.push_str(&format!(" = {}", format::money(net)));
        if let Some(tax) = int("tax").filter(|t| *t > 0) {
            s.push_str(&format!(" +{} tax", format::money(tax)));
        }
        return s;
    }
    entity
        .descriptor()
        .columns
        .iter()
        .filter_map(|name| entity.field(name))
        .filter(|f| matches!(f.kind, Kind::Money | Kind::Int(..)))
        .map(|f| (f.name, cell(record, f, names, view)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(name, v)| format!("{name} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

impl RecordView {
    /// The words this record goes by (a reference as its title named).
    fn title(&self) -> String {
        title_in(self.entity, &self.record, &self.names)
    }

    /// `c` on a deal: which competitor is in it (the form for the rest follows).
    fn pick_competitor(&mut self, ctx: &mut Ctx) {
        let all = ctx.ok(ctx.source.records(
            Entity::Competitors,
            &RecordQuery::default(),
            0,
            COMPETITOR_CHOICES,
        ));
        if all.is_empty() {
            return ctx.error("No competitors yet: :list competitors, then n adds one");
        }
        let choices = all
            .iter()
            .map(|c| {
                let threat = crate::tui::data::text(c, "threat");
                Choice::new(
                    id(c),
                    title_in(Entity::Competitors, c, &self.names),
                    format!("threat {threat}"),
                )
            })
            .collect();
        let purpose = Purpose::AddCompetitor {
            opportunity: self.id.clone(),
        };
        ctx.open(Dialog::Picker(Picker::new(
            "Which competitor is in this deal?",
            purpose,
            choices,
        )));
    }
}

impl RecordView {
    /// `A`: a contract, expense claim or quote submitted for approval, with a note (the server
    /// chooses the approver and says when it may not be submitted).
    fn ask_approval(&mut self, ctx: &mut Ctx) {
        if !matches!(
            self.entity,
            Entity::Contracts | Entity::ExpenseClaims | Entity::Quotes
        ) {
            return ctx.error("Contracts, expense claims and quotes are submitted for approval");
        }
        let p = crate::tui::dialogs::Prompt::new(
            format!("Submit {} for approval", self.title()),
            "Note",
            Purpose::RequestApproval {
                entity: self.entity,
                id: self.id.clone(),
            },
        )
        .hint("for the approver; may be empty");
        ctx.open(Dialog::Prompt(p));
    }
}

impl RecordView {
    /// `C`: a lead converted, asking the name of the opportunity to make with it. Written
    /// through the outbox as the lead's status (offline too); the server makes the customer —
    /// or refuses, naming a likely duplicate to attach the lead to (its `customer`, in the
    /// outbox review's form) — the contact and the opportunity in one step.
    fn ask_conversion(&mut self, ctx: &mut Ctx) {
        if self.entity != Entity::Leads {
            return ctx.error("Only a lead is converted: open one (:list leads)");
        }
        if let Err(m) = crm_server::rules::marketing::lead_move(
            crate::tui::data::text(&self.record, "status"),
            "converted",
            None,
        ) {
            return ctx.error(m.message());
        }
        let p = crate::tui::dialogs::Prompt::new(
            format!("Convert {}", self.title()),
            "Opportunity",
            Purpose::ConvertLead(self.id.clone()),
        )
        .hint("its name, or empty for none");
        ctx.open(Dialog::Prompt(p));
    }
}

impl RecordView {
    /// `o`: this file, or the file chosen among the related records, handed to the opener.
    fn open_file(&self, ctx: &mut Ctx) {
        let file = if self.entity == Entity::Files {
            Some(&self.record)
        } else {
            self.related
                .get(self.cursor)
                .filter(|(e, _)| *e == Entity::Files)
                .map(|(_, r)| r)
        };
        let Some(file) = file else {
            return ctx
                .error("Choose a file first: a record's files are among its related records");
        };
        let name = crate::tui::data::text(file, "name").to_string();
        ctx.out.push(crate::tui::screen::Msg::Effect(
            crate::tui::action::Effect::OpenFile(id(file).to_string()),
        ));
        ctx.flash(format!("Opening {}…", crate::text::sanitize(&name)));
    }
}

impl Screen for RecordView {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        match data {
            Ok(Loaded::Record(d)) => self.take(d, ctx),
            Ok(_) => {}
            Err(e) => {
                self.asked = None;
                ctx.error(e);
            }
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let len = self.related.len();
        if self.line.typing() {
            match self.line.key(action) {
                Typed::Changed(_) | Typed::Cancelled => self.refilter(),
                Typed::Moved(m) => self.cursor = m.apply(self.cursor, len),
                Typed::Submitted => {
                    if let Some((e, r)) = self.related.get(self.cursor) {
                        ctx.go(place_of(*e, id(r)));
                    }
                }
                Typed::Same => {}
            }
            return;
        }
        if let Some(m) = Move::of(&action, usize::from(ctx.area.height / 2)) {
            self.cursor = m.apply(self.cursor, len);
            return;
        }
        match action {
            Action::Search => self.line.start(),
            Action::Back if !self.line.text.is_empty() => {
                self.line.text.clear();
                self.refilter();
            }
            Action::Back => ctx.back(),
            Action::Open => {
                if let Some((e, r)) = self.related.get(self.cursor) {
                    ctx.go(place_of(*e, id(r)));
                }
            }
            Action::Edit
                if self.entity == Entity::Quotes
                    && crm_server::rules::quotes::editable(crate::tui::data::text(
                        &self.record,
                        "status",
                    )) =>
            {
                ctx.go(crate::tui::screen::Place::QuoteEditor(self.id.clone()));
            }
            Action::Edit => {
                let form = ctx.form(
                    &format!("Edit {}", self.title()),
                    self.entity,
                    Purpose::Edit(self.entity, self.id.clone()),
                    Some(&self.record.clone()),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            // On a file among the related records, that file; else the record itself.
            Action::Delete => match self.related.get(self.cursor) {
                Some((Entity::Files, file)) => {
                    let name = crate::tui::data::text(file, "name").to_string();
                    ctx.confirm_delete(Entity::Files, id(file), &name);
                }
                _ => {
                    let what = self.title();
                    ctx.confirm_delete(self.entity, &self.id.clone(), &what);
                }
            },
            Action::CopyId => ctx.copy_id(&self.id.clone()),
            Action::OpenFile => self.open_file(ctx),
            Action::AttachFile => {
                let title = self.title();
                crate::tui::attach::ask(ctx, self.entity, &self.id.clone(), &title);
            }
            Action::AddCompetitor if self.entity == Entity::Opportunities => {
                self.pick_competitor(ctx)
            }
            Action::AddCompetitor => {
                ctx.error("Competitors are added to a deal: open an opportunity first")
            }
            Action::RequestApproval => self.ask_approval(ctx),
            Action::ConvertLead => self.ask_conversion(ctx),
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::RequestApproval { entity, id }, Answer::Text(note)) => {
                ctx.close();
                let link = match entity {
                    Entity::Contracts => "contract_id",
                    Entity::Quotes => "quote_id",
                    _ => "expense_claim_id",
                };
                let mut body = serde_json::json!({ link: id });
                if !note.trim().is_empty() {
                    body["note"] = serde_json::json!(note.trim());
                }
                let r = ctx
                    .source
                    .create(Entity::Approvals, crate::tui::screen::obj(body));
                ctx.write(r, "Submitted for approval; it is locked until decided");
            }
            (Purpose::AttachFile(entity, id), Answer::Text(path)) => {
                crate::tui::attach::answered(ctx, entity, id, &path);
            }
            (Purpose::ConvertLead(id), Answer::Text(name)) => {
                ctx.close();
                let mut patch = json!({"status": "converted"});
                if !name.trim().is_empty() {
                    patch["opportunity_name"] = json!(name.trim());
                }
                let r = ctx
                    .source
                    .update(Entity::Leads, &id, crate::tui::screen::obj(patch));
                ctx.write(r, "Converting: the customer appears when the server has it");
            }
            (Purpose::AddCompetitor { opportunity }, Answer::Picked(choice)) => {
                let hidden = json!({"opportunity_id": opportunity, "competitor_id": choice.value});
                let mut form = ctx.form(
                    &format!("{} in {}", choice.label, self.title()),
                    Entity::OpportunityCompetitors,
                    Purpose::Create(Entity::OpportunityCompetitors),
                    None,
                    hidden.as_object().cloned().unwrap_or_default(),
                );
                form.focus_on("threat");
                ctx.open(Dialog::Form(form));
            }
            (purpose, answer) => {
                flows::answer(purpose, answer, ctx);
            }
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Record
    }

    fn entity(&self) -> Option<Entity> {
        Some(self.entity)
    }

    fn crumb(&self) -> String {
        match self.title() {
            t if t.is_empty() => self.entity.noun().to_string(),
            t => t,
        }
    }

    fn gone(&self) -> bool {
        self.gone
    }

    fn typing(&self) -> bool {
        self.line.typing()
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        let input = self.line.input.as_ref()?;
        let (_, col) = input.view(usize::from(area.width.saturating_sub(4)));
        Some(Position::new(area.x + 3 + col as u16, area.y))
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        self.line.paste(text);
        self.refilter();
    }
}
