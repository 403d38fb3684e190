//! Request bodies that are not a buffer sent in one piece: a file streamed from disk, the
//! caller's read callback, and multipart bodies whose file parts are read from disk as they
//! are sent. Each hop (redirect 307/308, retry) reads the body again from its start: memory
//! and files always can; a read callback only through its seek callback.

use super::callbacks::{ReadCallback, SeekCallback};
use crate::error::{Code, Error, Result};
use crate::reentry::SessionId;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One piece of a streamed body.
#[derive(Debug, Clone)]
pub enum Segment {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// Where the body comes from.
#[derive(Debug)]
pub enum Source {
    Segments(Vec<Segment>),
    Callback {
        read: ReadCallback,
        seek: Option<SeekCallback>,
        /// Content-Length; None sends the body chunked.
        length: Option<u64>,
        /// Set once the callback has been read from: the next send needs a rewind.
        started: AtomicBool,
    },
}

/// A streamed body and its length (None: unknown, sent chunked over HTTP/1.1).
#[derive(Debug, Clone)]
pub struct Upload {
    pub source: Arc<Source>,
    pub len: Option<u64>,
}

impl PartialEq for Upload {
    fn eq(&self, other: &Upload) -> bool {
        Arc::ptr_eq(&self.source, &other.source)
    }
}
impl Eq for Upload {}

fn file_len(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::new(
            Code::SESSION_E_IO,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    if !meta.is_file() {
        return Err(Error::new(
            Code::SESSION_E_IO,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(meta.len())
}

impl Upload {
    /// The body from `source`, its length taken from the files now.
    pub fn segments(source: &Arc<Source>) -> Result<Upload> {
        let len = match source.as_ref() {
            Source::Segments(segments) => {
                let mut total = 0;
                for segment in segments {
                    total += match segment {
                        Segment::Bytes(bytes) => bytes.len() as u64,
                        Segment::File(path) => file_len(path)?,
                    };
                }
                Some(total)
            }
            Source::Callback { length, .. } => *length,
        };
        Ok(Upload {
            source: source.clone(),
            len,
        })
    }
}

/// A multipart part whose content is a file or bytes.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub content: Segment,
}

/// Quotes a Content-Disposition parameter as browsers and urllib3 do (HTML5 form encoding).
fn quote(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A fresh boundary, 32 random hex digits as requests' (uuid4 hex).
pub fn boundary() -> String {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom writes at most `len` bytes into the buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        // No entropy source: time and address still make a collision with the content unlikely.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = (seed ^ (&bytes as *const _ as u128)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The multipart/form-data body of `fields` then `files` (requests' order), as segments.
pub fn multipart(fields: &[(String, String)], files: &[FilePart], boundary: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut text = Vec::new();
    for (name, value) in fields {
        text.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quote(name)
            )
            .as_bytes(),
        );
        text.extend_from_slice(value.as_bytes());
        text.extend_from_slice(b"\r\n");
    }
    for part in files {
        text.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n",
                quote(&part.field),
                quote(&part.filename)
            )
            .as_bytes(),
        );
        if let Some(content_type) = &part.content_type {
            text.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        text.extend_from_slice(b"\r\n");
        match &part.content {
            Segment::Bytes(bytes) => text.extend_from_slice(bytes),
            Segment::File(path) => {
                segments.push(Segment::Bytes(std::mem::take(&mut text)));
                segments.push(Segment::File(path.clone()));
            }
        }
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    segments.push(Segment::Bytes(text));
    segments
}

/// Reads an upload once, from its start, for one hop.
pub struct Reader {
    upload: Upload,
    session: SessionId,
    /// Segments: which one, and the offset in a Bytes segment.
    index: usize,
    offset: usize,
    file: Option<File>,
    /// Whether this hop has read anything yet (a callback rewinds before its first read).
    begun: bool,
}

impl Reader {
    pub fn new(upload: Upload, session: SessionId) -> Reader {
        Reader {
            upload,
            session,
            index: 0,
            offset: 0,
            file: None,
            begun: false,
        }
    }

    /// Back to the start of the body.
    pub fn rewind(&mut self) -> Result<()> {
        self.index = 0;
        self.offset = 0;
        self.file = None;
        if let Source::Callback { seek, started, .. } = self.upload.source.as_ref() {
            if started.load(Ordering::Acquire) {
                let seek = seek.ok_or_else(|| {
                    Error::invalid(
                        "the request body comes from a read callback without a seek callback, so it cannot be sent \
                         again (redirect 307/308, retry, reconnect or a second send)",
                    )
                })?;
                if !seek.call(self.session, 0) {
                    return Err(Error::new(
                        Code::SESSION_E_IO,
                        "the seek callback could not rewind the request body",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Fills `buf`; 0 at the end.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if !self.begun {
            self.begun = true;
            self.rewind()?;
        }
        let source = self.upload.source.clone();
        match source.as_ref() {
            Source::Callback { read, started, .. } => {
                started.store(true, Ordering::Release);
                match read.call(self.session, buf) {
                    super::callbacks::SESSION_READ_ABORT => Err(Error::new(
                        Code::SESSION_E_CANCELLED,
                        "the read callback cancelled the upload",
                    )),
                    n if n > buf.len() => Err(Error::invalid(format!(
                        "the read callback returned {n} for a {}-byte buffer",
                        buf.len()
                    ))),
                    n => Ok(n),
                }
            }
            Source::Segments(segments) => loop {
                let Some(segment) = segments.get(self.index) else {
                    return Ok(0);
                };
                let n = match segment {
                    Segment::Bytes(bytes) => {
                        let n = (bytes.len() - self.offset).min(buf.len());
                        buf[..n].copy_from_slice(&bytes[self.offset..self.offset + n]);
                        self.offset += n;
                        n
                    }
                    Segment::File(path) => {
                        if self.file.is_none() {
                            let file = File::open(path).map_err(|e| {
                                Error::new(
                                    Code::SESSION_E_IO,
                                    format!("cannot open {}: {e}", path.display()),
                                )
                            })?;
                            self.file = Some(file);
                        }
                        let file = self.file.as_mut().expect("opened above");
                        file.read(buf).map_err(|e| {
                            Error::new(
                                Code::SESSION_E_IO,
                                format!("cannot read {}: {e}", path.display()),
                            )
                        })?
                    }
                };
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.index += 1;
                self.offset = 0;
                self.file = None;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(reader: &mut Reader) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            match reader.read(&mut buf).unwrap() {
                0 => return out,
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn multipart_streams_files_and_replays() {
        let dir = std::env::temp_dir().join(format!("libsession-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.txt");
        std::fs::write(&path, b"file body").unwrap();
        let files = [
            FilePart {
                field: "up".into(),
                filename: "a \"q\".txt".into(),
                content_type: Some("text/plain".into()),
                content: Segment::File(path.clone()),
            },
            FilePart {
                field: "mem".into(),
                filename: "m.bin".into(),
                content_type: None,
                content: Segment::Bytes(b"xyz".to_vec()),
            },
        ];
        let source = Arc::new(Source::Segments(multipart(
            &[("k".into(), "v".into())],
            &files,
            "B",
        )));
        let upload = Upload::segments(&source).unwrap();
        let mut reader = Reader::new(upload.clone(), SessionId::default());
        let body = read_all(&mut reader);
        let want = "--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n\
            --B\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a %22q%22.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n\
            --B\r\nContent-Disposition: form-data; name=\"mem\"; filename=\"m.bin\"\r\n\r\nxyz\r\n--B--\r\n";
        assert_eq!(String::from_utf8(body.clone()).unwrap(), want);
        assert_eq!(upload.len, Some(want.len() as u64));
        reader.rewind().unwrap();
        assert_eq!(read_all(&mut reader), body);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            Upload::segments(&source).unwrap_err().code,
            Code::SESSION_E_IO
        );
    }

    #[test]
    fn boundaries_differ() {
        assert_eq!(boundary().len(), 32);
        assert_ne!(boundary(), boundary());
    }
}
