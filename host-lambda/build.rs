//! `RETORT_EMBED_MODEL=<bundle.retort>` at build time compiles that bundle into `bootstrap`, for
//! a single-file deployment with no model to fetch or package.
fn main() {
    println!("cargo:rerun-if-env-changed=RETORT_EMBED_MODEL");
    println!("cargo:rustc-check-cfg=cfg(retort_embedded)");
    if let Some(path) = std::env::var_os("RETORT_EMBED_MODEL").filter(|p| !p.is_empty()) {
        let path = std::fs::canonicalize(&path)
            .unwrap_or_else(|e| panic!("RETORT_EMBED_MODEL={}: {e}", path.to_string_lossy()));
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-cfg=retort_embedded");
        println!("cargo:rustc-env=RETORT_EMBED_MODEL_PATH={}", path.display());
    }
}
