//! Fuzz target `message`: the body is `mailsift::fuzzing::message`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::message(data));
