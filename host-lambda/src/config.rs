//! The function's settings, all from environment variables (set in template.yaml), read once in
//! the init phase. A malformed value stops init with a message naming the variable.

use std::collections::HashMap;
use std::path::PathBuf;

use retort_core::sink::LAMBDA_SYNC_RESPONSE_LIMIT;
use retort_core::{ComputeType, UnknownTokens};

use crate::error::ConfigError;

/// Where the model bundle comes from, in the order they are tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelLocation {
    /// `MODEL_BUCKET` + `MODEL_KEY`: fetched once per container and cached in `MODEL_CACHE_DIR`.
    S3 { bucket: String, key: String },
    /// `MODEL_PATH`, or `model.retort` in the deployment package (`$LAMBDA_TASK_ROOT`).
    File(PathBuf),
    /// Compiled into the binary (`RETORT_EMBED_MODEL=<bundle>` at build time).
    Embedded,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub model: ModelLocation,
    pub model_cache_dir: PathBuf,
    pub output_bucket: Option<String>,
    pub output_prefix: String,
    /// Answers whose inline payload is bigger go to the output bucket (capped at Lambda's 6 MB).
    pub inline_limit: usize,
    /// An operator's lower cut-off (`OUTPUT_THRESHOLD_BYTES`).
    pub output_threshold: Option<usize>,
    pub presign_ttl_s: u64,
    pub max_inputs: usize,
    pub max_beam: usize,
    pub max_length: usize,
    /// `MAX_ANSWER_MB`: the most memory one request's answer may need, estimated before decoding
    /// from its inputs and options (see `handler::answer_bytes_bound`). Defaults to a quarter of
    /// the function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, which Lambda sets), so the
    /// answer, its JSON, its gzip and its base64 copy fit together with the model.
    pub max_answer_bytes: usize,
    /// `UNKNOWN_TOKENS`: the operator's default for requests that do not say; `None` keeps the
    /// bundle's (every host's default: decode them as the unknown token and list them).
    pub unknown_tokens: Option<UnknownTokens>,
    pub cors_allow_origin: String,
    /// `COMPUTE_TYPE`: auto (as the bundle stores its weights), f32 or int8.
    pub compute_type: ComputeType,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(&std::env::vars().collect())
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let number = |name: &'static str, default: usize| -> Result<usize, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| ConfigError::new(name, format!("{name}={v:?} is not a whole number"))),
            }
        };
        let model = match (get("MODEL_BUCKET"), get("MODEL_KEY")) {
            (Some(bucket), Some(key)) => ModelLocation::S3 { bucket: bucket.into(), key: key.into() },
            (Some(_), None) => return Err(ConfigError::new("MODEL_KEY", "MODEL_BUCKET is set but MODEL_KEY is not")),
            (None, Some(_)) => {
                return Err(ConfigError::new("MODEL_BUCKET", "MODEL_KEY is set but MODEL_BUCKET is not"))
            }
            (None, None) => match get("MODEL_PATH") {
                Some(path) => ModelLocation::File(path.into()),
                None => {
                    let packaged = PathBuf::from(get("LAMBDA_TASK_ROOT").unwrap_or(".")).join("model.retort");
                    if packaged.is_file() || !crate::model::EMBEDDED {
                        ModelLocation::File(packaged)
                    } else {
                        ModelLocation::Embedded
                    }
                }
            },
        };
        let unknown_tokens = match get("UNKNOWN_TOKENS") {
            None => None,
            // "error" and "allow" are this setting's first names.
            Some("refuse" | "error") => Some(UnknownTokens::Refuse),
            Some("map" | "allow") => Some(UnknownTokens::Map),
            Some(other) => {
                return Err(ConfigError::new(
                    "UNKNOWN_TOKENS",
                    format!("UNKNOWN_TOKENS={other:?}: expected \"map\" or \"refuse\""),
                ))
            }
        };
        let output_threshold = match get("OUTPUT_THRESHOLD_BYTES") {
            None => None,
            Some(_) => Some(number("OUTPUT_THRESHOLD_BYTES", 0)?),
        };
        let compute_type = match get("COMPUTE_TYPE") {
            None => ComputeType::Auto,
            Some(v) => v.parse().map_err(|e| ConfigError::new("COMPUTE_TYPE", format!("COMPUTE_TYPE={v:?}: {e}")))?,
        };
        Ok(Config {
            compute_type,
            model,
            model_cache_dir: get("MODEL_CACHE_DIR").unwrap_or("/tmp").into(),
            output_bucket: get("OUTPUT_BUCKET").map(str::to_string),
            output_prefix: get("OUTPUT_PREFIX").unwrap_or("retort/").to_string(),
            inline_limit: number("INLINE_LIMIT_BYTES", LAMBDA_SYNC_RESPONSE_LIMIT)?,
            output_threshold,
            presign_ttl_s: number("PRESIGN_TTL_SECONDS", 3600)? as u64,
            max_inputs: number("MAX_INPUTS", 1000)?,
            max_beam: number("MAX_BEAM", 32)?,
            max_length: number("MAX_LENGTH", 500)?,
            max_answer_bytes: number("MAX_ANSWER_MB", number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 512)? / 4)?
                .saturating_mul(1 << 20),
            unknown_tokens,
            cors_allow_origin: get("CORS_ALLOW_ORIGIN").unwrap_or("*").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn compute_type_is_read_and_checked() {
        assert_eq!(Config::from_vars(&vars(&[])).unwrap().compute_type, ComputeType::Auto);
        assert_eq!(Config::from_vars(&vars(&[("COMPUTE_TYPE", "int8")])).unwrap().compute_type, ComputeType::Int8);
        let e = Config::from_vars(&vars(&[("COMPUTE_TYPE", "int4")])).unwrap_err();
        assert_eq!(e.variable, "COMPUTE_TYPE");
        assert!(e.to_string().contains("int4"), "{e}");
    }

    #[test]
    fn s3_model_needs_both_variables() {
        let c = Config::from_vars(&vars(&[("MODEL_BUCKET", "b"), ("MODEL_KEY", "m.retort")])).unwrap();
        assert_eq!(c.model, ModelLocation::S3 { bucket: "b".into(), key: "m.retort".into() });
        let e = Config::from_vars(&vars(&[("MODEL_BUCKET", "b")])).unwrap_err();
        assert_eq!(e.variable, "MODEL_KEY");
        assert!(e.to_string().contains("MODEL_KEY"), "{e}");
    }

    #[test]
    fn defaults_and_bad_numbers() {
        let c = Config::from_vars(&vars(&[("MODEL_PATH", "/x/m.retort")])).unwrap();
        assert_eq!(c.inline_limit, LAMBDA_SYNC_RESPONSE_LIMIT);
        assert_eq!(c.output_prefix, "retort/");
        assert_eq!(c.unknown_tokens, None);
        let e = Config::from_vars(&vars(&[("MAX_INPUTS", "lots")])).unwrap_err();
        assert_eq!(e.variable, "MAX_INPUTS");
        assert!(e.to_string().contains("MAX_INPUTS=\"lots\""), "{e}");
        let e = Config::from_vars(&vars(&[("UNKNOWN_TOKENS", "maybe")])).unwrap_err();
        assert_eq!(e.variable, "UNKNOWN_TOKENS");
    }
}
