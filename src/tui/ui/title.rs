//! Pane titles that stay true when the pane is narrow: a counter is never
//! cut (a cut `1166/100` reads as over the limit), words are dropped whole
//! or shortened, and only a name is cut, with an ellipsis.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::text::truncate_at_word;

/// How a part gives way when the title does not fit.
#[derive(Debug, Clone)]
enum Fit {
    /// Never shortened: the pane's name, numbers.
    Keep,
    /// Replaced by a shorter form first, then kept.
    Shorten(String),
    /// Left out whole.
    Drop,
    /// Cut with an ellipsis, last of all.
    Cut,
}

#[derive(Debug, Clone)]
struct Part {
    text: String,
    style: Style,
    fit: Fit,
}

/// A title built from parts; [`Title::line`] fits it to a width.
#[derive(Debug, Clone, Default)]
pub struct Title {
    parts: Vec<Part>,
}

impl Title {
    pub fn new() -> Title {
        Title::default()
    }

    fn push(mut self, text: impl Into<String>, style: Style, fit: Fit) -> Title {
        self.parts.push(Part {
            text: text.into(),
            style,
            fit,
        });
        self
    }

    pub fn keep(self, text: impl Into<String>, style: Style) -> Title {
        self.push(text, style, Fit::Keep)
    }

    pub fn shorten(self, text: impl Into<String>, short: impl Into<String>, style: Style) -> Title {
        self.push(text, style, Fit::Shorten(short.into()))
    }

    pub fn drop(self, text: impl Into<String>, style: Style) -> Title {
        self.push(text, style, Fit::Drop)
    }

    pub fn cut(self, text: impl Into<String>, style: Style) -> Title {
        self.push(text, style, Fit::Cut)
    }

    /// The title as it fits on the top border of a pane `width` columns
    /// wide (between its corners), with a space at each end.
    pub fn line(&self, width: usize) -> Line<'static> {
        let mut parts = self.parts.clone();
        let room = width.saturating_sub(4);
        let used =
            |parts: &[Part]| -> usize { parts.iter().map(|p| Span::raw(&p.text).width()).sum() };
        // Shorter forms first, then whole words, each from the right.
        for i in (0..parts.len()).rev() {
            if used(&parts) <= room {
                break;
            }
            if let Fit::Shorten(short) = &parts[i].fit {
                parts[i].text = short.clone();
                parts[i].fit = Fit::Keep;
            }
        }
        while used(&parts) > room {
            match parts.iter().rposition(|p| matches!(p.fit, Fit::Drop)) {
                Some(i) => {
                    parts.remove(i);
                }
                None => break,
            }
        }
        let over = used(&parts).saturating_sub(room);
        if over > 0
            && let Some(p) = parts.iter_mut().find(|p| matches!(p.fit, Fit::Cut))
        {
            let w = Span::raw(&p.text).width();
            // A name cut to its ellipsis alone, or inside a word, says
            // nothing right: leave it out.
            p.text = match w.saturating_sub(over) {
                n if n >= 4 => truncate_at_word(&p.text, n).unwrap_or_default(),
                _ => String::new(),
            };
        }
        let mut spans = vec![Span::raw(" ")];
        spans.extend(
            parts
                .into_iter()
                .filter(|p| !p.text.is_empty())
                .map(|p| Span::styled(p.text, p.style)),
        );
        spans.push(Span::raw(" "));
        Line::from(spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_counter_is_never_cut_and_words_go_first() {
        let title = Title::new()
            .keep("Lyrics", Style::new())
            .drop(" editing", Style::new())
            .keep(" 1166/10000", Style::new());
        assert_eq!(text(&title.line(30)), " Lyrics editing 1166/10000 ");
        assert_eq!(text(&title.line(28)), " Lyrics 1166/10000 ");
    }

    #[test]
    fn a_name_is_cut_after_the_rest_is_short() {
        let title = Title::new()
            .keep("Track", Style::new())
            .cut(" · classical_orchestral", Style::new())
            .shorten(" (modified)", " *", Style::new())
            .keep(" 1 to fix", Style::new());
        assert_eq!(
            text(&title.line(60)),
            " Track · classical_orchestral (modified) 1 to fix "
        );
        assert_eq!(text(&title.line(38)), " Track · classical… * 1 to fix ");
        assert_eq!(text(&title.line(20)), " Track * 1 to fix ");
    }
}
