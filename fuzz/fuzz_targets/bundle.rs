//! `.retort` bundles: the safetensors header, the metadata, the checksums, int8 row scales,
//! computed position tables, validation, then the engine built from what was read.
//! Built with `--cfg fuzzing`, the reader reports checksum mismatches without refusing, so
//! the fuzzer gets past them to what follows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retort_core::{Bundle, Engine};

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = Bundle::from_bytes(data) {
        let _ = Engine::from_bundle(&bundle);
    }
});
