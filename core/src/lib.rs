//! Retort core: Transformer sequence-to-sequence inference that runs the same on every host
//! (native CLI, AWS Lambda, the browser through WebAssembly). No I/O, no async, no AWS.

pub mod bundle;
pub mod compute;
pub mod engine;
pub mod error;
pub mod model;
pub mod options;
pub mod request;
pub mod search;
pub mod sink;
pub mod spec;
pub mod testing;
pub mod tokenize;

pub use bundle::{Bundle, BundleMeta, ModelTask, Provenance, StorageType, TensorData, TokenizerKind};
pub use compute::ComputeType;
pub use engine::{Engine, Prediction, TokenInput, Translation};
pub use error::{Error, Result};
pub use options::{TranslateOptions, UnknownTokens};
pub use request::{Request, Source};
pub use spec::ModelSpec;
