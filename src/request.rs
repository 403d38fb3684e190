//! The reusable request builder (requests' Request).

use crate::error::{Error, Result};
use crate::util::check_no_ctl;
use crate::headers::{self, Headers};
use crate::transfer::upload::{self, Segment, Source};
use crate::transfer::{FilePart, Transfer, Upload};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

/// A body and the Content-Type it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The bytes, when the body is sent from memory (`upload` None).
    pub data: Vec<u8>,
    pub content_type: Option<String>,
    /// A body streamed from files or a read callback instead of `data`.
    pub upload: Option<Upload>,
}

/// What the request sends; the last kind set wins (form fields and files combine).
#[derive(Debug, Clone, Default)]
pub enum Payload {
    #[default]
    None,
    Raw(Body),
    Form(Vec<(String, String)>),
    /// multipart/form-data: the fields, then the files (requests' order).
    Multipart { fields: Vec<(String, String)>, files: Vec<FilePart> },
    /// Streamed from a file or the caller's read callback.
    Stream { source: Arc<Source>, content_type: Option<String> },
}

/// An upper-cased HTTP method. The standard ones are static strings, so that building and
/// preparing a request copies no method text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method(Cow<'static, str>);

impl Method {
    pub const GET: Method = Method(Cow::Borrowed("GET"));
    pub const HEAD: Method = Method(Cow::Borrowed("HEAD"));
    pub const POST: Method = Method(Cow::Borrowed("POST"));
    pub const PUT: Method = Method(Cow::Borrowed("PUT"));
    pub const DELETE: Method = Method(Cow::Borrowed("DELETE"));
    pub const PATCH: Method = Method(Cow::Borrowed("PATCH"));
    const STANDARD: [&'static str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];

    /// Any HTTP token, upper-cased as requests does.
    pub fn new(method: &str) -> Result<Method> {
        if let Some(standard) = Method::STANDARD.iter().find(|m| m.eq_ignore_ascii_case(method)) {
            return Ok(Method(Cow::Borrowed(standard)));
        }
        normalize_method(method).map(|m| Method(Cow::Owned(m)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text itself (a standard method's static string is not copied).
    pub fn into_text(self) -> Cow<'static, str> {
        self.0
    }
}

impl std::ops::Deref for Method {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Method {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Headers,
    pub params: Vec<(String, Option<String>)>,
    pub payload: Payload,
    /// Overrides the session's total timeout; Some(None) means no timeout.
    pub timeout: Option<Option<Duration>>,
    pub allow_redirects: bool,
    /// Retries and read timeout overrides.
    pub net: crate::net::RequestNet,
    /// Streaming, progress and protocol options.
    pub transfer: Transfer,
    /// Cookies of this request alone (requests' `cookies=`): sent on every hop to the
    /// first hop's host, over the jar's of the same name, never stored.
    pub cookies: Vec<(String, String)>,
}

/// Methods are HTTP tokens, upper-cased as requests does.
pub fn normalize_method(method: &str) -> Result<String> {
    headers::validate(method, None).map_err(|_| Error::invalid(format!("method {method:?} is not a valid HTTP token")))?;
    Ok(method.to_ascii_uppercase())
}

impl Request {
    pub fn new(method: &str, url: &str) -> Result<Request> {
        check_no_ctl(url, "URL")?;
        Ok(Request { url: url.to_owned(), ..Request::with_method(Method::new(method)?) })
    }

    /// A request without a URL: it is passed to `client::send_to` instead (the shortcuts
    /// borrow the caller's URL rather than copy it).
    pub fn with_method(method: Method) -> Request {
        Request {
            method,
            url: String::new(),
            headers: Headers::default(),
            params: Vec::new(),
            payload: Payload::None,
            timeout: None,
            allow_redirects: true,
            net: Default::default(),
            transfer: Transfer::default(),
            cookies: Vec::new(),
        }
    }

    /// Adds a cookie of this request alone (`cookies`); one of the same name is replaced.
    pub fn add_cookie(&mut self, name: &str, value: &str) -> Result<()> {
        crate::cookies::policy::check_pair(name, value)?;
        self.cookies.retain(|(n, _)| n != name);
        self.cookies.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    pub fn set_header(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        headers::validate(name, value)?;
        self.headers.set(name, value);
        Ok(())
    }

    /// Adds a query parameter; `None` removes a session parameter of that name from this
    /// request (requests' `params={name: None}`).
    pub fn add_param(&mut self, name: &str, value: Option<&str>) {
        self.params.push((name.to_owned(), value.map(str::to_owned)));
    }

    pub fn set_body(&mut self, data: &[u8], content_type: Option<&str>) -> Result<()> {
        if let Some(ct) = content_type {
            crate::util::check_field_value(ct, "content type")?;
        }
        self.payload = Payload::Raw(Body { data: data.to_vec(), content_type: content_type.map(str::to_owned), upload: None });
        Ok(())
    }

    pub fn add_form(&mut self, name: &str, value: &str) {
        let field = (name.to_owned(), value.to_owned());
        match &mut self.payload {
            Payload::Form(fields) | Payload::Multipart { fields, .. } => fields.push(field),
            other => *other = Payload::Form(vec![field]),
        }
    }

    /// Adds a multipart file part; form fields added before or after join the multipart body.
    pub fn add_file(&mut self, part: FilePart) -> Result<()> {
        if let Some(content_type) = &part.content_type {
            check_no_ctl(content_type, "content type")?;
        }
        match &mut self.payload {
            Payload::Multipart { files, .. } => files.push(part),
            Payload::Form(fields) => {
                self.payload = Payload::Multipart { fields: std::mem::take(fields), files: vec![part] };
            }
            other => *other = Payload::Multipart { fields: Vec::new(), files: vec![part] },
        }
        Ok(())
    }

    /// Streams the body from `source` (a file or a read callback).
    pub fn set_stream(&mut self, source: Source, content_type: Option<&str>) -> Result<()> {
        if let Some(ct) = content_type {
            check_no_ctl(ct, "content type")?;
        }
        self.payload = Payload::Stream { source: Arc::new(source), content_type: content_type.map(str::to_owned) };
        Ok(())
    }

    /// The transfer options of every hop of this request.
    pub fn transfer(&self) -> Transfer {
        Transfer { follows_redirects: self.allow_redirects, ..self.transfer.clone() }
    }

    /// The body this request sends, if any. Files are measured now (SESSION_E_IO when one
    /// can't be read); they are read while sending.
    pub fn body(&self) -> Result<Option<Body>> {
        Ok(match &self.payload {
            Payload::None => None,
            Payload::Raw(body) => Some(body.clone()),
            Payload::Form(fields) => {
                let data = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
                Some(Body {
                    data: data.into_bytes(),
                    content_type: Some("application/x-www-form-urlencoded".to_owned()),
                    upload: None,
                })
            }
            Payload::Multipart { fields, files } => {
                let boundary = upload::boundary();
                let content_type = Some(format!("multipart/form-data; boundary={boundary}"));
                let mut segments = upload::multipart(fields, files, &boundary);
                match segments.as_slice() {
                    [Segment::Bytes(_)] => {
                        let Some(Segment::Bytes(data)) = segments.pop() else { unreachable!() };
                        Some(Body { data, content_type, upload: None })
                    }
                    _ => {
                        let upload = Upload::segments(&Arc::new(Source::Segments(segments)))?;
                        Some(Body { data: Vec::new(), content_type, upload: Some(upload) })
                    }
                }
            }
            Payload::Stream { source, content_type } => {
                if let Source::Callback { seek: None, started, .. } = source.as_ref() {
                    if started.load(std::sync::atomic::Ordering::Acquire) {
                        return Err(Error::invalid(
                            "the body's read callback was consumed by an earlier send and has no seek callback to rewind it",
                        ));
                    }
                }
                Some(Body { data: Vec::new(), content_type: content_type.clone(), upload: Some(Upload::segments(source)?) })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_injection_in_method_and_url() {
        assert!(Request::new("GET\r\n", "http://a/").is_err());
        assert!(Request::new("G ET", "http://a/").is_err());
        assert!(Request::new("GET", "http://a/\r\nX: 1").is_err());
        assert_eq!(Request::new("patch", "http://a/").unwrap().method, "PATCH");
        assert_eq!(Request::new("Purge", "http://a/").unwrap().method, "PURGE");
        assert!(matches!(Request::new("get", "http://a/").unwrap().method.0, Cow::Borrowed("GET")));
    }

    #[test]
    fn form_is_urlencoded_and_last_kind_wins() {
        let mut r = Request::new("POST", "http://a/").unwrap();
        r.set_body(b"raw", None).unwrap();
        r.add_form("a b", "c&d");
        r.add_form("e", "f");
        let body = r.body().unwrap().unwrap();
        assert_eq!(body.data, b"a+b=c%26d&e=f");
        r.set_body(b"{}", Some("application/json")).unwrap();
        assert_eq!(r.body().unwrap().unwrap().data, b"{}");
    }
}
