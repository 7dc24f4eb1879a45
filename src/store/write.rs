//! Writing a case: a message prepared for storage off the writer thread
//! ([`prepare`]), and the writes of one transaction ([`Tx`]): sources,
//! file versions, skipped files, notes, gzip checkpoints, and message
//! sightings (a new message, or a new origin of a known one).

use std::path::Path;

use rusqlite::params;

use super::path_str;
use super::sql::Sql;
use crate::error::Result;
use crate::model::{
    Address, Defect, DefectKind, Message, MessageKey, ParseStatus, Sha256, SourceFormat, TextStatus,
};

/// What became of a message handed to [`Tx::add_message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A message the case did not have.
    New,
    /// The case had the message from another origin: this origin was added.
    Duplicate,
    /// The case had this message from this very origin (an import resumed
    /// or repeated).
    AlreadyPresent,
}

/// A message ready to be stored: the columns and the compressed record,
/// prepared off the writer thread by [`prepare`].
pub struct Prepared {
    /// The message's identity.
    pub key: MessageKey,
    /// Whether the MIME structure was parsed or only the raw bytes are kept.
    pub status: ParseStatus,
    /// Size of the canonical message in bytes.
    pub size: u64,
    /// Seconds since the Unix epoch (UTC); None when undated.
    pub date: Option<i64>,
    /// The decoded subject, if any.
    pub subject: Option<String>,
    /// The Message-ID without angle brackets, if any.
    pub message_id: Option<String>,
    /// The first From address (lower case), for sorting.
    pub from_addr: Option<String>,
    /// The first To address (lower case), for sorting.
    pub to_addr: Option<String>,
    /// The first From display name, if it has one (sorting by what the
    /// list shows).
    pub from_name: Option<String>,
    /// The first To display name, if it has one.
    pub to_name: Option<String>,
    /// Number of attachments.
    pub attachments: usize,
    /// SHA-256 of each attachment, in order.
    pub attachment_shas: Vec<Sha256>,
    /// The attachments' texts, once per content, taken out of the record.
    pub texts: Vec<AttachmentText>,
    /// Threading headers: In-Reply-To and References ids, space-separated.
    pub in_reply_to: Option<String>,
    /// References ids, oldest first, space-separated; None when there are none.
    pub refs: Option<String>,
    /// Gmail's `X-GM-THRID`, if present.
    pub gm_thrid: Option<String>,
    /// Outlook's `Thread-Index` (base64), if present.
    pub thread_index: Option<String>,
    /// The message record without attachment texts and defects: JSON, LZ4-compressed with its size
    /// prepended.
    pub data: Vec<u8>,
    /// Problems found in the message, stored as rows of their own.
    pub defects: Vec<Defect>,
    /// The DKIM verdict, when the message was verified (a message kept
    /// only in part is not).
    pub dkim: Option<crate::dkim::Outcome>,
    /// Every From, To, Cc and Bcc address, for the `participants` table.
    pub participants: Vec<Participant>,
}

/// One address of a message, as a row of `participants`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// [`ROLE_FROM`], [`ROLE_TO`], [`ROLE_CC`] or [`ROLE_BCC`].
    pub role: u8,
    /// The address as written (not lower-cased).
    pub address: String,
    /// The display name, as decoded.
    pub name: Option<String>,
}

/// The role of a `participants` row: the message itself (its date).
pub(super) const ROLE_MESSAGE: u8 = 0;
/// The role of a `participants` row: a `From` address.
pub const ROLE_FROM: u8 = 1;
/// The role of a `participants` row: a `To` address.
pub const ROLE_TO: u8 = 2;
/// The role of a `participants` row: a `Cc` address.
pub const ROLE_CC: u8 = 3;
/// The role of a `participants` row: a `Bcc` address.
pub const ROLE_BCC: u8 = 4;

/// The addresses of a message, in header order, From first.
pub(super) fn participants_of(
    from: &[Address],
    to: &[Address],
    cc: &[Address],
    bcc: &[Address],
) -> Vec<Participant> {
    [
        (from, ROLE_FROM),
        (to, ROLE_TO),
        (cc, ROLE_CC),
        (bcc, ROLE_BCC),
    ]
    .into_iter()
    .flat_map(|(list, role)| {
        list.iter().map(move |a| Participant {
            role,
            address: a.addr.clone(),
            name: a.name.clone(),
        })
    })
    .collect()
}

/// Writes a message's `participants` rows: position 0 is the message
/// itself (role 0, its date, no address), then one row per address.
pub(super) fn write_participants(
    sql: Sql<'_>,
    id: i64,
    date: Option<i64>,
    participants: &[Participant],
) -> Result<()> {
    sql.exec(
        "INSERT OR REPLACE INTO participants(message, pos, role, address, name, date)
         VALUES (?1, 0, ?2, '', NULL, ?3)",
        params![id, ROLE_MESSAGE, date],
    )?;
    for (i, p) in participants.iter().enumerate() {
        sql.exec(
            "INSERT OR REPLACE INTO participants(message, pos, role, address, name, date)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![id, i as i64 + 1, p.role, p.address, p.name],
        )?;
    }
    Ok(())
}

/// The text of an attachment's content, stored once per SHA-256.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachmentText {
    /// SHA-256 of the decoded attachment content.
    pub sha256: Sha256,
    /// The detected kind (`pdf`, `docx`, …), if known.
    pub kind: Option<String>,
    /// What became of the text.
    pub status: TextStatus,
    /// The text, capped; None when there is none.
    pub text: Option<String>,
}

/// A display name worth sorting by: trimmed, not empty.
fn display_name(a: Option<&crate::model::Address>) -> Option<String> {
    a?.name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// Serialises and compresses a message for storage. Attachment texts are
/// moved out of the record into [`Prepared::texts`].
pub fn prepare(mut msg: Message) -> Prepared {
    let defects = std::mem::take(&mut msg.defects);
    let mut texts: Vec<AttachmentText> = Vec::new();
    for a in &mut msg.attachments {
        let text = a.text.take();
        let status = match (a.text_status, &text) {
            (Some(s), _) => s,
            (None, Some(_)) => TextStatus::Extracted,
            (None, None) => continue,
        };
        // The same content twice in a message (an empty file, or the same
        // bytes under a name of another kind): one entry, the one with text.
        if let Some(t) = texts.iter_mut().find(|t| t.sha256 == a.sha256) {
            if t.text.is_none() && text.is_some() {
                t.kind = a.kind.clone();
                t.status = status;
                t.text = text;
            }
            continue;
        }
        texts.push(AttachmentText {
            sha256: a.sha256,
            kind: a.kind.clone(),
            status,
            text,
        });
    }
    let json = serde_json::to_vec(&msg).unwrap_or_default();
    let joined = |ids: &[String]| (!ids.is_empty()).then(|| ids.join(" "));
    Prepared {
        in_reply_to: joined(&msg.in_reply_to),
        refs: joined(&msg.references),
        gm_thrid: msg.gm_thread_id.clone(),
        thread_index: msg.thread_index.clone(),
        key: msg.key,
        status: msg.status,
        size: msg.size,
        date: msg.date,
        from_addr: msg.from.first().map(|a| a.addr.to_ascii_lowercase()),
        to_addr: msg.to.first().map(|a| a.addr.to_ascii_lowercase()),
        from_name: display_name(msg.from.first()),
        to_name: display_name(msg.to.first()),
        attachment_shas: msg.attachments.iter().map(|a| a.sha256).collect(),
        participants: participants_of(&msg.from, &msg.to, &msg.cc, &msg.bcc),
        texts,
        subject: msg.subject,
        message_id: msg.message_id,
        attachments: msg.attachments.len(),
        data: lz4_flex::compress_prepend_size(&json),
        defects,
        dkim: None,
    }
}

/// Where a message was found: the file row and place in it.
pub struct OriginRow<'a> {
    /// Row id of the file version in the case.
    pub file_id: i64,
    /// Byte offset of the message (after any `From_` line) in the file; in the decompressed stream
    /// for a gzip source.
    pub offset: u64,
    /// Length of the message in the file, mbox quoting included.
    pub length: u64,
    /// SHA-256 of the raw bytes as in the file, to check them when read back.
    pub raw_sha256: Sha256,
    /// The mbox `From_` line, without its line end; None outside an mbox.
    pub from_line: Option<&'a str>,
    /// Maildir flags from the file name (e.g. `"RS"`), if any.
    pub maildir_flags: Option<&'a str>,
    /// For a message converted from an Outlook item: the item's address
    /// in its container (see `Origin::converted`).
    pub converted: Option<&'a str>,
}

/// Writes inside one transaction of [`Case::transaction`](super::Case::transaction).
pub struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    db_path: &'a Path,
}

impl<'a> Tx<'a> {
    pub(super) fn new(tx: &'a rusqlite::Transaction<'a>, db_path: &'a Path) -> Tx<'a> {
        Tx { tx, db_path }
    }

    pub(super) fn sql(&self) -> Sql<'_> {
        Sql::new(self.tx, self.db_path)
    }

    /// Records a named source (or updates it); returns its id.
    pub fn source(
        &self,
        path: &Path,
        format: SourceFormat,
        size: u64,
        import_id: i64,
    ) -> Result<i64> {
        let sql = self.sql();
        sql.exec(
            "INSERT INTO sources(path, format, size, last_import) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(path) DO UPDATE SET format=?2, size=?3, last_import=?4",
            params![path_str(path), format.as_str(), size as i64, import_id],
        )?;
        sql.one(
            "SELECT id FROM sources WHERE path=?1",
            [path_str(path)],
            |r| r.get(0),
        )
    }

    /// Sets a source's SHA-256 (of the file, or of the folder's file list).
    pub fn source_hash(&self, id: i64, sha: &Sha256) -> Result<()> {
        self.sql()
            .exec(
                "UPDATE sources SET sha256=?1 WHERE id=?2",
                params![sha.to_hex(), id],
            )
            .map(|_| ())
    }

    /// Records a file version about to be read; returns its id.
    pub fn file(
        &self,
        source_id: i64,
        path: &Path,
        format: SourceFormat,
        size: u64,
        mtime_ns: i64,
        import_id: i64,
    ) -> Result<i64> {
        // Once per file of a folder of 44,000 EML files: a cached
        // statement, and the id returned by the same statement.
        self.sql().one(
            "INSERT INTO files(source_id, path, format, size, mtime_ns, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(path, size, mtime_ns) DO UPDATE SET format=?3
             RETURNING id",
            params![
                source_id,
                path_str(path),
                format.as_str(),
                size as i64,
                mtime_ns,
                import_id
            ],
            |r| r.get(0),
        )
    }

    /// Records an entry of an archive about to be read (a row of its own,
    /// its `container` the archive's row); returns its id. `shown` is the
    /// path shown for it (`archive.zip!/entry`), `entry` its path inside
    /// the archive.
    #[allow(clippy::too_many_arguments)]
    pub fn entry_file(
        &self,
        source_id: i64,
        container: i64,
        shown: &str,
        entry: &str,
        format: SourceFormat,
        size: u64,
        mtime_ns: i64,
        import_id: i64,
    ) -> Result<i64> {
        self.sql().one(
            "INSERT INTO files(source_id, path, format, size, mtime_ns, import_id, container, entry)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(path, size, mtime_ns) DO UPDATE SET format=?3, container=?7, entry=?8
             RETURNING id",
            params![
                source_id,
                shown,
                format.as_str(),
                size as i64,
                mtime_ns,
                import_id,
                container,
                entry
            ],
            |r| r.get(0),
        )
    }

    /// The SHA-256 recorded for a file version.
    pub fn file_sha(&self, path: &Path, size: u64, mtime_ns: i64) -> Result<Option<Sha256>> {
        let hex: Option<Option<String>> = self.sql().opt(
            "SELECT sha256 FROM files WHERE path=?1 AND size=?2 AND mtime_ns=?3",
            params![path_str(path), size as i64, mtime_ns],
            |r| r.get(0),
        )?;
        Ok(hex.flatten().and_then(|h| h.parse().ok()))
    }

    /// Marks a file version as completely imported, with its SHA-256.
    pub fn file_complete(&self, id: i64, sha: Option<&Sha256>) -> Result<()> {
        self.sql()
            .exec(
                "UPDATE files SET complete=1, sha256=?1 WHERE id=?2",
                params![sha.map(|s| s.to_hex()), id],
            )
            .map(|_| ())
    }

    /// Stores a gzip file's checkpoints (replacing any it had).
    pub fn gz_checkpoints(
        &self,
        file_id: i64,
        checkpoints: &[crate::source::gzindex::Checkpoint],
    ) -> Result<()> {
        for cp in checkpoints {
            self.sql().exec(
                "INSERT OR REPLACE INTO gz_checkpoints(file, out_offset, in_offset, data)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    file_id,
                    cp.out_offset as i64,
                    cp.in_offset as i64,
                    cp.to_bytes()
                ],
            )?;
        }
        Ok(())
    }

    /// Records a file that was not imported.
    pub fn skipped(
        &self,
        import_id: i64,
        source_id: Option<i64>,
        path: &Path,
        reason: &str,
    ) -> Result<()> {
        self.sql()
            .exec(
                "INSERT INTO skipped(import_id, source_id, path, reason) VALUES (?1, ?2, ?3, ?4)",
                params![import_id, source_id, path_str(path), reason],
            )
            .map(|_| ())
    }

    /// Records a note about a source.
    pub fn note(
        &self,
        import_id: i64,
        source_id: Option<i64>,
        path: &Path,
        offset: u64,
        text: &str,
    ) -> Result<()> {
        self.sql()
            .exec(
                "INSERT INTO notes(import_id, source_id, path, offset, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![import_id, source_id, path_str(path), offset as i64, text],
            )
            .map(|_| ())
    }

    /// Adds a message sighting: a new message, or a new origin of a known
    /// one. A Message-ID shared with a different message flags both.
    pub fn add_message(
        &self,
        rec: &Prepared,
        origin: &OriginRow<'_>,
        import_id: i64,
    ) -> Result<(Added, i64)> {
        let sql = self.sql();
        let existing: Option<i64> = sql.opt(
            "SELECT id FROM messages WHERE key=?1",
            [&rec.key.0[..]],
            |r| r.get(0),
        )?;
        let (id, added) = match existing {
            Some(id) => {
                let known: Option<i64> = sql.opt(
                    "SELECT message FROM origins WHERE file=?1 AND offset=?2",
                    params![origin.file_id, origin.offset as i64],
                    |r| r.get(0),
                )?;
                if known == Some(id) {
                    return Ok((Added::AlreadyPresent, id));
                }
                (id, Added::Duplicate)
            }
            None => (self.insert_message(rec, import_id)?, Added::New),
        };
        sql.exec(
            "INSERT OR IGNORE INTO origins(message, file, offset, length, raw_sha256, from_line, maildir_flags, import_id, converted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                origin.file_id,
                origin.offset as i64,
                origin.length as i64,
                &origin.raw_sha256.0[..],
                origin.from_line,
                origin.maildir_flags,
                import_id,
                origin.converted,
            ],
        )?;
        Ok((added, id))
    }

    /// Stores a message the case did not have, with its attachments and
    /// defects; returns its row id.
    fn insert_message(&self, rec: &Prepared, import_id: i64) -> Result<i64> {
        self.sql().exec(
            "INSERT INTO messages(key, status, size, date, subject, message_id, from_addr, attachments, import_id, data,
                                  in_reply_to, refs, gm_thrid, thread_index, to_addr, from_name, to_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                &rec.key.0[..],
                rec.status.as_str(),
                rec.size as i64,
                rec.date,
                rec.subject,
                rec.message_id,
                rec.from_addr,
                rec.attachments as i64,
                import_id,
                rec.data,
                rec.in_reply_to,
                rec.refs,
                rec.gm_thrid,
                rec.thread_index,
                rec.to_addr,
                rec.from_name,
                rec.to_name,
            ],
        )?;
        let id = self.tx.last_insert_rowid();
        write_participants(self.sql(), id, rec.date, &rec.participants)?;
        self.attachments_of(id, &rec.attachment_shas, &rec.texts)?;
        for d in &rec.defects {
            self.defect(id, d)?;
        }
        if let Some(mid) = &rec.message_id {
            self.flag_message_id_collisions(id, &rec.key, mid)?;
        }
        Ok(id)
    }

    /// Links a new message to its attachments' contents and stores each
    /// content's text once (the first text stored for a SHA-256 stays).
    pub(super) fn attachments_of(
        &self,
        id: i64,
        shas: &[Sha256],
        texts: &[AttachmentText],
    ) -> Result<()> {
        let sql = self.sql();
        for (i, sha) in shas.iter().enumerate() {
            sql.exec(
                "INSERT OR IGNORE INTO message_attachments(message, idx, sha256) VALUES (?1, ?2, ?3)",
                params![id, i as i64, &sha.0[..]],
            )?;
        }
        for t in texts {
            let text = t
                .text
                .as_ref()
                .map(|t| lz4_flex::compress_prepend_size(t.as_bytes()));
            sql.exec(
                // Kept once per content; a text replaces a stored
                // "no text" (the same bytes met first under another kind).
                "INSERT INTO attachment_texts(sha256, kind, status, text) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(sha256) DO UPDATE SET kind=excluded.kind, status=excluded.status, text=excluded.text
                 WHERE attachment_texts.text IS NULL AND excluded.text IS NOT NULL",
                params![&t.sha256.0[..], t.kind, t.status.as_str(), text],
            )?;
        }
        Ok(())
    }

    fn defect(&self, id: i64, d: &Defect) -> Result<()> {
        self.sql()
            .exec(
                "INSERT INTO defects(message, kind, detail) VALUES (?1, ?2, ?3)",
                params![id, d.kind.as_str(), d.detail],
            )
            .map(|_| ())
    }

    fn flag_message_id_collisions(&self, id: i64, key: &MessageKey, mid: &str) -> Result<()> {
        let others: Vec<(i64, Vec<u8>)> = self.sql().rows(
            "SELECT id, key FROM messages WHERE message_id=?1 AND id<>?2 LIMIT 100",
            params![mid, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (other, other_key) in &others {
            self.defect(
                id,
                &Defect::new(
                    DefectKind::DuplicateMessageId,
                    format!(
                        "Message-ID <{mid}> is also on message {} with different bytes",
                        hex::encode(other_key)
                    ),
                ),
            )?;
            self.defect(
                *other,
                &Defect::new(
                    DefectKind::DuplicateMessageId,
                    format!("Message-ID <{mid}> is also on message {key} with different bytes"),
                ),
            )?;
        }
        Ok(())
    }
}
