//! The C tests (tests/c/test_*.c, found by name) built again with AddressSanitizer and
//! UndefinedBehaviorSanitizer (gcc -fsanitize=address,undefined, LeakSanitizer on) and run
//! against the test servers: any report fails the test. The library itself is Rust plus
//! libcurl and is not instrumented (Rust's sanitizers need a nightly toolchain); ASan still
//! checks every heap block the C side touches, including what libsession hands out.
mod support;

use std::process::Command;
use std::time::Duration;
use support::cbuild;

const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

fn c_tests() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(support::repo_root().join("tests/c"))
        .expect("read tests/c")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| Some(n.strip_suffix(".c")?.to_string()).filter(|n| n.starts_with("test_")))
        .collect();
    names.sort();
    names
}

#[test]
fn c_tests_under_asan_and_ubsan() {
    let httpbin = support::httpbin();
    let names = c_tests();
    assert!(names.len() >= 6, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        // Fresh rig servers per program, as tests/c_suite.rs does (they count connections).
        let (rig, rig_tls, streams) = (support::rig(), support::rig_tls(), support::streams());
        let dir = cbuild::work_dir("c_sanitizers", name);
        let exe = dir.join(name);
        cbuild::build(
            &support::repo_root().join(format!("tests/c/{name}.c")),
            &exe,
            &dir,
            SANITIZE,
        );
        let mut cmd = Command::new(&exe);
        cmd.current_dir(&dir)
            .env(
                "ASAN_OPTIONS",
                "detect_leaks=1:abort_on_error=0:exitcode=98",
            )
            .env(
                "UBSAN_OPTIONS",
                "print_stacktrace=1:halt_on_error=1:exitcode=97",
            )
            .env("HTTPBIN_URL", httpbin.url(""))
            .env("STREAM_URL", streams.url("").trim_end_matches('/'))
            .env("RIG_URL", rig.url(""))
            .env("RIG_TLS_URL", rig_tls.tls_url("").trim_end_matches('/'))
            .env("RIG_CA_PEM", rig_tls.ca_pem.as_ref().unwrap());
        cbuild::no_proxy(&mut cmd);
        let out = cbuild::run(cmd, Duration::from_secs(300));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reported = stderr.contains("Sanitizer") || stderr.contains("runtime error:");
        if !out.status.success() || reported {
            failures.push(format!(
                "{name}: {}\n{}{stderr}",
                out.status,
                String::from_utf8_lossy(&out.stdout)
            ));
        } else {
            print!(
                "{name} (asan+ubsan): {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
