//! Build script: records the git commit the binary is built from, for
//! `mailsift --version` (`MAILSIFT_COMMIT`: the commit's first 12 hex
//! digits; `unknown` outside a git checkout, e.g. a crate tarball). Uncommitted
//! changes are not marked: the script reruns only when HEAD or the index
//! moves, so such a mark could be stale. Reads git, never writes.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    // Rebuild when HEAD moves: HEAD itself, and the branch it points to
    // (each only if it is a file: a missing one would rerun every build).
    let mut watch = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch.push(git(&["rev-parse", "--git-path", &r]));
    }
    for p in watch.into_iter().flatten() {
        if std::path::Path::new(&p).is_file() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(c) if !c.is_empty() => c,
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=MAILSIFT_COMMIT={commit}");
}
