//! The "generate variations" popup: how many, what varies, the plan and its
//! total cost.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::generate::Mode;
use crate::tui::keymap::Context;
use crate::tui::state::AppState;
use crate::tui::state::variations::{IN_FLIGHT, Row, Variations, Vary};
use crate::tui::ui::popup::{keys_lines, show};

pub fn render(frame: &mut Frame, area: Rect, v: &Variations, state: &AppState) {
    let theme = state.theme;
    let mut lines = vec![
        Line::styled(
            format!(
                "Variations of the form's track: {}, {}",
                v.base.genre, v.model
            ),
            theme.dim(),
        ),
        Line::from(""),
    ];
    for row in v.rows() {
        let (label, value) = match row {
            Row::Count => ("Takes", v.count.to_string()),
            Row::Vary => (
                "Vary",
                match v.vary {
                    Vary::Seed if v.seeds() => "seed".to_string(),
                    Vary::Seed => format!("nothing: {} takes no seed", v.model),
                    Vary::Temperature => "temperature".to_string(),
                },
            ),
            Row::From if v.vary == Vary::Seed => ("First seed", v.first_seed.to_string()),
            Row::From => ("From", format!("{:.2}", v.from)),
            Row::To => ("To", format!("{:.2}", v.to)),
        };
        let value = Span::raw(format!(" {value} "));
        let here = row == v.row;
        lines.push(Line::from(vec![
            Span::raw(if here { "› " } else { "  " }),
            Span::styled(format!("{label:<12}"), theme.label()),
            if here {
                value.style(theme.selected(true))
            } else {
                value
            },
        ]));
    }
    lines.push(Line::from(""));
    let values = v.values().join(", ");
    let plan = match v.vary {
        Vary::Seed if v.seeds() => format!("{} takes, seeds {values}", v.count),
        Vary::Seed => format!("{} takes of the same request", v.count),
        Vary::Temperature => format!("{} takes, temperatures {values}", v.count),
    };
    lines.push(Line::from(plan));
    match state.settings.key.mode {
        Mode::Gcp => {
            let each = v.unit_cost();
            lines.push(Line::from(vec![
                Span::raw("Estimated total: "),
                Span::styled(
                    format!("${:.4}", v.total_usd()),
                    theme.success().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(" ({} × {})", v.count, each.total_display())),
            ]));
        }
        Mode::Simulate => lines.push(Line::styled(
            "Simulate mode: nothing is sent or billed.",
            theme.dim(),
        )),
    }
    lines.push(Line::styled(
        format!("{IN_FLIGHT} at a time, each a normal take in the Generations pane."),
        theme.dim(),
    ));
    if let Some(e) = &v.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    lines.push(Line::from(""));
    let width = (area.width * 7 / 10).max(60);
    lines.extend(keys_lines(
        Context::Variations,
        theme,
        width.min(area.width),
    ));
    show(
        frame,
        area,
        " Generate variations ".to_string(),
        lines,
        theme,
        width,
    );
}
