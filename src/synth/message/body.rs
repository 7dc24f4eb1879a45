//! The body: the plain text a person writes (greeting, paragraphs,
//! sign-off, then the earlier message forwarded or quoted in the style of
//! their mail program), the charset and transfer encoding chosen for it,
//! and the HTML rendering of it that mail programs send alongside.

use super::super::cast::{Lang, Mua, PEOPLE, Person};
use super::super::date;
use super::super::mime::Cte;
use super::super::rng::Rng;
use super::super::text;
use super::{MsgSpec, Quoted};

/// Whether `text` can be written in `charset` without loss.
pub(super) fn charset_ok(text: &str, charset: &str) -> bool {
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
pub(super) fn choose_charset(rng: &mut Rng, p: &Person, text: &str) -> (&'static str, Cte) {
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

/// The plain-text body: greeting, paragraphs, sign-off, then the earlier
/// message forwarded or quoted.
pub(super) fn body_text(rng: &mut Rng, spec: &MsgSpec) -> String {
    let author = &PEOPLE[spec.from];
    let mut s = String::with_capacity(1024 + spec.quote_cap);
    write_greeting_and_paragraphs(rng, spec, &mut s);
    write_sign_off(rng, author, &mut s);
    if let Some(q) = &spec.quoted {
        let qa = &PEOPLE[q.author];
        let ql = date::local(q.date, qa.zone, false);
        let qtext = cap_text(&q.text, spec.quote_cap);
        if spec.forward {
            write_forwarded(author.mua, q, &ql, qtext, &mut s);
        } else if author.mua == Mua::Outlook {
            write_outlook_quote(rng, q, &ql, qtext, &mut s);
        } else {
            write_quote(rng, spec, q, &ql, qtext, &mut s);
        }
    }
    s
}

/// A greeting (sometimes), then the paragraphs, one of them with a line
/// starting with "From " when `spec.from_line`.
fn write_greeting_and_paragraphs(rng: &mut Rng, spec: &MsgSpec, s: &mut String) {
    let author = &PEOPLE[spec.from];
    let lang = author.lang;
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
}

/// The closing and signature in the style of the author's mail program.
fn write_sign_off(rng: &mut Rng, author: &Person, s: &mut String) {
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
                s.push_str(match author.lang {
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
}

/// A forwarded message: Outlook's "Original Message" block or Gmail's
/// "Forwarded message" block, then the text as it was.
fn write_forwarded(mua: Mua, q: &Quoted, ql: &date::Local, qtext: &str, s: &mut String) {
    let qa = &PEOPLE[q.author];
    if mua == Mua::Outlook {
        s.push_str("\n-----Original Message-----\n");
        s.push_str(&format!("From: {} [mailto:{}]\n", qa.name, qa.addr()));
        s.push_str(&format!("Sent: {}\n", date::outlook_sent(ql)));
        s.push_str(&format!("To: {}\n", names_list(&q.to)));
        s.push_str(&format!("Subject: {}\n\n", q.subject));
    } else {
        s.push_str("\n---------- Forwarded message ---------\n");
        s.push_str(&format!("From: {} <{}>\n", qa.name, qa.addr()));
        s.push_str(&format!("Date: {}\n", date::gmail_attrib(ql)));
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
}

/// Outlook's reply: a separator line and a header summary above the earlier
/// text, not quoted.
fn write_outlook_quote(rng: &mut Rng, q: &Quoted, ql: &date::Local, qtext: &str, s: &mut String) {
    let qa = &PEOPLE[q.author];
    if rng.chance(0.4) {
        s.push_str("\n-----Original Message-----\n");
    } else {
        s.push_str("\n________________________________\n");
    }
    s.push_str(&format!("From: {} [mailto:{}]\n", qa.name, qa.addr()));
    s.push_str(&format!("Sent: {}\n", date::outlook_sent(ql)));
    s.push_str(&format!("To: {}\n", names_list(&q.to)));
    if !q.cc.is_empty() {
        s.push_str(&format!("Cc: {}\n", names_list(&q.cc)));
    }
    s.push_str(&format!("Subject: {}\n\n", q.subject));
    s.push_str(qtext);
    s.push('\n');
}

/// The "On …, … wrote:" line of the author's mail program.
fn attribution(mua: Mua, qa: &Person, ql: &date::Local) -> String {
    match mua {
        Mua::Gmail => format!(
            "On {}, {} <{}> wrote:",
            date::gmail_attrib(ql),
            qa.name,
            qa.addr()
        ),
        Mua::Thunderbird => format!(
            "On {} {:02}:{:02}, {} wrote:",
            date::us_short(ql),
            ql.hour,
            ql.minute,
            qa.name
        ),
        _ => format!(
            "On {} {}, {}, at {}, {} <{}> wrote:",
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
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
    }
}

/// A reply below an attribution line, the earlier text quoted with `> `
/// (or a bare `>`, as old clients do).
fn write_quote(
    rng: &mut Rng,
    spec: &MsgSpec,
    q: &Quoted,
    ql: &date::Local,
    qtext: &str,
    s: &mut String,
) {
    let mua = PEOPLE[spec.from].mua;
    s.push('\n');
    s.push_str(&attribution(mua, &PEOPLE[q.author], ql));
    s.push_str("\n\n");
    let tight = (mua == Mua::Thunderbird && rng.chance(0.5)) || rng.chance(spec.tight_quote_prob);
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
pub(super) fn html_from_text(
    rng: &mut Rng,
    text: &str,
    mua: Mua,
    charset: &str,
    tracker: bool,
) -> String {
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
