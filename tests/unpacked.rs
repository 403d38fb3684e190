//! The "without installing" recipes of README.md ("Install and link") and docs/guide.md
//! ("Building against libsession"), run as written: a tiny C program compiled against the
//! unpacked build with `cc -Iinclude app.c -Ltarget/release -lsession` must start and print
//! the library's version (issue 14: the soname is libsession.so.0, which cargo alone does not
//! put in target/release).
//!
//! The recipes' `make` would run a release build, which is too slow for a test. So the test
//! checks `make`'s plan with `make -n` (the release build, then the libsession.so.0 link in
//! target/release), then carries it out on this cargo build's library: a scratch tree with
//! `include/` and `target/release/libsession.so` from this build, where `make
//! BUILD_DIR=target/release` makes the link without running cargo. The recipes' other
//! commands are taken from the documents and run there by `sh`, unchanged.
mod native;
mod support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const VERSION: &str = env!("CARGO_PKG_VERSION");

const APP: &str = r#"#include <session.h>
#include <stdio.h>

int main(void)
{
    session_t *s = session_new();
    printf("unpacked: %s, session %s\n", session_version(), s ? "created" : "NULL");
    session_free(s);
    return s ? 0 : 1;
}
"#;

fn read(rel: &str) -> String {
    fs::read_to_string(support::repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The indented code block that follows the README paragraph starting "Without installing".
fn readme_recipe() -> Vec<String> {
    let readme = read("README.md");
    let mut lines = readme.lines().skip_while(|l| !l.starts_with("Without installing"));
    assert!(lines.next().is_some(), "README.md has no \"Without installing\" paragraph");
    let block: Vec<String> = lines
        .skip_while(|l| !l.starts_with("    "))
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_owned())
        .collect();
    assert!(!block.is_empty(), "no indented recipe after README's \"Without installing\"");
    block
}

/// The backticked commands of docs/guide.md's "Without installing:" sentence.
fn guide_recipe() -> Vec<String> {
    let guide = read("docs/guide.md");
    let start = guide.find("Without installing:").expect("docs/guide.md: no \"Without installing:\"");
    let sentence = &guide[start..];
    let sentence = &sentence[..sentence.find(".\n").expect("sentence end")];
    sentence.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// A copy of the unpacked repository as the recipes see it: `include/` and
/// `target/release/libsession.so` (this cargo build's library), no soname link yet.
fn unpacked_tree(name: &str) -> PathBuf {
    let dir = native::scratch("unpacked", name);
    symlink(support::repo_root().join("include"), dir.join("include")).unwrap();
    let release = dir.join("target/release");
    fs::create_dir_all(&release).unwrap();
    symlink(native::build_dir().join("libsession.so"), release.join("libsession.so")).unwrap();
    fs::write(dir.join("app.c"), APP).unwrap();
    dir
}

/// Runs `commands` with `sh -e` in `dir`, with no LD_LIBRARY_PATH of the caller's.
fn sh(dir: &Path, commands: &[String]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-ec").arg(commands.join("\n")).current_dir(dir);
    cmd.env_remove("LD_LIBRARY_PATH").stdin(Stdio::null());
    cmd.output().expect("run sh")
}

fn make(args: &[&str]) -> String {
    let mut cmd = Command::new("make");
    cmd.arg("--no-print-directory").arg("-C").arg(support::repo_root()).args(args);
    // The defaults the README's reader has: cargo on PATH, target/ in the repository.
    cmd.env_remove("MAKEFLAGS").env_remove("MFLAGS");
    cmd.env_remove("CARGO").env_remove("CARGO_TARGET_DIR");
    native::run_ok(cmd, &format!("make {args:?}"))
}

/// `make BUILD_DIR=<release>`: the soname link beside a prebuilt library, no cargo run (checked
/// with `make -n` first, so a broken Makefile fails here instead of running a build).
fn link_prebuilt(release: &Path) {
    let arg = format!("BUILD_DIR={}", release.display());
    let plan = make(&["-n", &arg]);
    assert!(!plan.contains(" build --profile"), "make BUILD_DIR=... would run cargo:\n{plan}");
    make(&[&arg]);
    assert_eq!(fs::read_link(release.join("libsession.so.0")).unwrap(), Path::new("libsession.so"));
}

/// `make` with no arguments runs the release build and then links libsession.so.0 beside it.
#[test]
fn make_plans_release_build_and_soname_link() {
    let plan = make(&["-n"]);
    let lines: Vec<&str> = plan.lines().map(str::trim).collect();
    let build = lines.iter().position(|l| *l == "cargo build --profile release --lib");
    let link = lines.iter().position(|l| *l == "ln -sf libsession.so target/release/libsession.so.0");
    assert!(
        matches!((build, link), (Some(b), Some(l)) if b < l),
        "`make` does not build and then link target/release/libsession.so.0:\n{plan}"
    );
}

/// README.md's recipe, line by line, in an unpacked tree.
#[test]
fn readme_recipe_builds_a_program_that_runs() {
    let recipe = readme_recipe();
    assert_eq!(recipe.first().map(String::as_str), Some("make"), "recipe: {recipe:?}");
    assert!(recipe.len() >= 3, "recipe has no compile and run lines: {recipe:?}");
    let rest = &recipe[1..];
    let dir = unpacked_tree("readme");

    // Without `make`'s link the program builds but cannot start: the failure the recipe fixes.
    let before = sh(&dir, rest);
    assert!(!before.status.success(), "ran without libsession.so.0:\n{}", native::show(&before));
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("libsession.so.0"),
        "unexpected failure without the link:\n{}",
        native::show(&before)
    );

    link_prebuilt(&dir.join("target/release"));
    let out = sh(&dir, rest);
    assert!(out.status.success(), "README recipe failed:\n{recipe:#?}\n{}", native::show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("unpacked: libsession {VERSION} (libcurl ")),
        "unexpected output:\n{}",
        native::show(&out)
    );
    assert!(stdout.trim_end().ends_with(", session created"), "{stdout}");
}

/// docs/guide.md's form: `make`, then a link with an rpath; the program runs without
/// LD_LIBRARY_PATH.
#[test]
fn guide_recipe_builds_a_program_that_runs() {
    let recipe = guide_recipe();
    assert_eq!(recipe.len(), 2, "guide recipe: {recipe:?}");
    assert_eq!(recipe[0], "make");
    assert!(recipe[1].starts_with("cc "), "guide recipe: {recipe:?}");
    let dir = unpacked_tree("guide");
    link_prebuilt(&dir.join("target/release"));
    let out = sh(&dir, &[recipe[1].clone(), "./a.out".to_owned()]);
    assert!(out.status.success(), "guide recipe failed:\n{recipe:#?}\n{}", native::show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("unpacked: libsession {VERSION} ")), "{stdout}");
}
