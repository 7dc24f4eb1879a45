//! The search index: the only user of tantivy (with [`schema`]).
//!
//! One document per message, added while importing and committed with the
//! highest case row id it covers as commit payload, so an index left behind
//! by a killed import catches up from the case database on the next open.
//! [`SearchIndex::search`] turns a [`crate::query::Query`] into a tantivy
//! query and returns every hit (no cap) with its score and date.

mod annotated;
mod facets;
mod mentions;
mod merge;
mod rows;
pub mod schema;
pub mod snippet;
mod top;

use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, EnableScoring, Explanation, FuzzyTermQuery,
    Occur, PhraseQuery, Query as TQuery, RangeQuery, Scorer, TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::{Field as TField, IndexRecordOption};
use tantivy::{
    DocId, DocSet, IndexReader, IndexWriter, ReloadPolicy, Score, SeekDangerResult, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use crate::error::{Error, Result};
use crate::query::{Field, Flag, Mode, Query};
pub use annotated::Annotated;
pub use facets::IndexFacets;
pub use schema::Fields;

/// A message as the index stores it, made by [`Fields::document`] on the
/// import's workers and added by the writer.
pub type Document = TantivyDocument;

/// Heap for the index writer (shared by its threads).
const WRITER_HEAP: usize = 48 << 20;

/// The index of a case.
pub struct SearchIndex {
    dir: PathBuf,
    index: tantivy::Index,
    fields: Fields,
    reader: IndexReader,
}

/// One search hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Row id of the message in the case database.
    pub rowid: u64,
    /// BM25 relevance; computed only when sorting by [`Sort::Relevance`] (not meaningful
    /// otherwise).
    pub score: f32,
    /// The message's date, seconds since the Unix epoch (UTC); None when undated.
    pub date: Option<i64>,
}

/// How hits are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first (ties: newer first, then by row id). The default.
    #[default]
    Relevance,
    /// Oldest first (undated last).
    Date,
    /// Newest first (undated last).
    DateDesc,
}

/// What the index needs from the case to resolve some query terms.
pub trait Resolver {
    /// Row ids of the messages in a thread.
    fn thread_rowids(&self, thread: &str) -> Result<Vec<u64>>;
    /// Row ids of the messages found in files whose path contains `part`.
    fn source_rowids(&self, part: &str) -> Result<Vec<u64>>;
    /// Row ids of the messages found more than once (`is:duplicate`).
    fn duplicate_rowids(&self) -> Result<Vec<u64>>;
    /// Row ids of the messages whose maildir origins carry `flag` (see
    /// [`Flag`]; empty for [`Flag::Duplicate`], which has its own method),
    /// and for [`Flag::Starred`] those an investigator starred. Gmail
    /// labels are the index's part, not the resolver's.
    fn flag_rowids(&self, flag: Flag) -> Result<Vec<u64>>;
    /// Row ids of the messages with the annotation `what` (`tag:`,
    /// `has:note`, `note:`).
    fn annotated_rowids(&self, what: &Annotated<'_>) -> Result<Vec<u64>>;
}

impl Resolver for crate::store::Case {
    fn thread_rowids(&self, thread: &str) -> Result<Vec<u64>> {
        crate::store::Case::thread_rowids(self, thread)
    }
    fn source_rowids(&self, part: &str) -> Result<Vec<u64>> {
        crate::store::Case::source_rowids(self, part)
    }
    fn duplicate_rowids(&self) -> Result<Vec<u64>> {
        crate::store::Case::duplicate_rowids(self)
    }
    fn flag_rowids(&self, flag: Flag) -> Result<Vec<u64>> {
        match (flag, flag.maildir_letter()) {
            (Flag::Starred, _) => crate::store::Case::starred_rowids(self),
            (Flag::Duplicate, _) | (_, None) => Ok(Vec::new()),
            (Flag::Unread, Some(letter)) => {
                crate::store::Case::maildir_rowids_without(self, letter)
            }
            (_, Some(letter)) => crate::store::Case::maildir_rowids_with(self, letter),
        }
    }
    fn annotated_rowids(&self, what: &Annotated<'_>) -> Result<Vec<u64>> {
        annotated::case_rowids(self, what)
    }
}

/// Opens (or creates) the tantivy index in `dir` with the schema of `fields`.
fn open_dir(dir: &Path, fields: &Fields) -> tantivy::Result<tantivy::Index> {
    std::fs::create_dir_all(dir)?;
    let mmap = tantivy::directory::MmapDirectory::open(dir)?;
    tantivy::Index::open_or_create(mmap, fields.schema.clone())
}

impl SearchIndex {
    fn err(&self, e: tantivy::TantivyError) -> Error {
        Error::Index {
            path: self.dir.clone(),
            source: e,
        }
    }

    /// Opens the index in `dir`, creating it if missing. An index built
    /// with another schema (an older [`schema::VERSION`]) is deleted and
    /// created again empty: it covers no row, so the next catch-up (opening
    /// the case when nobody is writing it, the next import, or `mailsift
    /// reindex`) indexes every message again.
    pub fn open_or_create(dir: &Path) -> Result<SearchIndex> {
        let fields = Fields::new();
        let wrap = |e| Error::Index {
            path: dir.to_path_buf(),
            source: e,
        };
        let index = match open_dir(dir, &fields) {
            // The index is derived from the case database: one made by
            // another version of mailsift (another schema, see
            // `schema::VERSION`) is set aside and started again, and the
            // catch-up that follows any open of a case whose index is
            // behind (`pipeline::catch_up`, `Browser::open`, an import)
            // indexes every message again.
            Err(tantivy::TantivyError::SchemaError(m)) if m.contains("schema does not match") => {
                std::fs::remove_dir_all(dir)
                    .map_err(|e| Error::io(dir, "removing an index of another version", e))?;
                open_dir(dir, &fields).map_err(wrap)?
            }
            r => r.map_err(wrap)?,
        };
        index
            .tokenizers()
            .register(schema::ANALYZER, schema::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(wrap)?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            fields,
            reader,
        })
    }

    /// An index in memory (tests).
    pub fn in_ram() -> SearchIndex {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        index
            .tokenizers()
            .register(schema::ANALYZER, schema::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .expect("a RAM index has a reader");
        SearchIndex {
            dir: PathBuf::from("(memory)"),
            index,
            fields,
            reader,
        }
    }

    /// The handles to the index's fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The highest case row id the committed index covers (0 if none).
    pub fn indexed_upto(&self) -> Result<u64> {
        let metas = self.index.load_metas().map_err(|e| self.err(e))?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0))
    }

    /// A writer. Only one may exist at a time (the case's write lock
    /// already guarantees one writing process).
    pub fn writer(&self) -> Result<IndexWriterHandle> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2);
        // One merge at a time, each bounded (see `merge`): the import's
        // memory does not grow with the case.
        let options = tantivy::indexer::IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(WRITER_HEAP.max((threads * 20) << 20) / threads)
            .num_merge_threads(merge::MERGE_THREADS)
            .build();
        let w = self
            .index
            .writer_with_options(options)
            .map_err(|e| self.err(e))?;
        w.set_merge_policy(Box::new(merge::BoundedMerges::new(merge::MAX_MERGED_DOCS)));
        Ok(IndexWriterHandle {
            dir: self.dir.clone(),
            w,
            rowid: self.fields.rowid,
            pending: 0,
        })
    }

    /// Makes the last commit visible to searches.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Number of documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every hit of `q`, sorted.
    pub fn search(&self, q: &Query, resolver: &dyn Resolver, sort: Sort) -> Result<Vec<Hit>> {
        let tq = self.convert(q, resolver)?;
        let searcher = self.reader.searcher();
        let collector = AllHits {
            scoring: sort == Sort::Relevance,
        };
        let mut hits = searcher.search(&*tq, &collector).map_err(|e| self.err(e))?;
        match sort {
            Sort::Relevance => hits.sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(b.date.cmp(&a.date))
                    .then(a.rowid.cmp(&b.rowid))
            }),
            Sort::Date => hits.sort_by_key(|h| (h.date.is_none(), h.date, h.rowid)),
            Sort::DateDesc => {
                hits.sort_by_key(|h| (h.date.is_none(), std::cmp::Reverse(h.date), h.rowid))
            }
        }
        Ok(hits)
    }

    /// Number of hits of `q`.
    pub fn count(&self, q: &Query, resolver: &dyn Resolver) -> Result<usize> {
        let tq = self.convert(q, resolver)?;
        self.reader
            .searcher()
            .search(&*tq, &Count)
            .map_err(|e| self.err(e))
    }

    /// The text fields a plain word is looked for in, with their weights:
    /// matches in the message itself rank above matches in attachments.
    fn any_fields(&self) -> [(TField, f32); 8] {
        let f = &self.fields;
        [
            (f.subject, 2.0),
            (f.body, 1.0),
            (f.from, 1.5),
            (f.to, 1.2),
            (f.cc, 1.2),
            (f.bcc, 1.2),
            (f.filename, 1.0),
            (f.attachment, 0.5),
        ]
    }

    fn text_fields(&self, field: Field) -> Vec<(TField, f32)> {
        let f = &self.fields;
        match field {
            Field::Any => self.any_fields().to_vec(),
            Field::From => vec![(f.from, 1.0)],
            // `to:` is every recipient, as in Gmail and notmuch.
            Field::To => vec![(f.to, 1.0), (f.cc, 1.0), (f.bcc, 1.0)],
            Field::Cc => vec![(f.cc, 1.0)],
            Field::Bcc => vec![(f.bcc, 1.0)],
            Field::Subject => vec![(f.subject, 1.0)],
            Field::Body => vec![(f.body, 1.0)],
            Field::Attachment => vec![(f.attachment, 1.0)],
            Field::Filename => vec![(f.filename, 1.0)],
            Field::Id
            | Field::MsgId
            | Field::Thread
            | Field::Source
            | Field::Label
            | Field::Tag
            | Field::Note
            | Field::Dkim
            | Field::DkimDomain
            | Field::Mentions => Vec::new(),
        }
    }

    fn convert(&self, q: &Query, resolver: &dyn Resolver) -> Result<Box<dyn TQuery>> {
        let f = &self.fields;
        Ok(match q {
            Query::All => Box::new(AllQuery),
            Query::Is(crate::query::Flag::Duplicate) => Box::new(TermSetQuery::new(
                resolver
                    .duplicate_rowids()?
                    .into_iter()
                    .map(|r| Term::from_field_u64(f.rowid, r)),
            )),
            Query::Is(crate::query::Flag::Signed) => Box::new(TermQuery::new(
                Term::from_field_text(f.flags, schema::FLAG_SIGNED),
                IndexRecordOption::Basic,
            )),
            Query::Is(crate::query::Flag::Encrypted) => Box::new(TermQuery::new(
                Term::from_field_text(f.flags, schema::FLAG_ENCRYPTED),
                IndexRecordOption::Basic,
            )),
            Query::Is(flag) => self.flag(*flag, resolver)?,
            Query::HasAttachment => Box::new(TermQuery::new(
                Term::from_field_u64(f.has_attachment, 1),
                IndexRecordOption::Basic,
            )),
            Query::HasNote => self.rowid_set(resolver.annotated_rowids(&Annotated::AnyNote)?),
            Query::HasPattern(kind) => Box::new(TermQuery::new(
                Term::from_field_text(f.mention, &schema::has_term(*kind)),
                IndexRecordOption::Basic,
            )),
            Query::Date { start, end } => {
                let lo = start.map_or(Bound::Unbounded, |s| {
                    Bound::Included(Term::from_field_i64(f.date, s))
                });
                let hi = end.map_or(Bound::Unbounded, |e| {
                    Bound::Excluded(Term::from_field_i64(f.date, e))
                });
                if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
                    // Any dated message.
                    Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_i64(f.date, i64::MIN)),
                        Bound::Unbounded,
                    ))
                } else {
                    Box::new(RangeQuery::new(lo, hi))
                }
            }
            Query::Domain { field, domain } => {
                let dom = domain.trim_start_matches('@').to_lowercase();
                let fields = match field {
                    Field::From => vec![f.from_domain],
                    Field::To => vec![f.to_domain, f.cc_domain, f.bcc_domain],
                    Field::Cc => vec![f.cc_domain],
                    Field::Bcc => vec![f.bcc_domain],
                    _ => vec![f.from_domain, f.to_domain, f.cc_domain, f.bcc_domain],
                };
                Box::new(TermSetQuery::new(
                    fields.into_iter().map(|fd| Term::from_field_text(fd, &dom)),
                ))
            }
            Query::Term { field, text, mode } => self.term(*field, text, *mode, resolver)?,
            Query::Phrase { field, text } => match field {
                Field::Id
                | Field::MsgId
                | Field::Thread
                | Field::Source
                | Field::Label
                | Field::Tag
                | Field::Note
                | Field::Dkim
                | Field::DkimDomain
                | Field::Mentions => self.term(*field, text, Mode::Exact, resolver)?,
                _ => match self.address(*field, text) {
                    Some(q) => q,
                    None => self.phrase(*field, text),
                },
            },
            Query::And(qs) => {
                let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
                let mut positive = false;
                for sub in qs {
                    match sub {
                        Query::Not(inner) => clauses.push((
                            Occur::MustNot,
                            Box::new(Excluded(self.convert(inner, resolver)?)),
                        )),
                        other => {
                            positive = true;
                            clauses.push((Occur::Must, self.convert(other, resolver)?))
                        }
                    }
                }
                if !positive {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Or(qs) => {
                let mut clauses = Vec::new();
                for sub in qs {
                    clauses.push((Occur::Should, self.convert(sub, resolver)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (
                    Occur::MustNot,
                    Box::new(Excluded(self.convert(inner, resolver)?)),
                ),
            ])),
        })
    }

    fn term(
        &self,
        field: Field,
        text: &str,
        mode: Mode,
        resolver: &dyn Resolver,
    ) -> Result<Box<dyn TQuery>> {
        let f = &self.fields;
        match field {
            Field::Mentions => return Ok(self.mentions(text)),
            Field::Id => {
                let hex = text.trim().to_ascii_lowercase();
                let term = Term::from_field_text(f.key, &hex);
                return Ok(
                    if hex.len() == 64 || mode == Mode::Exact && hex.len() == 64 {
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic))
                    } else {
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, false))
                    },
                );
            }
            Field::MsgId => {
                let id = crate::thread::normalize_message_id(text).unwrap_or_default();
                return Ok(Box::new(TermQuery::new(
                    Term::from_field_text(f.msgid, &id),
                    IndexRecordOption::Basic,
                )));
            }
            Field::Label => {
                let term = Term::from_field_text(f.label, &schema::label_term(text));
                return Ok(match mode {
                    Mode::Exact => Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    Mode::Prefix => Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
                    Mode::Fuzzy(d) => Box::new(FuzzyTermQuery::new(term, d.min(2), true)),
                });
            }
            Field::Thread | Field::Source => {
                let rowids = if field == Field::Thread {
                    resolver.thread_rowids(&text.trim().to_ascii_lowercase())?
                } else {
                    resolver.source_rowids(text.trim())?
                };
                return Ok(self.rowid_set(rowids));
            }
            Field::Tag => {
                let what = Annotated::Tag { name: text, mode };
                return Ok(self.rowid_set(resolver.annotated_rowids(&what)?));
            }
            Field::Dkim | Field::DkimDomain => {
                let t = text.trim();
                let what = if field == Field::Dkim {
                    let Some(v) = crate::dkim::Verdict::parse(t) else {
                        return Ok(Box::new(EmptyQuery));
                    };
                    Annotated::Dkim {
                        verdict: Some(v),
                        domain: None,
                    }
                } else {
                    Annotated::Dkim {
                        verdict: None,
                        domain: Some(t),
                    }
                };
                return Ok(self.rowid_set(resolver.annotated_rowids(&what)?));
            }
            Field::Note => {
                let words = schema::words(text);
                if words.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                let what = Annotated::NoteWords {
                    words: &words,
                    mode,
                };
                return Ok(self.rowid_set(resolver.annotated_rowids(&what)?));
            }
            _ => {}
        }
        if mode == Mode::Exact
            && let Some(q) = self.address(field, text)
        {
            return Ok(q);
        }
        let words = schema::words(text);
        if words.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        let mut per_field = Vec::new();
        for (tf, boost) in self.text_fields(field) {
            let q: Box<dyn TQuery> = match mode {
                Mode::Exact => words_query(tf, &words),
                Mode::Prefix => {
                    // All words but the last must match exactly, the last as a prefix.
                    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
                    let (last, rest) = words.split_last().expect("not empty");
                    if !rest.is_empty() {
                        clauses.push((Occur::Must, words_query(tf, rest)));
                    }
                    clauses.push((
                        Occur::Must,
                        Box::new(FuzzyTermQuery::new_prefix(
                            Term::from_field_text(tf, last),
                            0,
                            false,
                        )),
                    ));
                    Box::new(BooleanQuery::new(clauses))
                }
                Mode::Fuzzy(d) => Box::new(BooleanQuery::new(
                    words
                        .iter()
                        .map(|w| {
                            let q: Box<dyn TQuery> = Box::new(FuzzyTermQuery::new(
                                Term::from_field_text(tf, w),
                                d.min(2),
                                true,
                            ));
                            (Occur::Must, q)
                        })
                        .collect(),
                )),
            };
            per_field.push((Occur::Should, boosted(q, boost)));
        }
        Ok(Box::new(BooleanQuery::new(per_field)))
    }

    /// The messages with these row ids (answers the case gave).
    fn rowid_set(&self, rowids: Vec<u64>) -> Box<dyn TQuery> {
        let f = self.fields.rowid;
        Box::new(TermSetQuery::new(
            rowids.into_iter().map(|r| Term::from_field_u64(f, r)),
        ))
    }

    /// `is:flagged` and the other flags the owner's mail program set: the
    /// messages whose maildir origins say so (from the case), or that
    /// carry one of Gmail's labels with that meaning.
    fn flag(&self, flag: Flag, resolver: &dyn Resolver) -> Result<Box<dyn TQuery>> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = vec![(
            Occur::Should,
            Box::new(TermSetQuery::new(
                resolver
                    .flag_rowids(flag)?
                    .into_iter()
                    .map(|r| Term::from_field_u64(f.rowid, r)),
            )),
        )];
        for label in flag.gmail_labels() {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.label, label),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A whole address in an address field (`from:ann@x.org`,
    /// `to:"ann@x.org"`): the exact address, not the words of it (which
    /// would also find `bob.ann@x.org`); None for anything else.
    fn address(&self, field: Field, text: &str) -> Option<Box<dyn TQuery>> {
        let roles: &[&str] = match field {
            Field::From => &["from"],
            Field::To => &["to", "cc", "bcc"],
            Field::Cc => &["cc"],
            Field::Bcc => &["bcc"],
            _ => return None,
        };
        let addr = schema::exact_address(text)?;
        let terms = roles
            .iter()
            .map(|r| Term::from_field_text(self.fields.address, &format!("{r}:{addr}")));
        Some(Box::new(TermSetQuery::new(terms)))
    }

    fn phrase(&self, field: Field, text: &str) -> Box<dyn TQuery> {
        let words = schema::words(text);
        if words.is_empty() {
            return Box::new(EmptyQuery);
        }
        let clauses = self
            .text_fields(field)
            .into_iter()
            .map(|(tf, boost)| (Occur::Should, boosted(words_query(tf, &words), boost)))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}

/// A query used as a `MustNot` clause. tantivy 0.27's `Exclude` asks its
/// excluded scorer about every candidate with `seek_danger(candidate)`,
/// also for candidates below where that scorer already is (a fresh scorer
/// sits on its first match; a `seek_danger` may leave it past the target),
/// and phrase and intersection scorers assume `target >= doc()`:
/// `-body:"talking points"` and `-(body:"talking points" subject:re)` hit
/// the phrase scorer's debug assertion (a panic in debug builds; found by
/// the `query` fuzz target). The wrapper answers such calls itself and
/// otherwise moves its scorer with plain `seek`, so the scorer is always
/// on a document it holds.
#[derive(Debug)]
struct Excluded(Box<dyn TQuery>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl TQuery for Excluded {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor)
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ExcludedScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ExcludedScorer(Box<dyn Scorer>);

impl DocSet for ExcludedScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if doc >= target {
            return doc;
        }
        self.0.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        // The inner scorer only ever moves by `advance`/`seek`, so it is
        // always on a matching document (or terminated), and nothing
        // between the target and that document matches.
        match self.seek(target) {
            doc if doc == target => SeekDangerResult::Found,
            doc => SeekDangerResult::SeekLowerBound(doc),
        }
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ExcludedScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

fn boosted(q: Box<dyn TQuery>, boost: f32) -> Box<dyn TQuery> {
    if boost == 1.0 {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// A single word as a term query, several as a phrase.
fn words_query(field: TField, words: &[String]) -> Box<dyn TQuery> {
    if words.len() == 1 {
        Box::new(TermQuery::new(
            Term::from_field_text(field, &words[0]),
            IndexRecordOption::WithFreqs,
        ))
    } else {
        Box::new(PhraseQuery::new(
            words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect(),
        ))
    }
}

/// Writes documents; see [`SearchIndex::writer`].
pub struct IndexWriterHandle {
    dir: PathBuf,
    w: IndexWriter,
    rowid: TField,
    pending: u64,
}

impl IndexWriterHandle {
    fn err(&self, e: tantivy::TantivyError) -> Error {
        Error::Index {
            path: self.dir.clone(),
            source: e,
        }
    }

    /// Adds a message's document (see [`Fields::document`]); it is searchable after the next
    /// commit.
    pub fn add(&mut self, doc: TantivyDocument) -> Result<()> {
        self.w.add_document(doc).map_err(|e| self.err(e))?;
        self.pending += 1;
        Ok(())
    }

    /// Removes the document of a message.
    pub fn delete(&mut self, rowid: u64) {
        self.w.delete_term(Term::from_field_u64(self.rowid, rowid));
    }

    /// Removes every document.
    pub fn delete_all(&mut self) -> Result<()> {
        self.w
            .delete_all_documents()
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Documents added since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Commits, recording that the index covers the case up to `upto`.
    pub fn commit(&mut self, upto: u64) -> Result<()> {
        let dir = self.dir.clone();
        let mut prepared = self.w.prepare_commit().map_err(|e| Error::Index {
            path: dir.clone(),
            source: e,
        })?;
        prepared.set_payload(&upto.to_string());
        prepared.commit().map_err(|e| Error::Index {
            path: dir,
            source: e,
        })?;
        self.pending = 0;
        Ok(())
    }

    /// Gives up everything added since the last commit, and deletes the
    /// segment files it had already written (when a writer stops, its
    /// indexing threads flush what they hold into segments that no commit
    /// will ever list). Best effort: used after a failed import, when the
    /// disk may be full; files left over are collected by the next commit.
    pub fn discard(mut self) {
        if self.w.rollback().is_ok() {
            let _ = self.w.garbage_collect_files().wait();
        }
    }

    /// Waits for background merges to finish.
    pub fn finish(self) -> Result<()> {
        let dir = self.dir.clone();
        self.w.wait_merging_threads().map_err(|e| Error::Index {
            path: dir,
            source: e,
        })
    }
}

/// Collects every hit with its row id, score and date.
struct AllHits {
    scoring: bool,
}

struct SegmentHits {
    rowid: Column<u64>,
    date: Column<i64>,
    hits: Vec<Hit>,
}

impl Collector for AllHits {
    type Fruit = Vec<Hit>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            rowid: segment.fast_fields().u64("rowid")?,
            date: segment.fast_fields().i64("date")?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(rowid) = self.rowid.first(doc) {
            self.hits.push(Hit {
                rowid,
                score,
                date: self.date.first(doc),
            });
        }
    }

    fn harvest(self) -> Vec<Hit> {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Attachment, Message, Sha256};
    use crate::query::parse;

    struct NoCase;
    impl Resolver for NoCase {
        fn thread_rowids(&self, t: &str) -> Result<Vec<u64>> {
            Ok(if t == "t1" { vec![2] } else { vec![] })
        }
        fn source_rowids(&self, _: &str) -> Result<Vec<u64>> {
            Ok(vec![1])
        }
        fn duplicate_rowids(&self) -> Result<Vec<u64>> {
            Ok(vec![2])
        }
        fn flag_rowids(&self, flag: Flag) -> Result<Vec<u64>> {
            // Message 1 is a maildir file flagged `FS`; 2 has no maildir
            // origin and is starred by an investigator.
            Ok(match flag {
                Flag::Flagged | Flag::Seen => vec![1],
                Flag::Starred => vec![2],
                _ => vec![],
            })
        }
        fn annotated_rowids(&self, what: &Annotated<'_>) -> Result<Vec<u64>> {
            // Message 1 is tagged "Follow up" with the note "call the lawyer".
            Ok(match *what {
                Annotated::Tag { name, .. } if schema::label_term(name) == "follow up" => vec![1],
                Annotated::AnyNote => vec![1],
                Annotated::NoteWords { words, mode } => {
                    let note = schema::words("call the lawyer");
                    if annotated::note_matches(&note, words, mode) {
                        vec![1]
                    } else {
                        vec![]
                    }
                }
                _ => vec![],
            })
        }
    }

    fn msg(n: u8, subject: &str, body: &str, from: &str, date: i64) -> Message {
        let mut m = Message::empty(Sha256::of(&[n]), 10);
        m.subject = Some(subject.into());
        m.body_text = body.into();
        m.from = vec![Address {
            name: Some("Ann García".into()),
            addr: from.into(),
        }];
        m.date = Some(date);
        m.message_id = Some(format!("m{n}@x"));
        m
    }

    fn index() -> SearchIndex {
        let idx = SearchIndex::in_ram();
        let f = idx.fields().clone();
        let mut w = idx.writer().unwrap();
        let mut a = msg(
            1,
            "Budget for May",
            "The MOSCOW trip. 会議の資料",
            "ann@mail.dnc.org",
            1_462_000_000,
        );
        a.attachments.push(Attachment {
            name: Some("donors.xlsx".into()),
            mime: "application/vnd.ms-excel".into(),
            size: 1,
            sha256: Sha256::of(b""),
            inline: false,
            text: Some("secret donor list".into()),
            kind: None,
            text_status: None,
        });
        a.encrypted = Some(crate::model::EncryptionKind::PgpMime);
        let mut b = msg(
            2,
            "Re: travel",
            "budget talk in the body, donor",
            "bob@hartwell.example.com",
            1_465_000_000,
        );
        // Signed: its signature part is kept but is not an attachment.
        b.signed = Some(crate::model::SignatureKind::Pgp);
        let mut sig = a.attachments[0].clone();
        sig.name = Some("signature.asc".into());
        sig.mime = "application/pgp-signature".into();
        sig.text = None;
        b.signatures.push(sig);
        b.labels = vec![
            "Inbox".into(),
            "Category  Personal".into(),
            "Work/Projects".into(),
            "Unread".into(),
        ];
        for (i, m) in [a, b].iter().enumerate() {
            let mut d = f.document(m);
            f.set_rowid(&mut d, i as u64 + 1);
            w.add(d).unwrap();
        }
        w.commit(2).unwrap();
        idx.reload().unwrap();
        idx
    }

    fn rowids(idx: &SearchIndex, q: &str) -> Vec<u64> {
        let mut r: Vec<u64> = idx
            .search(&parse(q).unwrap(), &NoCase, Sort::Relevance)
            .unwrap()
            .into_iter()
            .map(|h| h.rowid)
            .collect();
        r.sort();
        r
    }

    #[test]
    fn annotations_are_answered_by_the_resolver_and_combine() {
        let idx = index();
        assert_eq!(rowids(&idx, "tag:\"FOLLOW  up\""), [1]);
        assert_eq!(rowids(&idx, "tag:urgent"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "is:starred"), [2]);
        assert_eq!(rowids(&idx, "is:flagged"), [1]);
        assert_eq!(rowids(&idx, "has:note"), [1]);
        assert_eq!(rowids(&idx, "note:lawyer"), [1]);
        assert_eq!(rowids(&idx, "note:law*"), [1]);
        assert_eq!(rowids(&idx, "note:\"the lawyer\""), [1]);
        assert_eq!(rowids(&idx, "note:\"lawyer the\""), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "note:budget"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "* -has:note"), [2]);
        assert_eq!(rowids(&idx, "is:starred OR note:lawyer"), [1, 2]);
        assert_eq!(rowids(&idx, "has:note -is:starred"), [1]);
    }

    #[test]
    fn queries_find_the_right_messages() {
        let idx = index();
        assert_eq!(idx.indexed_upto().unwrap(), 2);
        assert_eq!(rowids(&idx, "*"), [1, 2]);
        assert_eq!(rowids(&idx, "budget"), [1, 2]);
        assert_eq!(rowids(&idx, "subject:budget"), [1]);
        assert_eq!(rowids(&idx, "moscow"), [1]);
        assert_eq!(rowids(&idx, "Garcia"), [1, 2]);
        assert_eq!(rowids(&idx, "会議"), [1]);
        assert_eq!(rowids(&idx, "from:@dnc.org"), [1]);
        assert_eq!(rowids(&idx, "from:ann@mail.dnc.org"), [1]);
        assert_eq!(rowids(&idx, "has:attachment"), [1]);
        assert_eq!(rowids(&idx, "is:signed"), [2]);
        assert_eq!(rowids(&idx, "is:encrypted"), [1]);
        assert_eq!(rowids(&idx, "-is:signed"), [1]);
        // Answered by the resolver (the case's origins), as thread: and source:.
        assert_eq!(rowids(&idx, "is:duplicate"), [2]);
        assert_eq!(rowids(&idx, "-is:duplicate"), [1]);
        assert_eq!(rowids(&idx, "attachment:secret"), [1]);
        assert_eq!(rowids(&idx, "filename:donors"), [1]);
        assert_eq!(rowids(&idx, "budget -travel"), [1]);
        assert_eq!(rowids(&idx, "\"budget talk\""), [2]);
        assert_eq!(rowids(&idx, "budg*"), [1, 2]);
        assert_eq!(rowids(&idx, "moskow~"), [1]);
        assert_eq!(rowids(&idx, "before:2016-05-01"), [1]);
        assert_eq!(rowids(&idx, "date:2016-06"), [2]);
        assert_eq!(rowids(&idx, "thread:t1"), [2]);
        assert_eq!(rowids(&idx, "msgid:<m2@x>"), [2]);
        assert_eq!(rowids(&idx, "id:4bf5122f"), [1]);
        assert_eq!(rowids(&idx, "moscow OR travel"), [1, 2]);
        assert_eq!(rowids(&idx, "nothing-here"), Vec::<u64>::new());
    }

    #[test]
    fn an_index_of_an_older_schema_is_started_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = tantivy::schema::Schema::builder();
        b.add_text_field("key", tantivy::schema::STRING | tantivy::schema::STORED);
        let old = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
        let mut w: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
        w.commit().unwrap();
        drop(w);
        drop(old);
        // Opened with today's schema: empty, so the case's catch-up indexes
        // every message again (see `pipeline::tests`).
        let idx = SearchIndex::open_or_create(dir.path()).unwrap();
        assert_eq!(idx.indexed_upto().unwrap(), 0);
        assert_eq!(idx.count(&parse("*").unwrap(), &NoCase).unwrap(), 0);
        // And it is an index of today's schema from now on.
        drop(idx);
        assert!(SearchIndex::open_or_create(dir.path()).is_ok());
    }

    #[test]
    fn labels_match_whole_ignoring_case_and_flags_join_gmail_labels() {
        let idx = index();
        assert_eq!(rowids(&idx, "label:inbox"), [2]);
        assert_eq!(rowids(&idx, "label:INBOX"), [2]);
        assert_eq!(rowids(&idx, "label:\"category personal\""), [2]);
        assert_eq!(rowids(&idx, "label:\"Category Personal\""), [2]);
        assert_eq!(rowids(&idx, "label:work/projects"), [2]);
        assert_eq!(rowids(&idx, "label:work*"), [2]);
        // A word of a label is not the label; nor is the body's text.
        assert_eq!(rowids(&idx, "label:category"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "label:work"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "label:budget"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "-label:inbox"), [1]);
        // Labels are not words of the message.
        assert_eq!(rowids(&idx, "inbox"), Vec::<u64>::new());
        // Maildir flags from the resolver, Gmail's labels from the index.
        assert_eq!(rowids(&idx, "is:flagged"), [1]);
        assert_eq!(rowids(&idx, "is:seen"), [1]);
        assert_eq!(rowids(&idx, "is:unread"), [2]);
        assert_eq!(rowids(&idx, "is:replied"), Vec::<u64>::new());
        assert_eq!(rowids(&idx, "-is:flagged"), [2]);
    }

    #[test]
    fn an_index_of_an_older_schema_is_made_again_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        {
            std::fs::create_dir_all(&path).unwrap();
            let mut b = tantivy::schema::Schema::builder();
            b.add_text_field("key", tantivy::schema::STRING);
            let old = tantivy::Index::create_in_dir(&path, b.build()).unwrap();
            let mut w: IndexWriter = old.writer(15_000_000).unwrap();
            let mut prepared = w.prepare_commit().unwrap();
            prepared.set_payload("7");
            prepared.commit().unwrap();
        }
        let idx = SearchIndex::open_or_create(&path).unwrap();
        assert_eq!(idx.indexed_upto().unwrap(), 0);
        assert_eq!(idx.num_docs(), 0);
        drop(idx);
        // The current schema is kept as it is.
        let idx = SearchIndex::open_or_create(&path).unwrap();
        let mut w = idx.writer().unwrap();
        w.commit(3).unwrap();
        drop(w);
        drop(idx);
        assert_eq!(
            SearchIndex::open_or_create(&path)
                .unwrap()
                .indexed_upto()
                .unwrap(),
            3
        );
    }

    #[test]
    fn negated_phrases_and_groups_exclude_exactly_their_matches() {
        // These panicked in debug builds (tantivy's Exclude broke the phrase
        // scorer's seek precondition); see `Excluded`.
        let idx = index();
        assert_eq!(rowids(&idx, "-\"budget talk\""), [1]);
        assert_eq!(rowids(&idx, "-body:\"moscow trip\""), [2]);
        assert_eq!(rowids(&idx, "* -\"nothing like this\""), [1, 2]);
        assert_eq!(rowids(&idx, "-(\"budget talk\" donor)"), [1]);
        assert_eq!(
            rowids(&idx, "budget -(body:\"moscow trip\" subject:budget)"),
            [2]
        );
        assert_eq!(
            rowids(&idx, "NOT (\"budget talk\" OR moscow)"),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn attachment_matches_rank_below_message_matches() {
        let idx = index();
        let hits = idx
            .search(&parse("donor").unwrap(), &NoCase, Sort::Relevance)
            .unwrap();
        assert_eq!(hits.iter().map(|h| h.rowid).collect::<Vec<_>>(), [2, 1]);
        let by_date = idx
            .search(&parse("*").unwrap(), &NoCase, Sort::DateDesc)
            .unwrap();
        assert_eq!(by_date[0].rowid, 2);
    }
}
