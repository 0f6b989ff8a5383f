//! What the function answers, as JSON. The fan-out client reads the same types back, so the
//! function and its client cannot drift apart.

use retort_core::{ComputeType, TokenizerKind, Translation};
use serde::{Deserialize, Serialize};

use crate::error::ErrorReply;

/// A full answer: one entry per input, in input order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub results: Vec<Translation>,
    pub model: ModelInfo,
    pub timing: Timing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    /// sha256 of the bundle's tensor payload: identifies the exact weights.
    pub sha256: String,
    pub tokenizer: TokenizerKind,
    /// The bundle's provenance notes: where the weights come from and under which licence
    /// (e.g. ANNalog's MIT notice), so clients can show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The arithmetic the function decodes in (`COMPUTE_TYPE`, resolved against the bundle).
    #[serde(default)]
    pub compute_type: ComputeType,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Model load time of this container, reported on its first (cold) invocation only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_ms: Option<f64>,
    pub decode_ms: f64,
    /// Decode plus encoding (and upload, for stored answers).
    pub total_ms: f64,
}

/// An answer too big to return, stored as gzip'd JSON (an [`Answer`]) in S3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub stored: StoredObject,
    /// Top prediction per input, so small clients need not fetch the object.
    pub summary: Vec<Top1>,
    pub model: ModelInfo,
    pub timing: Timing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredObject {
    pub bucket: String,
    pub key: String,
    /// Presigned GET URL, valid for `expires_in_s`.
    pub url: String,
    pub expires_in_s: u64,
    /// Size of the stored (gzip'd) object.
    pub bytes: usize,
    pub content_encoding: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Top1 {
    pub text: Option<String>,
    pub score: Option<f64>,
}

/// A gzip'd answer for a direct invocation that asked for `"encoding": "gzip"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackedAnswer {
    #[serde(rename = "isBase64Encoded")]
    pub is_base64_encoded: bool,
    #[serde(rename = "contentEncoding")]
    pub content_encoding: String,
    /// base64 of the gzip'd [`Answer`] JSON.
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmupReply {
    pub warmup: bool,
    pub model: ModelInfo,
    /// The model's decoding defaults, which requests override field by field.
    pub decoding: retort_core::TranslateOptions,
}

/// Any reply a direct invocation can get without a function error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply {
    /// A refusal, for requests that asked for `"errors": "reply"` (see [`crate::error`]).
    Failed(ErrorReply),
    Stored(StoredAnswer),
    Packed(PackedAnswer),
    Inline(Answer),
    Warmup(WarmupReply),
}

/// Rounds attention for transport: 4 decimals keep heatmaps exact to the eye at a third of the
/// JSON size.
pub fn round_attention(results: &mut [Translation], decimals: u32) {
    let scale = 10f32.powi(decimals as i32);
    for p in results.iter_mut().flat_map(|t| t.predictions.iter_mut()) {
        for row in p.attention.iter_mut().flatten() {
            for x in row.iter_mut() {
                *x = (*x * scale).round() / scale;
            }
        }
    }
}
