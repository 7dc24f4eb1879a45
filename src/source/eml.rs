//! Single message files (`.eml`, a file in a maildir, a gzip'd message):
//! read whole when they fit the limit, else hashed while streaming with only
//! their head kept. Also reads maildir flags from file names.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sha2::Digest;

use super::{Canonicalizer, RawMessage};
use crate::model::{Sha256, SourceFormat};

/// Reads one message from `r` (a whole file, or its decompressed stream).
/// The message spans the whole stream.
pub fn read_message(
    mut r: impl Read,
    path: Arc<Path>,
    format: SourceFormat,
    max_message: usize,
    max_head: usize,
) -> std::io::Result<RawMessage> {
    let mut bytes = Vec::new();
    (&mut r)
        .take(max_message as u64 + 1)
        .read_to_end(&mut bytes)?;
    let mut msg = RawMessage::whole_file(path, format, bytes);
    if msg.bytes.len() > max_message {
        // Too large to hold: hash the rest as it streams, keep the head.
        let mut raw = sha2::Sha256::new();
        let mut key = sha2::Sha256::new();
        let mut canon = Canonicalizer::new(false);
        let mut feed = |chunk: &[u8], raw: &mut sha2::Sha256| {
            raw.update(chunk);
            canon.feed(chunk, &mut |b| key.update(b));
        };
        feed(&msg.bytes, &mut raw);
        let mut length = msg.bytes.len() as u64;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            feed(&buf[..n], &mut raw);
            length += n as u64;
        }
        canon.finish(&mut |b| key.update(b));
        msg.hashes = Some((Sha256(raw.finalize().into()), Sha256(key.finalize().into())));
        msg.length = length;
        msg.bytes.truncate(max_head);
        msg.bytes.shrink_to_fit();
    }
    Ok(msg)
}

/// Maildir flags from a file name such as `1445000000.M1P2.host:2,RS`
/// (also the `!2,` and `;2,` spellings used where `:` is not allowed).
pub fn maildir_flags(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let parent = path.parent()?.file_name()?.to_str()?;
    if !matches!(parent, "cur" | "new" | "tmp") {
        return None;
    }
    for sep in [":2,", "!2,", ";2,"] {
        if let Some((_, flags)) = name.rsplit_once(sep) {
            return Some(flags.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::hash_message;

    #[test]
    fn whole_and_streamed_reads_agree() {
        let data = "Subject: x\r\n\r\n".to_string() + &"line of text\r\n".repeat(1000);
        let path: Arc<Path> = Arc::from(Path::new("/a/b.eml"));
        let whole = read_message(
            data.as_bytes(),
            path.clone(),
            SourceFormat::Eml,
            1 << 20,
            1024,
        )
        .unwrap();
        assert!(whole.is_complete());
        assert_eq!(whole.bytes, data.as_bytes());
        let streamed = read_message(data.as_bytes(), path, SourceFormat::Eml, 100, 50).unwrap();
        assert!(!streamed.is_complete());
        assert_eq!(streamed.bytes.len(), 50);
        assert_eq!(streamed.length, data.len() as u64);
        assert_eq!(streamed.hashes(), whole.hashes());
        assert_eq!(whole.hashes(), hash_message(data.as_bytes(), false));
    }

    #[test]
    fn flags() {
        assert_eq!(
            maildir_flags(Path::new("/m/cur/1445000000.M1P2.host:2,RS")).as_deref(),
            Some("RS")
        );
        assert_eq!(
            maildir_flags(Path::new("/m/new/1445000000.M1P2.host!2,")).as_deref(),
            Some("")
        );
        assert_eq!(maildir_flags(Path::new("/m/dnc/12:2,RS")), None);
        assert_eq!(
            maildir_flags(Path::new("/m/cur/1445000000.M1P2.host")),
            None
        );
    }
}
