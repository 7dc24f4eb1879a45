//! Fuzz bodies for what leaves the case: `export` (a CSV row read back
//! with the `csv` crate, an NDJSON record, mbox entries re-split into the
//! same messages) and `safe_name` (attachment names reduced to one safe
//! file-name component).

use std::path::{Component, Path, PathBuf};

use crate::export::{self, CSV_HEADER, ExportItem};
use crate::model::{Address, Attachment, Message, Origin, Sha256, SourceFormat};
use crate::{safename, source};

use super::sources::split;

// Attachment file names

/// Fuzz target `safe_name`: any bytes (as UTF-8, lossily) as a file name
/// from a mail.
pub fn safe_name(data: &[u8]) {
    let name = String::from_utf8_lossy(data);
    let s = safename::safe_file_name(&name);
    check_safe_component(&s);
    assert_eq!(safename::safe_file_name(&s), s, "not idempotent");
    // The numbered variants used to avoid overwriting are safe too.
    for n in [2, 10_000] {
        let v = safename::numbered(&s, n);
        check_safe_component(&v);
    }
    // Joined to a folder it stays in that folder.
    let dir = Path::new("/tmp/attachments");
    assert_eq!(dir.join(&s).parent(), Some(dir));
}

fn check_safe_component(s: &str) {
    assert!(!s.is_empty());
    assert!(s.len() <= safename::MAX_NAME_BYTES + 8, "{} bytes", s.len());
    assert!(!s.contains(['/', '\\', '\0']), "{s:?}");
    assert!(s != "." && s != "..");
    let comps: Vec<Component> = Path::new(s).components().collect();
    assert!(
        matches!(comps[..], [Component::Normal(_)]),
        "not one component: {s:?}"
    );
    assert!(
        !s.chars().any(safename::is_invisible),
        "invisible character in {s:?}"
    );
    assert!(!s.contains(['<', '>', ':', '"', '|', '?', '*']), "{s:?}");
    assert!(
        !s.starts_with(safename::is_trimmed) && !s.ends_with(safename::is_trimmed),
        "{s:?}"
    );
    assert!(!safename::is_device_name(s), "device name {s:?}");
}

// Exports

/// Reads `text` as CSV records with the `csv` crate, strictly (RFC 4180):
/// every record ends with CRLF, and the text is exactly what a CSV writer
/// writes for the cells read (quotes only around a cell with a comma, a
/// quote, a CR or an LF; quotes inside doubled), so that a stray quote, a
/// bare CR or LF or a missing line end cannot pass by being read
/// leniently. Panics on anything else.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with("\r\n"), "record without CRLF: {text:?}");
    // One empty cell is an empty line, which CSV readers skip.
    if text == "\r\n" {
        return vec![vec![String::new()]];
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_reader(text.as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("CSV does not read back ({e}): {text:?}"));
            r.iter().map(str::to_string).collect()
        })
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in &records {
        writer.write_record(r).expect("CSV into memory");
    }
    let written = writer.into_inner().expect("CSV into memory");
    assert!(
        written == text.as_bytes(),
        "not strict CSV: {text:?} reads as {records:?}"
    );
    records
}

/// What a value reads back as from the CSV: itself, with a `'` in front
/// when it starts with a character a spreadsheet would take for a formula.
fn defused(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// Fields of an export input: separated by 0x1F; raw messages (the last
/// fields) separated by 0x1E.
fn export_fields(data: &[u8]) -> (Vec<String>, Vec<&[u8]>) {
    let mut parts = data.splitn(10, |&b| b == 0x1F);
    let mut meta = Vec::new();
    for _ in 0..9 {
        meta.push(String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned());
    }
    let raws = parts
        .next()
        .map(|r| r.split(|&b| b == 0x1E).collect())
        .unwrap_or_default();
    (meta, raws)
}

fn addresses(s: &str) -> Vec<Address> {
    s.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('<') {
            Some((name, addr)) => Address {
                name: Some(name.to_string()),
                addr: addr.to_string(),
            },
            None => Address {
                name: None,
                addr: p.to_string(),
            },
        })
        .collect()
}

/// The message an export input describes (see [`export`]).
fn export_message(data: &[u8], meta: &[String]) -> Message {
    let mut m = Message::empty(Sha256::of(data), data.len() as u64);
    m.subject = Some(meta[0].clone()).filter(|s| !s.is_empty());
    m.from = addresses(&meta[1]);
    m.to = addresses(&meta[2]);
    m.cc = addresses(&meta[3]);
    m.attachments = meta[4]
        .split(';')
        .filter(|n| !n.is_empty())
        .map(|n| Attachment {
            name: Some(n.to_string()),
            mime: "application/octet-stream".into(),
            size: 0,
            sha256: Sha256::of(b""),
            inline: false,
            text: None,
            kind: None,
            text_status: None,
        })
        .collect();
    m.date = meta[8].trim().parse().ok();
    m
}

/// Fuzz target `export`: message data in (subject, from, to, cc,
/// attachment names, thread, source path, `From_` line, date; then raw
/// messages), CSV / NDJSON / mbox out.
pub fn export(data: &[u8]) {
    let (meta, raws) = export_fields(data);
    let m = export_message(data, &meta);
    let origin = Origin {
        path: PathBuf::from(&meta[6]),
        format: SourceFormat::Mbox,
        offset: 0,
        length: 0,
        raw_sha256: Sha256::of(b""),
        from_line: Some(meta[7].clone()).filter(|s| !s.is_empty()),
        maildir_flags: None,
        entry: None,
        converted: None,
    };
    let origins = [origin];
    // Phone numbers start with `+`: the cells must still be safe.
    let mentions = crate::patterns::of_message(&m);
    let item = ExportItem {
        message: &m,
        origins: &origins,
        thread: Some(meta[5].as_str()),
        snippet: Some(meta[0].as_str()),
        score: Some(1.5),
        matched_in: None,
        raw: None,
        annotations: None,
        dkim: None,
        dkim_domain: None,
        mentions: Some(&mentions),
    };
    check_csv(&item, &meta);

    // NDJSON: one line that reads back.
    let line = serde_json::to_string(&export::json_record(&item)).expect("JSON");
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON reads back");
    assert_eq!(v["subject"].as_str(), m.subject.as_deref());

    if !raws.is_empty() {
        check_mbox(&item, &raws);
    }
}

/// CSV: one record, the header's width, every cell back as written and
/// none that a spreadsheet would evaluate.
fn check_csv(item: &ExportItem, meta: &[String]) {
    let row = export::csv_row(item);
    let records = read_csv(&row);
    assert_eq!(records.len(), 1, "more than one record in a row: {row:?}");
    let cells = &records[0];
    assert_eq!(cells.len(), CSV_HEADER.len());
    for c in cells {
        assert!(
            !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "cell starts with a formula character: {c:?}"
        );
    }
    assert_eq!(cells[5], defused(&meta[0]), "subject cell");
    assert_eq!(cells[7], defused(&meta[5]), "thread cell");
    assert_eq!(cells[8], defused(&meta[6]), "source cell");
    for s in [&meta[0], &meta[5], &meta[6]] {
        let cell = export::csv_cell(s);
        let line = format!("{cell}\r\n");
        let records = read_csv(&line);
        assert!(records.len() == 1 && records[0].len() == 1);
        assert_eq!(records[0][0], defused(s));
    }
}

/// mbox: the entries of `raws` (every other one without an origin, so
/// with a generated `From_` line) re-split into the same messages, same
/// keys.
fn check_mbox(item: &ExportItem, raws: &[&[u8]]) {
    let mut out = Vec::new();
    let mut keys = Vec::new();
    for (i, raw) in raws.iter().enumerate() {
        let mut mi = item.message.clone();
        mi.key = Sha256::of(&source::canonical(raw, false));
        keys.push(mi.key);
        let it = ExportItem {
            message: &mi,
            origins: if i % 2 == 0 { item.origins } else { &[] },
            raw: Some(raw),
            ..*item
        };
        export::mbox_entry(&mut out, &export::from_line(&it), raw);
    }
    let (back, notes) = split(&out, 1 << 30, 1 << 20);
    assert_eq!(
        notes,
        0,
        "the export has junk: {:?}",
        String::from_utf8_lossy(&out)
    );
    let got: Vec<Sha256> = back.iter().map(|r| r.hashes().1).collect();
    assert_eq!(
        got.len(),
        keys.len(),
        "mbox export re-splits into another number of messages: {:?}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(got, keys, "mbox export changes message keys");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_back_strictly() {
        assert_eq!(
            read_csv("a,\"b,\"\"c\"\"\r\nd\",'=e\r\n"),
            vec![vec!["a".to_string(), "b,\"c\"\r\nd".into(), "'=e".into()]]
        );
        assert_eq!(read_csv("\r\n"), vec![vec![String::new()]]);
        assert_eq!(read_csv(",\r\n"), vec![vec![String::new(), String::new()]]);
        for bad in [
            "a\"b\r\n",
            "a\nb\r\n",
            "a\rb\r\n",
            "a,b",
            "a,b\n",
            "\"a,b\r\n",
            "a\r\n\r\n",
        ] {
            assert!(
                std::panic::catch_unwind(|| read_csv(bad)).is_err(),
                "{bad:?} was read"
            );
        }
    }
}
