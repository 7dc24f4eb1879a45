//! A full disk, a case folder that cannot be written and export paths that
//! cannot be used: the real binary reports a clear error naming the path
//! and exits with 2, the case keeps what it had (it opens with the same
//! messages and searches), and nothing partial is left (no half-written
//! export, no temporary file, no orphaned index segment).
//!
//! A full disk is simulated per process with `RLIMIT_FSIZE` (SIGXFSZ
//! ignored, so a write past the limit fails with EFBIG like ENOSPC would).
//! Permissions do not stop root, so when the tests run as root the child
//! runs as `nobody`; otherwise folders are made read-only with chmod. Both
//! variants assert the same outcome.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::*;

/// uid/gid of `nobody`.
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `cmd` with files limited to `max_bytes` each (writes past it fail
/// with EFBIG instead of killing the process).
fn run_with_file_limit(mut cmd: Command, max_bytes: u64) -> Output {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: max_bytes as libc::rlim_t,
                rlim_max: max_bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("mailsift runs")
}

/// Runs `cmd` as `nobody` (the caller is root).
fn run_as_nobody(mut cmd: Command) -> Output {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(NOBODY) != 0
                || libc::setuid(NOBODY) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("mailsift runs as nobody")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Files and folders under `root`, relative. SQLite's `-wal`/`-shm` files
/// are left out: any process that reads the case may leave them, and the
/// last writer removes them.
fn listing(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy();
            if name.ends_with("-wal") || name.ends_with("-shm") {
                continue;
            }
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.insert(p.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    out
}

/// Messages a `search CASE *` finds (as root, no limits).
fn searchable(case: &Path) -> usize {
    let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// The case's message count from `stats --json`.
fn messages(case: &Path) -> u64 {
    let out = run(&[&"stats", &case, &"--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    num(&v, "messages")
}

/// Writes `n` small messages as `.eml` files into a new folder `dir`.
fn eml_folder(dir: &Path, prefix: &str, n: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let body = format!(
            "Budget note {i} of {prefix}.\n{}",
            "filler text ".repeat(200)
        );
        std::fs::write(
            dir.join(format!("{i}.eml")),
            message(
                "ann@example.org",
                &format!("{prefix} {i}"),
                &format!("{prefix}-{i}@example.org"),
                &body,
            ),
        )
        .unwrap();
    }
    dir.to_path_buf()
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_mbox")
}

#[test]
fn a_full_disk_fails_an_import_and_the_case_keeps_what_it_had() {
    let t = tempfile::tempdir().unwrap();
    let case = t.path().join("case");
    let first = eml_folder(&t.path().join("first"), "first", 30);
    let (code, _, err) = import_json(&case, &[&first]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(messages(&case), 30);
    assert_eq!(searchable(&case), 30);
    let before = listing(&case);
    let audit_before = std::fs::read_to_string(case.join("audit.log")).unwrap();

    // 200 messages of 2.5 KB: the write-ahead log passes 64 KiB early.
    let second = eml_folder(&t.path().join("second"), "second", 200);
    let mut cmd = mailsift();
    cmd.arg("import").arg(&case).arg(&second).arg("--quiet");
    let out = run_with_file_limit(cmd, 64 << 10);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&*case.to_string_lossy()),
        "the error names a path in the case: {err}"
    );
    assert!(
        err.contains("full") || err.contains("too large"),
        "the error says why: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    // The case as it was: same files (no orphaned index segments, no
    // temporaries), same messages, searchable.
    assert_eq!(listing(&case), before);
    assert_eq!(messages(&case), 30);
    assert_eq!(searchable(&case), 30);
    // The failed attempt is in the audit log, as failed (the searches
    // above, exports to standard output, are logged after it).
    let audit = std::fs::read_to_string(case.join("audit.log")).unwrap();
    let added = audit[audit_before.len()..]
        .lines()
        .next()
        .unwrap_or_default();
    let last: serde_json::Value = serde_json::from_str(added)
        .unwrap_or_else(|e| panic!("audit entry {added:?}: {e}; import said {err}"));
    assert_eq!(last["status"], "failed", "{last:#}");
    // It counts nothing that was rolled back.
    assert_eq!(num(&last, "report.new"), 0, "{last:#}");
    assert_eq!(num(&last, "report.messages"), 30, "{last:#}");

    // With room again, the same command completes.
    let (code, r, err) = import_json(&case, &[&second]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(num(&r, "new"), 200);
    assert_eq!(messages(&case), 230);
    assert_eq!(searchable(&case), 230);
}

#[test]
fn a_full_disk_fails_exports_without_leaving_anything() {
    let t = tempfile::tempdir().unwrap();
    let case = t.path().join("case");
    let (code, _, err) = import_json(&case, &[&sample()]);
    assert_eq!(code, 0, "{err}");
    let n = messages(&case);
    assert!(n > 400);
    assert_eq!(searchable(&case), n as usize);
    let out_dir = t.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // An earlier export at one of the destinations must survive.
    std::fs::write(out_dir.join("x.csv"), b"previous export").unwrap();
    let out_before = listing(&out_dir);
    let case_before = listing(&case);
    let audit_before = std::fs::read(case.join("audit.log")).unwrap();

    // Every output is larger than 48 KiB (the sample has attachments of
    // more than that for eml).
    for (format, file, extra) in [
        ("csv", "x.csv", None),
        ("json", "x.json", None),
        ("mbox", "x.mbox", None),
        ("eml", "x.eml", None),
        ("text", "x.txt", Some("--snippets")),
    ] {
        let dest = out_dir.join(file);
        let mut cmd = mailsift();
        cmd.arg("search")
            .arg(&case)
            .arg("*")
            .args(["--format", format])
            .arg("--output")
            .arg(&dest)
            .args(extra);
        let out = run_with_file_limit(cmd, 48 << 10);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(
            err.contains(&*dest.to_string_lossy()),
            "{format}: the error names the destination: {err}"
        );
        assert!(err.contains("File too large"), "{format}: {err}");
        assert_eq!(listing(&out_dir), out_before, "{format}: nothing left");
    }
    assert_eq!(
        std::fs::read(out_dir.join("x.csv")).unwrap(),
        b"previous export"
    );
    // No failed export is recorded as made; the case is untouched.
    assert_eq!(std::fs::read(case.join("audit.log")).unwrap(), audit_before);
    assert_eq!(listing(&case), case_before);
    assert_eq!(searchable(&case), n as usize);

    // With room, the same exports work (the limits above were the cause).
    for format in ["csv", "mbox"] {
        let dest = out_dir.join(format!("ok.{format}"));
        let out = run(&[
            &"search",
            &case,
            &"*",
            &"--format",
            &format,
            &"--output",
            &dest,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(std::fs::metadata(&dest).unwrap().len() > 48 << 10);
    }
}

#[test]
fn unusable_case_and_export_paths_are_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    let src = eml_folder(&t.path().join("src"), "m", 3);
    std::fs::write(
        src.join("with-attachment.eml"),
        "From: ann@example.org\nSubject: memo\nMessage-ID: <att@example.org>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n\
         --b\nContent-Type: text/plain; name=memo.txt\nContent-Disposition: attachment; filename=memo.txt\n\n\
         the memo\n--b--\n",
    )
    .unwrap();
    let file = t.path().join("plain-file");
    std::fs::write(&file, b"not a folder").unwrap();

    // A case folder inside a regular file (ENOTDIR).
    let case_in_file = file.join("case");
    let out = run(&[&"import", &case_in_file, &src, &"--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&*case_in_file.to_string_lossy()), "{err}");
    assert!(err.contains("Not a directory"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
    // A case path that is a regular file.
    let out = run(&[&"import", &file, &src, &"--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&*file.to_string_lossy()));
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");

    let case = t.path().join("case");
    let (code, _, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    let id = {
        let out = run(&[&"search", &case, &"has:attachment", &"--format", &"json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    let before = listing(t.path());
    let missing = t.path().join("missing");
    for (format, dest) in [
        ("csv", missing.join("x.csv")),
        ("mbox", missing.join("deeper/x.mbox")),
        ("text", missing.join("x.txt")),
        ("json", file.join("x.json")),
        ("eml", file.join("emls")),
    ] {
        let out = run(&[
            &"search",
            &case,
            &"*",
            &"--format",
            &format,
            &"--output",
            &dest,
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(
            err.contains(&*dest.to_string_lossy()),
            "{format}: names the destination: {err}"
        );
        assert!(
            err.contains("No such file or directory") || err.contains("Not a directory"),
            "{format}: {err}"
        );
        assert_eq!(listing(t.path()), before, "{format}: nothing created");
    }
    // Saving attachments into a folder that does not exist.
    let out = run(&[&"attachments", &case, &id, &"--save", &missing]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&*missing.to_string_lossy()));
    assert!(!missing.exists());
    assert_eq!(messages(&case), 4);
}

/// Makes `path` and its ancestors traversable by others, so `nobody` can
/// reach the test's files.
fn open_up(path: &Path) {
    for p in path.ancestors() {
        if p == Path::new("/") || p.as_os_str().is_empty() {
            break;
        }
        let mode = std::fs::metadata(p).unwrap().permissions().mode();
        if mode & 0o005 != 0o005 {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode | 0o005)).unwrap();
        }
    }
}

fn chown_tree(root: &Path, uid: u32) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        std::os::unix::fs::lchown(&p, Some(uid), Some(uid)).unwrap();
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
}

fn set_mode_tree(root: &Path, dir_mode: u32, file_mode: u32) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(dir_mode)).unwrap();
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(file_mode)).unwrap();
        }
    }
}

#[test]
fn without_permission_to_write_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let root = is_root();
    // As root, the child runs as nobody, which needs to reach the binary
    // and the test folder; a binary it cannot reach is copied next to the
    // test's files.
    let mut bin = PathBuf::from(env!("CARGO_BIN_EXE_mailsift"));
    if root {
        open_up(t.path());
        let reachable = bin.ancestors().skip(1).all(|p| {
            p.as_os_str().is_empty()
                || std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
        }) && std::fs::metadata(&bin)
            .is_ok_and(|m| m.permissions().mode() & 0o001 != 0);
        if !reachable {
            let copy = t.path().join("mailsift");
            std::fs::copy(&bin, &copy).unwrap();
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
            bin = copy;
        }
    }
    let run_restricted = |args: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut cmd = Command::new(&bin);
        for a in args {
            cmd.arg(a);
        }
        if root {
            run_as_nobody(cmd)
        } else {
            cmd.output().unwrap()
        }
    };

    let src = eml_folder(&t.path().join("src"), "m", 12);
    set_mode_tree(&src, 0o755, 0o644);
    let more = eml_folder(&t.path().join("more"), "more", 5);
    set_mode_tree(&more, 0o755, 0o644);

    // Import into a case the child may not write.
    let case = t.path().join("case");
    let (code, _, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    if root {
        // Owned by root, 0755/0644: nobody may read but not write.
        set_mode_tree(&case, 0o755, 0o644);
    } else {
        set_mode_tree(&case, 0o555, 0o444);
    }
    let before = listing(&case);
    let out = run_restricted(&[&"import", &case, &more, &"--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&*case.to_string_lossy()),
        "names the case: {err}"
    );
    assert!(
        err.contains("Permission denied") || err.contains("no permission"),
        "{err}"
    );
    if !root {
        set_mode_tree(&case, 0o755, 0o644);
    }
    assert_eq!(listing(&case), before);
    assert_eq!(messages(&case), 12);
    assert_eq!(searchable(&case), 12);

    // Export into a folder the child may not write; the case itself is the
    // child's (as root: given to nobody).
    if root {
        chown_tree(&case, NOBODY);
    }
    let out_dir = t.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("x.csv"), b"previous export").unwrap();
    set_mode_tree(&out_dir, if root { 0o755 } else { 0o555 }, 0o444);
    let out_before = listing(&out_dir);
    for (format, file) in [("csv", "x.csv"), ("eml", "emls"), ("text", "x.txt")] {
        let dest = out_dir.join(file);
        let out = run_restricted(&[
            &"search",
            &case,
            &"*",
            &"--format",
            &format,
            &"--output",
            &dest,
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(err.contains(&*dest.to_string_lossy()), "{format}: {err}");
        assert!(err.contains("Permission denied"), "{format}: {err}");
        assert_eq!(listing(&out_dir), out_before, "{format}: nothing left");
    }
    set_mode_tree(&out_dir, 0o755, 0o644);
    assert_eq!(
        std::fs::read(out_dir.join("x.csv")).unwrap(),
        b"previous export"
    );
    assert_eq!(messages(&case), 12);

    // Sources in a folder the child cannot write (evidence on read-only
    // media): the import works and the folder is exactly as it was.
    set_mode_tree(&src, 0o555, 0o444);
    let src_before = tree_state(&src);
    let writable = t.path().join("cases");
    std::fs::create_dir(&writable).unwrap();
    if root {
        chown_tree(&writable, NOBODY);
    }
    let fresh = writable.join("fresh");
    let out = run_restricted(&[&"import", &fresh, &src, &"--json", &"--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(num(&report, "new"), 12, "{report}");
    assert_eq!(
        tree_state(&src),
        src_before,
        "nothing written to the sources"
    );
    set_mode_tree(&src, 0o755, 0o644);
}
