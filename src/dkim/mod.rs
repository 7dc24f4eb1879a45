//! DKIM verification, offline: every `DKIM-Signature` of a message checked
//! against a [`KeyStore`] (the bundled archive of historical keys plus the
//! keys the user added to the case), never against DNS. The verdicts are
//! plain data ([`Outcome`], [`SignatureResult`]) in words for the reader;
//! the case stores them, the index's `dkim:` search, the exports and the
//! window read them.
//!
//! **Why our own code on RustCrypto primitives, not a DKIM crate.** The
//! maintained Rust implementation (`mail-auth`) resolves keys through its
//! own DNS resolver (hickory); mailsift promises that it makes no network
//! request, ever, and linking a resolver would make that a matter of care
//! rather than of structure. What DKIM needs beyond the primitives (`rsa`,
//! `sha1`, `sha2`, `ed25519-dalek`, `base64`) is small: the tag list
//! ([`sig`]), the two canonicalisations ([`canon`]), header selection and
//! the key record ([`keys`]). It is bounded: a signature header of at most
//! 16 KB with at most 64 tags and 128 signed header names, at most
//! [`MAX_SIGNATURES`] signatures checked per message, 4096 header fields,
//! RSA keys of at most 4096 bits; it never panics on any input (fuzzed by
//! the `dkim_signature` target).
//!
//! Module layout: `sig` (the signature header), `canon` (header split and
//! canonicalisation, body hash), `keys` (key records, the key store, key
//! files), `verify` (one signature → a [`SignatureResult`]).

pub mod canon;
pub mod keys;
pub mod sig;
#[cfg(any(test, feature = "dev"))]
#[doc(hidden)]
pub mod testsign;
mod verify;

use serde::{Deserialize, Serialize};

pub use keys::{KeyFile, KeyRecord, KeyStore, Refused, read_key_file};

/// The most signatures checked on one message; the others are listed as
/// `invalid` ("not checked").
pub const MAX_SIGNATURES: usize = 8;

/// The verdict on a signature, or on a message (the best of its signatures').
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The signature and the body hash verify with a known key.
    Pass,
    /// The body or the signed headers changed after signing.
    Fail,
    /// The key record is revoked (empty `p=`).
    Revoked,
    /// No key is known for the signature's selector and domain.
    Nokey,
    /// The signature header is malformed, or its algorithm or key is not supported.
    Invalid,
    /// The message has no DKIM signature.
    None,
}

impl Verdict {
    /// Every verdict, best first (the order of the message verdict's rule).
    pub const ALL: [Verdict; 6] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Revoked,
        Verdict::Nokey,
        Verdict::Invalid,
        Verdict::None,
    ];

    /// The name used in the case, in searches (`dkim:pass`) and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Revoked => "revoked",
            Verdict::Nokey => "nokey",
            Verdict::Invalid => "invalid",
            Verdict::None => "none",
        }
    }

    /// The verdict named `s` (as [`Verdict::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// What changed when a signature fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The body hash does not match: the body changed after signing.
    BodyHash,
    /// The signature does not verify: signed headers changed.
    Signature,
}

/// A warning that does not change the verdict but matters for evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// An RSA key under 1024 bits.
    ShortKey,
    /// Body content after the `l=` signed length.
    UnsignedTail,
    /// `x=` before `t=` or before the Date.
    Expired,
    /// The signing domain is not the From address's domain.
    DomainMismatch,
    /// `h=` covers neither From nor Subject.
    UnsignedFromSubject,
    /// `t=` falls outside the period the key is known to have been in use.
    OutsideKeyPeriod,
}

/// A warning with its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Which warning.
    pub kind: WarningKind,
    /// What it means for this signature.
    pub text: String,
}

/// The verdict on one `DKIM-Signature`, with everything a reader needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureResult {
    /// The signing domain (`d=`), lower case; empty when unreadable.
    pub domain: String,
    /// The selector (`s=`); empty when unreadable.
    pub selector: String,
    /// The algorithm as written (`a=`).
    pub algorithm: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
    /// For `fail`: what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The signed header names (`h=`), lower case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_headers: Vec<String>,
    /// Warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// Where the key that decided came from (for `pass`, `fail` and `revoked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_source: Option<String>,
    /// The key record that decided (`v=DKIM1; k=rsa; p=…`), so that an
    /// evidence packet can carry it for a third party to verify with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_record: Option<String>,
    /// The key's period of use, when known ("Jan 2012 – Oct 2016").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_period: Option<String>,
    /// The RSA key's size in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    /// `t=`: when it was signed (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<i64>,
    /// Where the body content that `l=` leaves unsigned starts (byte
    /// offset in the message as imported), when there is such content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned_tail_offset: Option<u64>,
}

impl SignatureResult {
    /// The DNS name of the key record: `selector._domainkey.domain`.
    pub fn record_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }
}

/// The verdict on a message: the best of its signatures'.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The message's verdict.
    pub verdict: Verdict,
    /// The domain of the signature that gave the verdict (a passing one
    /// aligned with From first).
    pub domain: Option<String>,
    /// Every signature's result, in header order.
    pub signatures: Vec<SignatureResult>,
}

impl Outcome {
    /// The outcome of an unsigned message.
    pub fn unsigned() -> Outcome {
        Outcome {
            verdict: Verdict::None,
            domain: None,
            signatures: Vec::new(),
        }
    }

    /// The message's verdict in words ("Verified — signed by gmail.com …").
    pub fn summary(&self) -> String {
        let pick = self
            .signatures
            .iter()
            .find(|s| s.verdict == self.verdict && Some(&s.domain) == self.domain.as_ref());
        match (self.verdict, pick) {
            (Verdict::None, _) | (_, None) => "not DKIM-signed".into(),
            (Verdict::Pass, Some(s)) => format!("Verified — {}", s.reason),
            (_, Some(s)) => format!("{} — {}", self.verdict.as_str(), s.reason),
        }
    }
}

/// What the verifier knows about the message beside its bytes.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The From address's domain, lower case.
    pub from_domain: Option<String>,
    /// The Date header, seconds since the epoch.
    pub date: Option<i64>,
}

impl Context {
    /// The context of a parsed message (From domain, Date).
    pub fn of(msg: &crate::model::Message) -> Context {
        Context {
            from_domain: msg
                .from
                .first()
                .and_then(|a| a.addr.rsplit_once('@'))
                .map(|(_, d)| d.trim().trim_end_matches('>').to_ascii_lowercase()),
            date: msg.date,
        }
    }
}

/// Verifies every DKIM signature of a message (its bytes as imported:
/// header block, empty line, body; LF or CRLF line ends) against `keys`.
pub fn verify_message(raw: &[u8], keys: &KeyStore, ctx: &Context) -> Outcome {
    // Half of a typical dump is unsigned: those are answered without
    // copying their header fields.
    if !canon::has_signature_field(raw) {
        return Outcome::unsigned();
    }
    let (headers, body_start) = canon::split(raw);
    let sig_idx: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.name.eq_ignore_ascii_case("DKIM-Signature"))
        .map(|(i, _)| i)
        .collect();
    if sig_idx.is_empty() {
        return Outcome::unsigned();
    }
    let body = raw.get(body_start..).unwrap_or(&[]);
    let mut v = verify::Verifier::new(&headers, body, body_start, keys, ctx);
    let signatures: Vec<SignatureResult> = sig_idx
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            if n < MAX_SIGNATURES {
                v.one(i)
            } else {
                verify::not_checked(&headers[i])
            }
        })
        .collect();
    combine(signatures, ctx)
}

/// The message verdict from its signatures' (pass > fail > revoked >
/// nokey > invalid > none).
pub fn combine(signatures: Vec<SignatureResult>, ctx: &Context) -> Outcome {
    let Some(verdict) = signatures.iter().map(|s| s.verdict).min() else {
        return Outcome::unsigned();
    };
    let aligned = |s: &&SignatureResult| {
        ctx.from_domain
            .as_deref()
            .is_some_and(|f| verify::aligned(f, &s.domain))
    };
    let with = || signatures.iter().filter(|s| s.verdict == verdict);
    let domain = with()
        .find(aligned)
        .or_else(|| with().next())
        .map(|s| s.domain.clone())
        .filter(|d| !d.is_empty());
    Outcome {
        verdict,
        domain,
        signatures,
    }
}

#[cfg(test)]
mod tests;
