//! Record and replay (session_set_replay): a cassette is a HAR file. PLAYBACK answers hops
//! from it and never sends; RECORD sends and appends every exchange; AUTO answers what it
//! holds and records what it does not. The session's own logic (redirects, the jar,
//! retries, hooks, limits) runs above it, on the recorded responses, as it does live.

use crate::error::{Code, Error, Result};
use crate::exchange::Hop;
use crate::har::parse::{match_url, parse, Recorded, Reply};
use crate::har::Writer;
use crate::received::{HeaderLines, Received};
use std::path::Path;
use std::sync::Mutex;

/// session_replay_mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Record,
    Playback,
    Auto,
}

impl Mode {
    pub fn from_raw(raw: i64) -> Option<Mode> {
        [Mode::Off, Mode::Record, Mode::Playback, Mode::Auto].get(usize::try_from(raw).ok()?).copied()
    }
}

/// The recorded exchanges and which of them were used.
struct Tape {
    entries: Vec<Recorded>,
    /// How many times each entry answered.
    used: Vec<u32>,
}

pub struct Cassette {
    pub mode: Mode,
    tape: Mutex<Tape>,
    /// Where recorded exchanges go (RECORD and AUTO).
    pub writer: Option<Writer>,
}

impl Cassette {
    /// Opens `path` for `mode` (not Off). PLAYBACK and AUTO read it whole first (AUTO: when
    /// it exists); a file that does not parse is refused and nothing changes. RECORD starts
    /// the file anew; AUTO rewrites it with its entries and appends new ones.
    pub fn open(path: &Path, mode: Mode) -> Result<Cassette> {
        let entries = match mode {
            Mode::Record | Mode::Off => Vec::new(),
            Mode::Auto if !path.exists() => Vec::new(),
            Mode::Playback | Mode::Auto => {
                let data = std::fs::read(path).map_err(|e| Error::new(Code::SESSION_E_IO, format!("{}: {e}", path.display())))?;
                parse(&data)?
            }
        };
        let writer = match mode {
            Mode::Record | Mode::Auto => {
                let existing: Vec<String> = entries.iter().map(|e| e.raw.clone()).collect();
                Some(Writer::create(path, &existing)?)
            }
            _ => None,
        };
        let used = vec![0; entries.len()];
        Ok(Cassette { mode, tape: Mutex::new(Tape { entries, used }), writer })
    }

    /// The recorded answer to `hop`, when PLAYBACK or AUTO holds one: the first unused
    /// matching entry in file order, else the last matching one again. PLAYBACK with no
    /// match is SESSION_E_NOT_RECORDED; None means "send it" (AUTO, RECORD).
    pub fn answer(&self, hop: &Hop<'_>) -> Option<Result<Received>> {
        if self.mode == Mode::Record {
            return None;
        }
        let prepared = hop.prepared;
        let rules = &*hop.settings.replay_match;
        let url = match_url(prepared.url.as_str()).unwrap_or_else(|| prepared.url.to_string());
        let url = without_params(&url, &rules.ignore_params);
        let body: &[u8] = prepared.body.as_ref().map_or(&[], |b| &b.data);
        let mut tape = self.tape.lock().unwrap_or_else(|e| e.into_inner());
        let Tape { entries, used } = &mut *tape;
        let matching = || {
            entries.iter().enumerate().filter(|(_, e)| {
                e.method.eq_ignore_ascii_case(prepared.method.as_str())
                    && without_params(&e.url, &rules.ignore_params) == url
                    && e.body == body
                    && headers_match(rules, &e.request_headers, prepared)
            })
        };
        let pick = matching().find(|(i, _)| used[*i] == 0).or_else(|| matching().last()).map(|(i, _)| i);
        let Some(at) = pick else {
            return match self.mode {
                Mode::Playback => Some(Err(Error::new(Code::SESSION_E_NOT_RECORDED, format!("no recorded exchange for {} {}", prepared.method.as_str(), prepared.url)))),
                _ => None,
            };
        };
        used[at] += 1;
        let outcome = match &entries[at].outcome {
            Ok(reply) => received(reply, hop.settings.max_body_size),
            Err((code, message)) => Err(Error::new(*code, message.clone())),
        };
        drop(tape);
        Some(outcome.and_then(|received| deliver(hop, received)))
    }

    /// Adds an exchange made for real (RECORD, AUTO) to the file; AUTO answers it from
    /// now on too (as already used once).
    pub fn record(&self, entry: &serde_json::Value) {
        let Some(writer) = &self.writer else { return };
        writer.append(&entry.to_string());
        if self.mode == Mode::Auto {
            let mut tape = self.tape.lock().unwrap_or_else(|e| e.into_inner());
            if let Ok(recorded) = crate::har::parse::one(tape.entries.len(), entry) {
                tape.entries.push(recorded);
                tape.used.push(1);
            }
        }
    }
}

/// A recorded body goes where the request asked, as it would live: to its write callback or
/// output file (not for a redirect the request follows, whose body stays in memory).
pub fn deliver(hop: &Hop<'_>, mut received: Received) -> Result<Received> {
    use crate::transfer::Destination;
    let transfer = &hop.prepared.transfer;
    if transfer.follows_redirects && received.redirect_location().is_some() {
        return Ok(received);
    }
    match &transfer.destination {
        Destination::Memory | Destination::Events(..) => {}
        Destination::Callback(callback) => {
            let body = std::mem::take(&mut received.body);
            if !body.is_empty() && !callback.call(hop.settings.transfer.session_id, &body) {
                return Err(Error::new(Code::SESSION_E_CANCELLED, "the write callback cancelled the transfer"));
            }
        }
        Destination::File(path) => {
            let body = std::mem::take(&mut received.body);
            std::fs::write(path, &body).map_err(|e| Error::new(Code::SESSION_E_IO, format!("cannot write the output file {}: {e}", path.display())))?;
        }
    }
    Ok(received)
}

/// `url` without the query parameters named in `ignore` (unchanged when there are none).
fn without_params<'a>(url: &'a str, ignore: &[String]) -> std::borrow::Cow<'a, str> {
    if ignore.is_empty() || !url.contains('?') {
        return std::borrow::Cow::Borrowed(url);
    }
    let Ok(mut parsed) = url::Url::parse(url) else { return std::borrow::Cow::Borrowed(url) };
    let kept: Vec<(String, String)> = parsed.query_pairs().into_owned().filter(|(n, _)| !ignore.iter().any(|i| i.eq_ignore_ascii_case(n))).collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    std::borrow::Cow::Owned(parsed.to_string())
}

/// Whether the request headers the rules compare are equal (absent on both sides counts as
/// equal). Names redacted in cassettes and Host (added by the writer) are never compared.
fn headers_match(rules: &crate::settings::ReplayMatch, recorded: &[(String, String)], prepared: &crate::prepare::Prepared) -> bool {
    if rules.headers.is_empty() && !rules.all_headers {
        return true;
    }
    let never = |name: &str| ["authorization", "proxy-authorization", "cookie", "host"].iter().any(|n| name.eq_ignore_ascii_case(n));
    let compared = |name: &str| {
        !never(name)
            && !rules.ignore_headers.iter().any(|i| i.eq_ignore_ascii_case(name))
            && (rules.all_headers || rules.headers.iter().any(|h| h.eq_ignore_ascii_case(name)))
    };
    let live = |name: &str| prepared.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| v);
    let taped = |name: &str| recorded.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let names = recorded.iter().map(|(n, _)| n.as_str()).chain(prepared.headers.iter().filter(|(_, v)| v.is_some()).map(|(n, _)| n));
    names.filter(|n| compared(n)).all(|n| live(n) == taped(n))
}

/// A recorded reply as the transport would have received it; a body over the session's
/// body limit fails as it would live.
fn received(reply: &Reply, max_body: usize) -> Result<Received> {
    if max_body != 0 && reply.body.len() > max_body {
        return Err(Error::new(Code::SESSION_E_TOO_LARGE, format!("response body exceeds {max_body} bytes")));
    }
    let headers: HeaderLines = reply.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let content_length = reply.headers.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.trim().parse().ok());
    let encoded = reply.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    Ok(Received {
        status: reply.status,
        reason: reply.reason.as_bytes().to_vec(),
        headers,
        body: reply.body.clone(),
        http_version: reply.http_version,
        content_length,
        encoded,
        ..Received::default()
    })
}
