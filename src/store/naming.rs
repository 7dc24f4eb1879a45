//! A case's friendly name and what the start screen says of it: the name
//! kept in the case's marker file (so it travels with the case folder; an
//! older mailsift ignores it), a default from the folder's name, and the
//! case's size and last change for the recent-cases list.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use super::{Case, MARKER, write_atomic};
use crate::error::{Error, Result};

/// Longest case name kept, in characters.
pub const CASE_NAME_MAX: usize = 120;

/// What the start screen lists for a case folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    /// The name given to it, else [`default_case_name`].
    pub name: String,
    /// Bytes of every file in the case folder.
    pub size: u64,
    /// When a file of the case last changed (an import, a tag, an export
    /// logged), if the system says.
    pub modified: Option<SystemTime>,
}

/// The name a case shows when none was given: its folder's name without
/// the `-<8 hex digits>` mailsift adds to cases made for a source
/// (`sample_mbox-6070b1a8` → `sample_mbox`).
pub fn default_case_name(root: &Path) -> String {
    let folder = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.display().to_string());
    match folder.rsplit_once('-') {
        Some((stem, hash))
            if !stem.is_empty()
                && hash.len() == 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            stem.to_string()
        }
        _ => folder,
    }
}

/// The case's name: the one given ([`set_case_name`]), else the default.
pub fn case_name(root: &Path) -> Result<String> {
    Ok(Case::marker(root)?
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| default_case_name(root)))
}

/// Gives the case at `root` a name (trimmed, control characters dropped,
/// at most [`CASE_NAME_MAX`] characters; empty: back to the default),
/// kept in its marker file, replaced atomically, and written to its audit
/// log. Returns the name now shown.
pub fn set_case_name(root: &Path, name: &str) -> Result<String> {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(CASE_NAME_MAX)
        .collect::<String>()
        .trim()
        .to_string();
    let mut marker = Case::marker(root)?;
    let before = marker.name.clone();
    marker.name = (!clean.is_empty()).then(|| clean.clone());
    let path = root.join(MARKER);
    let json = serde_json::to_vec_pretty(&marker).map_err(|e| Error::Json {
        path: path.clone(),
        source: e,
    })?;
    write_atomic(&path, &json)?;
    let case = Case::open(root)?;
    case.audit(&serde_json::json!({
        "event": "rename",
        "time": super::now_rfc3339(),
        "from": before,
        "to": marker.name,
    }))?;
    case_name(root)
}

/// Name, size and last change of the case at `root`, for the start
/// screen. Walks the case folder (a few dozen files: the database, the
/// search index's segments, logs).
pub fn case_summary(root: &Path) -> Result<CaseSummary> {
    let name = case_name(root)?;
    let mut size = 0u64;
    let mut modified: Option<SystemTime> = None;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| Error::io(&dir, "listing the case", e))?;
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                size += meta.len();
                if let Ok(t) = meta.modified() {
                    modified = Some(modified.map_or(t, |m: SystemTime| m.max(t)));
                }
            }
        }
    }
    Ok(CaseSummary {
        name,
        size,
        modified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_drop_the_hash_mailsift_added() {
        assert_eq!(
            default_case_name(Path::new("/c/sample_mbox-6070b1a8")),
            "sample_mbox"
        );
        assert_eq!(
            default_case_name(Path::new("/c/dnc_emails-0123abcd")),
            "dnc_emails"
        );
        assert_eq!(default_case_name(Path::new("/c/my-case")), "my-case");
        assert_eq!(
            default_case_name(Path::new("/c/x-12345678z")),
            "x-12345678z"
        );
    }

    #[test]
    fn a_name_is_kept_in_the_case_audited_and_can_be_cleared() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("podesta_mbox_gz-0123abcd");
        drop(Case::open_for_writing(&root).unwrap());
        assert_eq!(case_name(&root).unwrap(), "podesta_mbox_gz");
        let shown = set_case_name(&root, "  Podesta emails\n(WikiLeaks)  ").unwrap();
        assert_eq!(shown, "Podesta emails(WikiLeaks)");
        // The case still opens, at its version, with the name.
        let case = Case::open(&root).unwrap();
        drop(case);
        assert_eq!(case_name(&root).unwrap(), "Podesta emails(WikiLeaks)");
        let audit = fs::read_to_string(root.join(super::super::AUDIT)).unwrap();
        assert!(audit.contains("\"event\":\"rename\""), "{audit}");
        assert_eq!(set_case_name(&root, "   ").unwrap(), "podesta_mbox_gz");
        let s = case_summary(&root).unwrap();
        assert_eq!(s.name, "podesta_mbox_gz");
        assert!(s.size > 0 && s.modified.is_some());
    }
}
