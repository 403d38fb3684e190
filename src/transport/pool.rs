//! The session's idle easy handles.

use super::options::{setopt_str, CURLOPT_PROTOCOLS_STR};
use super::{classify, configure, finish, Collector, Exchange};
use crate::error::{from_curl, Result};
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::Easy2;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Idle easy handles, most recently used last. Handles keep their options between requests:
/// `configure` sets every option a request uses, so no curl_easy_reset is needed.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<Easy2<Collector>>>,
    /// Bumped when pooled connections must not be reused (e.g. a resolve override changed,
    /// which libcurl's connection reuse by host name would not notice).
    generation: AtomicU64,
}

impl Pool {
    fn checkout(&self) -> Result<Easy2<Collector>> {
        if let Some(handle) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(handle);
        }
        let mut handle = Easy2::new(Collector::default());
        setopt_str(&handle, CURLOPT_PROTOCOLS_STR, Some(c"http,https")).map_err(|e| from_curl(&e))?;
        handle.get_mut().generation = self.generation.load(Ordering::Acquire);
        Ok(handle)
    }

    fn checkin(&self, handle: Easy2<Collector>) {
        if handle.get_ref().generation == self.generation.load(Ordering::Acquire) {
            self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
        }
    }

    /// Closes idle connections and keeps in-flight handles from returning to the pool.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Performs one hop (no redirect following) with the given total timeout.
    pub fn perform(&self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> Result<Exchange> {
        let mut handle = self.checkout()?;
        let collector = handle.get_mut();
        collector.exchange = Exchange::default();
        collector.max_body = settings.max_body_size;
        collector.too_large = false;
        let result = configure(&mut handle, settings, hop, timeout)
            .map_err(|e| from_curl(&e))
            .and_then(|()| handle.perform().map_err(|e| classify(&handle, &e)))
            .and_then(|()| finish(&mut handle));
        self.checkin(handle);
        result
    }
}

