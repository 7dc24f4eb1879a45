//! Tests of the case folder: locking, upgrades of older formats,
//! deduplication, checkpoints.

use super::checkpoint::{WAL_AUTOCHECKPOINT, WAL_AUTOCHECKPOINT_DEFERRED};
use super::*;
use crate::model::{DefectKind, Message, MessageKey, Sha256, SourceFormat, TextStatus};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn a_second_writer_is_refused_and_readers_are_not() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("case");
    let _w = Case::open_for_writing(&root).unwrap();
    match Case::open_for_writing(&root) {
        Err(Error::CaseInUse { .. }) => {}
        other => panic!("expected CaseInUse, got {:?}", other.map(|_| ())),
    }
    assert_eq!(Case::open(&root).unwrap().stats().unwrap().messages, 0);
}

#[test]
fn refuses_a_folder_that_is_not_a_case() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("x.eml"), "Subject: x\n\nx").unwrap();
    assert!(matches!(
        Case::open_for_writing(t.path()),
        Err(Error::BadCase { .. })
    ));
    assert!(matches!(Case::open(t.path()), Err(Error::BadCase { .. })));
}

#[test]
fn the_same_content_twice_keeps_the_entry_with_text() {
    // Found by the `message` fuzz target: an empty part as a document
    // (no text) and again as plain text (""): the text was dropped.
    let att = |kind: &str, status, text: Option<&str>| crate::model::Attachment {
        name: Some(format!("a.{kind}")),
        mime: "application/octet-stream".into(),
        size: 3,
        sha256: Sha256::of(b"abc"),
        inline: false,
        text: text.map(String::from),
        kind: Some(kind.into()),
        text_status: Some(status),
    };
    let mut msg = Message::empty(Sha256::of(b"m"), 10);
    msg.attachments = vec![
        att("pdf", TextStatus::Failed, None),
        att("text", TextStatus::Extracted, Some("abc")),
        att("image", TextStatus::Unsupported, None),
    ];
    let p = prepare(msg);
    assert_eq!(p.texts.len(), 1);
    assert_eq!(p.texts[0].text.as_deref(), Some("abc"));
    assert_eq!(p.texts[0].status, TextStatus::Extracted);
    assert_eq!(p.texts[0].kind.as_deref(), Some("text"));
    assert_eq!(p.attachment_shas.len(), 3);
}

/// A case with three messages, two threaded by an older version, as a
/// version-2 case had them: in `messages.thread`.
#[test]
fn a_version_2_case_keeps_its_threads() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let keys: Vec<MessageKey> = (0..3u8).map(|i| Sha256::of(&[i])).collect();
    {
        let mut case = Case::open_for_writing(&root).unwrap();
        let import = case.begin_import("test").unwrap();
        case.transaction(|tx| {
            let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
            for (i, key) in keys.iter().enumerate() {
                let path = PathBuf::from(format!("/s/{i}.eml"));
                let f = tx.file(src, &path, SourceFormat::Eml, 10, 1, import)?;
                let raw = format!("Subject: m{i}\n\nbody\n");
                let msg = crate::parse::parse_message(
                    *key,
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
                        length: 10,
                        raw_sha256: Sha256::of(raw.as_bytes()),
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
        // Back to what version 2 had: no message_threads, the thread
        // ids in a column of messages (the third message unthreaded).
        case.conn
            .execute_batch(
                "DROP TABLE message_threads;
                     ALTER TABLE messages ADD COLUMN thread TEXT;
                     CREATE INDEX messages_thread ON messages(thread);
                     UPDATE messages SET thread='aaaaaaaaaaaaaaaa' WHERE id IN (1, 2);",
            )
            .unwrap();
    }
    let marker = root.join(MARKER);
    let v2 = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 2");
    fs::write(&marker, v2).unwrap();

    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    assert_eq!(
        case.thread_of(&keys[0]).unwrap().as_deref(),
        Some("aaaaaaaaaaaaaaaa")
    );
    assert_eq!(case.thread_of(&keys[2]).unwrap(), None);
    assert_eq!(case.thread_rowids("aaaaaaaaaaaaaaaa").unwrap().len(), 2);
    assert_eq!(case.unthreaded().unwrap(), 1);
    let threads: Vec<Option<String>> = case
        .light_rows(0)
        .unwrap()
        .into_iter()
        .map(|r| r.thread)
        .collect();
    assert_eq!(
        threads,
        [
            Some("aaaaaaaaaaaaaaaa".to_string()),
            Some("aaaaaaaaaaaaaaaa".to_string()),
            None
        ]
    );
    let old_index: i64 = case
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name='messages_thread'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old_index, 0, "the old index is dropped");
    drop(case);

    // Threading it again stores every message's thread in the new table.
    let mut case = Case::open_for_writing(&root).unwrap();
    case.set_threads(&[
        (3, "bbbbbbbbbbbbbbbb".into()),
        (1, "cccccccccccccccc".into()),
    ])
    .unwrap();
    assert_eq!(case.unthreaded().unwrap(), 0);
    assert_eq!(case.thread_rowids("aaaaaaaaaaaaaaaa").unwrap(), [2]);
    let mut stored = Vec::new();
    case.for_each_stored_thread(|rowid, t| stored.push((rowid, t.to_string())))
        .unwrap();
    assert_eq!(
        stored,
        [
            (1, "cccccccccccccccc".to_string()),
            (2, "aaaaaaaaaaaaaaaa".to_string()),
            (3, "bbbbbbbbbbbbbbbb".to_string())
        ]
    );
}

/// The checkpointer copies what the writer logged into the database.
#[test]
fn checkpointer_copies_the_log() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let mut case = Case::open_for_writing(&root).unwrap();
    let cp = case.checkpointer().unwrap();
    let deferred: u32 = case
        .conn
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(deferred, WAL_AUTOCHECKPOINT_DEFERRED);
    let import = case.begin_import("test").unwrap();
    case.transaction(|tx| {
        for i in 0..200 {
            tx.source(
                Path::new(&format!("/s{i}")),
                SourceFormat::Folder,
                0,
                import,
            )?;
        }
        Ok(())
    })
    .unwrap();
    let (logged, copied) = cp.checkpoint().unwrap();
    assert!(logged > 0, "the writes went to the log");
    assert_eq!(copied, logged, "all of it copied");
    let (stop, stopped) = crossbeam_channel::bounded::<()>(1);
    drop(stop);
    cp.run(&stopped);
    case.end_checkpointer().unwrap();
    let restored: u32 = case
        .conn
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(restored, WAL_AUTOCHECKPOINT);
}

#[test]
fn a_version_1_case_is_upgraded_in_place() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    let raw = "From: a@x\nTo: Zed <ZED@Example.org>\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\nquillwort notes\n--b--\n";
    let mut msg = crate::parse::parse_message(
        Sha256::of(raw.as_bytes()),
        raw.as_bytes(),
        true,
        raw.len() as u64,
        &Default::default(),
        2_000_000_000,
    );
    let sha = msg.attachments[0].sha256;
    {
        let mut case = Case::open_for_writing(&root).unwrap();
        let import = case.begin_import("test").unwrap();
        case.transaction(|tx| {
            let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
            let f = tx.file(src, Path::new("/s/1.eml"), SourceFormat::Eml, 10, 1, import)?;
            // A version-1 record: the attachment text inline.
            msg.attachments[0].text_status = None;
            let mut p = prepare(msg.clone());
            p.data = lz4_flex::compress_prepend_size(&serde_json::to_vec(&msg).unwrap());
            tx.add_message(
                &p,
                &OriginRow {
                    file_id: f,
                    offset: 0,
                    length: 10,
                    raw_sha256: Sha256::of(b"r"),
                    from_line: None,
                    maildir_flags: None,
                    converted: None,
                },
                import,
            )?;
            Ok(())
        })
        .unwrap();
        // Back to what version 1 had.
        case.conn
            .execute_batch(
                "ALTER TABLE messages DROP COLUMN to_addr;
                     DELETE FROM message_attachments; DELETE FROM attachment_texts;",
            )
            .unwrap();
    }
    let marker = root.join(MARKER);
    let v1 = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 1");
    fs::write(&marker, v1).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, 1);

    // Opening it for reading upgrades it first.
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let rows = case.light_rows(0).unwrap();
    assert_eq!(rows[0].to.as_deref(), Some("zed@example.org"));
    assert_eq!(
        case.messages_with_attachment(&sha).unwrap(),
        [rows[0].rowid]
    );
    let text = case.attachment_text(&sha).unwrap().unwrap();
    assert_eq!(text.text.as_deref().map(str::trim), Some("quillwort notes"));
    assert_eq!(text.status, TextStatus::Extracted);
}

#[test]
fn messages_dedup_and_message_id_collisions() {
    let t = tempfile::tempdir().unwrap();
    let mut case = Case::open_for_writing(&t.path().join("c")).unwrap();
    let import = case.begin_import("test").unwrap();
    let msg = |body: &str| {
        let raw = format!("Message-ID: <same@x>\nSubject: s\n\n{body}");
        crate::parse::parse_message(
            Sha256::of(raw.as_bytes()),
            raw.as_bytes(),
            true,
            raw.len() as u64,
            &Default::default(),
            2_000_000_000,
        )
    };
    let a = msg("one");
    let b = msg("two");
    let (ka, kb) = (a.key, b.key);
    let outcomes = case
        .transaction(|tx| {
            let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
            let f1 = tx.file(src, Path::new("/s/1.eml"), SourceFormat::Eml, 10, 1, import)?;
            let f2 = tx.file(src, Path::new("/s/2.eml"), SourceFormat::Eml, 10, 1, import)?;
            let o = |file_id| OriginRow {
                file_id,
                offset: 0,
                length: 10,
                raw_sha256: Sha256::of(b"r"),
                from_line: None,
                maildir_flags: None,
                converted: None,
            };
            Ok(vec![
                tx.add_message(&prepare(a.clone()), &o(f1), import)?.0,
                tx.add_message(&prepare(a.clone()), &o(f2), import)?.0,
                tx.add_message(&prepare(a.clone()), &o(f2), import)?.0,
                tx.add_message(&prepare(b.clone()), &o(f2 + 100), import)?.0,
            ])
        })
        .unwrap();
    assert_eq!(
        outcomes,
        [
            Added::New,
            Added::Duplicate,
            Added::AlreadyPresent,
            Added::New
        ]
    );
    let stored = case.message(&ka).unwrap().unwrap();
    assert_eq!(stored.subject.as_deref(), Some("s"));
    assert!(stored.has_defect(DefectKind::DuplicateMessageId));
    assert!(
        case.message(&kb)
            .unwrap()
            .unwrap()
            .has_defect(DefectKind::DuplicateMessageId)
    );
    assert_eq!(case.origins(&ka).unwrap().len(), 2);
    let s = case.stats().unwrap();
    assert_eq!((s.messages, s.parsed, s.duplicates), (2, 3, 1));
    // The report's defect list names the subject and the first origin.
    let rows = case.defect_rows().unwrap();
    let of_a: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == DefectKind::DuplicateMessageId.as_str())
        .collect();
    assert_eq!(of_a.len(), 2, "{rows:?}");
    assert_eq!(of_a[0].subject.as_deref(), Some("s"));
    assert_eq!(of_a[0].path.as_deref(), Some(Path::new("/s/1.eml")));
    assert_eq!(of_a[0].offset, Some(0));
}

/// Version 5 keeps the first From and To display names as columns; a
/// version-4 case gets them from its records when first opened.
#[test]
fn a_version_4_case_gets_its_display_names() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    {
        let mut case = Case::open_for_writing(&root).unwrap();
        let import = case.begin_import("test").unwrap();
        case.transaction(|tx| {
            let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
            for (i, from) in ["Zoe Adams <a@x.org>", "b@x.org"].iter().enumerate() {
                let path = PathBuf::from(format!("/s/{i}.eml"));
                let f = tx.file(src, &path, SourceFormat::Eml, 10, 1, import)?;
                let raw =
                    format!("From: {from}\nTo: \"Bo Li\" <bo@x.org>\nSubject: m{i}\n\nbody\n");
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
                        length: 10,
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
        let names = |case: &Case| -> Vec<(Option<String>, Option<String>)> {
            case.light_rows(0)
                .unwrap()
                .into_iter()
                .map(|r| (r.from_name, r.to_name))
                .collect()
        };
        let written = names(&case);
        assert_eq!(
            written,
            vec![
                (Some("Zoe Adams".into()), Some("Bo Li".into())),
                (None, Some("Bo Li".into()))
            ]
        );
        // Back to version 4: no names stored.
        case.conn
            .execute_batch("UPDATE messages SET from_name=NULL, to_name=NULL")
            .unwrap();
        assert_eq!(names(&case), vec![(None, None), (None, None)]);
    }
    let marker = root.join(MARKER);
    let v4 = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 4");
    fs::write(&marker, v4).unwrap();
    let case = Case::open(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let rows = case.light_rows(0).unwrap();
    assert_eq!(rows[0].from_name.as_deref(), Some("Zoe Adams"));
    assert_eq!(rows[1].from_name, None);
    assert_eq!(rows[1].to_name.as_deref(), Some("Bo Li"));
}

#[test]
fn addressing_reads_the_head_of_a_record() {
    use crate::model::Address;
    let addr = |name: Option<&str>, a: &str| Address {
        name: name.map(str::to_string),
        addr: a.to_string(),
    };
    let mut msg = Message::empty(Sha256([7; 32]), 10);
    msg.date = Some(42);
    // a name holding the marker's text: escaped in the JSON, not a match
    msg.from = vec![addr(Some("x\",\"reply_to\":[] y"), "a@x.org")];
    msg.to = vec![addr(None, "b@x.org")];
    msg.cc = vec![addr(Some("C"), "c@x.org")];
    msg.bcc = vec![addr(None, "d@x.org")];
    msg.reply_to = vec![addr(None, "r@x.org")];
    msg.body_text = "\"reply_to\": not here".into();
    let json = serde_json::to_vec(&msg).unwrap();
    let head = read::addressing_of_record(&json).unwrap();
    let whole: read::Addressing = serde_json::from_slice(&json).unwrap();
    assert_eq!(head, whole);
    assert_eq!(head.from, msg.from);
    assert_eq!(head.bcc, msg.bcc);
    assert_eq!(head.date, Some(42));
    // the fields the head holds come before `reply_to` (the record's order)
    let text = String::from_utf8(json).unwrap();
    let at = |k: &str| text.find(&format!(",\"{k}\":")).unwrap();
    for k in ["date", "from", "to", "cc", "bcc"] {
        assert!(at(k) < at("reply_to"), "{k}");
    }
    // a record without the marker is read whole
    let old = br#"{"date":1,"from":[{"addr":"a@x.org"}],"to":[],"cc":[],"bcc":[]}"#;
    assert_eq!(read::addressing_of_record(old).unwrap().from.len(), 1);
}

/// A version-6 case (files without `container` and `entry`) is upgraded
/// in place, and an archive entry's origin then names the archive.
#[test]
fn a_version_6_case_gets_archive_entries() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    {
        let case = Case::open_for_writing(&root).unwrap();
        case.conn
            .execute_batch(
                "PRAGMA foreign_keys=OFF;
                 -- A version-6 case had no counts (format 10) either.
                 DROP TRIGGER counts_origins_insert; DROP TRIGGER counts_origins_delete;
                 CREATE TABLE files6(
                    id INTEGER PRIMARY KEY,
                    source_id INTEGER NOT NULL REFERENCES sources(id),
                    path TEXT NOT NULL, format TEXT NOT NULL, size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL, sha256 TEXT,
                    complete INTEGER NOT NULL DEFAULT 0, import_id INTEGER NOT NULL,
                    UNIQUE(path, size, mtime_ns));
                 DROP TABLE files;
                 ALTER TABLE files6 RENAME TO files;",
            )
            .unwrap();
    }
    let marker = root.join(MARKER);
    let v6 = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 6");
    fs::write(&marker, v6).unwrap();
    let mut case = Case::open_for_writing(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let import = case.begin_import("test").unwrap();
    let raw = b"Subject: in a zip\n\nbody\n";
    let key = Sha256::of(b"k");
    case.transaction(|tx| {
        let src = tx.source(Path::new("/s/a.zip"), SourceFormat::Zip, 9, import)?;
        let zip = tx.file(src, Path::new("/s/a.zip"), SourceFormat::Zip, 9, 1, import)?;
        let f = tx.entry_file(
            src,
            zip,
            "/s/a.zip!/d/m.eml",
            "d/m.eml",
            SourceFormat::Eml,
            raw.len() as u64,
            1,
            import,
        )?;
        tx.file_complete(zip, Some(&Sha256::of(b"zip")))?;
        tx.file_complete(f, Some(&Sha256::of(raw)))?;
        let msg = crate::parse::parse_message(
            key,
            raw,
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
                raw_sha256: Sha256::of(raw),
                from_line: None,
                maildir_flags: None,
                converted: None,
            },
            import,
        )?;
        Ok(())
    })
    .unwrap();
    let o = &case.origins(&key).unwrap()[0];
    assert_eq!(o.path, Path::new("/s/a.zip"));
    assert_eq!(o.entry.as_deref(), Some("d/m.eml"));
    assert_eq!(o.display_path(), "/s/a.zip!/d/m.eml");
    assert_eq!(
        case.origin_files(&key).unwrap()[0].0,
        Some(Sha256::of(b"zip").to_hex())
    );
    assert_eq!(case.source_rowids("m.eml").unwrap().len(), 1);
    // Only the archive counts as a file to skip when unchanged.
    let complete = case.complete_files().unwrap();
    assert!(complete.contains_key(Path::new("/s/a.zip")));
    assert_eq!(complete.len(), 1);
}

/// Format 9: a case made before Outlook items gets `origins.converted`
/// on opening; its old origins read as not converted, new ones keep the
/// item's address.
#[test]
fn a_version_8_case_gets_converted_origins() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("c");
    {
        let case = Case::open_for_writing(&root).unwrap();
        case.conn
            .execute_batch(
                "-- A version-8 case had no counts (format 10) either.
                 DROP TRIGGER counts_defects_delete;
                 DROP TRIGGER counts_defects_insert;
                 DROP TRIGGER counts_dkim_delete;
                 DROP TRIGGER counts_dkim_insert;
                 DROP TRIGGER counts_dkim_update;
                 DROP TRIGGER counts_messages_delete;
                 DROP TRIGGER counts_messages_insert;
                 DROP TRIGGER counts_messages_update;
                 DROP TRIGGER counts_origins_delete;
                 DROP TRIGGER counts_origins_insert;
                 DROP TRIGGER counts_skipped_delete;
                 DROP TRIGGER counts_skipped_insert;
                 CREATE TABLE origins8(
                    message INTEGER NOT NULL REFERENCES messages(id),
                    file INTEGER NOT NULL REFERENCES files(id),
                    offset INTEGER NOT NULL, length INTEGER NOT NULL,
                    raw_sha256 BLOB NOT NULL, from_line TEXT, maildir_flags TEXT,
                    import_id INTEGER NOT NULL,
                    PRIMARY KEY(file, offset)) WITHOUT ROWID;
                 DROP TABLE origins;
                 ALTER TABLE origins8 RENAME TO origins;",
            )
            .unwrap();
    }
    let marker = root.join(MARKER);
    let v8 = fs::read_to_string(&marker)
        .unwrap()
        .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 8");
    fs::write(&marker, v8).unwrap();
    let mut case = Case::open_for_writing(&root).unwrap();
    assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
    let import = case.begin_import("test").unwrap();
    let raw = b"Subject: from a PST\r\n\r\nbody\r\n";
    let key = Sha256::of(b"k9");
    case.transaction(|tx| {
        let src = tx.source(Path::new("/s/a.pst"), SourceFormat::Pst, 9, import)?;
        let f = tx.file(src, Path::new("/s/a.pst"), SourceFormat::Pst, 9, 1, import)?;
        let msg = crate::parse::parse_message(
            key,
            raw,
            true,
            raw.len() as u64,
            &Default::default(),
            2_000_000_000,
        );
        tx.add_message(
            &prepare(msg),
            &OriginRow {
                file_id: f,
                offset: 0x200024,
                length: raw.len() as u64,
                raw_sha256: Sha256::of(raw),
                from_line: None,
                maildir_flags: None,
                converted: Some("PST node 0x00200024 in \"Inbox\""),
            },
            import,
        )?;
        Ok(())
    })
    .unwrap();
    let o = &case.origins(&key).unwrap()[0];
    assert_eq!(o.format, SourceFormat::Pst);
    assert_eq!(o.offset, 0x200024);
    assert_eq!(
        o.converted.as_deref(),
        Some("PST node 0x00200024 in \"Inbox\"")
    );
}
