//! Safe file names for attachments, and saving attachments to disk.
//!
//! An attachment's file name comes from the mail and is never trusted: it may
//! hold path separators (`../../etc/passwd`, `C:\Windows\x.exe`), control
//! characters, Unicode bidi overrides that make `evil\u{202E}fdp.exe` read as
//! `evilexe.pdf`, Windows device names (`CON`, `nul.txt`) or be thousands of
//! bytes long. This module owns reducing such a name to one harmless
//! file-name component ([`safe_file_name`]) and writing bytes under it inside
//! a chosen folder without ever overwriting anything or escaping that folder
//! ([`save_into`]).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Longest name [`safe_file_name`] returns, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest extension (dot included, in bytes) kept when a name is shortened.
const MAX_EXT_BYTES: usize = 20;
/// The name used when nothing usable is left.
const FALLBACK: &str = "attachment";
/// How many numbered variants [`save_into`] tries before giving up.
const MAX_TRIES: u32 = 10_000;

/// Reduces a name from a mail (attachment file name, never trusted) to one
/// safe file-name component.
///
/// The name is taken as already decoded (nothing is decoded here). In order:
/// only the part after the last `/` or `\` is kept; control characters (C0,
/// DEL, C1), bidi controls (embeddings, overrides, isolates, marks),
/// zero-width and other invisible format characters are removed; the
/// characters Windows forbids (`< > : " | ? *`) become `_`; leading and
/// trailing whitespace and dots are trimmed (so no `.`, `..` or hidden
/// dotfile, and nothing Windows would silently strip); Windows device names
/// (`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, `CONIN$`,
/// `CONOUT$`, with any extension, any case) get a `_` prefix; an empty
/// result becomes `attachment`; and the name is cut to
/// [`MAX_NAME_BYTES`] on a character boundary, keeping an extension of up
/// to 20 bytes.
///
/// The result is never empty, never `.` or `..`, and never contains `/`,
/// `\` or NUL.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_matches(is_trimmed);
    if trimmed.is_empty() {
        return FALLBACK.to_string();
    }
    let mut out = if is_device_name(trimmed) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    };
    if out.len() > MAX_NAME_BYTES {
        out = shorten(&out);
    }
    debug_assert!(!out.is_empty() && out != "." && out != "..");
    out
}

/// Characters removed outright: controls, bidi controls and invisible
/// format characters (which can hide or reorder what a reader sees).
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'              // soft hyphen
            | '\u{034F}'            // combining grapheme joiner
            | '\u{061C}'            // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{180E}'            // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space/non-joiner/joiner, LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}' // isolates and deprecated format characters
            | '\u{FEFF}'            // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
            | '\u{E0000}'..='\u{E007F}' // tag characters
        )
}

/// Characters trimmed from both ends of a name.
pub(crate) fn is_trimmed(c: char) -> bool {
    c == '.' || c.is_whitespace()
}

/// Whether Windows would take `name` for a device (`CON`, `nul.txt`,
/// `Com1 .tar.gz`, …).
pub(crate) fn is_device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.trim_end_matches(is_trimmed).to_ascii_uppercase();
    match stem.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        s => {
            let Some(rest) = s.strip_prefix("COM").or_else(|| s.strip_prefix("LPT")) else {
                return false;
            };
            let mut chars = rest.chars();
            matches!(
                (chars.next(), chars.next()),
                (Some('0'..='9' | '¹' | '²' | '³'), None)
            )
        }
    }
}

/// Cuts a trimmed name longer than [`MAX_NAME_BYTES`], keeping a short
/// extension.
fn shorten(name: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= MAX_EXT_BYTES => name.split_at(i),
        _ => (name, ""),
    };
    let mut keep = MAX_NAME_BYTES - ext.len();
    while !stem.is_char_boundary(keep) {
        keep -= 1;
    }
    // The name starts with a kept character, so the stem cannot become empty.
    let stem = stem[..keep].trim_end_matches(is_trimmed);
    format!("{stem}{ext}")
}

/// Saves `bytes` as `dir/<safe name>` without ever overwriting (adds
/// " (2)", " (3)"… before the extension) and without writing outside `dir`.
/// Returns the path written (inside the canonical form of `dir`).
///
/// `dir` must be an existing directory. Files are created with
/// create-new (`O_EXCL`) semantics, so neither an existing file nor one
/// created concurrently (nor a planted symlink) is ever written through.
/// A file left partly written by a failed write is removed.
pub fn save_into(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let meta = fs::metadata(dir).map_err(|e| Error::io(dir, "opening folder", e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            dir,
            "saving attachment",
            io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
        ));
    }
    let canon = dir
        .canonicalize()
        .map_err(|e| Error::io(dir, "resolving folder", e))?;
    let safe = safe_file_name(name);
    for n in 1..=MAX_TRIES {
        let candidate = if n == 1 {
            safe.clone()
        } else {
            numbered(&safe, n)
        };
        let path = canon.join(&candidate);
        let mut comps = Path::new(&candidate).components();
        let single = matches!(
            (comps.next(), comps.next()),
            (Some(Component::Normal(_)), None)
        );
        if !single || path.parent() != Some(canon.as_path()) {
            return Err(Error::io(
                &path,
                "saving attachment",
                io::Error::new(io::ErrorKind::InvalidInput, "name would leave the folder"),
            ));
        }
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&path, "creating", e)),
        };
        if let Err(e) = file.write_all(bytes).and_then(|_| file.sync_all()) {
            drop(file);
            let _ = fs::remove_file(&path);
            return Err(Error::io(&path, "writing", e));
        }
        return Ok(path);
    }
    Err(Error::io(
        canon.join(&safe),
        "saving attachment",
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_TRIES} files of that name already exist"),
        ),
    ))
}

/// `x.pdf` → `x (n).pdf`; `x` → `x (n)`.
pub(crate) fn numbered(safe: &str, n: u32) -> String {
    match safe.rfind('.') {
        Some(i) if i > 0 => format!("{} ({n}){}", &safe[..i], &safe[i..]),
        _ => format!("{safe} ({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hostile_names() {
        let table: &[(&str, &str)] = &[
            ("../../etc/passwd", "passwd"),
            ("/etc/passwd", "passwd"),
            ("C:\\Windows\\System32\\cmd.exe", "cmd.exe"),
            ("\\\\server\\share\\x.pdf", "x.pdf"),
            ("CON", "_CON"),
            ("con.txt", "_con.txt"),
            ("nul", "_nul"),
            ("LPT1.doc", "_LPT1.doc"),
            ("com9.tar.gz", "_com9.tar.gz"),
            ("COM\u{00B9}", "_COM\u{00B9}"),
            ("con .txt", "_con .txt"),
            ("CONSOLE.txt", "CONSOLE.txt"),
            ("COM10", "COM10"),
            ("", "attachment"),
            ("...", "attachment"),
            ("..", "attachment"),
            (".", "attachment"),
            ("dir/", "attachment"),
            (".hidden", "hidden"),
            ("  report.pdf. . ", "report.pdf"),
            ("file.pdf\u{202E}gpj.exe", "file.pdfgpj.exe"),
            ("evil\u{2067}fdp.exe\u{2069}", "evilfdp.exe"),
            ("a\u{200B}b\u{FEFF}c\u{200D}.txt", "abc.txt"),
            ("a\0b.txt", "ab.txt"),
            ("line\nbreak.txt", "linebreak.txt"),
            ("tab\there.txt", "tabhere.txt"),
            ("c1\u{0085}\u{009B}x.txt", "c1x.txt"),
            ("del\u{007F}.txt", "del.txt"),
            ("a/b\\c", "c"),
            ("what?<x>:\"y\"|*.doc", "what__x___y___.doc"),
            ("stream.txt:hidden", "stream.txt_hidden"),
            ("C\u{200B}ON.txt", "_CON.txt"),
            ("Résumé 2016.docx", "Résumé 2016.docx"),
        ];
        for (input, want) in table {
            let got = safe_file_name(input);
            assert_eq!(&got, want, "input {input:?}");
            assert_single_component(&got);
        }
        let long = "a".repeat(396) + ".pdf";
        let got = safe_file_name(&long);
        assert_eq!(got, "a".repeat(196) + ".pdf");
        assert_single_component(&got);
    }

    #[test]
    fn long_names_cut_on_char_boundaries() {
        let name = "é".repeat(300) + ".pdf";
        let got = safe_file_name(&name);
        assert!(got.len() <= MAX_NAME_BYTES);
        assert!(got.ends_with("é.pdf"), "{got}");
        // An extension too long to keep is cut with the rest.
        let name = "x".repeat(150) + "." + &"y".repeat(150);
        let got = safe_file_name(&name);
        assert_eq!(got.len(), MAX_NAME_BYTES);
        assert!(got.ends_with('y'));
        // A cut that lands before spaces and dots trims them.
        let name = "a".repeat(190) + &" .".repeat(40);
        assert_eq!(safe_file_name(&name), "a".repeat(190));
        let name = "a".repeat(150) + &" ".repeat(100) + ".pdf";
        assert_eq!(safe_file_name(&name), "a".repeat(150) + ".pdf");
        // Four-byte characters too.
        let name = "😀".repeat(100);
        let got = safe_file_name(&name);
        assert_eq!(got.len(), 200);
    }

    #[test]
    fn save_into_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_into(dir.path(), "x.pdf", b"one").unwrap();
        let b = save_into(dir.path(), "../x.pdf", b"two").unwrap();
        let c = save_into(dir.path(), "x.pdf", b"three").unwrap();
        assert_eq!(a.file_name().unwrap(), "x.pdf");
        assert_eq!(b.file_name().unwrap(), "x (2).pdf");
        assert_eq!(c.file_name().unwrap(), "x (3).pdf");
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(fs::read(&b).unwrap(), b"two");
        assert_eq!(fs::read(&c).unwrap(), b"three");
        let d = save_into(dir.path(), "x", b"").unwrap();
        let e = save_into(dir.path(), "x", b"").unwrap();
        assert_eq!(d.file_name().unwrap(), "x");
        assert_eq!(e.file_name().unwrap(), "x (2)");
        let canon = dir.path().canonicalize().unwrap();
        for p in [&a, &b, &c, &d, &e] {
            assert_eq!(p.parent().unwrap(), canon);
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 5);
    }

    #[test]
    fn save_into_refuses_missing_or_non_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(save_into(&dir.path().join("missing"), "x", b"1").is_err());
        let file = dir.path().join("file");
        fs::write(&file, b"keep").unwrap();
        assert!(save_into(&file, "x", b"1").is_err());
        assert_eq!(fs::read(&file).unwrap(), b"keep");
    }

    #[cfg(unix)]
    #[test]
    fn save_into_does_not_follow_planted_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim");
        fs::write(&target, b"original").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("x.pdf")).unwrap();
        let p = save_into(dir.path(), "x.pdf", b"evil").unwrap();
        assert_eq!(p.file_name().unwrap(), "x (2).pdf");
        assert_eq!(fs::read(&target).unwrap(), b"original");
        // A dangling symlink is not written through either.
        std::os::unix::fs::symlink(outside.path().join("new"), dir.path().join("y")).unwrap();
        let p = save_into(dir.path(), "y", b"evil").unwrap();
        assert_eq!(p.file_name().unwrap(), "y (2)");
        assert!(!outside.path().join("new").exists());
    }

    fn assert_single_component(s: &str) {
        assert!(!s.is_empty());
        assert!(s.len() <= MAX_NAME_BYTES, "{} bytes", s.len());
        assert!(!s.contains(['/', '\\', '\0']), "{s:?}");
        assert!(s != "." && s != "..");
        let comps: Vec<_> = Path::new(s).components().collect();
        assert_eq!(comps.len(), 1, "{s:?}");
        assert!(matches!(comps[0], Component::Normal(_)), "{s:?}");
        assert!(!s.chars().any(is_invisible), "{s:?}");
        assert!(
            !s.starts_with(is_trimmed) && !s.ends_with(is_trimmed),
            "{s:?}"
        );
    }

    fn hostile_string() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[./\\\\ :*?\u{0}\n\t\u{202E}\u{2066}\u{200B}\u{85}aéCONULPT1😀]{0,300}",
            "(\\.\\./|/|C:\\\\|\\\\\\\\|[ .]){0,5}(con|NUL|lpt1|x)?(\\.[a-z]{0,25})?[ .]{0,3}",
        ]
    }

    proptest! {
        #[test]
        fn any_name_is_one_safe_component(name in hostile_string()) {
            let s = safe_file_name(&name);
            assert_single_component(&s);
            prop_assert!(!is_device_name(&s));

            let dir = tempfile::tempdir().unwrap();
            let canon = dir.path().canonicalize().unwrap();
            let count = || fs::read_dir(dir.path()).unwrap().count();
            let first = save_into(dir.path(), &name, b"a").unwrap();
            prop_assert_eq!(count(), 1);
            let second = save_into(dir.path(), &name, b"b").unwrap();
            prop_assert_eq!(count(), 2);
            prop_assert_eq!(first.parent().unwrap(), canon.as_path());
            prop_assert_eq!(second.parent().unwrap(), canon.as_path());
            prop_assert_eq!(first.file_name().unwrap().to_str().unwrap(), s.as_str());
            prop_assert_ne!(&first, &second);
            prop_assert_eq!(fs::read(&first).unwrap(), b"a");
            prop_assert_eq!(fs::read(&second).unwrap(), b"b");
        }
    }
}
