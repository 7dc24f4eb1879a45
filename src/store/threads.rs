//! Threads as the case keeps them: what threading reads of every message
//! (reply headers, Message-IDs, read in row order so a scan is
//! sequential), and the thread id stored per message in
//! `message_threads`, a small table of its own so that re-threading never
//! rewrites message rows.

use rusqlite::params;

use super::{Case, key_of};
use crate::error::Result;
use crate::model::MessageKey;
use crate::model::ThreadInput;

/// (row id, key, Message-ID) of a message: [`Case::message_ids`].
pub type MessageIdRow = (u64, MessageKey, Option<Box<str>>);

/// (row id, what threading needs, stored thread id) of a message.
pub type ThreadInputRow = (u64, ThreadInput, Option<String>);

impl Case {
    /// Number of messages without a thread id (threads not yet computed).
    pub fn unthreaded(&self) -> Result<u64> {
        self.sql().count(
            // Messages are never deleted and every thread row is a
            // message's: the difference of two counts (each from a
            // small b-tree) instead of a scan of every message row,
            // which made opening a 60,000-message case 30 ms slower.
            "SELECT (SELECT count(*) FROM messages) - (SELECT count(*) FROM message_threads)",
            [],
        )
    }

    /// The thread id stored for a message.
    pub fn thread_of(&self, key: &MessageKey) -> Result<Option<String>> {
        self.sql()
            .opt(
                "SELECT t.thread FROM messages m LEFT JOIN message_threads t ON t.message = m.id
                 WHERE m.key=?1",
                [&key.0[..]],
                |r| r.get(0),
            )
            .map(Option::flatten)
    }

    /// Row ids of the messages in a thread.
    pub fn thread_rowids(&self, thread: &str) -> Result<Vec<u64>> {
        self.sql().rows(
            "SELECT message FROM message_threads WHERE thread=?1",
            [thread],
            |r| Ok(r.get::<_, i64>(0)? as u64),
        )
    }

    /// What threading needs of every message: (row id, input, stored thread).
    pub fn thread_inputs(&self) -> Result<Vec<ThreadInputRow>> {
        self.thread_inputs_where(None)
    }

    /// [`thread_inputs`](Case::thread_inputs) of the messages of one stored
    /// thread (read from columns; no record is decoded).
    pub fn thread_inputs_of(&self, thread: &str) -> Result<Vec<ThreadInputRow>> {
        self.thread_inputs_where(Some(thread))
    }

    fn thread_inputs_where(&self, thread: Option<&str>) -> Result<Vec<ThreadInputRow>> {
        let sql = if thread.is_some() {
            "SELECT m.id, m.key, m.message_id, m.in_reply_to, m.refs, m.subject, m.date, m.gm_thrid,
                    m.thread_index, t.thread
             FROM message_threads t JOIN messages m ON m.id = t.message
             WHERE t.thread=?1 ORDER BY m.id"
        } else {
            "SELECT m.id, m.key, m.message_id, m.in_reply_to, m.refs, m.subject, m.date, m.gm_thrid,
                    m.thread_index, t.thread
             FROM messages m LEFT JOIN message_threads t ON t.message = m.id
             WHERE ?1 IS NULL ORDER BY m.id"
        };
        let split = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(' ')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        self.sql().rows(sql, [thread], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                ThreadInput {
                    key: key_of(r.get_ref(1)?),
                    message_id: r.get(2)?,
                    in_reply_to: split(r.get(3)?),
                    references: split(r.get(4)?),
                    subject: r.get(5)?,
                    date: r.get(6)?,
                    gm_thread_id: r.get(7)?,
                    thread_index: r.get(8)?,
                },
                r.get::<_, Option<String>>(9)?,
            ))
        })
    }

    /// Every message's (row id, key, Message-ID), in row order (a
    /// sequential scan of the table).
    pub fn message_ids(&self) -> Result<Vec<MessageIdRow>> {
        let sql = self.sql();
        let mut out = Vec::new();
        sql.each(
            "SELECT id, key, message_id FROM messages ORDER BY id",
            [],
            |r| {
                let id: i64 = sql.get(r, 0)?;
                let key = key_of(r.get_ref(1).map_err(|e| sql.err(e))?);
                let mid = sql.text(r, 2)?;
                out.push((id as u64, key, mid.map(Box::from)));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Feeds every message to `f` in row order: (row id, In-Reply-To ids,
    /// References ids, X-GM-THRID, Thread-Index), ids space-separated.
    pub fn for_each_reply_headers(
        &self,
        mut f: impl FnMut(u64, &str, &str, Option<&str>, Option<&str>),
    ) -> Result<()> {
        let sql = self.sql();
        sql.each(
            "SELECT id, in_reply_to, refs, gm_thrid, thread_index FROM messages ORDER BY id",
            [],
            |r| {
                let id: i64 = sql.get(r, 0)?;
                f(
                    id as u64,
                    sql.text(r, 1)?.unwrap_or(""),
                    sql.text(r, 2)?.unwrap_or(""),
                    sql.text(r, 3)?,
                    sql.text(r, 4)?,
                );
                Ok(())
            },
        )
    }

    /// Feeds every stored thread id to `f` in row order: (row id, thread
    /// id). Messages not threaded yet are left out.
    pub fn for_each_stored_thread(&self, mut f: impl FnMut(u64, &str)) -> Result<()> {
        let sql = self.sql();
        sql.each(
            "SELECT message, thread FROM message_threads ORDER BY message",
            [],
            |r| {
                let id: i64 = sql.get(r, 0)?;
                let thread = r
                    .get_ref(1)
                    .and_then(|v| Ok(v.as_str()?))
                    .map_err(|e| sql.err(e))?;
                f(id as u64, thread);
                Ok(())
            },
        )
    }

    /// Stores thread ids; returns how many changed.
    pub fn set_threads(&mut self, changes: &[(u64, String)]) -> Result<usize> {
        self.transaction(|tx| {
            let sql = tx.sql();
            for (rowid, thread) in changes {
                sql.exec(
                    "INSERT OR REPLACE INTO message_threads(message, thread) VALUES (?2, ?1)",
                    params![thread, *rowid as i64],
                )?;
            }
            Ok(changes.len())
        })
    }

    /// Every stored thread with the date of its latest dated message
    /// (None: no message of it has a date): one pass over
    /// `message_threads` in thread order, a few bytes per thread held.
    pub fn thread_last_dates(&self) -> Result<Vec<(String, Option<i64>)>> {
        self.sql().rows(
            "SELECT t.thread, max(m.date) FROM message_threads t JOIN messages m ON m.id = t.message
             GROUP BY t.thread",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// The date of the latest dated message of one stored thread.
    pub fn thread_last_date(&self, thread: &str) -> Result<Option<i64>> {
        self.sql().one(
            "SELECT max(m.date) FROM message_threads t JOIN messages m ON m.id = t.message
             WHERE t.thread = ?1",
            [thread],
            |r| r.get(0),
        )
    }

    /// The stored thread ids of these messages (each once; messages not
    /// threaded yet have none).
    pub fn threads_of_rowids(&self, rowids: &[u64]) -> Result<std::collections::BTreeSet<String>> {
        let sql = self.sql();
        let mut out = std::collections::BTreeSet::new();
        for &rowid in rowids {
            if let Some(t) = sql.opt(
                "SELECT thread FROM message_threads WHERE message = ?1",
                [rowid as i64],
                |r| r.get::<_, String>(0),
            )? {
                out.insert(t);
            }
        }
        Ok(out)
    }

    /// What threading needs of the messages of one stored thread, with
    /// each one's first From address (for a thread's participants), in
    /// row order.
    pub fn thread_members_of(&self, thread: &str) -> Result<Vec<(ThreadInput, Option<String>)>> {
        let split = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(' ')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        self.sql().rows(
            "SELECT m.key, m.message_id, m.in_reply_to, m.refs, m.subject, m.date, m.gm_thrid,
                    m.thread_index, m.from_addr
             FROM message_threads t JOIN messages m ON m.id = t.message
             WHERE t.thread = ?1 ORDER BY m.id",
            [thread],
            |r| {
                Ok((
                    ThreadInput {
                        key: key_of(r.get_ref(0)?),
                        message_id: r.get(1)?,
                        in_reply_to: split(r.get(2)?),
                        references: split(r.get(3)?),
                        subject: r.get(4)?,
                        date: r.get(5)?,
                        gm_thread_id: r.get(6)?,
                        thread_index: r.get(7)?,
                    },
                    r.get(8)?,
                ))
            },
        )
    }
}
