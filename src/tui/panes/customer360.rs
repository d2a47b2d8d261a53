//! One customer, all around: details, contacts, tickets, open quotes, orders with what the
//! customer still owes (its receivables, aged by `rules::payments`), opportunities, and a
//! timeline of activities and tickets; quick actions log a call, a visit or a meeting, schedule a
//! follow-up, open a ticket or an opportunity, add a contact, edit the chosen item. Opened by an
//! incoming call, the contact whose phone rang is chosen and the call's duration runs from the
//! pop.

mod drawing;
mod reading;
pub use reading::{Customer360Ask, Customer360Data, Sections, read};

use chrono::{Duration, NaiveTime};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use crate::tui::action::Action;
use crm_server::rules::payments::Aging;
use crm_server::rules::quotes;

use crate::tui::data::{
    CompetitorEntry, DataError, DataSource, Record, RecordQuery, TimelineEntry, id, int, text,
};
use crate::tui::dialogs::log_call::Caller;
use crate::tui::dialogs::{Dialog, LogCall, Purpose};
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Place, Pop, Screen};
use crate::tui::view::View;
use crate::tui::work::Read;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Contacts,
    /// The customer's tickets, newest number first.
    Tickets,
    Opportunities,
    /// The competitors in this customer's deals.
    Competitors,
    Timeline,
    /// Its open quotes (draft or sent, newest revision only).
    Quotes,
    /// Its orders, newest first; the panel's title says what it still owes.
    Orders,
    /// Its contracts (newest first) and the licences it holds.
    Agreements,
}

const SECTIONS: [Section; 8] = [
    Section::Contacts,
    Section::Tickets,
    Section::Quotes,
    Section::Orders,
    Section::Opportunities,
    Section::Competitors,
    Section::Agreements,
    Section::Timeline,
];

/// Contracts and licences a 360° reads: more than any customer holds.
const AGREEMENTS_SHOWN: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Customer360 {
    pub id: String,
    pub customer: Record,
    pub contacts: Vec<Record>,
    pub tickets: Vec<Record>,
    pub opportunities: Vec<Record>,
    pub competitors: Vec<CompetitorEntry>,
    pub timeline: Vec<TimelineEntry>,
    pub quotes: Vec<Record>,
    pub orders: Vec<Record>,
    /// What the customer still owes on its instalments, aged.
    pub receivables: Aging,
    /// Its contracts, then its licences: `(Entity::Contracts | Entity::Licences, record)`.
    pub agreements: Vec<(Entity, Record)>,
    stages: Vec<Record>,
    /// The customers' custom fields as the source's catalog had them at the last load.
    pub custom: Vec<crm_server::catalog::CustomField>,
    pub section: Section,
    pub cursor: [usize; SECTIONS.len()],
    /// The incoming call that opened it.
    pub pop: Option<Pop>,
    /// The contact whose phone rang, once found.
    pub matched: Option<String>,
    /// The customer was deleted or left this user's view.
    pub gone: bool,
    /// Opened for an incoming call: calls are logged as inbound.
    pub inbound: bool,
    /// `/`: narrows every section to the items that match.
    pub line: FilterLine,
    /// What was read, before the filter.
    loaded: Sections,
    /// The read asked last; answers to any other are stale.
    asked: Option<u64>,
    /// The wrap-up codes, for the timeline's call outcomes.
    pub codes: Vec<crm_server::rules::call_outcomes::WrapUp>,
    /// Its return visits' satisfaction: the average score and how many gave one.
    pub satisfaction: Option<(f64, usize)>,
    /// A dealer's sales this month against its target, and its latest assessment.
    pub dealer: Option<String>,
}

impl Customer360 {
    /// The view of a customer, read at its first reload.
    pub fn new(customer_id: &str, inbound: bool) -> Customer360 {
        Customer360 {
            id: customer_id.to_string(),
            customer: Record::new(),
            contacts: Vec::new(),
            tickets: Vec::new(),
            opportunities: Vec::new(),
            competitors: Vec::new(),
            timeline: Vec::new(),
            quotes: Vec::new(),
            orders: Vec::new(),
            receivables: Aging::default(),
            agreements: Vec::new(),
            stages: Vec::new(),
            custom: Vec::new(),
            section: Section::Timeline,
            cursor: [0; SECTIONS.len()],
            pop: None,
            matched: None,
            gone: false,
            inbound,
            line: FilterLine::default(),
            loaded: Sections::default(),
            asked: None,
            codes: Vec::new(),
            satisfaction: None,
            dealer: None,
        }
    }

    /// The view of a customer an incoming call popped.
    pub fn popped(customer_id: &str, pop: Pop) -> Customer360 {
        Customer360 {
            pop: Some(pop),
            ..Customer360::new(customer_id, true)
        }
    }

    /// Asks the reader thread for the customer and its sections; until it answers, what was
    /// read before stays on screen ("reading…" the first time).
    fn load(&mut self, ctx: &mut Ctx) {
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(
            request,
            Read::Customer360(Customer360Ask {
                id: self.id.clone(),
                today: ctx.today(),
            }),
        );
    }

    /// Waiting for the reader's answer.
    pub fn reading(&self) -> bool {
        self.asked.is_some()
    }

    /// The reader's answer, shown when it answers the last question asked.
    fn take(&mut self, request: u64, data: &Customer360Data, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        let Some(found) = &data.customer else {
            self.gone = true;
            ctx.error("That customer is no longer here (deleted, or moved out of your view)");
            return;
        };
        self.customer = found.clone();
        self.codes = data.codes.clone();
        self.custom = data.custom.clone();
        self.loaded = data.sections.clone();
        self.receivables = data.receivables;
        self.stages = data.stages.clone();
        self.satisfaction = data.satisfaction;
        self.dealer = data.dealer.clone();
        let first_read = self.matched.is_none();
        self.matched = self.matched.take().or_else(|| {
            let phone = &self.pop.as_ref()?.phone;
            matched_contact(&self.loaded.contacts, phone).map(|k| id(k).to_string())
        });
        self.refilter();
        // On the pop, the caller is the chosen contact.
        if first_read
            && let Some(m) = &self.matched
            && let Some(i) = self.contacts.iter().position(|k| id(k) == m)
        {
            self.section = Section::Contacts;
            self.cursor[0] = i;
        }
    }

    /// The sections again from what was read, through the filter (in memory: a customer's
    /// items are read whole).
    fn refilter(&mut self) {
        let line = &self.line;
        let l = &self.loaded;
        self.contacts = l
            .contacts
            .iter()
            .filter(|k| {
                line.passes(&[
                    text(k, "name"),
                    text(k, "title"),
                    text(k, "phone"),
                    text(k, "mobile"),
                    text(k, "email"),
                ])
            })
            .cloned()
            .collect();
        self.tickets = l
            .tickets
            .iter()
            .filter(|t| {
                line.passes(&[
                    text(t, "number"),
                    text(t, "subject"),
                    text(t, "status"),
                    text(t, "priority"),
                ])
            })
            .cloned()
            .collect();
        self.opportunities = l
            .opportunities
            .iter()
            .filter(|o| line.passes(&[text(o, "name"), &self.stage_name(text(o, "stage_id"))]))
            .cloned()
            .collect();
        self.competitors = l
            .competitors
            .iter()
            .filter(|c| {
                line.passes(&[
                    &c.competitor,
                    &c.deal,
                    text(&c.entry, "threat"),
                    text(&c.entry, "status"),
                ])
            })
            .cloned()
            .collect();
        self.timeline = l
            .timeline
            .iter()
            .filter(|e| {
                let r = &e.record;
                line.passes(&[
                    text(r, "subject"),
                    text(r, "number"),
                    text(r, "kind"),
                    text(r, "status"),
                    text(r, "notes"),
                ])
            })
            .cloned()
            .collect();
        self.quotes = l
            .quotes
            .iter()
            .filter(|q| line.passes(&[text(q, "number"), text(q, "subject"), text(q, "status")]))
            .cloned()
            .collect();
        self.orders = l
            .orders
            .iter()
            .filter(|o| line.passes(&[text(o, "number"), text(o, "subject"), text(o, "status")]))
            .cloned()
            .collect();
        self.agreements = l
            .agreements
            .iter()
            .filter(|(_, r)| {
                line.passes(&[
                    text(r, "number"),
                    text(r, "name"),
                    text(r, "status"),
                    text(r, "licence_number"),
                ])
            })
            .cloned()
            .collect();
        for (i, s) in SECTIONS.iter().enumerate() {
            self.cursor[i] = self.cursor[i].min(self.len(*s).saturating_sub(1));
        }
    }

    fn len(&self, s: Section) -> usize {
        match s {
            Section::Contacts => self.contacts.len(),
            Section::Tickets => self.tickets.len(),
            Section::Opportunities => self.opportunities.len(),
            Section::Competitors => self.competitors.len(),
            Section::Timeline => self.timeline.len(),
            Section::Quotes => self.quotes.len(),
            Section::Orders => self.orders.len(),
            Section::Agreements => self.agreements.len(),
        }
    }

    fn index(&self) -> usize {
        SECTIONS
            .iter()
            .position(|s| *s == self.section)
            .unwrap_or(0)
    }

    fn name(&self) -> String {
        text(&self.customer, "name").to_string()
    }

    /// `S`: the script for a call with this customer (`rules::scripts::choose`: a campaign
    /// they are in, an open ticket's category, else the general one) beside them.
    fn call_script(&self, ctx: &mut Ctx) {
        let all = |entity: Entity, filters: Vec<(String, serde_json::Value)>, ctx: &mut Ctx| {
            let query = crate::tui::data::RecordQuery {
                filters,
                sort: Some("created_at".into()),
                descending: true,
                ..Default::default()
            };
            ctx.ok(ctx.source.records(entity, &query, 0, 500))
        };
        let scripts = all(Entity::CallScripts, Vec::new(), ctx);
        let memberships = all(
            Entity::CampaignMembers,
            vec![("customer_id".into(), json!(self.id))],
            ctx,
        );
        let campaigns: Vec<&str> = memberships.iter().map(|m| text(m, "campaign_id")).collect();
        let open: Vec<&Record> = self
            .loaded
            .tickets
            .iter()
            .filter(|t| !crate::tui::sla::is_done(t))
            .collect();
        let categories: Vec<&str> = open.iter().map(|t| text(t, "category")).collect();
        let Some(script) = crm_server::rules::scripts::choose(&scripts, &campaigns, &categories)
        else {
            return ctx.flash("No call script applies: a manager adds them (:list call_scripts)");
        };
        let agent = match ctx.me.id.clone() {
            Some(id) => ctx.people.name(&id),
            None => ctx.me.username.clone(),
        };
        let name = self.name();
        let ticket = open.first().map(|t| text(t, "number")).unwrap_or_default();
        let values = [
            ("customer", name.as_str()),
            ("agent", agent.as_str()),
            ("ticket", ticket),
        ];
        match crate::tui::dialogs::ScriptPanel::new(
            text(script, "name"),
            text(script, "body"),
            &values,
        ) {
            Some(panel) => ctx.open(Dialog::Script(panel)),
            None => ctx.error("That script does not read; a manager should fix it"),
        }
    }

    fn hidden(&self) -> Record {
        json!({"customer_id": self.id})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn on_click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        let a = self.areas(ctx.area);
        for (section, rect, first_row) in [
            (Section::Contacts, a.contacts, 1),
            (Section::Tickets, a.tickets, 1),
            (Section::Opportunities, a.opportunities, 2),
            (Section::Competitors, a.competitors, 1),
            (Section::Timeline, a.timeline, 1),
            (Section::Quotes, a.quotes, 1),
            (Section::Orders, a.orders, 1),
            (Section::Agreements, a.agreements, 1),
        ] {
            if rect.contains((x, y).into()) {
                self.section = section;
                let row = usize::from(y.saturating_sub(rect.y + first_row));
                let i = self.index();
                let scroll = scroll_for(
                    self.cursor[i],
                    usize::from(rect.height.saturating_sub(1 + first_row)),
                );
                if scroll + row < self.len(section) && y >= rect.y + first_row {
                    self.cursor[i] = scroll + row;
                }
            }
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) {
        let i = self.index();
        let len = self.len(self.section);
        let inbound = self.inbound;
        if self.line.typing() {
            match self.line.key(action) {
                Typed::Changed(_) | Typed::Cancelled => self.refilter(),
                Typed::Moved(m) => self.cursor[i] = m.apply(self.cursor[i], len),
                Typed::Submitted => self.open_item(ctx),
                Typed::Same => {}
            }
            return;
        }
        if let Some(m) = Move::of(&action, usize::from(ctx.area.height / 2)) {
            self.cursor[i] = m.apply(self.cursor[i], len);
            return;
        }
        match action {
            Action::Search => self.line.start(),
            Action::Back if !self.line.text.is_empty() => {
                self.line.text.clear();
                self.refilter();
            }
            Action::Back => ctx.back(),
            Action::Left | Action::Right => {
                let step = if action == Action::Left {
                    SECTIONS.len() - 1
                } else {
                    1
                };
                let mut next = (i + step) % SECTIONS.len();
                // Contracts and licences have no panel when the customer has none.
                if SECTIONS[next] == Section::Agreements && self.loaded.agreements.is_empty() {
                    next = (next + step) % SECTIONS.len();
                }
                self.section = SECTIONS[next];
            }
            Action::Open => self.open_item(ctx),
            Action::LogCall => {
                let callers: Vec<Caller> = self
                    .loaded
                    .contacts
                    .iter()
                    .map(|k| Caller {
                        id: id(k).to_string(),
                        name: text(k, "name").to_string(),
                    })
                    .collect();
                let matched = self
                    .matched
                    .as_ref()
                    .and_then(|m| callers.iter().position(|c| &c.id == m));
                let d = LogCall::new(&self.id, &self.name(), inbound)
                    .in_lang(ctx.me.lang)
                    .with_codes(flows::wrap_up_codes(ctx))
                    .timed(ctx.call)
                    .with_callers(callers, matched)
                    .started_at(self.pop.as_ref().map(|p| p.at));
                ctx.open(Dialog::LogCall(d));
            }
            Action::CallScript => self.call_script(ctx),
            Action::LogVisit => self.log_held("visit", ctx),
            Action::LogMeeting => self.log_held("meeting", ctx),
            Action::FollowUp => {
                // Tomorrow 09:00 the user's time.
                let tomorrow = ctx.today() + Duration::days(1);
                let nine = tomorrow.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
                let due = ctx
                    .zone
                    .to_utc(nine)
                    .unwrap_or_else(|_| ctx.zone.day_start(tomorrow) + Duration::hours(9));
                let prefill = json!({"kind": "task", "subject": format!("Follow up: {}", crate::text::sanitize(&self.name())),
                    "due_at": crm_server::validate::format_time(due)});
                let form = ctx.form(
                    "Schedule a follow-up",
                    Entity::Activities,
                    Purpose::Create(Entity::Activities),
                    prefill.as_object(),
                    self.hidden(),
                );
                let mut form = form;
                form.focus_on("due_at");
                ctx.open(Dialog::Form(form));
            }
            Action::NewTicket => {
                let mut form = ctx.form(
                    "New ticket",
                    Entity::Tickets,
                    Purpose::Create(Entity::Tickets),
                    None,
                    self.hidden(),
                );
                form.focus_on("subject");
                ctx.open(Dialog::Form(form));
            }
            Action::NewOpportunity => {
                let form = ctx.form(
                    "New opportunity",
                    Entity::Opportunities,
                    Purpose::Create(Entity::Opportunities),
                    None,
                    self.hidden(),
                );
                ctx.open(Dialog::Form(form));
            }
            // In the quotes section: a new quote's header, then its editor.
            Action::New if self.section == Section::Quotes => {
                let form = ctx.form(
                    "New quote",
                    Entity::Quotes,
                    Purpose::Create(Entity::Quotes),
                    None,
                    self.hidden(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::AddContact | Action::New => {
                let form = ctx.form(
                    "New contact",
                    Entity::Contacts,
                    Purpose::Create(Entity::Contacts),
                    None,
                    self.hidden(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::DecisionMap => ctx.go(Place::DecisionMap(self.id.clone())),
            Action::AttachFile => {
                let title = crate::text::sanitize(&self.name());
                crate::tui::attach::ask(ctx, Entity::Customers, &self.id.clone(), &title);
            }
            Action::Edit if self.current().is_some() => self.edit_item(ctx),
            Action::Edit | Action::EditCustomer => {
                let form = ctx.form(
                    &format!("Edit {}", text(&self.customer, "code")),
                    Entity::Customers,
                    Purpose::Edit(Entity::Customers, self.id.clone()),
                    Some(&self.customer.clone()),
                    crate::tui::data::Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::Delete => {
                if let Some((entity, record)) = self.current() {
                    let label = match (self.section, self.competitors.get(self.cursor[i])) {
                        (Section::Competitors, Some(c)) => {
                            format!("{} in {}", c.competitor, c.deal)
                        }
                        _ => ["name", "subject", "number"]
                            .iter()
                            .map(|f| text(&record, f))
                            .find(|s| !s.is_empty())
                            .unwrap_or("")
                            .to_string(),
                    };
                    ctx.confirm_delete(entity, id(&record), &label);
                }
            }
            Action::CopyId => ctx.copy_id(&self.id),
            Action::OpenFile => match self.current() {
                Some((Entity::Files, file)) => {
                    let name = crate::text::sanitize(text(&file, "name"));
                    ctx.out.push(crate::tui::screen::Msg::Effect(
                        crate::tui::action::Effect::OpenFile(id(&file).to_string()),
                    ));
                    ctx.flash(format!("Opening {name}…"));
                }
                _ => ctx.error("Choose a file in Contracts · licences · files first"),
            },
            _ => {}
        }
    }

    /// The chosen item of the focused section.
    fn current(&self) -> Option<(Entity, Record)> {
        let c = self.cursor[self.index()];
        match self.section {
            Section::Contacts => self.contacts.get(c).map(|r| (Entity::Contacts, r.clone())),
            Section::Tickets => self.tickets.get(c).map(|r| (Entity::Tickets, r.clone())),
            Section::Opportunities => self
                .opportunities
                .get(c)
                .map(|r| (Entity::Opportunities, r.clone())),
            Section::Competitors => self
                .competitors
                .get(c)
                .map(|e| (Entity::OpportunityCompetitors, e.entry.clone())),
            Section::Timeline => self.timeline.get(c).map(|e| (e.entity, e.record.clone())),
            Section::Quotes => self.quotes.get(c).map(|r| (Entity::Quotes, r.clone())),
            Section::Orders => self.orders.get(c).map(|r| (Entity::Orders, r.clone())),
            Section::Agreements => self.agreements.get(c).cloned(),
        }
    }

    fn open_item(&mut self, ctx: &mut Ctx) {
        let Some((entity, record)) = self.current() else {
            return;
        };
        // A ticket, a deal and a deal's competitor open where they show in full (the deal's
        // view lists its competitors and adds one); a contact or an activity opens its form.
        match entity {
            Entity::Tickets => return ctx.go(Place::Ticket(id(&record).to_string())),
            // A draft quote opens in the quote editor.
            Entity::Quotes
                if crm_server::rules::quotes::editable(match text(&record, "status") {
                    "" => "draft",
                    s => s,
                }) =>
            {
                return ctx.go(Place::QuoteEditor(id(&record).to_string()));
            }
            Entity::Opportunities
            | Entity::OpportunityCompetitors
            | Entity::Quotes
            | Entity::Orders
            | Entity::Contracts
            | Entity::Licences => {
                return ctx.go(Place::Record {
                    entity,
                    id: id(&record).to_string(),
                });
            }
            _ => {}
        }
        let form = ctx.form(
            &format!("Edit {}", entity.noun()),
            entity,
            Purpose::Edit(entity, id(&record).to_string()),
            Some(&record),
            self.hidden(),
        );
        ctx.open(Dialog::Form(form));
    }

    /// `e`: the chosen item's own form, whatever its section (a deal's competitor: its entry).
    fn edit_item(&mut self, ctx: &mut Ctx) {
        let Some((entity, record)) = self.current() else {
            return;
        };
        let title = ["name", "number", "subject"]
            .iter()
            .map(|f| text(&record, f))
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let form = ctx.form(
            format!("Edit {} {title}", entity.noun()).trim(),
            entity,
            Purpose::Edit(entity, id(&record).to_string()),
            Some(&record),
            Record::new(),
        );
        ctx.open(Dialog::Form(form));
    }

    /// `v`/`m`: a visit or meeting held now with this customer, in a short form (subject
    /// prefilled, the chosen contact as who was met, done).
    fn log_held(&mut self, kind: &str, ctx: &mut Ctx) {
        let name = crate::text::sanitize(&self.name());
        let subject = match kind {
            "visit" => format!("Visit: {name}"),
            _ => format!("Meeting: {name}"),
        };
        let mut prefill = json!({
            "kind": kind,
            "subject": subject,
            "starts_at": crm_server::validate::format_time(ctx.now),
            "done": true,
        });
        if let (Section::Contacts, Some(k)) = (self.section, self.contacts.get(self.cursor[0])) {
            prefill["contact_id"] = json!(id(k));
        }
        let title = match kind {
            "visit" => "Log a visit",
            _ => "Log a meeting",
        };
        let mut form = ctx.form(
            title,
            Entity::Activities,
            Purpose::Create(Entity::Activities),
            prefill.as_object(),
            self.hidden(),
        );
        form.focus_on("notes");
        ctx.open(Dialog::Form(form));
    }

    fn stage_name(&self, stage_id: &str) -> String {
        self.stages
            .iter()
            .find(|s| id(s) == stage_id)
            .map(|s| text(s, "name").to_string())
            .unwrap_or_default()
    }
}

impl Screen for Customer360 {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn loaded(
        &mut self,
        request: u64,
        data: &Result<crate::tui::work::Loaded, DataError>,
        ctx: &mut Ctx,
    ) {
        if self.asked != Some(request) {
            return;
        }
        match data {
            Ok(crate::tui::work::Loaded::Customer360(d)) => self.take(request, d, ctx),
            Ok(_) => {}
            Err(e) => {
                self.asked = None;
                ctx.error(e);
            }
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.on_action(action, ctx);
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        if matches!(
            (&purpose, &answer),
            (Purpose::Create(Entity::Quotes), Answer::Save)
        ) {
            return flows::save_form(ctx, Some(&|id| Place::QuoteEditor(id.into())));
        }
        if let (Purpose::AttachFile(entity, id), Answer::Text(path)) = (&purpose, &answer) {
            return crate::tui::attach::answered(ctx, *entity, id.clone(), path);
        }
        match answer {
            Answer::LogCall {
                outcome,
                direction,
                note,
            } => flows::log_call(&outcome, direction, note, ctx),
            answer => {
                flows::answer(purpose, answer, ctx);
            }
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        if self.customer.is_empty() {
            // Nothing read yet: the reader's answer is on its way.
            let note = if self.reading() { "reading…" } else { "" };
            crate::tui::draw::empty_note(buf, area, note, view.theme);
            return;
        }
        self.draw(buf, area, view);
        // A write of this customer the server refused: said in place, on the bottom line.
        if let Some(reason) = view.refused.get(text(&self.customer, "id"))
            && area.height > 2
        {
            let line = format!("⚠ refused by the server: {reason} (g o to fix or discard)");
            let y = area.bottom() - 1;
            crate::tui::draw::fill(
                buf,
                Rect::new(area.x, y, area.width, 1),
                view.theme.style(crate::tui::theme::Role::Text),
            );
            crate::tui::draw::put(
                buf,
                area.x + 1,
                y,
                area.width.saturating_sub(2),
                &line,
                view.theme.style(crate::tui::theme::Role::Danger),
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Customer
    }

    fn crumb(&self) -> String {
        // A customer created here has no code until the server gives it one.
        format!(
            "{} {}",
            text(&self.customer, "code"),
            text(&self.customer, "name")
        )
        .trim()
        .to_string()
    }

    fn click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        self.on_click(x, y, ctx);
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

    fn gone(&self) -> bool {
        self.gone
    }
}

/// At most this many of a customer's tickets are listed (newest first).
const TICKETS_SHOWN: usize = 500;

/// The contact whose phone or mobile is the number that rang (`crm_server::dedupe::phone_digits`
/// compares them however they are written).
fn matched_contact<'a>(contacts: &'a [Record], phone: &str) -> Option<&'a Record> {
    let rang = crm_server::dedupe::phone_digits(phone)?;
    contacts.iter().find(|k| {
        ["phone", "mobile"]
            .iter()
            .any(|f| crm_server::dedupe::phone_digits(text(k, f)).as_deref() == Some(rang.as_str()))
    })
}

/// Orders the 360° lists, newest first (`:list orders` has them all).
const ORDERS_SHOWN: usize = 50;
/// A customer's instalments read for its receivables.
const INSTALMENTS_READ: usize = 2_000;

/// The first row shown so that `cursor` is visible in `height` rows.
fn scroll_for(cursor: usize, height: usize) -> usize {
    (cursor + 1).saturating_sub(height.max(1))
}
