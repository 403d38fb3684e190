//! The reusable request builder (requests' Request).

use crate::error::{Error, Result};
use crate::ffi::check_no_ctl;
use crate::headers::{self, Headers};
use std::time::Duration;

/// A body and the Content-Type it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub data: Vec<u8>,
    pub content_type: Option<String>,
}

/// What the request sends; the last kind set wins.
#[derive(Debug, Clone, Default)]
pub enum Payload {
    #[default]
    None,
    Raw(Body),
    Form(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Headers,
    pub params: Vec<(String, String)>,
    pub payload: Payload,
    /// Overrides the session's total timeout; Some(None) means no timeout.
    pub timeout: Option<Option<Duration>>,
    pub allow_redirects: bool,
    /// Retries and read timeout overrides.
    pub net: crate::net::RequestNet,
}

/// Methods are HTTP tokens, upper-cased as requests does.
pub fn normalize_method(method: &str) -> Result<String> {
    headers::validate(method, None).map_err(|_| Error::invalid(format!("method {method:?} is not a valid HTTP token")))?;
    Ok(method.to_ascii_uppercase())
}

impl Request {
    pub fn new(method: &str, url: &str) -> Result<Request> {
        check_no_ctl(url, "URL")?;
        Ok(Request {
            method: normalize_method(method)?,
            url: url.to_owned(),
            headers: Headers::default(),
            params: Vec::new(),
            payload: Payload::None,
            timeout: None,
            allow_redirects: true,
            net: Default::default(),
        })
    }

    pub fn set_header(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        headers::validate(name, value)?;
        self.headers.set(name, value);
        Ok(())
    }

    pub fn add_param(&mut self, name: &str, value: &str) {
        self.params.push((name.to_owned(), value.to_owned()));
    }

    pub fn set_body(&mut self, data: &[u8], content_type: Option<&str>) -> Result<()> {
        if let Some(ct) = content_type {
            check_no_ctl(ct, "content type")?;
        }
        self.payload = Payload::Raw(Body { data: data.to_vec(), content_type: content_type.map(str::to_owned) });
        Ok(())
    }

    pub fn add_form(&mut self, name: &str, value: &str) {
        match &mut self.payload {
            Payload::Form(fields) => fields.push((name.to_owned(), value.to_owned())),
            other => *other = Payload::Form(vec![(name.to_owned(), value.to_owned())]),
        }
    }

    /// The body this request sends, if any.
    pub fn body(&self) -> Option<Body> {
        match &self.payload {
            Payload::None => None,
            Payload::Raw(body) => Some(body.clone()),
            Payload::Form(fields) => {
                let data = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
                Some(Body {
                    data: data.into_bytes(),
                    content_type: Some("application/x-www-form-urlencoded".to_owned()),
                })
            }
        }
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
    }

    #[test]
    fn form_is_urlencoded_and_last_kind_wins() {
        let mut r = Request::new("POST", "http://a/").unwrap();
        r.set_body(b"raw", None).unwrap();
        r.add_form("a b", "c&d");
        r.add_form("e", "f");
        let body = r.body().unwrap();
        assert_eq!(body.data, b"a+b=c%26d&e=f");
        r.set_body(b"{}", Some("application/json")).unwrap();
        assert_eq!(r.body().unwrap().data, b"{}");
    }
}
