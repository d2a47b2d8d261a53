//! The calendar's drawing: month grid, week and agenda views, the side day list, reminders.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{CalendarPane, monday_of, side_width};
use crate::tui::action::CalView;
use crate::tui::data::{Record, activity_time, flag, text, time};
use crate::tui::draw;
use crate::tui::theme::Role;
use crate::tui::view::View;

impl CalendarPane {
    pub(super) fn draw(&self, buf: &mut Buffer, area: Rect, view: &View) {
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
            draw::filter_input(buf, area, input, theme);
            let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
            return self.render_body(buf, body, area, view);
        }
        let title = match self.line.label() {
            Some(filter) => format!("{title} · {filter}"),
            None => title,
        };
        // Until the reader answers, what is shown is the previous data.
        let title = if self.pending.busy() {
            format!("{title} …")
        } else {
            title
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
            &view.zone.label(view.now),
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
        if day == view.today() {
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
            .map(|t| self.zone.time(t))
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
        // Only the rows that fit are made: a million customers' user has tens of thousands
        // not contacted, and formatting them all cost most of a second per frame.
        let section = |lines: &mut Vec<(String, Role)>,
                       title: &str,
                       len: usize,
                       rows: &mut dyn Iterator<Item = (String, Role)>| {
            lines.push((format!("{title} ({len})"), Role::Header));
            if len == 0 {
                lines.push(("  none".into(), Role::Muted));
            }
            lines.extend(rows.take(per));
            let extra = len.saturating_sub(per);
            if extra > 0 {
                lines.push((format!("  +{extra} more"), Role::Muted));
            }
        };
        section(
            &mut lines,
            "Birthdays",
            r.birthdays_total,
            &mut r.birthdays.iter().map(|b| {
                (
                    format!(
                        "{} {} · {}",
                        b.date.format("%m-%d"),
                        text(&b.contact, "name"),
                        b.customer_name
                    ),
                    Role::Accent,
                )
            }),
        );
        section(
            &mut lines,
            "Overdue",
            r.overdue.len(),
            &mut r.overdue.iter().map(|a| {
                let due = time(a, "due_at")
                    .map(|d| self.zone.format(d, "%m-%d"))
                    .unwrap_or_default();
                (
                    format!("{due} {} · {}", text(a, "subject"), self.customer(a)),
                    Role::Danger,
                )
            }),
        );
        section(
            &mut lines,
            "Not contacted",
            r.quiet_total,
            &mut r.quiet.iter().map(|q| {
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
            }),
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
            if day == view.today() {
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
                    .map(|t| self.zone.time(t))
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
            let d = activity_time(a).map(|t| self.zone.date(t));
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
                    if d == view.today() {
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
                        .map(|t| self.zone.time(t))
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
