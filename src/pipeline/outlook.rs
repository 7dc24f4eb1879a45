//! Outlook containers in the import (src/outlook/): a PST's mail items
//! and a `.msg`'s item as raw messages whose bytes are the converted
//! rendering, each with the item's address (`converted`) and, for a PST,
//! its folder path as a label. What could not be read (a folder, an
//! item, an attachment) becomes a note of the file, naming the node.

use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

use crate::model::SourceFormat;
use crate::outlook::{self, MSG_ADDRESS, pst};
use crate::source::{RawMessage, SourceNote};

/// A converted item as a raw message at `offset` (a PST's node id, 0 for
/// a `.msg`).
fn converted(
    path: &Arc<Path>,
    format: SourceFormat,
    offset: u64,
    address: String,
    labels: Vec<String>,
    item: &outlook::Item,
) -> RawMessage {
    let bytes = outlook::render::render(item, &address);
    let mut raw = RawMessage::whole_file(path.clone(), format, bytes);
    raw.maildir_flags = None;
    raw.offset = offset;
    raw.converted = Some(address);
    raw.labels = labels;
    raw
}

/// Hands every mail item of the PST in `reader` to `each` (false: stop).
/// Returns the notes about the file and whether it was read to its end.
pub(super) fn pst_messages<R: Read + Seek + 'static>(
    reader: R,
    path: &Path,
    each: &mut dyn FnMut(RawMessage) -> bool,
) -> (Vec<SourceNote>, bool) {
    let shared: Arc<Path> = Arc::from(path);
    let mut notes = Vec::new();
    let note = |offset: u64, text: String| SourceNote {
        path: path.to_path_buf(),
        offset,
        text,
    };
    let walked = pst::walk(reader, &mut |it| {
        for p in &it.item.problems {
            notes.push(note(
                u64::from(it.nid),
                format!("item node 0x{:08X}: {p}", it.nid),
            ));
        }
        let labels = if it.folder.is_empty() {
            Vec::new()
        } else {
            vec![it.folder.clone()]
        };
        let address = outlook::pst_address(it.nid, &it.folder);
        each(converted(
            &shared,
            SourceFormat::Pst,
            u64::from(it.nid),
            address,
            labels,
            &it.item,
        ))
    });
    match walked {
        Ok(end) => {
            notes.extend(end.notes.into_iter().map(|t| note(0, t)));
            (notes, end.complete)
        }
        Err(why) => {
            notes.push(note(0, format!("cannot be read as a PST: {why}")));
            (notes, false)
        }
    }
}

/// The item of a `.msg` file with notes on what of it could not be
/// read, or a note saying why nothing could.
fn msg_message(bytes: &[u8], path: &Path) -> Result<(RawMessage, Vec<SourceNote>), SourceNote> {
    let note = |text: String| SourceNote {
        path: path.to_path_buf(),
        offset: 0,
        text,
    };
    match outlook::msg::read_msg(bytes) {
        Ok(item) => {
            let raw = converted(
                &Arc::from(path),
                SourceFormat::Msg,
                0,
                MSG_ADDRESS.to_string(),
                Vec::new(),
                &item,
            );
            Ok((raw, item.problems.into_iter().map(note).collect()))
        }
        Err(why) => Err(note(format!(
            "cannot be read as an Outlook message: {why}; nothing was imported"
        ))),
    }
}

/// The steps of an Outlook file already in memory: its raw messages, the
/// notes and whether it was read whole.
pub(super) fn outlook_bytes(
    bytes: Vec<u8>,
    path: &Path,
    format: SourceFormat,
    each: &mut dyn FnMut(RawMessage) -> bool,
) -> (Vec<SourceNote>, bool) {
    if format == SourceFormat::Msg {
        return match msg_message(&bytes, path) {
            Ok((raw, notes)) => {
                each(raw);
                (notes, true)
            }
            Err(note) => (vec![note], false),
        };
    }
    pst_messages(std::io::Cursor::new(bytes), path, each)
}
