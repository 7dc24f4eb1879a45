//! Writing messages into containers: mboxrd with `From_` lines (classic or
//! Google Takeout style) and a blank line before each separator, maildir
//! file names with flags.

use std::io::{self, Write};

use super::date;
use super::encode;
use super::engine::Generated;

/// Classic `From_` line: `From sender@example.org Mon Oct 12 18:02:11 2015`.
pub fn classic_from_line(sender: &str, t: i64) -> String {
    format!("From {sender} {}", date::asctime_utc(t))
}

/// Takeout `From_` line: `From 1514829384756738910@xxx Mon Oct 12 18:02:11 +0000 2015`.
pub fn takeout_from_line(gm_id: u64, t: i64) -> String {
    format!("From {gm_id}@xxx {}", date::takeout_utc(t))
}

/// The `From_` line for a generated message.
pub fn from_line_for(g: &Generated, takeout: bool) -> String {
    if takeout {
        takeout_from_line(g.gm_id, g.date)
    } else {
        classic_from_line(&g.sender, g.date)
    }
}

/// Writes an mboxrd stream.
pub struct MboxWriter<W: Write> {
    w: W,
    buf: Vec<u8>,
}

impl<W: Write> MboxWriter<W> {
    pub fn new(w: W) -> MboxWriter<W> {
        MboxWriter {
            w,
            buf: Vec::with_capacity(1 << 16),
        }
    }

    /// Append one message: `From_` line, the message with mboxrd escaping
    /// (ending in a newline), then the blank line that precedes the next
    /// separator. `eol` is the line end used for the added lines.
    pub fn write_message(&mut self, from_line: &str, msg: &[u8], eol: &[u8]) -> io::Result<()> {
        self.buf.clear();
        self.buf.extend_from_slice(from_line.as_bytes());
        self.buf.extend_from_slice(eol);
        encode::mboxrd_escape_into(msg, &mut self.buf);
        if !self.buf.ends_with(b"\n") {
            self.buf.extend_from_slice(eol);
        }
        self.buf.extend_from_slice(eol);
        self.w.write_all(&self.buf)
    }

    pub fn into_inner(self) -> W {
        self.w
    }
}

/// A maildir file name: `1445000000.M123456P4567Q12.host:2,FLAGS`, or
/// without the info suffix for `new/` (`flags == None`).
pub fn maildir_name(t: i64, usec: u32, pid: u32, q: usize, flags: Option<&str>) -> String {
    let base = format!("{t}.M{usec}P{pid}Q{q}.ncpc-mx1");
    match flags {
        Some(f) => format!("{base}:2,{f}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_framing() {
        let mut w = MboxWriter::new(Vec::new());
        w.write_message(
            "From a@example.org Mon Oct 12 18:02:11 2015",
            b"Subject: x\n\nFrom here\nbye",
            b"\n",
        )
        .unwrap();
        w.write_message(
            "From b@example.org Mon Oct 12 18:03:11 2015",
            b"Subject: y\n\nhi\n",
            b"\n",
        )
        .unwrap();
        let out = String::from_utf8(w.into_inner()).unwrap();
        assert_eq!(
            out,
            "From a@example.org Mon Oct 12 18:02:11 2015\nSubject: x\n\n>From here\nbye\n\nFrom b@example.org Mon Oct 12 18:03:11 2015\nSubject: y\n\nhi\n\n"
        );
        assert_eq!(
            takeout_from_line(1_514_829_384_756_738_910, 1_444_672_931),
            "From 1514829384756738910@xxx Mon Oct 12 18:02:11 +0000 2015"
        );
        assert_eq!(
            maildir_name(1_445_000_000, 123, 456, 7, Some("RS")),
            "1445000000.M123P456Q7.ncpc-mx1:2,RS"
        );
    }
}
