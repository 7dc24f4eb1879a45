//! Walking a folder source: every file below it, in a stable natural order
//! (`2.eml` before `10.eml`), without following links to folders (no
//! loops), reporting what cannot be read instead of stopping.

use std::cmp::Ordering;
use std::fs;
use std::path::{Path, PathBuf};

use crate::model::Skipped;

/// Whether `dir` is a maildir (has `cur/` and `new/`).
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// Calls `file` for every regular file below `root` (following links to
/// files), and `skip` for what cannot be visited.
pub fn walk(root: &Path, file: &mut dyn FnMut(PathBuf), skip: &mut dyn FnMut(Skipped)) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                skip(Skipped {
                    path: dir,
                    reason: format!("folder cannot be read: {e}"),
                });
                continue;
            }
        };
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    skip(Skipped {
                        path: dir.clone(),
                        reason: format!("folder listing failed part-way: {e}"),
                    });
                    continue;
                }
            };
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                skip(Skipped {
                    path,
                    reason: "file type cannot be read".into(),
                });
                continue;
            };
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() {
                files.push(path);
            } else if kind.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_file() => files.push(path),
                    Ok(m) if m.is_dir() => skip(Skipped {
                        path,
                        reason:
                            "link to a folder, not followed (name the folder itself to import it)"
                                .into(),
                    }),
                    Ok(_) => skip(Skipped {
                        path,
                        reason: "link to something that is not a file".into(),
                    }),
                    Err(e) => skip(Skipped {
                        path,
                        reason: format!("broken link: {e}"),
                    }),
                }
            } else {
                skip(Skipped {
                    path,
                    reason: "not a regular file (device, pipe or socket)".into(),
                });
            }
        }
        files.sort_by(|a, b| natural_cmp(a, b));
        dirs.sort_by(|a, b| natural_cmp(a, b));
        for f in files {
            file(f);
        }
        // Depth-first, in order: push in reverse.
        stack.extend(dirs.into_iter().rev());
    }
}

/// Compares paths so that runs of digits compare as numbers.
pub fn natural_cmp(a: &Path, b: &Path) -> Ordering {
    let a = a.to_string_lossy();
    let b = b.to_string_lossy();
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|b| b.is_ascii_digit()).count();
                let ny = y.iter().take_while(|b| b.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = trim_zeros(dx);
                let ty = trim_zeros(dy);
                let ord = tx
                    .len()
                    .cmp(&ty.len())
                    .then_with(|| tx.cmp(ty))
                    .then(nx.cmp(&ny));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let z = d.iter().take_while(|&&b| b == b'0').count();
    &d[z..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v: Vec<PathBuf> = ["10.eml", "2.eml", "1.eml", "a/3.eml", "b.eml", "02.eml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        let names: Vec<_> = v.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            ["1.eml", "2.eml", "02.eml", "10.eml", "a/3.eml", "b.eml"]
        );
    }

    #[test]
    #[cfg(unix)] // symlinks
    fn walks_depth_first_in_order_and_reports_links() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("sub/cur")).unwrap();
        fs::write(r.join("10.eml"), "x").unwrap();
        fs::write(r.join("9.eml"), "x").unwrap();
        fs::write(r.join("sub/cur/1"), "x").unwrap();
        std::os::unix::fs::symlink(r.join("sub"), r.join("loop")).unwrap();
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        walk(r, &mut |p| files.push(p), &mut |s| skipped.push(s));
        let rel: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(r).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["9.eml", "10.eml", "sub/cur/1"]);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].reason.contains("link to a folder"));
    }
}
