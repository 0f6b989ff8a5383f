//! `retort-onnx-gen`: generate a Retort model crate and its weights bundle from ONNX.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use retort_core::StorageType;
use retort_onnx_gen::{generate, Request};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Storage {
    F32,
    F16,
}

/// Generate a burn model crate (implementing retort-core's model trait) and a weights bundle
/// from an encoder.onnx + decoder_step.onnx pair that follows Retort's ONNX contract.
#[derive(Parser, Debug)]
#[command(name = "retort-onnx-gen", version)]
struct Args {
    #[arg(long, value_name = "ONNX")]
    encoder: PathBuf,
    #[arg(long, value_name = "ONNX")]
    decoder: PathBuf,
    /// The model's name (crate `retort-model-NAME`; bundles refer to it).
    #[arg(long)]
    name: String,
    /// Where to write the crate (its src/ is replaced).
    #[arg(long = "crate", value_name = "DIR")]
    crate_dir: PathBuf,
    /// A bundle of the same model (from `retort import`) to take spec, tokenizers and
    /// decoding defaults from.
    #[arg(long, value_name = "BUNDLE")]
    like: PathBuf,
    /// The weights bundle to write.
    #[arg(short = 'o', long = "bundle", value_name = "OUT")]
    bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = Storage::F32)]
    storage: Storage,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let req = Request {
        encoder: a.encoder,
        decoder: a.decoder,
        name: a.name,
        crate_dir: a.crate_dir,
        like: a.like,
        bundle_out: a.bundle,
        storage: match a.storage {
            Storage::F32 => StorageType::F32,
            Storage::F16 => StorageType::F16,
        },
    };
    match generate(&req) {
        Ok(r) => {
            println!(
                "graphs:   encoder {} nodes, decoder step {} nodes (sha256 {})",
                r.encoder_nodes, r.decoder_nodes, r.graph_sha256
            );
            println!("ops:      {}", r.ops.join(" "));
            println!("crate:    {} (add it to the workspace members)", req.crate_dir.display());
            println!("bundle:   {} ({} tensors, {} bytes)", req.bundle_out.display(), r.tensors, r.bundle_bytes);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
