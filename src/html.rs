//! HTML to plain text (work in progress).
