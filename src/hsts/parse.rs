//! The Strict-Transport-Security header (RFC 6797 section 6.1):
//! `directive *( ";" OWS [ directive ] )`, a directive is `name [ "=" value ]`, the value a
//! token or a quoted-string. Names are case-insensitive; a repeated directive, a missing or
//! malformed max-age, or a value on includeSubDomains makes the whole header invalid.
//! Unknown directives are ignored.

/// A valid header's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directive {
    pub max_age: u64,
    pub include_subdomains: bool,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i + 1);
    &s[start..end.max(start)]
}

/// Splits at ';' outside quoted-strings; None when a quote is left open.
fn split_directives(value: &[u8]) -> Option<Vec<&[u8]>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, &b) in value.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == b';' && !quoted {
            parts.push(&value[start..i]);
            start = i + 1;
        }
    }
    if quoted {
        return None;
    }
    parts.push(&value[start..]);
    Some(parts)
}

/// A directive's value: a token, or a quoted-string unquoted.
fn unquote(raw: &[u8]) -> Option<Vec<u8>> {
    if let Some(inner) = raw.strip_prefix(b"\"") {
        let inner = inner.strip_suffix(b"\"")?;
        let mut out = Vec::with_capacity(inner.len());
        let mut bytes = inner.iter();
        while let Some(&b) = bytes.next() {
            match b {
                b'\\' => out.push(*bytes.next()?),
                b'"' => return None,
                b if b < 0x20 && b != b'\t' || b == 0x7f => return None,
                b => out.push(b),
            }
        }
        return Some(out);
    }
    (!raw.is_empty() && raw.iter().all(|&b| is_tchar(b))).then(|| raw.to_vec())
}

/// The header's directives, or None when the header is invalid (then it is ignored).
pub fn parse_header(value: &[u8]) -> Option<Directive> {
    let mut max_age: Option<u64> = None;
    let mut include_subdomains = false;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for part in split_directives(value)? {
        let part = trim_ows(part);
        if part.is_empty() {
            continue;
        }
        let (name, raw_value) = match part.iter().position(|&b| b == b'=') {
            Some(eq) => (trim_ows(&part[..eq]), Some(trim_ows(&part[eq + 1..]))),
            None => (part, None),
        };
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return None; // RFC 6797 6.1 rule 2: each directive at most once
        }
        let value = match raw_value {
            Some(raw) => Some(unquote(raw)?),
            None => None,
        };
        match lower.as_slice() {
            b"max-age" => {
                let digits = value?;
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                // Saturates: a huge max-age means "for as long as can be said".
                let n = digits.iter().fold(0u64, |n, &d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
                max_age = Some(n);
            }
            b"includesubdomains" => {
                if value.is_some() {
                    return None;
                }
                include_subdomains = true;
            }
            _ => {} // unknown directives are ignored (6.1 rule 4)
        }
        seen.push(lower);
    }
    Some(Directive { max_age: max_age?, include_subdomains })
}
