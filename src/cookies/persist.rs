//! Cookie jar files: JSON (our own, every attribute) and the Netscape cookies.txt of curl,
//! wget and browser exporters. Writes are atomic: temp file in the same directory, fsync,
//! rename, so a crash never leaves a half-written jar.

use super::CookieRecord;
use crate::error::{Code, Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Netscape,
}

/// The JSON file: `{"libsession_cookies": 1, "cookies": [...]}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct JsonFile {
    libsession_cookies: u32,
    cookies: Vec<CookieRecord>,
}

const NETSCAPE_HEADER: &str = "# Netscape HTTP Cookie File\n# Written by libsession; the format of curl's cookie jars.\n\n";

fn malformed(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::new(Code::SESSION_E_DECODE, format!("cookie file {} is malformed: {detail}", path.display()))
}

fn io_error(path: &Path, what: &str, err: std::io::Error) -> Error {
    Error::new(Code::SESSION_E_IO, format!("cannot {what} {}: {err}", path.display()))
}

/// Parses a whole jar file; any malformed part fails the whole file.
pub fn parse_file(path: &Path, format: Format) -> Result<Vec<CookieRecord>> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, "read", e))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed(path, "not UTF-8"))?;
    match format {
        Format::Json => {
            let file: JsonFile = serde_json::from_str(text).map_err(|e| malformed(path, e))?;
            if file.libsession_cookies != 1 {
                return Err(malformed(path, format!("unknown version {}", file.libsession_cookies)));
            }
            Ok(file.cookies)
        }
        Format::Netscape => text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| parse_netscape_line(line).map_err(|e| malformed(path, format!("line {}: {e}", i + 1))).transpose())
            .collect(),
    }
}

fn flag(field: &str) -> std::result::Result<bool, String> {
    match field.to_ascii_uppercase().as_str() {
        "TRUE" => Ok(true),
        "FALSE" => Ok(false),
        _ => Err(format!("{field:?} is not TRUE or FALSE")),
    }
}

/// One cookies.txt line: domain, subdomains flag, path, secure, expires (0 = session), name,
/// value, tab-separated; `#HttpOnly_` before the domain marks HttpOnly; other `#` lines are
/// comments. A missing seventh field is an empty value, as curl reads it.
fn parse_netscape_line(line: &str) -> std::result::Result<Option<CookieRecord>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (http_only, line) = match line.strip_prefix("#HttpOnly_") {
        Some(rest) => (true, rest),
        None if line.starts_with('#') || line.trim().is_empty() => return Ok(None),
        None => (false, line),
    };
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != 7 && fields.len() != 6 {
        return Err(format!("{} tab-separated fields, expected 7", fields.len()));
    }
    let expires: i64 = fields[4].parse().map_err(|_| format!("expiry {:?} is not a number", fields[4]))?;
    let subdomains = flag(fields[1])?;
    Ok(Some(CookieRecord {
        name: fields[5].to_owned(),
        value: fields.get(6).copied().unwrap_or("").to_owned(),
        domain: fields[0].strip_prefix('.').unwrap_or(fields[0]).to_owned(),
        path: fields[2].to_owned(),
        expires: (expires != 0).then_some(expires),
        secure: flag(fields[3])?,
        http_only,
        host_only: !subdomains && !fields[0].starts_with('.'),
        created: 0,
    }))
}

fn netscape_text(records: &[CookieRecord]) -> String {
    let mut out = String::from(NETSCAPE_HEADER);
    let tf = |b: bool| if b { "TRUE" } else { "FALSE" };
    // A tab in a name or value cannot be written in this format: such cookies are skipped.
    for r in records.iter().filter(|r| !r.name.contains('\t') && !r.value.contains('\t')) {
        let dot = if r.host_only { "" } else { "." };
        let prefix = if r.http_only { "#HttpOnly_" } else { "" };
        out.push_str(&format!(
            "{prefix}{dot}{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.domain,
            tf(!r.host_only),
            r.path,
            tf(r.secure),
            r.expires.unwrap_or(0),
            r.name,
            r.value
        ));
    }
    out
}

/// Writes `records` to `path` atomically (mode 0600: cookies are credentials).
pub fn write_file(path: &Path, records: &[CookieRecord], format: Format) -> Result<()> {
    let text = match format {
        Format::Json => {
            let file = JsonFile { libsession_cookies: 1, cookies: records.to_vec() };
            serde_json::to_string_pretty(&file).map_err(|e| Error::new(Code::SESSION_E_INTERNAL, e.to_string()))? + "\n"
        }
        Format::Netscape => netscape_text(records),
    };
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` atomically: a temp file (mode 0600) in the same folder, fsync,
/// rename, fsync of the folder. An existing file is left as it was on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().ok_or_else(|| Error::invalid(format!("{} is not a file path", path.display())))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{}.tmp-{}-{n}", name.to_string_lossy(), std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(path, "write", err));
    }
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netscape_lines() {
        let r = parse_netscape_line("#HttpOnly_.example.org\tTRUE\t/p\tTRUE\t2000000000\tn\tv").unwrap().unwrap();
        assert!(r.http_only && r.secure && !r.host_only);
        assert_eq!((r.domain.as_str(), r.path.as_str(), r.expires), ("example.org", "/p", Some(2000000000)));
        let r = parse_netscape_line("example.org\tFALSE\t/\tFALSE\t0\tn").unwrap().unwrap();
        assert!(r.host_only && r.expires.is_none() && r.value.is_empty());
        assert_eq!(parse_netscape_line("# comment").unwrap(), None);
        assert!(parse_netscape_line("example.org\tMAYBE\t/\tFALSE\t0\tn\tv").is_err());
        assert!(parse_netscape_line("example.org\tFALSE\t/\tFALSE\tsoon\tn\tv").is_err());
        assert!(parse_netscape_line("just one field").is_err());
        let text = netscape_text(&[r]);
        assert!(text.ends_with("\nexample.org\tFALSE\t/\tFALSE\t0\tn\t\n"), "{text}");
    }
}
