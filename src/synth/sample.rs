//! The committed sample folder: a Podesta-style gzip'd Takeout mbox, a
//! DNC-style folder of numbered `.eml` files (with planted byte-identical
//! duplicates of mbox messages and Message-ID collisions), a small maildir,
//! the hostile cases of `broken/` and a `README.txt` describing it all.

use std::fs;
use std::io;
use std::path::Path;

use flate2::Compression;

use super::cast::{self, Group};
use super::date;
use super::engine::{Engine, EngineConfig, Generated, SizeMode};
use super::mbox;
use super::rng::Rng;
use super::{
    DuplicateKind, MessageRef, PlantedDuplicate, SampleFile, SampleKind, SampleSummary, broken,
    maildir_flags,
};

/// Seed of the committed sample. Changing it changes every file.
pub const SAMPLE_SEED: u64 = 0x4D41_494C_5349_4654; // "MAILSIFT"

const PODESTA_MESSAGES: usize = 250;
/// Generated dnc messages (one of them gets a reused Message-ID).
const DNC_GENERATED: usize = 194;
const DNC_FILES: usize = 200;
const MAILDIR_MESSAGES: usize = 30;

/// Positions (1-based file numbers) of planted copies in `dnc/`.
const DNC_DUP_SLOTS: [usize; 5] = [17, 58, 101, 144, 187];
/// Position of a copy of another dnc message with an extra Received line.
const DNC_RESENT_SLOT: usize = 73;
const DNC_RESENT_ORIGINAL: usize = 12;
/// Position of an unrelated message reusing a podesta Message-ID.
const DNC_REUSED_ID_SLOT: usize = 160;

fn podesta_config() -> EngineConfig {
    EngineConfig {
        total: PODESTA_MESSAGES,
        start: date::START_2015,
        end: date::END_2016,
        pool: 5,
        short_lengths: &[22, 18, 14, 10, 8, 6, 5, 4, 3, 3, 2, 2],
        long_prob: 0.06,
        long_range: (40, 48),
        attach_prob: 0.12,
        crlf_prob: 0.0,
        owner: Some(cast::PELL_WEBMAIL),
        require_org: None,
        takeout: true,
        size: SizeMode::Natural,
        html_only_prob: 0.03,
        from_line_prob: 0.06,
        forward_prob: 0.06,
        quote_cap: 1800,
        tight_quote_prob: 0.25,
        paragraphs: (1, 3),
        group_weights: &[
            (Group::Campaign, 40),
            (Group::Committee, 15),
            (Group::Consultant, 15),
            (Group::Donor, 15),
            (Group::Press, 10),
            (Group::Labor, 5),
        ],
        foreign_weight: 3,
    }
}

fn dnc_config() -> EngineConfig {
    EngineConfig {
        total: DNC_GENERATED,
        start: date::START_2015 + 120 * 86_400,
        end: date::END_2016 - 180 * 86_400,
        pool: 6,
        short_lengths: &[25, 20, 14, 10, 8, 6, 5, 4, 3, 3, 2, 2, 1, 1],
        long_prob: 0.02,
        long_range: (15, 22),
        attach_prob: 0.22,
        crlf_prob: 0.55,
        owner: None,
        require_org: Some(cast::NCPC),
        takeout: false,
        size: SizeMode::Natural,
        html_only_prob: 0.04,
        from_line_prob: 0.05,
        forward_prob: 0.08,
        quote_cap: 1500,
        tight_quote_prob: 0.08,
        paragraphs: (1, 3),
        group_weights: &[
            (Group::Committee, 50),
            (Group::Campaign, 12),
            (Group::Consultant, 10),
            (Group::Donor, 8),
            (Group::Press, 17),
            (Group::Labor, 3),
        ],
        foreign_weight: 3,
    }
}

fn maildir_config() -> EngineConfig {
    EngineConfig {
        total: MAILDIR_MESSAGES,
        start: date::START_2015 + 200 * 86_400,
        end: date::START_2015 + 300 * 86_400,
        pool: 4,
        short_lengths: &[20, 20, 15, 10, 5, 3],
        long_prob: 0.0,
        long_range: (1, 1),
        attach_prob: 0.15,
        crlf_prob: 0.0,
        owner: Some(cast::KOWALCZYK),
        require_org: None,
        takeout: false,
        size: SizeMode::Natural,
        html_only_prob: 0.05,
        from_line_prob: 0.05,
        forward_prob: 0.05,
        quote_cap: 1500,
        tight_quote_prob: 0.08,
        paragraphs: (1, 3),
        group_weights: &[
            (Group::Committee, 40),
            (Group::Press, 30),
            (Group::Campaign, 15),
            (Group::Consultant, 10),
            (Group::Labor, 5),
        ],
        foreign_weight: 3,
    }
}

fn write_file(out: &Path, rel: &str, bytes: &[u8]) -> io::Result<()> {
    let path = out.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)
}

fn strip_brackets(id: &str) -> String {
    id.trim_start_matches('<').trim_end_matches('>').to_string()
}

/// Put `line` (a header line, with its line end) at the top of `msg`.
fn prepend_header(msg: &[u8], line: &str) -> Vec<u8> {
    let crlf = msg.windows(2).any(|w| w == b"\r\n");
    let mut out = Vec::with_capacity(msg.len() + line.len() + 2);
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    out.extend_from_slice(msg);
    out
}

/// Replace the first occurrence of `old` in `msg` by `new`.
fn replace_once(msg: &[u8], old: &str, new: &str) -> Vec<u8> {
    match memchr::memmem::find(msg, old.as_bytes()) {
        Some(i) => {
            let mut out = Vec::with_capacity(msg.len() + new.len());
            out.extend_from_slice(&msg[..i]);
            out.extend_from_slice(new.as_bytes());
            out.extend_from_slice(&msg[i + old.len()..]);
            out
        }
        None => msg.to_vec(),
    }
}

pub fn write(out: &Path) -> io::Result<SampleSummary> {
    fs::create_dir_all(out)?;
    let mut files: Vec<SampleFile> = Vec::new();
    let mut duplicates: Vec<PlantedDuplicate> = Vec::new();
    let podesta = write_podesta(out, &mut files)?;
    write_dnc(out, &podesta, &mut files, &mut duplicates)?;
    write_maildir(out, &mut files)?;
    files.extend(broken::write(out, SAMPLE_SEED)?);

    // --- README.txt --------------------------------------------------------
    files.push(SampleFile {
        path: "README.txt".into(),
        kind: SampleKind::NotMail,
        messages: 0,
        expected_defects: Vec::new(),
        note: "description of this folder; not mail",
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let summary = SampleSummary { files, duplicates };
    write_file(out, "README.txt", readme(&summary).as_bytes())?;
    Ok(summary)
}

const PODESTA_REL: &str = "podesta/podesta-style.mbox.gz";

/// `podesta/`: a gzip'd Takeout mbox; returns its messages (the dnc folder
/// copies some).
fn write_podesta(out: &Path, files: &mut Vec<SampleFile>) -> io::Result<Vec<Generated>> {
    let mut eng = Engine::new(podesta_config(), Rng::derive(SAMPLE_SEED, "podesta"));
    let podesta: Vec<Generated> = (0..PODESTA_MESSAGES).map(|_| eng.next_message()).collect();
    let mut gz = flate2::GzBuilder::new()
        .filename("podesta-style.mbox")
        .mtime(0)
        .write(Vec::new(), Compression::default());
    let mut w = mbox::MboxWriter::new(&mut gz);
    for g in &podesta {
        w.write_message(&mbox::from_line_for(g, true), &g.bytes, b"\n")?;
    }
    let bytes = gz.finish()?;
    write_file(out, PODESTA_REL, &bytes)?;
    files.push(SampleFile {
        path: PODESTA_REL.into(),
        kind: SampleKind::MboxGz,
        messages: podesta.len(),
        expected_defects: Vec::new(),
        note: "Google-Takeout-style gzip'd mboxrd of Graham Pell's webmail: X-GM-THRID/X-Gmail-Labels headers, \
               Takeout From_ lines, long reply chains (the longest about 40 deep), >From escaping",
    });
    Ok(podesta)
}

/// The podesta messages to copy into dnc: ones whose mbox form is escaped
/// first, then ones with attachments, then replies; and the message whose
/// Message-ID an unrelated dnc message reuses.
fn podesta_picks(podesta: &[Generated]) -> (Vec<usize>, usize) {
    let mut picks: Vec<usize> = Vec::new();
    let want = |pred: &dyn Fn(&Generated) -> bool, picks: &mut Vec<usize>, n: usize| {
        for (i, g) in podesta.iter().enumerate() {
            if picks.len() >= n {
                break;
            }
            if pred(g) && !picks.contains(&i) && i > 3 {
                picks.push(i);
            }
        }
    };
    want(&|g| g.has_from_line, &mut picks, 2);
    want(&|g| g.attachments > 0, &mut picks, 4);
    want(&|g| g.depth >= 5, &mut picks, 5);
    want(&|_| true, &mut picks, 5);
    let reused_id_source = (0..podesta.len())
        .find(|&i| podesta[i].depth >= 2 && !picks.contains(&i))
        .unwrap_or(0);
    (picks, reused_id_source)
}

/// A dnc file written: (slot, bytes, Message-ID, date).
type Written = (usize, Vec<u8>, String, i64);

/// What goes in one dnc file: its bytes, note and expected defects.
type Slot = (Vec<u8>, &'static str, Vec<(String, &'static str)>);

/// A planted duplicate: the copy at `rel` (message 0) of message `index`
/// of `original`.
fn planted(
    kind: DuplicateKind,
    rel: &str,
    original: &str,
    index: usize,
    message_id: &str,
) -> PlantedDuplicate {
    PlantedDuplicate {
        kind,
        copy: MessageRef {
            path: rel.into(),
            index: 0,
        },
        original: MessageRef {
            path: original.into(),
            index,
        },
        message_id: strip_brackets(message_id),
    }
}

/// `dnc/`: numbered `.eml` files, with byte-identical copies of podesta
/// messages, a re-delivered copy of a dnc message and a message reusing a
/// podesta Message-ID planted at fixed slots.
fn write_dnc(
    out: &Path,
    podesta: &[Generated],
    files: &mut Vec<SampleFile>,
    duplicates: &mut Vec<PlantedDuplicate>,
) -> io::Result<()> {
    let mut eng = Engine::new(dnc_config(), Rng::derive(SAMPLE_SEED, "dnc"));
    let mut dnc_gen: Vec<Generated> = (0..DNC_GENERATED).map(|_| eng.next_message()).collect();
    let (picks, reused_id_source) = podesta_picks(podesta);
    let mut gen_iter = dnc_gen.drain(..);
    let mut dnc_written: Vec<Written> = Vec::new();
    for slot in 1..=DNC_FILES {
        let rel = format!("dnc/{slot}.eml");
        let (bytes, note, defects): Slot = if let Some(k) =
            DNC_DUP_SLOTS.iter().position(|&s| s == slot)
        {
            let pi = picks[k.min(picks.len() - 1)];
            duplicates.push(planted(
                DuplicateKind::ByteIdentical,
                &rel,
                PODESTA_REL,
                pi,
                &podesta[pi].message_id,
            ));
            (
                podesta[pi].bytes.clone(),
                "byte-identical copy of a message in podesta/podesta-style.mbox.gz (planted duplicate)",
                Vec::new(),
            )
        } else if slot == DNC_RESENT_SLOT {
            resent_copy(&rel, &dnc_written, duplicates)
        } else if slot == DNC_REUSED_ID_SLOT {
            let Some(g) = gen_iter.next() else { break };
            let src = &podesta[reused_id_source];
            duplicates.push(planted(
                DuplicateKind::SameMessageId,
                &rel,
                PODESTA_REL,
                reused_id_source,
                &src.message_id,
            ));
            (
                replace_once(&g.bytes, &g.message_id, &src.message_id),
                "unrelated message that reuses the Message-ID of a podesta mbox message (different bytes)",
                vec![("0".to_string(), "duplicate_message_id")],
            )
        } else {
            let Some(g) = gen_iter.next() else { break };
            let note = if g.crlf {
                "Exchange-style message, CRLF line ends"
            } else {
                "Exchange-style message"
            };
            let id = g.message_id.clone();
            dnc_written.push((slot, g.bytes.clone(), id, g.date));
            (g.bytes, note, Vec::new())
        };
        write_file(out, &rel, &bytes)?;
        files.push(SampleFile {
            path: rel.into(),
            kind: SampleKind::Eml,
            messages: 1,
            expected_defects: defects,
            note,
        });
    }
    Ok(())
}

/// The dnc message of slot `DNC_RESENT_ORIGINAL` as delivered to another
/// mailbox (one more Received line), planted at `rel`.
fn resent_copy(rel: &str, dnc_written: &[Written], duplicates: &mut Vec<PlantedDuplicate>) -> Slot {
    let (_, orig, id, orig_date) = dnc_written
        .iter()
        .find(|(s, _, _, _)| *s == DNC_RESENT_ORIGINAL)
        .cloned()
        .unwrap_or_default();
    let t = orig_date + 3 * 3600 + 17 * 60 + 5;
    let line = format!(
        "Received: from mail.ncpc.example.org (192.0.2.25) by archive.ncpc.example.org\n\t(192.0.2.26) with Microsoft SMTP Server id 15.0.1076.9; {}",
        date::rfc5322(&date::local(t, date::Zone::UsEastern, false))
    );
    let line = if orig.windows(2).any(|w| w == b"\r\n") {
        line.replace('\n', "\r\n")
    } else {
        line
    };
    duplicates.push(planted(
        DuplicateKind::SameMessageId,
        rel,
        &format!("dnc/{DNC_RESENT_ORIGINAL}.eml"),
        0,
        &id,
    ));
    (
        prepend_header(&orig, &line),
        "same message as dnc/12.eml as delivered to another mailbox (one more Received line): same Message-ID, different bytes",
        vec![("0".to_string(), "duplicate_message_id")],
    )
}

/// `maildir/ncpc-staff/`: Beth Kowalczyk's maildir (her own messages in
/// `.Sent`), flags and file names from a PRNG of their own.
fn write_maildir(out: &Path, files: &mut Vec<SampleFile>) -> io::Result<()> {
    let md = "maildir/ncpc-staff";
    for d in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"] {
        fs::create_dir_all(out.join(md).join(d))?;
    }
    let mut eng = Engine::new(maildir_config(), Rng::derive(SAMPLE_SEED, "maildir"));
    let mut frng = Rng::derive(SAMPLE_SEED, "maildir-flags");
    for i in 1..=MAILDIR_MESSAGES {
        let g = eng.next_message();
        let (dir, flags) = if g.by_owner {
            ("cur", Some("S"))
        } else {
            maildir_flags(&mut frng)
        };
        let name = mbox::maildir_name(
            g.date,
            frng.below(1_000_000) as u32,
            1000 + frng.below(30_000) as u32,
            i,
            flags,
        );
        let rel = if g.by_owner {
            format!("{md}/.Sent/{dir}/{name}")
        } else {
            format!("{md}/{dir}/{name}")
        };
        write_file(out, &rel, &g.bytes)?;
        files.push(SampleFile {
            path: rel.into(),
            kind: SampleKind::MaildirMessage,
            messages: 1,
            expected_defects: Vec::new(),
            note: if g.by_owner {
                "maildir message in the .Sent subfolder"
            } else if flags.is_none() {
                "maildir message in new/ (no info suffix)"
            } else {
                "maildir message in cur/ with flags"
            },
        });
    }
    Ok(())
}

fn readme(s: &SampleSummary) -> String {
    let mut r = String::new();
    let count = |prefix: &str| -> usize {
        s.files
            .iter()
            .filter(|f| f.path.starts_with(prefix))
            .map(|f| f.messages)
            .sum()
    };
    let nfiles = |prefix: &str| {
        s.files
            .iter()
            .filter(|f| f.path.starts_with(prefix))
            .count()
    };
    r.push_str(
        "mailsift sample mail\n\
         ====================\n\
         \n\
         Everything in this folder is FICTIONAL and machine-generated by\n\
         \n    cargo run --example gen_sample -- sample_mbox --force\n\n\
         (deterministic: the same code writes the same bytes). The people, the\n\
         \"National Civic Party Committee\" (ncpc.example.org), the campaign\n\
         \"Hartwell for America\" (hartwell2016.example.com) and every other\n\
         organisation are invented; all domains are reserved example domains and\n\
         all IP addresses are documentation ranges. The mail is styled after\n\
         leaked collections that journalists read (a folder of numbered .eml\n\
         files, a gzip'd Google Takeout mbox, a maildir) so that mailsift's\n\
         importer, tests, demo and benchmarks have realistic input.\n\
         \n\
         The DKIM-Signature headers are placeholders: their body hashes (bh=)\n\
         are real, but no key made their signatures, so mailsift reports them as\n\
         `nokey`, as for a leak whose signing keys were rotated out of DNS.\n\
         \n\
         This README is itself not mail: an importer pointed at this folder\n\
         should skip it and say why.\n\n",
    );
    r.push_str(&format!("Messages in all files: {}\n", s.total_messages()));
    r.push_str(&format!(
        "Distinct messages (byte-identical copies counted once): {}\n\n",
        s.distinct_messages()
    ));
    r.push_str(&format!(
        "podesta/   {} message(s) in one gzip'd Takeout-style mbox (X-GM-THRID,\n           X-Gmail-Labels, long reply chains, mboxrd >From escaping)\n",
        count("podesta")
    ));
    r.push_str(&format!(
        "dnc/       {} numbered .eml files in the style of an Exchange export (some\n           with CRLF line ends, attachments: PDF, DOCX, XLSX, PNG, JPEG, CSV,\n           text, forwarded messages)\n",
        nfiles("dnc")
    ));
    r.push_str(&format!(
        "maildir/   {} message(s) in a maildir (cur/ new/ tmp/, .Sent/ subfolder)\n",
        count("maildir")
    ));
    r.push_str(&format!(
        "broken/    {} file(s), one per hostile case, {} message(s):\n\n",
        nfiles("broken"),
        count("broken")
    ));
    for f in s.files.iter().filter(|f| f.path.starts_with("broken")) {
        let name = f.path.to_string_lossy().replace('\\', "/");
        let defects = if f.expected_defects.is_empty() {
            "no defect".to_string()
        } else {
            f.expected_defects
                .iter()
                .map(|(i, k)| format!("{k} @ {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        r.push_str(&format!(
            "  {name} ({} msg; {defects})\n      {}\n",
            f.messages, f.note
        ));
    }
    r.push_str("\nPlanted duplicates (copy <- original):\n\n");
    for d in &s.duplicates {
        let kind = match d.kind {
            DuplicateKind::ByteIdentical => "byte-identical",
            DuplicateKind::SameMessageId => "same Message-ID, different bytes",
        };
        r.push_str(&format!(
            "  {} <- {} #{} ({kind})\n",
            d.copy.path.to_string_lossy(),
            d.original.path.to_string_lossy(),
            d.original.index
        ));
    }
    r.push_str(
        "\nMessage indexes are 0-based positions within their file. Note that git\n\
         does not keep empty folders, so the maildir's empty tmp/ folders exist\n\
         only in a freshly generated copy.\n",
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podesta_has_long_chains_and_all_charsets_appear() {
        let mut eng = Engine::new(podesta_config(), Rng::derive(SAMPLE_SEED, "podesta"));
        let podesta: Vec<Generated> = (0..PODESTA_MESSAGES).map(|_| eng.next_message()).collect();
        let max_depth = podesta.iter().map(|g| g.depth).max().unwrap_or(0);
        assert!(max_depth >= 35, "deepest reply chain is only {max_depth}");
        assert!(podesta.iter().any(|g| g.has_from_line));

        let mut eng = Engine::new(dnc_config(), Rng::derive(SAMPLE_SEED, "dnc"));
        let mut all: Vec<u8> = Vec::new();
        for g in podesta.iter().chain(
            (0..DNC_GENERATED)
                .map(|_| eng.next_message())
                .collect::<Vec<_>>()
                .iter(),
        ) {
            all.extend(g.bytes.to_ascii_lowercase());
        }
        let has = |s: &str| memchr::memmem::find(&all, s.as_bytes()).is_some();
        for cs in [
            "koi8-r",
            "windows-1251",
            "iso-2022-jp",
            "iso-8859-1",
            "windows-1252",
            "utf-8",
            "us-ascii",
        ] {
            assert!(
                has(&format!("text/plain; charset=\"{cs}\""))
                    || has(&format!("text/plain; charset={cs};")),
                "no text/plain body in {cs}"
            );
        }
        for needle in [
            "=?koi8-r?b?",
            "=?iso-2022-jp?b?",
            "=?utf-8?q?",
            "=?iso-8859-1?q?",
            "filename*=utf-8''",
            "message/rfc822",
            "application/octet-stream",
            "thread-index:",
            "x-gm-thrid:",
            "text/html",
        ] {
            assert!(has(needle), "{needle} missing");
        }
    }
}
