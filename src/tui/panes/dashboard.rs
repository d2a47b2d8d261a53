//! The Dashboard (`0`, `:dash [PERIOD]`): the signed-in user's figures for a period — a
//! salesperson's own, a manager's team by member, an admin's everyone by team — in four panels:
//! sales, customers, service, activity. The figures are `crate::dashboard::figures`', read off
//! the UI thread (`work::Read::Dashboard`); until the answer comes the previous figures show,
//! marked "…". `[`/`]` step the period, `p` changes its length (month, quarter, year), `h`/`l`
//! move between panels, `j`/`k` between the figures that have a list behind them, and Enter
//! opens that list (the generic list with the figure's query).

use chrono::{DateTime, Utc};
use crm_server::access::Role as UserRole;
use crm_server::schema::{Entity, PRIORITIES};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Bar, BarChart, BarGroup, Sparkline, Widget};

use crate::dashboard::figures::{AGE_BUCKETS, Figures, Grouping, Limits, Scope};
use crate::dashboard::period::{Period, Span};
use crate::text::sanitize;
use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource};
use crate::tui::dialogs::Purpose;
use crate::tui::draw;
use crate::tui::format::{money, money_short};
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Place, Screen};
use crate::tui::theme::{Role, Theme};
use crate::tui::view::View;
use crate::tui::work::{Loaded, Read};
use crate::zone::Zone;

/// What the dashboard asks the reader thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardAsk {
    pub scope: Scope,
    pub period: Period,
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub limits: Limits,
}

pub fn read(source: &dyn DataSource, ask: &DashboardAsk) -> Result<Figures, DataError> {
    source.dashboard(ask)
}

/// The four panels, in order.
pub const PANELS: [&str; 4] = ["Sales", "Customers", "Service", "Activity"];

/// One line of a panel: its text, how it reads, and the list behind it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub role: Role,
    pub link: Option<(Entity, String)>,
}

fn line(text: String) -> Line {
    Line {
        text,
        role: Role::Text,
        link: None,
    }
}

fn linked(text: String, entity: Entity, query: String) -> Line {
    Line {
        text,
        role: Role::Text,
        link: Some((entity, query)),
    }
}

fn muted(text: String) -> Line {
    Line {
        text,
        role: Role::Muted,
        link: None,
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or("–".into(), |p| format!("{p:.0}%"))
}

/// The query words that keep a list to the signed-in salesperson's own records.
fn mine(grouping: Grouping, role: UserRole) -> &'static str {
    match (grouping, role) {
        (Grouping::Person, UserRole::Sales) => " owner:me",
        _ => "",
    }
}

/// The customers panel's value lines: the pyramid by suggested level (each level's list, by
/// score) and the analysis' warnings standing (each warning's list).
fn value_lines(f: &Figures, own: &str, out: &mut Vec<Line>) {
    let total: i64 = f.value_levels.iter().map(|l| l.customers).sum();
    if total == 0 {
        return;
    }
    out.push(line(
        "Value pyramid (suggested level · customers · share · scores)".into(),
    ));
    for l in &f.value_levels {
        let share = l.customers as f64 * 100.0 / total as f64;
        let name = if l.level.is_empty() { "–" } else { &l.level };
        let text = format!(
            "  {name:<3} {:>8} · {share:>3.0}% · {}–{}",
            l.customers, l.min_score, l.max_score
        );
        if l.level.is_empty() {
            out.push(muted(text));
        } else {
            out.push(linked(
                text,
                Entity::Customers,
                format!("value_level:{}{own}", l.level),
            ));
        }
    }
    let w = f.warnings;
    for (n, label, code) in [
        (w.no_business, "Warned: no business", "no_business"),
        (w.falling, "Warned: big customer, orders falling", "falling"),
        (w.no_contact, "Warned: no contact", "no_contact"),
    ] {
        out.push(linked(
            format!("{label} {n}"),
            Entity::Customers,
            format!("warnings:{code}{own}"),
        ));
    }
}

/// Pure: a panel's lines from the figures, each figure with the query of its list.
pub fn lines(
    f: &Figures,
    panel: usize,
    role: UserRole,
    limits: Limits,
    now_day: chrono::NaiveDate,
) -> Vec<Line> {
    let from = f.period.from.format("%Y-%m-%d").to_string();
    let to = f.period.to.format("%Y-%m-%d").to_string();
    let own = mine(f.grouping, role);
    let mut out = Vec::new();
    match panel {
        0 => {
            let t = f.sales_total();
            let won_query = match &f.won_stage {
                Some(stage) => {
                    format!("stage:\"{stage}\" expected_close>={from} expected_close<{to}{own}")
                }
                None => format!("expected_close>={from} expected_close<{to}{own}"),
            };
            out.push(linked(
                format!(
                    "Won {} of target {} · {}",
                    money(t.won),
                    money(t.target),
                    percent(t.attainment())
                ),
                Entity::Opportunities,
                won_query,
            ));
            out.push(linked(
                format!("Targets of the period's months: {}", money(t.target)),
                Entity::Targets,
                format!(
                    "month>={} month<{to}",
                    f.period.first_month().format("%Y-%m-%d")
                ),
            ));
            out.push(line(format!(
                "Coverage {} · win rate {} · average deal {} · {} days to close",
                t.coverage().map_or("–".into(), |c| format!("{c:.1}×")),
                percent(t.win_rate()),
                t.average_deal().map_or("–".into(), money),
                t.average_days().map_or("–".into(), |d| format!("{d:.0}")),
            )));
            let steps: Vec<String> = f
                .conversion
                .iter()
                .map(|s| match s.rate {
                    Some(r) => format!("{} {} ({r:.0}%)", s.stage, s.reached),
                    None => format!("{} {}", s.stage, s.reached),
                })
                .collect();
            out.push(line(format!("Conversion {}", steps.join(" → "))));
            let cut = (now_day - chrono::Duration::days(limits.stage_days)).format("%Y-%m-%d");
            let aged: i64 = f.ageing.iter().map(|(_, n)| n).sum();
            let per: Vec<String> = f
                .ageing
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{s} {n}"))
                .collect();
            out.push(linked(
                format!(
                    "Unchanged over {} days: {aged} {}",
                    limits.stage_days,
                    per.join(" · ")
                ),
                Entity::Opportunities,
                format!("updated<{cut}{own}"),
            ));
            let month = |i: u32| {
                f.forecast_from
                    .checked_add_months(chrono::Months::new(i))
                    .map_or(String::new(), |d| d.format("%b").to_string())
            };
            for r in &f.forecast {
                out.push(muted(format!(
                    "Forecast {}: {} {} · {} {} · {} {} · quarter {}",
                    r.label,
                    month(0),
                    money_short(r.months[0]),
                    month(1),
                    money_short(r.months[1]),
                    month(2),
                    money_short(r.months[2]),
                    money_short(r.quarter())
                )));
            }
        }
        1 => {
            let total: i64 = f.customers.iter().map(|c| c.total).sum();
            let new: i64 = f.customers.iter().map(|c| c.new).sum();
            let idle: i64 = f.customers.iter().map(|c| c.no_business).sum();
            let quiet: i64 = f.customers.iter().map(|c| c.not_contacted).sum();
            out.push(linked(
                format!("New customers {new} (of {total})"),
                Entity::Customers,
                format!("created>={from} created<{to}{own}"),
            ));
            out.push(line(format!(
                "No business for {} days {idle} · not contacted for {} days {quiet}",
                limits.no_business_days, limits.quiet_days
            )));
            let revenue = f.revenue();
            out.push(linked(
                format!("Revenue {} from orders", money(revenue)),
                Entity::Orders,
                format!("ordered_on>={from} ordered_on<{to}{own}"),
            ));
            for c in &f.customers {
                out.push(muted(format!(
                    "{}: {} customers · {} new · {} idle · {} quiet",
                    c.label, c.total, c.new, c.no_business, c.not_contacted
                )));
            }
            value_lines(f, own, &mut out);
        }
        2 => {
            let s = &f.service;
            let open: i64 = s.open.iter().flatten().sum();
            out.push(linked(
                format!("Open tickets {open}"),
                Entity::Tickets,
                "status:new,open,pending".into(),
            ));
            for (p, row) in PRIORITIES.iter().zip(&s.open).rev() {
                let cells: Vec<String> = AGE_BUCKETS
                    .iter()
                    .zip(row)
                    .map(|(b, n)| format!("{b} {n}"))
                    .collect();
                out.push(linked(
                    format!("  {p:<7} {}", cells.join(" · ")),
                    Entity::Tickets,
                    format!("status:new,open,pending priority:{p}"),
                ));
            }
            out.push(linked(
                format!(
                    "Resolved {} · SLA met {} · first response met {}",
                    s.resolved,
                    percent(s.sla_compliance()),
                    percent(s.response_compliance())
                ),
                Entity::Tickets,
                format!("resolved>={from} resolved<{to}"),
            ));
            out.push(line(format!(
                "First response {} · resolution {} · satisfaction {} ({} rated)",
                s.response_minutes
                    .map_or("–".into(), |m| format!("{m:.0} min")),
                s.resolution_hours
                    .map_or("–".into(), |h| format!("{h:.1} h")),
                s.satisfaction.map_or("–".into(), |x| format!("{x:.1}")),
                s.rated
            )));
            let calls: Vec<String> = s.calls.iter().map(|(c, n)| format!("{c} {n}")).collect();
            out.push(linked(
                format!("Calls {}", calls.join(" · ")),
                Entity::Activities,
                format!("kind:call starts>={from} starts<{to}{own}"),
            ));
        }
        _ => {
            let weeks = f.period.weeks() as f64;
            let sum = |k: fn(&crate::dashboard::figures::ActivityRow) -> i64| -> i64 {
                f.activity.iter().map(k).sum()
            };
            out.push(linked(
                format!(
                    "Visits {} · calls {} · meetings {} · {:.1} a week",
                    sum(|a| a.visits),
                    sum(|a| a.calls),
                    sum(|a| a.meetings),
                    (sum(|a| a.visits) + sum(|a| a.calls) + sum(|a| a.meetings)) as f64 / weeks
                ),
                Entity::Activities,
                format!("kind:visit,call,meeting starts>={from} starts<{to}{own}"),
            ));
            for a in &f.activity {
                out.push(muted(format!(
                    "{}: {:.1} visits · {:.1} calls · {:.1} meetings a week",
                    a.label,
                    a.visits as f64 / weeks,
                    a.calls as f64 / weeks,
                    a.meetings as f64 / weeks
                )));
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardView {
    /// The period typed with `:dash PERIOD`, read at the first reload.
    asked_period: Option<String>,
    pub period: Option<Period>,
    pub figures: Option<Box<Figures>>,
    asked: Option<u64>,
    pub panel: usize,
    /// Which of the panel's linked lines is chosen.
    pub cursor: usize,
    limits: Limits,
}

impl DashboardView {
    pub fn new(period: Option<String>) -> DashboardView {
        DashboardView {
            asked_period: period,
            period: None,
            figures: None,
            asked: None,
            panel: 0,
            cursor: 0,
            limits: Limits::default(),
        }
    }

    /// Still waiting for the answer to the last read.
    pub fn loading(&self) -> bool {
        self.asked.is_some()
    }

    fn links(&self, role: UserRole, today: chrono::NaiveDate) -> Vec<(Entity, String)> {
        self.figures.as_ref().map_or_else(Vec::new, |f| {
            lines(f, self.panel, role, self.limits, today)
                .into_iter()
                .filter_map(|l| l.link)
                .collect()
        })
    }

    fn ask(&mut self, ctx: &mut Ctx) {
        let Some(period) = self.period else { return };
        let Some(me) = ctx.me.id.clone() else {
            return ctx.error("the dashboard needs a first sync: run crm sync");
        };
        let ask = DashboardAsk {
            scope: Scope {
                me,
                role: ctx.me.role,
                team: None,
            },
            period,
            zone: ctx.zone,
            now: ctx.now,
            limits: self.limits,
        };
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        ctx.load(request, Read::Dashboard(Box::new(ask)));
    }

    fn step(&mut self, by: i32, ctx: &mut Ctx) {
        if let Some(p) = self.period {
            self.period = Some(p.step(by));
            self.ask(ctx);
        }
    }
}

impl Screen for DashboardView {
    fn reload(&mut self, ctx: &mut Ctx) {
        if self.period.is_none() {
            let today = ctx.today();
            self.period = Some(match self.asked_period.take() {
                Some(text) => Period::parse(&text, today).unwrap_or_else(|e| {
                    ctx.error(e);
                    Period::holding(Span::Month, today)
                }),
                None => Period::holding(Span::Month, today),
            });
        }
        self.ask(ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked != Some(request) {
            return;
        }
        self.asked = None;
        match data {
            Ok(Loaded::Dashboard(f)) => self.figures = Some(f.clone()),
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let links = self.links(ctx.me.role, ctx.today()).len();
        match action {
            Action::PeriodPrev => self.step(-1, ctx),
            Action::PeriodNext => self.step(1, ctx),
            Action::PeriodSpan => {
                if let Some(p) = self.period {
                    let span = match p.span {
                        Span::Month => Span::Quarter,
                        Span::Quarter => Span::Year,
                        _ => Span::Month,
                    };
                    self.period = Some(Period::holding(span, p.from));
                    self.ask(ctx);
                }
            }
            Action::Left => {
                self.panel = (self.panel + PANELS.len() - 1) % PANELS.len();
                self.cursor = 0;
            }
            Action::Right => {
                self.panel = (self.panel + 1) % PANELS.len();
                self.cursor = 0;
            }
            Action::Down => self.cursor = (self.cursor + 1).min(links.saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Open => {
                if let Some((entity, query)) = self.links(ctx.me.role, ctx.today()).get(self.cursor)
                {
                    ctx.go(Place::Query(*entity, query.clone()));
                }
            }
            Action::Back => ctx.back(),
            _ => {}
        }
    }

    fn answer(&mut self, _purpose: Purpose, _answer: Answer, _ctx: &mut Ctx) {}

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let scope = match view.me.role {
            UserRole::Admin => "everyone, by team",
            UserRole::Manager => "my team, by member",
            _ => "mine",
        };
        let period = self.period.map_or(String::new(), |p| p.label());
        let wait = if self.loading() { " …" } else { "" };
        let title = format!("Dashboard · {scope} · {period}{wait}");
        let inner = draw::panel(buf, area, &title, theme, true);
        if inner.height == 0 {
            return;
        }
        let Some(f) = &self.figures else {
            draw::empty_note(buf, inner, "…", theme);
            return;
        };
        // Four panels in a grid when there is room, else the chosen one alone.
        let cells: Vec<(usize, Rect)> = if inner.width >= 90 && inner.height >= 20 {
            let (w, h) = (inner.width / 2, inner.height / 2);
            (0..4)
                .map(|i| {
                    let x = inner.x + if i % 2 == 1 { w } else { 0 };
                    let y = inner.y + if i >= 2 { h } else { 0 };
                    let width = if i % 2 == 1 { inner.width - w } else { w };
                    let height = if i >= 2 { inner.height - h } else { h };
                    (i, Rect::new(x, y, width, height))
                })
                .collect()
        } else {
            vec![(self.panel, inner)]
        };
        for (i, cell) in cells {
            let focused = i == self.panel;
            let title = format!("{} {}/4", PANELS[i], i + 1);
            let body = draw::panel(buf, cell, &title, theme, focused);
            self.draw_panel(buf, body, f, i, focused, view);
        }
    }

    fn mode(&self) -> Mode {
        Mode::Dashboard
    }

    fn crumb(&self) -> String {
        "Dashboard".into()
    }
}

impl DashboardView {
    fn draw_panel(
        &self,
        buf: &mut Buffer,
        area: Rect,
        f: &Figures,
        panel: usize,
        focused: bool,
        view: &View,
    ) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let theme = view.theme;
        let lines = lines(f, panel, view.me.role, self.limits, view.today());
        let mut link = 0;
        let mut y = area.y;
        let chart_rows = match panel {
            0 => u16::try_from(f.sales.len()).map_or(0, |_| 6),
            1 => 5,
            _ => 3,
        };
        let text_rows = area
            .height
            .saturating_sub(chart_rows)
            .max(area.height.min(2));
        for l in &lines {
            if y >= area.y + text_rows {
                break;
            }
            let selected = focused && l.link.is_some() && link == self.cursor;
            if l.link.is_some() {
                link += 1;
            }
            let style = crate::tui::panes::cell_style(theme, l.role, selected);
            if selected {
                draw::fill(buf, Rect::new(area.x, y, area.width, 1), style);
            }
            // A marker, so the lines with a list behind them read without colour.
            let mark = if l.link.is_some() { "›" } else { " " };
            draw::put(buf, area.x, y, 2, mark, theme.style(Role::Key));
            draw::put_fit(
                buf,
                area.x + 2,
                y,
                area.width.saturating_sub(2),
                &l.text,
                style,
            );
            y += 1;
        }
        let rest = Rect::new(
            area.x,
            y,
            area.width,
            (area.y + area.height).saturating_sub(y),
        );
        if rest.height == 0 {
            return;
        }
        match panel {
            0 => attainment_chart(buf, rest, f, theme),
            1 => pyramid(buf, rest, f, theme),
            2 => sparkline(
                buf,
                rest,
                "satisfaction by week",
                &f.service
                    .satisfaction_weeks
                    .iter()
                    .map(|w| w.map_or(0, |x| (x * 10.0).round() as u64))
                    .collect::<Vec<_>>(),
                theme,
            ),
            _ => sparkline(
                buf,
                rest,
                "visits, calls, meetings by week",
                &f.activity_weeks
                    .iter()
                    .map(|n| u64::try_from(*n).unwrap_or(0))
                    .collect::<Vec<_>>(),
                theme,
            ),
        }
    }
}

/// Won against target per row, as bars of percent (the value printed on each bar, so it reads
/// in 16 colours and without colour at all).
fn attainment_chart(buf: &mut Buffer, area: Rect, f: &Figures, theme: &Theme) {
    let bars: Vec<Bar> = f
        .sales
        .iter()
        .map(|r| {
            let pct = r.attainment().unwrap_or(0.0).round().max(0.0) as u64;
            let label: String = sanitize(&r.label).chars().take(8).collect();
            Bar::default()
                .value(pct)
                .label(label)
                .text_value(format!("{pct}%"))
        })
        .collect();
    if bars.is_empty() {
        return;
    }
    BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(8)
        .bar_gap(1)
        .max(100)
        .bar_style(theme.style(Role::Bar))
        .value_style(theme.style(Role::Selection))
        .label_style(theme.style(Role::Muted))
        .render(area, buf);
}

/// The customer pyramid: each tier a centred bar, wider toward the base, with its count and
/// share of revenue written on it.
fn pyramid(buf: &mut Buffer, area: Rect, f: &Figures, theme: &Theme) {
    let revenue = f.revenue();
    for (i, tier) in f.pyramid.iter().enumerate() {
        let y = area.y + i as u16;
        if y >= area.y + area.height {
            break;
        }
        let share = if revenue > 0 {
            tier.revenue as f64 * 100.0 / revenue as f64
        } else {
            0.0
        };
        let text = format!("{} · {} · {share:.0}%", tier.name, tier.customers);
        let chars = text.chars().count();
        let width = (area.width as usize * (i + 1) / f.pyramid.len().max(1)).max(chars + 2);
        let width = u16::try_from(width).unwrap_or(area.width).min(area.width);
        let x = area.x + (area.width - width) / 2;
        draw::fill(buf, Rect::new(x, y, width, 1), theme.style(Role::Selection));
        let tx = x + width.saturating_sub(u16::try_from(chars).unwrap_or(width)) / 2;
        draw::put_fit(
            buf,
            tx,
            y,
            x + width - tx,
            &text,
            theme.style(Role::Selection),
        );
    }
}

fn sparkline(buf: &mut Buffer, area: Rect, label: &str, data: &[u64], theme: &Theme) {
    draw::put_fit(
        buf,
        area.x,
        area.y,
        area.width,
        label,
        theme.style(Role::Muted),
    );
    if area.height < 2 {
        return;
    }
    let rest = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    Sparkline::default()
        .data(data)
        .style(theme.style(Role::Bar))
        .render(rest, buf);
}
