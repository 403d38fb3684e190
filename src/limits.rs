//! Defences against hostile response heads: a cap on header bytes and lines, and refusal
//! of ambiguous framing. Pure logic over header lines (the transport feeds them).
//!
//! Defaults: 256 KiB of response header bytes per transfer (set with
//! session_set_max_header_bytes; 0 leaves only libcurl's own limit of 300 KiB) and at most
//! 1,000 header lines (fixed; libcurl's own cap is 5,000).

use crate::error::{Code, Error};
use crate::util::find_byte;

/// Default of session_set_max_header_bytes: response header bytes per transfer.
pub const SESSION_DEFAULT_MAX_HEADER_BYTES: usize = 256 * 1024;
/// Fixed cap on the response header lines of one transfer (over it: SESSION_E_TOO_LARGE).
pub const SESSION_MAX_HEADER_LINES: usize = 1000;

/// One response header line, CRLF removed, split in a single pass.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadLine<'a> {
    /// A status line ("HTTP/..."): a new response starts (after 1xx or a proxy CONNECT).
    Status(&'a [u8]),
    /// "name: value", both trimmed.
    Field(&'a [u8], &'a [u8]),
    /// An obsolete folded line continuing the previous value (trimmed).
    Fold(&'a [u8]),
    /// The blank line ending the head.
    End,
    /// Anything else (no colon); ignored.
    Other,
}

impl<'a> HeadLine<'a> {
    #[inline(always)]
    pub fn parse(raw: &'a [u8]) -> HeadLine<'a> {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(&first) = line.first() else { return HeadLine::End };
        if is_ows(first) {
            return match trim_ows(line) {
                b"" => HeadLine::End,
                more => HeadLine::Fold(more),
            };
        }
        if first == b'H' && line.starts_with(b"HTTP/") {
            return HeadLine::Status(line);
        }
        match find_byte(b':', line) {
            // The name starts with a non-blank byte: only its end needs trimming.
            Some(colon) => HeadLine::Field(trim_ows_end(&line[..colon]), trim_ows(&line[colon + 1..])),
            None => HeadLine::Other,
        }
    }
}

/// Optional whitespace (RFC 9110 5.6.3): space and horizontal tab.
#[inline(always)]
fn is_ows(byte: u8) -> bool {
    // One comparison for the bytes of a name or value (all above the space).
    byte <= b' ' && (byte == b' ' || byte == b'\t')
}

fn trim_ows_end(mut text: &[u8]) -> &[u8] {
    while let [rest @ .., last] = text {
        if !is_ows(*last) {
            break;
        }
        text = rest;
    }
    text
}

fn trim_ows(mut text: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = text {
        if !is_ows(*first) {
            break;
        }
        text = rest;
    }
    trim_ows_end(text)
}

/// A Content-Length value: decimal digits only, no overflow.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 19 {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0')))
}

/// Watches the header lines of one transfer; `check` says whether to go on.
#[derive(Debug, Default)]
pub struct HeaderGuard {
    /// 0 means no byte cap of our own.
    max_bytes: usize,
    /// `max_bytes`, or usize::MAX for none (one comparison per line).
    byte_cap: usize,
    bytes: usize,
    lines: usize,
    /// The response's Content-Length, when valid (decimal digits, no overflow).
    pub content_length: Option<u64>,
    /// The response has a Content-Encoding header.
    pub encoded: bool,
    has_content_length: bool,
    chunked: bool,
    /// Why the transfer was stopped, reported instead of libcurl's write error.
    pub fault: Option<Error>,
}

impl HeaderGuard {
    /// A fresh guard for one transfer.
    pub fn new(max_bytes: usize) -> HeaderGuard {
        HeaderGuard {
            max_bytes,
            byte_cap: if max_bytes == 0 { usize::MAX } else { max_bytes },
            ..HeaderGuard::default()
        }
    }

    /// Accounts one raw header line (as libcurl hands it over, CRLF included).
    /// Returns false, with `fault` set, to abort the transfer.
    #[cfg(test)]
    pub fn check(&mut self, line: &[u8]) -> bool {
        self.check_parsed(line.len(), &HeadLine::parse(line))
    }

    /// `check` for a line already parsed; `raw_len` is its length with CRLF.
    #[inline(always)]
    pub fn check_parsed(&mut self, raw_len: usize, line: &HeadLine<'_>) -> bool {
        self.bytes = self.bytes.saturating_add(raw_len);
        self.lines += 1;
        if self.bytes > self.byte_cap || self.lines > SESSION_MAX_HEADER_LINES {
            return self.over_cap();
        }
        match *line {
            // A new response: framing starts over.
            HeadLine::Status(_) => {
                (self.has_content_length, self.content_length, self.chunked, self.encoded) = (false, None, false, false);
            }
            HeadLine::Field(name, value) if name.len() == 14 && name.eq_ignore_ascii_case(b"content-length") => {
                self.has_content_length |= !value.is_empty();
                self.content_length = parse_length(value);
            }
            HeadLine::Field(name, _) if name.len() == 16 && name.eq_ignore_ascii_case(b"content-encoding") => {
                self.encoded = true;
            }
            HeadLine::Field(name, value) if name.len() == 17 && name.eq_ignore_ascii_case(b"transfer-encoding") => {
                self.chunked |= value.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"));
            }
            // RFC 9112 6.3: a sign of response smuggling; handled as an error.
            HeadLine::End if self.has_content_length && self.chunked => {
                return self.fail(
                    Code::SESSION_E_DECODE,
                    "response has both Content-Length and Transfer-Encoding: chunked",
                );
            }
            _ => {}
        }
        true
    }

    #[cold]
    fn over_cap(&mut self) -> bool {
        if self.bytes > self.byte_cap {
            let max_bytes = self.max_bytes;
            return self.fail(
                Code::SESSION_E_TOO_LARGE,
                format!("response headers are over the session's max header bytes ({max_bytes})"),
            );
        }
        self.fail(
            Code::SESSION_E_TOO_LARGE,
            format!("response has more than {SESSION_MAX_HEADER_LINES} header lines"),
        )
    }

    fn fail(&mut self, code: Code, message: impl Into<String>) -> bool {
        self.fault = Some(Error::new(code, message));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&[u8]], max: usize) -> Option<Code> {
        let mut guard = HeaderGuard::new(max);
        lines.iter().all(|l| guard.check(l));
        guard.fault.map(|f| f.code)
    }

    #[test]
    fn byte_and_line_caps() {
        let big = vec![b'a'; 600];
        assert_eq!(
            run(&[b"HTTP/1.1 200 OK\r\n", &big, b"\r\n"], 500),
            Some(Code::SESSION_E_TOO_LARGE)
        );
        assert_eq!(run(&[b"HTTP/1.1 200 OK\r\n", &big, b"\r\n"], 0), None);
        let many = vec![&b"X-A: 1\r\n"[..]; SESSION_MAX_HEADER_LINES + 1];
        assert_eq!(run(&many, 0), Some(Code::SESSION_E_TOO_LARGE));
    }

    #[test]
    fn length_with_chunked_is_refused_at_the_end_of_the_head() {
        let both: [&[u8]; 4] = [
            b"HTTP/1.1 200 OK\r\n",
            b"content-length: 5\r\n",
            b"Transfer-Encoding: gzip, Chunked\r\n",
            b"\r\n",
        ];
        assert_eq!(run(&both, 0), Some(Code::SESSION_E_DECODE));
        let after_1xx: [&[u8]; 5] = [
            b"HTTP/1.1 100 Continue\r\n",
            b"Content-Length: 5\r\n",
            b"\r\n",
            b"HTTP/1.1 200 OK\r\n",
            b"Transfer-Encoding: chunked\r\n",
        ];
        assert_eq!(run(&after_1xx, 0), None);
    }

    #[test]
    fn content_length_is_kept_when_valid() {
        let mut guard = HeaderGuard::new(0);
        for line in [&b"HTTP/1.1 200 OK\r\n"[..], b"Content-Length: 1234\r\n"] {
            assert!(guard.check(line));
        }
        assert_eq!(guard.content_length, Some(1234));
        assert!(!guard.encoded);
        assert!(guard.check(b"content-encoding: gzip\r\n"));
        assert!(guard.encoded);
        assert!(guard.check(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!((guard.content_length, guard.encoded), (None, false), "a new response forgets them");
        for bad in [&b"content-length: 12a"[..], b"Content-Length: ", b"Content-Length: 99999999999999999999"] {
            assert!(guard.check(bad));
            assert_eq!(guard.content_length, None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
