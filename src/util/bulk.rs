//! Appending to a large in-memory body with non-temporal stores: a body of many MiB does
//! not fit in the CPU caches, so ordinary stores read every destination line from memory
//! before overwriting it (and evict the receive buffer the data comes from). Streaming
//! stores write the lines without reading them: about half the memory traffic of a copy.

/// Bodies whose buffer is at least this large are written around the caches.
pub(crate) const STREAM_MIN_CAPACITY: usize = 8 * 1024 * 1024;
/// Smaller pieces are copied as usual (the set-up is not worth it).
const STREAM_MIN_PIECE: usize = 4096;

/// Appends `data` to `body`, as `extend_from_slice` does; around the caches when `body`
/// is large and already has room for `data`.
pub fn append(body: &mut Vec<u8>, data: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if body.capacity() >= STREAM_MIN_CAPACITY && data.len() >= STREAM_MIN_PIECE && body.capacity() - body.len() >= data.len() {
        let len = body.len();
        // SAFETY: the spare capacity holds data.len() bytes (checked above); they are all
        // written before the length covers them.
        unsafe {
            stream_copy(body.as_mut_ptr().add(len), data);
            body.set_len(len + data.len());
        }
        return;
    }
    body.extend_from_slice(data);
}

/// Copies `src` to `dst` with 16-byte streaming stores (SSE2, part of every x86_64), the
/// unaligned head and the tail with ordinary ones, and fences the stores.
///
/// # Safety
/// `dst` must be valid for writes of `src.len()` bytes, not overlapping `src`.
#[cfg(target_arch = "x86_64")]
unsafe fn stream_copy(dst: *mut u8, src: &[u8]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_sfence, _mm_stream_si128};
    let head = dst.align_offset(16).min(src.len());
    std::ptr::copy_nonoverlapping(src.as_ptr(), dst, head);
    let (dst, src) = (dst.add(head), &src[head..]);
    let blocks = src.len() / 64;
    for i in 0..blocks {
        let from = src.as_ptr().add(i * 64) as *const __m128i;
        let to = dst.add(i * 64) as *mut __m128i;
        let (a, b, c, d) = (_mm_loadu_si128(from), _mm_loadu_si128(from.add(1)), _mm_loadu_si128(from.add(2)), _mm_loadu_si128(from.add(3)));
        _mm_stream_si128(to, a);
        _mm_stream_si128(to.add(1), b);
        _mm_stream_si128(to.add(2), c);
        _mm_stream_si128(to.add(3), d);
    }
    let done = blocks * 64;
    std::ptr::copy_nonoverlapping(src.as_ptr().add(done), dst.add(done), src.len() - done);
    // Streaming stores are weakly ordered: make them visible before anyone reads the body.
    _mm_sfence();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_exactly_what_extend_from_slice_would() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        for (start, piece) in [(0usize, 4096usize), (3, 70_001), (17, 5000), (1, 100)] {
            let mut fast = Vec::with_capacity(STREAM_MIN_CAPACITY + 64);
            fast.extend_from_slice(&data[..start]);
            let mut plain = fast.clone();
            for chunk in data[start..].chunks(piece) {
                append(&mut fast, chunk);
                plain.extend_from_slice(chunk);
            }
            assert_eq!(fast, plain, "start {start}, pieces of {piece}");
        }
        let mut full = Vec::with_capacity(STREAM_MIN_CAPACITY);
        full.resize(STREAM_MIN_CAPACITY - 10, 1);
        append(&mut full, &data[..5000]); // no room: grows as extend_from_slice does
        assert_eq!(&full[STREAM_MIN_CAPACITY - 10..], &data[..5000]);
    }
}
