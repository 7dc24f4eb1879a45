//! Parser and `Display` together: round trips, canonical forms,
//! precedence, normalisation, fields, domains, prefix and fuzzy words,
//! dates, errors with exact spans, deep nesting, and property tests.

use super::*;
use crate::time::DAY;
use proptest::prelude::*;
use std::ops::Range;

fn p(input: &str) -> Query {
    match parse(input) {
        Ok(q) => q,
        Err(e) => panic!("{input:?} does not parse: {e}\n{}", e.caret(input)),
    }
}

fn err(input: &str) -> QueryError {
    match parse(input) {
        Ok(q) => panic!("{input:?} parses as {q:?}"),
        Err(e) => e,
    }
}

fn t(field: Field, text: &str) -> Query {
    Query::Term {
        field,
        text: text.to_string(),
        mode: Mode::Exact,
    }
}

fn w(text: &str) -> Query {
    t(Field::Any, text)
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

fn date(start: Option<i64>, end: Option<i64>) -> Query {
    Query::Date { start, end }
}

const Y2016: i64 = 1_451_606_400;
const FEB2016: i64 = 1_454_284_800;
const LEAP_DAY: i64 = 1_456_704_000;
const MAR2016: i64 = 1_456_790_400;
const Y2017: i64 = 1_483_228_800;

fn assert_round_trip(input: &str) {
    let q = p(input);
    let shown = q.to_string();
    assert_eq!(parse(&shown), Ok(q.clone()), "{input:?} shown as {shown:?}");
    // The canonical form is a fixed point.
    assert_eq!(p(&shown).to_string(), shown, "{input:?}");
}

#[test]
fn round_trips() {
    for input in [
        "budget",
        "budget memo",
        "budget AND memo",
        "budget OR memo",
        "a b OR c d",
        "(a OR b) (c OR d)",
        "-spam",
        "NOT spam",
        "a -b -c",
        "-(a OR b)",
        "NOT (a b)",
        "--a",
        "\"exact phrase\"",
        r#""say \"hi\" now""#,
        r#""back\slash""#,
        "from:ann",
        "FROM:Ann",
        "from:\"Ann Smith\"",
        "from:(ann OR bob) subject:budget",
        "from:(ann (bob OR -carl))",
        "from:@dnc.org",
        "to:(@a.org OR @b.org)",
        "@dnc.org",
        "from:ann@dnc.org",
        "cc:-ann",
        "from:to:x",
        "\"re:budget\" http://x.org mailto:ann@x.org 10:30 Re: C:\\x",
        "budg*",
        "budget~ budget~2 from:ann~1",
        "a~x a*~ a~* a~~",
        "*",
        "* OR a",
        "has:attachment",
        "-has:attachments",
        "date:2016",
        "date:2016-02",
        "date:2016-02-29",
        "date:2016..2017",
        "date:2016-02..2016-05-03",
        "date:2016-1-1..2016-1-31",
        "date:2016..",
        "date:..2016",
        "date:..2199",
        "after:2016-02-29",
        "before:2017",
        "after:1900 before:2199-12-31",
        "o'brien 10,000 García Москва 会議",
        "subject:会議 body:\"Москва 2016\"",
        "msgid:<abc@host> id:42 thread:7 source:mbox/1 filename:a.pdf attachment:secret",
        "a OR -b",
        "a AND (b OR NOT c) OR d",
        "~ ~2 x:",
    ] {
        assert_round_trip(input);
    }
}

#[test]
fn canonical_forms() {
    for (input, shown) in [
        ("a AND b", "a b"),
        ("FROM:(Ann OR bob)", "from:Ann OR from:bob"),
        ("NOT a", "* -a"),
        ("date:2016-01-01..2016-12-31", "date:2016"),
        ("date:2016-02..2016-02-29", "date:2016-02"),
        ("date:2016-02-29..2016-02-29", "date:2016-02-29"),
        ("date:2016..2016-02", "date:2016..2016-02"),
        ("date:2016-02-29..", "after:2016-02-29"),
        ("date:2016-03-01..", "after:2016-03"),
        ("date:..2016-02-28", "before:2016-02-29"),
        ("word~1", "word~"),
        ("has:Attachments", "has:attachment"),
        ("-(a)", "* -a"),
        ("a (b c)", "a b c"),
        ("(a OR b) OR c", "a OR b OR c"),
        ("\"q\\\"\"", "\"q\\\"\""),
    ] {
        assert_eq!(p(input).to_string(), shown, "{input:?}");
    }
}

#[test]
fn precedence() {
    let (a, b, c, d) = (w("a"), w("b"), w("c"), w("d"));
    assert_eq!(
        p("a b OR c"),
        Query::Or(vec![Query::And(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(p("a b OR c"), p("(a AND b) OR c"));
    assert_eq!(
        p("a OR b c"),
        Query::Or(vec![a.clone(), Query::And(vec![b.clone(), c.clone()])])
    );
    assert_eq!(
        p("a AND b OR c AND d"),
        Query::Or(vec![
            Query::And(vec![a.clone(), b.clone()]),
            Query::And(vec![c.clone(), d.clone()])
        ])
    );
    assert_eq!(
        p("a (b OR c)"),
        Query::And(vec![a.clone(), Query::Or(vec![b.clone(), c.clone()])])
    );
    // NOT and - bind tighter than AND and OR.
    assert_eq!(p("-a b"), Query::And(vec![not(a.clone()), b.clone()]));
    assert_eq!(
        p("NOT a OR b"),
        Query::Or(vec![
            Query::And(vec![Query::All, not(a.clone())]),
            b.clone()
        ])
    );
    assert_eq!(p("NOT a b"), p("-a b"));
    assert_eq!(
        p("-(a OR b) c"),
        Query::And(vec![not(Query::Or(vec![a.clone(), b.clone()])), c.clone()])
    );
}

#[test]
fn lowercase_operators_are_words() {
    assert_eq!(
        p("war or peace and not"),
        Query::And(
            ["war", "or", "peace", "and", "not"]
                .into_iter()
                .map(w)
                .collect()
        )
    );
    assert_eq!(p("Or"), w("Or"));
    assert_eq!(p("NOT-a"), w("NOT-a"));
}

#[test]
fn normalisation() {
    assert_eq!(p("(((a)))"), w("a"));
    assert_eq!(
        p("a (b (c d))"),
        Query::And(["a", "b", "c", "d"].map(w).to_vec())
    );
    assert_eq!(
        p("a OR (b OR (c OR d))"),
        Query::Or(["a", "b", "c", "d"].map(w).to_vec())
    );
    assert_eq!(p("* a *"), w("a"));
    assert_eq!(p("* *"), Query::All);
    assert_eq!(p("**"), Query::All);
    assert_eq!(p("a (-b)"), Query::And(vec![w("a"), not(w("b"))]));
}

#[test]
fn fields_and_groups() {
    assert_eq!(p("from:ann"), t(Field::From, "ann"));
    assert_eq!(p("From:Ann"), t(Field::From, "Ann"));
    assert_eq!(p("SUBJECT:x"), t(Field::Subject, "x"));
    assert_eq!(
        p("subject:\"q3 plan\""),
        Query::Phrase {
            field: Field::Subject,
            text: "q3 plan".into()
        }
    );
    assert_eq!(
        p("from:(ann OR bob)"),
        Query::Or(vec![t(Field::From, "ann"), t(Field::From, "bob")])
    );
    // Nested groups, phrases, negations and inner fields.
    assert_eq!(
        p("to:(ann (bob OR \"c d\") -eve cc:fay)"),
        Query::And(vec![
            t(Field::To, "ann"),
            Query::Or(vec![
                t(Field::To, "bob"),
                Query::Phrase {
                    field: Field::To,
                    text: "c d".into()
                }
            ]),
            not(t(Field::To, "eve")),
            t(Field::Cc, "fay"),
        ])
    );
    // Dates and has: are not field-bound.
    assert_eq!(
        p("from:(ann has:attachment)"),
        Query::And(vec![t(Field::From, "ann"), Query::HasAttachment])
    );
    assert_eq!(
        p("-from:ann"),
        Query::And(vec![Query::All, not(t(Field::From, "ann"))])
    );
    assert_eq!(
        p("-from:(ann OR bob)"),
        Query::And(vec![
            Query::All,
            not(Query::Or(vec![
                t(Field::From, "ann"),
                t(Field::From, "bob")
            ]))
        ])
    );
    // The value is the rest of the word, as written.
    assert_eq!(p("from:-ann"), t(Field::From, "-ann"));
    assert_eq!(p("from:OR"), t(Field::From, "OR"));
    assert_eq!(p("cc:a:b"), t(Field::Cc, "a:b"));
    // Words with a colon inside a field group are words in that field;
    // an unknown field there is an error as anywhere.
    assert_eq!(p("from:(10:30)"), t(Field::From, "10:30"));
    assert_eq!(err("from:(re:x)").span, 6..8);
    // Every field takes a word (`dkim:` only a verdict's name).
    for f in NAMED_FIELDS.into_iter().filter(|f| *f != Field::Dkim) {
        assert_eq!(p(&format!("{}:v", f.name())), t(f, "v"));
    }
}

#[test]
fn field_names() {
    for f in NAMED_FIELDS {
        assert_eq!(Field::parse(f.name()), Some(f));
        assert_eq!(Field::parse(&f.name().to_uppercase()), Some(f));
    }
    assert_eq!(Field::Any.name(), "");
    assert_eq!(Field::parse(""), None);
    assert_eq!(Field::parse("re"), None);
    assert_eq!(Field::parse("has"), None);
    assert_eq!(Field::MsgId.name(), "msgid");
}

/// Issue 13: `color:important` and the like used to be words that matched
/// nothing (`label:` was the example until it became a field) (this test asserted `re:budget` and `fromm:ann` were words).
#[test]
fn unknown_fields_are_errors_naming_the_field() {
    let known = "known fields are from, to, cc, bcc, subject, body, attachment, \
                 filename, id, msgid, thread, source, label, tag, note, dkim, dkim.domain, mentions, has, is, date, after, before; \
                 quote it to search the text";
    for (input, name, span) in [
        ("color:important", "color", 0..5),
        ("tags:x", "tags", 0..4),
        ("notes:x", "notes", 0..5),
        ("lang:ru", "lang", 0..4),
        ("size:>100k", "size", 0..4),
        ("budget COLOR:x", "COLOR", 7..12),
        ("fromm:ann", "fromm", 0..5),
        ("re:budget", "re", 0..2),
        ("x-mailer:outlook", "x-mailer", 0..8),
        ("list_id:x", "list_id", 0..7),
        ("a -color:x", "color", 3..8),
        ("a OR (b in:inbox)", "in", 8..10),
        ("color:*", "color", 0..5),
        ("color:@x.org", "color", 0..5),
        // A quoted or grouped value right after the colon is a value too.
        ("color:\"x y\"", "color", 0..5),
        ("color:(a OR b)", "color", 0..5),
        ("localhost:8080", "localhost", 0..9),
    ] {
        let e = err(input);
        assert_eq!(
            e,
            QueryError::new(format!("unknown field \"{name}\": {known}"), span),
            "{input:?}"
        );
    }
    let e = err("budget color:x");
    assert_eq!(e.caret("budget color:x"), "budget color:x\n       ^^^^^");
    // `is:` is a known name since `is:duplicate`: another value is refused
    // with the values it takes, pointing at the value.
    let e = err("is:muted");
    assert_eq!(
        e.message,
        "unknown is: value; use is:duplicate, is:signed, is:encrypted, is:flagged, is:replied, is:seen, is:unread, is:draft, is:trashed, is:passed, is:starred"
    );
    assert_eq!(e.span, 3..8);
}

#[test]
fn words_with_colons_that_are_not_fields() {
    for word in [
        // URLs: a scheme followed by `/`, or one written without `//`.
        "http://x.org/a?b=c",
        "https://x.org",
        "HTTPS://x.org",
        "file:///c/x",
        "ftp://host",
        "mailto:ann@x.org",
        "tel:+15551234",
        "urn:isbn:123",
        "magnet:?xt=urn",
        // Times, numbers and a name that starts with a digit.
        "10:30",
        "12:30:15",
        "2fa:x",
        // IPv6 and C++ scopes.
        "2001:db8::1",
        "fe80::1",
        "::1",
        "dead::beef",
        "std::vector",
        // Windows paths and one-letter names.
        "C:\\Users\\x",
        "D:/x",
        "a:b",
        // Nothing after the colon.
        "Fwd:",
        "Re:",
        "color:",
        ":x",
        ":",
        // Not ASCII letters.
        "тема:бюджет",
        "@x:y",
    ] {
        let Ok(q) = parse(word) else {
            panic!("{word:?} is not a word: {:?}", parse(word));
        };
        assert!(!matches!(q, Query::Phrase { .. }), "{word:?}");
        assert_eq!(q.to_string(), word, "{word:?} reads back as itself");
    }
    assert_eq!(p("10:30"), w("10:30"));
    assert_eq!(p("Fwd: budget"), Query::And(vec![w("Fwd:"), w("budget")]));
    // A phrase is never a field; a colon after a known field is in the value.
    assert_eq!(
        p("\"re: budget\""),
        Query::Phrase {
            field: Field::Any,
            text: "re: budget".into()
        }
    );
    assert_eq!(
        p("\"color:x\""),
        Query::Phrase {
            field: Field::Any,
            text: "color:x".into()
        }
    );
    assert_eq!(p("subject:re:budget"), t(Field::Subject, "re:budget"));
    assert_eq!(p("to:http://x.org"), t(Field::To, "http://x.org"));
    // `color:` alone is a word; with a space before the phrase too.
    assert_eq!(
        p("color: \"x\""),
        Query::And(vec![
            w("color:"),
            Query::Phrase {
                field: Field::Any,
                text: "x".into()
            }
        ])
    );
}

#[test]
fn to_covers_every_recipient_cc_and_bcc_only_themselves() {
    assert!(Field::To.covers(Field::To));
    assert!(Field::To.covers(Field::Cc));
    assert!(Field::To.covers(Field::Bcc));
    assert!(!Field::To.covers(Field::From));
    assert!(!Field::Cc.covers(Field::To));
    assert!(!Field::Cc.covers(Field::Bcc));
    assert!(!Field::Bcc.covers(Field::Cc));
    assert!(Field::Any.covers(Field::Cc));
    assert!(!Field::From.covers(Field::Any));
    assert!(HELP.contains("to: any recipient (To, Cc, Bcc); cc:, bcc: only that header"));
    assert!(HELP.contains("tags:x is refused"));
}

#[test]
fn domains() {
    let dom = |field, d: &str| Query::Domain {
        field,
        domain: d.into(),
    };
    assert_eq!(p("from:@dnc.org"), dom(Field::From, "dnc.org"));
    assert_eq!(p("to:@DNC.org"), dom(Field::To, "DNC.org"));
    assert_eq!(
        p("cc:@x.y bcc:@z"),
        Query::And(vec![dom(Field::Cc, "x.y"), dom(Field::Bcc, "z")])
    );
    assert_eq!(p("@dnc.org"), dom(Field::Any, "dnc.org"));
    assert_eq!(
        p("from:(@a.org OR @b.org)"),
        Query::Or(vec![dom(Field::From, "a.org"), dom(Field::From, "b.org")])
    );
    assert_eq!(p("from:ann@dnc.org"), t(Field::From, "ann@dnc.org"));
    assert_eq!(p("ann@dnc.org"), w("ann@dnc.org"));
    // To look for the text, quote it.
    assert_eq!(
        p("subject:\"@dnc\""),
        Query::Phrase {
            field: Field::Subject,
            text: "@dnc".into()
        }
    );
}

#[test]
fn prefix_and_fuzzy() {
    let m = |text: &str, mode| Query::Term {
        field: Field::Any,
        text: text.into(),
        mode,
    };
    assert_eq!(p("budg*"), m("budg", Mode::Prefix));
    assert_eq!(
        p("from:ann*"),
        Query::Term {
            field: Field::From,
            text: "ann".into(),
            mode: Mode::Prefix
        }
    );
    assert_eq!(p("budget~"), m("budget", Mode::Fuzzy(1)));
    assert_eq!(p("budget~1"), m("budget", Mode::Fuzzy(1)));
    assert_eq!(p("budget~2"), m("budget", Mode::Fuzzy(2)));
    assert_eq!(
        p("subject:budgt~2"),
        Query::Term {
            field: Field::Subject,
            text: "budgt".into(),
            mode: Mode::Fuzzy(2)
        }
    );
    assert_eq!(p("a*b"), w("a*b"));
    assert_eq!(p("a~b"), w("a~b"));
    assert_eq!(p("a**"), m("a*", Mode::Prefix));
    assert_eq!(p("a~~"), m("a~", Mode::Fuzzy(1)));
    assert_eq!(p("~"), w("~"));
    assert_eq!(p("~2"), w("~2"));
    assert_eq!(p("*"), Query::All);
    assert_eq!(p("  *  "), Query::All);
    assert_eq!(p("a * b"), Query::And(vec![w("a"), w("b")]));
    assert_eq!(p("from:(*)"), Query::All);
}

#[test]
fn has_attachment() {
    assert_eq!(p("has:attachment"), Query::HasAttachment);
    assert_eq!(p("has:attachments"), Query::HasAttachment);
    assert_eq!(p("HAS:Attachment"), Query::HasAttachment);
    assert_eq!(
        p("-has:attachment"),
        Query::And(vec![Query::All, not(Query::HasAttachment)])
    );
}

#[test]
fn is_signed_and_encrypted() {
    assert_eq!(p("is:signed"), Query::Is(Flag::Signed));
    assert_eq!(p("IS:Encrypted"), Query::Is(Flag::Encrypted));
    assert_eq!(
        p("is:signed -is:encrypted"),
        Query::And(vec![
            Query::Is(Flag::Signed),
            not(Query::Is(Flag::Encrypted))
        ])
    );
    assert_round_trip("is:signed");
    assert_round_trip("budget -is:encrypted");
    assert_eq!(Flag::Signed.name(), "signed");
    assert_eq!(Flag::parse("encrypted"), Some(Flag::Encrypted));
}

#[test]
fn is_duplicate() {
    assert_eq!(p("is:duplicate"), Query::Is(Flag::Duplicate));
    assert_eq!(p("IS:Duplicates"), Query::Is(Flag::Duplicate));
    assert_eq!(
        p("-is:duplicate"),
        Query::And(vec![Query::All, not(Query::Is(Flag::Duplicate))])
    );
    assert_eq!(
        p("from:ann is:duplicate"),
        Query::And(vec![t(Field::From, "ann"), Query::Is(Flag::Duplicate)])
    );
    assert_round_trip("is:duplicate");
    assert_round_trip("budget -is:duplicate");
    let e = err("is:copied");
    assert_eq!(
        e.message,
        "unknown is: value; use is:duplicate, is:signed, is:encrypted, is:flagged, is:replied, is:seen, is:unread, is:draft, is:trashed, is:passed, is:starred"
    );
    assert_eq!(e.span, 3..9);
    assert_eq!(err("is:").message, "is: needs a value: is:duplicate");
    assert_eq!(
        err("is:\"x\"").message,
        "is: takes a plain word: is:duplicate"
    );
    // `is` is listed among the known names in the unknown-field error.
    assert!(
        err("color:x").message.contains(", is,"),
        "{}",
        err("color:x").message
    );
}

#[test]
fn negatives_only() {
    assert_eq!(p("-spam"), Query::And(vec![Query::All, not(w("spam"))]));
    assert_eq!(p("NOT spam"), p("-spam"));
    assert_eq!(
        p("-spam -ads"),
        Query::And(vec![Query::All, not(w("spam")), not(w("ads"))])
    );
    assert_eq!(p("* -spam"), p("-spam"));
    assert_eq!(p("ham -spam"), Query::And(vec![w("ham"), not(w("spam"))]));
    // Inside an OR, a lone negation is also "everything except".
    assert_eq!(
        p("a OR -b"),
        Query::Or(vec![w("a"), Query::And(vec![Query::All, not(w("b"))])])
    );
    assert_eq!(p("-*"), Query::And(vec![Query::All, not(Query::All)]));
}

#[test]
fn dates() {
    let s = Some;
    assert_eq!(p("date:2016"), date(s(Y2016), s(Y2017)));
    assert_eq!(p("date:2016-02"), date(s(FEB2016), s(MAR2016)));
    assert_eq!(p("date:2016-2"), p("date:2016-02"));
    assert_eq!(p("date:2016-02-29"), date(s(LEAP_DAY), s(MAR2016)));
    assert_eq!(p("date:2016-12"), date(s(1_480_550_400), s(Y2017)));
    assert_eq!(p("date:2016-12-31"), date(s(Y2017 - DAY), s(Y2017)));
    assert_eq!(p("DATE:2016"), p("date:2016"));
    assert_eq!(p("after:2016"), date(s(Y2016), None));
    assert_eq!(p("after:2016-02-29"), date(s(LEAP_DAY), None));
    assert_eq!(p("before:2016-03"), date(None, s(MAR2016)));
    assert_eq!(p("before:2017"), date(None, s(Y2017)));
    // Ranges include their end at its own granularity.
    assert_eq!(p("date:2016..2016"), p("date:2016"));
    assert_eq!(p("date:2016-02..2016"), date(s(FEB2016), s(Y2017)));
    assert_eq!(p("date:2016..2016-02"), date(s(Y2016), s(MAR2016)));
    assert_eq!(p("date:2016-02-01..2016-02-29"), p("date:2016-02"));
    assert_eq!(p("date:2016.."), date(s(Y2016), None));
    assert_eq!(p("date:..2016"), date(None, s(Y2017)));
    assert_eq!(p("date:..2016-02-28"), date(None, s(LEAP_DAY)));
    assert_eq!(p("date:1900"), date(s(-2_208_988_800), s(-2_177_452_800)));
    assert_eq!(p("date:2199"), date(s(7_226_582_400), s(7_258_118_400)));
    assert_eq!(p("date:1970-01-01"), date(s(0), s(DAY)));
    assert_eq!(
        p("after:2016 before:2017"),
        Query::And(vec![date(s(Y2016), None), date(None, s(Y2017))])
    );
}

#[test]
fn bad_dates() {
    for (input, message, span) in [
        ("date:2015-02-29", "no such day: 2015-02 has 28 days", 5..15),
        ("date:1900-02-29", "no such day: 1900-02 has 28 days", 5..15),
        ("date:2016-04-31", "no such day: 2016-04 has 30 days", 5..15),
        ("date:2016-02-00", "no such day: 2016-02 has 29 days", 5..15),
        ("date:2016-13", "month must be between 01 and 12", 5..12),
        ("date:2016-00-01", "month must be between 01 and 12", 5..15),
        ("date:1899", "year must be between 1900 and 2199", 5..9),
        (
            "after:2200-01-01",
            "year must be between 1900 and 2199",
            6..16,
        ),
        (
            "date:16",
            "bad date \"16\": use YYYY, YYYY-MM or YYYY-MM-DD",
            5..7,
        ),
        (
            "x before:2016/02",
            "bad date \"2016/02\": use YYYY, YYYY-MM or YYYY-MM-DD",
            9..16,
        ),
        (
            "date:2016-02-29-1",
            "bad date \"2016-02-29-1\": use YYYY, YYYY-MM or YYYY-MM-DD",
            5..17,
        ),
        (
            "date:2016-002",
            "bad date \"2016-002\": use YYYY, YYYY-MM or YYYY-MM-DD",
            5..13,
        ),
        (
            "date:2016..2015-02-29",
            "no such day: 2015-02 has 28 days",
            11..21,
        ),
        (
            "date:2015-02-29..2016",
            "no such day: 2015-02 has 28 days",
            5..15,
        ),
        (
            "date:2016...2017",
            "bad date \".2017\": use YYYY, YYYY-MM or YYYY-MM-DD",
            11..16,
        ),
        (
            "date:..",
            "date range needs a start or an end, e.g. date:2016..2017",
            5..7,
        ),
        ("date:2017..2016", "date range ends before it starts", 5..15),
        (
            "after:2016..2017",
            "after: takes one date; use date:A..B for a range",
            6..16,
        ),
        (
            "before:..2017",
            "before: takes one date; use date:A..B for a range",
            7..13,
        ),
        ("date:", "missing date, e.g. date:2016-02-29", 0..5),
        ("a after: b", "missing date, e.g. date:2016-02-29", 2..8),
        (
            "date:\"2016\"",
            "dates are written without quotes or parentheses, e.g. date:2016-02-29",
            0..5,
        ),
        (
            "date:(2016)",
            "dates are written without quotes or parentheses, e.g. date:2016-02-29",
            0..5,
        ),
        (
            "date:２０１６",
            "bad date \"２０１６\": use YYYY, YYYY-MM or YYYY-MM-DD",
            5..17,
        ),
    ] {
        assert_eq!(err(input), QueryError::new(message, span), "{input:?}");
    }
}

#[test]
fn errors_have_exact_spans() {
    for (input, message, span) in [
        ("", "empty query", 0..0),
        (" \t\n ", "empty query", 0..0),
        ("(a b", "unclosed (: add a matching )", 0..1),
        ("x ((a) b", "unclosed (: add a matching )", 2..3),
        ("from:(a", "unclosed (: add a matching )", 5..6),
        ("a b)", "unexpected ): there is no ( to match it", 3..4),
        (")", "unexpected ): there is no ( to match it", 0..1),
        ("(a))", "unexpected ): there is no ( to match it", 3..4),
        ("a \"b c", "unclosed quote: add a closing \"", 2..6),
        ("\"a\\\"", "unclosed quote: add a closing \"", 0..4),
        ("x ()", "empty parentheses", 2..4),
        ("x ( )", "empty parentheses", 2..5),
        ("x \"\"", "empty quotes: put words between them", 2..4),
        ("from:\" \"", "empty quotes: put words between them", 5..8),
        (
            "from: ann",
            "from: needs a value, e.g. from:word or from:\"two words\"",
            0..5,
        ),
        (
            "x Subject:",
            "subject: needs a value, e.g. subject:word or subject:\"two words\"",
            2..10,
        ),
        (
            "(to:)",
            "to: needs a value, e.g. to:word or to:\"two words\"",
            1..4,
        ),
        ("OR a", "OR needs something on its left", 0..2),
        ("a OR", "OR needs something on its right", 2..4),
        ("a OR OR b", "OR needs something on its right", 2..4),
        ("(a OR) b", "OR needs something on its right", 3..5),
        ("(OR a)", "OR needs something on its left", 1..3),
        ("AND a", "AND needs something on its left", 0..3),
        ("a AND", "AND needs something on its right", 2..5),
        ("a AND OR b", "AND needs something on its right", 2..5),
        ("a OR AND b", "OR needs something on its right", 2..4),
        ("NOT", "NOT needs something after it", 0..3),
        ("a NOT", "NOT needs something after it", 2..5),
        ("(NOT) a", "NOT needs something after it", 1..4),
        ("-", "- needs a word right after it, e.g. -spam", 0..1),
        ("a - b", "- needs a word right after it, e.g. -spam", 2..3),
        ("(a -)", "- needs a word right after it, e.g. -spam", 3..4),
        ("-OR", "- needs a word right after it, e.g. -spam", 0..1),
        (
            "has:attachment has:pdf",
            "unknown has: value; use has:attachment, has:note, has:phone, has:email, has:url, has:iban or has:money",
            19..22,
        ),
        (
            "has:",
            "has: needs a value: has:attachment, has:note, has:phone",
            0..4,
        ),
        (
            "has:\"attachment\"",
            "has: takes a plain word: has:attachment, has:note, has:phone",
            0..4,
        ),
        (
            "word~3",
            "fuzzy distance must be 1 or 2: word~ or word~2",
            4..6,
        ),
        (
            "from:ann~12",
            "fuzzy distance must be 1 or 2: word~ or word~2",
            8..11,
        ),
        (
            "word~0",
            "fuzzy distance must be 1 or 2: word~ or word~2",
            4..6,
        ),
        (
            "subject:@dnc.org",
            "@domain works only in from:, to:, cc: and bcc:; quote it to search the text",
            8..16,
        ),
        (
            "body:(a @x)",
            "@domain works only in from:, to:, cc: and bcc:; quote it to search the text",
            8..10,
        ),
        ("from:@", "missing domain after @, e.g. @dnc.org", 5..6),
        ("@", "missing domain after @, e.g. @dnc.org", 0..1),
        (
            "from:@dnc.*",
            "bad domain: write it as @dnc.org (it covers every address there)",
            5..11,
        ),
        (
            "from:*",
            "from:* would match everything; use * or a prefix like from:ann*",
            5..6,
        ),
    ] {
        assert_eq!(err(input), QueryError::new(message, span), "{input:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(err(&deep).message, "query is nested too deeply");
    let negs = format!("{}a", "-".repeat(100_000));
    assert_eq!(err(&negs).message, "query is nested too deeply");
    let nots = "NOT ".repeat(100_000) + "a";
    assert_eq!(err(&nots).message, "query is nested too deeply");
    let fine = format!("{}a{}", "(".repeat(40), ")".repeat(40));
    assert_eq!(p(&fine), w("a"));
}

#[test]
fn non_latin_words() {
    assert_eq!(
        p("García Москва 会議 o'brien 10,000 naïve"),
        Query::And(
            ["García", "Москва", "会議", "o'brien", "10,000", "naïve"]
                .map(w)
                .to_vec()
        )
    );
    assert_eq!(p("subject:Москва*").to_string(), "subject:Москва*");
    assert_eq!(
        p("from:\"José García\"").to_string(),
        "from:\"José García\""
    );
    // Non-breaking and ideographic spaces separate words too.
    assert_eq!(
        p("a\u{a0}b\u{3000}c"),
        Query::And(["a", "b", "c"].map(w).to_vec())
    );
    // Spans are byte offsets.
    let e = err("Москва OR");
    assert_eq!(e.span, 13..15);
}

#[test]
fn error_display_and_caret() {
    let e = err("from:ann (budget");
    assert_eq!(e.to_string(), "unclosed (: add a matching ) (at byte 9)");
    assert_eq!(e.caret("from:ann (budget"), "from:ann (budget\n         ^");
    let e = err("a \"bc");
    assert_eq!(e.caret("a \"bc"), "a \"bc\n  ^^^");
    let e = err("会議 OR");
    assert_eq!(e.caret("会議 OR"), "会議 OR\n     ^^");
    let e = err("a\tOR");
    assert_eq!(e.caret("a\tOR"), "a OR\n  ^^");
    let e = err("");
    assert_eq!(e.caret(""), "\n^");
    // A span that does not fit the input does not panic.
    let odd = QueryError::new("x", Range { start: 50, end: 3 });
    assert_eq!(odd.caret("ab"), "ab\n  ^");
    let boxed: Box<dyn std::error::Error> = Box::new(err(")"));
    assert!(boxed.to_string().starts_with("unexpected )"));
}

#[test]
fn display_of_built_trees_is_safe() {
    // Trees `parse` never makes still print something sensible.
    for q in [
        t(Field::Any, "two words"),
        t(Field::Any, "OR"),
        t(Field::Any, "-x"),
        t(Field::From, ""),
        Query::And(vec![]),
        Query::Or(vec![]),
        date(None, None),
        date(Some(i64::MIN), Some(i64::MAX)),
        date(Some(Y2016 + 5), None),
        not(w("a")),
        Query::And(vec![Query::And(vec![w("a"), w("b")]), w("c")]),
    ] {
        let _ = q.to_string();
    }
    assert_eq!(t(Field::Any, "two words").to_string(), "\"two words\"");
    assert_eq!(t(Field::Any, "OR").to_string(), "\"OR\"");
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_string()),
        Just("\\\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("-".to_string()),
        Just("OR".to_string()),
        Just("AND".to_string()),
        Just("NOT".to_string()),
        Just(" OR ".to_string()),
        Just(" AND ".to_string()),
        Just(" NOT ".to_string()),
        Just("from:".to_string()),
        Just("Subject:".to_string()),
        Just("re:".to_string()),
        Just("has:".to_string()),
        Just("attachment".to_string()),
        Just("date:".to_string()),
        Just("after:".to_string()),
        Just("before:".to_string()),
        Just("2016".to_string()),
        Just("-02".to_string()),
        Just("-29".to_string()),
        Just("..".to_string()),
        Just("*".to_string()),
        Just("~".to_string()),
        Just("2".to_string()),
        Just("@".to_string()),
        Just(":".to_string()),
        Just("\\".to_string()),
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string()),
        Just("\u{a0}".to_string()),
        Just("ñ".to_string()),
        Just("会議".to_string()),
        Just("Москва".to_string()),
        "[a-zA-Z]{1,4}",
        any::<char>().prop_map(String::from),
    ]
}

/// Mostly valid queries: atoms joined by operators, groups and fields.
fn structured() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        "[a-zA-Zñ会]{1,5}",
        "[a-z]{1,4}[*~]",
        "[a-z]{1,4}~[0-3]",
        "\"[a-z \\\\\"]{0,6}\"",
        "(from|to|Subject|msgid|re|has):[a-z@.:]{0,6}",
        "(from|cc|subject):@[a-z.]{0,5}",
        "@[a-z]{1,3}\\.org",
        "(date|after|before):(19|20|21|22)[0-9]{2}(-[01][0-9](-[0-3][0-9])?)?",
        "date:(20[0-9]{2}(-0[1-9])?)?\\.\\.(20[0-9]{2}(-[12][0-9]){0,2})?",
        Just("has:attachment".to_string()),
        Just("*".to_string()),
    ];
    atom.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            ("(from|to|body)", inner).prop_map(|(f, a)| format!("{f}:({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Like the test below, on inputs that mostly parse.
    #[test]
    fn structured_queries_round_trip(input in structured()) {
        if let Ok(q) = parse(&input) {
            let shown = q.to_string();
            prop_assert_eq!(parse(&shown), Ok(q), "input {:?} shown {:?}", input, shown);
            prop_assert_eq!(parse(&shown).map(|q| q.to_string()), Ok(shown.clone()));
        }
    }

    /// `parse` never panics; what it accepts prints back to itself,
    /// and its errors point inside the input.
    #[test]
    fn parse_never_panics_and_round_trips(
        parts in proptest::collection::vec(fragment(), 0..16)
    ) {
        let input = parts.concat();
        match parse(&input) {
            Ok(q) => {
                let shown = q.to_string();
                prop_assert_eq!(parse(&shown), Ok(q), "input {:?} shown {:?}", input, shown);
            }
            Err(e) => {
                prop_assert!(e.span.start <= e.span.end && e.span.end <= input.len());
                prop_assert!(input.is_char_boundary(e.span.start));
                prop_assert!(input.is_char_boundary(e.span.end));
                let _ = e.caret(&input);
            }
        }
    }
}

/// Issue 13, item 12: `label:` is a field, the maildir and Gmail states
/// are `is:` flags, each with its names.
#[test]
fn label_field_and_mail_program_flags() {
    assert_eq!(Field::parse("LABEL"), Some(Field::Label));
    assert_eq!(p("label:inbox"), t(Field::Label, "inbox"));
    assert_eq!(
        p("label:\"Category Personal\""),
        Query::Phrase {
            field: Field::Label,
            text: "Category Personal".into()
        }
    );
    assert_eq!(p("label:work/projects"), t(Field::Label, "work/projects"));
    assert_round_trip("label:\"Category Personal\" -label:inbox");
    assert_round_trip("label:work*");
    assert_eq!(
        err("label:").message,
        "label: needs a value, e.g. label:word or label:\"two words\""
    );
    for (name, flag) in [
        ("flagged", Flag::Flagged),
        ("starred", Flag::Starred),
        ("replied", Flag::Replied),
        ("answered", Flag::Replied),
        ("seen", Flag::Seen),
        ("read", Flag::Seen),
        ("unread", Flag::Unread),
        ("UNSEEN", Flag::Unread),
        ("draft", Flag::Draft),
        ("trashed", Flag::Trashed),
        ("trash", Flag::Trashed),
        ("deleted", Flag::Trashed),
        ("passed", Flag::Passed),
        ("forwarded", Flag::Passed),
    ] {
        assert_eq!(p(&format!("is:{name}")), Query::Is(flag), "{name}");
    }
    for (flag, _) in Flag::ALL {
        assert_round_trip(&format!("is:{}", flag.name()));
    }
    assert_eq!(Flag::Unread.maildir_letter(), Some('S'));
    assert_eq!(Flag::Duplicate.maildir_letter(), None);
    assert_eq!(Flag::Flagged.gmail_labels(), ["starred"]);
    assert!(HELP.contains("label:inbox"));
    assert!(HELP.contains("is:unread"));
}

/// Issue 15: the investigators' annotations are fields of their own.
#[test]
fn tags_stars_and_notes() {
    assert_eq!(p("tag:urgent"), t(Field::Tag, "urgent"));
    assert_eq!(p("TAG:Urgent"), t(Field::Tag, "Urgent"));
    assert_eq!(
        p("tag:\"follow up\""),
        Query::Phrase {
            field: Field::Tag,
            text: "follow up".into()
        }
    );
    assert_eq!(p("note:lawyer"), t(Field::Note, "lawyer"));
    assert_eq!(p("is:starred"), Query::Is(Flag::Starred));
    assert_eq!(p("has:note"), Query::HasNote);
    assert_eq!(p("has:Notes"), Query::HasNote);
    assert_eq!(Flag::Starred.maildir_letter(), None);
    assert!(Flag::Starred.gmail_labels().is_empty());
    for q in [
        "tag:urgent is:starred",
        "tag:fol* -has:note",
        "note:\"call back\" OR tag:\"follow up\"",
        "from:ann (tag:a OR note:b~)",
    ] {
        assert_round_trip(q);
    }
    assert_eq!(
        err("tag:@x.org").message,
        "@domain works only in from:, to:, cc: and bcc:; quote it to search the text"
    );
    assert!(HELP.contains("tag:urgent") && HELP.contains("is:starred"));
    assert!(HELP.contains("has:note") && HELP.contains("note:"));
}

/// Issue 14: the DKIM verdict and the signing domain are fields.
#[test]
fn dkim_fields() {
    assert_eq!(p("dkim:pass"), t(Field::Dkim, "pass"));
    assert_eq!(p("DKIM:Fail"), t(Field::Dkim, "Fail"));
    assert_eq!(
        p("dkim.domain:gmail.com"),
        t(Field::DkimDomain, "gmail.com")
    );
    for q in [
        "dkim:pass dkim.domain:gmail.com",
        "-dkim:none OR dkim:nokey",
    ] {
        assert_round_trip(q);
    }
    let e = err("dkim:maybe");
    assert_eq!(
        e.message,
        "unknown dkim: value; use dkim:pass, dkim:fail, dkim:revoked, dkim:nokey, dkim:invalid, dkim:none"
    );
    assert!(HELP.contains("dkim:pass") && HELP.contains("dkim.domain:"));
}

#[test]
fn mentions_and_pattern_kinds_of_has() {
    use crate::patterns::Kind;
    assert_eq!(p("has:phone"), Query::HasPattern(Kind::Phone));
    assert_eq!(p("HAS:IBANs"), Query::HasPattern(Kind::Iban));
    assert_eq!(p("has:links"), Query::HasPattern(Kind::Url));
    assert_eq!(p("has:money"), Query::HasPattern(Kind::Money));
    assert_eq!(p("has:email"), Query::HasPattern(Kind::Email));
    // Taken whole: no prefix, fuzzy or domain reading.
    assert_eq!(
        p("mentions:+1-202-555-0143"),
        t(Field::Mentions, "+1-202-555-0143")
    );
    assert_eq!(p("mentions:@dnc.org*"), t(Field::Mentions, "@dnc.org*"));
    assert_eq!(
        p("mentions:\"+1 202 555 0143\""),
        Query::Phrase {
            field: Field::Mentions,
            text: "+1 202 555 0143".into()
        }
    );
    for q in [
        "has:money",
        "-has:phone",
        "mentions:+12025550143",
        "mentions:\"$1.2m\"",
        "MENTIONS:dnc.org",
    ] {
        let once = p(q);
        assert_eq!(p(&once.to_string()), once, "{q}");
    }
}
