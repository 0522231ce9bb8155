//! music-gen: compose music-generation requests and run them on Google's
//! Lyria models on Vertex AI.

pub mod audio;
pub mod batch;
pub mod cli;
pub mod doctor;
pub mod domain;
pub mod generate;
pub mod library;
pub mod logging;
pub mod paths;
pub mod player;
pub mod serve;
pub mod settings;
pub mod storage;
pub mod text;
pub mod tui;
pub mod worker;
