//! docs/reference.md is what scripts/gen-reference.py makes from include/session.h and
//! docs/reference-examples.c, it documents every function, and the examples compile and link.
mod native;
mod support;

use std::collections::BTreeSet;
use std::process::Command;

fn generated() -> String {
    let mut cmd = Command::new("python3");
    cmd.arg(support::repo_root().join("scripts/gen-reference.py")).arg("--stdout");
    native::run_ok(cmd, "scripts/gen-reference.py --stdout")
}

fn declared_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(support::repo_root().join("include/session.h")).unwrap();
    header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with("typedef"))
        .filter_map(|l| {
            let before = &l[..l.find('(')?];
            let name = before.rsplit([' ', '*']).next()?;
            name.starts_with("session_").then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn reference_is_current() {
    let checked_in = std::fs::read_to_string(support::repo_root().join("docs/reference.md"))
        .expect("docs/reference.md is missing: run scripts/gen-reference.py");
    assert!(
        generated() == checked_in,
        "docs/reference.md is stale: run scripts/gen-reference.py and commit the result"
    );
}

#[test]
fn every_function_has_a_documented_entry() {
    let text = generated();
    let declared = declared_functions();
    assert!(declared.len() >= 40, "found only {} functions", declared.len());
    for name in &declared {
        let start = text
            .find(&format!("\n### {name}\n"))
            .unwrap_or_else(|| panic!("{name} has no entry in the reference"));
        let entry = &text[start + 1..];
        let entry = &entry[..entry[4..].find("\n### ").map_or(entry.len(), |i| i + 4)];
        assert!(!entry.contains("(undocumented)"), "{name} has no doc comment");
        assert!(entry.contains("```c\n"), "{name} has no declaration");
    }
}

/// Every example names a function of the header, and the file compiles and links.
#[test]
fn examples_compile_and_link() {
    let src = support::repo_root().join("docs/reference-examples.c");
    let text = std::fs::read_to_string(&src).unwrap();
    let declared = declared_functions();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("void example_") {
            let name = format!("session_{}", &rest[..rest.find('(').unwrap()]);
            assert!(declared.contains(&name), "example for unknown function {name}");
        }
    }
    let dir = native::scratch("reference", "examples");
    let lib = native::linked_lib_dir(&dir);
    let mut cc = Command::new("gcc");
    cc.arg("-std=c99").args(native::WARNINGS).args(["-fPIC", "-shared"]);
    cc.arg("-I").arg(support::repo_root().join("include"));
    cc.arg(&src).arg("-o").arg(dir.join("libexamples.so"));
    cc.arg(format!("-L{}", lib.display())).args(["-lsession", "-Wl,--no-undefined"]);
    native::run_ok(cc, "gcc docs/reference-examples.c");
}

/// The complete programs in docs/guide.md (code blocks with a main) compile and link.
#[test]
fn guide_programs_compile() {
    let guide = std::fs::read_to_string(support::repo_root().join("docs/guide.md")).unwrap();
    let dir = native::scratch("reference", "guide");
    let lib = native::linked_lib_dir(&dir);
    let mut built = 0;
    for (i, block) in guide.split("```").enumerate().filter(|(i, _)| i % 2 == 1) {
        let (lang, code) = block.split_once('\n').unwrap_or((block, ""));
        if !code.contains("int main(") {
            continue;
        }
        let (compiler, std, ext) = match lang {
            "c" => ("gcc", "-std=c99", "c"),
            "cpp" => ("g++", "-std=c++17", "cpp"),
            _ => continue,
        };
        let src = dir.join(format!("block{i}.{ext}"));
        std::fs::write(&src, code).unwrap();
        let mut cc = Command::new(compiler);
        cc.arg(std).args(native::WARNINGS);
        cc.arg("-I").arg(support::repo_root().join("include"));
        cc.arg(&src).arg("-o").arg(dir.join(format!("block{i}")));
        cc.arg(format!("-L{}", lib.display())).arg("-lsession");
        native::run_ok(cc, &format!("docs/guide.md code block {i} ({lang})"));
        built += 1;
    }
    assert!(built >= 2, "only {built} complete programs found in docs/guide.md");
}
