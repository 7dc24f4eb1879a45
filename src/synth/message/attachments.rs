//! Attachments: the payload of each [`AttachKind`] (names in the styles
//! real senders use, sizes steered by the benchmark's budget), the short
//! standalone message a `message/rfc822` part carries, and the MIME part
//! around a payload (RFC 2231 or RFC 2047 file names, the sender's mail
//! program's Content-Disposition, transfer encoding).

use super::super::attach::{self, Cell};
use super::super::cast::{Lang, Mua, PEOPLE, Person};
use super::super::date;
use super::super::encode;
use super::super::mime::{Cte, Part};
use super::super::rng::Rng;
use super::super::text;
use super::AttachKind;
use super::headers::{mailbox, mailbox_list, message_id};

pub(super) struct AttachOut {
    filename: String,
    mime: String,
    data: Vec<u8>,
    /// For text attachments: the charset parameter.
    charset: Option<&'static str>,
}

/// The payload of an attachment of `kind` sent by `author` at `t`, of about
/// `size` bytes when the benchmark asks for a size.
pub(super) fn attachment(
    rng: &mut Rng,
    kind: AttachKind,
    author: &Person,
    t: i64,
    size: Option<usize>,
) -> AttachOut {
    let l = date::local(t, author.zone, false);
    match kind {
        AttachKind::Pdf => pdf(rng, author, &l, size),
        AttachKind::Docx => docx(rng, author, &l, size),
        AttachKind::Xlsx => xlsx(rng, author, &l, size),
        AttachKind::Png => png(rng, size),
        AttachKind::Jpeg => jpeg(rng, size),
        AttachKind::Txt => txt(rng, author, size),
        AttachKind::Csv => csv(rng, &l, size),
        AttachKind::Rfc822 => rfc822(rng, author, t),
        AttachKind::Mislabeled => mislabeled(rng, author, t, size),
    }
}

/// Padding that brings a payload of about `base` bytes to `size`.
fn pad(size: Option<usize>, base: usize) -> usize {
    size.map(|s| s.saturating_sub(base)).unwrap_or(0)
}

/// A PDF report or memo with donor rows.
fn pdf(rng: &mut Rng, author: &Person, l: &date::Local, size: Option<usize>) -> AttachOut {
    let t = *rng.pick(&[
        "Q3 Finance Report.pdf",
        "Debate Prep Memo.pdf",
        "Polling Memo - {S}.pdf",
        "Press Release {MD}.pdf",
        "Research Book - {I}.pdf",
        "Übersicht Spender {S}.pdf",
        "取材依頼書.pdf",
        "Schedule {D}.pdf",
    ]);
    let name = text::fill(rng, t);
    let mut lines = Vec::new();
    for _ in 0..rng.range(3, 8) {
        let p = text::paragraph(rng, Lang::En, 2, true, false);
        lines.extend(p.lines().map(str::to_string));
        lines.push(String::new());
    }
    let nrows = rng.range(3, 10);
    for (d, c, st, a, dt) in text::donor_rows(rng, nrows, l.year) {
        lines.push(format!(
            "{d}  {c}, {st}  ${}  {dt}",
            text::group_thousands(a)
        ));
    }
    let title = name.trim_end_matches(".pdf").to_string();
    let compress = rng.chance(0.5);
    let data = attach::pdf(
        rng,
        &title,
        author.name,
        &lines,
        l,
        pad(size, 2500),
        compress,
    );
    AttachOut {
        filename: name,
        mime: "application/pdf".into(),
        data,
        charset: None,
    }
}

/// A Word document of paragraphs in the author's language.
fn docx(rng: &mut Rng, author: &Person, l: &date::Local, size: Option<usize>) -> AttachOut {
    let t = *rng.pick(&[
        "Talking Points - {I}.docx",
        "Op-Ed Draft v{N}.docx",
        "Statement FINAL.docx",
        "Briefing Memo {C}.docx",
        "Σημειώσεις συνέντευξης.docx",
        "Discours révisé.docx",
    ]);
    let name = text::fill(rng, t);
    let paras: Vec<String> = (0..rng.range(3, 9))
        .map(|_| text::paragraph(rng, author.lang, 3, false, false))
        .collect();
    let title = name.trim_end_matches(".docx").to_string();
    let data = attach::docx(
        rng,
        &title,
        author.name,
        &paras,
        l,
        t_of(l),
        pad(size, 3000),
    );
    AttachOut {
        filename: name,
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
        data,
        charset: None,
    }
}

/// A spreadsheet of donors.
fn xlsx(rng: &mut Rng, author: &Person, l: &date::Local, size: Option<usize>) -> AttachOut {
    let t = *rng.pick(&[
        "Donor list - {S}.xlsx",
        "Call Time Tracker.xlsx",
        "Budget Reforecast.xlsx",
        "Presupuesto García.xlsx",
        "Spenderliste Übersicht.xlsx",
    ]);
    let name = text::fill(rng, t);
    let mut rows = vec![vec![
        Cell::Text("Donor".into()),
        Cell::Text("City".into()),
        Cell::Text("State".into()),
        Cell::Text("Amount".into()),
        Cell::Text("Date".into()),
    ]];
    let nrows = rng.range(8, 30);
    for (d, c, st, a, dt) in text::donor_rows(rng, nrows, l.year) {
        rows.push(vec![
            Cell::Text(d),
            Cell::Text(c),
            Cell::Text(st),
            Cell::Num(a),
            Cell::Text(dt),
        ]);
    }
    let data = attach::xlsx(
        rng,
        "Donors",
        author.name,
        &rows,
        l,
        t_of(l),
        pad(size, 3000),
    );
    AttachOut {
        filename: name,
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        data,
        charset: None,
    }
}

/// A PNG image (of about `size` bytes when asked).
fn png(rng: &mut Rng, size: Option<usize>) -> AttachOut {
    let name = (*rng.pick(&[
        "image001.png",
        "chart.png",
        "Screen Shot 2015-10-12 at 2.02.11 PM.png",
        "logo.png",
    ]))
    .to_string();
    let data = match size {
        Some(s) if s > 4000 => attach::png_of_size(rng, s),
        _ => {
            let (w, h) = (8 * rng.range(3, 8) as u32, 8 * rng.range(2, 5) as u32);
            attach::png(rng, w, h, false)
        }
    };
    AttachOut {
        filename: name,
        mime: "image/png".into(),
        data,
        charset: None,
    }
}

/// A JPEG photo.
fn jpeg(rng: &mut Rng, size: Option<usize>) -> AttachOut {
    let t = *rng.pick(&[
        "IMG_{N}41.JPG",
        "image002.jpg",
        "photo.jpg",
        "Rally {C}.jpg",
    ]);
    let name = text::fill(rng, t);
    let s = size.unwrap_or_else(|| rng.range(1500, 5000));
    let data = attach::jpeg(rng, s, "Created with a digital camera");
    AttachOut {
        filename: name,
        mime: "image/jpeg".into(),
        data,
        charset: None,
    }
}

/// Plain-text notes (a Russian list in windows-1251 for some).
fn txt(rng: &mut Rng, author: &Person, size: Option<usize>) -> AttachOut {
    if author.lang == Lang::Ru || rng.chance(0.15) {
        let mut s = String::from("Список вопросов для интервью\n\n");
        for i in 1..=rng.range(3, 7) {
            s.push_str(&format!(
                "{i}. {}\n",
                text::paragraph(rng, Lang::Ru, 1, false, false)
            ));
        }
        AttachOut {
            filename: "Список вопросов.txt".into(),
            mime: "text/plain".into(),
            data: encode::encode_charset(&s, "windows-1251"),
            charset: Some("windows-1251"),
        }
    } else {
        let t = *rng.pick(&["notes.txt", "call notes {MD}.txt", "draft remarks.txt"]);
        let name = text::fill(rng, t);
        let mut s = String::new();
        let target = size.unwrap_or(1200).min(64 * 1024);
        while s.len() < target {
            s.push_str(&text::paragraph(rng, Lang::En, 4, true, false));
            s.push_str("\n\n");
        }
        AttachOut {
            filename: name,
            mime: "text/plain".into(),
            data: s.into_bytes(),
            charset: Some("us-ascii"),
        }
    }
}

/// A CSV export of donors.
fn csv(rng: &mut Rng, l: &date::Local, size: Option<usize>) -> AttachOut {
    let t = *rng.pick(&[
        "donors_{S}.csv",
        "contributions export.csv",
        "rsvp list.csv",
    ]);
    let name = text::fill(rng, t);
    let rows = size
        .map(|s| (s / 48).clamp(10, 1500))
        .unwrap_or_else(|| rng.range(10, 40));
    let data = attach::donor_csv(rng, rows, l.year);
    AttachOut {
        filename: name,
        mime: "text/csv".into(),
        data,
        charset: Some("utf-8"),
    }
}

/// A forwarded message as `message/rfc822`.
fn rfc822(rng: &mut Rng, author: &Person, t: i64) -> AttachOut {
    let other = rng.below(PEOPLE.len());
    let when = t - rng.range_i64(3600, 86_400 * 20);
    let data = simple_message(rng, other, &[author_index(author)], when);
    AttachOut {
        filename: "Forwarded message.eml".into(),
        mime: "message/rfc822".into(),
        data,
        charset: None,
    }
}

/// A real document or image sent under the wrong type.
fn mislabeled(rng: &mut Rng, author: &Person, t: i64, size: Option<usize>) -> AttachOut {
    let inner = *rng.pick(&[
        AttachKind::Pdf,
        AttachKind::Docx,
        AttachKind::Xlsx,
        AttachKind::Png,
    ]);
    let mut a = attachment(rng, inner, author, t, size);
    if inner == AttachKind::Png {
        a.mime = "image/jpeg".into();
        a.filename = "scan0001.jpg".into();
    } else {
        a.mime = "application/octet-stream".into();
    }
    a
}

fn t_of(l: &date::Local) -> i64 {
    date::days_from_civil(l.year, l.month, l.day) * 86_400
        + i64::from(l.hour) * 3600
        + i64::from(l.minute) * 60
        + i64::from(l.second)
        - i64::from(l.offset) * 60
}

fn author_index(p: &Person) -> usize {
    PEOPLE
        .iter()
        .position(|q| q.local == p.local && q.org == p.org)
        .unwrap_or(0)
}

/// A short standalone message (used as a forwarded `message/rfc822` part).
pub(super) fn simple_message(rng: &mut Rng, from: usize, to: &[usize], t: i64) -> Vec<u8> {
    let p = &PEOPLE[from];
    let l = date::local(t, p.zone, false);
    let subject = text::subject(rng, Lang::En);
    let mut body = text::paragraph(rng, Lang::En, 3, true, false);
    body.push_str("\n\n");
    body.push_str(p.first);
    body.push('\n');
    let mut s = String::new();
    s.push_str(&format!("From: {}\n", mailbox(rng, p, false)));
    s.push_str(&format!("To: {}\n", mailbox_list(rng, to, false)));
    s.push_str(&format!("Subject: {subject}\n"));
    s.push_str(&format!("Date: {}\n", date::rfc5322(&l)));
    s.push_str(&format!("Message-ID: {}\n", message_id(rng, p)));
    s.push_str("MIME-Version: 1.0\nContent-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\n");
    s.push_str(&body);
    s.into_bytes()
}

/// The MIME part carrying `a`, written as `mua` would; with the bytes of its
/// encoded body.
pub(super) fn attachment_part(
    rng: &mut Rng,
    a: AttachOut,
    mua: Mua,
    t: i64,
    author: &Person,
) -> (Part, usize) {
    let ascii = !encode::needs_encoding(&a.filename);
    let (name_param, file_param) = if ascii {
        (
            format!("name=\"{}\"", a.filename),
            format!("filename=\"{}\"", a.filename),
        )
    } else {
        match (mua, rng.below(3)) {
            (Mua::Thunderbird, _) | (Mua::AppleMail, _) | (_, 0) => {
                let v = encode::rfc2231_value(&a.filename);
                if v.len() > 60 && rng.chance(0.5) {
                    // RFC 2231 continuations.
                    let mut parts = Vec::new();
                    let bytes = v.as_bytes();
                    let mut i = 0;
                    let mut n = 0;
                    while i < bytes.len() {
                        let mut end = (i + 40).min(bytes.len());
                        // do not split a %XX escape
                        while end < bytes.len()
                            && end > i
                            && (bytes[end - 1] == b'%' || (end >= 2 && bytes[end - 2] == b'%'))
                        {
                            end += 1;
                        }
                        parts.push(format!("filename*{n}*={}", &v[i..end]));
                        i = end;
                        n += 1;
                    }
                    (format!("name*={v}"), parts.join(";\n\t"))
                } else {
                    (format!("name*={v}"), format!("filename*={v}"))
                }
            }
            _ => {
                let w = encode::encoded_words(&a.filename, "UTF-8", true, false);
                (format!("name=\"{w}\""), format!("filename=\"{w}\""))
            }
        }
    };
    let mut ct = format!("{};\n\t{name_param}", a.mime);
    if let Some(cs) = a.charset {
        ct = format!("{}; charset=\"{cs}\";\n\t{name_param}", a.mime);
    }
    let mut headers = vec![("Content-Type", ct)];
    if mua == Mua::Outlook {
        headers.push((
            "Content-Description",
            if ascii {
                a.filename.clone()
            } else {
                encode::encoded_words(&a.filename, "UTF-8", true, false)
            },
        ));
    }
    let l = date::local(t, author.zone, false);
    let disp = if mua == Mua::Outlook {
        format!(
            "attachment; {file_param}; size={};\n\tcreation-date=\"{}\";\n\tmodification-date=\"{}\"",
            a.data.len(),
            date::rfc5322(&l).replace(" -0", " GMT-0"),
            date::rfc5322(&l).replace(" -0", " GMT-0")
        )
    } else if mua == Mua::Iphone && a.mime.starts_with("image/") {
        format!("inline; {file_param}")
    } else {
        format!("attachment;\n\t{file_param}")
    };
    let (cte, body) = if a.mime == "message/rfc822" {
        (Some("7bit"), a.data.clone())
    } else if a.charset.is_some() && a.data.is_ascii() && rng.chance(0.5) {
        (Some("7bit"), Cte::SevenBit.apply(&a.data))
    } else if a.charset.is_some() && rng.chance(0.4) {
        (
            Some("quoted-printable"),
            Cte::QuotedPrintable.apply(&a.data),
        )
    } else {
        (Some("base64"), encode::base64_mime(&a.data))
    };
    if a.mime == "message/rfc822" {
        headers.push(("Content-Disposition", disp));
    } else {
        if let Some(c) = cte {
            headers.push(("Content-Transfer-Encoding", c.to_string()));
        }
        headers.push(("Content-Disposition", disp));
    }
    if mua == Mua::Gmail {
        headers.push(("X-Attachment-Id", format!("f_{}", rng.alnum(9))));
    }
    let n = body.len();
    (Part::leaf(headers, body), n)
}
