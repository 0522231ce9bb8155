//! Styles from the 16 ANSI colours only, so the UI reads on any terminal;
//! with NO_COLOR set, modifiers (bold, reverse, dim) carry the meaning alone.
//!
//! The defaults avoid the two colours that vanish on common palettes: blue
//! (4) on dark backgrounds and bright black (8), which is Solarized's
//! background. Faint text is the terminal's own dim attribute instead,
//! which follows whatever the foreground is. A `theme.toml` beside the
//! config file can choose other colours per role.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The colour of each role; `None` where a role has no colour of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
    accent: Color,
    label: Color,
    dim: Option<Color>,
    error: Color,
    warning: Color,
    success: Color,
    bar_fg: Color,
    bar_bg: Color,
}

/// The roles a theme file may set, in the order the README lists them.
pub const ROLES: [&str; 8] = [
    "accent", "label", "dim", "error", "warning", "success", "bar_fg", "bar_bg",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error(
        "{path}: {key:?}: {value:?} is not a colour; use a name (red, light-cyan, …), 0-255 or #rrggbb"
    )]
    Colour {
        path: String,
        key: String,
        value: String,
    },
    #[error("{path}: {key:?} is not a theme role; use one of {}", ROLES.join(", "))]
    Role { path: String, key: String },
}

impl Theme {
    pub const COLOR: Theme = Theme {
        color: true,
        accent: Color::Cyan,
        label: Color::Magenta,
        dim: None,
        error: Color::Red,
        warning: Color::Yellow,
        success: Color::Green,
        bar_fg: Color::Black,
        bar_bg: Color::Cyan,
    };
    pub const PLAIN: Theme = Theme {
        color: false,
        ..Theme::COLOR
    };

    /// <https://no-color.org>: set and not empty means no colour.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::PLAIN,
            _ => Theme::COLOR,
        }
    }

    /// The theme file's colours over `self`. No file is no change; a bad
    /// one is an error naming the file and the key, and changes nothing.
    pub fn with_file(self, path: &Path) -> Result<Theme, ThemeError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(e) => {
                return Err(ThemeError::Parse {
                    path: shown,
                    message: e.to_string(),
                });
            }
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| ThemeError::Parse {
            path: shown.clone(),
            message: e.message().trim().to_string(),
        })?;
        let mut theme = self;
        for (key, value) in table {
            let colour = value
                .as_str()
                .and_then(|v| Color::from_str(v).ok())
                .ok_or_else(|| ThemeError::Colour {
                    path: shown.clone(),
                    key: key.clone(),
                    value: value.to_string(),
                })?;
            match key.as_str() {
                "accent" => theme.accent = colour,
                "label" => theme.label = colour,
                "dim" => theme.dim = Some(colour),
                "error" => theme.error = colour,
                "warning" => theme.warning = colour,
                "success" => theme.success = colour,
                "bar_fg" => theme.bar_fg = colour,
                "bar_bg" => theme.bar_bg = colour,
                _ => {
                    return Err(ThemeError::Role {
                        path: shown,
                        key: key.clone(),
                    });
                }
            }
        }
        Ok(theme)
    }

    pub fn has_color(self) -> bool {
        self.color
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(self.accent).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }

    pub fn title(self, focused: bool) -> Style {
        if focused {
            self.fg(self.accent).add_modifier(Modifier::BOLD)
        } else if self.color {
            // Not the border's faintness: a title is read, a border is not.
            Style::new().fg(Color::Reset).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
                .add_modifier(Modifier::BOLD)
                .remove_modifier(Modifier::DIM)
        }
    }

    /// The selected row: reversed where the focus is, bold elsewhere so the
    /// selection stays visible without competing.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn error(self) -> Style {
        self.fg(self.error).add_modifier(Modifier::BOLD)
    }

    pub fn warning(self) -> Style {
        self.fg(self.warning)
    }

    pub fn success(self) -> Style {
        self.fg(self.success)
    }

    pub fn running(self) -> Style {
        self.fg(self.warning).add_modifier(Modifier::BOLD)
    }

    /// Borders, hints, counters: faint, but never a colour that can be the
    /// background (unless a theme file asks for one).
    pub fn dim(self) -> Style {
        match self.dim {
            Some(colour) if self.color => Style::new().fg(colour),
            _ => Style::new().add_modifier(Modifier::DIM),
        }
    }

    pub fn key(self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    pub fn label(self) -> Style {
        self.fg(self.label)
    }

    pub fn bar(self) -> Style {
        if self.color {
            Style::new().fg(self.bar_fg).bg(self.bar_bg)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_file_sets_roles_and_bad_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theme.toml");
        assert_eq!(Theme::COLOR.with_file(&path), Ok(Theme::COLOR));
        std::fs::write(&path, "label = \"light-cyan\"\ndim = \"8\"\n").unwrap();
        let theme = Theme::COLOR.with_file(&path).unwrap();
        assert_eq!(theme.label().fg, Some(Color::LightCyan));
        assert_eq!(theme.dim().fg, Some(Color::Indexed(8)));
        std::fs::write(&path, "label = \"blurple\\u001b[31m\"\n").unwrap();
        let e = Theme::COLOR.with_file(&path).unwrap_err().to_string();
        assert!(e.contains("label") && e.contains("is not a colour"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        std::fs::write(&path, "labels = \"red\"\n").unwrap();
        let e = Theme::COLOR.with_file(&path).unwrap_err().to_string();
        assert!(e.contains("\"labels\" is not a theme role"), "{e}");
        std::fs::write(&path, "label = [").unwrap();
        assert!(matches!(
            Theme::COLOR.with_file(&path),
            Err(ThemeError::Parse { .. })
        ));
        // NO_COLOR wins over a file.
        std::fs::write(&path, "label = \"red\"\n").unwrap();
        assert_eq!(Theme::PLAIN.with_file(&path).unwrap().label().fg, None);
    }
}
