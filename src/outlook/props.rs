//! MAPI properties as both readers give them ([`Prop`], [`Props`]), the
//! property ids mailsift reads, and the step from properties to an
//! [`Item`]: addresses resolved to SMTP where the item says, times from
//! FILETIME, bodies decoded (HTML in its code page, compressed RTF
//! decompressed).

use std::collections::BTreeMap;

use super::{Content, Item, ItemAttachment, Person, RecipientKind};

/// One property value, as much as mailsift needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prop {
    /// A Unicode string (`PT_UNICODE`).
    Text(String),
    /// An 8-bit string in the item's code page (`PT_STRING8`).
    String8(Vec<u8>),
    /// Bytes (`PT_BINARY`).
    Binary(Vec<u8>),
    /// An integer (16, 32 or 64 bits).
    Int(i64),
    /// A FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
    Time(i64),
    /// A boolean.
    Bool(bool),
}

/// The properties of one object (message, recipient row, attachment).
pub type Props = BTreeMap<u16, Prop>;

/// `PR_MESSAGE_CLASS`.
pub const MESSAGE_CLASS: u16 = 0x001A;
/// `PR_SUBJECT`.
pub const SUBJECT: u16 = 0x0037;
/// `PR_CLIENT_SUBMIT_TIME`.
pub const SUBMIT_TIME: u16 = 0x0039;
/// `PR_SENT_REPRESENTING_NAME`.
pub const REPR_NAME: u16 = 0x0042;
/// `PR_SENT_REPRESENTING_ADDRTYPE`.
pub const REPR_ADDRTYPE: u16 = 0x0064;
/// `PR_SENT_REPRESENTING_EMAIL_ADDRESS`.
pub const REPR_EMAIL: u16 = 0x0065;
/// `PR_RECIPIENT_TYPE`.
pub const RECIPIENT_TYPE: u16 = 0x0C15;
/// `PR_SENDER_NAME`.
pub const SENDER_NAME: u16 = 0x0C1A;
/// `PR_SENDER_ADDRTYPE`.
pub const SENDER_ADDRTYPE: u16 = 0x0C1E;
/// `PR_SENDER_EMAIL_ADDRESS`.
pub const SENDER_EMAIL: u16 = 0x0C1F;
/// `PR_MESSAGE_DELIVERY_TIME`.
pub const DELIVERY_TIME: u16 = 0x0E06;
/// `PR_BODY`.
pub const BODY: u16 = 0x1000;
/// `PR_RTF_COMPRESSED`.
pub const RTF_COMPRESSED: u16 = 0x1009;
/// `PR_HTML`.
pub const HTML: u16 = 0x1013;
/// `PR_INTERNET_MESSAGE_ID`.
pub const INTERNET_MESSAGE_ID: u16 = 0x1035;
/// `PR_INTERNET_REFERENCES`.
pub const INTERNET_REFERENCES: u16 = 0x1039;
/// `PR_IN_REPLY_TO_ID`.
pub const IN_REPLY_TO: u16 = 0x1042;
/// `PR_DISPLAY_NAME` (recipients, attachments).
pub const DISPLAY_NAME: u16 = 0x3001;
/// `PR_ADDRTYPE`.
pub const ADDRTYPE: u16 = 0x3002;
/// `PR_EMAIL_ADDRESS`.
pub const EMAIL_ADDRESS: u16 = 0x3003;
/// `PR_ATTACH_DATA_BIN` / `PR_ATTACH_DATA_OBJ`.
pub const ATTACH_DATA: u16 = 0x3701;
/// `PR_ATTACH_FILENAME`.
pub const ATTACH_FILENAME: u16 = 0x3704;
/// `PR_ATTACH_METHOD`.
pub const ATTACH_METHOD: u16 = 0x3705;
/// `PR_ATTACH_LONG_FILENAME`.
pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
/// `PR_ATTACH_MIME_TAG`.
pub const ATTACH_MIME_TAG: u16 = 0x370E;
/// `PR_SMTP_ADDRESS` (recipients).
pub const SMTP_ADDRESS: u16 = 0x39FE;
/// `PR_INTERNET_CPID`: the code page of the HTML body.
pub const INTERNET_CPID: u16 = 0x3FDE;
/// `PR_MESSAGE_CODEPAGE`: the code page of 8-bit strings.
pub const MESSAGE_CODEPAGE: u16 = 0x3FFD;
/// `PR_SENDER_SMTP_ADDRESS`.
pub const SENDER_SMTP: u16 = 0x5D01;
/// `PR_SENT_REPRESENTING_SMTP_ADDRESS`.
pub const REPR_SMTP: u16 = 0x5D02;
/// `PR_RECIPIENT_DISPLAY_NAME`.
pub const RECIPIENT_DISPLAY_NAME: u16 = 0x5FF6;
/// `PR_PST_PASSWORD` (on the message store).
pub const PST_PASSWORD: u16 = 0x67FF;

/// Attachment method: by value (a file's bytes).
pub const ATTACH_BY_VALUE: i64 = 1;
/// Attachment method: an embedded message.
pub const ATTACH_EMBEDDED_MSG: i64 = 5;
/// Attachment method: an OLE storage.
pub const ATTACH_OLE: i64 = 6;

/// Decodes properties of one object in its code page.
pub struct Reader<'a> {
    props: &'a Props,
    codepage: &'static encoding_rs::Encoding,
}

impl<'a> Reader<'a> {
    /// Reads `props`, 8-bit strings in `codepage` (a Windows code page
    /// number; None: the object's own `PR_MESSAGE_CODEPAGE`, else 1252).
    pub fn new(props: &'a Props, codepage: Option<i64>) -> Reader<'a> {
        let cp = codepage
            .or_else(|| int(props, MESSAGE_CODEPAGE))
            .unwrap_or(1252);
        Reader {
            props,
            codepage: crate::extract::codepage_encoding(cp),
        }
    }

    /// A string property, trimmed of NULs; None when absent or empty.
    pub fn text(&self, id: u16) -> Option<String> {
        let s = match self.props.get(&id)? {
            Prop::Text(s) => s.clone(),
            Prop::String8(b) => self.codepage.decode(b).0.into_owned(),
            _ => return None,
        };
        let s = s.trim_end_matches('\0').to_string();
        (!s.trim().is_empty()).then_some(s)
    }

    /// A time property as seconds since the Unix epoch.
    pub fn time(&self, id: u16) -> Option<i64> {
        match self.props.get(&id)? {
            Prop::Time(ft) => filetime_to_unix(*ft),
            _ => None,
        }
    }

    /// An integer property.
    pub fn int(&self, id: u16) -> Option<i64> {
        int(self.props, id)
    }

    /// A binary property.
    pub fn binary(&self, id: u16) -> Option<&'a [u8]> {
        match self.props.get(&id)? {
            Prop::Binary(b) => Some(b),
            _ => None,
        }
    }
}

fn int(props: &Props, id: u16) -> Option<i64> {
    match props.get(&id)? {
        Prop::Int(n) => Some(*n),
        Prop::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// FILETIME (100 ns since 1601) to Unix seconds; None for 0 and for
/// values past year 9999.
pub fn filetime_to_unix(ft: i64) -> Option<i64> {
    const EPOCH_DIFF: i64 = 11_644_473_600;
    if ft <= 0 {
        return None;
    }
    let secs = ft / 10_000_000 - EPOCH_DIFF;
    (secs < 253_402_300_800).then_some(secs)
}

/// Whether `s` looks like an SMTP address (`local@domain`, no spaces).
fn is_smtp(s: &str) -> bool {
    let s = s.trim();
    !s.starts_with('/') && s.contains('@') && !s.contains(char::is_whitespace) && s.len() <= 320
}

/// A person from a name, an address type, an address and an SMTP
/// address property: the SMTP one wins; an `EX` (Exchange) address is
/// kept as `other` when nothing resolves it.
fn person(r: &Reader<'_>, name: u16, addrtype: u16, email: u16, smtp: u16) -> Person {
    let name = r.text(name);
    let smtp_prop = r.text(smtp).filter(|s| is_smtp(s));
    let email = r.text(email);
    let addrtype = r.text(addrtype).map(|t| t.to_ascii_uppercase());
    let (smtp, other) = match (smtp_prop, email) {
        (Some(s), _) => (Some(s), None),
        (None, Some(e)) if addrtype.as_deref() != Some("EX") && is_smtp(&e) => (Some(e), None),
        (None, Some(e)) => (None, Some(e)),
        (None, None) => (None, None),
    };
    Person {
        name: name.filter(|n| Some(n) != smtp.as_ref()),
        smtp: smtp.map(|s| s.trim().to_string()),
        other,
    }
}

/// An item from its properties, its recipient rows and its attachments
/// (already read by the container's reader).
pub fn item_from(
    props: &Props,
    recipients: &[Props],
    attachments: Vec<ItemAttachment>,
    mut problems: Vec<String>,
) -> Item {
    let r = Reader::new(props, None);
    let repr = person(&r, REPR_NAME, REPR_ADDRTYPE, REPR_EMAIL, REPR_SMTP);
    let sender = person(&r, SENDER_NAME, SENDER_ADDRTYPE, SENDER_EMAIL, SENDER_SMTP);
    let (from, sender) = if repr.is_empty() {
        (sender, None)
    } else if sender.is_empty() || same_person(&repr, &sender) {
        (repr, None)
    } else {
        (repr, Some(sender))
    };
    let recipients = recipients
        .iter()
        .filter_map(|row| {
            let rr = Reader::new(row, r.int(MESSAGE_CODEPAGE));
            let kind = match rr.int(RECIPIENT_TYPE).map(|t| t & 0xF) {
                Some(2) => RecipientKind::Cc,
                Some(3) => RecipientKind::Bcc,
                _ => RecipientKind::To,
            };
            let mut p = person(&rr, DISPLAY_NAME, ADDRTYPE, EMAIL_ADDRESS, SMTP_ADDRESS);
            if p.name.is_none() {
                p.name = rr
                    .text(RECIPIENT_DISPLAY_NAME)
                    .filter(|n| Some(n) != p.smtp.as_ref());
            }
            (!p.is_empty()).then_some((kind, p))
        })
        .collect();
    let body_html = html_body(&r, props);
    let body_rtf = match r.binary(RTF_COMPRESSED) {
        Some(data) => match decompress_rtf(data) {
            Ok(rtf) => Some(rtf),
            Err(e) => {
                problems.push(format!("the RTF body cannot be decompressed: {e}"));
                None
            }
        },
        None => None,
    };
    Item {
        class: r.text(MESSAGE_CLASS),
        subject: r.text(SUBJECT).map(strip_subject_marker),
        from,
        sender,
        recipients,
        sent: r.time(SUBMIT_TIME),
        received: r.time(DELIVERY_TIME),
        message_id: r.text(INTERNET_MESSAGE_ID),
        in_reply_to: r.text(IN_REPLY_TO),
        references: r.text(INTERNET_REFERENCES),
        body_text: r.text(BODY),
        body_html,
        body_rtf,
        attachments,
        problems,
    }
}

/// A subject as Outlook stores it may start with U+0001 and a character
/// giving the length of its prefix (`FW: `): the marker is not text.
fn strip_subject_marker(s: String) -> String {
    let mut it = s.chars();
    if it.next() == Some('\u{1}') && it.next().is_some() {
        return it.as_str().to_string();
    }
    s
}

fn same_person(a: &Person, b: &Person) -> bool {
    match (&a.smtp, &b.smtp) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a.name == b.name && a.other == b.other,
    }
}

/// The HTML body: a string, or bytes in `PR_INTERNET_CPID`'s code page.
fn html_body(r: &Reader<'_>, props: &Props) -> Option<String> {
    if let Some(s) = r.text(HTML) {
        return Some(s);
    }
    let bytes = r.binary(HTML)?;
    let cp = int(props, INTERNET_CPID).unwrap_or(65001);
    let enc = if cp == 65001 {
        encoding_rs::UTF_8
    } else {
        crate::extract::codepage_encoding(cp)
    };
    let s = enc.decode(bytes).0.trim_end_matches('\0').to_string();
    (!s.trim().is_empty()).then_some(s)
}

/// Compressed RTF (MS-OXRTFCP) to RTF source; the crate's panics on
/// damaged headers are contained.
fn decompress_rtf(data: &[u8]) -> Result<String, String> {
    if data.len() < 16 {
        return Err("shorter than its header".into());
    }
    let raw_size = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let kind = u32::from_le_bytes([data[8], data[9], data[10], data[11]]);
    // Uncompressed ("MELA"): the raw size must fit in the data.
    if kind == 0x414C_454D && raw_size.saturating_add(16) > data.len() {
        return Err("its size is larger than the data".into());
    }
    match crate::contain::contain(|| compressed_rtf::decompress_rtf(data)) {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("the decompressor failed ({panic})")),
    }
}

/// An attachment from its properties and content.
pub fn attachment_from(props: &Props, codepage: Option<i64>, content: Content) -> ItemAttachment {
    let r = Reader::new(props, codepage);
    let name = r
        .text(ATTACH_LONG_FILENAME)
        .or_else(|| r.text(ATTACH_FILENAME))
        .or_else(|| r.text(DISPLAY_NAME));
    ItemAttachment {
        name,
        mime: r.text(ATTACH_MIME_TAG),
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetimes_become_unix_seconds() {
        // 2014-02-26T07:50:04Z
        assert_eq!(
            filetime_to_unix(130_378_746_040_000_000),
            Some(1_393_401_004)
        );
        assert_eq!(filetime_to_unix(0), None);
        assert_eq!(filetime_to_unix(i64::MAX), None);
    }

    #[test]
    fn smtp_addresses_win_over_exchange_ones() {
        let mut p = Props::new();
        p.insert(SENDER_NAME, Prop::Text("Ann Lee".into()));
        p.insert(SENDER_ADDRTYPE, Prop::Text("EX".into()));
        p.insert(
            SENDER_EMAIL,
            Prop::Text("/O=ACME/OU=EXCHANGE/CN=RECIPIENTS/CN=ALEE".into()),
        );
        let item = item_from(&p, &[], Vec::new(), Vec::new());
        assert_eq!(item.from.smtp, None);
        assert_eq!(
            item.from.other.as_deref(),
            Some("/O=ACME/OU=EXCHANGE/CN=RECIPIENTS/CN=ALEE")
        );
        p.insert(SENDER_SMTP, Prop::Text("ann@acme.example".into()));
        let item = item_from(&p, &[], Vec::new(), Vec::new());
        assert_eq!(item.from.smtp.as_deref(), Some("ann@acme.example"));
        assert_eq!(item.from.other, None);
        assert_eq!(item.from.name.as_deref(), Some("Ann Lee"));
    }

    #[test]
    fn recipients_by_kind_and_8bit_strings_in_their_code_page() {
        let mut row = Props::new();
        row.insert(RECIPIENT_TYPE, Prop::Int(2));
        row.insert(DISPLAY_NAME, Prop::String8(b"J\xf6rn".to_vec()));
        row.insert(ADDRTYPE, Prop::String8(b"SMTP".to_vec()));
        row.insert(EMAIL_ADDRESS, Prop::String8(b"jk@example.org".to_vec()));
        let item = item_from(&Props::new(), &[row], Vec::new(), Vec::new());
        assert_eq!(item.recipients.len(), 1);
        assert_eq!(item.recipients[0].0, RecipientKind::Cc);
        assert_eq!(item.recipients[0].1.name.as_deref(), Some("Jörn"));
        assert_eq!(item.recipients[0].1.smtp.as_deref(), Some("jk@example.org"));
    }

    #[test]
    fn the_subject_prefix_marker_is_dropped() {
        assert_eq!(strip_subject_marker("\u{1}\u{5}FW: x".into()), "FW: x");
        assert_eq!(strip_subject_marker("plain".into()), "plain");
        assert_eq!(strip_subject_marker("\u{1}".into()), "\u{1}");
    }

    #[test]
    fn damaged_rtf_is_a_problem_not_a_panic() {
        let mut p = Props::new();
        p.insert(RTF_COMPRESSED, Prop::Binary(vec![1, 2, 3]));
        let item = item_from(&p, &[], Vec::new(), Vec::new());
        assert!(item.body_rtf.is_none());
        assert!(item.problems[0].contains("RTF"), "{:?}", item.problems);
        let mut bad = vec![0u8; 20];
        bad[8..12].copy_from_slice(&0x414C_454Du32.to_le_bytes());
        bad[4..8].copy_from_slice(&1000u32.to_le_bytes());
        p.insert(RTF_COMPRESSED, Prop::Binary(bad));
        assert!(
            item_from(&p, &[], Vec::new(), Vec::new())
                .body_rtf
                .is_none()
        );
    }
}
