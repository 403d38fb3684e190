//! Where records live: in memory, or one file per URL in a directory shared by sessions
//! and processes. Both are bounded in bytes and evict the least recently used first. A
//! record is replaced whole, so a reader never sees half of one.

use super::entry::{decode, encode, Record};
use crate::error::{Code, Error, Result};
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

pub enum Store {
    Memory(Memory),
    Disk(Disk),
}

impl Store {
    pub fn get(&self, key: &str) -> Option<Arc<Record>> {
        match self {
            Store::Memory(m) => m.get(key),
            Store::Disk(d) => d.get(key),
        }
    }

    pub fn put(&self, key: &str, record: Record) {
        match self {
            Store::Memory(m) => m.put(key, record),
            Store::Disk(d) => d.put(key, &record),
        }
    }

    pub fn remove(&self, key: &str) {
        match self {
            Store::Memory(m) => m.remove(key),
            Store::Disk(d) => d.remove(key),
        }
    }
}

fn record_size(record: &Record) -> u64 {
    record.iter().map(|e| e.size()).sum()
}

struct Slot {
    record: Arc<Record>,
    size: u64,
    tick: u64,
}

#[derive(Default)]
struct MemoryMap {
    slots: HashMap<Arc<str>, Slot>,
    /// Keys by last use, oldest first.
    order: BTreeMap<u64, Arc<str>>,
    total: u64,
    tick: u64,
}

pub struct Memory {
    max: u64,
    map: Mutex<MemoryMap>,
}

impl Memory {
    pub fn new(max: u64) -> Memory {
        Memory { max, map: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryMap> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &str) -> Option<Arc<Record>> {
        let mut guard = self.lock();
        let map = &mut *guard;
        map.tick += 1;
        let slot = map.slots.get_mut(key)?;
        if let Some(name) = map.order.remove(&slot.tick) {
            map.order.insert(map.tick, name);
        }
        slot.tick = map.tick;
        Some(slot.record.clone())
    }

    fn put(&self, key: &str, record: Record) {
        let size = record_size(&record);
        let mut map = self.lock();
        Self::take(&mut map, key);
        if size > self.max {
            return;
        }
        map.tick += 1;
        let tick = map.tick;
        let name: Arc<str> = Arc::from(key);
        map.order.insert(tick, name.clone());
        map.slots.insert(name, Slot { record: Arc::new(record), size, tick });
        map.total += size;
        while map.total > self.max {
            let Some((_, oldest)) = map.order.pop_first() else { break };
            if let Some(slot) = map.slots.remove(&oldest) {
                map.total -= slot.size;
            }
        }
    }

    fn take(map: &mut MemoryMap, key: &str) {
        if let Some(slot) = map.slots.remove(key) {
            map.order.remove(&slot.tick);
            map.total -= slot.size;
        }
    }

    fn remove(&self, key: &str) {
        Self::take(&mut self.lock(), key);
    }
}

/// The suffix of a record's file; temporary files start with '.'.
const SUFFIX: &str = ".lsc";

pub struct Disk {
    dir: PathBuf,
    max: u64,
    /// The directory's size as this process last counted it, plus what it wrote since.
    total: AtomicU64,
    evicting: Mutex<()>,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::new(Code::SESSION_E_IO, format!("cache directory {}: {e}", path.display()))
}

impl Disk {
    /// Opens (creating) the directory.
    pub fn open(dir: &Path, max: u64) -> Result<Disk> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let probe = dir.join(format!(".probe-{}", std::process::id()));
        std::fs::write(&probe, b"").map_err(|e| io_error(dir, e))?;
        let _ = std::fs::remove_file(&probe);
        let disk = Disk { dir: dir.to_owned(), max, total: AtomicU64::new(0), evicting: Mutex::new(()) };
        disk.total.store(disk.files().iter().map(|f| f.2).sum(), Ordering::Relaxed);
        Ok(disk)
    }

    fn path(&self, key: &str) -> PathBuf {
        Disk::path_in(&self.dir, key)
    }

    /// The file of `key` in `dir`: the SHA-1 of the key in hex.
    pub fn path_in(dir: &Path, key: &str) -> PathBuf {
        let hash = Sha1::digest(key.as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        dir.join(hex + SUFFIX)
    }

    fn get(&self, key: &str) -> Option<Arc<Record>> {
        let path = self.path(key);
        let data = std::fs::read(&path).ok()?;
        match decode(&data) {
            Some((stored, record)) if stored == key => {
                // Last use, for eviction.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(Arc::new(record))
            }
            Some(_) => None, // another URL with the same hash
            None => {
                let _ = std::fs::remove_file(&path); // corrupt or truncated: a miss
                None
            }
        }
    }

    fn put(&self, key: &str, record: &Record) {
        let data = encode(key, record);
        if data.len() as u64 > self.max {
            self.remove(key);
            return;
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = self.dir.join(format!(".tmp-{}-{n}", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&data)?;
            file.sync_data()?;
            std::fs::rename(&temp, self.path(key))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
            return;
        }
        if self.total.fetch_add(data.len() as u64, Ordering::Relaxed) + data.len() as u64 > self.max {
            self.evict();
        }
    }

    fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.path(key));
    }

    /// The record files: path, last use, size.
    fn files(&self) -> Vec<(PathBuf, SystemTime, u64)> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        dir.filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(SUFFIX) && !n.starts_with('.')))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((e.path(), meta.modified().ok()?, meta.len()))
            })
            .collect()
    }

    /// Removes the least recently used files until the directory fits its bound.
    fn evict(&self) {
        let _one = self.evicting.lock().unwrap_or_else(|e| e.into_inner());
        let mut files = self.files();
        let mut total: u64 = files.iter().map(|f| f.2).sum();
        files.sort_by_key(|f| f.1);
        for (path, _, size) in files {
            if total <= self.max {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
        self.total.store(total, Ordering::Relaxed);
    }
}
