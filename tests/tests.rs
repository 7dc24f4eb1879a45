//! Integration tests: one binary (as in ripgrep), driving the library API
//! and the real `mailsift` binary.

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

mod util;

mod annotations;
mod archives;
mod attachments;
mod bench;
mod crash;
mod dkim;
mod evidence;
mod fuzz_regressions;
#[cfg(feature = "gui")]
mod gui;
#[cfg(feature = "gui")]
mod gui_desk;
#[cfg(feature = "gui")]
mod gui_patterns;
#[cfg(feature = "gui")]
mod gui_people;
#[cfg(feature = "gui")]
mod gui_reading;
#[cfg(feature = "gui")]
mod gui_scale;
mod import;
mod install;
mod labels;
mod network;
mod outlook;
mod patterns;
mod people;
mod people_replies;
mod print;
mod protected;
mod real_mail;
mod sample;
mod scale;
mod search;
mod smime;
#[cfg(unix)] // permissions, rlimits and uids: Unix only
mod storage_errors;
