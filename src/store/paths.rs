//! Where cases live and what they are called: the user's data folder and
//! the folder name of a case made for a source.

use std::path::{Path, PathBuf};

use crate::model::Sha256;

/// mailsift's data folder: `$XDG_DATA_HOME/mailsift`, else
/// `~/.local/share/mailsift`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mailsift")
}

/// The case folder for a source opened without naming a case:
/// `<data_dir>/cases/<`[`case_name_for`]`>`.
pub fn case_dir_for(data_dir: &Path, source: &Path) -> PathBuf {
    data_dir.join("cases").join(case_name_for(source))
}

/// The folder name of a case made for a source: `<name>-<first 8 hex of
/// the SHA-256 of its path>`, the name reduced to letters, digits, `-`, `_`.
pub fn case_name_for(source: &Path) -> String {
    let name: String = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = Sha256::of(source.to_string_lossy().as_bytes()).to_hex();
    format!("{name}-{}", &hash[..8])
}
