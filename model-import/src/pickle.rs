//! A safe subset of Python's pickle virtual machine: enough to read PyTorch checkpoints
//! (OpenNMT-py's included) without Python.
//!
//! Nothing is ever imported or executed. A `GLOBAL`/`STACK_GLOBAL` only names a class or
//! function. Calls (`REDUCE`, `NEWOBJ`, `INST`, `OBJ`) of a short allow-list are interpreted:
//! the containers (`collections.OrderedDict`, `defaultdict`, `Counter`, `builtins.set`,
//! `frozenset`, `list`, `tuple`, `dict`, `bytearray`, `_codecs.encode`, `copyreg._reconstructor`),
//! `torch.Size` and torch's tensor rebuild functions. A call of anything else yields an
//! opaque [`Object`] that keeps the class name and absorbs later `BUILD` state and items, so
//! a checkpoint carrying classes this reader does not know (torchtext fields, argparse
//! namespaces, optimizer internals) still loads and its attributes can be read.
//!
//! Lists, dicts and sets are shared by reference (`Rc<RefCell<..>>`): a list memoized and
//! fetched again (`BINPUT` ... `BINGET`) is the same list, so items appended through either
//! reference are seen through both, as in Python.
//!
//! Every read is bounds-checked; a truncated or garbage pickle gives a [`PickleError`] naming
//! the byte offset and the problem, never a panic. Memory use stays proportional to the input
//! (interpreted calls that copy their arguments, and hashing dict keys, draw on a work budget
//! tied to the input's size; a key of more than [`MAX_KEY_NODES`] values is not hashed, so
//! shared sub-tuples are never walked again and again), interpreted calls nest at
//! most [`MAX_NESTED_CALLS`] deep, and dropping a deeply nested value does not recurse (hence
//! `Value` implements `Drop`: match on `&value` to bind its contents). Reference cycles, which
//! only crafted checkpoints contain, are leaked rather than freed.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use crate::torch::{DType, StorageRef, TensorRef};

/// A pickle that could not be read: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("pickle byte {offset}: {message}")]
pub struct PickleError {
    pub offset: usize,
    pub message: String,
}

/// A `module.name` reference (never imported).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalName {
    pub module: String,
    pub name: String,
}

impl GlobalName {
    pub fn new(module: &str, name: &str) -> Self {
        // Python 2 pickles name these modules differently.
        let module = match module {
            "__builtin__" => "builtins",
            "copy_reg" => "copyreg",
            m => m,
        };
        GlobalName { module: module.to_string(), name: name.to_string() }
    }
    pub fn is(&self, module: &str, name: &str) -> bool {
        self.module == module && self.name == name
    }
}

impl fmt::Display for GlobalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

pub type ListRef = Rc<RefCell<Vec<Value>>>;
pub type DictRef = Rc<RefCell<Dict>>;
pub type ObjectRef = Rc<RefCell<Object>>;

/// A Python value as far as this reader understands it.
#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer beyond 64 bits: little-endian two's complement bytes.
    BigInt(Rc<[u8]>),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Rc<[Value]>),
    List(ListRef),
    /// dict, OrderedDict, defaultdict and Counter alike (insertion-ordered).
    Dict(DictRef),
    /// set and frozenset (insertion-ordered, not deduplicated).
    Set(ListRef),
    /// A class or function named by the pickle.
    Global(Rc<GlobalName>),
    /// An instance of a class this reader does not interpret.
    Object(ObjectRef),
    /// A torch storage (from a persistent id).
    Storage(Rc<StorageRef>),
    /// A torch tensor: a view of a storage.
    Tensor(Rc<TensorRef>),
}

/// An instance of a class the reader does not interpret: its class, constructor arguments,
/// `BUILD` state and any items appended or set on it.
#[derive(Clone, Debug)]
pub struct Object {
    pub class: GlobalName,
    pub args: Vec<Value>,
    pub state: Option<Value>,
    pub list_items: Vec<Value>,
    pub dict_items: Vec<(Value, Value)>,
}

impl Object {
    fn new(class: GlobalName, args: Vec<Value>) -> Self {
        Object { class, args, state: None, list_items: Vec::new(), dict_items: Vec::new() }
    }

    /// An attribute from the `BUILD` state: the instance `__dict__`, or Python's
    /// `(__dict__, slot state)` pair. Only that one level is searched (as Python's `BUILD`
    /// does), never deeper: a crafted state can nest tuples far deeper than the stack.
    pub fn attr(&self, name: &str) -> Option<Value> {
        let in_dict = |v: &Value| match v {
            Value::Dict(d) => d.borrow().get_str(name).cloned(),
            _ => None,
        };
        match self.state.as_ref()? {
            Value::Tuple(t) => t.iter().find_map(in_dict),
            other => in_dict(other),
        }
    }

    /// Names of all attributes in the state, in order.
    pub fn attr_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |d: &DictRef| {
            for (k, _) in d.borrow().entries() {
                if let Value::Str(s) = k {
                    out.push(s.to_string());
                }
            }
        };
        match &self.state {
            Some(Value::Dict(d)) => add(d),
            Some(Value::Tuple(t)) => {
                for s in t.iter() {
                    if let Value::Dict(d) = s {
                        add(d)
                    }
                }
            }
            _ => {}
        }
        out
    }
}

/// The hashable part of a value, used to find dict keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    None,
    Int(i64),
    BigInt(Rc<[u8]>),
    Float(u64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Vec<Key>),
    Global(Rc<GlobalName>),
    /// Objects hash by identity in Python.
    Ptr(usize),
}

impl Key {
    /// The key of `v` (None if unhashable) and the number of values walked to make it.
    fn of(v: &Value) -> (Option<Key>, usize) {
        let mut left = MAX_KEY_NODES;
        let key = Key::walk(v, &mut left);
        (key, MAX_KEY_NODES - left)
    }

    /// Walks at most `left` values. A tuple's items may be shared (memoized and fetched
    /// again), so a key of a few hundred bytes can stand for a tree of 2^64 values: counting
    /// values walked, not depth, is what bounds the time and memory.
    fn walk(v: &Value, left: &mut usize) -> Option<Key> {
        *left = left.checked_sub(1)?;
        Some(match v {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i64),
            Value::Int(i) => Key::Int(*i),
            Value::BigInt(b) => Key::BigInt(b.clone()),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Key::Int(*f as i64)
                } else {
                    Key::Float(f.to_bits())
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Bytes(b) => Key::Bytes(b.clone()),
            Value::Tuple(t) => Key::Tuple(t.iter().map(|x| Key::walk(x, left)).collect::<Option<Vec<_>>>()?),
            Value::Global(g) => Key::Global(g.clone()),
            Value::Object(o) => Key::Ptr(Rc::as_ptr(o) as *const u8 as usize),
            Value::Storage(s) => Key::Ptr(Rc::as_ptr(s) as *const u8 as usize),
            Value::Tensor(t) => Key::Ptr(Rc::as_ptr(t) as *const u8 as usize),
            Value::List(_) | Value::Dict(_) | Value::Set(_) => return None,
        })
    }
}

/// An insertion-ordered dict. Hashable keys are deduplicated (a later set replaces the value,
/// as in Python); unhashable keys, which Python would refuse, are kept as they come.
#[derive(Clone, Default)]
pub struct Dict {
    entries: Vec<(Value, Value)>,
    index: HashMap<Key, usize>,
}

impl Dict {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, k: Value, v: Value) {
        self.insert_counted(k, v);
    }
    /// [`Dict::insert`], returning the work it took (values walked to hash the key), which the
    /// VM charges to its budget.
    fn insert_counted(&mut self, k: Value, v: Value) -> usize {
        let (key, cost) = Key::of(&k);
        if let Some(key) = key {
            if let Some(&i) = self.index.get(&key) {
                self.entries[i].1 = v;
                return cost;
            }
            self.index.insert(key, self.entries.len());
        }
        self.entries.push((k, v));
        cost
    }
    pub fn get(&self, k: &Value) -> Option<&Value> {
        let key = Key::of(k).0?;
        self.index.get(&key).map(|&i| &self.entries[i].1)
    }
    pub fn get_str(&self, k: &str) -> Option<&Value> {
        self.index.get(&Key::Str(Rc::from(k))).map(|&i| &self.entries[i].1)
    }
    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn new_list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }
    pub fn new_dict(d: Dict) -> Value {
        Value::Dict(Rc::new(RefCell::new(d)))
    }

    /// A short description of the value's type for error messages.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::List(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Global(g) => format!("reference to {g}"),
            Value::Object(o) => format!("{} object", o.borrow().class),
            Value::Storage(_) => "torch storage".into(),
            Value::Tensor(_) => "tensor".into(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::Bool(b) => Some(*b as i64 as f64),
            _ => None,
        }
    }
    /// Python truthiness for the simple types; None for containers and objects.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::Float(f) => Some(*f != 0.0),
            Value::None => Some(false),
            Value::Str(s) => Some(!s.is_empty()),
            _ => None,
        }
    }
    /// Items of a list, tuple or set (a snapshot).
    pub fn as_seq(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(l) | Value::Set(l) => Some(l.borrow().clone()),
            Value::Tuple(t) => Some(t.to_vec()),
            _ => None,
        }
    }
    pub fn as_dict(&self) -> Option<DictRef> {
        match self {
            Value::Dict(d) => Some(d.clone()),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<ObjectRef> {
        match self {
            Value::Object(o) => Some(o.clone()),
            _ => None,
        }
    }
    pub fn as_tensor(&self) -> Option<Rc<TensorRef>> {
        match self {
            Value::Tensor(t) => Some(t.clone()),
            _ => None,
        }
    }
    /// `getattr(obj, name)` for objects, `d[name]` for dicts.
    pub fn attr(&self, name: &str) -> Option<Value> {
        match self {
            Value::Object(o) => o.borrow().attr(name),
            Value::Dict(d) => d.borrow().get_str(name).cloned(),
            _ => None,
        }
    }
    /// The class name of an object, if this is one.
    pub fn class_name(&self) -> Option<String> {
        match self {
            Value::Object(o) => Some(o.borrow().class.to_string()),
            _ => None,
        }
    }

    /// Values reach error messages: the text stays short however the (shared, nested) value
    /// is made, as at most `left` values are written and long text is clipped.
    fn fmt_depth(&self, f: &mut fmt::Formatter<'_>, depth: usize, left: &Cell<usize>) -> fmt::Result {
        const MAX_ITEMS: usize = 8;
        if depth > 4 || left.get() == 0 {
            return write!(f, "...");
        }
        left.set(left.get() - 1);
        let seq = |f: &mut fmt::Formatter<'_>, open: &str, close: &str, items: &[Value]| -> fmt::Result {
            write!(f, "{open}")?;
            for (i, v) in items.iter().take(MAX_ITEMS).enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                v.fmt_depth(f, depth + 1, left)?;
            }
            if items.len() > MAX_ITEMS {
                write!(f, ", ... ({} items)", items.len())?;
            }
            write!(f, "{close}")
        };
        match self {
            Value::None => write!(f, "None"),
            Value::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::BigInt(b) => write!(f, "<int of {} bytes>", b.len()),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => match clip(s) {
                (s, false) => write!(f, "{s:?}"),
                (head, true) => write!(f, "{head:?}... ({} bytes)", s.len()),
            },
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
            Value::Tuple(t) => seq(f, "(", ")", t),
            Value::List(l) => match l.try_borrow() {
                Ok(l) => seq(f, "[", "]", &l),
                Err(_) => write!(f, "[...]"),
            },
            Value::Set(l) => match l.try_borrow() {
                Ok(l) => seq(f, "{", "}", &l),
                Err(_) => write!(f, "{{...}}"),
            },
            Value::Dict(d) => match d.try_borrow() {
                Ok(d) => {
                    write!(f, "{{")?;
                    for (i, (k, v)) in d.entries().iter().take(MAX_ITEMS).enumerate() {
                        if i > 0 {
                            write!(f, ", ")?;
                        }
                        k.fmt_depth(f, depth + 1, left)?;
                        write!(f, ": ")?;
                        v.fmt_depth(f, depth + 1, left)?;
                    }
                    if d.len() > MAX_ITEMS {
                        write!(f, ", ... ({} items)", d.len())?;
                    }
                    write!(f, "}}")
                }
                Err(_) => write!(f, "{{...}}"),
            },
            Value::Global(g) => write!(f, "<{}>", clip(&g.to_string()).0),
            Value::Object(o) => match o.try_borrow() {
                Ok(o) => write!(f, "<{} object>", clip(&o.class.to_string()).0),
                Err(_) => write!(f, "<object>"),
            },
            Value::Storage(s) => write!(f, "<{:?} storage '{}'>", s.dtype, clip(&s.key).0),
            Value::Tensor(t) if t.size.len() > MAX_ITEMS => {
                write!(f, "<{:?} tensor of rank {}>", t.storage.dtype, t.size.len())
            }
            Value::Tensor(t) => write!(f, "<{:?} tensor {:?}>", t.storage.dtype, t.size),
        }
    }
}

/// At most this many values are written by `{:?}` of a value.
const MAX_FMT_VALUES: usize = 64;

/// A prefix of at most 64 bytes (on a character boundary), and whether `s` was longer.
fn clip(s: &str) -> (&str, bool) {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return (s, false);
    }
    let end = (0..=MAX).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    (&s[..end], true)
}

/// Dropping deeply nested values (a crafted pickle can nest lists a million deep) must not
/// recurse: uniquely owned children are moved to a work list and dropped one by one.
impl Drop for Value {
    fn drop(&mut self) {
        fn take_children(v: &mut Value, out: &mut Vec<Value>) {
            match v {
                Value::Tuple(t) => {
                    if let Some(items) = Rc::get_mut(t) {
                        out.extend(items.iter_mut().map(|x| std::mem::replace(x, Value::None)));
                    }
                }
                Value::List(l) | Value::Set(l) if Rc::strong_count(l) == 1 => {
                    if let Ok(mut items) = l.try_borrow_mut() {
                        out.append(&mut items);
                    }
                }
                Value::Dict(d) if Rc::strong_count(d) == 1 => {
                    if let Ok(mut d) = d.try_borrow_mut() {
                        d.index.clear();
                        for (k, v) in d.entries.drain(..) {
                            out.push(k);
                            out.push(v);
                        }
                    }
                }
                Value::Object(o) if Rc::strong_count(o) == 1 => {
                    if let Ok(mut o) = o.try_borrow_mut() {
                        out.append(&mut o.args);
                        out.append(&mut o.list_items);
                        out.extend(o.state.take());
                        for (k, v) in o.dict_items.drain(..) {
                            out.push(k);
                            out.push(v);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut pending = Vec::new();
        take_children(self, &mut pending);
        while let Some(mut v) = pending.pop() {
            take_children(&mut v, &mut pending);
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_depth(f, 0, &Cell::new(MAX_FMT_VALUES))
    }
}

/// What the caller supplies to the VM.
pub trait PersistentLoad {
    /// Turns a persistent id (`PERSID`/`BINPERSID`) into a value.
    fn persistent_load(&mut self, pid: Value) -> Result<Value, String>;
}

/// For pickles that must not contain persistent ids.
pub struct NoPersistentLoad;

impl PersistentLoad for NoPersistentLoad {
    fn persistent_load(&mut self, pid: Value) -> Result<Value, String> {
        Err(format!("unexpected persistent id {pid:?} (this pickle is not a torch checkpoint part)"))
    }
}

/// Reads one pickle from the start of `data`. Returns the value and the number of bytes the
/// pickle took (the `STOP` opcode included), so sequential pickles can be read one by one.
pub fn load(data: &[u8], persistent: &mut dyn PersistentLoad) -> Result<(Value, usize), PickleError> {
    let mut m = Machine {
        data,
        pos: 0,
        op_pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        persistent,
        call_depth: 0,
        budget: data.len().saturating_mul(16).saturating_add(1 << 20),
    };
    let v = m.run()?;
    Ok((v, m.pos))
}

/// [`load`] for a pickle without persistent ids.
pub fn load_plain(data: &[u8]) -> Result<(Value, usize), PickleError> {
    load(data, &mut NoPersistentLoad)
}

struct Machine<'a, 'p> {
    data: &'a [u8],
    pos: usize,
    op_pos: usize,
    stack: Vec<Value>,
    marks: Vec<Vec<Value>>,
    memo: HashMap<u64, Value>,
    persistent: &'p mut dyn PersistentLoad,
    call_depth: usize,
    /// Work left: items that interpreted calls may still copy (`OrderedDict(d)`, `list(x)` ...
    /// copy their argument) and values that hashing dict keys may still walk. Bounded so that
    /// a small crafted pickle cannot expand or spin without limit; other opcodes do work
    /// proportional to the bytes they read.
    budget: usize,
}

pub const MAX_NESTED_CALLS: usize = 16;
/// A dict key made of more values than this (tuples of tuples ...) is treated as unhashable
/// (Python would manage, but no checkpoint needs it, and hashing must stay cheap and its
/// recursion shallow).
pub const MAX_KEY_NODES: usize = 256;

type R<T> = Result<T, PickleError>;

impl<'a, 'p> Machine<'a, 'p> {
    fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(PickleError { offset: self.op_pos, message: message.into() })
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let data: &'a [u8] = self.data;
        if n > data.len() - self.pos {
            return Err(PickleError {
                offset: self.op_pos,
                message: format!(
                    "truncated: needs {n} more bytes, {} left (the file is cut short or not a pickle)",
                    data.len() - self.pos
                ),
            });
        }
        let s = &data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> R<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> R<i32> {
        Ok(self.u32()? as i32)
    }
    fn u64(&mut self) -> R<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn len_usize(&mut self, n: u64) -> R<usize> {
        if n > (self.data.len() - self.pos) as u64 {
            return self.err(format!(
                "truncated: an item of {n} bytes is announced, {} bytes left",
                self.data.len() - self.pos
            ));
        }
        Ok(n as usize)
    }
    fn line(&mut self) -> R<&'a [u8]> {
        let data: &'a [u8] = self.data;
        let rest = &data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.pos += i + 1;
                Ok(&rest[..i])
            }
            None => self.err("truncated: text argument without its newline"),
        }
    }
    fn line_str(&mut self) -> R<&'a str> {
        let l = self.line()?;
        match std::str::from_utf8(l) {
            Ok(s) => Ok(s.trim_end_matches('\r')),
            Err(_) => self.err("text argument is not valid text"),
        }
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }
    fn pop(&mut self) -> R<Value> {
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => self.err("stack underflow (malformed pickle)"),
        }
    }
    fn top(&self) -> R<&Value> {
        match self.stack.last() {
            Some(v) => Ok(v),
            None => self.err("stack underflow (malformed pickle)"),
        }
    }
    fn pop_mark(&mut self) -> R<Vec<Value>> {
        match self.marks.pop() {
            Some(prev) => Ok(std::mem::replace(&mut self.stack, prev)),
            None => self.err("MARK expected but none is open (malformed pickle)"),
        }
    }

    fn run(&mut self) -> R<Value> {
        loop {
            self.op_pos = self.pos;
            let op = match self.take(1) {
                Ok(b) => b[0],
                Err(_) => return self.err("truncated: the pickle ends before its STOP opcode"),
            };
            match op {
                // ---- protocol framing
                0x80 => {
                    let p = self.u8()?;
                    if p > 5 {
                        return self.err(format!("unsupported pickle protocol {p}"));
                    }
                }
                0x95 => {
                    self.u64()?; // FRAME: a hint only
                }
                b'.' => {
                    let v = self.pop()?;
                    return Ok(v);
                }
                // ---- stack manipulation
                b'(' => {
                    let prev = std::mem::take(&mut self.stack);
                    self.marks.push(prev);
                }
                b'0' => {
                    if self.stack.is_empty() {
                        self.pop_mark()?;
                    } else {
                        self.pop()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v);
                }
                // ---- constants
                b'N' => self.push(Value::None),
                0x88 => self.push(Value::Bool(true)),
                0x89 => self.push(Value::Bool(false)),
                b'I' => {
                    let s = self.line_str()?;
                    let v = match s {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        s => self.parse_int_text(s)?,
                    };
                    self.push(v);
                }
                b'J' => {
                    let v = self.i32()?;
                    self.push(Value::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(v as i64));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(v as i64));
                }
                b'L' => {
                    let s = self.line_str()?;
                    let v = self.parse_int_text(s.trim_end_matches('L'))?;
                    self.push(v);
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    self.push(decode_long(b));
                }
                0x8b => {
                    let n = self.i32()?;
                    if n < 0 {
                        return self.err("LONG4 with a negative length");
                    }
                    let n = self.len_usize(n as u64)?;
                    let b = self.take(n)?;
                    self.push(decode_long(b));
                }
                b'F' => {
                    let s = self.line_str()?;
                    match s.trim().parse::<f64>() {
                        Ok(f) => self.push(Value::Float(f)),
                        Err(_) => return self.err(format!("FLOAT with a bad number '{s}'")),
                    }
                }
                b'G' => {
                    let b = self.take(8)?;
                    self.push(Value::Float(f64::from_be_bytes(b.try_into().expect("8 bytes"))));
                }
                // ---- strings and bytes
                b'S' => {
                    let l = self.line()?;
                    let bytes = match unquote_py_string(l) {
                        Some(b) => b,
                        None => return self.err("STRING argument is not a quoted string"),
                    };
                    self.push(py2_str(&bytes));
                }
                b'T' => {
                    let n = self.i32()?;
                    if n < 0 {
                        return self.err("BINSTRING with a negative length");
                    }
                    let n = self.len_usize(n as u64)?;
                    let b = self.take(n)?;
                    self.push(py2_str(b));
                }
                b'U' => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    self.push(py2_str(b));
                }
                b'B' => {
                    let n = self.u32()? as u64;
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    self.push(Value::Bytes(Rc::from(b)));
                }
                b'C' => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    self.push(Value::Bytes(Rc::from(b)));
                }
                0x8e | 0x96 => {
                    let n = self.u64()?;
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    self.push(Value::Bytes(Rc::from(b)));
                }
                b'V' => {
                    let l = self.line()?;
                    match decode_raw_unicode_escape(l) {
                        Some(s) => self.push(Value::Str(Rc::from(s.as_str()))),
                        None => return self.err("UNICODE argument has a bad escape"),
                    }
                }
                b'X' => {
                    let n = self.u32()? as u64;
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    let s = self.utf8(b)?;
                    self.push(s);
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    let s = self.utf8(b)?;
                    self.push(s);
                }
                0x8d => {
                    let n = self.u64()?;
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    let s = self.utf8(b)?;
                    self.push(s);
                }
                // ---- tuples
                b')' => self.push(Value::Tuple(Rc::from(Vec::new()))),
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Value::Tuple(Rc::from(items)));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return self.err("stack underflow building a tuple");
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push(Value::Tuple(Rc::from(items)));
                }
                // ---- lists
                b']' => self.push(Value::new_list(Vec::new())),
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Value::new_list(items));
                }
                b'a' => {
                    let v = self.pop()?;
                    self.append(vec![v])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.append(items)?;
                }
                // ---- dicts
                b'}' => self.push(Value::new_dict(Dict::new())),
                b'd' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return self.err("DICT with an odd number of items");
                    }
                    let mut d = Dict::new();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        let cost = d.insert_counted(k, v);
                        self.charge(cost)?;
                    }
                    self.push(Value::new_dict(d));
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return self.err("SETITEMS with an odd number of items");
                    }
                    self.set_items(items)?;
                }
                // ---- sets
                0x8f => self.push(Value::Set(Rc::new(RefCell::new(Vec::new())))),
                0x90 => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        Value::Set(s) => s.borrow_mut().extend(items),
                        Value::Object(o) => o.borrow_mut().list_items.extend(items),
                        other => return self.err(format!("ADDITEMS to a {}", other.type_name())),
                    }
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    self.push(Value::Set(Rc::new(RefCell::new(items))));
                }
                // ---- memo
                b'p' => {
                    let s = self.line_str()?;
                    let k = self.parse_memo_key(s)?;
                    self.memo_put(k)?;
                }
                b'q' => {
                    let k = self.u8()? as u64;
                    self.memo_put(k)?;
                }
                b'r' => {
                    let k = self.u32()? as u64;
                    self.memo_put(k)?;
                }
                0x94 => {
                    let k = self.memo.len() as u64;
                    self.memo_put(k)?;
                }
                b'g' => {
                    let s = self.line_str()?;
                    let k = self.parse_memo_key(s)?;
                    self.memo_get(k)?;
                }
                b'h' => {
                    let k = self.u8()? as u64;
                    self.memo_get(k)?;
                }
                b'j' => {
                    let k = self.u32()? as u64;
                    self.memo_get(k)?;
                }
                // ---- classes, calls, objects
                b'c' => {
                    let module = self.line_str()?;
                    let name = self.line_str()?;
                    self.push(Value::Global(Rc::new(GlobalName::new(module, name))));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module.as_str(), name.as_str()) {
                        (Some(m), Some(n)) => {
                            let g = GlobalName::new(m, n);
                            self.push(Value::Global(Rc::new(g)));
                        }
                        _ => return self.err("STACK_GLOBAL needs two strings"),
                    }
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let args = self.args_of(args)?;
                    let v = self.call(callable, args, false)?;
                    self.push(v);
                }
                0x81 => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.args_of(args)?;
                    let v = self.call(cls, args, true)?;
                    self.push(v);
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.args_of(args)?;
                    let v = self.call(cls, args, true)?;
                    self.push(v);
                }
                b'i' => {
                    let module = self.line_str()?;
                    let name = self.line_str()?;
                    let g = Value::Global(Rc::new(GlobalName::new(module, name)));
                    let args = self.pop_mark()?;
                    let v = self.call(g, args, true)?;
                    self.push(v);
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return self.err("OBJ without a class");
                    }
                    let cls = items.remove(0);
                    let v = self.call(cls, items, true)?;
                    self.push(v);
                }
                b'b' => {
                    let state = self.pop()?;
                    let target = self.top()?.clone();
                    self.charge(shallow_len(&state))?;
                    let cost = build(&target, state);
                    self.charge(cost)?;
                }
                // ---- persistent ids
                b'P' => {
                    let s = self.line_str()?;
                    let pid = Value::str(s);
                    let v = self.persistent.persistent_load(pid).or_else(|m| self.err(m))?;
                    self.push(v);
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let v = self.persistent.persistent_load(pid).or_else(|m| self.err(m))?;
                    self.push(v);
                }
                0x82..=0x84 => return self.err("extension-registry codes (EXT1/2/4) are not supported"),
                0x97 => return self.err("out-of-band buffers (NEXT_BUFFER) are not supported"),
                0x98 => {} // READONLY_BUFFER: no-op for us
                other => {
                    return self.err(format!("unknown opcode 0x{other:02x} (not a pickle, or a corrupt one)"));
                }
            }
        }
    }

    fn utf8(&self, b: &[u8]) -> R<Value> {
        match std::str::from_utf8(b) {
            Ok(s) => Ok(Value::Str(Rc::from(s))),
            // Python writes lone surrogates with 'surrogatepass'; keep such text readable.
            Err(_) => Ok(Value::Str(Rc::from(String::from_utf8_lossy(b).as_ref()))),
        }
    }

    fn parse_int_text(&self, s: &str) -> R<Value> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        match decimal_to_twos_complement(s) {
            Some(b) => Ok(Value::BigInt(Rc::from(b))),
            None => self.err(format!("bad integer '{s}'")),
        }
    }

    fn parse_memo_key(&self, s: &str) -> R<u64> {
        match s.trim().parse::<u64>() {
            Ok(k) => Ok(k),
            Err(_) => self.err(format!("bad memo key '{s}'")),
        }
    }

    fn memo_put(&mut self, k: u64) -> R<()> {
        let v = self.top()?.clone();
        self.memo.insert(k, v);
        Ok(())
    }

    fn memo_get(&mut self, k: u64) -> R<()> {
        match self.memo.get(&k) {
            Some(v) => {
                let v = v.clone();
                self.push(v);
                Ok(())
            }
            None => self.err(format!("memo entry {k} is used before it is stored (malformed pickle)")),
        }
    }

    fn append(&mut self, items: Vec<Value>) -> R<()> {
        match self.top()? {
            Value::List(l) => l.borrow_mut().extend(items),
            Value::Set(s) => s.borrow_mut().extend(items),
            Value::Object(o) => o.borrow_mut().list_items.extend(items),
            other => return self.err(format!("APPEND to a {}", other.type_name())),
        }
        Ok(())
    }

    fn set_items(&mut self, items: Vec<Value>) -> R<()> {
        let target = self.top()?.clone();
        let mut it = items.into_iter();
        match &target {
            Value::Dict(d) => {
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    let cost = d.borrow_mut().insert_counted(k, v);
                    self.charge(cost)?;
                }
            }
            Value::Object(o) => {
                let mut o = o.borrow_mut();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    o.dict_items.push((k, v));
                }
            }
            other => return self.err(format!("SETITEM on a {}", other.type_name())),
        }
        Ok(())
    }

    fn charge(&mut self, n: usize) -> R<()> {
        if n > self.budget {
            return self.err("the pickle expands far beyond its own size (crafted input?)");
        }
        self.budget -= n;
        Ok(())
    }

    fn args_of(&mut self, args: Value) -> R<Vec<Value>> {
        self.charge(shallow_len(&args))?;
        match &args {
            Value::Tuple(t) => Ok(t.to_vec()),
            Value::List(l) => Ok(l.borrow().clone()),
            Value::None => Ok(Vec::new()),
            other => self.err(format!("call arguments must be a tuple, got a {}", other.type_name())),
        }
    }

    /// `callable(*args)` for the allow-listed callables; an opaque object for any other.
    /// `new` is set for `NEWOBJ`/`INST`/`OBJ` (`cls.__new__(cls, *args)`).
    fn call(&mut self, callable: Value, args: Vec<Value>, new: bool) -> R<Value> {
        // Interpreted calls copy at most one level of their arguments.
        self.charge(args.len() + args.iter().map(shallow_len).sum::<usize>())?;
        let g = match &callable {
            Value::Global(g) => g.clone(),
            other => {
                let name = GlobalName::new("<call>", &other.type_name());
                return Ok(Value::Object(Rc::new(RefCell::new(Object::new(name, args)))));
            }
        };
        let arg = |i: usize| args.get(i).cloned();
        let m = g.module.as_str();
        let n = g.name.as_str();
        let v = match (m, n) {
            ("collections", "OrderedDict") | ("builtins", "dict") | ("collections", "Counter") => {
                let mut d = Dict::new();
                if let Some(src) = arg(0) {
                    let cost = fill_dict(&mut d, &src);
                    self.charge(cost)?;
                }
                Value::new_dict(d)
            }
            ("collections", "defaultdict") => {
                // defaultdict(default_factory[, mapping]): the factory is never called.
                let mut d = Dict::new();
                if let Some(src) = arg(1) {
                    let cost = fill_dict(&mut d, &src);
                    self.charge(cost)?;
                }
                Value::new_dict(d)
            }
            ("builtins", "set") | ("builtins", "frozenset") => {
                let items = arg(0).and_then(|a| iter_items(&a)).unwrap_or_default();
                Value::Set(Rc::new(RefCell::new(items)))
            }
            ("builtins", "list") => Value::new_list(arg(0).and_then(|a| iter_items(&a)).unwrap_or_default()),
            ("builtins", "tuple") | ("torch", "Size") => {
                Value::Tuple(Rc::from(arg(0).and_then(|a| iter_items(&a)).unwrap_or_default()))
            }
            ("builtins", "bytearray") | ("builtins", "bytes") => match &arg(0) {
                None => Value::Bytes(Rc::from(Vec::new())),
                Some(b @ Value::Bytes(_)) => b.clone(),
                Some(Value::Str(s)) => encode_str(s, arg(1).as_ref().and_then(Value::as_str).unwrap_or("utf-8"))
                    .map(|b| Value::Bytes(Rc::from(b)))
                    .unwrap_or_else(|| opaque(&g, args.clone())),
                Some(a) => match iter_items(a) {
                    Some(items) => {
                        let bytes: Option<Vec<u8>> =
                            items.iter().map(|v| v.as_int().and_then(|i| u8::try_from(i).ok())).collect();
                        match bytes {
                            Some(b) => Value::Bytes(Rc::from(b)),
                            None => opaque(&g, args.clone()),
                        }
                    }
                    None => opaque(&g, args.clone()),
                },
            },
            ("_codecs", "encode") => match (&arg(0), arg(1)) {
                (Some(Value::Str(s)), enc) => {
                    let enc = enc.as_ref().and_then(Value::as_str).unwrap_or("utf-8").to_string();
                    match encode_str(s, &enc) {
                        Some(b) => Value::Bytes(Rc::from(b)),
                        None => opaque(&g, args.clone()),
                    }
                }
                _ => opaque(&g, args.clone()),
            },
            ("copyreg", "_reconstructor") => {
                // _reconstructor(cls, base, state): an instance of cls.
                match &arg(0) {
                    Some(Value::Global(cls)) if !new => {
                        let base_is_container = matches!(&arg(1), Some(Value::Global(b)) if b.is("builtins", "dict"));
                        if base_is_container || cls.is("collections", "OrderedDict") {
                            let mut d = Dict::new();
                            if let Some(s) = arg(2) {
                                let cost = fill_dict(&mut d, &s);
                                self.charge(cost)?;
                            }
                            Value::new_dict(d)
                        } else {
                            Value::Object(Rc::new(RefCell::new(Object::new((**cls).clone(), Vec::new()))))
                        }
                    }
                    _ => opaque(&g, args.clone()),
                }
            }
            ("copyreg", "__newobj__") => match arg(0) {
                Some(cls) => return self.nested_call(cls, args[1..].to_vec(), true),
                None => opaque(&g, args.clone()),
            },
            ("torch._utils", "_rebuild_tensor") | ("torch._utils", "_rebuild_tensor_v2") => {
                self.rebuild_tensor(&args, None)?
            }
            ("torch._utils", "_rebuild_tensor_v3") => {
                // (storage, offset, size, stride, requires_grad, backward_hooks, dtype, metadata)
                let dtype = match args.get(6) {
                    Some(Value::Global(d)) => DType::from_torch_dtype(d),
                    _ => None,
                };
                if dtype.is_none() {
                    return self.err("_rebuild_tensor_v3 with an unknown dtype");
                }
                self.rebuild_tensor(&args, dtype)?
            }
            ("torch._utils", "_rebuild_parameter") | ("torch._utils", "_rebuild_parameter_with_state") => {
                match arg(0) {
                    Some(t) => t,
                    None => return self.err("_rebuild_parameter without data"),
                }
            }
            ("torch._tensor", "_rebuild_from_type_v2") | ("torch._tensor", "_rebuild_from_type") => {
                // (func, new_type, args, state): the tensor subclass is dropped.
                match (arg(0), arg(2)) {
                    (Some(func), Some(a)) => {
                        let a = self.args_of(a)?;
                        return self.nested_call(func, a, false);
                    }
                    _ => return self.err("_rebuild_from_type_v2 with too few arguments"),
                }
            }
            _ => opaque(&g, args),
        };
        Ok(v)
    }

    /// A call made by an interpreted call: bounded, as crafted input could nest them deeply.
    fn nested_call(&mut self, callable: Value, args: Vec<Value>, new: bool) -> R<Value> {
        if self.call_depth >= MAX_NESTED_CALLS {
            return self.err("calls nested too deeply");
        }
        self.call_depth += 1;
        let r = self.call(callable, args, new);
        self.call_depth -= 1;
        r
    }

    fn rebuild_tensor(&self, args: &[Value], dtype: Option<DType>) -> R<Value> {
        if args.len() < 4 {
            return self.err(format!("tensor rebuild with {} arguments, needs at least 4", args.len()));
        }
        let storage = match &args[0] {
            Value::Storage(s) => s.clone(),
            other => return self.err(format!("tensor rebuild expects a storage, got a {}", other.type_name())),
        };
        let storage = match dtype {
            Some(d) if d != storage.dtype => {
                // Counts come from the file: re-counting them in another element size must not
                // overflow.
                let recount = |n: usize| n.checked_mul(storage.dtype.element_size()).map(|b| b / d.element_size());
                match (recount(storage.numel), recount(storage.view_offset)) {
                    (Some(numel), Some(view_offset)) => {
                        Rc::new(StorageRef { dtype: d, numel, view_offset, ..(*storage).clone() })
                    }
                    _ => return self.err("tensor rebuild: the storage's size overflows"),
                }
            }
            _ => storage,
        };
        let offset = match args[1].as_int() {
            Some(o) if o >= 0 => o as usize,
            _ => return self.err("tensor rebuild: storage offset is not a non-negative integer"),
        };
        let ints = |v: &Value, what: &str| -> R<Vec<usize>> {
            let items = match v {
                Value::Tuple(t) => t.to_vec(),
                Value::List(l) => l.borrow().clone(),
                Value::Int(i) if *i >= 0 => vec![v.clone()],
                _ => return self.err(format!("tensor rebuild: {what} is not a tuple")),
            };
            items
                .iter()
                .map(|x| match x.as_int() {
                    Some(i) if i >= 0 => Ok(i as usize),
                    _ => self.err(format!("tensor rebuild: {what} holds a bad value {x:?}")),
                })
                .collect()
        };
        let size = ints(&args[2], "size")?;
        let stride = ints(&args[3], "stride")?;
        if size.len() != stride.len() {
            return self.err(format!("tensor rebuild: size {size:?} and stride {stride:?} differ in rank"));
        }
        Ok(Value::Tensor(Rc::new(TensorRef { storage, offset, size, stride })))
    }
}

fn opaque(g: &GlobalName, args: Vec<Value>) -> Value {
    Value::Object(Rc::new(RefCell::new(Object::new(g.clone(), args))))
}

/// `BUILD`: sets an object's state. Containers and tensors ignore state (it carries attributes
/// such as a state dict's `_metadata` or a parameter's hooks, which inference never needs).
/// Returns the work of hashing the keys merged.
fn build(target: &Value, state: Value) -> usize {
    let mut cost = 0;
    if let Value::Object(o) = target {
        let mut o = o.borrow_mut();
        match (&o.state, &state) {
            (Some(Value::Dict(old)), Value::Dict(new)) if !Rc::ptr_eq(old, new) => {
                let new_entries = new.borrow().entries().to_vec();
                let mut old = old.borrow_mut();
                for (k, v) in new_entries {
                    cost += old.insert_counted(k, v);
                }
            }
            _ => o.state = Some(state),
        }
    }
    cost
}

/// The number of items directly in a container (0 for anything else).
fn shallow_len(v: &Value) -> usize {
    match v {
        Value::Tuple(t) => t.len(),
        Value::List(l) | Value::Set(l) => l.try_borrow().map(|l| l.len()).unwrap_or(0),
        Value::Dict(d) => d.try_borrow().map(|d| d.len()).unwrap_or(0),
        _ => 0,
    }
}

fn iter_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Dict(d) => Some(d.borrow().entries().iter().map(|(k, _)| k.clone()).collect()),
        other => other.as_seq(),
    }
}

/// Copies a mapping (or a sequence of pairs) into `d`; returns the work of hashing the keys.
fn fill_dict(d: &mut Dict, src: &Value) -> usize {
    let mut cost = 0;
    match src {
        Value::Dict(s) => {
            let entries = s.borrow().entries().to_vec();
            for (k, v) in entries {
                cost += d.insert_counted(k, v);
            }
        }
        other => {
            if let Some(items) = other.as_seq() {
                for it in items {
                    if let Some(pair) = it.as_seq() {
                        if pair.len() == 2 {
                            cost += d.insert_counted(pair[0].clone(), pair[1].clone());
                        }
                    }
                }
            }
        }
    }
    cost
}

fn encode_str(s: &str, encoding: &str) -> Option<Vec<u8>> {
    match encoding.to_ascii_lowercase().replace('_', "-").as_str() {
        "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" => s.chars().map(|c| u8::try_from(c as u32).ok()).collect(),
        "utf-8" | "utf8" | "ascii" => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// A Python 2 `str`: text when it is UTF-8, else Latin-1 (never fails).
fn py2_str(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::Str(Rc::from(s)),
        Err(_) => {
            let s: String = b.iter().map(|&c| c as char).collect();
            Value::Str(Rc::from(s.as_str()))
        }
    }
}

/// Python's `decode_long`: little-endian two's complement.
fn decode_long(b: &[u8]) -> Value {
    if b.is_empty() {
        return Value::Int(0);
    }
    if b.len() <= 8 {
        let neg = b[b.len() - 1] & 0x80 != 0;
        let mut buf = if neg { [0xffu8; 8] } else { [0u8; 8] };
        buf[..b.len()].copy_from_slice(b);
        return Value::Int(i64::from_le_bytes(buf));
    }
    Value::BigInt(Rc::from(b))
}

/// A decimal integer too large for i64, as little-endian two's complement bytes.
fn decimal_to_twos_complement(s: &str) -> Option<Vec<u8>> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.len() > 10_000 {
        return None;
    }
    let mut mag: Vec<u8> = vec![0];
    for c in digits.bytes() {
        let mut carry = (c - b'0') as u32;
        for byte in mag.iter_mut() {
            let v = *byte as u32 * 10 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            mag.push(carry as u8);
            carry >>= 8;
        }
    }
    // Room for the sign bit.
    if mag[mag.len() - 1] & 0x80 != 0 {
        mag.push(0);
    }
    if neg {
        let mut carry = 1u16;
        for byte in mag.iter_mut() {
            let v = (!*byte) as u16 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
    }
    Some(mag)
}

/// The argument of protocol 0's `STRING`: a Python-quoted byte string.
fn unquote_py_string(l: &[u8]) -> Option<Vec<u8>> {
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    if l.len() < 2 {
        return None;
    }
    let q = l[0];
    if (q != b'\'' && q != b'"') || l[l.len() - 1] != q {
        return None;
    }
    let body = &l[1..l.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        match e {
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let h = body.get(i..i + 2)?;
                out.push(u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + (body[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Protocol 0's `UNICODE` argument: raw-unicode-escape (Latin-1 bytes plus \uXXXX, \UXXXXXXXX).
fn decode_raw_unicode_escape(l: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(l.len());
    let mut i = 0;
    while i < l.len() {
        let c = l[i];
        if c == b'\\' && i + 1 < l.len() && (l[i + 1] == b'u' || l[i + 1] == b'U') {
            let n = if l[i + 1] == b'u' { 4 } else { 8 };
            let h = l.get(i + 2..i + 2 + n)?;
            let cp = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            i += 2 + n;
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_bigints() {
        assert_eq!(decimal_to_twos_complement("255").unwrap(), vec![255, 0]);
        assert_eq!(decimal_to_twos_complement("-1").unwrap(), vec![255]);
        assert_eq!(decimal_to_twos_complement("-128").unwrap(), vec![128, 255]);
        assert_eq!(decimal_to_twos_complement("256").unwrap(), vec![0, 1]);
    }

    #[test]
    fn longs() {
        assert!(matches!(decode_long(&[0xff]), Value::Int(-1)));
        assert!(matches!(decode_long(&[0x00, 0x01]), Value::Int(256)));
        assert!(matches!(decode_long(&[0; 9]), Value::BigInt(_)));
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(unquote_py_string(b"'a\\'b\\x41\\n'").unwrap(), b"a'bA\n".to_vec());
        assert!(unquote_py_string(b"abc").is_none());
        assert_eq!(decode_raw_unicode_escape(b"a\\u00e9").unwrap(), "a\u{e9}");
    }
}
