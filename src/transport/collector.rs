//! Receives a response (status line, headers, body) into memory.

use super::Exchange;
use crate::ffi::c_string;
use curl::easy::{Handler, WriteError};

/// Receives the response into memory.
#[derive(Default)]
pub struct Collector {
    pub(crate) exchange: Exchange,
    pub(crate) max_body: usize,
    pub(crate) too_large: bool,
}

impl Handler for Collector {
    fn write(&mut self, data: &[u8]) -> std::result::Result<usize, WriteError> {
        let body = &mut self.exchange.body;
        if self.max_body != 0 && body.len() + data.len() > self.max_body {
            self.too_large = true;
            return Ok(0);
        }
        body.extend_from_slice(data);
        Ok(data.len())
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

