//! Attachment texts during an import. [`DocCache`] is the import's
//! [`DocText`]: it extracts each document content (by SHA-256) once, on
//! whichever worker meets it first, isolated and bounded by
//! [`crate::extract`]; a worker meeting the same content at the same time
//! waits for that result instead of extracting it again. The cache holds a
//! bounded amount of text; past the bound it is emptied (a content met
//! again later is extracted again — the case still stores its text once).
//! It also counts what was extracted, per kind, for the import report and
//! the benchmark.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::extract::{self, DocKind, ExtractError, ExtractLimits, Extracted};
use crate::model::{Limits, Sha256, TextStatus};
use crate::parse::{DocOutcome, DocText};

/// Text held by the cache before it is emptied.
const CACHE_BUDGET: usize = 64 << 20;

/// Extraction counts of one document kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KindStats {
    /// Contents extracted (each distinct content once).
    pub extracted: u64,
    /// Of those, how many gave no text (failed, encrypted, image-only, empty).
    pub without_text: u64,
    /// Bytes of the documents.
    pub bytes: u64,
    /// Time spent extracting them, summed over the workers (ms).
    pub millis: u64,
    /// Attachments whose text came from an earlier extraction.
    pub reused: u64,
}

/// Extracts each document content once per import.
pub struct DocCache {
    limits: ExtractLimits,
    map: Mutex<HashMap<Sha256, Arc<OnceLock<DocOutcome>>>>,
    held: AtomicUsize,
    stats: Mutex<HashMap<DocKind, KindStats>>,
}

impl DocCache {
    /// A cache whose extractions keep at most the message limits'
    /// attachment text.
    pub fn new(limits: &Limits) -> DocCache {
        DocCache {
            limits: ExtractLimits {
                max_text_chars: limits.max_attachment_text,
                ..ExtractLimits::default()
            },
            map: Mutex::new(HashMap::new()),
            held: AtomicUsize::new(0),
            stats: Mutex::new(HashMap::new()),
        }
    }

    /// What was extracted so far, per kind name.
    pub fn stats(&self) -> BTreeMap<String, KindStats> {
        let stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats
            .iter()
            .map(|(k, v)| (k.name().to_string(), v.clone()))
            .collect()
    }

    fn count(&self, kind: DocKind, f: impl FnOnce(&mut KindStats)) {
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        f(stats.entry(kind).or_default());
    }
}

impl DocText for DocCache {
    fn text(&self, sha: &Sha256, bytes: &[u8], kind: DocKind) -> DocOutcome {
        let cell = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            if self.held.load(Ordering::Relaxed) > CACHE_BUDGET {
                map.clear();
                self.held.store(0, Ordering::Relaxed);
            }
            map.entry(*sha).or_default().clone()
        };
        let mut fresh = false;
        let out = cell.get_or_init(|| {
            fresh = true;
            let start = Instant::now();
            let result = extract::extract_isolated(Arc::from(bytes), kind, &self.limits);
            let out = outcome(result);
            let millis = start.elapsed().as_millis() as u64;
            self.held.fetch_add(
                out.text.as_ref().map_or(0, String::len) + 64,
                Ordering::Relaxed,
            );
            self.count(kind, |s| {
                s.extracted += 1;
                s.without_text += u64::from(out.text.is_none());
                s.bytes += bytes.len() as u64;
                s.millis += millis;
            });
            out
        });
        if !fresh {
            self.count(kind, |s| s.reused += 1);
        }
        out.clone()
    }
}

/// What an extraction result means for the attachment.
pub fn outcome(result: Result<Extracted, ExtractError>) -> DocOutcome {
    match result {
        Ok(e) if e.text.trim().is_empty() => DocOutcome {
            text: None,
            status: TextStatus::Empty,
            failure: None,
        },
        Ok(e) => DocOutcome {
            status: if e.truncated {
                TextStatus::Truncated
            } else {
                TextStatus::Extracted
            },
            text: Some(e.text),
            failure: None,
        },
        Err(e) => DocOutcome {
            text: None,
            status: match e {
                ExtractError::Empty => TextStatus::Empty,
                ExtractError::Encrypted => TextStatus::Encrypted,
                ExtractError::ImageOnly => TextStatus::ImageOnly,
                ExtractError::Unsupported { .. } => TextStatus::Unsupported,
                _ => TextStatus::Failed,
            },
            failure: Some(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_content_is_extracted_once() {
        let cache = DocCache::new(&Limits::default());
        let rtf = br"{\rtf1\ansi Quarterly zanzibarite report\par}";
        let sha = Sha256::of(rtf);
        let a = cache.text(&sha, rtf, DocKind::Rtf);
        let b = cache.text(&sha, rtf, DocKind::Rtf);
        assert_eq!(a, b);
        assert!(a.text.as_deref().unwrap().contains("zanzibarite"), "{a:?}");
        assert_eq!(a.status, TextStatus::Extracted);
        let stats = cache.stats();
        assert_eq!(stats["rtf"].extracted, 1);
        assert_eq!(stats["rtf"].reused, 1);
        assert_eq!(stats["rtf"].bytes, rtf.len() as u64);
    }

    #[test]
    fn failures_say_why() {
        let cache = DocCache::new(&Limits::default());
        let junk = b"%PDF-1.4\n this is not a pdf at all";
        let o = cache.text(&Sha256::of(junk), junk, DocKind::Pdf);
        assert!(o.text.is_none());
        assert_eq!(o.status, TextStatus::Failed);
        assert!(o.failure.is_some());
        let empty = cache.text(&Sha256::of(b""), b"", DocKind::Docx);
        assert_eq!(empty.status, TextStatus::Empty);
        assert_eq!(empty.failure.as_deref(), Some("empty file"));
        assert_eq!(cache.stats()["pdf"].without_text, 1);
    }
}
