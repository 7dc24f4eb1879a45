//! Fuzz target `patterns`: the body is `mailsift::fuzzing::patterns`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::patterns(data));
