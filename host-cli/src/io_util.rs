//! Line-oriented input (files, stdin or S3 objects) and output (files, stdout or S3 objects)
//! with errors that name the file and line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};
use crate::s3::s3_url;

/// `None` or `-` mean stdin.
pub fn is_stdin(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p == Path::new("-"))
}

/// Reads lines one at a time, numbering them from 1. Strips `\n` / `\r\n`; refuses invalid
/// UTF-8 with the line number.
pub struct Lines {
    reader: Box<dyn BufRead>,
    name: String,
    line_no: usize,
    buf: Vec<u8>,
}

impl Lines {
    /// `what` names the file in messages ("input", "target prefix file", ...).
    pub fn open(path: Option<&Path>, what: &str) -> CliResult<Lines> {
        let (reader, name): (Box<dyn BufRead>, String) = if is_stdin(path) {
            (Box::new(BufReader::new(io::stdin())), format!("{what} (stdin)"))
        } else if let Some(url) = path.and_then(s3_url) {
            (crate::s3::open_input(url)?, format!("{what} '{url}'"))
        } else {
            let p = path.unwrap_or(Path::new("-"));
            let f = File::open(p).map_err(|e| CliError::io(what, p, e))?;
            (Box::new(BufReader::new(f)), format!("{what} '{}'", p.display()))
        };
        Ok(Lines { reader, name, line_no: 0, buf: Vec::new() })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lines read so far.
    pub fn count(&self) -> usize {
        self.line_no
    }

    /// The next line and its 1-based number, or `None` at the end.
    pub fn next_line(&mut self) -> CliResult<Option<(usize, String)>> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| CliError::failure(format!("cannot read {}: {e}", self.name)))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        let line = String::from_utf8(std::mem::take(&mut self.buf))
            .map_err(|_| CliError::usage(format!("{} line {}: not valid UTF-8", self.name, self.line_no)))?;
        Ok(Some((self.line_no, line)))
    }
}

/// Where output goes. `finish` makes it whole: flushes a file or stdout, completes an S3
/// upload (an S3 output dropped unfinished is aborted, leaving nothing at its key).
pub trait Output: Write {
    fn finish(self: Box<Self>) -> CliResult<()>;
}

impl<W: Write> Output for BufWriter<W> {
    fn finish(mut self: Box<Self>) -> CliResult<()> {
        self.flush().map_err(write_error)
    }
}

/// Output to a file, stdout or an S3 object, buffered.
pub fn open_output(path: Option<&PathBuf>) -> CliResult<Box<dyn Output>> {
    match path {
        Some(p) if p.as_path() != Path::new("-") => {
            if let Some(url) = s3_url(p) {
                return crate::s3::create_output(url);
            }
            let f = File::create(p)
                .map_err(|e| CliError::failure(format!("cannot create output file '{}': {e}", p.display())))?;
            Ok(Box::new(BufWriter::new(f)))
        }
        _ => Ok(Box::new(BufWriter::new(io::stdout()))),
    }
}

/// Maps a write error. A closed pipe (`retort translate ... | head`) ends the program quietly.
pub fn write_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError { code: crate::error::EXIT_BROKEN_PIPE, message: String::new() }
    } else {
        CliError::failure(format!("cannot write output: {e}"))
    }
}
