//! What a case knows about its imports: totals that reconcile, the
//! sources' manifest, defects, skipped files, notes, and which file
//! versions were read completely (so unchanged files are not read again).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Case, path_str};
use crate::error::Result;

/// Totals over the whole case. `found = parsed + raw_only + skipped` and
/// `messages = parsed + raw_only - duplicates` always hold: `parsed` and
/// `raw_only` count every sighting of a message, `duplicates` the sightings
/// beyond the first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStats {
    /// Message sightings plus skipped files: `parsed + raw_only + skipped`.
    pub found: u64,
    /// Sightings (origins) of messages whose structure was parsed.
    pub parsed: u64,
    /// Sightings (origins) of messages kept raw-only.
    pub raw_only: u64,
    /// Distinct files of folder sources that were not imported.
    pub skipped: u64,
    /// Sightings beyond the first of each message.
    pub duplicates: u64,
    /// Distinct messages in the case.
    pub messages: u64,
    /// Distinct messages whose structure was parsed.
    pub messages_parsed: u64,
    /// Distinct messages kept raw-only.
    pub messages_raw_only: u64,
    /// Attachments over all distinct messages.
    pub attachments: u64,
    /// Messages with each kind of defect.
    pub defects: BTreeMap<String, u64>,
    /// Every named source in the manifest, in the order first recorded.
    pub sources: Vec<SourceRow>,
    /// Imports run into the case (finished or not).
    pub imports: u64,
    /// Messages per DKIM verdict, and per signing domain per verdict.
    #[serde(default)]
    pub dkim: super::DkimStats,
}

/// One defect of a message, for the import report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefectRow {
    /// Row id of the message.
    pub rowid: u64,
    /// The defect kind's name (e.g. `too_large`; see [`DefectKind`](crate::model::DefectKind)).
    pub kind: String,
    /// What exactly was found, for a person.
    pub detail: String,
    /// The message's decoded subject, if any.
    pub subject: Option<String>,
    /// The file the message was first found in, and its byte offset there.
    pub path: Option<PathBuf>,
    /// Byte offset of the message in that file (decompressed stream for a gzip source).
    pub offset: Option<u64>,
}

/// A named source as recorded in the case manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The path of the source as named in the import.
    pub path: PathBuf,
    /// Its format as detected ([`SourceFormat::as_str`](crate::model::SourceFormat::as_str), e.g.
    /// `mbox-gz`).
    pub format: String,
    /// Size in bytes at its last import (for a folder, the total of its files).
    pub size: u64,
    /// SHA-256 (hex) of the file, or of a folder's file list; None until an import has hashed it.
    pub sha256: Option<String>,
    /// Message sightings (origins) in its files.
    pub found: u64,
}

impl Case {
    /// Totals over the whole case, counted from the rows (scans of the
    /// messages and origins tables: seconds at a million messages).
    /// [`Case::stats`] reads the same totals from the maintained counts;
    /// this is what they are checked against.
    pub fn stats_scanned(&self) -> Result<CaseStats> {
        let sql = self.sql();
        let q = |query: &str| sql.count(query, []);
        let mut s = CaseStats {
            parsed: q(
                "SELECT count(*) FROM origins o JOIN messages m ON m.id=o.message WHERE m.status='parsed'",
            )?,
            raw_only: q(
                "SELECT count(*) FROM origins o JOIN messages m ON m.id=o.message WHERE m.status='raw_only'",
            )?,
            skipped: q("SELECT count(DISTINCT path) FROM skipped")?,
            messages: q("SELECT count(*) FROM messages")?,
            messages_parsed: q("SELECT count(*) FROM messages WHERE status='parsed'")?,
            messages_raw_only: q("SELECT count(*) FROM messages WHERE status='raw_only'")?,
            attachments: q("SELECT coalesce(sum(attachments),0) FROM messages")?,
            imports: q("SELECT count(*) FROM imports")?,
            ..CaseStats::default()
        };
        s.dkim = self.dkim_stats()?;
        s.found = s.parsed + s.raw_only + s.skipped;
        s.duplicates = s.parsed + s.raw_only - s.messages;
        s.defects = sql
            .rows(
                "SELECT kind, count(DISTINCT message) FROM defects GROUP BY kind ORDER BY kind",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
            )?
            .into_iter()
            .collect();
        s.sources = sql.rows(
            "SELECT s.path, s.format, s.size, s.sha256,
                    (SELECT count(*) FROM origins o JOIN files f ON f.id=o.file WHERE f.source_id=s.id)
             FROM sources s ORDER BY s.id",
            [],
            |r| {
                Ok(SourceRow {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    format: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    sha256: r.get(3)?,
                    found: r.get::<_, i64>(4)? as u64,
                })
            },
        )?;
        Ok(s)
    }

    /// The report (JSON) of the first import into the case, if it finished.
    pub fn first_import_report(&self) -> Result<Option<serde_json::Value>> {
        let json: Option<Option<String>> =
            self.sql()
                .opt("SELECT report FROM imports ORDER BY id LIMIT 1", [], |r| {
                    r.get(0)
                })?;
        Ok(json.flatten().and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Messages first imported by import `id` that have each kind of defect.
    pub fn defects_of_import(&self, id: i64) -> Result<BTreeMap<String, u64>> {
        let rows = self.sql().rows(
            "SELECT d.kind, count(DISTINCT d.message) FROM defects d JOIN messages m ON m.id=d.message
             WHERE m.import_id=?1 GROUP BY d.kind",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        )?;
        Ok(rows.into_iter().collect())
    }

    /// Every defect in the case, in row order, with the message's subject
    /// and where it was first found (file and byte offset).
    pub fn defect_rows(&self) -> Result<Vec<DefectRow>> {
        self.sql().rows(
            "SELECT d.message, d.kind, d.detail, m.subject,
                    (SELECT f.path FROM origins o JOIN files f ON f.id = o.file
                      WHERE o.message = d.message ORDER BY o.import_id, f.id, o.offset LIMIT 1),
                    (SELECT o.offset FROM origins o JOIN files f ON f.id = o.file
                      WHERE o.message = d.message ORDER BY o.import_id, f.id, o.offset LIMIT 1)
               FROM defects d JOIN messages m ON m.id = d.message
              ORDER BY d.message, d.rowid",
            [],
            |r| {
                Ok(DefectRow {
                    rowid: r.get::<_, i64>(0)? as u64,
                    kind: r.get(1)?,
                    detail: r.get(2)?,
                    subject: r.get(3)?,
                    path: r.get::<_, Option<String>>(4)?.map(PathBuf::from),
                    offset: r.get::<_, Option<i64>>(5)?.map(|o| o.max(0) as u64),
                })
            },
        )
    }

    /// The notes (junk, truncation, separators) recorded by every import:
    /// (path, offset, text).
    pub fn notes(&self) -> Result<Vec<(PathBuf, u64, String)>> {
        self.sql().rows(
            "SELECT path, offset, text FROM notes ORDER BY rowid",
            [],
            |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    r.get::<_, i64>(1)?.max(0) as u64,
                    r.get(2)?,
                ))
            },
        )
    }

    /// Skipped files and source notes of all imports: (path, reason).
    pub fn skipped(&self) -> Result<Vec<(PathBuf, String)>> {
        self.sql().rows(
            "SELECT path, reason FROM skipped GROUP BY path ORDER BY rowid",
            [],
            |r| Ok((PathBuf::from(r.get::<_, String>(0)?), r.get(1)?)),
        )
    }

    /// Files whose import completed, by path: (size, mtime) of the version
    /// read. Used to skip unchanged files without reading them.
    pub fn complete_files(&self) -> Result<HashMap<PathBuf, (u64, i64)>> {
        let rows = self.sql().rows(
            "SELECT path, size, mtime_ns FROM files WHERE complete=1 AND container IS NULL",
            [],
            |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)?),
                ))
            },
        )?;
        Ok(rows.into_iter().collect())
    }

    /// Number of origins recorded for a completed file version.
    pub fn origins_in_file(&self, path: &Path, size: u64, mtime_ns: i64) -> Result<u64> {
        self.sql().count(
            "SELECT count(*) FROM origins o JOIN files f ON f.id=o.file
             WHERE f.path=?1 AND f.size=?2 AND f.mtime_ns=?3",
            params![path_str(path), size as i64, mtime_ns],
        )
    }
}
