//! The domain: no terminal, no async runtime.

pub mod atomic;
pub mod cost;
pub mod drafts;
pub mod import;
pub mod input;
pub mod layers;
pub mod model;
pub mod named;
pub mod preset_yaml;
pub mod presets;
pub mod presets_bucket;
pub mod prompt;
pub mod pyfloat;
pub mod result_file;
pub mod validate;
