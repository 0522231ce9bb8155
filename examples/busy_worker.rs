//! Benchmark (prints numbers): the UI's key-to-frame time, and a simulated
//! generation's round trip through the worker, while the worker lists
//! 10,000 presets cold. Set up as the app runs: a 2-thread runtime, the UI
//! loop on the main thread, the real worker and preset store.
//!
//!     cargo run --release --example busy_worker
//!
//! (A dev build gives an upper bound.) See docs/benchmarks.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use music_gen::domain::model::{PresetConfig, TrackConfig};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::generate::{GenerationSettings, Job, OutputTarget};
use music_gen::tui::state::{AppState, Paths};
use music_gen::tui::theme::Theme;
use music_gen::tui::ui;
use music_gen::worker::{Event, Request};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PRESETS: usize = 10_000;

fn main() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("presets");
    std::fs::create_dir_all(&dir).expect("the presets folder");
    for i in 0..PRESETS {
        let name = format!("preset_{i:05}");
        let track = TrackConfig::new("", "synthwave");
        let preset = PresetConfig::from_track(&name, Some(format!("preset {i}")), None, &track);
        std::fs::write(dir.join(format!("{name}.yaml")), to_yaml(&preset)).expect("a preset");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(dir, tmp.path().to_path_buf()));
}

async fn run(dir: PathBuf, root: PathBuf) {
    let paths = Paths {
        presets_dir: dir.clone(),
        output_dir: root.join("out"),
        log_path: root.join("log"),
        drafts_dir: root.join("drafts"),
        config_file: root.join("config.toml"),
    };
    let mut worker = music_gen::worker::spawn(dir).expect("the worker");
    let mut state = AppState::new(GenerationSettings::default(), paths, Theme::COLOR);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("a terminal");
    let started = Instant::now();
    // The UI's first requests include the cold listing.
    state.start(&mut worker);
    let settings = GenerationSettings {
        output: OutputTarget::None,
        ..GenerationSettings::default()
    };
    let job = Job::new(TrackConfig::new("la la", "synthwave"), settings);
    let generation = worker.send(Request::Generate(Box::new(job)));
    let mut generated = None;
    let mut listed = None;
    let keys = [KeyCode::Tab, KeyCode::Down, KeyCode::Up, KeyCode::BackTab];
    let mut key_to_frame = Vec::new();
    while listed.is_none() || generated.is_none() {
        while let Some(event) = worker.try_recv() {
            if event.id() == generation && event.is_final() {
                generated = Some(started.elapsed());
            }
            let presets = matches!(event, Event::Presets { .. });
            state.on_event(event, &mut worker);
            if presets {
                listed = Some(started.elapsed());
            }
        }
        let key = KeyEvent::new(keys[key_to_frame.len() % keys.len()], KeyModifiers::NONE);
        let t = Instant::now();
        state.key(key, &mut worker);
        terminal.draw(|f| ui::render(f, &state)).expect("a frame");
        key_to_frame.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    key_to_frame.sort();
    let pct = |p: usize| key_to_frame[(key_to_frame.len() - 1) * p / 100];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "cold listing of {PRESETS} presets: {:.1} ms",
        ms(listed.unwrap_or_default())
    );
    println!(
        "simulated generation sent after it, answered at: {:.1} ms",
        ms(generated.unwrap_or_default())
    );
    println!(
        "key-to-frame during the listing ({} keys, 80x24): median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        key_to_frame.len(),
        ms(pct(50)),
        ms(pct(99)),
        ms(pct(100))
    );
}
