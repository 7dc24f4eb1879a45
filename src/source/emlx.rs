//! Apple Mail's `.emlx` files: a first line holding the message's length
//! in bytes, the message (RFC 5322) of exactly that many bytes, then an
//! XML property list whose `flags` integer says whether the message was
//! read, answered, flagged, … (turned into maildir's flag letters, so
//! they show and search like maildir flags). A `.partial.emlx` is one
//! whose larger attachments Apple Mail kept as files of their own, in an
//! `Attachments/<id>/<part>/` folder beside the `Messages/` folder; those
//! files are named in a `partial_emlx` defect (or their absence is).
//!
//! The origin's offset and length point at the message bytes inside the
//! file, so View source gives the message without the count line or the
//! property list.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::RawMessage;
use crate::model::{Defect, DefectKind, SourceFormat};

/// The longest count line read (digits and blanks).
const MAX_COUNT_LINE: usize = 32;
/// The longest property list read after the message.
const MAX_PLIST: u64 = 1 << 20;
/// External attachment files named in the defect, at most.
const MAX_LISTED: usize = 50;

/// Whether `head` starts like an `.emlx`: a line of digits (blanks around
/// them allowed), then a mail header block.
pub fn is_emlx(head: &[u8]) -> bool {
    match count_line(head) {
        Some((_, len)) => super::starts_with_mail_headers(&head[len..]),
        None => false,
    }
}

/// The byte count of the first line and that line's length (line end
/// included), when the first line is a count.
fn count_line(head: &[u8]) -> Option<(u64, usize)> {
    let nl = memchr::memchr(b'\n', &head[..head.len().min(MAX_COUNT_LINE)])?;
    let text = std::str::from_utf8(&head[..nl]).ok()?;
    let digits = text.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, nl + 1))
}

/// Reads an `.emlx` stream: the message, with its flags as maildir
/// letters, offset and length pointing at its bytes in the file. `path`
/// (when it is a real file) is where a `.partial.emlx`'s attachments are
/// looked for.
pub fn read_emlx(
    mut r: impl Read,
    path: Arc<Path>,
    max_message: usize,
    max_head: usize,
) -> io::Result<RawMessage> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < MAX_COUNT_LINE && !line.ends_with(b"\n") {
        match r.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let Some((count, prefix)) = count_line(&line) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not an .emlx: the first line is not a byte count",
        ));
    };
    let mut msg = super::eml::read_message(
        (&mut r).take(count),
        path.clone(),
        SourceFormat::Emlx,
        max_message,
        max_head,
    )?;
    msg.offset = prefix as u64;
    msg.maildir_flags = None;
    if msg.length < count {
        msg.defects.push(Defect::new(
            DefectKind::Truncated,
            format!(
                "the .emlx says the message has {count} bytes; the file holds {}",
                msg.length
            ),
        ));
    } else {
        let mut plist = Vec::new();
        r.take(MAX_PLIST).read_to_end(&mut plist)?;
        msg.maildir_flags = plist_flags(&plist).map(flag_letters);
    }
    if let Some(d) = partial_defect(&path) {
        msg.defects.push(d);
    }
    Ok(msg)
}

/// The `flags` integer of an `.emlx` property list.
pub fn plist_flags(plist: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(plist, b"<key>flags</key>")?;
    let rest = &plist[at + 16..];
    let start = memchr::memmem::find(rest, b"<integer>")? + 9;
    let end = start + memchr::memmem::find(&rest[start..], b"</integer>")?;
    // Only blanks may stand between the key and its value.
    if !rest[..start - 9].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    std::str::from_utf8(&rest[start..end])
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Apple Mail's flag bits as maildir letters, in maildir's (ASCII) order:
/// draft (bit 6) `D`, flagged (bit 4) `F`, forwarded (bit 8) `P`,
/// answered (bit 2) `R`, read (bit 0) `S`, deleted (bit 1) `T`.
pub fn flag_letters(flags: u64) -> String {
    [(6, 'D'), (4, 'F'), (8, 'P'), (2, 'R'), (0, 'S'), (1, 'T')]
        .iter()
        .filter(|(bit, _)| flags & (1 << bit) != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// For a `.partial.emlx` (by its file name, `<id>.partial.emlx`): the
/// defect naming the attachment files Apple Mail kept beside it, in
/// `../Attachments/<id>/`, or saying they are missing.
fn partial_defect(path: &Path) -> Option<Defect> {
    let name = path.file_name()?.to_str()?;
    let id = name.strip_suffix(".partial.emlx")?;
    let dir = path.parent()?.parent()?.join("Attachments").join(id);
    let mut found = Vec::new();
    collect_files(&dir, &dir, &mut found, 0);
    found.sort();
    let detail = if found.is_empty() {
        format!(
            "attachments kept outside the message were not found (looked in {}); the message is imported without them",
            dir.display()
        )
    } else {
        let n = found.len();
        found.truncate(MAX_LISTED);
        format!(
            "{n} attachment file(s) kept outside the message, in {}: {}; not joined into the message (its source bytes stay as Apple Mail wrote them)",
            dir.display(),
            found.join(", ")
        )
    };
    Some(Defect::new(DefectKind::PartialEmlx, detail))
}

/// Files under `dir` (two levels at most: `<part>/<file>`), as paths
/// relative to `root`.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>, depth: u32) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p: PathBuf = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() && depth < 2 => collect_files(root, &p, out, depth + 1),
            Ok(t) if t.is_file() => out.push(
                p.strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned(),
            ),
            _ => {}
        }
        if out.len() > 10 * MAX_LISTED {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLIST: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>date-sent</key>\n\t<real>1445000000</real>\n\t<key>flags</key>\n\t<integer>8590195733</integer>\n</dict>\n</plist>\n";

    fn emlx(msg: &[u8]) -> Vec<u8> {
        let mut v = format!("{}       \n", msg.len()).into_bytes();
        v.extend_from_slice(msg);
        v.extend_from_slice(PLIST);
        v
    }

    #[test]
    fn message_and_flags() {
        let msg = b"Subject: hi\nFrom: a@b\n\nbody\n";
        let file = emlx(msg);
        assert!(is_emlx(&file));
        assert!(!is_emlx(b"1234\nnot headers\n"));
        assert!(!is_emlx(msg));
        let m = read_emlx(&file[..], Arc::from(Path::new("/x/1.emlx")), 1 << 20, 4096).unwrap();
        assert_eq!(m.offset, 10, "\"28\", seven blanks, a line end");
        assert_eq!(m.length, msg.len() as u64);
        assert_eq!(m.bytes, msg);
        assert_eq!(
            &file[m.offset as usize..(m.offset + m.length) as usize],
            msg
        );
        // 8590195733: bits 0, 2 and 4 (read, answered, flagged), 10 to 17
        // (the attachment count) and 33, which are not flags.
        assert_eq!(m.maildir_flags.as_deref(), Some("FRS"));
        assert!(m.defects.is_empty());
    }

    #[test]
    fn flag_bits() {
        assert_eq!(flag_letters(0), "");
        assert_eq!(flag_letters(1), "S");
        assert_eq!(flag_letters(0b1_0101_0111), "DFPRST");
        assert_eq!(
            plist_flags(b"<key>flags</key><integer> 5 </integer>"),
            Some(5)
        );
        assert_eq!(
            plist_flags(b"<key>flags</key><string>x</string><integer>5</integer>"),
            None
        );
        assert_eq!(plist_flags(b"<key>other</key><integer>5</integer>"), None);
    }

    #[test]
    fn short_file_is_truncated() {
        let mut file = b"500\nSubject: x\n\nshort".to_vec();
        file.truncate(20);
        let m = read_emlx(&file[..], Arc::from(Path::new("/x/2.emlx")), 1 << 20, 4096).unwrap();
        assert_eq!(m.offset, 4);
        assert_eq!(m.length, 16);
        assert!(m.defects.iter().any(|d| d.kind == DefectKind::Truncated));
        assert_eq!(m.maildir_flags, None);
    }
}
