//! The Flow's HSTS and https-only rules, per hop (docs/state.md): an http URL of a known
//! HSTS host becomes https before the hop's cookies and credentials are chosen, a hop to a
//! known host is always verified, Strict-Transport-Security is taken from verified https
//! responses, and with https-only no plain http hop is sent.

use super::Flow;
use crate::error::{Code, Error, Result};
use crate::received::Received;
use crate::session::Session;
use crate::settings::Settings;
use crate::transfer::callbacks::session_debug_kind;
use std::sync::Arc;
use url::Url;

/// Upgrades `url` when its host is a known HSTS host, saying so in the debug trace.
pub(crate) fn upgrade(session: &Session, settings: &Settings, url: &mut Url) -> bool {
    if url.scheme() != "http" || !settings.hsts || !session.hsts_in_use() {
        return false;
    }
    let from = url.to_string();
    if !session.hsts().upgrade(url) {
        return false;
    }
    if let Some(debug) = &settings.transfer.debug {
        let line = format!("HSTS: upgraded {from} to {url} (known HTTPS-only host)\n");
        debug.call(settings.transfer.session_id, session_debug_kind::SESSION_DEBUG_TEXT, line.as_bytes());
    }
    true
}

impl Flow {
    /// The HSTS part of `begin_hop`, when HSTS is on and the session knows HSTS hosts.
    #[cold]
    pub(super) fn apply_hsts(&mut self, session: &Session) {
        if self.hop.url.scheme() == "http" {
            let mut url = Url::clone(&self.hop.url);
            if upgrade(session, &self.settings, &mut url) {
                self.hop.url = url.into();
            }
        }
        // A known host is never reached unverified: session_set_verify(false) does not apply.
        if !self.settings.verify && self.hop.url.scheme() == "https" && session.hsts().covers(&self.hop.url) {
            let strict = self.strict.get_or_insert_with(|| {
                let mut verified = Settings::clone(&self.settings);
                verified.verify = true;
                Arc::new(verified)
            });
            self.strict_hop = Some(strict.clone());
        }
    }

    /// With https-only on, a plain http hop fails before anything is sent.
    pub(super) fn check_https_only(&self) -> Result<()> {
        if self.settings.https_only && self.hop.url.scheme() == "http" {
            return Err(Error::invalid_url(format!("https-only session: refusing to send plain http to {}", self.hop.url)));
        }
        Ok(())
    }

    /// The hop's outcome as the HSTS rules see it: Strict-Transport-Security from a
    /// verified https response goes into the table; a TLS failure on a known host says why
    /// it could not be bypassed.
    pub(super) fn observe_hsts(&self, session: &Session, result: &mut Result<Received>) {
        let verified = self.settings.verify || self.strict_hop.is_some();
        match result {
            Ok(received) if self.settings.hsts && verified && self.hop.url.scheme() == "https" => {
                // RFC 6797 8.1: only the first header field counts.
                if let Some(value) = received.header_values("Strict-Transport-Security").next() {
                    session.hsts().observe(&self.hop.url, value);
                }
            }
            Err(err) if err.code == Code::SESSION_E_TLS && self.strict_hop.is_some() => {
                err.message.push_str(&format!(
                    " ({} is a known HSTS host: its certificate is always verified, session_set_verify(false) does not apply; RFC 6797 12.1)",
                    self.hop.url.host_str().unwrap_or("")
                ));
            }
            _ => {}
        }
    }
}
