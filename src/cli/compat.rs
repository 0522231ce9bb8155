//! The Python tool's commands, accepted as hidden aliases so its users'
//! scripts and shell history keep working. Flags follow the Python tool per
//! command (its `save-preset -d` is the description, `generate -d` the
//! duration); output and exit codes are ours. Its `setup` needs no alias:
//! music-gen's own `setup` has the same name and, like it, no flags.

use clap::Subcommand;

use crate::cli::args::{PresetsCommand, SaveArgs};

#[derive(Debug, Subcommand)]
pub enum PythonCommand {
    /// `list-presets`: the Python tool's `presets list`
    #[command(hide = true)]
    ListPresets {
        #[arg(long)]
        json: bool,
    },
    /// `show-preset NAME`: the Python tool's `presets show`
    #[command(hide = true)]
    ShowPreset {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// `save-preset --name/-n --description/-d --genre/-g …`
    #[command(hide = true)]
    SavePreset(Box<SaveArgs>),
    /// `delete-preset NAME`: asks first, like the Python tool, unless --yes
    #[command(hide = true)]
    DeletePreset {
        name: String,
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

impl PythonCommand {
    /// The command of ours each alias stands for.
    pub fn into_presets(self) -> PresetsCommand {
        match self {
            PythonCommand::ListPresets { json } => PresetsCommand::List { json },
            PythonCommand::ShowPreset { name, json } => PresetsCommand::Show { name, json },
            PythonCommand::SavePreset(args) => PresetsCommand::Save(args),
            PythonCommand::DeletePreset { name, yes } => PresetsCommand::Delete { name, yes },
        }
    }
}
