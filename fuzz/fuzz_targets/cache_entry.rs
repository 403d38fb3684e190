#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| libsession_fuzz::targets::cache_entry(data));
