//! Drawing primitives. Every string reaches the buffer through [`put`], which strips control
//! and bidi characters and cuts by display width, so no record field can act on the terminal or
//! break the alignment of CJK columns.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::input::LineInput;
use super::theme::{Role, Theme};
use crate::text;

/// The mark of a row chosen for a bulk action, in the column left of its cells.
pub fn row_mark(buf: &mut Buffer, x: u16, y: u16, style: Style) {
    put(buf, x, y, 1, "•", style);
}

/// A row whose record has a write the server refused: ⚠ in the mark's column (the review,
/// `:outbox`, says why).
pub fn refused_mark(buf: &mut Buffer, x: u16, y: u16, style: Style) {
    put(buf, x, y, 1, "⚠", style);
}

/// Writes `s` at (x, y) in at most `width` columns, "…" when cut. Returns the columns used.
pub fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, s: &str, style: Style) -> u16 {
    if width == 0 || !buf.area.contains((x, y).into()) {
        return 0;
    }
    let width = width.min(buf.area.right().saturating_sub(x));
    split_wide_before(buf, x, y);
    // Most strings are already clean and fit: draw them without copying.
    let clean_already = !s.chars().any(|c| c.is_control() || is_bidi_control(c));
    if clean_already && text::width(s) <= usize::from(width) {
        let (end, _) = buf.set_stringn(x, y, s, usize::from(width), style);
        return end.saturating_sub(x);
    }
    let clean = text::sanitize(s);
    let cut = text::truncate(&clean, usize::from(width));
    let (end, _) = buf.set_stringn(x, y, &cut, usize::from(width), style);
    end.saturating_sub(x)
}

/// A wide character just left of `x` covers the cell at `x` on the terminal, and the frame diff
/// skips a cell so covered: whatever is drawn at `x` (a dialog's border, say) would never reach
/// the screen. The character is cut to a blank instead.
fn split_wide_before(buf: &mut Buffer, x: u16, y: u16) {
    if x <= buf.area.left() || !buf.area.contains((x, y).into()) {
        return;
    }
    let left = &mut buf[(x - 1, y)];
    if text::width(left.symbol()) > 1 {
        left.set_symbol(" ");
    }
}

/// The bidi controls `text::sanitize` removes; kept in step with it by the tests below.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

/// Like [`put`], padded with spaces in `style` to exactly `width` columns.
pub fn put_fit(buf: &mut Buffer, x: u16, y: u16, width: u16, s: &str, style: Style) {
    let used = put(buf, x, y, width, s, style);
    if used < width {
        fill(buf, Rect::new(x + used, y, width - used, 1), style);
    }
}

/// Right-aligned in `width` columns.
pub fn put_right(buf: &mut Buffer, x: u16, y: u16, width: u16, s: &str, style: Style) {
    let w = text::width(&text::sanitize(s)).min(usize::from(width)) as u16;
    put(buf, x + width - w, y, w, s, style);
}

/// Blanks `area` in `style`.
pub fn fill(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    // Whole row slices rather than indexing cell by cell: this runs for every padded column.
    let mut blank = ratatui::buffer::Cell::EMPTY;
    blank.set_style(style);
    let width = usize::from(area.width);
    for y in area.top()..area.bottom() {
        split_wide_before(buf, area.x, y);
        let start = buf.index_of(area.x, y);
        for cell in &mut buf.content[start..start + width] {
            cell.clone_from(&blank);
        }
    }
}

/// Row `row` of a list drawn inside `inner`, its background the selection's when chosen; returns
/// the row's y.
pub fn list_row(buf: &mut Buffer, inner: Rect, row: usize, selected: bool, theme: &Theme) -> u16 {
    let y = inner.y + row as u16;
    if selected {
        fill(
            buf,
            Rect::new(inner.x, y, inner.width, 1),
            theme.style(Role::Selection),
        );
    }
    y
}

/// A `/` filter being typed, on the first row of `area`: the slash, then the text as it scrolls.
pub fn filter_input(buf: &mut Buffer, area: Rect, input: &LineInput, theme: &Theme) {
    put(buf, area.x + 1, area.y, 2, "/", theme.style(Role::Key));
    let (shown, _) = input.view(usize::from(area.width.saturating_sub(4)));
    put_fit(
        buf,
        area.x + 3,
        area.y,
        area.width.saturating_sub(4),
        &shown,
        theme.style(Role::Input),
    );
}

/// What an empty list says in its place (muted, on its first row).
pub fn empty_note(buf: &mut Buffer, inner: Rect, note: &str, theme: &Theme) {
    put(
        buf,
        inner.x,
        inner.y,
        inner.width,
        note,
        theme.style(Role::Muted),
    );
}

/// A rounded box with a title; returns the inside.
pub fn panel(buf: &mut Buffer, area: Rect, title: &str, theme: &Theme, focused: bool) -> Rect {
    if area.width < 2 || area.height < 2 {
        return Rect::default();
    }
    let border = theme.style(if focused {
        Role::BorderFocus
    } else {
        Role::Border
    });
    let (l, r, t, b) = (area.left(), area.right() - 1, area.top(), area.bottom() - 1);
    for x in l + 1..r {
        buf[(x, t)].set_symbol("─").set_style(border);
        buf[(x, b)].set_symbol("─").set_style(border);
    }
    for y in t..=b {
        split_wide_before(buf, l, y);
    }
    for y in t + 1..b {
        buf[(l, y)].set_symbol("│").set_style(border);
        buf[(r, y)].set_symbol("│").set_style(border);
    }
    buf[(l, t)].set_symbol("╭").set_style(border);
    buf[(r, t)].set_symbol("╮").set_style(border);
    buf[(l, b)].set_symbol("╰").set_style(border);
    buf[(r, b)].set_symbol("╯").set_style(border);
    if !title.is_empty() && area.width > 4 {
        let style = if focused {
            theme.style(Role::Title)
        } else {
            theme.style(Role::Header)
        };
        put(buf, l + 1, t, area.width - 2, &format!(" {title} "), style);
    }
    Rect::new(l + 1, t + 1, area.width - 2, area.height - 2)
}

/// A dialog box of at most `w`×`h`, centred in `area`, cleared, with a title.
pub fn dialog(buf: &mut Buffer, area: Rect, w: u16, h: u16, title: &str, theme: &Theme) -> Rect {
    let rect = centered(area, w, h);
    fill(buf, rect, theme.style(Role::Popup));
    panel(buf, rect, title, theme, true)
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Columns of a table row: widths in display columns, one space between. The row must be blank
/// already (a fresh frame, or filled with the row's style), so cells are not padded.
pub fn columns(buf: &mut Buffer, x: u16, y: u16, cells: &[(u16, &str, Style)]) {
    let mut cx = x;
    for (w, s, style) in cells {
        if *w == 0 {
            continue;
        }
        put(buf, cx, y, *w, s, *style);
        cx = cx.saturating_add(*w + 1);
    }
}

/// Word-wraps `s` into lines of at most `width` columns (CJK breaks anywhere).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if width == 0 {
        return lines;
    }
    for paragraph in s.split('\n') {
        let clean = text::sanitize(paragraph);
        let mut line = String::new();
        let mut used = 0;
        for word in split_keep_spaces(&clean) {
            let w = text::width(word);
            if used + w > width && !line.is_empty() {
                lines.push(line.trim_end().to_string());
                line.clear();
                used = 0;
                if word == " " {
                    continue;
                }
            }
            if w > width {
                for c in word.chars() {
                    let cw = text::width(c.encode_utf8(&mut [0; 4]));
                    if used + cw > width {
                        lines.push(std::mem::take(&mut line));
                        used = 0;
                    }
                    line.push(c);
                    used += cw;
                }
            } else {
                line.push_str(word);
                used += w;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Words, single spaces, and each wide (CJK) character as its own piece.
fn split_keep_spaces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let wide = text::width(c.encode_utf8(&mut [0; 4])) > 1;
        if c == ' ' || wide {
            if start < i {
                out.push(&s[start..i]);
            }
            out.push(&s[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Share `total` columns: fixed widths first, the rest to the flexible column (index `flex`).
pub fn share(total: u16, fixed: &[u16], flex: usize, min_flex: u16) -> Vec<u16> {
    let gaps = fixed.len() as u16;
    let used: u16 = fixed
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != flex)
        .map(|(_, w)| *w)
        .sum();
    let flex_w = total.saturating_sub(used + gaps).max(min_flex.min(total));
    fixed
        .iter()
        .enumerate()
        .map(|(i, w)| if i == flex { flex_w } else { *w })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_strips_escapes_and_cuts_by_width() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        put(
            &mut buf,
            0,
            0,
            10,
            "A\x1b[2J\u{202e}华为技术有限公司",
            Style::default(),
        );
        let line: String = (0..10).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(!line.contains('\x1b') && !line.contains('\u{202e}'));
        let compact: String = line.chars().filter(|c| *c != ' ').collect();
        assert!(compact.starts_with("A[2J华为"), "{line}");
    }

    #[test]
    fn drawing_over_half_a_wide_character_reaches_the_screen() {
        let area = Rect::new(0, 0, 8, 3);
        let previous = Buffer::empty(area);
        let mut buf = Buffer::empty(area);
        for y in 0..3 {
            put(&mut buf, 0, y, 8, "华为华为", Style::default());
        }
        // A dialog whose left border falls on the second half of 为.
        panel(
            &mut buf,
            Rect::new(3, 0, 5, 3),
            "",
            &Theme::fallback(true),
            true,
        );
        let drawn: Vec<&str> = previous
            .diff(&buf)
            .iter()
            .filter(|(x, _, _)| *x == 3)
            .map(|(_, _, cell)| cell.symbol())
            .collect();
        assert_eq!(drawn, ["╭", "│", "╰"], "the border is sent to the terminal");
        assert_eq!(buf[(2, 1)].symbol(), " ", "the covered character is cut");
    }

    #[test]
    fn the_fast_path_agrees_with_sanitize() {
        for c in [
            '\u{200e}', '\u{202e}', '\u{2066}', '\u{061c}', '\x1b', '\x07', '\u{85}',
        ] {
            let s = format!("a{c}b");
            assert_ne!(text::sanitize(&s), s, "{c:?} is stripped by sanitize");
            assert!(
                s.chars().any(|c| c.is_control() || is_bidi_control(c)),
                "{c:?} takes the slow path"
            );
        }
    }

    #[test]
    fn wrapping_respects_columns() {
        assert_eq!(wrap("hello world again", 11), ["hello world", "again"]);
        for line in wrap("客户来电询问发票开具进度以及合同条款", 8) {
            assert!(text::width(&line) <= 8);
        }
        assert_eq!(wrap("a\nb", 5), ["a", "b"]);
    }
}
