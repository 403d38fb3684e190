//! Cache-Control directives (RFC 9111 5.2, RFC 5861), the ones a private cache uses.

/// The largest delta-seconds kept (RFC 9111 1.2.2: 2^31).
const MAX_DELTA: u64 = 2_147_483_648;

/// The directives of one message's Cache-Control fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directives {
    pub max_age: Option<u64>,
    pub no_store: bool,
    /// Unqualified no-cache.
    pub no_cache: bool,
    /// Fields named by a qualified no-cache="...": not stored.
    pub no_cache_fields: Vec<String>,
    pub must_revalidate: bool,
    pub public: bool,
    pub private: bool,
    /// s-maxage is present (ignored for freshness by a private cache; it still lets a
    /// response to an authorized request be stored, RFC 9111 3.5).
    pub s_maxage: bool,
    /// Request max-stale: Some(None) for any staleness.
    pub max_stale: Option<Option<u64>>,
    pub min_fresh: Option<u64>,
    pub only_if_cached: bool,
    pub must_understand: bool,
    pub stale_while_revalidate: Option<u64>,
    pub stale_if_error: Option<u64>,
}

/// Directives from every value of the Cache-Control fields of a message. Unknown
/// directives are ignored; of a repeated delta-seconds directive the first counts
/// (RFC 9111 4.2.1); an invalid value counts as 0 (stale).
pub fn parse<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Directives {
    let mut d = Directives::default();
    for value in values {
        for (name, arg) in split(value) {
            apply(&mut d, &name.to_ascii_lowercase(), arg.as_deref());
        }
    }
    d
}

fn apply(d: &mut Directives, name: &str, arg: Option<&str>) {
    let delta = || arg.map_or(0, seconds);
    let keep = |slot: &mut Option<u64>, value: u64| *slot = Some(slot.unwrap_or(value));
    match name {
        "max-age" => keep(&mut d.max_age, delta()),
        "no-store" => d.no_store = true,
        "no-cache" => match arg {
            Some(fields) if !fields.trim().is_empty() => {
                d.no_cache_fields.extend(fields.split(',').map(|f| f.trim().to_ascii_lowercase()).filter(|f| !f.is_empty()))
            }
            _ => d.no_cache = true,
        },
        "must-revalidate" => d.must_revalidate = true,
        "public" => d.public = true,
        "private" => d.private = true,
        "s-maxage" => d.s_maxage = true,
        "max-stale" => d.max_stale = Some(arg.map(seconds)),
        "min-fresh" => keep(&mut d.min_fresh, delta()),
        "only-if-cached" => d.only_if_cached = true,
        "must-understand" => d.must_understand = true,
        "stale-while-revalidate" => keep(&mut d.stale_while_revalidate, delta()),
        "stale-if-error" => keep(&mut d.stale_if_error, delta()),
        _ => {}
    }
}

/// delta-seconds: digits only, capped at 2^31; anything else is 0.
fn seconds(text: &str) -> u64 {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.parse::<u64>().map_or(MAX_DELTA, |n| n.min(MAX_DELTA))
}

/// The directives of one field value: name and argument (token or quoted-string, unquoted).
fn split(value: &[u8]) -> Vec<(String, Option<String>)> {
    let text = String::from_utf8_lossy(value);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // Skip separators, then read a name up to '=' or ','.
        while chars.next_if(|c| *c == ',' || c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != ',' && *c != '=') {
            name.push(c);
        }
        let name = name.trim().to_owned();
        let mut arg = None;
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
            let mut value = String::new();
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
                while chars.next_if(|c| *c != ',').is_some() {}
            } else {
                while let Some(c) = chars.next_if(|c| *c != ',') {
                    value.push(c);
                }
                value = value.trim().to_owned();
            }
            arg = Some(value);
        }
        if !name.is_empty() {
            out.push((name, arg));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let d = parse([&b"max-age=60, no-cache=\"Set-Cookie, X-A\", Public"[..], b"max-age=30,stale-if-error=\"5\""]);
        assert_eq!(d.max_age, Some(60), "the first of two");
        assert!(d.public && !d.no_cache);
        assert_eq!(d.no_cache_fields, ["set-cookie", "x-a"]);
        assert_eq!(d.stale_if_error, Some(5));
        assert_eq!(parse([&b"max-age=abc"[..]]).max_age, Some(0));
        assert_eq!(parse([&b"max-age=99999999999999999999"[..]]).max_age, Some(MAX_DELTA));
        assert_eq!(parse([&b"max-stale"[..]]).max_stale, Some(None));
        assert!(parse([&b"no-cache"[..]]).no_cache);
        assert_eq!(parse([&b",,, ,"[..]]), Directives::default());
    }
}
