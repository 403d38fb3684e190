//! The jar's caps: expiry, and least-recently-used eviction per domain and in total.

use super::{key_of, Jar, Key};
use std::collections::HashMap;

impl Jar {
    pub(super) fn remove(&mut self, key: &Key) {
        self.store.remove(&key.0, &key.1, &key.2);
        self.meta.remove(key);
    }

    pub(super) fn purge_expired(&mut self) {
        let expired: Vec<Key> = self.store.iter_any().filter(|c| c.is_expired()).map(key_of).collect();
        for key in &expired {
            self.remove(key);
        }
    }

    /// Evicts least-recently-used cookies until the caps hold; `keep` is never evicted.
    pub(super) fn enforce_caps(&mut self, keep: Option<&Key>) {
        if self.meta.len() <= self.per_domain.min(self.total) {
            return;
        }
        self.purge_expired();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for meta in self.meta.values() {
            *counts.entry(&meta.group).or_default() += 1;
        }
        let over: Vec<String> = counts.into_iter().filter(|(_, n)| *n > self.per_domain).map(|(g, _)| g.to_owned()).collect();
        for group in over {
            while self.meta.values().filter(|m| m.group == group).count() > self.per_domain {
                if !self.evict_lru(keep, Some(&group)) {
                    break;
                }
            }
        }
        while self.meta.len() > self.total {
            if !self.evict_lru(keep, None) {
                break;
            }
        }
    }

    pub(super) fn evict_lru(&mut self, keep: Option<&Key>, group: Option<&str>) -> bool {
        let victim = self
            .meta
            .iter()
            .filter(|(k, m)| Some(*k) != keep && group.is_none_or(|g| m.group == g))
            .min_by_key(|(_, m)| m.used)
            .map(|(k, _)| k.clone());
        match victim {
            Some(key) => {
                self.remove(&key);
                true
            }
            None => false,
        }
    }

    /// Changes the caps (0 keeps a cap as it is) and evicts down to them at once.
    pub fn set_limits(&mut self, per_domain: usize, total: usize) {
        if per_domain > 0 {
            self.per_domain = per_domain;
        }
        if total > 0 {
            self.total = total;
        }
        self.enforce_caps(None);
    }

    pub fn limits(&self) -> (usize, usize) {
        (self.per_domain, self.total)
    }
}
