//! Parsing whole messages: headers and encoded words, charsets, raw
//! 8-bit headers, alternatives and HTML, attachments, dates, raw-only
//! messages, limits, truncation, address fallback, contained panics.

use super::*;
use crate::model::{Address, EncryptionKind, SignatureKind};

const NOW: i64 = 1_800_000_000;

fn parse(raw: &[u8]) -> Message {
    parse_with(raw, &Limits::default())
}

fn parse_with(raw: &[u8], limits: &Limits) -> Message {
    parse_message(Sha256::of(raw), raw, true, raw.len() as u64, limits, NOW)
}

fn kinds(m: &Message) -> Vec<DefectKind> {
    m.defects.iter().map(|d| d.kind).collect()
}

const HEAD: &str =
    "From: a@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n";

#[test]
fn headers_and_encoded_words() {
    let raw = b"From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.org>\n\
To: \"Smith, Ann\" <ann@example.org>, bob@example.org\n\
Cc: Team: c1@example.org, c2@example.org;\n\
Subject: =?koi8-r?B?8NLJ18XU?= and =?ISO-8859-1?Q?caf=E9?=\n\
Date: Mon, 12 Oct 2015 14:02:11 -0400\n\
Message-ID: <abc@mail.example.org>\n\
In-Reply-To: <p1@x> (message from Ann)\n\
References: <r0@x>\n <p1@x>\n\
X-GM-THRID: 1234567\n\
\n\
Hello\n";
    let m = parse(raw);
    assert_eq!(m.status, ParseStatus::Parsed);
    assert_eq!(m.subject.as_deref(), Some("Привет and café"));
    assert_eq!(m.from[0].name.as_deref(), Some("José García"));
    assert_eq!(m.from[0].addr, "jose@example.org");
    assert_eq!(m.to.len(), 2);
    assert_eq!(m.to[0].name.as_deref(), Some("Smith, Ann"));
    assert_eq!(
        m.cc.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["c1@example.org", "c2@example.org"]
    );
    assert_eq!(m.date, Some(1444672931));
    assert_eq!(m.message_id.as_deref(), Some("abc@mail.example.org"));
    assert_eq!(m.in_reply_to, ["p1@x"]);
    assert_eq!(m.references, ["r0@x", "p1@x"]);
    assert_eq!(m.gm_thread_id.as_deref(), Some("1234567"));
    assert_eq!(m.body_text, "Hello\n");
    assert!(m.defects.is_empty(), "{:?}", m.defects);
}

#[test]
fn legacy_charsets_in_bodies() {
    let (koi, _, _) = encoding_rs::KOI8_R.encode("Встреча в Москве");
    let mut raw = format!(
        "{HEAD}Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
    )
    .into_bytes();
    raw.extend_from_slice(&koi);
    assert_eq!(parse(&raw).body_text, "Встреча в Москве");

    let (jis, _, _) = encoding_rs::ISO_2022_JP.encode("会議の資料");
    let mut raw =
        format!("{HEAD}Content-Type: text/plain; charset=\"ISO-2022-JP\"\n\n").into_bytes();
    raw.extend_from_slice(&jis);
    let m = parse(&raw);
    assert_eq!(m.body_text, "会議の資料");
    assert!(m.defects.is_empty());

    let raw = format!(
        "{HEAD}Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n0uXx8g==\n"
    );
    assert_eq!(parse(raw.as_bytes()).body_text, "Тест");
}

#[test]
fn unknown_and_missing_charsets_are_flagged() {
    let mut raw =
        format!("{HEAD}Content-Type: text/plain; charset=\"x-unknown-foo\"\n\n").into_bytes();
    raw.extend_from_slice(b"caf\xe9");
    let m = parse(&raw);
    assert_eq!(m.body_text, "café");
    assert_eq!(kinds(&m), [DefectKind::UnknownCharset]);
    assert!(m.defects[0].detail.contains("x-unknown-foo"));

    let mut raw = format!("{HEAD}\n").into_bytes();
    raw.extend_from_slice("naïve".as_bytes());
    let m = parse(&raw);
    assert_eq!(m.body_text, "naïve");
    assert_eq!(kinds(&m), [DefectKind::Undeclared8bit]);

    let mut raw = format!("{HEAD}Content-Type: text/plain; charset=utf-8\n\n").into_bytes();
    raw.extend_from_slice(b"bad \xff byte");
    let m = parse(&raw);
    assert_eq!(m.body_text, "bad \u{fffd} byte");
    assert_eq!(kinds(&m), [DefectKind::CharsetErrors]);
}

#[test]
fn raw_8bit_headers() {
    let raw = b"From: Ren\xe9 <rene@example.org>\nSubject: Caf\xe9 cr\xe8me\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
    let m = parse(raw);
    assert_eq!(m.subject.as_deref(), Some("Café crème"));
    assert_eq!(m.from[0].name.as_deref(), Some("René"));
    assert_eq!(kinds(&m), [DefectKind::Raw8bitHeader]);
    let raw = "From: Zoë <z@example.org>\nSubject: Grüße\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
    let m = parse(raw.as_bytes());
    assert_eq!(m.subject.as_deref(), Some("Grüße"));
    assert!(m.defects.is_empty());
}

#[test]
fn alternative_prefers_plain_and_html_only_is_rendered() {
    let raw = format!(
        "{HEAD}Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain text\n--b\nContent-Type: text/html\n\n<p>html text</p>\n--b--\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.body_text, "plain text");
    assert!(!m.body_from_html);
    assert!(m.attachments.is_empty());

    let raw = format!(
        "{HEAD}Content-Type: text/html\n\n<html><head><style>p{{}}</style><script>alert(1)</script></head><body><p>Hi <b>there</b></p><img src=\"http://tracker.example.net/p.gif\"></body></html>"
    );
    let m = parse(raw.as_bytes());
    assert!(m.body_from_html);
    assert!(m.body_text.contains("Hi there"), "{:?}", m.body_text);
    assert!(!m.body_text.contains("alert"));
    assert!(!m.body_text.contains("tracker.example.net"));
}

#[test]
fn attachments_are_described() {
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/pdf; name=\"x.pdf\"\nContent-Disposition: attachment; filename*=UTF-8''Spende%CC%81n%20%C3%BCbersicht.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=\"donors.csv\"\n\nname,amount\nAnn,100\n--b\nContent-Type: message/rfc822\n\nFrom: fwd@example.org\nSubject: inner\n\ninner body words\n--b--\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.body_text, "see attached");
    assert_eq!(m.attachments.len(), 3);
    let pdf = &m.attachments[0];
    assert_eq!(pdf.name.as_deref(), Some("Spende\u{301}n übersicht.pdf"));
    assert_eq!(pdf.mime, "application/pdf");
    assert_eq!(pdf.size, 9);
    assert_eq!(pdf.sha256, Sha256::of(b"%PDF-1.4\n"));
    assert!(pdf.text.is_none());
    assert_eq!(
        m.attachments[1].text.as_deref(),
        Some("name,amount\nAnn,100")
    );
    let fwd = &m.attachments[2];
    assert_eq!(fwd.mime, "message/rfc822");
    assert!(fwd.text.as_deref().unwrap().contains("inner body words"));
    assert!(fwd.text.as_deref().unwrap().contains("Subject: inner"));
}

#[test]
fn dates() {
    let base = "From: a@example.org\nMessage-ID: <1@x>\n";
    let m = parse(format!("{base}\nx").as_bytes());
    assert_eq!(kinds(&m), [DefectKind::MissingDate]);
    assert_eq!(m.date, None);
    let m = parse(format!("{base}Date: yesterday-ish\n\nx").as_bytes());
    assert_eq!(kinds(&m), [DefectKind::BadDate]);
    assert_eq!(m.date, None);
    assert_eq!(m.date_raw.as_deref(), Some("yesterday-ish"));
    let m = parse(format!("{base}Date: Tue, 1 Jan 1901 00:00:00 +0000\n\nx").as_bytes());
    assert_eq!(kinds(&m), [DefectKind::ImplausibleDate]);
    assert_eq!(m.date, None, "not guessed");
    assert!(m.date_raw.is_some(), "kept as written");
    let m = parse(format!("{base}Date: Tue, 1 Jan 2099 00:00:00 +0000\n\nx").as_bytes());
    assert_eq!(kinds(&m), [DefectKind::ImplausibleDate]);
    assert_eq!(m.date, Some(4_070_908_800), "kept as written");
}

#[test]
fn unparseable_messages_are_kept_raw_only() {
    let m = parse(b"");
    assert_eq!(
        (m.status, kinds(&m)),
        (ParseStatus::RawOnly, vec![DefectKind::Empty])
    );
    let m = parse(b"just some words\nno headers");
    assert_eq!(
        (m.status, kinds(&m)),
        (ParseStatus::RawOnly, vec![DefectKind::NoHeaders])
    );
    assert!(m.body_text.contains("just some words"));

    // 150 nested multiparts: over the parser's limit.
    let mut raw = String::from(HEAD);
    for i in 0..150 {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}x\"\n\n--b{i}x\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\n\ndeep\n");
    let m = parse(raw.as_bytes());
    assert_eq!(m.status, ParseStatus::RawOnly);
    assert!(kinds(&m).contains(&DefectKind::TooDeep), "{:?}", m.defects);
    assert_eq!(m.from[0].addr, "a@example.org", "headers recovered");
    assert_eq!(m.date, Some(1444672931));

    // Too large: headers only.
    let m = parse_message(
        Sha256::of(b"x"),
        HEAD.as_bytes(),
        false,
        1 << 40,
        &Limits::default(),
        NOW,
    );
    assert_eq!(m.status, ParseStatus::RawOnly);
    assert_eq!(kinds(&m), [DefectKind::TooLarge]);
    assert_eq!(m.message_id.as_deref(), Some("1@x"));
}

#[test]
fn limits_on_parts_depth_and_text() {
    let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=b\n\n");
    for i in 0..2000 {
        raw.push_str(&format!(
            "--b\nContent-Type: application/octet-stream; name=\"p{i}.bin\"\n\n{i}\n"
        ));
    }
    raw.push_str("--b--\n");
    let m = parse(raw.as_bytes());
    assert_eq!(m.status, ParseStatus::Parsed);
    assert!(kinds(&m).contains(&DefectKind::TooManyParts));
    assert_eq!(m.attachments.len(), 999);

    let limits = Limits {
        max_depth: 3,
        max_body_text: 10,
        ..Limits::default()
    };
    let mut raw = String::from(HEAD);
    for i in 0..5 {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}x\"\n\n--b{i}x\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\n\ndeep\n");
    let m = parse_with(raw.as_bytes(), &limits);
    assert!(kinds(&m).contains(&DefectKind::TooDeep));

    let raw = format!("{HEAD}\n0123456789abcdef");
    let m = parse_with(raw.as_bytes(), &limits);
    assert_eq!(m.body_text, "0123456789");
    assert_eq!(kinds(&m), [DefectKind::TextTruncated]);
}

#[test]
fn unclosed_multipart_is_truncated() {
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0x"
    );
    let m = parse(raw.as_bytes());
    assert!(
        kinds(&m).contains(&DefectKind::Truncated),
        "{:?}",
        m.defects
    );
    assert_eq!(m.body_text, "body");
}

#[test]
fn bad_addresses_fall_back_to_patterns() {
    let raw = "From: \"unterminated <x@example.org>\nTo: a@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
    let m = parse(raw.as_bytes());
    assert_eq!(m.from.len(), 1);
    assert_eq!(m.from[0].addr, "x@example.org");
}

#[test]
fn panics_are_contained() {
    let r: Result<(), String> = contain(|| panic!("boom {}", 7));
    assert!(r.unwrap_err().starts_with("boom 7"));
    assert_eq!(contain(|| 5), Ok(5));
}

/// A display name (if any) and an address.
type NameAddr<'a> = (Option<&'a str>, &'a str);

/// Issue 13, item 2: addresses without a domain keep their local part and
/// display name (they used to be blanked).
#[test]
fn addresses_without_a_domain_are_kept_as_written() {
    let cases: [(&str, &[NameAddr<'_>]); 5] = [
        ("foo", &[(None, "foo")]),
        ("MAILER-DAEMON", &[(None, "MAILER-DAEMON")]),
        (
            "Moderator-Address <moderator>",
            &[(Some("Moderator-Address"), "moderator")],
        ),
        ("MAILER DAEMON <>", &[(Some("MAILER DAEMON"), "")]),
        (
            "\"Smith, Ann\" <ann@example.org>, postmaster",
            &[
                (Some("Smith, Ann"), "ann@example.org"),
                (None, "postmaster"),
            ],
        ),
    ];
    for (from, want) in cases {
        let raw = format!(
            "From: {from}\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx\n"
        );
        let m = parse(raw.as_bytes());
        let got: Vec<NameAddr<'_>> = m
            .from
            .iter()
            .map(|a| (a.name.as_deref(), a.addr.as_str()))
            .collect();
        assert_eq!(got, want, "From: {from}");
        assert!(m.has_defect(DefectKind::BadAddress), "From: {from}");
    }
}

/// Issue 13, item 3: a repeated address header keeps every recipient, in
/// order, and is flagged.
#[test]
fn repeated_address_headers_are_merged_and_flagged() {
    let raw = "From: a@example.org\nTo: t1@example.org\nCc: c1@example.org\nTo: t2@example.org\nCc: C Two <c2@example.org>, c3@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx\n";
    let m = parse(raw.as_bytes());
    let addrs = |l: &[Address]| l.iter().map(|a| a.addr.clone()).collect::<Vec<_>>();
    assert_eq!(addrs(&m.to), ["t1@example.org", "t2@example.org"]);
    assert_eq!(
        addrs(&m.cc),
        ["c1@example.org", "c2@example.org", "c3@example.org"]
    );
    assert_eq!(m.cc[1].name.as_deref(), Some("C Two"));
    let repeated: Vec<&Defect> = m
        .defects
        .iter()
        .filter(|d| d.kind == DefectKind::RepeatedHeader)
        .collect();
    assert_eq!(repeated.len(), 2, "{:?}", m.defects);
    assert!(repeated[0].detail.starts_with("To appears 2 times"));
    assert!(repeated[1].detail.starts_with("Cc appears 2 times"));
    // Once is not flagged.
    assert!(
        !parse(format!("{HEAD}To: t@example.org\n\nx\n").as_bytes())
            .has_defect(DefectKind::RepeatedHeader)
    );
}

/// Issue 13, item 6: raw 8-bit bytes inside an encoded word are decoded in
/// the word's declared charset (they used to be dropped).
#[test]
fn eight_bit_bytes_inside_encoded_words() {
    let mut raw = format!("{HEAD}Subject: =?iso-8859-1?Q?Die Hasen und die Fr").into_bytes();
    raw.push(0xF6);
    raw.extend_from_slice(b"sche?= und mehr\nTo: =?iso-8859-1?Q?J");
    raw.push(0xFC);
    raw.extend_from_slice(b"rgen?= <j@example.org>\n\nx\n");
    let m = parse(&raw);
    assert_eq!(
        m.subject.as_deref(),
        Some("Die Hasen und die Frösche und mehr")
    );
    assert_eq!(m.to[0].name.as_deref(), Some("Jürgen"));
    assert_eq!(m.to[0].addr, "j@example.org");
    assert!(m.has_defect(DefectKind::Raw8bitHeader));
    // 8-bit bytes outside encoded words still decode by guess.
    let mut raw = format!("{HEAD}Subject: Fr").into_bytes();
    raw.push(0xF6);
    raw.extend_from_slice(b"sche\n\nx\n");
    assert_eq!(parse(&raw).subject.as_deref(), Some("Frösche"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// The lenient readers never panic, and stay bounded.
    #[test]
    fn lenient_readers_never_panic(
        bytes in proptest::collection::vec(proptest::sample::select(
            b"=?Qq_ <>,;:\"@aZ09+/\r\n\xf6\x80".to_vec()), 0..200),
    ) {
        let (decoded, junk) = super::charset::lenient_base64(&bytes);
        proptest::prop_assert!(decoded.len() <= bytes.len() * 3 / 4 + 1);
        proptest::prop_assert!(junk <= bytes.len());
        let text = String::from_utf8_lossy(&bytes);
        let mut raw = format!("{HEAD}From: ").into_bytes();
        raw.extend_from_slice(&bytes);
        raw.extend_from_slice(format!("\nTo: {text}\nTo: {text}\nSubject: ").as_bytes());
        raw.extend_from_slice(&bytes);
        raw.extend_from_slice(b"\n\nx\n");
        let m = parse(&raw);
        proptest::prop_assert!(m.to.len() <= 2 * raw.len());
    }
}

/// Issue 13, item 4: base64 with junk after the padding is decoded as far
/// as it decodes (it used to be shown as base64 text) and flagged.
#[test]
fn base64_with_junk_after_the_padding() {
    for junk in ["*** end ***", "This is not base64.", "--\n> quoted"] {
        let raw = format!(
            "{HEAD}Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQsIEZyw7ZzY2hl\nIQ==\n{junk}\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.body_text, "Hello world, Frösche!", "junk {junk:?}");
        assert!(m.has_defect(DefectKind::Base64Junk), "{:?}", m.defects);
        assert!(!m.has_defect(DefectKind::BadTransferEncoding));
    }
    // An attachment too: its decoded size, not the encoded one.
    let raw = format!(
        "{HEAD}Content-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: base64\n\nQUJD\nRA==\n#junk#\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.attachments[0].size, 4);
    assert_eq!(m.attachments[0].sha256, Sha256::of(b"ABCD"));
    assert!(m.has_defect(DefectKind::Base64Junk));
    // Clean base64 is not flagged.
    let raw = format!("{HEAD}Content-Transfer-Encoding: base64\n\nSGVsbG8=\n");
    let m = parse(raw.as_bytes());
    assert_eq!(m.body_text, "Hello");
    assert!(m.defects.is_empty(), "{:?}", m.defects);
}

#[test]
fn lenient_base64_stops_at_the_padding_and_skips_junk() {
    use super::charset::lenient_base64;
    assert_eq!(lenient_base64(b"QQ==\n*"), (b"A".to_vec(), 1));
    assert_eq!(lenient_base64(b"QU*JD"), (b"ABC".to_vec(), 1));
    assert_eq!(
        lenient_base64(b"QUJD\r\nRA==\r\nQUJD"),
        (b"ABCD".to_vec(), 4)
    );
    assert_eq!(lenient_base64(b"QUJDR"), (b"ABC".to_vec(), 0));
    assert_eq!(lenient_base64(b""), (Vec::new(), 0));
}

/// Issue 13, item 1: every alternative's text is kept (the plain text
/// shown, the HTML and a second plain text beside it) and indexed.
#[test]
fn every_alternative_is_kept_and_indexed() {
    let raw = format!(
        "{HEAD}Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain words\n--b\nContent-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n<p>only in <b>html</b>: Fr=F6sche</p>\n--b\nContent-Type: multipart/related; boundary=c\n\n--c\nContent-Type: text/plain\n\nsecond plain xylophone\n--c\nContent-Type: image/png; name=logo.png\n\nPNG\n--c--\n--b--\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.body_text, "plain words");
    let alts: Vec<(&str, &str)> = m
        .alternatives
        .iter()
        .map(|a| (a.mime.as_str(), a.text.trim()))
        .collect();
    assert_eq!(
        alts,
        [
            ("text/html", "only in html: Frösche"),
            ("text/plain", "second plain xylophone")
        ]
    );
    // The attachment of an alternative not shown still counts.
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].name.as_deref(), Some("logo.png"));
    assert!(m.defects.is_empty(), "{:?}", m.defects);
    // The body field of the index holds every alternative's words.
    let fields = crate::index::schema::Fields::new();
    let doc = fields.document(&m);
    use tantivy::schema::Value;
    let body: Vec<&str> = doc
        .get_all(fields.body)
        .filter_map(|v| v.as_str())
        .collect();
    assert!(body.iter().any(|t| t.contains("Frösche")), "{body:?}");
    assert!(body.iter().any(|t| t.contains("xylophone")), "{body:?}");
    // Old records (without the field) still decode.
    let mut json = serde_json::to_value(&m).unwrap();
    json.as_object_mut().unwrap().remove("alternatives");
    let old: Message = serde_json::from_value(json).unwrap();
    assert!(old.alternatives.is_empty());
}

/// Issue 13, item 5: a multipart part whose body never starts a part with
/// its boundary keeps its text (as Python's email package reads it), the
/// parts after it are read too, and it is flagged.
#[test]
fn multipart_without_its_opening_delimiter_keeps_its_text() {
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\njust some text, no inner delimiter\n--outer\nContent-Type: text/plain\n\nlater part text\n--outer--\n"
    );
    let m = parse(raw.as_bytes());
    assert!(
        m.body_text.contains("just some text, no inner delimiter"),
        "{:?}",
        m.body_text
    );
    assert!(m.body_text.contains("later part text"), "{:?}", m.body_text);
    assert!(m.has_defect(DefectKind::MissingBoundary), "{:?}", m.defects);
    assert!(!m.has_defect(DefectKind::Truncated), "{:?}", m.defects);
    // The whole message's multipart without a delimiter: its text too.
    let raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"gone\"\n\nthe only text\n");
    let m = parse(raw.as_bytes());
    assert_eq!(m.body_text.trim(), "the only text");
    assert!(m.has_defect(DefectKind::MissingBoundary));
    // An empty multipart is not flagged as missing its delimiter.
    let raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\n\n--b--\n");
    assert!(!parse(raw.as_bytes()).has_defect(DefectKind::MissingBoundary));
}

/// The other alternatives' text is bounded by the body text limit, all of
/// them together.
#[test]
fn alternatives_are_bounded() {
    let part = |mime: &str, text: &str| format!("--b\nContent-Type: {mime}\n\n{text}\n");
    let raw = format!(
        "{HEAD}Content-Type: multipart/alternative; boundary=b\n\n{}{}{}{}--b--\n",
        part("text/plain", "shown"),
        part("text/html", "<p>aaaaaaaaaaaaaaaa</p>"),
        part("text/plain", "bbbbbbbbbbbbbbbb"),
        part("text/plain", "cccccccccccccccc"),
    );
    let limits = Limits {
        max_body_text: 20,
        ..Limits::default()
    };
    let m = parse_with(raw.as_bytes(), &limits);
    let total: usize = m.alternatives.iter().map(|a| a.text.len()).sum();
    assert_eq!(m.body_text, "shown");
    assert!(total + m.body_text.len() <= 20, "{:?}", m.alternatives);
    assert!(m.has_defect(DefectKind::TextTruncated), "{:?}", m.defects);
    // With the preferred text last, the alternatives before it were kept
    // first: the body still comes first, they give way.
    let raw = format!(
        "{HEAD}Content-Type: multipart/alternative; boundary=b\n\n{}{}--b--\n",
        part("text/html", "<p>aaaaaaaaaaaaaaaa</p>"),
        part("text/plain", "bbbbbbbbbbbbbbbb"),
    );
    let m = parse_with(raw.as_bytes(), &limits);
    let total: usize = m.alternatives.iter().map(|a| a.text.len()).sum();
    assert_eq!(m.body_text, "bbbbbbbbbbbbbbbb");
    assert_eq!(total + m.body_text.len(), 20, "{:?}", m.alternatives);
    assert_eq!(m.alternatives[0].text, "aaaa");
}

// Signed and encrypted mail (issue 13, items 8 and 9).

/// A `multipart/signed` message whose signature part has type `sig_type`.
fn signed(protocol: &str, sig_type: &str, sig_name: &str) -> String {
    format!(
        "{HEAD}Subject: Signed\nMIME-Version: 1.0\n\
Content-Type: multipart/signed; micalg=sha-256; protocol=\"{protocol}\"; boundary=\"S\"\n\n\
--S\nContent-Type: text/plain\n\nThe signed words.\n\
--S\nContent-Type: {sig_type}; name=\"{sig_name}\"\n\
Content-Disposition: attachment; filename=\"{sig_name}\"\nContent-Transfer-Encoding: base64\n\n\
c2lnbmF0dXJlIGJ5dGVz\n--S--\n"
    )
}

#[test]
fn pgp_mime_signed_keeps_the_signature_apart() {
    let raw = signed(
        "application/pgp-signature",
        "application/pgp-signature",
        "signature.asc",
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.signed, Some(SignatureKind::Pgp));
    assert_eq!(m.encrypted, None);
    assert_eq!(m.body_text.trim(), "The signed words.");
    assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    assert_eq!(m.signatures.len(), 1);
    assert_eq!(m.signatures[0].mime, "application/pgp-signature");
    assert_eq!(m.signatures[0].name.as_deref(), Some("signature.asc"));
    assert_eq!(m.signatures[0].size, "signature bytes".len() as u64);
    // The attachments the window can save are the record's attachments.
    assert!(attachment_contents(raw.as_bytes(), &Limits::default()).is_empty());
    assert!(!m.placeholder_subject());
}

#[test]
fn smime_detached_signed_keeps_the_signature_apart() {
    for sig_type in [
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
    ] {
        let raw = signed(sig_type, sig_type, "smime.p7s");
        let m = parse(raw.as_bytes());
        assert_eq!(m.signed, Some(SignatureKind::Smime), "{sig_type}");
        assert_eq!(m.encrypted, None);
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
        assert_eq!(m.signatures.len(), 1);
        assert_eq!(m.signatures[0].name.as_deref(), Some("smime.p7s"));
    }
    // A real attachment beside the signed text still counts.
    let raw = format!(
        "{HEAD}Subject: Signed\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"S\"\n\n\
--S\nContent-Type: multipart/mixed; boundary=\"M\"\n\n\
--M\nContent-Type: text/plain\n\nSee the memo.\n\
--M\nContent-Type: application/pdf; name=\"memo.pdf\"\nContent-Disposition: attachment; filename=\"memo.pdf\"\n\n%PDF-1.4\n\
--M--\n\
--S\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\n\nsig\n--S--\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.signed, Some(SignatureKind::Smime));
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].name.as_deref(), Some("memo.pdf"));
    assert_eq!(m.signatures.len(), 1);
    let saved = attachment_contents(raw.as_bytes(), &Limits::default());
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].0.name.as_deref(), Some("memo.pdf"));
}

#[test]
fn pgp_mime_encrypted_is_marked_and_its_parts_kept() {
    let raw = format!(
        "{HEAD}Subject: ...\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"E\"\n\n\
This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\n\
--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\
--E\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n\n\
-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n-----END PGP MESSAGE-----\n\
--E--\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.encrypted, Some(EncryptionKind::PgpMime));
    assert_eq!(m.signed, None);
    assert_eq!(m.attachments.len(), 2, "{:?}", m.attachments);
    assert!(m.signatures.is_empty());
    assert_eq!(m.subject.as_deref(), Some("..."), "kept as written");
    assert!(m.placeholder_subject());
}

#[test]
fn inline_pgp_is_marked() {
    let raw = format!(
        "{HEAD}Subject: Subject Unavailable\nContent-Type: text/plain\n\n\
-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n=abcd\n-----END PGP MESSAGE-----\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.encrypted, Some(EncryptionKind::PgpInline));
    assert!(
        m.body_text.contains("BEGIN PGP MESSAGE"),
        "the armour is kept"
    );
    assert!(m.placeholder_subject());
    // Clear-signed inline, and armour quoted in a reply, which is neither.
    let raw = format!(
        "{HEAD}Subject: Hi\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHello\n\
-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.signed, Some(SignatureKind::Pgp));
    assert_eq!(m.encrypted, None);
    let raw = format!("{HEAD}Subject: Re\n\n> -----BEGIN PGP MESSAGE-----\n> hQEMA\n");
    let m = parse(raw.as_bytes());
    assert_eq!((m.signed, m.encrypted), (None, None));
    assert!(!m.placeholder_subject());
}

#[test]
fn smime_enveloped_is_marked() {
    let raw = format!(
        "{HEAD}Subject: Quarterly\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\n\
Content-Disposition: attachment; filename=\"smime.p7m\"\nContent-Transfer-Encoding: base64\n\n\
MIAGCSqGSIb3DQEHA6CAMIACAQAx\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(m.encrypted, Some(EncryptionKind::Smime));
    assert_eq!(m.signed, None);
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].name.as_deref(), Some("smime.p7m"));
    assert!(!m.placeholder_subject(), "a real subject");
    // Opaque-signed S/MIME is signed, not encrypted.
    let raw = format!(
        "{HEAD}Subject: Q\nContent-Type: application/x-pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\n\n\
MIAGCSqGSIb3DQEHAqCAMIACAQEx\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!((m.signed, m.encrypted), (Some(SignatureKind::Smime), None));
}

#[test]
fn protection_survives_a_record_round_trip_and_old_records_decode() {
    let raw = signed(
        "application/pgp-signature",
        "application/pgp-signature",
        "signature.asc",
    );
    let m = parse(raw.as_bytes());
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), m);
    // A record stored before these fields existed.
    let mut old: serde_json::Value = serde_json::to_value(parse(b"Subject: x\n\nhi\n")).unwrap();
    let obj = old.as_object_mut().unwrap();
    assert!(!obj.contains_key("signed") && !obj.contains_key("signatures"));
    let back: Message = serde_json::from_value(old).unwrap();
    assert_eq!((back.signed, back.encrypted), (None, None));
    assert!(back.signatures.is_empty());
}

#[test]
fn gmail_labels_are_split_unquoted_and_decoded() {
    let raw = format!(
        "{HEAD}X-Gmail-Labels: Inbox,Important,\"Opened\",Category Personal,\n \
         \"Clients, 2016\",Work/Projects,\"say \\\"hi\\\"\",inbox,,\n\nHello\n"
    );
    let m = parse(raw.as_bytes());
    assert_eq!(
        m.labels,
        [
            "Inbox",
            "Important",
            "Opened",
            "Category Personal",
            "Clients, 2016",
            "Work/Projects",
            "say \"hi\""
        ]
    );
    // RFC 2047 encoded labels (Gmail writes them for non-ASCII names).
    let raw = format!("{HEAD}X-Gmail-Labels: Sent,=?UTF-8?Q?Pr=C3=A9sident?=\n\nHello\n");
    assert_eq!(parse(raw.as_bytes()).labels, ["Sent", "Président"]);
    // No header, or an empty one: no labels.
    assert!(
        parse(format!("{HEAD}\nHello\n").as_bytes())
            .labels
            .is_empty()
    );
    let raw = format!("{HEAD}X-Gmail-Labels:  \n\nHello\n");
    assert!(parse(raw.as_bytes()).labels.is_empty());
}

#[test]
fn records_without_labels_still_decode() {
    let m = parse(format!("{HEAD}\nHello\n").as_bytes());
    let json = serde_json::to_value(&m).unwrap();
    assert!(json.get("labels").is_none());
    let back: Message = serde_json::from_value(json).unwrap();
    assert!(back.labels.is_empty());
}

// Opaque-signed S/MIME (fixtures made with openssl: tests/fixtures/smime/)

const OPAQUE_DER: &[u8] = include_bytes!("../../tests/fixtures/smime/opaque-signed-der.eml");
const OPAQUE_BER: &[u8] = include_bytes!("../../tests/fixtures/smime/opaque-signed-ber.eml");
const DETACHED: &[u8] = include_bytes!("../../tests/fixtures/smime/detached-signed.eml");

/// The header block and the decoded CMS bytes of an opaque-signed fixture.
fn split_p7m(raw: &[u8]) -> (String, Vec<u8>) {
    let text = std::str::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap();
    let b64: String = body.split_whitespace().collect();
    let der = base64_simd::STANDARD.decode_to_vec(b64.as_bytes()).unwrap();
    let head: Vec<&str> = head
        .lines()
        .filter(|l| !l.starts_with("Content-") && !l.starts_with("MIME-"))
        .collect();
    (head.join("\n"), der)
}

/// What every unwrapped fixture shows: the signed entity's text is the
/// body, its attachment the message's, the `smime.p7m` a signature part.
fn assert_unwrapped(raw: &[u8], what: &str) {
    let m = parse(raw);
    assert_eq!(m.status, ParseStatus::Parsed, "{what}");
    assert_eq!(
        m.body_text.trim(),
        "The quarterly zanzibarite figures are attached.",
        "{what}"
    );
    assert_eq!(m.signed, Some(SignatureKind::SmimeOpaque), "{what}");
    assert_eq!(m.encrypted, None, "{what}");
    assert!(
        !m.has_defect(DefectKind::BadSmime),
        "{what}: {:?}",
        m.defects
    );
    assert_eq!(m.attachments.len(), 1, "{what}: {:?}", m.attachments);
    let ledger = &m.attachments[0];
    assert_eq!(ledger.name.as_deref(), Some("ledger.csv"), "{what}");
    assert!(
        ledger.text.as_deref().unwrap_or("").contains("wolframite"),
        "{what}"
    );
    assert_eq!(m.signatures.len(), 1, "{what}");
    assert_eq!(m.signatures[0].name.as_deref(), Some("smime.p7m"));
    assert!(m.signatures[0].size > 1000, "the whole CMS object is kept");
    // The window saves what the record lists.
    let saved = attachment_contents(raw, &Limits::default());
    assert_eq!(saved.len(), 1, "{what}");
    assert_eq!(saved[0].0.sha256, ledger.sha256);
    assert!(memchr::memmem::find(&saved[0].1, b"wolframite,42").is_some());
}

#[test]
fn opaque_signed_smime_is_read_from_inside_the_signature() {
    assert_unwrapped(OPAQUE_DER, "DER, base64");
    assert_unwrapped(OPAQUE_BER, "BER, base64");
    // Binary transfer encoding: the CMS bytes as they are (CRLFs inside).
    let (head, der) = split_p7m(OPAQUE_DER);
    let mut raw = format!(
        "{head}\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\n\
Content-Transfer-Encoding: binary\n\n"
    )
    .into_bytes();
    raw.extend_from_slice(&der);
    assert_unwrapped(&raw, "DER, binary");
    // Outlook's variants: no smime-type, or application/octet-stream named
    // smime.p7m; and inside a multipart/mixed.
    let b64 = base64_simd::STANDARD.encode_to_string(&der);
    for ctype in [
        "application/pkcs7-mime; name=\"smime.p7m\"",
        "application/octet-stream; name=\"smime.p7m\"",
    ] {
        let raw = format!(
            "{head}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"O\"\n\n\
--O\nContent-Type: {ctype}\nContent-Transfer-Encoding: base64\n\
Content-Disposition: attachment; filename=\"smime.p7m\"\n\n{b64}\n--O--\n"
        );
        assert_unwrapped(raw.as_bytes(), ctype);
    }
}

#[test]
fn a_corrupt_p7m_is_a_defect_and_stays_an_attachment() {
    let (head, der) = split_p7m(OPAQUE_BER);
    for (what, bytes) in [
        ("cut short", der[..der.len() / 2].to_vec()),
        ("not CMS", b"not a CMS object at all".to_vec()),
        ("empty", Vec::new()),
    ] {
        let b64 = base64_simd::STANDARD.encode_to_string(&bytes);
        let raw = format!(
            "{head}\nMIME-Version: 1.0\nContent-Type: application/x-pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\n\
Content-Transfer-Encoding: base64\n\n{b64}\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.status, ParseStatus::Parsed, "{what}");
        assert!(
            m.has_defect(DefectKind::BadSmime),
            "{what}: {:?}",
            m.defects
        );
        assert_eq!(m.signed, Some(SignatureKind::Smime), "{what}");
        assert_eq!(m.attachments.len(), 1, "{what}");
        assert_eq!(m.attachments[0].name.as_deref(), Some("smime.p7m"));
        assert!(m.signatures.is_empty(), "{what}");
        assert_eq!(
            attachment_contents(raw.as_bytes(), &Limits::default()).len(),
            1
        );
    }
    // Damage anywhere in the CMS object: never a panic.
    let mut hit = der.clone();
    for i in (0..der.len()).step_by(7) {
        hit[i] ^= 0x5a;
        let b64 = base64_simd::STANDARD.encode_to_string(&hit);
        let raw = format!(
            "{head}\nContent-Type: application/pkcs7-mime; smime-type=signed-data\n\
Content-Transfer-Encoding: base64\n\n{b64}\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.status, ParseStatus::Parsed);
        hit[i] = der[i];
    }
}

#[test]
fn smime_signed_content_nesting_is_bounded() {
    let mut entity = b"Content-Type: text/plain\r\n\r\nInnermost words.\r\n".to_vec();
    for _ in 0..6 {
        let der = super::smime::tests::signed(Some(&entity));
        let b64 = base64_simd::STANDARD.encode_to_string(&der);
        entity = format!(
            "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"
        )
        .into_bytes();
    }
    let mut raw = HEAD.as_bytes().to_vec();
    raw.extend_from_slice(&entity);
    let m = parse(&raw);
    assert_eq!(m.signed, Some(SignatureKind::SmimeOpaque));
    assert!(m.has_defect(DefectKind::BadSmime), "{:?}", m.defects);
    assert!(m.body_text.is_empty(), "{}", m.body_text);
    assert_eq!(
        m.attachments.len(),
        1,
        "the innermost kept one is an attachment"
    );
    // Three layers are read.
    let mut entity = b"Content-Type: text/plain\r\n\r\nInnermost words.\r\n".to_vec();
    for _ in 0..3 {
        let der = super::smime::tests::signed(Some(&entity));
        let b64 = base64_simd::STANDARD.encode_to_string(&der);
        entity = format!(
            "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"
        )
        .into_bytes();
    }
    let mut raw = HEAD.as_bytes().to_vec();
    raw.extend_from_slice(&entity);
    let m = parse(&raw);
    assert_eq!(m.body_text.trim(), "Innermost words.");
    assert_eq!(m.signatures.len(), 3);
    assert!(m.defects.is_empty(), "{:?}", m.defects);
}

#[test]
fn a_detached_smime_signature_is_read_as_before() {
    let m = parse(DETACHED);
    assert_eq!(m.signed, Some(SignatureKind::Smime));
    assert_eq!(
        m.body_text.trim(),
        "The quarterly zanzibarite figures are attached."
    );
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].name.as_deref(), Some("ledger.csv"));
    assert_eq!(m.signatures.len(), 1);
    assert_eq!(m.signatures[0].name.as_deref(), Some("smime.p7s"));
    assert!(!m.has_defect(DefectKind::BadSmime));
}
