//! The sales funnel: stages as columns with count, total and weighted amount; opportunities move
//! between stages with H/L (won and lost ask why); a bar chart of the funnel and the weighted
//! forecast for a month; filters by owner and close month.

use std::collections::HashMap;

use chrono::Datelike;
use crm_server::rules::reasons;
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::json;

use crate::tui::action::Action;
use crate::tui::data::{
    DataError, DataSource, FunnelFilter, Record, StageSummary, WriteError, id, int, text, weighted,
};
use crate::tui::dates;
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::flows;
use crate::tui::format;
use crate::tui::keymap::Mode;
use crate::tui::list::{FilterLine, Move, Typed};
use crate::tui::screen::{Answer, Ctx, Msg, Place, Screen, obj, record_label};
use crate::tui::view::View;
use crate::tui::work::{Loaded, Pending, Read, Write};

mod render;

/// One stage's cards: a window of its opportunities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub rows: Vec<Record>,
    /// Index of the first loaded (and shown) card in the stage.
    pub offset: usize,
    /// Absolute index of the chosen card.
    pub selected: usize,
}

/// Open opportunities expected to close in a month, and what was won there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forecast {
    pub month: (i32, u32),
    pub count: usize,
    pub total: i64,
    pub weighted: i64,
    pub won: i64,
    /// The month's target for the funnel's owner or the user's scope (none set: None).
    pub target: Option<i64>,
}

impl Forecast {
    /// Won against the target, in whole percent.
    pub fn attainment(&self) -> Option<i64> {
        crate::dashboard::attainment::percent(self.won, self.target)
    }

    /// The target and attainment as the funnel writes them (empty without a target).
    pub fn target_text(&self) -> String {
        match (self.target, self.attainment()) {
            (Some(t), Some(p)) => format!(" · target {} · {p}% attained", format::money(t)),
            _ => String::new(),
        }
    }
}

/// What the funnel asks the reader thread for: the board and the forecast as they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelAsk {
    pub filter: FunnelFilter,
    /// The forecast's month.
    pub month: (i32, u32),
    /// Cards per column.
    pub visible: usize,
    /// Per stage id, the chosen card's index and the first card shown, as the screen has
    /// them (a stage not listed starts at its top).
    pub at: Vec<(String, usize, usize)>,
    /// A card moved to another stage, (stage id, opportunity id): chosen there, wherever its
    /// amount puts it.
    pub follow: Option<(String, String)>,
    /// Whose month target the forecast sets its won amount against (None: no target shown).
    pub whose: Option<crate::dashboard::attainment::Whose>,
}

/// What the reader found for a [`FunnelAsk`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunnelData {
    pub summaries: Vec<StageSummary>,
    pub columns: Vec<Column>,
    pub forecast: Forecast,
    /// Customers' names by id, for the cards read.
    pub names: HashMap<String, String>,
}

/// Reads the board for `ask` (on the reader thread): the sums per stage, each column's window
/// around its chosen card, the forecast, the cards' customers' names.
pub fn read(source: &dyn DataSource, ask: &FunnelAsk) -> Result<FunnelData, DataError> {
    let summaries = source.funnel(&ask.filter)?;
    let mut columns = Vec::with_capacity(summaries.len());
    let mut names = HashMap::new();
    for s in &summaries {
        let stage_id = id(&s.stage);
        let (mut selected, offset) = ask
            .at
            .iter()
            .find(|(k, ..)| k == stage_id)
            .map_or((0, 0), |(_, sel, off)| (*sel, *off));
        if let Some((stage, card)) = &ask.follow
            && stage == stage_id
            && let Some(p) = source.stage_position(stage_id, &ask.filter, card)?
        {
            selected = p;
        }
        let mut column = Column {
            rows: Vec::new(),
            offset,
            selected,
        };
        column.place(s.count, ask.visible);
        column.rows =
            source.stage_opportunities(stage_id, &ask.filter, column.offset, ask.visible)?;
        for o in &column.rows {
            let cid = text(o, "customer_id");
            if !cid.is_empty() && !names.contains_key(cid) {
                names.insert(
                    cid.to_string(),
                    record_label(source, Entity::Customers, cid),
                );
            }
        }
        columns.push(column);
    }
    let period = FunnelFilter {
        close_month: Some(ask.month),
        ..ask.filter.clone()
    };
    let in_period = source.funnel(&period)?;
    let open: Vec<&StageSummary> = in_period
        .iter()
        .filter(|s| text(&s.stage, "kind") == "open")
        .collect();
    let forecast = Forecast {
        month: ask.month,
        count: open.iter().map(|s| s.count).sum(),
        total: open.iter().map(|s| s.total).sum(),
        weighted: open.iter().map(|s| s.weighted).sum(),
        won: in_period
            .iter()
            .filter(|s| text(&s.stage, "kind") == "won")
            .map(|s| s.total)
            .sum(),
        target: match &ask.whose {
            Some(whose) => source.month_target(whose, ask.month)?,
            None => None,
        },
    };
    Ok(FunnelData {
        summaries,
        columns,
        forecast,
        names,
    })
}

impl Column {
    /// Keeps the chosen card within the stage's `count` and the window of `visible` cards
    /// around it.
    fn place(&mut self, count: usize, visible: usize) {
        self.selected = self.selected.min(count.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + visible {
            self.offset = self.selected + 1 - visible;
        }
    }
}

/// A card moved on screen whose write is not answered yet: where it came from, to put it back
/// if the write is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Moved {
    card: String,
    from: String,
    to: String,
}

#[derive(Debug, Clone, Default)]
pub struct FunnelPane {
    pub filter: FunnelFilter,
    pub summaries: Vec<StageSummary>,
    pub columns: Vec<Column>,
    pub col: usize,
    /// Show the chart instead of the board (a small terminal has room for one).
    pub chart: bool,
    pub forecast: Forecast,
    /// `/`: the opportunities' names narrow every column.
    pub line: FilterLine,
    names: HashMap<String, String>,
    /// The load and the writes it waits for.
    pub pending: Pending,
    /// Moves shown before their writes answered, by request.
    moves: HashMap<u64, Moved>,
    /// The card the last move chose: the reloads after it choose it again in its stage.
    follow: Option<(String, String)>,
    /// The next load starts every column at its top (the filter changed).
    reset: bool,
    /// The column window asked last (`load_column`); older answers are stale.
    column_read: Option<u64>,
}

/// A stage's window of cards, asked of the reader when the cursor leaves the cards held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnAsk {
    pub stage_id: String,
    pub filter: FunnelFilter,
    pub offset: usize,
    pub visible: usize,
}

/// What the reader found for a [`ColumnAsk`]: the cards from `offset` and their customers'
/// names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnData {
    pub stage_id: String,
    pub offset: usize,
    pub rows: Vec<Record>,
    pub names: HashMap<String, String>,
}

/// Reads a [`ColumnAsk`] (on the reader thread; in tests and benches, wherever they like).
pub fn read_column(source: &dyn DataSource, ask: &ColumnAsk) -> Result<ColumnData, DataError> {
    let rows = source.stage_opportunities(&ask.stage_id, &ask.filter, ask.offset, ask.visible)?;
    let mut names = HashMap::new();
    for o in &rows {
        let cid = text(o, "customer_id");
        if !cid.is_empty() && !names.contains_key(cid) {
            names.insert(
                cid.to_string(),
                record_label(source, Entity::Customers, cid),
            );
        }
    }
    Ok(ColumnData {
        stage_id: ask.stage_id.clone(),
        offset: ask.offset,
        rows,
        names,
    })
}

const CARD_H: u16 = 2;
const HEAD_H: u16 = 4;

/// Whether the terminal is tall enough for board and chart together.
fn both(area: Rect, stages: usize) -> bool {
    area.height >= 30 + stages as u16
}

struct Areas {
    board: Rect,
    chart: Rect,
    details: Rect,
}

fn areas(area: Rect, stages: usize, chart_only: bool) -> Areas {
    let details = Rect::new(
        area.x,
        area.bottom().saturating_sub(2),
        area.width,
        2.min(area.height),
    );
    let rest = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2));
    if both(area, stages) {
        let chart_h = (stages as u16 + 5).min(rest.height / 2);
        Areas {
            board: Rect::new(rest.x, rest.y, rest.width, rest.height - chart_h),
            chart: Rect::new(rest.x, rest.y + rest.height - chart_h, rest.width, chart_h),
            details,
        }
    } else if chart_only {
        Areas {
            board: Rect::default(),
            chart: rest,
            details,
        }
    } else {
        Areas {
            board: rest,
            chart: Rect::default(),
            details,
        }
    }
}

fn cards_visible(board: Rect) -> usize {
    usize::from(board.height.saturating_sub(HEAD_H + 2) / CARD_H).max(1)
}

impl FunnelPane {
    /// The board's area as drawn when shown (cards are loaded for it even while the chart is).
    fn board(&self, ctx: &Ctx) -> Rect {
        areas(ctx.area, self.summaries.len(), false).board
    }

    /// Asks the reader thread for the board; until it answers, the board shows what it had.
    fn load(&mut self, ctx: &mut Ctx) {
        let month = self
            .filter
            .close_month
            .unwrap_or((ctx.today().year(), ctx.today().month()));
        let at = if std::mem::take(&mut self.reset) {
            Vec::new()
        } else {
            self.summaries
                .iter()
                .zip(&self.columns)
                .map(|(s, c)| (id(&s.stage).to_string(), c.selected, c.offset))
                .collect()
        };
        let ask = FunnelAsk {
            filter: self.filter.clone(),
            month,
            visible: cards_visible(self.board(ctx)),
            at,
            follow: self.follow.clone(),
            whose: ctx.me.id.as_deref().map(|me| {
                let team = ctx
                    .people
                    .get(me)
                    .map(|u| text(u, "team_id"))
                    .filter(|t| !t.is_empty());
                crate::dashboard::attainment::Whose::of(
                    self.filter.owner_id.as_deref(),
                    me,
                    ctx.me.role,
                    team,
                )
            }),
        };
        let request = self.pending.ask_load();
        ctx.load(request, Read::Funnel(ask));
    }

    /// The reader's answer, when it is the one waited for.
    fn take(&mut self, data: &FunnelData) {
        self.summaries = data.summaries.clone();
        self.columns = data.columns.clone();
        self.forecast = data.forecast.clone();
        self.names
            .extend(data.names.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some((stage, _)) = &self.follow
            && let Some(col) = self.stage_index(stage)
        {
            self.col = col;
        }
        self.col = self.col.min(self.summaries.len().saturating_sub(1));
    }

    fn stage_index(&self, stage_id: &str) -> Option<usize> {
        self.summaries.iter().position(|s| id(&s.stage) == stage_id)
    }

    /// Shows card `card` moved from stage `from` to stage `to` before the write is answered:
    /// the sums of both stages change, the card leaves its column and takes its place by
    /// amount in the other (at the end of the window when its place lies beyond it), and is
    /// chosen there. Pure: nothing is read or written.
    pub fn show_move(&mut self, card: &str, from: &str, to: &str, visible: usize) -> bool {
        let (Some(f), Some(t)) = (self.stage_index(from), self.stage_index(to)) else {
            return false;
        };
        let Some(at) = self.columns[f].rows.iter().position(|o| id(o) == card) else {
            return false;
        };
        let mut o = self.columns[f].rows.remove(at);
        let amount = int(&o, "amount").unwrap_or(0);
        let p = |s: &StageSummary| int(&s.stage, "probability").unwrap_or(0);
        let sf = &mut self.summaries[f];
        let wf = weighted(&o, p(sf));
        sf.count = sf.count.saturating_sub(1);
        sf.total -= amount;
        sf.weighted -= wf;
        let count_f = sf.count;
        self.columns[f].place(count_f, visible);
        o.insert("stage_id".into(), serde_json::Value::String(to.to_string()));
        let st = &mut self.summaries[t];
        let wt = weighted(&o, p(st));
        st.count += 1;
        st.total += amount;
        st.weighted += wt;
        let count_t = st.count;
        let column = &mut self.columns[t];
        // The window's order: largest amount first, a missing amount last.
        let key = int(&o, "amount");
        let pos = column
            .rows
            .iter()
            .position(|r| int(r, "amount") < key)
            .unwrap_or(column.rows.len());
        column.rows.insert(pos, o);
        column.selected = column.offset + pos;
        if pos >= visible {
            let drop = pos + 1 - visible;
            column.rows.drain(..drop);
            column.offset += drop;
        }
        column.place(count_t, visible);
        self.col = t;
        true
    }

    /// The cursor left the cards held: asks the reader for the stage's window around it
    /// (a read by amount on the stage's index, and the customers' names). Until the answer
    /// the cards before stay on screen, none chosen, and the head says "…"; only the newest
    /// question is answered into the column (`column_read`).
    fn load_column(&mut self, i: usize, visible: usize, ctx: &mut Ctx) {
        let count = self.summaries[i].count;
        let mut window = self.columns[i].clone();
        window.place(count, visible);
        self.columns[i].selected = window.selected;
        let stage_id = id(&self.summaries[i].stage).to_string();
        let request = crate::tui::list::next_request();
        self.column_read = Some(request);
        ctx.load(
            request,
            Read::FunnelColumn(ColumnAsk {
                stage_id,
                filter: self.filter.clone(),
                offset: window.offset,
                visible,
            }),
        );
    }

    /// Waiting for a column's window.
    pub fn is_reading_column(&self) -> bool {
        self.column_read.is_some()
    }

    /// A column's window answered: shown when it answers the newest question and its stage
    /// is still where it was.
    fn take_column(&mut self, data: &ColumnData) {
        self.column_read = None;
        let Some(i) = self.stage_index(&data.stage_id) else {
            return;
        };
        self.names
            .extend(data.names.iter().map(|(k, v)| (k.clone(), v.clone())));
        let column = &mut self.columns[i];
        column.offset = data.offset;
        column.rows = data.rows.clone();
    }

    pub fn set_owner(&mut self, owner: Option<String>, ctx: &mut Ctx) {
        self.filter.owner_id = owner;
        self.reset = true;
        self.load(ctx);
    }

    pub fn set_month(&mut self, month: Option<(i32, u32)>, ctx: &mut Ctx) {
        self.filter.close_month = month;
        self.reset = true;
        self.load(ctx);
    }

    fn selected(&self) -> Option<&Record> {
        let c = self.columns.get(self.col)?;
        c.rows.get(c.selected.checked_sub(c.offset)?)
    }

    fn on_click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        let board = areas(ctx.area, self.summaries.len(), self.chart).board;
        if !board.contains((x, y).into()) || self.summaries.is_empty() {
            return;
        }
        let col_w = board.width / self.summaries.len() as u16;
        let col = usize::from((x - board.x) / col_w.max(1)).min(self.summaries.len() - 1);
        self.col = col;
        self.follow = None;
        let top = board.y + HEAD_H;
        if y >= top {
            let card = usize::from((y - top) / CARD_H);
            let c = &mut self.columns[col];
            if card < c.rows.len() {
                c.selected = c.offset + card;
            }
        }
    }

    /// The filter's text changed: every column is read again with it.
    fn refilter(&mut self, ctx: &mut Ctx) {
        self.filter.search = self.line.text.clone();
        self.reset = true;
        self.load(ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) {
        let n = self.summaries.len();
        if n == 0 {
            return;
        }
        let visible = cards_visible(self.board(ctx));
        let count = self.summaries[self.col].count;
        let action = if self.line.typing() {
            match self.line.key(action) {
                Typed::Changed(_) | Typed::Cancelled => return self.refilter(ctx),
                Typed::Moved(m) => match m {
                    Move::By(1) => Action::Down,
                    _ => Action::Up,
                },
                Typed::Same | Typed::Submitted => return,
            }
        } else {
            action
        };
        // A stage's cards are a window too: moving past it reads the next one.
        if let Some(m) = Move::of(&action, visible * 2) {
            let sel = m.apply(self.columns[self.col].selected, count);
            self.columns[self.col].selected = sel;
            self.follow = None;
            let c = &self.columns[self.col];
            if sel < c.offset || sel >= c.offset + c.rows.len() {
                self.load_column(self.col, visible, ctx);
            } else {
                // Back within the cards held: a window asked before is moot.
                self.column_read = None;
            }
            return;
        }
        match action {
            Action::Search => self.line.start(),
            Action::Back if !self.line.text.is_empty() => {
                self.line.text.clear();
                self.refilter(ctx);
            }
            Action::Left => {
                self.col = (self.col + n - 1) % n;
                self.follow = None;
            }
            Action::Right => {
                self.col = (self.col + 1) % n;
                self.follow = None;
            }
            Action::StagePrev | Action::StageNext => {
                self.move_stage(action == Action::StageNext, ctx)
            }
            Action::Open => {
                if let Some(o) = self.selected() {
                    ctx.go(Place::Customer {
                        id: text(o, "customer_id").to_string(),
                        inbound: false,
                    });
                }
            }
            Action::Details => {
                if let Some(o) = self.selected() {
                    ctx.go(Place::Record {
                        entity: Entity::Opportunities,
                        id: id(o).to_string(),
                    });
                }
            }
            Action::New => {
                let prefill = json!({"stage_id": id(&self.summaries[self.col].stage)});
                let form = ctx.form(
                    "New opportunity",
                    Entity::Opportunities,
                    Purpose::Create(Entity::Opportunities),
                    prefill.as_object(),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::Edit => {
                if let Some(o) = self.selected().cloned() {
                    let form = ctx.form(
                        "Edit opportunity",
                        Entity::Opportunities,
                        Purpose::Edit(Entity::Opportunities, id(&o).to_string()),
                        Some(&o),
                        Record::new(),
                    );
                    ctx.open(Dialog::Form(form));
                }
            }
            Action::Delete => {
                if let Some(o) = self.selected() {
                    let (oid, name) = (id(o).to_string(), text(o, "name").to_string());
                    ctx.confirm_delete(Entity::Opportunities, &oid, &name);
                }
            }
            Action::CopyId => {
                if let Some(o) = self.selected() {
                    let oid = id(o).to_string();
                    ctx.copy_id(&oid);
                }
            }
            Action::FilterOwner => {
                let mut choices = vec![Choice::new("", "anyone", "no owner filter")];
                choices.extend(ctx.user_choices());
                let mut picker = Picker::new("Filter by owner", Purpose::FunnelOwner, choices);
                picker.select_value(self.filter.owner_id.as_deref().unwrap_or(""));
                ctx.open(Dialog::Picker(picker));
            }
            Action::FilterMonth => {
                let current = self
                    .filter
                    .close_month
                    .map(|(y, m)| format!("{y}-{m:02}"))
                    .unwrap_or_default();
                let p = Prompt::new(
                    "Close month",
                    "Expected close in which month?",
                    Purpose::FunnelMonth,
                )
                .value(&current)
                .hint("2026-12, dec, next month — also the forecast period; F clears");
                ctx.open(Dialog::Prompt(p));
            }
            Action::ClearFilter => {
                self.filter = FunnelFilter::default();
                self.line = FilterLine::default();
                self.reset = true;
                self.load(ctx);
                ctx.flash("Funnel filters cleared");
            }
            Action::ToggleChart => self.chart = !self.chart,
            _ => {}
        }
    }

    /// Moves the chosen opportunity one stage along; won and lost stages ask for a reason.
    fn move_stage(&mut self, forward: bool, ctx: &mut Ctx) {
        let Some(o) = self.selected().cloned() else {
            return;
        };
        let target = if forward {
            self.col + 1
        } else {
            self.col.wrapping_sub(1)
        };
        let Some(stage) = self.summaries.get(target).map(|s| s.stage.clone()) else {
            return;
        };
        let kind = text(&stage, "kind").to_string();
        if reasons::needs_close_reason(&kind) {
            let p = Prompt::new(
                format!("Mark as {kind}"),
                format!(
                    "Why was “{}” {kind}?",
                    crate::text::sanitize(text(&o, "name"))
                ),
                Purpose::StageReason {
                    opportunity: id(&o).to_string(),
                    stage: id(&stage).to_string(),
                    kind: kind.clone(),
                },
            )
            .required(reasons::close_reason_needed(&kind));
            ctx.open(Dialog::Prompt(p));
            return;
        }
        let patch = obj(json!({"stage_id": id(&stage)}));
        let from = id(&self.summaries[self.col].stage).to_string();
        self.write_move(&o, &from, id(&stage), patch, ctx);
    }

    /// Shows the move at once and hands its write to the writer thread; `written` reports it,
    /// or puts the card back when it is refused.
    fn write_move(&mut self, card: &Record, from: &str, to: &str, patch: Record, ctx: &mut Ctx) {
        let card = id(card).to_string();
        let visible = cards_visible(self.board(ctx));
        self.show_move(&card, from, to, visible);
        self.follow = Some((to.to_string(), card.clone()));
        let request = self.pending.ask_write();
        self.moves.insert(
            request,
            Moved {
                card: card.clone(),
                from: from.to_string(),
                to: to.to_string(),
            },
        );
        ctx.write_later(
            request,
            Write::Update {
                entity: Entity::Opportunities,
                id: card,
                patch,
            },
        );
    }

    /// A won or lost stage's reason was given: the move is written with it.
    fn move_with_reason(&mut self, opportunity: &str, stage: &str, reason: String, ctx: &mut Ctx) {
        ctx.close();
        let found = self.columns.iter().enumerate().find_map(|(i, c)| {
            c.rows
                .iter()
                .find(|o| id(o) == opportunity)
                .map(|o| (i, o.clone()))
        });
        let Some((col, card)) = found else {
            ctx.error(WriteError::NotFound(Entity::Opportunities.noun()));
            return;
        };
        let from = id(&self.summaries[col].stage).to_string();
        let patch = obj(json!({"stage_id": stage, "close_reason": reason}));
        self.write_move(&card, &from, stage, patch, ctx);
    }

    /// A move's write answered: reported and everyone reloads, or the card goes back.
    fn on_written(&mut self, request: u64, result: &Result<Record, WriteError>, ctx: &mut Ctx) {
        if !self.pending.take_write(request) {
            return;
        }
        let Some(m) = self.moves.remove(&request) else {
            return;
        };
        match result {
            Ok(o) => {
                let stage = self
                    .stage_index(&m.to)
                    .map(|i| text(&self.summaries[i].stage, "name").to_string())
                    .unwrap_or_default();
                let reason = text(o, "close_reason");
                let kind = self
                    .stage_index(&m.to)
                    .map(|i| text(&self.summaries[i].stage, "kind").to_string())
                    .unwrap_or_default();
                if reasons::needs_close_reason(&kind) && !reason.is_empty() {
                    ctx.flash(format!("Marked {kind}: {reason}"));
                } else {
                    ctx.flash(format!("Moved to {stage}"));
                }
                ctx.out.push(Msg::Changed);
            }
            Err(e) => {
                let visible = cards_visible(self.board(ctx));
                self.show_move(&m.card, &m.to, &m.from, visible);
                self.follow = Some((m.from.clone(), m.card.clone()));
                ctx.error(format!("Not moved: {e}"));
                self.load(ctx);
            }
        }
    }
}

impl Screen for FunnelPane {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.load(ctx);
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        self.on_action(action, ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.column_read == Some(request) {
            match data {
                Ok(Loaded::FunnelColumn(d)) => self.take_column(d),
                Ok(_) => {}
                Err(e) => {
                    self.column_read = None;
                    ctx.error(e);
                }
            }
            return;
        }
        if !matches!(data, Ok(Loaded::Funnel(_)) | Err(_)) || !self.pending.take_load(request) {
            return;
        }
        match data {
            Ok(Loaded::Funnel(d)) => self.take(d),
            Ok(_) => {}
            Err(e) => ctx.error(e),
        }
    }

    fn written(&mut self, request: u64, result: &Result<Record, WriteError>, ctx: &mut Ctx) {
        self.on_written(request, result, ctx);
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::FunnelOwner, Answer::Picked(choice)) => {
                let owner = (!choice.value.is_empty()).then_some(choice.value);
                self.set_owner(owner, ctx);
            }
            (Purpose::FunnelMonth, Answer::Text(answer)) => {
                match parse_month(&answer, ctx.local_now()) {
                    Some(month) => {
                        ctx.close();
                        self.set_month(Some(month), ctx);
                    }
                    None => ctx.refuse("type a month like 2026-12, dec, or a date"),
                }
            }
            (
                Purpose::StageReason {
                    opportunity,
                    stage,
                    kind,
                },
                Answer::Text(reason),
            ) => {
                let _ = kind;
                self.move_with_reason(&opportunity, &stage, reason, ctx)
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
        Mode::Funnel
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Opportunities)
    }

    fn crumb(&self) -> String {
        "Funnel".into()
    }

    fn click(&mut self, x: u16, y: u16, ctx: &mut Ctx) {
        self.on_click(x, y, ctx);
    }

    fn typing(&self) -> bool {
        self.line.typing()
    }

    fn cursor(&self, area: Rect) -> Option<Position> {
        let input = self.line.input.as_ref()?;
        let details = areas(area, self.summaries.len(), self.chart).details;
        let (_, col) = input.view(usize::from(details.width.saturating_sub(4)));
        Some(Position::new(details.x + 3 + col as u16, details.y))
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.line.paste(text);
        self.refilter(ctx);
    }
}

/// "2026-12", "dec", "12月", or any date: the month it falls in. `now` is the user's wall clock.
pub fn parse_month(s: &str, now: chrono::NaiveDateTime) -> Option<(i32, u32)> {
    let t = s.trim();
    if let Some((y, m)) = t.split_once('-')
        && y.len() == 4
        && let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>())
        && (1..=12).contains(&m)
    {
        return Some((y, m));
    }
    let probe = format!("{t} 1");
    for candidate in [probe.as_str(), t] {
        if let Ok(w) = dates::parse(candidate, now) {
            return Some((w.date.year(), w.date.month()));
        }
    }
    let cn = t.trim_end_matches('月');
    if let Ok(m) = cn.parse::<u32>()
        && (1..=12).contains(&m)
    {
        return Some((now.year(), m));
    }
    None
}

#[cfg(test)]
mod month_tests {
    use super::parse_month;

    #[test]
    fn months_read_several_ways() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        assert_eq!(parse_month("2026-12", now), Some((2026, 12)));
        assert_eq!(parse_month("dec", now), Some((2026, 12)));
        assert_eq!(parse_month("3月", now), Some((2026, 3)));
        assert_eq!(parse_month("next month", now), Some((2026, 12)));
        assert_eq!(parse_month("nope", now), None);
    }
}
