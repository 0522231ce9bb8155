//! Playing a take with an external player: the one `MUSIC_GEN_PLAYER`
//! names, else the first found on `PATH` of mpv, ffplay, afplay (macOS),
//! and for WAV paplay or aplay.
//!
//! The player runs in the background in a process group of its own, with
//! no terminal: its output never reaches the screen and a Ctrl-C meant for
//! music-gen does not reach it. It is stopped by [`Player::stop`], and when
//! the [`Player`] is dropped (quitting stops the music).
//!
//! ```no_run
//! use music_gen::player::Player;
//! let mut p = Player::spawn("take.wav".as_ref()).unwrap();
//! while p.is_playing() { std::thread::sleep(std::time::Duration::from_millis(100)); }
//! ```

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Names a player command line: the program and its arguments, split on
/// whitespace; the file is added last.
pub const PLAYER_ENV: &str = "MUSIC_GEN_PLAYER";

#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error(
        "no audio player found (install mpv or ffplay, or set {PLAYER_ENV}); the file is {}",
        path.display()
    )]
    NoPlayer { path: PathBuf },
    #[error("{}: the file is not there", path.display())]
    NoFile { path: PathBuf },
    #[error("could not start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

/// A player program and the arguments that keep it quiet and windowless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl PlayerCommand {
    /// The program's name, for messages.
    pub fn name(&self) -> String {
        self.program
            .file_name()
            .unwrap_or(self.program.as_os_str())
            .to_string_lossy()
            .into_owned()
    }
}

/// The known players, in order of preference, with their quiet flags.
const KNOWN: [(&str, &[&str], Only); 5] = [
    (
        "mpv",
        &["--no-video", "--no-terminal", "--really-quiet"],
        Only::Any,
    ),
    (
        "ffplay",
        &["-nodisp", "-autoexit", "-loglevel", "quiet"],
        Only::Any,
    ),
    ("afplay", &[], Only::Any),
    ("paplay", &[], Only::Wav),
    ("aplay", &["-q"], Only::Wav),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    Any,
    Wav,
}

/// The player for `file`: `MUSIC_GEN_PLAYER` if set (a command line,
/// quoted as in a shell), else the first known player on `PATH` that can
/// play it.
pub fn find(file: &Path) -> Option<PlayerCommand> {
    if let Some(cmd) = std::env::var(PLAYER_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        // Split as a shell would, so `--opt 'two words'` is one argument;
        // unbalanced quotes fall back to plain words (the spawn error then
        // names what could not start).
        let words = shlex::split(&cmd)
            .unwrap_or_else(|| cmd.split_whitespace().map(String::from).collect());
        let mut words = words.into_iter();
        let program = PathBuf::from(words.next()?);
        return Some(PlayerCommand {
            program,
            args: words.map(OsString::from).collect(),
        });
    }
    let wav = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    let path = std::env::var_os("PATH")?;
    KNOWN
        .iter()
        .filter(|(_, _, only)| *only == Only::Any || wav)
        .find_map(|(name, args, _)| {
            let program = std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| is_executable(p))?;
            Some(PlayerCommand {
                program,
                args: args.iter().map(OsString::from).collect(),
            })
        })
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A player playing one file.
#[derive(Debug)]
pub struct Player {
    child: Child,
    file: PathBuf,
    name: String,
    started: Instant,
    finished: Option<ExitStatus>,
    /// Whether `stop` ended it (then how it exited says nothing).
    stopped: bool,
    /// The last line the player wrote to its standard error, which says
    /// why it failed when it does; kept off the screen.
    last_error: Arc<Mutex<String>>,
}

/// Longest last error line kept.
const ERROR_LINE_MAX: usize = 200;

impl Player {
    /// Starts playing `file` in the background.
    pub fn spawn(file: &Path) -> Result<Player, PlayerError> {
        if !file.is_file() {
            return Err(PlayerError::NoFile {
                path: file.to_path_buf(),
            });
        }
        let cmd = find(file).ok_or_else(|| PlayerError::NoPlayer {
            path: file.to_path_buf(),
        })?;
        Player::spawn_with(&cmd, file)
    }

    /// Starts `cmd` on `file`.
    pub fn spawn_with(cmd: &PlayerCommand, file: &Path) -> Result<Player, PlayerError> {
        let name = cmd.name();
        let child = Command::new(&cmd.program)
            .args(&cmd.args)
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C at the terminal is
            // music-gen's to handle, and stop() reaches helpers it starts.
            .process_group(0)
            .spawn()
            .map_err(|source| PlayerError::Spawn {
                program: name.clone(),
                source,
            })?;
        let mut child = child;
        let last_error = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let last = last_error.clone();
            // Drained as it comes (a full pipe would stall the player); the
            // thread ends when the player and what it started are gone.
            let drain = std::thread::Builder::new()
                .name("player-stderr".into())
                .spawn(move || keep_last_line(stderr, &last));
            if let Err(e) = drain {
                tracing::warn!(error = %e, "cannot read the player's errors");
            }
        }
        Ok(Player {
            child,
            file: file.to_path_buf(),
            name,
            started: Instant::now(),
            finished: None,
            stopped: false,
            last_error,
        })
    }

    /// Why the player failed, once it has ended by itself with a failure:
    /// its exit status and the last line it wrote to standard error.
    pub fn failure(&mut self) -> Option<String> {
        if self.is_playing() || self.stopped {
            return None;
        }
        let status = self.finished?;
        if status.success() {
            return None;
        }
        use std::os::unix::process::ExitStatusExt;
        let how = match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}"),
            (None, None) => "failed".to_string(),
        };
        // The drain thread may still be reading the last words.
        let deadline = Instant::now() + Duration::from_millis(200);
        let line = loop {
            let line = self
                .last_error
                .lock()
                .map(|l| l.clone())
                .unwrap_or_default();
            if !line.is_empty() || Instant::now() >= deadline {
                break line;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Some(if line.is_empty() {
            format!("{} {how}", self.name)
        } else {
            format!("{} {how}: {line}", self.name)
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The player program's name, e.g. `mpv`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it still plays; never blocks.
    pub fn is_playing(&mut self) -> bool {
        if self.finished.is_none() {
            self.finished = self.child.try_wait().ok().flatten();
        }
        self.finished.is_none()
    }

    /// How long it has been playing.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Waits until the player ends by itself. Blocking.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(s) = self.finished {
            return Ok(s);
        }
        let s = self.child.wait()?;
        self.finished = Some(s);
        Ok(s)
    }

    /// Stops the player and every process it started, and reaps it.
    pub fn stop(&mut self) {
        if !self.is_playing() {
            return;
        }
        self.stopped = true;
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signals the process group this child leads.
            unsafe { libc::kill(-pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.is_playing() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.is_playing() {
            if let Ok(pid) = i32::try_from(self.child.id()) {
                // SAFETY: as above; SIGKILL for a player that ignores TERM.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            self.finished = self.child.wait().ok();
        }
    }
}

/// Reads `from` to its end, keeping its last non-empty line in `last`,
/// cut short and with control characters (a player's colours, a hostile
/// file name) dropped, so it can be shown as it is.
fn keep_last_line(from: impl std::io::Read, last: &Mutex<String>) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(from);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // Lines are read at most 64 KiB at a time, so a player that never
        // ends a line cannot grow this without bound.
        match std::io::Read::take(&mut reader, 64 * 1024).read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buf);
        let clean: String = text
            .chars()
            .filter(|c| !c.is_control())
            .take(ERROR_LINE_MAX)
            .collect();
        let clean = clean.trim();
        if !clean.is_empty()
            && let Ok(mut l) = last.lock()
        {
            *l = clean.to_string();
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_players_keep_quiet() {
        let (name, args, _) = KNOWN[0];
        assert_eq!(name, "mpv");
        assert!(args.contains(&"--no-terminal"));
        let cmd = PlayerCommand {
            program: PathBuf::from("/usr/bin/ffplay"),
            args: vec![],
        };
        assert_eq!(cmd.name(), "ffplay");
    }

    #[test]
    fn a_stopped_player_is_reaped_and_not_playing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.wav");
        std::fs::write(&file, b"x").unwrap();
        let cmd = PlayerCommand {
            program: PathBuf::from("sh"),
            args: vec!["-c".into(), "sleep 30".into(), "player".into()],
        };
        let mut p = Player::spawn_with(&cmd, &file).unwrap();
        assert!(p.is_playing());
        let started = Instant::now();
        p.stop();
        assert!(!p.is_playing());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
