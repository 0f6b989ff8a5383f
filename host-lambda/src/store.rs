//! S3: the output sink for big answers and the optional model source. One slim HTTPS stack
//! (hyper 1 + rustls + ring) serves every AWS client the crate makes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::wire::StoredObject;

/// Attempts per S3 call (the SDK backs off between them) before the error reaches the caller.
const S3_ATTEMPTS: u32 = 3;

/// Shared AWS configuration: region and credentials from the usual chain (Lambda sets them in
/// the environment), endpoints from `AWS_ENDPOINT_URL[_<SERVICE>]` when set.
pub async fn aws_config() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(S3_ATTEMPTS))
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

#[derive(Clone, Debug)]
pub struct OutputStore {
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
    pub prefix: String,
    pub presign_ttl: Duration,
}

impl OutputStore {
    /// Puts a gzip'd JSON answer under `<prefix><name>` and returns where it is. A PutObject is
    /// all-or-nothing, so a failure leaves no partial object behind.
    pub async fn put_gzip_json(&self, name: &str, gz: Vec<u8>) -> Result<StoredObject, String> {
        let key = format!("{}{name}", self.prefix);
        let bytes = gz.len();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            .content_encoding("gzip")
            .body(ByteStream::from(gz))
            .send()
            .await
            .map_err(|e| {
                format!("s3://{}/{key}: PutObject failed after {S3_ATTEMPTS} attempts: {}", self.bucket, describe(&e))
            })?;
        let presign = PresigningConfig::expires_in(self.presign_ttl).map_err(|e| format!("presigning: {e}"))?;
        let url = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(presign)
            .await
            .map_err(|e| format!("s3://{}/{key}: presigning the GET failed: {}", self.bucket, describe(&e)))?
            .uri()
            .to_string();
        Ok(StoredObject {
            bucket: self.bucket.clone(),
            key,
            url,
            expires_in_s: self.presign_ttl.as_secs(),
            bytes,
            content_encoding: "gzip".into(),
        })
    }
}

/// Reads a whole object.
pub async fn get_object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("s3://{bucket}/{key}: GetObject failed: {}", describe(&e)))?;
    let body = out.body.collect().await.map_err(|e| format!("s3://{bucket}/{key}: reading the body failed: {e}"))?;
    Ok(body.into_bytes().to_vec())
}

/// Fetches the model bundle once per container, keeping it in `cache_dir` under a name derived
/// from the object's ETag, so a restarted process in a warm sandbox skips the download and a
/// replaced object is fetched anew.
pub async fn fetch_model(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    cache_dir: &Path,
) -> Result<Vec<u8>, String> {
    let head = client
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("model s3://{bucket}/{key}: HeadObject failed: {}", describe(&e)))?;
    let etag: String = head.e_tag().unwrap_or("none").chars().filter(char::is_ascii_alphanumeric).collect();
    let cached: PathBuf = cache_dir.join(format!("retort-model-{etag}.retort"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }
    let bytes = get_object(client, bucket, key).await.map_err(|e| format!("model {e}"))?;
    // Write-then-rename: a concurrent or interrupted writer never leaves a torn cache file.
    let partial = cached.with_extension("partial");
    if std::fs::write(&partial, &bytes).and_then(|_| std::fs::rename(&partial, &cached)).is_err() {
        let _ = std::fs::remove_file(&partial);
        eprintln!("retort: note: could not cache the model in {} (continuing without)", cache_dir.display());
    }
    Ok(bytes)
}
