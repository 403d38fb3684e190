//! One stored response (`Entry`), the variants of one URL (`Record`), and the record's
//! versioned file format (docs/cache.md "Entry format"):
//!
//! ```text
//! "LSCACHE" 0x02                        magic and format version 2
//! str key                               the URL the record is for
//! u32 variants, then each variant:
//!   u8 head (0 GET, 1 HEAD)  u16 status  u8 version (0 1.0, 1 1.1, 2 2, 3 3, 255 none)
//!   f64 request_time  f64 response_time (Unix seconds)
//!   bytes reason
//!   u32 vary, then each: str name, u8 present, str value
//!   u32 headers, then each: bytes name, bytes value
//!   u8 encoded (1: the body is as received, its Content-Encoding still to undo)
//!   bytes body
//! [20] SHA-1 of everything before it
//! ```
//! Integers are little-endian; `str`/`bytes` are a u32 length then the bytes (`str` UTF-8).

use super::control::{self, Directives};
use crate::received::HeaderLines;
use crate::util::parse_http_date;
use sha1::{Digest, Sha1};

const MAGIC: &[u8; 8] = b"LSCACHE\x02";
const VERSIONS: [&str; 4] = ["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"];

/// A stored response and what the request that got it sent of the fields it varies on.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The response to a HEAD request (no body).
    pub head: bool,
    pub status: u16,
    pub reason: Vec<u8>,
    pub http_version: &'static str,
    /// Unix seconds when the request was sent and the response received.
    pub request_time: f64,
    pub response_time: f64,
    /// The request's value of each field named by Vary (lower-cased name).
    pub vary: Vec<(String, Option<String>)>,
    pub headers: HeaderLines,
    pub body: Vec<u8>,
    /// The body is as received, still to be decoded (its Content-Encoding) when served.
    pub encoded: bool,
    /// What the headers say, read once.
    pub facts: Facts,
}

/// The facts of a stored response's header fields that the cache decides by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub directives: Directives,
    pub date: Option<u64>,
    /// Expires present, and its time when valid.
    pub expires: Option<Option<u64>>,
    pub last_modified: Option<u64>,
    pub age: u64,
    pub etag: Option<String>,
    pub last_modified_raw: Option<String>,
    /// Vary's field names, lower-cased; None for "Vary: *".
    pub vary: Option<Vec<String>>,
}

impl Facts {
    pub fn of(headers: &HeaderLines) -> Facts {
        let text = |name: &str| headers.values(name).next().map(|v| String::from_utf8_lossy(v).trim().to_owned());
        let date = |name: &str| text(name).and_then(|v| parse_http_date(&v));
        let mut vary = Some(Vec::new());
        for value in headers.values("Vary") {
            for name in String::from_utf8_lossy(value).split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match name {
                    "*" => vary = None,
                    name => vary.iter_mut().for_each(|v| v.push(name.to_ascii_lowercase())),
                }
            }
        }
        Facts {
            directives: control::parse(headers.values("Cache-Control")),
            date: date("Date"),
            expires: text("Expires").map(|v| parse_http_date(&v)),
            last_modified: date("Last-Modified"),
            age: text("Age").and_then(|v| v.parse().ok()).unwrap_or(0),
            etag: text("ETag"),
            last_modified_raw: text("Last-Modified"),
            vary,
        }
    }
}

impl Entry {
    /// An entry whose facts are read from its headers.
    #[allow(clippy::too_many_arguments)]
    pub fn new(head: bool, status: u16, reason: Vec<u8>, http_version: &'static str, times: (f64, f64), vary: Vec<(String, Option<String>)>, headers: HeaderLines, body: Vec<u8>) -> Entry {
        let facts = Facts::of(&headers);
        Entry { head, status, reason, http_version, request_time: times.0, response_time: times.1, vary, headers, body, encoded: false, facts }
    }

    /// Bytes it takes, roughly (for the size bound).
    pub fn size(&self) -> u64 {
        (self.body.len() + self.headers.as_packed().len() + self.reason.len() + 128) as u64
    }
}

/// The stored variants of one URL.
pub type Record = Vec<std::sync::Arc<Entry>>;

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// A record in the file format.
pub fn encode(key: &str, record: &[std::sync::Arc<Entry>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.iter().map(|e| e.size() as usize).sum::<usize>() + key.len() + 64);
    out.extend_from_slice(MAGIC);
    put_bytes(&mut out, key.as_bytes());
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    for e in record {
        out.push(e.head as u8);
        out.extend_from_slice(&e.status.to_le_bytes());
        out.push(VERSIONS.iter().position(|v| *v == e.http_version).map_or(255, |i| i as u8));
        out.extend_from_slice(&e.request_time.to_le_bytes());
        out.extend_from_slice(&e.response_time.to_le_bytes());
        put_bytes(&mut out, &e.reason);
        out.extend_from_slice(&(e.vary.len() as u32).to_le_bytes());
        for (name, value) in &e.vary {
            put_bytes(&mut out, name.as_bytes());
            out.push(value.is_some() as u8);
            put_bytes(&mut out, value.as_deref().unwrap_or("").as_bytes());
        }
        out.extend_from_slice(&(e.headers.len() as u32).to_le_bytes());
        for (name, value) in e.headers.iter() {
            put_bytes(&mut out, name.to_bytes());
            put_bytes(&mut out, value.to_bytes());
        }
        out.push(e.encoded as u8);
        put_bytes(&mut out, &e.body);
    }
    let digest = Sha1::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// Reads a file's bytes front to back; every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    }
    fn f64(&mut self) -> Option<f64> {
        self.take(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default())).filter(|t| t.is_finite())
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }
    /// A count of items each at least `min` bytes long: no more than the bytes left allow.
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n <= self.0.len() / min).then_some(n)
    }
}

/// A record read back from the file format, with the key it is for; None for anything
/// that is not a whole, intact version-1 record.
pub fn decode(data: &[u8]) -> Option<(String, Record)> {
    let split = data.len().checked_sub(20)?;
    let (body, digest) = data.split_at(split);
    if Sha1::digest(body).as_slice() != digest {
        return None;
    }
    let mut r = Reader(body);
    if r.take(8)? != MAGIC {
        return None;
    }
    let key = r.str()?.to_owned();
    let variants = r.count(30)?;
    let mut record = Vec::with_capacity(variants);
    for _ in 0..variants {
        let head = match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let status = r.u16()?;
        let version = match r.u8()? {
            255 => "",
            i => *VERSIONS.get(i as usize)?,
        };
        let times = (r.f64()?, r.f64()?);
        let reason = r.bytes()?.to_vec();
        let vary_count = r.count(9)?;
        let mut vary = Vec::with_capacity(vary_count.min(64));
        for _ in 0..vary_count {
            let name = r.str()?.to_owned();
            let present = r.u8()? != 0;
            let value = r.str()?.to_owned();
            vary.push((name, present.then_some(value)));
        }
        let lines = r.count(8)?;
        let mut headers = HeaderLines::default();
        for _ in 0..lines {
            let (name, value) = (r.bytes()?, r.bytes()?);
            if name.contains(&0) || value.contains(&0) {
                return None;
            }
            headers.push(name, value);
        }
        let encoded = match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let body = r.bytes()?.to_vec();
        let entry = Entry::new(head, status, reason, version, times, vary, headers, body);
        record.push(std::sync::Arc::new(Entry { encoded, ..entry }));
    }
    r.0.is_empty().then_some((key, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn sample() -> Entry {
        let headers: HeaderLines = [("Cache-Control", "max-age=60"), ("ETag", "\"x\""), ("Vary", "Accept")].into_iter().collect();
        Entry::new(false, 200, b"OK".to_vec(), "HTTP/1.1", (1.5, 2.5), vec![("accept".into(), Some("a/b".into()))], headers, b"body".to_vec())
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let record = vec![Arc::new(sample())];
        let data = encode("http://h/x", &record);
        let (key, back) = decode(&data).expect("decodes");
        assert_eq!(key, "http://h/x");
        assert_eq!(*back[0], *record[0]);
        assert_eq!(back[0].facts.max_age(), Some(60));
        for cut in 0..data.len() {
            assert!(decode(&data[..cut]).is_none(), "truncated at {cut}");
        }
        let mut flipped = data.clone();
        flipped[30] ^= 1;
        assert!(decode(&flipped).is_none());
    }

    impl Facts {
        fn max_age(&self) -> Option<u64> {
            self.directives.max_age
        }
    }
}
