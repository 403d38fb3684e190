//! Transfers beyond a body in memory: streaming uploads and downloads, content decoding,
//! progress and wire tracing, as plain data and callbacks. `Receiver` is the per-hop state
//! the transport's Collector delegates to.

pub mod callbacks;
pub(crate) mod decode;
pub mod events;
mod receiver;
mod redact;
mod sink;
pub mod upload;

pub use callbacks::{DebugCallback, EventCallback, ProgressCallback, ResponseHook, UserData, WriteCallback};
pub use receiver::Receiver;
pub use redact::redact_with;
pub use upload::{FilePart, Upload};

use std::path::PathBuf;

/// What libsession advertises by default, and decodes when the server uses it.
pub(crate) const DEFAULT_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
pub(crate) const DEFAULT_ACCEPT_ENCODING_C: &std::ffi::CStr = c"gzip, deflate, br, zstd";

/// Whether a hop's headers send the library's own Accept-Encoding: then libcurl sends it (its own
/// header line is cheaper than a custom one) and the Receiver decodes every coding in it.
pub(crate) fn sends_default_accept_encoding(headers: &crate::headers::Headers) -> bool {
    headers.entry("Accept-Encoding") == Some(Some(DEFAULT_ACCEPT_ENCODING))
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
    /// Parsed as an event stream, each event to the callback (session_request_set_event_callback).
    Events(EventCallback),
}

/// The cap on one event (a line, or an event's data) when the session sets no max body
/// size; with one, that size is the cap (an event stream has no end to bound in total).
pub(crate) const DEFAULT_MAX_EVENT: usize = 16 * 1024 * 1024;

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
    /// How the request uses the session's HTTP cache.
    pub cache_mode: CacheMode,
}

/// How a request uses the session's HTTP cache (session_request_set_cache_mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// RFC 9111 as it is.
    #[default]
    Default,
    /// Neither read nor write the cache.
    NoStore,
    /// Always revalidate a stored response.
    NoCache,
    /// Use any stored response, even stale; go to the network only on a miss.
    ForceCache,
    /// Use any stored response, never the network (a miss is SESSION_E_NOT_CACHED).
    OnlyIfCached,
}

impl CacheMode {
    pub fn from_raw(raw: i64) -> Option<CacheMode> {
        use CacheMode::*;
        [Default, NoStore, NoCache, ForceCache, OnlyIfCached].get(usize::try_from(raw).ok()?).copied()
    }
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

