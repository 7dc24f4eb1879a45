//! The parse workers (one per core): each message is hashed,
//! canonicalised, parsed (attachment text included) and prepared for the
//! writer; the small files of a folder are also read and split here, so a
//! folder of 44,000 `.eml` files is read on all cores.

use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender};

use super::split::{sniff, split_stream, whole_message};
use super::work::{Budget, FileAt, FileEnd, FileStart, Parsed, Work, WorkKind};
use crate::index::Fields;
use crate::model::{Limits, Sha256, Skipped, SourceFormat};
use crate::source::{self, Detected, RawMessage};
use crate::store;

/// What a parse worker needs.
pub(super) struct WorkerCtx<'a> {
    pub(super) limits: &'a Limits,
    pub(super) fields: &'a Fields,
    pub(super) budget: &'a Budget,
    pub(super) bytes_read: &'a AtomicU64,
    pub(super) docs: &'a crate::attachtext::DocCache,
    /// Now, in seconds since the epoch (dates far in the future are flagged).
    pub(super) now: i64,
    /// The DKIM keys (bundled archive and the case's), loaded once per
    /// import; None: no verification (a benchmark's comparison).
    pub(super) keys: Option<&'a crate::dkim::KeyStore>,
    /// Whether patterns in the text are looked for (see `crate::patterns`).
    pub(super) patterns: bool,
}

/// Works until the reader's channel closes or the writer is gone.
pub(super) fn worker(rx: Receiver<Work>, tx: Sender<Work>, ctx: &WorkerCtx<'_>) {
    for work in rx {
        let kind = match work.kind {
            WorkKind::Message(raw) => {
                let held = raw.bytes.len();
                let parsed = process(*raw, ctx);
                ctx.budget.release(held);
                WorkKind::Parsed(Box::new(parsed))
            }
            WorkKind::ReadFile(at) => read_file(at, ctx),
            other => other,
        };
        if tx
            .send(Work {
                seq: work.seq,
                kind,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Reads, detects and parses a small file in a folder.
fn read_file(at: FileAt, ctx: &WorkerCtx<'_>) -> WorkKind {
    let skip = |reason: String| WorkKind::Skipped {
        idx: at.idx,
        skipped: Skipped {
            path: at.path.clone(),
            reason,
        },
    };
    let path = &at.path;
    let bytes = match source::read_source(path) {
        Ok(b) => b,
        Err(e) => return skip(format!("cannot be read: {e}")),
    };
    ctx.bytes_read
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let format = match sniff(&bytes) {
        Detected::Mail(f) => f,
        Detected::NotMail(why) => return skip(format!("not mail: {why}")),
    };
    if format.is_outlook() {
        // A small PST or a .msg in a folder: its converted messages.
        let sha256 = Sha256::of(&bytes);
        let mut raws = Vec::new();
        let (notes, complete) = super::outlook::outlook_bytes(bytes, path, format, &mut |m| {
            raws.push(m);
            true
        });
        let messages = raws.into_iter().map(|r| process(r, ctx)).collect();
        return WorkKind::FileDone(
            FileStart { at, format },
            messages,
            FileEnd::whole(Some(sha256), notes, complete),
        );
    }
    if format.is_archive() {
        // A small archive in a folder: its entries' steps, in order, the
        // messages parsed here.
        let sha256 = Sha256::of(&bytes);
        let mut steps = Vec::new();
        let (notes, complete) = super::archive::read_archive(
            &mut Cursor::new(bytes),
            &at,
            format,
            ctx.limits,
            &mut |k| {
                steps.push(match k {
                    WorkKind::Message(raw) => WorkKind::Parsed(Box::new(process(*raw, ctx))),
                    other => other,
                });
                true
            },
        );
        let mut all = vec![WorkKind::FileStart(FileStart { at, format })];
        all.append(&mut steps);
        all.push(WorkKind::FileEnd(FileEnd::whole(
            Some(sha256),
            notes,
            complete,
        )));
        return WorkKind::Many(all);
    }
    let (raws, sha256, notes, complete) = if format == SourceFormat::Eml {
        (
            vec![whole_message(path, format, bytes)],
            None,
            Vec::new(),
            true,
        )
    } else {
        let sha = Sha256::of(&bytes);
        let stream: Box<dyn Read> = if format.is_compressed() {
            Box::new(source::gzindex::GzReader::new(Cursor::new(bytes)))
        } else {
            Box::new(Cursor::new(bytes))
        };
        let mut raws: Vec<RawMessage> = Vec::new();
        let Ok((notes, complete)) = split_stream(stream, path, format, ctx.limits, |m| {
            raws.push(m);
            Ok::<bool, std::convert::Infallible>(true)
        });
        (raws, Some(sha), notes, complete)
    };
    let messages = raws.into_iter().map(|r| process(r, ctx)).collect();
    WorkKind::FileDone(
        FileStart { at, format },
        messages,
        FileEnd::whole(sha256, notes, complete),
    )
}

/// Hash, canonicalise, parse and prepare one message.
fn process(raw: RawMessage, ctx: &WorkerCtx<'_>) -> Parsed {
    let (raw_sha256, key) = raw.hashes();
    let complete = raw.is_complete();
    // Parse the message as it was before it went into an mbox: quoting
    // undone, line ends untouched (binary parts may hold CRLF).
    let bytes = if let Some(joined) = &raw.parse_bytes {
        // A .partial.emlx with its attachment files joined in.
        std::borrow::Cow::Borrowed(&joined[..])
    } else if raw.mbox_quoted {
        source::unquote_mbox(&raw.bytes)
    } else {
        std::borrow::Cow::Borrowed(&raw.bytes[..])
    };
    let size = if complete && raw.parse_bytes.is_none() {
        bytes.len() as u64
    } else {
        raw.length
    };
    let mut msg = crate::parse::parse_message_with(
        key,
        &bytes,
        complete,
        size,
        ctx.limits,
        ctx.now,
        Some(ctx.docs),
    );
    let mut defects = raw.defects;
    defects.append(&mut msg.defects);
    msg.defects = defects;
    // An Outlook item's folder is its label (`folder:` / `label:`).
    for l in raw.labels {
        if !msg.labels.iter().any(|x| x.eq_ignore_ascii_case(&l)) {
            msg.labels.push(l);
        }
    }
    let doc = ctx.fields.document_with(&msg, ctx.patterns);
    // Offline, here on the worker: a message kept only in part cannot be.
    let dkim = ctx
        .keys
        .filter(|_| complete)
        .map(|keys| crate::dkim::verify_message(&bytes, keys, &crate::dkim::Context::of(&msg)));
    let mut prepared = store::prepare(msg);
    prepared.dkim = dkim;
    Parsed {
        doc,
        prepared,
        offset: raw.offset,
        length: raw.length,
        raw_sha256,
        from_line: raw.from_line,
        maildir_flags: raw.maildir_flags,
        converted: raw.converted,
    }
}
