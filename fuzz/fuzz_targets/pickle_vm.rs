//! The pickle VM on any bytes, with persistent ids allowed (as torch checkpoints use them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use retort_import::pickle::{self, PersistentLoad, Value};

/// Hands back the persistent id itself, so the VM's paths after `BINPERSID` run too.
struct KeepIds;

impl PersistentLoad for KeepIds {
    fn persistent_load(&mut self, pid: Value) -> Result<Value, String> {
        Ok(pid)
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok((value, used)) = pickle::load(data, &mut KeepIds) {
        assert!(used <= data.len(), "the VM claims {used} bytes of {}", data.len());
        // What importers do with a value: describe it (bounded Debug), look attributes up.
        let _ = format!("{value:?}");
        let _ = value.attr("model");
        let _ = value.class_name();
    }
});
