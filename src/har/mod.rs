//! HAR 1.2 (docs/har-replay.md): one exchanged hop as a HAR entry (`entry`), a log file
//! that is complete, valid JSON after every entry (`Writer`), and a HAR file read back as
//! recorded exchanges (`parse`, for replay).

mod entry;
pub mod parse;

pub use entry::{entry, Policy, Seen};

use crate::error::{Code, Error, Result};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

/// libsession's own fields in a HAR file (the `_`-prefixed ones) are versioned by this.
pub(crate) const FORMAT: &str = "libsession-har 1";

/// Written after the last entry, and written over by the next one.
const TAIL: &[u8] = b"\n]}}\n";

/// A HAR file being written: after each entry the file holds the whole log so far.
/// Entries from many threads are written one at a time (a lock around the file).
pub struct Writer {
    state: Mutex<State>,
}

struct State {
    file: File,
    entries: usize,
    /// The first write that failed; later entries are not written.
    failed: Option<String>,
}

fn io_error(path: &Path, err: std::io::Error) -> Error {
    Error::new(Code::SESSION_E_IO, format!("{}: {err}", path.display()))
}

impl Writer {
    /// Creates (or replaces) the file at `path` with `existing` entries (already
    /// serialized JSON objects) in it.
    pub fn create(path: &Path, existing: &[String]) -> Result<Writer> {
        let mut file = File::create(path).map_err(|e| io_error(path, e))?;
        let head = serde_json::json!({ "name": "libsession", "version": env!("CARGO_PKG_VERSION") });
        let mut text = format!("{{\"log\":{{\"version\":\"1.2\",\"_format\":\"{FORMAT}\",\"creator\":{head},\"entries\":[");
        for (i, entry) in existing.iter().enumerate() {
            text.push_str(if i == 0 { "\n" } else { ",\n" });
            text.push_str(entry);
        }
        file.write_all(text.as_bytes()).and_then(|()| file.write_all(TAIL)).map_err(|e| io_error(path, e))?;
        file.seek(SeekFrom::End(-(TAIL.len() as i64))).map_err(|e| io_error(path, e))?;
        Ok(Writer { state: Mutex::new(State { file, entries: existing.len(), failed: None }) })
    }

    /// Appends one entry (a serialized JSON object); the file is complete afterwards.
    pub fn append(&self, entry: &str) {
        let mut text = Vec::with_capacity(entry.len() + 8);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.failed.is_some() {
            return;
        }
        text.extend_from_slice(if state.entries == 0 { b"\n" } else { b",\n" });
        text.extend_from_slice(entry.as_bytes());
        text.extend_from_slice(TAIL);
        let written = state.file.write_all(&text).and_then(|()| state.file.seek(SeekFrom::Current(-(TAIL.len() as i64))));
        match written {
            Ok(_) => state.entries += 1,
            Err(err) => state.failed = Some(err.to_string()),
        }
    }

    /// Pushes what was written to the disk; an error when an earlier write failed.
    pub fn flush(&self) -> Result<()> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(failed) = &state.failed {
            return Err(Error::new(Code::SESSION_E_IO, format!("writing the HAR file failed: {failed}")));
        }
        state.file.sync_data().map_err(|e| Error::new(Code::SESSION_E_IO, e.to_string()))
    }
}
