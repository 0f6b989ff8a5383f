//! Retort on AWS Lambda: the handler behind the `bootstrap` binary (runtime `provided.al2023`),
//! the S3 output sink, and the client side the CLI uses to fan a large job out over the function.

pub mod config;
pub mod error;
pub mod event;
#[cfg(feature = "fanout")]
pub mod fanout;
pub mod handler;
pub mod init;
pub mod model;
pub mod store;
pub mod wire;
