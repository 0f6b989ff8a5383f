//! An object written as it is produced. Bytes collect in memory up to one part; an object that
//! ends within it is one PutObject, a larger one becomes a multipart upload of equal parts (the
//! last one shorter). Either way nothing is visible at the key until the whole object is:
//! PutObject and CompleteMultipartUpload are all-or-nothing, and every failure aborts the
//! multipart upload so that its parts are not left behind (and billed).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use crate::client::S3Error;
use crate::url::S3Url;

/// S3's smallest part, except the last.
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// S3's most parts per upload.
pub const MAX_PARTS: usize = 10_000;

/// What a finished upload wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadSummary {
    pub bytes: u64,
    /// 0: a single PutObject.
    pub parts: usize,
}

/// Aborts a multipart upload: its parts are deleted and no object appears.
pub async fn abort_multipart(client: &aws_sdk_s3::Client, url: &S3Url, upload_id: &str) -> Result<(), S3Error> {
    client
        .abort_multipart_upload()
        .bucket(&url.bucket)
        .key(&url.key)
        .upload_id(upload_id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| S3Error::from_sdk(&url.bucket, &url.key, "AbortMultipartUpload", &e))
}

pub struct Upload {
    client: aws_sdk_s3::Client,
    url: S3Url,
    part_size: usize,
    buffer: Vec<u8>,
    multipart: Option<Multipart>,
    bytes: u64,
    /// Set once finished or aborted: later writes are refused.
    closed: bool,
}

struct Multipart {
    upload_id: String,
    parts: Vec<CompletedPart>,
}

impl Upload {
    /// An upload to `url` in parts of `part_size` bytes. S3 refuses parts under
    /// [`MIN_PART_SIZE`] (except the last); smaller sizes are for servers that allow them (tests).
    pub fn new(client: &aws_sdk_s3::Client, url: &S3Url, part_size: usize) -> Upload {
        Upload {
            client: client.clone(),
            url: url.clone(),
            part_size: part_size.max(1),
            buffer: Vec::new(),
            multipart: None,
            bytes: 0,
            closed: false,
        }
    }

    pub fn url(&self) -> &S3Url {
        &self.url
    }

    /// Adds bytes, sending each part as it fills. On an error the upload is already aborted.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), S3Error> {
        self.buffer(data)?;
        self.send_full_parts().await
    }

    /// Adds bytes to the part being filled, sending nothing: a synchronous caller writes
    /// small pieces with this and calls [`Upload::send_full_parts`] when
    /// [`Upload::has_full_part`] says so.
    pub fn buffer(&mut self, data: &[u8]) -> Result<(), S3Error> {
        if self.closed {
            return Err(self.error("writing", "the upload was already finished or abandoned"));
        }
        self.buffer.extend_from_slice(data);
        self.bytes += data.len() as u64;
        Ok(())
    }

    pub fn has_full_part(&self) -> bool {
        self.buffer.len() >= self.part_size
    }

    /// Sends every full part buffered. On an error the upload is already aborted.
    pub async fn send_full_parts(&mut self) -> Result<(), S3Error> {
        while self.has_full_part() {
            let rest = self.buffer.split_off(self.part_size);
            let part = std::mem::replace(&mut self.buffer, rest);
            if let Err(e) = self.send_part(part).await {
                self.abort().await;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Makes the object visible: PutObject of everything when no part was sent yet, else the
    /// last part and CompleteMultipartUpload. On an error the upload is already aborted.
    pub async fn finish(&mut self) -> Result<UploadSummary, S3Error> {
        if self.closed {
            return Err(self.error("finishing", "the upload was already finished or abandoned"));
        }
        let result = self.complete().await;
        if result.is_err() {
            self.abort().await;
        }
        self.closed = true;
        result
    }

    /// Gives the upload up: a multipart upload in progress is aborted, so no part is left
    /// behind. Nothing reaches the key either way. Best effort (the caller is already failing):
    /// a failed abort is reported on stderr, since its parts then stay until a lifecycle rule
    /// removes them.
    pub async fn abort(&mut self) {
        self.closed = true;
        self.buffer = Vec::new();
        let Some(multipart) = self.multipart.take() else {
            return;
        };
        if let Err(err) = abort_multipart(&self.client, &self.url, &multipart.upload_id).await {
            eprintln!("warning: {err} (upload id {}: its parts stay until aborted)", multipart.upload_id);
        }
    }

    /// The multipart upload's id once one was created (none for an object still small enough
    /// for one PutObject).
    pub fn multipart_id(&self) -> Option<&str> {
        self.multipart.as_ref().map(|m| m.upload_id.as_str())
    }

    async fn complete(&mut self) -> Result<UploadSummary, S3Error> {
        if self.multipart.is_none() {
            let body = std::mem::take(&mut self.buffer);
            self.client
                .put_object()
                .bucket(&self.url.bucket)
                .key(&self.url.key)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| S3Error::from_sdk(&self.url.bucket, &self.url.key, "PutObject", &e))?;
            return Ok(UploadSummary { bytes: self.bytes, parts: 0 });
        }
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            self.send_part(last).await?;
        }
        let multipart = self.multipart.take().ok_or_else(|| self.error("completing", "no multipart upload"))?;
        let parts = multipart.parts.len();
        let completed = self
            .client
            .complete_multipart_upload()
            .bucket(&self.url.bucket)
            .key(&self.url.key)
            .upload_id(&multipart.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(multipart.parts)).build())
            .send()
            .await;
        match completed {
            Ok(_) => Ok(UploadSummary { bytes: self.bytes, parts }),
            Err(e) => {
                // Put it back so that the abort that follows finds it.
                self.multipart = Some(Multipart { upload_id: multipart.upload_id, parts: Vec::new() });
                Err(S3Error::from_sdk(&self.url.bucket, &self.url.key, "CompleteMultipartUpload", &e))
            }
        }
    }

    async fn send_part(&mut self, part: Vec<u8>) -> Result<(), S3Error> {
        if self.multipart.is_none() {
            let created = self
                .client
                .create_multipart_upload()
                .bucket(&self.url.bucket)
                .key(&self.url.key)
                .send()
                .await
                .map_err(|e| S3Error::from_sdk(&self.url.bucket, &self.url.key, "CreateMultipartUpload", &e))?;
            let upload_id = created
                .upload_id()
                .ok_or_else(|| self.error("CreateMultipartUpload", "the answer holds no upload id"))?
                .to_string();
            self.multipart = Some(Multipart { upload_id, parts: Vec::new() });
        }
        let (url, part_size) = (self.url.clone(), self.part_size);
        let Some(multipart) = self.multipart.as_mut() else {
            return Err(S3Error::new(&url.bucket, &url.key, "UploadPart", "no multipart upload"));
        };
        let number = multipart.parts.len() + 1;
        if number > MAX_PARTS {
            return Err(S3Error::new(
                &url.bucket,
                &url.key,
                "UploadPart refused",
                format!("the object is larger than S3's {MAX_PARTS} parts of {part_size} bytes"),
            ));
        }
        // S3 numbers parts 1..=10,000, which fits an i32.
        let number = i32::try_from(number).unwrap_or(i32::MAX);
        let what = format!("UploadPart {number}");
        let sent = self
            .client
            .upload_part()
            .bucket(&url.bucket)
            .key(&url.key)
            .upload_id(&multipart.upload_id)
            .part_number(number)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(|e| S3Error::from_sdk(&url.bucket, &url.key, &what, &e))?;
        let etag = sent.e_tag().ok_or_else(|| S3Error::new(&url.bucket, &url.key, what, "the answer holds no ETag"))?;
        multipart.parts.push(CompletedPart::builder().e_tag(etag).part_number(number).build());
        Ok(())
    }

    fn error(&self, what: &str, detail: &str) -> S3Error {
        S3Error::new(&self.url.bucket, &self.url.key, what, detail)
    }
}
