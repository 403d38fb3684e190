//! How a hop's connection is made, as libcurl options: pins, local address and port, IP
//! family, happy eyeballs and DoH (session-wide), the Unix socket and bandwidth caps (per
//! hop). Connections made under other values are never reused: libcurl tells the socket
//! path and the pins apart itself; a change of the session-wide ones closes the pool
//! (net::ConnectSettings).

use super::{setopt_long, setopt_str};
use crate::net::{ConnectSettings, IpResolve};
use crate::prepare::Prepared;
use crate::settings::Settings;
use crate::transport::collector::Collector;
use crate::util::changed;
use curl::easy::Easy2;
use std::ffi::c_long;

const CURLOPT_PROXY_PINNEDPUBLICKEY: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_OBJECTPOINT + 263;
const CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 271;
/// libcurl's default (CURL_HET_DEFAULT).
const HAPPY_EYEBALLS_DEFAULT_MS: c_long = 200;

/// The session-wide options, set when the handle applies a new settings snapshot.
pub fn configure_session(h: &mut Easy2<Collector>, settings: &Settings) -> std::result::Result<(), curl::Error> {
    use curl_sys::*;
    let c: &ConnectSettings = &settings.net.connect;
    setopt_str(h, CURLOPT_PINNEDPUBLICKEY, c.pin.as_deref())?;
    setopt_str(h, CURLOPT_PROXY_PINNEDPUBLICKEY, c.pin.as_deref())?;
    setopt_str(h, CURLOPT_INTERFACE, c.interface.as_deref())?;
    let (port, range) = c.local_ports.unwrap_or((0, 1));
    setopt_long(h, CURLOPT_LOCALPORT, c_long::from(port))?;
    setopt_long(h, CURLOPT_LOCALPORTRANGE, c_long::from(range))?;
    let family = match c.ip_resolve {
        IpResolve::Any => CURL_IPRESOLVE_WHATEVER,
        IpResolve::V4 => CURL_IPRESOLVE_V4,
        IpResolve::V6 => CURL_IPRESOLVE_V6,
    };
    setopt_long(h, CURLOPT_IPRESOLVE, c_long::from(family))?;
    setopt_long(h, CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS, c.happy_eyeballs_ms.map_or(HAPPY_EYEBALLS_DEFAULT_MS, c_long::from))?;
    setopt_str(h, CURLOPT_DOH_URL, c.doh_url.as_deref())?;
    // DoH lookups are verified as the session's requests are (libcurl gives them the
    // handle's CA file and directory).
    setopt_long(h, CURLOPT_DOH_SSL_VERIFYPEER, c_long::from(settings.verify))?;
    setopt_long(h, CURLOPT_DOH_SSL_VERIFYHOST, if settings.verify { 2 } else { 0 })?;
    Ok(())
}

/// The per-hop options, set when they differ from the handle's last hop.
pub fn configure_hop(h: &mut Easy2<Collector>, hop: &Prepared) -> std::result::Result<(), curl::Error> {
    use curl_sys::*;
    let net = &hop.net;
    let applied = &mut h.get_mut().applied;
    if applied.unix_socket.as_ref().map(Option::as_deref) != Some(net.unix_socket.as_deref()) {
        applied.unix_socket = Some(net.unix_socket.clone());
        setopt_str(h, CURLOPT_UNIX_SOCKET_PATH, net.unix_socket.as_deref())?;
    }
    if changed(&mut h.get_mut().applied.max_speed, net.max_speed) {
        let off_t = |v: u64| curl_off_t::try_from(v).unwrap_or(curl_off_t::MAX);
        // SAFETY: the handle is live; both options take a curl_off_t.
        super::check(unsafe { curl_easy_setopt(h.raw(), CURLOPT_MAX_RECV_SPEED_LARGE, off_t(net.max_speed.0)) })?;
        super::check(unsafe { curl_easy_setopt(h.raw(), CURLOPT_MAX_SEND_SPEED_LARGE, off_t(net.max_speed.1)) })?;
    }
    Ok(())
}
