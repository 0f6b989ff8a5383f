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
use crate::spec::{names, sinusoidal_table, ModelSpec};

/// 2: adds [`KEY_HEADER_SHA`]. Version-1 files (payload checksum only) are still read.
pub const FORMAT_VERSION: u32 = 2;
const OLDEST_READABLE_VERSION: u32 = 1;

const KEY_FORMAT: &str = "retort.format_version";
const KEY_META: &str = "retort.meta";
const KEY_SHA: &str = "retort.payload_sha256";
/// Covers everything the payload checksum does not: format version, the metadata (spec,
/// tokenizers, decoding defaults, provenance) and each tensor's name, dtype and shape. One
/// flipped byte in a tokenizer's vocabulary would otherwise change predictions silently.
const KEY_HEADER_SHA: &str = "retort.header_sha256";

/// How weights are stored in the file. They are always f32 in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StorageType {
    #[default]
    F32,
    F16,
    /// 2-D tensors as safetensors `I8`, symmetric per row (first dimension), with their f32
    /// row scales in a companion tensor `<name>` + [`INT8_SCALE_SUFFIX`]; other tensors f32
    /// (biases and LayerNorms are tiny and sensitive). About a quarter of f32, some accuracy lost.
    Int8,
}

impl StorageType {
    /// For summaries and `retort inspect`.
    pub fn describe(self) -> &'static str {
        match self {
            StorageType::F32 => "f32",
            StorageType::F16 => "f16",
            StorageType::Int8 => "int8 (per-row symmetric, f32 scales; 1-D tensors f32)",
        }
    }
}

/// Names the f32 row scales of the I8 tensor `<name>`. `#` appears in no canonical tensor
/// name nor burn parameter path, so a scale cannot be mistaken for a model tensor; the
/// writer refuses model tensors whose names end with it anyway.
pub const INT8_SCALE_SUFFIX: &str = "#int8_scale";

/// Position tables a writer may leave out of the file when they are exactly
/// [`sinusoidal_table`]: 2.5 MB each in f16 for OpenNMT-py's 5000 x 256.
const COMPUTABLE_POSITIONS: [&str; 2] = [names::ENC_POS, names::DEC_POS];

/// Refuse to compute a table larger than this many values from metadata alone (a damaged or
/// hostile header must not make the reader allocate without bound): 512 MiB of f32.
const MAX_COMPUTED_VALUES: usize = 1 << 27;

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

/// What a model does, so a host can word its inputs and outputs (the web page's labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelTask {
    /// Reactants (and reagents) → product (the Molecular Transformer).
    ReactionPrediction,
    /// Product → reactants.
    Retrosynthesis,
    /// One molecule → similar molecules (ANNalog).
    AnalogueGeneration,
    /// Any other sequence to sequence.
    Translation,
}

impl ModelTask {
    pub fn describe(self) -> &'static str {
        match self {
            ModelTask::ReactionPrediction => "reaction prediction (reactants → product)",
            ModelTask::Retrosynthesis => "retrosynthesis (product → reactants)",
            ModelTask::AnalogueGeneration => "analogue generation (molecule → analogues)",
            ModelTask::Translation => "translation",
        }
    }
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
    /// What the model does (`retort import --task`); absent when nobody said. Absent fields
    /// are not written, so bundles without one stay byte-identical to older writers'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<ModelTask>,
    /// Set when the tensors are the weights of a model generated from ONNX (named by that
    /// model's parameter paths) rather than the spec's canonical tensors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedModelRef>,
    /// File-level only: position tables (`enc.pos` / `dec.pos`) the file omits because they
    /// were bit for bit `sinusoidal_table(max_positions, d_model)`; the reader computes them
    /// and clears this, so in memory it is always empty and a bundle's tensors are complete.
    /// Absent from files that omit nothing: those stay byte-identical to older writers'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed_positions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TensorData {
    pub shape: Vec<usize>,
    values: Values,
}

/// A tensor's values as held in memory: f32, or, for a 2-D tensor an int8 bundle stored as
/// integers, those integers and their row scales exactly as read. Keeping the integers is
/// what lets an int8 engine load without a float round trip (dequantize, then quantize the
/// same values again), and keeps the weights at a quarter of their f32 size until then.
#[derive(Clone, Debug, PartialEq)]
enum Values {
    F32(Vec<f32>),
    /// `[rows × cols]` integers, one scale per row; value = integer × its row's scale.
    Int8 {
        q: Vec<i8>,
        scales: Vec<f32>,
    },
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
        Ok(TensorData { shape, values: Values::F32(data) })
    }

    /// A `[rows, cols]` tensor held as int8 rows with one scale each (see [`StorageType::Int8`]).
    pub fn from_int8(name: &str, shape: Vec<usize>, q: Vec<i8>, scales: Vec<f32>) -> Result<Self> {
        let bad = |problem: String| Err(Error::Tensor { name: name.to_string(), problem });
        let &[rows, cols] = shape.as_slice() else {
            return bad(format!("int8 tensors must be 2-D, this one has shape {shape:?}"));
        };
        if scales.len() != rows {
            return bad(format!("has {rows} rows but its int8 scales have shape [{}]", scales.len()));
        }
        if rows.checked_mul(cols) != Some(q.len()) {
            return bad(format!("has shape {shape:?} but {} integers", q.len()));
        }
        if let Some(i) = scales.iter().position(|s| !s.is_finite() || *s < 0.0) {
            return bad(format!("int8 scale {i} is {} (must be finite and not negative)", scales[i]));
        }
        // Symmetric: ±127. The int8 kernels' overflow bound counts on it (no writer of this
        // format makes -128). Scanned without an early exit, which vectorizes.
        if q.chunks(4096).any(|c| c.iter().fold(false, |found, &x| found | (x == i8::MIN))) {
            let i = q.iter().position(|&x| x == i8::MIN).unwrap_or(0);
            return bad(format!("int8 value {i} is -128, outside the symmetric range -127..=127 of this format"));
        }
        Ok(TensorData { shape, values: Values::Int8 { q, scales } })
    }

    /// The values as f32 (int8 rows dequantized: a copy, made on request).
    pub fn values(&self) -> std::borrow::Cow<'_, [f32]> {
        match &self.values {
            Values::F32(v) => std::borrow::Cow::Borrowed(v),
            Values::Int8 { q, scales } => std::borrow::Cow::Owned(dequantize_rows(q, scales)),
        }
    }

    /// The values as f32, owned.
    pub fn into_values(self) -> Vec<f32> {
        match self.values {
            Values::F32(v) => v,
            Values::Int8 { q, scales } => dequantize_rows(&q, &scales),
        }
    }

    /// The values as f32 for editing; int8 rows are dequantized first (for good).
    pub fn values_mut(&mut self) -> &mut Vec<f32> {
        if let Values::Int8 { q, scales } = &self.values {
            self.values = Values::F32(dequantize_rows(q, scales));
        }
        match &mut self.values {
            Values::F32(v) => v,
            Values::Int8 { .. } => unreachable!("converted to f32 above"),
        }
    }

    /// The stored integers and row scales, for a tensor read from an int8 bundle.
    pub fn int8_rows(&self) -> Option<(&[i8], &[f32])> {
        match &self.values {
            Values::Int8 { q, scales } => Some((q, scales)),
            Values::F32(_) => None,
        }
    }

    /// How many values the tensor holds.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::F32(v) => v.len(),
            Values::Int8 { q, .. } => q.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refuses non-finite values and magnitudes above `limit`. For int8 rows the bound is
    /// checked on the scales (127 × scale is a row's largest possible magnitude).
    fn check_values(&self, name: &str, limit: f32) -> Result<()> {
        match &self.values {
            Values::F32(v) => check_values(name, v, limit),
            Values::Int8 { scales, .. } => match scales.iter().position(|s| s * 127.0 > limit) {
                None => Ok(()),
                Some(i) => Err(Error::Tensor {
                    name: name.to_string(),
                    problem: format!(
                        "int8 row {i} has scale {:e}, beyond any trained weight (|x| > {limit:e})",
                        scales[i]
                    ),
                }),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct Bundle {
    pub meta: BundleMeta,
    pub tensors: HashMap<String, TensorData>,
    /// How the file it was read from stored the weights (f32 for a bundle built in memory):
    /// what `ComputeType::Auto` follows.
    pub stored_as: StorageType,
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
                None => return Err(Error::Tensor { name: name.clone(), problem: "missing from the bundle".into() }),
                Some(t) if &t.shape != shape => {
                    return Err(Error::Tensor {
                        name: name.clone(),
                        problem: format!("has shape {:?}, the spec needs {:?}", t.shape, shape),
                    })
                }
                Some(t) => t.check_values(name, MAX_WEIGHT_MAGNITUDE)?,
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

    /// Generated models keep graph constants (masks of -1e9 and the like) among their
    /// tensors, so only finiteness is checked there.
    fn validate_finite(&self) -> Result<()> {
        self.tensors.iter().try_for_each(|(name, t)| t.check_values(name, f32::MAX))
    }

    /// Serializes to the bundle file format. Position tables equal to [`sinusoidal_table`]
    /// are left out (see [`BundleMeta::computed_positions`]) whatever the storage type.
    pub fn to_bytes(&self, storage: StorageType) -> Result<Vec<u8>> {
        self.validate()?;
        self.encode(storage)
    }

    /// The writer without [`Bundle::validate`]: a file exactly as a hand-edited bundle with a
    /// recomputed checksum would look (for hostile-input tests, through
    /// [`crate::testing::unvalidated_bundle_bytes`]; the reader must refuse what it refuses).
    pub(crate) fn encode(&self, storage: StorageType) -> Result<Vec<u8>> {
        if let Some(name) = self.tensors.keys().find(|n| n.ends_with(INT8_SCALE_SUFFIX)) {
            return Err(Error::Tensor {
                name: name.clone(),
                problem: format!("names ending in '{INT8_SCALE_SUFFIX}' are reserved for int8 row scales"),
            });
        }
        if storage == StorageType::Int8 && self.meta.generated.is_some() {
            // Their tensors include integer and graph constants (attention scales, shapes)
            // that must stay exact; telling them from weights by name is guesswork.
            return Err(Error::InvalidBundle(
                "int8 storage is not available for ONNX-generated models (their constants must stay \
                 exact): store them as f16 or f32"
                    .into(),
            ));
        }
        let mut meta = self.meta.clone();
        meta.computed_positions = self.computable_positions();
        let mut encoded: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::with_capacity(self.tensors.len());
        for (name, t) in &self.tensors {
            if meta.computed_positions.contains(name) {
                continue;
            }
            match (storage, t.shape.as_slice()) {
                (StorageType::F16, _) => {
                    let bytes = t.values().iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect();
                    encoded.push((name.clone(), Dtype::F16, t.shape.clone(), bytes));
                }
                (StorageType::Int8, &[rows, cols]) => {
                    // Integers read from an int8 bundle are written back as they are (quantizing
                    // their dequantized values would give the same ones, slower).
                    let (q, scales) = match t.int8_rows() {
                        Some((q, s)) => (q.to_vec(), s.to_vec()),
                        None => quantize_rows(&t.values(), rows, cols),
                    };
                    encoded.push((name.clone(), Dtype::I8, t.shape.clone(), q.iter().map(|&x| x as u8).collect()));
                    encoded.push((format!("{name}{INT8_SCALE_SUFFIX}"), Dtype::F32, vec![rows], f32_bytes(&scales)));
                }
                _ => encoded.push((name.clone(), Dtype::F32, t.shape.clone(), f32_bytes(&t.values()))),
            }
        }
        encoded.sort_by(|a, b| a.0.cmp(&b.0));
        let mut hasher = Sha256::new();
        for (_, _, _, b) in &encoded {
            hasher.update(b);
        }
        let sha = hex(&hasher.finalize());
        let views = encoded
            .iter()
            .map(|(n, dtype, s, b)| {
                TensorView::new(*dtype, s.clone(), b)
                    .map(|v| (n.clone(), v))
                    .map_err(|e| Error::InvalidBundle(format!("tensor '{n}': {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let meta_json = serde_json::to_string(&meta).map_err(|e| Error::InvalidBundle(e.to_string()))?;
        let layout: Vec<TensorLayout> = encoded.iter().map(|(n, d, s, _)| (n.as_str(), *d, s.as_slice())).collect();
        let header_sha = header_digest(&FORMAT_VERSION.to_string(), &meta_json, &sha, &layout);
        let metadata: HashMap<String, String> = [
            (KEY_FORMAT.to_string(), FORMAT_VERSION.to_string()),
            (KEY_META.to_string(), meta_json),
            (KEY_SHA.to_string(), sha),
            (KEY_HEADER_SHA.to_string(), header_sha),
        ]
        .into_iter()
        .collect();
        let bytes =
            safetensors::tensor::serialize(views, Some(metadata)).map_err(|e| Error::InvalidBundle(e.to_string()))?;
        Ok(canonical_header(bytes))
    }

    /// The position tables a file may omit: those bit for bit equal to the table the reader
    /// would compute. Not for ONNX-generated models, whose tensors are named differently.
    fn computable_positions(&self) -> Vec<String> {
        let spec = &self.meta.spec;
        let (rows, d) = (spec.max_positions, spec.d_model);
        if self.meta.generated.is_some() || rows.checked_mul(d).is_none_or(|n| n > MAX_COMPUTED_VALUES) {
            return Vec::new();
        }
        let mut table: Option<Vec<f32>> = None;
        COMPUTABLE_POSITIONS
            .iter()
            .filter(|name| {
                self.tensors.get(**name).is_some_and(|t| {
                    let want = table.get_or_insert_with(|| sinusoidal_table(rows, d));
                    t.shape == [rows, d]
                        && t.len() == want.len()
                        && t.values().iter().zip(want.iter()).all(|(a, b)| a.to_bits() == b.to_bits())
                })
            })
            .map(|n| n.to_string())
            .collect()
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
        if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Error::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let meta_json =
            metadata.get(KEY_META).ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_META}'")))?;
        let want_sha =
            metadata.get(KEY_SHA).ok_or_else(|| Error::InvalidBundle(format!("metadata lacks '{KEY_SHA}'")))?.clone();
        let want_header_sha = metadata.get(KEY_HEADER_SHA);
        if version >= 2 && want_header_sha.is_none() {
            return Err(Error::InvalidBundle(format!("metadata lacks '{KEY_HEADER_SHA}'")));
        }

        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::InvalidBundle(format!("file is truncated or corrupt: {e}")))?;
        // Hash in the same (sorted) order the writer used.
        let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
        names.sort();
        let mut hasher = Sha256::new();
        let mut tensors = HashMap::with_capacity(names.len());
        // int8 tensors and their row scales, paired up once everything is read
        let mut int8 = Vec::new();
        let mut scales = HashMap::new();
        let mut layout = Vec::with_capacity(names.len());
        for name in names {
            let view = st.tensor(&name).map_err(|e| Error::Tensor { name: name.clone(), problem: e.to_string() })?;
            hasher.update(view.data());
            layout.push((name.clone(), view.dtype(), view.shape().to_vec()));
            if let Some(base) = name.strip_suffix(INT8_SCALE_SUFFIX) {
                if view.dtype() != Dtype::F32 {
                    return Err(Error::Tensor {
                        name,
                        problem: format!("int8 scales must be F32, not {:?}", view.dtype()),
                    });
                }
                scales.insert(base.to_string(), (view.shape().to_vec(), decode(&name, Dtype::F32, view.data())?));
            } else if view.dtype() == Dtype::I8 {
                int8.push((name, view));
            } else {
                let data = decode(&name, view.dtype(), view.data())?;
                tensors.insert(name, TensorData::new(view.shape().to_vec(), data)?);
            }
        }
        let got_sha = hex(&hasher.finalize());
        // A fuzzer cannot forge a sha256, so under `--cfg fuzzing` (cargo-fuzz builds) a
        // mismatch is let through to reach the metadata and tensor checks after it. The hashes
        // are still computed, so the work per input is the same.
        if got_sha != want_sha && !cfg!(fuzzing) {
            return Err(Error::InvalidBundle(format!(
                "payload checksum mismatch (stored {want_sha}, computed {got_sha}): the file is corrupt"
            )));
        }
        if let Some(want) = want_header_sha {
            let layout: Vec<TensorLayout> = layout.iter().map(|(n, d, s)| (n.as_str(), *d, s.as_slice())).collect();
            let got = header_digest(&version.to_string(), meta_json, &want_sha, &layout);
            if &got != want && !cfg!(fuzzing) {
                return Err(Error::InvalidBundle(format!(
                    "header checksum mismatch (stored {want}, computed {got}): the metadata (spec, tokenizers, \
                     decoding options) was changed after the bundle was written; re-import the model instead of \
                     editing the file"
                )));
            }
        }
        // Parsed only once its checksum holds, so an edited header is reported as edited.
        let mut meta: BundleMeta =
            serde_json::from_str(meta_json).map_err(|e| Error::InvalidBundle(format!("metadata '{KEY_META}': {e}")))?;
        for (name, view) in int8 {
            let Some((scale_shape, s)) = scales.remove(&name) else {
                return Err(Error::Tensor {
                    name,
                    problem: format!(
                        "is int8 but the file has no row scales for it (a tensor named with '{INT8_SCALE_SUFFIX}')"
                    ),
                });
            };
            if scale_shape.len() != 1 {
                return Err(Error::Tensor {
                    name,
                    problem: format!("its int8 scales have shape {scale_shape:?}, not one per row"),
                });
            }
            let q = view.data().iter().map(|&b| b as i8).collect();
            let t = TensorData::from_int8(&name, view.shape().to_vec(), q, s)?;
            tensors.insert(name, t);
        }
        if let Some(base) = scales.keys().min() {
            return Err(Error::Tensor {
                name: format!("{base}{INT8_SCALE_SUFFIX}"),
                problem: format!("holds int8 row scales but the file has no int8 tensor '{base}'"),
            });
        }
        for name in std::mem::take(&mut meta.computed_positions) {
            let t = computed_position_table(&meta, &name)?;
            if tensors.insert(name.clone(), t).is_some() {
                return Err(Error::Tensor { name, problem: "is both stored and marked as computed".into() });
            }
        }
        let stored_as = if layout.iter().any(|(_, d, _)| *d == Dtype::I8) {
            StorageType::Int8
        } else if layout.iter().any(|(_, d, _)| *d == Dtype::F16) {
            StorageType::F16
        } else {
            StorageType::F32
        };
        let bundle = Bundle { meta, tensors, stored_as };
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
        self.tensors.values().map(TensorData::len).sum()
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

/// A position table the file left out, computed as the writer found it.
fn computed_position_table(meta: &BundleMeta, name: &str) -> Result<TensorData> {
    let bad = |problem: String| Err(Error::Tensor { name: name.to_string(), problem });
    if !COMPUTABLE_POSITIONS.contains(&name) || meta.generated.is_some() {
        return bad(
            "is marked as a computed position table, which only enc.pos and dec.pos of a native model can be".into()
        );
    }
    let (rows, d) = (meta.spec.max_positions, meta.spec.d_model);
    if rows.checked_mul(d).is_none_or(|n| n > MAX_COMPUTED_VALUES) {
        return bad(format!("a computed table of {rows} x {d} is beyond this reader's limit"));
    }
    TensorData::new(vec![rows, d], sinusoidal_table(rows, d))
}

fn f32_bytes(data: &[f32]) -> Vec<u8> {
    data.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Symmetric per-row int8: scale = max|row| / 127, q = round(x / scale). Per row because
/// rows (output features, vocabulary entries) differ in magnitude; symmetric because the
/// weights are centred on zero and it keeps decoding one multiply. A zero row gets scale 0.
fn quantize_rows(data: &[f32], rows: usize, cols: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = vec![0i8; rows * cols];
    let mut scales = vec![0f32; rows]; // stays 0 for rows of zero width
    for ((row, out), scale) in data.chunks_exact(cols.max(1)).zip(q.chunks_exact_mut(cols.max(1))).zip(&mut scales) {
        *scale = crate::model::int8::quantize_row(row, out);
    }
    (q, scales)
}

/// Inverse of [`quantize_rows`] (shapes are checked by [`TensorData::from_int8`]).
fn dequantize_rows(q: &[i8], scales: &[f32]) -> Vec<f32> {
    let cols = if scales.is_empty() { 0 } else { q.len() / scales.len() };
    q.chunks_exact(cols.max(1)).zip(scales).flat_map(|(row, s)| row.iter().map(move |&x| f32::from(x) * s)).collect()
}

/// A stored tensor as the header describes it: name, dtype, shape.
type TensorLayout<'a> = (&'a str, Dtype, &'a [usize]);

/// sha256 over the header's content in a fixed, unambiguous order (length-prefixed fields,
/// tensors sorted by name); independent of JSON key order and whitespace.
fn header_digest(version: &str, meta_json: &str, payload_sha: &str, tensors: &[TensorLayout]) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(b"retort bundle header");
    field(version.as_bytes());
    field(meta_json.as_bytes());
    field(payload_sha.as_bytes());
    for (name, dtype, shape) in tensors {
        field(name.as_bytes());
        field(format!("{dtype:?}").as_bytes());
        field(shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",").as_bytes());
    }
    hex(&h.finalize())
}

/// No trained weight comes near this; values beyond it overflow f32 in the first matrix
/// product and end as "search ended without a hypothesis" instead of a refusal naming them.
const MAX_WEIGHT_MAGNITUDE: f32 = 1e6;

/// Refuses non-finite values and magnitudes above `limit`, naming the tensor and the index.
fn check_values(name: &str, data: &[f32], limit: f32) -> Result<()> {
    // Infinities are above any limit. Whole chunks without an early exit vectorize (the check
    // of every weight was a tenth of a cold start); the index is searched for only once a
    // chunk fails.
    let bad = |x: &f32| x.is_nan() | (x.abs() > limit);
    let clean = data.chunks(1024).all(|c| !c.iter().fold(false, |found, x| found | bad(x)));
    match if clean { None } else { data.iter().position(bad) } {
        None => Ok(()),
        Some(i) if !data[i].is_finite() => {
            Err(Error::Tensor { name: name.to_string(), problem: format!("value {i} is not finite ({})", data[i]) })
        }
        Some(i) => Err(Error::Tensor {
            name: name.to_string(),
            problem: format!("value {i} is {:e}, beyond any trained weight (|x| > {limit:e})", data[i]),
        }),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of arbitrary bytes as hex; importers use it for provenance.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_bundle, small_spec};

    type Raw = Vec<(String, Dtype, Vec<usize>, Vec<u8>)>;

    fn sample() -> Bundle {
        random_bundle(small_spec(40), 7).expect("bundle")
    }

    fn err(r: Result<Bundle>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_else(|| "no error".into())
    }

    /// Rewrites a bundle file's tensors and metadata, with a correct payload checksum, so
    /// the reader's later checks (not the checksum) are what a test exercises.
    fn rewrite(bytes: &[u8], edit: impl FnOnce(&mut Raw, &mut serde_json::Value)) -> Vec<u8> {
        let st = SafeTensors::deserialize(bytes).expect("safetensors");
        let mut raw: Raw =
            st.tensors().into_iter().map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec())).collect();
        let (_, header) = SafeTensors::read_metadata(bytes).expect("header");
        let mut md = header.metadata().clone().expect("metadata");
        let mut meta: serde_json::Value = serde_json::from_str(&md[KEY_META]).expect("meta json");
        edit(&mut raw, &mut meta);
        raw.sort_by(|a, b| a.0.cmp(&b.0));
        let mut h = Sha256::new();
        raw.iter().for_each(|t| h.update(&t.3));
        let payload_sha = hex(&h.finalize());
        let layout: Vec<TensorLayout> = raw.iter().map(|(n, d, s, _)| (n.as_str(), *d, s.as_slice())).collect();
        let header_sha = header_digest(&md[KEY_FORMAT], &meta.to_string(), &payload_sha, &layout);
        md.insert(KEY_HEADER_SHA.into(), header_sha);
        md.insert(KEY_SHA.into(), payload_sha);
        md.insert(KEY_META.into(), meta.to_string());
        let views = raw.iter().map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).expect("view")));
        safetensors::tensor::serialize(views, Some(md)).expect("serialize")
    }

    /// The same tensors under an edited metadata map (no checksum is recomputed).
    fn with_metadata(bytes: &[u8], edit: impl FnOnce(&mut HashMap<String, String>)) -> Vec<u8> {
        let st = SafeTensors::deserialize(bytes).expect("safetensors");
        let (_, header) = SafeTensors::read_metadata(bytes).expect("header");
        let mut md = header.metadata().clone().expect("metadata");
        edit(&mut md);
        safetensors::tensor::serialize(st.tensors(), Some(md)).expect("serialize")
    }

    #[test]
    fn header_checksum_refuses_edited_metadata_and_reads_version_1() {
        let bytes = sample().to_bytes(StorageType::F32).expect("write");
        // one character of the target vocabulary, as a hand edit (or a flipped bit) would do
        let edited = with_metadata(&bytes, |md| {
            let meta = md.get_mut(KEY_META).expect("meta");
            let at = meta.find("tgt_tokenizer").expect("tokenizer") + 200;
            let c = if meta.as_bytes()[at] == b'C' { "N" } else { "C" };
            meta.replace_range(at..at + 1, c);
        });
        let e = err(Bundle::from_bytes(&edited));
        assert!(e.contains("header checksum mismatch") && e.contains("edit"), "{e}");

        let unchecked = with_metadata(&bytes, |md| {
            md.remove(KEY_HEADER_SHA);
        });
        assert!(err(Bundle::from_bytes(&unchecked)).contains(KEY_HEADER_SHA), "version 2 needs it");
        let version_1 = with_metadata(&bytes, |md| {
            md.remove(KEY_HEADER_SHA);
            md.insert(KEY_FORMAT.into(), "1".into());
        });
        let old = Bundle::from_bytes(&version_1).expect("a version-1 file still reads");
        assert_eq!(old.meta, sample().meta);
    }

    #[test]
    fn implausible_values_and_counts_are_refused_at_load() {
        let bytes = sample().to_bytes(StorageType::F32).expect("write");
        let huge = rewrite(&bytes, |raw, _| {
            let t = raw.iter_mut().find(|t| t.0 == "src_emb").expect("src_emb");
            t.3[4..8].copy_from_slice(&3e38f32.to_le_bytes());
        });
        let e = err(Bundle::from_bytes(&huge));
        assert!(e.contains("src_emb") && e.contains("value 1 is 3e38"), "{e}");
        let eps = rewrite(&bytes, |_, meta| meta["spec"]["layer_norm_eps"] = serde_json::json!(-1e-6));
        assert!(err(Bundle::from_bytes(&eps)).contains("layer_norm_eps -0.000001 must be"), "negative epsilon");
        let layers = rewrite(&bytes, |_, meta| meta["spec"]["encoder_layers"] = serde_json::json!(1_000_000));
        let e = err(Bundle::from_bytes(&layers));
        assert!(e.contains("encoder_layers 1000000 is beyond this reader's limit"), "{e}");
    }

    fn stored_names(bytes: &[u8]) -> Vec<String> {
        let mut n: Vec<String> =
            SafeTensors::deserialize(bytes).expect("st").names().into_iter().map(String::from).collect();
        n.sort();
        n
    }

    #[test]
    fn quantize_round_trip_within_half_a_step_and_zero_rows() {
        let data = [0.5f32, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, 1e-3, -2.9999];
        let (q, s) = quantize_rows(&data, 3, 3);
        assert_eq!(s, [1.0 / 127.0, 0.0, 3.0 / 127.0]);
        assert_eq!((q[1], q[2], q[8]), (-127, 32, -127), "the largest magnitude maps to +-127");
        assert_eq!(&q[3..6], [0; 3]);
        let back = dequantize_rows(&q, &s);
        for (i, (x, y)) in data.iter().zip(&back).enumerate() {
            assert!((x - y).abs() <= s[i / 3] / 2.0 * 1.0001, "value {i}: {x} vs {y}");
        }
        assert_eq!(&back[3..6], [0.0; 3], "a zero row decodes to zeros");
        assert_eq!(quantize_rows(&[], 2, 0), (vec![], vec![0.0, 0.0]), "rows of width 0");
    }

    #[test]
    fn int8_bundle_round_trip() {
        let mut b = sample();
        // a zero row must survive (scale 0), not turn into NaN
        if let Some(t) = b.tensors.get_mut("src_emb") {
            t.values_mut()[..32].fill(0.0);
        }
        let f32_len = b.to_bytes(StorageType::F32).expect("f32").len();
        let bytes = b.to_bytes(StorageType::Int8).expect("int8");
        // (the tokenizers in the header weigh a lot in a model this small)
        assert!(bytes.len() * 5 < f32_len * 2, "int8 {} vs f32 {f32_len}", bytes.len());
        let names = stored_names(&bytes);
        assert!(names.contains(&format!("src_emb{INT8_SCALE_SUFFIX}")), "{names:?}");
        let back = Bundle::from_bytes(&bytes).expect("read int8");
        assert_eq!(back.meta, b.meta);
        assert_eq!(back.tensors.len(), b.tensors.len());
        for (name, t) in &b.tensors {
            let got = &back.tensors[name];
            assert_eq!(got.shape, t.shape, "{name}");
            if t.shape.len() != 2 || name.ends_with(".pos") {
                assert_eq!(got.values(), t.values(), "{name}: 1-D tensors and computed tables are exact");
                continue;
            }
            // held as the stored integers, exactly those the writer made
            let (q, scales) = quantize_rows(&t.values(), t.shape[0], t.shape[1]);
            assert_eq!(got.int8_rows(), Some((&q[..], &scales[..])), "{name}");
            for (r, (want, have)) in t.values().chunks(t.shape[1]).zip(got.values().chunks(t.shape[1])).enumerate() {
                let step = want.iter().fold(0f32, |m, x| m.max(x.abs())) / 127.0;
                for (x, y) in want.iter().zip(have) {
                    assert!((x - y).abs() <= step / 2.0 * 1.0001, "{name} row {r}: {x} vs {y}");
                }
            }
        }
        assert!(back.tensors["src_emb"].values()[..32].iter().all(|&x| x == 0.0));
        // re-storing decoded int8 weights as int8 changes nothing
        assert_eq!(back.to_bytes(StorageType::Int8).expect("again"), bytes);
    }

    #[test]
    fn reader_rejects_unpaired_misshapen_and_non_finite_scales() {
        let bytes = sample().to_bytes(StorageType::Int8).expect("int8");
        let scale = format!("dec.layers.0.ffn.w1.weight{INT8_SCALE_SUFFIX}");
        let case = |edit: &dyn Fn(&mut Raw)| err(Bundle::from_bytes(&rewrite(&bytes, |raw, _| edit(raw))));

        let e = case(&|raw| raw.retain(|t| t.0 != scale));
        assert!(e.contains("'dec.layers.0.ffn.w1.weight'") && e.contains("no row scales"), "{e}");
        let e = case(&|raw| raw.retain(|t| t.0 != "dec.layers.0.ffn.w1.weight"));
        assert!(e.contains(&scale) && e.contains("no int8 tensor"), "{e}");
        let e = case(&|raw| {
            if let Some(t) = raw.iter_mut().find(|t| t.0 == scale) {
                t.2 = vec![t.2[0] - 1];
                t.3.truncate(t.3.len() - 4);
            }
        });
        assert!(e.contains("dec.layers.0.ffn.w1.weight") && e.contains("scales have shape"), "{e}");
        for bad in [f32::NAN, f32::INFINITY, -1.0] {
            let e = case(&|raw| {
                if let Some(t) = raw.iter_mut().find(|t| t.0 == scale) {
                    t.3[..4].copy_from_slice(&bad.to_le_bytes());
                }
            });
            assert!(e.contains("dec.layers.0.ffn.w1.weight") && e.contains("int8 scale 0 is"), "{bad}: {e}");
        }
        let e = case(&|raw| {
            if let Some(t) = raw.iter_mut().find(|t| t.0 == scale) {
                t.1 = Dtype::I32;
            }
        });
        assert!(e.contains(&scale) && e.contains("must be F32"), "{e}");
        // -128 is no level of the symmetric format (the int8 kernels' overflow bound needs ±127)
        let e = case(&|raw| {
            if let Some(t) = raw.iter_mut().find(|t| t.0 == "dec.layers.0.ffn.w1.weight") {
                t.3[5] = 0x80;
            }
        });
        assert!(e.contains("dec.layers.0.ffn.w1.weight") && e.contains("int8 value 5 is -128"), "{e}");

        // and the checksum still covers int8 payloads and scales
        let at = bytes.len() - 3;
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x11;
        assert!(err(Bundle::from_bytes(&flipped)).contains("checksum mismatch"));
    }

    #[test]
    fn int8_refuses_generated_models_and_reserved_names() {
        let mut b = sample();
        let t = b.tensors.remove("src_emb").expect("src_emb");
        b.tensors.insert(format!("src_emb{INT8_SCALE_SUFFIX}"), t);
        b.meta.generated = Some(GeneratedModelRef {
            name: "x".into(),
            graph_sha256: String::new(),
            generator: String::new(),
            int_tensors: vec![],
            exact_constants: Default::default(),
        });
        let e = b.to_bytes(StorageType::F32).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("reserved"), "{e}");
        let t = b.tensors.remove(&format!("src_emb{INT8_SCALE_SUFFIX}")).expect("renamed");
        b.tensors.insert("src_emb".into(), t);
        let e = b.to_bytes(StorageType::Int8).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("ONNX-generated"), "{e}");
        // generated models keep their tables whatever they hold
        assert!(stored_names(&b.to_bytes(StorageType::F16).expect("f16")).contains(&"enc.pos".to_string()));
    }

    #[test]
    fn sinusoidal_positions_are_computed_not_stored() {
        let b = sample();
        for storage in [StorageType::F32, StorageType::F16, StorageType::Int8] {
            let bytes = b.to_bytes(storage).expect("write");
            let names = stored_names(&bytes);
            assert!(!names.iter().any(|n| n.ends_with(".pos")), "{storage:?}: {names:?}");
            let back = Bundle::from_bytes(&bytes).expect("read");
            assert_eq!(back.meta, b.meta, "in memory the marker is cleared");
            for name in COMPUTABLE_POSITIONS {
                assert_eq!(back.tensors[name], b.tensors[name], "{storage:?} {name}");
            }
        }
        // one bit off: that table is stored (and read back exactly), the other still computed
        let mut odd = b.clone();
        if let Some(t) = odd.tensors.get_mut(names::DEC_POS) {
            let v = t.values_mut();
            v[77] = f32::from_bits(v[77].to_bits() ^ 1);
        }
        let bytes = odd.to_bytes(StorageType::F32).expect("write");
        let names = stored_names(&bytes);
        assert!(names.contains(&"dec.pos".into()) && !names.contains(&"enc.pos".into()), "{names:?}");
        let back = Bundle::from_bytes(&bytes).expect("read");
        assert_eq!(back.tensors, odd.tensors);
        assert!(bytes.len() < b.to_bytes(StorageType::F32).expect("write").len() + 256 * 32 * 4 + 200);

        // the marker can only name missing position tables of a native model
        let bytes = b.to_bytes(StorageType::F16).expect("write");
        let e =
            err(Bundle::from_bytes(&rewrite(&bytes, |_, m| m["computed_positions"] = serde_json::json!(["src_emb"]))));
        assert!(e.contains("src_emb") && e.contains("computed position table"), "{e}");
        let e = err(Bundle::from_bytes(&rewrite(&odd.to_bytes(StorageType::F32).expect("w"), |_, m| {
            m["computed_positions"] = serde_json::json!(["dec.pos", "enc.pos"])
        })));
        assert!(e.contains("dec.pos") && e.contains("both stored"), "{e}");
        let e = err(Bundle::from_bytes(&rewrite(&bytes, |_, m| {
            m["spec"]["max_positions"] = serde_json::json!(1u64 << 40)
        })));
        assert!(e.contains("beyond this reader's limit"), "{e}");
    }

    /// The goal int8 exists for: a Molecular-Transformer-shaped model ships in <= 15 MB even
    /// when its position tables are stored (OpenNMT-py 1.x checkpoints' torch-computed `pe`
    /// differs from ours in the last bits), and in about 5 MB less when they are computed.
    #[test]
    fn molecular_transformer_int8_fits_15_mb() {
        let mut b = random_bundle(crate::testing::molecular_transformer_spec(300), 3).expect("bundle");
        let computed = b.to_bytes(StorageType::Int8).expect("int8").len();
        for name in COMPUTABLE_POSITIONS {
            if let Some(t) = b.tensors.get_mut(name) {
                let v = t.values_mut();
                v[1] = f32::from_bits(v[1].to_bits() ^ 1);
            }
        }
        let stored = b.to_bytes(StorageType::Int8).expect("int8").len();
        assert!(stored <= 15_000_000 && computed + 2 * 5000 * 256 <= stored, "stored {stored}, computed {computed}");
    }

    /// Every committed bundle still reads, and written again by this writer (same storage) is
    /// the same file byte for byte: they were last written by this writer (format 2, via
    /// `core/examples/rewrite_bundle.rs`), so a writer change that alters files shows here.
    #[test]
    fn committed_bundles_read_and_rewrite_identically() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        for (path, identical) in [
            ("host-cli/assets/default.retort", true),
            ("fixtures/annalog/annalog.retort", true),
            ("fixtures/annalog/annalog-onnx.retort", true),
            ("fixtures/onnx/onmt12-onnx.retort", true),
        ] {
            let bytes = std::fs::read(format!("{root}/{path}")).expect(path);
            let b = Bundle::from_bytes(&bytes).expect(path);
            assert!(b.computable_positions().is_empty(), "{path}: its tables are not ours bit for bit");
            let st = SafeTensors::deserialize(&bytes).expect(path);
            let f16 = st.tensors().iter().any(|(_, v)| v.dtype() == Dtype::F16);
            let again = b.to_bytes(if f16 { StorageType::F16 } else { StorageType::F32 }).expect(path);
            let payload = |x: &[u8]| x[8 + u64::from_le_bytes(x[..8].try_into().expect("len")) as usize..].to_vec();
            assert!(payload(&again) == payload(&bytes), "{path}: payload differs");
            assert_eq!(Bundle::declared_sha256(&again).ok(), Bundle::declared_sha256(&bytes).ok(), "{path}");
            assert!(!identical || again == bytes, "{path}: rewritten bundle differs");
        }
    }
}
