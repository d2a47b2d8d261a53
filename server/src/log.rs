//! The server's log: every line is escaped on its way out, so a value that came from outside (a
//! username, a path, a database error quoting a value) cannot forge a line with a newline or reach
//! whoever tails the log with ESC, BEL, NUL or a bidi override.

use std::io;

use tracing_subscriber::fmt::MakeWriter;

/// Bidi overrides and isolates: they reorder what a terminal shows.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// One formatted event with its control characters escaped (`\n`, `\u{1b}`); the newline that
/// ends the event stays.
pub fn escape_event(text: &str) -> String {
    let (body, end) = match text.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (text, ""),
    };
    let mut out = String::with_capacity(text.len() + 8);
    for c in body.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push_str(end);
    out
}

/// Wraps a [`MakeWriter`]: each event (written whole by the fmt layer) passes [`escape_event`].
pub struct Escaping<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Escaping<M> {
    type Writer = Escaped<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Escaped(self.0.make_writer())
    }
}

pub struct Escaped<W>(W);

impl<W: io::Write> io::Write for Escaped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .write_all(escape_event(&String::from_utf8_lossy(buf)).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The `crm-server` log: to stderr, `RUST_LOG` or info, escaped, without colours (their ESC would
/// be escaped too).
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(false)
        .with_writer(Escaping(io::stderr))
        .init();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_logged_value_cannot_forge_a_line_or_reach_the_terminal() {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(Escaping(move || sink.clone()))
            .finish();
        let username = "evil\n2026-01-01T00:00:00Z  INFO signed in username=admin\u{1b}]0;U\u{7}\u{0}\u{9b}\u{202e}";
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(%username, "failed sign-in");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with('\n'));
        assert!(
            !text[..text.len() - 1]
                .chars()
                .any(|c| c.is_control() || is_bidi_control(c)),
            "{text:?}"
        );
        assert!(text.contains(r"evil\n2026"), "{text}");
        assert!(text.contains(r"\u{1b}]0;U\u{7}"), "{text}");
    }
}
