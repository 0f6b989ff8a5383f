//! The init phase: configuration, clients and the model, once per container. A failure is
//! reported through the Runtime API's init-error endpoint, so callers see its message instead of
//! a bare exit status.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use retort_s3_io::{aws_config, s3_client};

use crate::config::{Config, ModelLocation};
use crate::error::InitError;
use crate::handler::App;
use crate::store::OutputStore;

pub async fn init() -> Result<App, InitError> {
    let start = Instant::now();
    let config = Config::from_env()?;
    let needs_s3 = config.output_bucket.is_some() || matches!(config.model, ModelLocation::S3 { .. });
    let s3 = if needs_s3 { Some(s3_client(&aws_config().await)) } else { None };
    let bytes = crate::model::load_bundle(&config, s3.as_ref()).await?;
    let (engine, info) = crate::model::engine_from(&bytes, config.compute_type)?;
    drop(bytes);
    let output = match (&config.output_bucket, s3) {
        (Some(bucket), Some(client)) => Some(OutputStore {
            client,
            bucket: bucket.clone(),
            prefix: config.output_prefix.clone(),
            presign_ttl: Duration::from_secs(config.presign_ttl_s),
        }),
        _ => None,
    };
    Ok(App::new(engine, info, config, output, start.elapsed().as_secs_f64() * 1e3))
}

/// Tells the Runtime API that init failed (`POST /runtime/init/error`); best effort, the
/// process exits non-zero either way.
pub fn report_init_error(error: &InitError) {
    let message = error.to_string();
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let body = serde_json::json!({"errorType": "Runtime.InitError", "errorMessage": message}).to_string();
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.InitError\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Ok(mut s) = TcpStream::connect(&api) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = s.write_all(request.as_bytes());
        let _ = s.read(&mut [0u8; 512]);
    }
}
