//! Fork safety (tests/c/fork_child.c): a child process after fork never reuses the parent's
//! pooled connections; the rig server counts connections.
mod support;

use std::process::Command;
use std::time::Duration;
use support::cbuild;

#[test]
fn child_after_fork_opens_its_own_connection() {
    let rig = support::rig();
    let dir = cbuild::work_dir("fork_safety", "fork_child");
    let exe = dir.join("fork_child");
    cbuild::build(
        &support::repo_root().join("tests/c/fork_child.c"),
        &exe,
        &dir,
        &[],
    );
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&dir).env("RIG_URL", rig.url(""));
    cbuild::no_proxy(&mut cmd);
    let out = cbuild::run(cmd, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
