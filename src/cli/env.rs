//! Environment variables behind flags: one set but empty (`VAR=` in a
//! script or a unit file) means unset, as it does for most Unix tools, not
//! "a value is required for a flag you never typed".

use clap::CommandFactory;

use crate::cli::args::Cli;

/// The variables the CLI's flags read, taken from the flags themselves.
pub fn flag_variables() -> Vec<String> {
    let mut vars = Vec::new();
    collect(&Cli::command(), &mut vars);
    vars.sort();
    vars.dedup();
    vars
}

fn collect(cmd: &clap::Command, vars: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if let Some(var) = arg.get_env().and_then(|v| v.to_str()) {
            vars.push(var.to_string());
        }
    }
    for sub in cmd.get_subcommands() {
        collect(sub, vars);
    }
}

/// Removes the flag variables that are set to the empty string.
///
/// # Safety
/// Changes the process environment: call it before any other thread starts.
pub unsafe fn unset_empty() {
    for var in flag_variables() {
        if std::env::var_os(&var).is_some_and(|v| v.is_empty()) {
            // SAFETY: the caller guarantees no other thread runs yet.
            unsafe { std::env::remove_var(&var) };
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_flag_variables_are_found() {
        let vars = super::flag_variables();
        // Mode, project, location and model are read by `crate::settings`,
        // which treats empty as unset itself.
        for v in ["MUSIC_GEN_PRESETS_DIR", "MUSIC_GEN_OUTPUT_DIR"] {
            assert!(vars.iter().any(|x| x == v), "{v} in {vars:?}");
        }
    }
}
