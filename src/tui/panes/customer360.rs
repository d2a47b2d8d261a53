//! One customer, all around: details, contacts, opportunities, and a timeline of activities and
//! tickets; quick actions log a call, schedule a follow-up, open a ticket or an opportunity,
//! add a contact, edit.

use chrono::{Duration, NaiveTime};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use super::{cell_style, word_role};
use crate::tui::action::Action;
use crate::tui::data::{CompetitorEntry, Record, TimelineEntry, date, flag, id, int, text, time};
use crate::tui::dialogs::{Dialog, LogCall, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::format;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Place, Screen};
use crate::tui::sla;
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Contacts,
    Opportunities,
    /// The competitors in this customer's deals.
    Competitors,
    Timeline,
}

const SECTIONS: [Section; 4] = [
    Section::Contacts,
    Section::Opportunities,
    Section::Competitors,
    Section::Timeline,
];

#[derive(Debug, Clone, PartialEq)]
pub struct Customer360 {
    pub id: String,
    pub customer: Record,
    pub contacts: Vec<Record>,
    pub opportunities: Vec<Record>,
    pub competitors: Vec<CompetitorEntry>,
    pub timeline: Vec<TimelineEntry>,
    stages: Vec<Record>,
    pub section: Section,
    pub cursor: [usize; 4],
    /// The customer was deleted or left this user's view.
    pub gone: bool,
    /// Opened for an incoming call: calls are logged as inbound.
    pub inbound: bool,
    /// `/`: narrows every section to the items that match.
    pub line: FilterLine,
    /// What was read, before the filter.
    loaded: Loaded,
}

/// The sections as read from the source.
#[derive(Debug, Clone, Default, PartialEq)]
struct Loaded {
    contacts: Vec<Record>,
    opportunities: Vec<Record>,
    competitors: Vec<CompetitorEntry>,
    timeline: Vec<TimelineEntry>,
}

/// Areas of the view, shared by drawing and mouse clicks.
struct Areas {
    details: Rect,
    contacts: Rect,
    opportunities: Rect,
    competitors: Rect,
    timeline: Rect,
}

fn areas(area: Rect, contacts: usize, opportunities: usize, competitors: usize) -> Areas {
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let left_w = (body.width * 2 / 5).clamp(30.min(body.width), 64);
    let right_w = body.width.saturating_sub(left_w);
    let details_h = 11.min(body.height / 2 + 1);
    let contacts_h = body.height.saturating_sub(details_h);
    let opp_h = ((opportunities as u16).max(1) + 3)
        .min(body.height / 2)
        .max(4.min(body.height));
    let _ = contacts;
    let rest = body.height.saturating_sub(opp_h);
    let comp_h = ((competitors as u16).max(1) + 2)
        .min(rest / 3)
        .max(3.min(rest / 2));
    Areas {
        details: Rect::new(body.x, body.y, left_w, details_h),
        contacts: Rect::new(body.x, body.y + details_h, left_w, contacts_h),
        opportunities: Rect::new(body.x + left_w, body.y, right_w, opp_h),
        competitors: Rect::new(body.x + left_w, body.y + opp_h, right_w, comp_h),
        timeline: Rect::new(
            body.x + left_w,
            body.y + opp_h + comp_h,
            right_w,
            rest.saturating_sub(comp_h),
        ),
    }
}

impl Customer360 {
    /// The view of a customer, read at its first reload.
    pub fn new(customer_id: &str, inbound: bool) -> Customer360 {
        Customer360 {
            id: customer_id.to_string(),
            customer: Record::new(),
            contacts: Vec::new(),
            opportunities: Vec::new(),
            competitors: Vec::new(),
            timeline: Vec::new(),
            stages: Vec::new(),
            section: Section::Timeline,
            cursor: [0; 4],
            gone: false,
            inbound,
            line: FilterLine::default(),
            loaded: Loaded::default(),
        }
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let found = ctx.ok(ctx
            .source
            .get(Entity::Customers, &self.id)
            .map(Option::unwrap_or_default));
        if found.is_empty() {
            self.gone = true;
            ctx.error("That customer is no longer here (deleted, or moved out of your view)");
            return;
        }
        self.customer = found;
        self.loaded = Loaded {
            contacts: ctx.ok(ctx.source.contacts_of(&self.id)),
            opportunities: ctx.ok(ctx.source.opportunities_of(&self.id)),
            competitors: ctx.ok(ctx.source.competitors_of(&self.id)),
            timeline: ctx.ok(ctx.source.timeline(&self.id, 200)),
        };
        self.stages = ctx.ok(ctx.source.stages());
        self.refilter();
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
        for (i, s) in SECTIONS.iter().enumerate() {
            self.cursor[i] = self.cursor[i].min(self.len(*s).saturating_sub(1));
        }
    }

    fn len(&self, s: Section) -> usize {
        match s {
            Section::Contacts => self.contacts.len(),
            Section::Opportunities => self.opportunities.len(),
            Section::Competitors => self.competitors.len(),
            Section::Timeline => self.timeline.len(),
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
            (Section::Opportunities, a.opportunities, 2),
            (Section::Competitors, a.competitors, 1),
            (Section::Timeline, a.timeline, 1),
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
            Action::Left => self.section = SECTIONS[(i + SECTIONS.len() - 1) % SECTIONS.len()],
            Action::Right => self.section = SECTIONS[(i + 1) % SECTIONS.len()],
            Action::Open => self.open_item(ctx),
            Action::LogCall => ctx.open(Dialog::LogCall(LogCall::new(
                &self.id,
                &self.name(),
                inbound,
            ))),
            Action::FollowUp => {
                let tomorrow = ctx.now.date_naive() + Duration::days(1);
                let due = tomorrow
                    .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
                    .and_utc();
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
            Action::Edit => {
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
            _ => {}
        }
    }

    /// The chosen item of the focused section.
    fn current(&self) -> Option<(Entity, Record)> {
        let c = self.cursor[self.index()];
        match self.section {
            Section::Contacts => self.contacts.get(c).map(|r| (Entity::Contacts, r.clone())),
            Section::Opportunities => self
                .opportunities
                .get(c)
                .map(|r| (Entity::Opportunities, r.clone())),
            Section::Competitors => self
                .competitors
                .get(c)
                .map(|e| (Entity::OpportunityCompetitors, e.entry.clone())),
            Section::Timeline => self.timeline.get(c).map(|e| (e.entity, e.record.clone())),
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
            Entity::Opportunities | Entity::OpportunityCompetitors => {
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

    fn areas(&self, area: Rect) -> Areas {
        areas(
            area,
            self.contacts.len(),
            self.opportunities.len(),
            self.competitors.len(),
        )
    }

    fn stage_name(&self, stage_id: &str) -> String {
        self.stages
            .iter()
            .find(|s| id(s) == stage_id)
            .map(|s| text(s, "name").to_string())
            .unwrap_or_default()
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let c = &self.customer;
        let head = format!("{}  {}", text(c, "code"), text(c, "name"));
        let used = if self.line.typing() {
            area.width
        } else {
            draw::put(
                buf,
                area.x + 1,
                area.y,
                area.width.saturating_sub(2),
                &head,
                theme.style(Role::Title),
            )
        };
        if let Some(input) = &self.line.input {
            draw::put(buf, area.x + 1, area.y, 2, "/", theme.style(Role::Key));
            let (shown, _) = input.view(usize::from(area.width.saturating_sub(4)));
            draw::put_fit(
                buf,
                area.x + 3,
                area.y,
                area.width.saturating_sub(4),
                &shown,
                theme.style(Role::Input),
            );
        } else if let Some(label) = self.line.label() {
            draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &label,
                theme.style(Role::Accent),
            );
        }
        let facts = [
            (format!("level {}", text(c, "level")), Role::Accent),
            (
                text(c, "lifecycle").to_string(),
                word_role(text(c, "lifecycle")),
            ),
            (text(c, "category").to_string(), Role::Muted),
            (
                format!("owner {}", view.people.name(text(c, "owner_id"))),
                Role::Text,
            ),
        ];
        let mut x = area.x + used + 3;
        for (s, role) in facts {
            if s.trim().is_empty() || x >= area.right() {
                continue;
            }
            x += draw::put(
                buf,
                x,
                area.y,
                area.right().saturating_sub(x),
                &s,
                theme.style(role),
            ) + 2;
        }

        let a = self.areas(area);
        self.render_details(buf, a.details, view);
        self.render_contacts(buf, a.contacts, view);
        self.render_opportunities(buf, a.opportunities, view);
        self.render_competitors(buf, a.competitors, view);
        self.render_timeline(buf, a.timeline, view);
    }

    fn render_details(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let inner = draw::panel(buf, area, "Details", theme, false);
        let c = &self.customer;
        let join = |parts: &[&str]| {
            parts
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let tags: Vec<&str> = c
            .get("tags")
            .and_then(|t| t.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let rows = [
            ("Phone", text(c, "phone").to_string()),
            ("Email", text(c, "email").to_string()),
            ("Region", join(&[text(c, "region"), text(c, "industry")])),
            ("Kind", join(&[text(c, "kind"), text(c, "source")])),
            ("Address", text(c, "address").to_string()),
            ("Website", text(c, "website").to_string()),
            ("Tags", tags.join(", ")),
        ];
        let mut y = inner.y;
        for (label, value) in rows {
            if value.is_empty() || y >= inner.bottom() {
                continue;
            }
            draw::put(buf, inner.x, y, 8, label, theme.style(Role::Muted));
            draw::put(
                buf,
                inner.x + 9,
                y,
                inner.width.saturating_sub(9),
                &value,
                theme.style(Role::Text),
            );
            y += 1;
        }
        let notes = text(c, "notes");
        if !notes.is_empty() {
            for line in draw::wrap(notes, usize::from(inner.width)) {
                if y >= inner.bottom() {
                    break;
                }
                draw::put(
                    buf,
                    inner.x,
                    y,
                    inner.width,
                    &line,
                    theme.style(Role::Muted),
                );
                y += 1;
            }
        }
    }

    fn list_rows<'a, T>(
        &self,
        section: Section,
        items: &'a [T],
        height: usize,
    ) -> impl Iterator<Item = (usize, &'a T, bool)> + 'a {
        let i = SECTIONS.iter().position(|s| *s == section).unwrap_or(0);
        let focused = self.section == section;
        let cursor = self.cursor[i];
        let scroll = scroll_for(cursor, height);
        items
            .iter()
            .enumerate()
            .skip(scroll)
            .take(height)
            .map(move |(n, item)| (n - scroll, item, focused && n == cursor))
    }

    fn render_contacts(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!("Contacts ({})", self.contacts.len());
        let inner = draw::panel(buf, area, &title, theme, self.section == Section::Contacts);
        if self.contacts.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "none yet — a adds one",
                theme.style(Role::Muted),
            );
            return;
        }
        for (row, k, selected) in
            self.list_rows(Section::Contacts, &self.contacts, usize::from(inner.height))
        {
            let y = inner.y + row as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let star = if flag(k, "is_primary") { "★" } else { " " };
            let phone = [text(k, "mobile"), text(k, "phone"), text(k, "email")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or("");
            let mut title = text(k, "title").to_string();
            if let Some(b) = date(k, "birthday") {
                title = format!("{title} 🎂{}", b.format("%m-%d"));
            }
            let name_w = 12.min(inner.width / 3);
            let title_w = 14.min(inner.width.saturating_sub(name_w + 3) / 2);
            let rest = inner.width.saturating_sub(name_w + title_w + 4);
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (1, star, cell_style(theme, Role::Warn, selected)),
                    (
                        name_w,
                        text(k, "name"),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (title_w, &title, cell_style(theme, Role::Muted, selected)),
                    (rest, phone, cell_style(theme, Role::Text, selected)),
                ],
            );
        }
    }

    fn render_opportunities(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!("Opportunities ({})", self.opportunities.len());
        let inner = draw::panel(
            buf,
            area,
            &title,
            theme,
            self.section == Section::Opportunities,
        );
        if inner.height == 0 {
            return;
        }
        // Narrow: short amounts and month-day dates leave the name room to read.
        let narrow = inner.width < 70;
        let amount_w = if narrow { 8 } else { 15 };
        let stage_w = 11;
        let close_w = if narrow { 5 } else { 10 };
        let name_w = inner.width.saturating_sub(amount_w + stage_w + close_w + 3);
        draw::columns(
            buf,
            inner.x,
            inner.y,
            &[
                (name_w, "Name", theme.style(Role::Header)),
                (stage_w, "Stage", theme.style(Role::Header)),
                (amount_w, "Amount", theme.style(Role::Header)),
                (close_w, "Close", theme.style(Role::Header)),
            ],
        );
        if self.opportunities.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y + 1,
                inner.width,
                "none yet — o adds one",
                theme.style(Role::Muted),
            );
            return;
        }
        let height = usize::from(inner.height.saturating_sub(1));
        for (row, o, selected) in
            self.list_rows(Section::Opportunities, &self.opportunities, height)
        {
            let y = inner.y + 1 + row as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let stage = self.stage_name(text(o, "stage_id"));
            let minor = int(o, "amount").unwrap_or(0);
            let amount = if narrow {
                format::money_short(minor)
            } else {
                format::money(minor)
            };
            let close = text(o, "expected_close");
            let close = if narrow {
                close.get(5..).unwrap_or(close)
            } else {
                close
            };
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (
                        name_w,
                        text(o, "name"),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (
                        stage_w,
                        &stage,
                        cell_style(theme, word_role(&stage), selected),
                    ),
                    (
                        amount_w,
                        &format!("{amount:>w$}", w = usize::from(amount_w)),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (close_w, close, cell_style(theme, Role::Muted, selected)),
                ],
            );
        }
    }

    fn render_competitors(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!("Competitors ({})", self.competitors.len());
        let focused = self.section == Section::Competitors;
        let inner = draw::panel(buf, area, &title, theme, focused);
        if inner.height == 0 {
            return;
        }
        if self.competitors.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "none in its deals — Enter on a deal, then c adds one",
                theme.style(Role::Muted),
            );
            return;
        }
        let (threat_w, status_w) = (7, 10);
        let name_w = (inner.width.saturating_sub(threat_w + status_w + 3) / 2).max(8);
        let deal_w = inner.width.saturating_sub(name_w + threat_w + status_w + 3);
        let height = usize::from(inner.height);
        for (row, c, selected) in self.list_rows(Section::Competitors, &self.competitors, height) {
            let y = inner.y + row as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let name = if c.competitor.is_empty() {
                "(not visible to you)"
            } else {
                &c.competitor
            };
            let threat = text(&c.entry, "threat");
            let status = text(&c.entry, "status");
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (name_w, name, cell_style(theme, Role::Text, selected)),
                    (
                        threat_w,
                        threat,
                        cell_style(theme, word_role(threat), selected),
                    ),
                    (
                        status_w,
                        status,
                        cell_style(theme, word_role(status), selected),
                    ),
                    (deal_w, &c.deal, cell_style(theme, Role::Muted, selected)),
                ],
            );
        }
    }

    fn render_timeline(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!("Timeline ({})", self.timeline.len());
        let inner = draw::panel(buf, area, &title, theme, self.section == Section::Timeline);
        if self.timeline.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "nothing yet — c logs a call, f schedules a follow-up",
                theme.style(Role::Muted),
            );
            return;
        }
        for (row, e, selected) in
            self.list_rows(Section::Timeline, &self.timeline, usize::from(inner.height))
        {
            let y = inner.y + row as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let when = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let r = &e.record;
            let (kind, subject, state, role) = if e.entity == Entity::Tickets {
                let (countdown, urgency) = sla::countdown(r, view.now);
                let role = match urgency {
                    sla::Urgency::Breached => Role::Danger,
                    sla::Urgency::Soon => Role::Warn,
                    _ => word_role(text(r, "status")),
                };
                (
                    "ticket".to_string(),
                    format!("{} {}", text(r, "number"), text(r, "subject")),
                    countdown,
                    role,
                )
            } else {
                let done = flag(r, "done");
                let overdue = !done && time(r, "due_at").is_some_and(|d| d < view.now);
                let mut state = if done {
                    "done".to_string()
                } else if overdue {
                    "overdue".to_string()
                } else {
                    String::new()
                };
                if let Some(o) = crate::tui::data::opt_text(r, "outcome") {
                    state = o.replace('_', " ");
                }
                let role = if overdue {
                    Role::Danger
                } else if done {
                    Role::Ok
                } else {
                    Role::Accent
                };
                (
                    text(r, "kind").to_string(),
                    text(r, "subject").to_string(),
                    state,
                    role,
                )
            };
            let state_w = 16.min(inner.width / 5);
            let subject_w = inner.width.saturating_sub(11 + 8 + state_w + 3);
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (11, &when, cell_style(theme, Role::Muted, selected)),
                    (7, &kind, cell_style(theme, Role::Accent, selected)),
                    (subject_w, &subject, cell_style(theme, Role::Text, selected)),
                    (state_w, &state, cell_style(theme, role, selected)),
                ],
            );
        }
    }
}

impl Screen for Customer360 {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.on_action(action, ctx);
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::LogCall {
                outcome,
                direction,
                note,
            } => flows::log_call(outcome, direction, note, ctx),
            answer => {
                flows::answer(purpose, answer, ctx);
            }
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
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

/// The first row shown so that `cursor` is visible in `height` rows.
fn scroll_for(cursor: usize, height: usize) -> usize {
    (cursor + 1).saturating_sub(height.max(1))
}
