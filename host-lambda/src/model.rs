//! Loading the model once per container, in the init phase, from wherever the configuration
//! says (see [`ModelLocation`]).

use std::borrow::Cow;

use retort_core::model::generated::GeneratedModelLoader;
use retort_core::Engine;

use crate::config::{Config, ModelLocation};
use crate::store;
use crate::wire::ModelInfo;

#[cfg(retort_embedded)]
static EMBEDDED_BUNDLE: &[u8] = include_bytes!(env!("RETORT_EMBED_MODEL_PATH"));
#[cfg(not(retort_embedded))]
static EMBEDDED_BUNDLE: &[u8] = &[];

/// Whether this binary was built with a model inside.
pub const EMBEDDED: bool = cfg!(retort_embedded);

/// The bundle's bytes; an embedded bundle is borrowed from the binary, not copied.
pub async fn load_bundle(config: &Config, s3: Option<&aws_sdk_s3::Client>) -> Result<Cow<'static, [u8]>, String> {
    match &config.model {
        ModelLocation::S3 { bucket, key } => {
            let client = s3.ok_or("internal: no S3 client for MODEL_BUCKET")?;
            store::fetch_model(client, bucket, key, &config.model_cache_dir).await.map(Cow::Owned)
        }
        ModelLocation::File(path) => std::fs::read(path).map(Cow::Owned).map_err(|e| {
            format!(
                "model bundle {}: {e} (package it as model.retort beside bootstrap, or set MODEL_PATH, \
                 or MODEL_BUCKET + MODEL_KEY)",
                path.display()
            )
        }),
        ModelLocation::Embedded => Ok(Cow::Borrowed(EMBEDDED_BUNDLE)),
    }
}

/// The ONNX-generated models this function was built with (one cargo feature each).
// One push per cargo feature, so the list can be empty.
#[allow(clippy::vec_init_then_push)]
fn generated_models() -> Vec<&'static dyn GeneratedModelLoader> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static dyn GeneratedModelLoader> = Vec::new();
    #[cfg(feature = "onnx-annalog")]
    v.push(&retort_model_annalog_onnx::LOADER);
    v
}

pub fn engine_from(bytes: &[u8]) -> Result<(Engine, ModelInfo), String> {
    let bundle = retort_core::Bundle::from_bytes(bytes).map_err(|e| e.to_string())?;
    let sha256 = retort_core::Bundle::declared_sha256(bytes).map_err(|e| e.to_string())?;
    let engine = Engine::from_bundle_with(&bundle, &generated_models()).map_err(|e| e.to_string())?;
    let meta = engine.meta();
    let info = ModelInfo {
        name: meta.name.clone(),
        sha256,
        tokenizer: meta.tokenizer_kind,
        notes: meta.provenance.notes.clone(),
    };
    Ok((engine, info))
}
