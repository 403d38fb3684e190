//! Where decoded body bytes end: memory, the caller's write callback or a file, with the
//! session's size limit checked on every write.

use super::WriteCallback;
use crate::error::{Code, Error};
use crate::reentry::SessionId;
use std::fs::File;
use std::io::{self, Write};

pub enum Target {
    Memory(Vec<u8>),
    Callback(WriteCallback),
    File(File, String),
}

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
}

impl Sink {
    pub fn new(target: Target, limit: usize, session: SessionId) -> Sink {
        Sink {
            target,
            written: 0,
            limit: limit as u64,
            session,
        }
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
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
            Target::Memory(body) => body.extend_from_slice(data),
            Target::Callback(callback) => {
                if !callback.call(self.session, data) {
                    return Err(stop(
                        Code::SESSION_E_CANCELLED,
                        "the write callback cancelled the transfer",
                    ));
                }
            }
            Target::File(file, path) => file.write_all(data).map_err(|e| {
                stop(
                    Code::SESSION_E_IO,
                    format!("cannot write the output file {path}: {e}"),
                )
            })?,
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
