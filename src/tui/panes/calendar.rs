//! The calendar: month grid, week and agenda views of activities, with reminders (birthdays in
//! view, overdue follow-ups, customers not contacted for N days by level). Times are UTC.

use std::collections::HashMap;

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveTime, Timelike, Weekday};
use crm_server::schema::Entity;
use crm_server::validate::format_time;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use crate::tui::action::{Action, CalView};
use crate::tui::data::{Record, ReminderQuery, Reminders, activity_time, flag, id, text, time};
use crate::tui::dates;
use crate::tui::dialogs::{Dialog, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Msg, Place, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;

#[derive(Debug, Clone)]
pub struct CalendarPane {
    pub view: CalView,
    pub cursor: NaiveDate,
    /// Loaded days: [from, to).
    pub range: (NaiveDate, NaiveDate),
    /// The activities of the range that pass the filter.
    pub items: Vec<Record>,
    /// Every activity of the range.
    loaded: Vec<Record>,
    /// `/`: the activities' subjects, kinds and customers narrow every view.
    pub line: FilterLine,
    /// The chosen item: within the cursor's day (month, week) or the whole agenda.
    pub item: usize,
    pub reminders: Reminders,
    pub quiet_days: Vec<(String, u32)>,
    names: HashMap<String, String>,
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Days::new(u64::from(d.weekday().num_days_from_monday()))
}

fn range_of(view: CalView, cursor: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        CalView::Month => {
            let first = cursor.with_day(1).unwrap_or(cursor);
            let start = monday_of(first);
            (start, start + Days::new(42))
        }
        CalView::Week => {
            let start = monday_of(cursor);
            (start, start + Days::new(7))
        }
        CalView::Agenda => (cursor, cursor + Days::new(14)),
    }
}

/// The side column (day list and reminders) next to the month grid or agenda.
fn side_width(area: Rect) -> u16 {
    if area.width >= 100 {
        area.width * 2 / 5
    } else {
        34.min(area.width / 2)
    }
}

fn midnight(d: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

impl CalendarPane {
    pub fn new(today: NaiveDate, quiet_days: Vec<(String, u32)>) -> CalendarPane {
        CalendarPane {
            view: CalView::Month,
            cursor: today,
            range: range_of(CalView::Month, today),
            items: Vec::new(),
            loaded: Vec::new(),
            line: FilterLine::default(),
            item: 0,
            reminders: Reminders::default(),
            quiet_days,
            names: HashMap::new(),
        }
    }

    fn load(&mut self, ctx: &mut Ctx) {
        self.range = range_of(self.view, self.cursor);
        let (from, to) = self.range;
        // The signed-in user's calendar; before the first sync knows them, everything visible.
        let owner = ctx.me.id.clone();
        self.loaded =
            ctx.ok(ctx
                .source
                .activities_between(midnight(from), midnight(to), owner.as_deref()));
        let q = ReminderQuery {
            from,
            to: to - Days::new(1),
            now: ctx.now,
            owner,
            quiet_days: self.quiet_days.clone(),
            limit: 20,
        };
        self.reminders = ctx.ok(ctx.source.reminders(&q));
        let ids: Vec<String> = self
            .loaded
            .iter()
            .chain(self.reminders.overdue.iter())
            .map(|a| text(a, "customer_id").to_string())
            .filter(|c| !c.is_empty())
            .collect();
        for cid in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.names.entry(cid) {
                let name = ctx.label_of(Entity::Customers, slot.key());
                slot.insert(name);
            }
        }
        self.refilter();
    }

    /// The items again from what is loaded, through the filter (in memory: the range is read).
    fn refilter(&mut self) {
        self.items = self
            .loaded
            .iter()
            .filter(|a| {
                self.line
                    .passes(&[text(a, "subject"), text(a, "kind"), self.customer(a)])
            })
            .cloned()
            .collect();
        self.item = self.item.min(self.chosen_list().len().saturating_sub(1));
    }

    fn set_cursor(&mut self, date: NaiveDate, ctx: &mut Ctx) {
        self.cursor = date;
        self.item = 0;
        if date < self.range.0 || date >= self.range.1 || self.view == CalView::Agenda {
            self.load(ctx);
        }
    }

    pub fn goto(&mut self, date: NaiveDate, ctx: &mut Ctx) {
        self.set_cursor(date, ctx);
        self.load(ctx);
        ctx.flash(format!("{}", date.format("%a %Y-%m-%d")));
    }

    pub fn day_items(&self, day: NaiveDate) -> Vec<&Record> {
        self.items
            .iter()
            .filter(|a| activity_time(a).is_some_and(|t| t.date_naive() == day))
            .collect()
    }

    /// What J/K and the item actions work on.
    fn chosen_list(&self) -> Vec<&Record> {
        match self.view {
            CalView::Agenda => self.items.iter().collect(),
            _ => self.day_items(self.cursor),
        }
    }

    pub fn selected(&self) -> Option<&Record> {
        self.chosen_list().get(self.item).copied()
    }

    fn customer(&self, activity: &Record) -> &str {
        self.names
            .get(text(activity, "customer_id"))
            .map(String::as_str)
            .unwrap_or("")
    }

    fn on_click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        let area = ctx.area;
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        match self.view {
            CalView::Month => {
                let grid_w = body.width.saturating_sub(side_width(area));
                let cell_w = (grid_w / 7).max(1);
                let cell_h = (body.height.saturating_sub(1) / 6).max(1);
                if x < body.x + grid_w && y > body.y {
                    let col = u64::from((x - body.x) / cell_w).min(6);
                    let row = u64::from((y - body.y - 1) / cell_h).min(5);
                    let day = self.range.0 + Days::new(row * 7 + col);
                    self.set_cursor(day, ctx);
                }
            }
            CalView::Week => {
                let col_w = (body.width / 7).max(1);
                let day = self.range.0 + Days::new(u64::from((x - body.x) / col_w).min(6));
                self.set_cursor(day, ctx);
            }
            CalView::Agenda => {}
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) {
        let count = self.chosen_list().len();
        if self.line.typing() {
            match self.line.key(action) {
                Typed::Changed(_) | Typed::Cancelled => self.refilter(),
                Typed::Moved(m) => self.item = m.apply(self.item, count),
                Typed::Same | Typed::Submitted => {}
            }
            return;
        }
        // The agenda is a list like any other; in the month and week, j/k move by weeks.
        let half = usize::from(ctx.area.height / 2);
        if self.view == CalView::Agenda
            && let Some(m) = Move::of(&action, half)
        {
            self.item = m.apply(self.item, count);
            return;
        }
        match action {
            Action::Search => self.line.start(),
            Action::Back if !self.line.text.is_empty() => {
                self.line.text.clear();
                self.refilter();
            }
            Action::Left => self.set_cursor(self.cursor - Days::new(1), ctx),
            Action::Right => self.set_cursor(self.cursor + Days::new(1), ctx),
            Action::Down => self.set_cursor(self.cursor + Days::new(7), ctx),
            Action::Up => self.set_cursor(self.cursor - Days::new(7), ctx),
            Action::ItemNext => self.item = Move::By(1).apply(self.item, count),
            Action::ItemPrev => self.item = Move::By(-1).apply(self.item, count),
            Action::Today => self.set_cursor(ctx.now.date_naive(), ctx),
            Action::View(v) => {
                self.view = v;
                self.item = 0;
                self.load(ctx);
            }
            Action::Goto => {
                let p = Prompt::new("Go to date", "Date", Purpose::Goto)
                    .dates()
                    .hint("tomorrow, next mon, 2026-12-01, +3d, 12月1日");
                ctx.open(Dialog::Prompt(p));
            }
            Action::New => {
                let day = match (self.view, self.selected()) {
                    (CalView::Agenda, Some(a)) => {
                        activity_time(a).map_or(self.cursor, |t| t.date_naive())
                    }
                    _ => self.cursor,
                };
                let start = if day == ctx.now.date_naive() {
                    let next = ctx.now + Duration::hours(1);
                    next.date_naive()
                        .and_hms_opt(next.hour(), 0, 0)
                        .unwrap_or_default()
                        .and_utc()
                } else {
                    day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()
                };
                let prefill = json!({"kind": "meeting", "starts_at": crm_server::validate::format_time(start)});
                let mut form = ctx.form(
                    "New activity",
                    Entity::Activities,
                    Purpose::Create(Entity::Activities),
                    prefill.as_object(),
                    Record::new(),
                );
                form.focus_on("subject");
                ctx.open(Dialog::Form(form));
            }
            Action::Edit => {
                if let Some(a) = self.selected().cloned() {
                    let form = ctx.form(
                        "Edit activity",
                        Entity::Activities,
                        Purpose::Edit(Entity::Activities, id(&a).to_string()),
                        Some(&a),
                        Record::new(),
                    );
                    ctx.open(Dialog::Form(form));
                }
            }
            Action::Reschedule => {
                if let Some(a) = self.selected() {
                    let p = Prompt::new(
                        "Reschedule",
                        format!("Move “{}” to", crate::text::sanitize(text(a, "subject"))),
                        Purpose::Reschedule(id(a).to_string()),
                    )
                    .dates()
                    .hint("a date keeps the time: next mon, +2d; or tomorrow 14:00");
                    ctx.open(Dialog::Prompt(p));
                }
            }
            Action::Complete => {
                if let Some(a) = self.selected() {
                    let done = !flag(a, "done");
                    let patch = json!({"done": done})
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    let r = ctx.source.update(Entity::Activities, id(a), patch);
                    ctx.write(
                        r,
                        if done {
                            "Marked done"
                        } else {
                            "Marked not done"
                        },
                    );
                }
            }
            Action::Delete => {
                if let Some(a) = self.selected() {
                    let (aid, subject) = (id(a).to_string(), text(a, "subject").to_string());
                    ctx.confirm_delete(Entity::Activities, &aid, &subject);
                }
            }
            Action::Open => {
                if let Some(c) = self
                    .selected()
                    .map(|a| text(a, "customer_id").to_string())
                    .filter(|c| !c.is_empty())
                {
                    ctx.go(Place::Customer {
                        id: c,
                        inbound: false,
                    });
                }
            }
            Action::CopyId => {
                if let Some(a) = self.selected() {
                    let aid = id(a).to_string();
                    ctx.copy_id(&aid);
                }
            }
            _ => {}
        }
    }

    /// Moves an activity to the day typed, keeping its time (or to the time typed too).
    fn reschedule(&mut self, id: &str, answer: &str, ctx: &mut Ctx) -> Result<String, String> {
        let activity = ctx
            .source
            .get(Entity::Activities, id)
            .map_err(|e| e.to_string())?
            .ok_or("that activity is gone")?;
        let when = dates::parse(answer, ctx.now.naive_utc()).map_err(|e| e.to_string())?;
        let field = if activity.get("starts_at").is_some_and(|v| !v.is_null()) {
            "starts_at"
        } else {
            "due_at"
        };
        let old = time(&activity, field);
        let keep = old.map_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(), |t| {
            t.time()
        });
        let new = when.at(keep).and_utc();
        let mut patch = obj(json!({field: format_time(new)}));
        if let (Some(old), Some(end)) = (old, time(&activity, "ends_at")) {
            patch.insert("ends_at".into(), json!(format_time(end + (new - old))));
        }
        ctx.source
            .update(Entity::Activities, id, patch)
            .map(|_| format!("Moved to {}", crate::tui::format::datetime(new)))
            .map_err(|e| e.to_string())
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 4 {
            return;
        }
        let title = match self.view {
            CalView::Month => self.cursor.format("%B %Y").to_string(),
            CalView::Week => format!(
                "Week {} · {}",
                self.cursor.iso_week().week(),
                monday_of(self.cursor).format("%Y-%m-%d")
            ),
            CalView::Agenda => format!("Agenda from {}", self.cursor.format("%a %Y-%m-%d")),
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
            let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
            return self.render_body(buf, body, area, view);
        }
        let title = match self.line.label() {
            Some(filter) => format!("{title} · {filter}"),
            None => title,
        };
        let used = draw::put(
            buf,
            area.x + 1,
            area.y,
            area.width / 2,
            &title,
            theme.style(Role::Title),
        );
        let mut x = area.x + used + 3;
        for v in [CalView::Month, CalView::Week, CalView::Agenda] {
            let style = if v == self.view {
                theme.style(Role::TabActive)
            } else {
                theme.style(Role::Muted)
            };
            x += draw::put(
                buf,
                x,
                area.y,
                area.right().saturating_sub(x),
                &format!(" {} ", v.name()),
                style,
            ) + 1;
        }
        draw::put_right(
            buf,
            area.x,
            area.y,
            area.width.saturating_sub(1),
            "UTC",
            theme.style(Role::Muted),
        );
        let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
        self.render_body(buf, body, area, view);
    }

    fn render_body(&self, buf: &mut Buffer, body: Rect, area: Rect, view: &View) {
        match self.view {
            CalView::Month => {
                let side = side_width(area);
                let grid = Rect::new(body.x, body.y, body.width - side, body.height);
                self.render_month(buf, grid, view);
                self.render_side(
                    buf,
                    Rect::new(grid.right(), body.y, side, body.height),
                    view,
                );
            }
            CalView::Week => self.render_week(buf, body, view),
            CalView::Agenda => {
                let side = side_width(area);
                let list = Rect::new(body.x, body.y, body.width - side, body.height);
                self.render_agenda(buf, list, view);
                self.render_reminders(
                    buf,
                    Rect::new(list.right(), body.y, side, body.height),
                    view,
                );
            }
        }
    }

    fn day_style(&self, day: NaiveDate, view: &View) -> Role {
        if day == view.now.date_naive() {
            Role::Today
        } else if day.month() != self.cursor.month() && self.view == CalView::Month {
            Role::Muted
        } else if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            Role::Weekend
        } else {
            Role::Text
        }
    }

    fn item_line(&self, a: &Record, width: u16, with_customer: bool) -> String {
        let t = activity_time(a)
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default();
        let mark = if flag(a, "done") { "✓" } else { "" };
        let mut s = format!("{t} {mark}{}", text(a, "subject"));
        if with_customer && width > 30 {
            let c = self.customer(a);
            if !c.is_empty() {
                s = format!("{s} · {c}");
            }
        }
        s
    }

    fn item_role(a: &Record, view: &View) -> Role {
        if flag(a, "done") {
            Role::Muted
        } else if time(a, "due_at").is_some_and(|d| d < view.now) {
            Role::Danger
        } else {
            Role::Text
        }
    }

    fn render_month(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let cell_w = area.width / 7;
        let cell_h = (area.height.saturating_sub(1) / 6).max(1);
        for (i, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .enumerate()
        {
            let label = if cell_w < 5 { &name[..2] } else { name };
            let role = if i >= 5 { Role::Weekend } else { Role::Header };
            draw::put(
                buf,
                area.x + i as u16 * cell_w + 1,
                area.y,
                cell_w.saturating_sub(1),
                label,
                theme.style(role),
            );
        }
        for week in 0..6u16 {
            for dow in 0..7u16 {
                let day = self.range.0 + Days::new(u64::from(week * 7 + dow));
                let x = area.x + dow * cell_w;
                let y = area.y + 1 + week * cell_h;
                if y >= area.bottom() {
                    continue;
                }
                let h = cell_h.min(area.bottom() - y);
                let cursor = day == self.cursor;
                if cursor {
                    draw::fill(
                        buf,
                        Rect::new(x, y, cell_w, h),
                        theme.style(Role::Selection),
                    );
                }
                let items = self.day_items(day);
                let room = usize::from(cell_w.saturating_sub(1));
                let head = match items.len() {
                    0 => format!("{}", day.day()),
                    n => {
                        let spaced = format!("{} •{n}", day.day());
                        if crate::text::width(&spaced) <= room {
                            spaced
                        } else {
                            // Narrow cells (80 columns) keep the count whole, not the space.
                            format!("{}•{n}", day.day())
                        }
                    }
                };
                let style = if cursor {
                    theme.style(Role::Selection)
                } else {
                    theme.style(self.day_style(day, view))
                };
                draw::put(buf, x + 1, y, cell_w.saturating_sub(1), &head, style);
                // Too narrow for subjects: the count in the head says enough.
                let lines = if cell_w >= 10 {
                    usize::from(h.saturating_sub(1))
                } else {
                    0
                };
                for (k, a) in items.iter().take(lines).enumerate() {
                    let line = self.item_line(a, cell_w, false);
                    let style = if cursor {
                        theme.style(Role::Selection)
                    } else {
                        theme.style(Self::item_role(a, view))
                    };
                    draw::put(
                        buf,
                        x + 1,
                        y + 1 + k as u16,
                        cell_w.saturating_sub(1),
                        &line,
                        style,
                    );
                }
            }
        }
    }

    /// The chosen day's items above the reminders.
    fn render_side(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let items = self.day_items(self.cursor);
        let day_h = (items.len() as u16 + 2).clamp(3, area.height / 2);
        let title = self.cursor.format("%a %Y-%m-%d").to_string();
        let inner = draw::panel(
            buf,
            Rect::new(area.x, area.y, area.width, day_h),
            &title,
            theme,
            true,
        );
        if items.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "nothing — n adds an activity",
                theme.style(Role::Muted),
            );
        }
        let scroll = (self.item + 1).saturating_sub(usize::from(inner.height));
        for (row, (i, a)) in items
            .iter()
            .enumerate()
            .skip(scroll)
            .take(usize::from(inner.height))
            .enumerate()
        {
            let y = inner.y + row as u16;
            let selected = i == self.item;
            let style = if selected {
                theme.style(Role::Selection)
            } else {
                theme.style(Self::item_role(a, view))
            };
            if selected {
                draw::fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
            }
            draw::put(
                buf,
                inner.x,
                y,
                inner.width,
                &self.item_line(a, inner.width, true),
                style,
            );
        }
        self.render_reminders(
            buf,
            Rect::new(
                area.x,
                area.y + day_h,
                area.width,
                area.height.saturating_sub(day_h),
            ),
            view,
        );
    }

    fn render_reminders(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 3 {
            return;
        }
        let inner = draw::panel(buf, area, "Reminders", theme, false);
        let r = &self.reminders;
        let mut lines: Vec<(String, Role)> = Vec::new();
        let per = usize::from(inner.height.saturating_sub(3) / 3).max(1);
        let section = |lines: &mut Vec<(String, Role)>, title: &str, rows: Vec<(String, Role)>| {
            lines.push((format!("{title} ({})", rows.len()), Role::Header));
            if rows.is_empty() {
                lines.push(("  none".into(), Role::Muted));
            }
            let extra = rows.len().saturating_sub(per);
            lines.extend(rows.into_iter().take(per));
            if extra > 0 {
                lines.push((format!("  +{extra} more"), Role::Muted));
            }
        };
        section(
            &mut lines,
            "Birthdays",
            r.birthdays
                .iter()
                .map(|b| {
                    (
                        format!(
                            "{} {} · {}",
                            b.date.format("%m-%d"),
                            text(&b.contact, "name"),
                            b.customer_name
                        ),
                        Role::Accent,
                    )
                })
                .collect(),
        );
        section(
            &mut lines,
            "Overdue",
            r.overdue
                .iter()
                .map(|a| {
                    let due = time(a, "due_at")
                        .map(|d| d.format("%m-%d").to_string())
                        .unwrap_or_default();
                    (
                        format!("{due} {} · {}", text(a, "subject"), self.customer(a)),
                        Role::Danger,
                    )
                })
                .collect(),
        );
        section(
            &mut lines,
            "Not contacted",
            r.quiet
                .iter()
                .map(|q| {
                    let since = match q.last_contact {
                        Some(t) => format!("{}d", (view.now - t).num_days()),
                        None => "never".into(),
                    };
                    (
                        format!(
                            "{} {} · {since}",
                            text(&q.customer, "level"),
                            text(&q.customer, "name")
                        ),
                        Role::Warn,
                    )
                })
                .collect(),
        );
        for (i, (line, role)) in lines.iter().take(usize::from(inner.height)).enumerate() {
            draw::put(
                buf,
                inner.x,
                inner.y + i as u16,
                inner.width,
                line,
                theme.style(*role),
            );
        }
    }

    fn render_week(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let col_w = area.width / 7;
        for d in 0..7u16 {
            let day = self.range.0 + Days::new(u64::from(d));
            let x = area.x + d * col_w;
            let w = if d == 6 { area.right() - x } else { col_w };
            let cursor = day == self.cursor;
            let inner = draw::panel(
                buf,
                Rect::new(x, area.y, w, area.height),
                &day.format("%a %d").to_string(),
                theme,
                cursor,
            );
            if day == view.now.date_naive() {
                draw::put(
                    buf,
                    x + 1,
                    area.y,
                    w.saturating_sub(2),
                    &day.format(" %a %d ").to_string(),
                    theme.style(Role::Today),
                );
            }
            let items = self.day_items(day);
            for (k, a) in items.iter().enumerate() {
                let y = inner.y + (k as u16) * 2;
                if y + 1 >= inner.bottom() {
                    if y < inner.bottom() {
                        draw::put(
                            buf,
                            inner.x,
                            y,
                            inner.width,
                            &format!("+{} more", items.len() - k),
                            theme.style(Role::Muted),
                        );
                    }
                    break;
                }
                let selected = cursor && k == self.item;
                let style = if selected {
                    theme.style(Role::Selection)
                } else {
                    theme.style(Self::item_role(a, view))
                };
                if selected {
                    draw::fill(buf, Rect::new(inner.x, y, inner.width, 2), style);
                }
                let t = activity_time(a)
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default();
                let head = format!(
                    "{t} {}{}",
                    text(a, "kind"),
                    if flag(a, "done") { " ✓" } else { "" }
                );
                draw::put(
                    buf,
                    inner.x,
                    y,
                    inner.width,
                    &head,
                    if selected {
                        style
                    } else {
                        theme.style(Role::Muted)
                    },
                );
                draw::put(buf, inner.x, y + 1, inner.width, text(a, "subject"), style);
            }
        }
    }

    fn render_agenda(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let inner = draw::panel(buf, area, "", theme, true);
        // Day headings and items as rows, scrolled so the chosen item shows.
        let mut rows: Vec<Option<usize>> = Vec::new();
        let mut heads: Vec<NaiveDate> = Vec::new();
        let mut day = None;
        for (i, a) in self.items.iter().enumerate() {
            let d = activity_time(a).map(|t| t.date_naive());
            if d != day {
                day = d;
                rows.push(None);
                heads.push(d.unwrap_or(self.cursor));
            }
            rows.push(Some(i));
        }
        if rows.is_empty() {
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                "Nothing in the next two weeks — n adds an activity",
                theme.style(Role::Muted),
            );
            return;
        }
        let chosen_row = rows.iter().position(|r| *r == Some(self.item)).unwrap_or(0);
        let height = usize::from(inner.height);
        let scroll = (chosen_row + 1).saturating_sub(height);
        let mut head_i = rows.iter().take(scroll).filter(|r| r.is_none()).count();
        for (k, row) in rows.iter().skip(scroll).take(height).enumerate() {
            let y = inner.y + k as u16;
            match row {
                None => {
                    let d = heads.get(head_i).copied().unwrap_or(self.cursor);
                    head_i += 1;
                    let mut label = d.format("%a %Y-%m-%d").to_string();
                    if d == view.now.date_naive() {
                        label.push_str("  today");
                    }
                    draw::put(
                        buf,
                        inner.x,
                        y,
                        inner.width,
                        &label,
                        theme
                            .style(self.day_style(d, view))
                            .patch(theme.style(Role::Header)),
                    );
                }
                Some(i) => {
                    let a = &self.items[*i];
                    let selected = *i == self.item;
                    let style = if selected {
                        theme.style(Role::Selection)
                    } else {
                        theme.style(Self::item_role(a, view))
                    };
                    if selected {
                        draw::fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
                    }
                    let t = activity_time(a)
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default();
                    let line = format!(
                        "  {t}  {:<7} {}{} · {}",
                        text(a, "kind"),
                        if flag(a, "done") { "✓ " } else { "" },
                        text(a, "subject"),
                        self.customer(a)
                    );
                    draw::put(buf, inner.x, y, inner.width, &line, style);
                    let owner = view.people.name(text(a, "owner_id"));
                    if inner.width > 70 && view.me.id.as_deref() != Some(text(a, "owner_id")) {
                        draw::put_right(
                            buf,
                            inner.x,
                            y,
                            inner.width,
                            &owner,
                            if selected {
                                style
                            } else {
                                theme.style(Role::Muted)
                            },
                        );
                    }
                }
            }
        }
    }
}

impl Screen for CalendarPane {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.on_action(action, ctx);
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::Goto, Answer::Text(answer)) => {
                match dates::parse(&answer, ctx.now.naive_utc()) {
                    Ok(w) => {
                        ctx.close();
                        self.goto(w.date, ctx);
                    }
                    Err(e) => ctx.refuse(e.to_string()),
                }
            }
            (Purpose::Reschedule(id), Answer::Text(answer)) => {
                match self.reschedule(&id, &answer, ctx) {
                    Ok(done) => {
                        ctx.close();
                        ctx.flash(done);
                        ctx.out.push(Msg::Changed);
                    }
                    Err(e) => ctx.refuse(e),
                }
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
        Mode::Calendar
    }

    fn crumb(&self) -> String {
        "Calendar".into()
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

    fn click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        self.on_click(x, y, ctx);
    }
}
