//! Outlook's own formats: PST/OST files ([`pst`], read with Microsoft's
//! `outlook-pst` crate) and single `.msg` files ([`msg`], a compound file
//! read with `cfb`).
//!
//! An Outlook item has no MIME source: it is a set of MAPI properties
//! (subject, sender, recipients, times, bodies in plain text, HTML and
//! compressed RTF, attachments). Both readers turn an item into an
//! [`Item`] through the same property names ([`props`]), and [`render`]
//! writes an [`Item`] as a deterministic RFC 5322 message: the *converted*
//! message, which the parser, View source, exports and evidence packets
//! see. Its SHA-256 is the message's raw hash and (canonicalised) its key,
//! so importing the same item again gives the same id, and reading it back
//! ([`read_converted`]) opens the container again, finds the item (a PST
//! by node id, a `.msg` whole) and renders it again, byte for byte.
//!
//! Origins of converted messages carry `converted` (the item's address in
//! words: `PST node 0x200024 in "Inbox/Finance"`, `MSG file`), and the
//! folder path is the message's label (`folder:"Inbox/Finance"`).

pub mod msg;
pub mod props;
pub mod pst;
pub mod render;

use crate::error::{Error, Result};
use crate::model::{Origin, Sha256, SourceFormat};

/// Who sent or received an item: a display name and an address (SMTP
/// where the item carries one, else what it has, e.g. an Exchange
/// `/O=…` distinguished name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// The display name, when there is one.
    pub name: Option<String>,
    /// The SMTP address, when known.
    pub smtp: Option<String>,
    /// An address that is not SMTP (an Exchange legacy DN `/O=…`), kept
    /// when no SMTP address resolves it.
    pub other: Option<String>,
}

impl Person {
    /// Whether nothing is known about this person.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.smtp.is_none() && self.other.is_none()
    }
}

/// Recipient kinds (`PR_RECIPIENT_TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientKind {
    /// `MAPI_TO`.
    To,
    /// `MAPI_CC`.
    Cc,
    /// `MAPI_BCC`.
    Bcc,
}

/// What an attachment holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A file's bytes.
    Bytes(Vec<u8>),
    /// An embedded Outlook item (a message attached to a message).
    Item(Box<Item>),
    /// Nothing readable (a link to a file elsewhere, or damage): why.
    Missing(String),
}

/// One attachment of an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemAttachment {
    /// The file name (long name preferred), when there is one.
    pub name: Option<String>,
    /// The MIME type Outlook noted (`PR_ATTACH_MIME_TAG`), when any.
    pub mime: Option<String>,
    /// The content.
    pub content: Content,
}

/// An Outlook item as read from its properties, before rendering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// `PR_MESSAGE_CLASS` (`IPM.Note`, `IPM.Appointment`, …).
    pub class: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// Who the item is from (the "sent representing" person, else the sender).
    pub from: Person,
    /// The sender when it differs from `from` (sent on behalf of).
    pub sender: Option<Person>,
    /// Recipients in table order.
    pub recipients: Vec<(RecipientKind, Person)>,
    /// When it was sent (`PR_CLIENT_SUBMIT_TIME`), seconds since the epoch.
    pub sent: Option<i64>,
    /// When it was received (`PR_MESSAGE_DELIVERY_TIME`).
    pub received: Option<i64>,
    /// `PR_INTERNET_MESSAGE_ID`, as written (angle brackets included).
    pub message_id: Option<String>,
    /// `PR_IN_REPLY_TO_ID`.
    pub in_reply_to: Option<String>,
    /// `PR_INTERNET_REFERENCES`.
    pub references: Option<String>,
    /// The plain-text body (`PR_BODY`).
    pub body_text: Option<String>,
    /// The HTML body (`PR_HTML`), decoded to text.
    pub body_html: Option<String>,
    /// The RTF body (`PR_RTF_COMPRESSED`, decompressed), as RTF source.
    pub body_rtf: Option<String>,
    /// The attachments in table order.
    pub attachments: Vec<ItemAttachment>,
    /// What could not be read of this item, in words for the report.
    pub problems: Vec<String>,
}

/// Where a converted item is in its container, for the `converted` note
/// of its origin and the `X-Mailsift-Converted` header.
pub fn pst_address(nid: u32, folder: &str) -> String {
    format!("PST node 0x{nid:08X} in \"{folder}\"")
}

/// The address of a `.msg` file's item.
pub const MSG_ADDRESS: &str = "MSG file";

/// Reads a converted message back: the container opened again, the item
/// found and rendered again; the bytes are checked against the SHA-256
/// recorded at import (a changed container, or a renderer that changed,
/// is an error, never silently different bytes).
pub fn read_converted(origin: &Origin) -> Result<Vec<u8>> {
    let bytes = match origin.format {
        SourceFormat::Pst => {
            let nid = u32::try_from(origin.offset).map_err(|_| mismatch(origin))?;
            let address = origin
                .converted
                .clone()
                .unwrap_or_else(|| pst_address(nid, ""));
            pst::render_node(&origin.path, nid, &address)?
        }
        SourceFormat::Msg => {
            let file =
                crate::source::read_source(&origin.path).map_err(|e| Error::SourceUnreadable {
                    path: origin.path.clone(),
                    source: e,
                })?;
            let item = msg::read_msg(&file).map_err(|reason| Error::Converted {
                path: origin.path.clone(),
                address: MSG_ADDRESS.into(),
                reason,
            })?;
            render::render(&item, origin.converted.as_deref().unwrap_or(MSG_ADDRESS))
        }
        _ => return crate::source::read_raw(origin),
    };
    if bytes.len() as u64 != origin.length || Sha256::of(&bytes) != origin.raw_sha256 {
        return Err(mismatch(origin));
    }
    Ok(bytes)
}

fn mismatch(origin: &Origin) -> Error {
    Error::RawMismatch {
        path: origin.path.clone(),
        offset: origin.offset,
        length: origin.length,
        expected: origin.raw_sha256.to_hex(),
    }
}
