//! Retort on AWS Lambda: the handler behind the `bootstrap` binary (runtime `provided.al2023`)
//! and its S3 output sink. What it says to callers (wire types, error vocabulary) is in
//! `retort-lambda-protocol`; the CLI's client is `retort-lambda-fanout`; the local emulator is
//! `lambda-emulator` in `retort-dev-tools`.

pub mod config;
pub mod error;
pub mod handler;
pub mod init;
pub mod model;
pub mod store;

/// The protocol's events and wire types, re-exported so the function's code reads `crate::event`
/// and `crate::wire`.
pub use retort_lambda_protocol::{event, wire};
