//! Deterministic synthetic mail generator: the public API for the committed
//! sample folder ([`write_sample`]) and for large benchmark corpora
//! ([`write_corpus`]), both styled after real leaked collections (a
//! WikiLeaks-DNC-like folder of numbered `.eml` files, a Podesta-like
//! gzip'd Takeout mbox, a maildir) but with a FICTIONAL cast on reserved
//! domains only.
//!
//! Same seed → byte-identical output on any machine: the generator has its
//! own PRNG ([`rng`]), never reads the clock, never iterates a hash map and
//! writes no absolute paths.
//!
//! Submodules: `rng` (PRNG), `encode` (base64, QP, RFC 2047/2231, mboxrd),
//! `zip` (ZIP writer), `attach` (PDF/DOCX/XLSX/PNG/JPEG/CSV payloads),
//! `cast` and `text` (people and words), `date`, `mime`, `message` (one
//! message), `engine` (threads), `mbox` (containers), `sample` and `broken`
//! (the committed sample).

pub(crate) mod attach;
mod broken;
mod cast;
pub(crate) mod date;
pub mod encode;
mod engine;
mod mbox;
mod message;
mod mime;
pub mod rng;
mod sample;
mod text;
pub mod zip;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use engine::{Engine, EngineConfig};
use rng::Rng;

/// What corpus to generate.
#[derive(Clone, Debug, Serialize)]
pub struct CorpusSpec {
    pub seed: u64,
    pub messages: usize,
    pub layout: Layout,
    /// Average message size to aim for, in bytes (default 40,000).
    pub target_avg_size: usize,
    /// Share of messages that start with attachments (a forward has half
    /// as many again); None: the engine's default (0.3). The benchmark's
    /// Enron-like scale profile uses 0.03.
    pub attach_prob: Option<f64>,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec {
            seed: 1,
            messages: 1000,
            layout: Layout::Mbox,
            target_avg_size: 40_000,
            attach_prob: None,
        }
    }
}

/// How a corpus is laid out on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One mboxrd file `corpus.mbox` (LF line ends).
    Mbox,
    /// One gzip'd Takeout-style mbox `corpus.mbox.gz` (with X-GM-THRID and
    /// X-Gmail-Labels headers and Takeout `From_` lines).
    MboxGz,
    /// Numbered files `1.eml` … `N.eml`, some with CRLF line ends.
    EmlFolder,
    /// A maildir: `cur/`, `new/`, `tmp/`.
    Maildir,
}

/// What [`write_corpus`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct CorpusSummary {
    pub messages: usize,
    /// Bytes of the files written (compressed size for `MboxGz`).
    pub bytes: u64,
    /// Bytes of the messages themselves (no `From_` lines or escaping,
    /// uncompressed).
    pub message_bytes: u64,
    pub attachments: usize,
    /// Files written, relative to `out`.
    pub paths: Vec<PathBuf>,
}

/// Large realistic corpus for benchmarks, streamed to disk: only the open
/// threads' metadata and one message at a time are in memory. Attachment
/// bulk comes from the PRNG through a hand-written base64 encoder.
pub fn write_corpus(spec: &CorpusSpec, out: &Path) -> io::Result<CorpusSummary> {
    fs::create_dir_all(out)?;
    let takeout = spec.layout == Layout::MboxGz;
    let mut cfg = EngineConfig::corpus(spec.messages, spec.target_avg_size, takeout);
    if let Some(p) = spec.attach_prob {
        cfg.attach_prob = p;
    }
    if matches!(spec.layout, Layout::Mbox | Layout::MboxGz) {
        cfg.crlf_prob = 0.0;
    }
    let mut engine = Engine::new(cfg, Rng::derive(spec.seed, "corpus"));
    let mut summary = CorpusSummary {
        messages: 0,
        bytes: 0,
        message_bytes: 0,
        attachments: 0,
        paths: Vec::new(),
    };
    match spec.layout {
        Layout::Mbox | Layout::MboxGz => {
            let name = if takeout {
                "corpus.mbox.gz"
            } else {
                "corpus.mbox"
            };
            let buffered = BufWriter::with_capacity(1 << 20, File::create(out.join(name))?);
            if takeout {
                let gz = flate2::GzBuilder::new()
                    .filename("corpus.mbox")
                    .mtime(0)
                    .write(buffered, flate2::Compression::fast());
                let gz = mbox_stream(&mut engine, spec.messages, gz, true, &mut summary)?;
                gz.finish()?.flush()?;
            } else {
                let mut w = mbox_stream(&mut engine, spec.messages, buffered, false, &mut summary)?;
                w.flush()?;
            }
            summary.bytes = fs::metadata(out.join(name))?.len();
            summary.paths.push(PathBuf::from(name));
        }
        Layout::EmlFolder => {
            for i in 1..=spec.messages {
                let g = engine.next_message();
                let name = format!("{i}.eml");
                fs::write(out.join(&name), &g.bytes)?;
                summary.messages += 1;
                summary.message_bytes += g.bytes.len() as u64;
                summary.bytes += g.bytes.len() as u64;
                summary.attachments += g.attachments;
                summary.paths.push(PathBuf::from(name));
            }
        }
        Layout::Maildir => {
            for d in ["cur", "new", "tmp"] {
                fs::create_dir_all(out.join(d))?;
            }
            let mut flag_rng = Rng::derive(spec.seed, "maildir-flags");
            for i in 1..=spec.messages {
                let g = engine.next_message();
                let (dir, flags) = maildir_flags(&mut flag_rng);
                let name = mbox::maildir_name(
                    g.date,
                    flag_rng.below(1_000_000) as u32,
                    1000 + flag_rng.below(30_000) as u32,
                    i,
                    flags,
                );
                let rel = PathBuf::from(dir).join(name);
                fs::write(out.join(&rel), &g.bytes)?;
                summary.messages += 1;
                summary.message_bytes += g.bytes.len() as u64;
                summary.bytes += g.bytes.len() as u64;
                summary.attachments += g.attachments;
                summary.paths.push(rel);
            }
        }
    }
    Ok(summary)
}

/// The corpus of `spec` as one mboxrd file `corpus.mbox` (LF line ends),
/// each message passed through `transform` (its number from 0, its bytes)
/// before it is written: the benchmark signs some of them with a key it
/// knows. Otherwise the same messages as [`write_corpus`]'s `Mbox`.
pub fn write_corpus_mbox_with(
    spec: &CorpusSpec,
    out: &Path,
    transform: &mut dyn FnMut(usize, Vec<u8>) -> Vec<u8>,
) -> io::Result<CorpusSummary> {
    fs::create_dir_all(out)?;
    let mut cfg = EngineConfig::corpus(spec.messages, spec.target_avg_size, false);
    if let Some(p) = spec.attach_prob {
        cfg.attach_prob = p;
    }
    cfg.crlf_prob = 0.0;
    let mut engine = Engine::new(cfg, Rng::derive(spec.seed, "corpus"));
    let mut summary = CorpusSummary {
        messages: 0,
        bytes: 0,
        message_bytes: 0,
        attachments: 0,
        paths: vec![PathBuf::from("corpus.mbox")],
    };
    let path = out.join("corpus.mbox");
    let buffered = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let mut w = mbox_stream_with(
        &mut engine,
        spec.messages,
        buffered,
        false,
        &mut summary,
        transform,
    )?;
    w.flush()?;
    summary.bytes = fs::metadata(&path)?.len();
    Ok(summary)
}

/// Write `n` messages of `engine` as mboxrd into `sink`, returning it.
fn mbox_stream<W: Write>(
    engine: &mut Engine,
    n: usize,
    sink: W,
    takeout: bool,
    summary: &mut CorpusSummary,
) -> io::Result<W> {
    mbox_stream_with(engine, n, sink, takeout, summary, &mut |_, bytes| bytes)
}

/// [`mbox_stream`], each message's bytes passed through `transform`.
fn mbox_stream_with<W: Write>(
    engine: &mut Engine,
    n: usize,
    sink: W,
    takeout: bool,
    summary: &mut CorpusSummary,
    transform: &mut dyn FnMut(usize, Vec<u8>) -> Vec<u8>,
) -> io::Result<W> {
    let mut w = mbox::MboxWriter::new(sink);
    for i in 0..n {
        let mut g = engine.next_message();
        g.bytes = transform(i, std::mem::take(&mut g.bytes));
        w.write_message(&mbox::from_line_for(&g, takeout), &g.bytes, b"\n")?;
        summary.messages += 1;
        summary.message_bytes += g.bytes.len() as u64;
        summary.attachments += g.attachments;
    }
    Ok(w.into_inner())
}

/// A maildir subfolder and flags (`None` for `new/`).
fn maildir_flags(rng: &mut Rng) -> (&'static str, Option<&'static str>) {
    const FLAGS: &[&str] = &["S", "RS", "FS", "", "FRS", "PS", "ST"];
    const W: &[u32] = &[40, 25, 10, 8, 5, 7, 5];
    if rng.chance(0.15) {
        ("new", None)
    } else {
        ("cur", Some(FLAGS[rng.weighted(W)]))
    }
}

/// What kind of file a sample file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SampleKind {
    Mbox,
    MboxGz,
    Eml,
    MaildirMessage,
    /// Not mail: the importer must skip it with a reason.
    NotMail,
}

/// One file of the sample.
#[derive(Clone, Debug, Serialize)]
pub struct SampleFile {
    /// Relative to the sample folder, `/`-separated.
    pub path: PathBuf,
    pub kind: SampleKind,
    /// Messages written into this file (0 for non-mail).
    pub messages: usize,
    /// `(message index within the file (0-based) or "*", defect kind name)`,
    /// names as in `model::DefectKind::as_str`.
    pub expected_defects: Vec<(String, &'static str)>,
    pub note: &'static str,
}

/// How a planted duplicate relates to its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKind {
    /// The same message bytes (after removing `From_` lines and mbox
    /// quoting) in two places: the importer should store it once.
    ByteIdentical,
    /// A different message that carries the same Message-ID.
    SameMessageId,
}

/// A message in the sample: file and 0-based index within it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageRef {
    pub path: PathBuf,
    pub index: usize,
}

/// A duplicate planted on purpose.
#[derive(Clone, Debug, Serialize)]
pub struct PlantedDuplicate {
    pub kind: DuplicateKind,
    pub copy: MessageRef,
    pub original: MessageRef,
    /// Message-ID without angle brackets.
    pub message_id: String,
}

/// What [`write_sample`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct SampleSummary {
    /// Every file written, sorted by path.
    pub files: Vec<SampleFile>,
    /// Duplicates and Message-ID collisions planted on purpose.
    pub duplicates: Vec<PlantedDuplicate>,
}

impl SampleSummary {
    /// Messages in all files.
    pub fn total_messages(&self) -> usize {
        self.files.iter().map(|f| f.messages).sum()
    }

    /// All planted duplicates and Message-ID collisions.
    pub fn planted_duplicates(&self) -> &[PlantedDuplicate] {
        &self.duplicates
    }

    /// Byte-identical copies only: the number of distinct messages is
    /// `total_messages() - byte_identical_duplicates().count()`.
    pub fn byte_identical_duplicates(&self) -> impl Iterator<Item = &PlantedDuplicate> {
        self.duplicates
            .iter()
            .filter(|d| d.kind == DuplicateKind::ByteIdentical)
    }

    /// Different messages sharing a Message-ID.
    pub fn message_id_collisions(&self) -> impl Iterator<Item = &PlantedDuplicate> {
        self.duplicates
            .iter()
            .filter(|d| d.kind == DuplicateKind::SameMessageId)
    }

    /// Distinct messages (total minus byte-identical copies).
    pub fn distinct_messages(&self) -> usize {
        self.total_messages() - self.byte_identical_duplicates().count()
    }

    /// The entry for `path` (relative, `/`-separated).
    pub fn file(&self, path: &str) -> Option<&SampleFile> {
        self.files.iter().find(|f| f.path == Path::new(path))
    }
}

/// The small committed sample (about 2 MB): `README.txt`, `podesta/`,
/// `dnc/`, `maildir/ncpc-staff/` and `broken/`. See `README.txt` in the
/// output for the layout.
pub fn write_sample(out: &Path) -> io::Result<SampleSummary> {
    sample::write(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                if p.is_dir() {
                    out.insert(
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        b"<dir>".to_vec(),
                    );
                    stack.push(p);
                } else {
                    out.insert(
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        fs::read(&p).unwrap(),
                    );
                }
            }
        }
        out
    }

    #[test]
    fn sample_is_deterministic_and_complete() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = write_sample(a.path()).unwrap();
        let sb = write_sample(b.path()).unwrap();
        let ta = tree(a.path());
        let tb = tree(b.path());
        assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
        for (k, v) in &ta {
            assert!(tb[k] == *v, "{} differs", k.display());
        }
        assert_eq!(sa.total_messages(), sb.total_messages());
        // Every listed file exists; every file is listed.
        let files: Vec<&PathBuf> = ta
            .iter()
            .filter(|(_, v)| v.as_slice() != b"<dir>")
            .map(|(k, _)| k)
            .collect();
        assert_eq!(files.len(), sa.files.len());
        for f in &sa.files {
            assert!(ta.contains_key(&f.path), "{}", f.path.display());
            for (_, kind) in &f.expected_defects {
                assert!(crate::model::DefectKind::parse(kind).is_some(), "{kind}");
            }
        }
        let total: usize = ta.values().map(|v| v.len()).sum();
        assert!(total < 3_000_000, "sample is {total} bytes");
        assert!(sa.total_messages() > 450);
        assert_eq!(sa.byte_identical_duplicates().count(), 5);
        assert_eq!(sa.message_id_collisions().count(), 2);
        for d in sa.planted_duplicates() {
            assert!(ta.contains_key(&d.copy.path) && ta.contains_key(&d.original.path));
        }

        // The gzip'd mbox: 250 Takeout From_ lines, mboxrd escaping at both
        // levels, and the planted copies equal to its unescaped messages.
        let gz = &ta[Path::new("podesta/podesta-style.mbox.gz")];
        let mut mbox = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut mbox).unwrap();
        let text = String::from_utf8_lossy(&mbox);
        let podesta = sa.file("podesta/podesta-style.mbox.gz").unwrap();
        let starts: Vec<usize> = text
            .match_indices("From ")
            .map(|(i, _)| i)
            .filter(|&i| {
                (i == 0 || text[..i].ends_with("\n\n"))
                    && text[i..]
                        .split(' ')
                        .nth(1)
                        .is_some_and(|w| w.ends_with("@xxx"))
            })
            .collect();
        assert_eq!(starts.len(), podesta.messages);
        assert!(text.contains("\n>From "), "no escaped From line");
        assert!(text.contains("\n>>From "), "no doubly escaped From line");
        let unescape = |m: &str| -> String {
            m.split_inclusive('\n')
                .map(|l| {
                    let gt = l.bytes().take_while(|&b| b == b'>').count();
                    if gt > 0 && l[gt..].starts_with("From ") {
                        l[1..].to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect()
        };
        for d in sa.byte_identical_duplicates() {
            let i = d.original.index;
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            let chunk = &text[starts[i]..end];
            let body = &chunk[chunk.find('\n').unwrap() + 1..];
            let body = body.strip_suffix('\n').unwrap();
            let copy = String::from_utf8_lossy(&ta[&d.copy.path]).into_owned();
            assert_eq!(unescape(body), copy, "{}", d.copy.path.display());
        }
        // Some dnc files are CRLF, some have unescaped "From " body lines.
        let dnc: Vec<&Vec<u8>> = ta
            .iter()
            .filter(|(k, v)| k.starts_with("dnc") && v.as_slice() != b"<dir>")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(dnc.len(), 200);
        assert!(
            dnc.iter()
                .filter(|v| v.windows(2).any(|w| w == b"\r\n"))
                .count()
                >= 20
        );
        assert!(dnc.iter().any(|v| encode::has_from_lines(v)));
    }

    #[test]
    fn corpus_is_deterministic_and_hits_target() {
        for layout in [
            Layout::Mbox,
            Layout::EmlFolder,
            Layout::Maildir,
            Layout::MboxGz,
        ] {
            let spec = CorpusSpec {
                seed: 9,
                messages: 300,
                layout,
                target_avg_size: 40_000,
                attach_prob: None,
            };
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let sa = write_corpus(&spec, a.path()).unwrap();
            let sb = write_corpus(&spec, b.path()).unwrap();
            assert_eq!(sa.messages, 300);
            assert_eq!(sa.paths, sb.paths);
            assert_eq!(tree(a.path()), tree(b.path()));
            let avg = sa.message_bytes as f64 / sa.messages as f64;
            assert!(
                (28_000.0..=52_000.0).contains(&avg),
                "{layout:?}: average {avg}"
            );
            assert!(sa.attachments > 0);
        }
        let small = CorpusSpec {
            seed: 3,
            messages: 300,
            layout: Layout::Mbox,
            target_avg_size: 12_000,
            attach_prob: None,
        };
        let d = tempfile::tempdir().unwrap();
        let s = write_corpus(&small, d.path()).unwrap();
        let avg = s.message_bytes as f64 / s.messages as f64;
        assert!((8_400.0..=15_600.0).contains(&avg), "average {avg}");
    }
}
