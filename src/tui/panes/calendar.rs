//! The calendar: month grid, week and agenda views of activities, with reminders (birthdays in
//! view, overdue follow-ups, customers not contacted for N days by level). Days and times are
//! the user's (`ctx.zone`): a day runs from its local midnight to the next.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveTime, Timelike};
use crm_server::schema::Entity;
use crm_server::validate::format_time;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use crate::tui::action::{Action, CalView};
use crate::tui::data::{
    DataError, DataSource, Record, ReminderQuery, Reminders, WriteError, activity_time, flag, id,
    text, time,
};
use crate::tui::dates;
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Msg, Place, Screen, obj, record_label};
use crate::tui::view::View;
use crate::tui::work::{Loaded, Pending, Read, Write};
use crate::zone::Zone;

mod render;

/// What the calendar asks the reader thread for: a range's activities and the reminders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarAsk {
    /// Days [from, to).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Whose calendar: the signed-in user's (None before the first sync knows them).
    pub owner: Option<String>,
    /// The user's zone, whose days the range is.
    pub zone: Zone,
}

/// What the reader found for a [`CalendarAsk`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarData {
    pub range: (NaiveDate, NaiveDate),
    pub activities: Vec<Record>,
    /// Shared: a million customers' user has tens of thousands not contacted, too many to
    /// copy in a frame.
    pub reminders: Arc<Reminders>,
    /// Customers' names by id, for the activities read.
    pub names: HashMap<String, String>,
}

/// Reads a range and the reminders (on the reader thread).
pub fn read(source: &dyn DataSource, ask: &CalendarAsk) -> Result<CalendarData, DataError> {
    let activities = source.activities_between(
        ask.zone.day_start(ask.from),
        ask.zone.day_start(ask.to),
        ask.owner.as_deref(),
    )?;
    let q = ReminderQuery {
        from: ask.from,
        to: ask.to - Days::new(1),
        now: ask.now,
        owner: ask.owner.clone(),
        stock: false,
        team_breaches: false,
    };
    let reminders = Arc::new(source.reminders(&q)?);
    let mut names = HashMap::new();
    for a in activities.iter().chain(reminders.overdue.iter()) {
        let cid = text(a, "customer_id");
        if !cid.is_empty() && !names.contains_key(cid) {
            names.insert(
                cid.to_string(),
                record_label(source, Entity::Customers, cid),
            );
        }
    }
    Ok(CalendarData {
        range: (ask.from, ask.to),
        activities,
        reminders,
        names,
    })
}

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
    pub reminders: Arc<Reminders>,
    names: HashMap<String, String>,
    /// The zone the range was loaded in, whose days the items fall on.
    zone: Zone,
    /// The load and the writes it waits for.
    pub pending: Pending,
    /// Activities changed on screen whose writes are not answered yet: as they were, and what
    /// to say when the write is done.
    undo: HashMap<u64, (Record, String)>,
    /// Whose schedule is shown when not the user's own: a team member's, picked by a manager
    /// (`o`; 004's graphical schedule), with their name.
    pub member: Option<(String, String)>,
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

impl CalendarPane {
    pub fn new(today: NaiveDate) -> CalendarPane {
        CalendarPane {
            view: CalView::Month,
            cursor: today,
            range: range_of(CalView::Month, today),
            items: Vec::new(),
            loaded: Vec::new(),
            line: FilterLine::default(),
            item: 0,
            reminders: Arc::default(),
            names: HashMap::new(),
            zone: Zone::UTC,
            pending: Pending::default(),
            undo: HashMap::new(),
            member: None,
        }
    }

    /// Asks the reader thread for the range and the reminders; until it answers, the screen
    /// shows what it had.
    fn load(&mut self, ctx: &mut Ctx) {
        self.zone = ctx.zone;
        self.range = range_of(self.view, self.cursor);
        let (from, to) = self.range;
        let ask = CalendarAsk {
            from,
            to,
            now: ctx.now,
            // The member a manager picked, else the signed-in user's calendar; before the
            // first sync knows them, everything.
            owner: self
                .member
                .as_ref()
                .map(|(id, _)| id.clone())
                .or_else(|| ctx.me.id.clone()),
            zone: ctx.zone,
        };
        let request = self.pending.ask_load();
        ctx.load(request, Read::Calendar(ask));
    }

    /// The reader's answer, when it is the one waited for.
    fn take(&mut self, data: &CalendarData) {
        if data.range != self.range {
            return;
        }
        self.loaded = data.activities.clone();
        self.reminders = data.reminders.clone();
        self.names
            .extend(data.names.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.refilter();
    }

    /// Shows `activity` as it will be once written, and hands the write to the writer
    /// thread; `written` reports it, or shows it as it was when it is refused.
    fn write_change(&mut self, before: &Record, patch: Record, done: String, ctx: &mut Ctx) {
        let mut after = before.clone();
        after.extend(patch.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.replace(after);
        let request = self.pending.ask_write();
        self.undo.insert(request, (before.clone(), done));
        ctx.write_later(
            request,
            Write::Update {
                entity: Entity::Activities,
                id: id(before).to_string(),
                patch,
            },
        );
    }

    /// Puts `activity` in place of the loaded one with its id, and of the shown one: done
    /// and a new time change nothing the filter reads, so the range is not filtered again
    /// (a month of activities cloned per key cost more than a frame).
    fn replace(&mut self, activity: Record) {
        for list in [&mut self.items, &mut self.loaded] {
            if let Some(slot) = list.iter_mut().find(|a| id(a) == id(&activity)) {
                *slot = activity.clone();
            }
        }
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

    /// The items on a local day.
    pub fn day_items(&self, day: NaiveDate) -> Vec<&Record> {
        self.items
            .iter()
            .filter(|a| activity_time(a).is_some_and(|t| self.zone.date(t) == day))
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
            Action::Top => self.item = 0,
            Action::Bottom => self.item = count.saturating_sub(1),
            Action::ItemNext => self.item = Move::By(1).apply(self.item, count),
            Action::ItemPrev => self.item = Move::By(-1).apply(self.item, count),
            Action::Today => self.set_cursor(ctx.today(), ctx),
            Action::View(v) => {
                self.view = v;
                self.item = 0;
                self.load(ctx);
            }
            Action::FilterOwner => {
                use crm_server::access::Role;
                if !matches!(ctx.me.role, Role::Manager | Role::Admin) {
                    return ctx.flash("A team member's schedule is their manager's to see");
                }
                let mut choices = vec![Choice::new("", "mine", "my own schedule")];
                choices.extend(
                    ctx.user_choices()
                        .into_iter()
                        .filter(|c| ctx.me.id.as_deref() != Some(c.value.as_str())),
                );
                let mut picker = Picker::new("Whose schedule", Purpose::CalendarOwner, choices);
                let current = self.member.as_ref().map_or("", |(id, _)| id.as_str());
                picker.select_value(current);
                ctx.open(Dialog::Picker(picker));
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
                        activity_time(a).map_or(self.cursor, |t| ctx.zone.date(t))
                    }
                    _ => self.cursor,
                };
                // Today: the next whole local hour; another day: 09:00 local (or the first
                // time after a gap that swallowed it).
                let local = if day == ctx.today() {
                    let next = ctx.local_now() + Duration::hours(1);
                    next.date()
                        .and_hms_opt(next.hour(), 0, 0)
                        .unwrap_or_default()
                } else {
                    day.and_hms_opt(9, 0, 0).unwrap_or_default()
                };
                let start = ctx
                    .zone
                    .to_utc(local)
                    .unwrap_or_else(|_| ctx.zone.day_start(day) + Duration::hours(9));
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
                if let Some(a) = self.selected().cloned() {
                    let done = !flag(&a, "done");
                    let said = if done {
                        "Marked done"
                    } else {
                        "Marked not done"
                    };
                    self.write_change(&a, obj(json!({ "done": done })), said.into(), ctx);
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

    /// Moves an activity to the day typed, keeping its time (or to the time typed too): the
    /// activity as it was, the change and what to say once it is written.
    fn reschedule(
        &mut self,
        id: &str,
        answer: &str,
        ctx: &mut Ctx,
    ) -> Result<(Record, Record, String), String> {
        let activity = ctx
            .source
            .get(Entity::Activities, id)
            .map_err(|e| e.to_string())?
            .ok_or("that activity is gone")?;
        let when = dates::parse(answer, ctx.local_now()).map_err(|e| e.to_string())?;
        let field = if activity.get("starts_at").is_some_and(|v| !v.is_null()) {
            "starts_at"
        } else {
            "due_at"
        };
        let old = time(&activity, field);
        // The local time of day is kept: a 10:00 visit moved across a DST change stays 10:00.
        let keep = old.map_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(), |t| {
            ctx.zone.naive(t).time()
        });
        let new = ctx.zone.to_utc(when.at(keep)).map_err(|e| e.to_string())?;
        let mut patch = obj(json!({field: format_time(new)}));
        if let (Some(old), Some(end)) = (old, time(&activity, "ends_at")) {
            patch.insert("ends_at".into(), json!(format_time(end + (new - old))));
        }
        let done = format!("Moved to {}", ctx.zone.datetime(new));
        Ok((activity, patch, done))
    }
}

impl Screen for CalendarPane {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.on_action(action, ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if !matches!(data, Ok(Loaded::Calendar(_)) | Err(_)) || !self.pending.take_load(request) {
            return;
        }
        match data {
            Ok(Loaded::Calendar(d)) => self.take(d),
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn written(&mut self, request: u64, result: &Result<Record, WriteError>, ctx: &mut Ctx) {
        if !self.pending.take_write(request) {
            return;
        }
        let Some((before, done)) = self.undo.remove(&request) else {
            return;
        };
        match result {
            Ok(_) => {
                ctx.flash(done);
                ctx.out.push(Msg::Changed);
            }
            Err(e) => {
                self.replace(before);
                ctx.error(format!("Not changed: {e}"));
            }
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::CalendarOwner, Answer::Picked(choice)) => {
                self.member = (!choice.value.is_empty()).then_some((choice.value, choice.label));
                self.item = 0;
                self.load(ctx);
            }
            (Purpose::Goto, Answer::Text(answer)) => match dates::parse(&answer, ctx.local_now()) {
                Ok(w) => {
                    ctx.close();
                    self.goto(w.date, ctx);
                }
                Err(e) => ctx.refuse(e.to_string()),
            },
            (Purpose::Reschedule(id), Answer::Text(answer)) => {
                match self.reschedule(&id, &answer, ctx) {
                    Ok((before, patch, done)) => {
                        ctx.close();
                        self.write_change(&before, patch, done, ctx);
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

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Activities)
    }

    fn crumb(&self) -> String {
        match &self.member {
            Some((_, name)) => format!("Calendar · {}", crate::text::sanitize(name)),
            None => "Calendar".into(),
        }
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
