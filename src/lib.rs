//! mailsift: import, thread, search and export leaked and donated email
//! collections.

pub mod error;
pub mod synth;
pub mod html;
pub mod model;
