//! The CLI's one error type: a message for stderr and the exit code that goes with it
//! (2: bad usage or bad input, 1: anything else).

use std::fmt;
use std::path::Path;

pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
/// The reader of our stdout went away (as a shell reports death by SIGPIPE); no message.
pub const EXIT_BROKEN_PIPE: i32 = 141;

#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// Bad usage or bad input: exit code 2.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: EXIT_USAGE, message: message.into() }
    }

    /// Anything else: exit code 1.
    pub fn failure(message: impl Into<String>) -> Self {
        CliError { code: EXIT_FAILURE, message: message.into() }
    }

    /// A file the user named could not be opened or read. A missing file is a usage error.
    pub fn io(what: &str, path: &Path, err: std::io::Error) -> Self {
        let message = format!("cannot read {what} '{}': {err}", path.display());
        if err.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(message)
        } else {
            CliError::failure(message)
        }
    }

    /// Prefixes the message with context, keeping the exit code.
    pub fn context(self, what: impl fmt::Display) -> Self {
        CliError { code: self.code, message: format!("{what}: {}", self.message) }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<retort_core::Error> for CliError {
    fn from(e: retort_core::Error) -> Self {
        use retort_core::Error as E;
        match e {
            E::InvalidOption { .. } | E::InvalidInput { .. } => CliError::usage(e.to_string()),
            other => CliError::failure(other.to_string()),
        }
    }
}

impl From<retort_import::ImportError> for CliError {
    fn from(e: retort_import::ImportError) -> Self {
        use retort_import::ImportError as E;
        match e {
            E::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => CliError::usage(e.to_string()),
            E::Core(inner) => CliError::from(inner),
            // hosts name arguments in snake_case; here they are flags
            E::InvalidArgument { argument, problem } => {
                CliError::usage(format!("--{}: {problem}", argument.replace('_', "-")))
            }
            other => CliError::failure(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::failure(format!("JSON: {e}"))
    }
}
