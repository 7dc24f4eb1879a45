//! HTML → plain text, for displaying and indexing HTML-only messages.
//!
//! This module owns the whole conversion: a small hand-written tokenizer
//! (tags, attributes, comments, doctype, CDATA, processing instructions), a
//! line-oriented text writer (paragraphs, lists, tables, quotes, `pre`) and
//! character-reference decoding. There is no HTML engine and no network:
//! nothing referenced by the markup is ever fetched, loaded or executed; the
//! markup is only read and turned into readable text.
//!
//! Input is hostile (leaked mail), so the renderer never panics, works in a
//! single forward pass in time linear in the input, uses no recursion (deep
//! nesting only moves counters) and caps its output.
//!
//! Choices worth knowing:
//! - table cells in a row are joined with `" | "`; empty cells add nothing,
//!   so layout tables do not produce runs of separators;
//! - the content of `select` (its `option`s) is skipped, like `script`;
//! - images render as `[image: alt]` / `[image]`, surrounded by spaces;
//! - `&nbsp;` decodes to U+00A0 in [`decode_entities`], and the renderer
//!   shows any U+00A0 as an ordinary (collapsible) space;
//! - numeric references in 0x80–0x9F are read as windows-1252, as browsers do.
//!
//! Files: `render.rs` (the single pass over the input and what each element
//! does), `scan.rs` (tag, attribute and raw-text scanning), `writer.rs`
//! (lines, prefixes, whitespace, the cap), `entities.rs` (character
//! references, the named ones in a sorted table).

mod entities;
mod render;
mod scan;
#[cfg(test)]
mod tests;
mod writer;

/// Default cap on output size in bytes.
pub const DEFAULT_MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// Deepest list level that still adds indentation.
const MAX_LIST_INDENT: usize = 10;
/// Deepest quote level that still adds a `"> "` to the line prefix.
const MAX_QUOTE_PREFIX: usize = 20;
/// Lists tracked individually (counters); deeper ones only count levels.
const MAX_LIST_STACK: usize = 1024;
/// Longest entity name looked at after `&`.
const MAX_ENTITY_NAME: usize = 32;
/// Longest `alt` text shown for an image, in bytes.
const MAX_ALT: usize = 1024;

/// Render HTML as plain text (output capped at [`DEFAULT_MAX_OUTPUT`]).
pub fn html_to_text(html: &str) -> String {
    html_to_text_limited(html, DEFAULT_MAX_OUTPUT)
}

/// Same with an explicit output cap in bytes; output never exceeds it (cut at
/// a char boundary).
pub fn html_to_text_limited(html: &str, max_output: usize) -> String {
    let mut r = render::Renderer::new(max_output);
    r.run(html);
    r.finish()
}

/// Decode HTML character references (named, decimal, hex) in a text fragment.
///
/// Numeric references work with or without the trailing `;`; NUL, surrogates
/// and out-of-range values become U+FFFD. Named references need the `;`,
/// except the legacy `amp lt gt quot nbsp copy reg`. Unknown names are left
/// as written. `&nbsp;` yields U+00A0.
pub fn decode_entities(s: &str) -> String {
    entities::decode(s, false).into_owned()
}
