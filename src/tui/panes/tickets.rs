//! The ticket queue, most urgent first with live SLA countdowns, scoped to mine, unassigned or
//! all. Enter opens the ticket; the ticket actions work on the chosen row here.
//!
//! The SLA order needs every open ticket of the scope read and sorted, which at scale costs
//! far more than a frame: the queue is read on the reader thread (`work::Read::Tickets`) and
//! held here whole; the window pages through what is held. Until an answer comes the rows
//! read before stay on screen (marked "…"), and only the answer to the last question asked is
//! taken.

use std::collections::HashMap;
use std::sync::Arc;

use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::ticket::{ticket_action, ticket_answer, urgency_role};
use super::{cell_style, word_role};
use crate::tui::action::Action;
use crate::tui::data::{DataError, Record, TicketQuery, TicketScope, id, text, time};
use crate::tui::dialogs::{Dialog, Purpose};
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::list::{ListView, Listed};
use crate::tui::screen::{Answer, Ctx, Place, Screen};
use crate::tui::sla;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{Loaded, Read, TicketsData};

const HEADER_ROWS: u16 = 2;

const SCOPE_TABS: [(TicketScope, &str); 3] = [
    (TicketScope::Mine, "m"),
    (TicketScope::Unassigned, "u"),
    (TicketScope::All, "A"),
];

/// Where the filter's text starts on the header line, after the scope tabs and "/ ".
fn filter_x() -> u16 {
    let tabs: usize = SCOPE_TABS
        .iter()
        .map(|(s, k)| crate::text::width(&format!(" {k} {} ", s.name())) + 1)
        .sum();
    1 + tabs as u16 + 3
}

#[derive(Debug, Clone, Default)]
pub struct TicketsPane {
    pub query: TicketQuery,
    pub list: ListView,
    names: HashMap<String, String>,
    /// The queue last read and the query it answered.
    held: Option<(TicketQuery, Arc<TicketsData>)>,
    /// The read asked last; answers to any other are stale.
    asked: Option<u64>,
}

/// A page of the held queue; from the end, the same queue read last first.
fn page(queue: &[Record], offset: usize, limit: usize, from_end: bool) -> Vec<Record> {
    let take = |it: &mut dyn Iterator<Item = &Record>| -> Vec<Record> {
        it.skip(offset).take(limit).cloned().collect()
    };
    if from_end {
        take(&mut queue.iter().rev())
    } else {
        take(&mut queue.iter())
    }
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(HEADER_ROWS)).max(1)
}

impl TicketsPane {
    pub fn new(me: Option<String>) -> TicketsPane {
        TicketsPane {
            query: TicketQuery {
                // Someone unknown to the data has no tickets of their own yet.
                scope: if me.is_some() {
                    TicketScope::Mine
                } else {
                    TicketScope::All
                },
                me,
                include_done: false,
                search: String::new(),
                from_end: false,
            },
            ..TicketsPane::default()
        }
    }

    /// The held queue, empty before the first answer.
    fn queue(&self) -> Arc<TicketsData> {
        self.held
            .as_ref()
            .map_or_else(|| Arc::new(TicketsData::default()), |(_, q)| q.clone())
    }

    fn fetch(&mut self, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let queue = self.queue();
        let r = self.list.ensure(h, &mut |o, l, from_end| {
            Ok(page(&queue.queue, o, l, from_end))
        });
        ctx.ok(r);
        self.name_customers(ctx);
    }

    /// Asks for the queue of the query now, read off the UI thread; what was shown stays
    /// until the answer.
    fn ask(&mut self, ctx: &mut Ctx) {
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(request, Read::Tickets(self.query.clone()));
    }

    /// The queue read: shown when it answers the last question. A new query starts at the
    /// top; the same one read again (after a write or a sync) keeps the cursor.
    pub fn take(&mut self, request: u64, queue: Arc<TicketsData>, ctx: &mut Ctx) -> bool {
        if self.asked != Some(request) {
            return false;
        }
        self.asked = None;
        let same = self.held.as_ref().is_some_and(|(q, _)| *q == self.query);
        if same {
            self.list.invalidate();
        } else {
            self.list.reset();
        }
        let len = queue.queue.len();
        self.names
            .extend(queue.names.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.held = Some((self.query.clone(), queue));
        self.fetch(ctx);
        // The whole queue is here: its length is exact.
        let request = self.list.recount();
        self.list.counted(request, len);
        true
    }

    /// Waiting for a queue (its rows, or the rows of the query before, are shown meanwhile).
    pub fn reading(&self) -> bool {
        self.asked.is_some()
    }

    /// The query changed: read its queue.
    fn requery(&mut self, ctx: &mut Ctx) {
        self.ask(ctx);
    }

    /// Customer names of the rows in the window; a move that reads a new window needs them too.
    fn name_customers(&mut self, ctx: &mut Ctx) {
        let ids: Vec<String> = self
            .list
            .rows
            .iter()
            .map(|t| text(t, "customer_id").to_string())
            .collect();
        for cid in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.names.entry(cid) {
                let name = ctx.label_of(Entity::Customers, slot.key());
                slot.insert(name);
            }
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let queue = self.queue();
        let mut fetch = |o: usize, l: usize, from_end: bool| -> Result<Vec<Record>, DataError> {
            Ok(page(&queue.queue, o, l, from_end))
        };
        let action = match self.list.handle(action, h, &mut fetch) {
            Listed::Done(r) => {
                ctx.ok(r);
                return self.name_customers(ctx);
            }
            Listed::Filter(search) => {
                self.query.search = search;
                return self.requery(ctx);
            }
            Listed::Open => Action::Open,
            Listed::Pass(action) => action,
        };
        match action {
            Action::Search => self.list.start_filter(&self.query.search),
            Action::Back if !self.query.search.is_empty() => {
                self.query.search.clear();
                self.requery(ctx);
            }
            Action::Open => {
                if let Some(t) = self.list.selected_row() {
                    ctx.go(Place::Ticket(id(t).to_string()));
                }
            }
            Action::Scope(s) => {
                self.query.scope = s;
                self.requery(ctx);
                if s == TicketScope::Mine && self.query.me.is_none() {
                    ctx.error("you are not among the users yet; sync first");
                }
            }
            Action::ToggleDone => {
                self.query.include_done = !self.query.include_done;
                self.requery(ctx);
            }
            Action::Delete if !self.list.marks.is_empty() => {
                let ids = self.list.chosen_ids();
                ctx.confirm_delete_many(Entity::Tickets, ids);
            }
            Action::New => {
                let form = ctx.form(
                    "New ticket",
                    Entity::Tickets,
                    Purpose::Create(Entity::Tickets),
                    None,
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            other => {
                if let Some(t) = self.list.selected_row().cloned() {
                    ticket_action(&t, other, ctx);
                }
            }
        }
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 3 {
            return;
        }
        let mut x = area.x + 1;
        for (scope, key) in SCOPE_TABS {
            let style = if scope == self.query.scope {
                theme.style(Role::TabActive)
            } else {
                theme.style(Role::Muted)
            };
            x += draw::put(
                buf,
                x,
                area.y,
                area.right().saturating_sub(x),
                &format!(" {key} {} ", scope.name()),
                style,
            ) + 1;
        }
        if let Some(input) = &self.list.filter {
            draw::put(buf, x + 1, area.y, 2, "/", theme.style(Role::Key));
            let (shown, _) = input.view(usize::from(area.right().saturating_sub(x + 4)));
            draw::put_fit(
                buf,
                x + 3,
                area.y,
                area.right().saturating_sub(x + 3 + 16),
                &shown,
                theme.style(Role::Input),
            );
        }
        let note = if !self.query.search.is_empty() && self.list.filter.is_none() {
            format!("search “{}” (Esc clears)", self.query.search)
        } else if self.query.include_done {
            "open, then done (z)".into()
        } else {
            "open, most urgent first (z: done too)".into()
        };
        if self.list.filter.is_none() {
            draw::put(
                buf,
                x + 1,
                area.y,
                area.right().saturating_sub(x + 1),
                &note,
                theme.style(Role::Muted),
            );
        }

        let position = match (&self.held, self.reading()) {
            (None, _) => "…".to_string(),
            (Some(_), true) => format!("{} …", self.list.status()),
            (Some(_), false) => self.list.status(),
        };
        let pos_w = crate::text::width(&position) as u16;
        if x + 40 + pos_w < area.right() {
            draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &position,
                theme.style(Role::Muted),
            );
        }

        let wide = area.width >= 120;
        let fixed: Vec<(&str, u16)> = if wide {
            vec![
                ("Number", 8),
                ("SLA", 16),
                ("Priority", 8),
                ("Status", 8),
                ("Subject", 0),
                ("Customer", 24),
                ("Assignee", 12),
                ("Opened", 11),
            ]
        } else {
            vec![
                ("Number", 8),
                ("SLA", 14),
                ("Pri", 6),
                ("Status", 7),
                ("Subject", 0),
                ("Customer", 14),
            ]
        };
        let widths = draw::share(
            area.width.saturating_sub(2),
            &fixed.iter().map(|c| c.1).collect::<Vec<_>>(),
            4,
            10,
        );
        let header: Vec<(u16, &str, ratatui::style::Style)> = fixed
            .iter()
            .zip(&widths)
            .map(|((h, _), w)| (*w, *h, theme.style(Role::Header)))
            .collect();
        draw::columns(buf, area.x + 1, area.y + 1, &header);
        if self.list.is_empty() || self.held.is_none() {
            let msg = match self.query.scope {
                _ if self.held.is_none() => "Loading…",
                _ if !self.query.search.is_empty() => "No ticket matches the search.",
                TicketScope::Mine => "No open tickets assigned to you. u shows unassigned ones.",
                _ => "No tickets here.",
            };
            draw::put(
                buf,
                area.x + 2,
                area.y + HEADER_ROWS,
                area.width.saturating_sub(3),
                msg,
                theme.style(Role::Muted),
            );
            return;
        }
        for (line, t, selected) in self.list.visible(list_height(area)) {
            let y = area.y + HEADER_ROWS + line as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    theme.style(Role::Selection),
                );
            }
            // The column counts open time as the ticket's own view does: one rule.
            let calendar = self.held.as_ref().and_then(|(_, data)| data.calendar_of(t));
            let (countdown, urgency) = sla::countdown_open_short(t, view.now, calendar);
            let customer = self
                .names
                .get(text(t, "customer_id"))
                .cloned()
                .unwrap_or_default();
            let opened = time(t, "created_at")
                .map(|c| view.zone.format(c, "%m-%d %H:%M"))
                .unwrap_or_default();
            let assignee = match crate::tui::data::opt_text(t, "assignee_id") {
                Some(a) => view.people.name(a),
                None => "—".into(),
            };
            let cells: Vec<(String, Role)> = fixed
                .iter()
                .map(|(h, _)| match *h {
                    "Number" => (text(t, "number").to_string(), Role::Muted),
                    "SLA" => (countdown.clone(), urgency_role(urgency)),
                    "Priority" | "Pri" => (
                        text(t, "priority").to_string(),
                        word_role(text(t, "priority")),
                    ),
                    "Status" => (text(t, "status").to_string(), word_role(text(t, "status"))),
                    "Subject" => (text(t, "subject").to_string(), Role::Text),
                    "Customer" => (customer.clone(), Role::Text),
                    "Assignee" => (assignee.clone(), Role::Muted),
                    _ => (opened.clone(), Role::Muted),
                })
                .collect();
            let row: Vec<(u16, &str, ratatui::style::Style)> = widths
                .iter()
                .zip(&cells)
                .map(|(w, (s, role))| (*w, s.as_str(), cell_style(theme, *role, selected)))
                .collect();
            draw::columns(buf, area.x + 1, y, &row);
            if self.list.is_marked(t) {
                draw::row_mark(buf, area.x, y, cell_style(theme, Role::Accent, selected));
            } else if view.refused.contains_key(crate::tui::data::id(t)) {
                draw::refused_mark(buf, area.x, y, cell_style(theme, Role::Danger, selected));
            }
        }
    }
}

impl Screen for TicketsPane {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.ask(ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        match data {
            Ok(Loaded::Tickets(queue)) => {
                self.take(request, queue.clone(), ctx);
            }
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
        if matches!(purpose, Purpose::DeleteMany { .. }) {
            self.list.marks.clear();
        }
        ticket_answer(purpose, answer, ctx);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Tickets
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Tickets)
    }

    fn crumb(&self) -> String {
        "Tickets".into()
    }

    fn typing(&self) -> bool {
        self.list.typing()
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        let input = self.list.filter.as_ref()?;
        let (_, col) = input.view(usize::from(area.width.saturating_sub(4)));
        Some(Position::new(area.x + filter_x() + col as u16, area.y))
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
            self.on_action(Action::Open, ctx);
        }
    }
}
