//! The pickle VM on pickles written by CPython (tests/data/make_pickles.py), protocols 0-5.

use std::path::PathBuf;
use std::rc::Rc;

use retort_import::pickle::{self, Value};

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn load(name: &str) -> Value {
    let bytes = data(name);
    let (v, used) = pickle::load_plain(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(used, bytes.len(), "{name}: STOP should end the file");
    v
}

fn get(v: &Value, k: &str) -> Value {
    v.attr(k).unwrap_or_else(|| panic!("no '{k}' in {v:?}"))
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_seq().unwrap().iter().map(|x| x.as_int().unwrap()).collect()
}

fn dict_pairs(v: &Value) -> Vec<(String, i64)> {
    let d = v.as_dict().unwrap_or_else(|| panic!("not a dict: {v:?}"));
    let d = d.borrow();
    d.entries().iter().map(|(k, v)| (k.as_str().unwrap().to_string(), v.as_int().unwrap())).collect()
}

#[test]
fn containers_every_protocol() {
    for p in 0..=5 {
        let name = format!("containers_p{p}.pkl");
        let v = load(&name);
        assert_eq!(dict_pairs(&get(&v, "od")), vec![("z".into(), 1), ("a".into(), 2)], "{name}");
        assert_eq!(dict_pairs(&get(&v, "dd")), vec![("x".into(), 1), ("y".into(), 2)], "{name}");
        // torchtext's Vocab.stoi: a defaultdict whose factory is a module function.
        assert_eq!(
            dict_pairs(&get(&v, "stoi")),
            vec![("<unk>".into(), 0), ("<blank>".into(), 1), ("C".into(), 2)],
            "{name}"
        );
        assert_eq!(dict_pairs(&get(&v, "counter")), vec![("C".into(), 5), ("O".into(), 2)], "{name}");
        let mut set = ints(&get(&v, "set"));
        set.sort();
        assert_eq!(set, vec![1, 2, 3], "{name}");
        assert!(matches!(get(&v, "set"), Value::Set(_)));
        assert_eq!(get(&v, "frozenset").as_seq().unwrap()[0].as_str(), Some("a"));

        // argparse.Namespace: an object whose attributes come from BUILD.
        let ns = get(&v, "ns");
        assert_eq!(ns.class_name().as_deref(), Some("argparse.Namespace"), "{name}");
        assert_eq!(get(&ns, "layers").as_int(), Some(6));
        assert_eq!(get(&ns, "rnn_size").as_int(), Some(256));
        assert_eq!(get(&ns, "share_embeddings").as_bool(), Some(true));
        assert_eq!(get(&ns, "self_attn_type").as_str(), Some("scaled-dot"));
        assert_eq!(get(&ns, "learning_rate").as_float(), Some(2.0));
        assert_eq!(get(&ns, "dropout").as_seq().unwrap()[0].as_float(), Some(0.1));

        // An unknown class: opaque, name kept, state readable.
        let obj = get(&v, "obj");
        assert_eq!(obj.class_name().as_deref(), Some("__main__.Opaque"), "{name}");
        assert_eq!(get(&obj, "name").as_str(), Some("thing"));
        assert_eq!(ints(&get(&obj, "items")), vec![1, 2, 3]);

        assert!(matches!(get(&v, "big"), Value::BigInt(_)), "{name}");
        assert!(matches!(get(&v, "neg"), Value::BigInt(_)), "{name}");
        assert_eq!(ints(&get(&v, "small")), vec![-1, 0, 255, 256, 65535, 65536, -(1 << 31), i64::MAX], "{name}");
        assert_eq!(get(&v, "float").as_float(), Some(1.5e-6), "{name}");
        assert_eq!(get(&v, "text").as_str(), Some("h\u{e9}llo \u{2603} \u{1F600}"), "{name}");
        match &get(&v, "bytes") {
            Value::Bytes(b) => assert_eq!(&b[..], &[0u8, 1, 255], "{name}"),
            other => panic!("{name}: bytes read as {other:?}"),
        }
        let tuples = get(&v, "tuples").as_seq().unwrap();
        let lens: Vec<usize> = tuples.iter().map(|t| t.as_seq().unwrap().len()).collect();
        assert_eq!(lens, vec![0, 1, 2, 3, 4], "{name}");
        assert!(matches!(get(&v, "none"), Value::None));
        let bools = get(&v, "bools").as_seq().unwrap();
        assert_eq!(bools[0].as_bool(), Some(true));
        assert_eq!(bools[1].as_bool(), Some(false));

        let keys = get(&v, "keys").as_dict().unwrap();
        let keys = keys.borrow();
        assert_eq!(keys.len(), 4, "{name}");
        assert_eq!(keys.get(&Value::Int(1)).and_then(|v| v.as_str()), Some("int"));
        assert_eq!(keys.get_str("1").and_then(|v| v.as_str()), Some("str"));
        let tuple_key = Value::Tuple(Rc::from(vec![Value::Int(1), Value::Int(2)]));
        assert_eq!(keys.get(&tuple_key).and_then(|v| v.as_str()), Some("tuple"));
        assert_eq!(keys.get(&Value::None).and_then(|v| v.as_str()), Some("none"));
    }
}

#[test]
fn memoized_lists_and_dicts_are_shared() {
    for p in [0, 2, 4] {
        let name = format!("shared_p{p}.pkl");
        let v = load(&name);
        // a = [b, "tail"], b = [a]: `a` was fetched from the memo before its items arrived.
        let a = get(&v, "cycle");
        let a_items = a.as_seq().unwrap();
        assert_eq!(a_items.len(), 2, "{name}");
        assert_eq!(a_items[1].as_str(), Some("tail"));
        let b_items = a_items[0].as_seq().unwrap();
        assert_eq!(b_items.len(), 1);
        let inner_a = b_items[0].as_seq().unwrap();
        assert_eq!(inner_a.len(), 2, "{name}: the memoized list must not read as empty");
        match (&a, &b_items[0]) {
            (Value::List(x), Value::List(y)) => {
                assert!(Rc::ptr_eq(x, y), "{name}: one list, two references")
            }
            _ => panic!("lists expected"),
        }
        let twice = get(&v, "twice").as_seq().unwrap();
        assert_eq!(ints(&twice[0]), vec![1, 2, 3]);
        assert_eq!(ints(&twice[1]), vec![1, 2, 3], "{name}: second reference to a list");
        // d = {'self': [d]}
        let d = get(&v, "dict_cycle");
        let inner = get(&d, "self").as_seq().unwrap();
        match (&d, &inner[0]) {
            (Value::Dict(x), Value::Dict(y)) => assert!(Rc::ptr_eq(x, y)),
            _ => panic!("dicts expected"),
        }
        // Debug output of cyclic values terminates.
        let _ = format!("{v:?}");
    }
}

#[test]
fn truncated_and_garbage_pickles_are_errors() {
    let e = pickle::load_plain(&data("truncated_p2.pkl")).unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");

    // Every prefix of every test pickle: an error, never a panic.
    for p in 0..=5 {
        let bytes = data(&format!("containers_p{p}.pkl"));
        for n in 0..bytes.len() {
            assert!(pickle::load_plain(&bytes[..n]).is_err(), "prefix {n} of protocol {p} loaded");
        }
        // Corrupted bytes: any outcome but a panic.
        let mut seed = 0x2545F4914F6CDD1Du64;
        for _ in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed as usize) % b.len();
                b[i] = (seed >> 32) as u8;
            }
            let _ = pickle::load_plain(&b);
        }
    }
    assert!(pickle::load_plain(b"hello world").is_err());
    let e = pickle::load_plain(b"\xffgarbage").unwrap_err();
    assert!(e.message.contains("opcode"), "{e}");
    assert!(pickle::load_plain(b"").is_err());
    // A persistent id without a loader is refused.
    let e = pickle::load_plain(b"\x80\x02X\x01\x00\x00\x000Q.").unwrap_err();
    assert!(e.message.contains("persistent id"), "{e}");
    // Memo use before store, unbalanced marks, huge announced lengths.
    assert!(pickle::load_plain(b"\x80\x02h\x05.").is_err());
    assert!(pickle::load_plain(b"\x80\x02e.").is_err());
    assert!(pickle::load_plain(b"\x80\x02X\xff\xff\xff\xff.").is_err());
    assert!(pickle::load_plain(b"\x80\x02\x8e\xff\xff\xff\xff\xff\xff\xff\xff.").is_err());
}

#[test]
fn unknown_callables_are_never_executed() {
    // os.system('echo hi') as a pickle: read as an opaque object, nothing runs.
    let v = pickle::load_plain(b"cos\nsystem\n(S'echo hi'\ntR.").unwrap().0;
    assert_eq!(v.class_name().as_deref(), Some("os.system"));
}

#[test]
fn deeply_nested_values_do_not_overflow_the_stack() {
    const N: usize = 1_000_000;
    // A chain of N lists, each inside the previous one, built through the memo.
    let mut p = b"\x80\x02]q\x00".to_vec();
    for _ in 0..N {
        p.extend_from_slice(b"]q\x01a0h\x01");
    }
    p.extend_from_slice(b"0h\x00.");
    let (v, _) = pickle::load_plain(&p).unwrap();
    let _ = format!("{v:?}");
    drop(v);

    // A tuple nested N deep, used as a dict key.
    let mut p = b"\x80\x02}N".to_vec();
    p.extend(std::iter::repeat_n(0x85u8, N));
    p.extend_from_slice(b"Ns.");
    let (v, _) = pickle::load_plain(&p).unwrap();
    assert_eq!(v.as_dict().unwrap().borrow().len(), 1);
    drop(v);

    // _rebuild_from_type_v2(func, type, args, state) whose args hold another such call, and so
    // on: interpreted calls nested through their arguments must stay bounded.
    let rebuild: &[u8] = b"ctorch._tensor\n_rebuild_from_type_v2\n";
    let func = |k: usize| {
        if k == 0 {
            b"cbuiltins\nlist\n".to_vec()
        } else {
            rebuild.to_vec()
        }
    };
    let mut args = b")".to_vec(); // A_0
    for k in 1..=100 {
        let mut a = b"(".to_vec();
        a.extend(func(k - 1));
        a.push(b'N');
        a.extend(&args);
        a.extend_from_slice(b"Nt");
        args = a;
    }
    let mut p = b"\x80\x02".to_vec();
    p.extend(func(100));
    p.extend(&args);
    p.extend_from_slice(b"R.");
    let e = pickle::load_plain(&p).unwrap_err();
    assert!(e.message.contains("nested too deeply"), "{e}");
    // A few levels are fine.
    let mut args = b")".to_vec();
    for k in 1..=3 {
        let mut a = b"(".to_vec();
        a.extend(func(k - 1));
        a.push(b'N');
        a.extend(&args);
        a.extend_from_slice(b"Nt");
        args = a;
    }
    let mut p = b"\x80\x02".to_vec();
    p.extend(func(3));
    p.extend(&args);
    p.extend_from_slice(b"R.");
    assert!(matches!(pickle::load_plain(&p).unwrap().0, Value::List(_)));
}

#[test]
fn copying_calls_cannot_blow_up_memory() {
    // d = {0: None, ..., 9999: None}; then OrderedDict(d) a million times: each call would copy
    // the whole dict. The reader must stop with an error instead.
    let mut p = b"\x80\x02}q\x00(".to_vec();
    for i in 0..10_000u16 {
        p.push(b'M');
        p.extend_from_slice(&i.to_le_bytes());
        p.push(b'N');
    }
    p.extend_from_slice(b"ucollections\nOrderedDict\nq\x01");
    for _ in 0..1_000_000 {
        p.extend_from_slice(b"h\x01h\x00\x85R0");
    }
    p.extend_from_slice(b"N.");
    let e = pickle::load_plain(&p).unwrap_err();
    assert!(e.message.contains("expands"), "{e}");
}
