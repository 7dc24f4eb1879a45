//! The delivery path of a message: its `Received:` headers as hops, oldest
//! first — when, from which host, by which host, with what — the delay
//! from the hop before, and hops whose time runs backwards (a clock set
//! wrong, or a header added by hand: worth a look in a contested message).
//!
//! Read from the raw header block (with mailparse), on demand: the stored
//! record does not keep `Received:` headers. Bounded: at most
//! [`MAX_HOPS`] hops, each header at most [`MAX_HEADER`] bytes.

use crate::display::visible;

/// Most hops read.
pub const MAX_HOPS: usize = 100;
/// Longest `Received:` value read.
pub const MAX_HEADER: usize = 4_096;

/// One `Received:` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The time after the `;`, seconds since the epoch (UTC); None when
    /// missing or unreadable.
    pub time: Option<i64>,
    /// The time as written.
    pub time_raw: Option<String>,
    /// What follows `from` (the sending host, as it said and as seen).
    pub from: Option<String>,
    /// What follows `by` (the receiving host).
    pub by: Option<String>,
    /// What follows `with` (the protocol).
    pub with: Option<String>,
    /// Seconds since the hop before (None for the first or an undated one).
    pub delay: Option<i64>,
    /// This hop's time is earlier than the hop before's.
    pub backwards: bool,
    /// The whole header, unfolded, made safe to show.
    pub raw: String,
}

/// The hops of the message whose raw bytes are `raw`, oldest first.
pub fn received_chain(raw: &[u8]) -> Vec<Hop> {
    let Ok((headers, _)) = mailparse::parse_headers(raw) else {
        return Vec::new();
    };
    let mut hops: Vec<Hop> = headers
        .iter()
        .filter(|h| h.get_key_ref().eq_ignore_ascii_case("received"))
        .take(MAX_HOPS)
        .map(|h| {
            let value = h.get_value();
            let value: String = value.chars().take(MAX_HEADER).collect();
            hop(&value)
        })
        .collect();
    // Each server adds its header on top: the last one is the oldest.
    hops.reverse();
    let mut before: Option<i64> = None;
    for h in &mut hops {
        if let (Some(t), Some(b)) = (h.time, before) {
            h.delay = Some(t - b);
            h.backwards = t < b;
        }
        if h.time.is_some() {
            before = h.time;
        }
    }
    hops
}

/// One header's value read into a hop.
fn hop(value: &str) -> Hop {
    let unfolded = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let (clauses, time_raw) = match unfolded.rsplit_once(';') {
        Some((c, t)) => (c.to_owned(), Some(t.trim().to_owned())),
        None => (unfolded.clone(), None),
    };
    let time = time_raw
        .as_deref()
        .and_then(|t| mailparse::dateparse(t).ok());
    Hop {
        time,
        time_raw: time_raw.map(|t| visible(&t)),
        from: clause(&clauses, "from"),
        by: clause(&clauses, "by"),
        with: clause(&clauses, "with"),
        delay: None,
        backwards: false,
        raw: visible(&unfolded),
    }
}

/// The text after the keyword `word` up to the next keyword of a
/// `Received:` header (from, by, via, with, id, for).
fn clause(text: &str, word: &str) -> Option<String> {
    const KEYWORDS: [&str; 6] = ["from", "by", "via", "with", "id", "for"];
    let words: Vec<&str> = text.split(' ').collect();
    let start = words.iter().position(|w| w.eq_ignore_ascii_case(word))?;
    let mut depth = 0i32;
    let mut out = Vec::new();
    for w in &words[start + 1..] {
        if depth == 0 && KEYWORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            break;
        }
        depth += w.matches('(').count() as i32 - w.matches(')').count() as i32;
        out.push(*w);
    }
    let joined = out.join(" ");
    (!joined.is_empty()).then(|| visible(&joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = "Received: from mx.example.net (mx.example.net [192.0.2.7])\r\n\tby inbound.example.org (Postfix) with ESMTPS id 4F2;\r\n\tWed, 14 Sep 2016 10:00:09 -0400\r\nReceived: from laptop (by the way) by mx.example.net with ESMTPSA id 77\r\n\tfor <b@example.org>; Wed, 14 Sep 2016 10:00:04 -0400\r\nReceived: by relay.example.com; Wed, 14 Sep 2016 10:02:00 -0400\r\nSubject: x\r\n\r\nbody\r\n";

    #[test]
    fn hops_read_oldest_first_with_delays_and_backwards_times() {
        let hops = received_chain(MSG.as_bytes());
        assert_eq!(hops.len(), 3);
        // Oldest first: the bottom header.
        assert_eq!(hops[0].by.as_deref(), Some("relay.example.com"));
        assert_eq!(hops[0].delay, None);
        // The middle one is 1 min 56 s *before* the one under it.
        assert_eq!(hops[1].from.as_deref(), Some("laptop (by the way)"));
        assert_eq!(hops[1].by.as_deref(), Some("mx.example.net"));
        assert_eq!(hops[1].with.as_deref(), Some("ESMTPSA"));
        assert_eq!(hops[1].delay, Some(-116));
        assert!(hops[1].backwards);
        assert_eq!(
            hops[2].from.as_deref(),
            Some("mx.example.net (mx.example.net [192.0.2.7])")
        );
        assert_eq!(hops[2].by.as_deref(), Some("inbound.example.org (Postfix)"));
        assert_eq!(hops[2].delay, Some(5));
        assert!(!hops[2].backwards);
        assert_eq!(
            hops[2].time_raw.as_deref(),
            Some("Wed, 14 Sep 2016 10:00:09 -0400")
        );
    }

    proptest::proptest! {
        /// Any header block: no panic, at most MAX_HOPS hops, delays
        /// consistent with the times.
        #[test]
        fn any_header_block_reads(lines in proptest::collection::vec("(Received: )?[ -~]{0,120}", 0..12)) {
            let raw = format!("{}\r\n\r\nbody", lines.join("\r\n"));
            let hops = received_chain(raw.as_bytes());
            proptest::prop_assert!(hops.len() <= MAX_HOPS);
            for h in &hops {
                proptest::prop_assert_eq!(h.backwards, h.delay.is_some_and(|d| d < 0));
            }
        }
    }

    #[test]
    fn garbage_gives_no_hops_or_partial_ones() {
        assert!(received_chain(b"").is_empty());
        assert!(received_chain(b"Subject: none\r\n\r\n").is_empty());
        let hops = received_chain(b"Received: nonsense without time\r\n\r\n");
        assert_eq!(hops.len(), 1);
        assert_eq!(hops[0].time, None);
        assert_eq!(hops[0].raw, "nonsense without time");
    }
}
