//! Loading the model once per container, in the init phase, from wherever the configuration
//! says (see [`ModelLocation`]).

use std::borrow::Cow;

use retort_core::{ComputeType, Engine};

use crate::config::{Config, ModelLocation};
use crate::error::InitError;
use crate::store;
use crate::wire::ModelInfo;

#[cfg(retort_embedded)]
static EMBEDDED_BUNDLE: &[u8] = include_bytes!(env!("RETORT_EMBED_MODEL_PATH"));
#[cfg(not(retort_embedded))]
static EMBEDDED_BUNDLE: &[u8] = &[];

/// Whether this binary was built with a model inside.
pub const EMBEDDED: bool = cfg!(retort_embedded);

/// The bundle's bytes; an embedded bundle is borrowed from the binary, not copied.
/// `s3` is the client init made for an S3 model location.
pub async fn load_bundle(config: &Config, s3: Option<&aws_sdk_s3::Client>) -> Result<Cow<'static, [u8]>, InitError> {
    match (&config.model, s3) {
        (ModelLocation::S3 { bucket, key }, Some(client)) => {
            Ok(Cow::Owned(store::fetch_model(client, bucket, key, &config.model_cache_dir).await?))
        }
        (ModelLocation::S3 { .. }, None) => Err(InitError::NoS3Client),
        (ModelLocation::File(path), _) => {
            std::fs::read(path).map(Cow::Owned).map_err(|source| InitError::ModelFile { path: path.clone(), source })
        }
        (ModelLocation::Embedded, _) => Ok(Cow::Borrowed(EMBEDDED_BUNDLE)),
    }
}

/// The engine (with the generated models of this build, `retort-models`) and what replies say
/// about its model.
pub fn engine_from(bytes: &[u8], compute: ComputeType) -> Result<(Engine, ModelInfo), InitError> {
    let bundle = retort_core::Bundle::from_bytes(bytes)?;
    let sha256 = retort_core::Bundle::declared_sha256(bytes)?;
    let engine = Engine::load(&bundle, &retort_models::generated_models(), compute)?;
    let meta = engine.meta();
    let info = ModelInfo {
        name: meta.name.clone(),
        sha256,
        tokenizer: meta.tokenizer_kind,
        notes: meta.provenance.notes.clone(),
        compute_type: engine.compute_type(),
    };
    Ok((engine, info))
}
