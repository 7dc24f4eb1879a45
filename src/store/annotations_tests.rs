//! Tests of the investigator's desk in the store: local changes, the
//! merge rules (last writer wins, add wins ties, notes side by side,
//! idempotent), saved searches, the audit log, and upgrading a case.

use super::*;
use crate::annotate::file::AnnotationFile;
use crate::annotate::{MessageRecord, Note, SavedSearch, StarChange, TagChange};
use crate::model::{Message, SourceFormat};
use std::path::Path;

/// A case with `n` messages (row ids 1..=n); returns it and their keys.
fn case_with(root: &Path, n: u8) -> (Case, Vec<MessageKey>) {
    let mut case = Case::open_for_writing(root).unwrap();
    let import = case.begin_import("test").unwrap();
    let keys = case
        .transaction(|tx| {
            let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
            let mut keys = Vec::new();
            for i in 0..n {
                let f = tx.file(
                    src,
                    Path::new(&format!("/s/{i}.eml")),
                    SourceFormat::Eml,
                    10,
                    1,
                    import,
                )?;
                let mut m = Message::empty(Sha256::of(&[i]), 10);
                m.subject = Some(format!("m{i}"));
                let o = OriginRow {
                    file_id: f,
                    offset: 0,
                    length: 10,
                    raw_sha256: Sha256::of(&[i]),
                    from_line: None,
                    maildir_flags: None,
                    converted: None,
                };
                tx.add_message(&prepare(m.clone()), &o, import)?;
                keys.push(m.key);
            }
            Ok(keys)
        })
        .unwrap();
    (case, keys)
}

fn audit_events(root: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(root.join("audit.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn tags_stars_and_notes_change_once_and_are_audited() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let (case, keys) = case_with(&root, 3);
    drop(case);
    let mut case = Case::open_for_annotating(&root).unwrap();
    let changed = case
        .set_tag(&[1, 2], " Follow  up ", true, None, "ann")
        .unwrap();
    assert_eq!(changed, [keys[0], keys[1]]);
    // Again: nothing changes; "follow UP" is the same tag.
    assert!(
        case.set_tag(&[1, 2, 99], "follow UP", true, None, "ann")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        case.set_tag(&[2, 3], "follow up", false, None, "bob")
            .unwrap(),
        [keys[1]]
    );
    // Removed then added again at once: the later change wins even in
    // the same millisecond.
    assert_eq!(
        case.set_tag(&[2], "follow up", true, Some("#3584E4"), "bob")
            .unwrap(),
        [keys[1]]
    );
    assert_eq!(case.set_star(&[3], true, "ann").unwrap(), [keys[2]]);
    assert!(case.set_star(&[3], true, "ann").unwrap().is_empty());
    assert!(case.set_star(&[1], false, "ann").unwrap().is_empty());
    case.add_note(&keys[0], "Call the lawyer", "ann").unwrap();
    case.add_note(&keys[0], "second", "bob").unwrap();
    assert!(matches!(
        case.add_note(&keys[0], "  ", "bob"),
        Err(Error::BadAnnotation { .. })
    ));
    assert!(matches!(
        case.add_note(&Sha256::of(b"nope"), "x", "bob"),
        Err(Error::NoSuchMessage { .. })
    ));
    assert!(case.set_tag(&[1], " ", true, None, "a").is_err());

    let a = case.annotations_of(&keys[0]).unwrap();
    assert_eq!(a.tags, ["Follow up"]);
    assert!(!a.starred);
    assert_eq!(a.notes.len(), 2);
    assert_eq!(case.tag_keys().unwrap(), ["follow up"]);
    assert_eq!(case.tagged_rowids(&["follow up".into()]).unwrap(), [1, 2]);
    assert_eq!(case.starred_rowids().unwrap(), [3]);
    assert_eq!(case.noted_rowids().unwrap(), [1]);
    assert_eq!(case.annotated().unwrap().len(), 3);
    let tags = case.tags().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!((tags[0].colour.as_str(), tags[0].messages), ("#3584e4", 2));

    let events = audit_events(&root);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    // Only changes are logged: adding a tag twice or starring a starred
    // message writes nothing.
    assert_eq!(kinds, ["tag", "tag", "tag", "star", "note", "note"]);
    assert_eq!(events[0]["author"], "ann");
    assert_eq!(events[0]["messages"].as_array().unwrap().len(), 2);
    assert_eq!(events[1]["action"], "remove");
    assert_eq!(events[1]["author"], "bob");
    assert_eq!(events[2]["colour"], "#3584e4");
    assert_eq!(events[4]["text"], "Call the lawyer");
}

fn rec(key: MessageKey, tags: Vec<TagChange>, star: Option<StarChange>) -> MessageRecord {
    MessageRecord {
        key,
        tags,
        star,
        notes: Vec::new(),
    }
}

fn tag(name: &str, added: bool, time_ms: i64, author: &str) -> TagChange {
    TagChange {
        tag: name.into(),
        added,
        time_ms,
        author: author.into(),
    }
}

#[test]
fn merging_is_last_writer_wins_add_wins_ties_and_idempotent() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let (mut case, keys) = case_with(&root, 2);
    case.set_tag(&[1], "a", true, None, "ann").unwrap();
    let stored_time = case.annotation_records().unwrap().messages[0].tags[0].time_ms;
    let missing = Sha256::of(b"elsewhere");
    let note = Note {
        author: "bob".into(),
        time_ms: 5,
        text: "seen".into(),
    };
    let mut m2 = rec(
        keys[1],
        vec![tag("b", true, 10, "bob"), tag("c", false, 10, "bob")],
        Some(StarChange {
            starred: true,
            time_ms: 10,
            author: "bob".into(),
        }),
    );
    m2.notes = vec![note.clone(), note.clone()];
    let file = AnnotationFile {
        messages: vec![
            // Older removal of "a": loses.
            rec(keys[0], vec![tag("A", false, stored_time - 1, "bob")], None),
            m2,
            rec(missing, vec![tag("x", true, 1, "bob")], None),
        ],
        tags: Vec::new(),
        saved: vec![SavedSearch {
            name: "s".into(),
            query: "from:ann".into(),
            time_ms: 3,
            deleted: false,
        }],
        identities: Vec::new(),
        dismissals: Vec::new(),
    };
    let r = case.merge_annotations(&file, Path::new("f.jsonl")).unwrap();
    assert_eq!(r.records, 3);
    assert_eq!(r.not_in_case, 1);
    assert_eq!(r.messages_changed, 1);
    assert_eq!((r.tags_changed, r.stars_changed, r.notes_added), (2, 1, 1));
    assert_eq!(r.saved_changed, 1);
    let again = case.merge_annotations(&file, Path::new("f.jsonl")).unwrap();
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(again.not_in_case, 1);
    assert_eq!(case.annotations_of(&keys[0]).unwrap().tags, ["a"]);
    let a2 = case.annotations_of(&keys[1]).unwrap();
    assert_eq!((a2.tags.clone(), a2.starred), (vec!["b".to_string()], true));
    assert_eq!(a2.notes, [note]);

    // A newer removal wins; at the same time an add beats a removal.
    let later = AnnotationFile {
        messages: vec![
            rec(keys[0], vec![tag("a", false, stored_time + 1, "bob")], None),
            rec(keys[1], vec![tag("b", false, 10, "zed")], None),
        ],
        ..AnnotationFile::default()
    };
    let r = case
        .merge_annotations(&later, Path::new("g.jsonl"))
        .unwrap();
    assert_eq!(r.tags_changed, 1);
    assert!(case.annotations_of(&keys[0]).unwrap().tags.is_empty());
    assert_eq!(case.annotations_of(&keys[1]).unwrap().tags, ["b"]);

    // What is exported merges into a fresh case to the same state.
    let exported = case.annotation_records().unwrap();
    let (mut other, _) = case_with(&t.path().join("d"), 2);
    other
        .merge_annotations(&exported, Path::new("e.jsonl"))
        .unwrap();
    assert_eq!(other.annotation_records().unwrap(), exported);
    assert_eq!(other.saved_searches().unwrap().len(), 1);
    assert!(
        audit_events(&root)
            .iter()
            .any(|e| e["event"] == "annotations_import" && e["report"]["not_in_case"] == 1)
    );
}

#[test]
fn saved_searches_are_replaced_and_removed() {
    let t = tempfile::tempdir().unwrap();
    let (mut case, _) = case_with(&t.path().join("c"), 1);
    case.save_search("donors", "from:@dnc.org").unwrap();
    case.save_search(" donors ", "donor").unwrap();
    case.save_search("b", "*").unwrap();
    let names: Vec<(String, String)> = case
        .saved_searches()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.query))
        .collect();
    assert_eq!(
        names,
        [("b".into(), "*".into()), ("donors".into(), "donor".into())]
    );
    case.remove_saved_search("donors").unwrap();
    assert!(matches!(
        case.remove_saved_search("donors"),
        Err(Error::BadAnnotation { .. })
    ));
    assert_eq!(case.saved_searches().unwrap().len(), 1);
    // The removal is kept, to travel with exports.
    let all = case.annotation_records().unwrap().saved;
    assert_eq!(all.iter().filter(|s| s.deleted).count(), 1);
}

/// A version-3 case (before annotations) opens and gains the tables.
#[test]
fn a_version_3_case_gains_the_annotation_tables() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let (case, _) = case_with(&root, 1);
    case.sql()
        .batch(
            "DROP TABLE message_tags; DROP TABLE tag_names; DROP TABLE stars;
             DROP TABLE message_notes; DROP TABLE saved_searches;",
        )
        .unwrap();
    drop(case);
    let marker = root.join(MARKER);
    let text = std::fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 3");
    std::fs::write(&marker, text).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, 3);
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    assert!(case.annotated().unwrap().is_empty());
    drop(case);
    let mut w = Case::open_for_annotating(&root).unwrap();
    assert_eq!(w.set_star(&[1], true, "ann").unwrap().len(), 1);
}

/// Issue 14: a case of format 4 gains the DKIM tables; its messages are
/// not verified (in no `dkim:` result, counted as such) until verdicts
/// are set, which replace each other.
#[test]
fn a_version_4_case_gains_the_dkim_tables_unverified() {
    use crate::dkim::{Outcome, Verdict};
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let (case, _) = case_with(&root, 2);
    case.sql()
        .batch("DROP TABLE message_dkim; DROP TABLE dkim_keys;")
        .unwrap();
    drop(case);
    let marker = root.join(MARKER);
    let text = std::fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 4");
    std::fs::write(&marker, text).unwrap();
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let stats = case.dkim_stats().unwrap();
    assert_eq!(stats.unverified, 2);
    assert_eq!(stats.verdicts["none"], 0);
    assert!(
        case.dkim_rowids(Some(Verdict::None), None)
            .unwrap()
            .is_empty()
    );
    assert!(case.user_dkim_keys().unwrap().is_empty());
    assert!(!case.dkim_keys().unwrap().is_empty(), "the bundled archive");
    drop(case);
    let mut w = Case::open_for_annotating(&root).unwrap();
    assert_eq!(w.dkim_to_reverify(&[]).unwrap(), [1, 2]);
    let nokey = Outcome {
        verdict: Verdict::Nokey,
        domain: Some("mail.example.org".into()),
        signatures: Vec::new(),
    };
    w.set_dkim(&[(1, nokey.clone()), (2, Outcome::unsigned())])
        .unwrap();
    assert_eq!(w.dkim_rowids(Some(Verdict::Nokey), None).unwrap(), [1]);
    assert_eq!(w.dkim_rowids(None, Some("example.org")).unwrap(), [1]);
    assert_eq!(
        w.dkim_rowids(None, Some("ample.org")).unwrap(),
        Vec::<u64>::new()
    );
    assert_eq!(w.dkim_outcome(1).unwrap(), Some(nokey));
    let pass = Outcome {
        verdict: Verdict::Pass,
        ..Outcome::unsigned()
    };
    w.set_dkim(&[(1, pass)]).unwrap();
    assert_eq!(w.dkim_rowids(Some(Verdict::Pass), None).unwrap(), [1]);
    let stats = w.dkim_stats().unwrap();
    assert_eq!(
        (
            stats.unverified,
            stats.verdicts["pass"],
            stats.verdicts["none"]
        ),
        (0, 1, 1)
    );
}

/// Issue 16: a case of format 6 gains the identities table, empty (every
/// address its own person), and takes decisions.
#[test]
fn a_version_6_case_gains_the_identities_table() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let (case, _) = case_with(&root, 1);
    case.sql().batch("DROP TABLE identities;").unwrap();
    drop(case);
    let marker = root.join(MARKER);
    let text = std::fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 6");
    std::fs::write(&marker, text).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, 6);
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    assert!(case.identities().unwrap().is_empty());
    drop(case);
    let mut w = Case::open_for_annotating(&root).unwrap();
    let recs = w
        .identities()
        .unwrap()
        .merge(&["a@x.org".into(), "b@x.org".into()], None, 1, "ann")
        .unwrap();
    w.set_identities("merge", &recs).unwrap();
    assert_eq!(w.identities().unwrap().person_of("b@x.org"), "a@x.org");
}
