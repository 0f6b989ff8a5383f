//! torch legacy checkpoints (magic, version and sys_info pickles, the object pickle, the
//! storage key list, then the storages), through the OpenNMT-py importer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Zip archives are the zip reader's (its own target).
    if !data.starts_with(b"PK") {
        retort_fuzz::import_torch_checkpoint(data);
    }
});
