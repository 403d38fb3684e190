//! What one hop received, as plain data: status, head, body, timings and connection
//! facts. Produced by the exchange layers (the transport, or a layer answering in its
//! place), read by the per-request logic above them.

mod lines;

pub use lines::HeaderLines;

/// What one hop received.
#[derive(Debug, Default)]
pub struct Received {
    pub status: u32,
    pub reason: Vec<u8>,
    pub headers: HeaderLines,
    pub body: Vec<u8>,
    pub http_version: &'static str,
    /// The response's Content-Length, when it sent a valid one.
    pub content_length: Option<u64>,
    /// The response has a Content-Encoding header.
    pub encoded: bool,
    pub elapsed: f64,
    pub timings: Timings,
    /// The peer, when a layer asked for it (`Hop::observe`): boxed, so a plain hop pays one
    /// word for it.
    pub peer: Option<Box<Peer>>,
    /// A body streamed to the caller's callback or file, copied for a layer that records
    /// the hop (HAR, replay); None otherwise.
    pub streamed: Option<Vec<u8>>,
    /// The body as received, still content-encoded, when the transport decoded it and the
    /// cache asked for it (`Hop::keep_encoded`); None otherwise.
    pub raw: Option<Vec<u8>>,
}

/// Whom a hop talked to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Peer {
    /// The IP address connected to (CURLINFO_PRIMARY_IP); empty when unknown.
    pub ip: String,
    /// libcurl's id of the connection used (CURLINFO_CONN_ID), -1 when unknown.
    pub connection: i64,
}

impl Received {
    /// Values of every header called `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers.values(name)
    }

    /// Where this response redirects to, when it is a redirect (301, 302, 303, 307, 308)
    /// with a Location that is not blank: the one place that decides whether a response
    /// redirects (requests returns a 3xx without a usable Location as it is).
    pub fn redirect_location(&self) -> Option<&[u8]> {
        if !is_redirect(self.status) {
            return None;
        }
        self.header_values("Location").next().filter(|l| !l.trim_ascii().is_empty())
    }
}

/// Statuses that redirect when they carry a Location.
pub fn is_redirect(status: u32) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Timings of one hop, in seconds from the start of its request, as libcurl measures them,
/// and whether it went over a reused connection (given to C as session_timings).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Until the host name was resolved (0 when the connection was reused).
    pub dns: f64,
    /// Until the TCP connection was made (0 when the connection was reused).
    pub connect: f64,
    /// Until the TLS handshake was done (0 for http:// and when the connection was reused).
    pub tls: f64,
    /// Until the first response byte arrived.
    pub first_byte: f64,
    /// Until the end of the body.
    pub total: f64,
    /// True when the request went over a connection kept from an earlier one.
    pub reused: bool,
    /// How the session's HTTP cache answered the hop.
    pub cache: CacheStatus,
}

/// How the HTTP cache answered one hop (session_cache_status).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheStatus {
    /// The cache is off or the request bypassed it.
    #[default]
    None = 0,
    /// Nothing stored answered: the response came from the network.
    Miss = 1,
    /// A stored response answered without the network.
    Hit = 2,
    /// A 304 answered a conditional request: the stored response, its headers updated.
    Revalidated = 3,
    /// A stale stored response (stale-if-error, stale-while-revalidate, forced).
    Stale = 4,
}
