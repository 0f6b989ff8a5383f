//! onmt12-onnx, generated from ONNX (encoder.onnx + decoder_step.onnx, Retort's ONNX contract)
//! by retort-onnx-gen with burn-onnx: `encoder.rs` and `decoder_step.rs` are burn-onnx's
//! output; retort-core's contract model runs them. Regenerate rather than edit.
//!
//! The weights are not compiled in: they come from a bundle whose metadata names this model
//! (`generated.name = "onmt12-onnx"`), loaded with [`LOADER`].

#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod encoder;
#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod decoder_step;

retort_core::onnx_contract_model! {
    name: "onmt12-onnx",
    graph_sha256: "5db55579ba68bb973e5fcb960ef6b46cd9fe13ed4232e2100fcbccfafb63b5c6",
}
