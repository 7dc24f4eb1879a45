//! The `dkim_signature` target: any bytes as a `DKIM-Signature` value, as
//! a key file and as a whole message, through the DKIM parser, the key
//! file reader and the verifier.

use crate::dkim::{self, Context, KeyRecord, KeyStore, Verdict, sig};

/// Fuzz body: the signature header parser, key files and verification.
pub fn dkim_signature(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match sig::parse(&text) {
        Ok(s) => {
            assert!(text.len() <= sig::MAX_HEADER_BYTES);
            assert_eq!(s.domain, s.domain.to_ascii_lowercase());
            assert!(!s.selector.is_empty() && !s.signature.is_empty());
            assert!(!s.headers.is_empty() && s.headers.len() <= sig::MAX_SIGNED_HEADERS);
        }
        Err(m) => assert!(!m.reason.is_empty()),
    }
    let file = dkim::read_key_file(&text, "fuzz", Some("s"), Some("example.org"));
    for k in &file.keys {
        assert!(dkim::keys::parse_record(&k.record).is_ok(), "{}", k.record);
        assert!(!k.domain.is_empty() && !k.selector.is_empty());
    }
    // A key for the selector the input may name, so verification runs
    // past the key lookup (it cannot pass: the input is no real signature
    // by this key, except with negligible probability).
    let mut keys = KeyStore::empty();
    keys.add(KeyRecord {
        domain: "example.org".into(),
        selector: "s".into(),
        record: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".into(),
        source: "fuzz".into(),
        first_seen: None,
        last_seen: None,
        bundled: false,
    });
    let ctx = Context {
        from_domain: Some("example.org".into()),
        date: Some(super::NOW),
    };
    let mut msg = b"DKIM-Signature:".to_vec();
    msg.extend_from_slice(data);
    msg.extend_from_slice(b"\r\nFrom: a@example.org\r\nSubject: x\r\n\r\nbody\r\n");
    for m in [&msg[..], data] {
        let o = dkim::verify_message(m, &keys, &ctx);
        assert!(o.signatures.iter().all(|s| !s.reason.is_empty()));
        let best = o.signatures.iter().map(|s| s.verdict).min();
        assert_eq!(o.verdict, best.unwrap_or(Verdict::None));
    }
}
