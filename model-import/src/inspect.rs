//! What a bundle file holds, as one JSON report: `retort inspect --json` prints it and
//! `retort.inspect()` returns it, so both hosts describe a bundle the same way.

use retort_core::model::generated::GeneratedModelLoader;
use retort_core::{Bundle, StorageType};
use serde_json::{json, Value};

/// The report for a bundle's bytes; `path` is how the caller names it, `generated` the
/// ONNX-generated models this host carries. Errors if the bytes are not a valid bundle.
pub fn inspect_report(
    bytes: &[u8],
    path: &str,
    generated: &[&dyn GeneratedModelLoader],
) -> Result<Value, retort_core::Error> {
    let bundle = Bundle::from_bytes(bytes)?;
    Ok(report_of(&bundle, bytes, path, generated))
}

/// [`inspect_report`] for a bundle already parsed from `bytes`.
pub fn report_of(bundle: &Bundle, bytes: &[u8], path: &str, generated: &[&dyn GeneratedModelLoader]) -> Value {
    let (format_version, payload_sha256) = header_metadata(bytes);
    let meta = &bundle.meta;
    json!({
        "path": path,
        "file_bytes": bytes.len(),
        "format_version": format_version,
        "payload_sha256": payload_sha256,
        "name": meta.name,
        "task": meta.task,
        "storage": storage_of(bytes),
        "computed_positions": computed_positions(bytes),
        "parameters": bundle.parameter_count(),
        "tokenizer_kind": meta.tokenizer_kind,
        "src_vocab_size": meta.spec.src_vocab_size,
        "tgt_vocab_size": meta.spec.tgt_vocab_size,
        "spec": meta.spec,
        "decoding": meta.decoding,
        "provenance": meta.provenance,
        "generated": meta.generated,
        "generated_models_in_this_build": generated.iter().map(|l| l.name()).collect::<Vec<_>>(),
    })
}

/// How the tensors are stored in the file: "f32", "f16", "bf16", int8 or "mixed".
pub fn storage_of(bytes: &[u8]) -> String {
    let Ok((_, meta)) = safetensors::SafeTensors::read_metadata(bytes) else { return "?".to_string() };
    // int8 bundles also hold f32 (scales, biases, norms) by design: not "mixed"
    if meta.tensors().values().any(|t| t.dtype == safetensors::Dtype::I8) {
        return StorageType::Int8.describe().to_string();
    }
    let mut kinds: Vec<String> = meta.tensors().values().map(|t| format!("{:?}", t.dtype).to_lowercase()).collect();
    kinds.sort();
    kinds.dedup();
    match kinds.len() {
        0 => "none".to_string(),
        1 => kinds.remove(0),
        _ => format!("mixed ({})", kinds.join(", ")),
    }
}

/// The position tables the file leaves out (its header's own record; the reader computes them).
pub fn computed_positions(bytes: &[u8]) -> Vec<String> {
    let Ok((_, meta)) = safetensors::SafeTensors::read_metadata(bytes) else { return Vec::new() };
    let Some(json) = meta.metadata().as_ref().and_then(|m| m.get("retort.meta")) else { return Vec::new() };
    serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|mut v| serde_json::from_value(v["computed_positions"].take()).ok())
        .unwrap_or_default()
}

/// Format version and payload checksum from the safetensors header.
pub fn header_metadata(bytes: &[u8]) -> (Option<u32>, Option<String>) {
    let Ok((_, meta)) = safetensors::SafeTensors::read_metadata(bytes) else { return (None, None) };
    let Some(m) = meta.metadata().as_ref() else { return (None, None) };
    (m.get("retort.format_version").and_then(|v| v.parse().ok()), m.get("retort.payload_sha256").cloned())
}
