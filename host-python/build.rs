//! Empty: it exists so that `[build-dependencies]` in Cargo.toml can pin the features of the
//! proc-macro side (see the feature pins there).
fn main() {}
