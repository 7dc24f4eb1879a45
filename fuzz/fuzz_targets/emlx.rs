//! Fuzz target `emlx`: the body is `mailsift::fuzzing::emlx`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::emlx(data));
