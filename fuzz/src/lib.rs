//! Fuzz target bodies, shared by the libFuzzer binaries (fuzz_targets/) and the corpus
//! replay test of the library (tests/fuzz_corpus.rs includes targets.rs).
pub mod targets;
