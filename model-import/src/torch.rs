//! PyTorch's `torch.save` file formats, read without Python.
//!
//! * **zip** (torch ≥ 1.6 default): `<folder>/data.pkl` is the pickled object, each storage is
//!   the stored (uncompressed) entry `<folder>/data/<key>`; the folder name is arbitrary.
//! * **legacy** (before 1.6, or `_use_new_zipfile_serialization=False`): five things one after
//!   another: a pickled magic number, a pickled protocol version, a pickled `sys_info` dict, the
//!   pickled object, a pickled list of storage keys, then for each key in that order a u64
//!   element count and the storage's raw little-endian bytes.
//!
//! In both, the object pickle names storages through persistent ids
//! `('storage', <storage class>, key, location, numel[, view_metadata])`, and tensors are
//! `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` views of them
//! (possibly non-contiguous, and several tensors may view one storage). The file's bytes
//! are kept in memory and a tensor's values are read only when asked for, so optimizer state
//! that the caller never touches costs no conversion.

use std::collections::HashMap;
use std::io::Cursor;
use std::rc::Rc;

use crate::error::ImportError;
use crate::pickle::{self, GlobalName, PersistentLoad, Value};

/// Element types of torch storages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    pub fn element_size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F64 | DType::F32 | DType::F16 | DType::BF16)
    }

    /// The dtype of a legacy storage class (`torch.FloatStorage`, `torch.cuda.HalfStorage` ...).
    pub fn from_storage_class(g: &GlobalName) -> Option<DType> {
        if g.module != "torch" && g.module != "torch.cuda" && g.module != "torch.storage" {
            return None;
        }
        Some(match g.name.as_str() {
            "DoubleStorage" => DType::F64,
            "FloatStorage" => DType::F32,
            "HalfStorage" => DType::F16,
            "BFloat16Storage" => DType::BF16,
            "LongStorage" => DType::I64,
            "IntStorage" => DType::I32,
            "ShortStorage" => DType::I16,
            "CharStorage" => DType::I8,
            "ByteStorage" | "UntypedStorage" => DType::U8,
            "BoolStorage" => DType::Bool,
            _ => return None,
        })
    }

    /// The dtype named by `torch.float32` and the like.
    pub fn from_torch_dtype(g: &GlobalName) -> Option<DType> {
        if g.module != "torch" {
            return None;
        }
        Some(match g.name.as_str() {
            "float64" | "double" => DType::F64,
            "float32" | "float" => DType::F32,
            "float16" | "half" => DType::F16,
            "bfloat16" => DType::BF16,
            "int64" | "long" => DType::I64,
            "int32" | "int" => DType::I32,
            "int16" | "short" => DType::I16,
            "int8" => DType::I8,
            "uint8" => DType::U8,
            "bool" => DType::Bool,
            _ => return None,
        })
    }
}

/// A storage named by a persistent id. `numel` elements starting `view_offset` elements into
/// the stored bytes of `key` (the offset is non-zero only for old torch's storage views).
#[derive(Clone, Debug, PartialEq)]
pub struct StorageRef {
    pub key: String,
    pub dtype: DType,
    pub numel: usize,
    pub view_offset: usize,
    pub location: String,
}

/// A tensor: a strided view of a storage (offset, size and stride in elements).
#[derive(Clone, Debug, PartialEq)]
pub struct TensorRef {
    pub storage: Rc<StorageRef>,
    pub offset: usize,
    pub size: Vec<usize>,
    pub stride: Vec<usize>,
}

impl TensorRef {
    /// The element count; `usize::MAX` when the (crafted) size overflows, which no storage
    /// can hold, so reading such a tensor is refused.
    pub fn numel(&self) -> usize {
        self.size.iter().try_fold(1usize, |a, &s| a.checked_mul(s)).unwrap_or(usize::MAX)
    }
    pub fn dtype(&self) -> DType {
        self.storage.dtype
    }
    /// Both tensors view the same elements of the same storage the same way.
    pub fn same_view(&self, other: &TensorRef) -> bool {
        self.storage.key == other.storage.key
            && self.storage.view_offset + self.offset == other.storage.view_offset + other.offset
            && self.size == other.size
            && self.stride == other.stride
            && self.storage.dtype == other.storage.dtype
    }
}

/// A tensor's elements, as indices into its storage in row-major order.
enum Walk {
    /// contiguous: `n` elements from this one
    Range(usize, usize),
    List(Vec<usize>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TorchFormat {
    Zip,
    Legacy,
}

impl TorchFormat {
    pub fn describe(self) -> &'static str {
        match self {
            TorchFormat::Zip => "torch zip format",
            TorchFormat::Legacy => "torch legacy format",
        }
    }
}

/// Where a storage's bytes are in the file.
#[derive(Clone, Copy, Debug)]
enum Span {
    Bytes {
        start: usize,
        len: usize,
    },
    /// A zip entry that is compressed: torch never writes these.
    Compressed,
}

/// A parsed `torch.save` file.
pub struct TorchFile {
    pub format: TorchFormat,
    /// The saved object.
    pub root: Value,
    bytes: Vec<u8>,
    storages: HashMap<String, Span>,
}

const LEGACY_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_PROTOCOL_VERSION: i64 = 1001;

/// Collects the storages the object pickle names.
#[derive(Default)]
struct StorageLoader {
    declared: HashMap<String, DType>,
    /// key order of first appearance, for messages
    order: Vec<String>,
}

impl PersistentLoad for StorageLoader {
    fn persistent_load(&mut self, pid: Value) -> Result<Value, String> {
        let items = match &pid {
            Value::Tuple(t) => t.to_vec(),
            other => return Err(format!("persistent id is a {}, expected a tuple", other.type_name())),
        };
        match items.first().and_then(Value::as_str) {
            Some("storage") => {}
            // torch.save(module) records module source code; no weights there.
            Some("module") => return Ok(Value::None),
            _ => return Err(format!("unknown persistent id {pid:?}")),
        }
        if items.len() < 5 {
            return Err(format!("storage persistent id {pid:?} has {} fields, needs 5", items.len()));
        }
        let dtype = match &items[1] {
            Value::Global(g) => DType::from_storage_class(g)
                .ok_or_else(|| format!("unsupported storage type {g} (not a plain float or integer storage)"))?,
            other => return Err(format!("storage type is a {}, expected a class", other.type_name())),
        };
        let key = match &items[2] {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            other => return Err(format!("storage key is a {}", other.type_name())),
        };
        let location = items[3].as_str().unwrap_or("").to_string();
        let numel = match items[4].as_int() {
            Some(n) if n >= 0 => n as usize,
            _ => return Err(format!("storage '{key}' has a bad element count {:?}", items[4])),
        };
        let (numel, view_offset) = match items.get(5) {
            None | Some(Value::None) => (numel, 0),
            Some(Value::Tuple(v)) if v.len() == 3 => {
                // (view_key, offset, view_size): a slice of the root storage.
                match (v[1].as_int(), v[2].as_int()) {
                    (Some(off), Some(sz)) if off >= 0 && sz >= 0 => (sz as usize, off as usize),
                    _ => return Err(format!("storage '{key}' has a bad view {:?}", items[5])),
                }
            }
            Some(other) => return Err(format!("storage '{key}' has a bad view {other:?}")),
        };
        match self.declared.get(&key) {
            Some(d) if *d != dtype => {
                return Err(format!("storage '{key}' is named with two element types ({d:?}, {dtype:?})"))
            }
            Some(_) => {}
            None => {
                self.declared.insert(key.clone(), dtype);
                self.order.push(key.clone());
            }
        }
        Ok(Value::Storage(Rc::new(StorageRef { key, dtype, numel, view_offset, location })))
    }
}

fn fmt_err(what: &str, e: impl std::fmt::Display) -> ImportError {
    ImportError::Format(format!("{what}: {e}"))
}

impl TorchFile {
    /// Parses a `torch.save` file held in memory.
    pub fn parse(bytes: Vec<u8>) -> Result<TorchFile, ImportError> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Self::parse_zip(bytes)
        } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
            Err(ImportError::Unsupported(
                "tar-format torch files (torch < 0.4) are not supported; load and re-save the file with a newer torch"
                    .into(),
            ))
        } else if bytes.is_empty() {
            Err(ImportError::Format("the file is empty".into()))
        } else {
            // Legacy files start with a pickle of any protocol (protocol 2, the default, opens
            // with 0x80; protocol 1 does not).
            Self::parse_legacy(bytes)
        }
    }

    fn parse_legacy(bytes: Vec<u8>) -> Result<TorchFile, ImportError> {
        let mut pos = 0usize;
        let (magic, n) = pickle::load_plain(&bytes)
            .map_err(|e| fmt_err("not a PyTorch checkpoint (neither a zip archive nor a torch legacy pickle)", e))?;
        pos += n;
        let magic_ok = match &magic {
            Value::BigInt(b) => {
                let mut b = b.to_vec();
                while b.len() > LEGACY_MAGIC.len() && b.last() == Some(&0) {
                    b.pop();
                }
                b == LEGACY_MAGIC
            }
            _ => false,
        };
        if !magic_ok {
            return Err(ImportError::Format(format!(
                "not a PyTorch checkpoint: a pickle of {magic:?} where torch's magic number belongs"
            )));
        }
        let (version, n) =
            pickle::load_plain(&bytes[pos..]).map_err(|e| fmt_err("torch legacy header (protocol version)", e))?;
        pos += n;
        if version.as_int() != Some(LEGACY_PROTOCOL_VERSION) {
            return Err(ImportError::Unsupported(format!(
                "torch legacy protocol version {version:?} (this reader knows {LEGACY_PROTOCOL_VERSION})"
            )));
        }
        let (sys_info, n) =
            pickle::load_plain(&bytes[pos..]).map_err(|e| fmt_err("torch legacy header (sys_info)", e))?;
        pos += n;
        if let Some(le) = sys_info.attr("little_endian") {
            if le.as_bool() == Some(false) {
                return Err(ImportError::Unsupported("checkpoint written on a big-endian machine".into()));
            }
        }
        let mut loader = StorageLoader::default();
        let (root, n) = pickle::load(&bytes[pos..], &mut loader).map_err(|e| fmt_err("checkpoint object pickle", e))?;
        pos += n;
        let (keys, n) = pickle::load_plain(&bytes[pos..]).map_err(|e| fmt_err("storage key list", e))?;
        pos += n;
        let keys =
            keys.as_seq().ok_or_else(|| ImportError::Format(format!("storage key list is a {}", keys.type_name())))?;
        let mut storages = HashMap::new();
        for k in keys {
            let key = match &k {
                Value::Str(s) => s.to_string(),
                Value::Int(i) => i.to_string(),
                other => return Err(ImportError::Format(format!("storage key is a {}", other.type_name()))),
            };
            let dtype = *loader.declared.get(&key).ok_or_else(|| {
                ImportError::Format(format!("storage '{key}' is stored but no tensor names it (corrupt file)"))
            })?;
            let truncated = || {
                ImportError::Format(format!(
                    "truncated: the file ends inside storage '{key}' (it is {} bytes long)",
                    bytes.len()
                ))
            };
            if bytes.len() - pos < 8 {
                return Err(truncated());
            }
            let count = u64::from_le_bytes(bytes[pos..pos + 8].try_into().expect("8 bytes"));
            pos += 8;
            let len = count
                .checked_mul(dtype.element_size() as u64)
                .filter(|&l| l <= (bytes.len() - pos) as u64)
                .ok_or_else(truncated)? as usize;
            storages.insert(key, Span::Bytes { start: pos, len });
            pos += len;
        }
        for key in &loader.order {
            if !storages.contains_key(key) {
                return Err(ImportError::Format(format!("storage '{key}' is named but not stored (corrupt file)")));
            }
        }
        Ok(TorchFile { format: TorchFormat::Legacy, root, bytes, storages })
    }

    fn parse_zip(bytes: Vec<u8>) -> Result<TorchFile, ImportError> {
        let mut entries: Vec<(String, Span)> = Vec::new();
        {
            let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..]))
                .map_err(|e| fmt_err("corrupt or truncated zip archive", e))?;
            for i in 0..zip.len() {
                let f = zip.by_index_raw(i).map_err(|e| fmt_err("corrupt zip entry", e))?;
                let name = f.name().to_string();
                let span = if f.compression() == zip::CompressionMethod::Stored {
                    let start = f.data_start();
                    let len = f.compressed_size();
                    match start.checked_add(len) {
                        Some(end) if end <= bytes.len() as u64 => {
                            Span::Bytes { start: start as usize, len: len as usize }
                        }
                        _ => {
                            return Err(ImportError::Format(format!(
                                "truncated: zip entry '{name}' extends past the end of the file"
                            )))
                        }
                    }
                } else {
                    Span::Compressed
                };
                entries.push((name, span));
            }
        }
        let pkl: Vec<&(String, Span)> =
            entries.iter().filter(|(n, _)| n.ends_with("/data.pkl") && n.matches('/').count() == 1).collect();
        let (pkl_name, pkl_span) = match pkl.as_slice() {
            [one] => (one.0.clone(), one.1),
            [] => {
                return Err(ImportError::Format(
                    "a zip archive without <folder>/data.pkl: not a PyTorch checkpoint".into(),
                ))
            }
            _ => return Err(ImportError::Format("a zip archive with several data.pkl files".into())),
        };
        let prefix = pkl_name[..pkl_name.len() - "data.pkl".len()].to_string();
        let entry = |name: &str| entries.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
        let slice = |span: Span, name: &str| -> Result<&[u8], ImportError> {
            match span {
                Span::Bytes { start, len } => Ok(&bytes[start..start + len]),
                Span::Compressed => Err(ImportError::Unsupported(format!("compressed zip entry '{name}'"))),
            }
        };
        if let Some(span) = entry(&format!("{prefix}byteorder")) {
            let order = slice(span, "byteorder")?;
            if order.trim_ascii() != b"little" {
                return Err(ImportError::Unsupported(format!(
                    "byte order '{}' (only little-endian checkpoints are read)",
                    String::from_utf8_lossy(order)
                )));
            }
        }
        let mut loader = StorageLoader::default();
        let pkl = slice(pkl_span, &pkl_name)?;
        let (root, _) = pickle::load(pkl, &mut loader).map_err(|e| fmt_err("checkpoint object pickle", e))?;
        let data_prefix = format!("{prefix}data/");
        let mut storages = HashMap::new();
        for (name, span) in &entries {
            if let Some(key) = name.strip_prefix(&data_prefix) {
                storages.insert(key.to_string(), *span);
            }
        }
        for key in &loader.order {
            if !storages.contains_key(key) {
                return Err(ImportError::Format(format!(
                    "storage '{key}' is named but {data_prefix}{key} is missing from the archive"
                )));
            }
        }
        Ok(TorchFile { format: TorchFormat::Zip, root, bytes, storages })
    }

    /// Where a tensor's elements are: the byte offset of its storage in the file and the
    /// element indices (into the storage) in row-major order.
    fn element_offsets(&self, t: &TensorRef) -> Result<(usize, Walk), String> {
        let span = self
            .storages
            .get(&t.storage.key)
            .ok_or_else(|| format!("storage '{}' is not in the file", t.storage.key))?;
        let (start, len) = match *span {
            Span::Bytes { start, len } => (start, len),
            Span::Compressed => return Err(format!("storage '{}' is a compressed zip entry", t.storage.key)),
        };
        let es = t.storage.dtype.element_size();
        let stored = len / es;
        let numel = t
            .size
            .iter()
            .try_fold(1usize, |a, &s| a.checked_mul(s))
            .ok_or_else(|| format!("tensor size {:?} overflows", t.size))?;
        if numel == 0 {
            return Ok((start, Walk::Range(0, 0)));
        }
        // Every element read is allocated, so a view may not claim more elements than its
        // storage holds in the file: a broadcast (stride-0) or overlapping view of a few bytes
        // could otherwise ask for terabytes. Saved weights are never such views (an expanded
        // tensor would be; reading it is refused rather than materialized).
        if numel > stored {
            return Err(format!(
                "tensor of size {:?} (stride {:?}) claims {numel} elements but its storage '{}' holds {stored} \
                 (a broadcast or overlapping view?)",
                t.size, t.stride, t.storage.key
            ));
        }
        // The last element the view touches, relative to its storage.
        let last = t
            .size
            .iter()
            .zip(&t.stride)
            .try_fold(0usize, |a, (&s, &st)| (s - 1).checked_mul(st).and_then(|x| x.checked_add(a)))
            .and_then(|x| x.checked_add(t.offset))
            .ok_or_else(|| format!("tensor strides {:?} overflow", t.stride))?;
        if last >= t.storage.numel {
            return Err(format!(
                "tensor of size {:?} (offset {}, stride {:?}) reaches element {} of a storage of {}",
                t.size, t.offset, t.stride, last, t.storage.numel
            ));
        }
        let last_stored = t.storage.view_offset.saturating_add(last);
        if last_stored >= stored {
            return Err(format!(
                "tensor reaches element {last_stored} of storage '{}' but the file holds {stored} (truncated?)",
                t.storage.key
            ));
        }
        // No overflow: base <= last_stored.
        let base = t.storage.view_offset + t.offset;
        // Row-major walk over the view.
        let rank = t.size.len();
        let contiguous = {
            let mut expect = 1usize;
            let mut ok = true;
            for d in (0..rank).rev() {
                if t.size[d] != 1 && t.stride[d] != expect {
                    ok = false;
                    break;
                }
                expect *= t.size[d];
            }
            ok
        };
        if contiguous {
            Ok((start, Walk::Range(base, numel)))
        } else {
            let mut offsets = Vec::with_capacity(numel);
            let mut idx = vec![0usize; rank];
            let mut cur = base;
            for _ in 0..numel {
                offsets.push(cur);
                for d in (0..rank).rev() {
                    idx[d] += 1;
                    cur += t.stride[d];
                    if idx[d] < t.size[d] {
                        break;
                    }
                    cur -= t.stride[d] * t.size[d];
                    idx[d] = 0;
                }
            }
            Ok((start, Walk::List(offsets)))
        }
    }

    /// A tensor's values as f32 (row-major), converting from f64/f16/bf16. Integer tensors
    /// are refused: weights are floats.
    pub fn tensor_f32(&self, t: &TensorRef) -> Result<Vec<f32>, String> {
        let dtype = t.storage.dtype;
        if !dtype.is_float() {
            return Err(format!("holds {dtype:?} values, expected floating point (a quantized model?)"));
        }
        let (start, offsets) = self.element_offsets(t)?;
        let es = dtype.element_size();
        let b = &self.bytes;
        let at = |e: usize| start + e * es;
        let read: fn(&[u8]) -> f32 = match dtype {
            DType::F32 => |x| f32::from_le_bytes([x[0], x[1], x[2], x[3]]),
            DType::F64 => |x| f64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]) as f32,
            DType::F16 => |x| half::f16::from_le_bytes([x[0], x[1]]).to_f32(),
            DType::BF16 => |x| half::bf16::from_le_bytes([x[0], x[1]]).to_f32(),
            _ => unreachable!("checked above"),
        };
        Ok(match offsets {
            Walk::Range(first, n) => b[at(first)..at(first + n)].chunks_exact(es).map(read).collect(),
            Walk::List(list) => list.iter().map(|&e| read(&b[at(e)..at(e) + es])).collect(),
        })
    }

    /// An integer (or bool) tensor's values as i64 (row-major).
    pub fn tensor_i64(&self, t: &TensorRef) -> Result<Vec<i64>, String> {
        let dtype = t.storage.dtype;
        if dtype.is_float() {
            return Err(format!("holds {dtype:?} values, expected integers"));
        }
        let (start, offsets) = self.element_offsets(t)?;
        let es = dtype.element_size();
        let b = &self.bytes;
        let at = |e: usize| start + e * es;
        let list: Vec<usize> = match offsets {
            Walk::Range(first, n) => (first..first + n).collect(),
            Walk::List(l) => l,
        };
        Ok(list
            .iter()
            .map(|&e| {
                let p = at(e);
                match dtype {
                    DType::I64 => i64::from_le_bytes(std::array::from_fn(|i| b[p + i])),
                    DType::I32 => i32::from_le_bytes(std::array::from_fn(|i| b[p + i])) as i64,
                    DType::I16 => i16::from_le_bytes([b[p], b[p + 1]]) as i64,
                    DType::I8 => b[p] as i8 as i64,
                    DType::U8 | DType::Bool => b[p] as i64,
                    _ => unreachable!("checked above"),
                }
            })
            .collect())
    }
}
