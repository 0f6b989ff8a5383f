//! The AWS client setup every host shares: one slim HTTPS stack (hyper 1 + rustls + ring), the
//! same retries and timeouts, and S3 errors that say which object and which call.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// Attempts per AWS call (the SDK backs off between them) before the error reaches the caller.
pub const ATTEMPTS: u32 = 3;

/// Shared AWS configuration: region and credentials from the usual chain (Lambda sets them in
/// the environment), endpoints from `AWS_ENDPOINT_URL[_<SERVICE>]` when set.
pub async fn aws_config() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
        .load()
        .await
}

/// An S3 client; path-style addressing when a custom endpoint is configured, as S3-compatible
/// servers (MinIO, s3s, moto) on a plain host:port need it.
pub fn s3_client(conf: &SdkConfig) -> aws_sdk_s3::Client {
    let custom_endpoint =
        ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].iter().any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()));
    let builder = aws_sdk_s3::config::Builder::from(conf).force_path_style(custom_endpoint);
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The SDK's error with its source chain: "service error" alone says nothing.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// An S3 call that failed: `s3://bucket/key: GetObject failed: <the SDK's chain>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("s3://{bucket}/{key}: {what}: {detail}")]
pub struct S3Error {
    pub bucket: String,
    pub key: String,
    /// The call and how it ended (`GetObject failed`, `PutObject failed after 3 attempts`).
    pub what: String,
    pub detail: String,
    /// The HTTP status S3 answered, when it answered (404: no such object or bucket).
    pub status: Option<u16>,
}

impl S3Error {
    pub fn new(bucket: &str, key: &str, what: impl Into<String>, detail: impl Into<String>) -> S3Error {
        S3Error { bucket: bucket.into(), key: key.into(), what: what.into(), detail: detail.into(), status: None }
    }

    /// A failed SDK call. The message says "after N attempts" only when the SDK retried it
    /// (connection failures, timeouts, 5xx and throttling); a refusal such as 403 or 404 is
    /// final at once.
    pub fn from_sdk<E>(bucket: &str, key: &str, call: &str, e: &SdkError<E, HttpResponse>) -> S3Error
    where
        E: std::error::Error + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let retried = match e {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(_) => status.is_some_and(|s| s >= 500 || s == 429),
            _ => false,
        };
        let what = if retried { format!("{call} failed after {ATTEMPTS} attempts") } else { format!("{call} failed") };
        S3Error { status, ..S3Error::new(bucket, key, what, describe(e)) }
    }

    /// No such object or bucket.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

/// Reads a whole object (small ones: a model bundle, a stored answer).
pub async fn get_object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>, S3Error> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| S3Error::from_sdk(bucket, key, "GetObject", &e))?;
    let body =
        out.body.collect().await.map_err(|e| S3Error::new(bucket, key, "reading the body failed", e.to_string()))?;
    Ok(body.into_bytes().to_vec())
}
