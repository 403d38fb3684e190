//! The checked-in header must be exactly what cbindgen generates from the sources.
//! (build.rs refreshes it on developer machines; under CI it doesn't, so this catches a
//! stale commit.)

use std::path::Path;

#[test]
fn header_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::generate_with_config(root, config).unwrap().write(&mut generated);
    let checked_in = std::fs::read(root.join("include/session.h")).unwrap();
    assert!(
        generated == checked_in,
        "include/session.h is stale: run `cargo build` outside CI and commit the header"
    );
}

#[test]
fn every_function_is_documented() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/session.h")).unwrap();
    let lines: Vec<&str> = header.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let is_item = line.contains("session_") && line.contains('(') && !line.starts_with(' ') && !line.starts_with('#');
        if is_item {
            checked += 1;
            assert_eq!(lines[i - 1].trim(), "*/", "no doc comment before: {line}");
        }
    }
    assert!(checked >= 40, "found only {checked} functions");
}

/// Every macro, type and function the header declares is in libsession's namespace: an
/// internal constant leaking as `#define WINDOW` would break a C program that also
/// includes curses.h.
#[test]
fn every_name_is_prefixed() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/session.h")).unwrap();
    let prefixed = |name: &str| {
        let lower = name.to_ascii_lowercase();
        lower.starts_with("session") || lower.starts_with("libsession")
    };
    let mut names = Vec::new();
    for line in header.lines() {
        let words: Vec<&str> = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#')).filter(|w| !w.is_empty()).collect();
        match words.as_slice() {
            ["#define", name, ..] => names.push(name.to_string()),
            ["typedef", "struct", name, ..] | ["typedef", "enum", name, ..] => names.push(name.to_string()),
            ["struct", name] | ["enum", name] => names.push(name.to_string()),
            _ => {}
        }
    }
    assert!(names.len() > 50, "found only {} names", names.len());
    let leaked: Vec<&String> = names.iter().filter(|n| !prefixed(n)).collect();
    assert!(leaked.is_empty(), "names outside libsession's namespace in include/session.h: {leaked:?}");
}
