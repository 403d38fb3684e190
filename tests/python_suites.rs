//! Runs the Python suites with pytest from the project venv against the libsession.so of this
//! cargo build: the binding's own tests (bindings/python/tests) and the parity suite against
//! requests (tests/parity). The suites start their own servers on 127.0.0.1. One #[test] per
//! suite; pytest's output is shown on failure.
mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The directory holding this build's libsession.so (as tests/c_suite.rs finds it).
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test executable has no parent");
    let found = [Some(deps), deps.parent()]
        .into_iter()
        .flatten()
        .find(|dir| dir.join("libsession.so").is_file())
        .unwrap_or_else(|| panic!("no libsession.so in {} or its parent", deps.display()))
        .to_path_buf();
    found
}

/// Runs pytest on `suite` (relative to the repository); returns its output, panicking with it
/// unless every test passed.
fn pytest(suite: &str) -> String {
    let root = support::repo_root();
    let mut cmd = Command::new(support::venv_python());
    cmd.args(["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"])
        .arg(root.join(suite))
        .current_dir(&root)
        .env("LIBSESSION_LIBRARY", lib_dir().join("libsession.so"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdin(Stdio::null());
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
    let out = cmd.output().expect("run pytest");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "pytest {suite} failed ({}):\n{text}",
        out.status
    );
    print!("{text}");
    text
}

#[test]
fn python_binding_suite() {
    pytest("bindings/python/tests");
}

/// The parity suite passes and runs at least 40 scenarios (issue 4, item 11).
#[test]
fn parity_suite() {
    let text = pytest("tests/parity");
    let count: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("parity scenarios: "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no 'parity scenarios: N' line in the output:\n{text}"));
    assert!(count >= 40, "only {count} parity scenarios ran");
}
