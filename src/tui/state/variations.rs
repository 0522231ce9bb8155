//! "Generate N variations" of the form's track: how many, and what varies
//! (the seed, or the temperature over a range), with the plan and its total
//! cost. Each variation is a normal take; all of them go through one
//! limiter, as a batch's do, so only a few requests are in flight at once
//! and a 429 slows every one of them down.

use strum::VariantArray;

use crate::domain::cost;
use crate::domain::model::{Model, TrackConfig};
use crate::domain::pyfloat;
use crate::generate::{GenerationSettings, Job, Mode, output};
use crate::tui::action::Action;
use crate::tui::state::popup::{Confirm, Popup};
use crate::tui::state::{AppState, Outbox};

pub const COUNT_DEFAULT: u8 = 4;
pub const COUNT_MAX: u8 = 16;
/// Requests in flight at once, as `batch` by default.
pub const IN_FLIGHT: usize = 2;
/// How far ←/→ moves a temperature.
const TEMPERATURE_STEP: f64 = 0.05;
/// How far apart the default range is from the form's temperature.
const TEMPERATURE_SPREAD: f64 = 0.2;
/// Google's clients carry the seed as a 32-bit unsigned integer.
const SEED_MAX: u64 = u32::MAX as u64;

/// What differs between the takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vary {
    /// Consecutive seeds from a first one (Lyria 2); a model that takes no
    /// seed (Lyria 3) makes the same request again, its own randomness
    /// making each take differ.
    Seed,
    /// Temperatures evenly spread over a range, both ends included.
    Temperature,
}

/// The popup's rows; which are shown depends on what varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum Row {
    Count,
    Vary,
    /// The first seed, or the lowest temperature.
    From,
    /// The highest temperature.
    To,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variations {
    pub row: Row,
    pub count: u8,
    pub vary: Vary,
    pub first_seed: u64,
    pub from: f64,
    pub to: f64,
    /// The track the takes vary, as the form had it when the popup opened.
    pub base: TrackConfig,
    pub model: Model,
    /// Why the last Enter sent nothing.
    pub error: Option<String>,
}

impl Variations {
    /// Variations of `base` for `model`: four takes, seeds from the form's
    /// seed (else 1), or temperatures around the form's.
    pub fn new(base: TrackConfig, model: Model) -> Variations {
        let t = base.temperature;
        let (from, to) = if t - TEMPERATURE_SPREAD < 0.0 {
            (0.0, 2.0 * TEMPERATURE_SPREAD)
        } else if t + TEMPERATURE_SPREAD > 1.0 {
            (1.0 - 2.0 * TEMPERATURE_SPREAD, 1.0)
        } else {
            (t - TEMPERATURE_SPREAD, t + TEMPERATURE_SPREAD)
        };
        Variations {
            row: Row::Count,
            count: COUNT_DEFAULT,
            vary: Vary::Seed,
            first_seed: base.seed.unwrap_or(1),
            from: round(from),
            to: round(to),
            base,
            model,
            error: None,
        }
    }

    /// Whether the model takes a seed; without one, "seed" means repeats.
    pub fn seeds(&self) -> bool {
        self.model.supports_request_options()
    }

    /// The rows shown, in order.
    pub fn rows(&self) -> Vec<Row> {
        match self.vary {
            Vary::Seed if self.seeds() => vec![Row::Count, Row::Vary, Row::From],
            Vary::Seed => vec![Row::Count, Row::Vary],
            Vary::Temperature => Row::VARIANTS.to_vec(),
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let rows = self.rows();
        let at = rows.iter().position(|r| *r == self.row).unwrap_or(0) as isize;
        self.row = rows[(at + delta).clamp(0, rows.len() as isize - 1) as usize];
    }

    /// ←/→ on the current row.
    pub fn adjust(&mut self, step: i64) {
        self.error = None;
        match self.row {
            Row::Count => {
                self.count = (i64::from(self.count) + step).clamp(1, i64::from(COUNT_MAX)) as u8;
            }
            Row::Vary => {
                self.vary = match self.vary {
                    Vary::Seed => Vary::Temperature,
                    Vary::Temperature => Vary::Seed,
                };
            }
            Row::From => match self.vary {
                Vary::Seed => {
                    self.first_seed = self.first_seed.saturating_add_signed(step).min(SEED_MAX);
                }
                Vary::Temperature => {
                    self.from = round((self.from + step as f64 * TEMPERATURE_STEP).clamp(0.0, 1.0));
                    self.to = self.to.max(self.from);
                }
            },
            Row::To => {
                self.to = round((self.to + step as f64 * TEMPERATURE_STEP).clamp(0.0, 1.0));
                self.from = self.from.min(self.to);
            }
        }
    }

    /// The value each take gets, as the plan shows it.
    pub fn values(&self) -> Vec<String> {
        self.tracks()
            .iter()
            .map(|t| match self.vary {
                Vary::Seed => t.seed.map_or("same request".to_string(), |s| s.to_string()),
                Vary::Temperature => pyfloat::repr(t.temperature),
            })
            .collect()
    }

    /// The takes' tracks: the base with each one's seed or temperature.
    pub fn tracks(&self) -> Vec<TrackConfig> {
        let n = usize::from(self.count);
        (0..n)
            .map(|i| {
                let mut t = self.base.clone();
                match self.vary {
                    Vary::Seed if self.seeds() => {
                        // Past the last seed, round to 0: every take's seed differs.
                        t.seed = Some((self.first_seed + i as u64) % (SEED_MAX + 1));
                    }
                    Vary::Seed => {}
                    Vary::Temperature => {
                        let step = if n > 1 {
                            (self.to - self.from) / (n - 1) as f64
                        } else {
                            0.0
                        };
                        t.temperature = round(self.from + step * i as f64);
                    }
                }
                t
            })
            .collect()
    }

    /// Every take's track, each checked as `g` checks the form's; the
    /// first problem names the take.
    pub fn checked_tracks(&self) -> Result<Vec<TrackConfig>, String> {
        let tracks = self.tracks();
        for (i, t) in tracks.iter().enumerate() {
            let problem = match t.validate() {
                Err(e) => e.0.into_iter().next(),
                Ok(()) => t.options().check_model(self.model).err(),
            };
            if let Some(e) = problem {
                return Err(format!("take {}: {e}", i + 1));
            }
        }
        Ok(tracks)
    }

    /// One take's estimate, in gcp mode.
    pub fn unit_cost(&self) -> cost::CostEstimate {
        cost::vertex(self.model, self.base.sample_count.unwrap_or(1))
    }

    /// All takes' estimate together, in US dollars.
    pub fn total_usd(&self) -> f64 {
        self.unit_cost().estimated_total_usd * f64::from(self.count)
    }
}

impl AppState {
    /// `v`: opens the popup for the form's track, once it could be sent.
    pub(super) fn open_variations(&mut self) {
        if !self.ready_to_send() {
            return;
        }
        let v = Variations::new(self.form.track().clone(), self.model());
        self.popups.push(Popup::Variations(Box::new(v)));
    }

    pub(super) fn on_variations(
        &mut self,
        action: Action,
        out: &mut dyn Outbox,
    ) -> Result<bool, Action> {
        let Some(Popup::Variations(v)) = self.popups.last_mut() else {
            return Err(action);
        };
        match action {
            Action::Up => v.move_by(-1),
            Action::Down => v.move_by(1),
            Action::Less => v.adjust(-1),
            Action::More => v.adjust(1),
            Action::Back => {
                self.popups.pop();
            }
            Action::Activate => match v.checked_tracks() {
                Ok(tracks) => {
                    let each = v.unit_cost();
                    self.popups.pop();
                    self.send_variations(tracks, each, out);
                }
                Err(e) => v.error = Some(e),
            },
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Each track as a normal generation under the one limiter: at once in
    /// simulate mode, after the total is confirmed in gcp mode.
    fn send_variations(
        &mut self,
        tracks: Vec<TrackConfig>,
        each: cost::CostEstimate,
        out: &mut dyn Outbox,
    ) {
        let preset = self.form.source().map(|p| p.name.clone());
        // Named now, in seed (or temperature) order: they finish in any.
        let now = self.epoch + self.clock.as_secs() as i64;
        let names = output::series(now, tracks.iter().map(|t| t.genre.as_str()));
        let jobs: Vec<Job> = tracks
            .into_iter()
            .zip(names)
            .map(|(track, name)| Job {
                track,
                settings: GenerationSettings {
                    output: self.output(),
                    name: Some(name),
                    limiter: Some(self.limiter.clone()),
                    ..self.settings.clone()
                },
                preset: preset.clone(),
            })
            .collect();
        match self.settings.key.mode {
            Mode::Simulate => {
                let n = jobs.len();
                for job in jobs {
                    self.send_generate(job, out);
                }
                self.info(format!("{n} variations queued, {IN_FLIGHT} at a time"));
            }
            Mode::Gcp => self
                .popups
                .push(Popup::Confirm(Confirm::SpendMany { jobs, each })),
        }
    }
}

/// To the hundredth: 0.1 + 0.05 steps must not show as 0.15000000000000002.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(t: f64) -> TrackConfig {
        let mut track = TrackConfig::new("words", "rock");
        track.temperature = t;
        track
    }

    #[test]
    fn seeds_count_up_from_the_forms_seed() {
        let mut b = base(0.7);
        b.seed = Some(41);
        let v = Variations::new(b, Model::Lyria2);
        assert_eq!(v.values(), ["41", "42", "43", "44"]);
        assert!(v.checked_tracks().is_ok());
    }

    #[test]
    fn temperatures_spread_over_the_range_and_stay_in_bounds() {
        let mut v = Variations::new(base(0.95), Model::Lyria2);
        assert_eq!((v.from, v.to), (0.6, 1.0));
        v.row = Row::Vary;
        v.adjust(1);
        assert_eq!(v.vary, Vary::Temperature);
        v.count = 5;
        assert_eq!(v.values(), ["0.6", "0.7", "0.8", "0.9", "1.0"]);
        v.row = Row::To;
        for _ in 0..30 {
            v.adjust(-1);
        }
        assert_eq!((v.from, v.to), (0.0, 0.0), "from follows to down");
        v.count = 1;
        assert_eq!(v.values(), ["0.0"]);
        assert_eq!(Variations::new(base(0.1), Model::Lyria2).from, 0.0);
    }

    #[test]
    fn lyria_3_repeats_the_request_instead_of_seeding_it() {
        let v = Variations::new(base(0.5), Model::Lyria3Clip);
        assert_eq!(v.rows(), [Row::Count, Row::Vary]);
        assert!(v.tracks().iter().all(|t| t.seed.is_none()));
        assert!(v.checked_tracks().is_ok());
    }

    #[test]
    fn a_take_that_would_be_refused_is_named() {
        let mut b = base(0.5);
        b.sample_count = Some(2);
        let v = Variations::new(b, Model::Lyria2);
        let e = v.checked_tracks().unwrap_err();
        assert!(e.starts_with("take 1: seed:"), "{e}");
    }

    #[test]
    fn the_count_and_the_seed_stay_in_range() {
        let mut v = Variations::new(base(0.5), Model::Lyria2);
        for _ in 0..40 {
            v.adjust(1);
        }
        assert_eq!(v.count, COUNT_MAX);
        for _ in 0..40 {
            v.adjust(-1);
        }
        assert_eq!(v.count, 1);
        v.row = Row::From;
        v.first_seed = SEED_MAX;
        v.adjust(1);
        assert_eq!(v.first_seed, SEED_MAX);
        v.move_by(5);
        assert_eq!(v.row, Row::From, "no row past the last shown");
    }
}
