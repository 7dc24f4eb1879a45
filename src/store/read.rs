//! Reading messages back from a case: records by key or row id, keys and
//! row ids, the list columns, attachment texts, origins and gzip
//! checkpoints. The window and the CLI reach these through `browse`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::params;

use super::write::AttachmentText;
use super::{Case, decode_record, key_of, path_str};
use crate::error::{Error, Result};
use crate::model::{
    Address, Defect, DefectKind, Message, MessageKey, Origin, Sha256, SourceFormat, TextStatus,
};

/// The few fields of a message needed for lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// The first From address (lower case); None when the message has none.
    pub from: Option<String>,
    /// Seconds since the Unix epoch (UTC); None when undated.
    pub date: Option<i64>,
    /// The decoded subject; None when the message has none.
    pub subject: Option<String>,
    /// Row id of the message in the case database.
    pub rowid: u64,
}

/// Who a message is from and to, decoded from its record without the
/// body or attachments (for the people and graph views).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Addressing {
    /// Row id of the message in the case database.
    #[serde(skip)]
    pub rowid: u64,
    /// Seconds since the Unix epoch (UTC); None when undated.
    #[serde(default)]
    pub date: Option<i64>,
    /// The `From` addresses, in header order.
    #[serde(default)]
    pub from: Vec<Address>,
    /// The `To` addresses.
    #[serde(default)]
    pub to: Vec<Address>,
    /// The `Cc` addresses.
    #[serde(default)]
    pub cc: Vec<Address>,
    /// The `Bcc` addresses.
    #[serde(default)]
    pub bcc: Vec<Address>,
}

/// The address fields of a record's JSON. A record is written with its
/// fields in [`Message`]'s order, `reply_to` right after `bcc` and before
/// the body: the JSON is read up to the first `,"reply_to":` (which
/// cannot occur inside a string, where quotes are escaped, nor in an
/// earlier field), so the body and attachments are not even scanned.
/// Anything else (an older record) is read whole.
pub(super) fn addressing_of_record(json: &[u8]) -> Option<Addressing> {
    if let Some(at) = memchr::memmem::find(json, b",\"reply_to\":") {
        let mut head = Vec::with_capacity(at + 1);
        head.extend_from_slice(&json[..at]);
        head.push(b'}');
        if let Ok(a) = serde_json::from_slice::<Addressing>(&head) {
            return Some(a);
        }
    }
    serde_json::from_slice::<Addressing>(json).ok()
}

/// The list columns of a message, read without decoding its record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LightRow {
    /// Row id of the message in the case database.
    pub rowid: u64,
    /// Seconds since the Unix epoch (UTC); None when undated.
    pub date: Option<i64>,
    /// The first From address.
    pub from: Option<String>,
    /// The decoded subject; None when the message has none.
    pub subject: Option<String>,
    /// Number of attachments.
    pub attachments: u32,
    /// The id of the message's thread; None before threads are built.
    pub thread: Option<String>,
    /// The first To address.
    pub to: Option<String>,
    /// The first From display name, if it has one.
    pub from_name: Option<String>,
    /// The first To display name, if it has one.
    pub to_name: Option<String>,
}

impl Case {
    /// The highest message row id (0 when empty).
    pub fn max_rowid(&self) -> Result<u64> {
        self.sql()
            .count("SELECT coalesce(max(id), 0) FROM messages", [])
    }

    /// A damaged stored record, as an error naming the database.
    fn damaged(&self, what: String) -> Error {
        Error::BadCase {
            path: self.db_path.clone(),
            reason: format!("stored record of {what} is damaged"),
        }
    }

    /// Messages with row id above `after`, in row order, with their row id.
    pub fn messages_after(
        &self,
        after: u64,
        f: &mut dyn FnMut(u64, Message) -> Result<()>,
    ) -> Result<()> {
        let sql = self.sql();
        sql.each(
            "SELECT id, data FROM messages WHERE id > ?1 ORDER BY id",
            [after as i64],
            |row| {
                let id: i64 = sql.get(row, 0)?;
                let data: Vec<u8> = sql.get(row, 1)?;
                let mut msg = decode_record(&data)
                    .ok_or_else(|| self.damaged(format!("message row {id}")))?;
                self.fill_attachment_texts(&mut msg)?;
                f(id as u64, msg)
            },
        )
    }

    /// Row id and key of a message given by its key's hex, or a unique
    /// prefix of it (at least 6 digits).
    pub fn resolve_id(&self, id: &str) -> Result<(u64, MessageKey)> {
        let hex = id.trim().to_ascii_lowercase();
        let not_found = || Error::NoSuchMessage {
            case: self.root.clone(),
            key: id.to_string(),
        };
        if hex.len() < 6 || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        // Keys are stored as blobs: compare their hex.
        let rows: Vec<(i64, Vec<u8>)> = self.sql().rows(
            "SELECT id, key FROM messages WHERE hex(key) LIKE ?1 LIMIT 2",
            [format!("{}%", hex.to_ascii_uppercase())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        match rows.as_slice() {
            [(rowid, key)] if key.len() == 32 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(key);
                Ok((*rowid as u64, Sha256(k)))
            }
            [] => Err(not_found()),
            _ => Err(Error::BadCase {
                path: self.root.clone(),
                reason: format!("{id} matches more than one message; give more digits"),
            }),
        }
    }

    /// Keys of the given row ids (in the order given; unknown ids skipped).
    pub fn keys_of(&self, rowids: &[u64]) -> Result<Vec<(u64, MessageKey)>> {
        let sql = self.sql();
        let mut out = Vec::with_capacity(rowids.len());
        for &r in rowids {
            let key: Option<Vec<u8>> =
                sql.opt("SELECT key FROM messages WHERE id=?1", [r as i64], |row| {
                    row.get(0)
                })?;
            if let Some(k) = key.filter(|k| k.len() == 32) {
                let mut a = [0u8; 32];
                a.copy_from_slice(&k);
                out.push((r, Sha256(a)));
            }
        }
        Ok(out)
    }

    /// The stored text of an attachment content, if any was kept.
    pub fn attachment_text(&self, sha: &Sha256) -> Result<Option<AttachmentText>> {
        let row: Option<(Option<String>, String, Option<Vec<u8>>)> = self.sql().opt(
            "SELECT kind, status, text FROM attachment_texts WHERE sha256=?1",
            [&sha.0[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let Some((kind, status, text)) = row else {
            return Ok(None);
        };
        let text = match text {
            Some(b) => Some(
                lz4_flex::decompress_size_prepended(&b)
                    .ok()
                    .and_then(|v| String::from_utf8(v).ok())
                    .ok_or_else(|| Error::BadCase {
                        path: self.db_path.clone(),
                        reason: format!("stored text of attachment {} is damaged", sha.to_hex()),
                    })?,
            ),
            None => None,
        };
        Ok(Some(AttachmentText {
            sha256: *sha,
            kind,
            status: TextStatus::parse(&status).unwrap_or(TextStatus::Failed),
            text,
        }))
    }

    /// Puts the stored texts back into a message's attachments (records
    /// keep them apart; a version-1 record may still hold them inline).
    pub fn fill_attachment_texts(&self, msg: &mut Message) -> Result<()> {
        for a in &mut msg.attachments {
            if a.text.is_some() {
                continue;
            }
            if let Some(t) = self.attachment_text(&a.sha256)? {
                a.text = t.text;
                a.text_status = a.text_status.or(Some(t.status));
            }
        }
        Ok(())
    }

    /// Row ids of the messages that carry an attachment with this content.
    pub fn messages_with_attachment(&self, sha: &Sha256) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT DISTINCT message FROM message_attachments WHERE sha256=?1 ORDER BY message",
            [&sha.0[..]],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// The stored record of a message by row id, with its defects.
    pub fn message_by_rowid(&self, rowid: u64) -> Result<Option<Message>> {
        let data: Option<Vec<u8>> = self.sql().opt(
            "SELECT data FROM messages WHERE id=?1",
            [rowid as i64],
            |r| r.get(0),
        )?;
        let Some(data) = data else {
            return Ok(None);
        };
        let mut msg =
            decode_record(&data).ok_or_else(|| self.damaged(format!("message row {rowid}")))?;
        msg.defects = self.defects_of(rowid as i64)?;
        Ok(Some(msg))
    }

    /// The stored record of a message, with its defects.
    pub fn message(&self, key: &MessageKey) -> Result<Option<Message>> {
        let row = self.sql().opt(
            "SELECT id, data FROM messages WHERE key=?1",
            [&key.0[..]],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )?;
        let Some((id, data)) = row else {
            return Ok(None);
        };
        let mut msg = decode_record(&data).ok_or_else(|| self.damaged(format!("message {key}")))?;
        msg.defects = self.defects_of(id)?;
        Ok(Some(msg))
    }

    fn defects_of(&self, id: i64) -> Result<Vec<Defect>> {
        let rows = self.sql().rows(
            "SELECT kind, detail FROM defects WHERE message=?1 ORDER BY rowid",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, detail)| {
                DefectKind::parse(&kind).map(|kind| Defect { kind, detail })
            })
            .collect())
    }

    /// Every origin of a message, in the order found.
    pub fn origins(&self, key: &MessageKey) -> Result<Vec<Origin>> {
        self.sql().rows(
            "SELECT coalesce(c.path, f.path), f.format, o.offset, o.length, o.raw_sha256,
                    o.from_line, o.maildir_flags, f.entry, o.converted
             FROM origins o JOIN files f ON f.id=o.file JOIN messages m ON m.id=o.message
             LEFT JOIN files c ON c.id=f.container
             WHERE m.key=?1 ORDER BY o.import_id, f.id, o.offset",
            [&key.0[..]],
            |r| {
                Ok(Origin {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    format: SourceFormat::parse(&r.get::<_, String>(1)?)
                        .unwrap_or(SourceFormat::Eml),
                    offset: r.get::<_, i64>(2)? as u64,
                    length: r.get::<_, i64>(3)? as u64,
                    raw_sha256: key_of(r.get_ref(4)?),
                    from_line: r.get(5)?,
                    maildir_flags: r.get(6)?,
                    entry: r.get(7)?,
                    converted: r.get(8)?,
                })
            },
        )
    }

    /// For each origin of a message (in the order of [`Case::origins`]):
    /// the SHA-256 of the whole source file (for a message inside an
    /// archive, of the archive) when it was read completely, and the
    /// import that found it there.
    pub fn origin_files(&self, key: &MessageKey) -> Result<Vec<(Option<String>, i64)>> {
        self.sql().rows(
            "SELECT CASE WHEN f.container IS NULL THEN f.sha256 ELSE c.sha256 END, o.import_id
             FROM origins o JOIN files f ON f.id=o.file JOIN messages m ON m.id=o.message
             LEFT JOIN files c ON c.id=f.container
             WHERE m.key=?1 ORDER BY o.import_id, f.id, o.offset",
            [&key.0[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// All message keys, in import order.
    pub fn keys(&self) -> Result<Vec<MessageKey>> {
        let keys = self
            .sql()
            .rows("SELECT key FROM messages ORDER BY id", [], |r| {
                r.get::<_, Vec<u8>>(0)
            })?;
        Ok(keys
            .into_iter()
            .filter(|k| k.len() == 32)
            .map(|k| {
                let mut a = [0u8; 32];
                a.copy_from_slice(&k);
                Sha256(a)
            })
            .collect())
    }

    /// (first From address, date, subject, row id) of every message, by key.
    pub fn summaries(&self) -> Result<HashMap<MessageKey, Summary>> {
        let rows = self.sql().rows(
            "SELECT key, from_addr, date, subject, id FROM messages",
            [],
            |r| {
                Ok((
                    key_of(r.get_ref(0)?),
                    Summary {
                        from: r.get(1)?,
                        date: r.get(2)?,
                        subject: r.get(3)?,
                        rowid: r.get::<_, i64>(4)? as u64,
                    },
                ))
            },
        )?;
        Ok(rows.into_iter().collect())
    }

    /// The list columns of every message with row id above `after`, in
    /// row order: cheap (no record is decoded), for sorting and facets.
    pub fn light_rows(&self, after: u64) -> Result<Vec<LightRow>> {
        self.sql().rows(
            "SELECT m.id, m.date, m.from_addr, m.subject, m.attachments, t.thread, m.to_addr,
                    m.from_name, m.to_name
             FROM messages m LEFT JOIN message_threads t ON t.message = m.id
             WHERE m.id > ?1 ORDER BY m.id",
            [after as i64],
            |r| {
                Ok(LightRow {
                    rowid: r.get::<_, i64>(0)? as u64,
                    date: r.get(1)?,
                    from: r.get(2)?,
                    subject: r.get(3)?,
                    attachments: r.get::<_, i64>(4)?.max(0) as u32,
                    thread: r.get(5)?,
                    to: r.get(6)?,
                    from_name: r.get(7)?,
                    to_name: r.get(8)?,
                })
            },
        )
    }

    /// The addressing of the messages `rowids` (all messages when None),
    /// fed to `f` one at a time in row order (unknown row ids skipped).
    /// Read from the `participants` table (one row per message, then one
    /// per address), never from the records: one scan of a small table
    /// for many messages, a look-up by row id for a few.
    pub fn addressing(
        &self,
        rowids: Option<&[u64]>,
        f: &mut dyn FnMut(Addressing) -> Result<()>,
    ) -> Result<()> {
        use super::write::{ROLE_BCC, ROLE_CC, ROLE_FROM, ROLE_MESSAGE, ROLE_TO};
        let sql = self.sql();
        let mut ids: Option<Vec<u64>> = rowids.map(|ids| {
            let mut v = ids.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        });
        // A few messages: looked up one by one; many: one scan, filtered.
        let scan = match &ids {
            None => true,
            Some(v) => v.len().saturating_mul(8) > self.max_rowid()? as usize,
        };
        let mut current: Option<Addressing> = None;
        let mut row_of = |row: &rusqlite::Row<'_>| -> Result<()> {
            let id: i64 = sql.get(row, 0)?;
            let role: u8 = sql.get(row, 1)?;
            if role == ROLE_MESSAGE {
                if let Some(done) = current.take() {
                    f(done)?;
                }
                current = Some(Addressing {
                    rowid: id as u64,
                    date: sql.get(row, 4)?,
                    ..Addressing::default()
                });
                return Ok(());
            }
            let Some(a) = current.as_mut().filter(|a| a.rowid == id as u64) else {
                return Ok(());
            };
            let address = Address {
                addr: sql.text(row, 2)?.unwrap_or_default().to_string(),
                name: sql.text(row, 3)?.map(str::to_string),
            };
            match role {
                ROLE_FROM => a.from.push(address),
                ROLE_TO => a.to.push(address),
                ROLE_CC => a.cc.push(address),
                ROLE_BCC => a.bcc.push(address),
                _ => {}
            }
            Ok(())
        };
        const COLUMNS: &str = "SELECT message, role, address, name, date FROM participants";
        if scan {
            let wanted = ids.take();
            let mut skip_to: Option<i64> = None;
            sql.each(&format!("{COLUMNS} ORDER BY message, pos"), [], |row| {
                if let Some(wanted) = &wanted {
                    let id: i64 = sql.get(row, 0)?;
                    if skip_to == Some(id) {
                        return Ok(());
                    }
                    if wanted.binary_search(&(id as u64)).is_err() {
                        skip_to = Some(id);
                        return Ok(());
                    }
                }
                row_of(row)
            })?;
        } else {
            for id in ids.unwrap_or_default() {
                sql.each(
                    &format!("{COLUMNS} WHERE message=?1 ORDER BY pos"),
                    [id as i64],
                    &mut row_of,
                )?;
            }
        }
        if let Some(done) = current.take() {
            f(done)?;
        }
        Ok(())
    }

    /// Every (reply, message replied to) pair of row ids: the reply's
    /// In-Reply-To is exactly the other's Message-ID (one id; a header
    /// naming several is left out). Read from two indexes, not the rows.
    pub fn reply_pairs(&self) -> Result<Vec<(u64, u64)>> {
        self.sql().rows(
            "SELECT c.id, p.id FROM messages c INDEXED BY messages_in_reply_to
               JOIN messages p ON p.message_id = c.in_reply_to
              WHERE c.in_reply_to IS NOT NULL AND p.id <> c.id
              ORDER BY c.id, p.id",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )
    }

    /// The subject of the message `rowid`, if it has one.
    pub fn subject_of(&self, rowid: u64) -> Result<Option<String>> {
        Ok(self
            .sql()
            .opt(
                "SELECT subject FROM messages WHERE id=?1",
                [rowid as i64],
                |r| r.get::<_, Option<String>>(0),
            )?
            .flatten())
    }

    /// Row ids of the messages found in a file whose path contains `part`
    /// (case-insensitive).
    pub fn source_rowids(&self, part: &str) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT DISTINCT o.message FROM origins o JOIN files f ON f.id=o.file
             WHERE instr(lower(f.path), lower(?1)) > 0",
            [part],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// Row ids of the messages with more than one origin: found in several
    /// files, or twice in one (`is:duplicate`).
    pub fn duplicate_rowids(&self) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT message FROM origins GROUP BY message HAVING count(*) > 1 ORDER BY message",
            [],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// Row ids of the messages with a maildir origin whose flags (the
    /// file name's `:2,` suffix) hold `letter` (`F`, `R`, `S`, `D`, `T`,
    /// `P`; case-sensitive, as maildir flags are): `is:flagged` and the like.
    pub fn maildir_rowids_with(&self, letter: char) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT DISTINCT message FROM origins
              WHERE instr(maildir_flags, ?1) > 0 ORDER BY message",
            [letter.to_string()],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// Row ids of the messages found in a maildir none of whose maildir
    /// origins holds `letter` (`is:unread` asks for `S`). A maildir origin
    /// is one with flags, or a file right inside a `new/` folder (delivered,
    /// never seen by a mail program, so without a `:2,` suffix). Origins in
    /// mbox or other files do not count either way: a message found only
    /// there is not returned.
    pub fn maildir_rowids_without(&self, letter: char) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT o.message FROM origins o JOIN files f ON f.id = o.file
              WHERE o.maildir_flags IS NOT NULL
                 OR rtrim(f.path, replace(f.path, ?2, '')) LIKE '%' || ?2 || 'new' || ?2
              GROUP BY o.message
             HAVING max(instr(coalesce(o.maildir_flags, ''), ?1)) = 0
              ORDER BY o.message",
            // the platform's separator: paths are stored as the system
            // gives them (`\` on Windows)
            [letter.to_string(), std::path::MAIN_SEPARATOR.to_string()],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// The last checkpoint at or before `offset` of the gzip file at
    /// `path` (the newest version of it that has checkpoints). `None` when
    /// there is none, or for a case made before checkpoints existed.
    pub fn gz_checkpoint(
        &self,
        path: &Path,
        offset: u64,
    ) -> Option<crate::source::gzindex::Checkpoint> {
        let data: Vec<u8> = self
            .sql()
            .opt(
                "SELECT c.data FROM gz_checkpoints c JOIN files f ON f.id = c.file
                  WHERE f.path = ?1 AND c.out_offset <= ?2
                  ORDER BY f.id DESC, c.out_offset DESC LIMIT 1",
                params![path_str(path), offset as i64],
                |r| r.get(0),
            )
            .ok()
            .flatten()?;
        crate::source::gzindex::Checkpoint::from_bytes(&data)
    }
}
