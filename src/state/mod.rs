//! The session's state file (`session_save` / `session_load`): cookies and HSTS entries in
//! one versioned JSON document, documented in docs/state.md. Parsing is all or nothing: a
//! file that fails any check gives an error and nothing of it is used.

use crate::cookies::{CookieRecord, Jar};
use crate::error::{Code, Error, Result};
use crate::hsts::{normalize_host, HstsRecord};
use std::io::Read;
use std::path::Path;

/// The format version this library writes and reads.
pub(crate) const STATE_VERSION: u32 = 1;
/// Files over this size are refused unread.
pub(crate) const STATE_MAX_BYTES: u64 = 64 << 20;

/// The whole file. Unknown fields are refused: a later version that adds some (TLS session
/// tickets, say) bumps `libsession_state`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    pub libsession_state: u32,
    /// Unix seconds when it was written (informational).
    pub saved_at: i64,
    pub cookies: Vec<CookieRecord>,
    pub hsts: Vec<HstsRecord>,
}

#[derive(serde::Deserialize)]
struct Probe {
    libsession_state: Option<serde_json::Value>,
}

fn decode_error(detail: impl std::fmt::Display) -> Error {
    Error::new(Code::SESSION_E_DECODE, format!("state file refused: {detail}"))
}

/// Parses and checks a whole state file: JSON, the version, every HSTS host (a DNS name,
/// not an IP literal or a public suffix) and every cookie (the jar's policy).
pub fn parse(bytes: &[u8]) -> Result<StateFile> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| decode_error(format!("not a libsession state file ({e})")))?;
    match probe.libsession_state {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(STATE_VERSION)) => {}
        Some(other) => return Err(decode_error(format!("format version {other}, this library reads version {STATE_VERSION}"))),
        None => return Err(decode_error("no \"libsession_state\" version field")),
    }
    let file: StateFile = serde_json::from_slice(bytes).map_err(decode_error)?;
    for entry in &file.hsts {
        let host = normalize_host(&entry.host).map_err(|e| decode_error(e.message))?;
        if host != entry.host {
            return Err(decode_error(format!("HSTS host {:?} is not in normal form", entry.host)));
        }
    }
    let mut scratch = Jar::default();
    scratch.set_limits(usize::MAX, usize::MAX);
    for cookie in &file.cookies {
        scratch.add(cookie).map_err(|e| decode_error(format!("cookie {:?} for {:?}: {}", cookie.name, cookie.domain, e.message)))?;
    }
    Ok(file)
}

/// Reads `path`: refused when missing or unreadable (SESSION_E_IO), writable by group or
/// others (SESSION_E_IO), over STATE_MAX_BYTES (SESSION_E_TOO_LARGE) or malformed
/// (SESSION_E_DECODE).
pub fn read_file(path: &Path) -> Result<StateFile> {
    use std::os::unix::fs::PermissionsExt;
    let io = |what: &str, e: std::io::Error| Error::new(Code::SESSION_E_IO, format!("cannot {what} state file {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| io("open", e))?;
    let meta = file.metadata().map_err(|e| io("stat", e))?;
    if !meta.is_file() {
        return Err(Error::new(Code::SESSION_E_IO, format!("state file {} is not a regular file", path.display())));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(Error::new(
            Code::SESSION_E_IO,
            format!(
                "state file {} is writable by group or others (mode {:o}): it holds secrets, and anyone could rewrite them; chmod 600 it",
                path.display(),
                meta.permissions().mode() & 0o7777
            ),
        ));
    }
    let too_large = || Error::new(Code::SESSION_E_TOO_LARGE, format!("state file {} is over {} bytes", path.display(), STATE_MAX_BYTES));
    if meta.len() > STATE_MAX_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(STATE_MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| io("read", e))?;
    if bytes.len() as u64 > STATE_MAX_BYTES {
        return Err(too_large());
    }
    parse(&bytes).map_err(|e| Error::new(e.code, format!("{}: {}", path.display(), e.message)))
}

/// The file's text: pretty-printed JSON and a final newline.
pub fn to_json(state: &StateFile) -> Result<Vec<u8>> {
    let mut text = serde_json::to_vec_pretty(state).map_err(|e| Error::new(Code::SESSION_E_INTERNAL, e.to_string()))?;
    text.push(b'\n');
    Ok(text)
}

/// Writes `state` to `path` atomically, mode 0600 (temp file in the same folder, fsync,
/// rename, fsync of the folder).
pub fn write_file(path: &Path, state: &StateFile) -> Result<()> {
    crate::cookies::write_atomic(path, &to_json(state)?)
}

#[cfg(test)]
mod tests;
