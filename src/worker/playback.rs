//! The player on a thread of its own: starting one, stopping one (which
//! may wait half a second for it to go) and noticing that one ended never
//! hold up the worker's loop. One take plays at a time.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::player::Player;
use crate::worker::protocol::{Event, RequestId, WorkerError};

/// How often a playing player is asked whether it ended. Only while one
/// plays, and only on this thread: the UI is told once, when it ends.
const POLL: Duration = Duration::from_millis(200);

enum Command {
    Play { id: RequestId, path: PathBuf },
    Stop,
}

pub(crate) struct Playback {
    commands: Option<std_mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl Playback {
    pub(crate) fn spawn(events: mpsc::UnboundedSender<Event>) -> std::io::Result<Playback> {
        let (tx, rx) = std_mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("player".to_string())
            .spawn(move || run(&rx, &events))?;
        Ok(Playback {
            commands: Some(tx),
            thread: Some(thread),
        })
    }

    pub(crate) fn play(&self, id: RequestId, path: PathBuf) {
        self.send(Command::Play { id, path });
    }

    pub(crate) fn stop(&self) {
        self.send(Command::Stop);
    }

    fn send(&self, command: Command) {
        if let Some(tx) = &self.commands {
            let _ = tx.send(command);
        }
    }
}

/// The worker is going (the app quits): the music stops before the
/// process ends, never left playing without a way to stop it.
impl Drop for Playback {
    fn drop(&mut self) {
        self.commands = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(commands: &std_mpsc::Receiver<Command>, events: &mpsc::UnboundedSender<Event>) {
    let mut current: Option<(RequestId, Player)> = None;
    loop {
        let command = if current.is_some() {
            match commands.recv_timeout(POLL) {
                Ok(c) => Some(c),
                Err(std_mpsc::RecvTimeoutError::Timeout) => None,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => break,
            }
        };
        match command {
            Some(Command::Play { id, path }) => {
                end(current.take(), events);
                match Player::spawn(&path) {
                    Ok(player) => {
                        let _ = events.send(Event::Playing {
                            id,
                            player: player.name().to_string(),
                        });
                        current = Some((id, player));
                    }
                    Err(e) => {
                        let _ = events.send(Event::Failed {
                            id,
                            error: WorkerError::Player(e),
                        });
                    }
                }
            }
            Some(Command::Stop) => end(current.take(), events),
            None => {
                if current.as_mut().is_some_and(|(_, p)| !p.is_playing()) {
                    end(current.take(), events);
                }
            }
        }
    }
    end(current.take(), events);
}

fn end(playing: Option<(RequestId, Player)>, events: &mpsc::UnboundedSender<Event>) {
    if let Some((id, mut player)) = playing {
        let failure = player.failure();
        player.stop();
        let _ = events.send(Event::PlaybackEnded { id, failure });
    }
}
