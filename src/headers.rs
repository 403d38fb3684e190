//! An ordered, case-insensitive header map whose entries may be "removed" markers,
//! as requests' merge_setting does with None values.

use crate::error::{Error, Result};
use crate::ffi::check_field_value;
use std::sync::Arc;

/// Names and values are shared (Arc), so that merging a request over the session's
/// defaults copies no strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Arc<str>, Option<Arc<str>>)>,
}

/// Checks a header name (an HTTP token) and value before anything is sent.
pub fn validate(name: &str, value: Option<&str>) -> Result<()> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(Error::invalid(format!("header name {name:?} is not a valid HTTP token")));
    }
    if let Some(value) = value {
        check_field_value(value, "header value")?;
    }
    Ok(())
}

impl Headers {
    /// Sets `name` (replacing any entry of that name); `None` marks it removed.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(Arc::from);
        match self.entries.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((Arc::from(name), value)),
        }
    }

    /// Drops the entry of `name` entirely (neither set nor removed).
    pub fn forget(&mut self, name: &str) {
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The entry of `name`: None if absent, Some(None) if marked removed.
    pub fn entry(&self, name: &str) -> Option<Option<&str>> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().map(|(n, v)| (&**n, v.as_deref()))
    }

    /// `defaults` overlaid with `self`: own entries win, removed markers stay (so the
    /// transport can suppress its own defaults), in defaults' order then own order.
    pub fn merged_over(&self, defaults: &Headers) -> Headers {
        let mut merged = defaults.clone();
        for (name, value) in &self.entries {
            match merged.entries.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some(entry) => entry.1 = value.clone(),
                None => merged.entries.push((name.clone(), value.clone())),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_value_wins_and_none_removes() {
        let mut session = Headers::default();
        session.set("Accept", Some("a/b"));
        session.set("X-Token", Some("1"));
        let mut request = Headers::default();
        request.set("accept", Some("c/d"));
        request.set("x-token", None);
        let merged = request.merged_over(&session);
        assert_eq!(merged.entry("ACCEPT"), Some(Some("c/d")));
        assert_eq!(merged.entry("X-Token"), Some(None));
        assert_eq!(merged.iter().count(), 2);
    }

    #[test]
    fn validation_refuses_injection() {
        assert!(validate("X-A", Some("ok value")).is_ok());
        assert!(validate("X-A", Some("a\r\nInjected: 1")).is_err());
        assert!(validate("X-A\n", Some("v")).is_err());
        assert!(validate("X A", Some("v")).is_err());
        assert!(validate("", Some("v")).is_err());
    }
}
