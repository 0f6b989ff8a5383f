//! Writes a bundle again with this build's writer, in the storage type it already has: a
//! format upgrade (version 1 → 2 adds the header checksum) that keeps payload, metadata and
//! provenance as they are, optionally stating the model's task. Used for the committed
//! fixtures; users re-store with `retort import old.retort -o new.retort [--task T]`, which
//! also records the step in the provenance.
//!
//!     cargo run --release -p retort-core --example rewrite_bundle -- IN.retort OUT.retort [TASK]
//!
//! TASK: reaction_prediction, retrosynthesis, analogue_generation or translation.

use retort_core::bundle::{Bundle, ModelTask, StorageType};
use safetensors::{Dtype, SafeTensors};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, task) = match args.as_slice() {
        [i, o] => (i, o, None),
        [i, o, t] => (i, o, Some(serde_json::from_value::<ModelTask>(serde_json::Value::String(t.clone()))?)),
        _ => return Err("usage: rewrite_bundle IN.retort OUT.retort [TASK]".into()),
    };
    let bytes = std::fs::read(input)?;
    let mut bundle = Bundle::from_bytes(&bytes)?;
    if task.is_some() {
        bundle.meta.task = task;
    }
    let (_, header) = SafeTensors::read_metadata(&bytes)?;
    let dtypes: Vec<Dtype> = header.tensors().values().map(|t| t.dtype).collect();
    let storage = if dtypes.contains(&Dtype::I8) {
        StorageType::Int8
    } else if dtypes.contains(&Dtype::F16) {
        StorageType::F16
    } else {
        StorageType::F32
    };
    std::fs::write(output, bundle.to_bytes(storage)?)?;
    println!("{input} -> {output} ({})", storage.describe());
    Ok(())
}
