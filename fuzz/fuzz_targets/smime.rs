//! Fuzz target `smime`: the body is `mailsift::fuzzing::smime`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::smime(data));
