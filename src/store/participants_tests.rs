//! Issue 16: the `participants` table (case format 11) says what the
//! records say: the census read from it equals the census of the records,
//! for the whole case and for a few or many messages, written at import
//! and filled by the upgrade of an older case; reply pairs; dismissed
//! merge suggestions stored and exported.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::model::{Sha256, SourceFormat};
use crate::people::{Census, PeopleOptions, census_of};

/// A case of the messages `raws` (one file each).
fn case_of(root: &Path, raws: &[String]) -> Case {
    let mut case = Case::open_for_writing(root).unwrap();
    let import = case.begin_import("test").unwrap();
    case.transaction(|tx| {
        let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
        for (i, raw) in raws.iter().enumerate() {
            let path = PathBuf::from(format!("/s/{i}.eml"));
            let f = tx.file(src, &path, SourceFormat::Eml, 10, 1, import)?;
            let key = Sha256::of(raw.as_bytes());
            let msg = crate::parse::parse_message(
                key,
                raw.as_bytes(),
                true,
                raw.len() as u64,
                &Default::default(),
                2_000_000_000,
            );
            tx.add_message(
                &prepare(msg),
                &OriginRow {
                    file_id: f,
                    offset: 0,
                    length: raw.len() as u64,
                    raw_sha256: key,
                    from_line: None,
                    maildir_flags: None,
                    converted: None,
                },
                import,
            )?;
        }
        Ok(())
    })
    .unwrap();
    case
}

/// Messages with every kind of addressing: several From, To and Cc and
/// Bcc, names with quotes and accents, one address twice, a group, none.
fn raws() -> Vec<String> {
    let m = |headers: &str, i: u32| {
        format!(
            "{headers}\nSubject: m{i}\nMessage-ID: <m{i}@x.org>\nDate: Mon, {:02} Oct 2015 10:00:00 +0000\n\nbody {i}\n",
            i % 28 + 1
        )
    };
    let mut out = vec![
        m(
            "From: Ann Lee <ann@x.org>\nTo: \"Bob, B.\" <bob@y.org>, Cy <cy@z.org>\nCc: ann@x.org, Dee <dee@x.org>\nBcc: eve@x.org",
            1,
        ),
        m(
            "From: =?utf-8?q?Jos=C3=A9?= <jose@x.org>, ann@x.org\nTo: undisclosed-recipients:;",
            2,
        ),
        m("To: bob@y.org", 3),
        m("From: nobody", 4),
        m(
            "From: BOB <Bob@Y.org>\nTo: Ann Lee <ANN@x.org>\nIn-Reply-To: <m1@x.org>",
            5,
        ),
    ];
    for i in 6..40 {
        out.push(m(
            &format!(
                "From: P{} <p{}@x.org>\nTo: p{}@x.org\nCc: p{}@x.org",
                i % 7,
                i % 7,
                (i + 1) % 9,
                i % 5
            ),
            i,
        ));
    }
    out
}

/// The census of the case's messages read whole (what the census read
/// from the records before format 11).
fn census_of_records(case: &Case, rowids: &[u64]) -> Census {
    let mut c = Census::default();
    for &id in rowids {
        let Some(m) = case.message_by_rowid(id).unwrap() else {
            continue;
        };
        c.add(&Addressing {
            rowid: id,
            date: m.date,
            from: m.from,
            to: m.to,
            cc: m.cc,
            bcc: m.bcc,
        });
    }
    c
}

fn people(c: &Census) -> Vec<crate::people::Person> {
    c.people(&PeopleOptions {
        correspondents: 10,
        ..PeopleOptions::default()
    })
}

#[test]
fn the_census_from_participants_equals_the_census_of_the_records() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let case = case_of(&root, &raws());
    let all: Vec<u64> = (1..=case.max_rowid().unwrap()).collect();
    assert_eq!(all.len(), 39);
    let whole = census_of(&case, None).unwrap();
    let records = census_of_records(&case, &all);
    assert_eq!(whole.messages(), 39);
    assert_eq!(whole.messages(), records.messages());
    assert_eq!(people(&whole), people(&records));
    assert!(whole.len() > 10, "{}", whole.len());
    // a few messages (looked up one by one) and many (one scan, filtered)
    for some in [vec![1, 5, 38, 999], (1..=30).collect::<Vec<u64>>()] {
        let kept: Vec<u64> = some.iter().copied().filter(|&i| i <= 39).collect();
        let part = census_of(&case, Some(&some)).unwrap();
        let expected = census_of_records(&case, &kept);
        assert_eq!(part.messages(), kept.len() as u64);
        assert_eq!(people(&part), people(&expected));
    }
    // the reply (message 5 answers message 1's Message-ID)
    assert_eq!(case.reply_pairs().unwrap(), [(5, 1)]);
    // read from indexes, never the rows of `messages` (records inline)
    let plan = |q: &str| -> String {
        case.sql()
            .rows(&format!("EXPLAIN QUERY PLAN {q}"), [], |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .join("; ")
    };
    let replies = plan(
        "SELECT c.id, p.id FROM messages c INDEXED BY messages_in_reply_to
           JOIN messages p ON p.message_id = c.in_reply_to
          WHERE c.in_reply_to IS NOT NULL AND p.id <> c.id ORDER BY c.id, p.id",
    );
    assert!(
        replies.contains("COVERING INDEX messages_in_reply_to"),
        "{replies}"
    );
    assert!(
        replies.contains("COVERING INDEX messages_message_id"),
        "{replies}"
    );
    let one = plan(
        "SELECT message, role, address, name, date FROM participants WHERE message=1 ORDER BY pos",
    );
    assert!(one.contains("PRIMARY KEY (message=?)"), "{one}");
}

#[test]
fn an_older_case_is_filled_by_the_upgrade() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let before = {
        let case = case_of(&root, &raws());
        let before = people(&census_of(&case, None).unwrap());
        // back to format 8: no participants
        case.sql().batch("DELETE FROM participants;").unwrap();
        let rows = "SELECT count(*) FROM participants";
        assert_eq!(case.sql().count(rows, []).unwrap(), 0);
        before
    };
    let marker = root.join(MARKER);
    let text = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 8");
    fs::write(&marker, text).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, 8);
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let after = census_of(&case, None).unwrap();
    assert_eq!(after.messages(), 39);
    assert_eq!(people(&after), before);
    assert_eq!(case.reply_pairs().unwrap(), [(5, 1)]);
}

#[test]
fn dismissals_are_stored_newer_wins_and_travel_in_the_annotations() {
    use crate::annotate::identity::DismissRecord;
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    drop(case_of(&root, &raws()[..1]));
    let rec = |dismissed, time_ms| DismissRecord {
        addresses: vec!["a@x.org".into(), "b@y.org".into()],
        dismissed,
        time_ms,
        author: "ann".into(),
    };
    {
        let mut w = Case::open_for_annotating(&root).unwrap();
        w.set_dismissed(&rec(true, 10)).unwrap();
    }
    // reopened: still dismissed
    let case = Case::open(&root).unwrap();
    assert_eq!(
        case.dismissed_merges().unwrap(),
        [vec!["a@x.org".to_string(), "b@y.org".to_string()]]
    );
    let file = case.annotation_records().unwrap();
    assert_eq!(file.dismissals, [rec(true, 10)]);
    drop(case);
    // an older "show again" from a file changes nothing; a newer one does
    let mut w = Case::open_for_annotating(&root).unwrap();
    let from = |r: DismissRecord| crate::annotate::file::AnnotationFile {
        dismissals: vec![r],
        ..Default::default()
    };
    let src = Path::new("f.jsonl");
    let r = w.merge_annotations(&from(rec(false, 5)), src).unwrap();
    assert_eq!(r.dismissals_changed, 0);
    assert_eq!(w.dismissed_merges().unwrap().len(), 1);
    let r = w.merge_annotations(&from(rec(false, 20)), src).unwrap();
    assert_eq!(r.dismissals_changed, 1);
    assert!(w.dismissed_merges().unwrap().is_empty());
}
