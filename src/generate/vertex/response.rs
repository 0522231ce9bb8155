//! Reading Vertex AI's answers: Lyria 2 predictions and Lyria 3 interaction
//! output blocks, in each of the shapes Google has used.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::model::Model;
use crate::generate::error::GenerateError;
use crate::generate::vertex::clean;
use crate::generate::vertex::errors::mentions_safety;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    pub bytes: Vec<u8>,
    pub mime_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    pub audio: Vec<Audio>,
    pub text: Option<String>,
}

impl Answer {
    /// Drops audio beyond what was asked for (a server that sends fifty
    /// samples for one does not get fifty files written); returns how many.
    pub fn keep_at_most(&mut self, asked: usize) -> usize {
        let extra = self.audio.len().saturating_sub(asked.max(1));
        self.audio.truncate(asked.max(1));
        extra
    }
}

#[derive(Deserialize)]
struct PredictResponse {
    /// `null` is read as an empty list.
    #[serde(default)]
    predictions: Option<Vec<Prediction>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prediction {
    bytes_base64_encoded: Option<String>,
    /// The name Google's reference uses for the same field.
    audio_content: Option<String>,
    mime_type: Option<String>,
    rai_filtered_reason: Option<String>,
}

#[derive(Deserialize)]
struct Interaction {
    status: Option<String>,
    /// The older shape: blocks directly on the interaction. `null` is empty.
    #[serde(default)]
    outputs: Option<Vec<Block>>,
    /// The newer shape: the same blocks under each step.
    #[serde(default)]
    steps: Option<Vec<Step>>,
    #[serde(default)]
    errors: Option<Vec<Value>>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    content: Option<Vec<Block>>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    data: Option<String>,
    mime_type: Option<String>,
}

/// The keys that make a body an answer of each kind; a body with none of
/// them (`{}` from a proxy, a Lyria 2 answer to a Lyria 3 request) is not
/// a refusal but an answer music-gen does not know.
const PREDICT_KEYS: &[&str] = &["predictions"];
const INTERACTION_KEYS: &[&str] = &["outputs", "steps", "status", "errors", "error"];

/// The body as a JSON object with at least one of `keys`.
fn known_shape(body: &[u8], keys: &[&str]) -> Result<Value, GenerateError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| malformed(e, body))?;
    let known = value
        .as_object()
        .is_some_and(|o| keys.iter().any(|k| o.contains_key(*k)));
    if known {
        Ok(value)
    } else {
        Err(GenerateError::NoAudio(format!(
            "Vertex AI answered without audio in a form music-gen does not know: {}",
            clean::excerpt(body)
        )))
    }
}

/// A failure's words: its `message`, else the value itself.
fn message_of(v: &Value) -> String {
    let text = match v.get("message").and_then(Value::as_str) {
        Some(m) => m.to_string(),
        None => match v.as_str() {
            Some(s) => s.to_string(),
            None => v.to_string(),
        },
    };
    clean::line(&text, 300)
}

fn default_mime(model: Model) -> &'static str {
    match model {
        Model::Lyria2 => "audio/wav",
        Model::Lyria3Clip | Model::Lyria3Pro => "audio/mpeg",
    }
}

/// The file extension for an audio mime type.
pub fn extension(mime_type: &str) -> &'static str {
    let essence = mime_type.split(';').next().unwrap_or("").trim();
    match essence.to_ascii_lowercase().as_str() {
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/aac" => "aac",
        "audio/m4a" | "audio/mp4" => "m4a",
        _ => "bin",
    }
}

fn malformed(what: impl std::fmt::Display, body: &[u8]) -> GenerateError {
    GenerateError::Api {
        status: Some(200),
        message: format!(
            "Vertex AI sent an answer music-gen cannot read ({what}): {}",
            clean::excerpt(body)
        ),
    }
}

fn decode(data: &str, mime_type: Option<String>, model: Model) -> Result<Audio, GenerateError> {
    let bytes = STANDARD
        .decode(data.trim())
        .map_err(|e| GenerateError::Api {
            status: Some(200),
            message: format!("Vertex AI sent audio that is not valid base64 ({e})"),
        })?;
    Ok(Audio {
        bytes,
        mime_type: mime_type
            .map(|m| clean::line(&m, 100))
            .unwrap_or_else(|| default_mime(model).to_string()),
    })
}

/// Lyria 2: one audio file per prediction. No prediction with audio is
/// Google's documented answer for a prompt the safety filters refused.
pub fn parse_predict(body: &[u8]) -> Result<Answer, GenerateError> {
    let value = known_shape(body, PREDICT_KEYS)?;
    let response: PredictResponse =
        serde_json::from_value(value).map_err(|e| malformed(e, body))?;
    let mut answer = Answer::default();
    let mut reasons = Vec::new();
    for p in response.predictions.unwrap_or_default() {
        match p.bytes_base64_encoded.or(p.audio_content) {
            Some(data) => answer
                .audio
                .push(decode(&data, p.mime_type, Model::Lyria2)?),
            None => reasons.extend(p.rai_filtered_reason.map(|r| clean::line(&r, 300))),
        }
    }
    if answer.audio.is_empty() {
        return Err(filtered(reasons));
    }
    Ok(answer)
}

/// Lyria 3: text blocks (lyrics, structure) and audio blocks, either on
/// `outputs` or under `steps[].content`; failures in `status`, `errors[]`
/// or `steps[].error`.
pub fn parse_interaction(body: &[u8], model: Model) -> Result<Answer, GenerateError> {
    let value = known_shape(body, INTERACTION_KEYS)?;
    let interaction: Interaction = serde_json::from_value(value).map_err(|e| malformed(e, body))?;
    let mut failures: Vec<String> = interaction
        .errors
        .unwrap_or_default()
        .iter()
        .chain(interaction.error.as_ref())
        .map(message_of)
        .collect();
    let mut blocks = interaction.outputs.unwrap_or_default();
    for step in interaction.steps.unwrap_or_default() {
        failures.extend(step.error.as_ref().map(message_of));
        blocks.extend(step.content.unwrap_or_default());
    }
    let mut answer = Answer::default();
    let mut texts = Vec::new();
    for block in blocks {
        match block.kind.as_deref() {
            Some("text") => texts.extend(
                block
                    .text
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| clean::lines(&t)),
            ),
            Some("audio") => {
                if let Some(data) = block.data {
                    answer.audio.push(decode(&data, block.mime_type, model)?);
                }
            }
            _ => {}
        }
    }
    if !texts.is_empty() {
        answer.text = Some(texts.join("\n\n"));
    }
    if !answer.audio.is_empty() {
        return Ok(answer);
    }
    let status = interaction
        .status
        .map(|s| clean::line(&s, 50))
        .filter(|s| s != "completed");
    if failures.iter().any(|f| mentions_safety(f)) {
        return Err(filtered(failures));
    }
    let mut said = failures;
    said.extend(texts.iter().map(|t| clean::line(t, 300)));
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {}", said.join("; "))
    };
    Err(GenerateError::NoAudio(match status {
        Some(s) => format!("Vertex AI made no audio (status {s}){said}"),
        None => format!("Vertex AI answered without audio{said}"),
    }))
}

fn filtered(reasons: Vec<String>) -> GenerateError {
    if reasons.is_empty() {
        GenerateError::Filtered(
            "Vertex AI returned no audio for this prompt; rephrase it and try again".to_string(),
        )
    } else {
        GenerateError::Filtered(format!(
            "Vertex AI returned no audio for this prompt: {}",
            reasons.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    #[test]
    fn predictions_accept_both_field_names() {
        let body = json!({"predictions": [
            {"bytesBase64Encoded": b64(b"one"), "mimeType": "audio/wav"},
            {"audioContent": b64(b"two")},
        ]});
        let a = parse_predict(body.to_string().as_bytes()).unwrap();
        assert_eq!(a.audio[0].bytes, b"one");
        assert_eq!(a.audio[1].bytes, b"two");
        assert_eq!(a.audio[1].mime_type, "audio/wav");
    }

    #[test]
    fn empty_predictions_are_filtered() {
        for body in [json!({"predictions": []}), json!({"predictions": null})] {
            let e = parse_predict(body.to_string().as_bytes()).unwrap_err();
            assert!(matches!(e, GenerateError::Filtered(_)), "{e}");
        }
        let body = json!({"predictions": [{"raiFilteredReason": "unsafe words"}]});
        let e = parse_predict(body.to_string().as_bytes()).unwrap_err();
        assert!(e.to_string().contains("unsafe words"), "{e}");
    }

    #[test]
    fn interactions_accept_outputs_and_steps() {
        let blocks = json!([
            {"type": "text", "text": "[Verse 1] hello"},
            {"type": "audio", "mime_type": "audio/mpeg", "data": b64(b"mp3")},
        ]);
        for body in [
            json!({"status": "completed", "outputs": blocks}),
            json!({"status": "completed", "steps": [{"type": "model_output", "content": blocks}]}),
        ] {
            let a = parse_interaction(body.to_string().as_bytes(), Model::Lyria3Pro).unwrap();
            assert_eq!(
                a.audio,
                vec![Audio {
                    bytes: b"mp3".to_vec(),
                    mime_type: "audio/mpeg".into()
                }]
            );
            assert_eq!(a.text.as_deref(), Some("[Verse 1] hello"));
        }
    }

    #[test]
    fn interaction_failures_are_reported_with_their_message() {
        let parse = |body: Value| {
            parse_interaction(body.to_string().as_bytes(), Model::Lyria3Clip).unwrap_err()
        };
        let e =
            parse(json!({"status": "failed", "outputs": [{"type": "text", "text": "I can't"}]}));
        assert!(matches!(e, GenerateError::NoAudio(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            "Vertex AI made no audio (status failed): I can't"
        );
        let e = parse(
            json!({"status": "failed", "errors": [{"message": "Prompt blocked by safety filters"}]}),
        );
        assert!(matches!(e, GenerateError::Filtered(_)), "{e:?}");
        assert!(
            e.to_string().contains("Prompt blocked by safety filters"),
            "{e}"
        );
        let e = parse(
            json!({"status": "incomplete", "steps": [{"error": {"message": "ran out of time"}}]}),
        );
        assert_eq!(
            e.to_string(),
            "Vertex AI made no audio (status incomplete): ran out of time"
        );
    }

    #[test]
    fn null_lists_are_empty_not_unreadable() {
        let e = parse_interaction(
            json!({"status": "completed", "outputs": null, "steps": null})
                .to_string()
                .as_bytes(),
            Model::Lyria3Pro,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "Vertex AI answered without audio");
    }

    #[test]
    fn answers_in_an_unknown_shape_are_told_apart() {
        let lyria2 = json!({"predictions": [{"bytesBase64Encoded": b64(b"RIFF")}]}).to_string();
        for (body, model) in [
            (lyria2.as_str(), Model::Lyria3Clip),
            ("{}", Model::Lyria3Pro),
            (
                r#"{"status": "ok-from-proxy", "token": "ya29.abc"}"#,
                Model::Lyria2,
            ),
        ] {
            let e = match model {
                Model::Lyria2 => parse_predict(body.as_bytes()),
                _ => parse_interaction(body.as_bytes(), model),
            }
            .unwrap_err();
            assert!(matches!(e, GenerateError::NoAudio(_)), "{e:?}");
            let msg = e.to_string();
            assert!(
                msg.starts_with(
                    "Vertex AI answered without audio in a form music-gen does not know"
                ),
                "{msg}"
            );
            assert!(!msg.contains("ya29"), "{msg}");
        }
    }

    #[test]
    fn garbage_is_reported_not_panicked_on() {
        assert!(parse_predict(b"<html>").is_err());
        let body = json!({"predictions": [{"bytesBase64Encoded": "%%%"}]});
        assert!(parse_predict(body.to_string().as_bytes()).is_err());
    }

    #[test]
    fn extra_audio_is_dropped() {
        let audio = |n: u8| Audio {
            bytes: vec![n],
            mime_type: "audio/wav".into(),
        };
        let mut a = Answer {
            audio: (0..50).map(audio).collect(),
            text: None,
        };
        assert_eq!(a.keep_at_most(2), 48);
        assert_eq!(a.audio, vec![audio(0), audio(1)]);
        assert_eq!(a.keep_at_most(2), 0);
    }

    #[test]
    fn extensions_follow_the_mime_type() {
        assert_eq!(extension("audio/wav"), "wav");
        assert_eq!(extension("audio/MPEG; rate=44100"), "mp3");
        assert_eq!(extension("application/octet-stream"), "bin");
    }
}

/// Vertex AI's answers as a lying or broken server might send them: any
/// bytes, any JSON, the right shapes with wrong values. Never a panic.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<String>().prop_map(serde_json::Value::from),
            "[A-Za-z0-9+/=]{0,40}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let keys = prop_oneof![
                Just("predictions".to_string()),
                Just("bytesBase64Encoded".to_string()),
                Just("audioContent".to_string()),
                Just("mimeType".to_string()),
                Just("raiFilteredReason".to_string()),
                Just("outputs".to_string()),
                Just("inlineData".to_string()),
                Just("data".to_string()),
                Just("text".to_string()),
                "[a-z]{1,6}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(keys, inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_an_answer_or_an_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_predict(&body);
            for &model in <Model as strum::VariantArray>::VARIANTS {
                let _ = parse_interaction(&body, model);
            }
        }

        #[test]
        fn any_json_is_an_answer_or_an_error(value in json_value()) {
            let body = value.to_string();
            let _ = parse_predict(body.as_bytes());
            for &model in <Model as strum::VariantArray>::VARIANTS {
                let _ = parse_interaction(body.as_bytes(), model);
            }
        }
    }
}
