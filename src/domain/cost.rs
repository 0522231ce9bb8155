//! Cost estimates shown before a generation and stored with its result.

use serde::{Deserialize, Serialize};

use crate::domain::model::Model;

pub const SIMULATE_BASE_USD: f64 = 0.01;
pub const SIMULATE_PER_SECOND_USD: f64 = 0.0001;

/// The list prices the estimates use, per model.
pub fn unit_price_usd(model: Model) -> f64 {
    match model {
        Model::Lyria2 => 0.06,
        Model::Lyria3Clip => 0.04,
        Model::Lyria3Pro => 0.08,
    }
}

/// One estimate; simulate mode fills the base and duration parts (the Python
/// tool's keys), gcp mode the model and unit parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    pub estimated_total_usd: f64,
    pub note: String,
}

pub fn simulate(duration_seconds: i64) -> CostEstimate {
    let duration_cost = SIMULATE_PER_SECOND_USD * duration_seconds as f64;
    CostEstimate {
        base_cost_usd: Some(SIMULATE_BASE_USD),
        duration_cost_usd: Some(duration_cost),
        model: None,
        unit_price_usd: None,
        units: None,
        estimated_total_usd: SIMULATE_BASE_USD + duration_cost,
        note: "Simulated estimate; no request is sent and nothing is billed.".to_string(),
    }
}

/// Lyria 2 bills each 30-second sample; Lyria 3 bills each request.
pub fn vertex(model: Model, sample_count: i64) -> CostEstimate {
    let units = match model {
        Model::Lyria2 => sample_count.clamp(1, 4) as u32,
        Model::Lyria3Clip | Model::Lyria3Pro => 1,
    };
    let price = unit_price_usd(model);
    let per = match model {
        Model::Lyria2 => "per 30-second sample",
        Model::Lyria3Clip | Model::Lyria3Pro => "per request",
    };
    CostEstimate {
        base_cost_usd: None,
        duration_cost_usd: None,
        model: Some(model),
        unit_price_usd: Some(price),
        units: Some(units),
        estimated_total_usd: price * f64::from(units),
        note: format!(
            "Estimate from Vertex AI list prices published in 2026 (${price:.2} {per}); check current pricing."
        ),
    }
}

/// What a finished generation is billed: Lyria 2 each returned sample
/// (`asked - returned` were filtered: no audio, not counted), Lyria 3 the
/// request.
pub fn vertex_billed(model: Model, asked: i64, returned: usize) -> CostEstimate {
    let returned_count = i64::try_from(returned).unwrap_or(i64::MAX);
    match model {
        Model::Lyria2 => {
            let mut estimate = vertex(model, returned_count);
            let missing = asked - returned_count;
            if missing > 0 {
                estimate.note.push_str(&format!(
                    " Vertex AI filtered {missing} of the {asked} samples asked for: they are not \
                     audio you got and are not counted."
                ));
            }
            estimate
        }
        Model::Lyria3Clip | Model::Lyria3Pro => vertex(model, 1),
    }
}

impl CostEstimate {
    /// `$0.0280`, the form the CLI summary and the TUI show.
    pub fn total_display(&self) -> String {
        format!("${:.4}", self.estimated_total_usd)
    }
}
