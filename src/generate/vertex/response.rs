//! Reading Vertex AI's answers: Lyria 2 predictions and Lyria 3 interaction
//! output blocks, in each of the shapes Google has used.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::domain::model::Model;
use crate::generate::error::GenerateError;

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
    #[serde(default)]
    predictions: Vec<Prediction>,
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
    /// The older shape: blocks directly on the interaction.
    #[serde(default)]
    outputs: Vec<Block>,
    /// The newer shape: the same blocks under each step.
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    content: Vec<Block>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    data: Option<String>,
    mime_type: Option<String>,
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

fn malformed(what: impl std::fmt::Display) -> GenerateError {
    GenerateError::Api {
        status: Some(200),
        message: format!("Vertex AI sent an answer music-gen cannot read: {what}"),
    }
}

fn decode(data: &str, mime_type: Option<String>, model: Model) -> Result<Audio, GenerateError> {
    let bytes = STANDARD
        .decode(data.trim())
        .map_err(|e| malformed(format!("the audio is not valid base64 ({e})")))?;
    Ok(Audio {
        bytes,
        mime_type: mime_type.unwrap_or_else(|| default_mime(model).to_string()),
    })
}

/// Lyria 2: one audio file per prediction; none means the prompt was filtered.
pub fn parse_predict(body: &[u8]) -> Result<Answer, GenerateError> {
    let response: PredictResponse = serde_json::from_slice(body).map_err(malformed)?;
    let mut answer = Answer::default();
    let mut reasons = Vec::new();
    for p in response.predictions {
        match p.bytes_base64_encoded.or(p.audio_content) {
            Some(data) => answer
                .audio
                .push(decode(&data, p.mime_type, Model::Lyria2)?),
            None => reasons.extend(p.rai_filtered_reason),
        }
    }
    if answer.audio.is_empty() {
        return Err(filtered(reasons));
    }
    Ok(answer)
}

/// Lyria 3: text blocks (lyrics, structure) and audio blocks, either on
/// `outputs` or under `steps[].content`.
pub fn parse_interaction(body: &[u8], model: Model) -> Result<Answer, GenerateError> {
    let interaction: Interaction = serde_json::from_slice(body).map_err(malformed)?;
    let blocks = interaction
        .outputs
        .into_iter()
        .chain(interaction.steps.into_iter().flat_map(|s| s.content));
    let mut answer = Answer::default();
    let mut texts = Vec::new();
    for block in blocks {
        match block.kind.as_str() {
            "text" => texts.extend(block.text.filter(|t| !t.trim().is_empty())),
            "audio" => {
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
    if answer.audio.is_empty() {
        let mut reasons = texts;
        if let Some(s) = interaction.status.filter(|s| s != "completed") {
            reasons.push(format!("status {s}"));
        }
        return Err(filtered(reasons));
    }
    Ok(answer)
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
        for body in [json!({"predictions": []}), json!({})] {
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
    fn interaction_without_audio_is_filtered() {
        let body = json!({"status": "failed", "outputs": [{"type": "text", "text": "I can't"}]});
        let e = parse_interaction(body.to_string().as_bytes(), Model::Lyria3Clip).unwrap_err();
        assert!(matches!(e, GenerateError::Filtered(_)));
        assert!(e.to_string().contains("I can't; status failed"), "{e}");
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
