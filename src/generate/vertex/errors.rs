//! Turns Vertex AI's error answers (`{"error":{code,message,status,details}}`)
//! into advice a user can act on. Google's own message is always kept, since
//! it often names the exact permission, quota or filter.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::model::Model;
use crate::generate::error::GenerateError;
use crate::generate::vertex::clean;

/// Said when an answer broke off: Vertex AI had made it, so it may be billed.
pub const DROPPED_MID_ANSWER: &str = "the connection dropped after Vertex AI started answering";

/// What the advice needs to name.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub model: Model,
    pub project: &'a str,
    pub location: &'a str,
    pub attempts: u32,
}

#[derive(Deserialize)]
struct Envelope {
    error: GoogleError,
}

#[derive(Deserialize, Default)]
struct GoogleError {
    message: Option<String>,
    status: Option<String>,
    #[serde(default)]
    details: Vec<Value>,
}

impl GoogleError {
    fn parse(body: &[u8]) -> GoogleError {
        if let Ok(e) = serde_json::from_slice::<Envelope>(body) {
            let mut e = e.error;
            e.message = e.message.map(|m| clean::line(&m, 1000));
            e.status = e.status.map(|s| clean::line(&s, 100));
            return e;
        }
        // A proxy or load balancer may answer in plain text or HTML.
        let text = clean::line(&String::from_utf8_lossy(body), 300);
        let message = (!text.is_empty()).then_some(text);
        GoogleError {
            message,
            ..GoogleError::default()
        }
    }

    fn reason_is(&self, reason: &str) -> bool {
        self.details
            .iter()
            .any(|d| d.get("reason").and_then(Value::as_str) == Some(reason))
    }

    /// `metadata.permission` of the ErrorInfo: the permission IAM refused.
    fn permission(&self) -> Option<String> {
        self.details.iter().find_map(|d| {
            let p = d.get("metadata")?.get("permission")?.as_str()?;
            Some(clean::line(p, 100))
        })
    }
}

/// The IAM permission each model's call needs: Lyria 2 is a prediction,
/// Lyria 3 an interaction.
fn permission_for(model: Model) -> &'static str {
    match model {
        Model::Lyria2 => "aiplatform.endpoints.predict",
        Model::Lyria3Clip | Model::Lyria3Pro => "aiplatform.interactions.create",
    }
}

/// Words Vertex AI uses when a safety filter refused a prompt.
pub fn mentions_safety(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["safety", "blocked", "flagged", "filtered", "responsible ai"]
        .iter()
        .any(|w| m.contains(w))
}

pub fn from_response(http_status: u16, body: &[u8], ctx: &Context<'_>) -> GenerateError {
    let e = GoogleError::parse(body);
    let status = e.status.clone().unwrap_or_default();
    let said = match (&e.message, status.is_empty()) {
        (Some(m), false) => format!("{status}: {m}"),
        (Some(m), true) => m.clone(),
        (None, false) => status.clone(),
        (None, true) => format!("HTTP {http_status}"),
    };
    let message = e.message.clone().unwrap_or_default();
    let Context {
        model,
        project,
        location,
        attempts,
    } = *ctx;
    let api = |message: String| GenerateError::Api {
        status: Some(http_status),
        message,
    };
    match http_status {
        400 if mentions_safety(&message) => GenerateError::Filtered(message),
        400 => api(format!("Vertex AI refused the request ({said})")),
        401 => GenerateError::Auth {
            message: format!(
                "Vertex AI did not accept the credentials ({said}); check the service-account \
                 file (--credentials or GOOGLE_APPLICATION_CREDENTIALS) or run \
                 `gcloud auth application-default login` again"
            ),
            source: None,
        },
        403 if e.reason_is("SERVICE_DISABLED")
            || message.contains("has not been used in project")
            || message.contains("is disabled") =>
        {
            api(format!(
                "the Vertex AI API is not enabled for project {project}: enable it with \
                 `gcloud services enable aiplatform.googleapis.com --project {project}` \
                 (or in the Cloud console), wait a few minutes and try again ({said})"
            ))
        }
        403 if e.reason_is("BILLING_DISABLED") => api(format!(
            "billing is not enabled for project {project}; link a billing account to it \
             and try again ({said})"
        )),
        403 if e.reason_is("USER_PROJECT_DENIED")
            || message.contains("serviceusage.services.use") =>
        {
            api(format!(
                "the account may not use project {project} for quota and billing (music-gen \
                 names it in the x-goog-user-project header): grant the account the Service \
                 Usage Consumer role (roles/serviceusage.serviceUsageConsumer) on it ({said})"
            ))
        }
        403 if e.reason_is("CONSUMER_INVALID") => api(format!(
            "Google does not know project {project}, or it is being deleted: check the \
             project id given with --project-id or GOOGLE_CLOUD_PROJECT (the id, not the \
             project's name or number) ({said})"
        )),
        403 if e.reason_is("ACCESS_TOKEN_SCOPE_INSUFFICIENT") => GenerateError::Auth {
            message: format!(
                "the access token lacks the cloud-platform scope, as on a VM created with \
                 narrow access scopes: give the VM the cloud-platform scope (or 'Allow full \
                 access to all Cloud APIs'), or use a service-account key with --credentials \
                 ({said})"
            ),
            source: None,
        },
        403 => {
            let needed = permission_for(model);
            let refused = e.permission().unwrap_or_else(|| needed.to_string());
            api(format!(
                "permission denied on project {project}: {model} needs {needed}, which the \
                 Vertex AI User role (roles/aiplatform.user) grants; the account lacks \
                 {refused} ({said})"
            ))
        }
        404 => api(format!(
            "model {model} was not found at location {location} in project {project}; \
             check --model and --location (lyria-002 runs in regions such as us-central1, \
             the Lyria 3 previews only at global) ({said})"
        )),
        429 => api(format!(
            "Vertex AI quota exceeded for {model} in project {project}, still after {} \
             ({said}); wait a minute and try again, or ask for a higher quota in the Cloud \
             console under IAM & Admin > Quotas",
            plural_attempts(attempts)
        )),
        500..=599 => api(format!(
            "Vertex AI failed with HTTP {http_status} after {} ({said}); try again later",
            plural_attempts(attempts)
        )),
        _ => api(format!("Vertex AI answered HTTP {http_status} ({said})")),
    }
}

/// A 504: Google's deadline passed, but "may be returned even if the
/// operation has completed", so it is reported, never retried.
pub fn deadline_exceeded(body: &[u8]) -> GenerateError {
    let e = GoogleError::parse(body);
    let said = e.message.map_or(String::new(), |m| format!(": {m}"));
    GenerateError::MayHaveBeenBilled(format!(
        "Vertex AI answered HTTP 504, deadline exceeded{said}; Google says the generation may \
         still have been made"
    ))
}

/// The connection broke after the request went out but before an answer
/// began: Vertex AI may be making the audio.
pub fn broken_after_sending(e: &reqwest::Error) -> GenerateError {
    GenerateError::MayHaveBeenBilled(format!(
        "the connection to Vertex AI broke after the request was sent ({})",
        causes(e)
    ))
}

/// The wait `google.rpc.RetryInfo` asks for, e.g. `"retryDelay": "1.5s"`.
pub fn retry_delay(body: &[u8]) -> Option<Duration> {
    let e = GoogleError::parse(body);
    e.details.iter().find_map(|d| {
        let kind = d.get("@type").and_then(Value::as_str)?;
        if !kind.ends_with("google.rpc.RetryInfo") {
            return None;
        }
        let secs: f64 = d
            .get("retryDelay")?
            .as_str()?
            .trim()
            .strip_suffix('s')?
            .parse()
            .ok()?;
        // A negative, NaN or astronomical value is clamped, never trusted.
        Some(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX))
    })
}

pub fn plural_attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_string()
    } else {
        format!("{n} attempts")
    }
}

/// A transport failure, with its causes: reqwest's top-level message alone
/// ("error sending request") does not say what went wrong.
pub fn network(e: reqwest::Error, attempts: u32) -> GenerateError {
    GenerateError::Network {
        message: format!("{} (after {})", causes(&e), plural_attempts(attempts)),
        source: e,
    }
}

/// An error and its causes on one line.
pub fn causes(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CTX: Context<'static> = Context {
        model: Model::Lyria2,
        project: "proj",
        location: "us-central1",
        attempts: 4,
    };

    fn error(code: u16, status: &str, message: &str, details: Value) -> Vec<u8> {
        json!({"error": {"code": code, "message": message, "status": status, "details": details}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn service_disabled_is_told_apart_from_permission_denied() {
        let body = error(
            403,
            "PERMISSION_DENIED",
            "Vertex AI API has not been used in project proj before or it is disabled.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]),
        );
        let e = from_response(403, &body, &CTX).to_string();
        assert!(
            e.contains("gcloud services enable aiplatform.googleapis.com --project proj"),
            "{e}"
        );
        let body = error(403, "PERMISSION_DENIED", "Permission denied", json!([]));
        let e = from_response(403, &body, &CTX).to_string();
        assert!(e.contains("aiplatform.endpoints.predict"), "{e}");
        assert!(e.contains("roles/aiplatform.user"), "{e}");
    }

    #[test]
    fn safety_400_is_filtered_with_googles_words() {
        let msg =
            "Audio generation failed: Music generation failed. Prompt flagged by safety filters.";
        let e = from_response(400, &error(400, "INVALID_ARGUMENT", msg, json!([])), &CTX);
        assert!(matches!(&e, GenerateError::Filtered(m) if m == msg), "{e}");
        let e = from_response(
            400,
            &error(400, "INVALID_ARGUMENT", "bad field", json!([])),
            &CTX,
        );
        assert!(matches!(
            e,
            GenerateError::Api {
                status: Some(400),
                ..
            }
        ));
    }

    #[test]
    fn each_403_reason_gets_its_own_advice() {
        let info = |reason: &str, metadata: Value| {
            error(
                403,
                "PERMISSION_DENIED",
                "denied",
                json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "metadata": metadata}]),
            )
        };
        let says = |body: Vec<u8>, ctx: &Context<'_>| from_response(403, &body, ctx).to_string();
        let e = says(info("BILLING_DISABLED", json!({})), &CTX);
        assert!(e.contains("billing is not enabled for project proj"), "{e}");
        let e = says(info("USER_PROJECT_DENIED", json!({})), &CTX);
        assert!(e.contains("roles/serviceusage.serviceUsageConsumer"), "{e}");
        assert!(e.contains("x-goog-user-project"), "{e}");
        let e = says(info("CONSUMER_INVALID", json!({})), &CTX);
        assert!(e.contains("check the project id"), "{e}");
        let e = from_response(
            403,
            &info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", json!({})),
            &CTX,
        );
        assert!(matches!(e, GenerateError::Auth { .. }), "{e:?}");
        assert!(e.to_string().contains("cloud-platform scope"), "{e}");
        let lyria3 = Context {
            model: Model::Lyria3Pro,
            ..CTX
        };
        let e = says(
            info(
                "IAM_PERMISSION_DENIED",
                json!({"permission": "aiplatform.interactions.create"}),
            ),
            &lyria3,
        );
        assert!(
            e.contains("lyria-3-pro-preview needs aiplatform.interactions.create"),
            "{e}"
        );
        assert!(e.contains("roles/aiplatform.user"), "{e}");
        let e = says(info("IAM_PERMISSION_DENIED", json!({})), &CTX);
        assert!(
            e.contains("lyria-002 needs aiplatform.endpoints.predict"),
            "{e}"
        );
    }

    #[test]
    fn server_text_loses_its_control_characters() {
        let body = error(
            500,
            "INTERNAL\x1b[2J",
            "boom\x1b]0;pwned\x07 \u{202e}x",
            json!([]),
        );
        let e = from_response(500, &body, &CTX).to_string();
        assert!(!e.chars().any(char::is_control), "{e:?}");
        assert!(!e.contains('\u{202e}'), "{e:?}");
        let e = from_response(502, b"<h1>\x1b[31mbad gateway</h1>", &CTX).to_string();
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }

    #[test]
    fn retry_info_is_read_and_clamped() {
        let info = |delay: &str| {
            error(
                429,
                "RESOURCE_EXHAUSTED",
                "slow down",
                json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]),
            )
        };
        assert_eq!(
            retry_delay(&info("1.5s")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_delay(&info("-3s")), Some(Duration::ZERO));
        assert_eq!(retry_delay(&info("1e300s")), Some(Duration::MAX));
        assert_eq!(retry_delay(&info("soon")), None);
        assert_eq!(retry_delay(b"<html>"), None);
    }

    #[test]
    fn plain_text_bodies_are_kept_short() {
        let body = format!("<html>{}</html>", "x".repeat(1000));
        let e = from_response(502, body.as_bytes(), &CTX).to_string();
        assert!(e.contains("HTTP 502 after 4 attempts"), "{e}");
        assert!(e.len() < 500, "{e}");
    }
}
