//! The MIME walk: an iterative, bounded walk of the part tree that reads
//! the body (text/plain preferred among alternatives, HTML rendered as
//! text; the other alternatives' text kept beside it), describes each
//! attachment (size, SHA-256, kind) and gets its text (documents through a
//! [`DocText`], forwarded messages, HTML and plain text here). It also
//! notes how the message is signed or encrypted (PGP/MIME, inline PGP,
//! S/MIME) and keeps the signature parts of `multipart/signed` apart from
//! the attachments. Opaque-signed S/MIME (`smime.p7m` holding a CMS
//! SignedData) is unwrapped (`super::smime`) and the MIME entity inside is
//! walked in its place, so its text and attachments are the message's.

use mailparse::{MailHeaderMap, ParsedMail};

use super::DocText;
use super::charset::{cap_text, declared_charset, decode_text, decoded_body, encoded_raw};
use super::smime::{Cms, read_cms};
use crate::extract::DocKind;
use crate::model::{
    Alternative, Attachment, Defect, DefectKind, EncryptionKind, Limits, Sha256, SignatureKind,
    TextStatus,
};

/// The types of the signature part of a `multipart/signed`, and what
/// signature each is.
const SIGNATURE_TYPES: [(&str, SignatureKind); 3] = [
    ("application/pgp-signature", SignatureKind::Pgp),
    ("application/pkcs7-signature", SignatureKind::Smime),
    ("application/x-pkcs7-signature", SignatureKind::Smime),
];

/// How the defect for alternatives over the text limit starts.
const ALTERNATIVES_FULL: &str = "the other alternatives' text reached";

/// How deep forwarded messages (message/rfc822) are followed for their text.
const MAX_RFC822_DEPTH: usize = 4;

/// How many opaque-signed S/MIME layers are unwrapped, one inside the other.
const MAX_SMIME_DEPTH: usize = 3;

/// An S/MIME part that may hold opaque-signed content.
#[derive(Clone, Copy, PartialEq)]
enum P7m {
    /// `application/pkcs7-mime; smime-type=signed-data`.
    Signed,
    /// `application/pkcs7-mime` without an `smime-type` (older clients):
    /// encrypted unless its CMS content type says signed.
    Untyped,
    /// Any other part named `smime.p7m` (Outlook sends some as
    /// `application/octet-stream`): read only when its CMS content is signed.
    Named,
}

/// Walks the MIME tree (iteratively, bounded), collecting body text and
/// attachments.
pub(super) struct Walker<'l> {
    limits: &'l Limits,
    decoded: usize,
    parts: usize,
    pub(super) body: String,
    pub(super) body_from_html: bool,
    /// Text parts of the alternatives not chosen for the body.
    pub(super) alternatives: Vec<Alternative>,
    /// Bytes of text kept in `alternatives`, bounded by the body text limit.
    alternatives_len: usize,
    pub(super) attachments: Vec<Attachment>,
    /// The signature parts of `multipart/signed`, kept apart from `attachments`.
    pub(super) signatures: Vec<Attachment>,
    /// How the message is signed, when it is.
    pub(super) signed: Option<SignatureKind>,
    /// How the message is encrypted, when it is.
    pub(super) encrypted: Option<EncryptionKind>,
    pub(super) defects: Vec<Defect>,
    rfc822_depth: usize,
    /// Opaque-signed S/MIME layers being walked (bounded by `MAX_SMIME_DEPTH`).
    smime_depth: usize,
    /// Whether the `too_deep` defect was recorded.
    warned_depth: bool,
    budget_noted: bool,
    /// When set, the decoded bytes of each attachment are kept here, in
    /// the order of `attachments`.
    pub(super) contents: Option<Vec<Vec<u8>>>,
    /// Extracts the text of document attachments.
    docs: Option<&'l dyn DocText>,
}

/// How a part contributes.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Its text parts form the body.
    Body,
    /// An alternative not chosen: its text parts are kept as other
    /// renderings of the body, its attachments count as attachments.
    Alternative,
}

impl<'l> Walker<'l> {
    /// A walker with nothing read yet; `keep_contents` keeps each
    /// attachment's decoded bytes in `contents`.
    pub(super) fn new(
        limits: &'l Limits,
        docs: Option<&'l dyn DocText>,
        keep_contents: bool,
    ) -> Self {
        Walker {
            limits,
            decoded: 0,
            parts: 0,
            body: String::new(),
            body_from_html: false,
            alternatives: Vec::new(),
            alternatives_len: 0,
            attachments: Vec::new(),
            signatures: Vec::new(),
            signed: None,
            encrypted: None,
            defects: Vec::new(),
            rfc822_depth: 0,
            smime_depth: 0,
            warned_depth: false,
            budget_noted: false,
            contents: keep_contents.then(Vec::new),
            docs,
        }
    }

    pub(super) fn walk(&mut self, root: &ParsedMail<'_>) {
        self.walk_from(root, Role::Body, 0);
    }

    /// Walks the tree under `root`, a part of `role` at `depth` (an
    /// unwrapped S/MIME entity starts below its `smime.p7m`).
    fn walk_from(&mut self, root: &ParsedMail<'_>, role: Role, depth: usize) {
        // (part, role, depth, whether its parent is a multipart/signed)
        let mut stack: Vec<(&ParsedMail<'_>, Role, usize, bool)> = vec![(root, role, depth, false)];
        while let Some((part, role, depth, in_signed)) = stack.pop() {
            self.parts += 1;
            if self.parts > self.limits.max_parts {
                if !self.has(DefectKind::TooManyParts) {
                    self.defects.push(Defect::new(
                        DefectKind::TooManyParts,
                        format!(
                            "more than {} MIME parts; the rest were not examined",
                            self.limits.max_parts
                        ),
                    ));
                }
                break;
            }
            if part.ctype.mimetype.starts_with("multipart/") {
                if depth >= self.limits.max_depth {
                    if !self.warned_depth {
                        self.warned_depth = true;
                        self.defects.push(Defect::new(
                            DefectKind::TooDeep,
                            format!(
                                "MIME nesting deeper than {}; inner parts not examined",
                                self.limits.max_depth
                            ),
                        ));
                    }
                    continue;
                }
                if part.subparts.is_empty() {
                    if !self.undelimited(part, role) {
                        self.check_closing_boundary(part);
                    }
                    continue;
                }
                self.check_closing_boundary(part);
                self.protection(part);
                let signed = part.ctype.mimetype == "multipart/signed";
                let chosen = if part.ctype.mimetype == "multipart/alternative" && role == Role::Body
                {
                    Some(choose_alternative(&part.subparts))
                } else {
                    None
                };
                // Push in reverse so parts are visited in order.
                for (i, sub) in part.subparts.iter().enumerate().rev() {
                    let sub_role = match chosen {
                        Some(c) if c != i => Role::Alternative,
                        _ => role,
                    };
                    stack.push((sub, sub_role, depth + 1, signed));
                }
                continue;
            }
            self.protection(part);
            self.leaf(part, role, in_signed, depth);
        }
    }

    /// Whether a defect of `kind` was recorded.
    fn has(&self, kind: DefectKind) -> bool {
        self.defects.iter().any(|d| d.kind == kind)
    }

    /// Notes the signature or encryption a part declares: `multipart/signed`
    /// (by its protocol), `multipart/encrypted`, S/MIME `pkcs7-mime`.
    fn protection(&mut self, part: &ParsedMail<'_>) {
        let param = |name: &str| {
            part.ctype
                .params
                .get(name)
                .map(|v| v.trim().to_ascii_lowercase())
                .unwrap_or_default()
        };
        match part.ctype.mimetype.as_str() {
            "multipart/signed" => {
                let protocol = param("protocol");
                let kind = SIGNATURE_TYPES
                    .iter()
                    .find(|(t, _)| *t == protocol)
                    .map_or(SignatureKind::Pgp, |(_, k)| *k);
                self.signed.get_or_insert(kind);
            }
            "multipart/encrypted" => {
                self.encrypted.get_or_insert(EncryptionKind::PgpMime);
            }
            "application/pkcs7-mime" | "application/x-pkcs7-mime" => {
                match param("smime-type").as_str() {
                    // Signed, or none given (older clients): decided by
                    // what the CMS content is (`smime_part`).
                    "signed-data" | "" | "compressed-data" | "certs-only" => {}
                    // enveloped-data, authenveloped-data: encrypted.
                    _ => {
                        self.encrypted.get_or_insert(EncryptionKind::Smime);
                    }
                }
            }
            _ => {}
        }
    }

    /// Notes inline PGP armour at the start of a line of body text.
    fn inline_armour(&mut self, text: &str) {
        for line in text.lines() {
            match line.trim_end() {
                "-----BEGIN PGP MESSAGE-----" => {
                    self.encrypted.get_or_insert(EncryptionKind::PgpInline);
                }
                "-----BEGIN PGP SIGNED MESSAGE-----" => {
                    self.signed.get_or_insert(SignatureKind::Pgp);
                }
                _ => {}
            }
        }
    }

    /// Reads an S/MIME part (`bytes`: its decoded content, None when over
    /// the decode budget). True when it held opaque-signed content, which
    /// was walked in its place (its text and attachments are the
    /// message's); false when the part stays an attachment, marked signed
    /// or encrypted as it says, with a `bad_smime` defect when it could
    /// not be read.
    fn smime_part(&mut self, p7m: P7m, bytes: Option<&[u8]>, role: Role, depth: usize) -> bool {
        let cms = match bytes {
            Some(_) if self.smime_depth >= MAX_SMIME_DEPTH => {
                self.smime_defect(format!(
                    "S/MIME signed content nested more than {MAX_SMIME_DEPTH} deep; the inner one is kept as an attachment"
                ));
                None
            }
            Some(b) => Some(read_cms(b)),
            None => None,
        };
        match cms {
            Some(Ok(Cms::Signed(inner))) if self.walk_signed(&inner, role, depth) => {
                if self.signed.is_none_or(|k| k == SignatureKind::Smime) {
                    self.signed = Some(SignatureKind::SmimeOpaque);
                }
                return true;
            }
            Some(Ok(Cms::Enveloped)) => {
                self.encrypted.get_or_insert(EncryptionKind::Smime);
                return false;
            }
            Some(Ok(Cms::Other(oid))) => {
                if p7m == P7m::Signed {
                    self.smime_defect(format!(
                        "smime.p7m declares signed-data but holds CMS content of type {oid}"
                    ));
                }
                return false;
            }
            // Unreadable: a defect, unless the part is only named
            // smime.p7m and is no CMS at all (then it is not S/MIME).
            Some(Err(e))
                if p7m != P7m::Named || !matches!(e, super::smime::SmimeError::Malformed(_)) =>
            {
                self.smime_defect(format!("smime.p7m: {e}; kept as an attachment"));
            }
            // Not signed after all, or not read: as it says (below).
            Some(Ok(Cms::Signed(_)) | Err(_)) | None => {}
        }
        match p7m {
            P7m::Signed => {
                self.signed.get_or_insert(SignatureKind::Smime);
            }
            P7m::Untyped => {
                self.encrypted.get_or_insert(EncryptionKind::Smime);
            }
            P7m::Named => {}
        }
        false
    }

    /// Parses the MIME entity an S/MIME signature wraps and walks it as a
    /// part of `role` below `depth`; false (with a defect) when it is not one.
    fn walk_signed(&mut self, inner: &[u8], role: Role, depth: usize) -> bool {
        if inner.iter().all(u8::is_ascii_whitespace) {
            self.smime_defect(
                "smime.p7m: the signed content is empty; kept as an attachment".into(),
            );
            return false;
        }
        match mailparse::parse_mail(inner) {
            Ok(parsed) => {
                self.smime_depth += 1;
                self.walk_from(&parsed, role, depth + 1);
                self.smime_depth -= 1;
                true
            }
            Err(e) => {
                self.smime_defect(format!(
                    "smime.p7m: the signed content is not a MIME entity ({e}); kept as an attachment"
                ));
                false
            }
        }
    }

    fn smime_defect(&mut self, detail: String) {
        self.defects.push(Defect::new(DefectKind::BadSmime, detail));
    }

    /// A multipart whose closing boundary is missing was cut short.
    fn check_closing_boundary(&mut self, part: &ParsedMail<'_>) {
        let Some(boundary) = part.ctype.params.get("boundary") else {
            return;
        };
        let closing = format!("--{boundary}--");
        if memchr::memmem::find(part.raw_bytes, closing.as_bytes()).is_none()
            && !self.defects.iter().any(|d| d.kind == DefectKind::Truncated)
        {
            self.defects.push(Defect::new(
                DefectKind::Truncated,
                format!(
                    "multipart boundary {boundary:?} is never closed; the message may be cut short"
                ),
            ));
        }
    }

    fn decode(&mut self, part: &ParsedMail<'_>) -> Option<Vec<u8>> {
        let raw_len = encoded_raw(part).len();
        if self.decoded + raw_len > self.limits.max_decoded_bytes {
            if !self.budget_noted {
                self.budget_noted = true;
                self.defects.push(Defect::new(
                    DefectKind::DecodeBudget,
                    format!(
                        "more than {} bytes to decode; later parts are described by their encoded bytes",
                        self.limits.max_decoded_bytes
                    ),
                ));
            }
            return None;
        }
        self.decoded += raw_len;
        match decoded_body(part) {
            Ok((b, defect)) => {
                self.defects.extend(defect);
                Some(b)
            }
            Err(e) => {
                self.defects.push(Defect::new(
                    DefectKind::BadTransferEncoding,
                    format!("{}: {e}; raw bytes used", part.ctype.mimetype),
                ));
                Some(encoded_raw(part).to_vec())
            }
        }
    }

    fn leaf(&mut self, part: &ParsedMail<'_>, role: Role, in_signed: bool, depth: usize) {
        let disposition = part.get_content_disposition();
        let name = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        let is_attachment_disp = disposition.disposition == mailparse::DispositionType::Attachment;
        let mime = part.ctype.mimetype.clone();
        let is_text_body = matches!(mime.as_str(), "text/plain" | "text/html");
        if role == Role::Alternative && is_text_body && name.is_none() && !is_attachment_disp {
            self.alternative(part, mime);
            return;
        }
        if role == Role::Body && is_text_body && name.is_none() && !is_attachment_disp {
            let Some(bytes) = self.decode(part) else {
                return;
            };
            let (text, defects) = decode_text(&bytes, declared_charset(part).as_deref());
            self.defects.extend(defects);
            let text = if mime == "text/html" {
                self.body_from_html = self.body.is_empty() || self.body_from_html;
                crate::html::html_to_text_limited(&text, self.limits.max_body_text)
            } else {
                text
            };
            self.inline_armour(&text);
            self.push_body(&text);
            return;
        }
        let signature = in_signed && SIGNATURE_TYPES.iter().any(|(t, _)| *t == mime);
        let encoded = encoded_raw(part);
        let decoded = self.decode(part);
        if let Some(p7m) = p7m_kind(part, &mime, name.as_deref())
            && self.smime_part(p7m, decoded.as_deref(), role, depth)
        {
            self.signatures.push(Attachment {
                name: Some(name.unwrap_or_else(|| "smime.p7m".to_string())),
                size: decoded.as_ref().map_or(0, |b| b.len() as u64),
                sha256: Sha256::of(decoded.as_deref().unwrap_or_default()),
                mime,
                inline: false,
                text: None,
                kind: None,
                text_status: None,
            });
            return;
        }
        let (size, sha256, kind, text, text_status, bytes) = match decoded {
            Some(bytes) => {
                let sha = Sha256::of(&bytes);
                let kind = crate::extract::detect(&bytes, &mime, name.as_deref());
                // Worked out for `attachment_contents` too (which extracts no
                // documents): reading a forwarded message counts its parts
                // and decoded bytes against the limits, so skipping it let
                // more attachments through than the record lists, and the
                // window saves attachment i under the record's i-th name
                // (found by the invariant of the `message` fuzz target).
                let (text, status) = self.attachment_text(
                    &mime,
                    &bytes,
                    declared_charset(part).as_deref(),
                    name.as_deref(),
                    kind,
                    &sha,
                );
                (bytes.len() as u64, sha, kind, text, status, bytes)
            }
            None => (
                encoded.len() as u64,
                Sha256::of(encoded),
                None,
                None,
                None,
                encoded.to_vec(),
            ),
        };
        let name = name
            .or_else(|| (mime == "message/rfc822").then(|| "forwarded message.eml".to_string()));
        let attachment = Attachment {
            name,
            mime,
            size,
            sha256,
            inline: disposition.disposition == mailparse::DispositionType::Inline
                && !is_attachment_disp,
            text,
            kind: kind.map(|k| k.name().to_string()),
            text_status,
        };
        if signature {
            self.signatures.push(attachment);
            return;
        }
        if let Some(contents) = &mut self.contents {
            contents.push(bytes);
        }
        self.attachments.push(attachment);
    }

    /// Appends text to the body (within the body text limit).
    fn push_body(&mut self, text: &str) {
        if !self.body.is_empty() && !text.trim().is_empty() {
            self.body.push_str("\n\n");
        }
        if self.body.len() <= self.limits.max_body_text {
            self.body.push_str(text);
        }
    }

    /// A multipart with no parts whose body never has its opening
    /// delimiter: read as plain text, as Python's email package does (it
    /// used to be dropped), and flagged. False when that is not the case.
    fn undelimited(&mut self, part: &ParsedMail<'_>, role: Role) -> bool {
        let Some(boundary) = part.ctype.params.get("boundary") else {
            return false;
        };
        // mailparse keeps no body for a multipart: it is after the header block.
        let raw = part.raw_bytes;
        let body = [&b"\r\n\r\n"[..], b"\n\n"]
            .iter()
            .filter_map(|sep| memchr::memmem::find(raw, sep).map(|i| i + sep.len()))
            .min()
            .map_or(&raw[..0], |start| &raw[start..]);
        let delimiter = format!("--{boundary}");
        if body.iter().all(u8::is_ascii_whitespace)
            || memchr::memmem::find(body, delimiter.as_bytes()).is_some()
            || self.decoded + body.len() > self.limits.max_decoded_bytes
        {
            return false;
        }
        self.decoded += body.len();
        self.defects.push(Defect::new(
            DefectKind::MissingBoundary,
            format!(
                "{} declares boundary {boundary:?} but no part starts with it; its body is read as plain text",
                part.ctype.mimetype
            ),
        ));
        let (text, defects) = decode_text(body, declared_charset(part).as_deref());
        self.defects.extend(defects);
        match role {
            Role::Alternative => self.keep_alternative("text/plain".to_string(), text),
            Role::Body => self.push_body(&text),
        }
        true
    }

    /// Keeps the text of an alternative not chosen for the body (HTML
    /// rendered as text), within the body text limit for all of them.
    fn alternative(&mut self, part: &ParsedMail<'_>, mime: String) {
        if self.alternatives_room() == 0 {
            note_alternatives_full(&mut self.defects, self.limits.max_body_text);
            return;
        }
        let Some(bytes) = self.decode(part) else {
            return;
        };
        let (text, defects) = decode_text(&bytes, declared_charset(part).as_deref());
        self.defects.extend(defects);
        self.keep_alternative(mime, text);
    }

    /// Room left for the other alternatives' text: the body text limit
    /// holds the body and them together.
    fn alternatives_room(&self) -> usize {
        self.limits
            .max_body_text
            .saturating_sub(self.alternatives_len)
            .saturating_sub(self.body.len())
    }

    /// Keeps `text` (of type `mime`) as another rendering of the body,
    /// within the body text limit for all of them.
    fn keep_alternative(&mut self, mime: String, text: String) {
        let room = self.alternatives_room();
        let text = if mime == "text/html" {
            crate::html::html_to_text_limited(&text, room)
        } else {
            text
        };
        if room == 0 || text.trim().is_empty() {
            return;
        }
        let text = cap_text(text, room, &mut self.defects, "alternative text");
        self.alternatives_len += text.len();
        self.alternatives.push(Alternative { mime, text });
    }

    /// Text kept for text-bearing attachments, and what became of it.
    fn attachment_text(
        &mut self,
        mime: &str,
        bytes: &[u8],
        charset: Option<&str>,
        name: Option<&str>,
        kind: Option<DocKind>,
        sha: &Sha256,
    ) -> (Option<String>, Option<TextStatus>) {
        let shown = || {
            crate::display::visible(name.unwrap_or("(no name)"))
                .chars()
                .take(120)
                .collect::<String>()
        };
        match kind {
            Some(k) if k.is_document() => {
                let Some(docs) = self.docs else {
                    return (None, None);
                };
                let out = docs.text(sha, bytes, k);
                if let Some(why) = &out.failure {
                    self.defects.push(Defect::new(
                        DefectKind::AttachmentTextFailed,
                        format!("{} ({k}): {why}", shown()),
                    ));
                }
                return (out.text, Some(out.status));
            }
            Some(k @ (DocKind::Doc | DocKind::Ppt)) if self.docs.is_some() => {
                self.defects.push(Defect::new(
                    DefectKind::AttachmentTextFailed,
                    format!(
                        "{} ({k}): legacy {} files have no text extractor; not searchable",
                        shown(),
                        if k == DocKind::Doc {
                            "Word"
                        } else {
                            "PowerPoint"
                        }
                    ),
                ));
                return (None, Some(TextStatus::Unsupported));
            }
            _ => {}
        }
        let text = self.plain_attachment_text(mime, bytes, charset, name, kind);
        let status = text.as_ref().map(|t| {
            if t.len() > self.limits.max_attachment_text {
                TextStatus::Truncated
            } else if t.trim().is_empty() {
                TextStatus::Empty
            } else {
                TextStatus::Extracted
            }
        });
        let text = text.map(|t| {
            cap_text(
                t,
                self.limits.max_attachment_text,
                &mut self.defects,
                "attachment text",
            )
        });
        (text, status)
    }

    /// Text of forwarded messages, HTML and plain-text attachments.
    fn plain_attachment_text(
        &mut self,
        mime: &str,
        bytes: &[u8],
        charset: Option<&str>,
        name: Option<&str>,
        kind: Option<DocKind>,
    ) -> Option<String> {
        let ext = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let text = if mime == "message/rfc822" {
            self.rfc822_text(bytes)?
        } else if kind == Some(DocKind::Html)
            || mime == "text/html"
            || matches!(ext.as_str(), "html" | "htm")
        {
            let (t, _) = decode_text(bytes, charset);
            crate::html::html_to_text_limited(&t, self.limits.max_attachment_text)
        } else if matches!(kind, Some(DocKind::Text | DocKind::Csv))
            || mime.starts_with("text/")
            || matches!(
                ext.as_str(),
                "txt" | "csv" | "tsv" | "md" | "log" | "ics" | "vcf"
            )
        {
            if bytes.contains(&0) {
                return None;
            }
            decode_text(bytes, charset).0
        } else {
            return None;
        };
        Some(text)
    }

    /// The readable text of a forwarded message: its main headers and body.
    fn rfc822_text(&mut self, bytes: &[u8]) -> Option<String> {
        if self.rfc822_depth >= MAX_RFC822_DEPTH {
            return None;
        }
        let parsed = mailparse::parse_mail(bytes).ok()?;
        let mut inner = Walker {
            limits: self.limits,
            decoded: self.decoded,
            parts: self.parts,
            body: String::new(),
            body_from_html: false,
            alternatives: Vec::new(),
            alternatives_len: 0,
            attachments: Vec::new(),
            signatures: Vec::new(),
            signed: None,
            encrypted: None,
            defects: Vec::new(),
            rfc822_depth: self.rfc822_depth + 1,
            smime_depth: self.smime_depth,
            warned_depth: false,
            budget_noted: self.budget_noted,
            contents: None,
            docs: self.docs,
        };
        inner.walk(&parsed);
        self.decoded = inner.decoded;
        self.parts = inner.parts;
        let mut out = String::new();
        for name in ["From", "To", "Cc", "Date", "Subject"] {
            if let Some(v) = parsed.headers.get_first_value(name) {
                out.push_str(&format!("{name}: {}\n", v.trim()));
            }
        }
        out.push('\n');
        out.push_str(&inner.body);
        for alt in &inner.alternatives {
            out.push_str("\n\n");
            out.push_str(&alt.text);
        }
        for a in &inner.attachments {
            if let Some(t) = &a.text {
                out.push_str("\n\n");
                out.push_str(t);
            }
        }
        Some(out)
    }
}

/// Records (once) that the alternatives' text reached the body text limit.
fn note_alternatives_full(defects: &mut Vec<Defect>, max: usize) {
    if !defects
        .iter()
        .any(|d| d.detail.starts_with(ALTERNATIVES_FULL))
    {
        defects.push(Defect::new(
            DefectKind::TextTruncated,
            format!("{ALTERNATIVES_FULL} {max} bytes with the body; later ones not kept"),
        ));
    }
}

/// The alternatives that fit beside a body of `body_len` bytes within
/// the body text limit `max`, in order (the last one cut): the limit holds
/// the body and the alternatives together, and the body, known only once
/// the walk is over, comes first.
pub(super) fn fit_alternatives(
    alternatives: Vec<Alternative>,
    body_len: usize,
    max: usize,
    defects: &mut Vec<Defect>,
) -> Vec<Alternative> {
    let mut room = max.saturating_sub(body_len);
    let total: usize = alternatives.iter().map(|a| a.text.len()).sum();
    if total <= room {
        return alternatives;
    }
    let mut kept = Vec::new();
    for Alternative { mime, text } in alternatives {
        if room == 0 {
            note_alternatives_full(defects, max);
            break;
        }
        let text = cap_text(text, room, defects, "alternative text");
        room -= text.len();
        if !text.trim().is_empty() {
            kept.push(Alternative { mime, text });
        }
    }
    kept
}

/// Whether a leaf part may be S/MIME holding signed content, and how it
/// says so (see [`P7m`]). Encrypted, compressed and certificate-only
/// `pkcs7-mime` parts are not.
fn p7m_kind(part: &ParsedMail<'_>, mime: &str, name: Option<&str>) -> Option<P7m> {
    if matches!(mime, "application/pkcs7-mime" | "application/x-pkcs7-mime") {
        let smime_type = part
            .ctype
            .params
            .get("smime-type")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        return match smime_type.as_str() {
            "signed-data" => Some(P7m::Signed),
            "" => Some(P7m::Untyped),
            _ => None,
        };
    }
    name.is_some_and(|n| n.eq_ignore_ascii_case("smime.p7m"))
        .then_some(P7m::Named)
}

/// Index of the alternative to read: text/plain first, then a multipart
/// (which may hold text/plain), then text/html, else the last one.
fn choose_alternative(parts: &[ParsedMail<'_>]) -> usize {
    let find = |pred: &dyn Fn(&str) -> bool| parts.iter().position(|p| pred(&p.ctype.mimetype));
    find(&|m| m == "text/plain")
        .or_else(|| find(&|m| m.starts_with("multipart/")))
        .or_else(|| find(&|m| m == "text/html"))
        .unwrap_or(parts.len() - 1)
}
