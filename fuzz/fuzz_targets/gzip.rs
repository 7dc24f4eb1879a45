//! Fuzz target `gzip`: the body is `mailsift::fuzzing::gzip`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::gzip(data));
