//! The writer: the one thread that writes the case. It puts the workers'
//! results back in source order, writes them in transactions of up to
//! 1,000 messages or one second, adds new messages to the search index
//! (committed early, then every 20,000 documents or 20 seconds), and
//! counts everything for the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use sha2::Digest;

use super::report::ImportReport;
use super::work::{FileEnd, FileStart, Parsed, Work, WorkKind};
use super::{BATCH, COMMIT_EVERY};
use crate::error::Result;
use crate::index::{Fields, IndexWriterHandle};
use crate::model::{ParseStatus, Sha256, Skipped, SourceFormat};
use crate::store::{self, Added, Case, OriginRow};

/// Documents added between index commits during an import, at most.
const INDEX_COMMIT_DOCS: u64 = 20_000;
/// Time between index commits during an import, at most, so that a case
/// being imported can be searched.
const INDEX_COMMIT_EVERY: Duration = Duration::from_secs(20);
/// The first index commit comes this soon, so that the window lists the
/// first messages of a big import within seconds; the interval then
/// doubles up to [`INDEX_COMMIT_EVERY`].
const INDEX_FIRST_COMMIT: Duration = Duration::from_secs(2);

/// Time before the next index commit after `commits` of them in this import.
fn index_commit_interval(commits: u32) -> Duration {
    INDEX_FIRST_COMMIT
        .saturating_mul(1u32 << commits.min(8))
        .min(INDEX_COMMIT_EVERY)
}

/// The writer: puts results back in order and commits them in batches.
pub(super) struct Writer<'a> {
    import_id: i64,
    pub(super) report: ImportReport,
    source_ids: Vec<Option<i64>>,
    index: &'a mut IndexWriterHandle,
    fields: &'a Fields,
    last_index_commit: Instant,
    /// Index commits made during this import.
    index_commits: u32,
    file_id: Option<i64>,
    file_path: Option<PathBuf>,
    /// The modification time of the file being read.
    file_mtime: i64,
    /// While an archive's entries are read: the archive's own file row
    /// (`file_id` is then the entry's).
    container_id: Option<i64>,
    file_source: usize,
    /// SHA-256 of the last message written (a whole-file message's is the file's).
    last_raw_sha: Option<Sha256>,
    /// Per source: for a folder, its root and the hash over its mail files
    /// (relative path and SHA-256, in order); for a file, the file's hash.
    hashes: Vec<SourceHash>,
    /// Mail files seen per source (read or unchanged).
    mail_files: Vec<u64>,
}

/// How a source's SHA-256 is made up.
enum SourceHash {
    None,
    Folder(PathBuf, sha2::Sha256),
    File(Option<Sha256>),
}

impl<'a> Writer<'a> {
    /// A writer for import `import_id` of `sources`, adding documents to
    /// `index`.
    pub(super) fn new(
        import_id: i64,
        sources: &[PathBuf],
        index: &'a mut IndexWriterHandle,
        fields: &'a Fields,
    ) -> Writer<'a> {
        Writer {
            import_id,
            report: ImportReport::new(import_id, sources),
            source_ids: vec![None; sources.len()],
            index,
            fields,
            last_index_commit: Instant::now(),
            index_commits: 0,
            file_id: None,
            file_path: None,
            file_mtime: 0,
            container_id: None,
            last_raw_sha: None,
            hashes: (0..sources.len()).map(|_| SourceHash::None).collect(),
            mail_files: vec![0; sources.len()],
            file_source: 0,
        }
    }

    /// Records a mail file's hash in its source's hash.
    fn record_file(&mut self, idx: usize, path: &Path, sha: Option<Sha256>) {
        match &mut self.hashes[idx] {
            SourceHash::Folder(root, h) => {
                let rel = path.strip_prefix(root.as_path()).unwrap_or(path);
                h.update(rel.to_string_lossy().as_bytes());
                h.update(b"\t");
                h.update(sha.map(|s| s.to_hex()).unwrap_or_default().as_bytes());
                h.update(b"\n");
            }
            other => *other = SourceHash::File(sha),
        }
    }

    /// Writes everything `rx` brings, in order, until it closes.
    pub(super) fn run(
        &mut self,
        case: &mut Case,
        rx: &Receiver<Work>,
        progress: &mut dyn FnMut(u64, Option<PathBuf>),
    ) -> Result<()> {
        let mut pending: BTreeMap<u64, WorkKind> = BTreeMap::new();
        let mut next = 0u64;
        let mut ready: Vec<WorkKind> = Vec::new();
        let mut last_commit = Instant::now();
        let mut last_progress = Instant::now();
        let mut open = true;
        while open || !ready.is_empty() {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(w) => {
                    pending.insert(w.seq, w.kind);
                    while let Some(k) = pending.remove(&next) {
                        ready.push(k);
                        next += 1;
                    }
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => open = false,
            }
            if !ready.is_empty()
                && (ready.len() >= BATCH || last_commit.elapsed() >= COMMIT_EVERY || !open)
            {
                let batch = std::mem::take(&mut ready);
                // Counts stand only once committed: when the transaction
                // fails (a full disk) the report, which the audit log keeps
                // for the failed import, must not count what was rolled back.
                let counted = self.report.clone();
                let written = case.transaction(|tx| {
                    for kind in batch {
                        self.apply(tx, kind)?;
                    }
                    Ok(())
                });
                if let Err(e) = written {
                    self.report = counted;
                    return Err(e);
                }
                last_commit = Instant::now();
                if self.index.pending() >= INDEX_COMMIT_DOCS
                    || (self.index.pending() > 0
                        && self.last_index_commit.elapsed()
                            >= index_commit_interval(self.index_commits))
                {
                    self.index.commit(case.max_rowid()?)?;
                    self.last_index_commit = Instant::now();
                    self.index_commits += 1;
                }
            }
            if last_progress.elapsed() >= Duration::from_millis(100) || !open {
                progress(
                    self.report.found - self.report.skipped,
                    self.file_path.clone(),
                );
                last_progress = Instant::now();
            }
        }
        Ok(())
    }

    fn apply(&mut self, tx: &store::Tx<'_>, kind: WorkKind) -> Result<()> {
        match kind {
            WorkKind::SourceStart {
                idx,
                path,
                format,
                size,
            } => self.source_start(tx, idx, path, format, size)?,
            WorkKind::SourceError { idx, error } => {
                self.report.sources[idx].error = Some(error);
            }
            WorkKind::SourceEnd { idx } => self.source_end(tx, idx)?,
            WorkKind::FileStart(start) => self.file_start(tx, start)?,
            WorkKind::FileEnd(end) => self.file_end(tx, end)?,
            WorkKind::FileUnchanged(at) => {
                self.mail_files[at.idx] += 1;
                let sha = tx.file_sha(&at.path, at.size, at.mtime_ns)?;
                self.record_file(at.idx, &at.path, sha);
                self.report.unchanged_files += 1;
                self.report.sources[at.idx].unchanged_files += 1;
            }
            WorkKind::Skipped { idx, skipped } => self.skipped(tx, idx, skipped)?,
            WorkKind::Parsed(p) => self.message(tx, *p)?,
            WorkKind::FileDone(start, messages, end) => {
                self.file_start(tx, start)?;
                for p in messages {
                    self.message(tx, p)?;
                }
                self.file_end(tx, end)?;
            }
            WorkKind::EntryStart {
                entry,
                format,
                size,
            } => self.entry_start(tx, &entry, format, size)?,
            WorkKind::EntryEnd(end) => self.entry_end(tx, end)?,
            WorkKind::Many(steps) => {
                for k in steps {
                    self.apply(tx, k)?;
                }
            }
            WorkKind::ReadFile(_) => {}
            WorkKind::Message(_) => {}
        }
        Ok(())
    }

    fn source_start(
        &mut self,
        tx: &store::Tx<'_>,
        idx: usize,
        path: PathBuf,
        format: SourceFormat,
        size: u64,
    ) -> Result<()> {
        let id = tx.source(&path, format, size, self.import_id)?;
        self.source_ids[idx] = Some(id);
        self.hashes[idx] = if matches!(format, SourceFormat::Folder | SourceFormat::Maildir) {
            SourceHash::Folder(path, sha2::Sha256::new())
        } else {
            SourceHash::File(None)
        };
        let s = &mut self.report.sources[idx];
        s.format = Some(format);
        s.size = size;
        Ok(())
    }

    fn source_end(&mut self, tx: &store::Tx<'_>, idx: usize) -> Result<()> {
        let mail_files = self.mail_files[idx];
        let sha256 = match std::mem::replace(&mut self.hashes[idx], SourceHash::None) {
            SourceHash::Folder(_, h) => Some(Sha256(h.finalize().into())),
            SourceHash::File(sha) => sha,
            SourceHash::None => None,
        };
        let s = &mut self.report.sources[idx];
        if let (Some(sha), Some(id)) = (sha256, self.source_ids[idx]) {
            tx.source_hash(id, &sha)?;
            s.sha256 = Some(sha.to_hex());
        }
        if mail_files == 0 && s.error.is_none() {
            s.error = Some(format!(
                "{}: no mail found in this folder ({} files skipped)",
                s.path.display(),
                s.skipped
            ));
        }
        Ok(())
    }

    fn file_start(&mut self, tx: &store::Tx<'_>, start: FileStart) -> Result<()> {
        let FileStart { at, format } = start;
        self.mail_files[at.idx] += 1;
        let source_id = self.source_ids[at.idx].unwrap_or(0);
        self.file_id = Some(tx.file(
            source_id,
            &at.path,
            format,
            at.size,
            at.mtime_ns,
            self.import_id,
        )?);
        self.file_path = Some(at.path);
        self.file_mtime = at.mtime_ns;
        self.container_id = None;
        self.file_source = at.idx;
        self.last_raw_sha = None;
        Ok(())
    }

    /// An entry of the archive being read: a file row of its own, which
    /// the messages until its end are found in.
    fn entry_start(
        &mut self,
        tx: &store::Tx<'_>,
        entry: &str,
        format: SourceFormat,
        size: u64,
    ) -> Result<()> {
        let Some(container) = self.container_id.or(self.file_id) else {
            return Ok(());
        };
        self.container_id = Some(container);
        let shown = match &self.file_path {
            Some(p) => crate::source::archive::shown(p, entry),
            None => entry.to_string(),
        };
        let source_id = self.source_ids[self.file_source].unwrap_or(0);
        self.file_id = Some(tx.entry_file(
            source_id,
            container,
            &shown,
            entry,
            format,
            size,
            self.file_mtime,
            self.import_id,
        )?);
        Ok(())
    }

    /// The end of an archive entry: marked complete with its SHA-256.
    fn entry_end(&mut self, tx: &store::Tx<'_>, end: FileEnd) -> Result<()> {
        if let Some(id) = self.file_id
            && self.container_id.is_some()
            && end.complete
        {
            tx.file_complete(id, end.sha256.as_ref())?;
        }
        self.notes(tx, &end.notes)?;
        self.report.notes.extend(end.notes);
        self.file_id = self.container_id;
        Ok(())
    }

    fn notes(&mut self, tx: &store::Tx<'_>, notes: &[crate::source::SourceNote]) -> Result<()> {
        for n in notes {
            tx.note(
                self.import_id,
                self.source_ids[self.file_source],
                &n.path,
                n.offset,
                &n.text,
            )?;
        }
        Ok(())
    }

    fn file_end(&mut self, tx: &store::Tx<'_>, end: FileEnd) -> Result<()> {
        if let Some(c) = self.container_id.take() {
            self.file_id = Some(c);
        }
        let sha256 = if end.sha_from_message {
            self.last_raw_sha.take()
        } else {
            end.sha256
        };
        if let Some(path) = self.file_path.clone() {
            self.record_file(self.file_source, &path, sha256);
        }
        if let Some(id) = self.file_id {
            if end.complete {
                tx.gz_checkpoints(id, &end.gz_checkpoints)?;
                tx.file_complete(id, sha256.as_ref())?;
            }
            self.notes(tx, &end.notes)?;
        }
        self.report.notes.extend(end.notes);
        Ok(())
    }

    fn skipped(&mut self, tx: &store::Tx<'_>, idx: usize, skipped: Skipped) -> Result<()> {
        tx.skipped(
            self.import_id,
            self.source_ids[idx],
            &skipped.path,
            &skipped.reason,
        )?;
        self.report.skipped += 1;
        self.report.found += 1;
        let s = &mut self.report.sources[idx];
        s.skipped += 1;
        s.found += 1;
        self.report.skipped_files.push(skipped);
        Ok(())
    }

    fn message(&mut self, tx: &store::Tx<'_>, p: Parsed) -> Result<()> {
        let Some(file_id) = self.file_id else {
            return Ok(());
        };
        self.last_raw_sha = Some(p.raw_sha256);
        let origin = OriginRow {
            file_id,
            offset: p.offset,
            length: p.length,
            raw_sha256: p.raw_sha256,
            from_line: p.from_line.as_deref(),
            maildir_flags: p.maildir_flags.as_deref(),
            converted: p.converted.as_deref(),
        };
        let (added, rowid) = tx.add_message(&p.prepared, &origin, self.import_id)?;
        if let Some(o) = &p.prepared.dkim {
            tx.dkim(rowid, o)?;
        }
        if added == Added::New {
            self.report.dkim.count(p.prepared.dkim.as_ref());
            let mut doc = p.doc;
            self.fields.set_rowid(&mut doc, rowid as u64);
            self.index.add(doc)?;
        }
        let r = &mut self.report;
        let s = &mut r.sources[self.file_source];
        r.found += 1;
        s.found += 1;
        match p.prepared.status {
            ParseStatus::Parsed => {
                r.parsed += 1;
                s.parsed += 1;
            }
            ParseStatus::RawOnly => {
                r.raw_only += 1;
                s.raw_only += 1;
            }
        }
        match added {
            Added::New => {
                r.new += 1;
                s.new += 1;
            }
            Added::Duplicate => {
                r.duplicates += 1;
                s.duplicates += 1;
            }
            Added::AlreadyPresent => {
                r.already_present += 1;
                s.already_present += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_commits_come_early_then_back_off() {
        let secs: Vec<u64> = (0..7).map(|n| index_commit_interval(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 20, 20, 20]);
        assert_eq!(index_commit_interval(u32::MAX), INDEX_COMMIT_EVERY);
    }
}
