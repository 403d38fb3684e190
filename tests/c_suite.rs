//! Builds the C tests in tests/c/ with gcc against include/session.h and the libsession.so of
//! this cargo build, then runs each one (under valgrind when installed) against the test servers.
//! One #[test] per C program, so a failure names the program; its output is shown on failure.
//!
//! Environment: LIBSESSION_REQUIRE_VALGRIND=1 makes a missing valgrind an error.
mod support;

use support::cbuild::{self, lib_dir};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const C_TESTS: &[&str] = &[
    "test_basics",
    "test_requests",
    "test_redirects",
    "test_cookies",
    "test_cookie_jar",
    "test_reuse",
    "test_response_lifetime",
    "test_network",
    "test_streaming",
    "test_batch",
    "test_async",
    "test_fork",
    "test_state",
    "test_ws",
];

fn header_dir() -> PathBuf {
    let dir = support::repo_root().join("include");
    assert!(
        dir.join("session.h").is_file(),
        "{}/session.h does not exist (build.rs generates it with cbindgen)",
        dir.display()
    );
    dir
}

/// A fresh scratch directory for one test, holding links named libsession.so and
/// libsession.so.0 to this build's library (the executable's NEEDED entry is the soname).
fn work_dir(name: &str) -> PathBuf {
    cbuild::work_dir("c_suite", name)
}

/// Runs a compiler command; panics with its output when it fails.
fn compile(mut cmd: Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run compiler for {what}: {e}"));
    assert!(
        out.status.success(),
        "compiling {what} failed ({}):\n{:?}\n{}{}",
        out.status,
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `compiler -std=<std> <warnings> -I include -I tests/c <src> -o <out>`, linked against
/// libsession unless `compile_only`.
fn build(compiler: &str, std: &str, src: &Path, out: &Path, dir: &Path, compile_only: bool) {
    let mut cmd = Command::new(compiler);
    cmd.arg(format!("-std={std}")).args(WARNINGS).arg("-g");
    cmd.arg("-I").arg(header_dir());
    cmd.arg("-I").arg(support::repo_root().join("tests/c"));
    if compile_only {
        cmd.arg("-c");
    }
    cmd.arg(src).arg("-o").arg(out);
    if !compile_only {
        cmd.arg(format!("-L{}", dir.display())).arg("-lsession");
        cmd.arg(format!("-Wl,-rpath,{}", dir.display()));
    }
    compile(cmd, &format!("{} as {std}", src.display()));
}

/// Compiles tests/c/<name>.c, runs it against fresh servers and asserts it exits 0.
fn run_c_test(name: &str) {
    let dir = work_dir(name);
    let src = support::repo_root()
        .join("tests/c")
        .join(format!("{name}.c"));
    let exe = dir.join(name);
    build("gcc", "c99", &src, &exe, &dir, false);

    let httpbin = support::httpbin();
    let rig = support::rig();
    let rig_tls = support::rig_tls();
    let ca_pem = rig_tls.ca_pem.as_ref().expect("rig_tls() has no CA file");

    let streams = support::streams();
    let mut cmd = cbuild::under_valgrind(&exe);
    cmd.env("HTTPBIN_URL", httpbin.url(""))
        .env("STREAM_URL", streams.url("").trim_end_matches('/'))
        .env("RIG_URL", rig.url(""))
        .env("RIG_TLS_URL", rig_tls.tls_url("").trim_end_matches('/'))
        .env("RIG_CA_PEM", ca_pem);
    cbuild::run_program(cmd, &dir, name);
}

#[test]
fn test_streaming() {
    run_c_test("test_streaming");
}

#[test]
fn test_basics() {
    run_c_test("test_basics");
}

#[test]
fn test_requests() {
    run_c_test("test_requests");
}

#[test]
fn test_redirects() {
    run_c_test("test_redirects");
}

#[test]
fn test_cookies() {
    run_c_test("test_cookies");
}

#[test]
fn test_cookie_jar() {
    run_c_test("test_cookie_jar");
}

#[test]
fn test_state() {
    run_c_test("test_state");
}

#[test]
fn test_reuse() {
    run_c_test("test_reuse");
}

#[test]
fn test_response_lifetime() {
    run_c_test("test_response_lifetime");
}

#[test]
fn test_batch() {
    run_c_test("test_batch");
}

#[test]
fn test_async() {
    run_c_test("test_async");
}

#[test]
fn test_ws() {
    run_c_test("test_ws");
}

#[test]
fn test_fork() {
    run_c_test("test_fork");
}

/// examples-c/ws_chat.c and sse_feed.c build warning-free and run against the stream server
/// under valgrind: the echo chat prints the server's echoes and its close, the feed counts
/// every event.
#[test]
fn stream_examples_run() {
    let streams = support::streams();
    // (run_program gives no stdin: the chat sends its canned lines.)
    for (name, args, expect) in [
        ("ws_chat", vec![format!("ws://127.0.0.1:{}/echo", streams.port)], vec!["< hello", "< bye", "< closed: 1000"]),
        ("sse_feed", vec![streams.url("/events?n=3000")], vec!["3000 events from"]),
    ] {
        let dir = work_dir(name);
        let exe = dir.join(name);
        build("gcc", "c99", &support::repo_root().join("examples-c").join(format!("{name}.c")), &exe, &dir, false);
        let mut cmd = cbuild::under_valgrind(&exe);
        cmd.args(&args);
        let out = cbuild::run_program(cmd, &dir, name);
        for e in expect {
            assert!(out.contains(e), "{name}: {e:?} not in {out}");
        }
    }
}

/// Every tests/c/test_*.c has a runner above.
#[test]
fn every_c_test_is_run() {
    let dir = support::repo_root().join("tests/c");
    for entry in fs::read_dir(&dir).expect("read tests/c") {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name
            .strip_prefix("test_")
            .and_then(|n| n.strip_suffix(".c"))
        {
            let test = format!("test_{stem}");
            assert!(
                C_TESTS.contains(&test.as_str()),
                "tests/c/{name} has no #[test] in c_suite.rs"
            );
        }
    }
}

/// A C test (with check.h) also compiles as C11.
#[test]
fn c_test_compiles_as_c11() {
    let dir = work_dir("c11");
    let src = support::repo_root().join("tests/c/test_basics.c");
    build("gcc", "c11", &src, &dir.join("test_basics.o"), &dir, true);
}

/// include/session.h compiles alone, warning-free, as C99, C11 and C++17, and links and runs.
#[test]
fn header_compiles_alone() {
    let dir = work_dir("header");
    let c_src = dir.join("header_only.c");
    fs::write(
        &c_src,
        "#include \"session.h\"\n#include <stdio.h>\n\
         int main(void) { puts(session_version()); return 0; }\n",
    )
    .unwrap();
    let cpp_src = dir.join("header_only.cpp");
    fs::write(
        &cpp_src,
        "#include \"session.h\"\n#include <cstdio>\n\
         int main() {\n\
           session_t *s = session_new();\n\
           std::printf(\"%s\\n\", session_version());\n\
           session_free(s);\n\
           return s == nullptr;\n\
         }\n",
    )
    .unwrap();
    let runs = [
        ("gcc", "c99", &c_src, "header_c99"),
        ("gcc", "c11", &c_src, "header_c11"),
        ("g++", "c++17", &cpp_src, "header_cpp17"),
    ];
    for (compiler, std, src, exe) in runs {
        let exe = dir.join(exe);
        build(compiler, std, src, &exe, &dir, false);
        let out = Command::new(&exe).output().expect("run header program");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.starts_with("libsession "),
            "{} ({std}) failed: {}\n{text}{}",
            exe.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The shared library's soname is libsession.so.0 (API.md).
#[test]
fn soname_is_libsession_so_0() {
    let so = lib_dir().join("libsession.so");
    let out = Command::new("objdump")
        .arg("-p")
        .arg(&so)
        .output()
        .expect("run objdump");
    let text = String::from_utf8_lossy(&out.stdout);
    let soname = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("SONAME"))
        .map(str::trim);
    assert_eq!(
        soname,
        Some("libsession.so.0"),
        "soname of {}",
        so.display()
    );
}

#[test]
fn test_network() {
    run_c_test("test_network");
}
