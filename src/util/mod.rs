//! Small helpers every layer may use: text checks, C strings, byte search, change
//! tracking, HTTP dates, the spare buffer for large bodies and copies into them. Depends on nothing of the crate but `error`.

pub mod bulk;
mod http_date;
pub mod spare;

pub use http_date::parse_http_date;

use crate::error::{Error, Result};
use std::ffi::CString;

/// Refuses CR, LF and NUL, which would let a value inject protocol lines.
pub fn check_no_ctl(value: &str, what: &str) -> Result<()> {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::invalid(format!("{what} contains CR, LF or NUL")));
    }
    Ok(())
}

/// Refuses what may not appear in an HTTP field value (RFC 9110 5.5): CR, LF, NUL and every
/// other control character but horizontal tab, and DEL.
pub fn check_field_value(value: &str, what: &str) -> Result<()> {
    check_no_ctl(value, what)?;
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::invalid(format!("{what} contains a control character")));
    }
    Ok(())
}

/// A C string of `bytes` with any NUL bytes dropped, allocated once at its final size.
pub fn c_string(bytes: &[u8]) -> CString {
    if !bytes.contains(&0) {
        let mut owned = Vec::with_capacity(bytes.len() + 1);
        owned.extend_from_slice(bytes);
        // SAFETY: no NUL in `bytes`.
        return unsafe { CString::from_vec_unchecked(owned) };
    }
    let mut owned = Vec::with_capacity(bytes.len() + 1);
    owned.extend(bytes.iter().copied().filter(|&b| b != 0));
    // SAFETY: the NUL bytes were just removed.
    unsafe { CString::from_vec_unchecked(owned) }
}

/// Where `byte` first occurs in `text` (libc's memchr: core's is slow on short slices).
pub fn find_byte(byte: u8, text: &[u8]) -> Option<usize> {
    if text.is_empty() {
        return None;
    }
    // SAFETY: reads `text.len()` bytes of a live slice; a hit points into it.
    let hit = unsafe { libc::memchr(text.as_ptr().cast(), i32::from(byte), text.len()) };
    (!hit.is_null()).then(|| hit as usize - text.as_ptr() as usize)
}

/// Records `value` in `slot`; true when it differs from what was there (the option it
/// stands for must be set again).
pub fn changed<T: PartialEq>(slot: &mut Option<T>, value: T) -> bool {
    if slot.as_ref() == Some(&value) {
        return false;
    }
    *slot = Some(value);
    true
}
