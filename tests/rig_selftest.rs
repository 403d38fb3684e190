//! Checks the test servers themselves (tests/servers, tests/support), without libsession.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use support::{get_json, httpbin, rig, rig_tls, venv_python};

/// Sends one raw request on a kept-alive connection; returns (head, body), reading
/// the body by Content-Length.
fn exchange(conn: &mut BufReader<TcpStream>, request: &str) -> (String, String) {
    conn.get_mut().write_all(request.as_bytes()).unwrap();
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert_ne!(
            conn.read_line(&mut line).unwrap(),
            0,
            "connection closed early"
        );
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("no Content-Length");
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

fn connect(port: u16) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(("127.0.0.1", port)).unwrap())
}

#[test]
fn httpbin_answers_get() {
    let body = get_json(&httpbin().url("/get?x=1"));
    assert!(body.contains(r#""x": "1""#), "{body}");
}

#[test]
fn httpbin_keeps_connections_alive() {
    let mut conn = connect(httpbin().port);
    for _ in 0..2 {
        let (head, _) = exchange(&mut conn, "GET /get HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
    }
}

#[test]
fn rig_counts_one_connection_for_three_keepalive_requests() {
    let rig = rig();
    let mut conn = connect(rig.port);
    for _ in 0..3 {
        let (head, _) = exchange(&mut conn, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }
    // get_json's own probe connection is not counted.
    assert_eq!(
        get_json(&rig.url("/connections")).trim(),
        r#"{"accepted": 1}"#
    );
}

#[test]
fn rig_echo_returns_headers_and_body() {
    let rig = rig();
    let mut conn = connect(rig.port);
    let (_, body) = exchange(
        &mut conn,
        "POST /echo/x?a=1 HTTP/1.1\r\nHost: x\r\nX-Custom: hello\r\nContent-Length: 3\r\n\r\nabc",
    );
    for want in [
        r#"["X-Custom", "hello"]"#,
        r#""body": "abc""#,
        r#""path": "/echo/x?a=1""#,
        r#""query": "a=1""#,
    ] {
        assert!(body.contains(want), "{want} not in {body}");
    }
}

#[test]
fn rig_redirect_sets_location_raw() {
    let rig = rig();
    let mut conn = connect(rig.port);
    for (query, status, location) in [
        ("to=%2F%2Fhost%2Fx", "302", "//host/x"),
        ("to=%3Fq%3D1&status=307", "307", "?q=1"),
    ] {
        let (head, body) = exchange(
            &mut conn,
            &format!("GET /redirect?{query} HTTP/1.1\r\nHost: x\r\n\r\n"),
        );
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(
            head.contains(&format!("Location: {location}\r\n")),
            "{head}"
        );
        assert_eq!(body, "");
    }
}

#[test]
fn rig_tls_serves_with_its_own_ca() {
    let rig = rig_tls();
    let ca = rig.ca_pem.as_ref().unwrap();
    // Verify with Python's ssl (std-only Rust has no TLS): trusted with the CA, rejected without.
    let script = "import ssl, sys, urllib.request as u\n\
        ctx = ssl.create_default_context(cafile=sys.argv[2])\n\
        print(u.urlopen(sys.argv[1], context=ctx).status)\n\
        try: u.urlopen(sys.argv[1])\n\
        except Exception as e: print('untrusted', 'CERTIFICATE_VERIFY_FAILED' in str(e))\n";
    let out = Command::new(venv_python())
        .args(["-c", script, &rig.tls_url("/echo"), ca.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200\nuntrusted True\n",
        "{out:?}"
    );
}

#[test]
fn rig_stops_when_dropped() {
    let rig = rig();
    let port = rig.port;
    drop(rig);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
