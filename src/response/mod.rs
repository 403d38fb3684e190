//! Responses: the safe form built by the client (here), and the C struct handed to callers
//! with the one allocation that holds it (`boxed`).

mod boxed;

pub use boxed::{c_ready, session_response_t, BoxedResponse, ResponseBox};

use crate::error::Error;
use crate::headers::Headers;
use crate::received::HeaderLines;
use std::borrow::Cow;
use std::ffi::CStr;
use std::sync::Arc;

/// A response as the client builds it.
#[derive(Debug, Default)]
pub struct Response {
    pub error: Option<Error>,
    pub status: u32,
    pub reason: Vec<u8>,
    pub url: ResponseUrl,
    pub headers: HeaderLines,
    pub body: Vec<u8>,
    pub elapsed: f64,
    pub http_version: &'static str,
    pub history: Vec<Response>,
    /// DNS, connect, TLS, first byte and total times of this hop, and connection reuse.
    pub timings: crate::received::Timings,
    /// The request as sent for this hop (its URL is `url`).
    pub sent: Sent,
}

/// The request of one hop as the library sent it: moved out of the hop when it ends (no
/// copy). libcurl's own additions (Host, Content-Length, a digest Authorization) are not in
/// `headers`.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub method: Cow<'static, str>,
    /// The hop's headers; entries marked removed are not sent.
    pub headers: Headers,
    /// The body bytes; None when there was none or it was streamed (files, a read callback).
    pub body: Option<Vec<u8>>,
}

impl Response {
    /// A response that carries only a failure.
    pub fn failed(error: Error, url: &str) -> Response {
        Response { error: Some(error), url: ResponseUrl::Owned(url.to_owned()), ..Response::default() }
    }
}

/// A response's URL: text of its own, or a C string shared by the responses to the same URL
/// (`Prepared.url_c`), which saves a copy per response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseUrl {
    Owned(String),
    Shared(Arc<CStr>),
}

impl Default for ResponseUrl {
    fn default() -> ResponseUrl {
        ResponseUrl::Owned(String::new())
    }
}

impl From<&str> for ResponseUrl {
    fn from(url: &str) -> ResponseUrl {
        ResponseUrl::Owned(url.to_owned())
    }
}

impl PartialEq<&str> for ResponseUrl {
    fn eq(&self, other: &&str) -> bool {
        match self {
            ResponseUrl::Owned(url) => url == other,
            ResponseUrl::Shared(url) => url.to_bytes() == other.as_bytes(),
        }
    }
}

/// The standard reason phrase of `status`, "" for an unknown one.
pub(crate) fn canonical_reason(status: u32) -> &'static CStr {
    match status {
        100 => c"Continue", 101 => c"Switching Protocols", 200 => c"OK", 201 => c"Created",
        202 => c"Accepted", 203 => c"Non-Authoritative Information", 204 => c"No Content",
        205 => c"Reset Content", 206 => c"Partial Content", 300 => c"Multiple Choices",
        301 => c"Moved Permanently", 302 => c"Found", 303 => c"See Other", 304 => c"Not Modified",
        307 => c"Temporary Redirect", 308 => c"Permanent Redirect", 400 => c"Bad Request",
        401 => c"Unauthorized", 402 => c"Payment Required", 403 => c"Forbidden", 404 => c"Not Found",
        405 => c"Method Not Allowed", 406 => c"Not Acceptable", 407 => c"Proxy Authentication Required",
        408 => c"Request Timeout", 409 => c"Conflict", 410 => c"Gone", 411 => c"Length Required",
        412 => c"Precondition Failed", 413 => c"Content Too Large", 414 => c"URI Too Long",
        415 => c"Unsupported Media Type", 416 => c"Range Not Satisfiable", 417 => c"Expectation Failed",
        418 => c"I'm a Teapot", 421 => c"Misdirected Request", 422 => c"Unprocessable Content",
        425 => c"Too Early", 426 => c"Upgrade Required", 428 => c"Precondition Required",
        429 => c"Too Many Requests", 431 => c"Request Header Fields Too Large",
        451 => c"Unavailable For Legal Reasons", 500 => c"Internal Server Error",
        501 => c"Not Implemented", 502 => c"Bad Gateway", 503 => c"Service Unavailable",
        504 => c"Gateway Timeout", 505 => c"HTTP Version Not Supported",
        _ => c"",
    }
}
