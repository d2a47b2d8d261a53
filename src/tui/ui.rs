//! The frame: pane tabs on top (or, inside an opened view, the breadcrumb back to its pane), the
//! screen in view, the status bar, and the footer with the keys that work here (or the command
//! line). Where things lie is in layout.rs, shared with mouse clicks.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Pane};
use super::app::App;
use super::dialogs::command;
use super::draw;
use super::format;
use super::layout::{self, CRUMB_SEP, TAB_W, content_area};
use super::theme::Role;

impl App {
    /// Draws the frame from the app's state; reads nothing.
    pub fn render(&self, frame: &mut Frame) {
        render(self, frame);
    }
}

fn render(app: &App, frame: &mut Frame) {
    let size = frame.area();
    let view = app.view();
    let theme = &app.theme;
    let buf = frame.buffer_mut();
    draw::fill(buf, size, theme.style(Role::Text));
    if size.width < 20 || size.height < 6 {
        draw::put(
            buf,
            0,
            0,
            size.width,
            "Terminal too small",
            theme.style(Role::Warn),
        );
        return;
    }

    let crumbs = app.breadcrumb();
    if crumbs.len() > 1 {
        breadcrumb(app, &crumbs, buf, size.width);
    } else {
        tabs(app, buf, size.width);
    }

    let content = content_area(size);
    let screen = app.screen();
    screen.render(buf, content, &view);

    status_bar(app, buf, Rect::new(0, size.height - 2, size.width, 1));

    let mut cursor: Option<Position> = None;
    if app.dialogs.is_empty() {
        cursor = screen.cursor(content);
    }
    for dialog in &app.dialogs {
        cursor = dialog.render(buf, content, &view);
    }

    let footer = Rect::new(0, size.height - 1, size.width, 1);
    match &app.command {
        Some(line) => cursor = Some(command_line(app, line, buf, footer, content)),
        None => footer_keys(app, buf, footer),
    }
    if let Some(c) = cursor {
        frame.set_cursor_position(c);
    }
}

/// Inside an opened view: "Customers › C000676 上海东华… › T-001002", the last step in view.
fn breadcrumb(app: &App, crumbs: &[String], buf: &mut Buffer, width: u16) {
    let theme = &app.theme;
    let drawn = layout::crumbs(crumbs, width);
    let last = drawn.len().saturating_sub(1);
    for (i, (x, s)) in drawn.iter().enumerate() {
        if i > 0 {
            let sep_x = x.saturating_sub(crate::text::width(CRUMB_SEP) as u16);
            draw::put(
                buf,
                sep_x,
                0,
                width.saturating_sub(sep_x),
                CRUMB_SEP,
                theme.style(Role::Muted),
            );
        }
        let role = if i == last {
            Role::TabActive
        } else {
            Role::Tab
        };
        draw::put(buf, *x, 0, width.saturating_sub(*x), s, theme.style(role));
    }
}

fn tabs(app: &App, buf: &mut Buffer, width: u16) {
    let theme = &app.theme;
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let style = if *pane == app.pane {
            theme.style(Role::TabActive)
        } else {
            theme.style(Role::Tab)
        };
        let x = i as u16 * TAB_W;
        draw::put_fit(
            buf,
            x,
            0,
            TAB_W - 1,
            &format!(" {} {}", i + 1, pane.title()),
            style,
        );
    }
    // The header names the zone every time on the screens is in; the date goes first when
    // there is no room for both. At 80 columns the tabs leave no room for a clock.
    let room = if width > TAB_W * 4 + 24 {
        usize::from(width - TAB_W * 4 - 1)
    } else {
        0
    };
    let zone = app.zone.label(app.now);
    let clock = [
        format!("{} {zone}", app.zone.format(app.now, "%a %Y-%m-%d %H:%M")),
        format!("{} {zone}", app.zone.format(app.now, "%H:%M")),
    ]
    .into_iter()
    .find(|c| crate::text::width(c) <= room);
    if let Some(clock) = clock {
        draw::put_right(
            buf,
            TAB_W * 4,
            0,
            width - TAB_W * 4 - 1,
            &clock,
            theme.style(Role::Muted),
        );
    }
}

fn status_bar(app: &App, buf: &mut Buffer, area: Rect) {
    let theme = &app.theme;
    let bar = theme.style(Role::StatusBar);
    draw::fill(buf, area, bar);
    let online = app.online.or(app.status.online);
    let mut parts: Vec<(String, Role)> = vec![
        (format!(" {} ", app.profile), Role::StatusBar),
        (
            format!(
                "{} ",
                if app.me.username.is_empty() {
                    "—"
                } else {
                    &app.me.username
                }
            ),
            Role::StatusBar,
        ),
    ];
    parts.push(match online {
        Some(true) => ("● online ".into(), Role::Ok),
        Some(false) => ("○ offline ".into(), Role::Warn),
        None => ("○ local ".into(), Role::Muted),
    });
    let last = match (app.synced_at, app.status.last_sync) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let synced = match last {
        Some(t) => format!("synced {} ", format::ago(t, app.now)),
        None => "never synced ".into(),
    };
    parts.push((synced.clone(), Role::StatusBar));
    // What gives way to a message on a narrow terminal, first to last.
    let mut gives_way = Vec::new();
    if app.to_approve > 0 {
        let approve = format!("{} to approve (g a) ", app.to_approve);
        gives_way.push(approve.clone());
        parts.push((approve, Role::Accent));
    }
    if app.at_risk > 0 {
        let at_risk = format!("{} tickets at risk (R) ", app.at_risk);
        gives_way.push(at_risk.clone());
        parts.push((at_risk, Role::Warn));
    }
    gives_way.push(synced);
    if app.status.pending > 0 {
        parts.push((format!("↑{} pending ", app.status.pending), Role::Warn));
    }
    if app.status.refused > 0 {
        parts.push((
            format!("⚠ {} refused (g o) ", app.status.refused),
            Role::Danger,
        ));
    }
    if app.status.conflicts > 0 {
        parts.push((
            format!(
                "⚠ {} conflict{} (!) ",
                app.status.conflicts,
                if app.status.conflicts == 1 { "" } else { "s" }
            ),
            Role::Danger,
        ));
    }
    let flash = app.flash.as_ref().filter(|f| f.live(app.now));
    // The running call beside the user, unless it would cut a message short (a message lasts
    // seconds; the call comes back after it).
    if let Some(call) = app.call {
        let call = format!("{} ", call.status(app.now));
        let taken: usize = parts.iter().map(|(s, _)| crate::text::width(s)).sum();
        let room = usize::from(area.width).saturating_sub(taken + crate::text::width(&call) + 2);
        if flash.is_none_or(|f| crate::text::width(&f.text) <= room) {
            parts.insert(2, (call, Role::Accent));
        }
    }
    // A message lasts seconds and says what just happened: on a narrow terminal the counts
    // the user can read again in a moment give way to it, the approvals and tickets at risk
    // first, then the sync's age (never online/offline, pending, refused or conflicts).
    if let Some(flash) = flash {
        let need = crate::text::width(&flash.text) + 3;
        for part in &gives_way {
            let taken: usize = parts.iter().map(|(s, _)| crate::text::width(s)).sum();
            if taken + need <= usize::from(area.width) {
                break;
            }
            parts.retain(|(s, _)| s != part);
        }
    }
    let right: String = parts.iter().map(|(s, _)| s.as_str()).collect();
    let right_w = crate::text::width(&right) as u16;
    let x0 = area.right().saturating_sub(right_w);
    let mut x = x0.max(area.x);
    for (s, role) in &parts {
        let style = if *role == Role::StatusBar {
            bar
        } else {
            bar.patch(theme.style(*role)).bg(bar.bg.unwrap_or_default())
        };
        x += draw::put(buf, x, area.y, area.right().saturating_sub(x), s, style);
    }
    if let Some(flash) = flash {
        let style = if flash.error {
            bar.patch(theme.style(Role::Danger))
                .bg(bar.bg.unwrap_or_default())
        } else {
            bar
        };
        let w = x0.saturating_sub(area.x + 2);
        draw::put(buf, area.x + 1, area.y, w, &flash.text, style);
    }
}

fn footer_keys(app: &App, buf: &mut Buffer, area: Rect) {
    let theme = &app.theme;
    draw::fill(buf, area, theme.style(Role::Footer));
    let hints = app.keymap.hints(&app.modes());
    let mut x = area.x + 1;
    for (keys, hint, action) in hints
        .into_iter()
        .filter(|(_, _, a)| applies(app, a) && app.offers(a))
    {
        let hint = label(app, &action, hint);
        let need = crate::text::width(&keys) + crate::text::width(&hint) + 3;
        if usize::from(x) + need > usize::from(area.right()) {
            break;
        }
        x += draw::put(
            buf,
            x,
            area.y,
            area.right() - x,
            &keys,
            theme.style(Role::Key),
        );
        x += draw::put(
            buf,
            x + 1,
            area.y,
            area.right() - x - 1,
            &hint,
            theme.style(Role::Footer),
        ) + 3;
    }
}

/// The keymap's short hint, worded for where the key is pressed ("save" reads wrong in a search).
fn label(app: &App, action: &Action, hint: String) -> String {
    use super::dialogs::Dialog;
    let searching = app.dialogs.is_empty() && app.screen().typing();
    let inside = app.breadcrumb().len() > 1;
    let word = match (app.dialogs.last(), action) {
        (None, Action::Leave) if inside => "back",
        (None, Action::Submit) if searching => "open",
        (None, Action::Cancel) if searching => "clear",
        (None, Action::Down) if searching => "next",
        (None, Action::Up) if searching => "previous",
        (Some(Dialog::Picker(_)), Action::Submit) => "choose",
        (Some(Dialog::Prompt(_)), Action::Submit) => "ok",
        (Some(Dialog::LogCall(_)), Action::Submit) => "pick, then save",
        _ => return hint,
    };
    word.to_string()
}

/// Which dialog keys the footer offers for the dialog on top: only those that do something.
fn applies(app: &App, action: &Action) -> bool {
    use super::dialogs::Dialog;
    let top = app.dialogs.last();
    if app.command.is_some() || (top.is_none() && app.screen().typing()) {
        return matches!(
            action,
            Action::Submit | Action::Cancel | Action::NextField | Action::Down | Action::Up
        ) && !(app.command.is_none() && *action == Action::NextField);
    }
    match top {
        None => true,
        Some(Dialog::Confirm(_)) => matches!(action, Action::Yes | Action::No),
        Some(Dialog::Help(_)) => matches!(action, Action::Cancel),
        Some(Dialog::Conflicts(_)) => matches!(
            action,
            Action::Left | Action::Right | Action::Submit | Action::Cancel
        ),
        Some(Dialog::Form(_)) => {
            matches!(action, Action::Submit | Action::Cancel | Action::NextField)
        }
        Some(_) => matches!(action, Action::Submit | Action::Cancel),
    }
}

fn command_line(
    app: &App,
    line: &command::CommandLine,
    buf: &mut Buffer,
    area: Rect,
    content: Rect,
) -> Position {
    let theme = &app.theme;
    draw::fill(buf, area, theme.style(Role::Input));
    draw::put(buf, area.x, area.y, 1, ":", theme.style(Role::Key));
    let (shown, cursor) = line.input.view(usize::from(area.width.saturating_sub(2)));
    draw::put(
        buf,
        area.x + 1,
        area.y,
        area.width - 1,
        &shown,
        theme.style(Role::Input),
    );
    // Completions float above the line.
    let n = line.completions.len().min(8) as u16;
    if n > 0 {
        let w = line
            .completions
            .iter()
            .map(|c| crate::text::width(c) as u16 + 2)
            .max()
            .unwrap_or(10)
            .min(area.width);
        let top = content.bottom().saturating_sub(n);
        for (i, c) in line.completions.iter().take(usize::from(n)).enumerate() {
            let style = if line.chosen == Some(i) {
                theme.style(Role::Selection)
            } else {
                theme.style(Role::Popup)
            };
            draw::put_fit(buf, area.x, top + i as u16, w, &format!(" {c}"), style);
        }
    }
    Position::new(area.x + 1 + cursor as u16, area.y)
}
