//! S3: the output sink for big answers and the optional model source, with the AWS client
//! setup the fan-out client and the CLI share (`retort-s3-io`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use retort_s3_io::{describe, get_object, S3Error};

use crate::wire::StoredObject;

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
    pub async fn put_gzip_json(&self, name: &str, gz: Vec<u8>) -> Result<StoredObject, S3Error> {
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
            .map_err(|e| S3Error::from_sdk(&self.bucket, &key, "PutObject", &e))?;
        let presign = PresigningConfig::expires_in(self.presign_ttl)
            .map_err(|e| S3Error::new(&self.bucket, &key, "presigning", e.to_string()))?;
        let url = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(presign)
            .await
            .map_err(|e| S3Error::new(&self.bucket, &key, "presigning the GET failed", describe(&e)))?
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

/// Fetches the model bundle once per container, keeping it in `cache_dir` under a name derived
/// from the object's ETag, so a restarted process in a warm sandbox skips the download and a
/// replaced object is fetched anew.
pub async fn fetch_model(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    cache_dir: &Path,
) -> Result<Vec<u8>, S3Error> {
    let head = client
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| S3Error::from_sdk(bucket, key, "HeadObject", &e))?;
    let etag: String = head.e_tag().unwrap_or("none").chars().filter(char::is_ascii_alphanumeric).collect();
    let cached: PathBuf = cache_dir.join(format!("retort-model-{etag}.retort"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }
    let bytes = get_object(client, bucket, key).await?;
    // Write-then-rename: a concurrent or interrupted writer never leaves a torn cache file.
    let partial = cached.with_extension("partial");
    if std::fs::write(&partial, &bytes).and_then(|_| std::fs::rename(&partial, &cached)).is_err() {
        let _ = std::fs::remove_file(&partial);
        eprintln!("retort: note: could not cache the model in {} (continuing without)", cache_dir.display());
    }
    Ok(bytes)
}
