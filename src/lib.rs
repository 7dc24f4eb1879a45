//! mailsift: import, thread, search and export leaked and donated email
//! collections.
//!
//! The library does the work; the command line (`src/main.rs`) and the
//! desktop window ([`app`], feature `gui`) are thin faces over it. Data
//! flows through the modules in this order, and each uses only those
//! before it:
//!
//! ```text
//! source/    open sources in place (mbox, mbox.gz, .eml, folders, maildir),
//!            split them into raw messages, each with its origin and SHA-256
//! parse/     raw bytes -> Message: decoded headers, every text part,
//!            attachments, defects (the only user of mailparse)
//! extract/   attachment documents (PDF, Office, ODF, RTF) -> text
//! annotate/  the investigators' tags, stars, notes and saved searches as
//!            plain data, their merge rules and the annotations file
//! store/     the case folder (SQLite): messages by key, origins, reports,
//!            annotations
//! pipeline/  the import: reader -> parse workers -> ordered writer
//! thread/    JWZ threads over the whole case
//! index/     tantivy: one document per message; search and snippets
//! query/     the query language (Gmail-like) -> an engine-neutral AST
//! export     CSV / NDJSON / mboxrd / EML folder, safe attachment names
//! browse     the read facade for the CLI and the window
//! desk       tag, star and note by query; share annotations; saved
//!            searches; batch searches
//! jobs       import, search and export on background threads
//! app/       the desktop window (feature `gui`)
//! ```
//!
//! Import a mailbox into a case, search it and read a message:
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use mailsift::{Browser, Case, ImportOptions, Sort, import};
//!
//! # fn main() -> mailsift::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let mbox = dir.path().join("inbox.mbox");
//! std::fs::write(
//!     &mbox,
//!     "From ann@example.org Mon Jan  4 10:00:00 2016\n\
//!      From: Ann <ann@example.org>\n\
//!      Subject: The budget\n\
//!      \n\
//!      Numbers for the quarter.\n",
//! )
//! .unwrap();
//! let case_dir = dir.path().join("case");
//!
//! let mut case = Case::open_for_writing(&case_dir)?;
//! let report = import(
//!     &mut case,
//!     &[mbox],
//!     &ImportOptions::default(),
//!     &mut |_progress| {},
//!     &AtomicBool::new(false),
//! )?;
//! assert_eq!((report.found, report.new), (1, 1));
//! drop(case);
//!
//! let browser = Browser::open(&case_dir)?;
//! let found = browser.search("from:ann budget", Sort::Date)?;
//! assert_eq!(found.hits.len(), 1);
//! let message = browser.message(found.hits[0].rowid)?;
//! assert_eq!(message.subject.as_deref(), Some("The budget"));
//! assert!(message.body_text.contains("quarter"));
//! # Ok(())
//! # }
//! ```
//!
//! Development tooling (the synthetic corpus generator, the benchmark,
//! the fuzz targets' bodies) is behind the `dev` feature and not part of
//! this API.

pub mod annotate;
#[cfg(feature = "gui")]
pub mod app;
pub(crate) mod attachtext;
pub mod browse;
pub(crate) mod contain;
pub mod desk;
pub mod display;
pub mod dkim;
pub mod error;
pub mod evidence;
pub mod export;
pub mod extract;
pub mod graph;
pub mod html;
pub mod identity;
pub mod index;
pub mod jobs;
pub mod keys;
pub mod model;
pub mod outlook;
pub mod parse;
pub mod patterns;
pub mod people;
pub mod pipeline;
pub mod query;
pub(crate) mod safename;
pub mod source;
pub mod store;
pub mod thread;
pub mod time;

#[cfg(feature = "dev")]
#[doc(hidden)]
pub mod bench;
#[cfg(feature = "dev")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(test, feature = "dev"))]
#[doc(hidden)]
pub mod synth;

pub use browse::{Browser, Found};
pub use error::{Error, Result};
pub use index::{Hit, Sort};
pub use model::{Attachment, Message, MessageKey, Origin};
pub use pipeline::{ImportOptions, ImportReport, import};
pub use query::Query;
pub use store::Case;
