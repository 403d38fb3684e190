//! Network settings as plain data: auth credentials, TLS, proxies, read timeout. The
//! transport turns them into libcurl options (transport::options::network); `prepare`
//! turns a request's credentials into a hop's (prepare::credentials).

pub mod connect;
pub mod proxy;

use crate::error::{Error, Result};
use crate::util::check_no_ctl;
use std::ffi::CString;
use std::time::Duration;

pub use connect::{ConnectSettings, IpResolve};
pub use proxy::ProxySettings;

/// Default read (idle) timeout: a transfer that receives and sends nothing for this long fails.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);


/// Credentials applied to a request that carries no Authorization header of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Basic { user: String, password: String },
    Bearer(String),
    /// Sent by libcurl per hop (transport::options::network), never as a prepared header.
    Digest { user: String, password: String },
}

impl Auth {
    /// Credentials given as text (no CR, LF, NUL; no ':' in a basic user). `kind` is
    /// "basic", "bearer" (the token in `user`) or "digest"; `user` None means no auth and
    /// `password` None means "".
    pub fn from_parts(kind: &str, user: Option<&str>, password: Option<&str>) -> Result<Option<Auth>> {
        let Some(user) = user else { return Ok(None) };
        let password = password.unwrap_or("");
        check_no_ctl(user, "user")?;
        check_no_ctl(password, "password")?;
        Ok(Some(match kind {
            "basic" if user.contains(':') => return Err(Error::invalid("basic auth user contains ':'")),
            "basic" => Auth::Basic { user: user.to_owned(), password: password.to_owned() },
            "bearer" => Auth::Bearer(user.to_owned()),
            _ => Auth::Digest { user: user.to_owned(), password: password.to_owned() },
        }))
    }

    pub fn header_value(&self) -> String {
        use base64::Engine;
        match self {
            Auth::Basic { user, password } => {
                let raw = format!("{user}:{password}");
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
            }
            Auth::Bearer(token) => format!("Bearer {token}"),
            Auth::Digest { .. } => String::new(),
        }
    }
}

/// A user name and password as libcurl takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: CString,
    pub password: CString,
}

/// TLS settings beyond `verify` and `ca_bundle` (which live in Settings itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// A directory of hashed CA certificates (c_rehash); with or without a bundle.
    pub ca_dir: Option<CString>,
    pub client_cert: Option<CString>,
    pub client_key: Option<CString>,
    pub key_password: Option<CString>,
}

/// The session's network settings (Settings.net).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSettings {
    pub tls: TlsSettings,
    pub proxy: ProxySettings,
    /// Some(file) reads credentials from a netrc file (None inside: libcurl's ~/.netrc).
    pub netrc: Option<Option<CString>>,
    /// None: no idle limit.
    pub read_timeout: Option<Duration>,
    /// Pins, local address, IP family, happy eyeballs, DoH (a change closes the pool).
    pub connect: ConnectSettings,
    /// Every request's Unix domain socket, unless the request sets its own.
    pub unix_socket: Option<CString>,
    /// Bandwidth caps in bytes per second, 0 for none (receive, send).
    pub max_speed: (u64, u64),
}

impl Default for NetSettings {
    fn default() -> NetSettings {
        NetSettings {
            tls: TlsSettings::default(),
            proxy: ProxySettings::default(),
            netrc: None,
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            connect: ConnectSettings::default(),
            unix_socket: None,
            max_speed: (0, 0),
        }
    }
}

/// A request's own network overrides (Request.net).
#[derive(Debug, Clone, Default)]
pub struct RequestNet {
    /// Retries, overriding the session's policy total.
    pub retries: Option<u32>,
    /// Auth for this request, overriding the session's (not a request's own header).
    pub auth: Option<Auth>,
    /// Read timeout; Some(None) means none.
    pub read_timeout: Option<Option<Duration>>,
    /// Unix domain socket; Some(None) means none (not the session's).
    pub unix_socket: Option<Option<CString>>,
    /// Bandwidth caps (receive, send), overriding the session's; Some(0) means none.
    pub max_speed: (Option<u64>, Option<u64>),
}

/// Per-hop network state (Prepared.net), carried from hop to hop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HopNet {
    /// Digest credentials, while the hop stays on the origin they were given for.
    pub digest: Option<Credentials>,
    pub read_timeout: Option<Duration>,
    /// The Unix domain socket every hop of the request goes to (the URL's host stays the
    /// Host header's and the cookies').
    pub unix_socket: Option<CString>,
    /// Bandwidth caps in bytes per second (receive, send), 0 for none.
    pub max_speed: (u64, u64),
}

impl HopNet {
    /// After a redirect to another origin: credentials stay behind, for good.
    pub fn strip_credentials(&mut self) {
        self.digest = None;
    }
}
