//! Apple Mail's `.emlx` files: a first line holding the message's length
//! in bytes, the message (RFC 5322) of exactly that many bytes, then an
//! XML property list whose `flags` integer says whether the message was
//! read, answered, flagged, … (turned into maildir's flag letters, so
//! they show and search like maildir flags). A `.partial.emlx` is one
//! whose larger attachments Apple Mail kept as files of their own, in an
//! `Attachments/<id>/<part>/` folder beside the `Messages/` folder; those
//! files are joined back into their empty parts for parsing
//! ([`join_partial`], `RawMessage::parse_bytes`) and named in a
//! `partial_emlx` defect (or their absence is).
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
/// Bytes of external attachment files joined into one message, at most.
const MAX_JOINED: u64 = 64 << 20;

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
    let mut joined = Vec::new();
    if msg.is_complete()
        && let Some((bytes, names)) = join_partial(&msg.bytes, &path)
    {
        msg.parse_bytes = Some(bytes);
        joined = names;
    }
    if let Some(d) = partial_defect(&path, &joined) {
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

/// The folder where Apple Mail keeps the attachments of a
/// `.partial.emlx` (by its file name, `<id>.partial.emlx`):
/// `../Attachments/<id>/`.
fn attachments_dir(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let id = name.strip_suffix(".partial.emlx")?;
    Some(path.parent()?.parent()?.join("Attachments").join(id))
}

/// The files of a `.partial.emlx`'s attachment folder, as paths relative
/// to it (`<part>/<name>`), sorted.
fn attachment_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    collect_files(dir, dir, &mut found, 0);
    found.sort();
    found
}

/// For a `.partial.emlx`: the message with the attachment files Apple
/// Mail kept beside it put back into their empty parts (a part with an
/// `X-Apple-Content-Length` header and no body, whose file name is the
/// file's), and the files joined. None for another file, or when no file
/// could be joined.
pub fn join_partial(msg: &[u8], path: &Path) -> Option<(Vec<u8>, Vec<String>)> {
    let dir = attachments_dir(path)?;
    let mut inserts: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut joined = Vec::new();
    let mut total = 0u64;
    for rel in attachment_files(&dir) {
        let file_name = rel.rsplit(['/', '\\']).next().unwrap_or(&rel);
        let Some((at, base64, crlf)) = empty_part_for(msg, file_name, &inserts) else {
            continue;
        };
        let file = dir.join(&rel);
        let size = std::fs::metadata(&file)
            .map(|m| m.len())
            .unwrap_or(u64::MAX);
        total = total.saturating_add(size);
        if total > MAX_JOINED {
            break;
        }
        let Ok(bytes) = super::read_source(&file) else {
            continue;
        };
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut body = Vec::with_capacity(bytes.len() * 4 / 3 + 64);
        if base64 {
            for chunk in bytes.chunks(57) {
                base64_into(chunk, &mut body);
                body.extend_from_slice(eol);
            }
        } else {
            body.extend_from_slice(&bytes);
            body.extend_from_slice(eol);
        }
        inserts.push((at, body));
        joined.push(rel);
    }
    if inserts.is_empty() {
        return None;
    }
    inserts.sort_by_key(|(at, _)| *at);
    let mut out = Vec::with_capacity(msg.len() + inserts.iter().map(|i| i.1.len()).sum::<usize>());
    let mut from = 0;
    for (at, body) in inserts {
        out.extend_from_slice(&msg[from..at]);
        out.extend_from_slice(&body);
        from = at;
    }
    out.extend_from_slice(&msg[from..]);
    Some((out, joined))
}

/// Where the empty body of the part holding `file_name` starts (after its
/// header block), whether it is base64, and whether its lines end in CRLF.
/// Parts already taken (`taken`) are passed over.
fn empty_part_for(
    msg: &[u8],
    file_name: &str,
    taken: &[(usize, Vec<u8>)],
) -> Option<(usize, bool, bool)> {
    let marker = b"x-apple-content-length:";
    let lower = msg.to_ascii_lowercase();
    let mut search = 0;
    while let Some(i) = memchr::memmem::find(&lower[search..], marker) {
        let hit = search + i;
        search = hit + marker.len();
        // The header block: from the boundary line before to the blank line after.
        let start = memchr::memmem::rfind(&msg[..hit], b"\n--").map_or(0, |p| p + 1);
        let Some(blank) = blank_line_after(msg, hit) else {
            continue;
        };
        let (body_at, crlf) = blank;
        if taken.iter().any(|(at, _)| *at == body_at) {
            continue;
        }
        let head = &msg[start..body_at];
        if memchr::memmem::find(head, file_name.as_bytes()).is_none() {
            continue;
        }
        // The body must be empty: the next line is a boundary (or the end).
        let rest = &msg[body_at..];
        let next = rest
            .iter()
            .position(|&b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
            .map(|p| &rest[p..]);
        if next.is_some_and(|n| !n.starts_with(b"--")) {
            continue;
        }
        let head_lower = &lower[start..body_at];
        let cte = memchr::memmem::find(head_lower, b"content-transfer-encoding:").map(|p| {
            let v = &head_lower[p + 26..];
            let end = v.iter().position(|&b| b == b'\n').unwrap_or(v.len());
            String::from_utf8_lossy(&v[..end]).trim().to_string()
        });
        let base64 = match cte.as_deref() {
            Some("base64") => true,
            None | Some("7bit" | "8bit" | "binary") => false,
            // Quoted-printable or unknown: not re-encoded here.
            Some(_) => continue,
        };
        return Some((body_at, base64, crlf));
    }
    None
}

/// Appends the base64 of `data` (standard alphabet, padded).
fn base64_into(data: &[u8], out: &mut Vec<u8>) {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        out.push(ABC[(n >> 18) as usize & 63]);
        out.push(ABC[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            ABC[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            ABC[n as usize & 63]
        } else {
            b'='
        });
    }
}

/// The offset just after the blank line that ends the header block
/// containing `from`, and whether it ends in CRLF.
fn blank_line_after(msg: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut i = from;
    while i < msg.len() {
        let nl = i + memchr::memchr(b'\n', &msg[i..])?;
        let line_start = nl + 1;
        if msg.get(line_start) == Some(&b'\n') {
            return Some((line_start + 1, false));
        }
        if msg.get(line_start..line_start + 2) == Some(b"\r\n") {
            return Some((line_start + 2, true));
        }
        i = line_start;
    }
    None
}

/// For a `.partial.emlx`: the defect naming the attachment files Apple
/// Mail kept beside it (and which were joined), or saying they are missing.
fn partial_defect(path: &Path, joined: &[String]) -> Option<Defect> {
    let dir = attachments_dir(path)?;
    let mut found = attachment_files(&dir);
    let detail = if found.is_empty() {
        format!(
            "attachments kept outside the message were not found (looked in {}); the message is imported without them",
            dir.display()
        )
    } else {
        let n = found.len();
        found.truncate(MAX_LISTED);
        let not_joined: Vec<&String> = found.iter().filter(|f| !joined.contains(f)).collect();
        format!(
            "{n} attachment file(s) kept outside the message, in {}: {}; joined for reading and search: {}{}; View source shows the message as Apple Mail wrote it, without them",
            dir.display(),
            found.join(", "),
            joined.len(),
            if not_joined.is_empty() {
                String::new()
            } else {
                format!(
                    " (not joined, no empty part names them: {})",
                    not_joined
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
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
    fn base64_of_every_tail_length() {
        let mut out = Vec::new();
        base64_into(b"Man", &mut out);
        base64_into(b"Ma", &mut out);
        base64_into(b"M", &mut out);
        assert_eq!(out, b"TWFuTWE=TQ==");
    }

    #[test]
    fn partial_emlx_attachments_are_joined() {
        let t = tempfile::tempdir().unwrap();
        let msgs = t.path().join("Messages");
        let att = t.path().join("Attachments").join("7").join("2");
        std::fs::create_dir_all(&msgs).unwrap();
        std::fs::create_dir_all(&att).unwrap();
        std::fs::write(att.join("a.pdf"), b"Man").unwrap();
        let msg = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\nX-Apple-Content-Length: 3\r\n\r\n--B--\r\n";
        let path = msgs.join("7.partial.emlx");
        let (joined, names) = join_partial(msg, &path).unwrap();
        assert_eq!(names, ["2/a.pdf"]);
        let text = String::from_utf8(joined).unwrap();
        assert!(
            text.contains("X-Apple-Content-Length: 3\r\n\r\nTWFu\r\n--B--"),
            "{text}"
        );
        // Another id, or not partial: nothing to join.
        assert!(join_partial(msg, &msgs.join("8.partial.emlx")).is_none());
        assert!(join_partial(msg, &msgs.join("7.emlx")).is_none());
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
