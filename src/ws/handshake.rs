//! The opening handshake (RFC 6455 section 4): the URL's scheme, the key, the request's
//! bytes, the server's answer read back (its head, and a refusal's body by Content-Length,
//! chunked, or to the connection's end) and the checks a client makes of a 101
//! (Sec-WebSocket-Accept, the subprotocol, extensions).

use crate::error::{Code, Error, Result};
use crate::headers::Headers;
use crate::limits::{HeadLine, HeaderGuard};
use crate::received::Received;
use base64::Engine;
use sha1::{Digest, Sha1};
use url::Url;

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The http(s) URL the upgrade request is prepared for (so the jar, HSTS, proxies and
/// credentials see the origin they know): ws becomes http, wss https; http(s) stay.
pub fn http_url(raw: &str) -> Result<String> {
    let mut url = Url::parse(raw).map_err(|e| Error::invalid_url(format!("{raw:?}: {e}")))?;
    let scheme = match url.scheme() {
        "ws" | "http" => "http",
        "wss" | "https" => "https",
        other => return Err(Error::invalid_url(format!("unsupported scheme {other:?} for a WebSocket (ws, wss, http or https)"))),
    };
    // Between special schemes set_scheme always succeeds.
    let _ = url.set_scheme(scheme);
    Ok(url.into())
}

/// The URL libcurl connects to: the prepared http(s) URL as ws(s), without credentials
/// (they went into the Authorization header) or fragment.
pub fn ws_url(prepared: &Url) -> String {
    let mut url = prepared.clone();
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    let _ = url.set_scheme(scheme);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    url.into()
}

/// A fresh Sec-WebSocket-Key: 16 random bytes, base64.
pub fn new_key() -> Result<String> {
    Ok(base64::engine::general_purpose::STANDARD.encode(random::<16>()?))
}

/// A fresh masking key for a frame (RFC 6455 10.3: unpredictable).
pub fn new_mask() -> Result<[u8; 4]> {
    random::<4>()
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    // SAFETY: getrandom(2) writes at most N bytes into the buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), N, 0) };
    if n != N as isize {
        return Err(Error::new(Code::SESSION_E_INTERNAL, "getrandom failed for the WebSocket key or mask"));
    }
    Ok(bytes)
}

/// The Sec-WebSocket-Accept a server must answer `key` with.
pub fn accept_for(key: &str) -> String {
    let digest = Sha1::new().chain_update(key.as_bytes()).chain_update(GUID.as_bytes()).finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// The upgrade request's bytes for `url` (the prepared http(s) URL) with the hop's
/// `headers` (cookies, auth, defaults and the caller's, Sec-WebSocket-Key among them). The
/// default Accept-Encoding is left out (a refusal's body is given as sent); Upgrade,
/// Connection and Sec-WebSocket-Version are the handshake's own; proxy-only headers stay out.
pub fn request_bytes(url: &Url, headers: &Headers) -> Vec<u8> {
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (host, None) => host.unwrap_or_default().to_owned(),
        (None, Some(_)) => String::new(),
    };
    let mut out = format!("GET {target} HTTP/1.1\r\n");
    if !headers.contains("Host") {
        out.push_str(&format!("Host: {host}\r\n"));
    }
    let default_encoding = crate::transfer::sends_default_accept_encoding(headers);
    for (name, value) in headers.iter() {
        let own = ["Upgrade", "Connection", "Sec-WebSocket-Version"].iter().any(|n| name.eq_ignore_ascii_case(n));
        let skip = own || name.eq_ignore_ascii_case("Proxy-Authorization") || default_encoding && name.eq_ignore_ascii_case("Accept-Encoding");
        if let (false, Some(value)) = (skip, value) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
    out.into_bytes()
}

/// How the body after a response head ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (101, 1xx, 204, 304): what follows the head is the next protocol's.
    None,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// A response head read from the front of a buffer.
#[derive(Debug)]
pub struct Head {
    pub received: Received,
    /// Its bytes, blank line included.
    pub len: usize,
    pub framing: Framing,
}

/// The response head at the front of `buf`, None while it is incomplete. Its lines count
/// against `max_header_bytes` (0: no cap) and the line cap, as for any response.
pub fn parse_head(buf: &[u8], max_header_bytes: usize) -> Result<Option<Head>> {
    let mut guard = HeaderGuard::new(max_header_bytes);
    let mut received = Received::default();
    let mut at = 0;
    let mut chunked = false;
    while let Some(nl) = crate::util::find_byte(b'\n', &buf[at..]) {
        let raw = &buf[at..at + nl + 1];
        at += nl + 1;
        let line = HeadLine::parse(raw);
        if !guard.check_parsed(raw.len(), &line) {
            return Err(guard.fault.take().expect("the guard says why"));
        }
        match line {
            HeadLine::Status(status) if received.status == 0 => status_line(&mut received, status)?,
            _ if received.status == 0 => return Err(Error::new(Code::SESSION_E_DECODE, "the answer to the WebSocket upgrade is not an HTTP/1 response")),
            HeadLine::Field(name, value) => {
                chunked |= name.eq_ignore_ascii_case(b"transfer-encoding") && value.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"));
                received.headers.push(name, value);
            }
            HeadLine::Fold(more) => received.headers.extend_last(more),
            HeadLine::End => {
                received.headers.drop_stray_nul();
                received.content_length = guard.content_length;
                received.encoded = guard.encoded;
                let framing = match received.status {
                    100..=199 | 204 | 304 => Framing::None,
                    _ if chunked => Framing::Chunked,
                    _ => match (guard.content_length, received.header_values("Content-Length").next()) {
                        (Some(n), _) => Framing::Length(n),
                        (None, Some(_)) => return Err(Error::new(Code::SESSION_E_DECODE, "the answer to the WebSocket upgrade has an invalid Content-Length")),
                        (None, None) => Framing::Close,
                    },
                };
                return Ok(Some(Head { received, len: at, framing }));
            }
            HeadLine::Status(_) | HeadLine::Other => {}
        }
    }
    let cap = if max_header_bytes == 0 { crate::limits::SESSION_DEFAULT_MAX_HEADER_BYTES } else { max_header_bytes };
    if buf.len() - at > cap {
        return Err(Error::new(Code::SESSION_E_TOO_LARGE, format!("a response header line is over the session's max header bytes ({cap})")));
    }
    Ok(None)
}

fn status_line(received: &mut Received, line: &[u8]) -> Result<()> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    received.http_version = match parts.next().unwrap_or_default() {
        b"HTTP/1.0" => "HTTP/1.0",
        b"HTTP/1.1" => "HTTP/1.1",
        _ => return Err(Error::new(Code::SESSION_E_DECODE, "the answer to the WebSocket upgrade is not HTTP/1.0 or 1.1")),
    };
    received.status = match parts.next() {
        Some(&[a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9']) => u32::from(a - b'0') * 100 + u32::from(b - b'0') * 10 + u32::from(c - b'0'),
        _ => return Err(Error::new(Code::SESSION_E_DECODE, "the answer to the WebSocket upgrade has no valid status code")),
    };
    let reason = parts.next().unwrap_or_default().trim_ascii();
    let standard = crate::response::canonical_reason(received.status).to_bytes();
    received.reason = if reason == standard { Vec::new() } else { reason.to_vec() };
    Ok(())
}

/// The body at the front of `buf` when it is complete (`eof`: the server closed the
/// connection); None while more is to come. At most `max` bytes (SESSION_E_TOO_LARGE).
pub fn body(framing: Framing, buf: &[u8], eof: bool, max: u64) -> Result<Option<Vec<u8>>> {
    let too_large = || Error::new(Code::SESSION_E_TOO_LARGE, format!("the refusal's body is over {max} bytes"));
    let cut = || Error::new(Code::SESSION_E_CONNECT, "the connection closed inside the refusal's body");
    match framing {
        Framing::None => Ok(Some(Vec::new())),
        Framing::Length(n) if n > max => Err(too_large()),
        Framing::Length(n) => match buf.get(..n as usize) {
            Some(body) => Ok(Some(body.to_vec())),
            None if eof => Err(cut()),
            None => Ok(None),
        },
        Framing::Close if buf.len() as u64 > max => Err(too_large()),
        Framing::Close => Ok(eof.then(|| buf.to_vec())),
        Framing::Chunked => match dechunk(buf, max)? {
            Some(body) => Ok(Some(body)),
            None if eof => Err(cut()),
            None => Ok(None),
        },
    }
}

/// A chunked body (RFC 9112 7.1) decoded, when its last chunk and trailers are all in `buf`.
fn dechunk(buf: &[u8], max: u64) -> Result<Option<Vec<u8>>> {
    let bad = |what: &str| Error::new(Code::SESSION_E_DECODE, format!("the refusal's chunked body {what}"));
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(nl) = crate::util::find_byte(b'\n', &buf[at..]) else { return Ok(None) };
        let line = buf[at..at + nl].trim_ascii_end();
        at += nl + 1;
        let digits = line.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
        let size = std::str::from_utf8(digits).ok().filter(|d| !d.is_empty() && d.len() <= 15).and_then(|d| u64::from_str_radix(d, 16).ok());
        let Some(size) = size else { return Err(bad("has a bad chunk size line")) };
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let Some(nl) = crate::util::find_byte(b'\n', &buf[at..]) else { return Ok(None) };
                let blank = buf[at..at + nl].trim_ascii().is_empty();
                at += nl + 1;
                if blank {
                    return Ok(Some(body));
                }
            }
        }
        if body.len() as u64 + size > max {
            return Err(Error::new(Code::SESSION_E_TOO_LARGE, format!("the refusal's body is over {max} bytes")));
        }
        let size = size as usize;
        let Some(data) = buf.get(at..at + size) else { return Ok(None) };
        body.extend_from_slice(data);
        at += size;
        match buf.get(at..) {
            Some([b'\r', b'\n', ..]) => at += 2,
            Some([b'\n', ..]) => at += 1,
            Some([]) | Some([b'\r']) => return Ok(None),
            _ => return Err(bad("has no line end after a chunk")),
        }
    }
}

fn header<'a>(received: &'a Received, name: &'a str) -> Option<String> {
    let values: Vec<&[u8]> = received.header_values(name).collect();
    (!values.is_empty()).then(|| values.iter().map(|v| String::from_utf8_lossy(v).trim().to_owned()).collect::<Vec<_>>().join(", "))
}

/// The checks of section 4.1 a client makes of the 101 (libcurl makes none of them).
pub fn check_101(received: &Received, key: &str, protocols_asked: Option<&str>) -> Result<()> {
    let fail = |what: String| Err(Error::new(Code::SESSION_E_DECODE, format!("WebSocket handshake: {what}")));
    let upgrade = header(received, "Upgrade").unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return fail(format!("the 101 has Upgrade {upgrade:?}, not websocket"));
    }
    let connection = header(received, "Connection").unwrap_or_default();
    if !connection.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade")) {
        return fail(format!("the 101 has Connection {connection:?}, without upgrade"));
    }
    let accept = header(received, "Sec-WebSocket-Accept").unwrap_or_default();
    if accept != accept_for(key) {
        return fail(format!("Sec-WebSocket-Accept {accept:?} does not match the key"));
    }
    if let Some(extensions) = header(received, "Sec-WebSocket-Extensions") {
        return fail(format!("the server chose extensions ({extensions}), which libsession does not speak"));
    }
    if let Some(chosen) = header(received, "Sec-WebSocket-Protocol") {
        let asked = protocols_asked.unwrap_or("");
        if !asked.split(',').any(|p| p.trim() == chosen) {
            return fail(format!("the server chose subprotocol {chosen:?}, not one asked for ({asked:?})"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_matches_rfc_6455_example() {
        assert_eq!(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn schemes_map_both_ways() {
        assert_eq!(http_url("ws://h:1/p?q#f").unwrap(), "http://h:1/p?q#f");
        assert_eq!(http_url("wss://h/").unwrap(), "https://h/");
        assert_eq!(http_url("https://h/").unwrap(), "https://h/");
        assert_eq!(http_url("ftp://h/").unwrap_err().code, Code::SESSION_E_INVALID_URL);
        assert_eq!(ws_url(&Url::parse("https://u:p@h:8443/x#f").unwrap()), "wss://h:8443/x");
        assert_eq!(ws_url(&Url::parse("http://h/").unwrap()), "ws://h/");
    }

    #[test]
    fn the_request_is_an_upgrade_with_the_hops_headers() {
        let mut headers = Headers::default();
        headers.set("Cookie", Some("a=1"));
        headers.set("Connection", Some("keep-alive"));
        headers.set("Proxy-Authorization", Some("Basic x"));
        headers.set("Accept", None);
        let text = String::from_utf8(request_bytes(&Url::parse("http://[::1]:81/p?q=1#f").unwrap(), &headers)).unwrap();
        assert!(text.starts_with("GET /p?q=1 HTTP/1.1\r\nHost: [::1]:81\r\nCookie: a=1\r\n"), "{text}");
        assert!(text.ends_with("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"), "{text}");
        assert!(!text.contains("keep-alive") && !text.contains("Proxy-Authorization") && !text.contains("Accept"), "{text}");
    }

    #[test]
    fn heads_and_bodies_are_read_back() {
        let raw = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nX: y\r\n\r\ngo away";
        assert!(parse_head(&raw[..20], 0).unwrap().is_none());
        let head = parse_head(raw, 0).unwrap().unwrap();
        assert_eq!((head.received.status, head.framing, head.len), (403, Framing::Length(7), raw.len() - 7));
        assert_eq!(body(head.framing, &raw[head.len..], false, 100).unwrap().unwrap(), b"go away");
        assert_eq!(body(Framing::Length(8), b"go away", false, 100).unwrap(), None);
        assert_eq!(body(Framing::Length(8), b"go away", true, 100).unwrap_err().code, Code::SESSION_E_CONNECT);
        assert_eq!(body(Framing::Length(800), b"", false, 100).unwrap_err().code, Code::SESSION_E_TOO_LARGE);
        let chunked = b"3;x=1\r\nabc\r\n4\r\ndefg\r\n0\r\nT: 1\r\n\r\n";
        for cut in 0..chunked.len() {
            assert_eq!(body(Framing::Chunked, &chunked[..cut], false, 100).unwrap(), None, "{cut}");
        }
        assert_eq!(body(Framing::Chunked, chunked, false, 100).unwrap().unwrap(), b"abcdefg");
        assert_eq!(body(Framing::Chunked, b"zz\r\n", false, 100).unwrap_err().code, Code::SESSION_E_DECODE);
        assert_eq!(body(Framing::Close, b"all", true, 100).unwrap().unwrap(), b"all");
        assert_eq!(parse_head(b"SSH-2.0\r\n\r\n", 0).unwrap_err().code, Code::SESSION_E_DECODE);
        let switched = parse_head(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00", 0).unwrap().unwrap();
        assert_eq!((switched.framing, switched.len), (Framing::None, 56));
    }

    #[test]
    fn keys_are_random_16_bytes() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
    }
}
