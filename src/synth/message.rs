//! Composes one message from a [`MsgSpec`]: the body text (greeting,
//! paragraphs, signature, quoted or forwarded earlier text in the author's
//! mail program's style), the charset and transfer encoding, the MIME tree
//! (plain, alternative, HTML-only, mixed with attachments) and a realistic
//! header block (Return-Path, Received, DKIM-Signature, Exchange/Gmail/Apple
//! /Thunderbird flavours, Takeout's X-GM-THRID and X-Gmail-Labels).

use super::attach::{self, Cell};
use super::cast::{Lang, Mua, PEOPLE, Person};
use super::date::{self, Zone};
use super::encode;
use super::mime::{BoundaryStyle, Cte, Part};
use super::rng::Rng;
use super::text;

/// The earlier message a reply quotes or a forward includes.
#[derive(Clone, Debug)]
pub struct Quoted {
    pub author: usize,
    pub to: Vec<usize>,
    pub cc: Vec<usize>,
    pub date: i64,
    pub subject: String,
    pub text: String,
}

/// Google Takeout metadata.
#[derive(Clone, Debug)]
pub struct Takeout {
    pub gm_id: u64,
    pub thrid: u64,
    pub labels: String,
}

/// Kinds of attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachKind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
    Txt,
    Csv,
    Rfc822,
    /// A real PDF/DOCX/XLSX sent as `application/octet-stream` (or a PNG
    /// labelled `image/jpeg`).
    Mislabeled,
}

pub const ATTACH_KINDS: &[AttachKind] = &[
    AttachKind::Pdf,
    AttachKind::Docx,
    AttachKind::Xlsx,
    AttachKind::Png,
    AttachKind::Jpeg,
    AttachKind::Txt,
    AttachKind::Csv,
    AttachKind::Rfc822,
    AttachKind::Mislabeled,
];
pub const ATTACH_WEIGHTS: &[u32] = &[25, 15, 14, 10, 12, 5, 8, 5, 6];

/// Everything needed to write one message.
#[derive(Clone, Debug)]
pub struct MsgSpec {
    pub from: usize,
    pub to: Vec<usize>,
    pub cc: Vec<usize>,
    pub date: i64,
    pub subject: String,
    pub thread_topic: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub thread_index: Option<Vec<u8>>,
    pub quoted: Option<Quoted>,
    pub forward: bool,
    pub paragraphs: usize,
    pub from_line: bool,
    pub attachments: Vec<AttachKind>,
    /// Total raw attachment bytes wanted (benchmark corpora); `None` keeps
    /// attachments naturally small.
    pub attach_budget: Option<usize>,
    pub takeout: Option<Takeout>,
    pub delivered_to: Option<usize>,
    /// Cap on the bytes of earlier text quoted.
    pub quote_cap: usize,
    /// Probability of quoting with a bare `>` (no space), as old clients
    /// do; quoted "From " lines then become ">From " lines.
    pub tight_quote_prob: f64,
    pub html_only: bool,
}

/// A written message.
#[derive(Clone, Debug)]
pub struct Built {
    /// The message, `\n` line ends.
    pub bytes: Vec<u8>,
    /// The plain text of the body, for later quoting.
    pub text: String,
    pub attachments: usize,
    /// Bytes of encoded attachment bodies.
    pub attach_bytes: usize,
}

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

fn boundary_style(m: Mua) -> BoundaryStyle {
    match m {
        Mua::Outlook => BoundaryStyle::Outlook,
        Mua::Gmail => BoundaryStyle::Gmail,
        Mua::AppleMail | Mua::Iphone => BoundaryStyle::Apple,
        Mua::Thunderbird => BoundaryStyle::Thunderbird,
    }
}

/// The display name of `p` encoded for a header, in one of the ways real
/// mail does it.
pub fn header_name(rng: &mut Rng, p: &Person, exchange_style: bool) -> String {
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
pub fn mailbox(rng: &mut Rng, p: &Person, exchange_style: bool) -> String {
    format!("{} <{}>", header_name(rng, p, exchange_style), p.addr())
}

fn mailbox_list(rng: &mut Rng, people: &[usize], exchange_style: bool) -> String {
    people
        .iter()
        .map(|&i| mailbox(rng, &PEOPLE[i], exchange_style))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Encode a subject for the header, in `charset` when it is not ASCII.
pub fn header_subject(rng: &mut Rng, subject: &str, charset: &str) -> String {
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

/// Whether `text` can be written in `charset` without loss.
pub fn charset_ok(text: &str, charset: &str) -> bool {
    match charset.to_ascii_lowercase().as_str() {
        "us-ascii" => text.is_ascii(),
        "utf-8" => true,
        "iso-8859-1" => text.chars().all(|c| (c as u32) < 256),
        other => match encoding_rs::Encoding::for_label(other.as_bytes()) {
            Some(enc) => !enc.encode(text).2,
            None => false,
        },
    }
}

/// Pick a charset and transfer encoding for `text` written by `p`.
pub fn choose_charset(rng: &mut Rng, p: &Person, text: &str) -> (&'static str, Cte) {
    let ascii = text.is_ascii();
    let (cs, cte): (&'static str, Cte) = match p.lang {
        Lang::Ru => {
            let cs = ["koi8-r", "KOI8-R", "windows-1251", "utf-8"][rng.weighted(&[35, 25, 25, 15])];
            let cte = *rng.pick(&[
                Cte::EightBit,
                Cte::EightBit,
                Cte::Base64,
                Cte::QuotedPrintable,
            ]);
            (cs, cte)
        }
        Lang::Ja => {
            if rng.chance(0.8) {
                ("ISO-2022-JP", Cte::SevenBit)
            } else {
                ("UTF-8", Cte::Base64)
            }
        }
        Lang::El => (
            "UTF-8",
            *rng.pick(&[
                Cte::Base64,
                Cte::Base64,
                Cte::QuotedPrintable,
                Cte::EightBit,
            ]),
        ),
        Lang::Es | Lang::Fr | Lang::De | Lang::Da => match rng.below(5) {
            0 | 1 => (
                "iso-8859-1",
                if rng.chance(0.6) {
                    Cte::QuotedPrintable
                } else {
                    Cte::EightBit
                },
            ),
            2 => ("Windows-1252", Cte::QuotedPrintable),
            _ => (
                "utf-8",
                *rng.pick(&[Cte::QuotedPrintable, Cte::EightBit, Cte::Base64]),
            ),
        },
        Lang::En => match p.mua {
            Mua::Outlook => {
                if ascii {
                    ("us-ascii", Cte::QuotedPrintable)
                } else if rng.chance(0.5) {
                    ("Windows-1252", Cte::QuotedPrintable)
                } else {
                    ("utf-8", Cte::QuotedPrintable)
                }
            }
            Mua::Gmail => (
                "UTF-8",
                if ascii {
                    Cte::None
                } else {
                    Cte::QuotedPrintable
                },
            ),
            Mua::Iphone | Mua::AppleMail => {
                if ascii {
                    ("us-ascii", Cte::SevenBit)
                } else {
                    ("utf-8", Cte::QuotedPrintable)
                }
            }
            Mua::Thunderbird => ("utf-8", if ascii { Cte::SevenBit } else { Cte::EightBit }),
        },
    };
    // Same-language fallbacks before giving up on a legacy charset.
    let cs = if charset_ok(text, cs) {
        cs
    } else {
        match p.lang {
            Lang::Ru if charset_ok(text, "windows-1251") => "windows-1251",
            Lang::Es | Lang::Fr | Lang::De | Lang::Da if charset_ok(text, "Windows-1252") => {
                "Windows-1252"
            }
            Lang::En if charset_ok(text, "Windows-1252") && p.mua == Mua::Outlook => "Windows-1252",
            _ => cs,
        }
    };
    if charset_ok(text, cs) {
        let cte = if !ascii
            && matches!(cte, Cte::SevenBit | Cte::None)
            && !cs.eq_ignore_ascii_case("iso-2022-jp")
        {
            Cte::QuotedPrintable
        } else {
            cte
        };
        (cs, cte)
    } else {
        (
            "UTF-8",
            if rng.chance(0.5) {
                Cte::QuotedPrintable
            } else {
                Cte::Base64
            },
        )
    }
}

fn cap_text(text: &str, cap: usize) -> &str {
    if text.len() <= cap {
        return text;
    }
    let mut end = cap;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(i) if i > cap / 2 => &text[..i],
        _ => &text[..end],
    }
}

fn names_list(people: &[usize]) -> String {
    people
        .iter()
        .map(|&i| PEOPLE[i].name)
        .collect::<Vec<_>>()
        .join("; ")
}

fn smart_quotes(s: &str) -> String {
    s.replace("'", "\u{2019}").replace(" - ", " \u{2013} ")
}

/// The plain-text body.
fn body_text(rng: &mut Rng, spec: &MsgSpec) -> String {
    let author = &PEOPLE[spec.from];
    let lang = author.lang;
    let mut s = String::with_capacity(1024 + spec.quote_cap);
    let wrap = !matches!(author.mua, Mua::Outlook | Mua::Iphone);
    if let Some(&t) = spec.to.first()
        && (rng.chance(0.6) || matches!(lang, Lang::Ja | Lang::Ru))
    {
        s.push_str(&text::greeting(rng, lang, &PEOPLE[t]));
        s.push_str("\n\n");
    }
    let from_at = if spec.from_line {
        rng.below(spec.paragraphs.max(1))
    } else {
        usize::MAX
    };
    for i in 0..spec.paragraphs.max(1) {
        let n = rng.range(1, 4);
        let mut para = text::paragraph(rng, lang, n, wrap, i == from_at);
        if author.mua == Mua::Outlook && rng.chance(0.4) {
            para = smart_quotes(&para);
        }
        s.push_str(&para);
        s.push_str("\n\n");
    }
    match author.mua {
        Mua::Thunderbird => {
            s.push_str("-- \n");
            s.push_str(&text::signature(rng, author));
        }
        Mua::Iphone => {
            s.push_str(author.first);
            s.push_str("\n\nSent from my iPhone\n");
        }
        _ => {
            if rng.chance(0.5) {
                s.push_str(match lang {
                    Lang::Ru => "С уважением,\n",
                    Lang::Ja => "よろしくお願いいたします。\n",
                    Lang::El => "Με εκτίμηση,\n",
                    Lang::De => "Viele Grüße,\n",
                    Lang::Fr => "Cordialement,\n",
                    Lang::Es => "Saludos,\n",
                    _ => "Thanks,\n",
                });
            }
            s.push_str(&text::signature(rng, author));
        }
    }
    if let Some(q) = &spec.quoted {
        let qa = &PEOPLE[q.author];
        let ql = date::local(q.date, qa.zone, false);
        let qtext = cap_text(&q.text, spec.quote_cap);
        if spec.forward {
            if author.mua == Mua::Outlook {
                s.push_str("\n-----Original Message-----\n");
                s.push_str(&format!("From: {} [mailto:{}]\n", qa.name, qa.addr()));
                s.push_str(&format!("Sent: {}\n", date::outlook_sent(&ql)));
                s.push_str(&format!("To: {}\n", names_list(&q.to)));
                s.push_str(&format!("Subject: {}\n\n", q.subject));
            } else {
                s.push_str("\n---------- Forwarded message ---------\n");
                s.push_str(&format!("From: {} <{}>\n", qa.name, qa.addr()));
                s.push_str(&format!("Date: {}\n", date::gmail_attrib(&ql)));
                s.push_str(&format!("Subject: {}\n", q.subject));
                s.push_str(&format!(
                    "To: {}\n\n",
                    q.to.iter()
                        .map(|&i| format!("{} <{}>", PEOPLE[i].name, PEOPLE[i].addr()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s.push_str(qtext);
            s.push('\n');
        } else {
            match author.mua {
                Mua::Outlook => {
                    if rng.chance(0.4) {
                        s.push_str("\n-----Original Message-----\n");
                    } else {
                        s.push_str("\n________________________________\n");
                    }
                    s.push_str(&format!("From: {} [mailto:{}]\n", qa.name, qa.addr()));
                    s.push_str(&format!("Sent: {}\n", date::outlook_sent(&ql)));
                    s.push_str(&format!("To: {}\n", names_list(&q.to)));
                    if !q.cc.is_empty() {
                        s.push_str(&format!("Cc: {}\n", names_list(&q.cc)));
                    }
                    s.push_str(&format!("Subject: {}\n\n", q.subject));
                    s.push_str(qtext);
                    s.push('\n');
                }
                _ => {
                    let attrib = match author.mua {
                        Mua::Gmail => format!(
                            "On {}, {} <{}> wrote:",
                            date::gmail_attrib(&ql),
                            qa.name,
                            qa.addr()
                        ),
                        Mua::Thunderbird => format!(
                            "On {} {:02}:{:02}, {} wrote:",
                            date::us_short(&ql),
                            ql.hour,
                            ql.minute,
                            qa.name
                        ),
                        _ => format!(
                            "On {} {}, {}, at {}, {} <{}> wrote:",
                            [
                                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                "Oct", "Nov", "Dec"
                            ][ql.month as usize - 1],
                            ql.day,
                            ql.year,
                            format_args!(
                                "{}:{:02} {}",
                                if ql.hour.is_multiple_of(12) {
                                    12
                                } else {
                                    ql.hour % 12
                                },
                                ql.minute,
                                if ql.hour < 12 { "AM" } else { "PM" }
                            ),
                            qa.name,
                            qa.addr()
                        ),
                    };
                    s.push('\n');
                    s.push_str(&attrib);
                    s.push_str("\n\n");
                    let tight = (author.mua == Mua::Thunderbird && rng.chance(0.5))
                        || rng.chance(spec.tight_quote_prob);
                    for line in qtext.lines() {
                        if line.starts_with('>') || tight {
                            s.push('>');
                        } else {
                            s.push_str("> ");
                        }
                        s.push_str(line);
                        s.push('\n');
                    }
                }
            }
        }
    }
    s
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// An HTML rendering of a plain body in the style of `mua`.
pub fn html_from_text(rng: &mut Rng, text: &str, mua: Mua, charset: &str, tracker: bool) -> String {
    let mut body = String::with_capacity(text.len() * 2);
    let mut in_quote = false;
    for para in text.split("\n\n") {
        let quoted = para.lines().all(|l| l.starts_with('>'));
        if quoted && !in_quote {
            body.push_str("<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">\n");
            in_quote = true;
        } else if !quoted && in_quote {
            body.push_str("</blockquote>\n");
            in_quote = false;
        }
        let lines: Vec<String> = para
            .lines()
            .map(|l| {
                html_escape(if quoted {
                    l.trim_start_matches('>').trim_start()
                } else {
                    l
                })
            })
            .collect();
        match mua {
            Mua::Outlook => {
                body.push_str("<p class=\"MsoNormal\">");
                body.push_str(&lines.join("<br>\n"));
                body.push_str("<o:p></o:p></p>\n<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n");
            }
            _ => {
                body.push_str("<div>");
                body.push_str(&lines.join("<br>\n"));
                body.push_str("</div><div><br></div>\n");
            }
        }
    }
    if in_quote {
        body.push_str("</blockquote>\n");
    }
    if tracker {
        body.push_str(&format!(
            "<img src=\"http://tracker.example.net/open/{}.gif\" width=\"1\" height=\"1\" alt=\"\">\n",
            rng.alnum(16)
        ));
    }
    match mua {
        Mua::Outlook => format!(
            "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns=\"http://www.w3.org/TR/REC-html40\">\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\n<style><!--\n/* Font Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{{margin:0in;\n\tmargin-bottom:.0001pt;\n\tfont-size:11.0pt;\n\tfont-family:\"Calibri\",sans-serif;}}\na:link, span.MsoHyperlink\n\t{{color:#0563C1;\n\ttext-decoration:underline;}}\n--></style>\n</head>\n<body lang=\"EN-US\" link=\"#0563C1\" vlink=\"#954F72\">\n<div class=\"WordSection1\">\n{body}</div>\n</body>\n</html>\n"
        ),
        Mua::Gmail => format!("<div dir=\"ltr\">{body}</div>\n"),
        _ => format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\"></head><body style=\"word-wrap: break-word; -webkit-nbsp-mode: space; -webkit-line-break: after-white-space;\" class=\"\">{body}</body></html>\n"
        ),
    }
}

struct AttachOut {
    filename: String,
    mime: String,
    data: Vec<u8>,
    /// For text attachments: the charset parameter.
    charset: Option<&'static str>,
}

fn attachment(
    rng: &mut Rng,
    kind: AttachKind,
    author: &Person,
    t: i64,
    size: Option<usize>,
) -> AttachOut {
    let l = date::local(t, author.zone, false);
    let year = l.year;
    let natural_pad = |base: usize| size.map(|s| s.saturating_sub(base)).unwrap_or(0);
    match kind {
        AttachKind::Pdf => {
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
            for (d, c, st, a, dt) in text::donor_rows(rng, nrows, year) {
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
                &l,
                natural_pad(2500),
                compress,
            );
            AttachOut {
                filename: name,
                mime: "application/pdf".into(),
                data,
                charset: None,
            }
        }
        AttachKind::Docx => {
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
                &l,
                t_of(&l),
                natural_pad(3000),
            );
            AttachOut {
                filename: name,
                mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .into(),
                data,
                charset: None,
            }
        }
        AttachKind::Xlsx => {
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
            for (d, c, st, a, dt) in text::donor_rows(rng, nrows, year) {
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
                &l,
                t_of(&l),
                natural_pad(3000),
            );
            AttachOut {
                filename: name,
                mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
                data,
                charset: None,
            }
        }
        AttachKind::Png => {
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
        AttachKind::Jpeg => {
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
        AttachKind::Txt => {
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
        AttachKind::Csv => {
            let t = *rng.pick(&[
                "donors_{S}.csv",
                "contributions export.csv",
                "rsvp list.csv",
            ]);
            let name = text::fill(rng, t);
            let rows = size
                .map(|s| (s / 48).clamp(10, 1500))
                .unwrap_or_else(|| rng.range(10, 40));
            let data = attach::donor_csv(rng, rows, year);
            AttachOut {
                filename: name,
                mime: "text/csv".into(),
                data,
                charset: Some("utf-8"),
            }
        }
        AttachKind::Rfc822 => {
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
        AttachKind::Mislabeled => {
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
    }
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
pub fn simple_message(rng: &mut Rng, from: usize, to: &[usize], t: i64) -> Vec<u8> {
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

fn attachment_part(
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

/// Compose the message described by `spec`.
pub fn compose(rng: &mut Rng, spec: &MsgSpec) -> Built {
    let author = &PEOPLE[spec.from];
    let mua = author.mua;
    let exch = mua == Mua::Outlook;
    let text = body_text(rng, spec);
    let (charset, cte) = choose_charset(rng, author, &text);
    let bstyle = boundary_style(mua);

    // Body part.
    let want_html = !matches!(mua, Mua::Thunderbird | Mua::Iphone) || rng.chance(0.1);
    let html_cte = if cte == Cte::Base64 {
        Cte::Base64
    } else {
        Cte::QuotedPrintable
    };
    let body_part = if spec.html_only {
        let tracker = rng.chance(0.3);
        let html = html_from_text(rng, &text, mua, charset, tracker);
        Part::text("html", &html, charset, html_cte, false)
    } else if want_html && rng.chance(0.85) {
        let plain = Part::text("plain", &text, charset, cte, false);
        let html = html_from_text(rng, &text, mua, charset, false);
        let html = Part::text("html", &html, charset, html_cte, false);
        Part::multi(rng, bstyle, "alternative", vec![plain, html])
    } else {
        let flowed = mua == Mua::Thunderbird && cte != Cte::Base64 && rng.chance(0.5);
        Part::text("plain", &text, charset, cte, flowed)
    };

    // Attachments.
    let mut attach_bytes = 0;
    let top = if spec.attachments.is_empty() {
        body_part
    } else {
        let mut parts = vec![body_part];
        let n = spec.attachments.len();
        for &kind in &spec.attachments {
            let size = spec.attach_budget.map(|b| {
                let share = (b / n) as f64 * rng.log_factor();
                (share as usize).max(600)
            });
            let kind = match (kind, size) {
                (AttachKind::Txt | AttachKind::Csv | AttachKind::Rfc822, Some(s))
                    if s > 48 * 1024 =>
                {
                    AttachKind::Pdf
                }
                (k, _) => k,
            };
            let a = attachment(rng, kind, author, spec.date, size);
            let (p, n) = attachment_part(rng, a, mua, spec.date, author);
            attach_bytes += n;
            parts.push(p);
        }
        Part::multi(rng, bstyle, "mixed", parts)
    };

    // Headers.
    let mut h: Vec<(String, String)> = Vec::with_capacity(32);
    let push = |h: &mut Vec<(String, String)>, n: &str, v: String| h.push((n.to_string(), v));
    if let Some(tk) = &spec.takeout {
        push(&mut h, "X-GM-THRID", tk.thrid.to_string());
        push(&mut h, "X-Gmail-Labels", tk.labels.clone());
    }
    if let Some(d) = spec.delivered_to {
        push(&mut h, "Delivered-To", PEOPLE[d].addr());
    }
    push(&mut h, "Return-Path", format!("<{}>", author.addr()));
    let hops = rng.range(2, 4);
    for r in received(rng, spec, hops) {
        push(&mut h, "Received", r);
    }
    push(&mut h, "DKIM-Signature", dkim(rng, author.org().domain));

    let l = date::local(spec.date, author.zone, rng.chance(0.2));
    let date_v = date::rfc5322(&l);
    let from_v = mailbox(rng, author, exch);
    let to_v = mailbox_list(rng, &spec.to, exch);
    let cc_v = if spec.cc.is_empty() {
        None
    } else {
        Some(mailbox_list(rng, &spec.cc, exch))
    };
    let subj_v = header_subject(rng, &spec.subject, charset);
    let refs_v = if spec.references.is_empty() {
        None
    } else {
        Some(spec.references.join(" "))
    };
    let top_ct = top.content_type().unwrap_or("text/plain").to_string();
    let top_cte = top
        .headers
        .iter()
        .find(|(n, _)| *n == "Content-Transfer-Encoding")
        .map(|(_, v)| v.clone());
    let has_attach = !spec.attachments.is_empty();

    match mua {
        Mua::Outlook => {
            push(&mut h, "From", from_v);
            push(&mut h, "To", to_v);
            if let Some(cc) = cc_v {
                push(&mut h, "CC", cc);
            }
            push(&mut h, "Subject", subj_v);
            if !encode::needs_encoding(&spec.thread_topic) {
                push(&mut h, "Thread-Topic", spec.thread_topic.clone());
            }
            if let Some(ti) = &spec.thread_index {
                push(&mut h, "Thread-Index", encode::base64(ti));
            }
            push(&mut h, "Date", date_v);
            push(&mut h, "Message-ID", spec.message_id.clone());
            if let Some(r) = refs_v {
                push(&mut h, "References", r);
            }
            if let Some(irt) = &spec.in_reply_to {
                push(&mut h, "In-Reply-To", irt.clone());
            }
            push(&mut h, "Accept-Language", "en-US".into());
            push(&mut h, "Content-Language", "en-US".into());
            push(
                &mut h,
                "X-MS-Has-Attach",
                if has_attach {
                    "yes".into()
                } else {
                    String::new()
                },
            );
            push(&mut h, "X-MS-TNEF-Correlator", String::new());
            if rng.chance(0.3) {
                push(&mut h, "X-Mailer", "Microsoft Outlook 15.0".into());
            }
            push(
                &mut h,
                "x-originating-ip",
                format!("[192.0.2.{}]", rng.range(10, 250)),
            );
            push(&mut h, "Content-Type", top_ct);
            if let Some(c) = top_cte {
                push(&mut h, "Content-Transfer-Encoding", c);
            }
            push(&mut h, "MIME-Version", "1.0".into());
        }
        Mua::Gmail => {
            push(&mut h, "MIME-Version", "1.0".into());
            if let Some(irt) = &spec.in_reply_to {
                push(&mut h, "In-Reply-To", irt.clone());
            }
            if let Some(r) = refs_v {
                push(&mut h, "References", r);
            }
            push(&mut h, "Date", date_v);
            push(&mut h, "Message-ID", spec.message_id.clone());
            push(&mut h, "Subject", subj_v);
            push(&mut h, "From", from_v);
            push(&mut h, "To", to_v);
            if let Some(cc) = cc_v {
                push(&mut h, "Cc", cc);
            }
            push(&mut h, "Content-Type", top_ct);
            if let Some(c) = top_cte {
                push(&mut h, "Content-Transfer-Encoding", c);
            }
        }
        Mua::AppleMail | Mua::Iphone => {
            push(&mut h, "Content-Type", top_ct);
            if let Some(c) = top_cte {
                push(&mut h, "Content-Transfer-Encoding", c);
            }
            push(&mut h, "From", from_v);
            push(
                &mut h,
                "Mime-Version",
                if mua == Mua::Iphone {
                    "1.0 (1.0)".into()
                } else {
                    "1.0 (Mac OS X Mail 9.0 \\(3094\\))".into()
                },
            );
            push(&mut h, "Subject", subj_v);
            push(&mut h, "Message-Id", spec.message_id.clone());
            push(&mut h, "Date", date_v);
            if let Some(cc) = cc_v {
                push(&mut h, "Cc", cc);
            }
            if let Some(r) = refs_v {
                push(&mut h, "References", r);
            }
            if let Some(irt) = &spec.in_reply_to {
                push(&mut h, "In-Reply-To", irt.clone());
            }
            push(&mut h, "To", to_v);
            push(
                &mut h,
                "X-Mailer",
                if mua == Mua::Iphone {
                    "iPhone Mail (13B143)".into()
                } else {
                    "Apple Mail (2.3094)".into()
                },
            );
        }
        Mua::Thunderbird => {
            push(&mut h, "Subject", subj_v);
            push(&mut h, "To", to_v);
            if let Some(cc) = cc_v {
                push(&mut h, "Cc", cc);
            }
            if let Some(r) = refs_v {
                push(&mut h, "References", r);
            }
            push(&mut h, "From", from_v);
            push(&mut h, "Message-ID", spec.message_id.clone());
            push(&mut h, "Date", date_v);
            push(
                &mut h,
                "User-Agent",
                "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:38.0) Gecko/20100101 Thunderbird/38.3.0"
                    .into(),
            );
            push(&mut h, "MIME-Version", "1.0".into());
            if let Some(irt) = &spec.in_reply_to {
                push(&mut h, "In-Reply-To", irt.clone());
            }
            push(&mut h, "Content-Type", top_ct);
            if let Some(c) = top_cte {
                push(&mut h, "Content-Transfer-Encoding", c);
            }
        }
    }

    let mut bytes: Vec<u8> = Vec::with_capacity(4096 + attach_bytes + text.len() * 3);
    for (name, value) in &h {
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
    bytes.push(b'\n');
    top.write_body(&mut bytes);
    Built {
        bytes,
        text,
        attachments: spec.attachments.len(),
        attach_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(from: usize, attachments: Vec<AttachKind>) -> MsgSpec {
        MsgSpec {
            from,
            to: vec![2, 3],
            cc: vec![4],
            date: 1_444_672_931,
            subject: "Budget v3".into(),
            thread_topic: "Budget v3".into(),
            message_id: "<X@mail.ncpc.example.org>".into(),
            in_reply_to: None,
            references: vec![],
            thread_index: Some(vec![1; 22]),
            quoted: Some(Quoted {
                author: 3,
                to: vec![from],
                cc: vec![],
                date: 1_444_600_000,
                subject: "Budget v2".into(),
                text: "From here on we talk by phone.\nsecond line\n".into(),
            }),
            forward: false,
            paragraphs: 2,
            from_line: true,
            attachments,
            attach_budget: None,
            takeout: None,
            delivered_to: None,
            quote_cap: 2000,
            tight_quote_prob: 0.0,
            html_only: false,
        }
    }

    #[test]
    fn composes_every_person_and_attachment() {
        let mut r = Rng::new(11);
        for from in 0..PEOPLE.len() {
            let b = compose(&mut r, &spec(from, ATTACH_KINDS.to_vec()));
            let s = String::from_utf8_lossy(&b.bytes);
            assert!(s.contains("\nMessage-I"), "{s}");
            assert!(s.contains("Date: "));
            assert_eq!(b.attachments, ATTACH_KINDS.len());
            // Headers are ASCII except nothing: all non-ASCII is encoded.
            let head_end = b.bytes.windows(2).position(|w| w == b"\n\n").unwrap();
            assert!(b.bytes[..head_end].is_ascii(), "{}", &s[..head_end]);
        }
    }
}
