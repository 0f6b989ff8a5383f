//! Which arithmetic the native Transformer's linear layers use. `Auto` follows the bundle:
//! int8 storage computes in int8 (the reason to store int8), f32 and f16 storage in f32.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::bundle::StorageType;
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeType {
    /// As the bundle stores its weights.
    #[default]
    Auto,
    /// f32 everywhere (the exact path the golden tests hold to the reference engines).
    F32,
    /// int8 weights × activations quantized per row (12 bits, in the kernels' 16-bit lanes),
    /// exact i32 sums, for every encoder and decoder linear layer; embeddings, attention, norms
    /// and the output layer stay as in f32.
    Int8,
}

impl ComputeType {
    /// The concrete type for a bundle stored as `stored`: never `Auto`.
    pub fn resolve(self, stored: StorageType) -> ComputeType {
        match (self, stored) {
            (ComputeType::Auto, StorageType::Int8) => ComputeType::Int8,
            (ComputeType::Auto, _) => ComputeType::F32,
            (other, _) => other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComputeType::Auto => "auto",
            ComputeType::F32 => "f32",
            ComputeType::Int8 => "int8",
        }
    }
}

impl fmt::Display for ComputeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ComputeType {
    type Err = Error;

    /// Also takes CTranslate2's spellings ("default", "float32", "int8_float32").
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "default" => Ok(ComputeType::Auto),
            "f32" | "float32" | "float" => Ok(ComputeType::F32),
            // CTranslate2's "int8_float32": int8 linear layers, float32 for the rest, as here.
            "int8" | "int8_float32" => Ok(ComputeType::Int8),
            other => Err(Error::InvalidOption {
                option: "compute_type",
                problem: format!("'{other}' is not one of auto, f32, int8"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        assert_eq!("INT8".parse::<ComputeType>().expect("int8"), ComputeType::Int8);
        assert_eq!("float32".parse::<ComputeType>().expect("f32"), ComputeType::F32);
        assert_eq!("int8_float32".parse::<ComputeType>().expect("ct2"), ComputeType::Int8);
        assert!("int4".parse::<ComputeType>().is_err());
        assert_eq!(ComputeType::Auto.resolve(StorageType::Int8), ComputeType::Int8);
        assert_eq!(ComputeType::Auto.resolve(StorageType::F16), ComputeType::F32);
        assert_eq!(ComputeType::F32.resolve(StorageType::Int8), ComputeType::F32);
        assert_eq!(ComputeType::Int8.resolve(StorageType::F32), ComputeType::Int8);
    }
}
