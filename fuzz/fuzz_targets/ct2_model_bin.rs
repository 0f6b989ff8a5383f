//! CTranslate2 `model.bin` (binary versions 1 to 6) through the directory importer, beside a
//! real vocabulary and config.json (fixtures/ct2/onmt12-f32), as `retort import DIR` reads it.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

/// The model directory this process imports from; only model.bin changes between inputs.
static MODEL_DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("retort-fuzz-ct2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch model directory");
    std::fs::write(dir.join("config.json"), include_bytes!("../../fixtures/ct2/onmt12-f32/config.json"))
        .expect("config.json written");
    std::fs::write(
        dir.join("shared_vocabulary.json"),
        include_bytes!("../../fixtures/ct2/onmt12-f32/shared_vocabulary.json"),
    )
    .expect("shared_vocabulary.json written");
    dir
});

fuzz_target!(|data: &[u8]| {
    let dir = &*MODEL_DIR;
    std::fs::write(dir.join("model.bin"), data).expect("model.bin written");
    let _ = retort_import::ctranslate2::import_ctranslate2_dir(dir, None);
});
