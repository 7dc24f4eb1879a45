//! Fuzz target `pst`: the body is `mailsift::fuzzing::pst`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::pst(data));
