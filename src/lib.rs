//! libsession: requests.Session for C, over libcurl.
//!
//! Layout: `capi` holds the exported C functions, thin shells over the safe modules;
//! the layers below it, and the exchange seam between the per-request logic and libcurl,
//! are in docs/ARCHITECTURE.md. Only `capi` and `error` are public (the C API's Rust
//! names, for tests); `internals` lends a few pieces to the fuzz targets and tests.

mod asynchronous;
mod cache;
pub mod capi;
mod client;
mod exchange;
mod cookies;
pub mod error;
mod ffi;
mod har;
mod headers;
mod hsts;
mod limits;
mod net;
mod parallel;
mod prepare;
mod received;
mod redirect;
mod replay;
mod reentry;
mod request;
mod response;
mod retry;
mod session;
mod settings;
mod state;
mod transfer;
mod transport;
mod util;
mod version;
mod ws;
mod wire;

/// Pieces of the engine for the fuzz targets and tests; not an API.
#[doc(hidden)]
pub mod internals {
    pub use crate::cookies::Jar;
    pub use crate::hsts::{parse_header as parse_sts, Hsts};
    pub use crate::state::{parse as parse_state, to_json as state_to_json, StateFile};
    pub use crate::limits::SESSION_MAX_HEADER_LINES;
    pub use crate::prepare::prepare;
    pub use crate::redirect::resolve_location;
    pub use crate::request::Request;
    pub use crate::transport::collect_head;
    pub use crate::transfer::events::{Event, EventStream, Fed};
    /// The Sec-WebSocket-Accept a server answers a key with.
    pub fn ws_accept(key: &str) -> String {
        crate::ws::accept_for(key)
    }

    /// `data` as the whole answer to a WebSocket upgrade: None while its head is
    /// incomplete, else (status, head length, body), or the code it is refused with.
    pub fn ws_answer(data: &[u8], max_header_bytes: usize, max_body: u64) -> Result<Option<(u32, usize, Vec<u8>)>, crate::error::Code> {
        crate::ws::parse_answer(data, max_header_bytes, max_body).map_err(|e| e.code)
    }

    /// A cache record file read back (its key and variant count), re-encoded to the same
    /// bytes; None when it is not an intact record. Also parses `data` as Cache-Control.
    pub fn cache_entry(data: &[u8]) -> Option<(String, usize)> {
        let _ = crate::cache::control::parse([data]);
        let (key, record) = crate::cache::entry::decode(data)?;
        assert_eq!(crate::cache::entry::encode(&key, &record), data, "a decoded record encodes to its bytes");
        Some((key, record.len()))
    }

    /// Where a disk cache in `dir` keeps the record of `url`.
    pub fn cache_entry_path(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
        crate::cache::entry_path(dir, url)
    }

    /// The (method, URL) of every exchange a HAR file records, or the code it is refused with.
    pub fn har_requests(data: &[u8]) -> Result<Vec<(String, String)>, crate::error::Code> {
        crate::har::parse::parse(data).map(|all| all.into_iter().map(|r| (r.method, r.url)).collect()).map_err(|e| e.code)
    }
}
