//! Redaction of credentials in wire traces: the values of Authorization,
//! Proxy-Authorization, Cookie and Set-Cookie, in HTTP/1 header lines ("Name: value") and
//! in libcurl's HTTP/2 and HTTP/3 header traces ("[HTTP/2] [1] [name: value]").

const SECRET: [&[u8]; 4] = [
    b"authorization",
    b"proxy-authorization",
    b"cookie",
    b"set-cookie",
];
const MASK: &[u8] = b"[redacted]";

/// `data` with every secret header value replaced by "[redacted]".
#[cfg(test)]
pub fn redact(data: &[u8]) -> Vec<u8> {
    redact_with(data, &[])
}

/// `redact`, with the values of the headers named in `extra` (the session's sensitive
/// headers) redacted too.
pub fn redact_with(data: &[u8], extra: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for line in data.split_inclusive(|&b| b == b'\n') {
        redact_line(line, extra, &mut out);
    }
    out
}

fn redact_line(line: &[u8], extra: &[String], out: &mut Vec<u8>) {
    // A header name starts the line or follows the last '[' before its colon.
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return out.extend_from_slice(line);
    };
    let start = line[..colon]
        .iter()
        .rposition(|&b| b == b'[')
        .map_or(0, |i| i + 1);
    let name = line[start..colon].trim_ascii();
    let secret = SECRET.iter().any(|secret| name.eq_ignore_ascii_case(secret))
        || extra.iter().any(|secret| name.eq_ignore_ascii_case(secret.as_bytes()));
    if !secret {
        return out.extend_from_slice(line);
    }
    // The value runs to the line end, or to the closing ']' of a bracketed trace.
    let end_of_line = line
        .iter()
        .rposition(|&b| b != b'\n' && b != b'\r')
        .map_or(0, |i| i + 1);
    let end = if start > 0 {
        line[..end_of_line]
            .iter()
            .rposition(|&b| b == b']')
            .unwrap_or(end_of_line)
    } else {
        end_of_line
    };
    let end = end.max(colon + 1);
    out.extend_from_slice(&line[..=colon]);
    out.push(b' ');
    out.extend_from_slice(MASK);
    out.extend_from_slice(&line[end..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_h1_and_h2_traces() {
        let head = b"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjpwYXNz\r\ncookie: a=1; b=2\r\nX-Cookie: keep\r\n\r\n";
        let out = String::from_utf8(redact(head)).unwrap();
        assert_eq!(
            out,
            "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: [redacted]\r\ncookie: [redacted]\r\nX-Cookie: keep\r\n\r\n"
        );
        let h2 = b"[HTTP/2] [1] [authorization: Bearer t0k]\n";
        assert_eq!(redact(h2), b"[HTTP/2] [1] [authorization: [redacted]]\n");
        assert_eq!(
            redact(b"Set-Cookie: s=1; Path=/\r\n"),
            b"Set-Cookie: [redacted]\r\n"
        );
        assert_eq!(
            redact(b"Proxy-Authorization:x"),
            b"Proxy-Authorization: [redacted]"
        );
        let extra = ["x-api-key".to_owned()];
        assert_eq!(redact_with(b"X-Api-Key: k1\r\nX-Other: o\r\n", &extra), b"X-Api-Key: [redacted]\r\nX-Other: o\r\n");
        assert_eq!(redact_with(b"[HTTP/2] [1] [x-api-key: k1]\n", &extra), b"[HTTP/2] [1] [x-api-key: [redacted]]\n");
        assert_eq!(
            redact(b"Connected to 127.0.0.1:80\n"),
            b"Connected to 127.0.0.1:80\n"
        );
    }
}
