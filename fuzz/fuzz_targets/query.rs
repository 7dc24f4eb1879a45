//! Fuzz target `query`: the body is `mailsift::fuzzing::query`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::query(data));
