//! Receiving: the connection's bytes decoded into frames (`frame::Decoder`), fragments
//! joined into messages (control frames between them given apart), text checked for UTF-8
//! as it arrives (an invalid fragment fails at once), pings answered, the size cap enforced
//! (close 1009), protocol errors closed with 1002.

use super::frame::{self, Decoder, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT};
use super::{lock, wait_fd, WebSocket};
use crate::error::{Code, Error, Result};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Bytes read from the connection per call.
const CHUNK: usize = 64 * 1024;
/// While a control frame waits to be sent, the receiver looks again this often.
const PENDING_SLICE: Duration = Duration::from_millis(10);
/// How long a failed connection waits, after its close, for the peer to end it.
const LINGER: Duration = Duration::from_secs(1);

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
    /// Bytes read and not yet decoded (at most a frame header's worth between calls, or
    /// what came with the 101), then room for a read.
    input: Vec<u8>,
    decoder: Decoder,
    /// The data message being reassembled, whether it is text, and how much of it is
    /// known to be valid UTF-8 so far.
    message: Vec<u8>,
    text: bool,
    checked: usize,
    control: Vec<u8>,
    /// The peer's close was given to the caller: nothing follows.
    closed: bool,
}

impl State {
    /// A receiver whose first bytes are `input` (what came after the 101's head).
    pub fn with_input(input: Vec<u8>) -> State {
        State { input, ..State::default() }
    }
}

/// What one piece of a frame made of the message being received.
enum Step {
    More,
    Message(Message),
    Control(u8, Vec<u8>),
    Fail(u16, Error),
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
        loop {
            self.try_flush_pending();
            // Decode what is buffered.
            let mut used = 0;
            let step = loop {
                let st = &mut *state;
                match st.decoder.next(&st.input[used..]) {
                    Ok(Some((piece, n))) => {
                        used += n;
                        let max = self.max_message.load(Ordering::Relaxed);
                        let step = take_piece(&mut st.message, &mut st.text, &mut st.checked, &mut st.control, &piece, max);
                        if !matches!(step, Step::More) {
                            break step;
                        }
                    }
                    Ok(None) => break Step::More,
                    Err(why) => break Step::Fail(1002, Error::new(Code::SESSION_E_DECODE, format!("WebSocket protocol error: {why}; closed with 1002"))),
                }
            };
            state.input.drain(..used);
            match step {
                Step::More => {}
                Step::Message(message) => return Ok(message),
                Step::Fail(code, err) => {
                    state.message.clear();
                    self.fail_with_close(code, &err);
                    return Err(err);
                }
                Step::Control(OP_PING, payload) => {
                    self.queue_control(OP_PONG, payload.clone());
                    return Ok(Message { kind: Kind::Ping, data: payload, close_code: 0, close_reason: String::new() });
                }
                Step::Control(OP_PONG, payload) => return Ok(Message { kind: Kind::Pong, data: payload, close_code: 0, close_reason: String::new() }),
                Step::Control(_, payload) => {
                    let message = self.on_close(payload)?;
                    state.closed = true;
                    return Ok(message);
                }
            }
            // Read more.
            let had = state.input.len();
            state.input.resize(had + CHUNK, 0);
            let got = {
                let input = &mut state.input[had..];
                lock(&self.conn).recv(input)
            };
            state.input.truncate(had + got.as_ref().ok().copied().flatten().unwrap_or(0));
            match got {
                Ok(Some(0)) => {
                    let err = Error::new(Code::SESSION_E_CONNECT, "the WebSocket peer closed the connection");
                    self.kill(&err);
                    return Err(err);
                }
                Ok(Some(_)) => {}
                Ok(None) => {
                    let slice = self.has_pending().then_some(PENDING_SLICE);
                    if !wait_fd(self.fd, false, deadline, slice) {
                        return Err(Error::new(Code::SESSION_E_TIMEOUT, "no WebSocket message within the timeout"));
                    }
                }
                Err(err) => {
                    self.kill(&err);
                    return Err(err);
                }
            }
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
        self.queue_control(OP_CLOSE, reply);
        Ok(Message { kind: Kind::Close, data: payload, close_code: code, close_reason: reason })
    }

    /// Fails the connection: a close with `code` (best effort), then nothing more. After the
    /// close, what the peer still sends is read and dropped until it closes (at most
    /// LINGER): closing a socket with unread data resets the connection, and the peer may
    /// then never read the close (a peer still sending the message over the limit does not).
    fn fail_with_close(&self, code: u16, err: &Error) {
        if let Ok(_sending) = self.sending.try_lock() {
            if !self.close_sent.swap(true, Ordering::AcqRel) {
                let deadline = Instant::now() + LINGER;
                if self.write_frame(&code.to_be_bytes(), OP_CLOSE, deadline).is_ok() {
                    self.linger(deadline);
                }
            }
        }
        self.kill(err);
    }

    /// Half-closes the connection and drops what arrives until the peer's end or `deadline`.
    fn linger(&self, deadline: Instant) {
        // SAFETY: shutdown(2) on the connection's own socket; libcurl still closes it.
        unsafe { libc::shutdown(self.fd, libc::SHUT_WR) };
        let mut scratch = vec![0u8; CHUNK];
        loop {
            match lock(&self.conn).recv(&mut scratch) {
                Ok(Some(0)) | Err(_) => return,
                Ok(Some(_)) => {}
                Ok(None) if !wait_fd(self.fd, false, Some(deadline), None) => return,
                Ok(None) => {}
            }
            if Instant::now() >= deadline {
                return;
            }
        }
    }
}

/// Adds one piece of a frame to the message or control frame being received.
fn take_piece(message: &mut Vec<u8>, text: &mut bool, checked: &mut usize, control: &mut Vec<u8>, piece: &frame::Piece<'_>, max: usize) -> Step {
    if frame::is_control(piece.opcode) {
        control.extend_from_slice(piece.data);
        if piece.bytes_left > 0 {
            return Step::More;
        }
        return Step::Control(piece.opcode, std::mem::take(control));
    }
    if piece.opcode == OP_TEXT || piece.opcode == OP_BINARY {
        *text = piece.opcode == OP_TEXT;
    }
    let size = (message.len() as u64).saturating_add(piece.data.len() as u64).saturating_add(piece.bytes_left);
    if size > max as u64 {
        let err = Error::new(Code::SESSION_E_TOO_LARGE, format!("a WebSocket message is over the max message size ({max} bytes); closed with 1009"));
        return Step::Fail(1009, err);
    }
    message.extend_from_slice(piece.data);
    let last = piece.fin && piece.bytes_left == 0;
    if *text {
        // Fail fast: a byte that can start no valid sequence fails now, an incomplete
        // sequence at the end only when the message ends there.
        match std::str::from_utf8(&message[*checked..]) {
            Ok(_) => *checked = message.len(),
            Err(e) if e.error_len().is_none() && !last => *checked += e.valid_up_to(),
            Err(_) => return Step::Fail(1007, Error::new(Code::SESSION_E_DECODE, "a WebSocket text message is not valid UTF-8; closed with 1007")),
        }
    }
    if !last {
        return Step::More;
    }
    *checked = 0;
    let kind = if *text { Kind::Text } else { Kind::Binary };
    Step::Message(Message { kind, data: std::mem::take(message), close_code: 0, close_reason: String::new() })
}
