//! Drawing the 360° view: header, details and the five section panels, and their areas.

use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Customer360, SECTIONS, Section, scroll_for};
use crate::tui::data::{date, flag, int, text, time};
use crate::tui::draw;
use crate::tui::format;
use crate::tui::panes::{cell_style, word_role};
use crate::tui::sla;
use crate::tui::theme::Role;
use crate::tui::view::View;

/// Areas of the view, shared by drawing and mouse clicks.
pub(super) struct Areas {
    pub(super) details: Rect,
    pub(super) contacts: Rect,
    pub(super) tickets: Rect,
    pub(super) opportunities: Rect,
    pub(super) competitors: Rect,
    pub(super) timeline: Rect,
    pub(super) quotes: Rect,
    pub(super) orders: Rect,
    pub(super) agreements: Rect,
}

fn areas(
    area: Rect,
    contacts: usize,
    opportunities: usize,
    competitors: usize,
    quotes: usize,
    orders: usize,
    agreements: usize,
) -> Areas {
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let left_w = (body.width * 2 / 5).clamp(30.min(body.width), 64);
    let right_w = body.width.saturating_sub(left_w);
    let details_h = 11.min(body.height / 2 + 1);
    // Below the details: contacts, then tickets, then open quotes share the left column.
    let left_h = body.height.saturating_sub(details_h);
    let contacts_h = ((contacts as u16).max(1) + 2)
        .min(left_h / 3)
        .max(left_h.min(3));
    let quotes_h = ((quotes as u16).max(1) + 2)
        .min(left_h / 4)
        .max(3.min(left_h.saturating_sub(contacts_h) / 2));
    // Orders only where the tickets keep a panel of their own (a small screen shows them first;
    // `:list orders` has them all).
    let spare = left_h.saturating_sub(contacts_h + quotes_h);
    let orders_h = if spare >= 7 {
        ((orders as u16).max(1) + 2)
            .min(left_h / 4)
            .max(3)
            .min(spare - 4)
    } else {
        0
    };
    let tickets_h = left_h.saturating_sub(contacts_h + quotes_h + orders_h);
    let opp_h = ((opportunities as u16).max(1) + 3)
        .min(body.height / 2)
        .max(4.min(body.height));
    let rest = body.height.saturating_sub(opp_h);
    let comp_h = ((competitors as u16).max(1) + 2)
        .min(rest / 3)
        .max(3.min(rest / 2));
    // Contracts and licences: a panel of their own only when the customer has some, so the
    // timeline keeps its room otherwise.
    let agree_h = if agreements == 0 {
        0
    } else {
        (agreements as u16 + 2).min(rest.saturating_sub(comp_h) / 2)
    };
    Areas {
        details: Rect::new(body.x, body.y, left_w, details_h),
        contacts: Rect::new(body.x, body.y + details_h, left_w, contacts_h),
        tickets: Rect::new(body.x, body.y + details_h + contacts_h, left_w, tickets_h),
        quotes: Rect::new(
            body.x,
            body.y + details_h + contacts_h + tickets_h,
            left_w,
            quotes_h,
        ),
        orders: Rect::new(
            body.x,
            body.y + details_h + contacts_h + tickets_h + quotes_h,
            left_w,
            orders_h,
        ),
        opportunities: Rect::new(body.x + left_w, body.y, right_w, opp_h),
        competitors: Rect::new(body.x + left_w, body.y + opp_h, right_w, comp_h),
        agreements: Rect::new(body.x + left_w, body.y + opp_h + comp_h, right_w, agree_h),
        timeline: Rect::new(
            body.x + left_w,
            body.y + opp_h + comp_h + agree_h,
            right_w,
            rest.saturating_sub(comp_h + agree_h),
        ),
    }
}

impl Customer360 {
    pub(super) fn areas(&self, area: Rect) -> Areas {
        areas(
            area,
            self.contacts.len(),
            self.opportunities.len(),
            self.competitors.len(),
            self.quotes.len(),
            self.orders.len(),
            self.agreements.len(),
        )
    }

    pub(super) fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
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
            draw::filter_input(buf, area, input, theme);
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
            (format::labelled("level", text(c, "level")), Role::Accent),
            (
                text(c, "lifecycle").to_string(),
                word_role(text(c, "lifecycle")),
            ),
            (text(c, "category").to_string(), Role::Muted),
            (
                match text(c, "owner_id") {
                    "" => String::new(),
                    owner => format::labelled("owner", &view.people.name(owner)),
                },
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
        self.render_tickets(buf, a.tickets, view);
        self.render_opportunities(buf, a.opportunities, view);
        self.render_competitors(buf, a.competitors, view);
        self.render_timeline(buf, a.timeline, view);
        self.render_quotes(buf, a.quotes, view);
        self.render_orders(buf, a.orders, view);
        self.render_agreements(buf, a.agreements, view);
    }

    /// The customer's orders, and in the title what it still owes and how much is overdue.
    fn render_orders(&self, buf: &mut Buffer, area: Rect, view: &View) {
        if area.height == 0 {
            return;
        }
        let theme = view.theme;
        let r = &self.receivables;
        let title = if r.outstanding > 0 {
            format!(
                "Orders ({}) · owes {} · overdue {}",
                self.orders.len(),
                format::money(r.outstanding),
                format::money(r.overdue())
            )
        } else {
            format!("Orders ({})", self.orders.len())
        };
        let inner = draw::panel(buf, area, &title, theme, self.section == Section::Orders);
        if inner.height == 0 {
            return;
        }
        if self.orders.is_empty() {
            draw::empty_note(buf, inner, "none yet — :list orders", theme);
            return;
        }
        let (number_w, status_w, date_w, total_w) = (9, 16, 10, 14);
        let subject_w = inner
            .width
            .saturating_sub(number_w + status_w + date_w + total_w + 4);
        let height = usize::from(inner.height);
        for (row, o, selected) in self.list_rows(Section::Orders, &self.orders, height) {
            let y = draw::list_row(buf, inner, row, selected, theme);
            let status = text(o, "status");
            let total = int(o, "total").map(format::money).unwrap_or_default();
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (
                        number_w,
                        text(o, "number"),
                        cell_style(theme, Role::Accent, selected),
                    ),
                    (
                        status_w,
                        status,
                        cell_style(theme, word_role(status), selected),
                    ),
                    (
                        date_w,
                        text(o, "ordered_on"),
                        cell_style(theme, Role::Muted, selected),
                    ),
                    (
                        subject_w,
                        text(o, "subject"),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (total_w, &total, cell_style(theme, Role::Text, selected)),
                ],
            );
        }
    }

    /// Contracts (number, status, name, amount, end) and licences (number, product's seats,
    /// term).
    fn render_agreements(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height == 0 {
            return;
        }
        let count = |of: Entity| self.agreements.iter().filter(|(e, _)| *e == of).count();
        let files = count(Entity::Files);
        let mut title = format!(
            "Contracts ({}) · licences ({})",
            count(Entity::Contracts),
            count(Entity::Licences)
        );
        if files > 0 {
            title.push_str(&format!(" · files ({files}, O opens)"));
        }
        let focused = self.section == Section::Agreements;
        let inner = draw::panel(buf, area, &title, theme, focused);
        if inner.height == 0 {
            return;
        }
        let (number_w, status_w, amount_w, end_w) = (10, 9, 14, 10);
        let name_w = inner
            .width
            .saturating_sub(number_w + status_w + amount_w + end_w + 4);
        let height = usize::from(inner.height);
        for (row, (entity, r), selected) in
            self.list_rows(Section::Agreements, &self.agreements, height)
        {
            let y = draw::list_row(buf, inner, row, selected, theme);
            let (number, status, name, amount) = if *entity == Entity::Files {
                let size = int(r, "size").unwrap_or(0);
                (
                    "file".to_string(),
                    text(r, "content_type")
                        .split(['/', ';'])
                        .nth(1)
                        .unwrap_or("")
                        .to_string(),
                    text(r, "name").to_string(),
                    crm_server::error::human_bytes(u64::try_from(size).unwrap_or(0)),
                )
            } else if *entity == Entity::Contracts {
                (
                    text(r, "number").to_string(),
                    text(r, "status").to_string(),
                    text(r, "name").to_string(),
                    int(r, "amount").map(format::money).unwrap_or_default(),
                )
            } else {
                (
                    "licence".to_string(),
                    format!("{} seats", int(r, "seats").unwrap_or(1)),
                    text(r, "licence_number").to_string(),
                    format!("from {}", text(r, "starts_on")),
                )
            };
            let ends = text(r, "ends_on");
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (number_w, &number, cell_style(theme, Role::Accent, selected)),
                    (
                        status_w,
                        &status,
                        cell_style(theme, word_role(&status), selected),
                    ),
                    (name_w, &name, cell_style(theme, Role::Text, selected)),
                    (amount_w, &amount, cell_style(theme, Role::Text, selected)),
                    (end_w, ends, cell_style(theme, Role::Muted, selected)),
                ],
            );
        }
    }

    fn render_quotes(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!("Open quotes ({})", self.quotes.len());
        let inner = draw::panel(buf, area, &title, theme, self.section == Section::Quotes);
        if inner.height == 0 {
            return;
        }
        if self.quotes.is_empty() {
            draw::empty_note(buf, inner, "none open — :list quotes", theme);
            return;
        }
        let (number_w, status_w, total_w) = (12, 6, 14);
        let subject_w = inner
            .width
            .saturating_sub(number_w + status_w + total_w + 3);
        let height = usize::from(inner.height);
        for (row, q, selected) in self.list_rows(Section::Quotes, &self.quotes, height) {
            let y = draw::list_row(buf, inner, row, selected, theme);
            let number = match int(q, "revision") {
                Some(r) if r > 1 => format!("{} r{r}", text(q, "number")),
                _ => text(q, "number").to_string(),
            };
            let status = text(q, "status");
            let total = int(q, "total").map(format::money).unwrap_or_default();
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (number_w, &number, cell_style(theme, Role::Accent, selected)),
                    (
                        status_w,
                        status,
                        cell_style(theme, word_role(status), selected),
                    ),
                    (
                        subject_w,
                        text(q, "subject"),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (total_w, &total, cell_style(theme, Role::Text, selected)),
                ],
            );
        }
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
            (
                "Satisfied",
                self.satisfaction
                    .map(|(avg, n)| format!("{avg:.1}/5 · {n} return visits"))
                    .unwrap_or_default(),
            ),
            ("Dealer", self.dealer.clone().unwrap_or_default()),
        ];
        let mut y = inner.y;
        // The built-in details, then the custom fields an admin defined, by their labels.
        let none = std::collections::HashMap::new();
        let custom = self.custom.iter().map(|f| {
            (
                f.label(view.me.lang),
                super::super::records::custom_cell(c, f, &none, view),
            )
        });
        for (label, value) in rows.into_iter().chain(custom) {
            if value.is_empty() || y >= inner.bottom() {
                continue;
            }
            let label_w = (crate::text::width(label) as u16).clamp(8, 16);
            draw::put(buf, inner.x, y, label_w, label, theme.style(Role::Muted));
            draw::put(
                buf,
                inner.x + label_w + 1,
                y,
                inner.width.saturating_sub(label_w + 1),
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
            draw::empty_note(buf, inner, "none yet — a adds one", theme);
            return;
        }
        for (row, k, selected) in
            self.list_rows(Section::Contacts, &self.contacts, usize::from(inner.height))
        {
            let y = draw::list_row(buf, inner, row, selected, theme);
            // The contact whose phone rang on a pop; else the primary one.
            let rang = self.matched.as_deref() == Some(text(k, "id"));
            let star = if rang {
                "☎"
            } else if flag(k, "is_primary") {
                "★"
            } else {
                " "
            };
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
                        cell_style(
                            theme,
                            if rang { Role::Accent } else { Role::Text },
                            selected,
                        ),
                    ),
                    (title_w, &title, cell_style(theme, Role::Muted, selected)),
                    (rest, phone, cell_style(theme, Role::Text, selected)),
                ],
            );
        }
    }

    fn render_tickets(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height == 0 {
            return;
        }
        let title = format!("Tickets ({})", self.tickets.len());
        let inner = draw::panel(buf, area, &title, theme, self.section == Section::Tickets);
        if self.tickets.is_empty() {
            draw::empty_note(buf, inner, "none — t opens one", theme);
            return;
        }
        for (row, t, selected) in
            self.list_rows(Section::Tickets, &self.tickets, usize::from(inner.height))
        {
            let y = draw::list_row(buf, inner, row, selected, theme);
            let number_w = 9.min(inner.width / 3);
            let status_w = 9.min(inner.width / 5);
            let priority_w = 7.min(inner.width / 6);
            let subject_w = inner
                .width
                .saturating_sub(number_w + status_w + priority_w + 3);
            let priority = text(t, "priority");
            let priority_role = if matches!(priority, "high" | "urgent") {
                Role::Danger
            } else {
                Role::Muted
            };
            draw::columns(
                buf,
                inner.x,
                y,
                &[
                    (
                        number_w,
                        text(t, "number"),
                        cell_style(theme, Role::Accent, selected),
                    ),
                    (
                        subject_w,
                        text(t, "subject"),
                        cell_style(theme, Role::Text, selected),
                    ),
                    (
                        status_w,
                        text(t, "status"),
                        cell_style(theme, word_role(text(t, "status")), selected),
                    ),
                    (
                        priority_w,
                        priority,
                        cell_style(theme, priority_role, selected),
                    ),
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
            // Under the header row.
            let y = draw::list_row(buf, inner, row + 1, selected, theme);
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
            draw::empty_note(
                buf,
                inner,
                "none in its deals — Enter on a deal, then c adds one",
                theme,
            );
            return;
        }
        let (threat_w, status_w) = (7, 10);
        let name_w = (inner.width.saturating_sub(threat_w + status_w + 3) / 2).max(8);
        let deal_w = inner.width.saturating_sub(name_w + threat_w + status_w + 3);
        let height = usize::from(inner.height);
        for (row, c, selected) in self.list_rows(Section::Competitors, &self.competitors, height) {
            let y = draw::list_row(buf, inner, row, selected, theme);
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
            draw::empty_note(
                buf,
                inner,
                "nothing yet — c logs a call, f schedules a follow-up",
                theme,
            );
            return;
        }
        for (row, e, selected) in
            self.list_rows(Section::Timeline, &self.timeline, usize::from(inner.height))
        {
            let y = draw::list_row(buf, inner, row, selected, theme);
            let when = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| view.zone.format(t.to_utc(), "%m-%d %H:%M"))
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
                    state = crm_server::rules::call_outcomes::label(&self.codes, o, view.me.lang);
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
