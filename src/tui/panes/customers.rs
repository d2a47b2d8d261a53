//! The customer list: a window over any number of customers, searched live (name, code, phone,
//! email, contact names — the data source's search), sorted and filtered by level, owner,
//! lifecycle and region. Enter opens the 360° view; new customers are checked for duplicates
//! first.

use crm_server::dedupe;
use crm_server::schema::{Entity, Kind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use super::{cell_style, word_role};
use crate::tui::action::Action;
use crate::tui::data::{
    CountQuery, CustomerQuery, CustomerSort, DataError, DataSource, Record, text,
};
use crate::tui::dialogs::{Confirm, Dialog, Form, LogCall, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::keymap::Mode;
use crate::tui::list::{ListView, Listed, Window};
use crate::tui::screen::{Answer, Ctx, Place, Pop, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::{People, View};
use crate::tui::work::{self, Loaded, Read};

const HEADER_ROWS: u16 = 2;

#[derive(Debug, Clone, Default)]
pub struct CustomersPane {
    pub query: CustomerQuery,
    /// The list; its filter line is the search.
    pub list: ListView,
    /// Opened for an incoming call: calls are logged as inbound.
    pub inbound: bool,
    /// Why the search does not read as a query (`level:A levl:B`), shown on its line.
    pub problem: Option<crm_server::query::QueryError>,
    /// The window asked of the loading thread after the query changed (its request and how
    /// many rows it asked): until it answers, the rows of the query before stay on screen,
    /// the header marked "…".
    reading: Option<(u64, usize)>,
}

/// A page of customers; from the end, the same query in the opposite order (the data source's
/// sorts break ties by id both ways, so it is the exact reverse).
fn page(
    source: &dyn DataSource,
    q: &CustomerQuery,
    offset: usize,
    limit: usize,
    from_end: bool,
) -> Result<Vec<Record>, crate::tui::data::DataError> {
    if from_end {
        let reversed = CustomerQuery {
            descending: !q.descending,
            ..q.clone()
        };
        source.customers(&reversed, offset, limit)
    } else {
        source.customers(q, offset, limit)
    }
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(HEADER_ROWS)).max(1)
}

/// Columns by available width: (header, width); the name column takes what is left. The widest
/// set whose name column still gets `MIN_NAME` columns wins; the last set is for 80 columns.
fn layout(width: u16) -> Vec<(&'static str, u16)> {
    const MIN_NAME: u16 = 28;
    let wide: &[(&str, u16)] = &[
        ("Code", 7),
        ("Name", 0),
        ("Lv", 2),
        ("Lifecycle", 9),
        ("Category", 8),
        ("Region", 10),
        ("Industry", 12),
        ("Owner", 10),
        ("Phone", 18),
        ("Email", 24),
    ];
    let narrow: &[(&str, u16)] = &[
        ("Code", 7),
        ("Name", 0),
        ("Lv", 2),
        ("Lifecycle", 9),
        ("Region", 8),
        ("Owner", 8),
        ("Phone", 16),
    ];
    let without = |dropped: &[&str]| -> Vec<(&'static str, u16)> {
        wide.iter()
            .filter(|(h, _)| !dropped.contains(h))
            .copied()
            .collect()
    };
    let candidates = [
        wide.to_vec(),
        without(&["Email"]),
        without(&["Email", "Industry"]),
        without(&["Email", "Industry", "Category"]),
    ];
    let total = width.saturating_sub(2);
    let name_width = |cols: &[(&str, u16)]| {
        let fixed: u16 = cols.iter().map(|c| c.1 + 1).sum();
        total.saturating_sub(fixed)
    };
    let cols = candidates
        .into_iter()
        .find(|cols| name_width(cols) >= MIN_NAME)
        .unwrap_or_else(|| narrow.to_vec());
    let widths: Vec<u16> = cols.iter().map(|c| c.1).collect();
    let shared = draw::share(total, &widths, 1, 8);
    cols.iter().zip(shared).map(|((h, _), w)| (*h, w)).collect()
}

fn cell(customer: &Record, header: &str, view: &View) -> (String, Role) {
    let v = |f: &str| text(customer, f).to_string();
    match header {
        "Code" => (v("code"), Role::Muted),
        "Name" => (v("name"), Role::Text),
        "Lv" => {
            let l = v("level");
            let role = if l == "A" { Role::Accent } else { Role::Text };
            (l, role)
        }
        "Lifecycle" => {
            let l = v("lifecycle");
            let role = word_role(&l);
            (l, role)
        }
        "Category" => (v("category"), Role::Muted),
        "Region" => (v("region"), Role::Text),
        "Industry" => (v("industry"), Role::Muted),
        "Owner" => (view.people.name(text(customer, "owner_id")), Role::Text),
        "Phone" => (v("phone"), Role::Text),
        "Email" => (v("email"), Role::Muted),
        _ => (String::new(), Role::Text),
    }
}

impl CustomersPane {
    fn fetch(&mut self, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let q = &self.query;
        let source: &dyn DataSource = &*ctx.source;
        let r = self
            .list
            .ensure(h, &mut |o, l, from_end| page(source, q, o, l, from_end));
        ctx.ok(r);
    }

    /// The query changed: back to the top. The first rows are read off the UI thread (a
    /// search's window of the index costs more than a frame at a million customers); the
    /// rows shown stay until they come.
    fn requery(&mut self, ctx: &mut Ctx) {
        let limit = Window::first_rows(list_height(ctx.area));
        let request = work::request();
        self.reading = Some((request, limit));
        ctx.load(
            request,
            Read::Customers {
                query: self.query.clone(),
                limit,
            },
        );
        self.recount(ctx);
    }

    /// Whether the rows shown are those of the query before (its window is being read).
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// Asks for the list's exact length, answered off the UI thread.
    fn recount(&mut self, ctx: &mut Ctx) {
        let request = self.list.recount();
        ctx.count(request, CountQuery::Customers(self.query.clone()));
    }

    pub fn set_search(&mut self, s: &str, ctx: &mut Ctx) {
        self.list.filter = None;
        self.query.search = s.to_string();
        self.requery(ctx);
    }

    pub fn set_sort(&mut self, sort: CustomerSort, ctx: &mut Ctx) {
        if !ctx.source.customer_sorts().contains(&sort) {
            ctx.error(format!("this data cannot be sorted by {}", sort.name()));
            return;
        }
        self.query.sort = sort;
        self.requery(ctx);
        ctx.flash(format!("Sorted by {}", sort.name()));
    }

    pub fn set_filters(
        &mut self,
        level: Option<String>,
        owner: Option<String>,
        lifecycle: Option<String>,
        region: Option<String>,
        ctx: &mut Ctx,
    ) {
        self.query.level = level.map(|l| l.to_uppercase());
        self.query.owner_id = owner;
        self.query.lifecycle = lifecycle.map(|l| l.to_lowercase());
        self.query.region = region;
        self.requery(ctx);
    }

    /// An incoming call: its customer, or a new-customer form with the number.
    pub fn pop(&mut self, phone: &str, ctx: &mut Ctx) {
        self.inbound = true;
        match ctx.source.customer_by_phone(phone) {
            Ok(Some(c)) => {
                let pop = Pop {
                    phone: phone.to_string(),
                    at: ctx.now,
                };
                ctx.go(Place::Call {
                    id: text(&c, "id").to_string(),
                    pop,
                });
                ctx.flash(format!("Incoming call from {phone}"));
            }
            Ok(None) => {
                let prefill = obj(json!({"phone": phone}));
                let form = ctx.form(
                    "New customer (caller not found)",
                    Entity::Customers,
                    Purpose::Create(Entity::Customers),
                    Some(&prefill),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
                ctx.flash(format!("No customer with phone {phone}: new customer"));
            }
            Err(e) => ctx.error(e),
        }
    }

    fn selected(&self) -> Option<(String, String)> {
        self.list
            .selected_row()
            .map(|c| (text(c, "id").to_string(), text(c, "name").to_string()))
    }

    fn open_selected(&mut self, ctx: &mut Ctx) {
        if let Some((id, _)) = self.selected() {
            ctx.go(Place::Customer {
                id,
                inbound: self.inbound,
            });
        }
    }

    fn handle_list(&mut self, action: Action, ctx: &mut Ctx) {
        let h = list_height(ctx.area);
        let q = &self.query;
        let source: &dyn DataSource = &*ctx.source;
        let mut fetch = |o: usize, l: usize, from_end: bool| page(source, q, o, l, from_end);
        let action = match self.list.handle(action, h, &mut fetch) {
            Listed::Done(r) => return ctx.ok(r),
            Listed::Filter(search) => {
                self.problem = ctx.source.query_problem(Entity::Customers, &search);
                self.query.search = search;
                return self.requery(ctx);
            }
            Listed::Open => return self.open_selected(ctx),
            Listed::Pass(action) => action,
        };
        match action {
            Action::Back if !self.query.search.is_empty() => {
                self.query.search.clear();
                self.requery(ctx);
            }
            Action::Search => self.list.start_filter(&self.query.search),
            Action::NamedFilters => crate::tui::named_filters::open(Entity::Customers, ctx),
            Action::SaveQuery => {
                crate::tui::named_filters::save_current(Entity::Customers, &self.query.search, ctx);
            }
            Action::FilterBy(q) => {
                self.problem = ctx.source.query_problem(Entity::Customers, &q);
                if let Some(e) = &self.problem {
                    ctx.error(e.to_string());
                }
                self.set_search(&q, ctx);
            }
            Action::New => {
                let form = ctx.form(
                    "New customer",
                    Entity::Customers,
                    Purpose::Create(Entity::Customers),
                    None,
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::Edit => {
                if let Some(c) = self.list.selected_row().cloned() {
                    let form = ctx.form(
                        &format!("Edit {}", text(&c, "code")),
                        Entity::Customers,
                        Purpose::Edit(Entity::Customers, text(&c, "id").to_string()),
                        Some(&c),
                        Record::new(),
                    );
                    ctx.open(Dialog::Form(form));
                }
            }
            Action::Bulk => crate::tui::bulk::open(self.list.chosen_ids(), ctx),
            Action::Delete if !self.list.marks.is_empty() => {
                let ids = self.list.chosen_ids();
                ctx.confirm_delete_many(Entity::Customers, ids);
            }
            Action::Delete => {
                if let Some((id, name)) = self.selected() {
                    ctx.confirm_delete(Entity::Customers, &id, &name);
                }
            }
            Action::CopyId => {
                if let Some((id, _)) = self.selected() {
                    ctx.copy_id(&id);
                }
            }
            Action::LogCall => {
                if let Some((id, name)) = self.selected() {
                    let d = LogCall::new(&id, &name, self.inbound)
                        .in_lang(ctx.me.lang)
                        .with_codes(flows::wrap_up_codes(ctx))
                        .timed(ctx.call);
                    ctx.open(Dialog::LogCall(d));
                }
            }
            Action::Sort => {
                let sorts = ctx.source.customer_sorts();
                let i = sorts
                    .iter()
                    .position(|s| *s == self.query.sort)
                    .map_or(0, |i| i + 1);
                let next = sorts
                    .get(i % sorts.len().max(1))
                    .copied()
                    .unwrap_or_default();
                self.set_sort(next, ctx);
            }
            Action::Reverse => {
                self.query.descending = !self.query.descending;
                self.requery(ctx);
            }
            Action::Filter => {
                let q = &self.query;
                let current = obj(
                    json!({"level": q.level, "owner_id": q.owner_id, "lifecycle": q.lifecycle, "region": q.region}),
                );
                let people = ctx.people;
                let mut form = Form::with_fields(
                    "Filter customers",
                    Entity::Customers,
                    Purpose::CustomerFilter,
                    // Anyone may filter by owner, even who may not assign one.
                    crm_server::access::Role::Admin,
                    Some(&current),
                    Record::new(),
                    &["level", "owner_id", "lifecycle", "region"],
                    &mut |_, id| people.name(id),
                );
                form.focus = 0;
                ctx.open(Dialog::Form(form));
            }
            Action::ClearFilter => self.set_filters(None, None, None, None, ctx),
            _ => {}
        }
    }

    /// The filter form's values become the query.
    fn apply_filter_form(&mut self, ctx: &mut Ctx) {
        let Some(Dialog::Form(form)) = ctx.dialogs.last() else {
            return;
        };
        let pick = |name: &str| {
            form.field(name)
                .map(|f| {
                    if f.kind == Kind::Ref(Entity::Users) {
                        f.ref_id.clone().unwrap_or_default()
                    } else {
                        f.input.value().trim().to_string()
                    }
                })
                .filter(|v| !v.is_empty())
        };
        let (level, owner, lifecycle, region) = (
            pick("level"),
            pick("owner_id"),
            pick("lifecycle"),
            pick("region"),
        );
        ctx.close();
        self.set_filters(level, owner, lifecycle, region, ctx);
    }

    /// A new customer: a possible duplicate asks first (unless already allowed); once created,
    /// its 360° view opens.
    fn create(&mut self, ctx: &mut Ctx) {
        let (role, now) = (ctx.me.role, ctx.now);
        let catalog = ctx.source.catalog();
        let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() else {
            return;
        };
        if !form.allow_duplicate {
            let Some(body) = form.collect(now, role, &catalog) else {
                return;
            };
            match ctx.source.find_duplicates(&body) {
                Ok(found) if !found.is_empty() => {
                    let lines = duplicate_lines(&body, &found[0], ctx.people);
                    ctx.open(Dialog::Confirm(Confirm::new(
                        "Possible duplicate",
                        lines,
                        Purpose::CreateAnyway,
                    )));
                    return;
                }
                Ok(_) => {}
                Err(e) => return ctx.error(e),
            }
        }
        let inbound = self.inbound;
        flows::save_form(
            ctx,
            Some(&|id: &str| Place::Customer {
                id: id.to_string(),
                inbound,
            }),
        );
    }
}

impl Screen for CustomersPane {
    fn reload(&mut self, ctx: &mut Ctx) {
        if self.reading.is_some() {
            // The window asked may have been read before the change: asked again.
            return self.requery(ctx);
        }
        self.list.invalidate();
        self.fetch(ctx);
        self.recount(ctx);
    }

    fn counted(&mut self, request: u64, count: usize) {
        self.list.counted(request, count);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        let Some((asked, limit)) = self.reading else {
            return;
        };
        if asked != request {
            return;
        }
        self.reading = None;
        match data {
            Ok(Loaded::Customers(rows)) => {
                self.list.window.fill_from_top(rows.clone(), limit);
                // A window taller than the one asked (a resize meanwhile) reads the rest.
                self.fetch(ctx);
            }
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.handle_list(action, ctx);
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::Create(Entity::Customers), Answer::Save) => self.create(ctx),
            (Purpose::CreateAnyway, Answer::Yes) => {
                if let Some(Dialog::Form(form)) = ctx.dialogs.last_mut() {
                    form.allow_duplicate = true;
                }
                self.create(ctx);
            }
            (Purpose::CustomerFilter, Answer::Save) => self.apply_filter_form(ctx),
            (Purpose::NamedFilter, Answer::Picked(choice)) => {
                self.handle(Action::FilterBy(choice.value), ctx);
            }
            (Purpose::DeleteMany { entity, ids }, Answer::Yes) => {
                self.list.marks.clear();
                flows::delete_many(entity, &ids, ctx);
            }
            (purpose @ (Purpose::BulkKind(_) | Purpose::BulkValue { .. }), answer) => {
                if crate::tui::bulk::answer(&purpose, &answer, ctx) {
                    self.list.marks.clear();
                }
            }
            (
                _,
                Answer::LogCall {
                    outcome,
                    direction,
                    note,
                },
            ) => flows::log_call(&outcome, direction, note, ctx),
            (purpose, answer) => {
                flows::answer(purpose, answer, ctx);
            }
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        self.draw(buf, area, view);
    }

    fn mode(&self) -> Mode {
        Mode::Customers
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Customers)
    }

    fn crumb(&self) -> String {
        "Customers".into()
    }

    fn click(&mut self, _x: u16, y: u16, ctx: &mut Ctx) {
        let area = ctx.area;
        let top = area.y + HEADER_ROWS;
        if y < top || y >= area.bottom() {
            return;
        }
        let row = usize::from(y - top);
        let was = self.list.selected;
        if self.list.click(row, list_height(area)) && was == self.list.selected {
            // A second click on the chosen row opens it.
            self.open_selected(ctx);
        }
    }

    /// Pasting a phone number or name into the list searches for it.
    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.query.search = self.list.paste(text, &self.query.search);
        self.requery(ctx);
    }

    fn typing(&self) -> bool {
        self.list.typing()
    }

    /// The search line's caret while typing.
    fn cursor(&self, area: Rect) -> Option<Position> {
        let input = self.list.filter.as_ref()?;
        let (_, col) = input.view(usize::from(area.width.saturating_sub(4)));
        Some(Position::new(area.x + 3 + col as u16, area.y))
    }
}

/// "same phone as C000123 华为技术 owned by 李娜 — create anyway? y/n"
fn duplicate_lines(new: &Record, existing: &Record, people: &People) -> Vec<String> {
    let matched = dedupe::same_customer(new, existing).map_or_else(Vec::new, |m| m.on);
    let what = if matched.is_empty() {
        "details".to_string()
    } else {
        matched.join(" and ")
    };
    vec![
        format!(
            "Same {what} as {} {} owned by {}.",
            text(existing, "code"),
            text(existing, "name"),
            people.name(text(existing, "owner_id"))
        ),
        "Create anyway? y/n (n goes back to the form)".into(),
    ]
}

impl CustomersPane {
    fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height < 3 {
            return;
        }
        // The search line, or what the list shows.
        let position = if self.reading.is_some() {
            format!("… {}", self.list.status())
        } else {
            self.list.status()
        };
        let pos_w = crate::text::width(&position) as u16 + 1;
        let left_w = area.width.saturating_sub(pos_w + 1);
        match &self.list.filter {
            Some(input) => {
                draw::put(buf, area.x + 1, area.y, 2, "/", theme.style(Role::Key));
                let (shown, _) = input.view(usize::from(left_w.saturating_sub(4)));
                draw::put_fit(
                    buf,
                    area.x + 3,
                    area.y,
                    left_w.saturating_sub(3),
                    &shown,
                    theme.style(Role::Input),
                );
            }
            None => {
                let mut parts = Vec::new();
                if !self.query.search.is_empty() {
                    parts.push(format!("search “{}”", self.query.search));
                    parts.push(
                        if self.query.descending {
                            "best matches last"
                        } else {
                            "best matches first"
                        }
                        .into(),
                    );
                } else {
                    parts.push(format!(
                        "sort {} {}",
                        self.query.sort.name(),
                        if self.query.descending { "↓" } else { "↑" }
                    ));
                }
                if let Some(l) = &self.query.level {
                    parts.push(format!("level {l}"));
                }
                if let Some(o) = &self.query.owner_id {
                    parts.push(format!("owner {}", view.people.name(o)));
                }
                if let Some(l) = &self.query.lifecycle {
                    parts.push(l.clone());
                }
                if let Some(r) = &self.query.region {
                    parts.push(format!("region {r}"));
                }
                draw::put(
                    buf,
                    area.x + 1,
                    area.y,
                    left_w,
                    &parts.join(" · "),
                    theme.style(Role::Muted),
                );
            }
        }
        match &self.problem {
            // The query's error in place of the position: what is wrong and where.
            Some(e) => draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &format!("⚠ {e}"),
                theme.style(Role::Danger),
            ),
            None => draw::put_right(
                buf,
                area.x,
                area.y,
                area.width.saturating_sub(1),
                &position,
                theme.style(Role::Muted),
            ),
        }

        let cols = layout(area.width);
        let header: Vec<(u16, &str, ratatui::style::Style)> = cols
            .iter()
            .map(|(h, w)| (*w, *h, theme.style(Role::Header)))
            .collect();
        draw::columns(buf, area.x + 1, area.y + 1, &header);

        let h = list_height(area);
        if self.list.is_empty() {
            let msg = if self.query.search.is_empty() && !self.query.has_filters() {
                "No customers yet. n adds one; they also arrive with the first sync."
            } else {
                "Nothing matches. Esc clears the search, F the filters."
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
        for (line, customer, selected) in self.list.visible(h) {
            let y = area.y + HEADER_ROWS + line as u16;
            if selected {
                draw::fill(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    theme.style(Role::Selection),
                );
            }
            let cells: Vec<(String, Role)> =
                cols.iter().map(|(h, _)| cell(customer, h, view)).collect();
            let row: Vec<(u16, &str, ratatui::style::Style)> = cols
                .iter()
                .zip(&cells)
                .map(|((_, w), (s, role))| (*w, s.as_str(), cell_style(theme, *role, selected)))
                .collect();
            draw::columns(buf, area.x + 1, y, &row);
            if self.list.is_marked(customer) {
                draw::row_mark(buf, area.x, y, cell_style(theme, Role::Accent, selected));
            } else if view.refused.contains_key(crate::tui::data::id(customer)) {
                draw::refused_mark(buf, area.x, y, cell_style(theme, Role::Danger, selected));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::layout;

    fn name_width(width: u16) -> u16 {
        layout(width)
            .iter()
            .find(|(h, _)| *h == "Name")
            .map(|c| c.1)
            .unwrap_or(0)
    }

    #[test]
    fn the_name_column_is_never_starved_for_other_columns() {
        for width in [80, 100, 120, 130, 160, 200] {
            let cols = layout(width);
            let used: u16 = cols.iter().map(|c| c.1 + 1).sum();
            assert!(used < width, "{width}: {cols:?}");
            if cols.len() > 7 {
                assert!(name_width(width) >= 28, "{width}: {cols:?}");
            }
        }
        assert_eq!(layout(80).len(), 7, "80 columns get the narrow set");
        assert!(layout(200).iter().any(|(h, _)| *h == "Email"));
        assert!(!layout(120).iter().any(|(h, _)| *h == "Email"));
    }
}
