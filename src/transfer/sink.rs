//! Where decoded body bytes end: memory, the caller's write callback or a file, with the
//! session's size limit checked on every write.

use super::events::{EventStream, Fed};
use super::{EventCallback, WriteCallback};
use crate::error::{Code, Error};
use crate::reentry::SessionId;
use std::fs::File;
use std::io::{self, Write};

pub enum Target {
    Memory(Vec<u8>),
    Callback(WriteCallback),
    File(File, String),
    /// An event stream: the parser, the callback, and a buffer for the C strings.
    Events(Box<(EventStream, EventCallback, Vec<u8>)>),
}

/// The message of the Stop an event callback's "end" makes (code SESSION_OK): the
/// transfer ends, and its response is given without an error.
pub const EVENTS_ENDED: &str = "the event callback ended the stream";

/// A failure of the sink, carried through the decoders inside an io::Error.
#[derive(Debug)]
pub struct Stop(pub Error);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Stop {}

pub fn stop(code: Code, message: impl Into<String>) -> io::Error {
    io::Error::other(Stop(Error::new(code, message)))
}

/// The error an io::Error from the decoding chain stands for.
pub fn classify(err: io::Error) -> Error {
    match err.get_ref().and_then(|inner| inner.downcast_ref::<Stop>()) {
        Some(Stop(error)) => error.clone(),
        None => Error::new(
            Code::SESSION_E_DECODE,
            format!("could not decode the response body: {err}"),
        ),
    }
}

pub struct Sink {
    pub target: Target,
    written: u64,
    /// 0 means unlimited.
    limit: u64,
    session: SessionId,
    prefault: Prefault,
    /// A copy of a body streamed to a callback or file, kept for a layer that records the
    /// hop (HAR, replay), up to TEE_MAX bytes.
    pub tee: Option<Vec<u8>>,
}

/// The most of a streamed body copied for the recording layers.
pub(crate) const TEE_MAX: usize = 64 * 1024 * 1024;

/// Commits the pages of a large in-memory body a window ahead of the data, one
/// madvise(MADV_POPULATE_WRITE) per 2 MiB (Linux 5.14+), instead of taking a page fault per
/// 4 KiB as the body is copied in: 32 calls for 64 MiB instead of 16,384 faults. Only as far
/// as the data has come, so a false Content-Length commits at most one window.
#[derive(Default)]
struct Prefault {
    /// The allocation the pages belong to, and how far (from its start) they are committed.
    base: usize,
    done: usize,
    /// The kernel refused the advice once, or the pages are committed already.
    off: bool,
}

impl Prefault {
    const WINDOW: usize = 8 * 1024 * 1024;
    /// Smaller buffers fault in few pages anyway.
    const MIN_CAPACITY: usize = 1024 * 1024;
    const PAGE: usize = 4096;

    fn before_write(&mut self, body: &[u8], capacity: usize, incoming: usize) {
        if self.off || capacity < Prefault::MIN_CAPACITY {
            return;
        }
        let base = body.as_ptr() as usize;
        if base != self.base {
            (self.base, self.done) = (base, 0); // a new (or moved) allocation
        }
        let need = body.len() + incoming;
        if need <= self.done {
            return;
        }
        let from = (base + self.done).next_multiple_of(Prefault::PAGE);
        let to = (base + need.next_multiple_of(Prefault::WINDOW).min(capacity)) / Prefault::PAGE * Prefault::PAGE;
        if to > from {
            // SAFETY: whole pages overlapping the Vec's own allocation; populating a page
            // never changes its contents (pages shared with a neighbour included).
            let rc = unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_POPULATE_WRITE) };
            self.off = rc != 0;
        }
        self.done = need.next_multiple_of(Prefault::WINDOW).min(capacity);
    }
}

/// Feeds an event stream's bytes to its parser, and each event to the callback.
fn events_write(events: &mut (EventStream, EventCallback, Vec<u8>), session: SessionId, data: &[u8]) -> io::Result<usize> {
    let (parser, callback, strings) = events;
    match parser.feed(data, &mut |event| callback.call(session, event, strings)) {
        Fed::More => Ok(data.len()),
        Fed::Stopped => Err(stop(Code::SESSION_OK, EVENTS_ENDED)),
        Fed::TooLarge => Err(stop(Code::SESSION_E_TOO_LARGE, "an event of the event stream is over the max event size (the max body size, or 16 MiB)")),
    }
}

impl Sink {
    pub fn new(target: Target, limit: usize, session: SessionId) -> Sink {
        Sink {
            target,
            written: 0,
            limit: limit as u64,
            session,
            prefault: Prefault::default(),
            tee: None,
        }
    }

    /// The memory target's pages are committed already (a reused buffer): no prefaulting.
    pub fn pages_committed(&mut self) {
        self.prefault.off = true;
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Target::Events(events) = &mut self.target {
            return events_write(events, self.session, data);
        }
        if self.limit != 0 && self.written + data.len() as u64 > self.limit {
            return Err(stop(
                Code::SESSION_E_TOO_LARGE,
                format!(
                    "response body is over the session's max body size ({} bytes, after decoding)",
                    self.limit
                ),
            ));
        }
        match &mut self.target {
            Target::Memory(body) => {
                self.prefault.before_write(body, body.capacity(), data.len());
                crate::util::bulk::append(body, data)
            }
            Target::Callback(callback) => {
                if let Some(tee) = self.tee.as_mut().filter(|t| t.len() + data.len() <= TEE_MAX) {
                    tee.extend_from_slice(data);
                }
                if !callback.call(self.session, data) {
                    return Err(stop(
                        Code::SESSION_E_CANCELLED,
                        "the write callback cancelled the transfer",
                    ));
                }
            }
            Target::File(file, path) => {
                if let Some(tee) = self.tee.as_mut().filter(|t| t.len() + data.len() <= TEE_MAX) {
                    tee.extend_from_slice(data);
                }
                file.write_all(data).map_err(|e| stop(Code::SESSION_E_IO, format!("cannot write the output file {path}: {e}")))?
            }
            Target::Events(_) => {}
        }
        self.written += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::File(file, path) => file.flush().map_err(|e| {
                stop(
                    Code::SESSION_E_IO,
                    format!("cannot write the output file {path}: {e}"),
                )
            }),
            _ => Ok(()),
        }
    }
}
