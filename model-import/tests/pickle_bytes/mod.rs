//! Hand-built pickle and torch-legacy bytes for hostile-input tests: small files that claim
//! huge or broken structures. Shared by model-import's tests and the CLI's hostile-input table
//! (host-cli/tests/hostile_inputs.rs includes this file by path).

#![allow(dead_code)]

/// `BINUNICODE`
pub fn text(s: &str) -> Vec<u8> {
    let mut b = vec![b'X'];
    b.extend((s.len() as u32).to_le_bytes());
    b.extend(s.as_bytes());
    b
}

/// `LONG1` of 8 bytes: any i64.
pub fn long(i: i64) -> Vec<u8> {
    let mut b = vec![0x8a, 8];
    b.extend(i.to_le_bytes());
    b
}

pub fn tuple(items: &[i64]) -> Vec<u8> {
    let mut b = vec![b'('];
    items.iter().for_each(|&i| b.extend(long(i)));
    b.push(b't');
    b
}

/// `_rebuild_tensor_v2(storage '0' of `numel` floats, 0, size, stride, False)`.
pub fn tensor(numel: i64, size: &[i64], stride: &[i64]) -> Vec<u8> {
    let mut b = b"ctorch._utils\n_rebuild_tensor_v2\n(".to_vec();
    b.push(b'(');
    b.extend(text("storage"));
    b.extend_from_slice(b"ctorch\nFloatStorage\n");
    b.extend(text("0"));
    b.extend(text("cpu"));
    b.extend(long(numel));
    b.extend_from_slice(b"tQ");
    b.extend(long(0));
    b.extend(tuple(size));
    b.extend(tuple(stride));
    b.extend_from_slice(b"\x89tR");
    b
}

/// A torch legacy file: header pickles, a state dict of `tensors`, and storage '0' holding
/// `floats` f32 values.
pub fn legacy_file(tensors: &[(&str, Vec<u8>)], floats: usize) -> Vec<u8> {
    let mut f = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.".to_vec();
    f.extend_from_slice(b"\x80\x02M\xe9\x03.");
    f.extend_from_slice(b"\x80\x02}.");
    f.extend_from_slice(b"\x80\x02}");
    for (name, t) in tensors {
        f.extend(text(name));
        f.extend(t);
        f.push(b's');
    }
    f.push(b'.');
    f.extend_from_slice(b"\x80\x02]");
    f.extend(text("0"));
    f.extend_from_slice(b"a.");
    f.extend((floats as u64).to_le_bytes());
    f.extend(std::iter::repeat_n(0u8, 4 * floats));
    f
}

/// `N`, then `(t, t)` `depth` times: a tuple tree of 2^depth leaves in `2 * depth` bytes.
pub fn shared_tuple(depth: usize) -> Vec<u8> {
    let mut b = vec![b'N'];
    for _ in 0..depth {
        b.extend_from_slice(b"2\x86");
    }
    b
}
