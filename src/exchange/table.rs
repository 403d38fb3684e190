//! A test-only exchanger that answers hops from a table, with no network: the proof that
//! the per-request logic (redirects, the jar, retries) runs above the seam, whoever answers.

use super::{Exchanger, Hop, Outcomes};
use crate::error::{Code, Error, Result};
use crate::headers::Headers;
use crate::received::{HeaderLines, Received};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::time::Duration;

/// One canned answer.
#[derive(Clone)]
enum Reply {
    Response { status: u32, headers: Vec<(String, String)>, body: Vec<u8> },
    Failure(Code),
}

/// A hop as the table saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub url: String,
    pub headers: Headers,
    pub body: Option<Vec<u8>>,
}

/// Answers by method and URL; a route with several replies gives them in turn, then repeats
/// its last. An unknown hop fails with SESSION_E_CONNECT.
#[derive(Default)]
pub struct Table {
    routes: Vec<(String, String, VecDeque<Reply>)>,
    pub seen: Vec<Seen>,
    started: Vec<(usize, Result<Received>)>,
}

impl Table {
    /// Adds a reply to `method url`.
    pub fn on(mut self, method: &str, url: &str, status: u32, headers: &[(&str, &str)], body: &str) -> Table {
        let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        self.route(method, url).push_back(Reply::Response { status, headers, body: body.as_bytes().to_vec() });
        self
    }

    /// Adds a transport failure to `method url`.
    pub fn fail(mut self, method: &str, url: &str, code: Code) -> Table {
        self.route(method, url).push_back(Reply::Failure(code));
        self
    }

    fn route(&mut self, method: &str, url: &str) -> &mut VecDeque<Reply> {
        let at = match self.routes.iter().position(|(m, u, _)| m == method && u == url) {
            Some(at) => at,
            None => {
                self.routes.push((method.to_owned(), url.to_owned(), VecDeque::new()));
                self.routes.len() - 1
            }
        };
        &mut self.routes[at].2
    }

    /// The URLs of the hops seen, in order.
    pub fn urls(&self) -> Vec<String> {
        self.seen.iter().map(|s| format!("{} {}", s.method, s.url)).collect()
    }

    fn answer(&mut self, hop: Hop<'_>) -> Result<Received> {
        let (method, url) = (hop.prepared.method.as_str(), hop.prepared.url.as_str());
        let body = hop.prepared.body.as_ref().map(|b| b.data.clone());
        self.seen.push(Seen { method: method.to_owned(), url: url.to_owned(), headers: hop.prepared.headers.clone(), body });
        let replies = self.routes.iter_mut().find(|(m, u, _)| m == method && u == url).map(|(_, _, r)| r);
        let reply = match replies {
            Some(replies) if replies.len() > 1 => replies.pop_front(),
            Some(replies) => replies.front().cloned(),
            None => None,
        };
        match reply {
            Some(Reply::Response { status, headers, body }) => Ok(Received {
                status,
                headers: headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect::<HeaderLines>(),
                body,
                http_version: "HTTP/1.1",
                ..Received::default()
            }),
            Some(Reply::Failure(code)) => Err(Error::new(code, "the table says so")),
            None => Err(Error::new(Code::SESSION_E_CONNECT, format!("no route for {method} {url}"))),
        }
    }
}

/// A borrowed table, as the drivers' tests lend it.
impl Exchanger for std::cell::RefMut<'_, Table> {
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received> {
        self.answer(hop)
    }
    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()> {
        Table::start(self, hop, token)
    }
    fn poll(&mut self, done: &mut Outcomes) -> Result<()> {
        Table::poll(self, done)
    }
    fn wait(&mut self, extra: Option<RawFd>, max: Duration) -> Result<()> {
        Table::wait(self, extra, max)
    }
    fn abandon(&mut self, token: usize) {
        Table::abandon(self, token)
    }
    fn window(&self, max: usize) -> usize {
        Table::window(self, max)
    }
}

impl Exchanger for Table {
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received> {
        self.answer(hop)
    }

    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()> {
        let outcome = self.answer(hop);
        self.started.push((token, outcome));
        Ok(())
    }

    fn poll(&mut self, done: &mut Outcomes) -> Result<()> {
        done.append(&mut self.started);
        Ok(())
    }

    fn wait(&mut self, _extra: Option<RawFd>, _max: Duration) -> Result<()> {
        Ok(())
    }

    fn abandon(&mut self, token: usize) {
        self.started.retain(|(t, _)| *t != token);
    }

    fn window(&self, max: usize) -> usize {
        max
    }
}
