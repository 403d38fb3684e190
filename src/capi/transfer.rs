//! Bodies (multipart, streamed uploads), streamed downloads, progress and protocol choice.

use crate::capi::request::session_request_t;
use crate::capi::session::session_t;
use crate::error::{session_code, Error, Result};
use crate::ffi::{bytes_arg, guard, guard_code, mut_arg, opt_str_arg, ref_arg, str_arg};
use crate::request::Request;
pub use crate::transfer::callbacks::{session_event, session_event_cb, session_event_t, session_write_cb, SESSION_READ_ABORT};
use crate::transfer::callbacks::{session_progress_cb, session_read_cb, session_seek_cb, ReadCallback, SeekCallback};
use crate::transfer::upload::{Segment, Source};
use crate::transfer::{
    Destination, EventCallback, FilePart, HttpVersion, ProgressCallback, UserData, WriteCallback,
};
use std::ffi::{c_char, c_int, c_void};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// HTTP versions for session_set_http_version and session_request_set_http_version
/// (passed as int and validated).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum session_http_version {
    /// HTTP/2 over TLS when the server offers it (ALPN), otherwise HTTP/1.1 (the default).
    SESSION_HTTP_VERSION_DEFAULT = 0,
    /// HTTP/1.1 only.
    SESSION_HTTP_VERSION_1_1 = 1,
    /// HTTP/2: over TLS via ALPN, over http:// via an Upgrade: h2c request; falls back to 1.1.
    SESSION_HTTP_VERSION_2 = 2,
    /// HTTP/2 without negotiation (h2c prior knowledge); for servers known to speak it.
    SESSION_HTTP_VERSION_2_PRIOR_KNOWLEDGE = 3,
}

pub(crate) fn http_version(raw: c_int) -> Result<HttpVersion> {
    Ok(match raw {
        0 => HttpVersion::Default,
        1 => HttpVersion::Http11,
        2 => HttpVersion::Http2,
        3 => HttpVersion::Http2PriorKnowledge,
        _ => {
            return Err(Error::invalid(format!(
                "{raw} is not a session_http_version"
            )))
        }
    })
}

unsafe fn edit(
    req: *mut session_request_t,
    change: impl FnOnce(&mut Request) -> Result<()>,
) -> session_code {
    guard_code(|| change(mut_arg(req, "request")?))
}

fn path_arg(path: &str) -> Result<PathBuf> {
    if path.is_empty() {
        return Err(Error::invalid("path is empty"));
    }
    Ok(PathBuf::from(path))
}

/// Adds a multipart/form-data file part read from `path` while sending (never loaded whole
/// into memory; its size is taken when the request is sent, and a file that can't be read
/// then fails the request with SESSION_E_IO). `filename` NULL uses the path's last
/// component; `content_type` NULL sends the part without a Content-Type. Fields added with
/// session_request_add_form join the multipart body (before the files, as requests does).
/// Replaces a raw, JSON or streamed body. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_add_file(
    req: *mut session_request_t,
    field: *const c_char,
    path: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
) -> session_code {
    edit(req, |r| {
        let path = path_arg(str_arg(path, "path")?)?;
        let default_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        r.add_file(FilePart {
            field: str_arg(field, "field name")?.to_owned(),
            filename: opt_str_arg(filename, "filename")?.map_or(default_name, str::to_owned),
            content_type: opt_str_arg(content_type, "content type")?.map(str::to_owned),
            content: Segment::File(path),
        })
    })
}

/// Adds a multipart/form-data file part holding the `len` bytes at `data` (copied).
/// `filename` NULL uses the field name (as requests does); `content_type` NULL sends no
/// Content-Type for the part. Otherwise as session_request_add_file.
#[no_mangle]
pub unsafe extern "C" fn session_request_add_file_data(
    req: *mut session_request_t,
    field: *const c_char,
    data: *const c_void,
    len: usize,
    filename: *const c_char,
    content_type: *const c_char,
) -> session_code {
    edit(req, |r| {
        let field = str_arg(field, "field name")?;
        r.add_file(FilePart {
            field: field.to_owned(),
            filename: opt_str_arg(filename, "filename")?
                .unwrap_or(field)
                .to_owned(),
            content_type: opt_str_arg(content_type, "content type")?.map(str::to_owned),
            content: Segment::Bytes(bytes_arg(data as *const u8, len, "data")?.to_vec()),
        })
    })
}

/// Sends the file at `path` as the body, read while sending (never whole in memory), with
/// its size as Content-Length and Content-Type `content_type` unless NULL. The file is
/// reopened for a 307/308 redirect or a retry. A file that can't be read when the request is
/// sent fails it with SESSION_E_IO. Replaces any other body. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_body_file(
    req: *mut session_request_t,
    path: *const c_char,
    content_type: *const c_char,
) -> session_code {
    edit(req, |r| {
        let path = path_arg(str_arg(path, "path")?)?;
        r.set_stream(
            Source::Segments(vec![Segment::File(path)]),
            opt_str_arg(content_type, "content type")?,
        )
    })
}

/// Streams the body from `read` (called on the sending thread with `userdata`), with
/// Content-Length `length`, or chunked transfer encoding when `length` is -1. To send the
/// body again (a 307/308 redirect, a retry, a reconnect, another session_send of this
/// request) libsession calls `seek` with offset 0; with `seek` NULL that fails with
/// SESSION_E_INVALID_ARGUMENT instead. `read` must not be NULL. Replaces any other body.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_body_callback(
    req: *mut session_request_t,
    read: session_read_cb,
    seek: session_seek_cb,
    userdata: *mut c_void,
    length: i64,
    content_type: *const c_char,
) -> session_code {
    edit(req, |r| {
        let read = read.ok_or_else(|| Error::invalid("read callback is NULL"))?;
        if length < -1 {
            return Err(Error::invalid(
                "length must be -1 (unknown) or a byte count",
            ));
        }
        let userdata = UserData(userdata);
        let source = Source::Callback {
            read: ReadCallback {
                func: read,
                userdata,
            },
            seek: seek.map(|func| SeekCallback { func, userdata }),
            length: u64::try_from(length).ok(),
            started: AtomicBool::new(false),
        };
        r.set_stream(source, opt_str_arg(content_type, "content type")?)
    })
}

/// Streams the final response's body to `cb` in chunks as they arrive (decoded), instead of
/// keeping it in the response (whose body is then empty). Bodies of redirects that are
/// followed are never passed to it. `cb` returning anything but `len` cancels the transfer
/// (SESSION_E_CANCELLED). `cb` NULL goes back to keeping the body in memory. Replaces an
/// output file.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_write_callback(
    req: *mut session_request_t,
    cb: session_write_cb,
    userdata: *mut c_void,
) -> session_code {
    edit(req, |r| {
        r.transfer.destination = match cb {
            Some(func) => Destination::Callback(WriteCallback {
                func,
                userdata: UserData(userdata),
            }),
            None => Destination::Memory,
        };
        Ok(())
    })
}

/// Reads the final response's body as a Server-Sent Events stream (text/event-stream, the
/// HTML standard's rules: comments, CR/LF/CRLF line ends, a BOM, fields without a colon)
/// and calls `cb` with each event as it arrives; the response's body stays empty. `cb`
/// returning non-zero ends the stream cleanly: the response comes back with SESSION_OK.
/// Memory stays constant over a long stream: an event (a line, or its data) over the
/// session's max body size (16 MiB when none is set) fails the request with
/// SESSION_E_TOO_LARGE. Sets `Accept: text/event-stream` unless the request has an Accept
/// header. `cb` NULL goes back to keeping the body in memory. Replaces a write callback or
/// output file.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_event_callback(
    req: *mut session_request_t,
    cb: session_event_cb,
    userdata: *mut c_void,
) -> session_code {
    edit(req, |r| {
        r.transfer.destination = match cb {
            Some(func) => {
                if !r.headers.contains("Accept") {
                    r.set_header("Accept", Some("text/event-stream"))?;
                }
                Destination::Events(EventCallback { func, userdata: UserData(userdata) })
            }
            None => Destination::Memory,
        };
        Ok(())
    })
}

/// Writes the final response's body (decoded) to the file at `path`, created or truncated
/// when the body starts, instead of keeping it in the response (whose body is then empty).
/// A file that can't be created or written fails the request with SESSION_E_IO. `path` NULL
/// goes back to memory. Replaces a write callback. The path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_output_file(
    req: *mut session_request_t,
    path: *const c_char,
) -> session_code {
    edit(req, |r| {
        r.transfer.destination = match opt_str_arg(path, "path")? {
            Some(path) => Destination::File(path_arg(path)?),
            None => Destination::Memory,
        };
        Ok(())
    })
}

/// Calls `cb` with the progress of each hop's download and upload (totals 0 while unknown),
/// at least once a second and whenever data moves. Non-zero from `cb` cancels the transfer
/// (SESSION_E_CANCELLED). `cb` NULL removes it.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_progress_callback(
    req: *mut session_request_t,
    cb: session_progress_cb,
    userdata: *mut c_void,
) -> session_code {
    edit(req, |r| {
        r.transfer.progress = cb.map(|func| ProgressCallback {
            func,
            userdata: UserData(userdata),
        });
        Ok(())
    })
}

/// Sets the HTTP version of this request (a session_http_version), overriding the
/// session's. Out-of-range values are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_http_version(
    req: *mut session_request_t,
    version: c_int,
) -> session_code {
    edit(req, |r| {
        r.transfer.http_version = Some(http_version(version)?);
        Ok(())
    })
}

/// Sets the session's HTTP version (a session_http_version; default
/// SESSION_HTTP_VERSION_DEFAULT). Out-of-range values are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_http_version(
    s: *mut session_t,
    version: c_int,
) -> session_code {
    guard_code(|| {
        let version = http_version(version)?;
        ref_arg(s, "session")?.update(|settings| {
            settings.transfer.http_version = version;
            Ok(())
        })
    })
}

/// Sets the User-Agent sent with every request (default "libsession/<version>"); a
/// request's own User-Agent header wins. NULL sends none. The string is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_user_agent(
    s: *mut session_t,
    user_agent: *const c_char,
) -> session_code {
    guard_code(|| {
        let user_agent = opt_str_arg(user_agent, "user agent")?;
        crate::headers::validate("User-Agent", user_agent)?;
        ref_arg(s, "session")?.update(|settings| {
            settings.headers.set("User-Agent", user_agent);
            Ok(())
        })
    })
}

/// Follows a Server-Sent Events stream as EventSource does: sends `req` with `cb` as its
/// event callback (see session_request_set_event_callback) and, when the stream ends or
/// fails with a connection, timeout or decoding error, sends it again after the server's
/// `retry` delay (3 s when it set none) with `Last-Event-ID` set to the last event id seen.
/// Reconnects at most the session's retry total (session_set_retries; 0, the default, means
/// none) and never past the request's or session's total timeout. Stops when `cb` returns
/// non-zero, or on a status other than 2xx, or 204. Returns the last response (owned by the
/// caller); NULL arguments give a response carrying SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_events_follow(
    s: *mut session_t,
    req: *const session_request_t,
    cb: session_event_cb,
    userdata: *mut c_void,
) -> *mut crate::response::session_response_t {
    use crate::response::Response;
    let failed = |err: Error| crate::capi::response::into_c(Response::failed(err, ""));
    guard(
        || failed(Error::new(crate::error::Code::SESSION_E_INTERNAL, "a panic was caught at the C boundary")),
        || {
            let args = (|| Ok::<_, Error>((ref_arg(s, "session")?, ref_arg(req, "request")?, cb.ok_or_else(|| Error::invalid("event callback is NULL"))?)))();
            match args {
                Ok((session, request, func)) => {
                    let callback = EventCallback { func, userdata: UserData(userdata) };
                    let mut request = request.clone();
                    if !request.headers.contains("Accept") {
                        if let Err(err) = request.set_header("Accept", Some("text/event-stream")) {
                            return failed(err);
                        }
                    }
                    crate::capi::response::into_c(crate::client::events::follow(session, &request, callback))
                }
                Err(err) => failed(err),
            }
        },
    )
}
