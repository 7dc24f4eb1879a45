//! Exports of messages to files other tools read: CSV (for spreadsheets),
//! NDJSON, mboxrd and a folder of `.eml` files with a manifest.
//!
//! This module owns the output formats and writing them safely:
//!
//! - Spreadsheet safety: every CSV cell goes through [`csv_cell`], which
//!   defuses formula injection (`=HYPERLINK(…)` in a subject) and quotes as
//!   RFC 4180 requires. CSV files are UTF-8 *with* a byte-order mark and
//!   CRLF line ends, because Excel misreads UTF-8 without the mark.
//! - No half-written output: a file export is written under a temporary
//!   name in the destination's folder and renamed into place only by
//!   [`Exporter::finish`]; an export that fails or is dropped removes its
//!   temporary file or folder.
//! - Fixity: [`ExportSummary`] carries the SHA-256 of what was written, so an
//!   export can be cited and checked later.

use std::path::PathBuf;
use std::str::FromStr;

use crate::annotate::{Annotations, time_text};
use crate::model::{Address, Message, MessageKey, Origin, Sha256, maildir_flag_name};
use crate::patterns::{Kind, Mention};
use crate::time::rfc3339;

/// One message to export, with what the exporters need.
#[derive(Clone, Copy, Debug)]
pub struct ExportItem<'a> {
    /// The stored record of the message.
    pub message: &'a Message,
    /// Every place the message was found (empty if none is recorded).
    pub origins: &'a [Origin],
    /// The id of the message's thread; None when threads have not been built.
    pub thread: Option<&'a str>,
    /// A short passage of the body around the matched words (when asked for).
    pub snippet: Option<&'a str>,
    /// The hit's relevance score; None outside a search.
    pub score: Option<f32>,
    /// Where the search hit is (JSON exports of a search).
    pub matched_in: Option<&'a [crate::model::MatchPlace]>,
    /// The message bytes as in the source with any mbox `>From` quoting
    /// removed (line ends as in the source); needed by mbox and eml exports.
    pub raw: Option<&'a [u8]>,
    /// The investigators' tags, star and notes on it (CSV and JSON
    /// columns); None reads as none.
    pub annotations: Option<&'a Annotations>,
    /// The DKIM verdict (`dkim` column); None when not verified.
    pub dkim: Option<crate::dkim::Verdict>,
    /// The signing domain that gave the verdict (`dkim_domain` column).
    pub dkim_domain: Option<&'a str>,
    /// The patterns found in its text (`mentions_*` columns,
    /// [`crate::patterns::of_message`]); None reads as none.
    pub mentions: Option<&'a [Mention]>,
}

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// CSV for spreadsheets: UTF-8 with BOM, CRLF, one row per message.
    Csv,
    /// Newline-delimited JSON, one [`json_record`] per line.
    Json,
    /// One mboxrd file holding the messages' source bytes.
    Mbox,
    /// A folder of `<id>.eml` files plus `manifest.csv`.
    Eml,
}

impl Format {
    /// Every format, in the order offered to the user.
    pub const ALL: &'static [Format] = &[Format::Csv, Format::Json, Format::Mbox, Format::Eml];

    /// The name used on the command line: `csv`, `json`, `mbox`, `eml`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Mbox => "mbox",
            Format::Eml => "eml",
        }
    }

    /// Whether the format needs each message's raw bytes.
    pub fn needs_raw(self) -> bool {
        matches!(self, Format::Mbox | Format::Eml)
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Format, String> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown export format {s:?} (expected csv, json, mbox or eml)"))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    /// Messages written.
    pub messages: u64,
    /// The file or folder written; `None` for an export to a writer.
    pub path: Option<PathBuf>,
    /// SHA-256 of the output: the file, the bytes sent to the writer, or for
    /// eml the `manifest.csv` (which lists every file's SHA-256).
    pub sha256: Option<Sha256>,
    /// Bytes written (for eml: all files, the manifest included).
    pub bytes: u64,
}

/// Header row of CSV exports.
pub const CSV_HEADER: &[&str] = &[
    "id",
    "date",
    "from",
    "to",
    "cc",
    "subject",
    "attachments",
    "thread",
    "source",
    "labels",
    "flags",
    "signed",
    "encrypted",
    "tags",
    "starred",
    "notes",
    "dkim",
    "dkim_domain",
    "mentions_phone",
    "mentions_email",
    "mentions_url",
    "mentions_domain",
    "mentions_iban",
    "mentions_money",
    "converted",
];

/// Where a message converted from an Outlook item was (its first
/// converted origin's address: `PST node 0x… in "Inbox"`, `MSG file`);
/// None for a message with a MIME source.
pub fn converted_from(origins: &[Origin]) -> Option<&str> {
    origins.iter().find_map(|o| o.converted.as_deref())
}

/// The values of one kind among a message's patterns.
fn mentions_of(mentions: Option<&[Mention]>, kind: Kind) -> Vec<&str> {
    mentions
        .unwrap_or_default()
        .iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.value.as_str())
        .collect()
}

/// Byte-order mark that starts CSV exports, so Excel reads them as UTF-8.
pub const UTF8_BOM: &str = "\u{FEFF}";

/// Name of the manifest in an eml export folder.
pub const EML_MANIFEST: &str = "manifest.csv";

/// A CSV cell made safe for spreadsheets: values starting with `=`, `+`,
/// `-`, `@`, TAB or CR get a leading `'` (so they are never evaluated as a
/// formula); then RFC 4180 quoting when needed (a comma, a double quote, CR
/// or LF in the value).
pub fn csv_cell(s: &str) -> String {
    let prefix = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = s.contains([',', '"', '\r', '\n']);
    let mut out = String::with_capacity(s.len() + 3);
    if quote {
        out.push('"');
    }
    if prefix {
        out.push('\'');
    }
    if quote {
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
    out
}

/// One CSV line (CRLF-terminated) of `cells`, each through [`csv_cell`].
fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn addr_list(list: &[Address]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// Attachment names; unnamed ones as their MIME type.
fn attachment_names(m: &Message) -> Vec<String> {
    m.attachments
        .iter()
        .map(|a| match &a.name {
            Some(n) if !n.is_empty() => n.clone(),
            _ => a.mime.clone(),
        })
        .collect()
}

/// What the owner's mail program recorded in a message's maildir files
/// (the `:2,` suffix of each file name): `unread` when it was found in a
/// maildir and none of its files carries `S`, then the name of each
/// flag any of them carries (`draft`, `flagged`, `passed`, `replied`,
/// `seen`, `trashed`), once each. Empty for a message found only in mbox
/// or `.eml` files. (Gmail's labels are exported as they are, apart.)
pub fn flag_names(origins: &[Origin]) -> Vec<&'static str> {
    let states: Vec<&str> = origins.iter().filter_map(Origin::maildir_state).collect();
    if states.is_empty() {
        return Vec::new();
    }
    let mut names = Vec::new();
    if !states.iter().any(|s| s.contains('S')) {
        names.push("unread");
    }
    for letter in ['D', 'F', 'P', 'R', 'S', 'T'] {
        if states.iter().any(|s| s.contains(letter))
            && let Some(name) = maildir_flag_name(letter)
        {
            names.push(name);
        }
    }
    names
}

/// An `f32` as the JSON number it prints as (`0.1`, not `0.10000000149…`);
/// `null` when not finite.
fn score_json(score: Option<f32>) -> serde_json::Value {
    score
        .and_then(|s| s.to_string().parse::<f64>().ok())
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The NDJSON object for one message: keys `id` (hex key), `date` (RFC
/// 3339 or null), `from` (first From as "Name <addr>" or addr, or null),
/// `to`, `cc` (arrays of such strings), `subject`, `thread`, `attachments`
/// (names; unnamed ones as their MIME type; signature parts are not
/// attachments), `labels` (Gmail's, as written), `flags` (maildir flags
/// by name, see [`flag_names`]), `signed` (`"pgp"`, `"smime"`,
/// `"smime_opaque"` or null), `encrypted`
/// (`"pgp_mime"`, `"pgp_inline"`, `"smime"` or null), `snippet`, `score`, `origins`
/// (array of {path, offset, length, sha256}), `matched_in` (where the hit
/// is: `{"in":"message"}` and/or `{"in":"attachment","index":N,"name":…}`;
/// null when not computed), `tags` (names), `starred` (bool), `notes`
/// (array of {author, time, text}), `dkim` (the DKIM verdict: `pass`,
/// `fail`, `revoked`, `nokey`, `invalid`, `none`; null when not
/// verified), `dkim_domain` (the signing domain that gave it, or null),
/// `mentions` (the patterns found in the text: an object with an array per
/// kind, `phone`, `email`, `url`, `domain`, `iban`, `money`), `converted`
/// (for a message converted from an Outlook item, where the item was:
/// `PST node 0x… in "Inbox"`, `MSG file`; null otherwise; each origin
/// says it too).
pub fn json_record(item: &ExportItem) -> serde_json::Value {
    let m = item.message;
    let none = Annotations::default();
    let a = item.annotations.unwrap_or(&none);
    let notes: Vec<serde_json::Value> = a
        .notes
        .iter()
        .map(|n| serde_json::json!({"author": n.author, "time": time_text(n.time_ms), "text": n.text}))
        .collect();
    let origins: Vec<serde_json::Value> = item
        .origins
        .iter()
        .map(|o| {
            let mut v = serde_json::json!({
                "path": o.display_path(),
                "offset": o.offset,
                "length": o.length,
                "sha256": o.raw_sha256.to_hex(),
            });
            // Only an Outlook item's origin says where the item was.
            if let (Some(c), Some(map)) = (&o.converted, v.as_object_mut()) {
                map.insert("converted".into(), c.clone().into());
            }
            v
        })
        .collect();
    serde_json::json!({
        "id": m.key.to_hex(),
        "date": m.date.map(rfc3339),
        "from": m.from.first().map(|a| a.to_string()),
        "to": addr_list(&m.to),
        "cc": addr_list(&m.cc),
        "subject": m.subject,
        "thread": item.thread,
        "attachments": attachment_names(m),
        "labels": m.labels,
        "flags": flag_names(item.origins),
        "signed": m.signed.map(|k| k.as_str()),
        "encrypted": m.encrypted.map(|k| k.as_str()),
        "snippet": item.snippet,
        "score": score_json(item.score),
        "origins": origins,
        "matched_in": item.matched_in,
        "tags": a.tags,
        "starred": a.starred,
        "notes": notes,
        "dkim": item.dkim.map(crate::dkim::Verdict::as_str),
        "dkim_domain": item.dkim_domain,
        "converted": converted_from(item.origins),
        "mentions": Kind::ALL
            .iter()
            .map(|k| (k.name().to_string(), serde_json::json!(mentions_of(item.mentions, *k))))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
    })
}

/// The CSV row for one message, in [`CSV_HEADER`] order: lists (recipients,
/// attachments) joined with `"; "`, labels and flags with `";"` (a label
/// may hold spaces), `signed`/`encrypted` as in [`json_record`] or empty;
/// tags joined with `; `, starred as `yes` or empty, notes one a line as
/// `author (time): text`; `dkim` and `dkim_domain` as in [`json_record`]
/// (empty for null); then one `mentions_KIND` column per pattern kind, the
/// values joined with `"; "`; `converted` as in [`json_record`] (empty
/// for a message with a MIME source).
pub(crate) fn csv_row(item: &ExportItem) -> String {
    let m = item.message;
    let none = Annotations::default();
    let a = item.annotations.unwrap_or(&none);
    let cells = [
        m.key.to_hex(),
        m.date.map(rfc3339).unwrap_or_default(),
        m.from.first().map(|a| a.to_string()).unwrap_or_default(),
        addr_list(&m.to).join("; "),
        addr_list(&m.cc).join("; "),
        m.subject.clone().unwrap_or_default(),
        attachment_names(m).join("; "),
        item.thread.unwrap_or_default().to_string(),
        item.origins
            .first()
            .map(|o| o.display_path())
            .unwrap_or_default(),
        m.labels.join(";"),
        flag_names(item.origins).join(";"),
        m.signed.map(|k| k.as_str()).unwrap_or_default().to_string(),
        m.encrypted
            .map(|k| k.as_str())
            .unwrap_or_default()
            .to_string(),
        a.tags.join("; "),
        if a.starred { "yes" } else { "" }.to_string(),
        a.note_lines().join("\n"),
        item.dkim
            .map(crate::dkim::Verdict::as_str)
            .unwrap_or_default()
            .to_string(),
        item.dkim_domain.unwrap_or_default().to_string(),
        mentions_of(item.mentions, Kind::Phone).join("; "),
        mentions_of(item.mentions, Kind::Email).join("; "),
        mentions_of(item.mentions, Kind::Url).join("; "),
        mentions_of(item.mentions, Kind::Domain).join("; "),
        mentions_of(item.mentions, Kind::Iban).join("; "),
        mentions_of(item.mentions, Kind::Money).join("; "),
        converted_from(item.origins).unwrap_or_default().to_string(),
    ];
    csv_line(&cells)
}

/// Earliest and latest dates (1900-01-01, 2200-01-01) a generated `From_`
/// line may carry: mailsift's mbox reader only recognises years 1900–2199.
const FROM_LINE_DATES: std::ops::Range<i64> = -2_208_988_800..7_258_118_400;

/// `Thu Jan  1 00:00:00 1970` (C `asctime` without the newline), UTC.
fn asctime(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = if FROM_LINE_DATES.contains(&secs) {
        secs
    } else {
        0
    };
    // `YYYY-MM-DDTHH:MM:SSZ`, four-digit year within the range above.
    let r = rfc3339(secs);
    let month: usize = r[5..7].parse().unwrap_or(1);
    let day: u32 = r[8..10].parse().unwrap_or(1);
    let weekday = DAYS[(secs.div_euclid(86_400) + 4).rem_euclid(7) as usize];
    format!(
        "{weekday} {} {day:>2} {} {}",
        MONTHS[month.clamp(1, 12) - 1],
        &r[11..19],
        &r[0..4]
    )
}

/// The `From_` line for a message: the first origin's, else
/// `From MAILER-DAEMON <asctime date>`.
pub(crate) fn from_line(item: &ExportItem) -> String {
    if let Some(line) = item.origins.first().and_then(|o| o.from_line.as_deref()) {
        let line = line.trim_end_matches(['\r', '\n']);
        // A stored line is data: it is reused only when mailsift's own mbox
        // reader takes it for a separator. `From nobody` (no date) is not
        // one, and would merge this message into the one before it when the
        // export is read back (found by the `export` fuzz target).
        if crate::source::is_from_line(line.as_bytes()) && !line.contains(['\r', '\n']) {
            return line.to_string();
        }
    }
    format!(
        "From MAILER-DAEMON {}",
        asctime(item.message.date.unwrap_or(0))
    )
}

/// Appends one mboxrd entry: `From_` line, `raw` with `^>*From ` lines
/// quoted with one more `>`, a final newline if missing, and a blank line.
/// Line ends follow the message's first line end (CRLF or LF).
pub(crate) fn mbox_entry(out: &mut Vec<u8>, from_line: &str, raw: &[u8]) {
    let crlf = memchr::memchr(b'\n', raw).is_some_and(|i| i > 0 && raw[i - 1] == b'\r');
    let nl: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    out.extend_from_slice(from_line.as_bytes());
    out.extend_from_slice(nl);
    for line in raw.split_inclusive(|&b| b == b'\n') {
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if line[gt..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    if !raw.is_empty() && !raw.ends_with(b"\n") {
        out.extend_from_slice(nl);
    }
    out.extend_from_slice(nl);
}

pub mod pdf;
mod writer;

pub use writer::{Exporter, write_file_atomically};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, SourceFormat};
    use std::fs;
    use std::io::{self, Write};
    use std::path::Path;
    use std::sync::{Arc, Mutex};

    /// The records of `text`, read with the `csv` crate, strictly as RFC
    /// 4180: the records written back (CRLF after each, quotes only where
    /// a field needs them, as [`csv_cell`] quotes) must give `text` again,
    /// so a bare LF, a stray quote, a byte-order mark or a last record
    /// without CRLF fails.
    fn read_csv(text: &str) -> Vec<Vec<String>> {
        let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .expect("CSV");
        let mut again = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for row in &rows {
            again.write_record(row).expect("CSV in memory");
        }
        let again = again.into_inner().expect("CSV in memory");
        assert_eq!(String::from_utf8_lossy(&again), text, "not RFC 4180 CSV");
        rows
    }

    fn key(n: u8) -> MessageKey {
        Sha256::of(&[n])
    }

    fn message(n: u8, subject: &str) -> Message {
        let mut m = Message::empty(key(n), 100);
        m.date = Some(1_473_339_601); // 2016-09-08T13:00:01Z, a Thursday
        m.from = vec![Address {
            name: Some("John Podesta".into()),
            addr: "john@example.org".into(),
        }];
        m.to = vec![
            Address {
                name: None,
                addr: "a@example.org".into(),
            },
            Address {
                name: Some("Bé, \"B\"".into()),
                addr: "b@example.org".into(),
            },
        ];
        m.cc = vec![Address {
            name: None,
            addr: "c@example.org".into(),
        }];
        m.subject = Some(subject.into());
        m.attachments = vec![
            Attachment {
                name: Some("memo.pdf".into()),
                mime: "application/pdf".into(),
                size: 3,
                sha256: Sha256::of(b"pdf"),
                inline: false,
                text: None,
                kind: None,
                text_status: None,
            },
            Attachment {
                name: None,
                mime: "image/png".into(),
                size: 3,
                sha256: Sha256::of(b"png"),
                inline: true,
                text: None,
                kind: None,
                text_status: None,
            },
        ];
        m
    }

    fn origin(path: &str, from_line: Option<&str>) -> Origin {
        Origin {
            path: PathBuf::from(path),
            format: SourceFormat::Mbox,
            offset: 42,
            length: 100,
            raw_sha256: Sha256::of(b"raw"),
            from_line: from_line.map(str::to_string),
            maildir_flags: None,
            entry: None,
            converted: None,
        }
    }

    fn item<'a>(m: &'a Message, o: &'a [Origin], raw: Option<&'a [u8]>) -> ExportItem<'a> {
        ExportItem {
            message: m,
            origins: o,
            thread: Some("t1"),
            snippet: Some("the snippet"),
            score: Some(0.1),
            matched_in: None,
            raw,
            annotations: None,
            dkim: Some(crate::dkim::Verdict::Pass),
            dkim_domain: Some("example.org"),
            mentions: None,
        }
    }

    /// Names in `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn csv_cell_defuses_formulas() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("plain text"), "plain text");
    }

    #[test]
    fn csv_cell_quotes() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("two\r\nlines"), "\"two\r\nlines\"");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_cell("-\"a\",b"), "\"'-\"\"a\"\",b\"");
    }

    #[test]
    fn csv_export_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut m1 = message(1, "=HYPERLINK(\"http://x\")");
        m1.labels = vec!["=cmd".into(), "Category Personal".into()];
        m1.signed = Some(crate::model::SignatureKind::SmimeOpaque);
        let mut m2 = message(2, "Re: budget, \"final\"\r\nsecond line");
        m2.encrypted = Some(crate::model::EncryptionKind::Smime);
        let mut m3 = Message::empty(key(3), 1);
        m3.subject = None;
        let o = [origin("/cases/a.mbox", None)];
        let note = |author: &str, time_ms, text: &str| crate::annotate::Note {
            author: author.into(),
            time_ms,
            text: text.into(),
        };
        let desk = Annotations {
            tags: vec!["-- see".into(), "Urgent".into()],
            starred: true,
            notes: vec![note("ann", 1000, "=call"), note("bob", 2000, "b, \"c\"")],
        };
        let mut in_maildir = origin("/m/cur/1:2,RF", None);
        in_maildir.maildir_flags = Some("RF".into());
        let o2 = [origin("/cases/a.mbox", None), in_maildir];
        let mut ex = Exporter::create(Format::Csv, &path).unwrap();
        ex.write(&item(&m1, &o, None)).unwrap();
        ex.write(&item(&m2, &o2, None)).unwrap();
        ex.write(&ExportItem {
            message: &m3,
            origins: &[],
            thread: None,
            snippet: None,
            score: None,
            matched_in: None,
            raw: None,
            annotations: Some(&desk),
            dkim: None,
            dkim_domain: None,
            mentions: None,
        })
        .unwrap();
        let sum = ex.finish().unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(sum.messages, 3);
        assert_eq!(sum.path.as_deref(), Some(path.as_path()));
        assert_eq!(sum.sha256, Some(Sha256::of(&bytes)));
        assert_eq!(sum.bytes, bytes.len() as u64);
        assert_eq!(listing(dir.path()), ["out.csv"]);

        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let rows = read_csv(text);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], CSV_HEADER);
        assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
        let r1 = &rows[1];
        assert_eq!(r1[0], key(1).to_hex());
        assert_eq!(r1[1], "2016-09-08T13:00:01Z");
        assert_eq!(r1[2], "John Podesta <john@example.org>");
        assert_eq!(r1[3], "a@example.org; Bé, \"B\" <b@example.org>");
        assert_eq!(r1[4], "c@example.org");
        assert_eq!(r1[5], "'=HYPERLINK(\"http://x\")");
        assert_eq!(r1[6], "memo.pdf; image/png");
        assert_eq!(r1[7], "t1");
        assert_eq!(r1[8], "/cases/a.mbox");
        assert_eq!(r1[9], "'=cmd;Category Personal");
        assert_eq!(r1[10], "");
        assert_eq!((r1[11].as_str(), r1[12].as_str()), ("smime_opaque", ""));
        assert_eq!(rows[2][5], "Re: budget, \"final\"\r\nsecond line");
        assert_eq!(rows[2][10], "unread;flagged;replied", "flags by name");
        assert_eq!((rows[2][11].as_str(), rows[2][12].as_str()), ("", "smime"));
        let mut expected = vec![key(3).to_hex()];
        expected.resize(13, String::new());
        expected.extend([
            "'-- see; Urgent".to_string(),
            "yes".to_string(),
            "ann (1970-01-01T00:00:01.000Z): =call\nbob (1970-01-01T00:00:02.000Z): b, \"c\""
                .to_string(),
        ]);
        // dkim, dkim_domain and the six mentions_* columns, empty.
        expected.resize(CSV_HEADER.len(), String::new());
        assert_eq!(rows[3], expected);
        assert_eq!((r1[16].as_str(), r1[17].as_str()), ("pass", "example.org"));
    }

    #[test]
    fn json_record_fields() {
        let m = message(1, "Hello");
        let o = [origin("/cases/a.mbox", None), origin("/cases/b.eml", None)];
        let v = json_record(&item(&m, &o, None));
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "attachments",
                "cc",
                "converted",
                "date",
                "dkim",
                "dkim_domain",
                "encrypted",
                "flags",
                "from",
                "id",
                "labels",
                "matched_in",
                "mentions",
                "notes",
                "origins",
                "score",
                "signed",
                "snippet",
                "starred",
                "subject",
                "tags",
                "thread",
                "to"
            ]
        );
        assert_eq!(v["id"], key(1).to_hex());
        assert_eq!(v["converted"], serde_json::Value::Null);
        // A message converted from an Outlook item says where it was, in
        // the record, its origin and the CSV's last column.
        let mut pst = origin("/cases/ann.pst", None);
        pst.converted = Some("PST node 0x00200024 in \"Inbox\"".into());
        let c = json_record(&item(&m, std::slice::from_ref(&pst), None));
        assert_eq!(c["converted"], "PST node 0x00200024 in \"Inbox\"");
        assert_eq!(
            c["origins"][0]["converted"],
            "PST node 0x00200024 in \"Inbox\""
        );
        let row = csv_row(&item(&m, std::slice::from_ref(&pst), None));
        assert!(
            row.trim_end()
                .ends_with(",\"PST node 0x00200024 in \"\"Inbox\"\"\""),
            "{row}"
        );
        assert_eq!(v["date"], "2016-09-08T13:00:01Z");
        assert_eq!(v["from"], "John Podesta <john@example.org>");
        assert_eq!(
            v["to"],
            serde_json::json!(["a@example.org", "Bé, \"B\" <b@example.org>"])
        );
        assert_eq!(v["cc"], serde_json::json!(["c@example.org"]));
        assert_eq!(v["subject"], "Hello");
        assert_eq!(v["thread"], "t1");
        assert_eq!(
            v["attachments"],
            serde_json::json!(["memo.pdf", "image/png"])
        );
        assert_eq!(v["snippet"], "the snippet");
        assert_eq!(v["signed"], serde_json::Value::Null);
        assert_eq!(v["encrypted"], serde_json::Value::Null);
        let mut sealed = message(2, "...");
        sealed.signed = Some(crate::model::SignatureKind::Smime);
        sealed.encrypted = Some(crate::model::EncryptionKind::PgpInline);
        sealed.labels = vec!["Inbox".into(), "Work/Projects".into()];
        let mut seen = origin("/m/cur/2:2,ST", None);
        seen.maildir_flags = Some("ST".into());
        let w = json_record(&item(&sealed, &[o[0].clone(), seen], None));
        assert_eq!(w["signed"], "smime");
        assert_eq!(w["encrypted"], "pgp_inline");
        assert_eq!(w["labels"], serde_json::json!(["Inbox", "Work/Projects"]));
        assert_eq!(w["flags"], serde_json::json!(["seen", "trashed"]));
        assert_eq!(v["labels"], serde_json::json!([]));
        assert_eq!(v["flags"], serde_json::json!([]));
        assert_eq!(serde_json::to_string(&v["score"]).unwrap(), "0.1");
        assert_eq!(
            v["origins"][1],
            serde_json::json!({
                "path": "/cases/b.eml",
                "offset": 42,
                "length": 100,
                "sha256": Sha256::of(b"raw").to_hex(),
            })
        );

        let bare = Message::empty(key(9), 0);
        let v = json_record(&ExportItem {
            message: &bare,
            origins: &[],
            thread: None,
            snippet: None,
            score: Some(f32::NAN),
            matched_in: None,
            raw: None,
            annotations: None,
            dkim: None,
            dkim_domain: None,
            mentions: None,
        });
        for k in ["date", "from", "subject", "thread", "snippet", "score"] {
            assert!(v[k].is_null(), "{k}");
        }
        assert_eq!(v["to"], serde_json::json!([]));
        assert_eq!(v["origins"], serde_json::json!([]));
        assert_eq!(v["tags"], serde_json::json!([]));
        assert_eq!(v["starred"], false);
        assert_eq!(v["notes"], serde_json::json!([]));
    }

    #[test]
    fn json_export_is_ndjson() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let m1 = message(1, "line\nbreak");
        let m2 = message(2, "two");
        let o = [origin("/a.mbox", None)];
        let mut ex = Exporter::create(Format::Json, &path).unwrap();
        ex.write(&item(&m1, &o, None)).unwrap();
        ex.write(&item(&m2, &o, None)).unwrap();
        let sum = ex.finish().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(sum.sha256, Some(Sha256::of(text.as_bytes())));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v, json_record(&item(&m1, &o, None)));
    }

    /// A shared in-memory writer for `to_writer`.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writer_export_matches_file_export() {
        let m = message(1, "x");
        let o = [origin("/a.mbox", None)];
        let buf = Shared::default();
        let mut ex = Exporter::to_writer(Format::Csv, Box::new(buf.clone())).unwrap();
        ex.write(&item(&m, &o, None)).unwrap();
        let sum = ex.finish().unwrap();
        let out = buf.0.lock().unwrap().clone();
        assert_eq!(sum.path, None);
        assert_eq!(sum.sha256, Some(Sha256::of(&out)));
        assert_eq!(sum.bytes, out.len() as u64);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut ex = Exporter::create(Format::Csv, &path).unwrap();
        ex.write(&item(&m, &o, None)).unwrap();
        ex.finish().unwrap();
        assert_eq!(fs::read(&path).unwrap(), out);

        for f in [Format::Mbox, Format::Eml] {
            assert!(Exporter::to_writer(f, Box::new(Shared::default())).is_err());
        }
    }

    #[test]
    fn exporter_is_send() {
        fn send<T: Send>() {}
        send::<Exporter>();
    }

    #[test]
    fn format_names() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), *f);
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("CSV".parse::<Format>().unwrap(), Format::Csv);
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn stored_from_line_is_reused_only_when_it_is_a_separator() {
        let m = message(1, "x");
        let real = "From someone@example.org Mon Mar  7 10:00:00 2016";
        for (stored, want) in [
            (real, real.to_string()),
            (
                "From nobody",
                format!("From MAILER-DAEMON {}", asctime(1_473_339_601)),
            ),
            (
                "From a Mon Mar  7 10:00:00 2016\rx",
                format!("From MAILER-DAEMON {}", asctime(1_473_339_601)),
            ),
        ] {
            let o = [origin("/a.mbox", Some(stored))];
            assert_eq!(from_line(&item(&m, &o, None)), want, "{stored:?}");
        }
    }

    #[test]
    fn asctime_dates() {
        assert_eq!(asctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(1_473_339_601), "Thu Sep  8 13:00:01 2016");
        assert_eq!(asctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(asctime(-1), "Wed Dec 31 23:59:59 1969");
        // Outside what an mbox reader accepts: the epoch instead.
        assert_eq!(asctime(-3_000_000_000), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(8_000_000_000), "Thu Jan  1 00:00:00 1970");
    }

    #[test]
    fn mbox_export_quotes_from_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.mbox");
        let raw1: &[u8] =
            b"From: a@example.org\nSubject: one\n\nFrom x\n>From y\n>>From z\nFromage\n> From w\n";
        let raw2: &[u8] = b"Subject: two\n\nno final newline";
        let raw3: &[u8] = b"Subject: three\r\n\r\nFrom crlf\r\nbye\r\n";
        let mut m1 = message(1, "one");
        m1.key = Sha256::of(&crate::source::canonical(raw1, false));
        let mut m2 = message(2, "two");
        m2.key = Sha256::of(&crate::source::canonical(raw2, false));
        m2.date = None;
        let mut m3 = message(3, "three");
        m3.key = Sha256::of(&crate::source::canonical(raw3, false));
        let o1 = [origin(
            "/a.mbox",
            Some("From someone@example.org Mon Mar  7 10:00:00 2016"),
        )];
        let mut ex = Exporter::create(Format::Mbox, &path).unwrap();
        ex.write(&item(&m1, &o1, Some(raw1))).unwrap();
        ex.write(&item(&m2, &[], Some(raw2))).unwrap();
        ex.write(&item(&m3, &[], Some(raw3))).unwrap();
        // Without raw bytes an mbox export refuses the message.
        assert!(ex.write(&item(&m1, &o1, None)).is_err());
        let sum = ex.finish().unwrap();
        assert_eq!(sum.messages, 3);
        let out = fs::read(&path).unwrap();
        assert_eq!(sum.sha256, Some(Sha256::of(&out)));
        let want: &[u8] = b"From someone@example.org Mon Mar  7 10:00:00 2016\n\
            From: a@example.org\nSubject: one\n\n>From x\n>>From y\n>>>From z\nFromage\n> From w\n\n\
            From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n\
            Subject: two\n\nno final newline\n\n\
            From MAILER-DAEMON Thu Sep  8 13:00:01 2016\r\n\
            Subject: three\r\n\r\n>From crlf\r\nbye\r\n\r\n";
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(want));

        // mailsift's own mbox reader gets the same messages (same keys) back.
        let mut split = crate::source::mbox::MboxSplitter::new(
            &out[..],
            Arc::from(path.as_path()),
            SourceFormat::Mbox,
            1 << 20,
            1 << 16,
        );
        let keys: Vec<MessageKey> = split.by_ref().map(|r| r.hashes().1).collect();
        assert_eq!(keys, [m1.key, m2.key, m3.key]);
        assert!(split.notes().is_empty());
    }

    fn body_fragment() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            Just(b"From x Mon Oct 12 14:02:11 2015\n".to_vec()),
            Just(b">From y\n".to_vec()),
            Just(b">>From z\r\n".to_vec()),
            Just(b"From here\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"text".to_vec()),
            Just(b"From ".to_vec()),
            Just(vec![0xff, 0x00]),
        ]
    }

    proptest::proptest! {
        /// mbox export then mailsift's own mbox reader: the same message
        /// keys come back, whatever the messages hold.
        #[test]
        fn mbox_export_round_trips_keys(
            bodies in proptest::collection::vec(proptest::collection::vec(body_fragment(), 0..12), 1..6)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("out.mbox");
            let mut ex = Exporter::create(Format::Mbox, &path).unwrap();
            let mut keys = Vec::new();
            for (n, frags) in bodies.iter().enumerate() {
                let mut raw = format!("Subject: m{n}\n\n").into_bytes();
                raw.extend(frags.concat());
                let mut m = message(n as u8, "x");
                m.key = Sha256::of(&crate::source::canonical(&raw, false));
                keys.push(m.key);
                ex.write(&item(&m, &[], Some(&raw))).unwrap();
            }
            ex.finish().unwrap();
            let out = fs::read(&path).unwrap();
            let split = crate::source::mbox::MboxSplitter::new(
                &out[..],
                Arc::from(path.as_path()),
                SourceFormat::Mbox,
                1 << 20,
                1 << 16,
            );
            let got: Vec<MessageKey> = split.map(|r| r.hashes().1).collect();
            proptest::prop_assert_eq!(got, keys);
        }
    }

    #[test]
    fn dropped_export_leaves_nothing() {
        let m = message(1, "x");
        let o = [origin("/a.mbox", None)];
        let raw: &[u8] = b"Subject: x\n\nbody\n";
        for f in Format::ALL {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("out.{f}"));
            let mut ex = Exporter::create(*f, &path).unwrap();
            ex.write(&item(&m, &o, Some(raw))).unwrap();
            assert_eq!(listing(dir.path()).len(), 1, "{f}: only the temporary");
            drop(ex);
            assert!(
                listing(dir.path()).is_empty(),
                "{f}: {:?}",
                listing(dir.path())
            );
        }
    }

    #[test]
    fn failed_export_keeps_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.mbox");
        fs::write(&path, b"previous export").unwrap();
        let m = message(1, "x");
        let mut ex = Exporter::create(Format::Mbox, &path).unwrap();
        ex.write(&item(&m, &[], Some(&b"Subject: x\n\n"[..])))
            .unwrap();
        assert!(ex.write(&item(&m, &[], None)).is_err());
        drop(ex);
        assert_eq!(listing(dir.path()), ["out.mbox"]);
        assert_eq!(fs::read(&path).unwrap(), b"previous export");
        // A folder is not a file destination.
        assert!(Exporter::create(Format::Csv, dir.path()).is_err());
    }

    #[test]
    fn eml_export_folder_and_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("emls");
        let raw1: &[u8] = b"Subject: one\r\n\r\nFrom x\r\n";
        let raw2: &[u8] = b"Subject: two\n\nbody";
        let m1 = message(1, "one");
        let m2 = message(2, "two");
        let mut ex = Exporter::create(Format::Eml, &dest).unwrap();
        ex.write(&item(&m1, &[], Some(raw1))).unwrap();
        ex.write(&item(&m2, &[], Some(raw2))).unwrap();
        ex.write(&item(&m1, &[], Some(raw1))).unwrap(); // duplicate: skipped
        assert!(ex.write(&item(&m2, &[], None)).is_err());
        assert!(!dest.exists(), "nothing in place before finish");
        let sum = ex.finish().unwrap();
        assert_eq!(sum.messages, 2);
        assert_eq!(sum.path.as_deref(), Some(dest.as_path()));
        assert_eq!(listing(dir.path()), ["emls"]);

        let f1 = format!("{}.eml", key(1).to_hex());
        let f2 = format!("{}.eml", key(2).to_hex());
        let mut want = vec![f1.clone(), f2.clone(), EML_MANIFEST.to_string()];
        want.sort();
        assert_eq!(listing(&dest), want);
        assert_eq!(fs::read(dest.join(&f1)).unwrap(), raw1);
        assert_eq!(fs::read(dest.join(&f2)).unwrap(), raw2);

        let manifest = fs::read(dest.join(EML_MANIFEST)).unwrap();
        assert_eq!(sum.sha256, Some(Sha256::of(&manifest)));
        assert_eq!(sum.bytes, (raw1.len() + raw2.len() + manifest.len()) as u64);
        let rows = read_csv(std::str::from_utf8(&manifest).unwrap());
        assert_eq!(rows[0], ["file", "sha256", "bytes", "id"]);
        assert_eq!(rows.len(), 3);
        for row in &rows[1..] {
            let bytes = fs::read(dest.join(&row[0])).unwrap();
            assert_eq!(row[1], Sha256::of(&bytes).to_hex());
            assert_eq!(row[2], bytes.len().to_string());
            assert_eq!(format!("{}.eml", row[3]), row[0]);
        }
    }

    #[test]
    fn eml_export_destination_rules() {
        let dir = tempfile::tempdir().unwrap();
        // An empty folder may be used.
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        let ex = Exporter::create(Format::Eml, &empty).unwrap();
        let sum = ex.finish().unwrap();
        assert_eq!(sum.messages, 0);
        assert_eq!(listing(&empty), [EML_MANIFEST]);
        // A folder with something in it, or a file, is refused.
        assert!(Exporter::create(Format::Eml, &empty).is_err());
        let file = dir.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(Exporter::create(Format::Eml, &file).is_err());
        assert_eq!(listing(dir.path()), ["empty", "file"]);
    }
}
