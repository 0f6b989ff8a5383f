//! `s3://bucket/key` wherever the CLI reads or writes a file: inputs (and `--targets`,
//! `--target-prefix`) are read as they arrive, outputs are uploaded as they are produced
//! (multipart past one part) and never left half-written, model bundles are fetched whole.
//! The client stack, retries and errors are the Lambda function's (`retort-s3-io`):
//! credentials and region from the standard AWS chain, `AWS_ENDPOINT_URL[_S3]` for another
//! endpoint. Without the cargo feature `s3`, such paths are refused with a message saying so.

use std::path::Path;

/// The path as an S3 URL's text when it is meant as one (`s3://…`).
pub fn s3_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|text| text.starts_with("s3://"))
}

#[cfg(feature = "s3")]
pub use enabled::{create_output, open_input, read_object};

#[cfg(not(feature = "s3"))]
pub use disabled::{create_output, open_input, read_object};

#[cfg(feature = "s3")]
mod enabled;
#[cfg(feature = "s3")]
mod interrupt;

#[cfg(not(feature = "s3"))]
mod disabled {
    use std::io::BufRead;

    use crate::error::{CliError, CliResult};
    use crate::io_util::Output;

    fn unsupported(text: &str) -> CliError {
        CliError::usage(format!("{text}: this retort was built without S3 support (cargo feature `s3`)"))
    }

    pub fn open_input(text: &str) -> CliResult<Box<dyn BufRead>> {
        Err(unsupported(text))
    }

    pub fn read_object(text: &str) -> CliResult<Vec<u8>> {
        Err(unsupported(text))
    }

    pub fn create_output(text: &str) -> CliResult<Box<dyn Output>> {
        Err(unsupported(text))
    }
}
