//! Receiving: libcurl's frame chunks reassembled into messages (fragments joined, control
//! frames between them taken apart), text checked for UTF-8, pings answered, the size cap
//! enforced (close 1009), protocol errors closed with 1002.

use super::{lock, wait_fd, WebSocket};
use crate::error::{Code, Error, Result};
use crate::transport::upgrade::{CURLWS_BINARY, CURLWS_CLOSE, CURLWS_CONT, CURLWS_PING, CURLWS_PONG, CURLWS_TEXT};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Bytes asked of libcurl per call.
const CHUNK: usize = 64 * 1024;
/// While a control frame waits to be sent, the receiver looks again this often.
const PENDING_SLICE: Duration = Duration::from_millis(10);

/// What a message is (session_ws_type in C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Binary,
    Ping,
    Pong,
    Close,
}

/// One received message.
#[derive(Debug)]
pub struct Message {
    pub kind: Kind,
    pub data: Vec<u8>,
    /// A close's code (1005 when it carried none) and reason.
    pub close_code: u16,
    pub close_reason: String,
}

/// The receiver's state between calls (a message may arrive over several).
#[derive(Default)]
pub struct State {
    buf: Vec<u8>,
    /// The data message being reassembled, and whether it is text.
    message: Vec<u8>,
    text: bool,
    control: Vec<u8>,
    /// The peer's close was given to the caller: nothing follows.
    closed: bool,
}

impl WebSocket {
    /// The next message, waiting up to `timeout` (None: forever).
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Message> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = lock(&self.receiving);
        if state.closed {
            return Err(Error::new(Code::SESSION_E_CONNECT, "the WebSocket is closed (its close message was received)"));
        }
        self.check_alive()?;
        if state.buf.len() != CHUNK {
            state.buf = vec![0; CHUNK];
        }
        loop {
            self.try_flush_pending();
            let got = {
                let state = &mut *state;
                lock(&self.conn).recv(&mut state.buf)
            };
            let chunk = match got {
                Ok(Some(chunk)) => chunk,
                Ok(None) => {
                    let slice = self.has_pending().then_some(PENDING_SLICE);
                    if !wait_fd(self.fd, false, deadline, slice) {
                        return Err(Error::new(Code::SESSION_E_TIMEOUT, "no WebSocket message within the timeout"));
                    }
                    continue;
                }
                Err(err) => {
                    if err.code == Code::SESSION_E_DECODE {
                        self.fail_with_close(1002, &err);
                    }
                    self.kill(&err);
                    return Err(err);
                }
            };
            let State { buf, message, text, control, closed } = &mut *state;
            let data = &buf[..chunk.len];
            if chunk.flags & (CURLWS_CLOSE | CURLWS_PING | CURLWS_PONG) != 0 {
                control.extend_from_slice(data);
                if chunk.bytes_left > 0 {
                    continue;
                }
                let payload = std::mem::take(control);
                if chunk.flags & CURLWS_PING != 0 {
                    self.queue_control(CURLWS_PONG, payload.clone());
                    return Ok(Message { kind: Kind::Ping, data: payload, close_code: 0, close_reason: String::new() });
                }
                if chunk.flags & CURLWS_PONG != 0 {
                    return Ok(Message { kind: Kind::Pong, data: payload, close_code: 0, close_reason: String::new() });
                }
                let message = self.on_close(payload)?;
                *closed = true;
                return Ok(message);
            }
            if chunk.flags & (CURLWS_TEXT | CURLWS_BINARY) == 0 {
                continue; // nothing libcurl documents; skip rather than guess
            }
            if message.is_empty() && chunk.offset == 0 {
                *text = chunk.flags & CURLWS_TEXT != 0;
            }
            let max = self.max_message.load(Ordering::Relaxed);
            let size = (message.len() as u64).saturating_add(data.len() as u64).saturating_add(chunk.bytes_left);
            if size > max as u64 {
                message.clear();
                let err = Error::new(Code::SESSION_E_TOO_LARGE, format!("a WebSocket message is over the max message size ({max} bytes); closed with 1009"));
                self.fail_with_close(1009, &err);
                return Err(err);
            }
            message.extend_from_slice(data);
            if chunk.bytes_left > 0 || chunk.flags & CURLWS_CONT != 0 {
                continue;
            }
            let data = std::mem::take(message);
            if *text && std::str::from_utf8(&data).is_err() {
                let err = Error::new(Code::SESSION_E_DECODE, "a WebSocket text message is not valid UTF-8; closed with 1007");
                self.fail_with_close(1007, &err);
                return Err(err);
            }
            let kind = if *text { Kind::Text } else { Kind::Binary };
            return Ok(Message { kind, data, close_code: 0, close_reason: String::new() });
        }
    }

    /// The peer's close: answered with the same code (unless we sent ours), checked.
    fn on_close(&self, payload: Vec<u8>) -> Result<Message> {
        let (code, reason) = match payload.len() {
            0 => (1005, Ok(String::new())),
            1 => (0, Err(())),
            _ => (u16::from_be_bytes([payload[0], payload[1]]), String::from_utf8(payload[2..].to_vec()).map_err(drop)),
        };
        let protocol_error = |what: &str, close: u16| {
            let err = Error::new(Code::SESSION_E_DECODE, format!("the peer's close frame {what}; closed with {close}"));
            self.fail_with_close(close, &err);
            Err(err)
        };
        let reason = match reason {
            Ok(reason) => reason,
            Err(()) if payload.len() == 1 => return protocol_error("has a 1-byte payload", 1002),
            Err(()) => return protocol_error("has a reason that is not UTF-8", 1007),
        };
        if !payload.is_empty() && !super::valid_close_code(code) {
            return protocol_error(&format!("has the code {code}, which may not be sent"), 1002);
        }
        let reply = if payload.is_empty() { Vec::new() } else { code.to_be_bytes().to_vec() };
        self.queue_control(CURLWS_CLOSE, reply);
        Ok(Message { kind: Kind::Close, data: payload, close_code: code, close_reason: reason })
    }

    /// Fails the connection: a close with `code` (best effort), then nothing more.
    fn fail_with_close(&self, code: u16, err: &Error) {
        if let Ok(_sending) = self.sending.try_lock() {
            if !self.close_sent.swap(true, Ordering::AcqRel) {
                let deadline = Instant::now() + Duration::from_secs(1);
                let _ = self.write_frame(&code.to_be_bytes(), CURLWS_CLOSE, deadline);
            }
        }
        self.kill(err);
    }
}
