//! What the packages rely on (dist/): `mailsift --version` names the
//! version and the commit built. dist/check.sh checks the packages
//! themselves (CI runs it after the tests).

use std::process::Command;

use crate::util::*;

#[test]
fn version_names_the_package_version_and_the_commit() {
    let out = run(&[&"--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("mailsift {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = text
        .trim_end()
        .strip_prefix(&prefix)
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {text:?}"));
    // Built from a git checkout (as here and in CI): the checkout's commit.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) => assert_eq!(commit, head),
        None => assert_eq!(commit, "unknown"),
    }
}
