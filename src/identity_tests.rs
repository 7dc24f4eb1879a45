//! Identity decisions on a real case: the census after a merge, a rename
//! and a split; the decisions audited; and carried by the annotations
//! file into another case, where the census agrees.

use std::path::Path;

use super::*;
use crate::model::{Address, Message, Sha256, SourceFormat};
use crate::people::{PeopleOptions, Person, census_of};
use crate::store::{OriginRow, prepare};

fn addr(name: &str, a: &str) -> Address {
    Address {
        name: Some(name.to_string()),
        addr: a.to_string(),
    }
}

/// A case of four messages: John Podesta writes from two addresses to
/// Ann, Ann answers one of them with the other in Cc.
fn case(root: &Path) {
    let mut case = Case::open_for_writing(root).unwrap();
    let import = case.begin_import("test").unwrap();
    let mails = [
        (
            addr("John Podesta", "jp@x.org"),
            vec![addr("Ann", "ann@x.org")],
            vec![],
        ),
        (
            addr("John Podesta", "john@y.org"),
            vec![addr("Ann", "ann@x.org")],
            vec![],
        ),
        (
            addr("J. Podesta", "john@y.org"),
            vec![addr("Ann", "ann@x.org")],
            vec![],
        ),
        (
            addr("Ann", "ann@x.org"),
            vec![addr("John", "jp@x.org")],
            vec![addr("John", "john@y.org")],
        ),
    ];
    case.transaction(|tx| {
        let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
        for (i, (from, to, cc)) in mails.iter().enumerate() {
            let f = tx.file(
                src,
                Path::new(&format!("/s/{i}.eml")),
                SourceFormat::Eml,
                10,
                1,
                import,
            )?;
            let mut m = Message::empty(Sha256::of(&[i as u8]), 10);
            m.from = vec![from.clone()];
            m.to = to.clone();
            m.cc = cc.clone();
            m.date = Some(1_000 + i as i64);
            let o = OriginRow {
                file_id: f,
                offset: 0,
                length: 10,
                raw_sha256: Sha256::of(&[i as u8]),
                from_line: None,
                maildir_flags: None,
                converted: None,
            };
            tx.add_message(&prepare(m), &o, import)?;
        }
        Ok(())
    })
    .unwrap();
}

fn people(root: &Path) -> Vec<Person> {
    let case = Case::open(root).unwrap();
    census_of(&case, None)
        .unwrap()
        .people(&PeopleOptions::default())
}

fn find<'a>(people: &'a [Person], a: &str) -> &'a Person {
    people
        .iter()
        .find(|p| p.address == a)
        .unwrap_or_else(|| panic!("{a} not in {people:?}"))
}

fn counts(p: &Person) -> (u64, u64, u64, u64) {
    (p.messages, p.sent, p.received, p.copied)
}

#[test]
fn merge_rename_split_change_the_census() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("case");
    case(&root);
    let before = people(&root);
    assert_eq!(before.len(), 3);
    assert_eq!(counts(find(&before, "jp@x.org")), (2, 1, 1, 0));
    assert_eq!(counts(find(&before, "john@y.org")), (3, 2, 0, 1));

    let recs = merge(
        &root,
        &["JP@x.org".to_string(), "john@y.org".to_string()],
        None,
        "ann",
    )
    .unwrap();
    assert_eq!(recs.len(), 2);
    let after = people(&root);
    assert_eq!(after.len(), 2);
    let john = find(&after, "jp@x.org");
    // message 4 names him twice (To and Cc): counted once, as To
    assert_eq!(counts(john), (4, 3, 1, 0));
    assert_eq!(john.addresses, ["jp@x.org", "john@y.org"]);
    assert_eq!(john.best_name(), Some("John Podesta"));
    assert_eq!(counts(find(&after, "ann@x.org")), (4, 1, 3, 0));
    assert!(
        Case::open(&root)
            .unwrap()
            .identities()
            .unwrap()
            .merge(&["jp@x.org".into(), "john@y.org".into()], None, 0, "x")
            .is_err(),
        "merged already"
    );

    rename(&root, "john@y.org", "John D. Podesta", "bob").unwrap();
    let named = people(&root);
    assert_eq!(
        find(&named, "jp@x.org").best_name(),
        Some("John D. Podesta")
    );

    split(&root, "john@y.org", "ann").unwrap();
    let split_again = people(&root);
    assert_eq!(split_again.len(), 3);
    assert_eq!(counts(find(&split_again, "jp@x.org")), (2, 1, 1, 0));
    assert_eq!(counts(find(&split_again, "john@y.org")), (3, 2, 0, 1));
    // the name stays with the person it was given to
    assert_eq!(
        find(&split_again, "jp@x.org").best_name(),
        Some("John D. Podesta")
    );
    assert_eq!(find(&split_again, "john@y.org").chosen_name, None);

    // every decision in the audit log
    let audit = Case::open(&root).unwrap().audit_lines().unwrap();
    let actions: Vec<String> = audit
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "identity")
        .map(|v| v["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["merge", "rename", "split"]);
}

#[test]
fn decisions_travel_in_the_annotations_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    case(&one);
    case(&two);
    merge(
        &one,
        &["jp@x.org".to_string(), "john@y.org".to_string()],
        Some("John Podesta"),
        "ann",
    )
    .unwrap();
    let file = tmp.path().join("notes.jsonl");
    let exported = crate::desk::export_annotations(&Case::open(&one).unwrap(), &file).unwrap();
    assert_eq!(exported.identities.len(), 2);
    let report = crate::desk::import_annotations(&two, &file).unwrap();
    assert_eq!(report.identities_changed, 2);
    assert!(!report.is_noop());
    assert_eq!(people(&two), people(&one));
    assert_eq!(counts(find(&people(&two), "jp@x.org")), (4, 3, 1, 0));
    // a second import changes nothing
    let again = crate::desk::import_annotations(&two, &file).unwrap();
    assert_eq!(again.identities_changed, 0);
    assert!(again.is_noop());
    // a later split in the second case wins over the older merge
    split(&two, "john@y.org", "bob").unwrap();
    crate::desk::import_annotations(&two, &file).unwrap();
    assert_eq!(people(&two).len(), 3);
    assert_eq!(
        list(&two).unwrap().people().len(),
        1,
        "jp@x.org keeps its name"
    );
}
