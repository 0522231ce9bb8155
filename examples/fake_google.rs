//! Fake Google token and Vertex AI servers on 127.0.0.1, to drive gcp mode
//! without an account or a bill: `scripts/screenshots.sh` uses it for the
//! gcp screens. Lyria 2 answers with a 30 s, 48 kHz stereo sine that swells
//! and fades, the length the real model returns.
//!
//! Prints `credentials=PATH` and `endpoint=URL`, then serves until its
//! standard input closes:
//!
//! ```text
//! cargo run --example fake_google
//! music-gen --mode gcp --project-id test-project --credentials PATH --endpoint URL
//! ```

#[path = "../tests/audio_support/mod.rs"]
mod audio_support;
#[path = "../tests/vertex_support/mod.rs"]
mod vertex_support;

use std::io::{BufRead, Write};

use vertex_support::{Fakes, LYRIA2_PATH, predictions};
use wiremock::Mock;
use wiremock::matchers::{method, path};

#[tokio::main]
async fn main() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(0..).await;
    let wav = fakes.dir.path().join("answer.wav");
    audio_support::write_sine_wav(&wav, 48_000, 2, 30.0, |t| {
        (t / 10.0).min(1.0) * (1.0 - (t - 25.0).max(0.0) / 5.0) * 0.8
    });
    let audio = std::fs::read(&wav).expect("read the answer");
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[&audio]))
        .mount(&fakes.vertex)
        .await;
    println!("credentials={}", fakes.credentials.display());
    println!("endpoint={}", fakes.vertex.uri());
    std::io::stdout().flush().expect("stdout");
    // Serve until whoever started us closes our stdin.
    tokio::task::spawn_blocking(|| std::io::stdin().lock().lines().count())
        .await
        .expect("wait for stdin");
}
