//! Popups stack over the panes; the topmost one gets the keys.

use crate::domain::cost::CostEstimate;
use crate::domain::model::{Model, PresetConfig};
use crate::generate::Job;
use crate::library::TakeId;
use crate::tui::state::input::LineInput;
use crate::worker::RequestId;

#[derive(Debug)]
pub enum Popup {
    Help {
        scroll: u16,
        /// `/` narrows the help to the lines that contain this.
        search: LineInput,
        /// Keys go into `search`.
        typing: bool,
    },
    /// Everything about one generation in the log.
    Details {
        id: RequestId,
        scroll: u16,
    },
    /// Everything about one take of the library, with its waveform.
    Take {
        id: TakeId,
        scroll: u16,
    },
    /// Two takes' settings side by side, their waveforms one above the
    /// other.
    Compare {
        a: TakeId,
        b: TakeId,
        scroll: u16,
    },
    Confirm(Confirm),
    Input(InputBox),
    Settings {
        row: usize,
    },
    /// "Generate N variations" of the form's track.
    Variations(Box<crate::tui::state::variations::Variations>),
}

/// A yes/no question and what "yes" does.
#[derive(Debug)]
pub enum Confirm {
    /// "Save as" a name a preset has, asked as the name is entered: yes
    /// goes on to the description, no back to the name.
    Replace(String),
    /// The save found the name taken after all (made since by another
    /// process): yes replaces it.
    Overwrite(Box<PresetConfig>),
    Delete(String),
    /// Deletes a take's files.
    DeleteTake(TakeId),
    Quit {
        running: usize,
    },
    /// A Lyria 3 model was chosen outside `global`: switch the location?
    UseGlobal(Model),
    /// The form has work that this would replace.
    Discard(Discard),
    /// gcp mode: a generation costs money, so it is sent only after this.
    Spend {
        job: Box<Job>,
        cost: CostEstimate,
    },
    /// gcp mode: the variations, sent together after this.
    SpendMany {
        jobs: Vec<Job>,
        /// One take's estimate; the total is this times the takes.
        each: CostEstimate,
    },
}

/// What replaces the form once the user agrees to lose its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discard {
    NewTrack,
    /// Loading this preset over an edited one.
    Load(String),
    /// Loading this take's track and settings.
    Take(TakeId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    SavePreset,
    PresetDescription,
    PresetTips,
    AddStyle,
    EditStyle(usize),
    Project,
    Location,
}

impl InputPurpose {
    pub fn title(self) -> &'static str {
        match self {
            InputPurpose::SavePreset => "Save as preset 1/3: name",
            InputPurpose::PresetDescription => "Save as preset 2/3: description",
            InputPurpose::PresetTips => "Save as preset 3/3: tips",
            InputPurpose::AddStyle => "Add style reference",
            InputPurpose::EditStyle(_) => "Edit style reference",
            InputPurpose::Project => "Google Cloud project",
            InputPurpose::Location => "Vertex AI location",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            InputPurpose::SavePreset => {
                "letters, digits, '_' or '-' (up to 64); lyrics and duration are not part of a preset"
            }
            InputPurpose::PresetDescription => "one line for the preset list; empty for none",
            InputPurpose::PresetTips => "advice shown with the preset; empty for none; Enter saves",
            InputPurpose::AddStyle | InputPurpose::EditStyle(_) => {
                "TYPE: VALUE, type one of style, sound, artist, similar_to"
            }
            InputPurpose::Project => "the project that runs and pays for gcp requests",
            InputPurpose::Location => "e.g. us-central1; Lyria 3 needs global",
        }
    }
}

#[derive(Debug)]
pub struct InputBox {
    pub purpose: InputPurpose,
    pub input: LineInput,
    pub error: Option<String>,
}

impl InputBox {
    pub fn new(purpose: InputPurpose, text: impl Into<String>) -> InputBox {
        InputBox {
            purpose,
            input: LineInput::new(text),
            error: None,
        }
    }
}

/// The rows of the settings view, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum Setting {
    Mode,
    Project,
    Location,
    Model,
    /// Not a value: Enter writes back the built-in presets deleted here.
    RestoreBuiltins,
}

impl Setting {
    pub fn label(self) -> &'static str {
        match self {
            Setting::Mode => "Mode",
            Setting::Project => "Project",
            Setting::Location => "Location",
            Setting::Model => "Default model",
            Setting::RestoreBuiltins => "Built-ins",
        }
    }
}
