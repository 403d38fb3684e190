//! Building and running small C programs against this build's libsession.so (the same
//! approach as tests/c_suite.rs): scratch dirs with soname links, gcc with the project's
//! warnings, a run with a deadline.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const WARNINGS: &[&str] = &[
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];

/// The directory of this cargo build's libsession.so (next to the test executable).
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe
        .parent()
        .expect("test executable has no parent")
        .to_path_buf();
    [deps.clone(), deps.parent().unwrap().to_path_buf()]
        .into_iter()
        .find(|dir| dir.join("libsession.so").is_file())
        .unwrap_or_else(|| panic!("no libsession.so in {} or its parent", deps.display()))
}

/// A fresh scratch directory `<tmp>/<suite>/<name>` with libsession.so(.0) links.
pub fn work_dir(suite: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(suite)
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    let so = lib_dir().join("libsession.so");
    for link in ["libsession.so", "libsession.so.0"] {
        std::os::unix::fs::symlink(&so, dir.join(link)).expect("symlink libsession");
    }
    dir
}

/// gcc <WARNINGS> <extra> -I include -I tests/c <src> -o <exe>, linked to libsession in `dir`.
pub fn build(src: &Path, exe: &Path, dir: &Path, extra: &[&str]) {
    let root = super::repo_root();
    let mut cmd = Command::new("gcc");
    cmd.args(WARNINGS).args(extra);
    cmd.arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(root.join("tests/c"));
    cmd.arg(src).arg("-o").arg(exe);
    cmd.arg(format!("-L{}", dir.display()))
        .arg("-lsession")
        .arg(format!("-Wl,-rpath,{}", dir.display()));
    let out = cmd.output().expect("run gcc");
    assert!(
        out.status.success(),
        "compiling {} failed:\n{:?}\n{}",
        src.display(),
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` with stdin closed, killing it after `limit`; returns its output.
pub fn run(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Environment for C tests: no proxies, loopback exempt.
pub fn no_proxy(cmd: &mut Command) {
    cmd.env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
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

const RUN_TIMEOUT: Duration = Duration::from_secs(600);

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
