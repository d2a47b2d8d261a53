//! A customer's decision map (客户决策树), reached with `M` from its 360°: its contacts as the tree
//! of who reports to whom (`rules::relations::tree`), each with their title and part in the
//! buying decision (the admin's `decision_roles` list), and under each person their other
//! relations — assistant of, influences (and why), family member of. Names, titles and roles
//! line up in columns by display width, so Chinese names (two columns a character) align.
//!
//! Keys: `n` a new relation from the chosen person (the form, the person filled in), `r` their
//! decision role (a pick-list), `e` edits the chosen person or relation, `d` deletes the chosen
//! relation (asks first), Enter opens the person's record. The reads are a customer's few
//! contacts and their relations, read on the UI thread as a record's view reads its related rows.

use std::collections::BTreeMap;

use crm_server::rules::relations::{REPORTS_TO, tree};
use crm_server::schema::{Entity, ListName};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

use crate::text::{fit, width};
use crate::tui::action::Action;
use crate::tui::data::{Record, RecordQuery, opt_text, text};
use crate::tui::dialogs::{Choice, Dialog, Picker, Purpose};
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Place, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;

/// The most contacts of one customer the map reads.
const MAX_CONTACTS: usize = 500;
/// The most relations of one contact the map reads.
const MAX_RELATIONS: usize = 100;
/// The widest a name or title column grows.
const MAX_COLUMN: usize = 24;

/// How a relation reads from the person it is about.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "reports_to" => "reports to",
        "assistant_of" => "assistant of",
        "influences" => "influences",
        "family_of" => "family of",
        _ => "related to",
    }
}

/// One line of the map: a person in the tree, or one of a person's other relations.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Person {
        contact: String,
        /// The tree's guide lines and branch, then the name: `│  └─ 王会计`.
        lead: String,
        title: String,
        role: String,
    },
    Relation {
        relation: String,
        /// The person it is about.
        contact: String,
        /// Guide lines to stand under the person.
        lead: String,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionMap {
    pub customer: String,
    pub title: String,
    pub lines: Vec<Line>,
    pub chosen: usize,
    /// The widths the name and title columns take, in display columns.
    pub name_width: usize,
    pub title_width: usize,
    pub gone: bool,
    /// Relation records by id, for their edit form.
    relations: BTreeMap<String, Record>,
    contacts: BTreeMap<String, Record>,
}

impl DecisionMap {
    pub fn new(customer: &str) -> DecisionMap {
        DecisionMap {
            customer: customer.to_string(),
            title: String::new(),
            lines: Vec::new(),
            chosen: 0,
            name_width: 0,
            title_width: 0,
            gone: false,
            relations: BTreeMap::new(),
            contacts: BTreeMap::new(),
        }
    }

    /// The person the chosen line is about.
    fn chosen_contact(&self) -> Option<&str> {
        match self.lines.get(self.chosen)? {
            Line::Person { contact, .. } | Line::Relation { contact, .. } => Some(contact),
        }
    }

    fn chosen_relation(&self) -> Option<&str> {
        match self.lines.get(self.chosen)? {
            Line::Relation { relation, .. } => Some(relation),
            Line::Person { .. } => None,
        }
    }

    /// The rows of the map, as drawn (for tests and the frame alike).
    pub fn rows(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|line| match line {
                Line::Person {
                    lead, title, role, ..
                } => format!(
                    "{}  {}  {}",
                    fit(lead, self.name_width),
                    fit(title, self.title_width),
                    role
                )
                .trim_end()
                .to_string(),
                Line::Relation { lead, text, .. } => format!("{lead}↳ {text}"),
            })
            .collect()
    }

    fn read(&mut self, ctx: &mut Ctx) {
        let Some(customer) = ctx.ok(ctx.source.get(Entity::Customers, &self.customer)) else {
            self.gone = true;
            ctx.error("That customer is no longer here");
            return;
        };
        self.title = format!("{} {}", text(&customer, "code"), text(&customer, "name"));
        let query = RecordQuery {
            filters: vec![("customer_id".into(), json!(self.customer))],
            sort: Some("name".into()),
            ..RecordQuery::default()
        };
        let people = ctx.ok(ctx
            .source
            .records(Entity::Contacts, &query, 0, MAX_CONTACTS));
        let mut relations: Vec<Record> = Vec::new();
        for person in &people {
            let query = RecordQuery {
                filters: vec![("contact_id".into(), json!(text(person, "id")))],
                ..RecordQuery::default()
            };
            relations.extend(ctx.ok(ctx.source.records(
                Entity::ContactRelations,
                &query,
                0,
                MAX_RELATIONS,
            )));
        }
        let catalog = ctx.source.catalog();
        let lang = ctx.me.lang;
        self.contacts = people
            .iter()
            .map(|p| (text(p, "id").to_string(), p.clone()))
            .collect();
        let superior_of: BTreeMap<String, String> = relations
            .iter()
            .filter(|r| text(r, "kind") == REPORTS_TO)
            .map(|r| {
                (
                    text(r, "contact_id").to_string(),
                    text(r, "related_id").to_string(),
                )
            })
            .collect();
        // A related person from elsewhere (another customer) is named with their company.
        let mut names: BTreeMap<String, String> = self
            .contacts
            .iter()
            .map(|(id, p)| (id.clone(), text(p, "name").to_string()))
            .collect();
        for r in &relations {
            let other = text(r, "related_id");
            if !names.contains_key(other) {
                let name = match ctx.ok(ctx.source.get(Entity::Contacts, other)) {
                    Some(p) => {
                        let company = ctx.label_of(Entity::Customers, text(&p, "customer_id"));
                        format!("{} ({company})", text(&p, "name"))
                    }
                    None => "(someone you cannot see)".to_string(),
                };
                names.insert(other.to_string(), name);
            }
        }
        let ids: Vec<String> = people.iter().map(|p| text(p, "id").to_string()).collect();
        let mut lines = Vec::new();
        for row in tree(&ids, &superior_of) {
            let mut guides: String = row
                .guides
                .iter()
                .map(|&more| if more { "│  " } else { "   " })
                .collect();
            let branch = match (row.depth, row.last) {
                (0, _) => "",
                (_, true) => "└─ ",
                (_, false) => "├─ ",
            };
            let person = &self.contacts[&row.id];
            let role = opt_text(person, "decision_role")
                .map(|code| {
                    catalog
                        .label(ListName::DecisionRoles, code, lang)
                        .to_string()
                })
                .unwrap_or_default();
            lines.push(Line::Person {
                contact: row.id.clone(),
                lead: format!("{guides}{branch}{}", text(person, "name")),
                title: text(person, "title").to_string(),
                role,
            });
            // The person's other relations stand under their name.
            if row.depth > 0 {
                guides.push_str(if row.last { "   " } else { "│  " });
            }
            for r in relations.iter().filter(|r| {
                text(r, "contact_id") == row.id
                    && !(text(r, "kind") == REPORTS_TO
                        && self.contacts.contains_key(text(r, "related_id")))
            }) {
                let other = names
                    .get(text(r, "related_id"))
                    .cloned()
                    .unwrap_or_default();
                let reason = opt_text(r, "reason")
                    .map(|why| format!(" — {why}"))
                    .unwrap_or_default();
                lines.push(Line::Relation {
                    relation: text(r, "id").to_string(),
                    contact: row.id.clone(),
                    lead: guides.clone(),
                    text: format!("{} {other}{reason}", kind_label(text(r, "kind"))),
                });
            }
        }
        self.name_width = lines
            .iter()
            .filter_map(|l| match l {
                Line::Person { lead, .. } => Some(width(lead)),
                Line::Relation { .. } => None,
            })
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN * 2);
        self.title_width = lines
            .iter()
            .filter_map(|l| match l {
                Line::Person { title, .. } => Some(width(title)),
                Line::Relation { .. } => None,
            })
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN);
        self.relations = relations
            .into_iter()
            .map(|r| (text(&r, "id").to_string(), r))
            .collect();
        self.lines = lines;
        self.chosen = self.chosen.min(self.lines.len().saturating_sub(1));
    }

    fn new_relation(&self, ctx: &mut Ctx) {
        let Some(contact) = self.chosen_contact() else {
            return ctx.error("Add a contact to the customer first (a in its 360°)");
        };
        let name = text(&self.contacts[contact], "name").to_string();
        let hidden = json!({"contact_id": contact});
        let mut form = ctx.form(
            &format!("{name}: new relation"),
            Entity::ContactRelations,
            Purpose::Create(Entity::ContactRelations),
            None,
            obj(hidden),
        );
        form.focus_on("kind");
        ctx.open(Dialog::Form(form));
    }

    fn pick_role(&self, ctx: &mut Ctx) {
        let Some(contact) = self.chosen_contact() else {
            return;
        };
        let catalog = ctx.source.catalog();
        let lang = ctx.me.lang;
        let mut choices: Vec<Choice> = catalog
            .items(ListName::DecisionRoles)
            .filter(|i| i.active)
            .map(|i| Choice::new(&i.code, i.name(lang), ""))
            .collect();
        choices.push(Choice::new("", "(none)", "no part in the decision"));
        let mut picker = Picker::new(
            "Part in the buying decision",
            Purpose::DecisionRole(contact.to_string()),
            choices,
        );
        if let Some(role) = opt_text(&self.contacts[contact], "decision_role") {
            picker.select_value(role);
        }
        ctx.open(Dialog::Picker(picker));
    }

    fn edit(&self, ctx: &mut Ctx) {
        if let Some(id) = self.chosen_relation() {
            let record = self.relations.get(id).cloned();
            let form = ctx.form(
                "Edit relation",
                Entity::ContactRelations,
                Purpose::Edit(Entity::ContactRelations, id.to_string()),
                record.as_ref(),
                Record::new(),
            );
            return ctx.open(Dialog::Form(form));
        }
        if let Some(contact) = self.chosen_contact() {
            let record = self.contacts.get(contact).cloned();
            let form = ctx.form(
                "Edit contact",
                Entity::Contacts,
                Purpose::Edit(Entity::Contacts, contact.to_string()),
                record.as_ref(),
                Record::new(),
            );
            ctx.open(Dialog::Form(form));
        }
    }
}

impl Screen for DecisionMap {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.read(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let last = self.lines.len().saturating_sub(1);
        match action {
            Action::Back => ctx.back(),
            Action::Down => self.chosen = (self.chosen + 1).min(last),
            Action::Up => self.chosen = self.chosen.saturating_sub(1),
            Action::Top => self.chosen = 0,
            Action::Bottom => self.chosen = last,
            Action::New => self.new_relation(ctx),
            Action::SetRole => self.pick_role(ctx),
            Action::Edit => self.edit(ctx),
            Action::Delete => match self.chosen_relation() {
                Some(id) => {
                    let what = self
                        .lines
                        .get(self.chosen)
                        .map(|line| match line {
                            Line::Relation { text, .. } => text.clone(),
                            Line::Person { .. } => String::new(),
                        })
                        .unwrap_or_default();
                    let id = id.to_string();
                    ctx.confirm_delete(Entity::ContactRelations, &id, &format!("«{what}»"));
                }
                None => ctx.error("Choose a relation (a ↳ line) to delete it"),
            },
            Action::Open => {
                if let Some(contact) = self.chosen_contact() {
                    ctx.go(Place::Record {
                        entity: Entity::Contacts,
                        id: contact.to_string(),
                    });
                }
            }
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::DecisionRole(contact), Answer::Picked(choice)) => {
                let role = if choice.value.is_empty() {
                    serde_json::Value::Null
                } else {
                    json!(choice.value)
                };
                let r = ctx.source.update(
                    Entity::Contacts,
                    &contact,
                    obj(json!({"decision_role": role})),
                );
                ctx.write(r, &format!("Decision role: {}", choice.label));
            }
            (purpose, answer) => crate::tui::flows::answer(purpose, answer, ctx),
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        draw::put(
            buf,
            area.x + 1,
            area.y,
            area.width.saturating_sub(2),
            &format!("Decision map · {}", self.title),
            theme.style(Role::Title),
        );
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        let inner = draw::panel(buf, body, "", theme, true);
        if self.lines.is_empty() {
            return draw::empty_note(
                buf,
                inner,
                "No contacts yet: add them in the 360° (a), then n here relates them",
                theme,
            );
        }
        let height = usize::from(inner.height);
        let scroll = (self.chosen + 1).saturating_sub(height);
        for (row, (line, shown)) in self
            .lines
            .iter()
            .zip(self.rows())
            .enumerate()
            .skip(scroll)
            .take(height)
        {
            let role = match line {
                Line::Person { .. } => Role::Text,
                Line::Relation { .. } => Role::Muted,
            };
            let style = super::cell_style(theme, role, row == self.chosen);
            draw::put(
                buf,
                inner.x + 1,
                inner.y + (row - scroll) as u16,
                inner.width.saturating_sub(1),
                &shown,
                style,
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::DecisionMap
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::ContactRelations)
    }

    fn crumb(&self) -> String {
        "Decision map".into()
    }

    fn gone(&self) -> bool {
        self.gone
    }
}

/// The most orders through one dealer its 360° sums.
const DEALER_ORDERS: usize = 10_000;

/// A dealer's line in its 360°'s details: what was sold through it this month (orders placed
/// through it that count as sales, `rules::dealers::counts_as_sale`) against this month's
/// target, and its latest assessment. None for a customer that is not a dealer.
/// Read on the 360°'s reader thread with the rest of the customer.
pub fn dealer_summary(
    source: &dyn crate::tui::data::DataSource,
    customer: &Record,
    today: chrono::NaiveDate,
) -> Result<Option<String>, crate::tui::data::DataError> {
    use crm_server::rules::dealers::{DEALER_CATEGORY, attainment_bp, counts_as_sale};
    if text(customer, "category") != DEALER_CATEGORY {
        return Ok(None);
    }
    let id = text(customer, "id").to_string();
    let month = today.format("%Y-%m-01").to_string();
    let by_dealer = RecordQuery {
        filters: vec![("dealer_id".into(), json!(id))],
        ..RecordQuery::default()
    };
    let orders = source.records(Entity::Orders, &by_dealer, 0, DEALER_ORDERS)?;
    let prefix = &month[..8];
    let sold: i64 = orders
        .iter()
        .filter(|o| counts_as_sale(text(o, "status")) && text(o, "ordered_on").starts_with(prefix))
        .filter_map(|o| o.get("total").and_then(serde_json::Value::as_i64))
        .sum();
    let targets = RecordQuery {
        filters: vec![
            ("customer_id".into(), json!(id)),
            ("month".into(), json!(month)),
        ],
        ..RecordQuery::default()
    };
    let target = source
        .records(Entity::Targets, &targets, 0, 1)?
        .first()
        .and_then(|t| t.get("amount").and_then(serde_json::Value::as_i64));
    let mut parts = vec![format!(
        "sold {} this month",
        crate::tui::format::money(sold)
    )];
    if let Some(target) = target {
        let of = match attainment_bp(sold, target) {
            Some(bp) => format!(" ({}.{}%)", bp / 100, bp % 100 / 10),
            None => String::new(),
        };
        parts[0].push_str(&format!(" of {}{of}", crate::tui::format::money(target)));
    }
    let assessed = RecordQuery {
        filters: vec![("customer_id".into(), json!(id))],
        sort: Some("period".into()),
        descending: true,
        ..RecordQuery::default()
    };
    if let Some(a) = source
        .records(Entity::DealerAssessments, &assessed, 0, 1)?
        .first()
    {
        parts.push(format!(
            "assessed {}: {} {}",
            text(a, "period"),
            a.get("total").cloned().unwrap_or_default(),
            text(a, "grade")
        ));
    }
    parts.push(format!("{} orders through it", orders.len()));
    Ok(Some(parts.join(" · ")))
}
