//! An object read as it arrives, chunk by chunk, so that a multi-GB input never sits whole in
//! memory. The SDK retries the GetObject call itself but not a body that breaks off halfway;
//! this does, with a ranged GetObject from the first byte not yet read, pinned to the first
//! response's ETag so that an object replaced meanwhile is refused instead of spliced.

use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;

use crate::client::{S3Error, ATTEMPTS};
use crate::url::S3Url;

pub struct Download {
    client: aws_sdk_s3::Client,
    url: S3Url,
    body: ByteStream,
    etag: Option<String>,
    /// Bytes handed out so far: where a resumed read starts.
    offset: u64,
    /// The object's length, when S3 said it (a body that ends short of it broke off).
    length: Option<u64>,
}

impl Download {
    /// Starts reading the object (GetObject, retried by the SDK).
    pub async fn open(client: &aws_sdk_s3::Client, url: &S3Url) -> Result<Download, S3Error> {
        let out = client
            .get_object()
            .bucket(&url.bucket)
            .key(&url.key)
            .send()
            .await
            .map_err(|e| S3Error::from_sdk(&url.bucket, &url.key, "GetObject", &e))?;
        Ok(Download {
            client: client.clone(),
            url: url.clone(),
            length: out.content_length().and_then(|n| u64::try_from(n).ok()),
            etag: out.e_tag().map(str::to_string),
            body: out.body,
            offset: 0,
        })
    }

    pub fn url(&self) -> &S3Url {
        &self.url
    }

    /// The object's size in bytes, when S3 stated it.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// The next piece of the object, `None` at its end. A broken body is resumed up to
    /// [`ATTEMPTS`] − 1 times in a row before the error is returned.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, S3Error> {
        let mut resumes = 0;
        loop {
            let problem = match self.body.next().await {
                Some(Ok(chunk)) => {
                    self.offset += chunk.len() as u64;
                    return Ok(Some(chunk));
                }
                None if self.length.is_none_or(|n| self.offset >= n) => return Ok(None),
                None => format!("the body ended at byte {} of {}", self.offset, self.length.unwrap_or_default()),
                Some(Err(e)) => crate::client::describe(&e),
            };
            resumes += 1;
            if resumes >= ATTEMPTS {
                return Err(S3Error::new(
                    &self.url.bucket,
                    &self.url.key,
                    format!("reading the body failed after {ATTEMPTS} attempts"),
                    problem,
                ));
            }
            self.resume().await?;
        }
    }

    async fn resume(&mut self) -> Result<(), S3Error> {
        let mut request = self
            .client
            .get_object()
            .bucket(&self.url.bucket)
            .key(&self.url.key)
            .range(format!("bytes={}-", self.offset));
        if let Some(etag) = &self.etag {
            request = request.if_match(etag);
        }
        let what = format!("GetObject from byte {} (resuming a broken read)", self.offset);
        let out = request.send().await.map_err(|e| {
            let mut err = S3Error::from_sdk(&self.url.bucket, &self.url.key, &what, &e);
            if err.status == Some(412) {
                err.detail = "the object changed while it was being read".into();
            }
            err
        })?;
        self.body = out.body;
        Ok(())
    }
}
