//! Typed errors of the library. Every variant that concerns a file carries
//! its path (and an offset where one makes sense), so that a message shown to
//! the user always names what went wrong and where.

use std::io;
use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the mailsift library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A named source does not exist.
    #[error("{path}: no such file or folder")]
    SourceMissing {
        /// The path as the user gave it.
        path: PathBuf,
    },

    /// A named source exists but cannot be read.
    #[error("{path}: cannot read: {source}")]
    SourceUnreadable {
        /// The source file or folder that could not be read.
        path: PathBuf,
        /// Why the operating system refused it.
        #[source]
        source: io::Error,
    },

    /// A named source is readable but holds no mail.
    #[error("{path}: not a mailbox or mail file ({reason})")]
    NotMail {
        /// The file that was examined.
        path: PathBuf,
        /// What was seen instead of mail, in words for the user.
        reason: String,
    },

    /// An Outlook item (in a PST or a `.msg`) could not be read again to
    /// render its converted message.
    #[error("{path}: cannot read the Outlook item {address}: {reason}")]
    Converted {
        /// The container file (the PST, or the `.msg`).
        path: PathBuf,
        /// The item's address in it (`PST node 0x…`, `MSG file`).
        address: String,
        /// What went wrong.
        reason: String,
    },

    /// An I/O error at a known place in a file.
    #[error("{path}: {op} failed at byte {offset}: {source}")]
    IoAt {
        /// The file being read.
        path: PathBuf,
        /// What was being done ("seeking", "reading", "decompressing").
        op: &'static str,
        /// Byte offset where the failed operation started (in the decompressed
        /// stream for a gzip source).
        offset: u64,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// An I/O error on a file or folder.
    #[error("{path}: {op} failed: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What was being done, in words for the user ("writing export", "starting a worker
        /// thread").
        op: &'static str,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// The case database refused an operation.
    #[error("case database {path}: {}", explain_sqlite(source))]
    Store {
        /// The SQLite database file of the case.
        path: PathBuf,
        /// SQLite's error; the message explains the usual causes (full disk, no permission).
        #[source]
        source: rusqlite::Error,
    },

    /// The case folder is not a mailsift case, or of an unknown version.
    #[error("{path}: {reason}")]
    BadCase {
        /// The case folder.
        path: PathBuf,
        /// What is wrong with it, in words for the user.
        reason: String,
    },

    /// Another process holds the case for writing.
    #[error(
        "{path}: this case is being written by another mailsift process; wait for it to finish (the lock is released automatically when that process ends)"
    )]
    CaseInUse {
        /// The case folder that is locked.
        path: PathBuf,
    },

    /// A message key that is not in the case.
    #[error("no message {key} in case {case}")]
    NoSuchMessage {
        /// The case folder that was searched.
        case: PathBuf,
        /// The key (hex or prefix) or row as the caller gave it.
        key: String,
    },

    /// The stored raw bytes no longer match their recorded SHA-256.
    #[error(
        "{path}: bytes at offset {offset} (length {length}) no longer match the recorded SHA-256 {expected}; the source has changed since import"
    )]
    RawMismatch {
        /// The source file the message was read from.
        path: PathBuf,
        /// Byte offset of the message in the source (decompressed for a gzip source).
        offset: u64,
        /// Recorded length of the message in bytes.
        length: u64,
        /// The recorded SHA-256, in hex.
        expected: String,
    },

    /// The search index refused an operation.
    #[error("search index {path}: {source}")]
    Index {
        /// The index folder of the case.
        path: PathBuf,
        /// tantivy's error.
        #[source]
        source: tantivy::TantivyError,
    },

    /// Serialising or reading a JSON file of the case failed.
    #[error("{path}: {source}")]
    Json {
        /// The JSON file being written or read.
        path: PathBuf,
        /// The parse or serialisation error.
        #[source]
        source: serde_json::Error,
    },

    /// A search query that cannot be read.
    #[error("bad query: {error}\n{caret}")]
    Query {
        /// What is wrong with the query, and where.
        error: QueryError,
        /// The query with a caret line under the problem.
        caret: String,
    },

    /// The import was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// A line of an annotations file that cannot be read; nothing of the
    /// file was applied.
    #[error("{path}: line {line}: {reason}; nothing was imported")]
    AnnotationLine {
        /// The annotations file.
        path: PathBuf,
        /// The line number, from 1.
        line: u64,
        /// What is wrong with the line, in words for the user.
        reason: String,
    },
    /// An annotation that cannot be stored: an empty tag name, a bad
    /// colour, an empty note, an unknown saved search.
    #[error("{reason}")]
    BadAnnotation {
        /// What is wrong, in words for the user.
        reason: String,
    },
    /// A PDF rendering that could not be made (a bundled font unreadable,
    /// a subset refused): a fault of mailsift, not of the mail.
    #[error("making the PDF failed: {0}")]
    Pdf(String),
    /// An evidence packet that cannot be made as asked (no message, too
    /// many, a message whose bytes no longer give its id).
    #[error("evidence packet: {0}")]
    Evidence(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, op: &'static str, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            op,
            source,
        }
    }

    pub(crate) fn store(path: impl Into<PathBuf>, source: rusqlite::Error) -> Error {
        Error::Store {
            path: path.into(),
            source,
        }
    }
}

/// What a database error means for the user. SQLite reports a full disk or
/// a file-size limit as a bare "disk I/O error" (extended code 778) and a
/// case it may not write as "readonly database"; say what is likely wrong,
/// then SQLite's own words (as its error type prints them, so that a
/// printed cause chain does not repeat them).
fn explain_sqlite(e: &rusqlite::Error) -> String {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(f, _) = e else {
        return e.to_string();
    };
    let what = match f.extended_code {
        ffi::SQLITE_FULL => "the disk is full",
        ffi::SQLITE_IOERR_WRITE
        | ffi::SQLITE_IOERR_FSYNC
        | ffi::SQLITE_IOERR_DIR_FSYNC
        | ffi::SQLITE_IOERR_TRUNCATE
        | ffi::SQLITE_IOERR_SHMSIZE
        | ffi::SQLITE_IOERR_SHMMAP => {
            "writing failed: the disk may be full, or a file-size limit or quota was reached"
        }
        _ => match f.code {
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied => {
                "no permission to write the case"
            }
            rusqlite::ErrorCode::CannotOpen => "the database file cannot be opened",
            rusqlite::ErrorCode::DiskFull => "the disk is full",
            _ => return e.to_string(),
        },
    };
    format!("{what} ({f})")
}

/// Why a query does not parse, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Short, lower-case, with a hint when the fix is obvious.
    pub message: String,
    /// Byte range in the input.
    pub span: std::ops::Range<usize>,
}

impl QueryError {
    /// An error at `span` of the query.
    pub(crate) fn new(message: impl Into<String>, span: std::ops::Range<usize>) -> QueryError {
        QueryError {
            message: message.into(),
            span,
        }
    }

    /// Two lines for a terminal or a fixed-width text box: the input (with
    /// tabs and other control characters shown as spaces), then `^` under
    /// the span (at least one, also for an empty span).
    pub fn caret(&self, input: &str) -> String {
        let line: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let start = self.span.start;
        let end = self.span.end.max(start);
        let mut pad = 0;
        let mut width = 0;
        for (i, c) in input.char_indices() {
            let w = if c.is_control() { 1 } else { column_width(c) };
            if i < start {
                pad += w;
            } else if i < end {
                width += w;
            }
        }
        format!("{line}\n{}{}", " ".repeat(pad), "^".repeat(width.max(1)))
    }
}

/// Columns a character takes in a terminal: a small approximation that gets
/// combining accents and East Asian wide characters right.
fn column_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.start)
    }
}

impl std::error::Error for QueryError {}
