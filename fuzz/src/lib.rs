//! What more than one fuzz target needs. Every target asserts only that a parser returns
//! (`Ok` or a typed `Err`): a panic, an abort, running out of the memory limit or the time
//! limit is the finding.

use retort_core::{Bundle, Engine, TokenizerKind};
use retort_import::torch::TorchFile;

/// A torch checkpoint as `retort import` takes it: parsed, every tensor of the top-level
/// dicts read (where hostile views live), then converted as an OpenNMT-py checkpoint.
pub fn import_torch_checkpoint(data: &[u8]) {
    let Ok(file) = TorchFile::parse(data.to_vec()) else { return };
    // The root and the `model` state dict: one level each, no recursion (pickled values may
    // be cyclic).
    for holder in [Some(file.root.clone()), file.root.attr("model")].into_iter().flatten() {
        let Some(dict) = holder.as_dict() else { continue };
        let tensors: Vec<_> = dict.borrow().entries().iter().filter_map(|(_, v)| v.as_tensor()).collect();
        for t in tensors {
            let _ = file.tensor_f32(&t);
            let _ = file.tensor_i64(&t);
        }
    }
    let _ = retort_import::opennmt::checkpoint_to_bundle(&file, TokenizerKind::Smiles);
}

/// The built-in default model (a SMILES bundle), for targets that need a real engine.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../../host-cli/assets/default.retort");

/// One engine per tokenizer kind, all with the default model's vocabulary, built once.
pub fn engines() -> Vec<Engine> {
    let bundle = Bundle::from_bytes(DEFAULT_MODEL).expect("the default model loads");
    [TokenizerKind::Smiles, TokenizerKind::Char, TokenizerKind::Space, TokenizerKind::ReinventSmiles]
        .into_iter()
        .map(|kind| {
            let mut b = bundle.clone();
            b.meta.tokenizer_kind = kind;
            Engine::from_bundle(&b).expect("the default model builds an engine")
        })
        .collect()
}
