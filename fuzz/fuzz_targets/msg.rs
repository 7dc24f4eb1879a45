//! Fuzz target `msg`: the body is `mailsift::fuzzing::msg`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::msg(data));
