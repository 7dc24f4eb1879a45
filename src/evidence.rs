//! Evidence packets (issue 14): messages packed so that an editor, a
//! lawyer or another newsroom can check them without mailsift. A zip with,
//! per message, its original bytes (`.eml`: exactly as in the source, mbox
//! quoting undone as the EML export does; checked against the stored
//! SHA-256 of the source bytes and against the message id while writing —
//! importing the `.eml` gives the same id) and a PDF to read
//! ([`crate::export::pdf`]: headers, body, attachments with SHA-256s, the
//! DKIM verdict and every origin with the source file's SHA-256); for the
//! packet, `manifest.json` and `manifest.txt` (every file with its size
//! and SHA-256, every message with its origins and verdict), the case's
//! audit-log entries of the imports that found the messages, the DKIM key
//! records that decided a verdict (zone-file lines with their sources),
//! and a README saying how to check it all with standard tools.
//!
//! The zip is written at once (a temporary name, then renamed: nothing
//! half-written), its entries dated 1980-01-01 (zip's epoch) so that the
//! same messages give the same packet; its SHA-256 goes into the audit log.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zip::write::SimpleFileOptions;

use crate::browse::Browser;
use crate::dkim::Outcome;
use crate::error::{Error, Result};
use crate::model::{Message, Sha256};

/// Most messages in one packet (each is read, rendered and held while the
/// zip is written).
pub const MAX_MESSAGES: usize = 2_000;

/// What was packed.
#[derive(Clone, Debug, Serialize)]
pub struct PacketSummary {
    /// The zip written.
    pub path: PathBuf,
    /// Messages in it.
    pub messages: usize,
    /// Files in it.
    pub files: usize,
    /// The zip's size in bytes.
    pub bytes: u64,
    /// The zip's SHA-256 (hex).
    pub sha256: String,
}

/// One file in the packet, as the manifest lists it.
#[derive(Clone, Debug, Serialize)]
struct Entry {
    name: String,
    bytes: u64,
    sha256: String,
}

/// One message, as the manifest lists it.
#[derive(Clone, Debug, Serialize)]
struct Listed {
    id: String,
    subject: Option<String>,
    from: Option<String>,
    date: Option<String>,
    eml: String,
    pdf: String,
    dkim: Option<Outcome>,
    origins: Vec<serde_json::Value>,
}

/// Writes an evidence packet of the messages at `rowids` (in that order)
/// of the case `b` reads to `dest`. `title` names the case in the PDFs.
pub fn write_packet(
    b: &Browser,
    rowids: &[u64],
    dest: &Path,
    title: &str,
) -> Result<PacketSummary> {
    if rowids.is_empty() {
        return Err(Error::Evidence("no message to pack".into()));
    }
    if rowids.len() > MAX_MESSAGES {
        return Err(Error::Evidence(format!(
            "{} messages: an evidence packet holds at most {MAX_MESSAGES}; narrow the query",
            rowids.len()
        )));
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut listed = Vec::new();
    let mut imports = std::collections::BTreeSet::new();
    let mut key_records = std::collections::BTreeSet::new();
    let store = b.case.dkim_keys()?;
    for (n, &rowid) in rowids.iter().enumerate() {
        let m = b.message(rowid)?;
        let (bytes, _) = b.message_bytes(&m.key)?;
        // The bytes are what the case holds: importing them gives this id.
        let (_, key) = crate::source::hash_message(&bytes, false);
        if key != m.key {
            return Err(Error::Evidence(format!(
                "message {}: the bytes read back give the id {}; the source changed",
                m.key.to_hex(),
                key.to_hex()
            )));
        }
        let origins = b.case.origins(&m.key)?;
        let facts = b.case.origin_files(&m.key)?;
        imports.extend(facts.iter().map(|f| f.1));
        let dkim = b.dkim_outcome(rowid)?;
        for s in dkim.iter().flat_map(|o| &o.signatures) {
            for k in store.get(&s.selector, &s.domain) {
                key_records.insert(format!(
                    "; {} (from {}{})\n{}. IN TXT \"{}\"\n",
                    k.dns_name(),
                    k.source,
                    k.period()
                        .map(|p| format!(", in use {p}"))
                        .unwrap_or_default(),
                    k.dns_name(),
                    k.record
                ));
            }
        }
        let stem = format!("messages/{:04}-{}", n + 1, &m.key.to_hex()[..16]);
        let pdf = render_pdf(b, &m, &origins, dkim.as_ref(), title)?;
        listed.push(Listed {
            id: m.key.to_hex(),
            subject: m.subject.clone(),
            from: m.from.first().map(ToString::to_string),
            date: m.date.map(crate::time::rfc3339),
            eml: format!("{stem}.eml"),
            pdf: format!("{stem}.pdf"),
            dkim,
            origins: origins
                .iter()
                .zip(
                    facts
                        .iter()
                        .map(|f| f.0.clone())
                        .chain(std::iter::repeat(None)),
                )
                .map(|(o, file_sha)| {
                    let mut v = serde_json::json!({
                        "path": o.path.display().to_string(),
                        "format": o.format.as_str(),
                        "offset": o.offset,
                        "length": o.length,
                        "sha256_of_these_bytes": o.raw_sha256.to_hex(),
                        "source_file_sha256": file_sha,
                    });
                    // Inside an archive: `path` (and its SHA-256) is the
                    // archive's, the entry is the file inside it.
                    if let (Some(e), Some(map)) = (&o.entry, v.as_object_mut()) {
                        map.insert("entry".into(), e.clone().into());
                    }
                    // An Outlook item: the bytes are mailsift's rendering
                    // of it (no MIME source); where the item is.
                    if let (Some(c), Some(map)) = (&o.converted, v.as_object_mut()) {
                        map.insert("converted_from".into(), c.clone().into());
                    }
                    v
                })
                .collect(),
        });
        files.push((format!("{stem}.eml"), bytes));
        files.push((format!("{stem}.pdf"), pdf));
    }
    let audit: String = b
        .case
        .audit_lines()?
        .into_iter()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| {
                v["event"] == "import"
                    && v["import_id"]
                        .as_i64()
                        .is_some_and(|i| imports.contains(&i))
            })
        })
        .map(|l| l + "\n")
        .collect();
    files.push(("audit-imports.jsonl".into(), audit.into_bytes()));
    let keys: String = if key_records.is_empty() {
        "; No DKIM key decided a verdict for these messages.\n".into()
    } else {
        key_records.into_iter().collect()
    };
    files.push(("dkim-keys.zone".into(), keys.into_bytes()));
    files.push(("README.txt".into(), readme(listed.len()).into_bytes()));

    let entries: Vec<Entry> = files
        .iter()
        .map(|(name, data)| Entry {
            name: name.clone(),
            bytes: data.len() as u64,
            sha256: Sha256::of(data).to_hex(),
        })
        .collect();
    let manifest = serde_json::json!({
        "packet": "mailsift evidence packet",
        "mailsift": env!("CARGO_PKG_VERSION"),
        "case": title,
        "messages": listed,
        "files": entries,
    });
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Json {
        path: dest.to_path_buf(),
        source: e,
    })?;
    files.push(("manifest.json".into(), manifest_json));
    files.push((
        "manifest.txt".into(),
        manifest_text(&listed, &entries).into_bytes(),
    ));
    // Every other file, in `sha256sum`'s format: `sha256sum -c SHA256SUMS`.
    let sums: String = files
        .iter()
        .map(|(name, data)| format!("{}  {name}\n", Sha256::of(data).to_hex()))
        .collect();
    files.push(("SHA256SUMS".into(), sums.into_bytes()));

    let mut written = 0u64;
    let mut hasher_bytes = Vec::new();
    crate::export::write_file_atomically::<Error>(dest, |w| {
        let mut buf = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
            let opts = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(zip::DateTime::default());
            for (name, data) in &files {
                zip.start_file(name.as_str(), opts)
                    .and_then(|()| zip.write_all(data).map_err(Into::into))
                    .map_err(|e| Error::io(dest, "writing the packet", std::io::Error::other(e)))?;
            }
            zip.finish()
                .map_err(|e| Error::io(dest, "writing the packet", std::io::Error::other(e)))?;
        }
        written = buf.len() as u64;
        w.write_all(&buf)
            .map_err(|e| Error::io(dest, "writing", e))?;
        hasher_bytes = buf;
        Ok(())
    })?;
    let sha256 = Sha256::of(&hasher_bytes).to_hex();
    b.case.audit(&serde_json::json!({
        "event": "evidence_packet",
        "when": crate::time::rfc3339(crate::annotate::now_ms() / 1000),
        "messages": listed.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        "output": dest.display().to_string(),
        "sha256": sha256,
        "bytes": written,
    }))?;
    Ok(PacketSummary {
        path: dest.to_path_buf(),
        messages: listed.len(),
        files: files.len(),
        bytes: written,
        sha256,
    })
}

/// The PDF of one message for the packet.
fn render_pdf(
    b: &Browser,
    m: &Message,
    origins: &[crate::model::Origin],
    dkim: Option<&Outcome>,
    title: &str,
) -> Result<Vec<u8>> {
    let desk = b.annotations_of(&m.key)?;
    let item = crate::export::pdf::PrintItem {
        message: m,
        origins,
        annotations: (!desk.is_empty()).then_some(&desk),
        dkim,
        monospace: crate::display::looks_preformatted(&m.body_text),
    };
    let opts = crate::export::pdf::PrintOptions {
        heading: None,
        title: title.to_owned(),
    };
    crate::export::pdf::render(&[item], &opts)
}

/// The manifest as text: the messages, then every file and its SHA-256
/// in `sha256sum`'s format (so `sha256sum -c` checks them).
fn manifest_text(listed: &[Listed], entries: &[Entry]) -> String {
    let mut out = String::from("mailsift evidence packet\n\nMessages\n");
    for l in listed {
        out.push_str(&format!(
            "\n{}\n  subject: {}\n  from: {}\n  date: {}\n  DKIM: {}\n",
            l.id,
            crate::display::visible(l.subject.as_deref().unwrap_or("(no subject)")),
            crate::display::visible(l.from.as_deref().unwrap_or("")),
            l.date.as_deref().unwrap_or("(no date)"),
            l.dkim.as_ref().map_or_else(
                || "not verified".to_owned(),
                |o| crate::display::visible(&o.summary())
            ),
        ));
        for o in &l.origins {
            if let Some(item) = o["converted_from"].as_str() {
                out.push_str(&format!(
                    "  CONVERTED from the Outlook item {} of {} ({} bytes of mailsift's rendering, sha256 {}; of the file {})\n",
                    crate::display::visible(item),
                    o["path"].as_str().unwrap_or(""),
                    o["length"],
                    o["sha256_of_these_bytes"].as_str().unwrap_or(""),
                    o["source_file_sha256"].as_str().unwrap_or("not recorded"),
                ));
                continue;
            }
            out.push_str(&format!(
                "  found in {} at bytes {}+{} (sha256 of those bytes {}; of the file {})\n",
                o["path"].as_str().unwrap_or(""),
                o["offset"],
                o["length"],
                o["sha256_of_these_bytes"].as_str().unwrap_or(""),
                o["source_file_sha256"].as_str().unwrap_or("not recorded"),
            ));
        }
    }
    out.push_str("\nFiles (SHA256SUMS lists these and the manifests, for sha256sum -c)\n\n");
    for e in entries {
        out.push_str(&format!("{}  {}\n", e.sha256, e.name));
    }
    out
}

/// How a third party checks the packet.
fn readme(messages: usize) -> String {
    format!(
        "mailsift evidence packet: {messages} message(s)\n\
\n\
messages/NNNN-<id>.eml  the message's original bytes, as found in the source\n\
                        (mbox \">From \" quoting undone). <id> starts the message's\n\
                        mailsift id: the SHA-256 of the message with line ends\n\
                        as LF and trailing line ends removed. A message from\n\
                        an Outlook PST or .msg has no MIME source: its .eml is\n\
                        mailsift's rendering of the item (X-Mailsift-Converted\n\
                        says which), marked CONVERTED in the manifest.\n\
messages/NNNN-<id>.pdf  the same message to read: headers, body, attachments with\n\
                        their SHA-256s, the DKIM verdict, where it was found.\n\
SHA256SUMS              the SHA-256 of every other file, for sha256sum -c.\n\
manifest.json / .txt    every message (id, origins with the SHA-256 of the\n\
                        source bytes and of the source file, DKIM verdict) and\n\
                        every file of this packet with its SHA-256.\n\
audit-imports.jsonl     the case's audit-log entries of the imports that found\n\
                        these messages.\n\
dkim-keys.zone          the DKIM public keys that decided a verdict, as DNS zone\n\
                        lines, each with where it was archived.\n\
\n\
To check:\n\
1. The files:  unzip the packet, then  sha256sum -c SHA256SUMS\n\
   (SHA256SUMS lists every other file, the manifests included).\n\
2. The DKIM signatures: any DKIM verifier, given the key records in\n\
   dkim-keys.zone instead of DNS (the keys of old mail are often no longer\n\
   published), e.g. dkimpy:  dkimverify < messages/0001-….eml  with a DNS\n\
   stub serving dkim-keys.zone.\n\
3. The ids: importing the .eml files into a new mailsift case gives the same\n\
   ids (mailsift import NEWCASE messages/).\n"
    )
}
