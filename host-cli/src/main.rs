//! `retort`: translate with, import, inspect and benchmark Transformer seq2seq models.
//!
//! Every failure prints `error: <message>` on stderr and exits non-zero: 2 for bad usage or
//! bad input (unknown flags, invalid options, empty or malformed input lines, missing files),
//! 1 for anything else (corrupt model, failed import, I/O errors).

mod bench;
mod error;
mod import;
mod inspect;
mod io_util;
mod model;
mod options;
mod progress;
#[cfg(feature = "lambda")]
mod remote;
mod s3;
mod translate;

use clap::{Parser, Subcommand};

use crate::error::EXIT_BROKEN_PIPE;

#[derive(Parser, Debug)]
#[command(
    name = "retort",
    version,
    about = "Transformer seq2seq inference (OpenNMT-py / CTranslate2 models) in pure Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Translate one input per line (stdin or a file).
    Translate(translate::TranslateArgs),
    /// Convert an OpenNMT-py checkpoint or a CTranslate2 model directory into a bundle.
    Import(import::ImportArgs),
    /// Show what a bundle holds.
    Inspect(inspect::InspectArgs),
    /// Measure throughput, load time, memory and cold start.
    Bench(bench::BenchArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints `error: ...` and exits 2 for usage errors, 0 for --help / --version.
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Translate(a) => translate::run(a),
        Command::Import(a) => import::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Bench(a) => bench::run(a),
    };
    if let Err(e) = result {
        if e.code != EXIT_BROKEN_PIPE {
            eprintln!("error: {e}");
        }
        std::process::exit(e.code);
    }
}
