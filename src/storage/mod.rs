//! Where presets (and later takes) live: a local folder, or a prefix in a
//! Cloud Storage bucket shared by every instance that names it.

pub mod blocking;
pub mod gcs;
pub mod location;

pub use location::{BucketPath, Location, LocationError};
