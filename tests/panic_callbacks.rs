//! Panics injected inside callbacks (tests/c/panic_callbacks.c, the panic
//! injection of debug builds): libcurl's header callback and the wrappers of the user's write,
//! progress, response-hook and debug callbacks; each request gives SESSION_E_INTERNAL and
//! the process and session live on. Run under ASan/UBSan.
mod support;

use std::process::Command;
use std::time::Duration;
use support::cbuild;

#[test]
fn injected_callback_panics_become_internal_errors() {
    let rig = support::rig();
    let dir = cbuild::work_dir("panic_callbacks", "panic_callbacks");
    let exe = dir.join("panic_callbacks");
    let src = support::repo_root().join("tests/c/panic_callbacks.c");
    cbuild::build(
        &src,
        &exe,
        &dir,
        &["-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
    );
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&dir)
        .env("RIG_URL", rig.url(""))
        .env("RUST_BACKTRACE", "0");
    // A panic while a transfer is stopped may leave that transfer's handle behind.
    cmd.env("ASAN_OPTIONS", "detect_leaks=0");
    cbuild::no_proxy(&mut cmd);
    let out = cbuild::run(cmd, Duration::from_secs(60));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{}\n{stdout}{stderr}", out.status);
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    // One panic per injected request: 1 in the header callback, 4 in user callbacks.
    assert_eq!(
        stderr
            .matches("injected panic (LIBSESSION_INJECT_PANIC=header)")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("injected panic (LIBSESSION_INJECT_PANIC=callback)")
            .count(),
        4,
        "{stderr}"
    );
    assert!(
        !stderr.contains("Sanitizer") && !stderr.contains("runtime error:"),
        "{stderr}"
    );
}
