//! Where each part of the frame lies, as pure functions of the terminal size, so mouse clicks
//! are mapped with the same numbers the drawing used.

use ratatui::layout::Rect;

use super::action::Pane;

/// Where the screen draws: all but the header row and the two bottom rows.
pub fn content_area(size: Rect) -> Rect {
    Rect::new(
        size.x,
        size.y + 1,
        size.width,
        size.height.saturating_sub(3),
    )
}

pub const TAB_W: u16 = 14;

/// The pane whose tab is at this column of the header (at a pane's top screen).
pub fn tab_at(column: u16) -> Option<Pane> {
    Pane::ALL.get(usize::from(column / TAB_W)).copied()
}

/// Between the steps of the breadcrumb.
pub const CRUMB_SEP: &str = " › ";

/// The breadcrumb's steps as drawn in `width` columns: (column, text) each. Every step gets an
/// equal share of what the first (the pane, kept whole) leaves; longer ones are cut.
pub fn crumbs(steps: &[String], width: u16) -> Vec<(u16, String)> {
    let sep = crate::text::width(CRUMB_SEP) as u16;
    let first = steps.first().map(|s| format!(" {s}")).unwrap_or_default();
    let mut x = 0u16;
    let mut out = Vec::new();
    let first_w = (crate::text::width(&first) as u16).min(width);
    out.push((0, crate::text::truncate(&first, usize::from(first_w))));
    x += first_w;
    let rest = steps.len().saturating_sub(1) as u16;
    if rest == 0 {
        return out;
    }
    let share = (width.saturating_sub(x + rest * sep) / rest).max(4);
    for step in steps.iter().skip(1) {
        x += sep;
        if x >= width {
            break;
        }
        let w = (crate::text::width(step) as u16).min(share).min(width - x);
        let cut = crate::text::truncate(step, usize::from(w));
        let drawn = crate::text::width(&cut) as u16;
        out.push((x, cut));
        x += drawn;
    }
    out
}

/// The breadcrumb step drawn at this column, if any: clicking it goes back to it.
pub fn crumb_at(steps: &[String], width: u16, column: u16) -> Option<usize> {
    crumbs(steps, width)
        .iter()
        .enumerate()
        .find_map(|(i, (x, s))| {
            let w = crate::text::width(s) as u16;
            (column >= *x && column < x + w).then_some(i)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_breadcrumb_is_cut_to_the_width_and_clicks_find_its_steps() {
        let steps: Vec<String> = [
            "Customers",
            "C000676 上海东华贸易有限公司华东分公司",
            "T-001002 打印机卡纸",
        ]
        .map(String::from)
        .to_vec();
        let drawn = crumbs(&steps, 40);
        assert_eq!(drawn.len(), 3);
        assert_eq!(drawn[0], (0, " Customers".to_string()));
        let end = drawn
            .last()
            .map(|(x, s)| x + crate::text::width(s) as u16)
            .unwrap_or(0);
        assert!(end <= 40, "{drawn:?}");
        assert!(drawn[1].1.starts_with("C000676"), "{drawn:?}");
        assert_eq!(crumb_at(&steps, 40, 3), Some(0));
        assert_eq!(crumb_at(&steps, 40, drawn[1].0), Some(1));
        assert_eq!(crumb_at(&steps, 40, drawn[2].0 + 1), Some(2));
        assert_eq!(crumb_at(&steps, 40, 39), None);
    }
}
