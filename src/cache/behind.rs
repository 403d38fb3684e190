//! stale-while-revalidate (RFC 5861 3): the revalidation behind a stale answer runs on a
//! thread of its own, on a lane of its own, with none of the caller's callbacks.

use super::{Background, Cache};
use crate::exchange::{Exchanger, Hop};
use crate::transport::{fork_epoch, Lane, Limits};
use std::sync::Arc;
use std::time::Duration;

/// How long a revalidation behind may take.
const TIMEOUT: Duration = Duration::from_secs(30);

pub fn spawn(cache: Arc<Cache>, behind: Background) {
    let key = behind.pending.key().to_owned();
    let run = {
        let (cache, key) = (cache.clone(), key.clone());
        move || {
            let Background { pending, hop, settings } = behind;
            let hop = Hop { settings: &settings, prepared: &hop, timeout: Some(TIMEOUT), redirect: 0, attempt: 0, observe: false, keep_encoded: true };
            let result = Lane::new(Limits::default(), 0, fork_epoch()).and_then(|mut lane| lane.exchange(hop));
            let _ = cache.after(pending, &hop, result);
            cache.end_revalidation(&key);
        }
    };
    if std::thread::Builder::new().name("session-cache".into()).spawn(run).is_err() {
        cache.end_revalidation(&key);
    }
}
