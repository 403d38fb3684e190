//! libsession: requests.Session for C, over libcurl.
//!
//! Layout: `capi` holds the exported C functions, thin shells over the safe modules;
//! `ffi` is the plumbing they share (panic boundary, argument conversion).
//! A request flows `prepare` (merge with session defaults) -> `client` (hop loop, cookie
//! jar, `redirect` policy) -> `transport` (libcurl on the caller's thread) -> `response`.

pub mod asynchronous;
pub mod capi;
pub mod client;
pub mod exchange;
pub mod cookies;
pub mod error;
pub mod ffi;
pub mod headers;
pub mod limits;
pub mod net;
pub mod parallel;
pub mod prepare;
pub mod received;
pub mod redirect;
pub mod reentry;
pub mod request;
pub mod response;
pub mod retry;
pub mod session;
pub mod settings;
pub mod transfer;
pub mod transport;
pub mod util;
pub mod version;
