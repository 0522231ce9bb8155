//! music-gen: compose music-generation requests and run them on Google's
//! Lyria models on Vertex AI.

pub mod core;
pub mod generate;
pub mod paths;
pub mod worker;
