//! Receives a response (status line, headers, body); the body, uploads, progress and
//! tracing go through the transfer Receiver.

use super::Exchange;
use crate::ffi::c_string;
use crate::transfer::Receiver;
use curl::easy::{Handler, InfoType, ReadError, SeekResult, WriteError};
use std::io::SeekFrom;

/// Receives the response into memory.
#[derive(Default)]
pub struct Collector {
    pub(crate) exchange: Exchange,
    pub(crate) max_body: usize,
    pub(crate) too_large: bool,
    /// Body decoding and destination, upload, progress and tracing of the current hop.
    pub(crate) transfer: Receiver,
}

impl Handler for Collector {
    fn write(&mut self, data: &[u8]) -> std::result::Result<usize, WriteError> {
        if self.transfer.write(&self.exchange, data) {
            Ok(data.len())
        } else {
            Ok(0)
        }
    }

    fn read(&mut self, data: &mut [u8]) -> std::result::Result<usize, ReadError> {
        self.transfer.read(data)
    }

    fn seek(&mut self, whence: SeekFrom) -> SeekResult {
        self.transfer.seek(whence)
    }

    fn progress(&mut self, dltotal: f64, dlnow: f64, ultotal: f64, ulnow: f64) -> bool {
        self.transfer.progress(dltotal, dlnow, ultotal, ulnow)
    }

    fn debug(&mut self, kind: InfoType, data: &[u8]) {
        self.transfer.debug(kind, data)
    }

    fn header(&mut self, line: &[u8]) -> bool {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"HTTP/") {
            // A new status line (after 1xx or a proxy CONNECT): start over.
            self.exchange.headers.clear();
            let mut parts = line.splitn(3, |&b| b == b' ');
            let _version = parts.next();
            self.exchange.status = parts
                .next()
                .and_then(|code| std::str::from_utf8(code).ok()?.parse().ok())
                .unwrap_or(0);
            self.exchange.reason = parts.next().unwrap_or_default().to_vec();
        } else if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // Obsolete line folding continues the previous value.
            if let Some((_, value)) = self.exchange.headers.last_mut() {
                let joined = [value.as_bytes(), b" ", line.trim_ascii()].concat();
                *value = c_string(&joined);
            }
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            self.exchange.headers.push((c_string(name.trim_ascii()), c_string(value.trim_ascii())));
        }
        true
    }
}

