//! A list that holds only a window of its rows: what is on screen plus a page either side,
//! fetched by offset and limit. Moving the cursor costs what a screenful costs, whether the list
//! has a thousand rows or a million, and the list is never counted: jumping to the end anchors
//! the window there and fetches it in reverse order (offsets counted from the last row), which
//! costs a screenful too.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

use super::action::Action;
use super::data::{DataError, Record, id};
use super::input::LineInput;

/// Where the window's indices count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Anchor {
    /// Index 0 is the first row.
    #[default]
    Top,
    /// Index 0 is the last row (after G on a list of unknown length).
    Bottom,
}

/// Fetches `limit` rows from `offset`; with `from_end`, offsets count from the last row and the
/// rows come last first.
pub type Fetch<'a> = dyn FnMut(usize, usize, bool) -> Result<Vec<Record>, DataError> + 'a;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    pub anchor: Anchor,
    /// Index (in the anchor's direction) of the first cached row.
    pub start: usize,
    /// Cached rows in the anchor's direction.
    pub rows: Vec<Record>,
    /// The length of the list, once known (a short fetch told us).
    pub len: Option<usize>,
    /// Index of the selected row.
    pub selected: usize,
    /// Index of the first visible row (at the top for `Top`, at the bottom for `Bottom`).
    pub offset: usize,
}

impl Window {
    /// Forget everything (the query changed); the next `ensure` fetches from the top.
    pub fn reset(&mut self) {
        *self = Window::default();
    }

    /// How many rows a window read from the top holds for `height` lines: a screenful and a
    /// page either side, as [`Window::ensure`] reads them.
    pub fn first_rows(height: usize) -> usize {
        height.max(1) * 3
    }

    /// Starts over with `rows`, read elsewhere (off the UI thread) as the first
    /// [`Window::first_rows`] of the list (`limit` asked): what `reset` and `ensure` from the
    /// top would have made.
    pub fn fill_from_top(&mut self, rows: Vec<Record>, limit: usize) {
        *self = Window::default();
        if rows.len() < limit {
            self.len = Some(rows.len());
        }
        self.rows = rows;
    }

    /// Forget the rows but keep the position (the data changed under us).
    pub fn invalidate(&mut self) {
        self.rows.clear();
        self.len = None;
    }

    fn row(&self, index: usize) -> Option<&Record> {
        index.checked_sub(self.start).and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&Record> {
        self.row(self.selected)
    }

    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// The rows to draw in `height` lines, top to bottom: (line, row, selected).
    pub fn visible(&self, height: usize) -> Vec<(usize, &Record, bool)> {
        (0..height)
            .filter_map(|line| {
                let index = self.index_at(line, height);
                self.row(index).map(|r| (line, r, index == self.selected))
            })
            .collect()
    }

    fn index_at(&self, line: usize, height: usize) -> usize {
        match self.anchor {
            Anchor::Top => self.offset + line,
            Anchor::Bottom => (self.offset + height).saturating_sub(line + 1),
        }
    }

    /// Where the cursor is, for a header: "12 / 340", "12 / 60+", "last", "last − 3".
    pub fn position(&self) -> String {
        let count = super::format::count;
        match (self.anchor, self.len) {
            (_, Some(0)) => "none".into(),
            (Anchor::Top, Some(len)) => format!("{} / {}", count(self.selected + 1), count(len)),
            (Anchor::Top, None) => format!(
                "{} / {}+",
                count(self.selected + 1),
                count(self.start + self.rows.len())
            ),
            (Anchor::Bottom, _) if self.selected == 0 => "last".into(),
            (Anchor::Bottom, _) => format!("last − {}", count(self.selected)),
        }
    }

    fn covers(&self, from: usize, to: usize) -> bool {
        let end = self.start + self.rows.len();
        let to = self.len.map_or(to, |len| to.min(len));
        from >= self.start && to <= end && (!self.rows.is_empty() || self.len.is_some())
    }

    fn clamp_offset(&mut self, height: usize) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Makes sure the visible rows are cached, fetching a window around them if not.
    pub fn ensure(&mut self, height: usize, fetch: &mut Fetch) -> Result<(), DataError> {
        let height = height.max(1);
        self.clamp_offset(height);
        if self.covers(self.offset, self.offset + height) {
            return Ok(());
        }
        let start = self.offset.saturating_sub(height);
        let limit = Window::first_rows(height);
        let rows = fetch(start, limit, self.anchor == Anchor::Bottom)?;
        if rows.len() < limit {
            self.len = Some(start + rows.len());
        } else if self.len.is_some_and(|len| len < start + rows.len()) {
            self.len = None;
        }
        self.start = start;
        self.rows = rows;
        if self.anchor == Anchor::Bottom && self.len.is_some() {
            // The whole tail is known now, so is every index from the top.
            self.flip_to_top(height);
        }
        // The list may have shrunk under the cursor.
        if let Some(len) = self.len {
            if len == 0 {
                self.selected = 0;
                self.offset = 0;
            } else if self.selected >= len {
                self.selected = len - 1;
                self.clamp_offset(height);
                if self.offset < self.start {
                    return self.ensure(height, fetch);
                }
            }
        }
        Ok(())
    }

    /// Re-expresses a bottom-anchored window from the top, once the length is known.
    fn flip_to_top(&mut self, height: usize) {
        let Some(len) = self.len else {
            return;
        };
        let flip = |i: usize| len.saturating_sub(i + 1);
        self.rows.reverse();
        self.start = len.saturating_sub(self.start + self.rows.len());
        self.selected = flip(self.selected);
        self.offset = len.saturating_sub(self.offset + height);
        self.anchor = Anchor::Top;
    }

    /// Moves the cursor by `delta` rows down the screen, stopping at either end.
    pub fn move_by(
        &mut self,
        delta: isize,
        height: usize,
        fetch: &mut Fetch,
    ) -> Result<(), DataError> {
        // Down the screen is towards the last row: lower indices when anchored at the bottom.
        let delta = if self.anchor == Anchor::Bottom {
            -delta
        } else {
            delta
        };
        let target = self.selected.saturating_add_signed(delta);
        self.selected = match self.len {
            Some(0) => 0,
            Some(len) => target.min(len - 1),
            None => target,
        };
        self.ensure(height, fetch)
    }

    /// The first row.
    pub fn top(&mut self, height: usize, fetch: &mut Fetch) -> Result<(), DataError> {
        if self.anchor == Anchor::Bottom {
            self.reset();
        }
        self.selected = 0;
        self.ensure(height, fetch)
    }

    /// The last row: by index when the length is known, else by anchoring at the end.
    pub fn bottom(&mut self, height: usize, fetch: &mut Fetch) -> Result<(), DataError> {
        match (self.anchor, self.len) {
            (Anchor::Top, Some(len)) => self.selected = len.saturating_sub(1),
            _ => {
                *self = Window {
                    anchor: Anchor::Bottom,
                    ..Window::default()
                };
            }
        }
        self.ensure(height, fetch)
    }

    /// Selects the row on this line of the list (a mouse click), if there is one.
    pub fn click(&mut self, line: usize, height: usize) -> bool {
        let index = self.index_at(line, height);
        if self.row(index).is_some() {
            self.selected = index;
            true
        } else {
            false
        }
    }
}

/// A movement key, as every list reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    By(isize),
    Top,
    Bottom,
}

impl Move {
    /// j/k, C-d/C-u (half of `height`), g g/G; `None` for any other action.
    pub fn of(action: &Action, height: usize) -> Option<Move> {
        let half = (height / 2).max(1) as isize;
        Some(match action {
            Action::Down => Move::By(1),
            Action::Up => Move::By(-1),
            Action::HalfDown => Move::By(half),
            Action::HalfUp => Move::By(-half),
            Action::Top => Move::Top,
            Action::Bottom => Move::Bottom,
            _ => return None,
        })
    }

    /// The cursor after this move in a list of `len` rows held in memory.
    pub fn apply(self, cursor: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            Move::By(d) => cursor.saturating_add_signed(d).min(last),
            Move::Top => 0,
            Move::Bottom => last,
        }
    }
}

/// What a key typed into a filter line did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Nothing that changes the filter.
    Same,
    /// The filter is now this text: list again with it.
    Changed(String),
    /// Esc: the line is closed and the filter cleared.
    Cancelled,
    /// Enter: the line is closed, the filter kept (a list opens the chosen row).
    Submitted,
    /// Up/Down (Tab) while typing move through the filtered rows.
    Moved(Move),
}

/// A key typed into the `/` filter line `input` (open while `Some`): the one way every list,
/// over the replica or in memory, reads its filter keys.
pub fn typed(input: &mut Option<LineInput>, action: Action) -> Typed {
    let Some(line) = input.as_mut() else {
        return Typed::Same;
    };
    match action {
        Action::Key(key) => {
            let before = line.value();
            line.key(&key);
            let after = line.value();
            if after == before {
                Typed::Same
            } else {
                Typed::Changed(after)
            }
        }
        Action::Cancel => {
            *input = None;
            Typed::Cancelled
        }
        Action::Submit => {
            *input = None;
            Typed::Submitted
        }
        Action::Down | Action::NextField => Typed::Moved(Move::By(1)),
        Action::Up | Action::PrevField => Typed::Moved(Move::By(-1)),
        _ => Typed::Same,
    }
}

/// Whether a row held in memory passes a filter: every word of it (case-folded) occurs in one
/// of the row's texts; digits also match phone numbers written with spaces or dashes, and Latin
/// letters the pinyin of Chinese text (`dh`, `donghua`), as in the customer search.
pub fn passes(filter: &str, texts: &[&str]) -> bool {
    let folded: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    let digits: Vec<String> = texts
        .iter()
        .map(|t| t.chars().filter(char::is_ascii_digit).collect())
        .collect();
    // The texts as the search index holds them (with their pinyin), made only when a Latin word
    // is not found as typed.
    let mut pinyin: Option<Vec<String>> = None;
    filter.split_whitespace().all(|word| {
        let word = word.to_lowercase();
        let only_digits = word.chars().all(|c| c.is_ascii_digit());
        folded.iter().any(|t| t.contains(&word))
            || (only_digits && digits.iter().any(|d| d.contains(&word)))
            || (word.chars().all(|c| c.is_ascii_alphanumeric())
                && pinyin
                    .get_or_insert_with(|| {
                        texts
                            .iter()
                            .filter(|t| crm_server::pinyin::has_hanzi(t))
                            .map(|t| {
                                let mut out = String::new();
                                crate::replica::search::push_search_text([*t], &mut out);
                                out
                            })
                            .collect()
                    })
                    .iter()
                    .any(|t| t.contains(&word)))
    })
}

/// The filter of a list held in memory: the text in force and the `/` line while typing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterLine {
    pub text: String,
    pub input: Option<LineInput>,
}

impl FilterLine {
    pub fn typing(&self) -> bool {
        self.input.is_some()
    }

    /// `/`: starts typing, from the filter in force.
    pub fn start(&mut self) {
        self.input = Some(LineInput::new(&self.text));
    }

    /// A key while typing; the text in force follows the line.
    pub fn key(&mut self, action: Action) -> Typed {
        let t = typed(&mut self.input, action);
        match &t {
            Typed::Changed(text) => self.text = text.clone(),
            Typed::Cancelled => self.text.clear(),
            _ => {}
        }
        t
    }

    /// Pasted text goes into the line (opened if need be).
    pub fn paste(&mut self, text: &str) {
        let input = self.input.get_or_insert_with(|| LineInput::new(&self.text));
        input.insert(text);
        self.text = input.value();
    }

    pub fn passes(&self, texts: &[&str]) -> bool {
        passes(&self.text, texts)
    }

    /// For a header: the line while typing ("/ text"), else the filter in force, if any.
    pub fn label(&self) -> Option<String> {
        match &self.input {
            Some(input) => Some(format!("/ {}", input.value())),
            None if self.text.is_empty() => None,
            None => Some(format!("filter “{}”", self.text)),
        }
    }
}

/// What a list made of an action.
#[derive(Debug, PartialEq)]
pub enum Listed {
    /// It moved (or marked); a read may have failed.
    Done(Result<(), DataError>),
    /// The filter line changed: the screen reads the list again with this filter.
    Filter(String),
    /// Enter on a row.
    Open,
    /// Not a list action: the screen's own.
    Pass(Action),
}

/// A list on screen, the one every screen's list is: a [`Window`] over its rows (so it costs a
/// screenful at any size), the movement keys, a filter typed live after `/`, and rows marked
/// with Space for actions on several at once. It derefs to its window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListView {
    pub window: Window,
    /// The filter line while typing in it.
    pub filter: Option<LineInput>,
    /// Ids of the marked rows.
    pub marks: BTreeSet<String>,
    /// The list's exact length, once a count has answered.
    pub total: Option<usize>,
    /// The count asked last; answers to any other are stale.
    counting: Option<u64>,
}

/// Numbers count requests, so an answer finds the list that asked, and only its last question.
static REQUESTS: AtomicU64 = AtomicU64::new(1);

/// A number for a question asked off the UI thread (a count, the reminders), unique in the
/// process, so an answer finds the one who asked.
pub fn next_request() -> u64 {
    REQUESTS.fetch_add(1, Ordering::Relaxed)
}

impl Deref for ListView {
    type Target = Window;
    fn deref(&self) -> &Window {
        &self.window
    }
}

impl DerefMut for ListView {
    fn deref_mut(&mut self) -> &mut Window {
        &mut self.window
    }
}

impl ListView {
    /// Typing in the filter line: keys resolve as in a dialog.
    pub fn typing(&self) -> bool {
        self.filter.is_some()
    }

    /// Starts typing a filter, from the one in force.
    pub fn start_filter(&mut self, current: &str) {
        self.filter = Some(LineInput::new(current));
    }

    /// Pasted text goes into the filter line (opened if need be); returns the new filter.
    pub fn paste(&mut self, text: &str, current: &str) -> String {
        let input = self.filter.get_or_insert_with(|| LineInput::new(current));
        input.insert(text);
        input.value()
    }

    /// The marked ids, else the chosen row's: what an action on "these" works on.
    pub fn chosen_ids(&self) -> Vec<String> {
        if self.marks.is_empty() {
            self.selected_row()
                .map(|r| vec![id(r).to_string()])
                .unwrap_or_default()
        } else {
            self.marks.iter().cloned().collect()
        }
    }

    pub fn is_marked(&self, row: &Record) -> bool {
        self.marks.contains(id(row))
    }

    /// Moves, marks, filters; what it does not know it passes back.
    pub fn handle(&mut self, action: Action, height: usize, fetch: &mut Fetch) -> Listed {
        if self.filter.is_some() {
            return match typed(&mut self.filter, action) {
                Typed::Same => Listed::Done(Ok(())),
                Typed::Changed(text) => Listed::Filter(text),
                Typed::Cancelled => Listed::Filter(String::new()),
                Typed::Submitted if self.selected_row().is_some() => Listed::Open,
                Typed::Submitted => Listed::Done(Ok(())),
                Typed::Moved(m) => self.step(m, height, fetch),
            };
        }
        if let Some(m) = Move::of(&action, height) {
            return self.step(m, height, fetch);
        }
        match action {
            Action::Open => {
                if self.selected_row().is_some() {
                    Listed::Open
                } else {
                    Listed::Done(Ok(()))
                }
            }
            Action::Mark => {
                if let Some(row) = self.selected_row() {
                    let rid = id(row).to_string();
                    if !self.marks.remove(&rid) {
                        self.marks.insert(rid);
                    }
                }
                self.step(Move::By(1), height, fetch)
            }
            Action::Back if !self.marks.is_empty() => {
                self.marks.clear();
                Listed::Done(Ok(()))
            }
            other => Listed::Pass(other),
        }
    }

    fn step(&mut self, m: Move, height: usize, fetch: &mut Fetch) -> Listed {
        let w = &mut self.window;
        Listed::Done(match m {
            Move::By(d) => w.move_by(d, height, fetch),
            Move::Top => w.top(height, fetch),
            Move::Bottom => w.bottom(height, fetch),
        })
    }

    /// The list's query or data changed: forget the count and number a new question (the
    /// screen sends it as `Effect::Count`).
    pub fn recount(&mut self) -> u64 {
        let request = next_request();
        self.counting = Some(request);
        self.total = None;
        request
    }

    /// A count answered; true when it was this list's last question (older ones are dropped).
    pub fn counted(&mut self, request: u64, count: usize) -> bool {
        if self.counting != Some(request) {
            return false;
        }
        self.counting = None;
        self.total = Some(count);
        true
    }

    /// Where the cursor is: exact once the window or a count knows the length.
    pub fn position(&self) -> String {
        let count = super::format::count;
        let w = &self.window;
        match (w.len, self.total, w.anchor) {
            (None, Some(0), _) => "none".into(),
            (None, Some(total), Anchor::Top) => {
                format!("{} / {}", count(w.selected + 1), count(total))
            }
            (None, Some(total), Anchor::Bottom) => format!(
                "{} / {}",
                count(total.saturating_sub(w.selected)),
                count(total)
            ),
            _ => w.position(),
        }
    }

    /// For the header: "12 / 340", with "· 3 marked" when rows are marked.
    pub fn status(&self) -> String {
        match self.marks.len() {
            0 => self.position(),
            n => format!("{} marked · {}", super::format::count(n), self.position()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::Cell;

    /// A list of `n` rows "0".."n-1"; reversed fetches count from the end.
    fn rows(n: usize) -> impl FnMut(usize, usize, bool) -> Result<Vec<Record>, DataError> {
        move |offset, limit, from_end| {
            Ok((offset..(offset + limit).min(n))
                .map(|i| if from_end { n - 1 - i } else { i })
                .map(|i| {
                    json!({"id": i.to_string()})
                        .as_object()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect())
        }
    }

    fn id(w: &Window) -> String {
        w.selected_row()
            .map(|r| r["id"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    fn shown(w: &Window, h: usize) -> Vec<String> {
        w.visible(h)
            .iter()
            .map(|(_, r, _)| r["id"].as_str().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn an_in_memory_filter_matches_pinyin_as_the_search_does() {
        let row = ["上海东华供应链", "回访 call"];
        for filter in ["dh", "donghua", "dong hua", "DongHua call", "东华", "CALL"] {
            assert!(passes(filter, &row), "{filter}");
        }
        for filter in ["df", "dongfang", "dh visit"] {
            assert!(!passes(filter, &row), "{filter}");
        }
        assert!(!passes("dh", &["Acme Ltd."]));
        assert!(passes("2878 0808", &["+86 755 2878-0808"]));
    }

    #[test]
    fn fetches_only_around_the_visible_rows() {
        let fetched = Cell::new(0usize);
        let mut source = rows(1_000_000);
        let mut fetch = |o: usize, l: usize, r: bool| {
            let rows = source(o, l, r)?;
            fetched.set(fetched.get() + rows.len());
            Ok(rows)
        };
        let mut w = Window::default();
        w.ensure(20, &mut fetch).unwrap();
        assert_eq!(w.rows.len(), 60);
        for _ in 0..30 {
            w.move_by(1, 20, &mut fetch).unwrap();
        }
        assert_eq!(id(&w), "30");
        assert!(fetched.get() <= 120, "fetched {}", fetched.get());
        assert_eq!(w.len, None, "never counted");
        assert_eq!(w.position(), "31 / 60+");
    }

    #[test]
    fn the_end_of_a_million_rows_costs_a_window() {
        let fetched = Cell::new(0usize);
        let mut source = rows(1_000_000);
        let mut fetch = |o: usize, l: usize, r: bool| {
            let rows = source(o, l, r)?;
            fetched.set(fetched.get() + rows.len());
            Ok(rows)
        };
        let mut w = Window::default();
        w.ensure(10, &mut fetch).unwrap();
        w.bottom(10, &mut fetch).unwrap();
        assert_eq!(id(&w), "999999");
        assert_eq!(w.position(), "last");
        // Drawn top to bottom, ending with the last row.
        assert_eq!(shown(&w, 10).last().map(String::as_str), Some("999999"));
        assert_eq!(shown(&w, 10)[0], "999990");
        w.move_by(-3, 10, &mut fetch).unwrap();
        assert_eq!(id(&w), "999996");
        assert_eq!(w.position(), "last − 3");
        w.move_by(1, 10, &mut fetch).unwrap();
        assert_eq!(id(&w), "999997");
        for _ in 0..40 {
            w.move_by(-1, 10, &mut fetch).unwrap();
        }
        assert_eq!(id(&w), "999957");
        assert!(shown(&w, 10).contains(&"999957".to_string()));
        w.move_by(100, 10, &mut fetch).unwrap();
        assert_eq!(id(&w), "999999", "stops at the last row");
        assert!(fetched.get() <= 200, "fetched {}", fetched.get());
        w.top(10, &mut fetch).unwrap();
        assert_eq!((id(&w), w.anchor), ("0".to_string(), Anchor::Top));
    }

    #[test]
    fn a_short_list_anchored_at_the_end_turns_back_into_a_plain_one() {
        let mut fetch = rows(25);
        let mut w = Window::default();
        w.ensure(10, &mut fetch).unwrap();
        w.move_by(100, 10, &mut fetch).unwrap();
        assert_eq!((id(&w), w.offset), ("24".to_string(), 15));
        let mut fetch = rows(25);
        let mut w = Window {
            anchor: Anchor::Bottom,
            ..Window::default()
        };
        w.ensure(10, &mut fetch).unwrap();
        assert_eq!(
            w.anchor,
            Anchor::Top,
            "a short reversed fetch tells the length"
        );
        assert_eq!((id(&w), w.len), ("24".to_string(), Some(25)));
        assert_eq!(
            shown(&w, 10),
            (15..25).map(|i| i.to_string()).collect::<Vec<_>>()
        );
        assert_eq!(w.position(), "25 / 25");
    }

    #[test]
    fn clicks_select_the_row_drawn_on_that_line() {
        let mut fetch = rows(1_000);
        let mut w = Window::default();
        w.bottom(10, &mut fetch).unwrap();
        assert!(w.click(0, 10));
        assert_eq!(id(&w), "990");
        let mut w = Window::default();
        w.ensure(10, &mut fetch).unwrap();
        assert!(w.click(3, 10));
        assert_eq!(id(&w), "3");
    }

    #[test]
    fn a_shrinking_list_pulls_the_cursor_back() {
        let mut w = Window::default();
        w.ensure(10, &mut rows(50)).unwrap();
        w.move_by(40, 10, &mut rows(50)).unwrap();
        w.invalidate();
        w.ensure(10, &mut rows(5)).unwrap();
        assert_eq!(w.selected, 4);
        assert!(w.selected_row().is_some());
        w.invalidate();
        w.ensure(10, &mut rows(0)).unwrap();
        assert!(w.is_empty());
    }

    #[test]
    fn the_list_view_moves_marks_and_filters() {
        let mut fetch = rows(100);
        let mut l = ListView::default();
        l.ensure(10, &mut fetch).unwrap();
        assert_eq!(
            l.handle(Action::HalfDown, 10, &mut fetch),
            Listed::Done(Ok(()))
        );
        assert_eq!(id(&l), "5");
        assert_eq!(l.handle(Action::Mark, 10, &mut fetch), Listed::Done(Ok(())));
        l.handle(Action::Mark, 10, &mut fetch);
        assert_eq!(id(&l), "7", "marking moves on");
        assert_eq!(l.chosen_ids(), ["5", "6"]);
        assert!(l.status().starts_with("2 marked · 8 / "), "{}", l.status());
        l.handle(Action::Up, 10, &mut fetch);
        l.handle(Action::Mark, 10, &mut fetch);
        assert_eq!(l.chosen_ids(), ["5"], "space again unmarks");
        assert_eq!(l.handle(Action::Back, 10, &mut fetch), Listed::Done(Ok(())));
        assert!(l.marks.is_empty(), "Esc clears the marks");
        assert_eq!(l.chosen_ids(), ["7"], "without marks, the chosen row");
        assert_eq!(
            l.handle(Action::Back, 10, &mut fetch),
            Listed::Pass(Action::Back)
        );

        l.start_filter("");
        assert!(l.typing());
        let key = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('4'));
        assert_eq!(
            l.handle(Action::Key(key), 10, &mut fetch),
            Listed::Filter("4".into())
        );
        assert_eq!(l.handle(Action::Submit, 10, &mut fetch), Listed::Open);
        assert!(!l.typing());
        l.handle(Action::Bottom, 10, &mut fetch);
        assert_eq!(id(&l), "99");
        assert_eq!(l.handle(Action::Top, 10, &mut fetch), Listed::Done(Ok(())));
        assert_eq!(id(&l), "0");
    }

    #[test]
    fn an_exact_count_replaces_the_guess_and_stale_answers_are_dropped() {
        let mut fetch = rows(2000);
        let mut l = ListView::default();
        l.ensure(10, &mut fetch).unwrap();
        let first = l.recount();
        assert_eq!(
            l.status(),
            "1 / 30+",
            "before any answer, what the window knows"
        );
        let second = l.recount();
        assert!(!l.counted(first, 5), "an older question's answer is stale");
        assert_eq!(l.status(), "1 / 30+");
        assert!(l.counted(second, 2000));
        assert_eq!(l.status(), "1 / 2,000");
        l.handle(Action::Bottom, 10, &mut fetch);
        assert_eq!(
            l.status(),
            "2,000 / 2,000",
            "from the end, counted from the top"
        );
        l.handle(Action::Up, 10, &mut fetch);
        assert_eq!(l.status(), "1,999 / 2,000");
        assert!(!l.counted(second, 7), "a question is answered once");
        assert!(l.recount() > second);
        assert_eq!(l.total, None, "a new question forgets the old count");
    }

    #[test]
    fn a_worker_behind_answers_only_the_newest_question_per_list() {
        use crate::tui::data::{
            CountQuery, CustomerQuery, RecordQuery, TicketQuery, newest_per_slot,
        };
        use crm_server::schema::Entity;
        let c = |s: &str| {
            CountQuery::Customers(CustomerQuery {
                search: s.into(),
                ..CustomerQuery::default()
            })
        };
        let t = CountQuery::Tickets(TicketQuery::default());
        let r = CountQuery::Records(Entity::Competitors, RecordQuery::default());
        let kept = newest_per_slot(vec![
            (1, c("a")),
            (2, t.clone()),
            (3, c("ab")),
            (4, r.clone()),
            (5, c("abc")),
        ]);
        assert_eq!(kept, vec![(2, t), (4, r), (5, c("abc"))]);
    }

    #[test]
    fn moves_in_memory_stop_at_the_ends() {
        assert_eq!(Move::By(5).apply(8, 10), 9);
        assert_eq!(Move::By(-5).apply(3, 10), 0);
        assert_eq!(Move::Bottom.apply(0, 0), 0);
        assert_eq!(Move::of(&Action::HalfDown, 20), Some(Move::By(10)));
        assert_eq!(Move::of(&Action::Open, 20), None);
    }
}
