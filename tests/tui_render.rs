//! What reaches the terminal: no escape or bidi character from the data, colours only when
//! allowed, themes switched at run time, any terminal size.

mod support;

use crm::tui::theme::Role;
use crm::tui::{App, TuiOptions};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use support::{Fixture, draw, options, press};

/// An app over the fixtures at `w` x `h`, and the fixtures it reads.
fn start(options: TuiOptions, w: u16, h: u16) -> (App, Fixture) {
    support::start_sized(options, w, h)
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

fn assert_clean(buf: &Buffer, what: &str) {
    for cell in buf.content() {
        for c in cell.symbol().chars() {
            assert!(
                !c.is_control() && !is_bidi(c),
                "{what}: {c:?} reached the buffer"
            );
        }
    }
}

#[test]
fn an_escape_sequence_in_a_name_never_reaches_the_buffer() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, _fx) = start(options(), w, h);
        // The list, a search for the customer, its 360 view, a form on it, the log-call dialog.
        assert_clean(&draw(&app), "list");
        press(&mut app, "/");
        for c in "Evil".chars() {
            app.key(KeyEvent::from(KeyCode::Char(c)));
        }
        let buf = draw(&app);
        assert_clean(&buf, "search");
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(text.contains("Evil[2J]0;pwned"), "shown, defused");
        press(&mut app, "<Enter>");
        assert!(app.customer_view().is_some());
        assert_clean(&draw(&app), "360");
        press(&mut app, "e");
        assert_clean(&draw(&app), "edit form");
        press(&mut app, "<Esc> c");
        assert_clean(&draw(&app), "log call");
        press(&mut app, "<Esc> l l");
        assert_clean(&draw(&app), "contacts");
        // The ticket with an escape in its subject, in the queue and opened.
        press(&mut app, "4 A");
        assert_clean(&draw(&app), "queue");
        press(&mut app, "<Enter>");
        assert_clean(&draw(&app), "ticket");
        for pane in ["2", "3", "3 w", "3 a", "!"] {
            press(&mut app, &format!("<Esc> {pane}"));
            assert_clean(&draw(&app), pane);
        }
    }
}

#[test]
fn no_color_means_no_colour_at_all() {
    let (mut app, _fx) = start(
        TuiOptions {
            no_color: true,
            ..options()
        },
        100,
        30,
    );
    for keys in ["", "<Enter>", "2", "3", "4", "?"] {
        press(&mut app, keys);
        let buf = draw(&app);
        for cell in buf.content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "after {keys}: {cell:?}"
            );
        }
    }
    // Meaning survives: the selected row is reversed, the active tab too.
    let (app, _fx) = start(
        TuiOptions {
            no_color: true,
            ..options()
        },
        100,
        30,
    );
    let buf = draw(&app);
    assert!(
        buf[(1, 0)].modifier.contains(Modifier::REVERSED),
        "active tab"
    );
    assert!(
        buf[(1, 3)].modifier.contains(Modifier::REVERSED),
        "selected row"
    );
}

#[test]
fn themes_switch_at_run_time() {
    let (mut app, _fx) = start(options(), 100, 30);
    assert_eq!(app.theme.name, "dark");
    let dark_text = app.theme.style(Role::Text);
    press(&mut app, ":");
    for c in "theme light".chars() {
        app.key(KeyEvent::from(KeyCode::Char(c)));
    }
    press(&mut app, "<Enter>");
    assert_eq!(app.theme.name, "light");
    assert_ne!(app.theme.style(Role::Text), dark_text);
    let buf = draw(&app);
    assert_eq!(
        buf[(30, 10)].fg,
        app.theme.style(Role::Text).fg.unwrap(),
        "drawn in the new theme"
    );

    press(&mut app, ":");
    for c in "theme octarine".chars() {
        app.key(KeyEvent::from(KeyCode::Char(c)));
    }
    press(&mut app, "<Enter>");
    assert_eq!(app.theme.name, "light", "an unknown theme changes nothing");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("octarine"))
    );

    // basic16 draws with the 16 ANSI colours only.
    let (app, _fx) = start(
        TuiOptions {
            theme: "basic16".into(),
            ..options()
        },
        100,
        30,
    );
    for cell in draw(&app).content() {
        for c in [cell.fg, cell.bg] {
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
        }
    }

    // A user theme file is found in the theme directory and overrides only what it names.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "parent = \"dark\"\n[roles]\nselection = { bg = \"magenta\" }\n",
    )
    .unwrap();
    let (app, _fx) = start(
        TuiOptions {
            theme: "mine".into(),
            theme_dir: Some(dir.path().to_path_buf()),
            ..options()
        },
        100,
        30,
    );
    assert_eq!(app.theme.style(Role::Selection).bg, Some(Color::Magenta));
    assert_eq!(app.theme.style(Role::Text), dark_text);
}

#[test]
fn any_terminal_size_draws() {
    for (w, h) in [(80, 24), (200, 60), (40, 12), (20, 6), (10, 3), (1, 1)] {
        let (mut app, _fx) = start(options(), w, h);
        for keys in [
            "", "<Enter>", "<Esc> 2", "v", "3", "w", "a", "4", "<Enter>", "?", "<Esc> :",
        ] {
            press(&mut app, keys);
            draw(&app);
        }
    }
    let (app, _fx) = start(options(), 15, 5);
    let text: String = draw(&app).content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("Terminal too"), "{text}");
}
