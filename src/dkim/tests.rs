//! The verifier against messages signed here with throwaway keys (every
//! algorithm and canonicalisation, `l=`, several signatures, tampering),
//! and against RFC 8463's own example (a real-world pass).

use std::sync::OnceLock;

use super::sig::{self, Canon};
use super::testsign::{Spec, TestKey, sign};
use super::*;

const MSG: &[u8] = b"From: Ann <ann@example.org>\r\nTo: bob@example.net\r\nSubject: budget\r\nDate: Mon, 2 Mar 2015 10:00:00 +0000\r\nX-Mailer: test\r\n\r\nHello Bob,\r\n\r\nthe  budget\tis attached.\r\n\r\n\r\n";

fn rsa2048() -> &'static TestKey {
    static K: OnceLock<TestKey> = OnceLock::new();
    K.get_or_init(|| TestKey::rsa(2048))
}

fn store_with(entries: &[(&str, &str, String)]) -> KeyStore {
    let mut s = KeyStore::empty();
    for (d, sel, rec) in entries {
        s.add(KeyRecord {
            domain: d.to_string(),
            selector: sel.to_string(),
            record: rec.clone(),
            source: "test".into(),
            first_seen: Some("2012-01-13".into()),
            last_seen: Some("2015-10".into()),
            bundled: false,
        });
    }
    s
}

fn ctx() -> Context {
    Context {
        from_domain: Some("example.org".into()),
        date: Some(1_425_290_400),
    }
}

fn check(msg: &[u8], keys: &KeyStore) -> Outcome {
    verify_message(msg, keys, &ctx())
}

#[test]
fn every_algorithm_and_canonicalisation_passes() {
    let ed = TestKey::ed25519(7);
    for (key, sha1) in [(rsa2048(), false), (rsa2048(), true), (&ed, false)] {
        for hc in [Canon::Simple, Canon::Relaxed] {
            for bc in [Canon::Simple, Canon::Relaxed] {
                let mut spec = Spec::new("example.org", "s1");
                spec.sha1 = sha1;
                spec.header_canon = hc;
                spec.body_canon = bc;
                let signed = sign(MSG, &spec, key);
                let keys = store_with(&[("example.org", "s1", key.record())]);
                let o = check(&signed, &keys);
                let what = format!("{} {hc:?}/{bc:?}", key.algorithm(sha1).as_str());
                assert_eq!(o.verdict, Verdict::Pass, "{what}: {:?}", o.signatures);
                assert_eq!(o.domain.as_deref(), Some("example.org"));
                let s = &o.signatures[0];
                assert_eq!(s.algorithm, key.algorithm(sha1).as_str());
                assert!(
                    s.reason
                        .contains("signed while this key was in use: Jan 2012 – Oct 2015"),
                    "{}",
                    s.reason
                );
                assert!(s.warnings.is_empty(), "{what}: {:?}", s.warnings);
                assert_eq!(s.key_record.as_deref(), Some(key.record().as_str()));
                // LF line ends (as an mbox stores them) verify the same.
                let lf: Vec<u8> = signed.iter().copied().filter(|&b| b != b'\r').collect();
                assert_eq!(check(&lf, &keys).verdict, Verdict::Pass, "{what} LF");
            }
        }
    }
}

fn tamper(msg: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8(msg.to_vec()).unwrap();
    assert!(s.contains(from), "{from}");
    s.replacen(from, to, 1).into_bytes()
}

#[test]
fn tampering_is_told_apart() {
    let key = rsa2048();
    let keys = store_with(&[("example.org", "s1", key.record())]);
    let signed = sign(MSG, &Spec::new("example.org", "s1"), key);
    // The body.
    let o = check(&tamper(&signed, "budget\tis", "budget was"), &keys);
    assert_eq!(o.verdict, Verdict::Fail);
    assert_eq!(o.signatures[0].failure, Some(Failure::BodyHash));
    assert!(
        o.signatures[0]
            .reason
            .contains("body changed after signing")
    );
    // A signed header.
    let o = check(
        &tamper(&signed, "Subject: budget", "Subject: budgets"),
        &keys,
    );
    assert_eq!(o.signatures[0].failure, Some(Failure::Signature));
    assert!(
        o.signatures[0]
            .reason
            .contains("signed headers: from, to, subject, date"),
        "{}",
        o.signatures[0].reason
    );
    // An unsigned header: still passes.
    let o = check(
        &tamper(&signed, "X-Mailer: test", "X-Mailer: forged"),
        &keys,
    );
    assert_eq!(o.verdict, Verdict::Pass);
    // Whitespace: relaxed tolerates it, simple does not.
    let mut simple = Spec::new("example.org", "s1");
    simple.header_canon = Canon::Simple;
    simple.body_canon = Canon::Simple;
    let ss = sign(MSG, &simple, key);
    for (signed, want) in [(&signed, Verdict::Pass), (&ss, Verdict::Fail)] {
        let body_ws = tamper(signed, "the  budget", "the budget ");
        assert_eq!(check(&body_ws, &keys).verdict, want, "body whitespace");
        let head_ws = tamper(signed, "Subject: budget", "Subject:   budget  ");
        assert_eq!(check(&head_ws, &keys).verdict, want, "header whitespace");
    }
}

#[test]
fn length_limit_with_and_without_appended_text() {
    let key = rsa2048();
    let keys = store_with(&[("example.org", "s1", key.record())]);
    let mut spec = Spec::new("example.org", "s1");
    spec.length = true;
    let signed = sign(MSG, &spec, key);
    let o = check(&signed, &keys);
    assert_eq!(o.verdict, Verdict::Pass);
    assert!(o.signatures[0].warnings.is_empty());
    let mut appended = signed.clone();
    appended.extend_from_slice(b"P.S. wire the money to account 123.\r\n");
    let o = check(&appended, &keys);
    assert_eq!(o.verdict, Verdict::Pass);
    let s = &o.signatures[0];
    assert_eq!(s.warnings[0].kind, WarningKind::UnsignedTail);
    let at = s.unsigned_tail_offset.unwrap() as usize;
    // The tail starts where the canonical body went past l=: at the empty
    // lines that were trailing before the text was appended.
    let tail = String::from_utf8_lossy(&appended[at..]);
    assert!(tail.trim_start().starts_with("P.S. wire"), "{tail:?}");
    assert_eq!(at + tail.len(), appended.len());
    assert!(at > signed.len() - 8, "{at}");
    // Shortened below l=: fails.
    let short = tamper(&signed, "is attached.", "");
    assert_eq!(check(&short, &keys).verdict, Verdict::Fail);
}

#[test]
fn several_signatures_and_domain_mismatch() {
    let key = rsa2048();
    let ed = TestKey::ed25519(9);
    let once = sign(MSG, &Spec::new("example.org", "s1"), key);
    let twice = sign(&once, &Spec::new("mailer.example.com", "ed"), &ed);
    // Only the mailer's key known: pass by the mailer, with a mismatch warning.
    let keys = store_with(&[("mailer.example.com", "ed", ed.record())]);
    let o = check(&twice, &keys);
    assert_eq!(o.signatures.len(), 2);
    assert_eq!(o.verdict, Verdict::Pass);
    assert_eq!(o.domain.as_deref(), Some("mailer.example.com"));
    let mailer = o
        .signatures
        .iter()
        .find(|s| s.domain == "mailer.example.com")
        .unwrap();
    assert_eq!(mailer.warnings[0].kind, WarningKind::DomainMismatch);
    let own = o
        .signatures
        .iter()
        .find(|s| s.domain == "example.org")
        .unwrap();
    assert_eq!(own.verdict, Verdict::Nokey);
    assert!(
        own.reason.contains("s1._domainkey.example.org"),
        "{}",
        own.reason
    );
    // Both known: the From-aligned domain names the message.
    let keys = store_with(&[
        ("mailer.example.com", "ed", ed.record()),
        ("example.org", "s1", key.record()),
    ]);
    assert_eq!(check(&twice, &keys).domain.as_deref(), Some("example.org"));
}

#[test]
fn revoked_missing_short_and_wrong_keys() {
    let key = rsa2048();
    let signed = sign(MSG, &Spec::new("example.org", "s1"), key);
    let revoked = store_with(&[("example.org", "s1", "v=DKIM1; k=rsa; p=".into())]);
    let o = check(&signed, &revoked);
    assert_eq!(o.verdict, Verdict::Revoked);
    assert!(o.signatures[0].reason.contains("revoked"));
    let o = check(&signed, &KeyStore::empty());
    assert_eq!(o.verdict, Verdict::Nokey);
    // Without a key nothing is checked, the body neither.
    let changed = tamper(&signed, "budget\tis", "budget was");
    assert_eq!(check(&changed, &KeyStore::empty()).verdict, Verdict::Nokey);
    assert_eq!(check(&changed, &revoked).verdict, Verdict::Revoked);
    let other = TestKey::rsa(1024);
    let wrong = store_with(&[("example.org", "s1", other.record())]);
    assert_eq!(
        check(&signed, &wrong).signatures[0].failure,
        Some(Failure::Signature)
    );
    // An archive with an old and the right key for one selector: passes.
    let both = store_with(&[
        ("example.org", "s1", other.record()),
        ("example.org", "s1", key.record()),
    ]);
    assert_eq!(check(&signed, &both).verdict, Verdict::Pass);
    let short = TestKey::rsa(512);
    let signed = sign(MSG, &Spec::new("example.org", "s1"), &short);
    let o = check(
        &signed,
        &store_with(&[("example.org", "s1", short.record())]),
    );
    assert_eq!(o.verdict, Verdict::Pass);
    assert_eq!(o.signatures[0].key_bits, Some(512));
    assert_eq!(o.signatures[0].warnings[0].kind, WarningKind::ShortKey);
    // An Ed25519 signature looked up with an RSA key: invalid, saying why.
    let ed = sign(MSG, &Spec::new("example.org", "s1"), &TestKey::ed25519(1));
    let o = check(&ed, &store_with(&[("example.org", "s1", key.record())]));
    assert_eq!(o.verdict, Verdict::Invalid);
    assert!(
        o.signatures[0].reason.contains("k=rsa"),
        "{}",
        o.signatures[0].reason
    );
}

#[test]
fn malformed_headers_are_invalid_and_verdicts_combine() {
    let bad = [
        "DKIM-Signature: v=1; a=rsa-md5; d=example.org; s=s; h=from; bh=AAAA; b=AAAA\r\n",
        "DKIM-Signature: garbage\r\n",
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; bh=AAAA; b=AAAA\r\n",
    ];
    for b in bad {
        let msg = [b.as_bytes(), MSG].concat();
        let o = check(&msg, &KeyStore::bundled());
        assert_eq!(o.verdict, Verdict::Invalid, "{b}");
        assert!(!o.signatures[0].reason.is_empty());
    }
    assert_eq!(check(MSG, &KeyStore::bundled()).verdict, Verdict::None);
    // A good signature beside a broken one: pass wins.
    let key = rsa2048();
    let signed = sign(MSG, &Spec::new("example.org", "s1"), key);
    let msg = [bad[0].as_bytes(), &signed].concat();
    let o = check(&msg, &store_with(&[("example.org", "s1", key.record())]));
    assert_eq!(o.verdict, Verdict::Pass);
    assert_eq!(o.signatures[0].verdict, Verdict::Invalid);
    // More than MAX_SIGNATURES: the rest are listed, not checked.
    let many = [bad[1].repeat(MAX_SIGNATURES + 2).as_bytes(), MSG].concat();
    let o = check(&many, &KeyStore::empty());
    assert_eq!(o.signatures.len(), MAX_SIGNATURES + 2);
    assert!(
        o.signatures[MAX_SIGNATURES]
            .reason
            .starts_with("not checked")
    );
}

#[test]
fn over_signed_headers_and_expiry_and_coverage() {
    let key = rsa2048();
    let keys = store_with(&[("example.org", "s1", key.record())]);
    let mut spec = Spec::new("example.org", "s1");
    // Subject listed twice: the second names an absent instance, so a
    // Subject added later breaks the signature.
    spec.headers = ["from", "subject", "subject"].map(String::from).to_vec();
    spec.timestamp = Some(1_425_290_000);
    spec.expires = Some(1_425_290_100);
    let signed = sign(MSG, &spec, key);
    let o = check(&signed, &keys);
    assert_eq!(o.verdict, Verdict::Pass);
    assert_eq!(o.signatures[0].warnings[0].kind, WarningKind::Expired);
    assert!(o.signatures[0].warnings[0].text.contains("Date"));
    let added = tamper(
        &signed,
        "Subject: budget",
        "Subject: budget\r\nSubject: urgent",
    );
    assert_eq!(check(&added, &keys).verdict, Verdict::Fail);
    // Without over-signing, a Subject added on top replaces the signed one
    // (bottom-up selection) and the unsigned one above stays visible only.
    let mut spec = Spec::new("example.org", "s1");
    spec.headers = vec!["to".into()];
    spec.expires = Some(10);
    spec.timestamp = Some(20);
    let o = check(&sign(MSG, &spec, key), &keys);
    let kinds: Vec<_> = o.signatures[0].warnings.iter().map(|w| w.kind).collect();
    // (t=20 is in 1970, long before the key's known period.)
    assert_eq!(
        kinds,
        [
            WarningKind::Expired,
            WarningKind::UnsignedFromSubject,
            WarningKind::OutsideKeyPeriod
        ]
    );
    assert!(o.signatures[0].warnings[0].text.contains("signing time"));
}

/// RFC 8463 Appendix A.3's message, signed by its authors with the
/// Ed25519 key of A.2 (published there as
/// `brisbane._domainkey.football.example.com`), as dkimpy's test data
/// carries it (`tests/fixtures/dkim/README.md`).
#[test]
fn rfc8463_example_verifies() {
    let msg = include_bytes!("../../tests/fixtures/dkim/rfc8463.eml");
    let keys = store_with(&[(
        "football.example.com",
        "brisbane",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".into(),
    )]);
    let ctx = Context {
        from_domain: Some("football.example.com".into()),
        date: None,
    };
    let o = verify_message(msg, &keys, &ctx);
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.signatures);
    let changed = tamper(msg, "We lost the game", "We won the game");
    assert_eq!(verify_message(&changed, &keys, &ctx).verdict, Verdict::Fail);
}

#[test]
fn key_period_against_the_signing_time() {
    let key = rsa2048();
    let keys = store_with(&[("example.org", "s1", key.record())]);
    for (t, inside) in [
        (1_326_412_800, true),  // 2012-01-13 00:00 UTC: the first day
        (1_446_335_999, true),  // 2015-10-31 23:59:59: the last second
        (1_326_412_799, false), // the day before
        (1_446_336_000, false), // November 2015
    ] {
        let mut spec = Spec::new("example.org", "s1");
        spec.timestamp = Some(t);
        let o = check(&sign(MSG, &spec, key), &keys);
        assert_eq!(o.verdict, Verdict::Pass);
        let s = &o.signatures[0];
        let warned = s
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::OutsideKeyPeriod);
        assert_eq!(warned, !inside, "{t}: {:?}", s.warnings);
        assert_eq!(
            s.reason.contains("signed while this key was in use"),
            inside
        );
    }
}

#[test]
fn summary_words() {
    let key = rsa2048();
    let signed = sign(MSG, &Spec::new("example.org", "s1"), key);
    let o = check(&signed, &store_with(&[("example.org", "s1", key.record())]));
    assert!(
        o.summary()
            .starts_with("Verified — signed by example.org with key s1"),
        "{}",
        o.summary()
    );
    assert_eq!(Outcome::unsigned().summary(), "not DKIM-signed");
    for v in Verdict::ALL {
        assert_eq!(Verdict::parse(v.as_str()), Some(v));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Any bytes spliced into a real signed message (anywhere: the
    /// signature header, other headers, the body) give a verdict, never a
    /// panic, and never a pass by a key that did not sign them.
    #[test]
    fn no_panic_on_spliced_bytes(at in 0usize..2000, cut in 0usize..40, junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        let key = TestKey::ed25519(3);
        let signed = sign(MSG, &Spec::new("example.org", "s1"), &key);
        let at = at.min(signed.len());
        let end = (at + cut).min(signed.len());
        let mut m = signed[..at].to_vec();
        m.extend_from_slice(&junk);
        m.extend_from_slice(&signed[end..]);
        let keys = store_with(&[("example.org", "s1", key.record())]);
        let o = check(&m, &keys);
        if o.verdict == Verdict::Pass {
            // Only a change that canonicalisation or selection ignores.
            let s = &o.signatures[0];
            proptest::prop_assert_eq!(&s.domain, "example.org");
        }
        let _ = sig::parse(&String::from_utf8_lossy(&junk));
        let _ = keys::read_key_file(&String::from_utf8_lossy(&m), "x", None, None);
    }
}
