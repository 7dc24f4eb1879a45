//! Issue 16 through the binary: a merge suggested from replies (one
//! person writing from one address and answered at another), not
//! suggested for two people who write to each other; a dismissed
//! suggestion that stays dismissed (reopened, and in a second case after
//! an annotations export and import) and can be suggested again; and
//! `from:` / `to:` with a whole address matching that address only.

use std::path::{Path, PathBuf};

use crate::util::{mbox, run};

fn mail(headers: &str, subject: &str, n: u32, reply_to: Option<u32>) -> String {
    let irt = reply_to
        .map(|r| format!("\nIn-Reply-To: <r{r}@example.org>"))
        .unwrap_or_default();
    format!(
        "{headers}\nSubject: {subject}\nDate: Tue, {n:02} Nov 2015 09:00:00 +0000\nMessage-ID: <r{n}@example.org>{irt}\n\nmessage {n}\n"
    )
}

/// Graham writes from his home address and is answered at work, twice;
/// Carol's assistant is answered for her twice too, but Carol and her
/// assistant write to each other. Plus an address inside another one.
fn case(dir: &Path, name: &str) -> PathBuf {
    let messages = vec![
        mail(
            "From: Graham <g@home.example>\nTo: Ann <ann@x.example>",
            "budget",
            1,
            None,
        ),
        mail(
            "From: Ann <ann@x.example>\nTo: gpell@work.example",
            "Re: budget",
            2,
            Some(1),
        ),
        mail(
            "From: Graham <g@home.example>\nTo: Bob <bob@x.example>",
            "lunch",
            3,
            None,
        ),
        mail(
            "From: bob@x.example\nTo: gpell@work.example",
            "Re: lunch",
            4,
            Some(3),
        ),
        mail(
            "From: Carol <carol@x.example>\nTo: ann@x.example",
            "visit",
            5,
            None,
        ),
        mail(
            "From: ann@x.example\nTo: desk@x.example",
            "Re: visit",
            6,
            Some(5),
        ),
        mail(
            "From: Carol <carol@x.example>\nTo: ann@x.example",
            "dates",
            7,
            None,
        ),
        mail(
            "From: ann@x.example\nTo: desk@x.example",
            "Re: dates",
            8,
            Some(7),
        ),
        mail(
            "From: desk@x.example\nTo: carol@x.example",
            "your diary",
            9,
            None,
        ),
        mail(
            "From: Bob Ann <bob.ann@x.example>\nTo: mary.ann@x.example",
            "other ann",
            10,
            None,
        ),
    ];
    let src = dir.join(format!("{name}.mbox"));
    std::fs::write(&src, mbox(&messages)).unwrap();
    let case = dir.join(name);
    let out = run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success(), "{out:?}");
    case
}

fn people_text(case: &Path) -> String {
    let out = run(&[&"people", &case]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

const EVIDENCE: &str = "replies to mail from g@home.example went to gpell@work.example alone (2 replies, e.g. 'Re: budget')";

#[test]
fn merge_suggested_from_replies_dismissed_and_suggested_again() {
    let dir = tempfile::tempdir().unwrap();
    let one = case(dir.path(), "one");
    let text = people_text(&one);
    assert!(text.contains(EVIDENCE), "{text}");
    assert!(!text.contains("desk@x.example went"), "{text}");
    assert!(!text.contains("carol@x.example went"), "{text}");

    // dismissed: gone, also when the case is opened again
    let out = run(&[
        &"identity",
        &one,
        &"dismiss",
        &"gpell@work.example",
        &"G@Home.example",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("dismissed: g@home.example, gpell@work.example"),
        "{out:?}"
    );
    assert!(!people_text(&one).contains(EVIDENCE));
    assert!(!people_text(&one).contains("Suggested merges"));

    // carried by the annotations file into a second case
    let two = case(dir.path(), "two");
    assert!(people_text(&two).contains(EVIDENCE));
    let file = dir.path().join("notes.jsonl");
    let out = run(&[&"annotations", &"export", &one, &file]);
    assert!(out.status.success(), "{out:?}");
    let lines = std::fs::read_to_string(&file).unwrap();
    assert!(
        lines.contains(r#"{"suggestion":["g@home.example","gpell@work.example"],"dismissed":true"#),
        "{lines}"
    );
    let out = run(&[&"annotations", &"import", &two, &file]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 dismissed merge suggestions changed"),
        "{out:?}"
    );
    assert!(!people_text(&two).contains(EVIDENCE));

    // suggested again
    let out = run(&[
        &"identity",
        &two,
        &"dismiss",
        &"g@home.example",
        &"gpell@work.example",
        &"--undo",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(people_text(&two).contains(EVIDENCE));
    // one address is not a suggestion
    let out = run(&[
        &"identity",
        &two,
        &"dismiss",
        &"g@home.example",
        &"G@home.example",
    ]);
    assert!(!out.status.success(), "{out:?}");
}

fn hits(case: &Path, query: &str) -> Vec<String> {
    let out = run(&[&"search", &case, &query, &"--format", &"json"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["subject"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

#[test]
fn a_whole_address_matches_that_address_only() {
    let dir = tempfile::tempdir().unwrap();
    let c = case(dir.path(), "c");
    // `ann@x.example` is inside `bob.ann@x.example` and `mary.ann@x.example`
    let mut from = hits(&c, "from:ann@x.example");
    from.sort();
    assert_eq!(from, ["Re: budget", "Re: dates", "Re: visit"]);
    let mut to = hits(&c, "to:(\"ann@x.example\")");
    to.sort();
    assert_eq!(to, ["budget", "dates", "visit"]);
    assert_eq!(hits(&c, "from:Ann@X.Example").len(), 3);
    assert_eq!(hits(&c, "from:bob.ann@x.example"), ["other ann"]);
    assert_eq!(hits(&c, "to:mary.ann@x.example"), ["other ann"]);
    // words of an address still match as before, and so does a domain
    assert_eq!(hits(&c, "from:ann").len(), 4);
    assert_eq!(hits(&c, "to:@work.example").len(), 2);
    // the People window's query for a person
    let mut either = hits(&c, "(from:(\"ann@x.example\") OR to:(\"ann@x.example\"))");
    either.sort();
    assert_eq!(either.len(), 6, "{either:?}");
}
