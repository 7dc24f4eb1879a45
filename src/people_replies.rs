//! Merge suggestions from replies: one person who writes from one address
//! and is answered at another.
//!
//! The rule, for two people X and Y of a census (after the identity
//! decisions): a message from X, and a reply to it (its In-Reply-To is the
//! message's Message-ID) that
//! - is sent by a third person (neither X nor Y),
//! - is addressed `To` Y alone,
//! - does not name X anywhere (To, Cc or Bcc: the replier left X out),
//! - while the message replied to did not name Y (so Y is not simply
//!   another participant of the thread being answered).
//!
//! At least [`MIN_REPLIES`] such replies make a suggestion, unless X and Y
//! wrote to each other (two addresses that correspond are two people: an
//! assistant answering for their principal, say). The evidence names the
//! number of replies and the subject of one.

use std::collections::HashMap;

use super::{Census, MergeSuggestion};
use crate::error::Result;

/// Replies needed before two addresses are suggested as one person.
pub(super) const MIN_REPLIES: usize = 2;

/// A message of the census: its sender, and its recipients with their
/// roles.
struct Sent<'a> {
    sender: u32,
    recipients: &'a [(u32, u8)],
}

impl Census {
    fn sent(&self, rowid: u64) -> Option<Sent<'_>> {
        let i = self.sent_to.binary_search_by_key(&rowid, |m| m.0).ok()?;
        let (_, sender, start, end) = self.sent_to[i];
        (sender != u32::MAX).then(|| Sent {
            sender,
            recipients: &self.recipients[start as usize..end as usize],
        })
    }

    /// The suggestions the reply rule makes (see the module's doc), most
    /// replies first; `subject_of` gives the subject of a reply, for the
    /// example in the evidence.
    pub(super) fn find_reply_suggestions(
        &self,
        subject_of: &mut dyn FnMut(u64) -> Result<Option<String>>,
    ) -> Result<Vec<MergeSuggestion>> {
        // (writes from, answered at) → the replies, in row order
        let mut found: HashMap<(u32, u32), Vec<u64>> = HashMap::new();
        for &(reply, original) in &self.replies {
            let (Some(r), Some(o)) = (self.sent(reply), self.sent(original)) else {
                continue;
            };
            let x = o.sender;
            let names = |m: &Sent<'_>, who: u32| m.recipients.iter().any(|&(p, _)| p == who);
            if r.sender == x || names(&r, x) {
                continue;
            }
            let mut to = r
                .recipients
                .iter()
                .filter(|(_, role)| role & super::TO != 0);
            let (Some(&(y, _)), None) = (to.next(), to.next()) else {
                continue;
            };
            if y == x || y == r.sender || names(&o, y) {
                continue;
            }
            found.entry((x, y)).or_default().push(reply);
        }
        let corresponded =
            |a: u32, b: u32| self.pairs.contains_key(&(a, b)) || self.pairs.contains_key(&(b, a));
        let mut kept: Vec<((u32, u32), Vec<u64>)> = found
            .into_iter()
            .filter(|((x, y), replies)| replies.len() >= MIN_REPLIES && !corresponded(*x, *y))
            .collect();
        kept.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then_with(|| self.address(a.0.0).cmp(self.address(b.0.0)))
                .then_with(|| self.address(a.0.1).cmp(self.address(b.0.1)))
        });
        let mut out = Vec::with_capacity(kept.len());
        for ((x, y), replies) in kept {
            let (ax, ay) = (self.address(x).to_string(), self.address(y).to_string());
            let example = match replies.first() {
                Some(&r) => subject_of(r)?
                    .map(|s| format!(", e.g. '{}'", s.trim()))
                    .unwrap_or_default(),
                None => String::new(),
            };
            let evidence = format!(
                "replies to mail from {ax} went to {ay} alone ({} replies{example}): \
                 one person writing from one address and answered at the other",
                replies.len()
            );
            let mut addresses = vec![ax, ay];
            if self.weight(y) > self.weight(x) {
                addresses.reverse();
            }
            out.push(MergeSuggestion {
                addresses,
                evidence,
                dismissed: false,
            });
        }
        Ok(out)
    }
}
