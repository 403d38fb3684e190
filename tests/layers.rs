//! The layer order of docs/ARCHITECTURE.md holds: every `use crate::` points down, and no
//! import circle exists (scripts/check-layers.py).

use std::path::Path;
use std::process::Command;

fn check(root: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-layers.py");
    let out = Command::new("python3").arg(script).arg(root).output().expect("python3 runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn every_import_points_down_the_layers() {
    let (ok, report) = check(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(ok, "{report}");
}

/// The check can fail: a copy of the sources with one upward import and one circle.
#[test]
fn an_upward_import_or_a_circle_fails_the_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let copy = |from: &Path, to: &Path| {
        let status = Command::new("cp").arg("-r").arg(from).arg(to).status().unwrap();
        assert!(status.success());
    };
    std::fs::create_dir_all(tmp.join("docs")).unwrap();
    copy(&root.join("src"), &tmp.join("src"));
    std::fs::copy(root.join("docs/ARCHITECTURE.md"), tmp.join("docs/ARCHITECTURE.md")).unwrap();
    let append = |file: &str, line: &str| {
        let path = tmp.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n{line}\n")).unwrap();
    };
    append("src/util/mod.rs", "use crate::client::Flow;");
    let (ok, report) = check(&tmp);
    assert!(!ok && report.contains("util uses client"), "{report}");
    // Two modules of one layer using each other.
    append("src/util/mod.rs", "");
    std::fs::copy(root.join("src/util/mod.rs"), tmp.join("src/util/mod.rs")).unwrap();
    append("src/util/mod.rs", "use crate::error::Code as _Unused;");
    append("src/error.rs", "use crate::util::find_byte as _unused;");
    let (ok, report) = check(&tmp);
    assert!(!ok && report.contains("import circle"), "{report}");
    let _ = std::fs::remove_dir_all(&tmp);
}
