//! Retort's S3 client stack, one copy for every host that talks to S3: the Lambda function
//! (its answer store and model source), its fan-out client, and the CLI (`s3://` inputs,
//! outputs and models).
//!
//! - [`client`]: the shared configuration (one HTTPS stack, [`ATTEMPTS`] attempts per call,
//!   timeouts, `AWS_ENDPOINT_URL`), and [`S3Error`], which names the object and the call;
//! - [`url`]: `s3://bucket/key` as a value;
//! - [`download`]: an object read chunk by chunk, resuming where a broken body stopped;
//! - [`upload`]: an object written as it is produced: one PutObject when small, a multipart
//!   upload when large, aborted on failure so that nothing is left at the key.
//!
//! Everything here is async (tokio); a synchronous host drives it with `block_on`.

pub mod client;
pub mod download;
pub mod upload;
pub mod url;

pub use client::{aws_config, describe, get_object, s3_client, S3Error, ATTEMPTS};
pub use download::Download;
pub use upload::{abort_multipart, Upload, UploadSummary, MAX_PARTS, MIN_PART_SIZE};
pub use url::S3Url;
