//! The search schema, declared once: fields, their options, the text
//! analyzer, and how a [`Message`] becomes a tantivy document.
//!
//! Text is split into words at anything that is not a letter or digit;
//! Chinese, Japanese and Korean characters each become a word of their own
//! (so a CJK word is found as a phrase of its characters); words are lower
//! cased and folded to ASCII where they have an ASCII form ("García" and
//! "garcia" match, "MOSCOW" and "moscow" match, "Москва" stays Cyrillic).

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use crate::model::{Address, Message};
use crate::patterns::{Kind, Mention};

/// Name the analyzer is registered under.
pub const ANALYZER: &str = "mailsift";

/// Schema version; an index of another version is rebuilt.
/// (2: the `flags` field for `is:signed` / `is:encrypted`, and the `label`
/// field. An index is compared by its schema, so the number documents the
/// change; 3: the `mention` field, the patterns found in the text; 4: the
/// `sender` and `sender_domain` columns the window's facets are counted
/// from; 6: the `address` field, each whole address per role, so that
/// `from:ann@x.org` does not find `bob.ann@x.org`; 7: both, as one
/// schema.)
pub const VERSION: u32 = 7;

/// Handles to every field.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The tantivy schema built from these fields.
    pub schema: Schema,
    /// Message key, hex (exact).
    pub key: Field,
    /// Row id of the message in the case database.
    pub rowid: Field,
    /// The decoded subject (analysed text).
    pub subject: Field,
    /// The readable body text and the text of every other alternative
    /// rendering of it (analysed text).
    pub body: Field,
    /// `From` and `Sender` addresses with their display names (analysed text).
    pub from: Field,
    /// `To` addresses with their display names (analysed text).
    pub to: Field,
    /// `Cc` addresses with their display names (analysed text).
    pub cc: Field,
    /// `Bcc` addresses with their display names (analysed text).
    pub bcc: Field,
    /// Domains of addresses (and their parent domains), exact, per role.
    pub from_domain: Field,
    /// Domains of the `To` addresses and their parent domains (exact).
    pub to_domain: Field,
    /// Domains of the `Cc` addresses and their parent domains (exact).
    pub cc_domain: Field,
    /// Domains of the `Bcc` addresses and their parent domains (exact).
    pub bcc_domain: Field,
    /// Text of text-bearing attachments.
    pub attachment: Field,
    /// Attachment file names.
    pub filename: Field,
    /// Seconds since the epoch, UTC.
    pub date: Field,
    /// Message-ID, exact.
    pub msgid: Field,
    /// 1 when the message has attachments (signature parts do not count).
    pub has_attachment: Field,
    /// States of the message `is:` asks the index for, exact:
    /// [`FLAG_SIGNED`], [`FLAG_ENCRYPTED`].
    pub flags: Field,
    /// Gmail labels, each whole as one exact term, lower case (see [`label_term`]).
    pub label: Field,
    /// The patterns found in the text, exact, one column value each (fast,
    /// for the facets): `kind:value` ([`Mention::term`]), `has:kind` for
    /// `has:` and `site:domain` for the domain of a URL and each parent
    /// domain (what `mentions:dnc.org` finds).
    pub mention: Field,
    /// Each whole address, lower case, exact, with its role:
    /// `from:ann@x.org`, `to:…`, `cc:…`, `bcc:…` (see [`address_term`]).
    pub address: Field,
    /// The first From address, lower case, exact, one column value (fast,
    /// for the senders facet; see [`sender_of`]).
    pub sender: Field,
    /// The domain of that address (after its last `@`), exact (fast, for
    /// the sender domains facet).
    pub sender_domain: Field,
}

/// The sender a message is counted under in the facets, and its domain:
/// the first From address in lower case, and what follows its last `@`
/// (none without one).
pub fn sender_of(msg: &Message) -> Option<(String, Option<String>)> {
    let addr = msg.from.first()?.addr.to_lowercase();
    let domain = addr.rsplit_once('@').map(|(_, d)| d.to_string());
    Some((addr, domain))
}

/// The `mention` term of a message with a value of `kind` (`has:phone`).
pub fn has_term(kind: Kind) -> String {
    format!("has:{}", kind.name())
}

/// The `mention` term a domain (or a parent domain) of a linked URL is
/// found by.
pub fn site_term(domain: &str) -> String {
    format!("site:{domain}")
}

/// The `flags` token of a signed message (`is:signed`).
pub const FLAG_SIGNED: &str = "signed";

/// The `flags` token of an encrypted message (`is:encrypted`).
pub const FLAG_ENCRYPTED: &str = "encrypted";

impl Fields {
    /// Builds the schema (version [`VERSION`]), text fields analysed by [`ANALYZER`].
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let key = b.add_text_field("key", STRING | STORED);
        let rowid = b.add_u64_field("rowid", FAST | INDEXED);
        let subject = b.add_text_field("subject", text.clone());
        let body = b.add_text_field("body", text.clone());
        let from = b.add_text_field("from", text.clone());
        let to = b.add_text_field("to", text.clone());
        let cc = b.add_text_field("cc", text.clone());
        let bcc = b.add_text_field("bcc", text.clone());
        let from_domain = b.add_text_field("from_domain", STRING);
        let to_domain = b.add_text_field("to_domain", STRING);
        let cc_domain = b.add_text_field("cc_domain", STRING);
        let bcc_domain = b.add_text_field("bcc_domain", STRING);
        let attachment = b.add_text_field("attachment", text.clone());
        let filename = b.add_text_field("filename", text);
        let date = b.add_i64_field("date", INDEXED | FAST);
        let msgid = b.add_text_field("msgid", STRING);
        let has_attachment = b.add_u64_field("has_attachment", INDEXED);
        let flags = b.add_text_field("flags", STRING);
        let label = b.add_text_field("label", STRING);
        let mention = b.add_text_field("mention", STRING | FAST);
        let address = b.add_text_field("address", STRING);
        let sender = b.add_text_field("sender", STRING | FAST);
        let sender_domain = b.add_text_field("sender_domain", STRING | FAST);
        Fields {
            schema: b.build(),
            key,
            rowid,
            subject,
            body,
            from,
            to,
            cc,
            bcc,
            from_domain,
            to_domain,
            cc_domain,
            bcc_domain,
            attachment,
            filename,
            date,
            msgid,
            has_attachment,
            flags,
            label,
            mention,
            address,
            sender,
            sender_domain,
        }
    }

    /// The document for a message, without its row id (see [`Fields::set_rowid`]),
    /// with the patterns found in its text ([`crate::patterns::of_message`]).
    /// Where a message was found is not indexed: `source:` is answered from
    /// the case, which knows every origin.
    pub fn document(&self, msg: &Message) -> TantivyDocument {
        self.document_with(msg, true)
    }

    /// [`Fields::document`], with or without looking for patterns (an
    /// import's `--no-patterns`, the benchmark's comparison).
    pub fn document_with(&self, msg: &Message, patterns: bool) -> TantivyDocument {
        let mut d = TantivyDocument::new();
        d.add_text(self.key, msg.key.to_hex());
        if let Some(s) = &msg.subject {
            d.add_text(self.subject, s);
        }
        d.add_text(self.body, &msg.body_text);
        for alt in &msg.alternatives {
            d.add_text(self.body, &alt.text);
        }
        let people = [
            (&msg.from, self.from, self.from_domain, "from"),
            (&msg.sender, self.from, self.from_domain, "from"),
            (&msg.to, self.to, self.to_domain, "to"),
            (&msg.cc, self.cc, self.cc_domain, "cc"),
            (&msg.bcc, self.bcc, self.bcc_domain, "bcc"),
        ];
        for (list, field, domain_field, role) in people {
            for a in list.iter() {
                d.add_text(field, address_text(a));
                if let Some(t) = address_term(role, &a.addr) {
                    d.add_text(self.address, t);
                }
                for dom in domains(&a.addr) {
                    d.add_text(domain_field, dom);
                }
            }
        }
        for a in &msg.attachments {
            if let Some(n) = &a.name {
                d.add_text(self.filename, n);
            }
            if let Some(t) = &a.text {
                d.add_text(self.attachment, t);
            }
        }
        if let Some((sender, domain)) = sender_of(msg) {
            d.add_text(self.sender, sender);
            if let Some(dom) = domain {
                d.add_text(self.sender_domain, dom);
            }
        }
        if let Some(t) = msg.date {
            d.add_i64(self.date, t);
        }
        if let Some(id) = msg
            .message_id
            .as_deref()
            .and_then(crate::thread::normalize_message_id)
        {
            d.add_text(self.msgid, id);
        }
        d.add_u64(self.has_attachment, u64::from(!msg.attachments.is_empty()));
        if msg.signed.is_some() {
            d.add_text(self.flags, FLAG_SIGNED);
        }
        if msg.encrypted.is_some() {
            d.add_text(self.flags, FLAG_ENCRYPTED);
        }
        for l in &msg.labels {
            d.add_text(self.label, label_term(l));
        }
        if patterns {
            self.add_mentions(&mut d, &crate::patterns::of_message(msg));
        }
        d
    }

    /// Adds the terms of the patterns found in a message to its document.
    pub fn add_mentions(&self, d: &mut TantivyDocument, mentions: &[Mention]) {
        let mut kinds: Vec<Kind> = Vec::new();
        for m in mentions {
            d.add_text(self.mention, m.term());
            if m.kind == Kind::Domain {
                for dom in crate::patterns::links::host_suffixes(&m.value) {
                    d.add_text(self.mention, site_term(dom));
                }
            }
            if !kinds.contains(&m.kind) {
                kinds.push(m.kind);
            }
        }
        for k in kinds {
            d.add_text(self.mention, has_term(k));
        }
    }

    /// Sets the case row id of a document (once).
    pub fn set_rowid(&self, doc: &mut TantivyDocument, rowid: u64) {
        doc.add_u64(self.rowid, rowid);
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}

fn address_text(a: &Address) -> String {
    match &a.name {
        Some(n) => format!("{n} {}", a.addr),
        None => a.addr.clone(),
    }
}

/// A label as the index holds it and `label:` looks for it: trimmed,
/// inner runs of white space made one space, lower case
/// (`"Category  Personal"` → `category personal`).
pub fn label_term(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A whole address as searched exactly: trimmed, angle brackets removed,
/// lower case; None unless it is `local@domain` with both parts and no
/// space (a name, a word or a domain alone is not an address).
pub fn exact_address(text: &str) -> Option<String> {
    let a = text
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let (local, domain) = a.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !a.chars().any(|c| c.is_whitespace() || c == '"' || c == '*');
    ok.then(|| a.to_lowercase())
}

/// The `address` term of an address in a role (`from`, `to`, `cc`,
/// `bcc`): `from:ann@x.org`; None when it is not an address.
pub fn address_term(role: &str, addr: &str) -> Option<String> {
    exact_address(addr).map(|a| format!("{role}:{a}"))
}

/// The domain of an address and its parent domains (not the bare TLD),
/// lower case: `ann@mail.dnc.org` → `mail.dnc.org`, `dnc.org`.
pub fn domains(addr: &str) -> Vec<String> {
    let Some((_, dom)) = addr.rsplit_once('@') else {
        return Vec::new();
    };
    let dom = dom.trim().trim_end_matches('>').to_lowercase();
    let mut out = Vec::new();
    let mut rest = dom.as_str();
    while rest.contains('.') {
        out.push(rest.to_string());
        rest = match rest.split_once('.') {
            Some((_, r)) => r,
            None => break,
        };
    }
    if out.is_empty() && !dom.is_empty() {
        out.push(dom.clone());
    }
    out
}

/// The analyzer used for every text field and for query words.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text` as the index sees them.
pub fn words(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Splits at non-alphanumeric characters; CJK characters are words of one
/// character each.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The tokens of one text, produced by [`WordTokenizer`].
pub struct WordStream<'a> {
    text: &'a str,
    pos: usize,
    token: &'a mut Token,
}

/// Chinese, Japanese (kana) and Korean characters: written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified
        | 0xAC00..=0xD7AF // hangul syllables
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0x20000..=0x2FFFF)
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            pos: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let rest = &self.text[self.pos..];
        let mut chars = rest.char_indices();
        let start = loop {
            match chars.next() {
                None => {
                    self.pos = self.text.len();
                    return false;
                }
                Some((i, c)) if c.is_alphanumeric() => break (i, c),
                Some(_) => {}
            }
        };
        let (i, c) = start;
        let from = self.pos + i;
        let to = if is_cjk(c) {
            from + c.len_utf8()
        } else {
            let mut end = self.text.len();
            for (j, d) in chars {
                if !d.is_alphanumeric() || is_cjk(d) {
                    end = self.pos + j;
                    break;
                }
            }
            end
        };
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.text.push_str(&self.text[from..to]);
        self.pos = to;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_accents_and_split_cjk() {
        assert_eq!(
            words("García MOSCOW, Москва!"),
            ["garcia", "moscow", "москва"]
        );
        assert_eq!(words("会議の資料 ok"), ["会", "議", "の", "資", "料", "ok"]);
        assert_eq!(
            words("ann@dnc.org $10,000"),
            ["ann", "dnc", "org", "10", "000"]
        );
        assert_eq!(words(""), Vec::<String>::new());
        let long = "x".repeat(100);
        assert_eq!(words(&format!("a {long} b")), ["a", "b"]);
    }

    #[test]
    fn domain_suffixes() {
        assert_eq!(domains("Ann@Mail.DNC.org"), ["mail.dnc.org", "dnc.org"]);
        assert_eq!(domains("root@localhost"), ["localhost"]);
        assert!(domains("nobody").is_empty());
    }
}
