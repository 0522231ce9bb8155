//! The read-only Google calls of the checks: Resource Manager (the project,
//! `testIamPermissions`) and Service Usage (is Vertex AI enabled?).

use std::time::Duration;

use serde_json::{Value, json};

use crate::domain::model::Model;

use super::{Check, CheckName, Status};

/// Sends every Google API call of the checks to one base URL instead of
/// Google's hosts (tests, proxies): `{base}/v1/projects/…`.
pub const GOOGLE_API_BASE_ENV: &str = "MUSIC_GEN_GOOGLE_API_BASE";

const RESOURCE_MANAGER: &str = "https://cloudresourcemanager.googleapis.com";
const SERVICE_USAGE: &str = "https://serviceusage.googleapis.com";
const TIMEOUT: Duration = Duration::from_secs(20);
const ROLE: &str = "roles/aiplatform.user";

pub struct Api<'a> {
    client: reqwest::Client,
    token: &'a str,
    project: &'a str,
    /// `x-goog-user-project`, sent as generations send it.
    quota_project: Option<&'a str>,
    resource_manager: String,
    service_usage: String,
}

enum Answer {
    Ok(Value),
    Status(u16, String),
    Network(String),
}

impl<'a> Api<'a> {
    pub fn new(token: &'a str, project: &'a str, quota_project: Option<&'a str>) -> Api<'a> {
        let base = std::env::var(GOOGLE_API_BASE_ENV)
            .ok()
            .filter(|b| !b.is_empty())
            .map(|b| b.trim_end_matches('/').to_string());
        Api {
            client: reqwest::Client::builder()
                .user_agent(concat!("music-gen/", env!("CARGO_PKG_VERSION")))
                .timeout(TIMEOUT)
                .build()
                .unwrap_or_default(),
            token,
            project,
            quota_project,
            resource_manager: base.clone().unwrap_or_else(|| RESOURCE_MANAGER.to_string()),
            service_usage: base.unwrap_or_else(|| SERVICE_USAGE.to_string()),
        }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Answer {
        let mut req = req.bearer_auth(self.token);
        if let Some(q) = self.quota_project {
            req = req.header("x-goog-user-project", q);
        }
        let sent = req.send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Answer::Network(network_error(&e)),
        };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Answer::Ok(body)
        } else {
            let message = body["error"]["message"]
                .as_str()
                .map(|m| m.chars().filter(|c| !c.is_control()).take(200).collect())
                .unwrap_or_default();
            Answer::Status(status, message)
        }
    }

    /// The project exists and these credentials can see it.
    pub async fn project(&self) -> Check {
        let p = self.project;
        let url = format!("{}/v1/projects/{p}", self.resource_manager);
        match self.call(self.client.get(url)).await {
            Answer::Ok(v) => match v["lifecycleState"].as_str() {
                Some("ACTIVE") | None => Check::new(
                    CheckName::Project,
                    Status::Pass,
                    format!("{p} is reachable"),
                ),
                Some(state) => Check::new(
                    CheckName::Project,
                    Status::Fail,
                    format!("{p} is {}", state.to_lowercase().replace('_', " ")),
                )
                .advice(
                    "restore the project in the Cloud console, or choose another with --project-id",
                ),
            },
            Answer::Status(403 | 404, _) => Check::new(
                CheckName::Project,
                Status::Fail,
                format!("{p} does not exist, or these credentials may not see it"),
            )
            .advice(format!(
                "check the project ID (`gcloud projects list`), or give the account a role on {p}"
            )),
            other => failure(CheckName::Project, other),
        }
    }

    /// Service Usage says whether aiplatform.googleapis.com is enabled.
    pub async fn vertex_api(&self) -> Check {
        let p = self.project;
        let url = format!(
            "{}/v1/projects/{p}/services/aiplatform.googleapis.com",
            self.service_usage
        );
        match self.call(self.client.get(url)).await {
            Answer::Ok(v) if v["state"] == "ENABLED" => Check::new(
                CheckName::VertexApi,
                Status::Pass,
                format!("enabled in {p}"),
            ),
            Answer::Ok(_) => Check::new(
                CheckName::VertexApi,
                Status::Fail,
                format!("not enabled in {p}"),
            )
            .advice(format!(
                "gcloud services enable aiplatform.googleapis.com --project {p}"
            )),
            // Minimal roles may not read Service Usage: unknown, not failed.
            Answer::Status(403, _) => Check::new(
                CheckName::VertexApi,
                Status::Unknown,
                "could not tell: these credentials may not read Service Usage",
            )
            .advice(format!(
                "if generation fails with SERVICE_DISABLED: gcloud services enable aiplatform.googleapis.com --project {p}"
            )),
            other => failure(CheckName::VertexApi, other),
        }
    }

    /// The caller holds the permission the model needs; testIamPermissions
    /// costs nothing.
    pub async fn permission(&self, model: Model, email: Option<&str>) -> Check {
        let p = self.project;
        let needed = permission_for(model);
        let url = format!(
            "{}/v1/projects/{p}:testIamPermissions",
            self.resource_manager
        );
        let req = self
            .client
            .post(url)
            .json(&json!({ "permissions": [needed] }));
        match self.call(req).await {
            Answer::Ok(v) => {
                let held = v["permissions"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == needed));
                if held {
                    Check::new(
                        CheckName::Permission,
                        Status::Pass,
                        format!("{needed} held for {model}"),
                    )
                } else {
                    let member = match email {
                        Some(e) if e.ends_with(".gserviceaccount.com") => {
                            format!("serviceAccount:{e}")
                        }
                        Some(e) => format!("user:{e}"),
                        None => "user:YOU@example.com".to_string(),
                    };
                    Check::new(
                        CheckName::Permission,
                        Status::Fail,
                        format!("{needed} (needed for {model}) is not held in {p}"),
                    )
                    .advice(format!(
                        "the Vertex AI User role grants it: gcloud projects add-iam-policy-binding {p} --member={member} --role={ROLE}"
                    ))
                }
            }
            other => failure(CheckName::Permission, other),
        }
    }
}

/// The permission a generation with `model` needs.
pub fn permission_for(model: Model) -> &'static str {
    match model {
        Model::Lyria2 => "aiplatform.endpoints.predict",
        Model::Lyria3Clip | Model::Lyria3Pro => "aiplatform.interactions.create",
    }
}

fn failure(name: CheckName, answer: Answer) -> Check {
    match answer {
        Answer::Network(e) => Check::new(name, Status::Fail, format!("network error: {e}"))
            .advice("check the connection to Google (proxy, firewall, DNS) and try again"),
        Answer::Status(code, message) => {
            let m = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            Check::new(name, Status::Fail, format!("HTTP {code}{m}"))
                .advice("try again; if it persists, see the log file")
        }
        Answer::Ok(_) => Check::new(name, Status::Fail, "unexpected answer"),
    }
}

fn network_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        // reqwest's text names the URL, never a header or the token.
        e.to_string()
    }
}
