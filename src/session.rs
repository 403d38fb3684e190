//! The session: settings, cookie jar and connection pool shared by every request on it.

use crate::cookies::Jar;
use crate::error::Result;
use crate::settings::Settings;
use crate::transport::Pool;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Opaque session handle (requests.Session). Safe to share between threads.
#[derive(Default)]
pub struct Session {
    settings: RwLock<Arc<Settings>>,
    jar: Mutex<Jar>,
    pub(crate) pool: Pool,
    /// The async worker and completion fd (stopped first when the session is dropped).
    pub(crate) background: crate::asynchronous::Background,
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
        if next.resolve != guard.resolve {
            // Pooled connections were made to the old addresses.
            self.pool.invalidate();
        }
        *guard = Arc::new(next);
        Ok(())
    }

    pub fn jar(&self) -> MutexGuard<'_, Jar> {
        self.jar.lock().unwrap_or_else(|e| e.into_inner())
    }
}
