//! The URL and body Vertex AI expects for each model.

use reqwest::Url;
use serde_json::{Value, json};

use crate::domain::model::{Model, TrackConfig};
use crate::generate::error::GenerateError;
use crate::generate::job::GeneratorKey;

pub const GLOBAL: &str = "global";

/// A request ready to send. Holds no credentials, so it can be stored in the
/// metadata as it is.
#[derive(Debug, Clone)]
pub struct VertexRequest {
    pub url: Url,
    pub body: Value,
}

impl VertexRequest {
    /// What the metadata records of the request.
    pub fn describe(&self, model: Model, project: &str, location: &str) -> Value {
        // An endpoint override may carry a proxy's user and password.
        let mut url = self.url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        json!({
            "model": model.id(),
            "project": project,
            "location": location,
            "url": url.as_str(),
            "body": self.body,
        })
    }
}

/// The location becomes part of a host name, so anything but a plain
/// location name (`us-central1`, `global`) is refused rather than sent.
pub fn check_location(location: &str) -> Result<(), GenerateError> {
    let plain = !location.is_empty()
        && location
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        Ok(())
    } else {
        Err(GenerateError::Config(format!(
            "{location:?} is not a Google Cloud location; use e.g. us-central1 or global"
        )))
    }
}

fn base_url(key: &GeneratorKey) -> Result<Url, GenerateError> {
    let base = match &key.endpoint {
        Some(e) => e.trim().to_string(),
        None if key.location == GLOBAL => "https://aiplatform.googleapis.com".to_string(),
        None => format!("https://{}-aiplatform.googleapis.com", key.location),
    };
    let url = Url::parse(&base)
        .map_err(|e| GenerateError::Config(format!("endpoint {base:?} is not a URL: {e}")))?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(GenerateError::Config(format!(
            "endpoint {base:?} must be an http or https URL"
        )));
    }
    Ok(url)
}

/// Appends path segments one by one, so a project id can never add a
/// segment or a query of its own.
fn with_segments(mut url: Url, segments: &[&str]) -> Url {
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

pub fn build(
    key: &GeneratorKey,
    project: &str,
    model: Model,
    track: &TrackConfig,
    prompt: &str,
) -> Result<VertexRequest, GenerateError> {
    let base = base_url(key)?;
    let request = match model {
        Model::Lyria2 => {
            let predict = format!("{}:predict", model.id());
            let url = with_segments(
                base,
                &[
                    "v1",
                    "projects",
                    project,
                    "locations",
                    &key.location,
                    "publishers",
                    "google",
                    "models",
                    &predict,
                ],
            );
            let mut instance = json!({ "prompt": prompt });
            if let Some(n) = &track.negative_prompt {
                instance["negative_prompt"] = json!(n);
            }
            if let Some(seed) = track.seed {
                instance["seed"] = json!(seed);
            }
            let mut body = json!({ "instances": [instance] });
            // Vertex refuses sample_count next to a seed, even a count of 1
            // (which validation still allows), so it is sent only alone.
            if let (None, Some(n)) = (track.seed, track.sample_count) {
                body["parameters"] = json!({ "sample_count": n });
            }
            VertexRequest { url, body }
        }
        Model::Lyria3Clip | Model::Lyria3Pro => {
            let url = with_segments(
                base,
                &[
                    "v1beta1",
                    "projects",
                    project,
                    "locations",
                    GLOBAL,
                    "interactions",
                ],
            );
            // The Interactions API keeps requests unless told not to;
            // Google's own client says `store: false`, and so do we.
            let body = json!({
                "model": model.id(),
                "input": [{ "type": "text", "text": prompt }],
                "store": false,
            });
            VertexRequest { url, body }
        }
    };
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::job::Mode;

    fn key(location: &str, endpoint: Option<&str>) -> GeneratorKey {
        GeneratorKey {
            mode: Mode::Gcp,
            project: Some("p".into()),
            location: location.into(),
            credentials: None,
            endpoint: endpoint.map(String::from),
            quota_project: None,
        }
    }

    #[test]
    fn lyria2_url_follows_the_location() {
        let t = TrackConfig::new("words", "rock");
        let r = build(&key("us-central1", None), "p", Model::Lyria2, &t, "x").unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/lyria-002:predict"
        );
        let r = build(&key("global", None), "p", Model::Lyria2, &t, "x").unwrap();
        assert!(
            r.url
                .as_str()
                .starts_with("https://aiplatform.googleapis.com/v1/projects/p/locations/global/")
        );
        assert_eq!(r.body, json!({"instances": [{"prompt": "x"}]}));
    }

    #[test]
    fn endpoint_override_keeps_its_path_and_segments_are_escaped() {
        let t = TrackConfig::new("words", "rock");
        let k = key("global", Some("http://127.0.0.1:9/proxy/"));
        let r = build(&k, "a/b?c", Model::Lyria3Pro, &t, "x").unwrap();
        assert_eq!(
            r.url.as_str(),
            "http://127.0.0.1:9/proxy/v1beta1/projects/a%2Fb%3Fc/locations/global/interactions"
        );
    }

    #[test]
    fn described_url_drops_user_and_password() {
        let t = TrackConfig::new("words", "rock");
        let k = key("global", Some("https://user:secret@proxy.example"));
        let r = build(&k, "p", Model::Lyria3Clip, &t, "x").unwrap();
        let d = r.describe(Model::Lyria3Clip, "p", "global");
        assert_eq!(
            d["url"],
            "https://proxy.example/v1beta1/projects/p/locations/global/interactions"
        );
    }

    #[test]
    fn seed_is_sent_without_sample_count() {
        let mut t = TrackConfig::new("words", "rock");
        t.seed = Some(7);
        t.sample_count = Some(1);
        t.negative_prompt = Some("vocals".into());
        let r = build(&key("us-central1", None), "p", Model::Lyria2, &t, "x").unwrap();
        assert_eq!(
            r.body,
            json!({"instances": [{"prompt": "x", "negative_prompt": "vocals", "seed": 7}]})
        );
        t.seed = None;
        t.sample_count = Some(3);
        let r = build(&key("us-central1", None), "p", Model::Lyria2, &t, "x").unwrap();
        assert_eq!(r.body["parameters"], json!({"sample_count": 3}));
    }

    #[test]
    fn locations_are_checked() {
        assert!(check_location("europe-west4").is_ok());
        assert!(check_location("evil.example/x").is_err());
        assert!(check_location("").is_err());
    }
}
