//! The event-stream format (text/event-stream, the HTML standard's "Server-sent events",
//! section 9.2.6): bytes in, events out, in constant memory. Lines end with CRLF, LF or CR
//! (a CR at the end of one chunk and an LF at the start of the next are one line end); a
//! leading BOM is dropped; lines starting with ':' are comments; a line without ':' is a
//! field with an empty value; one space after the colon is dropped; `data` lines are joined
//! with LF; `id` sets the last event id (unless it holds a NUL) and persists; `retry` sets
//! the reconnection time when it is all ASCII digits; unknown fields are ignored; a blank
//! line dispatches the event unless its data is empty; an unfinished event at the end of
//! the stream is dropped. Lines are decoded as UTF-8 with U+FFFD for bad bytes.

/// One dispatched event: borrowed from the parser, NUL-terminated for C (the NUL is not in
/// the slices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type ("message" when the event named none).
    pub event: &'a [u8],
    pub data: &'a [u8],
    /// The last event id ("" when none was set).
    pub id: &'a [u8],
    /// The reconnection time the stream set last, in ms.
    pub retry: Option<u64>,
}

/// What feeding bytes ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    /// All bytes taken.
    More,
    /// The callback asked to stop.
    Stopped,
    /// A line or event is over the cap.
    TooLarge,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The parser's state: the current line, the event being built, the stream's last id and
/// reconnection time. Memory is bounded by `max_event` (one line plus one event's data).
#[derive(Debug)]
pub struct EventStream {
    max_event: usize,
    line: Vec<u8>,
    after_cr: bool,
    /// Bytes of the stream seen, up to the length of a BOM (the BOM check is done after).
    start: usize,
    data: Vec<u8>,
    event: Vec<u8>,
    id: Vec<u8>,
    retry: Option<u64>,
}

impl EventStream {
    /// A parser refusing a line or an event's data longer than `max_event` bytes.
    pub fn new(max_event: usize) -> EventStream {
        EventStream { max_event, line: Vec::new(), after_cr: false, start: 0, data: Vec::new(), event: Vec::new(), id: Vec::new(), retry: None }
    }

    /// Takes `bytes`; `on_event` returns false to stop (the rest is not read).
    pub fn feed(&mut self, mut bytes: &[u8], on_event: &mut dyn FnMut(&Event) -> bool) -> Fed {
        while self.start < BOM.len() && !bytes.is_empty() {
            // The BOM is matched byte by byte (it may be split across chunks).
            if bytes[0] == BOM[self.start] && self.line.len() == self.start {
                self.line.push(bytes[0]);
                self.start += 1;
                bytes = &bytes[1..];
                if self.start == BOM.len() {
                    self.line.clear();
                }
                continue;
            }
            self.start = BOM.len(); // no BOM: what was held is the line's start
        }
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            match b {
                b'\n' if after_cr => continue, // the LF of a CRLF
                b'\r' | b'\n' => {
                    if !self.end_line(on_event) {
                        return Fed::Stopped;
                    }
                    if self.data.len() > self.max_event {
                        return Fed::TooLarge;
                    }
                }
                _ => {
                    if self.line.len() >= self.max_event {
                        return Fed::TooLarge;
                    }
                    self.line.push(b)
                }
            }
        }
        Fed::More
    }

    /// One complete line; false when the callback asked to stop.
    fn end_line(&mut self, on_event: &mut dyn FnMut(&Event) -> bool) -> bool {
        let line = std::mem::take(&mut self.line);
        let go_on = self.process(&line, on_event);
        self.line = line;
        self.line.clear();
        go_on
    }

    fn process(&mut self, line: &[u8], on_event: &mut dyn FnMut(&Event) -> bool) -> bool {
        if line.is_empty() {
            return self.dispatch(on_event);
        }
        if line[0] == b':' {
            return true;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => {
                self.event.clear();
                self.event.extend_from_slice(value.as_bytes());
            }
            b"data" => {
                self.data.extend_from_slice(value.as_bytes());
                self.data.push(b'\n');
            }
            b"id" if !value.contains('\0') => {
                self.id.clear();
                self.id.extend_from_slice(value.as_bytes());
            }
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = Some(value.parse().unwrap_or(u64::MAX));
            }
            _ => {}
        }
        true
    }

    fn dispatch(&mut self, on_event: &mut dyn FnMut(&Event) -> bool) -> bool {
        if self.data.is_empty() {
            self.event.clear();
            return true;
        }
        self.data.pop(); // the last LF
        let event: &[u8] = if self.event.is_empty() { b"message" } else { &self.event };
        let go_on = on_event(&Event { event, data: &self.data, id: &self.id, retry: self.retry });
        self.data.clear();
        self.event.clear();
        go_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = Vec<(String, String, String, Option<u64>)>;

    fn parse_in(chunks: &[&[u8]]) -> Got {
        let mut got = Vec::new();
        let mut p = EventStream::new(1 << 20);
        let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        for chunk in chunks {
            let fed = p.feed(chunk, &mut |e| {
                got.push((s(e.event), s(e.data), s(e.id), e.retry));
                true
            });
            assert_eq!(fed, Fed::More);
        }
        got
    }

    fn ev(event: &str, data: &str, id: &str, retry: Option<u64>) -> (String, String, String, Option<u64>) {
        (event.into(), data.into(), id.into(), retry)
    }

    #[test]
    fn the_standards_rules() {
        let stream = b"\xEF\xBB\xBF: comment\r\ndata: first\r\n\r\nevent: custom\rdata: two\rdata:lines\r\rid: 7\ndata\n\nretry: 1500\ndata:  spaced\n\nretry: soon\nid: 8\nunknown: x\ndata: last\n\ndata: never";
        let expected = vec![
            ev("message", "first", "", None),
            ev("custom", "two\nlines", "", None),
            ev("message", "", "7", None),
            ev("message", " spaced", "7", Some(1500)),
            ev("message", "last", "8", Some(1500)),
        ];
        assert_eq!(parse_in(&[stream]), expected);
        // Any split into chunks, a CRLF and the BOM split included, gives the same.
        for at in 1..stream.len() {
            assert_eq!(parse_in(&[&stream[..at], &stream[at..]]), expected, "split at {at}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(parse_in(&bytes), expected);
    }

    #[test]
    fn data_only_blocks_and_id_with_nul() {
        assert_eq!(parse_in(&[b"event: x\n\ndata: a\n\n"]), vec![ev("message", "a", "", None)], "an event without data resets the type");
        assert_eq!(parse_in(&[b"id: 1\ndata: a\n\nid: b\0c\ndata: b\n\n"]), vec![ev("message", "a", "1", None), ev("message", "b", "1", None)]);
        assert_eq!(parse_in(&[b"data:\n\n"]), vec![ev("message", "", "", None)]);
        assert_eq!(parse_in(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"]), vec![], "only one BOM is dropped: the second makes an unknown field");
        assert_eq!(parse_in(&[b"data: \xff\n\n"]), vec![ev("message", "\u{fffd}", "", None)]);
        assert_eq!(parse_in(&[b"\xEFdata: x\n\n"]), vec![], "a partial BOM is part of the first line");
    }

    #[test]
    fn stop_and_caps() {
        let mut p = EventStream::new(16);
        let mut n = 0;
        assert_eq!(p.feed(b"data: a\n\ndata: b\n\n", &mut |_| { n += 1; false }), Fed::Stopped);
        assert_eq!(n, 1);
        let mut p = EventStream::new(16);
        assert_eq!(p.feed(b"data: 0123456789abcdefg\n", &mut |_| true), Fed::TooLarge);
        let mut p = EventStream::new(16);
        assert_eq!(p.feed(b"data: 0123456789\ndata: 0123456789\n", &mut |_| true), Fed::TooLarge);
    }
}
