//! The models a host is built with: the built-in default bundle, and the ONNX-generated models
//! (one cargo feature each, one list for every host). A bundle made for a generated model loads only where its model is compiled in; others
//! are refused with a message naming what is missing.
//!
//! Adding a generated model: a dependency and a feature here (`onnx-<name>`), one `push` below,
//! and the same feature on each host that should carry it (`onnx-<name> =
//! ["retort-models/onnx-<name>"]`).

use retort_core::model::generated::GeneratedModelLoader;

/// The built-in default model (a tiny toy Molecular Transformer, see the README's "Models"), so
/// every native host (the `retort` CLI, the Python package) works with no model file at hand.
/// The file stays in `host-cli/assets/`, where the packaging scripts and tests find it.
pub static DEFAULT_BUNDLE: &[u8] = include_bytes!("../../../host-cli/assets/default.retort");

/// The generated models compiled into this build, in a fixed order.
// One push per cargo feature, so the list can be empty.
#[allow(clippy::vec_init_then_push)]
pub fn generated_models() -> Vec<&'static dyn GeneratedModelLoader> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static dyn GeneratedModelLoader> = Vec::new();
    #[cfg(feature = "onnx-annalog")]
    v.push(&retort_model_annalog_onnx::LOADER);
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn features_decide_the_list() {
        let names: Vec<&str> = super::generated_models().iter().map(|l| l.name()).collect();
        assert_eq!(names.len(), usize::from(cfg!(feature = "onnx-annalog")), "{names:?}");
    }
}
