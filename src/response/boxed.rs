//! The C response: `session_response_t` and the storage it points into, packed in one
//! allocation (`BoxedResponse`).

use super::{canonical_reason, Response, ResponseUrl, Sent};
use crate::error::{session_code, Code, Error};
use crate::util::c_string;
use std::ffi::{c_char, c_long, CStr, CString};
use std::sync::Arc;

/// The response handed to C. Fields are only ever appended, never reordered.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct session_response {
    /// SESSION_OK when a response was received; otherwise what failed.
    pub error: session_code,
    /// Detail of the failure; "" when error == SESSION_OK.
    pub error_message: *const c_char,
    /// HTTP status; 0 when no response was received.
    pub status_code: c_long,
    /// Reason phrase ("OK", "Not Found", ...); the standard phrase when the server sent none.
    pub reason: *const c_char,
    /// Final URL after redirects.
    pub url: *const c_char,
    /// Body bytes, followed by one extra NUL not counted in body_len.
    pub body: *const c_char,
    /// Length of body in bytes.
    pub body_len: usize,
    /// Seconds from sending this request to the end of its body.
    pub elapsed: f64,
    /// "HTTP/1.0", "HTTP/1.1", "HTTP/2" or "HTTP/3"; "" when no response was received.
    pub http_version: *const c_char,
    /// Number of redirects followed (entries in the history).
    pub redirect_count: usize,
}

/// A response, as returned by session_send and the request shortcuts. Owned by the caller
/// until session_response_free; everything reachable from it lives as long as it.
#[allow(non_camel_case_types)]
pub type session_response_t = session_response;

/// The C struct followed by the storage its pointers point into. It only ever lives in a
/// BoxedResponse's allocation, followed there by its packed bytes.
#[repr(C)]
pub struct ResponseBox {
    public: session_response,
    owned: Owned,
}

/// A batch keeps every response until it returns, so a response is packed: each kept byte
/// is a cache line the CPU must fetch and write, each allocation a malloc that cannot
/// reuse a freed block (docs/performance.md).
struct Owned {
    /// The bytes after the struct (BoxedResponse): the head's lines as HeaderLines packs
    /// them (name NUL value NUL, in order), then a small body and its NUL.
    packed: *const u8,
    packed_len: u32,
    /// Bytes of `packed` that are header lines, and how many lines.
    head_len: u32,
    lines: u32,
    _url: Arc<CStr>,
    timings: crate::received::Timings,
    /// The error message, a non-standard reason phrase, the redirect history, a large body.
    rare: Option<Box<Rare>>,
    /// Made on the first header lookup (most responses are never asked).
    lookup: std::sync::OnceLock<Box<Lookup>>,
    /// The request as sent for this hop, and its C strings, made when first asked.
    sent: Sent,
    sent_c: std::sync::OnceLock<Box<SentC>>,
}

/// `Sent` as C strings: the method, then the header lines that were sent.
struct SentC {
    method: CString,
    headers: Vec<(CString, CString)>,
}

/// A ResponseBox with its packed bytes right after it, in one allocation: what a
/// `session_response_t *` points to.
pub struct BoxedResponse(std::ptr::NonNull<ResponseBox>);

/// The allocation of a ResponseBox followed by `packed_len` bytes.
fn box_layout(packed_len: usize) -> std::alloc::Layout {
    let size = std::mem::size_of::<ResponseBox>() + packed_len;
    std::alloc::Layout::from_size_align(size, std::mem::align_of::<ResponseBox>()).expect("a response under isize::MAX bytes")
}

#[derive(Default)]
struct Rare {
    _message: Option<CString>,
    _reason: Option<CString>,
    history: Vec<BoxedResponse>,
    /// A body larger than SMALL_BODY with its NUL, kept where it was received; empty otherwise.
    large_body: Vec<u8>,
}

impl Drop for Rare {
    fn drop(&mut self) {
        // The next large body may write into these pages (util::spare).
        crate::util::spare::give(std::mem::take(&mut self.large_body));
    }
}

struct Lookup {
    /// Where each line's name and value start in `packed`.
    starts: Vec<(u32, u32)>,
    /// Repeated headers joined with ", ", keyed by lower-cased name.
    joined: Vec<(Vec<u8>, CString)>,
}

/// Bodies up to this size are copied next to the head (one allocation instead of two).
const SMALL_BODY: usize = 4096;

impl BoxedResponse {
    pub fn new(response: Response) -> BoxedResponse {
        let Response { error, status, reason, url, headers, body, elapsed, http_version, history, timings, sent } = response;
        // No error and the standard reason phrase (the common case) point to static strings.
        let (code, message) = match error {
            Some(err) => (err.code, Some(c_string(err.message.as_bytes()))),
            None => (Code::SESSION_OK, None),
        };
        let standard = canonical_reason(status);
        let reason = (!reason.is_empty() && reason != standard.to_bytes()).then(|| c_string(&reason));
        let url = match url {
            ResponseUrl::Owned(url) => Arc::from(into_c_string(url)),
            ResponseUrl::Shared(url) => url,
        };
        // (Most responses have no history: skip the iterator machinery.)
        let history: Vec<BoxedResponse> = match history.is_empty() {
            true => Vec::new(),
            false => history.into_iter().map(BoxedResponse::new).collect(),
        };
        let head = headers.as_packed();
        let body_len = body.len();
        let small = body_len <= SMALL_BODY;
        let packed_len = head.len() + if small { body_len + 1 } else { 0 };
        let (small_body, mut large_body) = if small { (body, Vec::new()) } else { (Vec::new(), body) };
        if !small {
            large_body.push(0);
        }
        // Nothing below can fail until the struct is written (a failed allocation aborts).
        let layout = box_layout(packed_len);
        // SAFETY: the layout's size is at least that of ResponseBox, never 0.
        let block = unsafe { std::alloc::alloc(layout) };
        if block.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        // SAFETY: `block` has room for the struct and then `packed_len` bytes, which are
        // written here: the head, and a small body with its NUL.
        let packed = unsafe {
            let packed = block.add(std::mem::size_of::<ResponseBox>());
            std::ptr::copy_nonoverlapping(head.as_ptr(), packed, head.len());
            if small {
                let body_at = packed.add(head.len());
                std::ptr::copy_nonoverlapping(small_body.as_ptr(), body_at, body_len);
                *body_at.add(body_len) = 0;
            }
            packed
        };
        // SAFETY: in bounds of the packed bytes (a small body) or of `large_body`.
        let body_ptr = if small { unsafe { packed.add(head.len()) } } else { large_body.as_ptr() };
        let public = session_response {
            error: code,
            error_message: message.as_deref().unwrap_or(c"").as_ptr(),
            status_code: status as c_long,
            reason: reason.as_deref().unwrap_or(standard).as_ptr(),
            url: url.as_ptr(),
            body: body_ptr as *const c_char,
            body_len,
            elapsed,
            http_version: static_version(http_version),
            redirect_count: history.len(),
        };
        let rare = (message.is_some() || reason.is_some() || !history.is_empty() || !large_body.is_empty())
            .then(|| Box::new(Rare { _message: message, _reason: reason, history, large_body }));
        let owned = Owned {
            packed,
            // libcurl refuses a head over 300 KiB, and a packed body is at most SMALL_BODY.
            packed_len: packed_len as u32,
            head_len: head.len() as u32,
            lines: headers.len() as u32,
            _url: url,
            timings,
            rare,
            lookup: std::sync::OnceLock::new(),
            sent,
            sent_c: std::sync::OnceLock::new(),
        };
        // SAFETY: `block` is aligned for ResponseBox and large enough (box_layout).
        unsafe {
            let boxed = block as *mut ResponseBox;
            boxed.write(ResponseBox { public, owned });
            BoxedResponse(std::ptr::NonNull::new_unchecked(boxed))
        }
    }

    /// The pointer C gets; session_response_free takes it back (`from_raw`).
    pub fn into_raw(self) -> *mut session_response {
        let ptr = self.0.as_ptr() as *mut session_response;
        std::mem::forget(self);
        ptr
    }

    /// # Safety
    /// `r` comes from `into_raw` and is not used again.
    pub unsafe fn from_raw(r: *mut session_response) -> Option<BoxedResponse> {
        std::ptr::NonNull::new(r as *mut ResponseBox).map(BoxedResponse)
    }

    /// Back to the safe form (after a response hook has seen it); a large body is not
    /// copied.
    pub fn into_response(mut self) -> Response {
        let headers = self.header_lines().map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
        let small_body = self.large_body().is_none().then(|| self.body().to_vec());
        // SAFETY: `self` owns the ResponseBox; what is taken here is dropped with it after.
        let this = unsafe { self.0.as_mut() };
        let public = &this.public;
        let mut rare = this.owned.rare.take().unwrap_or_default();
        let body = small_body.unwrap_or_else(|| {
            let mut body = std::mem::take(&mut rare.large_body);
            body.truncate(public.body_len);
            body
        });
        // SAFETY: error_message, reason and http_version point to static strings or to
        // strings held by `rare` and the URL.
        let (message, reason, version) = unsafe {
            (CStr::from_ptr(public.error_message), CStr::from_ptr(public.reason), CStr::from_ptr(public.http_version).to_bytes())
        };
        let error = (public.error != Code::SESSION_OK).then(|| Error::new(public.error, message.to_string_lossy()));
        Response {
            error,
            status: public.status_code as u32,
            reason: reason.to_bytes().to_vec(),
            url: ResponseUrl::Shared(this.owned._url.clone()),
            headers,
            body,
            elapsed: public.elapsed,
            http_version: ["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"].into_iter().find(|v| v.as_bytes() == version).unwrap_or(""),
            history: std::mem::take(&mut rare.history).into_iter().map(BoxedResponse::into_response).collect(),
            timings: this.owned.timings,
            sent: std::mem::take(&mut this.owned.sent),
        }
    }
}

impl std::ops::Deref for BoxedResponse {
    type Target = ResponseBox;
    fn deref(&self) -> &ResponseBox {
        // SAFETY: the allocation lives as long as `self`.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for BoxedResponse {
    fn drop(&mut self) {
        let boxed = self.0.as_ptr();
        // SAFETY: `boxed` was written by `new` into a block of box_layout(packed_len).
        unsafe {
            let layout = box_layout((*boxed).owned.packed_len as usize);
            std::ptr::drop_in_place(boxed);
            std::alloc::dealloc(boxed as *mut u8, layout);
        }
    }
}

impl ResponseBox {
    pub fn timings(&self) -> &crate::received::Timings {
        &self.owned.timings
    }

    pub fn public(&self) -> &session_response {
        &self.public
    }

    /// # Safety
    /// `r` must point to the `public` field of a live ResponseBox (every session_response
    /// this library hands out does).
    pub unsafe fn from_public(r: &session_response) -> &ResponseBox {
        &*(r as *const session_response as *const ResponseBox)
    }

    pub fn body(&self) -> &[u8] {
        match self.large_body() {
            None => &self.packed()[self.owned.head_len as usize..][..self.public.body_len],
            Some(body) => &body[..self.public.body_len],
        }
    }

    /// The packed bytes after the struct.
    fn packed(&self) -> &[u8] {
        // SAFETY: `packed` points to `packed_len` bytes written by BoxedResponse::new, which
        // live as long as the struct.
        unsafe { std::slice::from_raw_parts(self.owned.packed, self.owned.packed_len as usize) }
    }

    fn large_body(&self) -> Option<&Vec<u8>> {
        self.owned.rare.as_ref().map(|rare| &rare.large_body).filter(|body| !body.is_empty())
    }

    /// The header lines in received order.
    fn header_lines(&self) -> PackedLines<'_> {
        PackedLines(&self.packed()[..self.owned.head_len as usize])
    }

    fn lookup(&self) -> &Lookup {
        self.owned.lookup.get_or_init(|| {
            let mut starts = Vec::with_capacity(self.owned.lines as usize);
            let base = self.owned.packed as usize;
            for (name, value) in self.header_lines() {
                starts.push(((name.as_ptr() as usize - base) as u32, (value.as_ptr() as usize - base) as u32));
            }
            Box::new(Lookup { joined: join_repeated(self.header_lines()), starts })
        })
    }

    /// The value of header `name` (case-insensitive), repeated ones joined with ", ".
    pub fn header(&self, name: &str) -> Option<&CStr> {
        let lower = name.to_ascii_lowercase();
        if let Some((_, value)) = self.lookup().joined.iter().find(|(n, _)| *n == lower.as_bytes()) {
            return Some(value);
        }
        self.header_lines().find(|(n, _)| n.to_bytes().eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v)
    }

    pub fn header_count(&self) -> usize {
        self.owned.lines as usize
    }

    /// The `i`th header line's name and value.
    pub fn header_at(&self, i: usize) -> Option<(&CStr, &CStr)> {
        let &(name_at, value_at) = self.lookup().starts.get(i)?;
        let packed = self.packed();
        // SAFETY: `lookup` found each name and value as bytes without NUL followed by a NUL.
        unsafe {
            Some((
                CStr::from_ptr(packed[name_at as usize..].as_ptr().cast()),
                CStr::from_ptr(packed[value_at as usize..].as_ptr().cast()),
            ))
        }
    }

    pub fn history(&self) -> &[BoxedResponse] {
        self.owned.rare.as_ref().map_or(&[], |rare| &rare.history)
    }

    fn sent_c(&self) -> &SentC {
        self.owned.sent_c.get_or_init(|| {
            let sent = &self.owned.sent;
            let headers = sent.headers.iter().filter_map(|(n, v)| Some((c_string(n.as_bytes()), c_string(v?.as_bytes()))));
            Box::new(SentC { method: c_string(sent.method.as_bytes()), headers: headers.collect() })
        })
    }

    /// The method this hop's request was sent with ("" when none was sent).
    pub fn sent_method(&self) -> &CStr {
        &self.sent_c().method
    }

    /// Number of header lines this hop's request was sent with (libcurl's own not counted).
    pub fn sent_header_count(&self) -> usize {
        self.sent_c().headers.len()
    }

    /// The `i`th header line of this hop's request.
    pub fn sent_header_at(&self, i: usize) -> Option<(&CStr, &CStr)> {
        self.sent_c().headers.get(i).map(|(n, v)| (n.as_c_str(), v.as_c_str()))
    }

    /// The body bytes this hop's request carried; None without a body or when streamed.
    pub fn sent_body(&self) -> Option<&[u8]> {
        self.owned.sent.body.as_deref()
    }
}

/// Lines packed as name NUL value NUL, in order.
#[derive(Clone)]
struct PackedLines<'a>(&'a [u8]);

impl<'a> Iterator for PackedLines<'a> {
    type Item = (&'a CStr, &'a CStr);

    fn next(&mut self) -> Option<Self::Item> {
        let name = CStr::from_bytes_until_nul(self.0).ok()?;
        let rest = &self.0[name.to_bytes().len() + 1..];
        let value = CStr::from_bytes_until_nul(rest).ok()?;
        self.0 = &rest[value.to_bytes().len() + 1..];
        Some((name, value))
    }
}

/// `text` in a String with room for a NUL, so that `into_c_string` needs no new allocation.
pub fn c_ready(text: &str) -> String {
    let mut owned = String::with_capacity(text.len() + 1);
    owned.push_str(text);
    owned
}

/// The String as a C string, reusing its buffer when it has room (NUL bytes dropped).
fn into_c_string(text: String) -> CString {
    // libc's memchr: CString::new's (core's) costs more than the rest of this on a URL.
    // SAFETY: reads the `text.len()` bytes of a live string.
    let nul = !text.is_empty() && !unsafe { libc::memchr(text.as_ptr().cast(), 0, text.len()) }.is_null();
    if nul {
        return c_string(text.as_bytes());
    }
    // SAFETY: `text` has no NUL byte, as just checked.
    unsafe { CString::from_vec_unchecked(text.into_bytes()) }
}

/// Versions are static C strings, so the pointer needs no storage.
fn static_version(version: &str) -> *const c_char {
    match version {
        "HTTP/1.0" => c"HTTP/1.0".as_ptr(),
        "HTTP/1.1" => c"HTTP/1.1".as_ptr(),
        "HTTP/2" => c"HTTP/2".as_ptr(),
        "HTTP/3" => c"HTTP/3".as_ptr(),
        _ => c"".as_ptr(),
    }
}

fn join_repeated<'a>(lines: impl Iterator<Item = (&'a CStr, &'a CStr)> + Clone) -> Vec<(Vec<u8>, CString)> {
    let same = |a: &CStr, b: &CStr| a.to_bytes().len() == b.to_bytes().len() && a.to_bytes().eq_ignore_ascii_case(b.to_bytes());
    let repeated = lines.clone().enumerate().any(|(i, (a, _))| lines.clone().skip(i + 1).any(|(b, _)| same(a, b)));
    if !repeated {
        return Vec::new(); // the common case, without the quadratic walk below
    }
    let mut joined = Vec::new();
    for (i, (name, _)) in lines.clone().enumerate() {
        let first = lines.clone().take(i).all(|(earlier, _)| !same(earlier, name));
        let repeated = lines.clone().skip(i + 1).any(|(later, _)| same(later, name));
        if first && repeated {
            let values: Vec<&[u8]> = lines.clone().filter(|(n, _)| same(n, name)).map(|(_, v)| v.to_bytes()).collect();
            joined.push((name.to_bytes().to_ascii_lowercase(), c_string(&values.join(&b", "[..]))));
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::received::HeaderLines;

    #[test]
    fn c_view_points_into_owned_storage() {
        let response = Response {
            status: 404,
            url: "http://h/x".into(),
            headers: [("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("set-cookie", "b=2")].into_iter().collect(),
            body: b"hi".to_vec(),
            http_version: "HTTP/1.1",
            history: vec![Response { status: 302, ..Response::default() }],
            ..Response::default()
        };
        let boxed = BoxedResponse::new(response);
        let r = boxed.public();
        unsafe {
            assert_eq!(CStr::from_ptr(r.reason).to_str().unwrap(), "Not Found");
            assert_eq!(CStr::from_ptr(r.body).to_bytes(), b"hi");
            assert_eq!(CStr::from_ptr(r.error_message).to_bytes(), b"");
            assert_eq!(CStr::from_ptr(r.http_version).to_bytes(), b"HTTP/1.1");
            assert!(std::ptr::eq(ResponseBox::from_public(r), &*boxed));
        }
        assert_eq!(r.body_len, 2);
        assert_eq!(r.redirect_count, 1);
        assert_eq!(boxed.header("SET-COOKIE").unwrap().to_bytes(), b"a=1, b=2");
        assert_eq!(boxed.header("content-type").unwrap().to_bytes(), b"text/plain");
        assert!(boxed.header("missing").is_none());
        assert_eq!(boxed.history()[0].public().status_code, 302);
    }

    #[test]
    fn small_and_large_bodies_survive_packing() {
        for len in [0, 1, SMALL_BODY, SMALL_BODY + 1, 100_000] {
            let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8 + 1).collect();
            let headers: HeaderLines = [("A", "1"), ("b", "two"), ("a", "3")].into_iter().collect();
            let boxed = BoxedResponse::new(Response { status: 200, headers, body: body.clone(), ..Response::default() });
            let r = boxed.public();
            assert_eq!(boxed.body(), &body[..]);
            // SAFETY: `body` points to body_len bytes and a NUL.
            assert_eq!(unsafe { *r.body.add(len) }, 0);
            assert_eq!(boxed.header_count(), 3);
            let (n, v) = boxed.header_at(1).unwrap();
            assert_eq!((n.to_bytes(), v.to_bytes()), (&b"b"[..], &b"two"[..]));
            assert!(boxed.header_at(3).is_none());
            assert_eq!(boxed.header("A").unwrap().to_bytes(), b"1, 3");
            let back = boxed.into_response();
            assert_eq!(back.body, body);
            assert_eq!(back.headers.iter().map(|(n, _)| n.to_bytes().to_vec()).collect::<Vec<_>>(), [b"A".to_vec(), b"b".to_vec(), b"a".to_vec()]);
        }
    }

    #[test]
    fn c_strings_drop_nul_bytes() {
        assert_eq!(into_c_string("a\0b".to_owned()).as_bytes(), b"ab");
        assert_eq!(into_c_string(c_ready("http://h/")).as_bytes(), b"http://h/");
        assert_eq!(into_c_string(String::new()).as_bytes(), b"");
    }

    #[test]
    fn reason_and_message_survive_the_round_trip() {
        let own = BoxedResponse::new(Response { status: 200, reason: b"Fine".to_vec(), ..Response::default() });
        let standard = BoxedResponse::new(Response { status: 200, reason: b"OK".to_vec(), ..Response::default() });
        let unknown = BoxedResponse::new(Response { status: 599, ..Response::default() });
        let failed = BoxedResponse::new(Response::failed(Error::invalid("bad"), "http://h/"));
        unsafe {
            assert_eq!(CStr::from_ptr(own.public().reason).to_bytes(), b"Fine");
            assert_eq!(CStr::from_ptr(standard.public().reason).to_bytes(), b"OK");
            assert_eq!(CStr::from_ptr(unknown.public().reason).to_bytes(), b"");
            assert_eq!(CStr::from_ptr(failed.public().error_message).to_bytes(), b"bad");
            assert_eq!(CStr::from_ptr(failed.public().url).to_bytes(), b"http://h/");
        }
        assert_eq!(own.into_response().reason, b"Fine");
        assert_eq!(standard.into_response().reason, b"OK");
        let back = failed.into_response();
        assert_eq!(back.error.map(|e| e.message), Some("bad".to_owned()));
        assert_eq!(back.url, "http://h/");
    }
}
