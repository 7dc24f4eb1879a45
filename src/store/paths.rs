//! Where cases live and what they are called: the user's data folder and
//! the folder name of a case made for a source.

use std::path::{Path, PathBuf};

use crate::model::Sha256;

/// mailsift's data folder: the platform's per-user data folder (chosen by
/// the `directories` crate) plus `mailsift`: `$XDG_DATA_HOME/mailsift`,
/// else `~/.local/share/mailsift` on Linux and the BSDs; `~/Library/Application
/// Support/mailsift` on macOS; `%APPDATA%\mailsift` on Windows. Without a
/// home folder at all: the temporary folder.
pub fn data_dir() -> PathBuf {
    directories::BaseDirs::new()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
        .join("mailsift")
}

/// The sample collection shipped with mailsift, if this installation has
/// one: `$MAILSIFT_SAMPLE` when set, else the first existing folder of
/// [`sample_candidates`] for the running executable.
pub fn bundled_sample() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MAILSIFT_SAMPLE") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let exe = std::env::current_exe().ok()?;
    sample_candidates(&exe).into_iter().find(|p| p.is_dir())
}

/// Where a sample collection is looked for, in order, for the executable
/// at `exe`: `<prefix>/share/mailsift/sample_mbox` for `<prefix>/bin/mailsift`
/// (the Linux package and tarball), `Contents/Resources/sample_mbox` for
/// `Contents/MacOS/mailsift` (the macOS app), `sample_mbox` beside the
/// executable (the Windows folder), and the source tree's `sample_mbox` for
/// a build from it (`target/<profile>/mailsift`).
pub fn sample_candidates(exe: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = exe.parent() {
        if let Some(prefix) = dir.parent() {
            out.push(prefix.join("share").join("mailsift").join("sample_mbox"));
            out.push(prefix.join("Resources").join("sample_mbox"));
        }
        out.push(dir.join("sample_mbox"));
        if let Some(root) = dir.parent().and_then(Path::parent) {
            out.push(root.join("sample_mbox"));
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_looked_for_where_each_package_puts_it() {
        let exe = Path::new("/usr/bin/mailsift");
        let c = sample_candidates(exe);
        assert_eq!(c[0], Path::new("/usr/share/mailsift/sample_mbox"));
        let mac = sample_candidates(Path::new(
            "/Applications/mailsift.app/Contents/MacOS/mailsift",
        ));
        assert!(mac.contains(&PathBuf::from(
            "/Applications/mailsift.app/Contents/Resources/sample_mbox"
        )));
        let dev = sample_candidates(Path::new("/src/mailsift/target/release/mailsift"));
        assert!(dev.contains(&PathBuf::from("/src/mailsift/sample_mbox")));
        assert!(dev.contains(&PathBuf::from("/src/mailsift/target/release/sample_mbox")));
    }

    #[test]
    fn data_folder_ends_in_mailsift() {
        assert!(data_dir().ends_with("mailsift"));
    }
}
