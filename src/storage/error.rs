//! What can go wrong with a bucket, on one line: which store, which bucket,
//! and for a refusal the permission the operation needs, as that store's
//! IAM names it. Never a key, a token or a signature.

use std::fmt;

/// The kind of store a bucket lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Google Cloud Storage (`gs://`).
    Gcs,
    /// Amazon S3 or an S3-compatible store (`s3://`).
    S3,
}

impl Service {
    pub fn scheme(self) -> &'static str {
        match self {
            Service::Gcs => "gs",
            Service::S3 => "s3",
        }
    }

    /// The store's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Service::Gcs => "Cloud Storage",
            Service::S3 => "S3",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an operation needs, named as each store's IAM names the permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Get,
    Create,
    /// Writing over an object (on GCS: create, and delete for the old
    /// version).
    Replace,
    Delete,
}

impl Op {
    pub fn permission(self, service: Service) -> &'static str {
        match (service, self) {
            (Service::Gcs, Op::List) => "storage.objects.list",
            (Service::Gcs, Op::Get) => "storage.objects.get",
            (Service::Gcs, Op::Create) => "storage.objects.create",
            (Service::Gcs, Op::Replace) => "storage.objects.create and storage.objects.delete",
            (Service::Gcs, Op::Delete) => "storage.objects.delete",
            (Service::S3, Op::List) => "s3:ListBucket",
            (Service::S3, Op::Get) => "s3:GetObject",
            (Service::S3, Op::Create | Op::Replace) => "s3:PutObject",
            (Service::S3, Op::Delete) => "s3:DeleteObject",
        }
    }

    /// Whether sending it twice changes nothing, so a lost answer may be
    /// asked again (a lost answer to a create must not come back as "it
    /// exists").
    pub fn is_read(self) -> bool {
        matches!(self, Op::List | Op::Get)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "bucket {}://{bucket} does not exist, or these credentials cannot see it",
        service.scheme()
    )]
    BucketMissing { service: Service, bucket: String },
    #[error(
        "permission denied on {}://{bucket}: the credentials lack {}",
        service.scheme(),
        op.permission(*service)
    )]
    PermissionDenied {
        service: Service,
        bucket: String,
        op: Op,
    },
    #[error("{service} credentials: {message}")]
    Auth { service: Service, message: String },
    #[error("cannot reach {service} at {base}: {message}")]
    Network {
        service: Service,
        base: String,
        message: String,
    },
    /// A store address from the environment that is not one; the value
    /// is shown without any user name or password.
    #[error("{variable}: {value:?} is not an http:// or https:// address{example}")]
    Address {
        variable: &'static str,
        value: String,
        example: &'static str,
    },
    /// A setting read from the environment that cannot be used.
    #[error("{variable}: {reason}")]
    Setting {
        variable: &'static str,
        reason: String,
    },
    #[error("{}://{bucket}/{object} is larger than {limit} bytes", service.scheme())]
    TooLarge {
        service: Service,
        bucket: String,
        object: String,
        limit: u64,
    },
    #[error(
        "{service} answered HTTP {status} to {} on {}://{bucket}: {message}",
        op.permission(*service),
        service.scheme()
    )]
    Status {
        service: Service,
        bucket: String,
        op: Op,
        status: u16,
        message: String,
    },
}

impl StorageError {
    /// The store cannot be reached or refuses these credentials: every
    /// other request would fail alike.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StorageError::Network { .. }
                | StorageError::Auth { .. }
                | StorageError::Address { .. }
                | StorageError::Setting { .. }
        )
    }
}
