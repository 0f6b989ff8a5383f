//! Retort's ONNX importer. From an encoder + decoder-step pair that follows Retort's ONNX
//! contract (tools/onnx/README.md) it generates, with burn-onnx, a model crate implementing
//! retort-core's `Seq2SeqModel`, and a bundle holding that model's weights.
//!
//! This is a code generator: hosts depend on the generated crates, never on this one, so
//! burn-onnx and its parser stay out of the CLI, Lambda and wasm builds.

pub mod contract;
pub mod error;
pub mod generate;
pub mod proto;

mod template;

pub use error::GenError;
pub use generate::{check, generate, Report, Request};
