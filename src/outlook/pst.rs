//! PST files (Unicode and ANSI) read with Microsoft's `outlook-pst` crate:
//! every folder under the top of the store (the IPM subtree), every mail
//! item in each, one at a time (memory holds one item and the folder
//! list), with recipients, attachments and embedded messages.
//!
//! The file is opened read-only by mailsift and handed to the crate as a
//! reader (`read_from`; the crate's own `open` asks for write access).
//! Damage is reported per folder and per item (`node 0x…`) and the rest
//! is read; the folder walk is bounded (depth, count, each folder once).
//! Items that are not mail (contacts, calendar entries, tasks, notes)
//! are counted by class in a note, not imported.
//!
//! OST files (`wMagicClient` "SO") are refused by the crate: reported as
//! such. An embedded message's own attachments are out of the crate's
//! public reach: the embedded message is kept with its body and
//! recipients, and a note says so.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::ltp::table_context::TableContext;
use outlook_pst::messaging::attachment::{
    AnsiAttachment, Attachment, AttachmentData, UnicodeAttachment,
};
use outlook_pst::messaging::folder::Folder;
use outlook_pst::messaging::message::{AnsiMessage, Message, UnicodeMessage};
use outlook_pst::messaging::store::{AnsiStore, Store, UnicodeStore};
use outlook_pst::ndb::node_id::NodeId;
use outlook_pst::{AnsiPstFile, PstReader, UnicodePstFile};

use super::props::{self, Prop, Props};
use super::{Content, Item, ItemAttachment};
use crate::error::{Error, Result};

/// Folders deeper than this are not entered.
const MAX_FOLDER_DEPTH: usize = 64;
/// At most this many folders are read.
const MAX_FOLDERS: usize = 100_000;

/// One mail item of a PST, read and ready to render.
#[derive(Debug)]
pub struct PstItem {
    /// The item's node id in the PST.
    pub nid: u32,
    /// The folder path under the top of the store (`Inbox/Finance`).
    pub folder: String,
    /// The item.
    pub item: Item,
}

/// What a walk over a PST found besides its items: notes for the report
/// (damage, password, skipped items), and whether it was read to the end
/// (false when the visitor stopped it or the store could not be opened).
#[derive(Debug, Default)]
pub struct WalkEnd {
    /// Notes in words, each naming the folder or node.
    pub notes: Vec<String>,
    /// Whether every folder was visited.
    pub complete: bool,
}

/// Whether `head` starts like a PST/OST file.
pub fn is_pst(head: &[u8]) -> bool {
    head.starts_with(b"!BDN")
}

/// What kind of Outlook data file `head` is, for a file that starts with
/// `!BDN`: Ok(true) Unicode PST, Ok(false) ANSI PST, Err(why) otherwise.
fn flavour(head: &[u8]) -> std::result::Result<bool, String> {
    if head.len() < 12 {
        return Err("too short for a PST header".into());
    }
    let client = &head[8..10];
    let ver = u16::from_le_bytes([head[10], head[11]]);
    if client == b"SO" {
        return Err(
            "an Outlook OST (offline cache) file; the PST reader mailsift uses does not read OST files yet"
                .into(),
        );
    }
    match ver {
        14 | 15 => Ok(false),
        23 => Ok(true),
        36 => Err("an Outlook 2013+ data file with 4 KB pages (wVer 36), not supported yet".into()),
        v => Err(format!("an Outlook data file of unknown version {v}")),
    }
}

/// Reads every mail item of the PST in `reader`, handing each to `visit`
/// (which returns whether to go on). Fails only when the file cannot be
/// opened as a PST at all.
pub fn walk<R: Read + Seek + 'static>(
    mut reader: R,
    visit: &mut dyn FnMut(PstItem) -> bool,
) -> std::result::Result<WalkEnd, String> {
    let mut head = [0u8; 12];
    reader
        .read_exact(&mut head)
        .map_err(|e| format!("cannot read the PST header: {e}"))?;
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot read the PST header: {e}"))?;
    let unicode = flavour(&head)?;
    let boxed: Box<dyn PstReader> = Box::new(reader);
    let contained = crate::contain::contain(move || {
        if unicode {
            Walker::<Unicode>::open(boxed).map(|w| w.run(visit))
        } else {
            Walker::<Ansi>::open(boxed).map(|w| w.run(visit))
        }
    });
    match contained {
        Ok(r) => r,
        Err(panic) => Err(format!("the PST reader failed ({panic})")),
    }
}

/// Renders one item again, for reading a converted message back.
pub fn render_node(path: &Path, nid: u32, address: &str) -> Result<Vec<u8>> {
    let fail = |reason: String| Error::Converted {
        path: path.to_path_buf(),
        address: address.to_string(),
        reason,
    };
    let file = crate::source::open_source(path).map_err(|e| Error::SourceUnreadable {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut head = [0u8; 12];
    let mut f = file;
    f.read_exact(&mut head)
        .and_then(|_| f.seek(SeekFrom::Start(0)).map(|_| ()))
        .map_err(|e| fail(e.to_string()))?;
    let unicode = flavour(&head).map_err(fail)?;
    let boxed: Box<dyn PstReader> = Box::new(io::BufReader::new(f));
    let item = crate::contain::contain(move || {
        if unicode {
            Walker::<Unicode>::open(boxed).and_then(|w| w.item(nid).map_err(|e| e.to_string()))
        } else {
            Walker::<Ansi>::open(boxed).and_then(|w| w.item(nid).map_err(|e| e.to_string()))
        }
    })
    .map_err(|p| fail(format!("the PST reader failed ({p})")))?
    .map_err(fail)?;
    Ok(super::render::render(&item, address))
}

/// The two kinds of PST, as the crate types them.
trait Flavour {
    type Store: Store + 'static;
    type Message: Message + 'static;
    fn open(reader: Box<dyn PstReader>) -> io::Result<Rc<Self::Store>>;
    fn message(store: &Rc<Self::Store>, nid: u32) -> io::Result<Rc<Self::Message>>;
    fn attachment(msg: &Rc<Self::Message>, nid: u32) -> io::Result<Rc<dyn Attachment>>;
}

struct Unicode;
struct Ansi;

impl Flavour for Unicode {
    type Store = UnicodeStore;
    type Message = UnicodeMessage;
    fn open(reader: Box<dyn PstReader>) -> io::Result<Rc<UnicodeStore>> {
        UnicodeStore::read(Rc::new(UnicodePstFile::read_from(reader)?))
    }
    fn message(store: &Rc<UnicodeStore>, nid: u32) -> io::Result<Rc<UnicodeMessage>> {
        let entry = store.properties().make_entry_id(NodeId::from(nid))?;
        UnicodeMessage::read(store.clone(), &entry, None)
    }
    fn attachment(msg: &Rc<UnicodeMessage>, nid: u32) -> io::Result<Rc<dyn Attachment>> {
        Ok(UnicodeAttachment::read(
            msg.clone(),
            NodeId::from(nid),
            None,
        )?)
    }
}

impl Flavour for Ansi {
    type Store = AnsiStore;
    type Message = AnsiMessage;
    fn open(reader: Box<dyn PstReader>) -> io::Result<Rc<AnsiStore>> {
        AnsiStore::read(Rc::new(AnsiPstFile::read_from(reader)?))
    }
    fn message(store: &Rc<AnsiStore>, nid: u32) -> io::Result<Rc<AnsiMessage>> {
        let entry = store.properties().make_entry_id(NodeId::from(nid))?;
        AnsiMessage::read(store.clone(), &entry, None)
    }
    fn attachment(msg: &Rc<AnsiMessage>, nid: u32) -> io::Result<Rc<dyn Attachment>> {
        Ok(AnsiAttachment::read(msg.clone(), NodeId::from(nid), None)?)
    }
}

struct Walker<F: Flavour> {
    store: Rc<F::Store>,
}

impl<F: Flavour> Walker<F> {
    fn open(reader: Box<dyn PstReader>) -> std::result::Result<Self, String> {
        let store = F::open(reader).map_err(|e| format!("not a readable PST: {e}"))?;
        Ok(Walker { store })
    }

    fn run(self, visit: &mut dyn FnMut(PstItem) -> bool) -> WalkEnd {
        let mut end = WalkEnd {
            notes: Vec::new(),
            complete: true,
        };
        let store_props = convert_props(self.store.properties().iter());
        if matches!(store_props.get(&props::PST_PASSWORD), Some(Prop::Int(n)) if *n != 0) {
            end.notes.push(
                "the PST has an Outlook password; it protects nothing on disk (the items are not encrypted) and was not needed to read them"
                    .into(),
            );
        }
        let top = match self.store.properties().ipm_sub_tree_entry_id() {
            Ok(e) => e,
            Err(e) => {
                end.notes
                    .push(format!("the top of the folder tree cannot be found: {e}"));
                end.complete = false;
                return end;
            }
        };
        let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
        let mut seen: HashSet<u32> = HashSet::new();
        // Depth-first, children in table order: (node, path, depth).
        let mut stack = vec![(u32::from(top.node_id()), String::new(), 0usize)];
        while let Some((nid, path, depth)) = stack.pop() {
            if !seen.insert(nid) {
                end.notes.push(format!(
                    "folder node 0x{nid:08X} is linked twice; read once"
                ));
                continue;
            }
            if seen.len() > MAX_FOLDERS {
                end.notes.push(format!(
                    "more than {MAX_FOLDERS} folders; the rest was not read"
                ));
                end.complete = false;
                break;
            }
            let shown = if path.is_empty() { "(top)" } else { &path };
            let folder = match self.folder(nid) {
                Ok(f) => f,
                Err(e) => {
                    end.notes.push(format!(
                        "folder \"{shown}\" (node 0x{nid:08X}) cannot be read: {e}"
                    ));
                    end.complete = false;
                    continue;
                }
            };
            let child_rows = folder
                .hierarchy_table()
                .map(|t| rows(t.as_ref()))
                .unwrap_or_default();
            if folder.properties().has_sub_folders().unwrap_or(false) && child_rows.is_empty() {
                end.notes.push(format!(
                    "folder \"{shown}\" (node 0x{nid:08X}) has subfolders, but their list cannot be read"
                ));
                end.complete = false;
            }
            {
                let mut children = Vec::new();
                for (child, row) in child_rows {
                    let r = props::Reader::new(&row, None);
                    let name = r
                        .text(props::DISPLAY_NAME)
                        .unwrap_or_else(|| format!("node 0x{child:08X}"))
                        .replace('/', "\u{2215}");
                    let child_path = if path.is_empty() {
                        name
                    } else {
                        format!("{path}/{name}")
                    };
                    children.push((child, child_path, depth + 1));
                }
                if depth + 1 > MAX_FOLDER_DEPTH && !children.is_empty() {
                    end.notes.push(format!(
                        "folder \"{shown}\" is nested more than {MAX_FOLDER_DEPTH} deep; its subfolders were not read"
                    ));
                    end.complete = false;
                } else {
                    stack.extend(children.into_iter().rev());
                }
            }
            let listed = folder
                .contents_table()
                .map(|t| rows(t.as_ref()))
                .unwrap_or_default();
            // The folder's own count of its items against its list: a
            // damaged list is said, not taken for an empty folder.
            if let Ok(n) = folder.properties().content_count()
                && usize::try_from(n).is_ok_and(|n| n != listed.len())
            {
                end.notes.push(format!(
                    "folder \"{shown}\" (node 0x{nid:08X}) says it holds {n} item(s); {} could be listed",
                    listed.len()
                ));
                end.complete = false;
            }
            for (item_nid, row) in listed {
                let class = props::Reader::new(&row, None).text(props::MESSAGE_CLASS);
                if let Some(c) = class.as_deref().filter(|c| !is_mail_class(c)) {
                    *skipped.entry(class_family(c)).or_default() += 1;
                    continue;
                }
                match self.item(item_nid) {
                    Ok(item) => {
                        let go_on = visit(PstItem {
                            nid: item_nid,
                            folder: path.clone(),
                            item,
                        });
                        if !go_on {
                            end.complete = false;
                            return end;
                        }
                    }
                    Err(e) => end.notes.push(format!(
                        "item node 0x{item_nid:08X} in \"{shown}\" cannot be read: {e}"
                    )),
                }
            }
        }
        for (class, n) in skipped {
            end.notes.push(format!(
                "{n} item(s) of class {class} (not mail) were not imported"
            ));
        }
        end
    }

    fn folder(&self, nid: u32) -> io::Result<Rc<dyn Folder>> {
        let entry = self.store.properties().make_entry_id(NodeId::from(nid))?;
        self.store.open_folder(&entry)
    }

    /// One item with its recipients and attachments.
    fn item(&self, nid: u32) -> io::Result<Item> {
        let msg = F::message(&self.store, nid)?;
        let mut problems = Vec::new();
        let mut attachments = Vec::new();
        if let Some(table) = msg.attachment_table() {
            for (att_nid, row) in rows(table.as_ref()) {
                match F::attachment(&msg, att_nid) {
                    Ok(att) => attachments.push(attachment(att.as_ref(), &mut problems)),
                    Err(e) => {
                        problems.push(format!("attachment node 0x{att_nid:08X}: {e}"));
                        attachments.push(props::attachment_from(
                            &row,
                            None,
                            Content::Missing(format!("unreadable in the PST: {e}")),
                        ));
                    }
                }
            }
        }
        Ok(message_item(msg.as_ref(), attachments, problems))
    }
}

/// An item from a message object (top-level or embedded).
fn message_item(
    msg: &dyn Message,
    attachments: Vec<ItemAttachment>,
    problems: Vec<String>,
) -> Item {
    let p = convert_props(msg.properties().iter());
    let recipients: Vec<Props> = msg
        .recipient_table()
        .map(|t| rows(t.as_ref()).into_iter().map(|(_, r)| r).collect())
        .unwrap_or_default();
    props::item_from(&p, &recipients, attachments, problems)
}

fn attachment(att: &dyn Attachment, problems: &mut Vec<String>) -> ItemAttachment {
    let p = convert_props(att.properties().iter());
    let content = match att.data() {
        Some(AttachmentData::Binary(b)) => Content::Bytes(b.buffer().to_vec()),
        Some(AttachmentData::Message(m)) => {
            let mut inner_problems = Vec::new();
            let has_attachments = m
                .attachment_table()
                .is_some_and(|t| t.rows_matrix().next().is_some());
            if has_attachments {
                inner_problems.push(
                    "the attachments of this embedded message are not read (the PST reader does not reach them)"
                        .to_string(),
                );
                problems.push("an embedded message's own attachments were not read".to_string());
            }
            Content::Item(Box::new(message_item(
                m.as_ref(),
                Vec::new(),
                inner_problems,
            )))
        }
        None => Content::Missing("stored outside the PST (a link), or of an unknown kind".into()),
    };
    props::attachment_from(&p, None, content)
}

/// Rows of a table: (row id, properties).
fn rows(table: &dyn TableContext) -> Vec<(u32, Props)> {
    let ctx = table.context();
    let mut out = Vec::new();
    for row in table.rows_matrix() {
        let mut p = Props::new();
        if let Ok(values) = row.columns(ctx) {
            for (col, value) in ctx.columns().iter().zip(values) {
                let Some(value) = value else { continue };
                if let Ok(v) = table.read_column(&value, col.prop_type())
                    && let Some(v) = convert(&v)
                {
                    p.insert(col.prop_id(), v);
                }
            }
        }
        out.push((u32::from(row.id()), p));
    }
    out
}

fn convert_props<'a>(it: impl Iterator<Item = (&'a u16, &'a PropertyValue)>) -> Props {
    it.filter_map(|(id, v)| convert(v).map(|v| (*id, v)))
        .collect()
}

fn convert(v: &PropertyValue) -> Option<Prop> {
    Some(match v {
        PropertyValue::Unicode(s) => Prop::Text(String::from_utf16_lossy(s.buffer())),
        PropertyValue::String8(s) => Prop::String8(s.buffer().to_vec()),
        PropertyValue::Binary(b) => Prop::Binary(b.buffer().to_vec()),
        PropertyValue::Integer16(n) => Prop::Int(i64::from(*n)),
        PropertyValue::Integer32(n) => Prop::Int(i64::from(*n)),
        PropertyValue::Integer64(n) => Prop::Int(*n),
        PropertyValue::Boolean(b) => Prop::Bool(*b),
        PropertyValue::Time(t) => Prop::Time(*t),
        _ => return None,
    })
}

/// Mail and its kin: notes, posts, meeting requests and responses,
/// delivery reports, recalls; a missing class counts as mail.
fn is_mail_class(class: &str) -> bool {
    let c = class.to_ascii_uppercase();
    [
        "IPM.NOTE",
        "IPM.POST",
        "IPM.SCHEDULE",
        "REPORT.",
        "IPM.OUTLOOK.RECALL",
    ]
    .iter()
    .any(|p| c.starts_with(p))
        || c == "IPM"
}

/// `IPM.Contact`, `IPM.Appointment`, … (the first two parts).
fn class_family(class: &str) -> String {
    class.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_kinds() {
        let mut h = *b"!BDN\0\0\0\0SM\x17\0";
        assert_eq!(flavour(&h), Ok(true));
        h[10] = 14;
        assert_eq!(flavour(&h), Ok(false));
        h[8..10].copy_from_slice(b"SO");
        assert!(flavour(&h).unwrap_err().contains("OST"));
        assert!(flavour(b"!BDN").is_err());
    }

    #[test]
    fn mail_classes() {
        assert!(is_mail_class("IPM.Note"));
        assert!(is_mail_class("ipm.note.smime"));
        assert!(is_mail_class("REPORT.IPM.Note.NDR"));
        assert!(!is_mail_class("IPM.Contact"));
        assert!(!is_mail_class("IPM.Appointment"));
        assert_eq!(class_family("IPM.DistList.x"), "IPM.DistList");
    }

    /// Tika's test PST (tests/fixtures/outlook/README.md): the four mails
    /// readpst converts, in `Inbox/tmp`, each found again by node id and
    /// rendered the same.
    #[test]
    fn the_fixture_pst_walks_and_renders_again() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/outlook/various-bodies.pst");
        let file = std::fs::File::open(&path).unwrap();
        let mut items = Vec::new();
        let end = walk(file, &mut |it| {
            items.push(it);
            true
        })
        .unwrap();
        assert!(end.complete, "{:?}", end.notes);
        let summary: Vec<(String, Option<String>, usize)> = items
            .iter()
            .map(|i| {
                (
                    i.folder.clone(),
                    i.item.subject.clone(),
                    i.item.attachments.len(),
                )
            })
            .collect();
        eprintln!("{summary:?} {:?}", end.notes);
        assert_eq!(items.len(), 4, "{summary:?}");
        for it in &items {
            assert_eq!(it.folder, "Inbox/tmp");
            let address = super::super::pst_address(it.nid, &it.folder);
            let once = super::super::render::render(&it.item, &address);
            assert_eq!(render_node(&path, it.nid, &address).unwrap(), once);
        }
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        let mut data = b"!BDN\0\0\0\0SM\x17\0".to_vec();
        data.resize(4096, 0x5a);
        let err = walk(io::Cursor::new(data), &mut |_| true).unwrap_err();
        assert!(err.contains("PST"), "{err}");
    }
}
