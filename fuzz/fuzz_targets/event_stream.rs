#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| libsession_fuzz::targets::event_stream(data));
