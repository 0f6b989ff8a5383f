//! Hostile inputs (issue #13): tiny hand-built files that once crashed the reader or took its
//! memory must give a clean error. Each is refused before the work or the allocation it asks
//! for, so these tests finish at once; none asserts a timing.

use std::path::PathBuf;

use retort_import::annalog::import_annalog;
use retort_import::pickle::{self, Value};
use retort_import::torch::TorchFile;
use retort_import::ImportError;

mod pickle_bytes;
use pickle_bytes::{legacy_file, long, shared_tuple, tensor, text, tuple};

fn the_tensor(f: &TorchFile, name: &str) -> std::rc::Rc<retort_import::torch::TensorRef> {
    f.root.attr(name).and_then(|t| t.as_tensor()).unwrap()
}

#[test]
fn deeply_nested_object_state_does_not_overflow_the_stack() {
    // An object whose BUILD state is a tuple nested 200k deep around None.
    let mut p = b"\x80\x02cfoo\nBar\n)\x81N".to_vec();
    p.extend(std::iter::repeat_n(0x85u8, 200_000));
    p.extend_from_slice(b"b.");
    let (v, _) = pickle::load_plain(&p).unwrap();
    assert!(v.attr("x").is_none());
    assert!(v.as_object().unwrap().borrow().attr_names().is_empty());
    // Python's (dict, slot state) pair is still searched.
    let p = b"\x80\x02cfoo\nBar\n)\x81}X\x01\x00\x00\x00xK\x07sN\x86b.";
    assert_eq!(pickle::load_plain(p).unwrap().0.attr("x").and_then(|x| x.as_int()), Some(7));
}

#[test]
fn broadcast_views_are_refused_before_allocating() {
    // One stored float viewed as 2^20 x 2^20 (stride 0): 4 TiB if materialized.
    let f = TorchFile::parse(legacy_file(&[("w", tensor(1, &[1 << 20, 1 << 20], &[0, 0]))], 1)).unwrap();
    let e = f.tensor_f32(&the_tensor(&f, "w")).unwrap_err();
    assert!(e.contains("claims 1099511627776 elements") && e.contains("holds 1"), "{e}");
    // Overlapping rows (stride 1 on a 4-float storage, 4 x 4 view) claim more than is stored.
    let f = TorchFile::parse(legacy_file(&[("w", tensor(4, &[4, 4], &[1, 1]))], 4)).unwrap();
    let e = f.tensor_f32(&the_tensor(&f, "w")).unwrap_err();
    assert!(e.contains("claims 16 elements"), "{e}");
    // An honest non-contiguous view (a transpose) still reads.
    let f = TorchFile::parse(legacy_file(&[("w", tensor(6, &[3, 2], &[1, 3]))], 6)).unwrap();
    assert_eq!(f.tensor_f32(&the_tensor(&f, "w")).unwrap().len(), 6);
}

#[test]
fn huge_shapes_are_errors_not_capacity_overflows() {
    // 2^61 elements of stride 0: Vec::with_capacity(2^61) of offsets would panic.
    let f = TorchFile::parse(legacy_file(&[("w", tensor(1, &[1 << 61], &[0]))], 1)).unwrap();
    let t = the_tensor(&f, "w");
    assert!(f.tensor_f32(&t).unwrap_err().contains("claims"));
    assert!(f.tensor_i64(&t).is_err());
    // A size whose product overflows.
    let f = TorchFile::parse(legacy_file(&[("w", tensor(1, &[1 << 40, 1 << 40], &[0, 0]))], 1)).unwrap();
    let t = the_tensor(&f, "w");
    assert_eq!(t.numel(), usize::MAX);
    assert!(f.tensor_f32(&t).unwrap_err().contains("overflows"));
    // _rebuild_tensor_v3 re-counting a storage of i64::MAX floats as bytes.
    let mut p = b"\x80\x02ctorch._utils\n_rebuild_tensor_v3\n((".to_vec();
    p.extend(text("storage"));
    p.extend_from_slice(b"ctorch\nFloatStorage\n");
    p.extend(text("0"));
    p.extend(text("cpu"));
    p.extend(long(i64::MAX));
    p.extend_from_slice(b"tQ");
    p.extend(long(0));
    p.extend(tuple(&[1]));
    p.extend(tuple(&[1]));
    p.extend_from_slice(b"\x89Nctorch\nuint8\ntR.");
    struct Storages;
    impl pickle::PersistentLoad for Storages {
        fn persistent_load(&mut self, _: Value) -> Result<Value, String> {
            Ok(Value::Storage(std::rc::Rc::new(retort_import::torch::StorageRef {
                key: "0".into(),
                dtype: retort_import::torch::DType::F32,
                numel: i64::MAX as usize,
                view_offset: 0,
                location: "cpu".into(),
            })))
        }
    }
    let e = pickle::load(&p, &mut Storages).err().unwrap();
    assert!(e.message.contains("overflows"), "{e}");
}

#[test]
fn annalog_checks_ranks_before_indexing() {
    let dir = std::env::temp_dir().join(format!("retort-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vocab = dir.join("vocab.pkl");
    std::fs::write(&vocab, b"\x80\x02}X\x04\x00\x00\x00itos]X\x01\x00\x00\x00aas.").unwrap();
    let table = || tensor(1, &[1, 1], &[1, 1]);
    let scalar = || tensor(1, &[], &[]);
    let run = |odd: &str| -> ImportError {
        let names = [
            "encoder.tok_embedding.weight",
            "decoder.tok_embedding.weight",
            "encoder.pos_embedding.weight",
            "decoder.pos_embedding.weight",
            "decoder.layers.0.positionwise_feedforward.fc_1.weight",
        ];
        let tensors: Vec<(&str, Vec<u8>)> =
            names.iter().map(|&n| (n, if n == odd { scalar() } else { table() })).collect();
        let ckpt: PathBuf = dir.join(format!("{odd}.pt"));
        std::fs::write(&ckpt, legacy_file(&tensors, 1)).unwrap();
        import_annalog(&ckpt, &vocab).err().unwrap()
    };
    for odd in [
        "decoder.layers.0.positionwise_feedforward.fc_1.weight",
        "decoder.tok_embedding.weight",
        "encoder.pos_embedding.weight",
    ] {
        match run(odd) {
            ImportError::Format(m) => assert!(m.contains(odd) && m.contains("shape []"), "{m}"),
            other => panic!("{odd}: {other}"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn shared_tuple_keys_are_not_walked_again_and_again() {
    // A 2^60-leaf key in 125 bytes: hashing it whole would never finish (nor fit in memory).
    let mut p = b"\x80\x02}".to_vec();
    p.extend(shared_tuple(60));
    p.extend_from_slice(b"Ns.");
    let (v, _) = pickle::load_plain(&p).unwrap();
    let d = v.as_dict().unwrap();
    assert_eq!(d.borrow().len(), 1, "kept as an unhashable key");
    let key = d.borrow().entries()[0].0.clone();
    assert!(d.borrow().get(&key).is_none());
    // Small tuple keys still work.
    let p = b"\x80\x02}K\x01K\x02\x86K\x03sK\x01K\x02\x86K\x04s.";
    let (v, _) = pickle::load_plain(p).unwrap();
    let d = v.as_dict().unwrap();
    assert_eq!(d.borrow().len(), 1);
    assert_eq!(d.borrow().entries()[0].1.as_int(), Some(4));
}

#[test]
fn hashing_work_is_charged_to_the_budget() {
    // A 255-value key (memo 1), set 300k times: each SETITEM is 3 bytes of input but
    // hashes 255 values. The budget stops it.
    // SETITEMS into an empty dict, then the same through dict(...) copies (DICT opcode).
    for (head, tail) in [(&b"\x80\x02}q\x00"[..], &b"u."[..]), (&b"\x80\x02"[..], &b"d."[..])] {
        let mut p = head.to_vec();
        p.extend(shared_tuple(7));
        p.extend_from_slice(b"q\x010(");
        for _ in 0..300_000 {
            p.extend_from_slice(b"h\x01N");
        }
        p.extend_from_slice(tail);
        let e = pickle::load_plain(&p).unwrap_err();
        assert!(e.message.contains("expands"), "{e}");
    }
}

#[test]
fn describing_a_shared_value_stays_short() {
    // A 100 kB string, then four levels of lists each holding the level below eight times:
    // written out whole, 8^4 copies of the string (400 MB) would go into an error message.
    let mut p = b"\x80\x02".to_vec();
    p.extend(text(&"a".repeat(100_000)));
    p.extend_from_slice(b"q\x00");
    for level in 1..=4u8 {
        p.extend_from_slice(b"](");
        for _ in 0..8 {
            p.extend_from_slice(&[b'h', level - 1]);
        }
        p.extend_from_slice(&[b'e', b'q', level]);
    }
    p.push(b'.');
    let (v, _) = pickle::load_plain(&p).unwrap();
    let s = format!("{v:?}");
    assert!(s.len() < 10_000, "{} bytes", s.len());
    assert!(s.contains("... (100000 bytes)"), "{s}");
    // The torch legacy reader quotes the first pickle when it is not torch's magic number.
    let e = TorchFile::parse(p).err().unwrap().to_string();
    assert!(e.contains("not a PyTorch checkpoint") && e.len() < 10_000, "{} bytes", e.len());
}
