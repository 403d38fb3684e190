//! Transfers beyond a body in memory: streaming uploads and downloads, content decoding,
//! progress, hooks, wire tracing and timings. `Receiver` is the per-hop state the
//! transport's Collector delegates to; `configure` sets the libcurl options it needs.

pub mod callbacks;
mod decode;
pub mod hooks;
mod receiver;
mod redact;
mod sink;
pub mod upload;

pub use callbacks::{DebugCallback, ProgressCallback, ResponseHook, UserData, WriteCallback};
pub use receiver::{complete, configure, Receiver};
pub use redact::redact;
pub use upload::{FilePart, Upload};

use std::path::PathBuf;

/// What libsession advertises by default, and decodes when the server uses it.
pub(crate) const DEFAULT_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
pub(crate) const DEFAULT_ACCEPT_ENCODING_C: &std::ffi::CStr = c"gzip, deflate, br, zstd";

/// Whether `hop` sends the library's own Accept-Encoding: then libcurl sends it (its own
/// header line is cheaper than a custom one) and the Receiver decodes every coding in it.
pub(crate) fn sends_default_accept_encoding(hop: &crate::prepare::Prepared) -> bool {
    hop.headers.entry("Accept-Encoding") == Some(Some(DEFAULT_ACCEPT_ENCODING))
}
/// More stacked Content-Encodings than this are refused (SESSION_E_DECODE).
pub(crate) const MAX_STACKED_ENCODINGS: usize = 5;

/// HTTP versions a session or request may ask for (session_http_version in C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// libcurl's default: HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1.
    #[default]
    Default,
    Http11,
    /// HTTP/2 over TLS via ALPN and, for http://, an Upgrade attempt; falls back to 1.1.
    Http2,
    /// HTTP/2 without negotiation (h2c prior knowledge).
    Http2PriorKnowledge,
}

/// Where the final response's body goes.
#[derive(Debug, Clone, Default)]
pub enum Destination {
    /// Into the response's `body` (bounded by the max body size).
    #[default]
    Memory,
    Callback(WriteCallback),
    File(PathBuf),
}

/// A request's own transfer options, carried on every hop.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    pub destination: Destination,
    pub progress: Option<ProgressCallback>,
    pub http_version: Option<HttpVersion>,
    /// Replaces the session's response hook for this request (requests' merge_hooks).
    pub response_hook: Option<ResponseHook>,
    /// Whether the request follows redirects (so that a redirect's body isn't streamed).
    pub follows_redirects: bool,
}

/// Session-wide settings of this module (part of `Settings`).
#[derive(Debug, Clone, Default)]
pub struct SessionTransfer {
    /// Identifies the session, so a callback can't re-enter it.
    pub session_id: crate::reentry::SessionId,
    pub http_version: HttpVersion,
    pub response_hook: Option<ResponseHook>,
    pub debug: Option<DebugCallback>,
}

/// Timings of one response (one hop), in seconds from the start of its request, as
/// libcurl measures them, and whether it went over a reused connection.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(non_camel_case_types)]
pub struct session_timings {
    /// Until the host name was resolved (0 when the connection was reused).
    pub dns: f64,
    /// Until the TCP connection was made (0 when the connection was reused).
    pub connect: f64,
    /// Until the TLS handshake was done (0 for http:// and when the connection was reused).
    pub tls: f64,
    /// Until the first response byte arrived.
    pub first_byte: f64,
    /// Until the end of the body.
    pub total: f64,
    /// True when the request went over a connection kept from an earlier one.
    pub reused: bool,
}

/// The Rust name of session_timings.
pub type Timings = session_timings;
