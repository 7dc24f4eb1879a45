//! Print / Save as PDF (issue 17, item 12) through the real binary and the
//! window: the PDF holds every message of a thread, in reading order, with
//! the headers, body and origins a reader needs; nothing is written when
//! the message does not exist; the audit log records the file's SHA-256.

use std::path::Path;

use mailsift::extract::{DocKind, ExtractLimits, extract};
use mailsift::model::Sha256;

use crate::util::{mbox, message, run};

/// The PDF's text as a reader extracts it, whitespace folded.
fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let out = extract(&bytes, DocKind::Pdf, &ExtractLimits::default()).unwrap();
    out.text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn thread_case(tmp: &Path) -> std::path::PathBuf {
    let first = message(
        "Ana Ruiz <ana@ncpc.example.org>",
        "Pipeline vote",
        "a1@ncpc.example.org",
        "First message: the vote is on Tuesday.\n\n    col1    col2\n    1       2",
    );
    let reply = format!(
        "In-Reply-To: <a1@ncpc.example.org>\n{}",
        message(
            "Ben Ode <ben@ncpc.example.org>",
            "Re: Pipeline vote",
            "a2@ncpc.example.org",
            "Second message: Привет, we are ready. 会议在周二。",
        )
    );
    let other = message(
        "c@example.org",
        "Unrelated",
        "c1@example.org",
        "Nothing here.",
    );
    let src = tmp.join("src.mbox");
    std::fs::write(&src, mbox(&[first, reply, other])).unwrap();
    let case = tmp.join("case");
    let out = run(&[&"import", &case, &src, &"--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    case
}

fn id_of(case: &Path, query: &str) -> String {
    let out = run(&[&"search", &case, &query, &"--format", &"json"]);
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[test]
fn print_writes_a_message_or_its_thread_as_a_readable_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let case = thread_case(tmp.path());
    let reply = id_of(&case, "subject:\"Re: Pipeline vote\"");

    // One message.
    let one = tmp.path().join("one.pdf");
    let out = run(&[&"print", &case, &reply, &"--output", &one]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("wrote 1 message to "), "{said}");
    let text = pdf_text(&one);
    assert!(text.contains("Ben Ode <ben@ncpc.example.org>"), "{text}");
    assert!(text.contains("Привет, we are ready."), "{text}");
    assert!(text.replace(' ', "").contains("会议在周二。"), "{text}");
    assert!(text.contains(&reply), "the mailsift id is printed");
    assert!(!text.contains("First message"), "only the one message");
    assert!(text.contains("src.mbox"), "where it was found");
    assert!(text.contains("not DKIM-signed"), "the DKIM verdict: {text}");

    // The whole thread, oldest first, with a heading.
    let all = tmp.path().join("thread.pdf");
    let out = run(&[&"print", &case, &reply, &"--thread", &"-o", &all]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote 2 messages to "));
    let text = pdf_text(&all);
    assert!(
        text.contains("Thread: Pipeline vote — 2 messages"),
        "{text}"
    );
    let a = text.find("First message").expect("first");
    let b = text.find("Second message").expect("second");
    assert!(a < b, "reading order");
    assert!(
        !text.contains("Nothing here."),
        "not another thread's message"
    );

    // The audit log names the file and its hash.
    let bytes = std::fs::read(&all).unwrap();
    let audit = std::fs::read_to_string(case.join("audit.log")).unwrap();
    let entry = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "print" && v["messages"].as_array().is_some_and(|m| m.len() == 2))
        .expect("a print entry for the thread");
    assert_eq!(entry["sha256"], Sha256::of(&bytes).to_hex());
}

#[test]
fn print_of_an_unknown_message_is_an_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let case = thread_case(tmp.path());
    let dest = tmp.path().join("none.pdf");
    let out = run(&[&"print", &case, &"0000000000000000deadbeef", &"-o", &dest]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
    assert!(!dest.exists());
}

/// The reading pane's Print / Save as PDF: asks where, writes off the UI
/// thread, says where it went; Ctrl+P does the same.
#[cfg(feature = "gui")]
#[test]
fn the_window_prints_the_message_being_read() {
    use crate::gui::{LONG, harness, step_until};
    use egui_kittest::kittest::Queryable;
    use mailsift::app::{Answer, Command};

    let tmp = tempfile::tempdir().unwrap();
    let case = thread_case(tmp.path());
    let first = tmp.path().join("first.pdf");
    let second = tmp.path().join("second.pdf");
    let mut h = harness(
        &tmp.path().join("data"),
        vec![
            Answer::Save(Some(first.clone())),
            Answer::Save(Some(second.clone())),
        ],
        true,
    );
    h.step();
    h.state_mut().apply(Command::OpenPath(case.clone()));
    step_until(&mut h, "the case to open", LONG, |a| {
        !a.busy() && a.hit_count() == Some(3)
    });
    let b = mailsift::browse::Browser::open(&case).unwrap();
    let found = b.search("ready", mailsift::index::Sort::Date).unwrap();
    h.state_mut()
        .apply(Command::ShowMessage(found.hits[0].rowid));
    step_until(&mut h, "the message", LONG, |a| a.reading.is_some());

    // In a thread, the button offers the message or the whole thread.
    assert_eq!(h.state().reading.as_ref().unwrap().thread.len(), 2);
    h.get_by_label("Print / Save as PDF…").click();
    h.step();
    h.step();
    h.get_by_label("The whole thread (2 messages)").click();
    step_until(&mut h, "the PDF", LONG, |a| {
        !a.busy()
            && a.status
                .as_ref()
                .is_some_and(|s| s.text.starts_with("Saved"))
    });
    let status = h.state().status.clone().unwrap();
    assert!(!status.error, "{status:?}");
    assert!(
        status.text.contains("the thread (2 messages)"),
        "{}",
        status.text
    );
    let text = pdf_text(&first);
    assert!(text.contains("First message") && text.contains("Second message"));

    // Ctrl+P: the message alone.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
    step_until(&mut h, "the second PDF", LONG, |a| {
        !a.busy() && second.exists()
    });
    let text = pdf_text(&second);
    assert!(text.contains("Second message") && !text.contains("First message"));
}
