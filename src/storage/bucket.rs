//! One bucket, on Cloud Storage or S3: what the preset store and the take
//! store use, without knowing which. Every write is one request (an object
//! is whole or absent) and may carry a precondition kept by the store
//! itself: "create if absent" (GCS `ifGenerationMatch=0`, S3
//! `If-None-Match: *`) and "replace the version I saw" (the generation, or
//! the ETag), so two instances never take the same name and a raced
//! replace is reported, not lost.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Op, Service, StorageError};
use super::gcs::Gcs;
use super::location::{BucketPath, Location};
use super::s3::S3;

/// Which version of an object a listing or a write saw: the generation on
/// GCS, the ETag on S3. Changes whenever the object's bytes may have, as
/// an inode and mtime do for a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    pub fn new(token: impl Into<String>) -> Version {
        Version(token.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The condition a write is made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Written whatever is there.
    None,
    /// Only if no object has the name.
    Absent,
    /// Only if the object is still at this version.
    Matches(Version),
}

/// How a write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Done {
        version: Version,
    },
    /// The precondition did not hold (for `Absent`: the object exists).
    PreconditionFailed,
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The full object name, prefix included.
    pub name: String,
    pub version: Version,
    pub size: u64,
}

/// Requests sent, by kind: what tests and benchmarks count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub list: u64,
    pub get: u64,
    pub put: u64,
    pub delete: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    list: AtomicU64,
    get: AtomicU64,
    put: AtomicU64,
    delete: AtomicU64,
}

impl Counters {
    pub(crate) fn count(&self, op: Op) {
        let counter = match op {
            Op::List => &self.list,
            Op::Get => &self.get,
            Op::Create | Op::Replace => &self.put,
            Op::Delete => &self.delete,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RequestCounts {
        RequestCounts {
            list: self.list.load(Ordering::Relaxed),
            get: self.get.load(Ordering::Relaxed),
            put: self.put.load(Ordering::Relaxed),
            delete: self.delete.load(Ordering::Relaxed),
        }
    }
}

/// A client of one bucket.
#[derive(Debug)]
pub enum Bucket {
    Gcs(Gcs),
    S3(S3),
}

impl From<Gcs> for Bucket {
    fn from(gcs: Gcs) -> Bucket {
        Bucket::Gcs(gcs)
    }
}

impl From<S3> for Bucket {
    fn from(s3: S3) -> Bucket {
        Bucket::S3(s3)
    }
}

impl Bucket {
    /// A client for the bucket of a `gs://` or `s3://` location, with
    /// credentials and endpoint from the environment; `None` for a folder.
    pub fn for_location(at: &Location) -> Option<Result<(Bucket, BucketPath), StorageError>> {
        let (service, path) = at.bucket()?;
        Some(Bucket::new(service, &path.bucket).map(|b| (b, path.clone())))
    }

    /// A client for `bucket` on `service`, with credentials and endpoint
    /// from the environment (the Vertex AI credentials and
    /// `STORAGE_EMULATOR_HOST` for GCS; the AWS variables for S3).
    pub fn new(service: Service, bucket: &str) -> Result<Bucket, StorageError> {
        match service {
            Service::Gcs => Gcs::new(bucket).map(Bucket::Gcs),
            Service::S3 => S3::from_env(bucket).map(Bucket::S3),
        }
    }

    pub fn service(&self) -> Service {
        match self {
            Bucket::Gcs(_) => Service::Gcs,
            Bucket::S3(_) => Service::S3,
        }
    }

    pub fn bucket(&self) -> &str {
        match self {
            Bucket::Gcs(c) => c.bucket(),
            Bucket::S3(c) => c.bucket(),
        }
    }

    /// Where requests go (the store, an emulator, a MinIO server).
    pub fn endpoint(&self) -> &str {
        match self {
            Bucket::Gcs(c) => c.endpoint(),
            Bucket::S3(c) => c.endpoint(),
        }
    }

    /// `gs://bucket/object` or `s3://bucket/object`.
    pub fn url(&self, object: &str) -> String {
        format!("{}://{}/{object}", self.service().scheme(), self.bucket())
    }

    pub fn requests(&self) -> RequestCounts {
        match self {
            Bucket::Gcs(c) => c.requests(),
            Bucket::S3(c) => c.requests(),
        }
    }

    /// The objects directly under `prefix` (not in deeper "folders").
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        match self {
            Bucket::Gcs(c) => c.list(prefix).await,
            Bucket::S3(c) => c.list(prefix).await,
        }
    }

    /// An object's version, or `None` if there is no such object.
    pub async fn generation(&self, object: &str) -> Result<Option<Version>, StorageError> {
        match self {
            Bucket::Gcs(c) => c.generation(object).await,
            Bucket::S3(c) => c.generation(object).await,
        }
    }

    /// An object's bytes (at most `limit`), or `None` if there is none.
    pub async fn read(&self, object: &str, limit: u64) -> Result<Option<Vec<u8>>, StorageError> {
        match self {
            Bucket::Gcs(c) => c.read(object, limit).await,
            Bucket::S3(c) => c.read(object, limit).await,
        }
    }

    /// Writes an object in one request, so it is whole or absent, if
    /// `condition` holds.
    pub async fn write(
        &self,
        object: &str,
        bytes: &[u8],
        content_type: &str,
        condition: &Precondition,
    ) -> Result<Written, StorageError> {
        match self {
            Bucket::Gcs(c) => c.write(object, bytes, content_type, condition).await,
            Bucket::S3(c) => c.write(object, bytes, content_type, condition).await,
        }
    }

    /// Deletes an object; `false` if there was none.
    pub async fn delete(&self, object: &str) -> Result<bool, StorageError> {
        match self {
            Bucket::Gcs(c) => c.delete(object).await,
            Bucket::S3(c) => c.delete(object).await,
        }
    }

    /// Proves the credentials can list, create, read and delete under
    /// `prefix`, with a probe object removed afterwards (what `doctor`
    /// checks).
    pub async fn check_read_write(&self, prefix: &str) -> Result<(), StorageError> {
        self.list(prefix).await?;
        let probe = format!("{prefix}.music-gen-doctor-{:016x}", fastrand::u64(..));
        let text = b"written and removed by music-gen doctor\n";
        self.write(&probe, text, "text/plain", &Precondition::Absent)
            .await?;
        let read = self.read(&probe, 1024).await;
        let removed = self.delete(&probe).await;
        if read?.as_deref() != Some(text.as_slice()) {
            return Err(StorageError::Status {
                service: self.service(),
                bucket: self.bucket().to_string(),
                op: Op::Get,
                status: 200,
                message: "the probe object read back differs from what was written".to_string(),
            });
        }
        removed.map(drop)
    }
}
