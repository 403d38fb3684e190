//! Received header lines in one buffer ("name\0value\0" per line) with their offsets: two
//! allocations per response instead of two per header line.

use crate::util::find_byte;
use std::ffi::CStr;

#[derive(Default, Clone, PartialEq, Eq)]
pub struct HeaderLines {
    bytes: Vec<u8>,
    /// Where each line's name and value start in `bytes` (u32: a response head is at most a
    /// few hundred KiB, and this halves the room kept per line).
    starts: Vec<(u32, u32)>,
    /// One bit per name seen (`name_bit`): a lookup of a name whose bit is clear ends at
    /// once (most responses have neither Set-Cookie nor Location).
    names: u64,
}

/// A name's bit in `HeaderLines::names`, from its length and first byte (case-insensitive):
/// the usual names of a response get distinct bits.
#[inline]
fn name_bit(name: &[u8]) -> u64 {
    let first = name.first().map_or(0, |&b| usize::from(b | 0x20));
    1 << ((name.len() * 7 + first) & 63)
}

/// An offset into a header block.
fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("a response head under 4 GiB")
}

/// Whether `text` has a NUL byte.
fn has_nul(text: &[u8]) -> bool {
    find_byte(0, text).is_some()
}

/// Appends `text` without its NUL bytes, then a NUL.
#[inline]
fn push_c(bytes: &mut Vec<u8>, text: &[u8]) {
    if has_nul(text) {
        bytes.extend(text.iter().copied().filter(|&b| b != 0));
    } else {
        bytes.extend_from_slice(text);
    }
    bytes.push(0);
}

impl HeaderLines {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Forgets every line, keeping room for `lines` lines of `bytes` bytes in all.
    pub fn clear_with_room(&mut self, lines: usize, bytes: usize) {
        if self.bytes.capacity() == 0 && self.starts.capacity() == 0 {
            // The common case (the last head went with its response): allocate directly.
            *self = HeaderLines { bytes: Vec::with_capacity(bytes), starts: Vec::with_capacity(lines), names: 0 };
            return;
        }
        self.bytes.clear();
        self.starts.clear();
        self.names = 0;
        self.bytes.reserve(bytes);
        self.starts.reserve(lines);
    }

    /// The lines as stored: each name and value followed by a NUL, in order.
    pub fn as_packed(&self) -> &[u8] {
        &self.bytes
    }

    /// The room this head takes: (lines, bytes).
    pub fn size(&self) -> (usize, usize) {
        (self.starts.len(), self.bytes.len())
    }

    /// Adds a line as it is, without looking for NUL bytes in it.
    ///
    /// # Safety
    /// Until `drop_stray_nul` has run, only `push*`, `extend_last` and `size` may be called:
    /// a NUL inside a name or value breaks what `get` and `iter` rely on.
    #[inline]
    pub unsafe fn push_unchecked(&mut self, name: &[u8], value: &[u8]) {
        let name_at = self.bytes.len();
        let value_at = name_at + name.len() + 1;
        let added = name.len() + value.len() + 2;
        self.bytes.reserve(added);
        // SAFETY: `added` bytes were reserved past the end; all of them are written below
        // (name, NUL, value, NUL) before the length covers them.
        unsafe {
            let at = self.bytes.as_mut_ptr().add(name_at);
            std::ptr::copy_nonoverlapping(name.as_ptr(), at, name.len());
            *at.add(name.len()) = 0;
            std::ptr::copy_nonoverlapping(value.as_ptr(), at.add(name.len() + 1), value.len());
            *at.add(added - 1) = 0;
            self.bytes.set_len(name_at + added);
        }
        self.starts.push((offset(name_at), offset(value_at)));
        self.names |= name_bit(name);
    }

    /// Drops the NUL bytes that lines added by `push_unchecked` brought (one counting pass;
    /// the lines are rebuilt only when there are some).
    pub fn drop_stray_nul(&mut self) {
        // Counted in u8 lanes (chunks of at most 255 bytes), which the compiler vectorizes.
        let zeros: usize = self.bytes.chunks(255).map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == 0)))).sum();
        if zeros == 2 * self.starts.len() {
            return; // only the separators: the common case
        }
        let old = std::mem::take(self);
        for i in 0..old.starts.len() {
            let (name_at, value_at) = old.at(i).expect("in range");
            let end = old.at(i + 1).map_or(old.bytes.len(), |next| next.0);
            self.push(&old.bytes[name_at..value_at - 1], &old.bytes[value_at..end - 1]);
        }
    }

    /// Adds a line; NUL bytes in `name` or `value` are dropped.
    pub fn push(&mut self, name: &[u8], value: &[u8]) {
        let name_at = self.bytes.len();
        self.bytes.reserve(name.len() + value.len() + 2);
        push_c(&mut self.bytes, name);
        let value_at = self.bytes.len();
        push_c(&mut self.bytes, value);
        self.starts.push((offset(name_at), offset(value_at)));
        self.names |= name_bit(&self.bytes[name_at..value_at - 1]);
    }

    /// Continues the last line's value with " " and `more` (obsolete line folding).
    pub fn extend_last(&mut self, more: &[u8]) {
        if self.starts.is_empty() {
            return;
        }
        self.bytes.pop(); // the value's NUL, the buffer's last byte
        self.bytes.push(b' ');
        push_c(&mut self.bytes, more);
    }

    /// Where the `i`th line's name and value start.
    fn at(&self, i: usize) -> Option<(usize, usize)> {
        self.starts.get(i).map(|&(name, value)| (name as usize, value as usize))
    }

    /// The `i`th line's name and value.
    pub fn get(&self, i: usize) -> Option<(&CStr, &CStr)> {
        let (name_at, value_at) = self.at(i)?;
        let end = self.at(i + 1).map_or(self.bytes.len(), |next| next.0);
        // SAFETY: push_c wrote each name and value as bytes without NUL followed by one NUL.
        unsafe {
            Some((
                CStr::from_bytes_with_nul_unchecked(&self.bytes[name_at..value_at]),
                CStr::from_bytes_with_nul_unchecked(&self.bytes[value_at..end]),
            ))
        }
    }

    /// The `i`th line's name, without its NUL (no strlen).
    pub fn name(&self, i: usize) -> Option<&[u8]> {
        let (name_at, value_at) = self.at(i)?;
        Some(&self.bytes[name_at..value_at - 1])
    }

    /// Values of every line called `name` (case-insensitive), in order. Names are compared
    /// by length first and without a strlen each (most responses have neither Set-Cookie nor
    /// Location).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let lines = if self.names & name_bit(name.as_bytes()) == 0 { 0 } else { self.len() };
        (0..lines)
            .filter(move |&i| self.name(i).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes())))
            .filter_map(move |i| self.get(i))
            .map(|(_, value)| value.to_bytes())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&CStr, &CStr)> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(N, V)> for HeaderLines {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(lines: I) -> HeaderLines {
        let mut headers = HeaderLines::default();
        for (name, value) in lines {
            headers.push(name.as_ref(), value.as_ref());
        }
        headers
    }
}

impl std::fmt::Debug for HeaderLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_order_drop_nul_and_fold() {
        let mut h = HeaderLines::default();
        h.push(b"A", b"1");
        h.push(b"B\0", b"x\0y");
        h.extend_last(b"more");
        h.push(b"", b"");
        let lines: Vec<(&[u8], &[u8])> = h.iter().map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
        assert_eq!(lines, [(&b"A"[..], &b"1"[..]), (b"B", b"xy more"), (b"", b"")]);
        assert!(h.get(3).is_none());
        assert_eq!(h.name(1), Some(&b"B"[..]));
        h.clear_with_room(4, 128);
        assert!(h.is_empty());
        // SAFETY: drop_stray_nul runs before the lines are read.
        unsafe {
            h.push_unchecked(b"N\0a", b"v\0");
            h.push_unchecked(b"M", b"w");
        }
        h.drop_stray_nul();
        let lines: Vec<(&[u8], &[u8])> = h.iter().map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
        assert_eq!(lines, [(&b"Na"[..], &b"v"[..]), (b"M", b"w")]);
        assert_eq!(h.values("na").collect::<Vec<_>>(), [&b"v"[..]], "the name without its NUL");
        assert_eq!(h.values("N").count(), 0);
    }

    #[test]
    fn lookups_find_every_name_pushed() {
        let names = ["Set-Cookie", "set-cookie", "Location", "Connection", "Content-Length", "ETag", "", "x"];
        let h: HeaderLines = names.iter().map(|n| (*n, "v")).collect();
        for name in names {
            assert_eq!(h.values(name).count(), names.iter().filter(|n| n.eq_ignore_ascii_case(name)).count(), "{name}");
        }
        let h: HeaderLines = [("Connection", "close")].into_iter().collect();
        assert_eq!(h.values("Set-Cookie").count(), 0);
        assert_eq!(h.values("Location").count(), 0);
    }
}
