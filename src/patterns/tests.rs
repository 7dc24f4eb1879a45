//! Tables of tricky positives and negatives per kind.

use super::*;
use crate::model::{Attachment, Sha256};

fn message() -> Message {
    Message::empty(Sha256::of(b"m"), 1)
}

fn attachment(text: &str) -> Attachment {
    Attachment {
        name: Some("a.txt".into()),
        mime: "text/plain".into(),
        size: 1,
        sha256: Sha256::of(b"a"),
        inline: false,
        text: Some(text.into()),
        kind: None,
        text_status: None,
    }
}

fn values(text: &str, kind: Kind) -> Vec<String> {
    find(text, &Context::default())
        .into_iter()
        .filter(|f| f.mention.kind == kind)
        .map(|f| f.mention.value)
        .collect()
}

#[test]
fn phone_numbers_found_and_normalised() {
    let table: &[(&str, &str)] = &[
        ("Call me at +1 202 555 0143 tomorrow", "+12025550143"),
        ("call (202) 555-0143.", "+12025550143"),
        ("cell: 202-555-0143", "+12025550143"),
        ("tel 202.555.0143", "+12025550143"),
        ("+1-202-555-0143", "+12025550143"),
        ("Tel: +44 20 7946 0958", "+442079460958"),
        ("ring 0044 20 7946 0958 please", "+442079460958"),
        ("Büro: +49 30 1234567", "+49301234567"),
        ("+33 1 42 68 53 00 (Paris)", "+33142685300"),
        ("mobile +7 495 123-45-67", "+74951234567"),
        ("+12025550143", "+12025550143"),
    ];
    for (text, want) in table {
        assert_eq!(values(text, Kind::Phone), [*want], "in {text:?}");
    }
}

#[test]
fn not_phone_numbers() {
    let table: &[&str] = &[
        "Date: 2016-05-12 10:30:00",
        "on 12.05.2016 at 10.30",
        "on 05/12/2016",
        "at 10:30:45",
        "Message-ID: <20160512103045.12345678@mail.dnc.org>",
        "Washington, DC 20500",
        "Washington, DC 20500-0003",
        "Invoice 2016051234",
        "Invoice No. 201 605 1234",
        "order #202-555-0143",
        "ref: 202 555 0143",
        "card 4111 1111 1111 1111",
        "amex 3782 822463 10005",
        "price $202 555 0143",
        "version 1.2.3.4567",
        "ISBN 978-3-16-148410-0",
        "see https://example.com/2025550143",
        "ann2025550143@example.com",
        "pi is 3.14159265358",
        "total 1,234,567,890",
        "x2025550143y",
        "call 555-0143",
        "12345678901234567890",
        "+1 202 555 0143 0143 0143 0143 4",
    ];
    for text in table {
        assert_eq!(
            values(text, Kind::Phone),
            Vec::<String>::new(),
            "in {text:?}"
        );
    }
}

#[test]
fn a_national_number_follows_the_senders_country() {
    let cx = Context {
        region: phonenumber::country::Id::DE,
    };
    let found: Vec<String> = phone::find("Tel. 030 1234567", &cx)
        .into_iter()
        .map(|f| f.mention.value)
        .collect();
    assert_eq!(found, ["+49301234567"]);
    let mut msg = message();
    msg.from = vec![crate::model::Address {
        name: None,
        addr: "anna@example.de".into(),
    }];
    assert_eq!(Context::of(&msg).region, phonenumber::country::Id::DE);
    msg.from[0].addr = "ann@dnc.org".into();
    assert_eq!(Context::of(&msg), Context::default());
}

#[test]
fn emails_urls_and_domains() {
    let text = "Write to John.Podesta@Gmail.com or see \
        (https://www.DNC.org/news?id=4). Also www.example.co.uk, \
        http://bit.ly/abc. Not a link: file.txt, mailto-ish a@b";
    assert_eq!(values(text, Kind::Email), ["john.podesta@gmail.com"]);
    assert_eq!(
        values(text, Kind::Url),
        [
            "https://www.dnc.org/news?id=4",
            "http://www.example.co.uk",
            "http://bit.ly/abc"
        ]
    );
    assert_eq!(
        values(text, Kind::Domain),
        ["dnc.org", "example.co.uk", "bit.ly"]
    );
    // Message ids and tokens are not addresses mentioned.
    assert!(values("<20160512103045123456@mail.gmail.com>", Kind::Email).is_empty());
    assert!(values("javascript:alert(1) ftp:x", Kind::Url).is_empty());
}

#[test]
fn ibans_validated() {
    let table: &[(&str, &[&str])] = &[
        (
            "IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX",
            &["DE89370400440532013000"],
        ),
        (
            "pay to GB82WEST12345698765432.",
            &["GB82WEST12345698765432"],
        ),
        (
            "FR14 2004 1010 0505 0001 3M02 606 and",
            &["FR1420041010050500013M02606"],
        ),
        // Wrong checksum, wrong length, lower case inside a word.
        ("DE89 3704 0044 0532 0130 01", &[]),
        ("DE89 3704 0044 0532 01", &[]),
        ("XDE89370400440532013000", &[]),
        ("ORDER AB12345678901234", &[]),
    ];
    for (text, want) in table {
        assert_eq!(values(text, Kind::Iban), *want, "in {text:?}");
        assert!(values(text, Kind::Phone).is_empty(), "no phone in {text:?}");
    }
}

#[test]
fn money_normalised() {
    let table: &[(&str, &[&str])] = &[
        ("raised $1.2m last week", &["USD 1200000"]),
        ("a fee of €300,000.", &["EUR 300000"]),
        ("Gebühr €300.000", &["EUR 300000"]),
        ("some 5 million dollars", &["USD 5000000"]),
        ("USD 250k upfront", &["USD 250000"]),
        ("£2bn deal", &["GBP 2000000000"]),
        ("250,000 USD wired", &["USD 250000"]),
        ("costs 100 € each", &["EUR 100"]),
        ("$3.50 coffee", &["USD 3.5"]),
        ("1.234,56 EUR", &["EUR 1234.56"]),
        ("$ 40,000", &["USD 40000"]),
        ("US$12 and C$5", &["USD 12", "CAD 5"]),
        ("1.5 billion euros", &["EUR 1500000000"]),
        // Not money.
        ("$PATH and $HOME", &[]),
        ("5m away, 250k steps", &[]),
        ("in 2016 the USDA said", &[]),
        ("version $1.2.3", &[]),
        ("50% of $", &[]),
        ("EUR/USD rate", &[]),
    ];
    for (text, want) in table {
        assert_eq!(values(text, Kind::Money), *want, "in {text:?}");
    }
}

#[test]
fn query_values_normalise_like_extraction() {
    let has = |q: &str, kind: Kind, v: &str| {
        assert!(
            query_values(q).contains(&Mention::new(kind, v)),
            "{q:?} -> {:?}",
            query_values(q)
        );
    };
    has("+1 202 555 0143", Kind::Phone, "+12025550143");
    has("(202) 555-0143", Kind::Phone, "+12025550143");
    has("202.555.0143", Kind::Phone, "+12025550143");
    has("2025550143", Kind::Phone, "+12025550143");
    has("dnc.org", Kind::Domain, "dnc.org");
    has("https://www.dnc.org/x", Kind::Url, "https://www.dnc.org/x");
    has(
        "de89 3704 0044 0532 0130 00",
        Kind::Iban,
        "DE89370400440532013000",
    );
    has(
        "John.Podesta@Gmail.com",
        Kind::Email,
        "john.podesta@gmail.com",
    );
    has("$1.2m", Kind::Money, "USD 1200000");
    has("USD 1200000", Kind::Money, "USD 1200000");
    has("phone:+12025550143", Kind::Phone, "+12025550143");
    assert!(query_values("hello").is_empty());
}

#[test]
fn a_message_is_bounded_and_deduplicated() {
    let mut msg = message();
    msg.body_text = "Call +1 202 555 0143 or (202) 555-0143.".into();
    msg.attachments
        .push(attachment("IBAN DE89370400440532013000, call 202-555-0143"));
    let got = of_message(&msg);
    assert_eq!(
        got,
        [
            Mention::new(Kind::Phone, "+12025550143"),
            Mention::new(Kind::Iban, "DE89370400440532013000"),
        ]
    );
    // Many values: at most MAX_VALUES kept.
    msg.attachments.clear();
    msg.body_text = (0..400)
        .map(|i| format!("https://example.com/{i} "))
        .collect();
    assert_eq!(of_message(&msg).len(), MAX_VALUES);
    // Text past MAX_TEXT is not read.
    msg.body_text = format!("{}$5", "x ".repeat(MAX_TEXT / 2));
    assert!(of_message(&msg).is_empty());
}

#[test]
fn terms_round_trip() {
    for k in Kind::ALL {
        let m = Mention::new(k, "v:1");
        assert_eq!(Mention::from_term(&m.term()), Some(m));
        assert_eq!(Kind::from_name(k.name()), Some(k));
    }
    assert_eq!(Mention::from_term("site:dnc.org"), None);
}
