//! Runs the Python suites with pytest from the project venv against the libsession.so of this
//! cargo build: the binding's own tests (bindings/python/tests) and the parity suite against
//! requests (tests/parity). The suites start their own servers on 127.0.0.1. One #[test] per
//! suite; pytest's output is shown on failure.
mod support;

use std::process::{Command, Stdio};
use support::cbuild::lib_dir;

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
        .stdin(Stdio::null());
    support::cbuild::no_proxy(&mut cmd);
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
