//! Fuzz target `dkim_signature`: the body is `mailsift::fuzzing::dkim_signature`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::dkim_signature(data));
