//! Headers: Message-IDs in each mail program's style, display names and
//! subjects encoded as real mail does (RFC 2047, Exchange's "Last, First"),
//! the Received chain and DKIM signature, and the whole header block in
//! the order Outlook, Gmail, Apple Mail / iPhone or Thunderbird writes it
//! (Takeout's X-GM-THRID and X-Gmail-Labels first when asked).

use super::super::cast::{Lang, Mua, PEOPLE, Person};
use super::super::date::{self, Zone};
use super::super::encode;
use super::super::mime::{BoundaryStyle, Part};
use super::super::rng::Rng;
use super::MsgSpec;
use super::body::charset_ok;

/// A Message-ID (with angle brackets) in the style of `p`'s mail program.
pub fn message_id(rng: &mut Rng, p: &Person) -> String {
    let org = p.org();
    match p.mua {
        Mua::Outlook => format!("<{}@{}>", rng.hex_upper(32), org.mail_host),
        Mua::Gmail => format!(
            "<CA{}@mail.{}>",
            rng.string_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-",
                44
            ),
            org.domain
        ),
        Mua::AppleMail | Mua::Iphone => format!(
            "<{}-{}-{}-{}-{}@{}>",
            rng.hex_upper(8),
            rng.hex_upper(4),
            rng.hex_upper(4),
            rng.hex_upper(4),
            rng.hex_upper(12),
            org.domain
        ),
        Mua::Thunderbird => format!(
            "<{}.{}{}@{}>",
            rng.string_from(b"0123456789abcdef", 8),
            rng.range(1, 9),
            rng.string_from(b"0123456789", 6),
            org.mail_host
        ),
    }
}

/// The MIME boundary style of `m`.
pub(super) fn boundary_style(m: Mua) -> BoundaryStyle {
    match m {
        Mua::Outlook => BoundaryStyle::Outlook,
        Mua::Gmail => BoundaryStyle::Gmail,
        Mua::AppleMail | Mua::Iphone => BoundaryStyle::Apple,
        Mua::Thunderbird => BoundaryStyle::Thunderbird,
    }
}

/// The display name of `p` encoded for a header, in one of the ways real
/// mail does it.
pub(super) fn header_name(rng: &mut Rng, p: &Person, exchange_style: bool) -> String {
    let name = p.name;
    if !encode::needs_encoding(name) {
        if exchange_style
            && rng.chance(0.6)
            && let Some((first, last)) = name.rsplit_once(' ')
        {
            return format!("\"{last}, {first}\"");
        }
        if name.contains('\'') || name.contains(',') || rng.chance(0.3) {
            return format!("\"{name}\"");
        }
        return name.to_string();
    }
    match p.lang {
        Lang::Ru => {
            let cs = if rng.chance(0.5) { "koi8-r" } else { "UTF-8" };
            encode::encoded_words(name, cs, true, false)
        }
        Lang::Ja => encode::encoded_words(name, "ISO-2022-JP", true, false),
        Lang::El => encode::encoded_words(name, "UTF-8", true, false),
        _ => {
            if name.chars().all(|c| (c as u32) < 256) && rng.chance(0.4) {
                encode::encoded_words(name, "iso-8859-1", false, false)
            } else {
                encode::encoded_words(name, "UTF-8", rng.chance(0.3), false)
            }
        }
    }
}

/// `Name <addr>` for a header.
pub(super) fn mailbox(rng: &mut Rng, p: &Person, exchange_style: bool) -> String {
    format!("{} <{}>", header_name(rng, p, exchange_style), p.addr())
}

/// A comma-separated list of mailboxes.
pub(super) fn mailbox_list(rng: &mut Rng, people: &[usize], exchange_style: bool) -> String {
    people
        .iter()
        .map(|&i| mailbox(rng, &PEOPLE[i], exchange_style))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Encode a subject for the header, in `charset` when it is not ASCII.
pub(super) fn header_subject(rng: &mut Rng, subject: &str, charset: &str) -> String {
    if !encode::needs_encoding(subject) {
        return subject.to_string();
    }
    let cs = match charset.to_ascii_lowercase().as_str() {
        "koi8-r" | "windows-1251" | "iso-2022-jp" | "iso-8859-1" | "windows-1252"
            if charset_ok(subject, charset) =>
        {
            charset
        }
        _ => "UTF-8",
    };
    let b = !matches!(
        cs.to_ascii_lowercase().as_str(),
        "iso-8859-1" | "windows-1252"
    ) || rng.chance(0.3);
    encode::encoded_words(subject, cs, b, true)
}

/// A DKIM-Signature value (random signature bytes) for `domain`; `bh=`
/// is a placeholder that `compose` replaces with the body's real hash.
fn dkim(rng: &mut Rng, domain: &str) -> String {
    let mut bh = [0u8; 32];
    rng.fill(&mut bh);
    let mut b = [0u8; 256];
    rng.fill(&mut b);
    let sig = encode::base64(&b);
    let mut folded = String::new();
    for (i, chunk) in sig.as_bytes().chunks(70).enumerate() {
        if i > 0 {
            folded.push_str("\n\t ");
        }
        folded.push_str(std::str::from_utf8(chunk).unwrap_or(""));
    }
    format!(
        "v=1; a=rsa-sha256; c=relaxed/relaxed;\n\td={domain}; s=selector{};\n\th=from:to:subject:date:message-id:mime-version:content-type;\n\tbh={};\n\tb={folded}",
        rng.range(1, 2),
        encode::base64(&bh)
    )
}

/// The Received chain of `hops` hops, newest first.
fn received(rng: &mut Rng, spec: &MsgSpec, hops: usize) -> Vec<String> {
    let author = &PEOPLE[spec.from];
    let org = author.org();
    let rcpt = spec
        .delivered_to
        .or_else(|| spec.to.first().copied())
        .map(|i| &PEOPLE[i])
        .unwrap_or(author);
    let rorg = rcpt.org();
    let zone = if rcpt.zone == Zone::UsCentral {
        Zone::UsCentral
    } else {
        Zone::UsEastern
    };
    let mut out = Vec::new();
    // Oldest hop first, reversed at the end.
    let mut t = spec.date + rng.range_i64(0, 2);
    let stamp = |t: i64, rng: &mut Rng| {
        let l = date::local(t, zone, rng.chance(0.7));
        date::rfc5322(&l)
    };
    out.push(format!(
        "from [{}] ({}) by {} with Microsoft SMTP Server (TLS) id 15.0.1076.9; {}",
        ["192.0.2.", "198.51.100.", "203.0.113."][rng.below(3)].to_string()
            + &rng.range(2, 250).to_string(),
        org.mail_host,
        org.mail_host,
        stamp(t, rng)
    ));
    for h in 1..hops {
        t += rng.range_i64(0, 3);
        let id = rng.hex_upper(10);
        if h + 1 == hops {
            out.push(format!(
                "from {} ({} [{}])\n\tby mx{}.{} with ESMTPS id {id}\n\tfor <{}>; {}",
                org.mail_host,
                org.mail_host,
                org.ip,
                rng.range(1, 3),
                rorg.domain,
                rcpt.addr(),
                stamp(t, rng)
            ));
        } else {
            out.push(format!(
                "from {} ([{}]) by relay{}.{} with ESMTP id {id}; {}",
                org.mail_host,
                org.ip,
                rng.range(1, 9),
                org.domain,
                stamp(t, rng)
            ));
        }
    }
    out.reverse();
    out
}

/// A header block being built: (name, value) in order.
pub(super) type Headers = Vec<(String, String)>;

fn push(h: &mut Headers, n: &str, v: String) {
    h.push((n.to_string(), v));
}

/// The values every mail program writes, each once, in its own order.
struct Common {
    date: String,
    from: String,
    to: String,
    cc: Option<String>,
    subject: String,
    references: Option<String>,
    content_type: String,
    cte: Option<String>,
}

/// The header block of the message `spec` with body `top`: the trace
/// headers (Takeout's, Delivered-To, Return-Path, Received, DKIM), then the
/// author's mail program's headers in its order.
pub(super) fn header_block(rng: &mut Rng, spec: &MsgSpec, top: &Part, charset: &str) -> Headers {
    let author = &PEOPLE[spec.from];
    let mua = author.mua;
    let exch = mua == Mua::Outlook;
    let mut h: Headers = Vec::with_capacity(32);
    trace_headers(rng, spec, &mut h);

    let l = date::local(spec.date, author.zone, rng.chance(0.2));
    let date = date::rfc5322(&l);
    let from = mailbox(rng, author, exch);
    let to = mailbox_list(rng, &spec.to, exch);
    let cc = if spec.cc.is_empty() {
        None
    } else {
        Some(mailbox_list(rng, &spec.cc, exch))
    };
    let subject = header_subject(rng, &spec.subject, charset);
    let references = if spec.references.is_empty() {
        None
    } else {
        Some(spec.references.join(" "))
    };
    let content_type = top.content_type().unwrap_or("text/plain").to_string();
    let cte = top
        .headers
        .iter()
        .find(|(n, _)| *n == "Content-Transfer-Encoding")
        .map(|(_, v)| v.clone());
    let v = Common {
        date,
        from,
        to,
        cc,
        subject,
        references,
        content_type,
        cte,
    };
    match mua {
        Mua::Outlook => outlook_headers(rng, spec, v, &mut h),
        Mua::Gmail => gmail_headers(spec, v, &mut h),
        Mua::AppleMail | Mua::Iphone => apple_headers(spec, v, mua == Mua::Iphone, &mut h),
        Mua::Thunderbird => thunderbird_headers(spec, v, &mut h),
    }
    h
}

/// Takeout's headers, Delivered-To, Return-Path, the Received chain and a
/// DKIM signature.
fn trace_headers(rng: &mut Rng, spec: &MsgSpec, h: &mut Headers) {
    let author = &PEOPLE[spec.from];
    if let Some(tk) = &spec.takeout {
        push(h, "X-GM-THRID", tk.thrid.to_string());
        push(h, "X-Gmail-Labels", tk.labels.clone());
    }
    if let Some(d) = spec.delivered_to {
        push(h, "Delivered-To", PEOPLE[d].addr());
    }
    push(h, "Return-Path", format!("<{}>", author.addr()));
    let hops = rng.range(2, 4);
    for r in received(rng, spec, hops) {
        push(h, "Received", r);
    }
    push(h, "DKIM-Signature", dkim(rng, author.org().domain));
}

/// Content-Type, then Content-Transfer-Encoding when there is one.
fn content_headers(h: &mut Headers, content_type: String, cte: Option<String>) {
    push(h, "Content-Type", content_type);
    if let Some(c) = cte {
        push(h, "Content-Transfer-Encoding", c);
    }
}

/// Exchange / Outlook: Thread-Topic, Thread-Index, X-MS-* headers.
fn outlook_headers(rng: &mut Rng, spec: &MsgSpec, v: Common, h: &mut Headers) {
    push(h, "From", v.from);
    push(h, "To", v.to);
    if let Some(cc) = v.cc {
        push(h, "CC", cc);
    }
    push(h, "Subject", v.subject);
    if !encode::needs_encoding(&spec.thread_topic) {
        push(h, "Thread-Topic", spec.thread_topic.clone());
    }
    if let Some(ti) = &spec.thread_index {
        push(h, "Thread-Index", encode::base64(ti));
    }
    push(h, "Date", v.date);
    push(h, "Message-ID", spec.message_id.clone());
    if let Some(r) = v.references {
        push(h, "References", r);
    }
    if let Some(irt) = &spec.in_reply_to {
        push(h, "In-Reply-To", irt.clone());
    }
    push(h, "Accept-Language", "en-US".into());
    push(h, "Content-Language", "en-US".into());
    push(
        h,
        "X-MS-Has-Attach",
        if spec.attachments.is_empty() {
            String::new()
        } else {
            "yes".into()
        },
    );
    push(h, "X-MS-TNEF-Correlator", String::new());
    if rng.chance(0.3) {
        push(h, "X-Mailer", "Microsoft Outlook 15.0".into());
    }
    push(
        h,
        "x-originating-ip",
        format!("[192.0.2.{}]", rng.range(10, 250)),
    );
    content_headers(h, v.content_type, v.cte);
    push(h, "MIME-Version", "1.0".into());
}

/// Gmail's order.
fn gmail_headers(spec: &MsgSpec, v: Common, h: &mut Headers) {
    push(h, "MIME-Version", "1.0".into());
    if let Some(irt) = &spec.in_reply_to {
        push(h, "In-Reply-To", irt.clone());
    }
    if let Some(r) = v.references {
        push(h, "References", r);
    }
    push(h, "Date", v.date);
    push(h, "Message-ID", spec.message_id.clone());
    push(h, "Subject", v.subject);
    push(h, "From", v.from);
    push(h, "To", v.to);
    if let Some(cc) = v.cc {
        push(h, "Cc", cc);
    }
    content_headers(h, v.content_type, v.cte);
}

/// Apple Mail's and the iPhone's order.
fn apple_headers(spec: &MsgSpec, v: Common, iphone: bool, h: &mut Headers) {
    content_headers(h, v.content_type, v.cte);
    push(h, "From", v.from);
    push(
        h,
        "Mime-Version",
        if iphone {
            "1.0 (1.0)".into()
        } else {
            "1.0 (Mac OS X Mail 9.0 \\(3094\\))".into()
        },
    );
    push(h, "Subject", v.subject);
    push(h, "Message-Id", spec.message_id.clone());
    push(h, "Date", v.date);
    if let Some(cc) = v.cc {
        push(h, "Cc", cc);
    }
    if let Some(r) = v.references {
        push(h, "References", r);
    }
    if let Some(irt) = &spec.in_reply_to {
        push(h, "In-Reply-To", irt.clone());
    }
    push(h, "To", v.to);
    push(
        h,
        "X-Mailer",
        if iphone {
            "iPhone Mail (13B143)".into()
        } else {
            "Apple Mail (2.3094)".into()
        },
    );
}

/// Thunderbird's order.
fn thunderbird_headers(spec: &MsgSpec, v: Common, h: &mut Headers) {
    push(h, "Subject", v.subject);
    push(h, "To", v.to);
    if let Some(cc) = v.cc {
        push(h, "Cc", cc);
    }
    if let Some(r) = v.references {
        push(h, "References", r);
    }
    push(h, "From", v.from);
    push(h, "Message-ID", spec.message_id.clone());
    push(h, "Date", v.date);
    push(
        h,
        "User-Agent",
        "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:38.0) Gecko/20100101 Thunderbird/38.3.0".into(),
    );
    push(h, "MIME-Version", "1.0".into());
    if let Some(irt) = &spec.in_reply_to {
        push(h, "In-Reply-To", irt.clone());
    }
    content_headers(h, v.content_type, v.cte);
}

/// Writes the header block `h` to `bytes` (long address and subject lines
/// folded, Exchange-style when `exch`), without the blank line after it.
pub(super) fn write_headers(bytes: &mut Vec<u8>, h: &Headers, exch: bool) {
    for (name, value) in h {
        let simple = matches!(
            name.as_str(),
            "To" | "CC" | "Cc" | "References" | "Subject" | "Thread-Topic"
        );
        if simple && value.len() + name.len() > 76 && !value.contains('\n') {
            bytes.extend_from_slice(encode::fold_header(name, value, exch).as_bytes());
        } else if value.is_empty() {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b":\n");
        } else {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.push(b'\n');
        }
    }
}
