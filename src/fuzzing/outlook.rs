//! Fuzz bodies for the Outlook readers (src/outlook/): `pst` (any bytes
//! as a PST, behind a valid-looking header too) and `msg` (any bytes as a
//! `.msg`, and inside a compound file as its property stream).

use std::io::{Cursor, Write};

use crate::outlook::{self, msg, pst};

/// Checks what every converted item must be: the same bytes rendered
/// twice, ASCII with CRLF lines, the converted marker in its headers.
fn check_item(item: &outlook::Item, address: &str) {
    let a = outlook::render::render(item, address);
    let b = outlook::render::render(item, address);
    assert_eq!(a, b, "the rendering is deterministic");
    assert!(a.is_ascii(), "the rendering is 7-bit");
    let head_end = memchr::memmem::find(&a, b"\r\n\r\n").unwrap_or(a.len());
    assert!(
        memchr::memmem::find(&a[..head_end], b"\r\nX-Mailsift-Converted: ").is_some()
            || a.starts_with(b"X-Mailsift-Converted: "),
        "the marker is a header"
    );
    let m = crate::parse::parse_message(
        crate::model::Sha256::of(&a),
        &a,
        true,
        a.len() as u64,
        &crate::model::Limits::default(),
        super::NOW,
    );
    assert!(m.attachments.len() <= item.attachments.len() * 64 + 64);
}

/// Any bytes as a PST (and the same bytes after a Unicode PST header's
/// first 12 bytes): no panic escapes, the walk ends, each item renders
/// deterministically.
pub fn pst(data: &[u8]) {
    let mut headed = b"!BDN\0\0\0\0SM\x17\0".to_vec();
    headed.extend_from_slice(data);
    for bytes in [data.to_vec(), headed] {
        let mut items = 0usize;
        let r = pst::walk(Cursor::new(bytes), &mut |it| {
            items += 1;
            check_item(&it.item, &outlook::pst_address(it.nid, &it.folder));
            items < 1000
        });
        if let Ok(end) = r {
            assert!(end.complete || !end.notes.is_empty() || items >= 1000);
        }
    }
}

/// Any bytes as a `.msg`, and as the property stream of a compound file
/// built around them: no panic escapes; what reads renders
/// deterministically.
pub fn msg(data: &[u8]) {
    if let Ok(item) = msg::read_msg(data) {
        check_item(&item, outlook::MSG_ADDRESS);
    }
    let Ok(mut cf) = cfb::CompoundFile::create(Cursor::new(Vec::new())) else {
        return;
    };
    let half = data.len() / 2;
    let ok = cf
        .create_stream("/__properties_version1.0")
        .and_then(|mut s| s.write_all(&data[..half]))
        .and_then(|_| cf.create_stream("/__substg1.0_0037001F"))
        .and_then(|mut s| s.write_all(&data[half..]))
        .and_then(|_| cf.create_storage("/__attach_version1.0_#00000000"))
        .and_then(|_| cf.create_stream("/__attach_version1.0_#00000000/__properties_version1.0"))
        .and_then(|mut s| s.write_all(&data[half..]))
        .is_ok();
    if !ok {
        return;
    }
    let bytes = cf.into_inner().into_inner();
    assert!(msg::is_msg(&bytes));
    let item = msg::read_msg(&bytes).unwrap_or_else(|e| panic!("a built .msg reads: {e}"));
    assert_eq!(item.attachments.len(), 1);
    check_item(&item, outlook::MSG_ADDRESS);
}
