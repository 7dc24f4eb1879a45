//! An [`Item`] written as an RFC 5322 message: the converted message.
//!
//! The rendering is deterministic (the same item gives the same bytes on
//! every reading, so the message's id is stable and View source can
//! re-render and verify): CRLF line ends; headers `From`, `Sender`, `To`,
//! `Cc`, `Bcc`, `Subject`, `Date` (sent, else received), `Message-ID`,
//! `In-Reply-To`, `References` where the item has them; non-ASCII text
//! as RFC 2047 `B` words; `X-Mailsift-Converted` naming where the item
//! was; then `multipart/mixed` with the body (`text/plain` and
//! `text/html` as `multipart/alternative` when both exist; the RTF body's
//! text when it is the only one) and the attachments, every leaf part in
//! base64, embedded messages as `message/rfc822` parts rendered the same
//! way. Boundaries differ by depth and none is a prefix of another, and
//! no base64 or header line can start with one.

use base64::Engine;

use super::{Content, Item, ItemAttachment, Person, RecipientKind};

/// Embedded messages deeper than this are left out (named in a header).
const MAX_DEPTH: usize = 8;

/// The converted message of `item`; `address` says where it was
/// (`PST node 0x… in "Inbox"`, `MSG file`).
pub fn render(item: &Item, address: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    message(item, Some(address), 0, &mut out);
    out
}

fn message(item: &Item, address: Option<&str>, depth: usize, out: &mut Vec<u8>) {
    if !item.from.is_empty() {
        header(out, "From", &person(&item.from));
    }
    if let Some(s) = &item.sender {
        header(out, "Sender", &person(s));
    }
    for (kind, name) in [
        (RecipientKind::To, "To"),
        (RecipientKind::Cc, "Cc"),
        (RecipientKind::Bcc, "Bcc"),
    ] {
        let list: Vec<String> = item
            .recipients
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| person(p))
            .collect();
        if !list.is_empty() {
            header(out, name, &list.join(",\r\n "));
        }
    }
    if let Some(s) = &item.subject {
        header(out, "Subject", &encode_words(s));
    }
    if let Some(t) = item.sent.or(item.received) {
        header(out, "Date", &rfc5322_date(t));
    }
    for (name, v) in [
        ("Message-ID", &item.message_id),
        ("In-Reply-To", &item.in_reply_to),
        ("References", &item.references),
    ] {
        if let Some(v) = v {
            header(out, name, &ascii_only(v));
        }
    }
    if let Some(t) = item.received {
        header(out, "X-Mailsift-Received", &rfc5322_date(t));
    }
    for (kind, p) in std::iter::once((None, &item.from))
        .chain(item.recipients.iter().map(|(k, p)| (Some(*k), p)))
    {
        if let (None, Some(dn)) = (&p.smtp, &p.other) {
            let role = match kind {
                None => "from",
                Some(RecipientKind::To) => "to",
                Some(RecipientKind::Cc) => "cc",
                Some(RecipientKind::Bcc) => "bcc",
            };
            header(
                out,
                "X-Mailsift-Unresolved-Address",
                &format!("{role} {}", ascii_only(dn)),
            );
        }
    }
    if let Some(c) = &item.class {
        header(out, "X-Mailsift-Message-Class", &ascii_only(c));
    }
    match address {
        Some(a) => header(
            out,
            "X-Mailsift-Converted",
            &format!("from {}", encode_words(a)),
        ),
        None => header(out, "X-Mailsift-Converted", "embedded Outlook item"),
    }
    header(out, "MIME-Version", "1.0");
    let b = boundary('m', depth);
    header(
        out,
        "Content-Type",
        &format!("multipart/mixed; boundary=\"{b}\""),
    );
    out.extend_from_slice(b"\r\n");
    body(item, depth, &b, out);
    for a in &item.attachments {
        open_part(out, &b);
        attachment(a, depth, out);
    }
    out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
}

fn body(item: &Item, depth: usize, b: &str, out: &mut Vec<u8>) {
    let rtf_text = match (&item.body_text, &item.body_html, &item.body_rtf) {
        (None, None, Some(rtf)) => crate::extract::rtf_text(rtf.as_bytes()).ok(),
        _ => None,
    };
    let plain = item.body_text.as_ref().or(rtf_text.as_ref());
    match (plain, &item.body_html) {
        (Some(t), Some(h)) => {
            let a = boundary('a', depth);
            open_part(out, b);
            header(
                out,
                "Content-Type",
                &format!("multipart/alternative; boundary=\"{a}\""),
            );
            out.extend_from_slice(b"\r\n");
            open_part(out, &a);
            text_part(out, "text/plain", t);
            open_part(out, &a);
            text_part(out, "text/html", h);
            out.extend_from_slice(format!("--{a}--\r\n").as_bytes());
        }
        (Some(t), None) => {
            open_part(out, b);
            text_part(out, "text/plain", t);
        }
        (None, Some(h)) => {
            open_part(out, b);
            text_part(out, "text/html", h);
        }
        (None, None) => {
            open_part(out, b);
            text_part(out, "text/plain", "");
        }
    }
}

fn attachment(a: &ItemAttachment, depth: usize, out: &mut Vec<u8>) {
    let name = a.name.as_deref();
    match &a.content {
        Content::Bytes(bytes) => {
            let mime = a
                .mime
                .as_deref()
                .filter(|m| is_mime_type(m))
                .unwrap_or("application/octet-stream");
            match name {
                Some(n) => {
                    header(
                        out,
                        "Content-Type",
                        &format!("{mime}; {}", param("name", n)),
                    );
                    header(
                        out,
                        "Content-Disposition",
                        &format!("attachment; {}", param("filename", n)),
                    );
                }
                None => {
                    header(out, "Content-Type", mime);
                    header(out, "Content-Disposition", "attachment");
                }
            }
            header(out, "Content-Transfer-Encoding", "base64");
            out.extend_from_slice(b"\r\n");
            base64_lines(out, bytes);
        }
        Content::Item(inner) if depth < MAX_DEPTH => {
            header(out, "Content-Type", "message/rfc822");
            match name {
                Some(n) => header(
                    out,
                    "Content-Disposition",
                    &format!("attachment; {}", param("filename", n)),
                ),
                None => header(out, "Content-Disposition", "attachment"),
            }
            out.extend_from_slice(b"\r\n");
            message(inner, None, depth + 1, out);
        }
        Content::Item(_) => missing(out, name, "an embedded message nested too deep"),
        Content::Missing(why) => missing(out, name, why),
    }
}

/// An attachment whose content is not there: an empty part saying why.
fn missing(out: &mut Vec<u8>, name: Option<&str>, why: &str) {
    header(out, "Content-Type", "application/octet-stream");
    match name {
        Some(n) => header(
            out,
            "Content-Disposition",
            &format!("attachment; {}", param("filename", n)),
        ),
        None => header(out, "Content-Disposition", "attachment"),
    }
    header(out, "X-Mailsift-Missing", &encode_words(why));
    header(out, "Content-Transfer-Encoding", "base64");
    out.extend_from_slice(b"\r\n");
}

fn open_part(out: &mut Vec<u8>, b: &str) {
    out.extend_from_slice(format!("--{b}\r\n").as_bytes());
}

fn text_part(out: &mut Vec<u8>, mime: &str, text: &str) {
    header(out, "Content-Type", &format!("{mime}; charset=utf-8"));
    header(out, "Content-Transfer-Encoding", "base64");
    out.extend_from_slice(b"\r\n");
    base64_lines(out, text.as_bytes());
}

fn boundary(kind: char, depth: usize) -> String {
    format!("=_mailsift_{kind}{depth:02}_=")
}

fn header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn base64_lines(out: &mut Vec<u8>, bytes: &[u8]) {
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    for line in enc.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

/// A header value with control characters (line ends above all) made
/// spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Printable ASCII, the rest dropped (message ids, classes, DNs).
fn ascii_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect::<String>()
        .trim()
        .to_string()
}

/// Text for a header: as it is when printable ASCII, else RFC 2047
/// `=?UTF-8?B?…?=` words (at most 45 bytes of text each, whole characters).
fn encode_words(s: &str) -> String {
    let s = one_line(s);
    if s.chars().all(|c| c.is_ascii() && !c.is_control()) && !s.contains("=?") {
        return s;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(word(&chunk));
    }
    words.join("\r\n ")
}

fn word(s: &str) -> String {
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    )
}

/// `"Name" <addr>`, `<addr>`, or the name alone (as an encoded phrase
/// followed by an empty group-free address list when no address is known).
fn person(p: &Person) -> String {
    let name = p.name.as_deref().map(|n| {
        let n = one_line(n);
        if n.chars().all(|c| c.is_ascii() && !c.is_control()) && !n.contains("=?") {
            format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            encode_words(&n)
        }
    });
    let addr = p.smtp.as_deref().map(ascii_only);
    match (name, addr) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => format!("<{a}>"),
        // No SMTP address: the name as a group with no members keeps the
        // header valid; the Exchange address is in its own header.
        (Some(n), None) => format!("{n}:;"),
        (None, None) => "undisclosed:;".to_string(),
    }
}

/// A MIME parameter: quoted when printable ASCII, else RFC 2231
/// (`name*=utf-8''%XX`).
fn param(key: &str, value: &str) -> String {
    let v = one_line(value);
    if v.chars().all(|c| c.is_ascii() && !c.is_control()) {
        return format!("{key}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    }
    let mut enc = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{key}*=utf-8''{enc}")
}

fn is_mime_type(m: &str) -> bool {
    let mut it = m.split('/');
    let ok = |s: Option<&str>| {
        s.is_some_and(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        })
    };
    ok(it.next()) && ok(it.next()) && it.next().is_none()
}

/// `Wed, 26 Feb 2014 07:50:04 +0000`.
pub fn rfc5322_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize).saturating_sub(1).min(11)],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Item {
        Item {
            class: Some("IPM.Note".into()),
            subject: Some("Überweisung Q3".into()),
            from: Person {
                name: Some("Jörn K".into()),
                smtp: Some("jk@example.org".into()),
                other: None,
            },
            recipients: vec![
                (
                    RecipientKind::To,
                    Person {
                        name: Some("Ann".into()),
                        smtp: Some("ann@example.org".into()),
                        other: None,
                    },
                ),
                (
                    RecipientKind::Cc,
                    Person {
                        name: Some("Bob".into()),
                        smtp: None,
                        other: Some("/O=ACME/CN=BOB".into()),
                    },
                ),
            ],
            sent: Some(1_393_401_004),
            message_id: Some("<a1@example.org>".into()),
            body_text: Some("Hello\nthere".into()),
            body_html: Some("<p>Hello</p>".into()),
            attachments: vec![
                ItemAttachment {
                    name: Some("plan é.pdf".into()),
                    mime: Some("application/pdf".into()),
                    content: Content::Bytes(b"%PDF-1.4 x".to_vec()),
                },
                ItemAttachment {
                    name: Some("fwd.msg".into()),
                    mime: None,
                    content: Content::Item(Box::new(Item {
                        subject: Some("inner".into()),
                        body_text: Some("inner body".into()),
                        ..Item::default()
                    })),
                },
            ],
            ..Item::default()
        }
    }

    #[test]
    fn rendering_is_deterministic_and_parses() {
        let a = render(&sample(), "PST node 0x00200024 in \"Inbox\"");
        let b = render(&sample(), "PST node 0x00200024 in \"Inbox\"");
        assert_eq!(a, b);
        let text = String::from_utf8(a.clone()).unwrap();
        assert!(text.is_ascii());
        assert!(text.contains("Date: Wed, 26 Feb 2014 07:50:04 +0000\r\n"));
        assert!(text.contains("X-Mailsift-Converted: from PST node 0x00200024 in \"Inbox\"\r\n"));
        assert!(text.contains("X-Mailsift-Unresolved-Address: cc /O=ACME/CN=BOB\r\n"));
        assert!(text.contains("filename*=utf-8''plan%20%C3%A9.pdf"));
        let m = crate::parse::parse_message(
            crate::model::Sha256::of(&a),
            &a,
            true,
            a.len() as u64,
            &crate::model::Limits::default(),
            2_000_000_000,
        );
        assert_eq!(m.subject.as_deref(), Some("Überweisung Q3"));
        assert_eq!(m.from[0].addr, "jk@example.org");
        assert_eq!(m.from[0].name.as_deref(), Some("Jörn K"));
        assert_eq!(m.to[0].addr, "ann@example.org");
        assert_eq!(m.message_id.as_deref(), Some("a1@example.org"));
        assert!(m.body_text.contains("Hello"), "{}", m.body_text);
        assert_eq!(m.attachments.len(), 2, "{:?}", m.attachments);
        assert_eq!(m.attachments[0].name.as_deref(), Some("plan é.pdf"));
        // Another address, another message.
        assert_ne!(a, render(&sample(), "PST node 0x00200044 in \"Inbox\""));
    }

    #[test]
    fn dates_and_words() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(encode_words("plain"), "plain");
        assert_eq!(encode_words("a\r\nb"), "a  b");
        assert!(encode_words(&"é".repeat(40)).contains("\r\n =?UTF-8?B?"));
    }
}
