//! The opening handshake (RFC 6455 section 4): the URL's scheme, the key and the checks of
//! the server's 101 that libcurl leaves to its caller (Sec-WebSocket-Accept, the
//! subprotocol, extensions).

use crate::error::{Code, Error, Result};
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
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom(2) writes at most 16 bytes into the buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        return Err(Error::new(Code::SESSION_E_INTERNAL, "getrandom failed for the WebSocket key"));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The Sec-WebSocket-Accept a server must answer `key` with.
pub fn accept_for(key: &str) -> String {
    let digest = Sha1::new().chain_update(key.as_bytes()).chain_update(GUID.as_bytes()).finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
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
    fn keys_are_random_16_bytes() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
    }
}
