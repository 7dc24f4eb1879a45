//! Fuzz target `safe_name`: the body is `mailsift::fuzzing::safe_name`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::safe_name(data));
