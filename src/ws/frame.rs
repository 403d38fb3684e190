//! The frame codec of RFC 6455 section 5, for a client: frames from the server are decoded
//! as their bytes arrive (a payload may come in pieces, and only a frame's header is ever
//! held back), frames to it are encoded whole and masked with a fresh key.

pub(crate) const OP_CONT: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// Whether an opcode is a control frame's (close, ping, pong).
pub fn is_control(opcode: u8) -> bool {
    opcode & 0x8 != 0
}

/// A piece of a received frame's payload.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The frame's opcode (OP_CONT for a continuation).
    pub opcode: u8,
    /// The frame is the last of its message.
    pub fin: bool,
    pub data: &'a [u8],
    /// The frame's payload bytes still to come after this piece.
    pub bytes_left: u64,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    opcode: u8,
    fin: bool,
    left: u64,
}

/// The decoder's state between reads: the frame whose payload is arriving, and whether a
/// fragmented data message is open.
#[derive(Debug, Default)]
pub struct Decoder {
    frame: Option<Frame>,
    in_message: bool,
}

impl Decoder {
    /// The next piece at the front of `input` and the bytes it took; None when more bytes
    /// are needed. A frame's first piece comes at its header, with whatever of the payload
    /// is there (perhaps none), so its size is known before its payload arrives. Err: the
    /// frame breaks the protocol (the connection is to fail with 1002).
    pub fn next<'a>(&mut self, input: &'a [u8]) -> Result<Option<(Piece<'a>, usize)>, &'static str> {
        let (frame, header) = match self.frame {
            Some(_) if input.is_empty() => return Ok(None),
            Some(frame) => (frame, 0),
            None => match self.header(input)? {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let take = (input.len() - header).min(usize::try_from(frame.left).unwrap_or(usize::MAX));
        let left = frame.left - take as u64;
        self.frame = (left > 0).then_some(Frame { left, ..frame });
        let piece = Piece { opcode: frame.opcode, fin: frame.fin, data: &input[header..header + take], bytes_left: left };
        Ok(Some((piece, header + take)))
    }

    fn header(&mut self, input: &[u8]) -> Result<Option<(Frame, usize)>, &'static str> {
        let [b0, b1, ..] = *input else { return Ok(None) };
        let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0F);
        if b0 & 0x70 != 0 {
            return Err("a frame has reserved bits set (no extension was agreed)");
        }
        if b1 & 0x80 != 0 {
            return Err("a frame from the server is masked");
        }
        let (len, at) = match b1 & 0x7F {
            126 => match input.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Ok(None),
            },
            127 => match input.get(2..10) {
                Some(b) => (u64::from_be_bytes(b.try_into().expect("8 bytes")), 10),
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        if len >> 63 != 0 {
            return Err("a frame's length has its most significant bit set");
        }
        match opcode {
            OP_CLOSE | OP_PING | OP_PONG if !fin => return Err("a control frame is fragmented"),
            OP_CLOSE | OP_PING | OP_PONG if len > 125 => return Err("a control frame is over 125 bytes"),
            OP_CLOSE | OP_PING | OP_PONG => {}
            OP_CONT if !self.in_message => return Err("a continuation frame without a message to continue"),
            OP_CONT => self.in_message = !fin,
            OP_TEXT | OP_BINARY if self.in_message => return Err("a new message inside a fragmented one"),
            OP_TEXT | OP_BINARY => self.in_message = !fin,
            _ => return Err("a frame has a reserved opcode"),
        }
        Ok(Some((Frame { opcode, fin, left: len }, at)))
    }
}

/// One whole frame (FIN set) of `opcode` carrying `payload`, masked with `mask`.
pub fn encode(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let n = payload.len();
    let mut out = Vec::with_capacity(n + 14);
    out.push(0x80 | opcode);
    match n {
        0..=125 => out.push(0x80 | n as u8),
        126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], mask);
    out
}

/// XORs `data` with the repeating `mask` (masking and unmasking are the same).
pub fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    let word = u32::from_ne_bytes(mask);
    let mut chunks = data.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let v = u32::from_ne_bytes(chunk.try_into().expect("4 bytes")) ^ word;
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= mask[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = encode(b0 & 0x0F, payload, [0; 4]);
        f[0] = b0;
        f[1] &= 0x7F; // unmasked: drop the mask bit and key
        let at = match payload.len() {
            0..=125 => 2,
            126..=0xFFFF => 4,
            _ => 10,
        };
        f.drain(at..at + 4);
        f
    }

    #[test]
    fn masks_and_encodes_the_three_lengths() {
        for n in [0usize, 125, 126, 65535, 65536] {
            let payload = vec![7u8; n];
            let f = encode(OP_BINARY, &payload, [1, 2, 3, 4]);
            let at = f.len() - n;
            let mut back = f[at..].to_vec();
            apply_mask(&mut back, [1, 2, 3, 4]);
            assert_eq!(back, payload);
            assert_eq!(&f[at - 4..at], &[1, 2, 3, 4]);
        }
    }

    #[test]
    fn decodes_in_pieces_and_checks_the_protocol() {
        let bytes = server_frame(0x82, &[9u8; 300]);
        let mut d = Decoder::default();
        assert_eq!(d.next(&bytes[..3]).unwrap(), None, "a header cut short waits");
        let (p, used) = d.next(&bytes[..100]).unwrap().unwrap();
        assert_eq!((p.opcode, p.data.len(), p.bytes_left, used), (OP_BINARY, 96, 204, 100));
        let (p, used) = d.next(&bytes[100..]).unwrap().unwrap();
        assert_eq!((p.data.len(), p.bytes_left, used), (204, 0, 204));
        assert_eq!(d.next(&[]).unwrap(), None);
        for (bad, why) in [(vec![0xC1, 0], "reserved"), (vec![0x83, 0], "opcode"), (vec![0x80, 0], "continuation"), (vec![0x09, 0], "fragmented"), (vec![0x81, 0x80, 0, 0, 0, 0], "masked")] {
            let err = Decoder::default().next(&bad).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
        let mut d = Decoder::default();
        d.next(&[0x01, 0]).unwrap().unwrap();
        assert!(d.next(&[0x81, 0]).unwrap_err().contains("inside"));
    }
}
