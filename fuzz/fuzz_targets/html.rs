//! Fuzz target `html`: the body is `mailsift::fuzzing::html`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::html(data));
