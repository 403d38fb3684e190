//! One exchanged hop as a HAR 1.2 entry: the request as sent (the hop's `Prepared`), the
//! response as received (`Received`, headers in order), timings from libcurl's, and
//! libsession's `_`-prefixed fields; secrets redacted unless the policy says otherwise.

use crate::error::{Error, Result};
use crate::exchange::Hop;
use crate::received::{Received, Timings};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::time::SystemTime;

const MASK: &str = "[redacted]";

/// What goes into an entry.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Replace the values of Authorization, Proxy-Authorization and Cookie (request),
    /// and URL userinfo.
    pub redact: bool,
    /// Also replace the values of Set-Cookie (a replay cassette keeps them: playback fills
    /// the jar from them).
    pub redact_set_cookie: bool,
    /// Whether bodies are written at all.
    pub bodies: bool,
    /// Bodies longer than this are cut, with a comment saying so; None for no cap.
    pub max_body: Option<usize>,
}

impl Policy {
    /// The HAR log's default: every secret redacted, bodies up to 1 MiB.
    pub fn log() -> Policy {
        Policy { redact: true, redact_set_cookie: true, bodies: true, max_body: Some(1 << 20) }
    }

    /// A replay cassette: request secrets redacted, whole bodies and Set-Cookie kept.
    pub fn cassette() -> Policy {
        Policy { redact: true, redact_set_cookie: false, bodies: true, max_body: None }
    }
}

/// What a layer saw of a hop besides the hop itself.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub started: SystemTime,
    /// The hop's place in its redirect chain (0 for the request's first URL).
    pub redirect: usize,
    /// The retry attempt (0 for the first try).
    pub attempt: u32,
    /// The exchange was answered from a replay file.
    pub replayed: bool,
}

fn secret(name: &str, policy: &Policy) -> bool {
    policy.redact
        && (name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
            || name.eq_ignore_ascii_case("cookie")
            || (policy.redact_set_cookie && name.eq_ignore_ascii_case("set-cookie")))
}

fn header(name: &str, value: &str, policy: &Policy) -> Value {
    json!({ "name": name, "value": if secret(name, policy) { MASK } else { value } })
}

/// A request header: also redacted when the session declared it sensitive
/// (session_set_sensitive_headers).
fn request_header(name: &str, value: &str, policy: &Policy, sensitive: &[String]) -> Value {
    let declared = policy.redact && sensitive.iter().any(|s| s.eq_ignore_ascii_case(name));
    json!({ "name": name, "value": if declared || secret(name, policy) { MASK } else { value } })
}

/// Cookies of a `Cookie` header or of `Set-Cookie` values (name=value before the first ';').
fn cookies<'a>(values: impl Iterator<Item = &'a str>, request: bool, hide: bool) -> Value {
    let mut out = Vec::new();
    for value in values {
        let pairs: Vec<&str> = if request { value.split(';').collect() } else { value.split(';').take(1).collect() };
        for pair in pairs {
            let (name, val) = pair.split_once('=').unwrap_or((pair, ""));
            if name.trim().is_empty() {
                continue;
            }
            out.push(json!({ "name": name.trim(), "value": if hide { MASK } else { val.trim() } }));
        }
    }
    Value::Array(out)
}

/// A body as HAR text: UTF-8 as it is, anything else base64; cut at the policy's cap.
fn body_fields(data: &[u8], policy: &Policy, into: &mut Map<String, Value>) {
    if !policy.bodies {
        if !data.is_empty() {
            into.insert("comment".into(), json!(format!("body of {} bytes left out", data.len())));
        }
        return;
    }
    let cut = policy.max_body.filter(|&max| data.len() > max);
    let mut kept = &data[..cut.unwrap_or(data.len())];
    let text = match std::str::from_utf8(kept) {
        Ok(text) => Some(text),
        // A cut through a character: drop its first bytes.
        Err(err) if cut.is_some() && err.error_len().is_none() && std::str::from_utf8(&data[..err.valid_up_to()]).is_ok() => {
            kept = &data[..err.valid_up_to()];
            std::str::from_utf8(kept).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) => {
            into.insert("text".into(), json!(text));
        }
        None => {
            into.insert("text".into(), json!(base64::engine::general_purpose::STANDARD.encode(kept)));
            into.insert("encoding".into(), json!("base64"));
        }
    }
    if cut.is_some() {
        into.insert("comment".into(), json!(format!("truncated: the first {} of {} bytes", kept.len(), data.len())));
    }
}

fn url_text(hop: &Hop<'_>, policy: &Policy) -> String {
    let url = &hop.prepared.url;
    if policy.redact && (!url.username().is_empty() || url.password().is_some()) {
        let mut clean = url::Url::clone(url);
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        return clean.to_string();
    }
    url.to_string()
}

fn request(hop: &Hop<'_>, http_version: &str, policy: &Policy) -> Value {
    let prepared = hop.prepared;
    let url = &prepared.url;
    let mut headers = Vec::new();
    if let Some(host) = url.host_str() {
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        headers.push(header("Host", &host, policy));
    }
    let mut content_type = None;
    for (name, value) in prepared.headers.iter() {
        let Some(value) = value else { continue };
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_owned());
        }
        headers.push(request_header(name, value, policy, &hop.settings.sensitive_headers));
    }
    let body = prepared.body.as_ref();
    if content_type.is_none() {
        if let Some(ct) = body.and_then(|b| b.content_type.clone()) {
            headers.push(header("Content-Type", &ct, policy));
            content_type = Some(ct);
        }
    }
    let cookie_values = prepared.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("cookie")).filter_map(|(_, v)| v);
    let query: Vec<Value> = url.query_pairs().map(|(n, v)| json!({ "name": n, "value": v })).collect();
    let mut out = json!({
        "method": prepared.method.as_str(),
        "url": url_text(hop, policy),
        "httpVersion": http_version,
        "cookies": cookies(cookie_values, true, policy.redact),
        "headers": headers,
        "queryString": query,
        "headersSize": -1,
        "bodySize": body.map_or(0, |b| b.data.len() as i64),
    });
    if let Some(body) = body {
        let mut post = Map::new();
        post.insert("mimeType".into(), json!(content_type.unwrap_or_else(|| "application/octet-stream".into())));
        if body.upload.is_some() {
            post.insert("text".into(), json!(""));
            post.insert("comment".into(), json!("streamed body, not recorded"));
            out["bodySize"] = json!(-1);
        } else {
            body_fields(&body.data, policy, &mut post);
        }
        out["postData"] = Value::Object(post);
    }
    out
}

fn response(received: &Received, policy: &Policy) -> Value {
    let mut headers = Vec::new();
    let mut mime = String::new();
    let mut location = String::new();
    for (name, value) in received.headers.iter() {
        let (name, value) = (name.to_string_lossy(), value.to_string_lossy());
        if name.eq_ignore_ascii_case("content-type") && mime.is_empty() {
            mime = value.to_string();
        }
        if name.eq_ignore_ascii_case("location") && location.is_empty() {
            location = value.to_string();
        }
        headers.push(header(&name, &value, policy));
    }
    let set_cookies: Vec<String> = received.header_values("Set-Cookie").map(|v| String::from_utf8_lossy(v).into_owned()).collect();
    let hide = policy.redact && policy.redact_set_cookie;
    let mut content = Map::new();
    // A body the caller streamed to a callback or file was copied for the layers.
    let body = received.streamed.as_deref().unwrap_or(&received.body);
    content.insert("size".into(), json!(body.len()));
    content.insert("mimeType".into(), json!(mime));
    body_fields(body, policy, &mut content);
    json!({
        "status": received.status,
        "statusText": String::from_utf8_lossy(&received.reason),
        "httpVersion": received.http_version,
        "cookies": cookies(set_cookies.iter().map(String::as_str), false, hide),
        "headers": headers,
        "content": content,
        "redirectURL": location,
        "headersSize": -1,
        "bodySize": received.content_length.map_or(-1, |l| l as i64),
    })
}

fn failed_response(err: &Error) -> Value {
    json!({
        "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
        "content": { "size": 0, "mimeType": "" }, "redirectURL": "", "headersSize": -1, "bodySize": -1,
        "comment": err.message,
    })
}

fn ms(seconds: f64) -> f64 {
    (seconds.max(0.0) * 1e6).round() / 1e3
}

/// HAR timings (milliseconds) from libcurl's (seconds from the start, cumulative): dns up
/// to name resolution, connect up to the TCP (and TLS) handshake, ssl the TLS part of it,
/// send 0 (libcurl does not time the upload apart), wait up to the first byte, receive
/// the rest; -1 for a phase that did not happen (a reused connection has no dns/connect).
pub fn timings(t: &Timings) -> (Value, f64) {
    let handshake = t.connect.max(t.tls);
    let dns = if t.reused || t.dns <= 0.0 { -1.0 } else { ms(t.dns) };
    let connect = if t.reused || t.connect <= 0.0 { -1.0 } else { ms(handshake - t.dns) };
    let ssl = if t.tls > 0.0 && !t.reused { ms(t.tls - t.connect) } else { -1.0 };
    let wait = ms(t.first_byte - handshake);
    let receive = ms(t.total - t.first_byte.max(handshake));
    let time = dns.max(0.0) + connect.max(0.0) + wait + receive;
    (json!({ "blocked": -1, "dns": dns, "connect": connect, "ssl": ssl, "send": 0, "wait": wait, "receive": receive }), time)
}

fn date(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let format = time::format_description::well_known::Rfc3339;
    at.format(&format).unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// The HAR entry of one hop and its outcome.
pub fn entry(hop: &Hop<'_>, seen: &Seen, result: &Result<Received>, policy: &Policy) -> Value {
    let (http_version, response, (timings, time), reused) = match result {
        Ok(received) => (received.http_version, response(received, policy), timings(&received.timings), received.timings.reused),
        Err(err) => ("HTTP/1.1", failed_response(err), timings(&Timings::default()), false),
    };
    let http_version = if http_version.is_empty() { "HTTP/1.1" } else { http_version };
    let mut entry = json!({
        "startedDateTime": date(seen.started),
        "time": time,
        "request": request(hop, http_version, policy),
        "response": response,
        "cache": {},
        "timings": timings,
        "_redirectHop": seen.redirect,
        "_retryAttempt": seen.attempt,
        "_connectionReused": reused,
    });
    if seen.replayed {
        entry["_replayed"] = json!(true);
    }
    if let Some(peer) = result.as_ref().ok().and_then(|r| r.peer.as_deref()) {
        if peer.ip.parse::<std::net::IpAddr>().is_ok() {
            entry["serverIPAddress"] = json!(peer.ip);
        }
        if peer.connection >= 0 {
            entry["connection"] = json!(peer.connection.to_string());
        }
    }
    if let Err(err) = result {
        entry["_error"] = json!(format!("{:?}", err.code));
        entry["_errorCode"] = json!(err.code as i32);
        entry["_errorMessage"] = json!(err.message);
    }
    entry
}
