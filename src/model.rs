//! Plain data shared by every stage: message keys, origins, addresses,
//! attachments, defects and the parsed [`Message`] record.
//!
//! Nothing here does I/O or parsing; these types are what the source
//! splitters, the parser, the store and (later) the index pass between them.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    /// Digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        use sha2::Digest;
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl FromStr for Sha256 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| format!("not a 64-digit hex SHA-256: {s:?}"))?;
        Ok(Sha256(out))
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The stable identity of a message: the SHA-256 of its canonical bytes
/// (see `source::canonical`): the message as stored in the source,
/// without an mbox `From_` line, with mbox `>From` quoting removed, line ends
/// normalised to LF and trailing newlines dropped. The same message
/// re-imported, or found in an mbox and as an `.eml` file, gets the same key.
pub type MessageKey = Sha256;

/// The container formats mailsift recognises, detected by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// A Unix mbox (any of mboxo, mboxrd, mboxcl, mboxcl2; LF or CRLF).
    Mbox,
    /// A gzip-compressed mbox (the Podesta release's `.mbox.gz`).
    MboxGz,
    /// A single RFC 5322 message file.
    Eml,
    /// A gzip-compressed single message.
    EmlGz,
    /// A folder searched recursively for mail files.
    Folder,
    /// A maildir (a folder with `cur/`, `new/`, `tmp/`), searched recursively.
    Maildir,
    /// An Apple Mail `.emlx` (or `.partial.emlx`): a byte-count line, the
    /// message, then a property list with its flags.
    Emlx,
    /// A zip archive, its entries streamed (src/source/archive/).
    Zip,
    /// A tar archive, its entries streamed.
    Tar,
    /// A gzip-compressed tar archive (`.tar.gz`, `.tgz`).
    TarGz,
    /// An Outlook PST (Unicode or ANSI): its items converted
    /// (src/outlook/); an origin's `offset` is the item's node id.
    Pst,
    /// An Outlook `.msg` file (one item, converted).
    Msg,
}

impl SourceFormat {
    /// The name stored in the case and shown to the user (`"mbox"`, `"mbox-gz"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Mbox => "mbox",
            SourceFormat::MboxGz => "mbox-gz",
            SourceFormat::Eml => "eml",
            SourceFormat::EmlGz => "eml-gz",
            SourceFormat::Folder => "folder",
            SourceFormat::Maildir => "maildir",
            SourceFormat::Emlx => "emlx",
            SourceFormat::Zip => "zip",
            SourceFormat::Tar => "tar",
            SourceFormat::TarGz => "tar-gz",
            SourceFormat::Pst => "pst",
            SourceFormat::Msg => "msg",
        }
    }

    /// The format named by [`as_str`](Self::as_str), or None for an unknown name.
    pub fn parse(s: &str) -> Option<SourceFormat> {
        Some(match s {
            "mbox" => SourceFormat::Mbox,
            "mbox-gz" => SourceFormat::MboxGz,
            "eml" => SourceFormat::Eml,
            "eml-gz" => SourceFormat::EmlGz,
            "folder" => SourceFormat::Folder,
            "maildir" => SourceFormat::Maildir,
            "emlx" => SourceFormat::Emlx,
            "zip" => SourceFormat::Zip,
            "tar" => SourceFormat::Tar,
            "tar-gz" => SourceFormat::TarGz,
            "pst" => SourceFormat::Pst,
            "msg" => SourceFormat::Msg,
            _ => return None,
        })
    }

    /// Whether offsets in an origin of this format count bytes of the
    /// decompressed stream rather than of the file.
    pub fn is_compressed(self) -> bool {
        matches!(self, SourceFormat::MboxGz | SourceFormat::EmlGz)
    }

    /// Whether this is an archive whose entries are read as files.
    pub fn is_archive(self) -> bool {
        matches!(
            self,
            SourceFormat::Zip | SourceFormat::Tar | SourceFormat::TarGz
        )
    }

    /// Whether messages of this format are converted from Outlook items
    /// (no MIME source: mailsift renders one, see src/outlook/).
    pub fn is_outlook(self) -> bool {
        matches!(self, SourceFormat::Pst | SourceFormat::Msg)
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a message's raw bytes are: a byte range of one file (of its
/// decompressed stream when the file is gzip'd).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The file holding the message (absolute path).
    pub path: PathBuf,
    /// Format of that file.
    pub format: SourceFormat,
    /// Offset of the first byte of the message (after any `From_` line).
    pub offset: u64,
    /// Length of the message in the source, mbox quoting included.
    pub length: u64,
    /// SHA-256 of exactly those `length` bytes.
    pub raw_sha256: Sha256,
    /// The mbox `From_` separator line, without its line end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_line: Option<String>,
    /// Maildir flags from a `:2,FLAGS` file-name suffix (e.g. `"RS"`), or
    /// an Apple Mail `.emlx`'s flags in the same letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maildir_flags: Option<String>,
    /// For a message inside an archive: the entry holding it, as a path
    /// inside `path` (the archive); entries of archives nested in it are
    /// joined with `!/` (`inner.zip!/folder/msg.eml`). `offset` and
    /// `length` then count bytes of that entry (decompressed, and for a
    /// gzip'd entry of its decompressed stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// For a message converted from an Outlook item (a PST's or a
    /// `.msg`'s, which have no MIME source): where the item is, in words
    /// (`PST node 0x00200024 in "Inbox/Finance"`, `MSG file`). The bytes
    /// at this origin are mailsift's rendering of the item
    /// (src/outlook/render.rs), made again when read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted: Option<String>,
}

impl Origin {
    /// The path shown to the user: the file's, and inside an archive the
    /// entry after `!/` (`/dump/mail.zip!/folder/msg.eml`).
    pub fn display_path(&self) -> String {
        match &self.entry {
            Some(e) => format!("{}!/{e}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// The maildir flags of this origin: the `:2,` suffix's letters, `""`
    /// for a file right inside a `new/` folder without one (delivered, not
    /// yet seen), None when the origin is not a maildir file.
    pub fn maildir_state(&self) -> Option<&str> {
        if let Some(f) = &self.maildir_flags {
            return Some(f);
        }
        let dir = self.path.parent()?.file_name()?;
        (dir == "new").then_some("")
    }
}

/// The meaning of a maildir flag letter (`S` → `seen`), None for a letter
/// maildir does not define (lower-case letters are a mail program's own
/// keywords).
pub fn maildir_flag_name(letter: char) -> Option<&'static str> {
    Some(match letter {
        'D' => "draft",
        'F' => "flagged",
        'P' => "passed",
        'R' => "replied",
        'S' => "seen",
        'T' => "trashed",
        _ => return None,
    })
}

/// A mailbox: display name (decoded) and address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// The display name, decoded and trimmed; None when the header gave none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The address as written (`local@domain`), trimmed; not lower-cased.
    pub addr: String,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) if !n.is_empty() => write!(f, "{n} <{}>", self.addr),
            _ => f.write_str(&self.addr),
        }
    }
}

/// An attachment (any non-body leaf part), described but never written to
/// disk during import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name exactly as given in the mail (decoded), never used as a path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MIME type as declared (lower case).
    pub mime: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// SHA-256 of the decoded content.
    pub sha256: Sha256,
    /// Whether the part was marked inline rather than attachment.
    #[serde(default)]
    pub inline: bool,
    /// Text content of text-bearing attachments (plain text, CSV, HTML as
    /// text, forwarded messages, and the text extracted from documents),
    /// capped; used for indexing. Stored once per content in the case
    /// (`attachment_texts`), not in the message record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The kind of content, detected from the bytes first, then the type
    /// and name (`pdf`, `docx`, `xlsx`, `image`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What became of the text (None: not a kind that carries text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_status: Option<TextStatus>,
}

/// What became of an attachment's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextStatus {
    /// All of the text was extracted.
    Extracted,
    /// Text extracted up to the size limit.
    Truncated,
    /// The document holds no text (an empty sheet, a 0-byte file).
    Empty,
    /// Encrypted; cannot be read without a password.
    Encrypted,
    /// Pages without a text layer (scanned); no OCR is done.
    ImageOnly,
    /// Extraction failed (damaged, zip bomb, over budget, extractor error);
    /// the reason is in the message's `attachment_text_failed` defect.
    Failed,
    /// A document kind mailsift does not read (legacy .doc/.ppt).
    Unsupported,
}

impl TextStatus {
    /// The name stored in the case (`"extracted"`, `"image_only"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TextStatus::Extracted => "extracted",
            TextStatus::Truncated => "truncated",
            TextStatus::Empty => "empty",
            TextStatus::Encrypted => "encrypted",
            TextStatus::ImageOnly => "image_only",
            TextStatus::Failed => "failed",
            TextStatus::Unsupported => "unsupported",
        }
    }

    /// The status named by [`as_str`](Self::as_str), or None for an unknown name.
    pub fn parse(s: &str) -> Option<TextStatus> {
        [
            TextStatus::Extracted,
            TextStatus::Truncated,
            TextStatus::Empty,
            TextStatus::Encrypted,
            TextStatus::ImageOnly,
            TextStatus::Failed,
            TextStatus::Unsupported,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// What kind of problem a message has. Stable snake_case names are used in
/// reports and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectKind {
    /// The MIME parser returned an error; the message is kept raw-only.
    ParseFailed,
    /// The MIME parser panicked; contained, the message is kept raw-only.
    ParserPanic,
    /// The message is larger than the in-memory limit; kept raw-only with
    /// the headers that fit.
    TooLarge,
    /// MIME nesting deeper than the limit; kept raw-only.
    TooDeep,
    /// More MIME parts than the limit; the rest were not examined.
    TooManyParts,
    /// A header longer than the limit; its value was cut.
    HeaderTooLong,
    /// Decoded content exceeded the per-message budget; the rest was not decoded.
    DecodeBudget,
    /// No header block could be recognised.
    NoHeaders,
    /// The message is empty.
    Empty,
    /// The message ends early (end of file inside it, missing closing MIME boundary).
    Truncated,
    /// A `Content-Length` header did not land on the next message and was ignored.
    BadContentLength,
    /// An mbox `From_` line that did not follow a blank line.
    SeparatorWithoutBlankLine,
    /// No `Date` header.
    MissingDate,
    /// A `Date` header that could not be parsed.
    BadDate,
    /// A date before 1975 or in the future; kept as given, not corrected.
    ImplausibleDate,
    /// No `Message-ID` header.
    MissingMessageId,
    /// Another message in the case has the same Message-ID but different bytes.
    DuplicateMessageId,
    /// A charset label nobody knows; decoded lossily.
    UnknownCharset,
    /// Bytes not valid in the declared charset; replaced.
    CharsetErrors,
    /// Raw 8-bit bytes in a header; decoded by best guess.
    #[serde(rename = "raw_8bit_header")]
    Raw8bitHeader,
    /// 8-bit body text without a declared charset; decoded by best guess.
    #[serde(rename = "undeclared_8bit")]
    Undeclared8bit,
    /// An address header that could not be parsed.
    BadAddress,
    /// A base64 or quoted-printable body that could not be decoded.
    BadTransferEncoding,
    /// Body or attachment text cut at the storage limit.
    TextTruncated,
    /// The text of an attachment (PDF, Office, …) could not be extracted:
    /// encrypted, image-only, damaged, a zip bomb, over its time or size
    /// budget, or the extractor failed. The message and the attachment's
    /// bytes are kept; only that attachment's text is missing.
    AttachmentTextFailed,
    /// An address header (To, Cc, …) given more than once; the addresses
    /// of every occurrence are kept, in order.
    RepeatedHeader,
    /// Characters after the end of base64 data (after its padding, or not
    /// base64 at all); what decodes was decoded, the rest ignored.
    #[serde(rename = "base64_junk")]
    Base64Junk,
    /// A multipart part that does not start with its boundary line; its
    /// parts were recovered by a lenient reading.
    MissingBoundary,
    /// An S/MIME `smime.p7m` (`application/pkcs7-mime`) that could not be
    /// read as a CMS object, or whose signed content is missing or not MIME
    /// data; the part is kept as an attachment, its content is not read.
    BadSmime,
    /// An Apple Mail `.partial.emlx`: Apple kept some attachments outside
    /// the message, in an `Attachments/<id>/` folder; the detail names the
    /// files found there, or says none were.
    PartialEmlx,
}

impl DefectKind {
    /// Every defect kind, each once (for listing and for parsing stored names).
    pub const ALL: &'static [DefectKind] = &[
        DefectKind::ParseFailed,
        DefectKind::ParserPanic,
        DefectKind::TooLarge,
        DefectKind::TooDeep,
        DefectKind::TooManyParts,
        DefectKind::HeaderTooLong,
        DefectKind::DecodeBudget,
        DefectKind::NoHeaders,
        DefectKind::Empty,
        DefectKind::Truncated,
        DefectKind::BadContentLength,
        DefectKind::SeparatorWithoutBlankLine,
        DefectKind::MissingDate,
        DefectKind::BadDate,
        DefectKind::ImplausibleDate,
        DefectKind::MissingMessageId,
        DefectKind::DuplicateMessageId,
        DefectKind::UnknownCharset,
        DefectKind::CharsetErrors,
        DefectKind::Raw8bitHeader,
        DefectKind::Undeclared8bit,
        DefectKind::BadAddress,
        DefectKind::BadTransferEncoding,
        DefectKind::TextTruncated,
        DefectKind::AttachmentTextFailed,
        DefectKind::RepeatedHeader,
        DefectKind::Base64Junk,
        DefectKind::MissingBoundary,
        DefectKind::BadSmime,
        DefectKind::PartialEmlx,
    ];

    /// What the defect means, in a reporter's words (the window shows
    /// these; [`as_str`](Self::as_str) is the technical code beside them).
    pub fn plain(self) -> &'static str {
        match self {
            DefectKind::ParseFailed => "could not be read part by part; kept exactly as it was",
            DefectKind::ParserPanic => "made the mail reader fail; kept exactly as it was",
            DefectKind::TooLarge => "too large to read whole; kept as it was, headers shown",
            DefectKind::TooDeep => "parts nested too deeply; kept exactly as it was",
            DefectKind::TooManyParts => "more parts than mailsift reads; the rest not examined",
            DefectKind::HeaderTooLong => "a header too long to keep whole; cut",
            DefectKind::DecodeBudget => {
                "more content than mailsift decodes; the rest left as it was"
            }
            DefectKind::NoHeaders => "no headers found",
            DefectKind::Empty => "the message is empty",
            DefectKind::Truncated => "ends early: cut off in the source",
            DefectKind::BadContentLength => "a wrong Content-Length header, ignored",
            DefectKind::SeparatorWithoutBlankLine => {
                "a mailbox separator line without a blank line before it"
            }
            DefectKind::MissingDate => "no date",
            DefectKind::BadDate => "a date that could not be read",
            DefectKind::ImplausibleDate => "a date before 1975 or in the future, kept as given",
            DefectKind::MissingMessageId => "no Message-ID",
            DefectKind::DuplicateMessageId => "the same Message-ID as a different message",
            DefectKind::UnknownCharset => "an unknown character set; text decoded by best guess",
            DefectKind::CharsetErrors => "characters not valid in their declared set; replaced",
            DefectKind::Raw8bitHeader => "undeclared accented characters in a header; best guess",
            DefectKind::Undeclared8bit => "undeclared accented characters in the text; best guess",
            DefectKind::BadAddress => "an address that could not be read",
            DefectKind::BadTransferEncoding => "an encoded part that could not be decoded",
            DefectKind::TextTruncated => "text cut at the storage limit",
            DefectKind::AttachmentTextFailed => "an attachment's text could not be extracted",
            DefectKind::RepeatedHeader => "an address header given twice; both kept",
            DefectKind::Base64Junk => "junk after encoded data; what decodes was decoded",
            DefectKind::MissingBoundary => "a part without its opening line; recovered",
            DefectKind::BadSmime => {
                "an S/MIME signed part that could not be opened; kept as an attachment"
            }
            DefectKind::PartialEmlx => {
                "Apple Mail kept some attachments outside this message (partial .emlx)"
            }
        }
    }

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DefectKind::ParseFailed => "parse_failed",
            DefectKind::ParserPanic => "parser_panic",
            DefectKind::TooLarge => "too_large",
            DefectKind::TooDeep => "too_deep",
            DefectKind::TooManyParts => "too_many_parts",
            DefectKind::HeaderTooLong => "header_too_long",
            DefectKind::DecodeBudget => "decode_budget",
            DefectKind::NoHeaders => "no_headers",
            DefectKind::Empty => "empty",
            DefectKind::Truncated => "truncated",
            DefectKind::BadContentLength => "bad_content_length",
            DefectKind::SeparatorWithoutBlankLine => "separator_without_blank_line",
            DefectKind::MissingDate => "missing_date",
            DefectKind::BadDate => "bad_date",
            DefectKind::ImplausibleDate => "implausible_date",
            DefectKind::MissingMessageId => "missing_message_id",
            DefectKind::DuplicateMessageId => "duplicate_message_id",
            DefectKind::UnknownCharset => "unknown_charset",
            DefectKind::CharsetErrors => "charset_errors",
            DefectKind::Raw8bitHeader => "raw_8bit_header",
            DefectKind::Undeclared8bit => "undeclared_8bit",
            DefectKind::BadAddress => "bad_address",
            DefectKind::BadTransferEncoding => "bad_transfer_encoding",
            DefectKind::TextTruncated => "text_truncated",
            DefectKind::AttachmentTextFailed => "attachment_text_failed",
            DefectKind::RepeatedHeader => "repeated_header",
            DefectKind::Base64Junk => "base64_junk",
            DefectKind::MissingBoundary => "missing_boundary",
            DefectKind::BadSmime => "bad_smime",
            DefectKind::PartialEmlx => "partial_emlx",
        }
    }

    /// The kind named by [`as_str`](Self::as_str) (e.g. `"too_large"`), or None for an unknown
    /// name.
    pub fn parse(s: &str) -> Option<DefectKind> {
        DefectKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Whether a message with this defect is kept raw-only.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            DefectKind::ParseFailed
                | DefectKind::ParserPanic
                | DefectKind::TooLarge
                | DefectKind::TooDeep
                | DefectKind::NoHeaders
                | DefectKind::Empty
        )
    }
}

impl fmt::Display for DefectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in one message, with a human-readable detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defect {
    /// What kind of problem it is.
    pub kind: DefectKind,
    /// What exactly was found, for a person (the header, the size, the error).
    pub detail: String,
}

impl Defect {
    /// A defect of `kind` with its detail.
    pub fn new(kind: DefectKind, detail: impl Into<String>) -> Defect {
        Defect {
            kind,
            detail: detail.into(),
        }
    }
}

/// One rendering of a message's body that is not the one shown first: a
/// text part of a `multipart/alternative` other than the preferred one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternative {
    /// The part's MIME type as declared (lower case): `text/html`, `text/plain`.
    pub mime: String,
    /// The part's text (HTML rendered as text, never loaded), capped.
    pub text: String,
}

/// How a message is signed: the signature is kept, never verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// OpenPGP: `multipart/signed` with an `application/pgp-signature`
    /// part, or an inline `-----BEGIN PGP SIGNED MESSAGE-----` body.
    Pgp,
    /// S/MIME: `multipart/signed` with an `application/pkcs7-signature`
    /// part, or `application/pkcs7-mime; smime-type=signed-data` whose
    /// content could not be read.
    Smime,
    /// Opaque-signed S/MIME (common from Outlook): the message's content is
    /// inside the CMS SignedData of an `application/pkcs7-mime` part
    /// (`smime.p7m`); it was unwrapped and read as the message's content,
    /// and the `smime.p7m` part is kept among the signatures.
    SmimeOpaque,
}

impl SignatureKind {
    /// The name exports and the window show (`"pgp"`, `"smime"`,
    /// `"smime_opaque"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Pgp => "pgp",
            SignatureKind::Smime => "smime",
            SignatureKind::SmimeOpaque => "smime_opaque",
        }
    }

    /// The name a person reads (`"PGP"`, `"S/MIME"`, `"S/MIME
    /// opaque-signed"`).
    pub fn label(self) -> &'static str {
        match self {
            SignatureKind::Pgp => "PGP",
            SignatureKind::Smime => "S/MIME",
            SignatureKind::SmimeOpaque => "S/MIME opaque-signed",
        }
    }
}

/// How a message is encrypted: its content cannot be read without the
/// recipient's key, so its body is empty and its parts are opaque.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionKind {
    /// PGP/MIME: `multipart/encrypted`.
    PgpMime,
    /// An inline `-----BEGIN PGP MESSAGE-----` block in a text body.
    PgpInline,
    /// S/MIME: `application/pkcs7-mime; smime-type=enveloped-data`.
    Smime,
}

impl EncryptionKind {
    /// The name exports show (`"pgp_mime"`, `"pgp_inline"`, `"smime"`).
    pub fn as_str(self) -> &'static str {
        match self {
            EncryptionKind::PgpMime => "pgp_mime",
            EncryptionKind::PgpInline => "pgp_inline",
            EncryptionKind::Smime => "smime",
        }
    }

    /// The name a person reads (`"PGP/MIME"`, `"inline PGP"`, `"S/MIME"`).
    pub fn label(self) -> &'static str {
        match self {
            EncryptionKind::PgpMime => "PGP/MIME",
            EncryptionKind::PgpInline => "inline PGP",
            EncryptionKind::Smime => "S/MIME",
        }
    }
}

/// Whether the MIME structure could be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseStatus {
    /// The MIME structure was parsed: headers, body text and attachments are filled in.
    Parsed,
    /// Only the raw bytes (and any headers recovered) are kept.
    RawOnly,
}

impl ParseStatus {
    /// The name stored in the case (`"parsed"` or `"raw_only"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParseStatus::Parsed => "parsed",
            ParseStatus::RawOnly => "raw_only",
        }
    }
}

/// Everything the parser extracts from one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The message's identity: SHA-256 of its canonical bytes.
    pub key: MessageKey,
    /// Whether the MIME structure was parsed or only the raw bytes are kept.
    pub status: ParseStatus,
    /// Size of the canonical message in bytes.
    pub size: u64,
    /// Seconds since the Unix epoch, UTC, when the `Date` header parsed.
    pub date: Option<i64>,
    /// The `Date` header as written.
    pub date_raw: Option<String>,
    /// The `From` addresses, in header order (empty when absent).
    pub from: Vec<Address>,
    /// The `Sender` addresses (empty when absent).
    pub sender: Vec<Address>,
    /// The `To` addresses (empty when absent).
    pub to: Vec<Address>,
    /// The `Cc` addresses (empty when absent).
    pub cc: Vec<Address>,
    /// The `Bcc` addresses (empty when absent).
    pub bcc: Vec<Address>,
    /// The `Reply-To` addresses (empty when absent).
    pub reply_to: Vec<Address>,
    /// The `Subject`, decoded; None when the message has no such header.
    pub subject: Option<String>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids without angle brackets.
    pub in_reply_to: Vec<String>,
    /// References ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Gmail's `X-GM-THRID`, when present.
    pub gm_thread_id: Option<String>,
    /// Outlook's `Thread-Index` (base64), when present.
    pub thread_index: Option<String>,
    /// Gmail's labels from `X-Gmail-Labels` (Takeout and Gmail-exported
    /// mboxes), decoded, in header order, without duplicates: how the
    /// owner filed the mail (`Inbox`, `Important`, `Opened`, `Category
    /// Personal`, `Work/Projects`). Empty when the header is absent and in
    /// records stored before labels were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The readable body: text/plain parts, or HTML rendered as text.
    pub body_text: String,
    /// True when the body came from HTML (rendered as text, never loaded).
    pub body_from_html: bool,
    /// The other renderings of the body that a `multipart/alternative`
    /// carries (the HTML beside the plain text, a second plain text), as
    /// text, in MIME order; `body_text` is the preferred one. Indexed with
    /// the body. Empty in records stored before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// The attachments (every leaf part that is neither body text nor a
    /// signature), in MIME order.
    pub attachments: Vec<Attachment>,
    /// The signature parts of `multipart/signed` (`application/pgp-signature`,
    /// `application/pkcs7-signature`), kept as evidence but not counted as
    /// attachments. Empty in records stored before they were kept apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Attachment>,
    /// How the message is signed, when it is (the signature is not verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignatureKind>,
    /// How the message is encrypted, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<EncryptionKind>,
    /// Problems found while reading the message; empty for a clean one.
    pub defects: Vec<Defect>,
}

impl Message {
    /// An empty record for `key`; the parser fills it in.
    pub fn empty(key: MessageKey, size: u64) -> Message {
        Message {
            key,
            status: ParseStatus::Parsed,
            size,
            date: None,
            date_raw: None,
            from: Vec::new(),
            sender: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: Vec::new(),
            subject: None,
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            gm_thread_id: None,
            thread_index: None,
            labels: Vec::new(),
            body_text: String::new(),
            body_from_html: false,
            alternatives: Vec::new(),
            attachments: Vec::new(),
            signatures: Vec::new(),
            signed: None,
            encrypted: None,
            defects: Vec::new(),
        }
    }

    /// Whether the subject is a placeholder of an encrypted message whose
    /// real subject is inside the encrypted part ("protected headers"):
    /// `...`, `Subject Unavailable`, or none at all. The subject is kept
    /// as written; this only lets the window say what it is.
    pub fn placeholder_subject(&self) -> bool {
        self.encrypted.is_some()
            && self
                .subject
                .as_deref()
                .map(str::trim)
                .is_none_or(|s| s.is_empty() || s == "..." || s == "Subject Unavailable")
    }

    /// Whether a defect of `kind` was recorded for this message.
    pub fn has_defect(&self, kind: DefectKind) -> bool {
        self.defects.iter().any(|d| d.kind == kind)
    }
}

/// Per-message resource limits. Beyond them a message is kept raw-only (or
/// partly examined) with a defect, never dropped and never allowed to take
/// unbounded time or memory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest message held in memory and parsed; larger ones are hashed while
    /// streaming and kept raw-only (`too_large`) with the headers that fit in
    /// `max_header_block`.
    pub max_message_bytes: usize,
    /// Largest header block examined.
    pub max_header_block: usize,
    /// Longest decoded header value kept (`header_too_long` beyond).
    pub max_header_value: usize,
    /// Most MIME parts examined (`too_many_parts` beyond).
    pub max_parts: usize,
    /// Deepest MIME nesting parsed (`too_deep` beyond).
    pub max_depth: usize,
    /// Total bytes decoded from transfer encodings per message (`decode_budget` beyond).
    pub max_decoded_bytes: usize,
    /// Longest body text stored, the body and the other alternatives'
    /// text together (`text_truncated` beyond; the body comes first).
    pub max_body_text: usize,
    /// Longest text kept per text-bearing attachment (`text_truncated` beyond).
    pub max_attachment_text: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message_bytes: 128 << 20,
            max_header_block: 1 << 20,
            max_header_value: 64 << 10,
            max_parts: 1000,
            max_depth: 64,
            max_decoded_bytes: 256 << 20,
            max_body_text: 4 << 20,
            max_attachment_text: 1 << 20,
        }
    }
}

/// A file (inside a folder source) that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file that was left out.
    pub path: PathBuf,
    /// Why it was left out, in words for the user.
    pub reason: String,
}

/// Where a search hit is: in the message itself, or in the text of one
/// of its attachments.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum MatchPlace {
    /// In the message itself: its subject or body, or (when no attachment matches) its other
    /// fields.
    Message,
    /// In the extracted text of one attachment.
    Attachment {
        /// Position in the message's attachment list.
        index: usize,
        /// The attachment's file name, if it has one.
        name: Option<String>,
    },
}

/// What threading needs to know about one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInput {
    /// The message's key in the case.
    pub key: MessageKey,
    /// Message-ID, without `<>` (tolerated if present).
    pub message_id: Option<String>,
    /// In-Reply-To ids, without `<>`.
    pub in_reply_to: Vec<String>,
    /// References ids, oldest first, without `<>`.
    pub references: Vec<String>,
    /// Decoded subject (the thread's subject is taken from it).
    pub subject: Option<String>,
    /// Seconds since the epoch, UTC.
    pub date: Option<i64>,
    /// Gmail `X-GM-THRID`.
    pub gm_thread_id: Option<String>,
    /// Outlook `Thread-Index` header value (base64).
    pub thread_index: Option<String>,
}

impl ThreadInput {
    /// An input with only a key; fill in the rest field by field.
    pub fn new(key: MessageKey) -> ThreadInput {
        ThreadInput {
            key,
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            subject: None,
            date: None,
            gm_thread_id: None,
            thread_index: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha_hex_round_trip() {
        let s = Sha256::of(b"abc");
        assert_eq!(
            s.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(s.to_hex().parse::<Sha256>().unwrap(), s);
        assert_eq!(Sha256::of(b"abc").to_string(), s.to_hex());
        assert!("xyz".parse::<Sha256>().is_err());
    }

    #[test]
    fn defect_names_round_trip() {
        for k in DefectKind::ALL {
            assert_eq!(DefectKind::parse(k.as_str()), Some(*k));
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }
}
