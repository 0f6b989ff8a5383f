//! annalog-onnx, generated from ONNX (encoder.onnx + decoder_step.onnx, Retort's ONNX contract)
//! by retort-onnx-gen with burn-onnx: `encoder.rs` and `decoder_step.rs` are burn-onnx's
//! output; retort-core's contract model runs them. Regenerate rather than edit.
//!
//! The weights are not compiled in: they come from a bundle whose metadata names this model
//! (`generated.name = "annalog-onnx"`), loaded with [`LOADER`].

#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod encoder;
#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod decoder_step;

retort_core::onnx_contract_model! {
    name: "annalog-onnx",
    graph_sha256: "883226842928e931173a0e4e8ad4d92b391d2d5ecd1e6eeb626400a483c45a10",
}
