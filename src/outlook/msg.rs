//! Outlook `.msg` files (MS-OXMSG): a compound file (read with `cfb`)
//! whose root storage holds the message's properties — fixed-size ones
//! in `__properties_version1.0`, the others in `__substg1.0_IIIITTTT`
//! streams —, one storage per recipient (`__recip_version1.0_#N`) and per
//! attachment (`__attach_version1.0_#N`); an embedded message is a
//! storage of the same shape inside its attachment
//! (`__substg1.0_3701000D`). Read whole from bytes; bounded (depth of
//! embedded messages, counts of recipients and attachments, stream
//! sizes by the file's own size).

use std::io::{Cursor, Read};

use super::props::{self, Prop, Props};
use super::{Content, Item, ItemAttachment};

/// Embedded messages deeper than this are not read.
const MAX_DEPTH: usize = 8;
/// At most this many recipients or attachments per message.
const MAX_CHILDREN: usize = 10_000;

/// The CFB (OLE2) signature.
pub const CFB_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Whether `bytes` is a compound file with a message's property stream.
pub fn is_msg(bytes: &[u8]) -> bool {
    bytes.starts_with(CFB_MAGIC)
        && cfb::CompoundFile::open(Cursor::new(bytes))
            .is_ok_and(|cf| cf.is_stream("/__properties_version1.0"))
}

type Cf<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Reads the message in a `.msg` file's bytes.
pub fn read_msg(bytes: &[u8]) -> Result<Item, String> {
    let mut cf = crate::contain::contain(|| cfb::CompoundFile::open(Cursor::new(bytes)))
        .map_err(|p| format!("the compound file reader failed ({p})"))?
        .map_err(|e| format!("not a readable compound file: {e}"))?;
    if !cf.is_stream("/__properties_version1.0") {
        return Err("a compound file without an Outlook message's properties".into());
    }
    let limit = bytes.len() as u64;
    crate::contain::contain(|| message(&mut cf, "", 32, 0, limit))
        .map_err(|p| format!("the compound file reader failed ({p})"))?
}

/// The message stored in `dir` (`""` for the root), its property stream
/// header `header_len` bytes long (32 at the top, 24 for embedded ones).
fn message(
    cf: &mut Cf<'_>,
    dir: &str,
    header_len: usize,
    depth: usize,
    limit: u64,
) -> Result<Item, String> {
    let props = properties(cf, dir, header_len, limit)?;
    let mut problems = Vec::new();
    let mut recipients = Vec::new();
    let mut attachments = Vec::new();
    let children: Vec<String> = cf
        .read_storage(if dir.is_empty() { "/" } else { dir })
        .map_err(|e| e.to_string())?
        .filter(|e| e.is_storage())
        .map(|e| e.name().to_string())
        .collect();
    let mut children = children;
    children.sort();
    for name in children.into_iter().take(MAX_CHILDREN * 2) {
        let path = format!("{dir}/{name}");
        if name.starts_with("__recip_version1.0_") {
            match properties(cf, &path, 8, limit) {
                Ok(p) => recipients.push(p),
                Err(e) => problems.push(format!("recipient {name}: {e}")),
            }
        } else if name.starts_with("__attach_version1.0_") {
            attachments.push(attachment(cf, &path, depth, limit, &mut problems));
        }
    }
    Ok(props::item_from(&props, &recipients, attachments, problems))
}

fn attachment(
    cf: &mut Cf<'_>,
    dir: &str,
    depth: usize,
    limit: u64,
    problems: &mut Vec<String>,
) -> ItemAttachment {
    let p = match properties(cf, dir, 8, limit) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("attachment {dir}: {e}"));
            return ItemAttachment {
                name: None,
                mime: None,
                content: Content::Missing(format!("unreadable in the .msg: {e}")),
            };
        }
    };
    let method = props::Reader::new(&p, None).int(props::ATTACH_METHOD);
    let embedded = format!("{dir}/__substg1.0_3701000D");
    let content = if cf.is_storage(&embedded) {
        if depth + 1 > MAX_DEPTH {
            Content::Missing("an embedded message nested too deep".into())
        } else {
            match message(cf, &embedded, 24, depth + 1, limit) {
                Ok(item) => Content::Item(Box::new(item)),
                Err(e) => {
                    problems.push(format!("embedded message in {dir}: {e}"));
                    Content::Missing(format!("unreadable embedded message: {e}"))
                }
            }
        }
    } else {
        match p.get(&props::ATTACH_DATA) {
            Some(Prop::Binary(b)) => Content::Bytes(b.clone()),
            _ if method == Some(props::ATTACH_OLE) => {
                Content::Missing("an OLE object (not kept)".into())
            }
            _ => Content::Missing("stored outside the message (a link)".into()),
        }
    };
    props::attachment_from(&p, None, content)
}

/// The properties of the object stored in `dir`: the fixed-size ones from
/// its property stream (after a header of `header_len` bytes), the
/// variable-size ones from their `__substg1.0_` streams.
fn properties(cf: &mut Cf<'_>, dir: &str, header_len: usize, limit: u64) -> Result<Props, String> {
    let stream = read_stream(cf, &format!("{dir}/__properties_version1.0"), limit)?;
    let mut props = Props::new();
    let entries = stream.get(header_len..).unwrap_or_default();
    for e in entries.chunks_exact(16) {
        let tag = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        let (id, ty) = ((tag >> 16) as u16, (tag & 0xFFFF) as u16);
        let v = &e[8..16];
        let prop = match ty {
            0x0002 => Prop::Int(i64::from(i16::from_le_bytes([v[0], v[1]]))),
            0x0003 => Prop::Int(i64::from(i32::from_le_bytes([v[0], v[1], v[2], v[3]]))),
            0x0014 => Prop::Int(i64::from_le_bytes([
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
            ])),
            0x000B => Prop::Bool(v[0] != 0),
            0x0040 => Prop::Time(i64::from_le_bytes([
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
            ])),
            0x001E | 0x001F | 0x0102 => {
                let name = format!("{dir}/__substg1.0_{tag:08X}");
                let Ok(data) = read_stream(cf, &name, limit) else {
                    continue;
                };
                match ty {
                    0x001F => {
                        let units: Vec<u16> = data
                            .chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]]))
                            .collect();
                        Prop::Text(String::from_utf16_lossy(&units))
                    }
                    0x001E => Prop::String8(data),
                    _ => Prop::Binary(data),
                }
            }
            _ => continue,
        };
        props.insert(id, prop);
    }
    Ok(props)
}

fn read_stream(cf: &mut Cf<'_>, path: &str, limit: u64) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    cf.open_stream(path)
        .and_then(|s| s.take(limit).read_to_end(&mut data))
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn other_compound_files_are_not_messages() {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/Workbook").unwrap();
        let bytes = cf.into_inner().into_inner();
        assert!(!is_msg(&bytes));
        assert!(read_msg(&bytes).unwrap_err().contains("without"));
        assert!(read_msg(b"not a compound file at all").is_err());
    }

    #[test]
    fn a_built_message_reads_back() {
        use std::io::Write;
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        let mut props = vec![0u8; 32];
        // PR_MESSAGE_DELIVERY_TIME, fixed size.
        props.extend_from_slice(&0x0E06_0040u32.to_le_bytes());
        props.extend_from_slice(&[6, 0, 0, 0]);
        props.extend_from_slice(&130_378_746_040_000_000i64.to_le_bytes());
        // PR_SUBJECT, in its stream.
        props.extend_from_slice(&0x0037_001Fu32.to_le_bytes());
        props.extend_from_slice(&[6, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]);
        cf.create_stream("/__properties_version1.0")
            .unwrap()
            .write_all(&props)
            .unwrap();
        cf.create_stream("/__substg1.0_0037001F")
            .unwrap()
            .write_all(&utf16("Hi ü"))
            .unwrap();
        cf.create_storage("/__recip_version1.0_#00000000").unwrap();
        let mut rp = vec![0u8; 8];
        rp.extend_from_slice(&0x0C15_0003u32.to_le_bytes());
        rp.extend_from_slice(&[6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        rp.extend_from_slice(&0x39FE_001Fu32.to_le_bytes());
        rp.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        cf.create_stream("/__recip_version1.0_#00000000/__properties_version1.0")
            .unwrap()
            .write_all(&rp)
            .unwrap();
        cf.create_stream("/__recip_version1.0_#00000000/__substg1.0_39FE001F")
            .unwrap()
            .write_all(&utf16("ann@example.org"))
            .unwrap();
        let bytes = cf.into_inner().into_inner();
        assert!(is_msg(&bytes));
        let item = read_msg(&bytes).unwrap();
        assert_eq!(item.subject.as_deref(), Some("Hi ü"));
        assert_eq!(item.received, Some(1_393_401_004));
        assert_eq!(item.recipients.len(), 1);
        assert_eq!(
            item.recipients[0].1.smtp.as_deref(),
            Some("ann@example.org")
        );
    }
}
