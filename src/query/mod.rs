//! The query language: its syntax, the [`Query`] tree, the parser and its
//! typed [`QueryError`]s. There is no search engine here; another module
//! turns a [`Query`] into index queries.
//!
//! The syntax is what investigators know from Gmail, notmuch and Lucene:
//!
//! | written                          | meaning                                        |
//! |----------------------------------|------------------------------------------------|
//! | `budget memo`, `budget AND memo` | both words (implicit AND)                      |
//! | `budget OR memo`                 | either (only upper-case `OR`; `or` is a word)  |
//! | `-spam`, `NOT spam`              | without the word                               |
//! | `(a OR b) c`                     | grouping; `a b OR c` is `(a b) OR c`           |
//! | `"exact phrase"`                 | a phrase; `\"` is a quote inside it            |
//! | `from:ann`, `subject:"q3 plan"`  | a word or phrase in a field                    |
//! | `to:ann`                         | any recipient (To, Cc, Bcc)                    |
//! | `cc:ann`, `bcc:ann`              | only that header                               |
//! | `from:(ann OR bob)`              | the field applies to every term inside         |
//! | `from:@dnc.org`, `@dnc.org`      | every address in a domain (in any address)     |
//! | `word*`, `word~`, `word~2`       | prefix; fuzzy with distance 1 or 2             |
//! | `*`                              | every message                                  |
//! | `has:attachment`                 | messages with attachments (not signatures)     |
//! | `is:duplicate`                   | messages found more than once (several copies) |
//! | `is:signed`                      | PGP- or S/MIME-signed (signature not verified) |
//! | `is:encrypted`                   | PGP (MIME or inline) or S/MIME encrypted       |
//! | `label:inbox`, `label:"a b"`     | a Gmail label (`X-Gmail-Labels`), whole, any case |
//! | `folder:"Inbox/Finance"`         | an Outlook folder path (PST items); the same field as `label:` |
//! | `tag:urgent`, `tag:"follow up"`  | an investigator's tag, whole, any case; `tag:fol*` |
//! | `is:starred`                     | starred by an investigator                     |
//! | `dkim:pass`, `dkim.domain:gmail.com` | the DKIM verdict (`pass fail revoked nokey invalid none`); the signing domain (or a subdomain) |
//! | `has:note`, `note:call`          | with a note; a word or phrase in its notes     |
//! | `mentions:"+1 202 555 0143"`     | a phone number, address, URL or domain, IBAN or amount in the text, any spelling |
//! | `has:phone` `has:email` `has:url` `has:iban` `has:money` | a value of that kind in the text |
//! | `is:flagged` `is:replied` `is:seen` `is:unread` `is:draft` `is:trashed` `is:passed` | maildir flags and Gmail's matching labels (see [`Flag`]) |
//! | `date:2016`, `date:2016-02`      | a year, month or day (UTC)                     |
//! | `date:2016-02..2016-05`          | a range, both ends included; `A..` and `..B`   |
//! | `after:2016-02-29`, `before:2017`| from the start of / before the start of a date |
//!
//! Fields: `from to cc bcc subject body attachment filename id msgid thread
//! source label tag note dkim dkim.domain mentions` (names are case-insensitive); `to:` looks in every recipient
//! header (To, Cc and Bcc, as in Gmail and notmuch), `cc:` and `bcc:` only in
//! theirs.
//!
//! `tag:`, `is:starred`, `has:note` and `note:` ask about the
//! investigators' annotations (tags, stars, notes; see `crate::annotate`),
//! which change without re-indexing: they are answered from the case,
//! like `thread:` and `source:`; so are `dkim:` and `dkim.domain:` (a
//! verdict changes when keys are added). The mailbox owner's own star (maildir
//! `F`, Gmail's `Starred` label) is `is:flagged`.
//!
//! A word written as a field whose name is none of these nor `has is date
//! after before` (`tags:x`, `fromm:ann`, `re:budget`) is an error naming
//! the known fields, not a word that silently matches nothing; quoted
//! (`"re:budget"`) it is text. A word `name:value` counts as written as a
//! field when all of these hold:
//!
//! - the name is two or more ASCII letters (`-` and `_` allowed after the
//!   first): `10:30`, `C:\path`, `fe80::1`, `a:b` and `:x` are words;
//! - something follows the colon in the same word, or a `"…"` or `(` right
//!   after it: `Re:` and `Fwd: budget` are words, `tag:"x"` is not;
//! - that value starts with neither `/` nor `:`: `http://x.org`,
//!   `file:///c`, `std::vector` are words;
//! - the name is not a URL scheme written without `//` (`mailto tel sip urn
//!   news magnet`): `mailto:ann@x.org` is a word.
//!
//! A quoted phrase is never a field (`"re: budget"`), and the value after a
//! known field may hold colons (`subject:re:budget`).
//!
//! [`parse`] returns a normalised tree: single-element `And`/`Or` collapse,
//! nested ones flatten, and a conjunction of only negations gets [`Query::All`]
//! in front so that `-spam` means "everything except spam". `Display` prints
//! a canonical form that parses back to the same tree.
//!
//! Files: `lexer.rs` (input to tokens), `parser.rs` (tokens to a normalised
//! tree, with positioned errors), `dates.rs` (date values and ranges, and
//! the dates `Display` writes), `display.rs` (the canonical form).

mod dates;
mod display;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use crate::error::QueryError;
pub use parser::parse;

/// The query language in one screen (the CLI's `help-query`, the
/// window's syntax popup).
pub const HELP: &str = "\
Words must all match:            budget meeting
Exact phrase:                    \"talking points\"
Either / not / grouping:         moscow OR kiev   -spam   NOT draft   (a OR b) c
Fields (name or address):        from:ann  to:@dnc.org  cc:  bcc:  subject:  body:
                                 to: any recipient (To, Cc, Bcc); cc:, bcc: only that header
Attachments:                     attachment:donor (text inside)  filename:xlsx  has:attachment
Identity:                        id:3f2a9c  msgid:<abc@x>  thread:0123456789abcdef  source:podesta
Copies:                          is:duplicate (found more than once: several files, or twice in one)
Protection:                      is:signed (PGP or S/MIME, not verified)  is:encrypted (PGP or S/MIME)
DKIM (verified offline):         dkim:pass dkim:fail dkim:revoked dkim:nokey dkim:invalid dkim:none
                                 dkim.domain:gmail.com (signing domain)
Patterns in the text:            mentions:\"+1 202 555 0143\"  mentions:dnc.org  mentions:\"$1.2m\"
                                 mentions:DE89370400440532013000  mentions:ann@dnc.org (any spelling)
                                 has:phone  has:email  has:url  has:iban  has:money
Gmail labels:                    label:inbox  label:\"Category Personal\"  label:work*
Outlook folders (PST):           folder:Inbox  folder:\"Inbox/Finance\"  folder:inbox/*
Investigators' annotations:      tag:urgent  tag:\"follow up\"  tag:fol*  is:starred
                                 has:note  note:lawyer  note:\"call back\"
Mail program flags:              is:flagged is:replied is:seen is:unread is:draft is:trashed is:passed
                                 (maildir flags; Gmail labels Starred, Opened, Unread, Drafts, Trash)
Dates (UTC):                     after:2016-05-01  before:2016-06  date:2016-05-01..2016-05-31
Prefix and fuzzy:                budg*  moskva~  moskva~2
Everything:                      *
Unknown fields are errors:       tags:x is refused; quote text with a colon: \"re:budget\"
Matching ignores case and accents (Garcia finds García); Cyrillic, Greek and
CJK text is searchable. Results are never capped; the CLI cuts with --limit.
";

/// A state of a message that `is:` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// `is:duplicate`: found more than once (in several files, or twice in
    /// one), answered from the case's origins.
    Duplicate,
    /// `is:signed`: PGP- or S/MIME-signed (the signature is not verified).
    Signed,
    /// `is:encrypted`: PGP/MIME, inline PGP or S/MIME encrypted.
    Encrypted,
    // What the owner's mail program recorded. Maildir flags are per origin
    // (the file name's `:2,` suffix): a message matches when any of its
    // maildir files carries the letter. Gmail labels count as well, where
    // Gmail has one with the same meaning.
    /// `is:flagged`: maildir `F`, or Gmail's `Starred` label (the
    /// mailbox owner's star; an investigator's star is [`Flag::Starred`]).
    Flagged,
    /// `is:replied` (`is:answered`): maildir `R` (Gmail records no such label).
    Replied,
    /// `is:seen` (`is:read`): maildir `S`, or Gmail's `Opened` label.
    Seen,
    /// `is:unread` (`is:unseen`): found in a maildir and no maildir file of
    /// it carries `S`, or Gmail's `Unread` label. A message known only from
    /// mbox or `.eml` files without a Gmail label has no read state and
    /// matches neither `is:seen` nor `is:unread`.
    Unread,
    /// `is:draft`: maildir `D`, or Gmail's `Draft`/`Drafts` label.
    Draft,
    /// `is:trashed` (`is:trash`, `is:deleted`): maildir `T`, or Gmail's
    /// `Trash` label.
    Trashed,
    /// `is:passed` (`is:forwarded`): maildir `P` (forwarded, resent or bounced).
    Passed,
    /// `is:starred`: starred by an investigator in this case (an
    /// annotation, not something the source records).
    Starred,
}

impl Flag {
    /// Every flag with the names `is:` accepts for it (the first is the
    /// canonical one, written back by `Display`).
    pub const ALL: [(Flag, &'static [&'static str]); 11] = [
        (Flag::Duplicate, &["duplicate", "duplicates"]),
        (Flag::Signed, &["signed"]),
        (Flag::Encrypted, &["encrypted"]),
        (Flag::Flagged, &["flagged"]),
        (Flag::Replied, &["replied", "answered"]),
        (Flag::Seen, &["seen", "read"]),
        (Flag::Unread, &["unread", "unseen"]),
        (Flag::Draft, &["draft", "drafts"]),
        (Flag::Trashed, &["trashed", "trash", "deleted"]),
        (Flag::Passed, &["passed", "forwarded"]),
        (Flag::Starred, &["starred"]),
    ];

    /// The flag named `name` (ASCII case ignored).
    pub fn parse(name: &str) -> Option<Flag> {
        Flag::ALL
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|(f, _)| *f)
    }

    /// The maildir flag letter that sets this flag (`F` for Flagged…); for
    /// Unread, the letter whose absence it is (`S`). None for the states
    /// no mail program records (Duplicate, Signed, Encrypted, Starred).
    pub fn maildir_letter(self) -> Option<char> {
        match self {
            Flag::Duplicate | Flag::Signed | Flag::Encrypted | Flag::Starred => None,
            Flag::Flagged => Some('F'),
            Flag::Replied => Some('R'),
            Flag::Seen | Flag::Unread => Some('S'),
            Flag::Draft => Some('D'),
            Flag::Trashed => Some('T'),
            Flag::Passed => Some('P'),
        }
    }

    /// The Gmail labels (lower case) that set this flag too.
    pub fn gmail_labels(self) -> &'static [&'static str] {
        match self {
            Flag::Flagged => &["starred"],
            Flag::Seen => &["opened"],
            Flag::Unread => &["unread"],
            Flag::Draft => &["draft", "drafts"],
            Flag::Trashed => &["trash"],
            Flag::Duplicate
            | Flag::Signed
            | Flag::Encrypted
            | Flag::Replied
            | Flag::Passed
            | Flag::Starred => &[],
        }
    }

    /// The canonical name (`is:NAME`).
    pub fn name(self) -> &'static str {
        Flag::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, names)| names[0])
    }
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `*` alone: every message.
    All,
    /// A word, a prefix (`word*`) or a fuzzy word (`word~`, `word~2`) in a field.
    Term {
        /// Where the word is looked for ([`Field::Any`] when no field was written).
        field: Field,
        /// The word as written, without the `*` or `~N` suffix (case and accents are folded at
        /// search time).
        text: String,
        /// Whether it matches exactly, as a prefix or fuzzily.
        mode: Mode,
    },
    /// `"exact phrase"` (in a field or in Any).
    Phrase {
        /// Where the phrase is looked for ([`Field::Any`] when no field was written).
        field: Field,
        /// The phrase without its quotes, `\"` unescaped.
        text: String,
    },
    /// `from:@dnc.org` — every address in that domain (field is
    /// From/To/Cc/Bcc, or Any for any address field).
    Domain {
        /// Which address field: From, To (every recipient), Cc, Bcc, or Any
        /// for all of them.
        field: Field,
        /// The domain as written, without the `@` (never empty; it also covers subdomains).
        domain: String,
    },
    /// Dates as a half-open interval [start, end) in seconds since the Unix
    /// epoch, UTC.
    Date {
        /// First second included; None for no lower bound (`..B`, `before:`).
        start: Option<i64>,
        /// First second no longer included; None for no upper bound (`A..`, `after:`).
        end: Option<i64>,
    },
    /// `has:attachment` (also `has:attachments`).
    HasAttachment,
    /// `has:note` (also `has:notes`): an investigator wrote a note on it.
    HasNote,
    /// `has:phone`, `has:email`, `has:url`, `has:iban`, `has:money`: a
    /// value of that kind was found in the text (see `crate::patterns`).
    HasPattern(crate::patterns::Kind),
    /// `is:duplicate` and the other `is:` states of a message.
    Is(Flag),
    /// All of these (explicit `AND` or juxtaposition); at least two, none itself an `And`.
    And(Vec<Query>),
    /// Any of these (upper-case `OR`); at least two, none itself an `Or`.
    Or(Vec<Query>),
    /// Without this (`-x`, `NOT x`).
    Not(Box<Query>),
}

/// How a [`Query::Term`] matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The word as written.
    Exact,
    /// Words starting with the text (`word*`).
    Prefix,
    /// Words within this edit distance (`word~` is 1, `word~2` is 2).
    Fuzzy(u8),
}

/// Where a term is looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Any text field (no field name written).
    Any,
    /// `from:`: the `From` and `Sender` names and addresses.
    From,
    /// `to:`: every recipient: the `To`, `Cc` and `Bcc` names and addresses.
    To,
    /// `cc:`: the `Cc` names and addresses.
    Cc,
    /// `bcc:`: the `Bcc` names and addresses.
    Bcc,
    /// `subject:`: the decoded subject.
    Subject,
    /// `body:`: the readable body text.
    Body,
    /// `attachment:`: the text inside attachments.
    Attachment,
    /// `filename:`: attachment file names.
    Filename,
    /// `id:`: the message key in hex, or a prefix of it.
    Id,
    /// `msgid:`: the Message-ID (angle brackets optional).
    MsgId,
    /// `thread:`: every message of a thread, by thread id.
    Thread,
    /// `source:`: messages found in files whose path contains the text.
    Source,
    /// `label:`: a Gmail label (`X-Gmail-Labels`), matched whole and
    /// ignoring case (`label:"Category Personal"`); `label:work*` is every
    /// label starting with `work`.
    Label,
    /// `tag:`: an investigator's tag, matched whole and ignoring case
    /// (`tag:"follow up"`); `tag:fol*` is every tag starting with `fol`.
    Tag,
    /// `note:`: words in the investigators' notes.
    Note,
    /// `dkim:`: the message's DKIM verdict (`pass`, `fail`, `revoked`,
    /// `nokey`, `invalid`, `none`).
    Dkim,
    /// `dkim.domain:`: the domain of the signature that gave the verdict
    /// (or a subdomain of it).
    DkimDomain,
    /// `mentions:`: a phone number, e-mail address, URL, domain, IBAN or
    /// amount of money found in the text (see `crate::patterns`), written
    /// any way: the value is normalised as extraction normalises it.
    Mentions,
}

const NAMED_FIELDS: [Field; 18] = [
    Field::From,
    Field::To,
    Field::Cc,
    Field::Bcc,
    Field::Subject,
    Field::Body,
    Field::Attachment,
    Field::Filename,
    Field::Id,
    Field::MsgId,
    Field::Thread,
    Field::Source,
    Field::Label,
    Field::Tag,
    Field::Note,
    Field::Dkim,
    Field::DkimDomain,
    Field::Mentions,
];

impl Field {
    /// The name written before the colon (`"from"`, ...); `""` for Any.
    pub fn name(self) -> &'static str {
        match self {
            Field::Any => "",
            Field::From => "from",
            Field::To => "to",
            Field::Cc => "cc",
            Field::Bcc => "bcc",
            Field::Subject => "subject",
            Field::Body => "body",
            Field::Attachment => "attachment",
            Field::Filename => "filename",
            Field::Id => "id",
            Field::MsgId => "msgid",
            Field::Thread => "thread",
            Field::Source => "source",
            Field::Label => "label",
            Field::Tag => "tag",
            Field::Note => "note",
            Field::Dkim => "dkim",
            Field::DkimDomain => "dkim.domain",
            Field::Mentions => "mentions",
        }
    }

    /// The field with this name, ignoring ASCII case. Any has no name, so
    /// `""` gives `None`.
    pub fn parse(name: &str) -> Option<Field> {
        // `folder:` is the same field: an Outlook item's folder path is
        // its label, as a Gmail label is (src/outlook/).
        if name.eq_ignore_ascii_case("folder") {
            return Some(Field::Label);
        }
        NAMED_FIELDS
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Whether a word written with this field is looked for in the text
    /// of `other`: Any in every field, `to:` in To, Cc and Bcc (every
    /// recipient), any other field only in itself.
    pub fn covers(self, other: Field) -> bool {
        self == other
            || self == Field::Any
            || (self == Field::To && matches!(other, Field::Cc | Field::Bcc))
    }

    /// Whether `@domain` makes sense in this field.
    fn takes_domain(self) -> bool {
        matches!(
            self,
            Field::Any | Field::From | Field::To | Field::Cc | Field::Bcc
        )
    }
}

type Result<T> = std::result::Result<T, QueryError>;
