//! Quick timing of the Molecular Transformer shape with random weights (development aid;
//! the real benchmark is `retort bench` / scripts/bench.sh).
use std::time::Instant;

use retort_core::testing::{molecular_transformer_spec, random_bundle};
use retort_core::{Engine, TranslateOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let beam: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let engine = Engine::from_bundle(&random_bundle(molecular_transformer_spec(300), 1)?)?;
    let base = ["CC(=O)Cl.OCC", "c1ccccc1O.CI", "N#Cc1ccc(Br)cc1.OB(O)c1ccccc1", "CCN(CC)CC.O=C(Cl)c1ccccc1.NCc1ccco1"];
    let inputs: Vec<String> = (0..n).map(|i| base[i % base.len()].repeat(1 + i % 3)).collect();
    let opts = TranslateOptions { beam_size: beam, n_best: 1, max_length: 60, batch_size: 30, ..Default::default() };
    let t = Instant::now();
    let out = engine.translate(&inputs, &opts)?;
    let secs = t.elapsed().as_secs_f64();
    let toks: usize = out.iter().map(|t| t.predictions[0].tokens.len() + 1).sum();
    println!("beam {beam}: {n} inputs in {secs:.2}s = {:.1} sent/s, {:.0} tok/s", n as f64 / secs, toks as f64 / secs);
    Ok(())
}
