//! mailsift: import, thread, search and export leaked and donated email
//! collections.

pub mod error;
pub mod html;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod source;
pub mod store;
pub mod synth;
