//! Where each model is offered. No Google API answers this, so it is a table
//! of ours, as Google documented it when checked.

use crate::domain::model::Model;

use super::{Check, CheckName, Status};

/// When the table below was last checked against Google's documentation.
pub const CHECKED: &str = "2026-11";

/// Locations each model is known to be served in, from Google's pages as
/// of [`CHECKED`]:
/// - "Generate music with Lyria" (Vertex AI, generative-ai/docs/music):
///   "Lyria 2 is offered globally", i.e. at the `global` endpoint, and its
///   API reference sends requests to `us-central1`. Google publishes no
///   per-region list for `lyria-002`; other regions of "Generative AI on
///   Vertex AI locations" are "could not tell", not a failure.
/// - Lyria 3 previews (the Interactions API): `global` only.
pub fn offered_in(model: Model) -> &'static [&'static str] {
    match model {
        Model::Lyria2 => &["global", "us-central1"],
        Model::Lyria3Clip | Model::Lyria3Pro => &["global"],
    }
}

/// The models known to be offered at `location`, in the order of
/// [`Model::VARIANTS`].
pub fn models_at(location: &str) -> Vec<Model> {
    use strum::VariantArray;
    Model::VARIANTS
        .iter()
        .copied()
        .filter(|m| offered_in(*m).contains(&location))
        .collect()
}

/// Every location in the table, `global` first.
pub fn known_locations() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for m in <Model as strum::VariantArray>::VARIANTS {
        for l in offered_in(*m) {
            if !all.contains(l) {
                all.push(l);
            }
        }
    }
    all
}

pub fn check(model: Model, location: &str) -> Check {
    let places = offered_in(model);
    if places.contains(&location) {
        return Check::new(
            CheckName::ModelLocation,
            Status::Pass,
            format!("{model} is offered in {location}"),
        );
    }
    let list = places.join(", ");
    if model.requires_global() {
        Check::new(
            CheckName::ModelLocation,
            Status::Fail,
            format!("{model} is offered only in global, not in {location}"),
        )
        .advice("pass --location global (or choose lyria-002 for a regional location)")
    } else {
        Check::new(
            CheckName::ModelLocation,
            Status::Unknown,
            format!(
                "{model} is known to be offered in {list}; {location} is not in our table (checked {CHECKED})"
            ),
        )
        .advice(format!("if generation answers 404, pass --location {list}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lyria2_is_offered_at_global_and_us_central1() {
        for l in ["global", "us-central1"] {
            assert_eq!(check(Model::Lyria2, l).status, Status::Pass, "{l}");
        }
        assert_eq!(check(Model::Lyria2, "europe-west4").status, Status::Unknown);
        assert_eq!(check(Model::Lyria3Pro, "us-central1").status, Status::Fail);
        assert_eq!(models_at("us-central1"), vec![Model::Lyria2]);
        assert_eq!(models_at("global").len(), 3);
        assert_eq!(known_locations(), vec!["global", "us-central1"]);
    }
}
