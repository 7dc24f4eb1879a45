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

/// What a finished read brings back.
pub enum ReadDone {
    /// View source of the message at `rowid`: the escaped text.
    Source {
        rowid: u64,
        text: Result<String, String>,
    },
    /// An image attachment decoded for a preview.
    Preview {
        rowid: u64,
        index: usize,
        name: String,
        image: Result<egui::ColorImage, String>,
    },
    /// Attachments saved: the line for the status bar.
    Saved(Result<String, String>),
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
                    .unwrap_or_else(|e| ReadDone::Saved(Err(e.to_string())));
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
            Err(TryRecvError::Disconnected) => Some(ReadDone::Saved(Err(format!(
                "{}: the read stopped unexpectedly",
                self.label
            )))),
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
        .map_err(|e| format!("Cannot read the source: {e}"));
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
        .map_err(|e| e.to_string())
        .and_then(|all| match all.get(index) {
            Some((_, bytes)) => super::attachments::decode_image(bytes),
            None => Err("no such attachment".into()),
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
            .map_err(|e| format!("Saving failed: {e}")),
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
            .map_err(|e| format!("Saving failed: {e}")),
    )
}

/// The name an attachment is saved under by default.
pub fn suggested_name(a: &crate::model::Attachment) -> String {
    crate::safename::safe_file_name(&a.name.clone().unwrap_or_else(|| default_name(a)))
}
