//! `retort translate --lambda <function>`: the same job fanned out over a deployed Retort
//! function (concurrent invocations, retries, answers followed into S3), written out exactly as
//! a local run writes it.

use clap::Args;
use retort_core::{TokenizerKind, TranslateOptions, Translation};
use retort_lambda_fanout::{FanOut, FanOutConfig, FanOutError};

use crate::error::{CliError, CliResult};

#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Fan-out over AWS Lambda")]
pub struct LambdaArgs {
    /// Translate on this deployed Retort function (name, ARN or alias) instead of locally.
    /// Credentials and region come from the usual AWS chain; AWS_ENDPOINT_URL_LAMBDA points
    /// it at another endpoint (a local emulator).
    #[arg(long, value_name = "FUNCTION")]
    pub lambda: Option<String>,
    /// Invocations in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "lambda")]
    pub lambda_concurrency: usize,
    /// Inputs per invocation.
    #[arg(long, value_name = "N", default_value_t = 32, requires = "lambda")]
    pub lambda_batch: usize,
    /// Extra attempts for an invocation that failed for a passing reason (timeout, crash).
    #[arg(long, value_name = "N", default_value_t = 2, requires = "lambda")]
    pub lambda_retries: u32,
}

pub struct Remote {
    runtime: tokio::runtime::Runtime,
    fanout: FanOut,
    pub tokenizer: TokenizerKind,
    /// The function's model defaults, to which the command line's flags apply.
    pub defaults: TranslateOptions,
}

impl Remote {
    pub fn connect(args: &LambdaArgs, function: &str) -> CliResult<Remote> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CliError::failure(format!("cannot start the async runtime: {e}")))?;
        let config = FanOutConfig {
            function: function.to_string(),
            concurrency: args.lambda_concurrency,
            batch: args.lambda_batch,
            retries: args.lambda_retries,
        };
        let fanout = runtime.block_on(FanOut::new(config)).map_err(fanout_error)?;
        let info = runtime.block_on(fanout.describe()).map_err(fanout_error)?;
        Ok(Remote { runtime, fanout, tokenizer: info.model.tokenizer, defaults: info.decoding })
    }

    /// Lines a chunk should hold to keep every invocation slot busy.
    pub fn chunk_lines(args: &LambdaArgs) -> usize {
        (args.lambda_concurrency * args.lambda_batch * 4).max(1)
    }

    pub fn translate(
        &self,
        texts: &[String],
        prefixes: Option<&[String]>,
        opts: &TranslateOptions,
    ) -> Result<Vec<Translation>, FanOutError> {
        let (results, _) = self.runtime.block_on(self.fanout.translate(texts, prefixes, opts))?;
        Ok(results)
    }
}

fn fanout_error(e: FanOutError) -> CliError {
    CliError::failure(e.to_string())
}
