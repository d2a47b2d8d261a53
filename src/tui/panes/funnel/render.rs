//! The funnel's drawing: the board of stage columns and cards, the bar chart with the forecast,
//! and the details line for the chosen opportunity.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{CARD_H, FunnelPane, HEAD_H, areas, cards_visible};
use crate::tui::data::{int, text};
use crate::tui::draw;
use crate::tui::format;
use crate::tui::panes::word_role;
use crate::tui::theme::Role;
use crate::tui::view::View;

impl FunnelPane {
    pub(super) fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if self.summaries.is_empty() {
            let why = if self.pending.busy() {
                "Reading the funnel…"
            } else {
                "No pipeline stages yet; they arrive with the first sync."
            };
            draw::put(
                buf,
                area.x + 1,
                area.y,
                area.width,
                why,
                theme.style(Role::Muted),
            );
            return;
        }
        let a = areas(area, self.summaries.len(), self.chart);
        if a.board.height > 0 {
            self.render_board(buf, a.board, view);
        }
        if a.chart.height > 0 {
            self.render_chart(buf, a.chart, view);
        }
        self.render_details(buf, a.details, view);
    }

    fn render_board(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let n = self.summaries.len() as u16;
        let col_w = area.width / n;
        let visible = cards_visible(area);
        for (i, s) in self.summaries.iter().enumerate() {
            let x = area.x + i as u16 * col_w;
            let w = if i as u16 == n - 1 {
                area.right() - x
            } else {
                col_w
            };
            let focused = i == self.col;
            let inner = draw::panel(
                buf,
                Rect::new(x, area.y, w, area.height),
                "",
                theme,
                focused,
            );
            let name = text(&s.stage, "name");
            let kind = text(&s.stage, "kind");
            let title_role = if kind == "open" {
                Role::Title
            } else {
                word_role(kind)
            };
            let head = if crate::text::width(name) + 5 > usize::from(inner.width) {
                format!("{name} {}", s.count)
            } else {
                format!("{name} ({})", s.count)
            };
            draw::put(
                buf,
                inner.x,
                inner.y,
                inner.width,
                &head,
                theme.style(title_role),
            );
            // Narrow columns get "1.2M" rather than a cut-off "1,190,000.…".
            let amount = |minor: i64| {
                let full = format::money(minor);
                if crate::text::width(&full) + 2 > usize::from(inner.width) {
                    format::money_short(minor)
                } else {
                    full
                }
            };
            draw::put(
                buf,
                inner.x,
                inner.y + 1,
                inner.width,
                &amount(s.total),
                theme.style(Role::Text),
            );
            draw::put(
                buf,
                inner.x,
                inner.y + 2,
                inner.width,
                &format!("w {}", amount(s.weighted)),
                theme.style(Role::Muted),
            );
            for dx in 0..inner.width {
                buf[(inner.x + dx, inner.y + 3)]
                    .set_symbol("─")
                    .set_style(theme.style(Role::Border));
            }
            let column = &self.columns[i];
            for (k, o) in column.rows.iter().take(visible).enumerate() {
                let y = inner.y + HEAD_H + k as u16 * CARD_H;
                if y >= inner.bottom() {
                    break;
                }
                let selected = focused && column.offset + k == column.selected;
                let style = if selected {
                    theme.style(Role::Selection)
                } else {
                    theme.style(Role::Text)
                };
                let muted = if selected {
                    style
                } else {
                    theme.style(Role::Muted)
                };
                if selected {
                    draw::fill(
                        buf,
                        Rect::new(inner.x, y, inner.width, CARD_H.min(inner.bottom() - y)),
                        style,
                    );
                }
                draw::put(buf, inner.x, y, inner.width, text(o, "name"), style);
                if y + 1 < inner.bottom() {
                    let customer = self
                        .names
                        .get(text(o, "customer_id"))
                        .map(String::as_str)
                        .unwrap_or("");
                    let amount = format::money_short(int(o, "amount").unwrap_or(0));
                    draw::put(
                        buf,
                        inner.x,
                        y + 1,
                        inner.width,
                        &format!("{amount} {customer}"),
                        muted,
                    );
                }
            }
            let shown_to = column.offset + column.rows.len().min(visible);
            if s.count > shown_to && inner.height > 0 {
                let more = format!("+{} more", s.count - shown_to);
                draw::put_fit(
                    buf,
                    inner.x,
                    inner.bottom() - 1,
                    inner.width,
                    &more,
                    theme.style(Role::Muted),
                );
            }
        }
    }

    fn render_chart(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let (y, m) = self.forecast.month;
        let inner = draw::panel(buf, area, "Funnel", theme, self.chart);
        let max = self
            .summaries
            .iter()
            .map(|s| s.total)
            .max()
            .unwrap_or(0)
            .max(1);
        let label_w = 12;
        let figures_w = 40.min(inner.width / 2);
        let bar_w = inner.width.saturating_sub(label_w + figures_w + 2);
        for (i, s) in self.summaries.iter().enumerate() {
            let row = inner.y + i as u16;
            if row >= inner.bottom() {
                break;
            }
            let kind = text(&s.stage, "kind");
            let role = if kind == "open" {
                Role::Text
            } else {
                word_role(kind)
            };
            draw::put(
                buf,
                inner.x,
                row,
                label_w,
                text(&s.stage, "name"),
                theme.style(role),
            );
            let len = (i128::from(s.total) * i128::from(bar_w) / i128::from(max)) as u16;
            let len = if s.total > 0 { len.max(1) } else { 0 };
            let bar: String = "█".repeat(usize::from(len));
            draw::put(
                buf,
                inner.x + label_w + 1,
                row,
                bar_w,
                &bar,
                theme.style(Role::Bar),
            );
            let figures = format!(
                "{:>3} {:>15} w {:>14}",
                s.count,
                format::money(s.total),
                format::money(s.weighted)
            );
            draw::put(
                buf,
                inner.x + label_w + 2 + bar_w,
                row,
                figures_w,
                &figures,
                theme.style(Role::Muted),
            );
        }
        let fy = inner.y + self.summaries.len() as u16 + 1;
        if fy < inner.bottom() {
            let f = &self.forecast;
            let line = format!(
                "Forecast {y}-{m:02}: {} open · total {} · weighted {} · won {}{}",
                f.count,
                format::money(f.total),
                format::money(f.weighted),
                format::money(f.won),
                f.target_text()
            );
            draw::put(
                buf,
                inner.x,
                fy,
                inner.width,
                &line,
                theme.style(Role::Accent),
            );
        }
    }

    fn render_details(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        if area.height == 0 {
            return;
        }
        if let Some(input) = &self.line.input {
            draw::filter_input(buf, area, input, theme);
        } else {
            self.render_chosen(buf, area, view);
        }
        if area.height < 2 {
            return;
        }
        let f = &self.forecast;
        let (y, m) = f.month;
        let mut filters = Vec::new();
        if !self.filter.search.is_empty() {
            filters.push(format!("filter “{}”", self.filter.search));
        }
        if let Some(o) = &self.filter.owner_id {
            filters.push(format!("owner {}", view.people.name(o)));
        }
        if let Some((fy, fm)) = self.filter.close_month {
            filters.push(format!("closing {fy}-{fm:02}"));
        }
        let filters = if filters.is_empty() {
            "all owners, any month".to_string()
        } else {
            filters.join(", ")
        };
        // Until the reader answers, what is shown is the previous data.
        let waiting = if self.pending.busy() || self.column_read.is_some() {
            " …"
        } else {
            ""
        };
        // With a target, the month's won amount against it (the line stays as it was without).
        let attained = match f.target {
            Some(_) => format!(" · won {}{}", format::money(f.won), f.target_text()),
            None => String::new(),
        };
        let line = format!(
            "Forecast {y}-{m:02}: weighted {} of {} open{attained} · {filters}{waiting}",
            format::money(f.weighted),
            format::money(f.total),
        );
        draw::put(
            buf,
            area.x + 1,
            area.y + 1,
            area.width.saturating_sub(2),
            &line,
            theme.style(Role::Accent),
        );
    }

    /// The chosen opportunity in one line.
    fn render_chosen(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        match self.selected() {
            Some(o) => {
                let customer = self
                    .names
                    .get(text(o, "customer_id"))
                    .map(String::as_str)
                    .unwrap_or("");
                let p = int(o, "probability")
                    .map(|p| format!("{p}%"))
                    .unwrap_or_default();
                let line = format!(
                    "{} · {} · {} · close {} · {} · {}",
                    text(o, "name"),
                    customer,
                    format::money(int(o, "amount").unwrap_or(0)),
                    text(o, "expected_close"),
                    p,
                    view.people.name(text(o, "owner_id"))
                );
                draw::put(
                    buf,
                    area.x + 1,
                    area.y,
                    area.width.saturating_sub(2),
                    &line,
                    theme.style(Role::Text),
                );
            }
            None => {
                draw::put(
                    buf,
                    area.x + 1,
                    area.y,
                    area.width.saturating_sub(2),
                    "No opportunity in this stage — n adds one",
                    theme.style(Role::Muted),
                );
            }
        }
    }
}
