//! The bodies of the fuzz targets in `fuzz/` (cargo fuzz), kept in the
//! library so that each target is a one-liner and a plain test
//! (`tests/fuzz_regressions.rs`) can replay saved inputs on stable Rust.
//!
//! Each function takes arbitrary bytes, runs one piece of the import or
//! export path on them and asserts that piece's invariants with `assert!`:
//! a failed assertion is a panic, which libFuzzer reports as a crash.
//!
//! | function | what it runs | invariants |
//! | --- | --- | --- |
//! | [`mbox_splitter`] | [`MboxSplitter`](crate::source::mbox::MboxSplitter) | spans cover the input (only `From_` lines, line ends and noted junk between messages); spans are where they say; boundaries and keys do not depend on the memory limit |
//! | [`message`] | canonical form, [`parse::parse_message_with`](crate::parse::parse_message_with) (attachment text extracted inline), [`parse::attachment_contents`](crate::parse::attachment_contents), index document, stored record | streaming and one-shot canonical forms agree; limits hold; raw-only says why; attachment contents match the record's list; the record round-trips |
//! | [`smime`] | `parse::smime::read_cms` (crate-internal) on any bytes as an `smime.p7m`, then a message around them (base64 or binary, four part types, alone or in a multipart) through [`parse::parse_message`](crate::parse::parse_message) and [`parse::attachment_contents`](crate::parse::attachment_contents) | no panic; content shorter than its CMS object; limits hold (body and alternatives together); saved attachments are the listed ones; opaque-signed keeps its `smime.p7m` among the signatures, an unreadable one stays an attachment; the record round-trips |
//! | [`safe_name`] | `safename::safe_file_name` (crate-internal) | one safe, non-device, visible component of bounded length; idempotent |
//! | [`query`] | [`query::parse`](crate::query::parse), conversion to a tantivy query and a search, snippets | canonical form is a fixed point; errors point inside the input; highlight ranges are inside the snippet |
//! | [`html`] | [`html::html_to_text_limited`](crate::html::html_to_text_limited), [`html::decode_entities`](crate::html::decode_entities) | output within the cap, trimmed |
//! | [`extract()`] | [`extract::detect`](crate::extract::detect), [`extract::extract`](crate::extract::extract) on any bytes as each document kind | ends within its time budget; text within its limit; no panic escapes |
//! | [`gzip`] | [`source::gzindex::GzReader`](crate::source::gzindex::GzReader) against flate2; compression, checkpoints and reads through them | the two decoders agree; data round-trips; every checkpoint reads back exact ranges |
//! | [`dkim_signature`] | [`dkim::sig::parse`](crate::dkim::sig::parse), [`dkim::read_key_file`](crate::dkim::read_key_file), [`dkim::verify_message`](crate::dkim::verify_message) on the bytes as a signature header and as a message | a parsed signature is within its bounds; refusals say why; every key read has a usable record; the message verdict is the best signature's; every result has a reason |
//! | [`archive`] | [`source::archive::walk`](crate::source::archive::walk) on any bytes as a zip, a tar and a tar.gz (small bounds), and on a zip built around them | no panic; mail entries yield no more than the expansion budget; entry count bound; notes say something; a mail entry is handed over byte for byte |
//! | [`emlx`] | [`source::emlx::read_emlx`](crate::source::emlx::read_emlx) | the message span is inside the file and is the message's bytes; flags are maildir letters |
//! | [`pst`] | [`outlook::pst::walk`](crate::outlook::pst::walk) on any bytes, bare and behind a Unicode PST header | no panic escapes (the reader's are contained and reported); the walk ends; each item's rendering is deterministic, 7-bit, marked converted, and parses |
//! | [`msg`] | [`outlook::msg::read_msg`](crate::outlook::msg::read_msg) on any bytes, and on a compound file built around them | no panic; a built message reads with its attachment; renderings as for `pst` |
//! | [`patterns()`] | [`patterns::find`](crate::patterns::find), [`patterns::of_message`](crate::patterns::of_message) on any text | spans inside the text, on character boundaries, not overlapping; phone numbers, IBANs and amounts read back as themselves through `mentions:`; values per message bounded, sorted |
//! | [`export`] | CSV row, NDJSON record, mbox entry | CSV parses back to the same cells (defused) and no cell starts with a formula character; the mbox re-splits into the same messages (same keys) |
//!
//! Files: `sources` (mbox splitter, gzip), `archives` (archive, emlx), `messages` (message, smime,
//! extract, html), `search` (query), `exports` (export, safe_name),
//! `dkim` (dkim_signature), `patterns` (patterns), `outlook` (pst, msg).
//!
//! Not part of the stable API.

mod archives;
mod dkim;
mod exports;
mod messages;
mod outlook;
mod patterns;
mod search;
mod sources;

pub use archives::{archive, emlx};
pub use dkim::dkim_signature;
pub use exports::{export, safe_name};
pub use messages::{extract, html, message, smime};
pub use outlook::{msg, pst};
pub use patterns::patterns;
pub use search::query;
pub use sources::{gzip, mbox_splitter};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The fuzz targets by name (the names of the files in `fuzz/fuzz_targets/`
/// and of the folders in `fuzz/regressions/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("mbox_splitter", mbox_splitter),
    ("message", message),
    ("smime", smime),
    ("safe_name", safe_name),
    ("query", query),
    ("html", html),
    ("export", export),
    ("extract", extract),
    ("gzip", gzip),
    ("dkim_signature", dkim_signature),
    ("archive", archive),
    ("emlx", emlx),
    ("patterns", patterns),
    ("pst", pst),
    ("msg", msg),
];

/// The body of the target called `name`, if there is one.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Import time used for date checks (2027-01-15).
const NOW: i64 = 1_800_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_trivial_inputs() {
        for (name, f) in TARGETS {
            for input in [
                &b""[..],
                b"\0",
                b"From a Mon Oct 12 14:02:11 2015\nSubject: x\n\ny\n",
            ] {
                f(input);
            }
            assert!(target(name).is_some());
        }
    }
}
