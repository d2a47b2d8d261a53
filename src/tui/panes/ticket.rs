//! One ticket with its comment thread, and the ticket actions the queue shares: status,
//! priority and assignee change with keys; resolving asks for a note, closing for one when the
//! ticket has none (the customer's satisfaction is asked by the return visit closing makes, not
//! typed here); replies and internal notes are comments.

use crm_server::rules::reasons;
use crm_server::schema::{Entity, PRIORITIES, TICKET_STATUSES};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::{Value, json};

use super::word_role;
use crate::tui::action::Action;
use crate::tui::data::{Record, flag, id, text, time};
use crate::tui::dialogs::{Choice, Dialog, Form, Picker, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Screen, obj};
use crate::tui::sla::{self, Urgency};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Write};

#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub id: String,
    pub ticket: Record,
    pub comments: Vec<Record>,
    pub customer: String,
    pub contact: String,
    pub scroll: usize,
    /// The ticket was deleted or left this user's view.
    pub gone: bool,
    /// Its on-site visits (现场服务), by appointment, each with the parts it used.
    pub visits: Vec<(Record, Vec<Record>)>,
    /// The open hours its service-level clock counts in (none: around the clock).
    pub calendar: Option<crm_server::rules::business_time::Calendar>,
}

pub fn urgency_role(u: Urgency) -> Role {
    match u {
        Urgency::Breached => Role::Danger,
        Urgency::Soon => Role::Warn,
        Urgency::Fine => Role::Ok,
        Urgency::None => Role::Muted,
    }
}

impl TicketView {
    /// The view of a ticket, read at its first reload.
    pub fn new(ticket_id: &str) -> TicketView {
        TicketView {
            id: ticket_id.to_string(),
            ticket: Record::new(),
            comments: Vec::new(),
            customer: String::new(),
            contact: String::new(),
            scroll: 0,
            gone: false,
            visits: Vec::new(),
            calendar: None,
        }
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let Some(ticket) = ctx.ok(ctx.source.get(Entity::Tickets, &self.id)) else {
            self.gone = true;
            ctx.error("That ticket is no longer here");
            return;
        };
        self.comments = ctx.ok(ctx.source.comments(&self.id));
        self.customer = ctx.label_of(Entity::Customers, text(&ticket, "customer_id"));
        self.contact = crate::tui::data::opt_text(&ticket, "contact_id")
            .map(|c| c.to_string())
            .map(|c| ctx.label_of(Entity::Contacts, &c))
            .unwrap_or_default();
        self.visits = ctx
            .ok(ctx.source.records(
                Entity::FieldVisits,
                &by("ticket_id", &self.id, "starts_at"),
                0,
                MAX_VISITS,
            ))
            .into_iter()
            .map(|v| {
                let mut parts = ctx.ok(ctx.source.records(
                    Entity::VisitParts,
                    &by("visit_id", id(&v), "created_at"),
                    0,
                    MAX_VISITS,
                ));
                // The product's name, for drawing (the view draws from state only).
                for p in &mut parts {
                    let product = ctx.label_of(Entity::Products, text(p, "product_id"));
                    p.insert("_product".into(), json!(product));
                }
                (v, parts)
            })
            .collect();
        self.calendar = open_calendar(&ticket, ctx);
        self.ticket = ticket;
    }

    /// The visit the report key fills: the latest not called off.
    fn current_visit(&self) -> Option<&Record> {
        self.visits
            .iter()
            .map(|(v, _)| v)
            .rfind(|v| text(v, "status") != "cancelled")
    }

    fn visit_lines(&self, view: &View, width: usize) -> Vec<(String, Role)> {
        let mut lines = Vec::new();
        if self.visits.is_empty() {
            return lines;
        }
        lines.push((String::new(), Role::Text));
        lines.push((
            format!("On-site visits ({})", self.visits.len()),
            Role::Header,
        ));
        for (v, parts) in &self.visits {
            let when = time(v, "starts_at")
                .map(|t| view.zone.datetime(t))
                .unwrap_or_default();
            let engineer = view.people.name(text(v, "engineer_id"));
            let status = text(v, "status");
            let role = match status {
                "done" => Role::Ok,
                "cancelled" => Role::Muted,
                _ => Role::Accent,
            };
            lines.push((format!("{when} · {engineer} · {status}"), role));
            if let Some(work) = crate::tui::data::opt_text(v, "work_done") {
                for l in draw::wrap(&format!("Work done: {work}"), width.saturating_sub(2)) {
                    lines.push((format!("  {l}"), Role::Text));
                }
            }
            if let Some(m) = crate::tui::data::int(v, "minutes_on_site") {
                lines.push((format!("  On site {}", sla::span(m * 60)), Role::Text));
            }
            for p in parts {
                let product = text(p, "_product");
                lines.push((
                    format!(
                        "  Part: {} × {}{}",
                        product,
                        crate::tui::data::int(p, "quantity").unwrap_or(0),
                        if text(p, "warehouse_id").is_empty() {
                            ""
                        } else {
                            " (from stock)"
                        }
                    ),
                    Role::Text,
                ));
            }
            let confirmed = match (
                crate::tui::data::opt_text(v, "confirmed_by"),
                time(v, "confirmed_at"),
            ) {
                (Some(who), Some(at)) => (
                    format!("  Confirmed by {who} · {}", view.zone.datetime(at)),
                    Role::Ok,
                ),
                _ if status == "cancelled" => continue,
                _ => (
                    "  Not yet confirmed by the customer (O: the report)".to_string(),
                    Role::Warn,
                ),
            };
            lines.push(confirmed);
        }
        lines
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let v = self;
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
        let status = crate::tui::format::labelled("status", text(t, "status"));
        let priority = crate::tui::format::labelled("priority", text(t, "priority"));
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
        let (countdown, urgency) = sla::countdown_open(t, view.now, v.calendar.as_ref());
        let first = match (time(t, "first_responded_at"), time(t, "first_response_due")) {
            (Some(at), _) => format!("first response {}", view.zone.datetime(at)),
            (None, Some(due)) => format!("first response due {}", view.zone.datetime(due)),
            _ => String::new(),
        };
        let resolution = match (time(t, "resolved_at"), time(t, "resolution_due")) {
            (Some(at), _) => format!("resolved {}", view.zone.datetime(at)),
            (None, Some(due)) => format!("resolution due {}", view.zone.datetime(due)),
            _ => String::new(),
        };
        // A clock that does not apply leaves no empty slot between dots.
        let sla: Vec<&str> = [countdown.as_str(), &first, &resolution]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        lines.push((format!("SLA: {}", sla.join(" · ")), urgency_role(urgency)));
        if let Some(r) = crate::tui::data::opt_text(t, "resolution") {
            lines.push((format!("Resolution: {r}"), Role::Ok));
        }
        if let Some(s) = crate::tui::data::int(t, "satisfaction") {
            lines.push((
                format!("Satisfaction: {}", "★".repeat(s.clamp(0, 5) as usize)),
                Role::Accent,
            ));
        }
        lines.extend(v.visit_lines(view, width));
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
                .map(|t| view.zone.datetime(t))
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

impl Screen for TicketView {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        match action {
            Action::Back => ctx.back(),
            Action::Down => self.scroll += 1,
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::HalfDown => self.scroll += usize::from(ctx.area.height / 2),
            Action::HalfUp => {
                self.scroll = self.scroll.saturating_sub(usize::from(ctx.area.height / 2))
            }
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = usize::MAX / 2,
            Action::CannedReply => {
                let replies = ctx.ok(ctx.source.records(
                    Entity::CannedReplies,
                    &crate::tui::data::RecordQuery::default(),
                    0,
                    500,
                ));
                if replies.is_empty() {
                    return ctx.flash(
                        "No canned replies yet: a manager adds them (:list canned_replies)",
                    );
                }
                let choices = replies
                    .iter()
                    .map(|r| {
                        let preview: String = text(r, "body").chars().take(60).collect();
                        Choice::new(
                            text(r, "id"),
                            text(r, "title"),
                            format!("{} {}", text(r, "category"), preview),
                        )
                    })
                    .collect();
                ctx.open(Dialog::Picker(Picker::new(
                    "Canned reply",
                    Purpose::CannedReply(self.id.clone()),
                    choices,
                )));
            }
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
                        ticket: self.id.clone(),
                        internal,
                    },
                )
                .required("write something first");
                ctx.open(Dialog::Prompt(p));
            }
            Action::SuggestArticles => super::knowledge::suggest(&self.ticket, ctx),
            Action::BookVisit => {
                let mut hidden = Record::new();
                hidden.insert("ticket_id".into(), json!(self.id));
                let mut form = Form::with_fields(
                    format!("On-site visit for {}", text(&self.ticket, "number")),
                    Entity::FieldVisits,
                    Purpose::Create(Entity::FieldVisits),
                    ctx.me.role,
                    None,
                    hidden,
                    BOOK_FIELDS,
                    &mut |e, id| ctx.label_of(e, id),
                )
                .in_zone(ctx.zone, None);
                form.focus_on("engineer_id");
                ctx.open(Dialog::Form(form));
            }
            Action::VisitReport => {
                let Some(visit) = self.current_visit().cloned() else {
                    return ctx.flash("No visit booked: V books an engineer first");
                };
                let form = Form::with_fields(
                    format!("On-site report, {}", text(&self.ticket, "number")),
                    Entity::FieldVisits,
                    Purpose::Edit(Entity::FieldVisits, id(&visit).to_string()),
                    ctx.me.role,
                    Some(&visit),
                    Record::new(),
                    REPORT_FIELDS,
                    &mut |e, id| ctx.label_of(e, id),
                )
                .in_zone(ctx.zone, Some(&visit));
                ctx.open(Dialog::Form(form));
            }
            Action::VisitPart => {
                let Some(visit) = self.current_visit() else {
                    return ctx.flash("No visit booked: V books an engineer first");
                };
                let mut hidden = Record::new();
                hidden.insert("visit_id".into(), json!(id(visit)));
                let form = ctx.form(
                    "Part used on site",
                    Entity::VisitParts,
                    Purpose::Create(Entity::VisitParts),
                    None,
                    hidden,
                );
                ctx.open(Dialog::Form(form));
            }
            other => ticket_action(&self.ticket, other, ctx),
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        ticket_answer(purpose, answer, ctx);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Ticket
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Tickets)
    }

    fn crumb(&self) -> String {
        // A ticket opened here has no number until the server gives it one.
        match text(&self.ticket, "number") {
            "" => text(&self.ticket, "subject").to_string(),
            number => number.to_string(),
        }
    }

    fn gone(&self) -> bool {
        self.gone
    }
}

/// Actions on a ticket, from the queue (the chosen one) or its view.
pub fn ticket_action(t: &Record, action: Action, ctx: &mut Ctx) {
    if t.is_empty() {
        return;
    }
    let tid = id(t).to_string();
    match action {
        Action::Edit => {
            let form = ctx.form(
                &format!("Edit {}", text(t, "number")),
                Entity::Tickets,
                Purpose::Edit(Entity::Tickets, tid),
                Some(t),
                Record::new(),
            );
            ctx.open(Dialog::Form(form));
        }
        Action::SetStatus => {
            let mut p = Picker::new(
                format!("Status of {}", text(t, "number")),
                Purpose::TicketStatus(tid),
                TICKET_STATUSES.iter().map(|s| Choice::word(s)).collect(),
            );
            p.select_value(text(t, "status"));
            ctx.open(Dialog::Picker(p));
        }
        Action::SetPriority => {
            let mut p = Picker::new(
                format!("Priority of {}", text(t, "number")),
                Purpose::TicketPriority(tid),
                PRIORITIES.iter().map(|s| Choice::word(s)).collect(),
            );
            p.select_value(text(t, "priority"));
            ctx.open(Dialog::Picker(p));
        }
        Action::Assign => {
            let mut choices = vec![Choice::new("", "nobody", "unassigned")];
            choices.extend(ctx.user_choices());
            let mut p = Picker::new(
                format!("Assign {}", text(t, "number")),
                Purpose::TicketAssignee(tid),
                choices,
            );
            p.select_value(text(t, "assignee_id"));
            ctx.open(Dialog::Picker(p));
        }
        Action::Resolve => ctx.open(resolve_prompt(&tid)),
        Action::Close => close(&tid, ctx),
        Action::Delete => ctx.confirm_delete(Entity::Tickets, &tid, text(t, "number")),
        Action::CopyId => ctx.copy_id(&tid),
        _ => {}
    }
}

/// The answers of the dialogs the ticket actions open, and the writes they lead to.
pub fn ticket_answer(purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
    // Every write goes to the writer thread; its answer is said (a refusal too).
    let update = |ctx: &mut Ctx, id: &str, patch: Value, done: String| {
        ctx.write_then(
            ticket_patch(id, patch),
            After::Say {
                done,
                refused: "not saved: ".into(),
            },
        );
    };
    match (purpose, answer) {
        (Purpose::TicketStatus(id), Answer::Picked(choice)) => match choice.value.as_str() {
            "resolved" => ctx.open(resolve_prompt(&id)),
            "closed" => close(&id, ctx),
            status => {
                update(
                    ctx,
                    &id,
                    json!({"status": status}),
                    format!("Status {status}"),
                );
            }
        },
        (Purpose::TicketPriority(id), Answer::Picked(choice)) => {
            update(
                ctx,
                &id,
                json!({"priority": choice.value}),
                format!("Priority {}; SLA due times recomputed", choice.value),
            );
        }
        (Purpose::TicketAssignee(id), Answer::Picked(choice)) => {
            let value = if choice.value.is_empty() {
                Value::Null
            } else {
                json!(choice.value)
            };
            update(
                ctx,
                &id,
                json!({"assignee_id": value}),
                format!("Assigned to {}", choice.label),
            );
        }
        (Purpose::ResolveNote(id), Answer::Text(note)) => {
            ctx.write_from_prompt(
                ticket_patch(&id, json!({"status": "resolved", "resolution": note})),
                "Ticket resolved",
                "not resolved: ",
            );
        }
        (Purpose::CloseNote(ticket), Answer::Text(note)) => {
            ctx.write_from_prompt(
                ticket_patch(&ticket, json!({"status": "closed", "resolution": note})),
                CLOSED,
                "not closed: ",
            );
        }
        (Purpose::SuggestedArticle(ticket), Answer::Picked(choice)) => {
            super::knowledge::read_suggested(ticket, &choice, ctx);
        }
        (Purpose::CannedReply(ticket), Answer::Picked(choice)) => {
            let reply = ctx.ok(ctx.source.get(Entity::CannedReplies, &choice.value));
            let t = ctx.ok(ctx.source.get(Entity::Tickets, &ticket));
            let (Some(reply), Some(t)) = (reply, t) else {
                return ctx.error("That reply or ticket is no longer here");
            };
            let customer = ctx.label_of(Entity::Customers, text(&t, "customer_id"));
            let agent = match ctx.me.id.clone() {
                Some(id) => ctx.people.name(&id),
                None => ctx.me.username.clone(),
            };
            let values = [
                ("customer", customer.as_str()),
                ("ticket", text(&t, "number")),
                ("agent", agent.as_str()),
            ];
            // The reply line holds one line: the reply's lines joined.
            let filled = crm_server::rules::scripts::fill(text(&reply, "body"), &values)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let p = Prompt::new(
                "Reply",
                "The customer sees this",
                Purpose::Comment {
                    ticket,
                    internal: false,
                },
            )
            .required("write something first")
            .value(&filled);
            ctx.open(Dialog::Prompt(p));
        }
        (Purpose::Comment { ticket, internal }, Answer::Text(body)) => {
            if body.is_empty() {
                return ctx.refuse("write something first");
            }
            let body = obj(json!({"ticket_id": ticket, "body": body, "internal": internal}));
            if let Err(problems) = flows::check(Entity::Comments, &body, ctx) {
                return ctx.refuse(problems);
            }
            let done = if internal {
                "Internal note added"
            } else {
                "Reply added"
            };
            ctx.write_from_prompt(
                Write::Creates(vec![(Entity::Comments, body)]),
                done,
                "not added: ",
            );
        }
        (purpose, answer) => {
            flows::answer(purpose, answer, ctx);
        }
    }
}

/// Visits and parts read per ticket.
const MAX_VISITS: usize = 100;
/// The form that books a visit.
const BOOK_FIELDS: &[&str] = &["engineer_id", "starts_at", "ends_at"];
/// The on-site report: what was done, how long, and the customer's confirmation.
pub const REPORT_FIELDS: &[&str] = &[
    "status",
    "work_done",
    "minutes_on_site",
    "confirmed_by",
    "confirmed_at",
];

fn by(field: &str, value: &str, sort: &str) -> crate::tui::data::RecordQuery {
    crate::tui::data::RecordQuery {
        filters: vec![(field.to_string(), json!(value))],
        sort: Some(sort.to_string()),
        ..Default::default()
    }
}

/// The calendar a ticket's clock counts in, as the server picks it (`sla::OpenCalendars`, the
/// rule the queue's column counts by too); none when no level names one.
fn open_calendar(
    ticket: &Record,
    ctx: &mut Ctx,
) -> Option<crm_server::rules::business_time::Calendar> {
    let calendars = ctx.ok(sla::OpenCalendars::read(ctx.source));
    let customer = ctx
        .source
        .get(Entity::Customers, text(ticket, "customer_id"))
        .ok()
        .flatten();
    let level = customer.as_ref().map(|c| text(c, "level"));
    calendars.for_ticket(ticket, level).cloned()
}

/// A ticket's patch, for the writer thread.
fn ticket_patch(id: &str, patch: Value) -> Write {
    Write::Update {
        entity: Entity::Tickets,
        id: id.to_string(),
        patch: obj(patch),
    }
}

/// Resolving a ticket asks how it was resolved.
pub fn resolve_prompt(ticket: &str) -> Dialog {
    Dialog::Prompt(
        Prompt::new(
            "Resolve ticket",
            "How was it resolved?",
            Purpose::ResolveNote(ticket.to_string()),
        )
        .required(reasons::RESOLUTION_NEEDED)
        .hint("the customer sees this note"),
    )
}

/// What closing says: satisfaction is the return visit's survey now, not a score typed here.
const CLOSED: &str = "Closed; the customer's satisfaction comes from the return visit";

/// Closing a ticket: at once when it has a resolution, else asking how it was resolved.
fn close(ticket: &str, ctx: &mut Ctx) {
    let has_resolution = ctx
        .source
        .get(Entity::Tickets, ticket)
        .ok()
        .flatten()
        .is_some_and(|t| !text(&t, "resolution").is_empty());
    if has_resolution {
        ctx.write_then(
            Write::Update {
                entity: Entity::Tickets,
                id: ticket.to_string(),
                patch: obj(json!({"status": "closed"})),
            },
            After::Say {
                done: CLOSED.into(),
                refused: "not saved: ".into(),
            },
        );
    } else {
        let p = Prompt::new(
            "Close ticket",
            "How was it resolved? (required to close)",
            Purpose::CloseNote(ticket.to_string()),
        )
        .required(reasons::RESOLUTION_NEEDED);
        ctx.open(Dialog::Prompt(p));
    }
}
