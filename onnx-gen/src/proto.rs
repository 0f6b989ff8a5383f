//! Just enough of ONNX's protobuf to list a graph's nodes and its inputs/outputs before any
//! code generation runs, so unsupported ops and contract mismatches are reported by name
//! (burn-onnx panics on them, deep inside its pipeline).

use crate::error::{GenError, Result};

/// One node of the top-level graph.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub name: String,
    pub op_type: String,
    pub domain: String,
}

/// A graph input or output: name, element type (ONNX TensorProto.DataType) and rank.
#[derive(Debug, Clone)]
pub struct ValueInfo {
    pub name: String,
    pub elem_type: i64,
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct GraphInfo {
    pub nodes: Vec<NodeInfo>,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
}

/// ONNX element types used by the contract.
pub const FLOAT: i64 = 1;
pub const INT64: i64 = 7;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or_else(|| bad("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("varint too long"))
    }

    fn skip(&mut self, n: usize) -> Result<&'a [u8]> {
        let end =
            self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| bad("field runs past the end"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn next(&mut self) -> Result<Option<(u64, Field<'a>)>> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                self.skip(8)?;
                Field::Other
            }
            2 => {
                let n = self.varint()? as usize;
                Field::Bytes(self.skip(n)?)
            }
            5 => {
                self.skip(4)?;
                Field::Other
            }
            w => return Err(bad(&format!("unsupported wire type {w}"))),
        };
        Ok(Some((key >> 3, field)))
    }
}

fn bad(m: &str) -> GenError {
    GenError::BadOnnx(format!("not a readable ONNX model: {m}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads a ModelProto's top-level graph.
pub fn read_graph(model: &[u8]) -> Result<GraphInfo> {
    let mut r = Reader::new(model);
    let mut graph = None;
    while let Some((num, f)) = r.next()? {
        // ModelProto.graph = 7
        if let (7, Field::Bytes(b)) = (num, f) {
            graph = Some(b);
        }
    }
    let graph = graph.ok_or_else(|| bad("the model has no graph"))?;
    let mut info = GraphInfo::default();
    let mut initializers = std::collections::HashSet::new();
    let mut r = Reader::new(graph);
    while let Some((num, f)) = r.next()? {
        let Field::Bytes(b) = f else { continue };
        match num {
            1 => info.nodes.push(node(b)?),
            5 => {
                initializers.insert(tensor_name(b)?);
            }
            11 => info.inputs.push(value_info(b)?),
            12 => info.outputs.push(value_info(b)?),
            _ => {}
        }
    }
    // Old exporters list initializers among the inputs too; they are weights, not inputs.
    info.inputs.retain(|i| !initializers.contains(&i.name));
    Ok(info)
}

fn node(b: &[u8]) -> Result<NodeInfo> {
    let mut n = NodeInfo { name: String::new(), op_type: String::new(), domain: String::new() };
    let mut r = Reader::new(b);
    while let Some((num, f)) = r.next()? {
        if let Field::Bytes(s) = f {
            match num {
                3 => n.name = text(s),
                4 => n.op_type = text(s),
                7 => n.domain = text(s),
                _ => {}
            }
        }
    }
    Ok(n)
}

fn tensor_name(b: &[u8]) -> Result<String> {
    let mut r = Reader::new(b);
    while let Some((num, f)) = r.next()? {
        // TensorProto.name = 8
        if let (8, Field::Bytes(s)) = (num, f) {
            return Ok(text(s));
        }
    }
    Ok(String::new())
}

fn value_info(b: &[u8]) -> Result<ValueInfo> {
    let mut v = ValueInfo { name: String::new(), elem_type: 0, rank: None };
    let mut r = Reader::new(b);
    while let Some((num, f)) = r.next()? {
        match (num, f) {
            (1, Field::Bytes(s)) => v.name = text(s),
            // TypeProto.tensor_type = 1 -> (elem_type = 1, shape = 2 -> dim = 1)
            (2, Field::Bytes(ty)) => {
                let mut tr = Reader::new(ty);
                while let Some((tn, tf)) = tr.next()? {
                    if let (1, Field::Bytes(tensor)) = (tn, tf) {
                        let mut xr = Reader::new(tensor);
                        while let Some((xn, xf)) = xr.next()? {
                            match (xn, xf) {
                                (1, Field::Varint(e)) => v.elem_type = e as i64,
                                (2, Field::Bytes(shape)) => {
                                    let mut sr = Reader::new(shape);
                                    let mut rank = 0;
                                    while let Some((sn, _)) = sr.next()? {
                                        if sn == 1 {
                                            rank += 1;
                                        }
                                    }
                                    v.rank = Some(rank);
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(v)
}
