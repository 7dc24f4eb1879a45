//! The thread engine: keeps a pool of open conversations among the cast and
//! emits their messages one at a time (mostly in date order, sometimes not),
//! deciding authors, recipients, dates, subjects, reply and forward
//! structure, References (truncated in long chains as real clients do),
//! Outlook Thread-Index growth, attachments and, for benchmark corpora, the
//! attachment sizes that keep the running average near the target size.
//! Holds only the open threads' metadata, never the emitted bytes.

use super::cast::{self, Group, Lang, Mua, PEOPLE, Person};
use super::date;
use super::encode;
use super::message::{self, ATTACH_KINDS, ATTACH_WEIGHTS, AttachKind, MsgSpec, Quoted, Takeout};
use super::rng::Rng;
use super::text;

/// How big attachments are.
#[derive(Clone, Copy, Debug)]
pub enum SizeMode {
    /// Small, natural sizes (committed sample).
    Natural,
    /// Attachment sizes steered so the average message is about this many bytes.
    Target(usize),
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Messages that will be asked for (spreads thread starts over the dates).
    pub total: usize,
    pub start: i64,
    pub end: i64,
    /// Open threads at a time.
    pub pool: usize,
    /// Weights of thread lengths 1, 2, 3, …
    pub short_lengths: &'static [u32],
    /// Probability that a new thread is a long one, and its length range.
    pub long_prob: f64,
    pub long_range: (usize, usize),
    pub attach_prob: f64,
    /// Probability that an Outlook-written message is stored with CRLF.
    pub crlf_prob: f64,
    /// Mailbox owner: part of every thread (Takeout mbox, maildir).
    pub owner: Option<usize>,
    /// An organisation every thread involves (the committee's Exchange).
    pub require_org: Option<usize>,
    pub takeout: bool,
    pub size: SizeMode,
    pub html_only_prob: f64,
    pub from_line_prob: f64,
    pub forward_prob: f64,
    pub quote_cap: usize,
    /// Probability that a non-Outlook reply quotes with a bare `>`.
    pub tight_quote_prob: f64,
    pub paragraphs: (usize, usize),
    /// Weights of the groups threads are started by.
    pub group_weights: &'static [(Group, u32)],
    /// Weight of a Russian, Japanese or Greek writer within a group, where
    /// everybody else weighs 3.
    pub foreign_weight: u32,
}

impl EngineConfig {
    /// Defaults for a benchmark corpus of `total` messages.
    pub fn corpus(total: usize, avg: usize, takeout: bool) -> EngineConfig {
        EngineConfig {
            total,
            start: date::START_2015,
            end: date::END_2016,
            pool: 12,
            short_lengths: &[30, 22, 15, 10, 7, 5, 4, 3, 2, 2],
            long_prob: 0.0012,
            long_range: (100, 300),
            attach_prob: 0.3,
            crlf_prob: 0.3,
            owner: None,
            require_org: None,
            takeout,
            size: SizeMode::Target(avg),
            html_only_prob: 0.04,
            from_line_prob: 0.03,
            forward_prob: 0.06,
            // Small targets need short quotes to be reachable at all.
            quote_cap: (avg / 6).clamp(800, 6000),
            tight_quote_prob: 0.08,
            paragraphs: (1, 5),
            group_weights: &[
                (Group::Committee, 40),
                (Group::Campaign, 25),
                (Group::Consultant, 12),
                (Group::Donor, 8),
                (Group::Press, 10),
                (Group::Labor, 5),
            ],
            foreign_weight: 2,
        }
    }
}

/// One emitted message with what containers need to know about it.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The message bytes (CRLF when `crlf`).
    pub bytes: Vec<u8>,
    pub message_id: String,
    pub date: i64,
    /// Envelope sender address.
    pub sender: String,
    pub attachments: usize,
    pub crlf: bool,
    /// Gmail message id (Takeout `From_` line), when `takeout`.
    pub gm_id: u64,
    /// Written by the mailbox owner.
    pub by_owner: bool,
    /// Depth in its reply chain (0 = thread root).
    pub depth: usize,
    /// Whether the body has a line that mbox writers must escape.
    pub has_from_line: bool,
}

struct TMsg {
    id: String,
    from: usize,
    to: Vec<usize>,
    cc: Vec<usize>,
    date: i64,
    subject: String,
    text: String,
    refs: Vec<String>,
    depth: usize,
}

/// Where a new message sits in its thread (see `Engine::place`).
struct Placement {
    date: i64,
    subject: String,
    quoted: Option<Quoted>,
    refs: Vec<String>,
    in_reply_to: Option<String>,
    depth: usize,
    thread_index: Vec<u8>,
}

struct Thread {
    base_subject: String,
    participants: Vec<usize>,
    msgs: Vec<TMsg>,
    planned: usize,
    thrid: u64,
    tindex: Vec<u8>,
    /// Date of the next message (for ordering).
    next_date: i64,
}

/// Emits messages one by one.
pub struct Engine {
    cfg: EngineConfig,
    rng: Rng,
    threads: Vec<Thread>,
    emitted: usize,
    produced: u64,
    text_est: f64,
    person_weights: Vec<u32>,
}

fn reply_prefix(mua: Mua, lang: Lang, forward: bool) -> &'static str {
    match (forward, mua, lang) {
        (true, Mua::Outlook, _) => "FW: ",
        (true, _, _) => "Fwd: ",
        (false, Mua::Outlook, _) => "RE: ",
        (false, Mua::Thunderbird, Lang::De) => "AW: ",
        (false, _, _) => "Re: ",
    }
}

impl Engine {
    pub fn new(cfg: EngineConfig, rng: Rng) -> Engine {
        let person_weights = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i == cast::PELL_WEBMAIL && cfg.owner != Some(i) {
                    0
                } else if matches!(p.lang, Lang::Ru | Lang::Ja | Lang::El) {
                    cfg.foreign_weight
                } else {
                    3
                }
            })
            .collect();
        Engine {
            cfg,
            rng,
            threads: Vec::new(),
            emitted: 0,
            produced: 0,
            text_est: 4000.0,
            person_weights,
        }
    }

    fn pick_person_in(&mut self, group: Group) -> usize {
        let members = cast::members(group);
        let w: Vec<u32> = members.iter().map(|&i| self.person_weights[i]).collect();
        members[self.rng.weighted(&w)]
    }

    fn pick_person(&mut self) -> usize {
        let gw: Vec<u32> = self.cfg.group_weights.iter().map(|&(_, w)| w).collect();
        let g = self.cfg.group_weights[self.rng.weighted(&gw)].0;
        self.pick_person_in(g)
    }

    fn new_thread(&mut self) {
        let rng = &mut self.rng;
        let planned = if rng.chance(self.cfg.long_prob) {
            rng.range(self.cfg.long_range.0, self.cfg.long_range.1)
        } else {
            rng.weighted(self.cfg.short_lengths) + 1
        };
        let mut participants = Vec::new();
        let starter = match self.cfg.owner {
            Some(o) if self.rng.chance(0.3) => o,
            _ => self.pick_person(),
        };
        participants.push(starter);
        let extra = self.rng.range(1, 4);
        let foreign = |i: usize| matches!(PEOPLE[i].lang, Lang::Ru | Lang::Ja | Lang::El);
        for _ in 0..extra {
            let p = self.pick_person();
            // At most one foreign-language correspondent per conversation.
            let clash = foreign(p)
                && participants
                    .iter()
                    .any(|&q| foreign(q) && PEOPLE[q].lang != PEOPLE[p].lang);
            if !participants.contains(&p) && !clash {
                participants.push(p);
            }
        }
        if let Some(org) = self.cfg.require_org
            && !participants.iter().any(|&p| PEOPLE[p].org == org)
        {
            let members: Vec<usize> = (0..PEOPLE.len())
                .filter(|&i| PEOPLE[i].org == org)
                .collect();
            let p = *self.rng.pick(&members);
            participants.push(p);
        }
        if let Some(o) = self.cfg.owner
            && !participants.contains(&o)
        {
            participants.insert(1.min(participants.len()), o);
        }
        if participants.len() < 2 {
            let mut p = self.pick_person();
            while p == participants[0] {
                p = (p + 1) % PEOPLE.len();
            }
            participants.push(p);
        }
        let lang = PEOPLE[starter].lang;
        let base_subject = text::subject(&mut self.rng, lang);
        let span = (self.cfg.end - self.cfg.start).max(1);
        let g = self.cfg.start
            + (span as i128 * self.emitted as i128 / self.cfg.total.max(1) as i128) as i64;
        let start = (g + self.rng.range_i64(-3 * 3600, 9 * 3600))
            .clamp(date::START_2015, date::LAST_2016 - 86_400);
        // Working hours, mostly.
        let day = start.div_euclid(86_400) * 86_400;
        let start = day + 12 * 3600 + self.rng.range_i64(0, 11 * 3600);
        let mut tindex = vec![0x01u8];
        let ft = (start as u64)
            .wrapping_mul(10_000_000)
            .wrapping_add(116_444_736_000_000_000);
        tindex.extend_from_slice(&ft.to_be_bytes()[1..6]);
        tindex.extend_from_slice(&self.rng.bytes(16));
        self.threads.push(Thread {
            base_subject,
            participants,
            msgs: Vec::new(),
            planned,
            thrid: 0,
            tindex,
            next_date: start,
        });
    }

    fn delay(&mut self) -> i64 {
        match self.rng.weighted(&[45, 30, 18, 7]) {
            0 => self.rng.range_i64(90, 1800),
            1 => self.rng.range_i64(1800, 4 * 3600),
            2 => self.rng.range_i64(4 * 3600, 30 * 3600),
            _ => self.rng.range_i64(30 * 3600, 5 * 86_400),
        }
    }

    /// Emit the next message.
    pub fn next_message(&mut self) -> Generated {
        while self.threads.len() < self.cfg.pool.max(1) {
            self.new_thread();
        }
        // Mostly the thread whose next message is earliest; sometimes any.
        let ti = if self.rng.chance(0.8) {
            let mut best = 0;
            for (i, t) in self.threads.iter().enumerate() {
                if t.next_date < self.threads[best].next_date {
                    best = i;
                }
            }
            best
        } else {
            self.rng.below(self.threads.len())
        };
        let g = self.emit_from(ti);
        self.emitted += 1;
        self.produced += g.bytes.len() as u64;
        let t = &self.threads[ti];
        if t.msgs.len() >= t.planned {
            self.threads.swap_remove(ti);
        }
        g
    }

    /// Which earlier message of thread `ti` the next one answers (the
    /// last, mostly; in long threads almost always), if any.
    fn pick_parent(&mut self, ti: usize) -> Option<usize> {
        let k = self.threads[ti].msgs.len();
        if k == 0 {
            None
        } else if k == 1
            || self.rng.chance(if self.threads[ti].planned > 20 {
                0.98
            } else {
                0.75
            })
        {
            Some(k - 1)
        } else {
            Some(self.rng.range(k.saturating_sub(5), k - 1))
        }
    }

    /// Author, To and Cc of the next message of thread `ti`; a forward
    /// brings a newcomer into the thread.
    fn pick_people(
        &mut self,
        ti: usize,
        parent_idx: Option<usize>,
        forward: bool,
    ) -> (usize, Vec<usize>, Vec<usize>) {
        let participants = self.threads[ti].participants.clone();
        let (from, mut to, mut cc) = match parent_idx {
            None => {
                let from = participants[0];
                let others: Vec<usize> = participants
                    .iter()
                    .copied()
                    .filter(|&p| p != from)
                    .collect();
                let nto = self.rng.range(1, others.len().clamp(1, 2));
                (from, others[..nto].to_vec(), others[nto..].to_vec())
            }
            Some(pi) => self.reply_people(ti, pi, &participants, forward),
        };
        if let Some(o) = self.cfg.owner
            && from != o
            && !to.contains(&o)
            && !cc.contains(&o)
        {
            cc.push(o);
        }
        if to.is_empty() {
            to = cc.drain(..1.min(cc.len())).collect();
        }
        if to.is_empty() {
            to.push(if from == 2 { 3 } else { 2 });
        }
        (from, to, cc)
    }

    /// Author, To and Cc of an answer to message `pi` of thread `ti`.
    fn reply_people(
        &mut self,
        ti: usize,
        pi: usize,
        participants: &[usize],
        forward: bool,
    ) -> (usize, Vec<usize>, Vec<usize>) {
        let parent = &self.threads[ti].msgs[pi];
        let pfrom = parent.from;
        let owner_writes = match self.cfg.owner {
            Some(o) if o != pfrom => self.rng.chance(0.45),
            _ => false,
        };
        let candidates: Vec<usize> = participants
            .iter()
            .copied()
            .filter(|&p| p != pfrom)
            .collect();
        let from = if owner_writes {
            self.cfg.owner.unwrap_or(candidates[0])
        } else if parent.to.iter().any(|&p| p != pfrom) && self.rng.chance(0.7) {
            let t: Vec<usize> = parent.to.iter().copied().filter(|&p| p != pfrom).collect();
            *self.rng.pick(&t)
        } else {
            *self.rng.pick(&candidates)
        };
        if forward {
            let mut newcomer = self.pick_person();
            let mut guard = 0;
            let foreign = |i: usize| matches!(PEOPLE[i].lang, Lang::Ru | Lang::Ja | Lang::El);
            while (newcomer == from || participants.contains(&newcomer) || foreign(newcomer))
                && guard < 20
            {
                newcomer = self.pick_person();
                guard += 1;
            }
            if newcomer == from {
                newcomer = pfrom;
            }
            if !self.threads[ti].participants.contains(&newcomer) {
                self.threads[ti].participants.push(newcomer);
            }
            (from, vec![newcomer], Vec::new())
        } else {
            let to = if pfrom != from {
                vec![pfrom]
            } else {
                vec![candidates[0]]
            };
            let cc = participants
                .iter()
                .copied()
                .filter(|p| *p != from && !to.contains(p))
                .filter(|_| self.rng.chance(0.6))
                .collect();
            (from, to, cc)
        }
    }

    /// Where the next message of thread `ti` sits: date, subject, what it
    /// quotes, References, In-Reply-To, depth and Thread-Index.
    fn place(
        &mut self,
        ti: usize,
        parent_idx: Option<usize>,
        author: &Person,
        forward: bool,
        reply_delay: i64,
    ) -> Placement {
        let thread = &self.threads[ti];
        let Some(pi) = parent_idx else {
            let subject = if self.rng.chance(0.08) {
                format!(
                    "{}{}",
                    reply_prefix(author.mua, author.lang, true),
                    thread.base_subject
                )
            } else {
                thread.base_subject.clone()
            };
            return Placement {
                date: thread.next_date,
                subject,
                quoted: None,
                refs: Vec::new(),
                in_reply_to: None,
                depth: 0,
                thread_index: thread.tindex.clone(),
            };
        };
        let parent = &thread.msgs[pi];
        let date = (parent.date + reply_delay).min(date::LAST_2016);
        let prefix = reply_prefix(author.mua, author.lang, forward);
        let subject = if parent.subject.starts_with("RE: ")
            || parent.subject.starts_with("Re: ")
            || parent.subject.starts_with("AW: ")
        {
            if forward {
                format!("{prefix}{}", parent.subject)
            } else if self.rng.chance(0.5) {
                parent.subject.clone()
            } else {
                format!("{prefix}{}", thread.base_subject)
            }
        } else {
            format!("{prefix}{}", parent.subject)
        };
        let mut refs = parent.refs.clone();
        refs.push(parent.id.clone());
        if refs.len() > 40 || (refs.len() > 20 && self.rng.chance(0.3)) {
            let tail = refs.split_off(refs.len() - 9);
            refs.truncate(1);
            refs.extend(tail);
        }
        let quoted = Quoted {
            author: parent.from,
            to: parent.to.clone(),
            cc: parent.cc.clone(),
            date: parent.date,
            subject: parent.subject.clone(),
            text: parent.text.clone(),
        };
        let depth = parent.depth + 1;
        let mut thread_index = thread.tindex.clone();
        for _ in 0..depth.min(60) {
            thread_index.extend_from_slice(&self.rng.bytes(5));
        }
        Placement {
            date,
            subject,
            quoted: Some(quoted),
            refs,
            in_reply_to: Some(parent.id.clone()),
            depth,
            thread_index,
        }
    }

    /// The attachment kinds of the next message (a forward more often has
    /// some) and, for a benchmark corpus, their byte budget: what keeps the
    /// running average message size near the target.
    fn pick_attachments(&mut self, forward: bool) -> (Vec<AttachKind>, Option<usize>) {
        let cfg = &self.cfg;
        let mut attachments = Vec::new();
        let p_attach = if forward {
            cfg.attach_prob * 1.5
        } else {
            cfg.attach_prob
        };
        if self.rng.chance(p_attach) {
            let n = match self.rng.weighted(&[70, 20, 10]) {
                0 => 1,
                1 => 2,
                _ => 3,
            };
            for _ in 0..n {
                attachments.push(ATTACH_KINDS[self.rng.weighted(ATTACH_WEIGHTS)]);
            }
        }
        let attach_budget = match cfg.size {
            SizeMode::Natural => None,
            SizeMode::Target(avg) if !attachments.is_empty() => {
                let avg = avg as f64;
                let nominal = (avg - self.text_est).max(0.0) / cfg.attach_prob;
                let deficit = avg * self.emitted as f64 - self.produced as f64;
                let enc = (nominal + deficit / 5.0).clamp(nominal * 0.1, nominal * 4.0 + avg);
                // Base64 grows data by 4/3 plus line ends.
                Some((enc * 0.74) as usize)
            }
            SizeMode::Target(_) => None,
        };
        (attachments, attach_budget)
    }

    /// Takeout's metadata for a message of thread `ti` dated `date`: Gmail
    /// id, thread id (the first message's id) and labels.
    fn takeout(&mut self, ti: usize, from: usize, date: i64) -> Option<Takeout> {
        if !self.cfg.takeout {
            return None;
        }
        let gm_id = ((date as u64) * 1000 + self.rng.below(1000) as u64) << 20
            | (self.rng.next_u64() & 0xF_FFFF);
        let thread = &self.threads[ti];
        let thrid = if thread.thrid == 0 {
            gm_id
        } else {
            thread.thrid
        };
        let labels = if Some(from) == self.cfg.owner {
            "Sent".to_string()
        } else {
            let mut l: Vec<&str> = Vec::new();
            if self.rng.chance(0.5) {
                l.push("Important");
            }
            l.push(if self.rng.chance(0.85) {
                "Opened"
            } else {
                "Unread"
            });
            if self.rng.chance(0.8) {
                l.push("Inbox");
            }
            if self.rng.chance(0.2) {
                l.push(if self.rng.chance(0.5) {
                    "Category Personal"
                } else {
                    "Category Updates"
                });
            }
            if self.rng.chance(0.05) {
                l.push("Starred");
            }
            l.join(",")
        };
        Some(Takeout {
            gm_id,
            thrid,
            labels,
        })
    }

    /// The next message of thread `ti`: who writes to whom, when, about
    /// what, with what attached; composed, and remembered for the replies.
    fn emit_from(&mut self, ti: usize) -> Generated {
        let parent_idx = self.pick_parent(ti);
        let forward = parent_idx.is_some() && self.rng.chance(self.cfg.forward_prob);
        let (from, to, cc) = self.pick_people(ti, parent_idx, forward);
        let author = &PEOPLE[from];
        let reply_delay = self.delay();
        let place = self.place(ti, parent_idx, author, forward, reply_delay);
        let (attachments, attach_budget) = self.pick_attachments(forward);
        let takeout = self.takeout(ti, from, place.date);
        let cfg = &self.cfg;
        let delivered_to = match cfg.owner {
            Some(o) if cfg.takeout => Some(o),
            _ => None,
        };

        let message_id = message::message_id(&mut self.rng, author);
        let spec = MsgSpec {
            from,
            to: to.clone(),
            cc: cc.clone(),
            date: place.date,
            subject: place.subject.clone(),
            thread_topic: self.threads[ti].base_subject.clone(),
            message_id: message_id.clone(),
            in_reply_to: place.in_reply_to,
            references: place.refs.clone(),
            thread_index: if author.mua == Mua::Outlook {
                Some(place.thread_index)
            } else {
                None
            },
            quoted: place.quoted,
            forward,
            paragraphs: self.rng.range(cfg.paragraphs.0, cfg.paragraphs.1),
            from_line: self.rng.chance(cfg.from_line_prob),
            attachments,
            attach_budget,
            takeout: takeout.clone(),
            delivered_to,
            quote_cap: cfg.quote_cap,
            tight_quote_prob: cfg.tight_quote_prob,
            html_only: self.rng.chance(cfg.html_only_prob),
        };
        let built = message::compose(&mut self.rng, &spec);
        let non_attach = built.bytes.len().saturating_sub(built.attach_bytes) as f64;
        self.text_est = 0.9 * self.text_est + 0.1 * non_attach;

        let crlf = author.mua == Mua::Outlook && self.rng.chance(self.cfg.crlf_prob);
        let has_from_line = encode::has_from_lines(&built.bytes);
        let bytes = if crlf {
            encode::to_crlf(&built.bytes)
        } else {
            built.bytes
        };

        // Remember for later replies.
        let mut stored = built.text;
        if stored.len() > self.cfg.quote_cap {
            let mut end = self.cfg.quote_cap;
            while !stored.is_char_boundary(end) {
                end -= 1;
            }
            stored.truncate(end);
        }
        let next_delay = self.delay();
        let th = &mut self.threads[ti];
        if th.thrid == 0
            && let Some(t) = &takeout
        {
            th.thrid = t.thrid;
        }
        let date = place.date;
        let depth = place.depth;
        th.msgs.push(TMsg {
            id: message_id.clone(),
            from,
            to,
            cc,
            date,
            subject: place.subject,
            text: stored,
            refs: place.refs,
            depth,
        });
        th.next_date = th.next_date.max(date) + next_delay;
        Generated {
            bytes,
            message_id,
            date,
            sender: PEOPLE[from].addr(),
            attachments: built.attachments,
            crlf,
            gm_id: takeout.map(|t| t.gm_id).unwrap_or(0),
            by_owner: Some(from) == self.cfg.owner,
            depth,
            has_from_line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_deterministic_and_threads() {
        let run = || {
            let mut e = Engine::new(EngineConfig::corpus(200, 20_000, true), Rng::new(5));
            (0..200).map(|_| e.next_message()).collect::<Vec<_>>()
        };
        let a = run();
        let b = run();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.bytes, y.bytes);
        }
        let mut ids: Vec<&str> = a.iter().map(|g| g.message_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 200);
        assert!(a.iter().any(|g| g.depth >= 3));
        assert!(
            a.iter()
                .all(|g| (date::START_2015..=date::LAST_2016).contains(&g.date))
        );
    }
}
