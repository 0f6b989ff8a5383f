//! The Retort model bundle: one safetensors file whose metadata carries everything else
//! (format version, spec, both tokenizers, decoding defaults, provenance, payload hash).
//! Safetensors keeps the tensors readable by any tool; the metadata makes the file
//! self-describing, so a host needs nothing beside it.

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::generated::GeneratedModelRef;
use crate::options::TranslateOptions;
use crate::spec::ModelSpec;

pub const FORMAT_VERSION: u32 = 1;

const KEY_FORMAT: &str = "retort.format_version";
const KEY_META: &str = "retort.meta";
const KEY_SHA: &str = "retort.payload_sha256";

/// How weights are stored in the file. They are always f32 in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StorageType {
    #[default]
    F32,
    F16,
}

/// Where a model came from, shown by `retort inspect`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// e.g. "opennmt-py 1.x checkpoint (legacy pickle)", "ctranslate2 model.bin v2 (int8)"
    pub source_format: String,
    /// File or directory name the model was imported from (no machine paths).
    pub source_name: String,
    /// sha256 of the source file(s), hex.
    pub source_sha256: String,
    /// "retort-import <version>"
    pub imported_by: String,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Which pre-tokenization a bundle's tokenizers use for raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenizerKind {
    /// Schwaller et al.'s SMILES regex.
    Smiles,
    /// One token per character.
    Char,
    /// Split on whitespace (inputs arrive tokenized).
    Space,
    /// REINVENT's SMILES tokenization (ANNalog uses it): bracket atoms, `%nn` ring numbers,
    /// `Br` and `Cl` are tokens, everything else is one character.
    ReinventSmiles,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleMeta {
    pub spec: ModelSpec,
    pub tokenizer_kind: TokenizerKind,
    /// `tokenizers` JSON for the source side.
    pub src_tokenizer: String,
    /// `tokenizers` JSON for the target side.
    pub tgt_tokenizer: String,
    /// Decoding options the model's authors recommend; requests override them field by field.
    pub decoding: TranslateOptions,
    pub provenance: Provenance,
    /// Free-form name shown to users ("Molecular Transformer (toy)").
    #[serde(default)]
    pub name: String,
    /// Set when the tensors are the weights of a model generated from ONNX (named by that
    /// model's parameter paths) rather than the spec's canonical tensors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedModelRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TensorData {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl TensorData {
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::InvalidBundle(format!(
                "tensor of shape {shape:?} needs {n} values, got {}",
                data.len()
            )));
        }
        Ok(TensorData { shape, data })
    }
}

#[derive(Clone, Debug)]
pub struct Bundle {
    pub meta: BundleMeta,
    pub tensors: HashMap<String, TensorData>,
}

impl Bundle {
    /// Checks that every tensor the spec needs is present with the right shape, and that
    /// nothing unexpected rides along.
    pub fn validate(&self) -> Result<()> {
        self.meta.spec.validate()?;
        if self.meta.generated.is_some() {
            // the generated model's loader checks names and shapes against its own module
            return self.validate_finite();
        }
        let expected = self.meta.spec.expected_tensors();
        for (name, shape) in &expected {
            match self.tensors.get(name) {
                None => {
                    return Err(Error::Tensor { name: name.clone(), problem: "missing from the bundle".into() })
                }
                Some(t) if &t.shape != shape => {
                    return Err(Error::Tensor {
                        name: name.clone(),
                        problem: format!("has shape {:?}, the spec needs {:?}", t.shape, shape),
                    })
                }
                Some(t) => {
                    if let Some(i) = t.data.iter().position(|x| !x.is_finite()) {
                        return Err(Error::Tensor {
                            name: name.clone(),
                            problem: format!("value {i} is not finite ({})", t.data[i]),
                        });
                    }
                }
            }
        }
        if self.tensors.len() != expected.len() {
            let known: std::collections::HashSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
            let mut extra: Vec<&str> = self.tensors.keys().map(|k| k.as_str()).filter(|k| !known.contains(k)).collect();
            extra.sort();
            return Err(Error::InvalidBundle(format!("unexpected tensors: {}", extra.join(", "))));
        }
        Ok(())
    }

    fn validate_finite(&self) -> Result<()> {
        for (name, t) in &self.tensors {
            if let Some(i) = t.data.iter().position(|x| !x.is_finite()) {
                return Err(Error::Tensor { name: name.clone(), problem: format!("value {i} is not finite ({})", t.data[i]) });
            }
        }
        Ok(())
    }

    /// Serializes to the bundle file format.
    pub fn to_bytes(&self, storage: StorageType) -> Result<Vec<u8>> {
        self.validate()?;
        let mut names: Vec<&String> = self.tensors.keys().collect();
        names.sort();
        let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = names
            .iter()
            .map(|n| {
                let t = &self.tensors[*n];
                let bytes = match storage {
                    StorageType::F32 => t.data.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    StorageType::F16 => {
                        t.data.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect()
                    }
                };
                ((*n).clone(), t.shape.clone(), bytes)
            })
            .collect();
        let dtype = match storage {
            StorageType::F32 => Dtype::F32,
            StorageType::F16 => Dtype::F16,
        };
        let mut hasher = Sha256::new();
        for (_, _, b) in &encoded {
            hasher.update(b);
        }
        let sha = hex(&hasher.finalize());
        let views = encoded
            .iter()
            .map(|(n, s, b)| {
                TensorView::new(dtype, s.clone(), b)
                    .map(|v| (n.clone(), v))
                    .map_err(|e| Error::InvalidBundle(format!("tensor '{n}': {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let meta_json = serde_json::to_string(&self.meta).map_err(|e| Error::InvalidBundle(e.to_string()))?;
        let metadata: HashMap<String, String> = [
            (KEY_FORMAT.to_string(), FORMAT_VERSION.to_string()),
            (KEY_META.to_string(), meta_json),
            (KEY_SHA.to_string(), sha),
        ]
        .into_iter()
        .collect();
        let bytes =
            safetensors::tensor::serialize(views, Some(metadata)).map_err(|e| Error::InvalidBundle(e.to_string()))?;
        Ok(canonical_header(bytes))
    }

    /// Reads a bundle from its bytes, checking version, payload hash, spec and tensor shapes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Bundle> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| {
            if header_is_json(bytes) {
                Error::InvalidBundle(format!("file is truncated or corrupt ({} bytes): {e}", bytes.len()))
            } else {
                Error::InvalidBundle(format!("not a Retort bundle (safetensors header: {e})"))
            }
        })?;
        let metadata = header
            .metadata()
            .as_ref()
            .ok_or_else(|| Error::InvalidBundle("no Retort metadata (is this a plain safetensors file?)".into()))?;
        let version: u32 = metadata
            .get(KEY_FORMAT)
            .ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_FORMAT}'")))?
            .parse()
            .map_err(|_| Error::InvalidBundle(format!("'{KEY_FORMAT}' is not a number")))?;
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let meta: BundleMeta = serde_json::from_str(
            metadata.get(KEY_META).ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_META}'")))?,
        )
        .map_err(|e| Error::InvalidBundle(format!("metadata '{KEY_META}': {e}")))?;
        let want_sha = metadata
            .get(KEY_SHA)
            .ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_SHA}'")))?
            .clone();

        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::InvalidBundle(format!("file is truncated or corrupt: {e}")))?;
        // Hash in the same (sorted) order the writer used.
        let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
        names.sort();
        let mut hasher = Sha256::new();
        let mut tensors = HashMap::with_capacity(names.len());
        for name in names {
            let view = st.tensor(&name).map_err(|e| Error::Tensor { name: name.clone(), problem: e.to_string() })?;
            hasher.update(view.data());
            let data = decode(&name, view.dtype(), view.data())?;
            tensors.insert(name, TensorData::new(view.shape().to_vec(), data)?);
        }
        let got_sha = hex(&hasher.finalize());
        if got_sha != want_sha {
            return Err(Error::InvalidBundle(format!(
                "payload checksum mismatch (stored {want_sha}, computed {got_sha}): the file is corrupt"
            )));
        }
        let bundle = Bundle { meta, tensors };
        bundle.validate()?;
        Ok(bundle)
    }

    /// The payload checksum a bundle file declares (identifies the exact weights), read from
    /// the header alone; [`Bundle::from_bytes`] is what verifies it.
    pub fn declared_sha256(bytes: &[u8]) -> Result<String> {
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::InvalidBundle(format!("not a Retort bundle (safetensors header: {e})")))?;
        header
            .metadata()
            .as_ref()
            .and_then(|m| m.get(KEY_SHA).cloned())
            .ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_SHA}'")))
    }

    /// Size of the payload as stored, useful for `inspect`.
    pub fn parameter_count(&self) -> usize {
        self.tensors.values().map(|t| t.data.len()).sum()
    }
}

/// Rewrites the header with sorted keys so equal bundles are equal files (safetensors
/// writes its metadata map in hash order). Same keys and values, so the length is unchanged.
fn canonical_header(mut bytes: Vec<u8>) -> Vec<u8> {
    let Some(n) = bytes.get(..8).map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as usize)
    else {
        return bytes;
    };
    let Some(header) = bytes.get(8..8 + n) else { return bytes };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(header) else { return bytes };
    let Ok(sorted) = serde_json::to_string(&value) else { return bytes };
    if sorted.len() <= n {
        let mut padded = sorted.into_bytes();
        padded.resize(n, b' ');
        bytes[8..8 + n].copy_from_slice(&padded);
    }
    bytes
}

/// Whether the file starts like a safetensors file (length-prefixed JSON header), so a
/// failure past that point means damage rather than a foreign file.
fn header_is_json(bytes: &[u8]) -> bool {
    let Some(len) = bytes.get(..8).map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])) else {
        return false;
    };
    usize::try_from(len)
        .ok()
        .and_then(|n| bytes.get(8..8usize.checked_add(n)?))
        .is_some_and(|h| serde_json::from_slice::<serde_json::Value>(h).is_ok())
}

fn decode(name: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>> {
    match dtype {
        Dtype::F32 => Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
        Dtype::F16 => Ok(bytes.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()),
        Dtype::BF16 => Ok(bytes.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect()),
        other => Err(Error::Tensor { name: name.into(), problem: format!("unsupported storage type {other:?}") }),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of arbitrary bytes as hex; importers use it for provenance.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
