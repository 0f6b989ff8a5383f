//! onmt12-onnx, generated from ONNX (encoder.onnx + decoder_step.onnx, Retort's ONNX contract)
//! by retort-onnx-gen with burn-onnx: `encoder.rs` and `decoder_step.rs` are burn-onnx's
//! output; this file hands them to retort-core's contract model. Regenerate rather than edit.
//!
//! The weights are not compiled in: they come from a bundle whose metadata names this model
//! (`generated.name = "onmt12-onnx"`), loaded with [`LOADER`].

#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod encoder;
#[allow(unused, clippy::all)]
#[rustfmt::skip]
mod decoder_step;

use burn::tensor::{Device, Int, Tensor};
use retort_core::model::erased::BoxedModel;
use retort_core::model::generated::{load_params, GeneratedModelLoader};
use retort_core::model::onnx_model::{ContractGraphs, OnnxModel};
use retort_core::{Bundle, Result};

/// The name bundles use for this model.
pub const NAME: &str = "onmt12-onnx";
/// sha256 of the ONNX graphs this code was generated from (encoder, then decoder step).
pub const GRAPH_SHA256: &str = "bc59c054c9ad12fc5a5d85d535c9b965f2e4a484141a25525c1656ae13700655";

pub struct Graphs {
    encoder: encoder::Model,
    decoder: decoder_step::Model,
}

impl ContractGraphs for Graphs {
    fn load(bundle: &Bundle, device: &Device) -> Result<Self> {
        let encoder = load_params(encoder::Model::new(device), bundle, "encoder", device)?;
        let decoder = load_params(decoder_step::Model::new(device), bundle, "decoder_step", device)?;
        Ok(Graphs { encoder, decoder })
    }

    fn encode(&self, ids: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<3> {
        self.encoder.forward(ids, mask)
    }

    fn step(
        &self,
        ids: Tensor<2, Int>,
        past_keys: Tensor<5>,
        past_values: Tensor<5>,
        memory: Tensor<3>,
        mask: Tensor<2>,
    ) -> (Tensor<2>, Tensor<5>, Tensor<5>, Tensor<3>) {
        self.decoder.forward(ids, past_keys, past_values, memory, mask)
    }
}

pub struct Loader;

/// Hosts list this among the generated models they were built with.
pub static LOADER: Loader = Loader;

impl GeneratedModelLoader for Loader {
    fn name(&self) -> &'static str {
        NAME
    }
    fn graph_sha256(&self) -> &'static str {
        GRAPH_SHA256
    }
    fn load(&self, bundle: &Bundle) -> Result<BoxedModel> {
        Ok(BoxedModel::new(OnnxModel::<Graphs>::from_bundle(bundle, NAME)?))
    }
}
