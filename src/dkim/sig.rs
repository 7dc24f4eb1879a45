//! The `DKIM-Signature` header's tag list (RFC 6376 §3.2, §3.5), parsed
//! into a [`Signature`] or refused with the reason in words. Bounded: a
//! header value over [`MAX_HEADER_BYTES`], more than [`MAX_TAGS`] tags or
//! more than [`MAX_SIGNED_HEADERS`] names in `h=` is refused, never parsed
//! at length.

use base64::Engine;

/// The longest `DKIM-Signature` value read (real ones are under 2 KB).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most tags a signature may have.
pub const MAX_TAGS: usize = 64;
/// The most header names `h=` may list.
pub const MAX_SIGNED_HEADERS: usize = 128;

/// A signing algorithm (`a=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `rsa-sha256`.
    RsaSha256,
    /// `rsa-sha1` (historic; still verified, old leaks are full of it).
    RsaSha1,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl Algorithm {
    /// The name as written in `a=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The key type (`k=` of the key record) the algorithm needs.
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 | Algorithm::RsaSha1 => "rsa",
            Algorithm::Ed25519Sha256 => "ed25519",
        }
    }

    /// The hash name (`h=` of the key record may restrict it).
    pub fn hash(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "sha1",
            Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => "sha256",
        }
    }
}

/// A canonicalisation (`c=`, RFC 6376 §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canon {
    /// `simple`: bytes as they are (body: trailing empty lines dropped).
    Simple,
    /// `relaxed`: white space runs made one space, names lower-cased.
    Relaxed,
}

impl Canon {
    fn parse(s: &str) -> Option<Canon> {
        match s.to_ascii_lowercase().as_str() {
            "simple" => Some(Canon::Simple),
            "relaxed" => Some(Canon::Relaxed),
            _ => None,
        }
    }

    /// The name as written in `c=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }
}

/// A parsed `DKIM-Signature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `a=`.
    pub algorithm: Algorithm,
    /// `c=` for the header.
    pub header_canon: Canon,
    /// `c=` for the body.
    pub body_canon: Canon,
    /// `d=`, lower case.
    pub domain: String,
    /// `s=`, as written (selectors are case-insensitive in DNS; compared lower case).
    pub selector: String,
    /// `h=`: the signed header names, lower case, in the order listed.
    pub headers: Vec<String>,
    /// `bh=`, decoded.
    pub body_hash: Vec<u8>,
    /// `b=`, decoded.
    pub signature: Vec<u8>,
    /// `l=`: how many bytes of the canonical body are signed.
    pub length: Option<u64>,
    /// `t=`: when it was signed (seconds since the epoch).
    pub timestamp: Option<i64>,
    /// `x=`: when it expires.
    pub expires: Option<i64>,
    /// `i=`: the agent or user identifier.
    pub identity: Option<String>,
}

/// Why a signature header cannot be used, or the algorithm is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// The reason, in words.
    pub reason: String,
    /// The `d=` and `s=` when they could be read (so the verdict still names them).
    pub domain: Option<String>,
    /// The `s=` when it could be read.
    pub selector: Option<String>,
    /// The `a=` as written, when present.
    pub algorithm: Option<String>,
}

/// Splits a tag list into (name, value) pairs, values trimmed of folding
/// white space at both ends. Refuses duplicates and bad names.
pub fn tag_list(value: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in value.split(';') {
        if part.trim().is_empty() {
            continue;
        }
        if out.len() >= MAX_TAGS {
            return Err(format!("more than {MAX_TAGS} tags"));
        }
        let Some((name, val)) = part.split_once('=') else {
            return Err(format!("a tag without '=': {:?}", short(part.trim())));
        };
        let name = name.trim();
        let good = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !good {
            return Err(format!("a bad tag name: {:?}", short(name)));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(format!("the tag {name}= appears twice"));
        }
        out.push((name.to_string(), val.trim().to_string()));
    }
    Ok(out)
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn without_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

fn decode_b64(tag: &str, s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(without_ws(s))
        .map_err(|_| format!("{tag}= is not base64"))
}

fn number(tag: &str, s: &str) -> Result<u64, String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{tag}= is not a number: {:?}", short(s)));
    }
    s.parse::<u64>()
        .map_err(|_| format!("{tag}= is out of range: {:?}", short(s)))
}

fn seconds(tag: &str, s: &str) -> Result<i64, String> {
    i64::try_from(number(tag, s)?).map_err(|_| format!("{tag}= is out of range"))
}

/// Parses the value of a `DKIM-Signature` header (after the colon).
pub fn parse(value: &str) -> Result<Signature, Malformed> {
    let mut bad = Malformed {
        reason: String::new(),
        domain: None,
        selector: None,
        algorithm: None,
    };
    if value.len() > MAX_HEADER_BYTES {
        bad.reason = format!("the signature header is longer than {MAX_HEADER_BYTES} bytes");
        return Err(bad);
    }
    let tags = match tag_list(value) {
        Ok(t) => t,
        Err(e) => {
            bad.reason = format!("malformed signature header: {e}");
            return Err(bad);
        }
    };
    let get = |n: &str| tags.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    bad.domain = get("d").map(|d| d.to_ascii_lowercase());
    bad.selector = get("s").map(str::to_string);
    bad.algorithm = get("a").map(str::to_string);
    match build(&get) {
        Ok(sig) => Ok(sig),
        Err(reason) => {
            bad.reason = reason;
            Err(bad)
        }
    }
}

fn build<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<Signature, String> {
    let need = |n: &str| get(n).ok_or_else(|| format!("the required tag {n}= is missing"));
    if need("v")? != "1" {
        return Err(format!("unsupported version v={}", short(need("v")?)));
    }
    let algorithm = match need("a")?.to_ascii_lowercase().as_str() {
        "rsa-sha256" => Algorithm::RsaSha256,
        "rsa-sha1" => Algorithm::RsaSha1,
        "ed25519-sha256" => Algorithm::Ed25519Sha256,
        other => return Err(format!("unsupported algorithm a={}", short(other))),
    };
    let (header_canon, body_canon) = match get("c") {
        None => (Canon::Simple, Canon::Simple),
        Some(c) => {
            let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
            match (Canon::parse(h.trim()), Canon::parse(b.trim())) {
                (Some(h), Some(b)) => (h, b),
                _ => return Err(format!("unknown canonicalisation c={}", short(c))),
            }
        }
    };
    let domain = need("d")?.to_ascii_lowercase();
    if domain.is_empty() || domain.chars().any(|c| c.is_whitespace() || c == '@') {
        return Err(format!("d= is not a domain: {:?}", short(&domain)));
    }
    let selector = need("s")?.to_string();
    if selector.is_empty() || selector.chars().any(char::is_whitespace) {
        return Err(format!("s= is not a selector: {:?}", short(&selector)));
    }
    let names: Vec<String> = need("h")?
        .split(':')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    if names.len() > MAX_SIGNED_HEADERS {
        return Err(format!("h= lists more than {MAX_SIGNED_HEADERS} headers"));
    }
    if names.iter().any(|n| n.is_empty()) {
        return Err("h= has an empty header name".into());
    }
    let body_hash = decode_b64("bh", need("bh")?)?;
    let signature = decode_b64("b", need("b")?)?;
    if signature.is_empty() {
        return Err("b= is empty".into());
    }
    let length = get("l").map(|l| number("l", l)).transpose()?;
    let timestamp = get("t").map(|t| seconds("t", t)).transpose()?;
    let expires = get("x").map(|x| seconds("x", x)).transpose()?;
    if let Some(q) = get("q")
        && !q
            .split(':')
            .any(|m| m.trim().eq_ignore_ascii_case("dns/txt"))
    {
        return Err(format!("unsupported key query method q={}", short(q)));
    }
    let identity = get("i").map(str::to_string);
    if let Some(i) = &identity {
        let idom = i.rsplit_once('@').map_or(i.as_str(), |(_, d)| d);
        let idom = idom.to_ascii_lowercase();
        if idom != domain && !idom.ends_with(&format!(".{domain}")) {
            return Err(format!(
                "i={} is not in the signing domain d={domain}",
                short(i)
            ));
        }
    }
    Ok(Signature {
        algorithm,
        header_canon,
        body_canon,
        domain,
        selector,
        headers: names,
        body_hash,
        signature,
        length,
        timestamp,
        expires,
        identity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "v=1; a=rsa-sha256; c=relaxed/simple; d=Example.ORG; s=sel;\r\n\th=From : To:subject; bh=AAAA; b=AQID\r\n BAU=; l=10; t=100; x=200; i=joe@mail.example.org";

    #[test]
    fn parses_every_tag() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.algorithm, Algorithm::RsaSha256);
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
        assert_eq!(s.domain, "example.org");
        assert_eq!(s.selector, "sel");
        assert_eq!(s.headers, ["from", "to", "subject"]);
        assert_eq!(s.body_hash, [0, 0, 0]);
        assert_eq!(s.signature, [1, 2, 3, 4, 5]);
        assert_eq!(
            (s.length, s.timestamp, s.expires),
            (Some(10), Some(100), Some(200))
        );
    }

    #[test]
    fn c_defaults_and_single_value() {
        let base = "v=1; a=ed25519-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA";
        let s = parse(base).unwrap();
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canon::Simple, Canon::Simple)
        );
        let s = parse(&format!("{base}; c=relaxed")).unwrap();
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
    }

    #[test]
    fn refusals_say_why_and_keep_names() {
        let cases = [
            (
                "v=1; a=rsa-md5; d=x.org; s=s; h=from; bh=AAAA; b=AAAA",
                "unsupported algorithm a=rsa-md5",
            ),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; bh=AAAA; b=AAAA",
                "h= is missing",
            ),
            ("v=1; a=rsa-sha256; d=x.org; d=y.org", "appears twice"),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=!!; b=AAAA",
                "bh= is not base64",
            ),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; l=-1",
                "l= is not a number",
            ),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; i=@y.org",
                "not in the signing domain",
            ),
            (
                "v=2; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA",
                "unsupported version",
            ),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; c=odd/simple",
                "unknown canonicalisation",
            ),
            ("v=1; garbage", "without '='"),
            (
                "v=1; a=rsa-sha256; d=x.org; s=s; h=from; bh=AAAA; b=AAAA; q=http",
                "query method",
            ),
        ];
        for (value, want) in cases {
            let e = parse(value).unwrap_err();
            assert!(e.reason.contains(want), "{value}: {}", e.reason);
        }
        let e = parse("v=1; a=rsa-md5; d=X.org; s=sel; h=from; bh=AAAA; b=AAAA").unwrap_err();
        assert_eq!(e.domain.as_deref(), Some("x.org"));
        assert_eq!(e.selector.as_deref(), Some("sel"));
        assert!(parse(&"a".repeat(MAX_HEADER_BYTES + 1)).is_err());
        let many: String = (0..100).map(|i| format!("t{i}=1;")).collect();
        assert!(parse(&many).unwrap_err().reason.contains("more than"));
    }
}
