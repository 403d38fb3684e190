//! Generates include/session.h with cbindgen. The file is written only when its content
//! changes (so packaging and no-op builds leave the tree alone) and never under CI, where
//! the test `header_is_current` catches a stale checked-in header instead.

use std::path::PathBuf;

fn main() {
    // The C library's soname; the ABI only grows, so it stays .so.0.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsession.so.0");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let header = match cbindgen::generate_with_config(&root, config) {
        Ok(bindings) => {
            let mut out = Vec::new();
            bindings.write(&mut out);
            out
        }
        Err(err) => {
            // Rust compile errors show better from rustc itself; keep the old header.
            println!("cargo:warning=cbindgen failed: {err}");
            return;
        }
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out_dir.join("session.h"), &header).expect("write OUT_DIR/session.h");
    let target = root.join("include/session.h");
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if !in_ci && std::fs::read(&target).ok().as_deref() != Some(header.as_slice()) {
        std::fs::create_dir_all(root.join("include")).expect("create include/");
        std::fs::write(&target, &header).expect("write include/session.h");
    }
}
