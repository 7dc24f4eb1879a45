//! What an import reports: progress while it runs, and per source and in
//! total when it ends (counts that reconcile, skipped files, notes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::model::{Skipped, SourceFormat};
use crate::source::SourceNote;

/// Where an import is.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Messages written to the case so far.
    pub messages: u64,
    /// Source bytes read so far (compressed bytes for gzip files).
    pub bytes_read: u64,
    /// Source bytes to read in all (grows while folders are listed).
    pub bytes_total: u64,
    /// Time since the import started.
    pub elapsed: Duration,
    /// The file being written.
    pub current: Option<PathBuf>,
    /// While the index catches up with the case before anything is read
    /// (an index of an older version being rebuilt, patterns found once
    /// for a case imported before them): messages indexed, and to index.
    pub indexing: Option<(u64, u64)>,
}

impl Progress {
    /// Messages written per second so far.
    pub fn messages_per_sec(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-3)
    }

    /// Estimated time left reading the sources, from the byte rate so
    /// far; None in the first second or the first 2% (too early to say).
    pub fn eta(&self) -> Option<Duration> {
        let secs = self.elapsed.as_secs_f64();
        if self.bytes_read == 0
            || secs < 1.0
            || self.bytes_read.saturating_mul(50) < self.bytes_total
        {
            return None;
        }
        let rate = self.bytes_read as f64 / secs;
        let left = self.bytes_total.saturating_sub(self.bytes_read) as f64;
        Some(Duration::from_secs_f64(left / rate))
    }
}

/// What an import did, per source and in total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    /// The import's row id in the case (its audit log entry).
    pub import_id: i64,
    /// Messages seen plus files skipped: `parsed + raw_only + skipped`.
    pub found: u64,
    /// Messages seen whose MIME structure was parsed.
    pub parsed: u64,
    /// Messages seen that were kept raw-only (see the defects for why).
    pub raw_only: u64,
    /// Files in folder sources that were not imported (see `skipped_files`).
    pub skipped: u64,
    /// Messages the case already had from another origin (this origin was added).
    pub duplicates: u64,
    /// Messages the case did not have before.
    pub new: u64,
    /// Messages found at an origin the case already had (a repeated or
    /// resumed import).
    pub already_present: u64,
    /// Files imported before, unchanged, and not read again.
    pub unchanged_files: u64,
    /// Unique messages in the case after this import.
    pub messages: u64,
    /// New messages with each kind of defect.
    pub defects: BTreeMap<String, u64>,
    /// Each named source, in the order given.
    pub sources: Vec<SourceReport>,
    /// Files in folder sources that were not imported, and why.
    pub skipped_files: Vec<Skipped>,
    /// Problems with sources as a whole (junk before the first message, a damaged gzip stream, a
    /// read error).
    pub notes: Vec<SourceNote>,
    /// Source bytes read (compressed bytes for gzip files).
    pub bytes: u64,
    /// Wall time of the import in seconds.
    pub elapsed_secs: f64,
    /// `found` per second of wall time.
    pub messages_per_sec: f64,
    /// Whether the import was cancelled; the counts then cover what was written before.
    pub cancelled: bool,
    /// Text extraction from document attachments, per kind (`pdf`, `docx`, …).
    pub attachment_texts: BTreeMap<String, crate::attachtext::KindStats>,
    /// The new messages per DKIM verdict, and per signing domain per verdict.
    pub dkim: crate::store::DkimStats,
}

impl ImportReport {
    /// Sources that could not be used at all, with why.
    pub fn errors(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.sources
            .iter()
            .filter_map(|s| s.error.as_deref().map(|e| (s.path.as_path(), e)))
    }
}

/// One named source in a report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceReport {
    /// The source as named by the caller.
    pub path: PathBuf,
    /// The detected format; None when the source could not be used.
    pub format: Option<SourceFormat>,
    /// Size in bytes (for a folder, the total of its files).
    pub size: u64,
    /// SHA-256 of the file; for a folder, of its list of mail files and their hashes.
    pub sha256: Option<String>,
    /// Messages seen in it plus its skipped files.
    pub found: u64,
    /// Messages in it whose MIME structure was parsed.
    pub parsed: u64,
    /// Messages in it kept raw-only.
    pub raw_only: u64,
    /// Files in it that were not imported.
    pub skipped: u64,
    /// Messages in it the case already had from another origin.
    pub duplicates: u64,
    /// Messages in it the case did not have before.
    pub new: u64,
    /// Messages in it found at an origin the case already had (a repeated or resumed import).
    pub already_present: u64,
    /// Its files imported before, unchanged, and not read again.
    pub unchanged_files: u64,
    /// Why the source could not be used at all.
    pub error: Option<String>,
}

impl SourceReport {
    /// One line: path, format and counts (and the error, if any).
    pub fn summary_line(&self) -> String {
        format!(
            "{} [{}] {} found, {} new, {} duplicates, {} skipped{}",
            self.path.display(),
            self.format.map(|f| f.as_str()).unwrap_or("?"),
            self.found,
            self.new,
            self.duplicates,
            self.skipped,
            self.error
                .as_ref()
                .map(|e| format!(" — ERROR: {e}"))
                .unwrap_or_default()
        )
    }
}

impl ImportReport {
    /// An empty report of import `import_id` with a line per source.
    pub(super) fn new(import_id: i64, sources: &[PathBuf]) -> ImportReport {
        ImportReport {
            import_id,
            sources: sources
                .iter()
                .map(|p| SourceReport {
                    path: p.clone(),
                    ..SourceReport::default()
                })
                .collect(),
            ..ImportReport::default()
        }
    }
}
