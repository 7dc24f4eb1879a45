//! Helpers shared by the integration tests: running the binary, building
//! fixtures, hashing trees.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mailsift::model::Sha256;

/// The `mailsift` binary under test.
pub fn mailsift() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mailsift"))
}

/// Runs the binary with `args`, returning its output.
pub fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = mailsift();
    for a in args {
        c.arg(a);
    }
    c.output().expect("mailsift runs")
}

/// `mailsift import CASE SOURCES... --json --quiet`, parsed; panics with
/// the output if the JSON cannot be read.
pub fn import_json(case: &Path, sources: &[&Path]) -> (i32, serde_json::Value, String) {
    let mut c = mailsift();
    c.arg("import").arg(case);
    for s in sources {
        c.arg(s);
    }
    c.args(["--json", "--quiet"]);
    let out = c.output().expect("mailsift runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): stdout {:?} stderr {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// Every file below `root` with its SHA-256, size and modification time.
pub fn tree_state(root: &Path) -> BTreeMap<PathBuf, (String, u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        if meta.is_dir() {
            out.insert(dir.clone(), (String::new(), 0, meta.modified().unwrap()));
            for e in std::fs::read_dir(&dir).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            let bytes = std::fs::read(&dir).unwrap();
            out.insert(
                dir.clone(),
                (
                    Sha256::of(&bytes).to_hex(),
                    meta.len(),
                    meta.modified().unwrap(),
                ),
            );
        }
    }
    out
}

/// A plain message with the given headers and body.
pub fn message(from: &str, subject: &str, id: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: desk@ncpc.example.org\nSubject: {subject}\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <{id}>\n\n{body}\n"
    )
}

/// An mbox of messages, with mboxrd quoting of `From ` lines.
pub fn mbox(messages: &[String]) -> String {
    let mut out = String::new();
    for (i, m) in messages.iter().enumerate() {
        out.push_str(&format!(
            "From sender{i}@example.org Mon Oct 12 14:02:{:02} 2015\n",
            i % 60
        ));
        for line in m.split_inclusive('\n') {
            let gt = line.bytes().take_while(|&b| b == b'>').count();
            if line[gt..].starts_with("From ") {
                out.push('>');
            }
            out.push_str(line);
        }
        if !m.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Number at a JSON path like `defects.truncated`, 0 when absent.
pub fn num(v: &serde_json::Value, path: &str) -> u64 {
    let mut cur = v;
    for k in path.split('.') {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_u64().unwrap_or(0)
}

/// Checks the report's counts reconcile, in total and per source.
pub fn assert_reconciles(r: &serde_json::Value) {
    let (found, parsed, raw, skipped) = (
        num(r, "found"),
        num(r, "parsed"),
        num(r, "raw_only"),
        num(r, "skipped"),
    );
    assert_eq!(
        found,
        parsed + raw + skipped,
        "found = parsed + raw_only + skipped: {r:#}"
    );
    assert_eq!(
        parsed + raw,
        num(r, "new") + num(r, "duplicates") + num(r, "already_present"),
        "{r:#}"
    );
    let sources = r["sources"].as_array().unwrap();
    for key in [
        "found",
        "parsed",
        "raw_only",
        "skipped",
        "duplicates",
        "new",
    ] {
        let sum: u64 = sources.iter().map(|s| num(s, key)).sum();
        assert_eq!(sum, num(r, key), "per-source {key} adds up");
    }
}
