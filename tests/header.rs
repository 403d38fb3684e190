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
