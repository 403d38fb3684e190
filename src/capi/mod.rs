//! The exported C functions: thin shells over the safe modules, one file per domain.

pub mod cookies;
pub mod error;
pub mod request;
pub mod response;
pub mod session;
