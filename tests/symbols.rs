//! Symbol hygiene: libsession.so exports exactly the functions declared in include/session.h,
//! all named session_* (no Rust std, libcurl, nghttp2 or OpenSSL symbols). rustc links a
//! cdylib with a version script of its own that keeps only the #[no_mangle] extern "C"
//! functions global; this test is what holds that in place.
mod native;
mod support;

use std::collections::BTreeSet;
use std::process::Command;

/// Names of the dynamic symbols `lib` defines (nm -D --defined-only).
fn exported(lib: &std::path::Path) -> BTreeSet<String> {
    let mut cmd = Command::new("nm");
    cmd.args(["-D", "--defined-only", "--format=posix"]).arg(lib);
    native::run_ok(cmd, "nm -D")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|name| name.split('@').next().unwrap_or(name).to_owned())
        .collect()
}

/// Functions declared in the header: `session_x(` at the start of a declaration.
fn declared() -> BTreeSet<String> {
    let header = std::fs::read_to_string(support::repo_root().join("include/session.h")).unwrap();
    let mut names = BTreeSet::new();
    for line in header.lines().filter(|l| !l.starts_with(' ') && !l.starts_with('#')) {
        let Some(open) = line.find('(') else { continue };
        let before = &line[..open];
        let name = before.rsplit([' ', '*']).next().unwrap_or("");
        if name.starts_with("session_") {
            names.insert(name.to_owned());
        }
    }
    names
}

#[test]
fn only_session_symbols_are_exported() {
    let so = native::build_dir().join("libsession.so");
    let symbols = exported(&so);
    let foreign: Vec<_> = symbols.iter().filter(|s| !s.starts_with("session_")).collect();
    assert!(foreign.is_empty(), "{} exports non-session symbols: {foreign:?}", so.display());
    assert!(symbols.len() >= 40, "only {} symbols exported: {symbols:?}", symbols.len());
}

#[test]
fn exports_match_the_header() {
    let symbols = exported(&native::build_dir().join("libsession.so"));
    let declared = declared();
    let undeclared: Vec<_> = symbols.difference(&declared).collect();
    let missing: Vec<_> = declared.difference(&symbols).collect();
    assert!(undeclared.is_empty(), "exported but not in session.h: {undeclared:?}");
    assert!(missing.is_empty(), "declared in session.h but not exported: {missing:?}");
}
