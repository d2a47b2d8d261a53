//! How many colours the terminal shows, and a theme's colours brought down to them. Pure: the
//! caller reads the environment, so the decision is tested without touching it.
//!
//! 24-bit colour only when `COLORTERM` says so (`truecolor` or `24bit`), since a terminal that
//! does not understand it draws garbage or nothing; else 256 colours when `TERM` names them
//! (`xterm-256color`); else the 16 ANSI colours every terminal has.

use ratatui::style::{Color, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    #[default]
    TrueColor,
    Indexed256,
    Ansi16,
}

impl Depth {
    /// The depth `COLORTERM` and `TERM` promise.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Depth {
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            Depth::TrueColor
        } else if term.is_some_and(|t| t.to_ascii_lowercase().contains("256color")) {
            Depth::Indexed256
        } else {
            Depth::Ansi16
        }
    }

    /// The depth of this process's terminal.
    pub fn from_env() -> Depth {
        Depth::detect(
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }

    /// `color` as this depth can show it: the nearest one it has.
    pub fn fit(self, color: Color) -> Color {
        match (self, color) {
            (Depth::TrueColor, c) => c,
            (Depth::Indexed256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (Depth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (Depth::Ansi16, Color::Indexed(i)) => {
                let (r, g, b) = rgb_of_index(i);
                nearest_16(r, g, b)
            }
            (_, c) => c,
        }
    }

    pub fn fit_style(self, style: Style) -> Style {
        Style {
            fg: style.fg.map(|c| self.fit(c)),
            bg: style.bg.map(|c| self.fit(c)),
            underline_color: style.underline_color.map(|c| self.fit(c)),
            ..style
        }
    }
}

/// The six levels of each channel in the 256-colour cube (indexes 16–231).
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The 16 ANSI colours with xterm's values, to measure against.
const ANSI: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn distance((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).unsigned_abs();
    // Weighted as the eye is: green counts most, blue least.
    3 * d(r1, r2).pow(2) + 4 * d(g1, g2).pow(2) + 2 * d(b1, b2).pow(2)
}

fn nearest_level(v: u8) -> usize {
    (0..CUBE.len())
        .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).unsigned_abs())
        .unwrap_or(0)
}

/// The nearest of the cube's colours and the 24 greys (232–255).
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (ri * 36 + gi * 6 + bi + 16) as u8;
    let cube_rgb = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let mean = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let step = (mean.saturating_sub(3) / 10).min(23) as u8;
    let grey = 232 + step;
    let grey_v = 8 + 10 * step;
    if distance((r, g, b), (grey_v, grey_v, grey_v)) < distance((r, g, b), cube_rgb) {
        grey
    } else {
        cube
    }
}

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI.iter()
        .min_by_key(|(_, rgb)| distance((r, g, b), *rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

/// What an indexed colour looks like, to bring it down to 16.
fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[usize::from(i)].1,
        16..=231 => {
            let n = usize::from(i - 16);
            (CUBE[n / 36], CUBE[n / 6 % 6], CUBE[n % 6])
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truecolor_only_when_colorterm_says_so() {
        let d = Depth::detect;
        assert_eq!(
            d(Some("truecolor"), Some("xterm-256color")),
            Depth::TrueColor
        );
        assert_eq!(d(Some("24bit"), None), Depth::TrueColor);
        assert_eq!(d(None, Some("xterm-256color")), Depth::Indexed256);
        assert_eq!(d(Some(""), Some("screen-256color")), Depth::Indexed256);
        assert_eq!(d(Some("yes"), Some("tmux-256color")), Depth::Indexed256);
        assert_eq!(d(None, Some("xterm")), Depth::Ansi16);
        assert_eq!(d(None, Some("linux")), Depth::Ansi16);
        assert_eq!(d(None, None), Depth::Ansi16);
    }

    #[test]
    fn colours_come_down_to_the_nearest_the_terminal_has() {
        let rgb = |r, g, b| Color::Rgb(r, g, b);
        // Exact cube and grey entries map to themselves.
        assert_eq!(Depth::Indexed256.fit(rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(Depth::Indexed256.fit(rgb(0, 0, 0)), Color::Indexed(16));
        assert_eq!(Depth::Indexed256.fit(rgb(95, 135, 175)), Color::Indexed(67));
        assert_eq!(
            Depth::Indexed256.fit(rgb(128, 128, 128)),
            Color::Indexed(244)
        );
        assert_eq!(Depth::Indexed256.fit(rgb(30, 30, 46)), Color::Indexed(235));
        assert_eq!(Depth::Ansi16.fit(rgb(250, 80, 80)), Color::LightRed);
        assert_eq!(Depth::Ansi16.fit(rgb(20, 20, 30)), Color::Black);
        assert_eq!(Depth::Ansi16.fit(rgb(0, 190, 200)), Color::Cyan);
        assert_eq!(Depth::Ansi16.fit(Color::Indexed(196)), Color::LightRed);
        // Named colours and the terminal's own stay as they are; 24-bit keeps everything.
        assert_eq!(Depth::Ansi16.fit(Color::Yellow), Color::Yellow);
        assert_eq!(Depth::Indexed256.fit(Color::Reset), Color::Reset);
        assert_eq!(Depth::TrueColor.fit(rgb(1, 2, 3)), rgb(1, 2, 3));
    }
}
