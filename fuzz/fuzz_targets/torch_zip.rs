//! torch zip checkpoints (`PK` archives holding `<folder>/data.pkl` and `data/<key>` storages),
//! through the OpenNMT-py importer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Everything else is the legacy reader's (its own target).
    if data.starts_with(b"PK") {
        retort_fuzz::import_torch_checkpoint(data);
    }
});
