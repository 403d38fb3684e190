//! An ordered, case-insensitive header map whose entries may be "removed" markers,
//! as requests' merge_setting does with None values.

use crate::error::{Error, Result};
use crate::util::check_field_value;
use std::sync::Arc;

/// Names and values are shared (Arc), and so is the list itself, copied on write: a
/// request without headers of its own is prepared with the session's list as it is, and
/// the transport keeps the list it applied, without copying anything.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    /// None while empty (so that an empty map allocates nothing).
    entries: Option<Arc<Vec<Entry>>>,
}

type Entry = (Arc<str>, Option<Arc<str>>);

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        match (&self.entries, &other.entries) {
            (Some(a), Some(b)) if Arc::ptr_eq(a, b) => true,
            _ => self.list() == other.list(),
        }
    }
}

impl Eq for Headers {}

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
    fn list(&self) -> &[Entry] {
        self.entries.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The entries to change, copied first when shared.
    fn list_mut(&mut self) -> &mut Vec<Entry> {
        Arc::make_mut(self.entries.get_or_insert_with(Default::default))
    }

    /// Sets `name` (replacing any entry of that name); `None` marks it removed.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(Arc::from);
        let entries = self.list_mut();
        match entries.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(entry) => entry.1 = value,
            None => entries.push((Arc::from(name), value)),
        }
    }

    /// Drops the entry of `name` entirely (neither set nor removed).
    pub fn forget(&mut self, name: &str) {
        if self.contains(name) {
            self.list_mut().retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        }
    }

    /// The entry of `name`: None if absent, Some(None) if marked removed.
    pub fn entry(&self, name: &str) -> Option<Option<&str>> {
        self.list()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.list().iter().map(|(n, v)| (&**n, v.as_deref()))
    }

    /// `defaults` overlaid with `self`: own entries win, removed markers stay (so the
    /// transport can suppress its own defaults), in defaults' order then own order.
    pub fn merged_over(&self, defaults: &Headers) -> Headers {
        if self.entries.is_none() {
            return defaults.clone(); // shares the list
        }
        if defaults.entries.is_none() {
            return self.clone();
        }
        let mut merged = Vec::with_capacity(defaults.list().len() + self.list().len());
        merged.extend_from_slice(defaults.list());
        for (name, value) in self.list() {
            match merged.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some(entry) => entry.1 = value.clone(),
                None => merged.push((name.clone(), value.clone())),
            }
        }
        Headers { entries: Some(Arc::new(merged)) }
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
        assert_eq!(Headers::default().merged_over(&session), session);
    }

    #[test]
    fn shared_lists_are_copied_on_write() {
        let mut session = Headers::default();
        session.set("Accept", Some("a/b"));
        let mut hop = Headers::default().merged_over(&session);
        hop.forget("Cookie"); // absent: nothing copied
        assert!(Arc::ptr_eq(session.entries.as_ref().unwrap(), hop.entries.as_ref().unwrap()));
        hop.set("Cookie", Some("a=1"));
        assert_eq!(session.entry("Cookie"), None);
        assert_eq!(hop.entry("cookie"), Some(Some("a=1")));
        hop.forget("Cookie");
        assert_eq!(hop, session);
        hop.forget("Accept");
        assert_eq!(hop.iter().count(), 0);
        assert_eq!(hop, Headers::default());
        assert_eq!(session.entry("accept"), Some(Some("a/b")));
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
