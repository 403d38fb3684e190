//! The C++ wrapper include/session.hpp: tests/cpp/*.cpp built with g++ -std=c++17 and
//! strict warnings against this build's libsession.so, run under valgrind against httpbin.
mod native;
mod support;

use std::path::Path;
use std::process::Command;

/// `g++ -std=c++17 <warnings> [extra] -I include <src> -o <out> -L<lib> -lsession`.
fn build_cpp(src: &Path, out: &Path, lib: &Path, extra: &[&str]) {
    let mut cmd = Command::new("g++");
    cmd.arg("-std=c++17").args(native::WARNINGS).arg("-g").args(extra);
    cmd.arg("-I").arg(support::repo_root().join("include"));
    cmd.arg(src).arg("-o").arg(out);
    cmd.arg(format!("-L{}", lib.display())).arg("-lsession");
    cmd.arg(format!("-Wl,-rpath,{}", lib.display()));
    native::run_ok(cmd, &format!("g++ {}", src.display()));
}

#[test]
fn session_hpp_suite() {
    let dir = native::scratch("cpp_suite", "session_hpp");
    let lib = native::linked_lib_dir(&dir);
    let exe = dir.join("test_session_hpp");
    build_cpp(&support::repo_root().join("tests/cpp/test_session_hpp.cpp"), &exe, &lib, &[]);
    let httpbin = support::httpbin();
    let mut cmd = native::under_valgrind(&exe);
    cmd.env("HTTPBIN_URL", httpbin.url(""));
    let out = native::run_program(cmd, &dir, "test_session_hpp");
    assert!(out.contains(" 0 failed"), "unexpected summary: {out}");
}

/// WebSocket (one sender thread, one receiver iterating), a refused upgrade, a timeout and
/// Server-Sent Events through the wrapper, under valgrind, against the stream server.
#[test]
fn session_hpp_streams() {
    let dir = native::scratch("cpp_suite", "streams_hpp");
    let lib = native::linked_lib_dir(&dir);
    let exe = dir.join("test_streams_hpp");
    build_cpp(&support::repo_root().join("tests/cpp/test_streams_hpp.cpp"), &exe, &lib, &["-pthread"]);
    let streams = support::streams();
    let mut cmd = native::under_valgrind(&exe);
    cmd.env("STREAM_URL", streams.url(""));
    let out = native::run_program(cmd, &dir, "test_streams_hpp");
    assert!(out.contains(" 0 failed"), "unexpected summary: {out}");
}

/// Without exceptions only the non-throwing overloads exist, and they are enough to work.
#[test]
fn session_hpp_without_exceptions() {
    let dir = native::scratch("cpp_suite", "no_exceptions");
    let lib = native::linked_lib_dir(&dir);
    let exe = dir.join("nothrow_only");
    build_cpp(
        &support::repo_root().join("tests/cpp/nothrow_only.cpp"),
        &exe,
        &lib,
        &["-fno-exceptions"],
    );
    let httpbin = support::httpbin();
    let mut cmd = native::under_valgrind(&exe);
    cmd.env("HTTPBIN_URL", httpbin.url(""));
    let out = native::run_program(cmd, &dir, "nothrow_only");
    assert!(out.contains("status 418"), "unexpected output: {out}");
}

/// examples-c/cpp_example.cpp builds as examples-c/Makefile builds it and runs cleanly.
#[test]
fn cpp_example_runs() {
    let dir = native::scratch("cpp_suite", "cpp_example");
    let lib = native::linked_lib_dir(&dir);
    let exe = dir.join("cpp_example");
    build_cpp(&support::repo_root().join("examples-c/cpp_example.cpp"), &exe, &lib, &[]);
    let httpbin = support::httpbin();
    let mut cmd = native::under_valgrind(&exe);
    cmd.arg(httpbin.url("").trim_end_matches('/'));
    let out = native::run_program(cmd, &dir, "cpp_example");
    for want in [
        "login -> 200 after 1 redirect(s), first hop 302",
        "jar sends: session_id=abc123",
        "POST -> 200 OK, application/json",
        "missing -> 404 ok=0",
        "unreachable -> ",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

/// session.hpp compiles alone under stricter warnings than the suite's, as C++17 and C++20.
#[test]
fn session_hpp_compiles_alone_strictly() {
    let dir = native::scratch("cpp_suite", "alone");
    let src = dir.join("alone.cpp");
    std::fs::write(
        &src,
        "#include \"session.hpp\"\nint main() { libsession::Session s; return s ? 0 : 1; }\n",
    )
    .unwrap();
    for std in ["-std=c++17", "-std=c++20"] {
        let mut cmd = Command::new("g++");
        cmd.arg(std).args(native::WARNINGS);
        cmd.args(["-Wshadow", "-Wconversion", "-Wsign-conversion", "-Wold-style-cast"]);
        cmd.args(["-Wnon-virtual-dtor", "-Wuseless-cast", "-Wnull-dereference", "-O2"]);
        cmd.arg("-I").arg(support::repo_root().join("include"));
        cmd.arg("-c").arg(&src).arg("-o").arg(dir.join("alone.o"));
        native::run_ok(cmd, &format!("g++ {std} session.hpp alone"));
    }
}
