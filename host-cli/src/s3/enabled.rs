//! S3 through `retort-s3-io`, driven synchronously: one client and one single-threaded runtime
//! per process, `block_on` for each call.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::OnceLock;

use bytes::Bytes;
use retort_s3_io::{aws_config, get_object, s3_client, Download, S3Error, S3Url, Upload, MIN_PART_SIZE};

use super::interrupt;
use crate::error::{CliError, CliResult};
use crate::io_util::Output;

/// Bytes per multipart part: S3's allowed sizes are 5 MiB to 5 GiB, at most 10,000 parts,
/// so this takes outputs up to 156 GiB while holding 16 MiB in memory.
const DEFAULT_PART_SIZE: usize = 16 * 1024 * 1024;

/// Overrides the part size (bytes). For tests: S3 itself refuses parts under 5 MiB.
const PART_SIZE_VAR: &str = "RETORT_S3_PART_SIZE";

/// The reading buffer between S3's chunks and the line reader.
const READ_BUFFER: usize = 256 * 1024;

/// One client and one runtime per process, made on first use. The CLI is synchronous: it
/// drives each S3 call with `block_on` on this single-threaded runtime.
struct Session {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
}

static SESSION: OnceLock<Session> = OnceLock::new();

fn session() -> CliResult<&'static Session> {
    if let Some(session) = SESSION.get() {
        return Ok(session);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the async runtime for S3: {e}")))?;
    let client = runtime.block_on(async { s3_client(&aws_config().await) });
    Ok(SESSION.get_or_init(|| Session { runtime, client }))
}

fn parse(text: &str) -> CliResult<S3Url> {
    S3Url::parse(text).map_err(CliError::usage)
}

/// A missing object or bucket is the user's mistake (exit 2), as a missing file is.
fn cli_error(e: S3Error) -> CliError {
    if e.is_not_found() {
        CliError::usage(e.to_string())
    } else {
        CliError::failure(e.to_string())
    }
}

pub fn open_input(text: &str) -> CliResult<Box<dyn BufRead>> {
    let url = parse(text)?;
    let session = session()?;
    let download = session.runtime.block_on(Download::open(&session.client, &url)).map_err(cli_error)?;
    Ok(Box::new(BufReader::with_capacity(READ_BUFFER, ObjectReader { session, download, chunk: Bytes::new() })))
}

pub fn read_object(text: &str) -> CliResult<Vec<u8>> {
    let url = parse(text)?;
    let session = session()?;
    session.runtime.block_on(get_object(&session.client, &url.bucket, &url.key)).map_err(cli_error)
}

pub fn create_output(text: &str) -> CliResult<Box<dyn Output>> {
    let url = parse(text)?;
    let part_size = part_size()?;
    let session = session()?;
    interrupt::abort_uploads_on_ctrl_c();
    Ok(Box::new(ObjectWriter {
        session,
        upload: Upload::new(&session.client, &url, part_size),
        finished: false,
        tracked: None,
    }))
}

fn part_size() -> CliResult<usize> {
    let Some(value) = std::env::var_os(PART_SIZE_VAR) else {
        return Ok(DEFAULT_PART_SIZE);
    };
    value.to_str().and_then(|v| v.parse::<usize>().ok()).filter(|&n| n > 0).ok_or_else(|| {
        CliError::usage(format!(
            "{PART_SIZE_VAR}={value:?} is not a part size in bytes (S3 needs at least {MIN_PART_SIZE})"
        ))
    })
}

/// An object as a byte stream, read chunk by chunk as S3 sends it.
struct ObjectReader {
    session: &'static Session,
    download: Download,
    chunk: Bytes,
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.session.runtime.block_on(self.download.next_chunk()) {
                Ok(Some(chunk)) => self.chunk = chunk,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// The output object being uploaded. Dropped without [`Output::finish`] (any error on the
/// way), it aborts the upload: nothing appears at the key and no part is left behind.
struct ObjectWriter {
    session: &'static Session,
    upload: Upload,
    finished: bool,
    /// The multipart upload registered for the Ctrl-C handler, once there is one.
    tracked: Option<interrupt::Tracked>,
}

impl ObjectWriter {
    fn track(&mut self) {
        if self.tracked.is_none() {
            if let Some(id) = self.upload.multipart_id() {
                self.tracked = Some(interrupt::Tracked::new(self.upload.url(), id));
            }
        }
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.upload.buffer(buf).map_err(io::Error::other)?;
        if self.upload.has_full_part() {
            let _handler_waits = interrupt::sending();
            let sent = self.session.runtime.block_on(self.upload.send_full_parts());
            self.track();
            sent.map_err(io::Error::other)?;
        }
        Ok(buf.len())
    }

    /// Parts go out when full, not on flush: S3 refuses small parts.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Output for ObjectWriter {
    fn finish(mut self: Box<Self>) -> CliResult<()> {
        self.finished = true;
        let _handler_waits = interrupt::sending();
        let finished = self.session.runtime.block_on(self.upload.finish());
        // Completed or aborted: nothing for the handler to abort any more.
        self.tracked = None;
        finished.map(|_| ()).map_err(|e| CliError::failure(format!("cannot write output: {e}")))
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _handler_waits = interrupt::sending();
            self.session.runtime.block_on(self.upload.abort());
            self.tracked = None;
        }
    }
}
