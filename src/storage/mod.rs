//! Where presets and takes live: a local folder, or a prefix in a bucket
//! (Cloud Storage or S3) shared by every instance that names it.

pub mod blocking;
pub mod bucket;
pub mod error;
pub mod gcs;
mod http;
pub mod location;
pub mod s3;

pub use bucket::{Bucket, ObjectInfo, Precondition, RequestCounts, Version, Written};
pub use error::{Op, Service, StorageError};
pub use http::shown_address;
pub use location::{BucketPath, Location, LocationError};
