//! Building and running native (C/C++) programs against this cargo build's libsession, for
//! the test suites beyond tests/c_suite.rs (`mod native;`). Mirrors c_suite.rs's approach:
//! the cdylib and staticlib that `cargo test` writes next to the test executable, programs
//! run under valgrind (when installed) with the loopback servers' URLs in the environment.
#![allow(dead_code)] // each test binary uses a subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/// The directory with this build's libsession.so and libsession.a (target/<profile>/deps
/// under `cargo test`, else its parent).
pub fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test executable has no parent");
    let found = [Some(deps), deps.parent()]
        .into_iter()
        .flatten()
        .find(|dir| dir.join("libsession.so").is_file() && dir.join("libsession.a").is_file())
        .unwrap_or_else(|| {
            panic!(
                "no libsession.so and libsession.a in {} or its parent (crate-type cdylib and \
                 staticlib in Cargo.toml)",
                deps.display()
            )
        })
        .to_path_buf();
    found
}

/// A fresh scratch directory `CARGO_TARGET_TMPDIR/<suite>/<name>`.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(suite).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A directory holding libsession.so and libsession.so.0 links to this build's library.
pub fn linked_lib_dir(dir: &Path) -> PathBuf {
    let lib = dir.join("lib");
    fs::create_dir_all(&lib).expect("create lib dir");
    let so = build_dir().join("libsession.so");
    for link in ["libsession.so", "libsession.so.0"] {
        let _ = fs::remove_file(lib.join(link));
        std::os::unix::fs::symlink(&so, lib.join(link)).expect("symlink libsession");
    }
    lib
}

/// Runs `cmd`, panicking with its output unless it succeeds; returns its stdout.
pub fn run_ok(mut cmd: Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({cmd:?}): {e}"));
    assert!(out.status.success(), "{what} failed ({}):\n{cmd:?}\n{}", out.status, show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn show(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[allow(unused_imports)] // each test binary uses a subset
pub use crate::support::cbuild::{have_valgrind, no_proxy, run_program, under_valgrind};
