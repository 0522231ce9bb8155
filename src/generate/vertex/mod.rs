//! Real generation with Google's Lyria models on Vertex AI: Lyria 2
//! (`lyria-002`, `:predict`) and the Lyria 3 previews (`interactions`).
//!
//! A generator lives as long as its cache key, so the HTTP client (and its
//! open connections) and the token provider (and its cached token) are
//! built on first use and reused by every later generation.

pub mod auth;
mod body;
mod clean;
pub mod credentials;
mod errors;
mod request;
mod response;
mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::domain::cost;
use crate::domain::model::Model;
use crate::domain::prompt::build_prompt;
use crate::generate::error::GenerateError;
use crate::generate::job::{
    GenerationSettings, GeneratorKey, Job, MAX_TIMEOUT, Mode, OutputTarget,
};
use crate::generate::output;
use crate::generate::result::{GenerationResult, Status, Timings};
use crate::generate::{Progress, Stage};

use request::VertexRequest;
pub use request::check_location;
use response::Answer;
use retry::RetryPolicy;

/// Time to open a connection before the attempt counts as a connection
/// error (and is retried); generation itself may take minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

pub struct VertexGenerator {
    key: GeneratorKey,
    retry_base: Duration,
    connection: OnceCell<Box<Connection>>,
}

/// What the first generation sets up and every later one reuses. A failed
/// set-up is not kept, so credentials fixed after a failure are picked up.
struct Connection {
    client: reqwest::Client,
    credentials: credentials::Credentials,
}

/// What a successful exchange with Vertex AI produced.
struct Exchange {
    answer: Answer,
    auth_ms: u64,
    request_ms: u64,
    attempts: u32,
}

impl VertexGenerator {
    pub fn new(key: &GeneratorKey) -> Result<VertexGenerator, GenerateError> {
        Ok(VertexGenerator {
            key: key.clone(),
            retry_base: retry::DEFAULT_BASE_DELAY,
            connection: OnceCell::new(),
        })
    }

    /// The first wait between attempts, doubled after each further failure.
    /// Tests shorten it; a `Retry-After` from the server always wins.
    pub fn with_retry_base(mut self, base: Duration) -> VertexGenerator {
        self.retry_base = base;
        self
    }

    pub async fn generate(
        &self,
        job: &Job,
        progress: Progress,
        cancel: CancellationToken,
    ) -> Result<GenerationResult, GenerateError> {
        let started = Instant::now();
        let started_at = started_at();
        let track = &job.track;
        track.validate()?;
        let model = job.model();
        track
            .options()
            .check_model(model)
            .map_err(GenerateError::Unsupported)?;
        let project = self.project()?;
        // Checked before anything is sent: audio that was paid for must
        // have somewhere to go, and only the caller knows where.
        if job.settings.output == OutputTarget::None {
            return Err(no_output());
        }
        request::check_location(&self.key.location)?;
        model
            .check_location(&self.key.location)
            .map_err(GenerateError::Unsupported)?;
        let prompt = build_prompt(track);
        let req = request::build(&self.key, project, model, track, &prompt)?;

        let timeout = job.settings.timeout.min(MAX_TIMEOUT);
        let deadline = Instant::now() + timeout;
        let exchange = tokio::select! {
            r = self.exchange(job, model, project, &req, &progress, deadline) => r?,
            () = cancel.cancelled() => return Err(GenerateError::Cancelled),
        };
        let asked = match model {
            Model::Lyria2 => track.sample_count.unwrap_or(1),
            Model::Lyria3Clip | Model::Lyria3Pro => 1,
        };
        let mut answer = exchange.answer;
        let extra = answer.keep_at_most(usize::try_from(asked).unwrap_or(1));
        if extra > 0 {
            tracing::warn!(extra, asked, "vertex returned more audio than asked for");
        }

        let mut result = GenerationResult::for_job(
            job,
            Status::Completed,
            String::new(),
            cost::vertex_billed(model, asked, answer.audio.len()),
        );
        result.mode = Mode::Gcp;
        result.prompt = prompt;
        result.model = Some(model);
        result.request = Some(req.describe(model, project, &self.key.location));
        result.text = answer.text.clone();
        result.created_at = Some(started_at.clone());
        result.timings = Some(Timings {
            started_at,
            auth_ms: exchange.auth_ms,
            request_ms: exchange.request_ms,
            total_ms: 0,
            attempts: exchange.attempts,
        });
        progress(Stage::Saving {
            files: answer.audio.len(),
        });
        // The files are written completely or not at all: a cancel that
        // arrives once they are complete is too late to stop the moves.
        if cancel.is_cancelled() {
            return Err(GenerateError::Cancelled);
        }
        let result = write_files(&job.settings, answer, result, started, cancel).await?;
        tracing::info!(
            model = model.id(),
            files = result.files.len(),
            attempts = exchange.attempts,
            total_ms = result.timings.as_ref().map_or(0, |t| t.total_ms),
            "generation completed"
        );
        Ok(result)
    }

    fn project(&self) -> Result<&str, GenerateError> {
        match self.key.project.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Ok(p),
            _ => Err(GenerateError::Config(
                "no Google Cloud project set; gcp mode runs in and bills a project: give it \
                 with --project-id, GOOGLE_CLOUD_PROJECT or the settings (o) in the TUI"
                    .to_string(),
            )),
        }
    }

    async fn connection(&self) -> Result<&Connection, GenerateError> {
        self.connection
            .get_or_try_init(|| async {
                let credentials = auth::provider(self.key.credentials.as_deref()).await?;
                let client = reqwest::Client::builder()
                    .user_agent(concat!("music-gen/", env!("CARGO_PKG_VERSION")))
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build()
                    .map_err(|e| GenerateError::Config(format!("could not set up HTTPS: {e}")))?;
                Ok(Box::new(Connection {
                    client,
                    credentials,
                }))
            })
            .await
            .map(|c| &**c)
    }

    /// Authenticates and sends the request, retrying only what cannot have
    /// been billed, until the deadline.
    async fn exchange(
        &self,
        job: &Job,
        model: Model,
        project: &str,
        req: &VertexRequest,
        progress: &Progress,
        deadline: Instant,
    ) -> Result<Exchange, GenerateError> {
        let policy = RetryPolicy {
            max_attempts: job.settings.max_attempts.max(1),
            base_delay: self.retry_base,
        };
        let max = policy.max_attempts;
        let seconds = job.settings.timeout.min(MAX_TIMEOUT).as_secs();
        let mut auth_ms = 0;
        let mut request_ms = 0;
        for attempt in 1..=max {
            if attempt == 1 {
                progress(Stage::Authenticating);
            }
            let t = Instant::now();
            // Asked every attempt: free while the cached token is valid, and
            // a long wait between attempts cannot leave an expired one.
            let Some(token) = before(deadline, self.token()).await else {
                return Err(GenerateError::Timeout {
                    seconds,
                    sent: attempt > 1,
                });
            };
            let (connection, token) = token?;
            let client = &connection.client;
            let quota = credentials::quota_project(
                self.key.quota_project.as_deref(),
                &connection.credentials,
                project,
            );
            auth_ms += millis(t.elapsed());

            // A batch's shared limiter: a place in its window, after any
            // pause a 429 to another of its requests asked for.
            let permit = match &job.settings.limiter {
                Some(limiter) => match limiter.try_acquire() {
                    Some(permit) => Some(permit),
                    None => {
                        progress(Stage::Queued {
                            paused_for: limiter.snapshot().paused_for,
                        });
                        match before(deadline, limiter.acquire()).await {
                            Some(permit) => Some(permit),
                            None => {
                                return Err(GenerateError::Timeout {
                                    seconds,
                                    sent: attempt > 1,
                                });
                            }
                        }
                    }
                },
                None => None,
            };
            // From here the request may reach Vertex AI and be billed.
            progress(Stage::Sending {
                model,
                location: self.key.location.clone(),
                attempt,
                of: max,
            });
            let t = Instant::now();
            let ctx = errors::Context {
                model,
                project,
                location: &self.key.location,
                attempts: attempt,
            };
            let sent = self.attempt(client, &token, quota, req, &ctx);
            let Some(outcome) = before(deadline, sent).await else {
                return Err(GenerateError::Timeout {
                    seconds,
                    sent: true,
                });
            };
            request_ms += millis(t.elapsed());
            if let Some(permit) = permit {
                match &outcome {
                    Attempt::Retry(f) if f.throttled => permit.throttled(f.wait),
                    _ => permit.answered(),
                }
            }
            let failure = match outcome {
                Attempt::Answer(answer) => {
                    return Ok(Exchange {
                        answer,
                        auth_ms,
                        request_ms,
                        attempts: attempt,
                    });
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(failure) => failure,
            };
            let backoff = policy.backoff(attempt, &mut fastrand::Rng::new());
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = retry::next_wait(failure.wait, backoff, policy.base_delay, left);
            let Some(wait) = wait.filter(|_| attempt < max) else {
                return Err(failure.error);
            };
            progress(Stage::Retrying {
                attempt,
                of: max,
                failure: failure.what,
                wait,
            });
            tokio::time::sleep(wait).await;
        }
        unreachable!("the last attempt returns")
    }

    /// The connection and a valid token.
    async fn token(&self) -> Result<(&Connection, Arc<gcp_auth::Token>), GenerateError> {
        let connection = self.connection().await?;
        let token = auth::token(
            connection.credentials.tokens.as_ref(),
            self.key.credentials.as_deref(),
        )
        .await?;
        Ok((connection, token))
    }

    /// One request and its answer, and whether trying again is safe.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        token: &gcp_auth::Token,
        quota_project: Option<&str>,
        req: &VertexRequest,
        ctx: &errors::Context<'_>,
    ) -> Attempt {
        let mut post = client.post(req.url.clone()).bearer_auth(token.as_str());
        if let Some(q) = quota_project {
            post = post.header("x-goog-user-project", q);
        }
        let sent = post.json(&req.body).send().await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) if retry::is_retryable_error(&e) => {
                tracing::debug!(attempt = ctx.attempts, error = %e, "vertex not reached");
                return Attempt::Retry(Failure {
                    error: errors::network(e, ctx.attempts),
                    what: "a connection error".to_string(),
                    wait: None,
                    throttled: false,
                });
            }
            Err(e) => return Attempt::Fail(errors::broken_after_sending(&e)),
        };
        let status = response.status().as_u16();
        tracing::debug!(
            status,
            attempt = ctx.attempts,
            path = req.url.path(),
            "vertex answered"
        );
        if response.status().is_success() {
            let body = match body::read(&mut response, body::MAX_ANSWER_BYTES).await {
                Ok(body) => body,
                Err(e) => return Attempt::Fail(e.into_error()),
            };
            let parsed = match ctx.model {
                Model::Lyria2 => response::parse_predict(&body),
                Model::Lyria3Clip | Model::Lyria3Pro => {
                    response::parse_interaction(&body, ctx.model)
                }
            };
            return match parsed {
                Ok(answer) => Attempt::Answer(answer),
                Err(e) => Attempt::Fail(e),
            };
        }
        let header_wait = retry::retry_after(response.headers());
        // An error answer is small; one that breaks off still has a status.
        let body = body::read_prefix(&mut response, body::MAX_ERROR_BYTES).await;
        if status == 504 {
            return Attempt::Fail(errors::deadline_exceeded(&body));
        }
        let error = errors::from_response(status, &body, ctx);
        if !retry::is_retryable_status(status) {
            return Attempt::Fail(error);
        }
        let wait = match (header_wait, errors::retry_delay(&body)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Attempt::Retry(Failure {
            error,
            what: format!("HTTP {status}"),
            wait,
            throttled: status == 429,
        })
    }
}

/// How one attempt ended.
enum Attempt {
    Answer(Answer),
    /// Trying again cannot bill twice.
    Retry(Failure),
    Fail(GenerateError),
}

/// `f`, unless the deadline comes first.
async fn before<F: std::future::Future>(deadline: Instant, f: F) -> Option<F::Output> {
    tokio::time::timeout_at(deadline.into(), f).await.ok()
}

/// A failed attempt that may be retried.
struct Failure {
    /// Reported if no attempt is left.
    error: GenerateError,
    what: String,
    /// What the server asked for, with `Retry-After` or `RetryInfo`.
    wait: Option<Duration>,
    /// A 429: the quota, shared by every request of a batch.
    throttled: bool,
}

fn no_output() -> GenerateError {
    GenerateError::Config(
        "gcp mode writes audio: give an output file or directory (--output or --output-dir)"
            .to_string(),
    )
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn started_at() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Writes the audio and the metadata beside it, all or nothing, where the
/// settings say (a folder, off the runtime's threads, or a bucket).
async fn write_files(
    settings: &GenerationSettings,
    answer: Answer,
    mut result: GenerationResult,
    started: Instant,
    cancel: CancellationToken,
) -> Result<GenerationResult, GenerateError> {
    let audio: Vec<output::NewAudio> = answer
        .audio
        .into_iter()
        .map(|a| output::NewAudio {
            ext: response::extension(&a.mime_type),
            bytes: a.bytes,
            mime_type: a.mime_type,
        })
        .collect();
    result.message = match audio.len() {
        1 => format!("Track generated with {}.", model_id(&result)),
        n => format!("{n} tracks generated with {}", model_id(&result)),
    };
    if let Some(t) = result.timings.as_mut() {
        t.total_ms = millis(started.elapsed());
    }
    let name = settings.name.as_deref();
    output::write(&settings.output, name, audio, result, cancel).await
}

fn model_id(result: &GenerationResult) -> &'static str {
    result.model.map_or("Vertex AI", Model::id)
}
