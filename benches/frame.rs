//! Drawing the UI with 10,000 presets loaded: one full frame, and one key
//! (move the selection) followed by its frame. `cargo bench --bench frame`;
//! results in docs/benchmarks.md.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use music_gen::domain::model::{PresetConfig, TrackConfig};
use music_gen::domain::presets::{LoadedPreset, PresetSummary};
use music_gen::generate::GenerationSettings;
use music_gen::tui::state::{AppState, Outbox, Paths};
use music_gen::tui::theme::Theme;
use music_gen::tui::ui;
use music_gen::worker::{Event, Request, RequestId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PRESETS: usize = 10_000;

/// Numbers requests like the worker, answering none of them.
#[derive(Default)]
struct Counter(RequestId);

impl Outbox for Counter {
    fn send(&mut self, _request: Request) -> RequestId {
        self.0 += 1;
        self.0
    }
}

fn loaded_state() -> (AppState, Counter) {
    let paths = Paths {
        presets_dir: PathBuf::from("/presets"),
        output_dir: PathBuf::from("/tracks"),
        log_path: PathBuf::from("/state/music-gen.log"),
        drafts_dir: PathBuf::from("/state/drafts"),
        config_file: PathBuf::from("/config/config.toml"),
    };
    let mut state = AppState::new(GenerationSettings::default(), paths, Theme::COLOR);
    let mut out = Counter::default();
    state.start(&mut out);
    // No draft to restore (request 1); the listing is request 2.
    state.on_event(Event::Draft { id: 1, found: None }, &mut out);
    let presets = (0..PRESETS)
        .map(|i| PresetSummary {
            name: format!("preset_{i:05}"),
            genre: Some("synthwave".to_string()),
            description: Some(format!("Benchmark preset {i}")),
            error: None,
            warnings: Vec::new(),
        })
        .collect();
    state.on_event(Event::Presets { id: out.0, presets }, &mut out);
    let track = TrackConfig::new("", "synthwave");
    let preset = PresetConfig::from_track("preset_00000", None, None, &track);
    let loaded = LoadedPreset {
        preset,
        warnings: Vec::new(),
    };
    state.on_event(
        Event::Preset {
            id: out.0,
            preset: loaded,
        },
        &mut out,
    );
    (state, out)
}

fn frames(c: &mut Criterion) {
    let (mut state, mut out) = loaded_state();
    let mut group = c.benchmark_group("frame_10000_presets");
    for (w, h) in [(80, 24), (120, 40)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_function(format!("draw_{w}x{h}"), |b| {
            b.iter(|| {
                // A fresh buffer each time: the whole frame is rendered.
                terminal.clear().unwrap();
                terminal.draw(|f| ui::render(f, black_box(&state))).unwrap();
            })
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    let up = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE);
    let mut flip = false;
    group.bench_function("key_and_draw_80x24", |b| {
        b.iter(|| {
            flip = !flip;
            state.key(if flip { down } else { up }, &mut out);
            terminal.draw(|f| ui::render(f, &state)).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
