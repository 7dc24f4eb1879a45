//! mailsift: import, thread, search and export leaked and donated email
//! collections.

#[cfg(feature = "gui")]
pub mod app;
pub mod attachtext;
pub mod bench;
pub mod browse;
pub mod contain;
pub mod display;
pub mod error;
pub mod export;
pub mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod html;
pub mod index;
pub mod jobs;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod query;
pub mod safename;
pub mod source;
pub mod store;
pub mod synth;
pub mod thread;
pub mod time;
