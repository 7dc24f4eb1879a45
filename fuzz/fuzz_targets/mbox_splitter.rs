//! Fuzz target `mbox_splitter`: the body is `mailsift::fuzzing::mbox_splitter`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailsift::fuzzing::mbox_splitter(data));
