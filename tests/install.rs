//! `make install` into a temporary prefix, then programs built against the installed copy
//! only: a C program with pkg-config's flags, a CMake project with find_package(libsession)
//! (shared, static and C++ targets), and a static link through pkg-config --static.
//!
//! The install uses this cargo build's artifacts (`make install BUILD_DIR=...`), so the test
//! does not run a release build of its own.
mod native;
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn make_install(args: &[String]) -> String {
    let mut cmd = Command::new("make");
    cmd.arg("-C").arg(support::repo_root()).arg("install");
    cmd.arg(format!("BUILD_DIR={}", native::build_dir().display()));
    cmd.args(args).env_remove("MAKEFLAGS").env_remove("MFLAGS");
    native::run_ok(cmd, "make install")
}

/// The prefix everything is installed into once per test process.
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let dir = native::scratch("install", "prefix");
        make_install(&[format!("PREFIX={}", dir.display())]);
        dir
    })
}

fn pkg_config(args: &[&str]) -> String {
    let mut cmd = Command::new("pkg-config");
    cmd.args(args).arg("libsession");
    cmd.env("PKG_CONFIG_PATH", prefix().join("lib/pkgconfig"));
    cmd.env_remove("PKG_CONFIG_LIBDIR").env_remove("PKG_CONFIG_SYSROOT_DIR");
    native::run_ok(cmd, &format!("pkg-config {args:?}")).trim().to_string()
}

fn words(flags: &str) -> Vec<String> {
    flags.split_whitespace().map(str::to_owned).collect()
}

/// `ldd exe`: the path libsession.so.0 resolves to (None when not linked).
fn loaded_libsession(exe: &Path, ld_library_path: Option<&Path>) -> Option<String> {
    let mut cmd = Command::new("ldd");
    cmd.arg(exe);
    match ld_library_path {
        Some(dir) => cmd.env("LD_LIBRARY_PATH", dir),
        None => cmd.env_remove("LD_LIBRARY_PATH"),
    };
    let out = native::run_ok(cmd, "ldd");
    out.lines()
        .find(|l| l.trim_start().starts_with("libsession"))
        .map(|l| l.split("=>").nth(1).unwrap_or("").split(" (").next().unwrap_or("").trim().to_owned())
}

fn installed_lib() -> PathBuf {
    prefix().join("lib")
}

/// Runs an installed-against program with httpbin's URL; returns its stdout.
fn run_app(exe: &Path, ld_library_path: Option<&Path>) -> String {
    let httpbin = support::httpbin();
    let mut cmd = Command::new(exe);
    cmd.arg(httpbin.url("").trim_end_matches('/'));
    match ld_library_path {
        Some(dir) => cmd.env("LD_LIBRARY_PATH", dir),
        None => cmd.env_remove("LD_LIBRARY_PATH"),
    };
    let name = exe.file_name().unwrap().to_string_lossy().into_owned();
    native::run_program(cmd, exe.parent().unwrap(), &name)
}

#[test]
fn installed_layout() {
    let lib = installed_lib();
    let real = format!("libsession.so.{VERSION}");
    assert!(lib.join(&real).is_file(), "{real} not installed");
    assert_eq!(fs::read_link(lib.join("libsession.so.0")).unwrap(), Path::new(&real));
    assert_eq!(fs::read_link(lib.join("libsession.so")).unwrap(), Path::new("libsession.so.0"));
    let objdump = native::run_ok(
        {
            let mut c = Command::new("objdump");
            c.arg("-p").arg(lib.join(&real));
            c
        },
        "objdump",
    );
    assert!(
        objdump.lines().any(|l| l.split_whitespace().eq(["SONAME", "libsession.so.0"])),
        "installed library's SONAME is not libsession.so.0:\n{objdump}"
    );
    for file in [
        "lib/libsession.a",
        "include/session.h",
        "include/session.hpp",
        "lib/pkgconfig/libsession.pc",
        "lib/cmake/libsession/libsessionConfig.cmake",
        "lib/cmake/libsession/libsessionConfigVersion.cmake",
    ] {
        assert!(prefix().join(file).is_file(), "{file} not installed");
    }
    // The installed header is the repository's.
    assert_eq!(
        fs::read(prefix().join("include/session.h")).unwrap(),
        fs::read(support::repo_root().join("include/session.h")).unwrap()
    );
    assert_eq!(pkg_config(&["--modversion"]), VERSION);
}

/// A C program built with `pkg-config --cflags --libs libsession` loads the installed .so.
#[test]
fn pkg_config_program_uses_installed_copy() {
    let dir = native::scratch("install", "pkg_config");
    let cflags = pkg_config(&["--cflags"]);
    let libs = pkg_config(&["--libs"]);
    assert_eq!(cflags, format!("-I{}", prefix().join("include").display()));
    assert_eq!(libs, format!("-L{} -lsession", installed_lib().display()));
    let exe = dir.join("app");
    let mut cc = Command::new("gcc");
    cc.arg("-std=c99").args(native::WARNINGS);
    cc.arg(support::repo_root().join("tests/install/app.c")).arg("-o").arg(&exe);
    cc.args(words(&cflags)).args(words(&libs));
    native::run_ok(cc, "gcc with pkg-config flags");

    let lib = installed_lib();
    let loaded = loaded_libsession(&exe, Some(&lib)).expect("app does not link libsession");
    assert_eq!(Path::new(&loaded), lib.join("libsession.so.0"), "ldd resolves libsession elsewhere");
    let out = run_app(&exe, Some(&lib));
    assert!(out.starts_with(&format!("status 200, libsession {VERSION} ")), "{out}");
}

/// `pkg-config --static --libs` with libsession.a picked by name links a program with no
/// libsession.so dependency (Libs.private is complete).
#[test]
fn pkg_config_static_program() {
    let dir = native::scratch("install", "pkg_config_static");
    let exe = dir.join("app_static");
    let libs: Vec<String> = words(&pkg_config(&["--static", "--libs"]))
        .into_iter()
        .map(|w| if w == "-lsession" { "-l:libsession.a".to_owned() } else { w })
        .collect();
    let mut cc = Command::new("gcc");
    cc.arg("-std=c99").args(native::WARNINGS);
    cc.arg(support::repo_root().join("tests/install/app.c")).arg("-o").arg(&exe);
    cc.args(words(&pkg_config(&["--cflags"]))).args(&libs);
    native::run_ok(cc, "gcc static link with pkg-config --static");
    assert_eq!(loaded_libsession(&exe, None), None, "static program still needs libsession.so");
    let out = run_app(&exe, None);
    assert!(out.starts_with("status 200, libsession "), "{out}");
}

/// A CMake project using find_package(libsession 0.1) and its imported targets.
#[test]
fn cmake_find_package() {
    let dir = native::scratch("install", "cmake");
    let build = dir.join("build");
    let mut configure = Command::new("cmake");
    configure.arg("-S").arg(support::repo_root().join("tests/install"));
    configure.arg("-B").arg(&build);
    configure.arg(format!("-DCMAKE_PREFIX_PATH={}", prefix().display()));
    configure.arg("-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF");
    configure.arg("-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF");
    let log = native::run_ok(configure, "cmake configure");
    let mut compile = Command::new("cmake");
    compile.arg("--build").arg(&build).arg("-j2");
    native::run_ok(compile, "cmake --build");
    let cache = fs::read_to_string(build.join("CMakeCache.txt")).unwrap();
    let want = format!("libsession_DIR:PATH={}", prefix().join("lib/cmake/libsession").display());
    assert!(cache.contains(&want), "find_package did not use the installed config:\n{log}");

    // Shared: found through the build RPATH CMake records, no LD_LIBRARY_PATH.
    let lib = installed_lib();
    for app in ["app", "app_cpp"] {
        let exe = build.join(app);
        let loaded = loaded_libsession(&exe, None).expect("not linked to libsession");
        assert_eq!(Path::new(&loaded), lib.join("libsession.so.0"), "{app} loads another copy");
    }
    let out = run_app(&build.join("app"), None);
    assert!(out.starts_with(&format!("status 200, libsession {VERSION} ")), "{out}");
    let out = run_app(&build.join("app_cpp"), None);
    assert!(out.starts_with("status 204, libsession "), "{out}");
    // Static target: no libsession.so needed.
    let exe = build.join("app_static");
    assert_eq!(loaded_libsession(&exe, None), None, "app_static needs libsession.so");
    let out = run_app(&exe, None);
    assert!(out.starts_with("status 200, libsession "), "{out}");
}

/// libsessionConfigVersion.cmake refuses a newer or different major version.
#[test]
fn cmake_rejects_incompatible_version() {
    let dir = native::scratch("install", "cmake_version");
    fs::write(
        dir.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.16)\nproject(v NONE)\n\
         find_package(libsession 99.0 CONFIG QUIET)\n\
         message(STATUS \"RESULT found=${libsession_FOUND}\")\n\
         find_package(libsession 0.0 CONFIG QUIET)\n\
         message(STATUS \"RESULT older=${libsession_FOUND} version=${libsession_VERSION}\")\n",
    )
    .unwrap();
    let mut configure = Command::new("cmake");
    configure.arg("-S").arg(&dir).arg("-B").arg(dir.join("build"));
    configure.arg(format!("-DCMAKE_PREFIX_PATH={}", prefix().display()));
    let out = native::run_ok(configure, "cmake version check");
    assert!(out.contains("RESULT found=0"), "99.0 accepted:\n{out}");
    assert!(out.contains(&format!("RESULT older=1 version={VERSION}")), "0.0 refused:\n{out}");
}

/// DESTDIR stages the tree under it with the final PREFIX's paths (install-strip here);
/// uninstall removes it.
#[test]
fn destdir_staging_and_uninstall() {
    let stage = native::scratch("install", "destdir");
    let args = [format!("DESTDIR={}", stage.display()), "PREFIX=/usr".to_owned()];
    let mut cmd = Command::new("make");
    cmd.arg("-C").arg(support::repo_root()).arg("install-strip").args(&args);
    cmd.arg(format!("BUILD_DIR={}", native::build_dir().display()));
    native::run_ok(cmd, "make install-strip");
    let usr = stage.join("usr");
    let so = usr.join(format!("lib/libsession.so.{VERSION}"));
    let sections = native::run_ok(
        {
            let mut c = Command::new("readelf");
            c.arg("-S").arg(&so);
            c
        },
        "readelf -S",
    );
    assert!(!sections.contains(".debug_info"), "install-strip left debug info in {}", so.display());
    assert!(usr.join("include/session.h").is_file());
    let pc = fs::read_to_string(usr.join("lib/pkgconfig/libsession.pc")).unwrap();
    assert!(pc.starts_with("prefix=/usr\nlibdir=${prefix}/lib\n"), "{pc}");
    assert!(pc.contains(&format!("\nVersion: {VERSION}\n")), "{pc}");
    assert!(!pc.contains(&stage.display().to_string()), "DESTDIR leaked into the .pc:\n{pc}");
    let entries: Vec<_> = fs::read_dir(&stage).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["usr"], "installed outside PREFIX");

    let mut uninstall = Command::new("make");
    uninstall.arg("-C").arg(support::repo_root()).arg("uninstall").args(&args);
    native::run_ok(uninstall, "make uninstall");
    let mut left = Vec::new();
    let mut stack = vec![usr];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { left.push(p) }
        }
    }
    assert!(left.is_empty(), "uninstall left {left:?}");
}
