//! torch.save files, zip and legacy, written by torch 2.2 (tests/data/make_torch_files.py).

use std::path::PathBuf;

use retort_import::pickle::Value;
use retort_import::torch::{DType, TorchFile, TorchFormat};
use retort_import::ImportError;

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&data("torch_expected.json")).unwrap()
}

fn check_file(name: &str, format: TorchFormat) {
    let f = TorchFile::parse(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(f.format, format);
    let model = f.root.attr("model").expect("model");
    let exp = expected();
    for (key, want) in exp.as_object().unwrap() {
        let t = if key == "param" { f.root.attr("param") } else { model.attr(key) }
            .unwrap_or_else(|| panic!("{name}: no tensor '{key}'"));
        let t = t.as_tensor().unwrap_or_else(|| panic!("{name}: '{key}' is a {}", t.type_name()));
        let shape: Vec<usize> =
            want["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
        assert_eq!(t.size, shape, "{name}: shape of {key}");
        let want_vals: Vec<f64> = want["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        if key == "long" {
            assert_eq!(t.dtype(), DType::I64);
            let got = f.tensor_i64(&t).unwrap();
            let want_i: Vec<i64> = want_vals.iter().map(|&x| x as i64).collect();
            assert_eq!(got, want_i, "{name}: {key}");
            assert!(f.tensor_f32(&t).is_err(), "integers are not weights");
            continue;
        }
        let got = f.tensor_f32(&t).unwrap_or_else(|e| panic!("{name}: {key}: {e}"));
        assert_eq!(got.len(), want_vals.len(), "{name}: {key}");
        for (i, (g, w)) in got.iter().zip(&want_vals).enumerate() {
            assert!((*g as f64 - w).abs() <= 1e-6 * w.abs().max(1.0), "{name}: {key}[{i}] = {g}, expected {w}");
        }
    }
    let dtype_of = |k: &str| model.attr(k).unwrap().as_tensor().unwrap().dtype();
    assert_eq!(dtype_of("half"), DType::F16);
    assert_eq!(dtype_of("bfloat16"), DType::BF16);
    assert_eq!(dtype_of("double"), DType::F64);

    // Two tensors viewing one storage.
    let r0 = model.attr("shared_row0").unwrap().as_tensor().unwrap();
    let r1 = model.attr("shared_row1").unwrap().as_tensor().unwrap();
    assert_eq!(r0.storage.key, r1.storage.key, "{name}: shared storage");
    assert_eq!(r1.offset, 5);
    let tied = f.root.attr("tied").unwrap().as_seq().unwrap();
    let (a, b) = (tied[0].as_tensor().unwrap(), tied[1].as_tensor().unwrap());
    assert!(a.same_view(&b), "{name}: the same tensor saved twice");
    assert!(!r0.same_view(&r1));

    // The optimizer state (defaultdict keyed by int) and the options parse too.
    let optim = f.root.attr("optim").unwrap();
    let state = optim.attr("state").unwrap().as_dict().unwrap();
    let s0 = state.borrow().get(&Value::Int(0)).cloned().unwrap();
    assert_eq!(s0.attr("step").and_then(|v| v.as_int()), Some(3));
    let opt = f.root.attr("opt").unwrap();
    assert_eq!(opt.attr("heads").and_then(|v| v.as_int()), Some(4));
}

#[test]
fn zip_format() {
    check_file("torch_zip.pt", TorchFormat::Zip);
}

#[test]
fn zip_format_any_folder_name() {
    check_file("torch_zip_archive_folder.pt", TorchFormat::Zip);
}

#[test]
fn legacy_format() {
    check_file("torch_legacy.pt", TorchFormat::Legacy);
}

#[test]
fn truncated_files_are_errors_not_panics() {
    for name in ["torch_legacy.pt", "torch_zip.pt"] {
        let bytes = data(name);
        for n in (0..bytes.len()).step_by(7) {
            match TorchFile::parse(bytes[..n].to_vec()) {
                Err(ImportError::Format(_)) | Err(ImportError::Unsupported(_)) => {}
                Err(other) => panic!("{name}[..{n}]: unexpected error kind {other}"),
                // A zip cut inside its central directory cannot parse; a legacy file cut inside
                // its last storage must be refused too.
                Ok(_) => panic!("{name} cut to {n} of {} bytes parsed", bytes.len()),
            }
        }
        // Corrupted bytes: any outcome but a panic, and tensors read back safely.
        let mut seed = 0x9E3779B97F4A7C15u64;
        for _ in 0..200 {
            let mut b = bytes.clone();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % b.len();
            b[i] ^= (seed >> 40) as u8 | 1;
            if let Ok(f) = TorchFile::parse(b) {
                if let Some(Value::Dict(m)) = &f.root.attr("model") {
                    for (_, v) in m.borrow().entries() {
                        if let Some(t) = v.as_tensor() {
                            let _ = f.tensor_f32(&t);
                        }
                    }
                }
            }
        }
    }
    let e = TorchFile::parse(b"this is not a checkpoint".to_vec()).err().unwrap();
    assert!(e.to_string().contains("not a PyTorch checkpoint"), "{e}");
    let e = TorchFile::parse(Vec::new()).err().unwrap();
    assert!(e.to_string().contains("empty"), "{e}");
    // A plain pickle is not a torch legacy file.
    let e = TorchFile::parse(data("containers_p2.pkl")).err().unwrap();
    assert!(e.to_string().contains("not a PyTorch checkpoint"), "{e}");
}
