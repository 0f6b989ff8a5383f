//! What the Retort Lambda function (`retort-lambda`) and its callers (the CLI's fan-out client
//! `retort-lambda-fanout`, any SDK user) say to each other. Both ends use these types, so the
//! function and its clients cannot drift apart.
//!
//! - [`event`]: the events the function takes (direct, API Gateway and function-URL proxies)
//!   and the requests in them, parsed and checked field by field;
//! - [`wire`]: the replies (inline, gzip'd, stored in S3, warmup);
//! - [`error`]: the error vocabulary (`errorType` names), the structured error body with the
//!   failing input's index as a field, and how a caller asks for errors to be delivered.
//!
//! The AWS client setup both ends share is its own crate, `retort-s3-io`.

pub mod error;
pub mod event;
pub mod wire;

pub use error::{ErrorBody, ErrorDelivery, ErrorKind, ErrorReply, FunctionError, InputFault};
