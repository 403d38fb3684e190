//! The exported C functions: thin shells over the safe modules, one file per domain.

// Every function here is `unsafe extern "C"`: its safety contract is the C one, written in
// its doc comment and docs/CONVENTIONS.md (pointers NULL or made by this library).
#![allow(clippy::missing_safety_doc)]

pub mod cache;
pub mod concurrency;
pub mod connect;
pub mod cookies;
pub mod error;
pub mod har;
pub mod limits;
pub mod network;
pub mod observe;
pub mod request;
pub mod response;
pub mod session;
pub mod state;
pub mod transfer;
pub mod ws;
