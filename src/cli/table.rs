//! Plain-text tables for the terminal.

use crate::domain::presets::PresetSummary;
use crate::text;

/// NAME, GENRE, DESCRIPTION columns; a broken file shows its reason.
pub fn presets(list: &[PresetSummary]) -> String {
    if list.is_empty() {
        return "No presets.\n".to_string();
    }
    let name_w = list
        .iter()
        .map(|p| text::width(&p.name))
        .max()
        .unwrap_or(0)
        .max(4);
    let genre_w = list
        .iter()
        .map(|p| {
            p.genre
                .as_deref()
                .map_or(8, |g| text::width(&text::one_line(g)))
        })
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!("{:name_w$}  {:genre_w$}  DESCRIPTION\n", "NAME", "GENRE");
    for p in list {
        // Measured as shown: a tab or an escape in a genre (a file may
        // hold any) is printed as `\x09`, `\x1B`.
        let (genre, desc) = match &p.error {
            Some(err) => ("(broken)".into(), format!("error: {err}")),
            None => (
                text::one_line(p.genre.as_deref().unwrap_or("")),
                p.description.clone().unwrap_or_default(),
            ),
        };
        out.push_str(&format!(
            "{}  {}  {desc}",
            text::pad(&p.name, name_w),
            text::pad(&genre, genre_w)
        ));
        out.truncate(out.trim_end().len());
        out.push('\n');
        for w in &p.warnings {
            out.push_str(&format!("{:name_w$}  {:genre_w$}  warning: {w}\n", "", ""));
        }
    }
    out
}
