//! Development tools, not shipped: test fixtures that the crates' end-to-end tests share.
//!
//! - [`s3_server`]: a real S3-protocol server (`s3s-fs`) on loopback, and the environment that
//!   points AWS clients at it;
//! - [`fault_proxy`]: an HTTP proxy that resets connections, answers errors and delays answers
//!   on request, to test clients against a failing server.
//!
//! The `lambda-emulator` binary (src/bin) is the local Lambda service.

pub mod fault_proxy;
pub mod s3_server;
