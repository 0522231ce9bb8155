//! Where each model is offered. No Google API answers this, so it is a table
//! of ours, as Google documented it when checked.

use crate::domain::model::Model;

use super::{Check, CheckName, Status};

/// When the table below was last checked against Google's documentation.
pub const CHECKED: &str = "2026-11";

/// Locations each model is known to be served in. Lyria 3 previews are
/// served only at `global`; Lyria 2 at the regional endpoint of us-central1
/// (other regions may serve it too, but we have not seen it).
fn known(model: Model) -> &'static [&'static str] {
    match model {
        Model::Lyria2 => &["us-central1"],
        Model::Lyria3Clip | Model::Lyria3Pro => &["global"],
    }
}

pub fn check(model: Model, location: &str) -> Check {
    let places = known(model);
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
