//! A file's bytes into raw messages, the same way whichever thread reads
//! it (the reader for named and larger files, a worker for the small files
//! of a folder): what it is ([`sniff`]), a whole-file message
//! ([`whole_message`]), or the messages of a stream ([`split_stream`]: an
//! mbox split at its `From_` lines, or one message).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::model::{Limits, SourceFormat};
use crate::source::{self, Detected, RawMessage, SNIFF_BYTES, SourceNote, mbox::MboxSplitter};

/// What a file's first bytes say it is.
pub(super) fn sniff(bytes: &[u8]) -> Detected {
    source::detect_head(&bytes[..bytes.len().min(SNIFF_BYTES)])
}

/// A file that is one message (an `.eml`, a maildir file), read whole.
pub(super) fn whole_message(path: &Path, format: SourceFormat, bytes: Vec<u8>) -> RawMessage {
    RawMessage::whole_file(Arc::from(path), format, bytes)
}

/// Hands the messages of `stream` (an mbox, or one message) to `each`,
/// which returns whether to go on (`false`: the import was cancelled) or
/// an error that stops at once. Returns the notes about the stream and
/// whether it was read to its end.
pub(super) fn split_stream<E>(
    stream: Box<dyn Read + '_>,
    path: &Path,
    format: SourceFormat,
    limits: &Limits,
    mut each: impl FnMut(RawMessage) -> Result<bool, E>,
) -> Result<(Vec<SourceNote>, bool), E> {
    let shared: Arc<Path> = Arc::from(path);
    let mut notes = Vec::new();
    let mut complete = true;
    match format {
        SourceFormat::Mbox | SourceFormat::MboxGz => {
            let mut splitter = MboxSplitter::new(
                stream,
                shared,
                format,
                limits.max_message_bytes,
                limits.max_header_block,
            );
            for m in splitter.by_ref() {
                if !each(m)? {
                    complete = false;
                    break;
                }
            }
            notes = splitter.take_notes();
        }
        _ => match if format == SourceFormat::Emlx {
            source::emlx::read_emlx(
                stream,
                shared,
                limits.max_message_bytes,
                limits.max_header_block,
            )
        } else {
            source::eml::read_message(
                stream,
                shared,
                format,
                limits.max_message_bytes,
                limits.max_header_block,
            )
        } {
            Ok(m) => {
                // One message: read to its end whatever `each` says.
                each(m)?;
            }
            Err(e) => {
                complete = false;
                notes.push(SourceNote {
                    path: path.to_path_buf(),
                    offset: 0,
                    text: format!("read error: {e}; the message was not imported"),
                });
            }
        },
    }
    Ok((notes, complete))
}
