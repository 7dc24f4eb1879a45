//! Fuzz target `archive`: the body is `mailsift::fuzzing::archive`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::archive(data));
