//! One spare buffer for large response bodies. A freed body of 1 MiB to 256 MiB is kept
//! (the largest so far) and given to the next body of a known length that fits, so a
//! program downloading large bodies one after another writes into pages it already has:
//! no page faults and no zeroing of fresh pages by the kernel for every download. The
//! kept pages are marked MADV_FREE: the kernel may take them back under memory pressure
//! (they then read as zeros, which does not matter: a body is written before it is read).

use std::sync::Mutex;

/// Buffers smaller than this cost few page faults; larger ones are not kept.
const MIN: usize = 1024 * 1024;
const MAX: usize = 256 * 1024 * 1024;
const PAGE: usize = 4096;

static SPARE: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// An empty buffer with room for `len` bytes: the spare one when it is large enough, and
/// whether it is (its pages are committed already, unless the kernel took them back).
pub fn buffer(len: usize) -> (Vec<u8>, bool) {
    if len >= MIN {
        let mut slot = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|spare| spare.capacity() >= len) {
            return (slot.take().expect("checked"), true);
        }
    }
    (Vec::with_capacity(len), false)
}

/// Keeps `body`'s allocation as the spare buffer, when its size is worth it and it is
/// larger than the one kept.
pub fn give(mut body: Vec<u8>) {
    let capacity = body.capacity();
    if !(MIN..=MAX).contains(&capacity) {
        return;
    }
    body.clear();
    let from = (body.as_ptr() as usize).next_multiple_of(PAGE);
    let to = (body.as_ptr() as usize + capacity) / PAGE * PAGE;
    if to > from {
        // SAFETY: whole pages inside the Vec's own allocation, whose contents no longer
        // matter (its length is 0).
        unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_FREE) };
    }
    let mut slot = SPARE.lock().unwrap_or_else(|e| e.into_inner());
    if slot.as_ref().is_none_or(|spare| spare.capacity() < capacity) {
        let older = slot.replace(body);
        drop(slot);
        drop(older); // freed outside the lock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_freed_body_serves_the_next_one() {
        let (mut body, spare) = buffer(2 * MIN);
        assert!(!spare);
        body.extend(std::iter::repeat_n(7u8, 2 * MIN));
        let at = body.as_ptr();
        give(body);
        let (again, spare) = buffer(MIN + 1);
        assert_eq!((again.as_ptr(), again.len(), spare), (at, 0, true), "the same pages, empty");
        let (other, _) = buffer(MIN);
        assert!(other.as_ptr() != at, "taken once");
        give(again);
        assert!(buffer(4 * MIN).0.capacity() >= 4 * MIN, "too small a spare is not used");
        give(Vec::with_capacity(1000)); // too small to keep
        assert!(SPARE.lock().unwrap().as_ref().is_none_or(|s| s.capacity() >= MIN));
    }
}
