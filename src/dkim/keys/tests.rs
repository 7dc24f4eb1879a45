//! Key records and the three key-file formats, bad lines included.

use super::*;

const P: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCJdAYdE2z61YpUMFqFTFJqlFomm7C4Kk97nzJmR4YZuJ8SUy9CF35UVPQzh3EMLhP+yOqEl29Ax2hA/h7vayr/f/a19x2jrFCwxVry+nACH1FVmIwV3b5FCNEkNeAIqjbY8K9PeTmpqNhWDbvXeKgFbIDwhWq0HP2PbySkOe4tTQIDAQAB";

#[test]
fn record_tags() {
    let t = parse_record(&format!("v=DKIM1; k=rsa; h=sha256; p={P}")).unwrap();
    assert_eq!(t.key_type, "rsa");
    assert_eq!(t.hashes, Some(vec!["sha256".to_string()]));
    assert!(!t.public_key.is_empty());
    assert!(parse_record("v=DKIM1; p=").unwrap().public_key.is_empty());
    assert!(
        parse_record("v=DKIM2; p=AAAA")
            .unwrap_err()
            .contains("DKIM1")
    );
    assert!(parse_record("k=rsa").unwrap_err().contains("p="));
    assert!(parse_record("p=!!").unwrap_err().contains("base64"));
}

#[test]
fn zone_lines_split_strings_parentheses_comments() {
    let half = P.len() / 2;
    let text = format!(
        "; a comment\n$TTL 300\n\
         # another\n\
         google._domainkey.hillaryclinton.com. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p={}\" \"{}\"\n\
         multi._domainkey.Example.ORG IN TXT ( \"v=DKIM1; k=rsa; \"  ; first part\n\
         \t\"p={}\" )\n\
         dig._domainkey.example.org. 3600 IN TXT \"v=DKIM1\\; k=rsa\\; p={P}\"\n\
         www.example.org IN TXT \"v=DKIM1; p={P}\"\n\
         bad._domainkey.example.org IN TXT \"v=DKIM1; p=***\"\n\
         mx._domainkey.example.org IN MX 10 mail.example.org\n\
         open._domainkey.example.org IN TXT \"v=DKIM1; p={P}\n",
        &P[..half],
        &P[half..],
        P
    );
    let f = read_key_file(&text, "keys.zone", None, None);
    let names: Vec<String> = f.keys.iter().map(KeyRecord::dns_name).collect();
    assert_eq!(
        names,
        [
            "google._domainkey.hillaryclinton.com",
            "multi._domainkey.example.org",
            "dig._domainkey.example.org"
        ]
    );
    for k in &f.keys {
        let t = parse_record(&k.record).unwrap();
        assert_eq!(
            t.public_key,
            parse_record(&format!("p={P}")).unwrap().public_key,
            "{}",
            k.record
        );
        assert_eq!(k.source, "keys.zone");
    }
    let refused: Vec<(usize, &str)> = f
        .refused
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert_eq!(refused[0].0, 8);
    assert!(refused[0].1.contains("not a selector._domainkey.domain"));
    assert_eq!(refused[1].0, 9);
    assert!(refused[1].1.contains("base64"));
    assert_eq!(refused[2].0, 10);
    assert!(refused[2].1.contains("MX"));
    assert_eq!(refused[3].0, 11);
    assert!(refused[3].1.contains("not closed"));
}

#[test]
fn archive_json() {
    let text = format!(
        r#"[{{"domain":"gmail.com","selector":"20120113","value":"k=rsa; p={P}","firstSeenAt":"2012-01-13T00:00:00Z","lastSeenAt":"2016-10-30T00:00:00Z"}},
            {{"domain":"x.org","selector":"s"}},
            {{"domain":"x.org","selector":"s","value":"v=DKIM1; p=%%"}},
            7]"#
    );
    let f = read_key_file(&text, "archive.json", None, None);
    assert_eq!(f.keys.len(), 1);
    assert_eq!(f.keys[0].period().as_deref(), Some("Jan 2012 – Oct 2016"));
    let lines: Vec<usize> = f.refused.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert!(
        f.refused[0]
            .reason
            .contains("needs domain, selector and value")
    );
    let f = read_key_file("[{oops", "a.json", None, None);
    assert!(f.refused[0].reason.contains("not valid JSON"));
}

#[test]
fn pem_needs_names_and_reads_rsa_and_ed25519() {
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n{}\n-----END PUBLIC KEY-----\n",
        &P[..64],
        &P[64..]
    );
    let f = read_key_file(&pem, "k.pem", None, None);
    assert!(f.keys.is_empty());
    assert!(f.refused[0].reason.contains("--selector"));
    let f = read_key_file(&pem, "k.pem", Some("Sel"), Some("Example.org"));
    assert_eq!(f.keys[0].dns_name(), "sel._domainkey.example.org");
    assert_eq!(parse_record(&f.keys[0].record).unwrap().key_type, "rsa");
    // Ed25519 SPKI (RFC 8410's example key).
    let ed = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    let f = read_key_file(ed, "e.pem", Some("e"), Some("x.org"));
    assert_eq!(parse_record(&f.keys[0].record).unwrap().key_type, "ed25519");
    assert_eq!(
        parse_record(&f.keys[0].record).unwrap().public_key.len(),
        32
    );
    let f = read_key_file(
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "x.pem",
        Some("e"),
        Some("x.org"),
    );
    assert!(f.refused[0].reason.contains("neither"));
}

#[test]
fn bundled_archive_reads_whole() {
    let keys = bundled_keys();
    assert!(keys.len() >= 10);
    for k in &keys {
        assert!(parse_record(&k.record).is_ok(), "{}", k.dns_name());
        assert!(!k.source.is_empty());
        assert!(k.bundled);
    }
    let store = KeyStore::bundled();
    let gmail = store.get("20120113", "GMAIL.com");
    assert_eq!(gmail.len(), 1);
    assert!(gmail[0].period().is_some());
    assert_eq!(store.get("20120113", "google.com").len(), 1);
    assert_eq!(store.len(), keys.len());
    let mut again = store.clone();
    again.add(keys[0].clone());
    assert_eq!(again.len(), store.len(), "the same key is not added twice");
}
