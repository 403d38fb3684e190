//! A HAR file read back as recorded exchanges: what replay matches requests against and
//! answers with. Accepts what `entry` writes and hand-written stubs; the minimum per entry
//! is `request.method`, `request.url` and `response.status` (docs/har-replay.md).
//! Anything malformed is an error for the whole file: nothing is half loaded.

use crate::error::{Code, Error, Result};
use base64::Engine;
use serde_json::Value;

/// Files larger than this are refused (a cassette is read whole into memory).
pub(crate) const MAX_FILE: usize = 256 << 20;

/// A recorded response.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u32,
    pub reason: String,
    pub http_version: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// The URL as matched: fragment dropped, query parameters sorted.
    pub url: String,
    pub body: Vec<u8>,
    pub request_headers: Vec<(String, String)>,
    /// The response, or the error the exchange failed with.
    pub outcome: std::result::Result<Reply, (Code, String)>,
    /// The entry as it was in the file (written back when a cassette grows).
    pub raw: String,
}

fn bad(at: usize, what: &str) -> Error {
    Error::new(Code::SESSION_E_DECODE, format!("HAR entry {at}: {what}"))
}

/// The URL as requests are matched by: fragment dropped, query pairs sorted (their order
/// does not matter).
pub fn match_url(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw).ok()?;
    url.set_fragment(None);
    if url.query().is_some() {
        let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        pairs.sort();
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    Some(url.to_string())
}

fn text_of(object: Option<&Value>, at: usize, what: &str) -> Result<Vec<u8>> {
    let Some(object) = object else { return Ok(Vec::new()) };
    let text = match object.get("text") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(text)) => text,
        Some(_) => return Err(bad(at, &format!("{what}.text is not a string"))),
    };
    match object.get("encoding").and_then(Value::as_str) {
        Some("base64") => base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| bad(at, &format!("{what}.text is not base64"))),
        None => Ok(text.as_bytes().to_vec()),
        Some(other) => Err(bad(at, &format!("{what}.encoding {other:?} is not supported"))),
    }
}

fn headers(list: Option<&Value>, at: usize, what: &str) -> Result<Vec<(String, String)>> {
    let Some(list) = list else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| bad(at, &format!("{what} is not an array")))?;
    list.iter()
        .map(|h| {
            let name = h.get("name").and_then(Value::as_str);
            let value = h.get("value").and_then(Value::as_str);
            match (name, value) {
                (Some(n), Some(v)) if crate::headers::validate(n, Some(v)).is_ok() => Ok((n.to_owned(), v.to_owned())),
                _ => Err(bad(at, &format!("{what}: each needs a valid string name and value"))),
            }
        })
        .collect()
}

fn version(text: &str) -> &'static str {
    match text.to_ascii_uppercase().as_str() {
        "HTTP/1.0" => "HTTP/1.0",
        "HTTP/2" | "HTTP/2.0" | "H2" => "HTTP/2",
        "HTTP/3" | "HTTP/3.0" | "H3" => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

/// One entry as a recorded exchange (`at` its index, for messages).
pub fn one(at: usize, entry: &Value) -> Result<Recorded> {
    let request = entry.get("request").filter(|r| r.is_object()).ok_or_else(|| bad(at, "no request object"))?;
    let method = request.get("method").and_then(Value::as_str).filter(|m| !m.is_empty()).ok_or_else(|| bad(at, "request.method missing"))?;
    if method.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(bad(at, "request.method is not a token"));
    }
    let url = request.get("url").and_then(Value::as_str).ok_or_else(|| bad(at, "request.url missing"))?;
    let url = match_url(url).ok_or_else(|| bad(at, "request.url is not an absolute URL"))?;
    let body = text_of(request.get("postData"), at, "request.postData")?;
    let request_headers = headers(request.get("headers"), at, "request.headers")?;
    let response = entry.get("response").filter(|r| r.is_object()).ok_or_else(|| bad(at, "no response object"))?;
    let outcome = match entry.get("_errorCode") {
        Some(code) => {
            let code = code.as_i64().and_then(Code::from_raw).filter(|&c| c != Code::SESSION_OK).ok_or_else(|| bad(at, "_errorCode is not an error code"))?;
            let message = entry.get("_errorMessage").and_then(Value::as_str).unwrap_or("recorded failure");
            Err((code, message.to_owned()))
        }
        None => {
            let status = response.get("status").and_then(Value::as_u64).filter(|s| (100..=999).contains(s)).ok_or_else(|| bad(at, "response.status must be an integer from 100 to 999"))?;
            let reason = match response.get("statusText") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) if !s.contains(['\r', '\n', '\0']) => s.clone(),
                Some(_) => return Err(bad(at, "response.statusText is not a one-line string")),
            };
            let http_version = version(response.get("httpVersion").and_then(Value::as_str).unwrap_or(""));
            let headers = headers(response.get("headers"), at, "response.headers")?;
            let body = text_of(response.get("content"), at, "response.content")?;
            Ok(Reply { status: status as u32, reason, http_version, headers, body })
        }
    };
    Ok(Recorded { method: method.to_owned(), url, body, request_headers, outcome, raw: entry.to_string() })
}

/// Every exchange recorded in a HAR document, in file order.
pub fn parse(data: &[u8]) -> Result<Vec<Recorded>> {
    if data.len() > MAX_FILE {
        return Err(Error::new(Code::SESSION_E_TOO_LARGE, format!("HAR file over {MAX_FILE} bytes")));
    }
    let doc: Value = serde_json::from_slice(data).map_err(|e| Error::new(Code::SESSION_E_DECODE, format!("not a HAR file: {e}")))?;
    let entries = doc.get("log").and_then(|l| l.get("entries")).and_then(Value::as_array).ok_or_else(|| Error::new(Code::SESSION_E_DECODE, "not a HAR file: no log.entries array"))?;
    entries.iter().enumerate().map(|(at, entry)| one(at, entry)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_stub_parses() {
        let har = br#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x.test/a?b=2&a=1"},
            "response":{"status":200,"headers":[{"name":"Content-Type","value":"text/plain"}],"content":{"text":"hi"}}}]}}"#;
        let got = parse(har).unwrap();
        assert_eq!(got[0].url, "http://x.test/a?a=1&b=2");
        assert_eq!(got[0].outcome.as_ref().unwrap().body, b"hi");
    }

    #[test]
    fn malformed_files_are_refused_whole() {
        for bad in [&b"{"[..], b"[]", br#"{"log":{}}"#, br#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":"200"}}]}}"#,
            br#"{"log":{"entries":[{"request":{"method":"GET","url":"/rel"},"response":{"status":200}}]}}"#,
            br#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200,"headers":[{"name":"A\nB","value":"v"}]}}]}}"#] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
