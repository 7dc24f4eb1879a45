//! Fuzz target `extract`: the body is `mailsift::fuzzing::extract`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::extract(data));
