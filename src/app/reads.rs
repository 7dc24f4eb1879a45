//! Reads of the sources for the reading pane — View source, an image
//! preview, saving attachments — on a thread of their own, so that a large
//! attachment, a message deep in a big mbox or a slow disk never blocks the
//! window. One read at a time: starting another supersedes it (only the
//! newest result is applied). The thread opens the case for reading by
//! itself (no search index needed: [`SourceReader`]).

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::browse::{SourceReader, default_name};
use crate::model::MessageKey;

/// Most bytes of a message shown by View source.
const SOURCE_SHOWN: usize = 4 << 20;

/// Why a read of the sources brought nothing back; shown in the status
/// line or the reading pane in these words.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The message's bytes could not be read back (source moved, changed
    /// or unreadable).
    #[error("Cannot read the source: {0}")]
    Source(#[source] crate::error::Error),
    /// Saving attachments failed (the folder is not writable, the disk is
    /// full, or the source could not be read).
    #[error("Saving failed: {0}")]
    Save(#[source] crate::error::Error),
    /// The case could not be opened or read.
    #[error("{0}")]
    Case(#[from] crate::error::Error),
    /// The message has no attachment at that position.
    #[error("no such attachment")]
    NoSuchAttachment,
    /// The attachment is not an image the preview can decode within its
    /// limits (the decoder's words).
    #[error("{0}")]
    Image(String),
    /// The reading thread ended without a result (it panicked).
    #[error("{0}: the read stopped unexpectedly")]
    Stopped(String),
}

/// What a finished read brings back.
pub enum ReadDone {
    /// View source of the message at `rowid`: the escaped text.
    Source {
        rowid: u64,
        text: Result<String, ReadError>,
    },
    /// An image attachment decoded for a preview.
    Preview {
        rowid: u64,
        index: usize,
        name: String,
        image: Result<egui::ColorImage, ReadError>,
    },
    /// Attachments saved: the line for the status bar.
    Saved(Result<String, ReadError>),
    /// The bytes after a DKIM signature's `l=` length (escaped), of the
    /// message at `rowid`.
    UnsignedTail {
        rowid: u64,
        text: Result<String, ReadError>,
    },
    /// The delivery path (`Received:` hops, oldest first) of the message
    /// at `rowid`.
    Received {
        rowid: u64,
        hops: Result<Vec<crate::parse::received::Hop>, ReadError>,
    },
}

/// A read running on its thread.
pub struct PendingRead {
    /// What it does, as shown in the status line while it runs.
    pub label: String,
    rx: Receiver<ReadDone>,
}

impl PendingRead {
    /// Runs `f` on a thread with the case at `root` open for reading;
    /// `ctx` is woken when it is done.
    pub fn start(
        root: PathBuf,
        label: String,
        ctx: egui::Context,
        f: impl FnOnce(&SourceReader<'_>) -> ReadDone + Send + 'static,
    ) -> std::io::Result<PendingRead> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("mailsift-read".into())
            .spawn(move || {
                let done = SourceReader::with_case(&root, f)
                    .unwrap_or_else(|e| ReadDone::Saved(Err(ReadError::Case(e))));
                // The window may have moved on (a newer read): then nobody
                // listens, which is fine.
                let _ = tx.send(done);
                ctx.request_repaint();
            })?;
        Ok(PendingRead { label, rx })
    }

    /// The result, once there is one. A thread that ended without one
    /// (it panicked) is reported as an error.
    pub fn poll(&self) -> Option<ReadDone> {
        match self.rx.try_recv() {
            Ok(done) => Some(done),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(ReadDone::Saved(Err(ReadError::Stopped(self.label.clone()))))
            }
        }
    }
}

/// View source: the message's raw bytes, escaped, after a line naming
/// where they were read and their SHA-256.
pub fn source_text(r: &SourceReader<'_>, key: &MessageKey, rowid: u64) -> ReadDone {
    let text = r
        .raw(key)
        .map(|(raw, origin)| {
            let mut text = format!(
                "{} @ {} ({} bytes, SHA-256 {})\n\n",
                origin.path.display(),
                origin.offset,
                raw.len(),
                origin.raw_sha256.to_hex()
            );
            text.push_str(&crate::display::escape_bytes(
                &raw[..raw.len().min(SOURCE_SHOWN)],
            ));
            if raw.len() > SOURCE_SHOWN {
                text.push_str(&format!(
                    "\n… {} more bytes not shown",
                    raw.len() - SOURCE_SHOWN
                ));
            }
            text
        })
        .map_err(ReadError::Source);
    ReadDone::Source { rowid, text }
}

/// An image attachment, decoded (with the preview's size limits).
pub fn preview(
    r: &SourceReader<'_>,
    key: &MessageKey,
    rowid: u64,
    index: usize,
    name: String,
) -> ReadDone {
    let image = r
        .attachments(key)
        .map_err(ReadError::Case)
        .and_then(|all| match all.get(index) {
            Some((_, bytes)) => super::attachments::decode_image(bytes).map_err(ReadError::Image),
            None => Err(ReadError::NoSuchAttachment),
        });
    ReadDone::Preview {
        rowid,
        index,
        name,
        image,
    }
}

/// Every attachment of the message saved into `dir` (safe names, never
/// overwriting).
pub fn save_all(r: &SourceReader<'_>, key: &MessageKey, dir: &Path) -> ReadDone {
    ReadDone::Saved(
        r.save_attachments(key, dir)
            .map(|paths| format!("{} attachments saved to {}", paths.len(), dir.display()))
            .map_err(ReadError::Save),
    )
}

/// Attachment `index` saved as `file` in `dir` (made safe, never
/// overwriting).
pub fn save_one(
    r: &SourceReader<'_>,
    key: &MessageKey,
    index: usize,
    dir: &Path,
    file: &str,
) -> ReadDone {
    let saved = r.save_attachment(key, index, dir, file);
    ReadDone::Saved(
        saved
            .map(|p| format!("Saved {}", p.display()))
            .map_err(ReadError::Save),
    )
}

/// The name an attachment is saved under by default.
pub fn suggested_name(a: &crate::model::Attachment) -> String {
    crate::safename::safe_file_name(&a.name.clone().unwrap_or_else(|| default_name(a)))
}
