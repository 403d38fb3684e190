//! Content decoding as a chain of push decoders ending in the sink: each chunk from libcurl
//! is decoded as it arrives, and the sink's limit stops a decompression bomb after at most
//! one decoder buffer past the limit.

use super::sink::Sink;
use super::MAX_STACKED_ENCODINGS;
use crate::error::{Code, Error, Result};
use flate2::write::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use std::io::{self, Write};

/// Largest zstd window accepted (8 MiB, RFC 9659's limit for HTTP), bounding its memory.
const ZSTD_WINDOW_LOG_MAX: u32 = 23;
const BROTLI_BUFFER: usize = 32 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

/// The codings to undo for a Content-Encoding value (all of its header lines joined), in the
/// order they were applied; None when one is unknown (the body is then delivered as is).
pub fn parse_codings(values: &[&[u8]]) -> Result<Option<Vec<Coding>>> {
    let mut codings = Vec::new();
    for value in values {
        for token in value.split(|&b| b == b',') {
            let token = String::from_utf8_lossy(token.trim_ascii()).to_ascii_lowercase();
            let coding = match token.as_str() {
                "" | "identity" => continue,
                "gzip" | "x-gzip" => Coding::Gzip,
                "deflate" => Coding::Deflate,
                "br" => Coding::Brotli,
                "zstd" => Coding::Zstd,
                _ => return Ok(None),
            };
            codings.push(coding);
        }
    }
    if codings.len() > MAX_STACKED_ENCODINGS {
        return Err(Error::new(
            Code::SESSION_E_DECODE,
            format!(
                "{} stacked content encodings (at most {MAX_STACKED_ENCODINGS} are decoded)",
                codings.len()
            ),
        ));
    }
    Ok(Some(codings))
}

/// `data` with the codings of the Content-Encoding `values` undone, as the transport undoes
/// them while it receives: the same decoders, `max_body` (0 for none) on the decoded bytes.
pub fn decode_all(values: &[&[u8]], data: &[u8], max_body: usize, session: crate::reentry::SessionId) -> Result<Vec<u8>> {
    let codings = parse_codings(values)?.unwrap_or_default();
    let sink = Sink::new(super::sink::Target::Memory(Vec::new()), max_body, session);
    let mut stage = Stage::chain(&codings, sink).map_err(super::sink::classify)?;
    stage.write_all(data).map_err(super::sink::classify)?;
    match stage.finish().map_err(super::sink::classify)?.target {
        super::sink::Target::Memory(body) => Ok(body),
        _ => Ok(Vec::new()),
    }
}

/// A decoder writing into the next stage, or the sink.
pub enum Stage {
    Sink(Sink),
    Gzip(Box<MultiGzDecoder<Stage>>),
    Zlib(Box<ZlibDecoder<Stage>>),
    RawDeflate(Box<DeflateDecoder<Stage>>),
    /// "deflate" is zlib-wrapped by the standard and raw in practice: decided on 2 bytes.
    Deflate(Vec<u8>, Option<Box<Stage>>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Stage>>),
    Zstd(Box<zstd::stream::write::Decoder<'static, Stage>>),
}

impl Stage {
    /// The chain undoing `codings` (applied first to last) into `sink`.
    pub fn chain(codings: &[Coding], sink: Sink) -> io::Result<Stage> {
        let mut stage = Stage::Sink(sink);
        // The first coding applied is undone last, so it sits next to the sink.
        for coding in codings {
            stage = match coding {
                Coding::Gzip => Stage::Gzip(Box::new(MultiGzDecoder::new(stage))),
                Coding::Deflate => Stage::Deflate(Vec::new(), Some(Box::new(stage))),
                Coding::Brotli => Stage::Brotli(Box::new(
                    brotli_decompressor::DecompressorWriter::new(stage, BROTLI_BUFFER),
                )),
                Coding::Zstd => {
                    let mut decoder = zstd::stream::write::Decoder::new(stage)?;
                    decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
                    Stage::Zstd(Box::new(decoder))
                }
            };
        }
        Ok(stage)
    }

    /// Flushes every decoder, checks each stream ended properly and gives the sink back.
    pub fn finish(self) -> io::Result<Sink> {
        match self {
            Stage::Sink(mut sink) => {
                sink.flush()?;
                Ok(sink)
            }
            Stage::Gzip(d) => d.finish()?.finish(),
            Stage::Zlib(d) => d.finish()?.finish(),
            Stage::RawDeflate(d) => d.finish()?.finish(),
            Stage::Deflate(pending, Some(next)) if pending.is_empty() => next.finish(),
            Stage::Deflate(..) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "deflate stream cut short",
            )),
            Stage::Brotli(mut d) => {
                d.close()?;
                d.into_inner()
                    .map_err(|_| {
                        io::Error::new(io::ErrorKind::UnexpectedEof, "brotli stream cut short")
                    })?
                    .finish()
            }
            Stage::Zstd(d) => d.finish()?.finish(),
        }
    }

    fn decide_deflate(pending: &[u8], next: Stage) -> Stage {
        let zlib = pending[0] & 0x0f == 8
            && (u16::from(pending[0]) << 8 | u16::from(pending[1])) % 31 == 0;
        if zlib {
            Stage::Zlib(Box::new(ZlibDecoder::new(next)))
        } else {
            Stage::RawDeflate(Box::new(DeflateDecoder::new(next)))
        }
    }
}

impl Write for Stage {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Stage::Sink(sink) => sink.write(data),
            Stage::Gzip(d) => d.write(data),
            Stage::Zlib(d) => d.write(data),
            Stage::RawDeflate(d) => d.write(data),
            Stage::Brotli(d) => d.write(data),
            Stage::Zstd(d) => d.write(data),
            Stage::Deflate(pending, next) => {
                let take = data.len().min(2 - pending.len());
                pending.extend_from_slice(&data[..take]);
                if let (2, Some(next)) = (pending.len(), next.take()) {
                    let head = std::mem::take(pending);
                    *self = Stage::decide_deflate(&head, *next);
                    self.write_all(&head)?;
                }
                Ok(take)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stage::Sink(sink) => sink.flush(),
            Stage::Gzip(d) => d.flush(),
            Stage::Zlib(d) => d.flush(),
            Stage::RawDeflate(d) => d.flush(),
            Stage::Brotli(d) => d.flush(),
            Stage::Zstd(d) => d.flush(),
            Stage::Deflate(..) => Ok(()),
        }
    }
}
