//! Popups: questions, text boxes, settings. The help has its own module.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use strum::VariantArray;

use crate::doctor::Status;
use crate::domain::presets::is_builtin;
use crate::library::TakeState;
use crate::tui::keymap::{self, Context};
use crate::tui::state::popup::{Confirm, Discard, InputBox, Popup, Setting};
use crate::tui::state::{AppState, SetupCheck};
use crate::tui::theme::Theme;
use crate::tui::ui::{details, help, pane, take, variations};

pub fn render(frame: &mut Frame, area: Rect, popup: &Popup, state: &AppState) {
    match popup {
        Popup::Help { scroll, .. } => help::render(frame, area, *scroll, state),
        Popup::Details { id, scroll } => details::render(frame, area, *id, *scroll, state),
        Popup::Take { id, scroll } => take::render_take(frame, area, id, *scroll, state),
        Popup::Compare { a, b, scroll } => {
            take::render_compare(frame, area, (a, b), *scroll, state)
        }
        Popup::Confirm(c) => confirm(frame, area, c, state),
        Popup::Input(i) => input_box(frame, area, i, state.theme),
        Popup::Settings { row } => settings(frame, area, *row, state),
        Popup::Variations(v) => variations::render(frame, area, v, state),
    }
}

/// A box of at most `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A text field's spans, the cursor drawn as a reversed cell so it shows
/// the same in every terminal and in snapshots.
pub fn input_spans(text: &str, cursor: usize, active: bool, theme: Theme) -> Vec<Span<'static>> {
    if !active {
        return vec![Span::raw(text.to_string())];
    }
    let before: String = text.chars().take(cursor).collect();
    let at: String = text
        .chars()
        .nth(cursor)
        .map_or(" ".to_string(), String::from);
    let after: String = text.chars().skip(cursor + 1).collect();
    vec![
        Span::raw(before),
        Span::styled(at, theme.cursor()),
        Span::raw(after),
    ]
}

/// The keys of a popup's context, as its bottom line.
/// How many rows `lines` take wrapped at `width` (at most: words can
/// wrap a row early).
fn rows(lines: &[Line], width: usize) -> usize {
    lines
        .iter()
        .map(|l| l.width().div_ceil(width.max(1)).max(1))
        .sum()
}

/// The popup's keys, as many hints a line as fit in `room` columns: a
/// narrow screen breaks between hints, never inside one.
pub(super) fn keys_lines(ctx: Context, theme: Theme, room: u16) -> Vec<Line<'static>> {
    let room = usize::from(room.saturating_sub(2)).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for b in keymap::bindings(ctx)
        .iter()
        .filter(|b| !b.desc.starts_with("scroll"))
    {
        let key = format!(" {}", b.label());
        let desc = format!(" {} ", b.desc);
        let wide = crate::text::width(&key) + crate::text::width(desc.trim_end());
        if used > 0 && used + wide > room {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        used += wide + 1;
        line.push(Span::styled(key, theme.key()));
        line.push(Span::raw(desc));
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

pub(super) fn show(
    frame: &mut Frame,
    area: Rect,
    title: String,
    lines: Vec<Line<'static>>,
    theme: Theme,
    width: u16,
) {
    let rect = centered(area, width, 0);
    // Long lines wrap; word wrapping can take a line more than the count.
    let inner = rect.width.saturating_sub(2).max(1) as usize;
    let wrapped: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let slack = usize::from(wrapped > lines.len());
    let rect = centered(area, width, (wrapped + slack + 2) as u16);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(pane(title, true, theme))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn replace_question(name: &str) -> String {
    if is_builtin(name) {
        format!(
            "{name} is a built-in preset. Replace it with yours? \
             (Deleting yours and restoring built-ins brings it back.)"
        )
    } else {
        format!("Preset {name} already exists. Replace it?")
    }
}

fn confirm(frame: &mut Frame, area: Rect, question: &Confirm, state: &AppState) {
    let theme = state.theme;
    let (title, mut lines): (&str, Vec<Line>) = match question {
        Confirm::Replace(name) => (" Overwrite? ", vec![Line::from(replace_question(name))]),
        Confirm::Overwrite(p) => (" Overwrite? ", vec![Line::from(replace_question(&p.name))]),
        // A take whose upload failed is on this machine only.
        Confirm::DeleteTake(id)
            if state
                .library
                .get(id)
                .is_some_and(|t| t.state == TakeState::NotUploaded) =>
        {
            (
                " Delete take? ",
                vec![Line::from(format!(
                    "Delete take {id}? It was never uploaded: these files on this \
                     machine are its only copy, and they are removed."
                ))],
            )
        }
        Confirm::DeleteTake(id) => (
            " Delete take? ",
            vec![Line::from(format!(
                "Delete take {id}? Its audio and metadata files are removed from the disk."
            ))],
        ),
        Confirm::Delete(name) => (
            " Delete? ",
            vec![Line::from(format!(
                "Delete preset {name}? Its file is removed{}.",
                if is_builtin(name) {
                    " (a built-in: Settings → Built-ins brings it back)"
                } else {
                    ""
                }
            ))],
        ),
        Confirm::UseGlobal(model) => (
            " Switch location? ",
            vec![Line::from(format!(
                "{model} runs only at location global. Switch the location to global?"
            ))],
        ),
        Confirm::Discard(discard) => {
            let text = match discard {
                Discard::NewTrack => {
                    "Start a new empty track? The form and the lyrics are cleared.".to_string()
                }
                Discard::Take(id) => format!(
                    "Load take {id} over your work? The form and the lyrics take the \
                     take's track and model."
                ),
                Discard::Load(name) => format!(
                    "Load {name} over your edits? The form takes the preset's values; \
                     the lyrics and the duration stay."
                ),
            };
            (" Discard edits? ", vec![Line::from(text)])
        }
        Confirm::Quit { running } => (
            " Quit? ",
            vec![Line::from(format!(
                "{running} generation(s) still running. Quit and cancel them?"
            ))],
        ),
        Confirm::Spend { job, cost } => (
            " Send to Vertex AI? ",
            vec![
                Line::from(format!(
                    "Model {} in {} (project {}).",
                    job.model(),
                    job.settings.key.location,
                    job.settings.key.project.as_deref().unwrap_or("not set")
                )),
                Line::from(vec![
                    Span::raw("Estimated cost: "),
                    Span::styled(
                        cost.total_display(),
                        theme.success().add_modifier(Modifier::BOLD),
                    ),
                ]),
                Line::styled(cost.note.clone(), theme.dim()),
            ],
        ),
        Confirm::SpendMany { jobs, each } => (
            " Send to Vertex AI? ",
            vec![
                Line::from(format!(
                    "{} takes with {} in {} (project {}), {} at a time.",
                    jobs.len(),
                    jobs.first()
                        .map_or(each.model.unwrap_or_default(), |j| j.model()),
                    jobs.first()
                        .map_or("", |j| j.settings.key.location.as_str()),
                    jobs.first()
                        .and_then(|j| j.settings.key.project.as_deref())
                        .unwrap_or("not set"),
                    crate::tui::state::variations::IN_FLIGHT,
                )),
                Line::from(vec![
                    Span::raw("Estimated total: "),
                    Span::styled(
                        format!("${:.4}", each.estimated_total_usd * jobs.len() as f64),
                        theme.success().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(" ({} × {})", jobs.len(), each.total_display())),
                ]),
                Line::styled(each.note.clone(), theme.dim()),
            ],
        ),
    };
    lines.push(Line::from(""));
    let width = (area.width * 6 / 10).max(50);
    lines.extend(keys_lines(Context::Confirm, theme, width.min(area.width)));
    show(frame, area, title.to_string(), lines, theme, width);
}

fn input_box(frame: &mut Frame, area: Rect, input: &InputBox, theme: Theme) {
    let mut lines = vec![
        Line::from(input_spans(
            input.input.text(),
            input.input.cursor(),
            true,
            theme,
        )),
        Line::styled(input.purpose.hint().to_string(), theme.dim()),
    ];
    if let Some(e) = &input.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    lines.push(Line::from(""));
    let width = (area.width * 6 / 10).max(60);
    lines.extend(keys_lines(Context::Input, theme, width.min(area.width)));
    show(
        frame,
        area,
        format!(" {} ", input.purpose.title()),
        lines,
        theme,
        width,
    );
}

/// The set-up check, compact enough for 80×24: the verdict, the checks
/// that passed on one line, then each other check with its advice.
fn setup_check(check: &SetupCheck, theme: Theme) -> Vec<Line<'static>> {
    let label = Span::styled(format!("{:<15}", "Set-up check"), theme.label());
    let report = match check {
        SetupCheck::NotRun => {
            return vec![Line::from(vec![
                label,
                Span::styled(
                    "c checks these settings; nothing is generated or billed",
                    theme.dim(),
                ),
            ])];
        }
        SetupCheck::Running(_) => {
            return vec![Line::from(vec![
                label,
                Span::styled(
                    "checking… (credentials, project, API, permission)",
                    theme.running(),
                ),
            ])];
        }
        SetupCheck::Done(report) => report,
    };
    let verdict = if report.ok {
        Span::styled("✓ gcp mode would work", theme.success())
    } else {
        Span::styled("✗ gcp mode would not work yet", theme.error())
    };
    let mut lines = vec![Line::from(vec![label, verdict])];
    let passed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass)
        .map(|c| c.name.label())
        .collect();
    if !passed.is_empty() {
        lines.push(Line::styled(
            format!("✓ {}", passed.join(", ")),
            theme.dim(),
        ));
    }
    let skipped = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skipped)
        .count();
    for c in report
        .checks
        .iter()
        .filter(|c| !matches!(c.status, Status::Pass | Status::Skipped))
    {
        let style = match c.status {
            Status::Fail => theme.error(),
            _ => theme.warning(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} {}: ", c.status.mark(), c.name.label()), style),
            Span::raw(clean(&c.detail)),
        ]));
        if let Some(advice) = &c.advice {
            lines.push(Line::styled(format!("  → {}", clean(advice)), theme.dim()));
        }
    }
    if skipped > 0 {
        lines.push(Line::styled(
            format!("- {skipped} more checked once the ✗ above is fixed"),
            theme.dim(),
        ));
    }
    lines
}

/// Text from a server, without control characters.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn settings(frame: &mut Frame, area: Rect, selected: usize, state: &AppState) {
    let theme = state.theme;
    let s = &state.settings;
    let mut lines = Vec::new();
    for (i, setting) in Setting::VARIANTS.iter().enumerate() {
        let value = match setting {
            Setting::Mode => s.key.mode.to_string(),
            Setting::Project => s
                .key
                .project
                .clone()
                .unwrap_or_else(|| "– (not set; gcp mode needs one)".to_string()),
            Setting::Location => s.key.location.clone(),
            Setting::Model => s.model.to_string(),
            Setting::RestoreBuiltins => "restore deleted ones".to_string(),
        };
        let value = Span::raw(value);
        let mut line = vec![
            Span::styled(format!("{:<15}", setting.label()), theme.label()),
            if i == selected {
                value.style(theme.selected(true))
            } else {
                value
            },
        ];
        if let Some(by) = state.config.outranked_by(*setting) {
            line.push(Span::styled(format!("  ({by} wins at start)"), theme.dim()));
        }
        lines.push(Line::from(line));
    }
    let hint = match Setting::VARIANTS[selected] {
        Setting::Mode => {
            "simulate sends nothing; gcp calls Vertex AI (asks before each request)".to_string()
        }
        Setting::Project => "Enter to type the Google Cloud project id".to_string(),
        Setting::Location => "Enter to type the region; Lyria 3 runs at global".to_string(),
        Setting::Model => s.model.summary().to_string(),
        Setting::RestoreBuiltins => {
            "Enter writes back the built-in presets deleted here; edited ones stay".to_string()
        }
    };
    lines.push(Line::from(""));
    lines.push(Line::styled(hint, theme.dim()));
    lines.push(Line::styled(
        "Changes are kept in the config file for the next start.",
        theme.dim(),
    ));
    lines.push(Line::from(""));
    let width = (area.width * 7 / 10).max(70);
    // Once a set-up check runs, its lines take the place of the paths (the
    // folders check names them), so the view still fits 80×24; on a
    // smaller screen the paths go too (`music-gen config` shows them). The
    // keys are the footer's, which the view leaves in sight.
    let check = setup_check(&state.setup_check, theme);
    let mut paths = Vec::new();
    if matches!(state.setup_check, SetupCheck::NotRun) {
        for (label, path) in [
            ("Config file", &state.paths.config_file),
            ("Output", &state.paths.output_dir),
            ("Presets", &state.paths.presets_dir),
            ("Log file", &state.paths.log_path),
        ] {
            paths.push(Line::from(vec![
                Span::styled(format!("{label:<15}"), theme.label()),
                Span::raw(state.paths.show(path)),
            ]));
        }
        paths.push(Line::from(""));
    }
    let room = usize::from(area.height.saturating_sub(2));
    let inner = usize::from(width.min(area.width).saturating_sub(2));
    // Two rows of border, one of slack for words wrapped early.
    if rows(&lines, inner) + rows(&paths, inner) + rows(&check, inner) + 3 <= room {
        lines.extend(paths);
    }
    lines.extend(check);
    show(frame, area, " Settings ".to_string(), lines, theme, width);
}
