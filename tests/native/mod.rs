//! Building and running native (C/C++) programs against this cargo build's libsession, for
//! the test suites beyond tests/c_suite.rs (`mod native;`). Mirrors c_suite.rs's approach:
//! the cdylib and staticlib that `cargo test` writes next to the test executable, programs
//! run under valgrind (when installed) with the loopback servers' URLs in the environment.
#![allow(dead_code)] // each test binary uses a subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

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

pub fn have_valgrind() -> bool {
    let found = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var("LIBSESSION_REQUIRE_VALGRIND").as_deref() == Ok("1") {
        panic!("LIBSESSION_REQUIRE_VALGRIND=1 but valgrind is not installed");
    }
    found
}

/// `exe` under valgrind (definite and indirect leaks are errors, exit 99) when installed.
pub fn under_valgrind(exe: &Path) -> Command {
    if !have_valgrind() {
        return Command::new(exe);
    }
    let mut c = Command::new("valgrind");
    c.args([
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--show-leak-kinds=definite,indirect",
        "--error-exitcode=99",
        "--quiet",
        "--num-callers=40",
    ]);
    c.arg(exe);
    c
}

/// Loopback only: no proxy from the environment.
pub fn no_proxy(cmd: &mut Command) {
    cmd.env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for var in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
}

/// Runs `cmd` in `dir` with a deadline, stdout/stderr to files there; panics unless it exits
/// 0 (exit 99 is valgrind's report). Returns stdout.
pub fn run_program(mut cmd: Command, dir: &Path, name: &str) -> String {
    no_proxy(&mut cmd);
    let stdout_path = dir.join(format!("{name}.stdout"));
    let stderr_path = dir.join(format!("{name}.stderr"));
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"));
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = fs::read_to_string(&stdout_path).unwrap_or_default();
    let output = format!(
        "--- stdout ---\n{stdout}--- stderr ---\n{}",
        fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    match status {
        None => panic!("{name} did not finish within {RUN_TIMEOUT:?}\n{output}"),
        Some(s) if s.success() => {
            print!("{output}");
            stdout
        }
        Some(s) if s.code() == Some(99) => panic!("{name}: valgrind reported errors\n{output}"),
        Some(s) => panic!("{name} failed ({s})\n{output}"),
    }
}
