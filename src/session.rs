//! The session: settings, cookie jar and connection pool shared by every request on it.

use crate::cookies::Jar;
use crate::error::Result;
use crate::hsts::Hsts;
use crate::settings::Settings;
use crate::transport::Pool;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Opaque session handle (requests.Session). Safe to share between threads.
#[derive(Default)]
pub struct Session {
    settings: RwLock<Arc<Settings>>,
    jar: Mutex<Jar>,
    /// Whether the jar may hold cookies, kept by every JarGuard: a request to a session
    /// without cookies skips the jar's lock (one less shared lock per request).
    jar_in_use: AtomicBool,
    hsts: Mutex<Hsts>,
    /// Whether the HSTS table may hold entries, kept by every HstsGuard: a request on a
    /// session that knows no HSTS host costs one load of it.
    hsts_in_use: AtomicBool,
    pub(crate) pool: Pool,
    /// The exchange layers switched on (HAR log, replay), around every lane.
    pub(crate) wire: crate::wire::Layers,
}

impl Session {
    pub fn new() -> Session {
        curl::init();
        Session::default()
    }

    /// A snapshot of the settings; a request keeps the one it started with.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the settings; on error nothing changes.
    pub fn update(&self, change: impl FnOnce(&mut Settings) -> Result<()>) -> Result<()> {
        crate::reentry::check(self.settings().transfer.session_id)?;
        let mut guard = self.settings.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Settings::clone(&guard);
        change(&mut next)?;
        if next.resolve != guard.resolve || next.net.connect != guard.net.connect {
            // Pooled connections were made to the old addresses, or under settings
            // libcurl's connection matching does not tell apart (net::ConnectSettings).
            self.pool.invalidate();
        }
        *guard = Arc::new(next);
        Ok(())
    }

    /// The jar, locked; the lock is released when the guard is dropped.
    pub fn jar(&self) -> JarGuard<'_> {
        JarGuard { jar: self.jar.lock().unwrap_or_else(|e| e.into_inner()), in_use: &self.jar_in_use }
    }

    /// The HSTS table, locked.
    pub fn hsts(&self) -> HstsGuard<'_> {
        HstsGuard { table: self.hsts.lock().unwrap_or_else(|e| e.into_inner()), in_use: &self.hsts_in_use }
    }

    /// False only when the HSTS table held no entry the last time it was unlocked.
    pub fn hsts_in_use(&self) -> bool {
        self.hsts_in_use.load(Ordering::Acquire)
    }

    /// False only when the jar held no cookie the last time it was unlocked.
    pub fn jar_in_use(&self) -> bool {
        self.jar_in_use.load(Ordering::Acquire)
    }
}

/// The session's jar, locked. When dropped it records whether the jar holds cookies.
pub struct JarGuard<'s> {
    jar: MutexGuard<'s, Jar>,
    in_use: &'s AtomicBool,
}

impl Deref for JarGuard<'_> {
    type Target = Jar;
    fn deref(&self) -> &Jar {
        &self.jar
    }
}

impl DerefMut for JarGuard<'_> {
    fn deref_mut(&mut self) -> &mut Jar {
        &mut self.jar
    }
}

impl Drop for JarGuard<'_> {
    fn drop(&mut self) {
        // Stored while the lock is still held, so it never lags behind the jar.
        self.in_use.store(!self.jar.is_empty(), Ordering::Release);
    }
}

/// The session's HSTS table, locked. When dropped it records whether the table has entries.
pub struct HstsGuard<'s> {
    table: MutexGuard<'s, Hsts>,
    in_use: &'s AtomicBool,
}

impl Deref for HstsGuard<'_> {
    type Target = Hsts;
    fn deref(&self) -> &Hsts {
        &self.table
    }
}

impl DerefMut for HstsGuard<'_> {
    fn deref_mut(&mut self) -> &mut Hsts {
        &mut self.table
    }
}

impl Drop for HstsGuard<'_> {
    fn drop(&mut self) {
        self.in_use.store(!self.table.is_empty(), Ordering::Release);
    }
}
