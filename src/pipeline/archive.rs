//! An archive's entries as import steps, the same whichever thread reads
//! it (the reader for named and larger files, a worker for a small archive
//! in a folder): for each mail entry an `EntryStart`, its messages (split
//! like any file's, [`split_stream`]), an `EntryEnd` with the entry's
//! SHA-256; a `Skipped` for each entry that is not mail or is not read.

use std::convert::Infallible;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::split::split_stream;
use super::work::{FileAt, FileEnd, WorkKind};
use crate::model::{Limits, Skipped, SourceFormat};
use crate::source::archive::{self, ArchiveLimits, Visitor};
use crate::source::{HashingReader, SourceNote, gzindex::GzReader};

/// Walks the archive `src` (the file `at`, of `format`), handing each
/// step to `emit`, which returns whether to go on. Returns the notes
/// about the archive and whether it was read to its end.
pub(super) fn read_archive<R: Read + Seek>(
    src: &mut R,
    at: &FileAt,
    format: SourceFormat,
    limits: &Limits,
    emit: &mut dyn FnMut(WorkKind) -> bool,
) -> (Vec<SourceNote>, bool) {
    let mut steps = Steps {
        at,
        limits,
        emit,
        stopped: false,
    };
    let walked = archive::walk(
        src,
        format,
        &at.path,
        at.size,
        &ArchiveLimits::default(),
        &mut steps,
    );
    let complete = walked.complete && !steps.stopped;
    (walked.notes, complete)
}

struct Steps<'a> {
    at: &'a FileAt,
    limits: &'a Limits,
    emit: &'a mut dyn FnMut(WorkKind) -> bool,
    stopped: bool,
}

impl Steps<'_> {
    fn emit(&mut self, k: WorkKind) -> bool {
        if !self.stopped && !(self.emit)(k) {
            self.stopped = true;
        }
        !self.stopped
    }
}

impl Visitor for Steps<'_> {
    fn mail(
        &mut self,
        entry: &str,
        format: SourceFormat,
        size: u64,
        stream: &mut dyn Read,
    ) -> bool {
        if !self.emit(WorkKind::EntryStart {
            entry: entry.to_string(),
            format,
            size,
        }) {
            return false;
        }
        let shown = PathBuf::from(archive::shown(&self.at.path, entry));
        let mut hashing = HashingReader::new(stream, Arc::new(AtomicU64::new(0)));
        let split = {
            let s: Box<dyn Read + '_> = if format.is_compressed() {
                Box::new(GzReader::new(&mut hashing))
            } else {
                Box::new(&mut hashing)
            };
            let limits = self.limits;
            split_stream(s, &shown, format, limits, |m| {
                Ok::<bool, Infallible>(self.emit(WorkKind::Message(Box::new(m))))
            })
        };
        let Ok((mut notes, complete)) = split;
        if self.stopped {
            return false;
        }
        let sha256 = if complete {
            match hashing.finish() {
                Ok(s) => Some(s),
                Err(e) => {
                    notes.push(SourceNote {
                        path: shown,
                        offset: 0,
                        text: format!("read error while hashing the entry: {e}"),
                    });
                    None
                }
            }
        } else {
            None
        };
        self.emit(WorkKind::EntryEnd(FileEnd {
            sha256,
            sha_from_message: false,
            notes,
            complete: sha256.is_some(),
            gz_checkpoints: Vec::new(),
        }))
    }

    fn skipped(&mut self, entry: &str, reason: String) -> bool {
        let path = PathBuf::from(archive::shown(&self.at.path, entry));
        self.emit(WorkKind::Skipped {
            idx: self.at.idx,
            skipped: Skipped { path, reason },
        })
    }
}
