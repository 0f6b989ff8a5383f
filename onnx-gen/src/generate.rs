//! From an encoder + decoder-step ONNX pair to a model crate and a weights bundle.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use retort_core::bundle::sha256_hex;
use retort_core::model::generated::GeneratedModelRef;
use retort_core::{Bundle, StorageType, TensorData};

use crate::contract::{check_ops, check_signature, DECODER_STEP, ENCODER};
use crate::error::{io, GenError, Result};
use crate::proto::read_graph;
use crate::template;

pub struct Request {
    pub encoder: PathBuf,
    pub decoder: PathBuf,
    /// The generated model's name, e.g. "annalog-onnx".
    pub name: String,
    /// Where the model crate is written (its `src/` is replaced).
    pub crate_dir: PathBuf,
    /// A bundle of the same model (any importer's) whose spec, tokenizers and decoding
    /// defaults the new bundle takes over; its tensors are not used.
    pub like: PathBuf,
    pub bundle_out: PathBuf,
    pub storage: StorageType,
}

pub struct Report {
    pub graph_sha256: String,
    pub encoder_nodes: usize,
    pub decoder_nodes: usize,
    pub ops: Vec<String>,
    pub tensors: usize,
    pub bundle_bytes: usize,
}

pub const GENERATOR: &str = concat!("retort-onnx-gen ", env!("CARGO_PKG_VERSION"), " (burn-onnx 0.22.0)");

/// What [`check`] returns: the encoder's and decoder's bytes, the ops they use, and their node counts.
pub type CheckedGraphs = (Vec<u8>, Vec<u8>, Vec<String>, usize, usize);

/// Checks both graphs without generating anything: ops and the contract's signatures.
pub fn check(encoder: &Path, decoder: &Path) -> Result<CheckedGraphs> {
    let enc = std::fs::read(encoder).map_err(io(encoder))?;
    let dec = std::fs::read(decoder).map_err(io(decoder))?;
    let mut ops = std::collections::BTreeSet::new();
    let mut counts = [0; 2];
    for (i, (path, bytes, sig)) in [(encoder, &enc, ENCODER), (decoder, &dec, DECODER_STEP)].into_iter().enumerate() {
        let file = path.display().to_string();
        let g = read_graph(bytes).map_err(|e| match e {
            GenError::BadOnnx(m) => GenError::BadOnnx(format!("{file}: {m}")),
            other => other,
        })?;
        check_ops(&file, &g)?;
        check_signature(&file, &g, sig)?;
        ops.extend(g.nodes.iter().map(|n| n.op_type.clone()));
        counts[i] = g.nodes.len();
    }
    Ok((enc, dec, ops.into_iter().collect(), counts[0], counts[1]))
}

pub fn generate(req: &Request) -> Result<Report> {
    let (enc, dec, ops, encoder_nodes, decoder_nodes) = check(&req.encoder, &req.decoder)?;
    let graph_sha256 = sha256_hex(&[enc.as_slice(), dec.as_slice()].concat());

    // burn-onnx names its output after the input file: give it the contract's names.
    let work = std::env::temp_dir().join(format!("retort-onnx-gen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    for (name, bytes) in [("encoder.onnx", &enc), ("decoder_step.onnx", &dec)] {
        std::fs::write(work.join(name), bytes).map_err(io(&work.join(name)))?;
    }
    let result: Result<(usize, usize)> = (|| {
        for stem in ["encoder", "decoder_step"] {
            run_model_gen(&work, stem)?;
        }
        let mut tensors = HashMap::new();
        let mut int_tensors = Vec::new();
        for stem in ["encoder", "decoder_step"] {
            read_burnpack(&work.join(format!("{stem}.bpk")), stem, &mut tensors, &mut int_tensors)?;
        }
        write_crate(req, &work, &graph_sha256)?;
        let bundle_bytes = write_bundle(req, tensors, int_tensors, &graph_sha256)?;
        Ok(bundle_bytes)
    })();
    let _ = std::fs::remove_dir_all(&work);
    let (n, bundle_bytes) = result?;
    Ok(Report { graph_sha256, encoder_nodes, decoder_nodes, ops, tensors: n, bundle_bytes })
}

/// burn-onnx reports failures by panicking; turn that into an error naming the file.
fn run_model_gen(work: &Path, stem: &str) -> Result<()> {
    let input = work.join(format!("{stem}.onnx"));
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        burn_onnx::ModelGen::new()
            .input(&input.to_string_lossy())
            .out_dir(&work.to_string_lossy())
            .load_strategy(burn_onnx::LoadStrategy::None)
            .run_from_cli();
    }));
    std::panic::set_hook(hook);
    outcome.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        GenError::Codegen { file: format!("{stem}.onnx"), message }
    })
}

/// The weights burn-onnx wrote, named `{stem}.{parameter path}`.
fn read_burnpack(path: &Path, stem: &str, out: &mut HashMap<String, TensorData>, ints: &mut Vec<String>) -> Result<()> {
    let codegen = |m: String| GenError::Codegen { file: format!("{stem}.onnx"), message: m };
    let reader = burn_pack::Reader::from_file(path).map_err(|e| codegen(format!("reading {}: {e}", path.display())))?;
    for t in reader.into_tensors().map_err(|e| codegen(e.to_string()))? {
        let (name, dtype, shape, _, bytes) = t.into_parts().map_err(|e| codegen(e.to_string()))?;
        let full = format!("{stem}.{name}");
        let shape: Vec<usize> = shape.iter().copied().collect();
        let b: &[u8] = &bytes;
        let data: Vec<f32> = match dtype {
            burn_pack::DType::F32 => b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            burn_pack::DType::I64 | burn_pack::DType::I32 => {
                let v: Vec<i64> = if dtype == burn_pack::DType::I64 {
                    b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect()
                } else {
                    b.chunks_exact(4).map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect()
                };
                // bundles store f32: integer constants must be exact in it
                if let Some(x) = v.iter().find(|x| x.unsigned_abs() > 1 << 24) {
                    return Err(codegen(format!("integer constant '{name}' holds {x}, too large to store exactly")));
                }
                ints.push(full.clone());
                v.iter().map(|&x| x as f32).collect()
            }
            other => {
                return Err(codegen(format!("constant '{name}' has element type {other:?}, which bundles cannot hold")))
            }
        };
        out.insert(full, TensorData::new(shape, data)?);
    }
    Ok(())
}

fn write_crate(req: &Request, work: &Path, graph_sha256: &str) -> Result<()> {
    let src = req.crate_dir.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(io(&src))?;
    for stem in ["encoder", "decoder_step"] {
        let from = work.join(format!("{stem}.rs"));
        let code = std::fs::read_to_string(&from).map_err(io(&from))?;
        // burn-onnx records the (temporary) input path in its header comment
        let code = code.replace(&work.to_string_lossy().into_owned(), "");
        let to = src.join(format!("{stem}.rs"));
        std::fs::write(&to, code).map_err(io(&to))?;
    }
    let crate_name = format!("retort-model-{}", req.name);
    let fill =
        |t: &str| t.replace("@NAME@", &req.name).replace("@CRATE@", &crate_name).replace("@GRAPH_SHA@", graph_sha256);
    let toml = req.crate_dir.join("Cargo.toml");
    std::fs::write(&toml, fill(template::CARGO_TOML)).map_err(io(&toml))?;
    let lib = src.join("lib.rs");
    std::fs::write(&lib, fill(template::LIB_RS)).map_err(io(&lib))?;
    Ok(())
}

/// Graph constants an f16 bundle would round but must not: a scale such as 1/sqrt(head_dim)
/// multiplies every attention logit. Only ONNX constants (burn-onnx's `constantN` fields)
/// qualify; weights, biases included, are rounded like the rest, as the f16 reference the
/// bundle is checked against rounds them (an exact generator bias once moved ANNalog's
/// log-probabilities by 1e-3).
fn exact_constants(tensors: &HashMap<String, TensorData>) -> std::collections::BTreeMap<String, Vec<f32>> {
    let is_graph_constant = |name: &str| {
        name.rsplit('.')
            .next()
            .and_then(|field| field.strip_prefix("constant"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    tensors
        .iter()
        .filter(|(name, t)| {
            let lossy = t.values().iter().any(|&x| half::f16::from_f32(x).to_f32() != x);
            is_graph_constant(name) && t.len() <= 64 && lossy
        })
        .map(|(name, t)| (name.clone(), t.values().into_owned()))
        .collect()
}

fn write_bundle(
    req: &Request,
    tensors: HashMap<String, TensorData>,
    int_tensors: Vec<String>,
    graph_sha256: &str,
) -> Result<(usize, usize)> {
    let like_bytes = std::fs::read(&req.like).map_err(io(&req.like))?;
    let like = Bundle::from_bytes(&like_bytes)?;
    let mut meta = like.meta;
    let mut ints = int_tensors;
    ints.sort();
    let exact_constants = if req.storage == StorageType::F16 { exact_constants(&tensors) } else { Default::default() };
    meta.generated = Some(GeneratedModelRef {
        name: req.name.clone(),
        graph_sha256: graph_sha256.to_string(),
        generator: GENERATOR.to_string(),
        int_tensors: ints,
        exact_constants,
    });
    meta.name = format!("{} (ONNX)", if meta.name.is_empty() { &req.name } else { &meta.name });
    let file_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    meta.provenance.notes.push(format!(
        "weights of the ONNX-generated model '{}' ({}); spec and tokenizers from {} ({})",
        req.name,
        GENERATOR,
        file_name(&req.like),
        meta.provenance.source_format
    ));
    meta.provenance.source_format = "onnx (Retort contract: encoder + decoder step)".into();
    meta.provenance.source_name = format!("{} + {}", file_name(&req.encoder), file_name(&req.decoder));
    meta.provenance.source_sha256 = graph_sha256.to_string();
    if req.storage == StorageType::F16 {
        for (name, t) in &tensors {
            if let Some(x) = t.values().iter().find(|x| x.abs() > 65504.0) {
                return Err(GenError::Codegen {
                    file: name.split('.').next().unwrap_or("").to_string() + ".onnx",
                    message: format!("constant '{name}' holds {x}, beyond float16: use --storage f32"),
                });
            }
        }
    }
    let n = tensors.len();
    let bundle = Bundle { meta, tensors, stored_as: StorageType::F32 };
    let bytes = bundle.to_bytes(req.storage)?;
    std::fs::write(&req.bundle_out, &bytes).map_err(io(&req.bundle_out))?;
    Ok((n, bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data: Vec<f32>) -> TensorData {
        let n = data.len();
        TensorData::new(vec![n], data).expect("tensor")
    }

    #[test]
    fn only_small_lossy_graph_constants_stay_exact() {
        let scale = 1.0 / 32f32.sqrt();
        let tensors: HashMap<String, TensorData> = [
            ("decoder_step.submodule1.constant130", t(vec![scale])),
            ("decoder_step.submodule1.constant84", t(vec![16.0])),
            ("decoder_step.submodule3.linear31.bias", t(vec![-12.730059, 0.5])),
            ("encoder.constant31", t(vec![scale; 65])),
            ("encoder.constantly", t(vec![scale])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let exact = exact_constants(&tensors);
        assert_eq!(exact.keys().collect::<Vec<_>>(), ["decoder_step.submodule1.constant130"]);
        assert_eq!(exact["decoder_step.submodule1.constant130"], vec![scale]);
    }
}
