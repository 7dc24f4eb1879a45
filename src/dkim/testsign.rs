//! A DKIM signer for tests and the synthetic corpus (feature `dev`): signs
//! a message with a throwaway key (RSA keys from `tests/fixtures/dkim/`,
//! made with `openssl genpkey`; Ed25519 from a fixed seed) so tests can
//! check every algorithm, canonicalisation and tampering. Never shipped.

use base64::Engine;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};

use super::canon::{self, Hasher};
use super::sig::{Algorithm, Canon};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A private key to sign with.
#[derive(Clone)]
pub enum TestKey {
    /// An RSA key.
    Rsa(Box<RsaPrivateKey>),
    /// An Ed25519 key.
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl TestKey {
    /// The committed test RSA key of `bits` (512, 1024 or 2048).
    pub fn rsa(bits: u32) -> TestKey {
        let pem = match bits {
            512 => include_str!("../../tests/fixtures/dkim/test-rsa512.pem"),
            1024 => include_str!("../../tests/fixtures/dkim/test-rsa1024.pem"),
            _ => include_str!("../../tests/fixtures/dkim/test-rsa2048.pem"),
        };
        #[allow(clippy::expect_used)]
        let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("the committed test key reads");
        TestKey::Rsa(Box::new(key))
    }

    /// An Ed25519 key from a seed byte.
    pub fn ed25519(seed: u8) -> TestKey {
        TestKey::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&[seed; 32])))
    }

    /// The key record to publish (`v=DKIM1; k=…; p=…`).
    pub fn record(&self) -> String {
        match self {
            TestKey::Rsa(k) => {
                let der = RsaPublicKey::from(k.as_ref())
                    .to_public_key_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default();
                format!("v=DKIM1; k=rsa; p={}", B64.encode(der))
            }
            TestKey::Ed25519(k) => format!(
                "v=DKIM1; k=ed25519; p={}",
                B64.encode(k.verifying_key().as_bytes())
            ),
        }
    }

    /// The algorithm this key signs with (RSA: SHA-256 unless `sha1`).
    pub fn algorithm(&self, sha1: bool) -> Algorithm {
        match (self, sha1) {
            (TestKey::Ed25519(_), _) => Algorithm::Ed25519Sha256,
            (TestKey::Rsa(_), true) => Algorithm::RsaSha1,
            (TestKey::Rsa(_), false) => Algorithm::RsaSha256,
        }
    }
}

/// How to sign.
#[derive(Clone, Debug)]
pub struct Spec {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// RSA with SHA-1 instead of SHA-256.
    pub sha1: bool,
    /// Header canonicalisation.
    pub header_canon: Canon,
    /// Body canonicalisation.
    pub body_canon: Canon,
    /// `h=`.
    pub headers: Vec<String>,
    /// `l=`: sign the whole canonical body and say how long it is.
    pub length: bool,
    /// `t=`.
    pub timestamp: Option<i64>,
    /// `x=`.
    pub expires: Option<i64>,
}

impl Spec {
    /// relaxed/relaxed, From To Subject Date, no l= / t= / x=.
    pub fn new(domain: &str, selector: &str) -> Spec {
        Spec {
            domain: domain.into(),
            selector: selector.into(),
            sha1: false,
            header_canon: Canon::Relaxed,
            body_canon: Canon::Relaxed,
            headers: ["from", "to", "subject", "date"].map(String::from).to_vec(),
            length: false,
            timestamp: None,
            expires: None,
        }
    }
}

/// The message with a `DKIM-Signature` put in front of its headers.
pub fn sign(message: &[u8], spec: &Spec, key: &TestKey) -> Vec<u8> {
    let alg = key.algorithm(spec.sha1);
    let (headers, body_start) = canon::split(message);
    let body = message.get(body_start..).unwrap_or(&[]);
    let bh = canon::body_hash(body, spec.body_canon, alg.hash(), None);
    let mut value = format!(
        " v=1; a={}; c={}/{}; d={}; s={};",
        alg.as_str(),
        spec.header_canon.as_str(),
        spec.body_canon.as_str(),
        spec.domain,
        spec.selector
    );
    if spec.length {
        value.push_str(&format!(" l={};", bh.canonical_len));
    }
    if let Some(t) = spec.timestamp {
        value.push_str(&format!(" t={t};"));
    }
    if let Some(x) = spec.expires {
        value.push_str(&format!(" x={x};"));
    }
    value.push_str(&format!(
        "\r\n\th={}; bh={};\r\n\tb=",
        spec.headers.join(":"),
        B64.encode(&bh.digest)
    ));
    let unsigned = format!("DKIM-Signature:{value}\r\n");
    let (sig_h, _) = canon::split(unsigned.as_bytes());
    let mut hasher = Hasher::new(alg.hash());
    let mut used = std::collections::HashMap::<&str, usize>::new();
    for name in &spec.headers {
        let n = used.entry(name.as_str()).or_insert(0);
        if let Some(h) = headers
            .iter()
            .rev()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .nth(*n)
        {
            hasher.update(&canon::header(h, spec.header_canon));
        }
        *n += 1;
    }
    if let Some(h) = sig_h.first() {
        hasher.update(&canon::signature_header(h, spec.header_canon));
    }
    let digest = hasher.finish();
    let signature = match key {
        TestKey::Rsa(k) => {
            let scheme = if spec.sha1 {
                Pkcs1v15Sign::new::<sha1::Sha1>()
            } else {
                Pkcs1v15Sign::new::<sha2::Sha256>()
            };
            k.sign(scheme, &digest).unwrap_or_default()
        }
        TestKey::Ed25519(k) => {
            use ed25519_dalek::Signer;
            k.sign(&digest).to_bytes().to_vec()
        }
    };
    let b64 = B64.encode(signature);
    let mut out = format!("DKIM-Signature:{value}").into_bytes();
    for (i, chunk) in b64.as_bytes().chunks(64).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n\t ");
        }
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(message);
    out
}
