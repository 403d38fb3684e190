//! FFI misuse, generated from include/session.h so that functions added later are covered
//! without editing this file:
//! - NULL for each pointer argument in turn (the others valid): no crash; a required argument
//!   (its doc comment does not say what NULL means) gives SESSION_E_INVALID_ARGUMENT with a
//!   message naming the NULL, a NULL pointer result, or a response carrying that code;
//! - panic injection (on in debug builds, src/ffi.rs panic_injection): every function
//!   called with valid arguments while LIBSESSION_INJECT_PANIC=1 returns SESSION_E_INTERNAL
//!   (or NULL, or a response carrying it) and the process lives on.
//!
//! Rust-level misuse (invalid UTF-8, embedded NUL, huge lengths) is at the end.

mod support;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;
use support::cbuild;

#[derive(Debug, Clone)]
struct Param {
    ty: String,
    name: String,
}

#[derive(Debug, Clone)]
struct Function {
    ret: String,
    name: String,
    params: Vec<Param>,
    doc: String,
}

/// Normalized type text: single spaces, `*` tight ("const char*").
fn norm(ty: &str) -> String {
    let spaced = ty.replace('*', " * ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    words
        .join(" ")
        .replace(" *", "*")
        .replace("* const", "*const")
        .replace("enum ", "")
        .replace("struct ", "")
}

/// Functions and function-pointer typedefs declared in the header, with their doc comments.
fn parse_header(text: &str) -> (Vec<Function>, Vec<String>) {
    let mut functions = Vec::new();
    let mut callbacks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("/**") {
        let end = rest[start..].find("*/").expect("unterminated comment") + start;
        let doc = rest[start + 3..end].replace("\n *", " ");
        let after = &rest[end + 2..];
        let decl_end = after.find(';').unwrap_or(after.len());
        let decl = after[..decl_end].trim();
        rest = after;
        if decl.starts_with('#') || decl.contains('{') || decl.contains("/*") || !decl.contains('(')
        {
            continue;
        }
        if let Some(typedef) = decl.strip_prefix("typedef") {
            // typedef ret (*name)(args)
            if let Some(name) = typedef.split("(*").nth(1).and_then(|t| t.split(')').next()) {
                callbacks.push(name.trim().to_string());
            }
            continue;
        }
        let open = decl.find('(').unwrap();
        let head = &decl[..open];
        let name_at = head
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let (ret, name) = (norm(&head[..name_at]), head[name_at..].trim().to_string());
        let args = decl[open + 1..decl.rfind(')').unwrap()].trim();
        let params = if args == "void" || args.is_empty() {
            Vec::new()
        } else {
            args.split(',')
                .map(|a| {
                    let a = a.trim();
                    let at = a
                        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap()
                        + 1;
                    Param {
                        ty: norm(&a[..at]),
                        name: a[at..].to_string(),
                    }
                })
                .collect()
        };
        functions.push(Function {
            ret,
            name,
            params,
            doc,
        });
    }
    (functions, callbacks)
}

/// Does the doc comment say what NULL means for `param`?
fn null_documented(doc: &str, param: &str) -> bool {
    let quoted = format!("`{param}`");
    doc.match_indices(&quoted).any(|(at, _)| {
        let window = &doc[at..(at + quoted.len() + 45).min(doc.len())];
        window.contains("NULL")
    })
}

/// The object type a pointer type points to, e.g. "session_t" for "const session_t*".
fn pointee(ty: &str) -> &str {
    ty.trim_start_matches("const ").trim_end_matches('*').trim()
}

struct Gen<'a> {
    /// The header text (to tell complete structs from opaque types).
    header: &'a str,
    functions: &'a [Function],
    callbacks: &'a [String],
    by_name: HashMap<&'a str, &'a Function>,
}

impl Gen<'_> {
    fn is_callback(&self, ty: &str) -> bool {
        self.callbacks.iter().any(|c| c == ty)
    }

    /// Whether `f`'s doc says what NULL means for parameter `i`: next to its `name`, through
    /// "as session_other" (that function's doc), or as a bare "NULL removes/means ..." when
    /// `i` is the last pointer parameter.
    fn null_meaning(&self, f: &Function, i: usize) -> bool {
        let name = &f.params[i].name;
        if null_documented(&f.doc, name) {
            return true;
        }
        let referenced = f
            .doc
            .split_whitespace()
            .skip_while(|w| *w != "as")
            .nth(1)
            .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_')));
        if let Some(other) = referenced.and_then(|n| self.by_name.get(n)) {
            if other.name != f.name && other.params.iter().any(|p| &p.name == name) {
                return null_documented(&other.doc, name);
            }
        }
        // A bare "NULL <verb>s ..." ("NULL removes the key", "NULL sends none") speaks of the
        // last pointer parameter after the object.
        let last_pointer = f.params.iter().rposition(|p| p.ty.ends_with('*'));
        let words: Vec<&str> = f.doc.split_whitespace().collect();
        let bare = words.windows(2).any(|w| {
            w[0] == "NULL" && w[1].len() > 3 && w[1].ends_with('s') && w[1].chars().all(|c| c.is_ascii_lowercase())
        });
        i > 0 && last_pointer == Some(i) && bare
    }

    /// A constructor returning `obj*` whose arguments can all be made (no recursion).
    fn constructor(&self, obj: &str) -> Option<&Function> {
        self.functions.iter().find(|f| {
            pointee(&f.ret) == obj
                && f.ret.ends_with('*')
                && !f.name.ends_with("_at")
                && f.params
                    .iter()
                    .all(|p| pointee(&p.ty) != obj && !p.ty.ends_with("**"))
        })
    }

    /// C statements declaring `var` with a valid value of type `ty` for parameter `name`,
    /// and the statement that releases it (or "").
    fn valid(&self, ty: &str, name: &str, var: &str, depth: usize) -> (String, String) {
        assert!(depth < 4, "cannot build a valid {ty}");
        let obj = pointee(ty);
        if ty == "const char*" {
            let value = match name {
                "url" => "http://127.0.0.1:1/",
                "method" => "GET",
                "name" => "X-Name",
                "domain" => "example.com",
                "path" => "/",
                "host" => "localhost",
                "address" => "127.0.0.1",
                "content_type" => "text/plain",
                "json" => "{}",
                "scheme" => "http",
                "proxy_url" => "http://127.0.0.1:1",
                _ => "v",
            };
            return (format!("const char *{var} = \"{value}\";"), String::new());
        }
        if ty == "char*" || self.is_callback(ty) {
            return (format!("{ty} {var} = NULL;"), String::new());
        }
        if ty == "const void*" {
            return (format!("const void *{var} = \"abc\";"), String::new());
        }
        if ty == "void*" {
            return (
                format!("static int dummy_{var}; void *{var} = &dummy_{var};"),
                String::new(),
            );
        }
        if let Some(elem) = ty.strip_suffix("*const*") {
            let (decl, free) =
                self.valid(&format!("{elem}*"), name, &format!("{var}_0"), depth + 1);
            return (
                format!("{decl} {elem} *const {var}[1] = {{{var}_0}};"),
                free,
            );
        }
        if let Some(elem) = ty.strip_suffix("**") {
            let free = if pointee(elem) == "session_response_t" {
                format!("session_response_free({var}[0]);")
            } else {
                String::new()
            };
            return (format!("{elem} *{var}[1] = {{NULL}};"), free);
        }
        if ty.ends_with('*') {
            if !obj.starts_with("session_") && !obj.contains('*') {
                // A pointer to a plain value (an out parameter such as `long *`).
                let base = ty.trim_end_matches('*');
                return (format!("{obj} {var}_v = 0; {base} *{var} = &{var}_v;"), String::new());
            }
            let stem = obj.trim_end_matches("_t");
            let complete = self.header.contains(&format!("}} {obj};")) || self.header.contains(&format!("struct {stem} {{"));
            if complete && obj != "session_response_t" {
                // A complete struct (an out parameter such as a timings record): zeroed local.
                let base = ty.trim_end_matches('*');
                return (format!("{obj} {var}_v; memset(&{var}_v, 0, sizeof {var}_v); {base} *{var} = &{var}_v;"), String::new());
            }
            if obj == "session_response_t" {
                return (
                    format!("session_response_t *{var} = make_response();"),
                    format!("session_response_free({var});"),
                );
            }
            let ctor = self
                .constructor(obj)
                .unwrap_or_else(|| panic!("teach ffi_misuse.rs to make a {obj}"));
            let mut decls = String::new();
            let mut frees = String::new();
            let mut args = Vec::new();
            for (i, p) in ctor.params.iter().enumerate() {
                let v = format!("{var}_{i}");
                let (d, f) = self.valid(&p.ty, &p.name, &v, depth + 1);
                decls.push_str(&d);
                frees.insert_str(0, &f);
                args.push(v);
            }
            let free_fn = format!("{}_free", obj.trim_end_matches("_t"));
            let free = if self.by_name.contains_key(free_fn.as_str()) {
                format!("{free_fn}({var});")
            } else {
                String::new()
            };
            return (
                format!(
                    "{decls} {} {var} = {}({});",
                    ctor.ret.replace('*', " *"),
                    ctor.name,
                    args.join(", ")
                ),
                format!("{free} {frees}"),
            );
        }
        let value = match ty {
            "long" => "1000",
            "bool" => "true",
            "double" => "1.0",
            _ => "1",
        };
        (format!("{ty} {var} = ({ty}){value};"), String::new())
    }

    /// One call block: `null_at` is the parameter passed as NULL (None: panic mode).
    fn block(&self, f: &Function, null_at: Option<usize>) -> String {
        let mut out = String::from("{\n");
        let mut frees = String::new();
        let mut args = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            if Some(i) == null_at {
                args.push("NULL".to_string());
                continue;
            }
            let var = format!("a{i}");
            let (decl, free) = self.valid(&p.ty, &p.name, &var, 0);
            writeln!(out, "    {decl}").unwrap();
            // A *_free given its object consumes it (unless the injected panic stopped it).
            if !(f.name.ends_with("_free") && i == 0 && null_at.is_none()) {
                frees.insert_str(0, &format!("    {free}\n"));
            }
            args.push(var);
        }
        let call = format!("{}({})", f.name, args.join(", "));
        let label = match null_at {
            Some(i) => format!("{} NULL {}", f.name, f.params[i].name),
            None => format!("{} panic", f.name),
        };
        let required = null_at.is_some_and(|i| {
            let p = &f.params[i];
            !self.null_meaning(f, i) && p.ty != "void*" && !f.name.ends_with("_free")
        });
        if null_at.is_none() {
            out.push_str("    inject(1);\n");
        }
        let ret = f.ret.as_str();
        match ret {
            "void" => writeln!(out, "    {call};").unwrap(),
            "session_code" => {
                writeln!(out, "    session_code rc = {call};").unwrap();
                if null_at.is_none() {
                    writeln!(out, "    inject(0); expect(rc == SESSION_E_INTERNAL && has(session_last_error(), \"panic\"), \"{label}\", (int)rc);").unwrap();
                } else if required {
                    writeln!(out, "    expect(rc == SESSION_E_INVALID_ARGUMENT && has(session_last_error(), \"NULL\"), \"{label}\", (int)rc);").unwrap();
                } else {
                    writeln!(out, "    expect((int)rc >= 0 && (int)rc <= SESSION_E_INTERNAL, \"{label}\", (int)rc);").unwrap();
                }
            }
            // A response getter documented to return NULL (session_future_wait) is checked
            // like any other pointer return below.
            "session_response_t*" if !f.doc.contains("return NULL") => {
                writeln!(out, "    session_response_t *res = {call};").unwrap();
                let want = if null_at.is_none() {
                    "SESSION_E_INTERNAL"
                } else if required {
                    "SESSION_E_INVALID_ARGUMENT"
                } else {
                    ""
                };
                if null_at.is_none() {
                    out.push_str("    inject(0);\n");
                }
                if want.is_empty() {
                    writeln!(out, "    expect(res != NULL, \"{label}\", 0);").unwrap();
                } else {
                    writeln!(out, "    expect(res != NULL && res->error == {want}, \"{label}\", res ? (int)res->error : -1);").unwrap();
                }
                out.push_str("    session_response_free(res);\n");
            }
            _ if ret.ends_with('*') && ret != "const char*" => {
                writeln!(out, "    {} res = {call};", ret.replace('*', " *")).unwrap();
                if null_at.is_none() {
                    out.push_str("    inject(0);\n");
                }
                let check = null_at.is_none() || required;
                let free_fn = if ret == "char*" {
                    "session_string_free".to_string()
                } else {
                    format!("{}_free", pointee(ret).trim_end_matches("_t"))
                };
                if check {
                    writeln!(out, "    expect(res == NULL, \"{label}\", 0);").unwrap();
                }
                out.push_str("    (void)res;\n");
                if !ret.starts_with("const") && self.by_name.contains_key(free_fn.as_str()) {
                    writeln!(out, "    {free_fn}(res);").unwrap();
                }
            }
            _ => {
                writeln!(out, "    {ret} res = {call};").unwrap();
                writeln!(out, "    (void)res;").unwrap();
                if ret == "bool" && required {
                    writeln!(out, "    expect(!res, \"{label}\", 0);").unwrap();
                }
            }
        }
        if null_at.is_none() {
            out.push_str("    inject(0);\n");
        }
        writeln!(out, "    calls++;\n{frees}}}").unwrap();
        out
    }
}

const PRELUDE: &str = r#"#define _POSIX_C_SOURCE 200112L
#include "session.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int calls, failures;

static int has(const char *s, const char *needle) { return s != NULL && strstr(s, needle) != NULL; }

static void expect(int ok, const char *what, int got)
{
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL %s (got %d, last error \"%s\")\n", what, got, session_last_error());
    }
}

static void inject(int on)
{
    if (on)
        setenv("LIBSESSION_INJECT_PANIC", "1", 1);
    else
        unsetenv("LIBSESSION_INJECT_PANIC");
}

/* A real response object without network: an unparsable URL. */
static session_response_t *make_response(void)
{
    session_t *s = session_new();
    session_response_t *r = session_get(s, "not a url");
    session_free(s);
    return r;
}
"#;

fn generate(header: &str, functions: &[Function], callbacks: &[String]) -> (String, usize, usize) {
    let gen = Gen {
        header,
        functions,
        callbacks,
        by_name: functions.iter().map(|f| (f.name.as_str(), f)).collect(),
    };
    let mut null_cases = 0;
    let mut body = String::new();
    let mut panic_body = String::new();
    for f in functions {
        for (i, p) in f.params.iter().enumerate() {
            if p.ty.ends_with('*') && !gen.is_callback(&p.ty) {
                body.push_str(&gen.block(f, Some(i)));
                null_cases += 1;
            }
        }
        panic_body.push_str(&gen.block(f, None));
    }
    let program = format!(
        "{PRELUDE}\nstatic void null_cases(void)\n{{\n{body}}}\n\nstatic void panic_cases(void)\n{{\n{panic_body}}}\n\n\
         int main(int argc, char **argv)\n{{\n    if (argc > 1 && strcmp(argv[1], \"panic\") == 0)\n        panic_cases();\n    else\n        null_cases();\n\
         printf(\"misuse: %d calls, %d failed\\n\", calls, failures);\n    return failures != 0;\n}}\n"
    );
    (program, null_cases, functions.len())
}

fn header_text() -> String {
    std::fs::read_to_string(support::repo_root().join("include/session.h")).expect("read session.h")
}

fn header_functions() -> (Vec<Function>, Vec<String>) {
    parse_header(&header_text())
}

fn build_and_run(mode: &str) -> String {
    let header = header_text();
    let (functions, callbacks) = parse_header(&header);
    let (program, null_cases, n) = generate(&header, &functions, &callbacks);
    assert!(
        n >= 40 && null_cases >= 60,
        "parsed only {n} functions / {null_cases} NULL cases"
    );
    let dir = cbuild::work_dir("ffi_misuse", mode);
    let src = dir.join("misuse.c");
    std::fs::write(&src, program).unwrap();
    let exe = dir.join("misuse");
    // Under ASan and UBSan too; LeakSanitizer only for NULL cases (an injected panic
    // inside a *_free leaves its object behind on purpose).
    cbuild::build(
        &src,
        &exe,
        &dir,
        &["-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
    );
    let leaks = if mode == "null" {
        "detect_leaks=1"
    } else {
        "detect_leaks=0"
    };
    let mut cmd = Command::new(&exe);
    cmd.arg(mode)
        .current_dir(&dir)
        .env("RUST_BACKTRACE", "0")
        .env("ASAN_OPTIONS", leaks);
    cbuild::no_proxy(&mut cmd);
    let out = cbuild::run(cmd, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let failures: Vec<&str> = stderr.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        out.status.success(),
        "{mode}: {} ({})\n{}\n{stdout}\n{stderr}",
        out.status,
        src.display(),
        failures.join("\n")
    );
    assert!(
        !stderr.contains("Sanitizer") && !stderr.contains("runtime error:"),
        "{stderr}"
    );
    println!("{stdout}");
    stdout
}

#[test]
fn header_parser_sees_every_exported_function() {
    let (functions, _) = header_functions();
    let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    for expected in [
        "session_new",
        "session_free",
        "session_set_header",
        "session_post",
        "session_response_header_at",
        "session_set_max_header_bytes",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} not parsed: {names:?}"
        );
    }
    let post = functions.iter().find(|f| f.name == "session_post").unwrap();
    let types: Vec<&str> = post.params.iter().map(|p| p.ty.as_str()).collect();
    assert_eq!(
        types,
        [
            "session_t*",
            "const char*",
            "const void*",
            "size_t",
            "const char*"
        ]
    );
    assert!(null_documented(
        &functions
            .iter()
            .find(|f| f.name == "session_set_header")
            .unwrap()
            .doc,
        "value"
    ));
    assert!(!null_documented(
        &functions
            .iter()
            .find(|f| f.name == "session_set_header")
            .unwrap()
            .doc,
        "name"
    ));
}

#[test]
fn null_for_each_pointer_argument() {
    let out = build_and_run("null");
    assert!(out.contains(", 0 failed"), "{out}");
}

#[test]
fn injected_panics_become_internal_errors() {
    let out = build_and_run("panic");
    assert!(out.contains(", 0 failed"), "{out}");
}

mod rust_level {
    use session::capi::request::*;
    use session::capi::response::*;
    use session::capi::session::*;
    use session::error::session_code::*;
    use std::ffi::CStr;

    fn last_error() -> String {
        unsafe { CStr::from_ptr(session::capi::error::session_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn invalid_utf8_is_refused_with_a_message() {
        let s = session_new();
        let bad = c"X-\xff\xfe".as_ptr();
        unsafe {
            assert_eq!(
                session_set_header(s, bad, c"v".as_ptr()),
                SESSION_E_INVALID_ARGUMENT
            );
            assert!(last_error().contains("UTF-8"), "{}", last_error());
            assert_eq!(
                session_set_header(s, c"X-A".as_ptr(), bad),
                SESSION_E_INVALID_ARGUMENT
            );
            assert!(session_request_new(c"GET".as_ptr(), c"http://h/\xc3\x28".as_ptr()).is_null());
            assert!(last_error().contains("UTF-8"), "{}", last_error());
            let r = session_get(s, c"http://127.0.0.1:1/\x80".as_ptr());
            assert_eq!((*r).error, SESSION_E_INVALID_ARGUMENT);
            session_response_free(r);
            session_free(s);
        }
    }

    #[test]
    fn embedded_nul_and_controls_are_refused_before_sending() {
        let mut req = session::internals::Request::new("GET", "http://h.test/").unwrap();
        assert!(req.set_header("X-A", Some("a\0b")).is_err());
        assert!(req.set_header("X-A", Some("a\r\nX-B: 1")).is_err());
        assert!(req.set_header("X-\0", Some("v")).is_err());
        // Other control characters are no valid field value either (found by fuzzing).
        assert!(req.set_header("Accept", Some("text\x01/html")).is_err());
        assert!(req.set_header("Accept", Some("a\x7f")).is_err());
        assert!(req.set_header("Accept", Some("a\tb")).is_ok());
        assert!(req.set_body(b"{}", Some("text/x\x1b")).is_err());
        let s = session_new();
        assert_eq!(
            unsafe { session_set_bearer_token(s, c"t\x01".as_ptr()) },
            SESSION_E_INVALID_ARGUMENT
        );
        unsafe { session_free(s) };
        assert!(session::internals::Request::new("GE\0T", "http://h.test/").is_err());
        assert!(session::internals::Request::new("GET", "http://h.test/\r\nX: 1").is_err());
        let mut jar = session::internals::Jar::default();
        assert!(jar.set("a", "b\0c", "h.test", None).is_err());
        // A body is bytes: NUL inside is data, and its length is what counts.
        let s = session_new();
        let req = unsafe { session_request_new(c"POST".as_ptr(), c"http://127.0.0.1:1/".as_ptr()) };
        assert_eq!(
            unsafe { session_request_set_body(req, b"a\0b".as_ptr().cast(), 3, std::ptr::null()) },
            SESSION_OK
        );
        unsafe {
            session_request_free(req);
            session_free(s);
        }
    }

    #[test]
    fn huge_lengths_and_indices_are_refused() {
        let s = session_new();
        unsafe {
            let req = session_request_new(c"POST".as_ptr(), c"http://127.0.0.1:1/".as_ptr());
            let one = b"x";
            assert_eq!(
                session_request_set_body(req, one.as_ptr().cast(), usize::MAX, std::ptr::null()),
                SESSION_E_INVALID_ARGUMENT
            );
            assert!(
                last_error().contains("larger than any buffer"),
                "{}",
                last_error()
            );
            let r = session_post(
                s,
                c"http://127.0.0.1:1/".as_ptr(),
                one.as_ptr().cast(),
                isize::MAX as usize + 1,
                std::ptr::null(),
            );
            assert_eq!((*r).error, SESSION_E_INVALID_ARGUMENT);
            let (mut n, mut v) = (std::ptr::null(), std::ptr::null());
            assert_eq!(
                session_response_header_at(r, usize::MAX, &mut n, &mut v),
                SESSION_E_INVALID_ARGUMENT
            );
            assert!(session_response_history_at(r, usize::MAX).is_null());
            session_response_free(r);
            assert_eq!(
                session_set_timeout_ms(s, std::ffi::c_long::MAX, std::ffi::c_long::MAX),
                SESSION_OK
            );
            assert_eq!(session_set_max_redirects(s, i32::MAX), SESSION_OK);
            assert_eq!(session_set_max_body_size(s, usize::MAX), SESSION_OK);
            assert_eq!(
                session_request_set_timeout_ms(req, std::ffi::c_long::MIN),
                SESSION_E_INVALID_ARGUMENT
            );
            for code in [i32::MIN, -1, session::error::Code::ALL.len() as i32, i32::MAX] {
                let text = CStr::from_ptr(session::capi::error::session_strerror(code));
                assert_eq!(text.to_str().unwrap(), "unknown error code");
            }
            // A 1 MiB header value is accepted as data (no crash, no truncation).
            let big = std::ffi::CString::new(vec![b'a'; 1 << 20]).unwrap();
            assert_eq!(
                session_request_set_header(req, c"X-Big".as_ptr(), big.as_ptr()),
                SESSION_OK
            );
            session_request_free(req);
            session_free(s);
        }
    }
}
