//! The ticket queue, most urgent first with live SLA countdowns, scoped to mine, unassigned or
//! all; and a ticket with its comment thread. Status, priority and assignee change with keys;
//! resolving asks for a note, closing for satisfaction 1–5.

use std::collections::HashMap;

use crm_server::schema::{Entity, PRIORITIES, TICKET_STATUSES};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{cell_style, word_role};
use crate::tui::action::Action;
use crate::tui::app::{Ctx, View, resolve_prompt, satisfaction_picker};
use crate::tui::data::{DataSource, Record, TicketQuery, TicketScope, flag, id, text, time};
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::format;
use crate::tui::list::Window;
use crate::tui::sla::{self, Urgency};
use crate::tui::theme::Role;

const HEADER_ROWS: u16 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub ticket: Record,
    pub comments: Vec<Record>,
    pub customer: String,
    pub contact: String,
    pub scroll: usize,
}

#[derive(Debug, Clone, Default)]
pub struct TicketsPane {
    pub query: TicketQuery,
    pub list: Window,
    pub view: Option<TicketView>,
    names: HashMap<String, String>,
    pub loaded: bool,
}

/// A page of the queue; from the end, the same queue read last first.
fn page(
    source: &dyn DataSource,
    q: &TicketQuery,
    offset: usize,
    limit: usize,
    from_end: bool,
) -> Result<Vec<Record>, crate::tui::data::DataError> {
    let q = TicketQuery {
        from_end,
        ..q.clone()
    };
    source.tickets(&q, offset, limit)
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(HEADER_ROWS)).max(1)
}

fn urgency_role(u: Urgency) -> Role {
    match u {
        Urgency::Breached => Role::Danger,
        Urgency::Soon => Role::Warn,
        Urgency::Fine => Role::Ok,
        Urgency::None => Role::Muted,
    }
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
                from_end: false,
            },
            ..TicketsPane::default()
        }
    }

    pub fn ensure_loaded(&mut self, ctx: &mut Ctx) {
        if !self.loaded {
            self.loaded = true;
            self.fetch(ctx);
        }
    }

    fn fetch(&mut self, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let q = &self.query;
        let source: &dyn DataSource = &*ctx.source;
        let r = self
            .list
            .ensure(h, &mut |o, l, from_end| page(source, q, o, l, from_end));
        ctx.ok(r);
        self.name_customers(ctx);
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

    pub fn reload(&mut self, ctx: &mut Ctx) {
        if !self.loaded {
            return;
        }
        self.list.invalidate();
        self.fetch(ctx);
        if let Some(v) = &self.view {
            let tid = id(&v.ticket).to_string();
            let scroll = v.scroll;
            self.open(&tid, ctx);
            if let Some(v) = self.view.as_mut() {
                v.scroll = scroll;
            }
        }
    }

    pub fn open(&mut self, ticket_id: &str, ctx: &mut Ctx) {
        let Some(ticket) = ctx.ok(ctx.source.get(Entity::Tickets, ticket_id)) else {
            self.view = None;
            ctx.error("That ticket is no longer here");
            return;
        };
        let comments = ctx.ok(ctx.source.comments(ticket_id));
        let customer = ctx.label_of(Entity::Customers, text(&ticket, "customer_id"));
        let contact = crate::tui::data::opt_text(&ticket, "contact_id")
            .map(|c| c.to_string())
            .map(|c| ctx.label_of(Entity::Contacts, &c))
            .unwrap_or_default();
        self.view = Some(TicketView {
            ticket,
            comments,
            customer,
            contact,
            scroll: 0,
        });
    }

    fn current(&self) -> Option<Record> {
        match &self.view {
            Some(v) => Some(v.ticket.clone()),
            None => self.list.selected_row().cloned(),
        }
    }

    pub fn click(&mut self, _x: u16, y: u16, ctx: &mut Ctx) {
        if self.view.is_some() {
            return;
        }
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

    pub fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        if let Some(view) = self.view.as_mut() {
            match action {
                Action::Back => {
                    self.view = None;
                    return;
                }
                Action::Down => view.scroll += 1,
                Action::Up => view.scroll = view.scroll.saturating_sub(1),
                Action::Top => view.scroll = 0,
                Action::Bottom => view.scroll = usize::MAX / 2,
                Action::Comment | Action::InternalComment => {
                    let internal = action == Action::InternalComment;
                    let p = Prompt::new(
                        if internal { "Internal note" } else { "Reply" },
                        if internal {
                            "Only staff see this"
                        } else {
                            "The customer sees this"
                        },
                        Purpose::Comment {
                            ticket: id(&view.ticket).to_string(),
                            internal,
                        },
                    )
                    .required("write something first");
                    ctx.open(Dialog::Prompt(p));
                }
                other => self.ticket_action(other, ctx),
            }
            return;
        }
        let h = list_height(ctx.area);
        let half = (h / 2).max(1) as isize;
        let q = &self.query;
        let source: &dyn DataSource = &*ctx.source;
        let mut fetch = |o: usize, l: usize, from_end: bool| page(source, q, o, l, from_end);
        let moved = match action {
            Action::Down => Some(self.list.move_by(1, h, &mut fetch)),
            Action::Up => Some(self.list.move_by(-1, h, &mut fetch)),
            Action::HalfDown => Some(self.list.move_by(half, h, &mut fetch)),
            Action::HalfUp => Some(self.list.move_by(-half, h, &mut fetch)),
            Action::Top => Some(self.list.top(h, &mut fetch)),
            Action::Bottom => Some(self.list.bottom(h, &mut fetch)),
            _ => None,
        };
        if let Some(r) = moved {
            ctx.ok(r);
            self.name_customers(ctx);
            return;
        }
        match action {
            Action::Open => {
                if let Some(t) = self.list.selected_row() {
                    let tid = id(t).to_string();
                    self.open(&tid, ctx);
                }
            }
            Action::Scope(s) => {
                self.query.scope = s;
                self.list.reset();
                self.fetch(ctx);
                if s == TicketScope::Mine && self.query.me.is_none() {
                    ctx.error("you are not among the users yet; sync first");
                }
            }
            Action::ToggleDone => {
                self.query.include_done = !self.query.include_done;
                self.list.reset();
                self.fetch(ctx);
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
            other => self.ticket_action(other, ctx),
        }
    }

    /// Actions on the chosen (or open) ticket.
    fn ticket_action(&mut self, action: Action, ctx: &mut Ctx) {
        let Some(t) = self.current() else {
            return;
        };
        let tid = id(&t).to_string();
        match action {
            Action::Edit => {
                let form = ctx.form(
                    &format!("Edit {}", text(&t, "number")),
                    Entity::Tickets,
                    Purpose::Edit(Entity::Tickets, tid),
                    Some(&t),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::SetStatus => {
                let mut p = Picker::new(
                    format!("Status of {}", text(&t, "number")),
                    Purpose::TicketStatus(tid),
                    TICKET_STATUSES.iter().map(|s| Choice::word(s)).collect(),
                );
                p.select_value(text(&t, "status"));
                ctx.open(Dialog::Picker(p));
            }
            Action::SetPriority => {
                let mut p = Picker::new(
                    format!("Priority of {}", text(&t, "number")),
                    Purpose::TicketPriority(tid),
                    PRIORITIES.iter().map(|s| Choice::word(s)).collect(),
                );
                p.select_value(text(&t, "priority"));
                ctx.open(Dialog::Picker(p));
            }
            Action::Assign => {
                let mut choices = vec![Choice::new("", "nobody", "unassigned")];
                choices.extend(ctx.people.choices());
                let mut p = Picker::new(
                    format!("Assign {}", text(&t, "number")),
                    Purpose::TicketAssignee(tid),
                    choices,
                );
                p.select_value(text(&t, "assignee_id"));
                ctx.open(Dialog::Picker(p));
            }
            Action::Resolve => ctx.open(resolve_prompt(&tid)),
            Action::Close => ctx.open(satisfaction_picker(&tid)),
            Action::Delete => ctx.confirm_delete(Entity::Tickets, &tid, text(&t, "number")),
            Action::CopyId => ctx.copy_id(&tid),
            _ => {}
        }
    }

    pub fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        match &self.view {
            Some(v) => self.render_ticket(v, buf, area, view),
            None => self.render_queue(buf, area, view),
        }
    }

    fn render_queue(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 3 {
            return;
        }
        let mut x = area.x + 1;
        for (scope, key) in [
            (TicketScope::Mine, "m"),
            (TicketScope::Unassigned, "u"),
            (TicketScope::All, "A"),
        ] {
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
        let note = if self.query.include_done {
            "open, then done (z)"
        } else {
            "open, most urgent first (z: done too)"
        };
        draw::put(
            buf,
            x + 1,
            area.y,
            area.right().saturating_sub(x + 1),
            note,
            theme.style(Role::Muted),
        );

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
        if self.list.is_empty() {
            let msg = match self.query.scope {
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
            let (countdown, urgency) = sla::countdown(t, view.now);
            let customer = self
                .names
                .get(text(t, "customer_id"))
                .cloned()
                .unwrap_or_default();
            let opened = time(t, "created_at")
                .map(|c| c.format("%m-%d %H:%M").to_string())
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
        }
    }

    fn render_ticket(&self, v: &TicketView, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let t = &v.ticket;
        let head = format!("{}  {}", text(t, "number"), text(t, "subject"));
        draw::put(
            buf,
            area.x + 1,
            area.y,
            area.width.saturating_sub(2),
            &head,
            theme.style(Role::Title),
        );
        // Facts, then description and thread as one scrolled list of lines.
        let mut lines: Vec<(String, Role)> = Vec::new();
        let width = usize::from(area.width.saturating_sub(4));
        let assignee = match crate::tui::data::opt_text(t, "assignee_id") {
            Some(a) => view.people.name(a),
            None => "nobody".into(),
        };
        let status = format!("status {}", text(t, "status"));
        let priority = format!("priority {}", text(t, "priority"));
        let assigned = format!("assigned to {assignee}");
        let facts: Vec<&str> = [
            status.as_str(),
            priority.as_str(),
            text(t, "channel"),
            text(t, "category"),
            assigned.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
        lines.push((facts.join(" · "), word_role(text(t, "status"))));
        let who = if v.contact.is_empty() {
            v.customer.clone()
        } else {
            format!("{} · {}", v.customer, v.contact)
        };
        lines.push((who, Role::Text));
        let (countdown, urgency) = sla::countdown(t, view.now);
        let first = match (time(t, "first_responded_at"), time(t, "first_response_due")) {
            (Some(at), _) => format!("first response {}", format::datetime(at)),
            (None, Some(due)) => format!("first response due {}", format::datetime(due)),
            _ => String::new(),
        };
        let resolution = match (time(t, "resolved_at"), time(t, "resolution_due")) {
            (Some(at), _) => format!("resolved {}", format::datetime(at)),
            (None, Some(due)) => format!("resolution due {}", format::datetime(due)),
            _ => String::new(),
        };
        lines.push((
            format!("SLA: {countdown} · {first} · {resolution}"),
            urgency_role(urgency),
        ));
        if let Some(r) = crate::tui::data::opt_text(t, "resolution") {
            lines.push((format!("Resolution: {r}"), Role::Ok));
        }
        if let Some(s) = crate::tui::data::int(t, "satisfaction") {
            lines.push((
                format!("Satisfaction: {}", "★".repeat(s.clamp(0, 5) as usize)),
                Role::Accent,
            ));
        }
        lines.push((String::new(), Role::Text));
        let description = text(t, "description");
        if description.is_empty() {
            lines.push(("(no description)".into(), Role::Muted));
        } else {
            lines.extend(
                draw::wrap(description, width)
                    .into_iter()
                    .map(|l| (l, Role::Text)),
            );
        }
        lines.push((String::new(), Role::Text));
        lines.push((format!("Comments ({})", v.comments.len()), Role::Header));
        for c in &v.comments {
            let when = time(c, "created_at")
                .map(format::datetime)
                .unwrap_or_default();
            let internal = flag(c, "internal");
            let author = view.people.name(text(c, "created_by"));
            lines.push((
                format!(
                    "{author} · {when}{}",
                    if internal { " · internal" } else { "" }
                ),
                if internal { Role::Warn } else { Role::Accent },
            ));
            lines.extend(
                draw::wrap(text(c, "body"), width.saturating_sub(2))
                    .into_iter()
                    .map(|l| (format!("  {l}"), Role::Text)),
            );
        }
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        let inner = draw::panel(buf, body, "", theme, true);
        let height = usize::from(inner.height);
        let scroll = v.scroll.min(lines.len().saturating_sub(height));
        for (i, (line, role)) in lines.iter().skip(scroll).take(height).enumerate() {
            draw::put(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                inner.width.saturating_sub(1),
                line,
                theme.style(*role),
            );
        }
    }
}
