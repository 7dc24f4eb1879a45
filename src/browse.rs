//! The read side of a case, one facade for the CLI and the GUI: search,
//! messages and their raw bytes, attachments, threads, and exports (each
//! export recorded in the case's audit log).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::export::{ExportItem, ExportSummary, Exporter, Format};
use crate::index::snippet::{self, Highlighter};
use crate::index::{Hit, SearchIndex, Sort};
use crate::model::MatchPlace;
use crate::model::{Attachment, Limits, Message, MessageKey, Origin, Sha256, SourceFormat};
use crate::query::{self, Field, Query};
use crate::store::{Case, CaseStats, DefectRow};
use crate::thread::{ThreadId, Threads};

/// An open case, for reading.
pub struct Browser {
    /// The case database: messages, origins, threads, reports.
    pub case: Case,
    /// The case's search index.
    pub index: SearchIndex,
}

/// What an import report lists about a whole case (read from it; each
/// part empty when it cannot be read).
#[derive(Clone, Debug, Default)]
pub struct ReportDetails {
    /// Files of folder sources that were not imported: (path, reason).
    pub skipped: Vec<(PathBuf, String)>,
    /// Notes about whole sources (junk, truncation, damaged streams): (path, offset in the
    /// decompressed stream, text).
    pub notes: Vec<(PathBuf, u64, String)>,
    /// Every defect in the case, one row per defect, in row order.
    pub defects: Vec<DefectRow>,
    /// Totals over the whole case (every import).
    pub totals: Option<CaseStats>,
}

/// Hits whose patterns are read from the index at once, in an export.
const MENTION_CHUNK: usize = 4096;

/// The first From address of each message of a thread, by key (what
/// [`Browser::each_thread`] gives with each thread).
pub type ThreadFroms = HashMap<MessageKey, Option<String>>;

/// The result of a search.
#[derive(Clone, Debug)]
pub struct Found {
    /// The query as parsed (normalised).
    pub query: Query,
    /// Every hit, in the order asked for (never capped).
    pub hits: Vec<Hit>,
    /// Wall time of parsing and searching.
    pub elapsed: Duration,
}

/// Parses a query, turning a syntax error into [`Error::Query`].
pub fn parse_query(text: &str) -> Result<Query> {
    query::parse(text).map_err(|error| Error::Query {
        caret: error.caret(text),
        error,
    })
}

/// Whether the search index of the case at `root` lacks messages the case
/// has (an import killed between its two commits, or an index of an
/// older version, set aside when opened here: a case imported before
/// patterns were found has its index rebuilt once). [`Browser::open`]
/// would then index them before returning; the window does it as a
/// background import with progress instead.
pub fn index_behind(root: &Path) -> Result<bool> {
    let case = Case::open(root)?;
    let dir = case.index_dir();
    if !dir.exists() {
        return Ok(false);
    }
    let index = SearchIndex::open_or_create(&dir)?;
    Ok(index.indexed_upto()? < case.max_rowid()?)
}

/// What the import report lists about the case at `root` (see
/// [`Browser::report_details`]), read through a connection of its own:
/// for a thread apart from the window's.
pub fn report_details_of(root: &Path) -> Result<ReportDetails> {
    let case = Case::open(root)?;
    Ok(ReportDetails {
        skipped: case.skipped().unwrap_or_default(),
        notes: case.notes().unwrap_or_default(),
        defects: case.defect_rows().unwrap_or_default(),
        totals: case.stats().ok(),
    })
}

impl Browser {
    /// Opens the case at `root` for reading. A case whose index is missing
    /// or behind (an import was interrupted) is searchable for what the
    /// index has; `mailsift reindex` or the next import completes it.
    pub fn open(root: &Path) -> Result<Browser> {
        let case = Case::open(root)?;
        let dir = case.index_dir();
        // An import that was killed may have left the index behind the
        // database; when nobody is writing the case, catch up now.
        if dir.exists() {
            let index = SearchIndex::open_or_create(&dir)?;
            if index.indexed_upto()? < case.max_rowid()? || case.unthreaded()? > 0 {
                drop(index);
                match Case::open_for_writing(root) {
                    Ok(mut writable) => {
                        crate::pipeline::catch_up(&mut writable)?;
                    }
                    Err(Error::CaseInUse { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if !dir.exists() {
            return Err(Error::BadCase {
                path: root.to_path_buf(),
                reason: "the case has no search index; run `mailsift reindex` on it".into(),
            });
        }
        let index = SearchIndex::open_or_create(&dir)?;
        Ok(Browser { case, index })
    }

    /// The patterns found in the text of the messages matching `text`
    /// (every message when it is empty), each with the number of those
    /// messages it is found in, most frequent first; only those of `kind`
    /// when given.
    pub fn mentions(
        &self,
        text: &str,
        kind: Option<crate::patterns::Kind>,
    ) -> Result<Vec<(crate::patterns::Mention, u64)>> {
        let query = if text.trim().is_empty() {
            Query::All
        } else {
            parse_query(text)?
        };
        let mut counts = self.index.mention_counts(&query, &self.case)?;
        if let Some(k) = kind {
            counts.retain(|(m, _)| m.kind == k);
        }
        Ok(counts)
    }

    /// The patterns of the hits of a parsed query, counted (see [`Browser::mentions`]).
    pub fn mention_counts(&self, query: &Query) -> Result<Vec<(crate::patterns::Mention, u64)>> {
        self.index.mention_counts(query, &self.case)
    }

    /// Senders, sender domains and days of the hits of a parsed query,
    /// counted in the index (see [`SearchIndex::facet_counts`]).
    pub fn facet_counts(&self, query: &Query) -> Result<crate::index::IndexFacets> {
        self.index.facet_counts(query, &self.case)
    }

    /// Every message matching `text`, sorted.
    pub fn search(&self, text: &str, sort: Sort) -> Result<Found> {
        let start = Instant::now();
        let query = parse_query(text)?;
        let hits = self.index.search(&query, &self.case, sort)?;
        Ok(Found {
            query,
            hits,
            elapsed: start.elapsed(),
        })
    }

    /// The first `limit` messages matching `text` in `sort` order: the
    /// same as the first `limit` of [`Browser::search`], without
    /// collecting and sorting every hit.
    pub fn search_limited(&self, text: &str, sort: Sort, limit: usize) -> Result<Found> {
        let start = Instant::now();
        let query = parse_query(text)?;
        let hits = self.index.search_top(&query, &self.case, sort, limit)?;
        Ok(Found {
            query,
            hits,
            elapsed: start.elapsed(),
        })
    }

    /// The stored record of a message.
    pub fn message(&self, rowid: u64) -> Result<Message> {
        self.case
            .message_by_rowid(rowid)?
            .ok_or_else(|| Error::NoSuchMessage {
                case: self.case.root().to_path_buf(),
                key: format!("row {rowid}"),
            })
    }

    /// The message's DKIM verdict alone (None: not verified).
    pub fn dkim_verdict(&self, rowid: u64) -> Result<Option<crate::dkim::Verdict>> {
        Ok(self
            .case
            .dkim_columns(&[rowid as i64])?
            .into_iter()
            .next()
            .and_then(|(v, _)| v))
    }

    /// The message's DKIM verdict and signatures (None: not verified).
    pub fn dkim_outcome(&self, rowid: u64) -> Result<Option<crate::dkim::Outcome>> {
        self.case.dkim_outcome(rowid as i64)
    }

    /// The stored record of a message, `None` when the case has no such
    /// row (yet: during an import the list may be ahead of what was read).
    pub fn message_if_any(&self, rowid: u64) -> Result<Option<Message>> {
        self.case.message_by_rowid(rowid)
    }

    /// The message with the texts extracted from its attachments filled in
    /// (they are stored once per content, apart from the record).
    pub fn fill_attachment_texts(&self, msg: &mut Message) -> Result<()> {
        self.case.fill_attachment_texts(msg)
    }

    /// Row ids of every message carrying an attachment with this content.
    pub fn messages_with_attachment(&self, sha: &Sha256) -> Result<Vec<u64>> {
        self.case.messages_with_attachment(sha)
    }

    /// The tags, star and notes the message `key` carries now.
    pub fn annotations_of(&self, key: &MessageKey) -> Result<crate::annotate::Annotations> {
        self.case.annotations_of(key)
    }

    /// The tags of the case in use, with their colours and counts.
    pub fn tags(&self) -> Result<Vec<crate::store::TagInfo>> {
        self.case.tags()
    }

    /// Where a message was found: every source file and offset.
    pub fn origins(&self, key: &MessageKey) -> Result<Vec<Origin>> {
        self.case.origins(key)
    }

    /// What the import report lists about the whole case: skipped files,
    /// notes, every message with a defect, and the totals.
    pub fn report_details(&self) -> ReportDetails {
        ReportDetails {
            skipped: self.case.skipped().unwrap_or_default(),
            notes: self.case.notes().unwrap_or_default(),
            defects: self.case.defect_rows().unwrap_or_default(),
            totals: self.case.stats().ok(),
        }
    }

    /// Makes the latest commit of the search index visible (after or
    /// during an import).
    pub fn reload_index(&self) -> Result<()> {
        self.index.reload()
    }

    /// Row id and key of a message from its id or a unique prefix.
    pub fn resolve(&self, id: &str) -> Result<(u64, MessageKey)> {
        self.case.resolve_id(id)
    }

    /// The message's raw bytes exactly as in its first readable source,
    /// verified against the recorded SHA-256, with that origin.
    pub fn raw(&self, key: &MessageKey) -> Result<(Vec<u8>, Origin)> {
        self.sources().raw(key)
    }

    /// The message as it was before it was put into an mbox (quoting
    /// undone), for exports.
    pub fn message_bytes(&self, key: &MessageKey) -> Result<(Vec<u8>, Origin)> {
        self.sources().message_bytes(key)
    }

    /// The attachments of a message with their decoded bytes.
    pub fn attachments(&self, key: &MessageKey) -> Result<Vec<(Attachment, Vec<u8>)>> {
        self.sources().attachments(key)
    }

    /// Reading messages back from their sources.
    pub fn sources(&self) -> SourceReader<'_> {
        SourceReader::new(&self.case)
    }

    /// Threads over the whole case.
    pub fn threads(&self) -> Result<Threads> {
        let inputs: Vec<_> = self
            .case
            .thread_inputs()?
            .into_iter()
            .map(|(_, input, _)| input)
            .collect();
        Ok(crate::thread::thread(&inputs))
    }

    /// Calls `f` with each thread of the case — or, when `text` is not
    /// empty, each thread one of its hits is in — newest first (by the
    /// latest dated message; undated last; ties by id), the order of
    /// [`Browser::threads`]. Only those threads are built, one at a time
    /// from their stored members, so memory holds one thread (and a list
    /// of thread ids and dates), never the whole case. `f` also gets the
    /// first From address of each of the thread's messages. Returns how
    /// many threads were given.
    pub fn each_thread(
        &self,
        text: &str,
        f: &mut dyn FnMut(&crate::thread::Thread, &ThreadFroms) -> Result<()>,
    ) -> Result<usize> {
        let mut order: Vec<(String, Option<i64>)> = if text.trim().is_empty() {
            self.case.thread_last_dates()?
        } else {
            let found = self.search(text, Sort::Date)?;
            let rowids: Vec<u64> = found.hits.iter().map(|h| h.rowid).collect();
            drop(found);
            let wanted = self.case.threads_of_rowids(&rowids)?;
            // Many threads: one grouped pass; few: one look-up each.
            if wanted.len() > 4096 {
                let mut all = self.case.thread_last_dates()?;
                all.retain(|(t, _)| wanted.contains(t));
                all
            } else {
                wanted
                    .into_iter()
                    .map(|t| {
                        let last = self.case.thread_last_date(&t)?;
                        Ok((t, last))
                    })
                    .collect::<Result<_>>()?
            }
        };
        order.sort_by(|a, b| {
            (a.1.is_none(), std::cmp::Reverse(a.1), &a.0).cmp(&(
                b.1.is_none(),
                std::cmp::Reverse(b.1),
                &b.0,
            ))
        });
        let mut n = 0;
        for (id, _) in order {
            let members = self.case.thread_members_of(&id)?;
            let from: HashMap<MessageKey, Option<String>> = members
                .iter()
                .map(|(input, from)| (input.key, from.clone()))
                .collect();
            let inputs: Vec<_> = members.into_iter().map(|(input, _)| input).collect();
            for t in crate::thread::thread(&inputs).threads() {
                f(t, &from)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The thread id stored for a message.
    pub fn thread_id(&self, key: &MessageKey) -> Result<Option<ThreadId>> {
        self.case.thread_of(key).map(|t| t.map(ThreadId))
    }

    /// The messages of a stored thread as a reply tree: (depth, row id) in
    /// the order to show them (placeholders for missing parents left out).
    pub fn thread_tree(&self, thread: &str) -> Result<Vec<(usize, u64)>> {
        thread_tree(&self.case, thread)
    }

    /// Writes a PDF of the message `rowid` or its whole thread: see
    /// [`SourceReader::print_pdf`].
    pub fn print_pdf(
        &self,
        rowid: u64,
        whole_thread: bool,
        dest: &Path,
        title: &str,
        monospace: &dyn Fn(&str) -> bool,
    ) -> Result<(usize, String)> {
        SourceReader::new(&self.case).print_pdf(rowid, whole_thread, dest, title, monospace)
    }

    /// Exports `hits` to `path` (or standard output for CSV/JSON when
    /// `path` is None), recording the export in the audit log.
    /// `progress(done, total)` is called after each message; when it
    /// returns false the export stops with [`Error::Cancelled`] and the
    /// partial output is removed.
    pub fn export(
        &self,
        found: &Found,
        query_text: &str,
        format: Format,
        path: Option<&Path>,
        snippets: bool,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ExportSummary> {
        let mut exporter = match path {
            Some(p) => Exporter::create(format, p)?,
            None => Exporter::to_writer(format, Box::new(std::io::stdout()))?,
        };
        let highlighter = snippets.then(|| Highlighter::new(&found.query, Field::Body));
        let total = found.hits.len() as u64;
        let mut threads: HashMap<MessageKey, Option<String>> = HashMap::new();
        // The patterns of each message as the index holds them, read a
        // chunk of hits at a time (finding them again in the text was
        // most of an export's time).
        let want_mentions = matches!(format, Format::Csv | Format::Json);
        let mut indexed_mentions: HashMap<u64, Vec<crate::patterns::Mention>> = HashMap::new();
        for (n, hit) in found.hits.iter().enumerate() {
            if want_mentions && n % MENTION_CHUNK == 0 {
                let rows: Vec<u64> = found.hits[n..(n + MENTION_CHUNK).min(found.hits.len())]
                    .iter()
                    .map(|h| h.rowid)
                    .collect();
                indexed_mentions = self.index.mentions_of_rowids(&rows)?;
            }
            let msg = self.message(hit.rowid)?;
            let origins = self.case.origins(&msg.key)?;
            let raw = if format.needs_raw() {
                Some(self.message_bytes(&msg.key)?.0)
            } else {
                None
            };
            let thread = match threads.get(&msg.key) {
                Some(t) => t.clone(),
                None => {
                    let t = self.case.thread_of(&msg.key)?;
                    threads.insert(msg.key, t.clone());
                    t
                }
            };
            let snippet = highlighter.as_ref().map(|h| h.message_snippet(&msg, 200).0);
            let matched = if format == Format::Json {
                Some(self.matched_in(&msg, &found.query)?)
            } else {
                None
            };
            let annotations = if matches!(format, Format::Csv | Format::Json) {
                Some(self.case.annotations_of(&msg.key)?)
            } else {
                None
            };
            let (dkim, dkim_domain) = self
                .case
                .dkim_columns(&[hit.rowid as i64])?
                .pop()
                .unwrap_or_default();
            // The patterns of the text the index was given; found again
            // (attachment texts are stored apart from the record) only
            // for a message the index has no document for.
            let mentions = match indexed_mentions.remove(&hit.rowid) {
                Some(m) if want_mentions => Some(m),
                _ if want_mentions => {
                    let mut full = msg.clone();
                    self.case.fill_attachment_texts(&mut full)?;
                    Some(crate::patterns::of_message(&full))
                }
                _ => None,
            };
            exporter.write(&ExportItem {
                message: &msg,
                origins: &origins,
                thread: thread.as_deref(),
                snippet: snippet.as_deref(),
                score: Some(hit.score),
                matched_in: matched.as_deref(),
                raw: raw.as_deref(),
                annotations: annotations.as_ref(),
                dkim,
                dkim_domain: dkim_domain.as_deref(),
                mentions: mentions.as_deref(),
            })?;
            // Dropping the exporter removes the partial output.
            if !progress(n as u64 + 1, total) {
                return Err(Error::Cancelled);
            }
        }
        let summary = exporter.finish()?;
        self.case.audit(&serde_json::json!({
            "event": "export",
            "when": crate::time::rfc3339(now()),
            "query": query_text,
            "format": format.name(),
            "messages": summary.messages,
            "output": summary.path.as_ref().map(|p| p.display().to_string()),
            "sha256": summary.sha256.map(|s| s.to_hex()),
            "bytes": summary.bytes,
        }))?;
        Ok(summary)
    }

    /// Where `query` matches `msg`: the message itself and/or the texts of
    /// its attachments (read from the case).
    pub fn matched_in(&self, msg: &Message, query: &Query) -> Result<Vec<MatchPlace>> {
        if msg
            .attachments
            .iter()
            .all(|a| a.text.is_none() && a.text_status.is_none())
        {
            // Nothing was extracted from these attachments (or there are none).
            return Ok(snippet::matched_in(query, msg));
        }
        let mut with_texts = msg.clone();
        self.case.fill_attachment_texts(&mut with_texts)?;
        Ok(snippet::matched_in(query, &with_texts))
    }

    /// Saves every attachment of a message into `dir` under a safe name,
    /// never overwriting; returns the paths written.
    pub fn save_attachments(&self, key: &MessageKey, dir: &Path) -> Result<Vec<PathBuf>> {
        self.sources().save_attachments(key, dir)
    }
}

/// Reads messages and attachments back from their sources with only the
/// case database (no search index): what a thread that reads sources
/// while the window stays responsive needs to open.
pub struct SourceReader<'a> {
    case: &'a Case,
}

impl<'a> SourceReader<'a> {
    /// A reader on an open case.
    pub fn new(case: &'a Case) -> SourceReader<'a> {
        SourceReader { case }
    }

    /// Writes a PDF of the message `rowid` — or, with `whole_thread`, of
    /// every message of its thread in reading order — to `dest` (see
    /// [`crate::export::pdf`]), records it in the audit log, and returns
    /// how many messages it holds and the file's SHA-256. `title` names the
    /// document (the case's name); `monospace` decides each body's font.
    pub fn print_pdf(
        &self,
        rowid: u64,
        whole_thread: bool,
        dest: &Path,
        title: &str,
        monospace: &dyn Fn(&str) -> bool,
    ) -> Result<(usize, String)> {
        let first = self.message(rowid)?;
        let mut rowids = vec![rowid];
        if whole_thread && let Some(t) = self.case.thread_of(&first.key)? {
            let tree = thread_tree(self.case, &t)?;
            if tree.len() > 1 {
                rowids = tree.into_iter().map(|(_, r)| r).collect();
            }
        }
        let mut messages = Vec::with_capacity(rowids.len());
        for &r in &rowids {
            let m = if r == rowid {
                first.clone()
            } else {
                self.message(r)?
            };
            let origins = self.case.origins(&m.key)?;
            let desk = self.case.annotations_of(&m.key)?;
            let dkim = self.case.dkim_outcome(r as i64)?;
            messages.push((m, origins, desk, dkim));
        }
        // A thread is called after its first message, as in the list.
        let heading = match messages.first() {
            Some((root, _, _, _)) if messages.len() > 1 => Some(format!(
                "Thread: {} — {} messages",
                root.subject.as_deref().unwrap_or("(no subject)"),
                messages.len()
            )),
            _ => None,
        };
        let items: Vec<crate::export::pdf::PrintItem<'_>> = messages
            .iter()
            .map(|(m, o, d, k)| crate::export::pdf::PrintItem {
                message: m,
                origins: o,
                annotations: (!d.is_empty()).then_some(d),
                dkim: k.as_ref(),
                monospace: monospace(&m.body_text),
            })
            .collect();
        let opts = crate::export::pdf::PrintOptions {
            heading,
            title: title.to_owned(),
        };
        let sha = crate::export::pdf::write(dest, &items, &opts)?;
        self.case.audit(&serde_json::json!({
            "event": "print",
            "when": crate::time::rfc3339(now()),
            "messages": items.iter().map(|i| i.message.key.to_hex()).collect::<Vec<_>>(),
            "output": dest.display().to_string(),
            "format": "pdf",
            "sha256": sha,
        }))?;
        Ok((items.len(), sha))
    }

    /// The stored record of a message.
    fn message(&self, rowid: u64) -> Result<Message> {
        self.case
            .message_by_rowid(rowid)?
            .ok_or_else(|| Error::NoSuchMessage {
                case: self.case.root().to_path_buf(),
                key: format!("row {rowid}"),
            })
    }

    /// Opens the case at `root` (its database only) and runs `f` with a
    /// reader on it: for a thread of its own that reads sources.
    pub fn with_case<T>(root: &Path, f: impl FnOnce(&SourceReader<'_>) -> T) -> Result<T> {
        let case = Case::open(root)?;
        Ok(f(&SourceReader::new(&case)))
    }

    /// The message's raw bytes exactly as in its first readable source,
    /// verified against the recorded SHA-256, with that origin.
    pub fn raw(&self, key: &MessageKey) -> Result<(Vec<u8>, Origin)> {
        let origins = self.case.origins(key)?;
        let mut last = None;
        for o in origins {
            let checkpoint = if o.format.is_compressed() {
                self.case.gz_checkpoint(&o.path, o.offset)
            } else {
                None
            };
            let read = if o.converted.is_some() {
                // An Outlook item: rendered again from its container.
                crate::outlook::read_converted(&o)
            } else {
                crate::source::read_raw_from(&o, checkpoint.as_ref())
            };
            match read {
                Ok(bytes) => return Ok((bytes, o)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::NoSuchMessage {
            case: self.case.root().to_path_buf(),
            key: key.to_hex(),
        }))
    }

    /// The message as it was before it was put into an mbox (quoting
    /// undone), for exports.
    pub fn message_bytes(&self, key: &MessageKey) -> Result<(Vec<u8>, Origin)> {
        let (raw, origin) = self.raw(key)?;
        let bytes = if matches!(origin.format, SourceFormat::Mbox | SourceFormat::MboxGz) {
            crate::source::unquote_mbox(&raw).into_owned()
        } else {
            raw
        };
        Ok((bytes, origin))
    }

    /// The attachments of a message with their decoded bytes.
    pub fn attachments(&self, key: &MessageKey) -> Result<Vec<(Attachment, Vec<u8>)>> {
        let (bytes, origin) = self.message_bytes(key)?;
        // A .partial.emlx: its attachment files joined in, as at import.
        let joined = (origin.format == crate::model::SourceFormat::Emlx && origin.entry.is_none())
            .then(|| crate::source::emlx::join_partial(&bytes, &origin.path))
            .flatten();
        let bytes = joined.map_or(bytes, |(j, _)| j);
        Ok(crate::parse::attachment_contents(
            &bytes,
            &Limits::default(),
        ))
    }

    /// Saves attachment `index` of a message as `file` in `dir` (the name
    /// made safe, never overwriting); returns the path written.
    pub fn save_attachment(
        &self,
        key: &MessageKey,
        index: usize,
        dir: &Path,
        file: &str,
    ) -> Result<PathBuf> {
        match self.attachments(key)?.get(index) {
            Some((_, bytes)) => crate::safename::save_into(dir, file, bytes),
            None => Err(Error::NoSuchMessage {
                case: self.case.root().to_path_buf(),
                key: format!("{} attachment {index}", key.to_hex()),
            }),
        }
    }

    /// Saves every attachment of a message into `dir` under a safe name,
    /// never overwriting; returns the paths written.
    pub fn save_attachments(&self, key: &MessageKey, dir: &Path) -> Result<Vec<PathBuf>> {
        // The folder is checked first: a missing one is an error even for a
        // message without attachments.
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::io(
                    dir,
                    "saving attachments",
                    std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
                ));
            }
            Err(e) => return Err(Error::io(dir, "opening folder", e)),
        }
        let mut out = Vec::new();
        for (a, bytes) in self.attachments(key)? {
            let name = a.name.clone().unwrap_or_else(|| default_name(&a));
            out.push(crate::safename::save_into(dir, &name, &bytes)?);
        }
        self.case.audit(&serde_json::json!({
            "event": "save_attachments",
            "when": crate::time::rfc3339(now()),
            "message": key.to_hex(),
            "folder": dir.display().to_string(),
            "files": out.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        }))?;
        Ok(out)
    }
}

/// A name for an attachment that has none, from its type.
pub fn default_name(a: &Attachment) -> String {
    let ext = match a.mime.as_str() {
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        _ => "bin",
    };
    format!("attachment.{ext}")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The messages of a stored thread as a reply tree (see
/// [`Browser::thread_tree`]).
fn thread_tree(case: &Case, thread: &str) -> Result<Vec<(usize, u64)>> {
    let rows = case.thread_inputs_of(thread)?;
    let rowid_of: HashMap<MessageKey, u64> = rows.iter().map(|(r, t, _)| (t.key, *r)).collect();
    let inputs: Vec<_> = rows.into_iter().map(|(_, t, _)| t).collect();
    let threads = crate::thread::thread(&inputs);
    let mut out = Vec::with_capacity(inputs.len());
    let mut ordered: Vec<&crate::thread::Thread> = threads.threads().iter().collect();
    ordered.sort_by_key(|t| (t.first_date.is_none(), t.first_date));
    for t in ordered {
        for (depth, node) in t.walk() {
            if let Some(rowid) = node.key.as_ref().and_then(|k| rowid_of.get(k)) {
                out.push((depth, *rowid));
            }
        }
    }
    Ok(out)
}
