//! A list that holds only a window of its rows: what is on screen plus a page either side,
//! fetched by offset and limit. Moving the cursor costs what a screenful costs, whether the list
//! has a thousand rows or a million, and the length is only asked for when the user jumps to the
//! end.

use super::data::{DataError, Record};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Absolute index of the first cached row.
    pub start: usize,
    pub rows: Vec<Record>,
    /// The length of the list, once known (a short fetch or a count told us).
    pub len: Option<usize>,
    /// Absolute index of the selected row.
    pub selected: usize,
    /// Absolute index of the first visible row.
    pub offset: usize,
}

impl Window {
    /// Forget everything (the query changed); the next `ensure` fetches from the top.
    pub fn reset(&mut self) {
        *self = Window::default();
    }

    /// Forget the rows but keep the position (the data changed under us).
    pub fn invalidate(&mut self) {
        self.rows.clear();
        self.len = None;
    }

    pub fn row(&self, index: usize) -> Option<&Record> {
        index.checked_sub(self.start).and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&Record> {
        self.row(self.selected)
    }

    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    fn covers(&self, from: usize, to: usize) -> bool {
        let end = self.start + self.rows.len();
        let to = self.len.map_or(to, |len| to.min(len));
        from >= self.start && to <= end && (!self.rows.is_empty() || self.len.is_some())
    }

    /// Makes sure the visible rows are cached, fetching a window around them if not.
    pub fn ensure(
        &mut self,
        height: usize,
        fetch: &mut dyn FnMut(usize, usize) -> Result<Vec<Record>, DataError>,
    ) -> Result<(), DataError> {
        let height = height.max(1);
        self.clamp_offset(height);
        if self.covers(self.offset, self.offset + height) {
            return Ok(());
        }
        let start = self.offset.saturating_sub(height);
        let limit = height * 3;
        let rows = fetch(start, limit)?;
        if rows.len() < limit {
            self.len = Some(start + rows.len());
        } else if self.len.is_some_and(|len| len < start + rows.len()) {
            self.len = None;
        }
        self.start = start;
        self.rows = rows;
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

    fn clamp_offset(&mut self, height: usize) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Moves the cursor by `delta` rows, stopping at either end.
    pub fn move_by(
        &mut self,
        delta: isize,
        height: usize,
        fetch: &mut dyn FnMut(usize, usize) -> Result<Vec<Record>, DataError>,
    ) -> Result<(), DataError> {
        let target = self.selected.saturating_add_signed(delta);
        let target = match self.len {
            Some(0) => 0,
            Some(len) => target.min(len - 1),
            None => target,
        };
        self.selected = target;
        self.ensure(height, fetch)
    }

    /// Jumps to the last row, asking for the length once.
    pub fn bottom(
        &mut self,
        height: usize,
        count: &mut dyn FnMut() -> Result<usize, DataError>,
        fetch: &mut dyn FnMut(usize, usize) -> Result<Vec<Record>, DataError>,
    ) -> Result<(), DataError> {
        let len = match self.len {
            Some(len) => len,
            None => count()?,
        };
        self.len = Some(len);
        self.selected = len.saturating_sub(1);
        self.ensure(height, fetch)
    }

    /// Selects the row at this position on screen (a mouse click), if there is one.
    pub fn click(&mut self, visible_row: usize) -> bool {
        let index = self.offset + visible_row;
        if self.row(index).is_some() {
            self.selected = index;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::Cell;

    fn rows(n: usize) -> impl FnMut(usize, usize) -> Result<Vec<Record>, DataError> {
        move |offset, limit| {
            Ok((offset..(offset + limit).min(n))
                .map(|i| {
                    json!({"id": i.to_string()})
                        .as_object()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect())
        }
    }

    #[test]
    fn fetches_only_around_the_visible_rows() {
        let fetched = Cell::new(0usize);
        let mut source = rows(1_000_000);
        let mut fetch = |o: usize, l: usize| {
            let r = source(o, l)?;
            fetched.set(fetched.get() + r.len());
            Ok(r)
        };
        let mut w = Window::default();
        w.ensure(20, &mut fetch).unwrap();
        assert_eq!(w.rows.len(), 60);
        for _ in 0..30 {
            w.move_by(1, 20, &mut fetch).unwrap();
        }
        assert_eq!(w.selected, 30);
        assert_eq!(w.selected_row().map(|r| r["id"].clone()), Some(json!("30")));
        assert!(fetched.get() <= 120, "fetched {}", fetched.get());
        assert_eq!(w.len, None, "never counted");
    }

    #[test]
    fn stops_at_the_end_and_jumps_to_the_bottom_with_one_count() {
        let mut fetch = rows(25);
        let mut w = Window::default();
        w.ensure(10, &mut fetch).unwrap();
        assert_eq!(w.len, Some(25));
        w.move_by(100, 10, &mut fetch).unwrap();
        assert_eq!(w.selected, 24);
        assert_eq!(w.offset, 15);

        let mut fetch = rows(1_000_000);
        let mut w = Window::default();
        w.ensure(10, &mut fetch).unwrap();
        let counted = Cell::new(0);
        w.bottom(
            10,
            &mut || {
                counted.set(counted.get() + 1);
                Ok(1_000_000)
            },
            &mut fetch,
        )
        .unwrap();
        assert_eq!(w.selected, 999_999);
        assert_eq!(
            w.selected_row().map(|r| r["id"].clone()),
            Some(json!("999999"))
        );
        assert_eq!(counted.get(), 1);
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
}
