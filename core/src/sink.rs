//! Where an encoded answer goes: back inline (plain JSON, or gzip + base64 when the client takes
//! it), or into an external store when it is too big to return. The hosts do the I/O; this module
//! only decides, so the rule is the same on Lambda, in the CLI's fan-out client and in tests.

use std::io::{Read, Write};

use base64::Engine as _;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use thiserror::Error;

/// AWS Lambda's limit on a synchronous invocation's response payload (6 MB).
pub const LAMBDA_SYNC_RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

/// How an inline answer is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Json,
    /// gzip'd JSON, base64-encoded so it travels inside a JSON envelope.
    GzipBase64,
}

/// The sink chosen for one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    Inline(Encoding),
    /// Store the (gzip'd) answer externally and return a pointer to it.
    External,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SinkPolicy {
    /// Largest payload the transport can return (the whole envelope, not just the answer).
    pub inline_limit: usize,
    /// Operator's own cut-off below the transport limit: bigger answers go to the store even
    /// though they would fit.
    pub threshold: Option<usize>,
    /// Whether an external store is configured.
    pub store: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "the answer is {size} bytes encoded, over the {limit}-byte limit for inline responses, and no output store is \
     configured (set OUTPUT_BUCKET, or ask for fewer inputs, a smaller n_best, or no attention)"
)]
pub struct TooLarge {
    pub size: usize,
    pub limit: usize,
}

impl SinkPolicy {
    /// The byte budget for an inline answer.
    pub fn inline_budget(&self) -> usize {
        self.threshold.map_or(self.inline_limit, |t| t.min(self.inline_limit))
    }

    /// Chooses the sink for an answer whose full inline payload (envelope included) is
    /// `payload_len` bytes when encoded as `encoding`.
    pub fn choose(&self, encoding: Encoding, payload_len: usize) -> Result<Sink, TooLarge> {
        let budget = self.inline_budget();
        if payload_len <= budget {
            Ok(Sink::Inline(encoding))
        } else if self.store {
            Ok(Sink::External)
        } else {
            Err(TooLarge { size: payload_len, limit: budget })
        }
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    // Level 6: attention-heavy JSON shrinks ~5x; higher levels cost time for little more.
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::new(6));
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 4);
    GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::STANDARD.decode(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_base64_round_trips() {
        let json = br#"{"results":[{"predictions":[{"text":"CCO","score":-0.5}]}]}"#.repeat(50);
        let packed = base64_encode(&gzip(&json));
        assert!(packed.len() < json.len());
        assert_eq!(gunzip(&base64_decode(&packed).unwrap()).unwrap(), json);
    }

    #[test]
    fn small_answers_stay_inline_big_ones_go_to_the_store() {
        let p = SinkPolicy { inline_limit: 100, threshold: None, store: true };
        assert_eq!(p.choose(Encoding::Json, 100), Ok(Sink::Inline(Encoding::Json)));
        assert_eq!(p.choose(Encoding::Json, 101), Ok(Sink::External));
    }

    #[test]
    fn threshold_only_lowers_the_limit() {
        let p = SinkPolicy { inline_limit: 100, threshold: Some(10), store: true };
        assert_eq!(p.choose(Encoding::GzipBase64, 11), Ok(Sink::External));
        let p = SinkPolicy { inline_limit: 100, threshold: Some(1000), store: true };
        assert_eq!(p.inline_budget(), 100);
    }

    #[test]
    fn too_big_without_a_store_is_an_error_never_a_truncation() {
        let p = SinkPolicy { inline_limit: 100, threshold: None, store: false };
        let e = p.choose(Encoding::Json, 150).unwrap_err();
        assert_eq!(e, TooLarge { size: 150, limit: 100 });
        assert!(e.to_string().contains("OUTPUT_BUCKET"), "{e}");
    }
}
