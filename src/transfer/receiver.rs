//! The per-hop transfer state behind the transport's Collector (its write, read, seek,
//! progress and debug callbacks). Plain data in, bytes out: the transport sets the libcurl
//! options it relies on.

use super::callbacks::session_debug_kind;
use super::decode::{parse_codings, Stage};
use super::sink::{self, Sink, Target};
use super::upload::Reader;
use super::upload::Upload;
use super::{DebugCallback, Destination, Transfer};
use crate::error::{Code, Error, Result};
use crate::received::Received;
use crate::reentry::SessionId;
use curl::easy::{InfoType, ReadError, SeekResult};
use std::io::{SeekFrom, Write};

/// The largest Content-Length reserved up front for a body kept in memory (a larger one
/// grows as it arrives, so a false length cannot reserve much).
const MEMORY_RESERVE_MAX: usize = 64 * 1024 * 1024;

/// What one hop does with its bodies, set by `configure` before each hop.
#[derive(Default)]
pub struct Receiver {
    session: SessionId,
    transfer: Transfer,
    /// The library's own Accept-Encoding was sent, so the body is decoded.
    decode: bool,
    max_body: usize,
    debug: Option<DebugCallback>,
    /// The session's sensitive header names, redacted in the trace (set with `debug` only).
    pub sensitive: Option<std::sync::Arc<[String]>>,
    /// The decoding chain into the sink, made at the first body byte.
    stage: Option<Stage>,
    upload: Option<Reader>,
    /// Why a callback stopped the transfer; takes precedence over libcurl's own error.
    pub failure: Option<Error>,
    /// A layer records this hop: a body streamed to a callback or file is copied for it
    /// (`Received::streamed`).
    pub keep_streamed: bool,
    /// The cache stores this hop: a decoded body is also kept as received (`Received::raw`).
    pub keep_encoded: bool,
    /// The body as received, while it is decoded and `keep_encoded` (None past TEE_MAX).
    raw: Option<Vec<u8>>,
}

impl Receiver {
    /// The state for one hop: `decode` when the library's own Accept-Encoding was sent,
    /// `max_body` 0 for no limit, `upload` a streamed request body.
    pub fn new(session: SessionId, transfer: Transfer, decode: bool, max_body: usize, debug: Option<DebugCallback>, upload: Option<Upload>) -> Receiver {
        Receiver { session, transfer, decode, max_body, debug, sensitive: None, stage: None, upload: upload.map(|u| Reader::new(u, session)), failure: None, keep_streamed: false, keep_encoded: false, raw: None }
    }

    /// Whether this hop's response is a redirect that will be followed: its body then goes
    /// to memory as received, never to the caller's callback or file. The client decides
    /// from the same `redirect_location`.
    fn followed(&self, exchange: &Received) -> bool {
        self.transfer.follows_redirects && exchange.redirect_location().is_some()
    }

    /// Room for a body kept in memory: its Content-Length (when not encoded, within the
    /// body limit and MEMORY_RESERVE_MAX) and the NUL the C response adds, so that neither
    /// growth nor the NUL moves it; and whether its pages are committed already.
    fn memory_for(&self, exchange: &Received, codings: &[super::decode::Coding]) -> (Vec<u8>, bool) {
        let length = exchange
            .content_length
            .and_then(|len| usize::try_from(len).ok())
            .filter(|&len| codings.is_empty() && len <= MEMORY_RESERVE_MAX && (self.max_body == 0 || len <= self.max_body));
        length.map_or_else(|| (Vec::new(), false), |len| crate::util::spare::buffer(len + 1))
    }

    fn open(&self, exchange: &Received) -> Result<Stage> {
        let followed = self.followed(exchange);
        let codings = if self.decode && !followed && exchange.encoded {
            let values: Vec<&[u8]> = exchange.header_values("Content-Encoding").collect();
            parse_codings(&values)?.unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut committed = false;
        let target = match &self.transfer.destination {
            _ if followed => Target::Memory(Vec::new()),
            Destination::Memory => {
                let (body, spare) = self.memory_for(exchange, &codings);
                committed = spare;
                Target::Memory(body)
            }
            Destination::Callback(callback) => Target::Callback(*callback),
            Destination::Events(callback) => {
                let max = if self.max_body == 0 { super::DEFAULT_MAX_EVENT } else { self.max_body };
                Target::Events(Box::new((super::events::EventStream::new(max), *callback, Vec::new())))
            }
            Destination::File(path) => {
                let file = std::fs::File::create(path).map_err(|e| {
                    Error::new(
                        Code::SESSION_E_IO,
                        format!("cannot create the output file {}: {e}", path.display()),
                    )
                })?;
                Target::File(file, path.display().to_string())
            }
        };
        let mut sink = Sink::new(target, self.max_body, self.session);
        if committed {
            sink.pages_committed();
        }
        if self.keep_streamed && matches!(sink.target, Target::Callback(_) | Target::File(..)) {
            sink.tee = Some(Vec::new());
        }
        Stage::chain(&codings, sink).map_err(sink::classify)
    }

    /// Takes body bytes; false stops the transfer (with `failure` set).
    pub fn write(&mut self, exchange: &Received, data: &[u8]) -> bool {
        if self.stage.is_none() {
            match self.open(exchange) {
                Ok(stage) => {
                    if self.keep_encoded && !matches!(stage, Stage::Sink(_)) {
                        self.raw = Some(Vec::new());
                    }
                    self.stage = Some(stage)
                }
                Err(err) => return self.fail(err),
            }
        }
        if let Some(raw) = self.raw.as_mut() {
            match raw.len() + data.len() <= sink::TEE_MAX {
                true => raw.extend_from_slice(data),
                false => self.raw = None,
            }
        }
        match self.stage.as_mut().map(|stage| stage.write_all(data)) {
            Some(Err(err)) => self.fail(sink::classify(err)),
            _ => true,
        }
    }

    /// The event callback ended the stream: the transfer was stopped, without an error.
    pub fn events_ended(&self) -> bool {
        self.failure.as_ref().is_some_and(|f| f.code == Code::SESSION_OK)
    }

    fn fail(&mut self, err: Error) -> bool {
        self.failure.get_or_insert(err);
        false
    }

    /// Ends the body after a successful transfer: flushes the decoders, checks the streams
    /// ended, and moves a body kept in memory into the exchange.
    pub fn finish(&mut self, exchange: &mut Received) -> Result<()> {
        if self.events_ended() {
            self.stage = None; // the callback ended it: nothing more is decoded or parsed
            return Ok(());
        }
        let stage = match self.stage.take() {
            Some(stage) => stage,
            // No body: the output file still comes to exist, empty, for the final response.
            None if self.followed(exchange) => return Ok(()),
            None => match self.transfer.destination {
                Destination::File(_) => self.open(exchange)?,
                _ => return Ok(()),
            },
        };
        let sink = stage.finish().map_err(sink::classify)?;
        exchange.raw = self.raw.take();
        if let Target::Memory(body) = sink.target {
            exchange.body = body;
        } else if let Some(tee) = sink.tee {
            exchange.streamed = Some(tee);
        }
        Ok(())
    }

    pub fn read(&mut self, buf: &mut [u8]) -> std::result::Result<usize, ReadError> {
        let Some(reader) = self.upload.as_mut() else {
            return Ok(0);
        };
        reader.read(buf).map_err(|err| {
            self.failure.get_or_insert(err);
            ReadError::Abort
        })
    }

    pub fn seek(&mut self, whence: SeekFrom) -> SeekResult {
        match (self.upload.as_mut(), whence) {
            (Some(reader), SeekFrom::Start(0)) => match reader.rewind() {
                Ok(()) => SeekResult::Ok,
                Err(err) => {
                    self.failure.get_or_insert(err);
                    SeekResult::Fail
                }
            },
            _ => SeekResult::CantSeek,
        }
    }

    pub fn progress(&mut self, dl_total: f64, dl_now: f64, ul_total: f64, ul_now: f64) -> bool {
        let Some(progress) = self.transfer.progress else {
            return true;
        };
        let go_on = progress.call(
            self.session,
            dl_now as u64,
            dl_total as u64,
            ul_now as u64,
            ul_total as u64,
        );
        if !go_on {
            self.failure.get_or_insert(Error::new(
                Code::SESSION_E_CANCELLED,
                "the progress callback cancelled the transfer",
            ));
        }
        go_on
    }

    pub fn debug(&mut self, kind: InfoType, data: &[u8]) {
        let Some(debug) = self.debug else { return };
        let (kind, redact) = match kind {
            InfoType::Text => (session_debug_kind::SESSION_DEBUG_TEXT, true),
            InfoType::HeaderIn => (session_debug_kind::SESSION_DEBUG_HEADER_IN, true),
            InfoType::HeaderOut => (session_debug_kind::SESSION_DEBUG_HEADER_OUT, true),
            InfoType::DataIn => (session_debug_kind::SESSION_DEBUG_DATA_IN, false),
            InfoType::DataOut => (session_debug_kind::SESSION_DEBUG_DATA_OUT, false),
            _ => return, // TLS records
        };
        if redact {
            debug.call(self.session, kind, &super::redact_with(data, self.sensitive.as_deref().unwrap_or_default()));
        } else {
            debug.call(self.session, kind, data);
        }
    }
}
