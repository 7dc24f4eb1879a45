//! Fuzz target `export`: the body is `mailsift::fuzzing::export`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::export(data));
