//! Test servers for integration tests (`mod support;`), std only.
//!
//! Servers are Python processes (tests/servers/*.py) run from the venv that
//! scripts/ensure-venv.sh maintains, bound to 127.0.0.1 on ephemeral ports. Each
//! exits when its stdin reaches EOF, i.e. when its `Server` is dropped or, for the
//! shared httpbin, when the test process exits and the kernel closes the pipe.
#![allow(dead_code)] // each test binary uses a subset

pub mod capi;
pub mod cbuild;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Server {
    pub port: u16,
    pub tls_port: Option<u16>,
    /// CA certificate (PEM) that signed the TLS listener's cert; not trusted by default.
    pub ca_pem: Option<PathBuf>,
    /// Other `KEY value` lines the server printed.
    pub extra: Vec<(String, String)>,
    child: Child,
    stdin: Option<ChildStdin>, // closing it tells the server to exit
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn tls_url(&self, path: &str) -> String {
        let port = self
            .tls_port
            .expect("server was started without --tls (use rig_tls())");
        format!("https://127.0.0.1:{port}{path}")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // EOF first so the server can remove its temp CA dir; kill if it lingers.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Python of the test venv, created/updated by scripts/ensure-venv.sh once per process.
pub fn venv_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let script = repo_root().join("scripts/ensure-venv.sh");
            let out = Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .stderr(Stdio::inherit()) // the script explains failures there
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            let stdout = String::from_utf8_lossy(&out.stdout);
            match stdout.lines().last() {
                Some(path) if out.status.success() => PathBuf::from(path.trim()),
                _ => panic!(
                    "{} failed ({}); see its message on stderr above",
                    script.display(),
                    out.status
                ),
            }
        })
        .clone()
}

/// The httpbin server shared by every test of this process.
pub fn httpbin() -> &'static Server {
    static HTTPBIN: OnceLock<Server> = OnceLock::new();
    HTTPBIN.get_or_init(|| spawn("httpbin_server.py", &[], "PORT"))
}

/// A httpbin of the caller's own, stopped when dropped (e.g. to replay with it gone).
pub fn httpbin_private() -> Server {
    spawn("httpbin_server.py", &[], "PORT")
}

/// A fresh rig_server (plain HTTP only), stopped when dropped.
pub fn rig() -> Server {
    spawn("rig_server.py", &[], "READY")
}

/// A fresh rig_server with its extra TLS listener (`tls_port`, `ca_pem`).
pub fn rig_tls() -> Server {
    spawn("rig_server.py", &["--tls"], "READY")
}

/// A fresh rig_server with extra arguments (--tls, --unix PATH).
pub fn rig_with(args: &[&str]) -> Server {
    spawn("rig_server.py", args, "READY")
}

/// A fresh DNS-over-HTTPS responder (tests/servers/doh_server.py): `tls_port` answers
/// /dns-query, `port` (plain HTTP) answers /count; its CA in `ca_pem`.
pub fn doh_server() -> Server {
    spawn("doh_server.py", &[], "READY")
}

/// A fresh fault_server (tests/servers/fault_server.py), stopped when dropped.
pub fn faults() -> Server {
    spawn("fault_server.py", &[], "READY")
}

/// A fresh tests/servers/proxy_server.py (forward, CONNECT and SOCKS5 proxy) with `args`.
pub fn proxy(args: &[&str]) -> Server {
    spawn("proxy_server.py", args, "READY")
}

/// A fresh HTTP/2 server (hypercorn): `port` cleartext (h2c, HTTP/1.1), `tls_port` with
/// ALPN h2, its CA in `ca_pem`.
pub fn h2_server() -> Server {
    spawn("h2_server.py", &[], "READY")
}

/// A fresh tests/servers/stream_server.py (WebSocket and Server-Sent Events), with its TLS
/// listener (`tls_port`, `ca_pem`).
pub fn streams() -> Server {
    spawn("stream_server.py", &["--tls"], "READY")
}

/// Starts tests/servers/<script> and parses its `KEY value` lines up to and
/// including the line whose first word is `last`.
fn spawn(script: &str, args: &[&str], last: &'static str) -> Server {
    let mut child = Command::new(venv_python())
        .arg(repo_root().join("tests/servers").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {script}: {e}"));

    // Read on a thread so that the startup timeout can be enforced.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let done = line.split_whitespace().next() == Some(last);
            lines.push(line);
            if done {
                let _ = tx.send(lines);
                return;
            }
        }
        // EOF before `last`: dropping tx reports the failure.
    });
    let lines = match rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(lines) => lines,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{script} did not print {last} ({e}); see its stderr above");
        }
    };

    let mut server = Server {
        port: 0,
        tls_port: None,
        ca_pem: None,
        extra: Vec::new(),
        stdin: child.stdin.take(),
        child,
    };
    for line in &lines {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        let port = || {
            value
                .parse::<u16>()
                .unwrap_or_else(|_| panic!("{script}: bad line {line:?}"))
        };
        match key {
            "PORT" => server.port = port(),
            "TLS_PORT" => server.tls_port = Some(port()),
            "CA_PEM" => server.ca_pem = Some(PathBuf::from(value)),
            _ => server.extra.push((key.to_owned(), value.to_owned())),
        }
    }
    assert_ne!(server.port, 0, "{script} printed no PORT line: {lines:?}");
    server
}

/// Minimal HTTP/1.1 GET (`Connection: close`) for plain `http://host:port/path` URLs.
/// Panics unless the status is 2xx; returns the body.
pub fn get_json(url: &str) -> String {
    let rest = url
        .strip_prefix("http://")
        .expect("get_json supports http:// URLs only");
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("connect {url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .and_then(|_| stream.flush())
    .unwrap_or_else(|e| panic!("send to {url}: {e}"));
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("read from {url}: {e}"));
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("malformed response from {url}: {response:?}"));
    let status = head.split(' ').nth(1).unwrap_or("");
    assert!(status.starts_with('2'), "GET {url} -> {head}");
    body.to_string()
}
