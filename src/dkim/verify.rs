//! One signature checked: header parsed, body hash compared, signed
//! headers selected bottom-up and hashed, the key looked up in the store
//! and the signature verified with each key known for the selector (an
//! archive may hold several over the years); warnings added.

use std::collections::HashMap;

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};

use super::canon::{self, Hasher, Header};
use super::keys::{KeyRecord, KeyStore, parse_record};
use super::sig::{self, Algorithm, Signature};
use super::{Context, Failure, SignatureResult, Verdict, Warning, WarningKind};

/// The largest RSA key verified (the `rsa` crate's own limit).
const MAX_RSA_BITS: usize = 4096;

/// Checks the signatures of one message (body hashes shared between
/// signatures with the same canonicalisation, hash and length).
pub(super) struct Verifier<'a> {
    headers: &'a [Header<'a>],
    body: &'a [u8],
    body_start: usize,
    keys: &'a KeyStore,
    ctx: &'a Context,
    body_hashes: HashMap<(bool, &'static str, Option<u64>), canon::BodyHash>,
}

/// The result for a signature past [`super::MAX_SIGNATURES`].
pub(super) fn not_checked(h: &Header<'_>) -> SignatureResult {
    let value = String::from_utf8_lossy(canon::value(h));
    let mut r = invalid_result(match sig::parse(&value) {
        Ok(s) => sig::Malformed {
            reason: String::new(),
            domain: Some(s.domain),
            selector: Some(s.selector),
            algorithm: Some(s.algorithm.as_str().to_string()),
        },
        Err(m) => m,
    });
    r.reason = format!(
        "not checked: only the first {} signatures of a message are checked",
        super::MAX_SIGNATURES
    );
    r
}

fn invalid_result(m: sig::Malformed) -> SignatureResult {
    SignatureResult {
        domain: m.domain.unwrap_or_default(),
        selector: m.selector.unwrap_or_default(),
        algorithm: m.algorithm.unwrap_or_default(),
        verdict: Verdict::Invalid,
        reason: m.reason,
        failure: None,
        signed_headers: Vec::new(),
        warnings: Vec::new(),
        key_source: None,
        key_record: None,
        key_period: None,
        key_bits: None,
        signed_at: None,
        unsigned_tail_offset: None,
    }
}

/// Whether mail from `from_domain` is aligned with signing domain `d`
/// (the same domain or a subdomain of it).
pub(super) fn aligned(from_domain: &str, d: &str) -> bool {
    !d.is_empty() && (from_domain == d || from_domain.ends_with(&format!(".{d}")))
}

/// What trying the keys gave.
enum KeyOutcome {
    Verified(KeyRecord, Option<u32>),
    Mismatch(KeyRecord, Option<u32>),
    Revoked(KeyRecord),
    Unusable(String),
}

impl<'a> Verifier<'a> {
    pub(super) fn new(
        headers: &'a [Header<'a>],
        body: &'a [u8],
        body_start: usize,
        keys: &'a KeyStore,
        ctx: &'a Context,
    ) -> Verifier<'a> {
        Verifier {
            headers,
            body,
            body_start,
            keys,
            ctx,
            body_hashes: HashMap::new(),
        }
    }

    /// The verdict on the signature in header field `idx`.
    pub(super) fn one(&mut self, idx: usize) -> SignatureResult {
        let h = &self.headers[idx];
        let value = String::from_utf8_lossy(canon::value(h));
        let sig = match sig::parse(&value) {
            Ok(s) => s,
            Err(m) => return invalid_result(m),
        };
        let mut r = SignatureResult {
            domain: sig.domain.clone(),
            selector: sig.selector.clone(),
            algorithm: sig.algorithm.as_str().to_string(),
            verdict: Verdict::Invalid,
            reason: String::new(),
            failure: None,
            signed_headers: sig.headers.clone(),
            warnings: Vec::new(),
            key_source: None,
            key_record: None,
            key_period: None,
            key_bits: None,
            signed_at: sig.timestamp,
            unsigned_tail_offset: None,
        };
        self.warnings(&sig, &mut r);
        let record = format!("{}._domainkey.{}", sig.selector, sig.domain);
        let hash = sig.algorithm.hash();
        // The body is hashed only when there is a key to check the
        // signature with (a body hash no signature vouches for proves
        // nothing), or to say what `l=` leaves unsigned.
        if sig.length.is_some() {
            self.length_warning(&sig, &mut r);
        }
        let keys = self.keys.get(&sig.selector, &sig.domain);
        if keys.is_empty() {
            r.verdict = Verdict::Nokey;
            r.reason = format!(
                "no key known for {record}: the record is not in the case's key store (mailsift never asks DNS), so the signature cannot be checked; archives of old keys (such as archive.prove.email) may have it — add it with `mailsift keys add`"
            );
            return r;
        }
        if let Some(k) = all_revoked(keys) {
            r.verdict = Verdict::Revoked;
            r.key_record = Some(k.record.clone());
            r.key_source = Some(k.source.clone());
            r.reason = format!("the key record {record} is revoked (empty p=)");
            return r;
        }
        let bh = self.body_hash(&sig);
        if sig.length.is_some_and(|l| bh.canonical_len < l) {
            r.verdict = Verdict::Fail;
            r.failure = Some(Failure::BodyHash);
            r.reason = format!(
                "the body changed after signing: it is shorter ({} bytes) than the signed length l={}",
                bh.canonical_len,
                sig.length.unwrap_or_default()
            );
            return r;
        }
        if bh.digest != sig.body_hash {
            r.verdict = Verdict::Fail;
            r.failure = Some(Failure::BodyHash);
            r.reason = "the body changed after signing (body hash mismatch)".into();
            return r;
        }
        let mut hasher = Hasher::keeping(hash);
        self.hash_headers(&sig, idx, &mut hasher);
        let (digest, data) = hasher.finish_keeping();
        match try_keys(keys, &sig, &digest, &data) {
            KeyOutcome::Verified(k, bits) => {
                r.verdict = Verdict::Pass;
                r.key_bits = bits;
                r.key_period = k.period();
                r.reason = format!(
                    "signed by {} with key {} ({}{})",
                    sig.domain,
                    sig.selector,
                    if k.bundled { "archived: " } else { "added: " },
                    k.source
                );
                let (from, to) = k.period_secs();
                let t = sig.timestamp;
                let outside =
                    t.is_some_and(|t| from.is_some_and(|f| t < f) || to.is_some_and(|e| t > e));
                match (&r.key_period, outside) {
                    (Some(p), false) => r
                        .reason
                        .push_str(&format!("; signed while this key was in use: {p}")),
                    (Some(p), true) => r.warnings.push(Warning {
                        kind: WarningKind::OutsideKeyPeriod,
                        text: format!(
                            "signed at t={}, outside the period this key is known to have been in use ({p})",
                            crate::time::rfc3339(t.unwrap_or_default())
                        ),
                    }),
                    (None, _) => {}
                }
                r.key_record = Some(k.record);
                r.key_source = Some(k.source);
                if let Some(b) = bits.filter(|b| *b < 1024) {
                    r.warnings.push(Warning {
                        kind: WarningKind::ShortKey,
                        text: format!("the RSA key has only {b} bits: keys this short have been factored, so anyone could have made this signature"),
                    });
                }
            }
            KeyOutcome::Mismatch(k, bits) => {
                r.verdict = Verdict::Fail;
                r.failure = Some(Failure::Signature);
                r.key_bits = bits;
                r.key_record = Some(k.record);
                r.key_source = Some(k.source);
                r.reason = format!(
                    "the signed headers changed after signing (signature mismatch); signed headers: {}",
                    sig.headers.join(", ")
                );
            }
            KeyOutcome::Revoked(k) => {
                r.verdict = Verdict::Revoked;
                r.key_record = Some(k.record);
                r.key_source = Some(k.source);
                r.reason = format!("the key record {record} is revoked (empty p=)");
            }
            KeyOutcome::Unusable(why) => {
                r.verdict = Verdict::Invalid;
                r.reason = format!("the key for {record} cannot be used: {why}");
            }
        }
        r
    }

    /// The warning for body content after `l=`, with where it starts.
    fn length_warning(&mut self, sig: &Signature, r: &mut SignatureResult) {
        let Some(l) = sig.length else {
            return;
        };
        let bh = self.body_hash(sig);
        if bh.canonical_len > l {
            let off = bh.tail_offset.map(|o| o + self.body_start as u64);
            r.unsigned_tail_offset = off;
            r.warnings.push(Warning {
                kind: WarningKind::UnsignedTail,
                text: format!(
                    "{} bytes of the body after the signed length l={l} are not covered by the signature{}: anyone could have added them",
                    bh.canonical_len - l,
                    off.map(|o| format!(" (from byte {o} of the message)"))
                        .unwrap_or_default()
                ),
            });
        }
    }

    fn body_hash(&mut self, sig: &Signature) -> canon::BodyHash {
        let key = (
            sig.body_canon == sig::Canon::Relaxed,
            sig.algorithm.hash(),
            sig.length,
        );
        self.body_hashes
            .entry(key)
            .or_insert_with(|| canon::body_hash(self.body, sig.body_canon, key.1, sig.length))
            .clone()
    }

    /// Feeds the signed headers (instances taken from the bottom up; a
    /// name listed more often than present adds nothing) and the
    /// signature's own header without `b=`.
    fn hash_headers(&self, sig: &Signature, idx: usize, hasher: &mut Hasher) {
        let mut used: HashMap<&str, usize> = HashMap::new();
        for name in &sig.headers {
            let seen = used.entry(name.as_str()).or_insert(0);
            let found = self
                .headers
                .iter()
                .rev()
                .filter(|h| h.name.eq_ignore_ascii_case(name))
                .nth(*seen);
            *seen += 1;
            if let Some(h) = found {
                hasher.update(&canon::header(h, sig.header_canon));
            }
        }
        hasher.update(&canon::signature_header(
            &self.headers[idx],
            sig.header_canon,
        ));
    }

    fn warnings(&self, sig: &Signature, r: &mut SignatureResult) {
        if let Some(x) = sig.expires {
            let when = crate::time::rfc3339(x);
            if let Some(t) = sig.timestamp.filter(|t| x < *t) {
                r.warnings.push(Warning {
                    kind: WarningKind::Expired,
                    text: format!(
                        "the signature's expiry x={when} is before its own signing time t={}",
                        crate::time::rfc3339(t)
                    ),
                });
            } else if let Some(d) = self.ctx.date.filter(|d| x < *d) {
                r.warnings.push(Warning {
                    kind: WarningKind::Expired,
                    text: format!(
                        "the signature had expired (x={when}) by the message's Date ({})",
                        crate::time::rfc3339(d)
                    ),
                });
            }
        }
        if let Some(f) = &self.ctx.from_domain
            && !aligned(f, &sig.domain)
        {
            r.warnings.push(Warning {
                kind: WarningKind::DomainMismatch,
                text: format!("signed by {}, but the From address is at {f}", sig.domain),
            });
        }
        if !sig.headers.iter().any(|h| h == "from" || h == "subject") {
            r.warnings.push(Warning {
                kind: WarningKind::UnsignedFromSubject,
                text: "the signature covers neither From nor Subject: they could have been changed"
                    .into(),
            });
        }
    }
}

/// The first key when every key known for the selector is revoked.
fn all_revoked(keys: &[KeyRecord]) -> Option<&KeyRecord> {
    let revoked = |k: &KeyRecord| parse_record(&k.record).is_ok_and(|t| t.public_key.is_empty());
    keys.iter().all(revoked).then(|| keys.first()).flatten()
}

fn try_keys(keys: &[KeyRecord], sig: &Signature, digest: &[u8], data: &[u8]) -> KeyOutcome {
    let mut outcome: Option<KeyOutcome> = None;
    for k in keys {
        let next = match check_key(k, sig, digest, data) {
            Ok(Some(bits)) => return KeyOutcome::Verified(k.clone(), bits),
            Ok(None) => KeyOutcome::Revoked(k.clone()),
            Err(Ok(bits)) => KeyOutcome::Mismatch(k.clone(), bits),
            Err(Err(why)) => KeyOutcome::Unusable(why),
        };
        // Keep the most telling outcome: a mismatch over a revoked key
        // over an unusable one.
        let rank = |o: &KeyOutcome| match o {
            KeyOutcome::Verified(..) => 0,
            KeyOutcome::Mismatch(..) => 1,
            KeyOutcome::Revoked(..) => 2,
            KeyOutcome::Unusable(..) => 3,
        };
        if outcome.as_ref().is_none_or(|o| rank(&next) < rank(o)) {
            outcome = Some(next);
        }
    }
    outcome.unwrap_or_else(|| KeyOutcome::Unusable("no key".into()))
}

/// `Ok(Some(bits))`: verified (bits for RSA); `Ok(None)`: revoked;
/// `Err(Ok(bits))`: does not verify; `Err(Err(why))`: key unusable.
/// `digest` is the hash of the signed header `data`.
#[allow(clippy::type_complexity)]
fn check_key(
    k: &KeyRecord,
    sig: &Signature,
    digest: &[u8],
    data: &[u8],
) -> Result<Option<Option<u32>>, Result<Option<u32>, String>> {
    let tags = parse_record(&k.record).map_err(Err)?;
    if tags.public_key.is_empty() {
        return Ok(None);
    }
    if tags.key_type != sig.algorithm.key_type() {
        return Err(Err(format!(
            "the key is k={}, the signature a={}",
            tags.key_type,
            sig.algorithm.as_str()
        )));
    }
    if let Some(h) = &tags.hashes
        && !h.iter().any(|x| x == sig.algorithm.hash())
    {
        return Err(Err(format!(
            "the key allows only h={}, the signature uses {}",
            h.join(":"),
            sig.algorithm.hash()
        )));
    }
    match sig.algorithm {
        Algorithm::RsaSha256 | Algorithm::RsaSha1 => {
            let key = rsa_key(&tags.public_key).map_err(Err)?;
            let bits = u32::try_from(rsa::traits::PublicKeyParts::n(&key).bits()).ok();
            let scheme = if sig.algorithm == Algorithm::RsaSha1 {
                Pkcs1v15Sign::new::<sha1::Sha1>()
            } else {
                Pkcs1v15Sign::new::<sha2::Sha256>()
            };
            // `ring` first: its RSA is about 8x faster than the `rsa`
            // crate's (20 µs against 170 µs for 2048 bits, measured), which
            // keeps verification cheap in an import; it takes keys of
            // 1024-8192 bits. Any key it refuses or any signature it does
            // not accept is checked again by the `rsa` crate, so the
            // verdict never depends on which library answered.
            if fast_rsa_ok(
                &key,
                sig.algorithm == Algorithm::RsaSha1,
                data,
                &sig.signature,
            ) {
                return Ok(Some(bits));
            }
            match key.verify(scheme, digest, &sig.signature) {
                Ok(()) => Ok(Some(bits)),
                Err(_) => Err(Ok(bits)),
            }
        }
        Algorithm::Ed25519Sha256 => {
            let bytes: [u8; 32] = tags
                .public_key
                .as_slice()
                .try_into()
                .map_err(|_| Err("an Ed25519 key is 32 bytes".to_string()))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|_| Err("not an Ed25519 public key".to_string()))?;
            let Ok(sig_bytes) = <[u8; 64]>::try_from(sig.signature.as_slice()) else {
                return Err(Ok(None));
            };
            let s = ed25519_dalek::Signature::from_bytes(&sig_bytes);
            match key.verify_strict(digest, &s) {
                Ok(()) => Ok(Some(None)),
                Err(_) => Err(Ok(None)),
            }
        }
    }
}

/// Whether `ring` verifies the PKCS#1 v1.5 signature `sig` over `data`
/// with `key` (false also when it does not take the key: under 1024 bits).
fn fast_rsa_ok(key: &RsaPublicKey, sha1: bool, data: &[u8], sig: &[u8]) -> bool {
    use ring::signature::{
        RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RsaPublicKeyComponents,
    };
    use rsa::traits::PublicKeyParts;
    let components = RsaPublicKeyComponents {
        n: key.n().to_bytes_be(),
        e: key.e().to_bytes_be(),
    };
    let params = if sha1 {
        &RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
    } else {
        &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
    };
    components.verify(params, data, sig).is_ok()
}

/// An RSA public key from `p=`: a SubjectPublicKeyInfo (what DKIM
/// publishes) or, as some signers publish, a bare PKCS#1 RSAPublicKey.
fn rsa_key(der: &[u8]) -> Result<RsaPublicKey, String> {
    let key = RsaPublicKey::from_public_key_der(der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
        .map_err(|_| "p= is not an RSA public key".to_string())?;
    let bits = rsa::traits::PublicKeyParts::n(&key).bits();
    if bits > MAX_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits (at most {MAX_RSA_BITS} are verified)"
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod fast_rsa_tests {
    use super::*;
    use crate::dkim::testsign::TestKey;
    use sha2::Digest;

    /// The fast path answers like the `rsa` crate: yes for a good
    /// signature (SHA-256 and SHA-1), no for changed data; keys under
    /// 1024 bits are left to the `rsa` crate.
    #[test]
    fn ring_agrees_with_the_rsa_crate() {
        for bits in [1024, 2048, 512] {
            let TestKey::Rsa(private) = TestKey::rsa(bits) else {
                unreachable!("an RSA test key");
            };
            let public = RsaPublicKey::from(private.as_ref());
            let data = b"from:Ann <ann@example.org>\r\nsubject:budget\r\n";
            let sig256 = private
                .sign(
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &sha2::Sha256::digest(data),
                )
                .expect("signs");
            let sig1 = private
                .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(data))
                .expect("signs");
            let taken = bits >= 1024;
            assert_eq!(fast_rsa_ok(&public, false, data, &sig256), taken, "{bits}");
            assert_eq!(fast_rsa_ok(&public, true, data, &sig1), taken, "{bits}");
            assert!(!fast_rsa_ok(&public, false, b"subject:void\r\n", &sig256));
            assert!(!fast_rsa_ok(&public, true, data, &sig256), "wrong hash");
        }
    }
}
