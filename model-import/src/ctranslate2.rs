//! CTranslate2 model directories → Retort bundles, in pure Rust.
//!
//! A CTranslate2 model directory holds `model.bin` (the weights), the vocabularies
//! (`shared_vocabulary.{json,txt}` or `source_vocabulary.*` + `target_vocabulary.*`) and, from
//! binary version 5 on, `config.json`. This reader follows CTranslate2 4.x's loader
//! (`src/models/model.cc`, `src/models/transformer.cc`, `src/layers/*.cc`) and its Python specs
//! (`python/ctranslate2/specs/*.py`):
//!
//! `model.bin` (little-endian):
//! - `u32` binary version (1..=6 are read here);
//! - version ≥ 2: spec name (string) and `u32` spec revision; version 1 means spec "" rev 1;
//! - `u32` variable count, then per variable: name (string), `u8` rank, rank × `u32` dims,
//!   then version ≥ 4: `u8` dtype id (0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16) and `u32`
//!   byte count; version < 4: `u8` item size (4 f32, 2 i16, 1 i8) and `u32` element count;
//!   then the raw data;
//! - version ≥ 3: `u32` alias count, then (alias, target) string pairs. An alias also aliases
//!   `<alias>_scale` to `<target>_scale`.
//!
//! Strings are a `u16` length (including a trailing NUL) followed by the bytes.
//!
//! Spec revision 1 used OpenNMT-tf variable names (`transformer/encoder/w_embs:0`, ...); they
//! are renamed exactly as CTranslate2 does. Before revision 5 the model attributes
//! (`num_heads`, `pre_norm`, `activation`, ...) sit at the top level instead of under
//! `encoder/` and `decoder/`; before revision 3 `num_heads` is implied by the spec name
//! (TransformerBase 8, TransformerBig 16). Before binary version 6 the special tokens are
//! variables (`unk_token`, `with_source_bos`, ...) instead of `config.json` entries.
//!
//! Quantized weights (`int8`: one scale per output row; `int16`: one scale per tensor, 1000 when
//! not stored) are dequantized to f32 as CTranslate2 does: `w = q / scale`.
//!
//! Position encodings: when `*/position_encodings/encodings` is stored (OpenNMT-py
//! conversions) the table is copied and `max_positions` is its row count. Otherwise
//! CTranslate2 generates a sinusoidal table at run time, which this importer reproduces for
//! [`GENERATED_POSITIONS`] positions. Its layout is NOT OpenNMT-py's: row `p` holds
//! `[sin((p+1)·t_0) .. sin((p+1)·t_{h-1}), cos((p+1)·t_0) .. cos((p+1)·t_{h-1})]` with
//! `h = d/2` and `t_j = exp(-j · ln(10000) / (h - 1))` (sin and cos halves concatenated, and
//! position 0 uses time 1), computed in f32 as CTranslate2 does.
//!
//! Anything the Retort model does not implement (relative positions, rotary embeddings,
//! gated FFNs, RMS norm, alignment heads other than "first head of the last layer" or
//! "average of the last layer", multiple source features, ...) is refused with
//! [`ImportError::Unsupported`] naming it; every variable in `model.bin` must be understood.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use retort_core::bundle::sha256_hex;
use retort_core::options::{AttentionChoice, MinLengthRule};
use retort_core::spec::{sinusoidal_table, Activation, NormPosition, PositionKind, SpecialTokens};
use retort_core::tokenize::SideTokenizer;
use retort_core::{Bundle, TensorData, TokenizerKind, TranslateOptions};

use crate::bundle_builder::{build_bundle, BundleSide, ModelDescription, Positions};
use crate::error::ImportError;
use crate::name_maps;
use crate::tensor_table::{map_tensors, BiasPolicy, Dims, TableContext, TensorSource};

type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Newest `model.bin` binary version this reader understands (CTranslate2 4.x writes 6).
pub const MAX_BINARY_VERSION: u32 = 6;
/// Newest TransformerSpec revision this reader understands (CTranslate2 4.x writes 7).
pub const MAX_SPEC_REVISION: u32 = 7;
/// Rows of the position tables generated for models that do not store one (CTranslate2
/// grows its table on demand; 1024 matches its default `max_input_length`).
pub const GENERATED_POSITIONS: usize = 1024;
/// CTranslate2's scale for int16 weights saved without one (`ops::Quantize::global_int16_scale`).
const GLOBAL_INT16_SCALE: f32 = 1000.0;

fn format_err(msg: impl Into<String>) -> ImportError {
    ImportError::Format(msg.into())
}
fn unsupported(msg: impl Into<String>) -> ImportError {
    ImportError::Unsupported(msg.into())
}

/// Every reading error says it is about `model.bin` (most already start so).
fn name_model_bin(e: ImportError) -> ImportError {
    let named = |m: String| if m.starts_with("model.bin") { m } else { format!("model.bin: {m}") };
    match e {
        ImportError::Format(m) => ImportError::Format(named(m)),
        ImportError::Unsupported(m) => ImportError::Unsupported(named(m)),
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// model.bin parsing
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    /// The order of CTranslate2's `DataType` enum (include/ctranslate2/types.h).
    fn from_id(id: u8) -> Option<DType> {
        Some(match id {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    /// Binary versions < 4 stored an item size instead of a type.
    fn from_item_size(size: u8) -> Option<DType> {
        Some(match size {
            4 => DType::F32,
            2 => DType::I16,
            1 => DType::I8,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I8 => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
        }
    }
}

struct Variable<'a> {
    shape: Vec<usize>,
    dtype: DType,
    data: &'a [u8],
}

impl Variable<'_> {
    fn numel(&self) -> usize {
        self.data.len() / self.dtype.size()
    }
}

struct ModelBin<'a> {
    binary_version: u32,
    spec_name: String,
    spec_revision: u32,
    variables: Vec<(String, Variable<'a>)>,
    aliases: Vec<(String, String)>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &dyn Fn() -> String) -> Result<&'a [u8]> {
        let slice = self.pos.checked_add(n).and_then(|end| self.bytes.get(self.pos..end)).ok_or_else(|| {
            format_err(format!(
                "model.bin is truncated: {} needs {n} bytes at offset {} but the file has {} bytes",
                what(),
                self.pos,
                self.bytes.len()
            ))
        })?;
        self.pos += n;
        Ok(slice)
    }

    fn u8(&mut self, what: &dyn Fn() -> String) -> Result<u8> {
        let b = self.take(1, what)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    fn u16(&mut self, what: &dyn Fn() -> String) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes(b.try_into().unwrap_or_default()))
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().unwrap_or_default()))
    }

    /// A `u16` length (counting a trailing NUL) followed by the bytes.
    fn string(&mut self, what: &dyn Fn() -> String) -> Result<String> {
        let len = self.u16(&|| format!("the length of {}", what()))? as usize;
        if len == 0 {
            return Err(format_err(format!("model.bin: invalid string length 0 for {}", what())));
        }
        let bytes = self.take(len, what)?;
        let body = bytes.get(..len - 1).unwrap_or_default();
        String::from_utf8(body.to_vec()).map_err(|_| format_err(format!("model.bin: {} is not valid UTF-8", what())))
    }
}

fn parse_model_bin(bytes: &[u8]) -> Result<ModelBin<'_>> {
    let mut c = Cursor { bytes, pos: 0 };
    let binary_version = c.u32(&|| "the binary version".into())?;
    if binary_version == 0 || binary_version > 0xFFFF {
        return Err(format_err(format!(
            "model.bin does not start with a CTranslate2 binary version (read {binary_version:#x}): \
             not a CTranslate2 model"
        )));
    }
    if binary_version > MAX_BINARY_VERSION {
        return Err(unsupported(format!(
            "model.bin binary version {binary_version}: this importer reads versions 1 to \
             {MAX_BINARY_VERSION} (the model was written by a newer CTranslate2)"
        )));
    }
    let (spec_name, spec_revision) = if binary_version >= 2 {
        let name = c.string(&|| "the spec name".into())?;
        let rev = c.u32(&|| "the spec revision".into())?;
        (name, rev)
    } else {
        (String::new(), 1)
    };

    let count = c.u32(&|| "the variable count".into())? as usize;
    let mut variables = Vec::with_capacity(count.min(1 << 16));
    for i in 0..count {
        let name = c.string(&|| format!("the name of variable {i}"))?;
        let what = |part: &str| {
            let name = name.clone();
            let part = part.to_string();
            move || format!("the {part} of variable '{name}'")
        };
        let rank = c.u8(&what("rank"))? as usize;
        let mut shape = Vec::with_capacity(rank);
        for _ in 0..rank {
            shape.push(c.u32(&what("shape"))? as usize);
        }
        let (dtype, num_bytes) = if binary_version >= 4 {
            let id = c.u8(&what("data type"))?;
            let dtype = DType::from_id(id)
                .ok_or_else(|| format_err(format!("variable '{name}' has an unknown data type id {id}")))?;
            (dtype, c.u32(&what("byte count"))? as usize)
        } else {
            let item_size = c.u8(&what("item size"))?;
            let dtype = DType::from_item_size(item_size).ok_or_else(|| {
                format_err(format!("variable '{name}' has an unknown data type of width {item_size}"))
            })?;
            let n = c.u32(&what("element count"))? as usize;
            (dtype, n.saturating_mul(item_size as usize))
        };
        let numel = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| format_err(format!("variable '{name}' has an impossible shape {shape:?}")))?;
        let expected = numel.saturating_mul(dtype.size());
        if expected != num_bytes {
            return Err(format_err(format!(
                "variable '{name}' has an invalid payload size: shape {shape:?} of {} needs {expected} bytes, \
                 the file declares {num_bytes}",
                dtype.name()
            )));
        }
        let data = c.take(num_bytes, &what("data"))?;
        variables.push((name, Variable { shape, dtype, data }));
    }

    let mut aliases = Vec::new();
    if binary_version >= 3 {
        let n = c.u32(&|| "the alias count".into())?;
        for i in 0..n {
            let alias = c.string(&|| format!("alias {i}"))?;
            let target = c.string(&|| format!("the target of alias '{alias}'"))?;
            aliases.push((alias, target));
        }
    }
    Ok(ModelBin { binary_version, spec_name, spec_revision, variables, aliases })
}

fn replace_first(s: &mut String, from: &str, to: &str) {
    if let Some(i) = s.find(from) {
        s.replace_range(i..i + from.len(), to);
    }
}

/// Spec revision 1 stored OpenNMT-tf's variable names; CTranslate2 renames them on load
/// (`map_v1_variable_name` in src/models/transformer.cc: each rule replaces the first match).
fn map_v1_variable_name(name: &str) -> String {
    let mut n = name.to_string();
    replace_first(&mut n, "transformer/", "");
    replace_first(&mut n, ":0", "");
    replace_first(&mut n, "w_embs", "embeddings/weight");
    replace_first(&mut n, "kernel", "weight");
    replace_first(&mut n, "LayerNorm", "layer_norm");
    replace_first(&mut n, "dense", "projection");
    replace_first(&mut n, "conv1d_", "linear_");
    replace_first(&mut n, "conv1d", "linear_0");
    if n.contains("encoder") {
        replace_first(&mut n, "multi_head", "self_attention");
    } else {
        replace_first(&mut n, "masked_multi_head", "self_attention");
        replace_first(&mut n, "multi_head", "attention");
    }
    n
}

// ---------------------------------------------------------------------------------------------
// Variable store: alias resolution, dequantization, and bookkeeping of what was understood
// ---------------------------------------------------------------------------------------------

struct Vars<'a> {
    vars: BTreeMap<String, Variable<'a>>,
    /// alias -> name of a real variable
    aliases: BTreeMap<String, String>,
    used: HashSet<String>,
    /// Dtypes of the weights read, for provenance.
    dtypes_seen: BTreeMap<&'static str, usize>,
}

impl<'a> Vars<'a> {
    fn new(bin: ModelBin<'a>) -> Result<Vars<'a>> {
        let rename = bin.spec_revision == 1;
        let mut vars = BTreeMap::new();
        for (name, v) in bin.variables {
            let name = if rename { map_v1_variable_name(&name) } else { name };
            if vars.contains_key(&name) {
                return Err(format_err(format!("model.bin holds variable '{name}' twice")));
            }
            vars.insert(name, v);
        }
        let mut store = Vars { vars, aliases: BTreeMap::new(), used: HashSet::new(), dtypes_seen: BTreeMap::new() };
        // As CTranslate2's register_variable_alias: an alias to a missing name is ignored, an
        // existing name is never replaced, and the quantization scale follows the weight.
        for (alias, target) in bin.aliases {
            store.register_alias(&alias, &target);
            store.register_alias(&format!("{alias}_scale"), &format!("{target}_scale"));
            store.register_alias(&format!("{alias}_zero"), &format!("{target}_zero"));
        }
        Ok(store)
    }

    fn register_alias(&mut self, alias: &str, target: &str) {
        if self.vars.contains_key(alias) || self.aliases.contains_key(alias) {
            return;
        }
        if let Some(real) = self.resolve(target) {
            let real = real.to_string();
            self.aliases.insert(alias.to_string(), real);
        }
    }

    /// The real variable a name stands for, without marking it used.
    fn resolve(&self, name: &str) -> Option<&str> {
        if let Some((k, _)) = self.vars.get_key_value(name) {
            return Some(k.as_str());
        }
        self.aliases.get(name).map(String::as_str)
    }

    fn has(&self, name: &str) -> bool {
        self.resolve(name).is_some()
    }

    /// A variable's shape, without marking it understood.
    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.vars.get(self.resolve(name)?).map(|v| v.shape.clone())
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        self.vars.keys().chain(self.aliases.keys())
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.names().any(|n| n.starts_with(prefix))
    }

    /// Looks a variable up and marks the name (and, for an alias, its target) as understood.
    fn get(&mut self, name: &str) -> Option<&Variable<'a>> {
        let real = self.resolve(name)?.to_string();
        self.used.insert(name.to_string());
        self.used.insert(real.clone());
        self.vars.get(&real)
    }

    fn same_variable(&self, a: &str, b: &str) -> bool {
        matches!((self.resolve(a), self.resolve(b)), (Some(x), Some(y)) if x == y)
    }

    /// A variable as f32, dequantizing int8/int16 weights with their `_scale`.
    fn tensor(&mut self, name: &str) -> Result<Option<TensorData>> {
        let Some(var) = self.get(name) else { return Ok(None) };
        let shape = var.shape.clone();
        let dtype = var.dtype;
        let mut data = decode_float(name, var)?;
        match dtype {
            DType::I8 | DType::I16 => {
                let scale_name = format!("{name}_scale");
                let scale = match self.get(&scale_name) {
                    Some(s) => {
                        if !matches!(s.dtype, DType::F32 | DType::F16 | DType::BF16) {
                            return Err(format_err(format!(
                                "quantization scale '{scale_name}' has type {}, expected a float type",
                                s.dtype.name()
                            )));
                        }
                        decode_float(&scale_name, s)?
                    }
                    None if dtype == DType::I16 => vec![GLOBAL_INT16_SCALE],
                    None => {
                        return Err(format_err(format!(
                            "variable '{name}' is int8 but its scale '{scale_name}' is missing"
                        )))
                    }
                };
                dequantize(name, &shape, &mut data, &scale)?;
            }
            DType::I32 => {
                return Err(format_err(format!("variable '{name}' has type int32 where a float tensor is expected")))
            }
            _ => {}
        }
        *self.dtypes_seen.entry(dtype.name()).or_default() += 1;
        Ok(Some(TensorData::new(shape, data)?))
    }

    /// A scalar attribute (any numeric type) as f64.
    fn scalar(&mut self, name: &str) -> Result<Option<f64>> {
        let Some(var) = self.get(name) else { return Ok(None) };
        if var.numel() != 1 {
            return Err(format_err(format!("attribute '{name}' should be a scalar but has shape {:?}", var.shape)));
        }
        let b = var.data;
        let arr = |n: usize| -> [u8; 4] {
            let mut a = [0u8; 4];
            for (dst, src) in a.iter_mut().zip(b.iter().take(n)) {
                *dst = *src;
            }
            a
        };
        let a = arr(4);
        Ok(Some(match var.dtype {
            DType::F32 => f32::from_le_bytes(a) as f64,
            DType::I8 => a[0] as i8 as f64,
            DType::I16 => i16::from_le_bytes([a[0], a[1]]) as f64,
            DType::I32 => i32::from_le_bytes(a) as f64,
            DType::F16 => half::f16::from_le_bytes([a[0], a[1]]).to_f64(),
            DType::BF16 => half::bf16::from_le_bytes([a[0], a[1]]).to_f64(),
        }))
    }

    /// The first of several names that exists (CTranslate2's lookup order); the others are
    /// marked understood too, as they are shadowed.
    fn scalar_any(&mut self, candidates: &[String]) -> Result<Option<(String, f64)>> {
        let mut found = None;
        for c in candidates {
            if self.has(c) {
                let v = self.scalar(c)?;
                if found.is_none() {
                    found = v.map(|v| (c.clone(), v));
                }
            }
        }
        Ok(found)
    }

    /// A string attribute: CTranslate2 stores them as int8 arrays of UTF-8 bytes.
    fn string_attr(&mut self, name: &str) -> Result<Option<String>> {
        let Some(var) = self.get(name) else { return Ok(None) };
        if var.dtype != DType::I8 || var.shape.len() > 1 {
            return Err(format_err(format!("attribute '{name}' should be a string (1-D int8 array)")));
        }
        String::from_utf8(var.data.to_vec())
            .map(Some)
            .map_err(|_| format_err(format!("attribute '{name}' is not valid UTF-8")))
    }

    fn unused(&self) -> Vec<String> {
        self.names().filter(|n| !self.used.contains(*n)).cloned().collect()
    }
}

impl TensorSource for Vars<'_> {
    fn contains(&self, name: &str) -> bool {
        self.has(name)
    }

    fn read(&mut self, name: &str) -> Result<Option<TensorData>> {
        self.tensor(name)
    }

    /// A tied weight is the same variable as another: understood, and its scale with it.
    fn skip(&mut self, name: &str) {
        self.get(name);
        self.get(&format!("{name}_scale"));
    }

    fn missing(&self, name: &str) -> ImportError {
        format_err(format!("model.bin has no variable '{name}'"))
    }

    fn wrong_shape(&self, name: &str, found: &[usize], expected: &[usize]) -> ImportError {
        format_err(format!("variable '{name}' has shape {found:?}, expected {expected:?}"))
    }
}

fn decode_float(name: &str, var: &Variable) -> Result<Vec<f32>> {
    let b = var.data;
    Ok(match var.dtype {
        DType::F32 => b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        DType::F16 => b.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        DType::BF16 => b.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        DType::I8 => b.iter().map(|&x| x as i8 as f32).collect(),
        DType::I16 => b.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as f32).collect(),
        DType::I32 => {
            return Err(format_err(format!("variable '{name}' has type int32 where a float tensor is expected")))
        }
    })
}

/// `w = q / scale`, with one scale for the tensor or one per row (first dimension).
fn dequantize(name: &str, shape: &[usize], data: &mut [f32], scale: &[f32]) -> Result<()> {
    if let Some(i) = scale.iter().position(|s| !s.is_finite() || *s == 0.0) {
        return Err(format_err(format!("quantization scale of '{name}' has an invalid value at {i}")));
    }
    if scale.len() == 1 {
        let s = scale.first().copied().unwrap_or(1.0);
        data.iter_mut().for_each(|x| *x /= s);
        return Ok(());
    }
    let rows = shape.first().copied().unwrap_or(0);
    if rows == 0 || scale.len() != rows || !data.len().is_multiple_of(rows) {
        return Err(format_err(format!(
            "quantization scale of '{name}' has {} values for a tensor of shape {shape:?}",
            scale.len()
        )));
    }
    let cols = data.len() / rows;
    if cols > 0 {
        for (row, s) in data.chunks_exact_mut(cols).zip(scale) {
            row.iter_mut().for_each(|x| *x /= *s);
        }
    }
    Ok(())
}

/// CTranslate2's run-time sinusoidal table (`generate_sinusoidal_position_encoding` in
/// src/layers/common.cc), computed in f32 the same way: `[sin | cos]` halves, position `p`
/// uses time `p + 1`.
pub fn ctranslate2_sinusoidal_table(rows: usize, depth: usize) -> Vec<f32> {
    let half = depth / 2;
    let inc = 10000f32.ln() / (half as f32 - 1.0);
    let timescales: Vec<f32> = (0..half).map(|j| (-inc * j as f32).exp()).collect();
    let mut table = Vec::with_capacity(rows * depth);
    for i in 0..rows {
        let t = (i + 1) as f32;
        table.extend(timescales.iter().map(|ts| (t * ts).sin()));
        table.extend(timescales.iter().map(|ts| (t * ts).cos()));
    }
    table
}

// ---------------------------------------------------------------------------------------------
// Directory files: vocabularies and config.json
// ---------------------------------------------------------------------------------------------

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })
}

/// Loads `<base>.json` (a JSON list of tokens) or `<base>.txt` (one token per line), as
/// CTranslate2's `load_vocabulary` does. Returns the tokens and the file name used.
fn load_vocabulary(dir: &Path, base: &str) -> Result<Option<(Vec<String>, String)>> {
    let json = dir.join(format!("{base}.json"));
    if json.is_file() {
        let bytes = read_file(&json)?;
        let tokens: Vec<String> = serde_json::from_slice(&bytes)
            .map_err(|e| format_err(format!("{base}.json is not a JSON list of tokens: {e}")))?;
        return Ok(Some((tokens, format!("{base}.json"))));
    }
    let txt = dir.join(format!("{base}.txt"));
    if txt.is_file() {
        let bytes = read_file(&txt)?;
        let text = String::from_utf8(bytes).map_err(|_| format_err(format!("{base}.txt is not valid UTF-8")))?;
        return Ok(Some((parse_text_vocabulary(&text), format!("{base}.txt"))));
    }
    Ok(None)
}

/// One token per `\n`-terminated line; a final line without `\n` counts. Trailing `\r` is
/// removed only when every line has one (CTranslate2's rule: some tokens end with `\r`).
fn parse_text_vocabulary(text: &str) -> Vec<String> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let strip_cr = !lines.is_empty() && lines.iter().all(|l| l.ends_with('\r'));
    lines.into_iter().map(|l| if strip_cr { l.strip_suffix('\r').unwrap_or(l) } else { l }.to_string()).collect()
}

struct Vocabularies {
    src: Vec<String>,
    tgt: Vec<String>,
    files: Vec<String>,
}

fn load_vocabularies(dir: &Path) -> Result<Vocabularies> {
    if let Some((v, f)) = load_vocabulary(dir, "shared_vocabulary")? {
        return Ok(Vocabularies { src: v.clone(), tgt: v, files: vec![f] });
    }
    let (tgt, tf) = load_vocabulary(dir, "target_vocabulary")?.ok_or_else(|| {
        format_err(format!(
            "{} has no vocabulary (shared_vocabulary.json/.txt or target_vocabulary.json/.txt)",
            dir.display()
        ))
    })?;
    let (src, sf) = match load_vocabulary(dir, "source_vocabulary")? {
        Some(v) => v,
        None if load_vocabulary(dir, "source_1_vocabulary")?.is_some() => {
            return Err(unsupported("multiple source vocabularies (source_1_vocabulary, ...: source features)"))
        }
        None => {
            return Err(format_err(format!(
                "{} has a target vocabulary but no source_vocabulary.json/.txt",
                dir.display()
            )))
        }
    };
    Ok(Vocabularies { src, tgt, files: vec![sf, tf] })
}

/// CTranslate2 appends the unknown token when the vocabulary lacks it.
fn complete_vocabulary(tokens: &mut Vec<String>, unk: &str, side: &str, notes: &mut Vec<String>) {
    if !tokens.iter().any(|t| t == unk) {
        tokens.push(unk.to_string());
        notes.push(format!(
            "{side} vocabulary lacks '{unk}': appended as id {} (as CTranslate2 does)",
            tokens.len() - 1
        ));
    }
}

fn check_unique(tokens: &[String], side: &str) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        if let Some(first) = seen.insert(t.as_str(), i) {
            return Err(unsupported(format!(
                "{side} vocabulary lists token '{t}' twice (ids {first} and {i}); Retort needs unique tokens"
            )));
        }
    }
    Ok(())
}

fn token_id(tokens: &[String], token: &str, side: &str, role: &str) -> Result<u32> {
    tokens
        .iter()
        .position(|t| t == token)
        .map(|i| i as u32)
        .ok_or_else(|| format_err(format!("the {role} token '{token}' is not in the {side} vocabulary")))
}

/// The padding id: CTranslate2 masks padding by length, so any id works as long as real
/// input never uses it; take the usual padding tokens when the vocabulary has one.
fn pad_id(tokens: &[String], fallback: u32) -> u32 {
    ["<blank>", "<pad>"].iter().find_map(|p| tokens.iter().position(|t| t == p)).map(|i| i as u32).unwrap_or(fallback)
}

struct TokenConfig {
    unk: String,
    bos: String,
    eos: String,
    decoder_start: String,
    add_source_bos: bool,
    add_source_eos: bool,
}

fn config_string(config: &serde_json::Value, key: &str, default: &str) -> Result<Option<String>> {
    match config.get(key) {
        None => Ok(Some(default.to_string())),
        Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format_err(format!("config.json: '{key}' should be a string, got {other}"))),
    }
}

fn config_bool(config: &serde_json::Value, key: &str) -> Result<bool> {
    match config.get(key) {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format_err(format!("config.json: '{key}' should be a boolean, got {other}"))),
    }
}

fn token_config(vars: &mut Vars, binary_version: u32, config: &serde_json::Value) -> Result<TokenConfig> {
    if binary_version >= 6 {
        let req = |key: &str, default: &str| -> Result<String> {
            config_string(config, key, default)?.ok_or_else(|| format_err(format!("config.json: '{key}' is null")))
        };
        let unk = req("unk_token", "<unk>")?;
        let bos = req("bos_token", "<s>")?;
        let eos = req("eos_token", "</s>")?;
        let decoder_start = config_string(config, "decoder_start_token", &bos)?.ok_or_else(|| {
            unsupported(
                "decoder_start_token is null (the model expects each request to give its start token, \
                 e.g. a target language, in a target prefix)",
            )
        })?;
        return Ok(TokenConfig {
            unk,
            bos,
            eos,
            decoder_start,
            add_source_bos: config_bool(config, "add_source_bos")?,
            add_source_eos: config_bool(config, "add_source_eos")?,
        });
    }
    // Binary versions < 6 keep these as model attributes (SequenceToSequenceModel::initialize).
    let unk = vars.string_attr("unk_token")?.unwrap_or_else(|| "<unk>".into());
    let bos = vars.string_attr("bos_token")?.unwrap_or_else(|| "<s>".into());
    let eos = vars.string_attr("eos_token")?.unwrap_or_else(|| "</s>".into());
    let mut flag =
        |name: &str, default: bool| -> Result<bool> { Ok(vars.scalar(name)?.map(|v| v != 0.0).unwrap_or(default)) };
    let add_source_bos = flag("with_source_bos", false)?;
    let add_source_eos = flag("with_source_eos", false)?;
    if flag("user_decoder_start_tokens", false)? {
        return Err(unsupported(
            "user_decoder_start_tokens (the model expects each request to give its start token in a target prefix)",
        ));
    }
    let decoder_start = if flag("with_target_bos", true)? { bos.clone() } else { eos.clone() };
    Ok(TokenConfig { unk, bos, eos, decoder_start, add_source_bos, add_source_eos })
}

// ---------------------------------------------------------------------------------------------
// Features Retort does not implement, recognized by variable name so the error can name them
// ---------------------------------------------------------------------------------------------

const UNSUPPORTED_VARIABLES: &[(&str, &str)] = &[
    ("relative_position_keys", "relative position representations (max_relative_positions > 0)"),
    ("relative_position_values", "relative position representations (max_relative_positions > 0)"),
    ("relative_asymmetric_position_keys", "asymmetric relative positions"),
    ("relative_attention_bias", "relative attention bias (T5-style positions)"),
    ("rotary_dim", "rotary position embeddings"),
    ("layernorm_embedding", "a layer norm after the embeddings (layernorm_embedding)"),
    ("linear_0_noact", "gated feed-forward layers (ffn_glu)"),
    ("num_heads_kv", "multi-query / grouped-query attention (num_heads_kv)"),
    ("project_in", "input/output projections around the decoder (project_in_out)"),
    ("project_out", "input/output projections around the decoder (project_in_out)"),
    ("/q_norm/", "query/key normalization (qk_norm)"),
    ("/k_norm/", "query/key normalization (qk_norm)"),
    ("/v_norm/", "value normalization (v_norm)"),
    ("weight_zero", "AWQ quantization"),
    ("memory_kv", "merged encoder attention"),
    ("sliding_window", "sliding-window attention"),
    ("input_layer_norm", "pre/post layer norms or parallel residuals (pre_post_layer_norm)"),
    ("post_attention_layer_norm", "pre/post layer norms or parallel residuals (pre_post_layer_norm)"),
    ("shared_layer_norm", "parallel residual with a shared layer norm"),
    ("pre_feedforward_layer_norm", "pre/post layer norms (pre_post_layer_norm)"),
    ("external_pre_encoder_attention_layer_norm", "external encoder-attention layer norms"),
    ("encoder/embeddings_1/", "multiple source features (num_source_embeddings > 1)"),
];

fn reject_unsupported_variables(vars: &Vars) -> Result<()> {
    for name in vars.names() {
        for (pattern, feature) in UNSUPPORTED_VARIABLES {
            if name.contains(pattern) {
                return Err(unsupported(format!("{feature} (variable '{name}')")));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------------------------

/// Model attributes of one side (`encoder` or `decoder`), with CTranslate2's defaults.
struct SideAttrs {
    heads: usize,
    pre_norm: bool,
    activation: Activation,
    embedding_scale: f32,
}

fn activation_from_ct2(code: f64, name: &str) -> Result<Activation> {
    // ops::ActivationType: ReLU 0, GELUTanh 1, Swish 2, GELU 3, GELUSigmoid 4, Tanh 5, Sigmoid 6.
    match code as i64 {
        0 => Ok(Activation::Relu),
        1 => Ok(Activation::GeluTanh),
        3 => Ok(Activation::Gelu),
        2 => Err(unsupported(format!("activation swish/silu ('{name}' = 2)"))),
        4 => Err(unsupported(format!("activation gelu_sigmoid ('{name}' = 4)"))),
        5 => Err(unsupported(format!("activation tanh ('{name}' = 5)"))),
        6 => Err(unsupported(format!("activation sigmoid ('{name}' = 6)"))),
        other => Err(format_err(format!("unknown activation type {other} in '{name}'"))),
    }
}

fn side_attrs(vars: &mut Vars, scope: &str, emb_name: &str, d_model: usize, default_heads: usize) -> Result<SideAttrs> {
    let cands = |key: &str| vec![format!("{scope}/{key}"), key.to_string()];
    let heads = match vars.scalar_any(&cands("num_heads"))? {
        Some((_, v)) if v >= 1.0 => v as usize,
        Some((n, v)) => return Err(format_err(format!("'{n}' = {v} is not a head count"))),
        None => default_heads,
    };
    let pre_norm = vars.scalar_any(&cands("pre_norm"))?.map(|(_, v)| v != 0.0).unwrap_or(true);
    let activation = match vars.scalar_any(&cands("activation"))? {
        Some((n, v)) => activation_from_ct2(v, &n)?,
        None => Activation::Relu,
    };
    // build_embeddings_scale: `scale_embeddings` (or the older `embeddings/multiply_by_sqrt_depth`)
    // is either a flag (int8: true = sqrt(depth)) or the scale itself; absent means sqrt(depth).
    let sqrt_depth = (d_model as f32).sqrt();
    let emb_scope = emb_name.strip_suffix("/weight").unwrap_or(emb_name);
    let scale_names = [format!("{scope}/scale_embeddings"), format!("{emb_scope}/multiply_by_sqrt_depth")];
    let scale_var = scale_names.iter().find(|n| vars.has(n)).cloned();
    for n in &scale_names {
        vars.get(n);
    }
    let embedding_scale = match scale_var {
        None => sqrt_depth,
        Some(n) => {
            let is_flag = vars.get(&n).map(|v| v.dtype == DType::I8).unwrap_or(false);
            let v = vars.scalar(&n)?.unwrap_or(1.0);
            if is_flag {
                if v != 0.0 {
                    sqrt_depth
                } else {
                    1.0
                }
            } else {
                v as f32
            }
        }
    };
    if !(embedding_scale.is_finite() && embedding_scale > 0.0) {
        return Err(format_err(format!("{scope} embedding scale {embedding_scale} is not a positive number")));
    }
    Ok(SideAttrs { heads, pre_norm, activation, embedding_scale })
}

/// A flag attribute that must keep its default value for Retort to run the model.
fn require_flag_default(vars: &mut Vars, name: &str, default: f64, feature: &str) -> Result<()> {
    if let Some(v) = vars.scalar(name)? {
        if v != default {
            return Err(unsupported(format!("{feature} ('{name}' = {v})")));
        }
    }
    Ok(())
}

fn count_layers(vars: &Vars, scope: &str) -> usize {
    let mut n = 0;
    while vars.has_prefix(&format!("{scope}/layer_{n}/")) {
        n += 1;
    }
    n
}

/// Whether a stored position table is one of the usual sinusoidal layouts (interleaved as in
/// OpenNMT-py, `[sin | cos]` halves from position 0 as in OpenNMT-py 3, or CTranslate2's own).
/// Only the first rows are compared: tables computed in f32 drift at large positions.
fn is_sinusoidal(table: &[f32], rows: usize, d: usize) -> bool {
    let n = rows.min(256);
    let head = table.get(..n * d).unwrap_or_default();
    let close = |other: &[f32]| other.len() >= n * d && head.iter().zip(other).all(|(a, b)| (a - b).abs() < 1e-4);
    if close(&sinusoidal_table(n, d)) || close(&ctranslate2_sinusoidal_table(n, d)) {
        return true;
    }
    let half = d / 2;
    let concat: Vec<f32> = (0..n)
        .flat_map(|p| {
            let angles: Vec<f64> =
                (0..half).map(|j| p as f64 * (-(10000f64.ln()) * (2 * j) as f64 / d as f64).exp()).collect();
            let s: Vec<f32> = angles.iter().map(|a| a.sin() as f32).collect();
            let c: Vec<f32> = angles.iter().map(|a| a.cos() as f32).collect();
            s.into_iter().chain(c)
        })
        .collect();
    close(&concat)
}

/// Reads a CTranslate2 model directory (`model.bin`, vocabularies, optional `config.json`) and
/// returns an equivalent Retort bundle with f32 weights. `tokenizer` picks the pre-tokenizer
/// stored in the bundle (default [`TokenizerKind::Space`]: CTranslate2 takes tokens).
pub fn import_ctranslate2_dir(dir: &Path, tokenizer: Option<TokenizerKind>) -> Result<Bundle> {
    let bytes = read_file(&dir.join("model.bin"))?;
    let bin = parse_model_bin(&bytes).map_err(name_model_bin)?;
    let (binary_version, spec_name, spec_revision) = (bin.binary_version, bin.spec_name.clone(), bin.spec_revision);
    let default_heads = default_heads(&spec_name, spec_revision)?;
    let config_path = dir.join("config.json");
    let config = read_config_json(&config_path)?;

    let mut vars = Vars::new(bin)?;
    reject_unsupported_variables(&vars)?;
    let described = describe(&mut vars, &config, default_heads)?;
    let model = &described.model;
    let d = model.d_model;

    // --- tensors -------------------------------------------------------------------------------
    let ctx = TableContext {
        dims: Dims { d_model: d, ff: model.ff, src_vocab: model.src_vocab_size, tgt_vocab: model.tgt_vocab_size },
        encoder_layers: model.encoder_layers,
        decoder_layers: model.decoder_layers,
        pre_norm: model.norm == NormPosition::Pre,
        shared_embeddings: model.shared_embeddings,
        tied_generator: model.tied_generator,
        attention_bias: BiasPolicy::FromData,
        ffn_bias: BiasPolicy::FromData,
    };
    let mut mapped = map_tensors(name_maps::CTRANSLATE2, &mut vars, &ctx)?;
    let mut notes = std::mem::take(&mut mapped.notes);
    let positions = read_positions(&mut vars, d, &mut notes)?;

    // --- tokens and vocabularies -------------------------------------------------------------
    let tokens = token_config(&mut vars, binary_version, &config)?;
    let vocabs = load_vocabularies(dir)?;
    let (mut src_vocab, mut tgt_vocab) = (vocabs.src, vocabs.tgt);
    complete_vocabulary(&mut src_vocab, &tokens.unk, "source", &mut notes);
    complete_vocabulary(&mut tgt_vocab, &tokens.unk, "target", &mut notes);
    let (src_rows, tgt_rows) = (model.src_vocab_size, model.tgt_vocab_size);
    if src_vocab.len() != src_rows {
        return Err(format_err(format!(
            "the source vocabulary has {} tokens but the encoder embeddings have {src_rows} rows",
            src_vocab.len()
        )));
    }
    if tgt_vocab.len() != tgt_rows {
        return Err(format_err(format!(
            "the target vocabulary has {} tokens but the decoder embeddings have {tgt_rows} rows",
            tgt_vocab.len()
        )));
    }
    check_unique(&src_vocab, "source")?;
    check_unique(&tgt_vocab, "target")?;
    let src_unk = token_id(&src_vocab, &tokens.unk, "source", "unknown")?;
    let tgt_unk = token_id(&tgt_vocab, &tokens.unk, "target", "unknown")?;
    let special = SpecialTokens {
        src_unk,
        src_pad: pad_id(&src_vocab, src_unk),
        src_bos: if tokens.add_source_bos { Some(token_id(&src_vocab, &tokens.bos, "source", "begin")?) } else { None },
        src_eos: if tokens.add_source_eos { Some(token_id(&src_vocab, &tokens.eos, "source", "end")?) } else { None },
        tgt_unk,
        tgt_pad: pad_id(&tgt_vocab, tgt_unk),
        tgt_bos: token_id(&tgt_vocab, &tokens.decoder_start, "target", "decoder start")?,
        tgt_eos: token_id(&tgt_vocab, &tokens.eos, "target", "end")?,
    };

    // --- anything left over is something this importer does not understand ------------------
    let unused = vars.unused();
    if let Some(first) = unused.first() {
        return Err(unsupported(format!(
            "model.bin variable '{first}' is not understood by this importer{}",
            if unused.len() > 1 { format!(" (and {} more)", unused.len() - 1) } else { String::new() }
        )));
    }

    // --- provenance ----------------------------------------------------------------------------
    let kind = tokenizer.unwrap_or(TokenizerKind::Space);
    let weight_types: Vec<String> = vars.dtypes_seen.iter().map(|(k, n)| format!("{k} x{n}")).collect();
    let dir_name = dir
        .canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ctranslate2-model".into());
    let spec_label = if spec_name.is_empty() { "(unnamed, Transformer)".to_string() } else { spec_name.clone() };
    notes.insert(
        0,
        format!(
            "files: model.bin, {}{}; tensors read: {}",
            vocabs.files.join(", "),
            if config_path.is_file() { ", config.json" } else { "" },
            weight_types.join(", ")
        ),
    );
    if vars.dtypes_seen.contains_key("int8") || vars.dtypes_seen.contains_key("int16") {
        notes.push("quantized weights dequantized to f32 (w = q / scale)".into());
    }
    if config.get("layer_norm_epsilon").is_none_or(|v| v.is_null()) {
        notes.push("layer_norm_epsilon not given: CTranslate2's default 1e-5 used".into());
    }

    let side = BundleSide {
        special,
        tokenizer_kind: kind,
        src_tokenizer: SideTokenizer::build_json(&src_vocab, &tokens.unk, kind)?,
        tgt_tokenizer: SideTokenizer::build_json(&tgt_vocab, &tokens.unk, kind)?,
        // CTranslate2's translate_batch / translate_file stop the end token at the first step
        // (min_decoding_length 1) by disabling it in the logits, before the softmax: the first
        // step's log-probabilities are renormalized over the other tokens, so its scores exceed
        // OpenNMT-py-style masking by -ln(1 - p(end at step 1)) (1e-6 to 1e-3 on the aren model).
        decoding: TranslateOptions {
            attention: described.attention_choice,
            min_length: 1,
            min_length_rule: MinLengthRule::Logits,
            ..TranslateOptions::default()
        },
        source_format: format!(
            "ctranslate2 model.bin v{binary_version}, spec {spec_label} rev {spec_revision} ({})",
            quantization_label(&vars.dtypes_seen)
        ),
        source_name: dir_name.clone(),
        source_sha256: sha256_hex(&bytes),
        notes,
        name: dir_name,
    };
    build_bundle(model, mapped, positions, side)
}

/// The head count a model type implies (src/models/model_factory.cc: "" / TransformerBase /
/// TransformerBig are the legacy names of TransformerSpec with 8 / 16 heads); other model
/// types and newer revisions are refused.
fn default_heads(spec_name: &str, spec_revision: u32) -> Result<usize> {
    let heads = match spec_name {
        "" | "TransformerBase" | "TransformerSpec" => 8,
        "TransformerBig" => 16,
        other => {
            return Err(unsupported(format!(
            "CTranslate2 model type '{other}': only Transformer encoder-decoder models (TransformerSpec) are supported"
        )))
        }
    };
    if spec_revision > MAX_SPEC_REVISION {
        return Err(unsupported(format!(
            "{} spec revision {spec_revision}: this importer reads revisions up to {MAX_SPEC_REVISION}",
            if spec_name.is_empty() { "Transformer" } else { spec_name }
        )));
    }
    Ok(heads)
}

/// `config.json` (an empty object when absent), with the options Retort refuses checked.
fn read_config_json(path: &Path) -> Result<serde_json::Value> {
    let config: serde_json::Value = if path.is_file() {
        serde_json::from_slice(&read_file(path)?)
            .map_err(|e| format_err(format!("config.json is not valid JSON: {e}")))?
    } else {
        serde_json::Value::Object(Default::default())
    };
    if !config.is_object() {
        return Err(format_err("config.json is not a JSON object"));
    }
    if let Some(q) = config.get("quantization_type") {
        if q.as_i64() != Some(0) && !q.is_null() {
            return Err(unsupported(format!("quantization_type {q} (AWQ) in config.json")));
        }
    }
    if config.get("multi_query_attention").and_then(|v| v.as_bool()) == Some(true) {
        return Err(unsupported("multi_query_attention in config.json"));
    }
    Ok(config)
}

/// What the configuration reader found: the architecture and which attention to return.
struct Described {
    model: ModelDescription,
    attention_choice: AttentionChoice,
}

/// The configuration reader: model attributes (with CTranslate2's defaults), sizes from the
/// variables' shapes, and every attribute Retort cannot honour refused. Reads no weights.
fn describe(vars: &mut Vars, config: &serde_json::Value, default_heads: usize) -> Result<Described> {
    // --- embeddings and sizes ------------------------------------------------------------
    let src_emb_name =
        ["encoder/embeddings/weight", "encoder/embeddings_0/weight"].into_iter().find(|n| vars.has(n)).ok_or_else(
            || format_err("model.bin has no variable 'encoder/embeddings/weight' (not a Transformer encoder-decoder?)"),
        )?;
    let tgt_emb_name = "decoder/embeddings/weight";
    let src_shape = vars.shape(src_emb_name).unwrap_or_default();
    let [src_rows, d_model] = src_shape[..] else {
        return Err(format_err(format!("variable '{src_emb_name}' has shape {src_shape:?}, expected [vocab, depth]")));
    };
    let shared_embeddings = vars.same_variable(src_emb_name, tgt_emb_name);
    let tgt_shape =
        vars.shape(tgt_emb_name).ok_or_else(|| format_err(format!("model.bin has no variable '{tgt_emb_name}'")))?;
    let [tgt_rows, tgt_d] = tgt_shape[..] else {
        return Err(format_err(format!("variable '{tgt_emb_name}' has shape {tgt_shape:?}, expected [vocab, depth]")));
    };
    if tgt_d != d_model {
        return Err(format_err(format!(
            "encoder embeddings have depth {d_model} but decoder embeddings have depth {tgt_d}"
        )));
    }
    if d_model == 0 || src_rows == 0 || tgt_rows == 0 {
        return Err(format_err("embeddings are empty"));
    }

    // --- attributes ------------------------------------------------------------------------
    let enc = side_attrs(vars, "encoder", src_emb_name, d_model, default_heads)?;
    let dec = side_attrs(vars, "decoder", tgt_emb_name, d_model, default_heads)?;
    if enc.heads != dec.heads {
        return Err(unsupported(format!(
            "different head counts in encoder ({}) and decoder ({})",
            enc.heads, dec.heads
        )));
    }
    if enc.pre_norm != dec.pre_norm {
        return Err(unsupported("pre-norm encoder with post-norm decoder (or the reverse)"));
    }
    if enc.activation != dec.activation {
        return Err(unsupported(format!(
            "different activations in encoder ({:?}) and decoder ({:?})",
            enc.activation, dec.activation
        )));
    }
    if enc.embedding_scale != dec.embedding_scale {
        return Err(unsupported(format!(
            "different embedding scales in encoder ({}) and decoder ({})",
            enc.embedding_scale, dec.embedding_scale
        )));
    }
    let heads = enc.heads;
    if d_model % heads != 0 {
        return Err(format_err(format!("depth {d_model} is not divisible by {heads} heads")));
    }
    let norm = if enc.pre_norm { NormPosition::Pre } else { NormPosition::Post };

    // Attributes that must keep their defaults.
    for scope in ["encoder", "decoder"] {
        require_flag_default(vars, &format!("{scope}/multi_query_attention"), 0.0, "multi-query attention")?;
    }
    require_flag_default(vars, "decoder/alibi", 0.0, "ALiBi attention biases")?;
    require_flag_default(vars, "decoder/alibi_use_positive_positions", 0.0, "ALiBi attention biases")?;
    require_flag_default(vars, "decoder/scale_alibi", 0.0, "ALiBi attention biases")?;
    require_flag_default(vars, "decoder/start_from_zero_embedding", 0.0, "start_from_zero_embedding")?;
    require_flag_default(vars, "decoder/scale_outputs", 1.0, "scaled decoder outputs (scale_outputs)")?;
    require_flag_default(vars, "decoder/final_logit_softcapping", 0.0, "final logit soft-capping")?;
    // embeddings_merge only matters with several source embeddings (refused above).
    for n in ["encoder/embeddings_merge", "embeddings_merge"] {
        vars.scalar(n)?;
    }

    // Alignment: which cross-attention CTranslate2 returns (layers/transformer.cc).
    let enc_layers = count_layers(vars, "encoder");
    let dec_layers = count_layers(vars, "decoder");
    if enc_layers == 0 || dec_layers == 0 {
        return Err(format_err(format!(
            "model.bin has {enc_layers} encoder and {dec_layers} decoder layers (variables 'encoder/layer_0/...', \
             'decoder/layer_0/...' expected)"
        )));
    }
    let align_layer = vars
        .scalar_any(&["decoder/alignment_layer".into(), "alignment_layer".into()])?
        .map(|(_, v)| v as i64)
        .unwrap_or(-1);
    let align_heads = vars
        .scalar_any(&["decoder/alignment_heads".into(), "alignment_heads".into()])?
        .map(|(_, v)| v as i64)
        .unwrap_or(1);
    let align_layer_abs = if align_layer < 0 { dec_layers as i64 + align_layer } else { align_layer };
    if align_layer_abs != dec_layers as i64 - 1 {
        return Err(unsupported(format!(
            "alignment_layer {align_layer} (Retort returns the last decoder layer's attention)"
        )));
    }
    let attention_choice = match align_heads {
        1 => AttentionChoice::FirstHead,
        h if h == 0 || h == heads as i64 => AttentionChoice::Average,
        h => {
            return Err(unsupported(format!(
                "alignment_heads {h} (Retort returns the first head or the average of all {heads} heads)"
            )))
        }
    };

    // --- per-layer attributes ----------------------------------------------------------------
    // Scaled queries must be the standard 1/sqrt(head_dim).
    let default_qscale = 1.0 / ((d_model / heads) as f32).sqrt();
    let check_queries_scale = |vars: &mut Vars, scope: &str| -> Result<()> {
        let name = format!("{scope}/queries_scale");
        if let Some(v) = vars.scalar(&name)? {
            if ((v as f32) - default_qscale).abs() > 1e-6 * default_qscale.max(1.0) {
                return Err(unsupported(format!("non-standard query scaling ('{name}' = {v})")));
            }
        }
        Ok(())
    };
    let mut ff: Option<usize> = None;
    let layers = (0..enc_layers)
        .map(|i| format!("encoder/layer_{i}"))
        .chain((0..dec_layers).map(|i| format!("decoder/layer_{i}")));
    for p in layers {
        check_queries_scale(vars, &format!("{p}/self_attention"))?;
        if p.starts_with("decoder/") {
            let ca = format!("{p}/attention");
            if !vars.has(&format!("{ca}/linear_0/weight")) {
                return Err(unsupported(format!("a decoder layer without encoder attention ('{ca}' is missing)")));
            }
            check_queries_scale(vars, &ca)?;
            require_flag_default(vars, &format!("{p}/layer_scalar"), 1.0, "layer scalars")?;
        }
        // The feed-forward size: one for all layers (a missing weight is reported by the map).
        if let Some(rows) = vars.shape(&format!("{p}/ffn/linear_0/weight")).and_then(|s| s.first().copied()) {
            match ff {
                None => ff = Some(rows),
                Some(f) if f != rows => {
                    return Err(unsupported(format!(
                        "layers with different feed-forward sizes ({f} and {rows} in '{p}/ffn')"
                    )))
                }
                _ => {}
            }
        }
    }

    // Layer norms with a gamma and no beta are RMS norms.
    let rms = vars.names().find_map(|n| {
        let scope = n.strip_suffix("/gamma")?;
        (!vars.has(&format!("{scope}/beta"))).then(|| scope.to_string())
    });
    if let Some(scope) = rms {
        return Err(unsupported(format!("RMS normalization (layer norm '{scope}' has a gamma but no beta)")));
    }
    // Final layer norms: present exactly in pre-norm models.
    for scope in ["encoder", "decoder"] {
        match (norm, vars.has(&format!("{scope}/layer_norm/gamma"))) {
            (NormPosition::Pre, false) => {
                return Err(unsupported(format!("a pre-norm {scope} without a final layer norm (no_final_norm)")))
            }
            (NormPosition::Post, true) => {
                return Err(unsupported(format!("a final layer norm in a post-norm {scope}")))
            }
            _ => {}
        }
    }

    let layer_norm_eps = match config.get("layer_norm_epsilon") {
        None | Some(serde_json::Value::Null) => 1e-5,
        Some(v) => v
            .as_f64()
            .filter(|e| e.is_finite() && *e >= 0.0)
            .ok_or_else(|| format_err(format!("config.json: layer_norm_epsilon {v} is not a number")))?,
    };
    let model = ModelDescription {
        d_model,
        heads,
        ff: ff.unwrap_or(0),
        encoder_layers: enc_layers,
        decoder_layers: dec_layers,
        src_vocab_size: src_rows,
        tgt_vocab_size: tgt_rows,
        norm,
        layer_norm_eps,
        activation: enc.activation,
        embedding_scale: enc.embedding_scale,
        shared_embeddings,
        tied_generator: vars.same_variable("decoder/projection/weight", tgt_emb_name),
    };
    Ok(Described { model, attention_choice })
}

/// The stored position tables, else CTranslate2's generated one; sinusoidal unless a stored
/// table is something else (then learned).
fn read_positions(vars: &mut Vars, d: usize, notes: &mut Vec<String>) -> Result<Positions> {
    let enc_pos = vars.tensor("encoder/position_encodings/encodings")?;
    let dec_pos = vars.tensor("decoder/position_encodings/encodings")?;
    let mut tables = Vec::new();
    let mut generated = false;
    for (scope, t) in [("encoder", enc_pos), ("decoder", dec_pos)] {
        match t {
            Some(t) => {
                let [rows, depth] = t.shape[..] else {
                    return Err(format_err(format!("{scope}/position_encodings/encodings has shape {:?}", t.shape)));
                };
                if depth != d {
                    return Err(format_err(format!(
                        "{scope}/position_encodings/encodings has depth {depth}, the model has {d}"
                    )));
                }
                tables.push((rows, t.into_values()));
            }
            None => {
                if d < 4 || !d.is_multiple_of(2) {
                    return Err(unsupported(format!("generated sinusoidal positions for odd or tiny depth {d}")));
                }
                generated = true;
                tables.push((GENERATED_POSITIONS, ctranslate2_sinusoidal_table(GENERATED_POSITIONS, d)));
            }
        }
    }
    let mut tables = tables.into_iter();
    let (encoder, decoder) = (tables.next().unwrap_or_default(), tables.next().unwrap_or_default());
    let mut positions = Positions { kind: PositionKind::Sinusoidal, encoder, decoder };
    let max_positions = positions.common_rows();
    if positions.encoder.0 != max_positions || positions.decoder.0 != max_positions {
        notes.push(format!("position tables cut to their common length {max_positions}"));
    }
    let sinusoidal = generated
        || (is_sinusoidal(&positions.encoder.1, max_positions, d)
            && is_sinusoidal(&positions.decoder.1, max_positions, d));
    if !sinusoidal {
        positions.kind = PositionKind::Learned;
    }
    if generated {
        notes.push(format!(
            "position table generated as CTranslate2 does ([sin | cos] halves, position p at time p+1), {GENERATED_POSITIONS} rows"
        ));
    }
    Ok(positions)
}

fn quantization_label(seen: &BTreeMap<&'static str, usize>) -> &'static str {
    for q in ["int8", "int16", "float16", "bfloat16"] {
        if seen.contains_key(q) {
            return q;
        }
    }
    "float32"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_names_are_mapped_like_ctranslate2() {
        let cases = [
            ("transformer/encoder/w_embs:0", "encoder/embeddings/weight"),
            (
                "transformer/encoder/layer_0/multi_head/conv1d/kernel:0",
                "encoder/layer_0/self_attention/linear_0/weight",
            ),
            ("transformer/encoder/layer_0/multi_head/conv1d_1/bias:0", "encoder/layer_0/self_attention/linear_1/bias"),
            ("transformer/encoder/layer_0/ffn/LayerNorm/gamma:0", "encoder/layer_0/ffn/layer_norm/gamma"),
            (
                "transformer/decoder/layer_0/masked_multi_head/conv1d/kernel:0",
                "decoder/layer_0/self_attention/linear_0/weight",
            ),
            ("transformer/decoder/layer_0/multi_head/conv1d_2/kernel:0", "decoder/layer_0/attention/linear_2/weight"),
            ("transformer/decoder/dense/kernel:0", "decoder/projection/weight"),
            ("transformer/decoder/LayerNorm/beta:0", "decoder/layer_norm/beta"),
        ];
        for (v1, want) in cases {
            assert_eq!(map_v1_variable_name(v1), want);
        }
    }

    #[test]
    fn text_vocabulary_rules() {
        assert_eq!(parse_text_vocabulary("a\nb\n"), vec!["a", "b"]);
        assert_eq!(parse_text_vocabulary("a\nb"), vec!["a", "b"]);
        assert_eq!(parse_text_vocabulary("a\r\nb\r\n"), vec!["a", "b"]);
        // Not every line ends with \r: keep them.
        assert_eq!(parse_text_vocabulary("a\r\nb\n"), vec!["a\r", "b"]);
        assert_eq!(parse_text_vocabulary("a\n\nb\n"), vec!["a", "", "b"]);
    }

    #[test]
    fn generated_table_layout() {
        let d = 8;
        let t = ctranslate2_sinusoidal_table(3, d);
        assert_eq!(t.len(), 3 * d);
        // Row 0 is time 1: sin(1 * 1) in column 0, cos(1 * 1) in column d/2.
        assert!((t[0] - 1f32.sin()).abs() < 1e-6);
        assert!((t[d / 2] - 1f32.cos()).abs() < 1e-6);
        // Last timescale is exactly 1/10000.
        let last = (2f32 * 1e-4).sin();
        assert!((t[d + d / 2 - 1] - last).abs() < 1e-6);
    }

    #[test]
    fn dequantize_per_row_and_global() {
        let mut d = vec![127.0, -127.0, 10.0, 20.0];
        dequantize("w", &[2, 2], &mut d, &[127.0, 10.0]).unwrap();
        assert_eq!(d, vec![1.0, -1.0, 1.0, 2.0]);
        let mut d = vec![1000.0, 500.0];
        dequantize("w", &[2], &mut d, &[1000.0]).unwrap();
        assert_eq!(d, vec![1.0, 0.5]);
        assert!(dequantize("w", &[2, 2], &mut [0.0; 4], &[1.0, 2.0, 3.0]).is_err());
        assert!(dequantize("w", &[2, 2], &mut [0.0; 4], &[0.0]).is_err());
    }
}
