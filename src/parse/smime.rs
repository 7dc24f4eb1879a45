//! Opaque-signed S/MIME: the MIME entity that a CMS SignedData carries
//! inside it (`encapContentInfo.eContent`, RFC 5652 §5), taken out so that
//! the signed message's text and attachments are read like any other.
//! The signature is not verified.
//!
//! CMS is read with `bcder` in BER mode: Thunderbird, Outlook and
//! OpenSSL's streaming output write indefinite lengths and the content as
//! a constructed OCTET STRING in pieces; DER (OpenSSL's default) is BER
//! too. Inputs are bounded ([`MAX_CMS_BYTES`]), bcder walks nested values
//! without recursion, and nothing here panics on hostile bytes (the fuzz
//! target `smime` checks it).

use bcder::decode::{Constructed, DecodeError, SliceSource};
use bcder::{Mode, OctetString, Oid, Tag};

/// Largest CMS object read (the import's decode budget is smaller).
pub const MAX_CMS_BYTES: usize = 64 << 20;

/// `id-signedData` (1.2.840.113549.1.7.2), as the OID's content bytes.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// `id-data` (1.2.840.113549.1.7.1): the content is the bytes themselves.
const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// `id-envelopedData` (1.2.840.113549.1.7.3).
const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
/// `id-ct-authEnvelopedData` (1.2.840.113549.1.9.16.1.23).
const AUTH_ENVELOPED_DATA: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
];

/// What a CMS object (`ContentInfo`) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cms {
    /// SignedData with its encapsulated content: for S/MIME a MIME entity
    /// (headers and body).
    Signed(Vec<u8>),
    /// EnvelopedData or AuthEnvelopedData: encrypted to its recipients.
    Enveloped,
    /// Another content type (dotted OID), e.g. compressed data.
    Other(String),
}

/// Why a CMS object could not be unwrapped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmimeError {
    /// Larger than [`MAX_CMS_BYTES`].
    #[error("{0} bytes is over the {MAX_CMS_BYTES} byte limit for a CMS object")]
    TooLarge(usize),
    /// Not a well-formed BER `ContentInfo`.
    #[error("not a CMS object: {0}")]
    Malformed(String),
    /// SignedData without encapsulated content (a detached signature).
    #[error("the signed data carries no content (a detached signature)")]
    NoContent,
    /// SignedData whose content is not plain data (dotted OID).
    #[error("the signed content is of type {0}, not MIME data")]
    NotData(String),
}

/// Reads a CMS `ContentInfo` (BER or DER): the encapsulated content of a
/// SignedData, or what else it is.
pub fn read_cms(bytes: &[u8]) -> Result<Cms, SmimeError> {
    if bytes.len() > MAX_CMS_BYTES {
        return Err(SmimeError::TooLarge(bytes.len()));
    }
    let read = Constructed::decode(bytes, Mode::Ber, |cons| {
        cons.take_sequence(|cons| {
            let kind = Oid::take_from(cons)?;
            if kind.0.as_ref() != SIGNED_DATA {
                skip_rest(cons)?;
                return Ok(Read::Other(kind.0.to_vec()));
            }
            cons.take_constructed_if(Tag::CTX_0, signed_data)
                .map(Read::Signed)
        })
    });
    match read {
        Err(e) => Err(SmimeError::Malformed(describe(&e))),
        Ok(Read::Other(oid)) if oid == ENVELOPED_DATA || oid == AUTH_ENVELOPED_DATA => {
            Ok(Cms::Enveloped)
        }
        Ok(Read::Other(oid)) => Ok(Cms::Other(dotted(&oid))),
        Ok(Read::Signed(Encapsulated { kind, content })) => {
            if kind != DATA {
                return Err(SmimeError::NotData(dotted(&kind)));
            }
            content.ok_or(SmimeError::NoContent).map(Cms::Signed)
        }
    }
}

/// What [`read_cms`] read before interpreting it.
enum Read {
    Signed(Encapsulated),
    Other(Vec<u8>),
}

/// `EncapsulatedContentInfo`: content type (OID bytes) and content.
struct Encapsulated {
    kind: Vec<u8>,
    content: Option<Vec<u8>>,
}

type Decoded<T> = Result<T, DecodeError<std::convert::Infallible>>;

/// `SignedData ::= SEQUENCE { version, digestAlgorithms SET,
/// encapContentInfo, [0] certificates, [1] crls, signerInfos SET }`: the
/// encapsulated content; the rest is skipped.
fn signed_data(cons: &mut Constructed<'_, SliceSource<'_>>) -> Decoded<Encapsulated> {
    cons.take_sequence(|cons| {
        cons.take_primitive_if(Tag::INTEGER, |version| version.skip_all())?;
        cons.take_set(skip_rest)?;
        let encapsulated = cons.take_sequence(|cons| {
            let kind = Oid::take_from(cons)?.0.to_vec();
            let content = cons.take_opt_constructed_if(Tag::CTX_0, OctetString::take_from)?;
            skip_rest(cons)?;
            Ok(Encapsulated {
                kind,
                content: content.map(|c| c.to_bytes().to_vec()),
            })
        })?;
        skip_rest(cons)?;
        Ok(encapsulated)
    })
}

/// Skips the values left in `cons`, up to and including the end-of-value
/// marker of an indefinite-length value. (bcder's `skip_all` asks for one
/// more value after that marker and fails.)
fn skip_rest(cons: &mut Constructed<'_, SliceSource<'_>>) -> Decoded<()> {
    while cons.skip_opt(|_, _, _| Ok(()))?.is_some() {}
    Ok(())
}

/// A decoding error as one line, without bcder's position details' noise.
fn describe(e: &DecodeError<std::convert::Infallible>) -> String {
    let text = e.to_string();
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// An OID's content bytes in dotted form (`1.2.840.113549.1.7.3`); bytes
/// that do not form one are shown in hex.
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for &b in oid {
        if value > u128::MAX >> 8 {
            return hex::encode(oid);
        }
        value = (value << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    if value != 0 || arcs.is_empty() || oid.last().is_some_and(|b| b & 0x80 != 0) {
        return hex::encode(oid);
    }
    let first = arcs[0];
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in &arcs[1..] {
        out.push_str(&format!(".{arc}"));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A DER length.
    fn len(n: usize) -> Vec<u8> {
        if n < 0x80 {
            vec![n as u8]
        } else if n < 0x100 {
            vec![0x81, n as u8]
        } else {
            vec![0x82, (n >> 8) as u8, n as u8]
        }
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend(len(content.len()));
        out.extend_from_slice(content);
        out
    }

    fn oid(bytes: &[u8]) -> Vec<u8> {
        tlv(0x06, bytes)
    }

    /// A minimal DER SignedData around `content` (no certificates, no signers).
    pub(crate) fn signed(content: Option<&[u8]>) -> Vec<u8> {
        let mut encap = oid(DATA);
        if let Some(c) = content {
            encap.extend(tlv(0xa0, &tlv(0x04, c)));
        }
        let mut sd = tlv(0x02, &[1]);
        sd.extend(tlv(0x31, &[]));
        sd.extend(tlv(0x30, &encap));
        sd.extend(tlv(0x31, &[]));
        let mut ci = oid(SIGNED_DATA);
        ci.extend(tlv(0xa0, &tlv(0x30, &sd)));
        tlv(0x30, &ci)
    }

    #[test]
    fn der_signed_data_gives_its_content() {
        let der = signed(Some(b"Content-Type: text/plain\r\n\r\nhello\r\n"));
        assert_eq!(
            read_cms(&der),
            Ok(Cms::Signed(
                b"Content-Type: text/plain\r\n\r\nhello\r\n".to_vec()
            ))
        );
        assert_eq!(read_cms(&signed(None)), Err(SmimeError::NoContent));
    }

    #[test]
    fn ber_indefinite_lengths_and_content_in_pieces() {
        // As Thunderbird and `openssl cms -stream` write it.
        let mut b = vec![0x30, 0x80];
        b.extend(oid(SIGNED_DATA));
        b.extend([0xa0, 0x80, 0x30, 0x80]);
        b.extend(tlv(0x02, &[1]));
        b.extend(tlv(0x31, &[]));
        b.extend([0x30, 0x80]);
        b.extend(oid(DATA));
        b.extend([0xa0, 0x80, 0x24, 0x80]);
        b.extend(tlv(0x04, b"Subject: a"));
        b.extend(tlv(0x04, b"\r\n\r\nbody"));
        b.extend([0, 0, 0, 0, 0, 0]); // the string, [0], encapContentInfo
        b.extend(tlv(0x31, &[]));
        b.extend([0, 0, 0, 0, 0, 0]); // SignedData, [0], ContentInfo
        assert_eq!(
            read_cms(&b),
            Ok(Cms::Signed(b"Subject: a\r\n\r\nbody".to_vec()))
        );
    }

    #[test]
    fn other_content_types_are_named() {
        let mut ci = oid(ENVELOPED_DATA);
        ci.extend(tlv(0xa0, &tlv(0x30, &[])));
        assert_eq!(read_cms(&tlv(0x30, &ci)), Ok(Cms::Enveloped));
        let compressed = [
            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x09,
        ];
        let mut ci = oid(&compressed);
        ci.extend(tlv(0xa0, &tlv(0x30, &[])));
        assert_eq!(
            read_cms(&tlv(0x30, &ci)),
            Ok(Cms::Other("1.2.840.113549.1.9.16.1.9".into()))
        );
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let good = signed(Some(b"Content-Type: text/plain\r\n\r\nhello\r\n"));
        for cut in 0..good.len() {
            assert!(
                matches!(read_cms(&good[..cut]), Err(SmimeError::Malformed(_))),
                "cut at {cut}"
            );
        }
        for (i, byte) in good.iter().enumerate() {
            let mut flipped = good.clone();
            flipped[i] = !byte;
            let _ = read_cms(&flipped);
        }
        // Deep nesting of indefinite lengths.
        let deep: Vec<u8> = [0x30, 0x80].repeat(100_000);
        assert!(read_cms(&deep).is_err());
        let deep: Vec<u8> = [0x24, 0x80].repeat(100_000);
        assert!(read_cms(&deep).is_err());
        assert!(matches!(
            read_cms(b"MIAGCSqGSIb3DQEHAqCAMIACAQEx"),
            Err(SmimeError::Malformed(_))
        ));
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(dotted(SIGNED_DATA), "1.2.840.113549.1.7.2");
        assert_eq!(dotted(&[0x80]), "80");
        assert_eq!(dotted(&[]), "");
    }
}
