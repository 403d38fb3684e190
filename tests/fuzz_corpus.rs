//! Replays the checked-in fuzz corpora (fuzz/corpus/<target>) and the inputs of fixed
//! crashes (fuzz/regressions/<target>) through the fuzz targets' bodies, so every
//! `cargo test` re-checks their invariants without a fuzzer. Fuzzing itself: fuzz/README.md.
#[allow(dead_code)]
#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut found = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    found.sort();
    assert!(!found.is_empty(), "no corpus for {target}");
    found
}

fn replay(target: &str, body: impl Fn(&[u8])) {
    for (name, data) in inputs(target) {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&data))).is_err() {
            panic!("{target}: {name} breaks an invariant (see the panic above)");
        }
    }
}

#[test]
fn request_validation_corpus() {
    replay("request_validation", targets::request_validation);
}

#[test]
fn response_head_corpus() {
    replay("response_head", targets::response_head);
}

#[test]
fn cookie_jar_corpus() {
    replay("cookie_jar", |d| targets::cookie_jar_with(d, false));
}

#[test]
fn state_file_corpus() {
    replay("state_file", targets::state_file);
}

#[test]
fn sts_header_corpus() {
    replay("sts_header", targets::sts_header);
}

#[test]
fn exchange_corpus() {
    replay("exchange", |d| targets::exchange_with(d, false));
}

#[test]
fn event_stream_corpus() {
    replay("event_stream", targets::event_stream);
}

#[test]
fn ws_frames_corpus() {
    replay("ws_frames", targets::ws_frames);
}

#[test]
fn ws_handshake_corpus() {
    replay("ws_handshake", targets::ws_handshake);
}

#[test]
fn har_replay_corpus() {
    replay("har_replay", targets::har_replay);
}

#[test]
fn cache_entry_corpus() {
    replay("cache_entry", targets::cache_entry);
}

#[test]
fn cookie_policy_invariants_over_the_corpora() {
    replay("cookie_jar", |d| targets::cookie_jar_with(d, true));
    replay("exchange", |d| targets::exchange_with(d, true));
}

#[test]
fn state_file_corpus_reaches_the_round_trip() {
    let valid = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/state_file/valid.json")).unwrap();
    let state = session::internals::parse_state(&valid).expect("the valid seed parses");
    assert_eq!((state.cookies.len(), state.hsts.len()), (2, 2));
}
