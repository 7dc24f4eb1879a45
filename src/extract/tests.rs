//! Tests across the extractors: every format's text, detection of
//! mislabelled files, the limits (bombs, sizes, time, output), hostile PDFs,
//! and a property test feeding random bytes and mutated fixtures through
//! `detect` and `extract`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::testdata as td;
use super::*;

fn text(bytes: &[u8], kind: DocKind) -> String {
    match extract(bytes, kind, &ExtractLimits::default()) {
        Ok(e) => {
            assert!(!e.truncated);
            e.text
        }
        Err(e) => panic!("{kind}: {e}"),
    }
}

fn err(bytes: &[u8], kind: DocKind) -> ExtractError {
    match extract(bytes, kind, &ExtractLimits::default()) {
        Ok(e) => panic!("{kind}: expected an error, got {:?}", e.text),
        Err(e) => e,
    }
}

#[test]
fn pdf_text() {
    for compress in [false, true] {
        let t = text(
            &td::pdf(
                &["Budget for the gnarflewick project", "second line"],
                compress,
            ),
            DocKind::Pdf,
        );
        assert!(t.contains("gnarflewick"), "{t:?}");
        assert!(t.contains("Memo\n"), "{t:?}");
    }
}

#[test]
fn pdf_from_another_producer_with_an_image_and_two_pages() {
    let t = text(td::REPORTLAB_PDF, DocKind::Pdf);
    assert!(t.contains("grimblewhisk twice: grimblewhisk."), "{t:?}");
    assert!(t.contains("snorfbattle"), "{t:?}");
    // Pages are separated by a blank line.
    assert!(t.contains("one.\n\nPage two"), "{t:?}");
}

#[test]
fn encrypted_pdfs() {
    // Owner password only: opens with the empty user password.
    let t = text(td::OWNER_ONLY_PDF, DocKind::Pdf);
    assert!(t.contains("grimblewhisk"), "{t:?}");
    assert_eq!(
        err(td::USER_PASSWORD_PDF, DocKind::Pdf),
        ExtractError::Encrypted
    );
}

#[test]
fn password_protected_office_files() {
    let mut cf = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    std::io::Write::write_all(
        &mut cf.create_stream("/EncryptionInfo").unwrap(),
        b"\x04\x00\x04\x00",
    )
    .unwrap();
    std::io::Write::write_all(
        &mut cf.create_stream("/EncryptedPackage").unwrap(),
        &[7u8; 600],
    )
    .unwrap();
    cf.flush().unwrap();
    let bytes = cf.into_inner().into_inner();
    let kind = detect(&bytes, "application/octet-stream", Some("budget.xlsx"));
    assert_eq!(kind, Some(DocKind::Xlsx));
    assert_eq!(err(&bytes, DocKind::Xlsx), ExtractError::Encrypted);
    assert_eq!(detect(&bytes, "", None), Some(DocKind::Docx));
}

#[test]
fn image_only_pdf() {
    assert_eq!(
        err(&td::image_only_pdf(), DocKind::Pdf),
        ExtractError::ImageOnly
    );
}

#[test]
fn truncated_and_garbage_pdfs_fail_cleanly() {
    let pdf = td::REPORTLAB_PDF;
    for cut in [10, pdf.len() / 3, pdf.len() / 2, pdf.len() - 40] {
        let r = extract(&pdf[..cut], DocKind::Pdf, &ExtractLimits::default());
        assert!(
            !matches!(r, Err(ExtractError::Panicked { .. })),
            "cut {cut}: {r:?}"
        );
        if let Ok(e) = r {
            // lopdf may recover pages from a damaged file.
            assert!(!e.text.is_empty());
        }
    }
    assert!(matches!(
        err(b"%PDF-1.4\nthis is not a pdf", DocKind::Pdf),
        ExtractError::Malformed { .. }
    ));
}

fn reason(e: ExtractError) -> String {
    match e {
        ExtractError::Malformed { reason } => reason,
        e => panic!("expected Malformed, got {e:?}"),
    }
}

#[test]
fn hostile_pdf_structures_are_refused_not_followed() {
    let r = reason(err(&td::recursive_form_pdf(), DocKind::Pdf));
    assert!(r.contains("invokes itself"), "{r}");
    let r = reason(err(&td::parent_loop_pdf(), DocKind::Pdf));
    assert!(r.contains("/Parent"), "{r}");
}

#[test]
fn pdf_deflate_bombs() {
    let limits = ExtractLimits {
        max_unzipped_bytes: 8 << 20,
        ..ExtractLimits::default()
    };
    let t = Instant::now();
    let bomb = td::content_bomb_pdf(64 << 20);
    assert!(bomb.len() < 200_000);
    assert_eq!(
        extract(&bomb, DocKind::Pdf, &limits),
        Err(ExtractError::ZipBomb { limit: 8 << 20 })
    );
    // An object stream (inflated by lopdf while loading), its type
    // spelled plainly and with a #-escape.
    for ty in ["/ObjStm", "/Obj#53tm"] {
        let objstm = td::stream(
            &format!("/Type {ty} /N 1 /First 4 /Filter /FlateDecode"),
            &td::zlib_zeros(64 << 20),
        );
        let pdf = td::page_pdf("<< >>", b"BT ET", &[objstm]);
        assert_eq!(
            extract(&pdf, DocKind::Pdf, &limits),
            Err(ExtractError::ZipBomb { limit: 8 << 20 }),
            "{ty}"
        );
    }
    // 2 MiB listed 8 times in one page's /Contents.
    let repeated = td::repeated_content_pdf(2 << 20, 8);
    assert_eq!(
        extract(&repeated, DocKind::Pdf, &limits),
        Err(ExtractError::ZipBomb { limit: 8 << 20 })
    );
    assert!(t.elapsed() < Duration::from_secs(60));
}

#[test]
fn docx_text_with_headers_notes_comments_and_deletions() {
    let t = text(&td::docx(), DocKind::Docx);
    assert!(
        t.starts_with("The blorptastic memo & more\nCol\tumn\nnext line\nA1\tB1\nboxed text\n"),
        "{t:?}"
    );
    assert_eq!(t.matches("boxed text").count(), 1, "{t:?}");
    assert!(!t.contains("PAGE"), "{t:?}");
    assert!(
        t.contains("=== headers and footers ===\nCONFIDENTIAL header"),
        "{t:?}"
    );
    assert!(t.contains("=== notes ===\nfootnote wibblesnatch"), "{t:?}");
    assert!(t.contains("=== comments ===\ncomment frobnicle"), "{t:?}");
    assert!(
        t.ends_with("=== deleted text (tracked changes) ===\nstruck budget"),
        "{t:?}"
    );
}

#[test]
fn xlsx_text() {
    let t = text(&td::xlsx(), DocKind::Xlsx);
    assert_eq!(
        t,
        "=== Ledger ===\nPayee\t\tPaid\nglonkwater ltd\t0.3\t2016-07-25\n\n=== Far ===\ncorner\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tfarthest"
    );
}

#[test]
fn xls_text() {
    let t = text(td::XLS, DocKind::Xls);
    assert_eq!(
        t,
        "=== Budget ===\nItem\tAmount\tDue\nquordlewick consulting\t125000\t2016-07-25\nCafé Straße\t0.3\n\n=== Staff ===\nName\nAnn\t\t\tfar column"
    );
}

#[test]
fn pptx_text_in_presentation_order_with_notes() {
    let t = text(&td::pptx(), DocKind::Pptx);
    assert_eq!(
        t,
        "=== Slide 1 ===\nFirst shown\nplinkhorn\n\n=== Slide 2 ===\nSecond shown: quibbleflux\nNotes:\nspeaker note snazzlepod"
    );
}

#[test]
fn odf_text() {
    let t = text(&td::odt(), DocKind::Odt);
    assert_eq!(
        t,
        "Heading\nBody with splonkered words\ttabbed\nbroken\na remark\nx1\ty1\n\n=== deleted text (tracked changes) ===\nremoved sentence"
    );
    let t = text(&td::ods(), DocKind::Ods);
    assert_eq!(
        t,
        "=== Payments ===\nWho\tSum\nfizzlebeck\t1,234.50 €\n\t\t7"
    );
    let t = text(&td::odp(), DocKind::Odp);
    assert_eq!(
        t,
        "=== Slide 1 ===\nSlide about crumblewort\nNotes:\nnote text\n\n=== Slide 2 ===\nSecond"
    );
}

#[test]
fn rtf_text() {
    assert_eq!(
        text(&td::rtf(), DocKind::Rtf),
        "The grommelwink plan, café.\nNext—line"
    );
}

/// Every document kind, as a fixture, with a word found in its text.
fn fixtures() -> Vec<(DocKind, Vec<u8>, &'static str)> {
    vec![
        (
            DocKind::Pdf,
            td::pdf(&["gnarflewick", "and a second line"], true),
            "gnarflewick",
        ),
        (DocKind::Pdf, td::REPORTLAB_PDF.to_vec(), "snorfbattle"),
        (DocKind::Docx, td::docx(), "blorptastic"),
        (DocKind::Xlsx, td::xlsx(), "glonkwater"),
        (DocKind::Pptx, td::pptx(), "quibbleflux"),
        (DocKind::Odt, td::odt(), "splonkered"),
        (DocKind::Ods, td::ods(), "fizzlebeck"),
        (DocKind::Odp, td::odp(), "crumblewort"),
        (DocKind::Xls, td::XLS.to_vec(), "quordlewick"),
        (DocKind::Rtf, td::rtf(), "grommelwink"),
    ]
}

#[test]
fn detected_by_content_when_mislabelled() {
    for (kind, bytes, word) in fixtures() {
        assert_eq!(
            detect(&bytes, "application/octet-stream", Some("attachment.dat")),
            Some(kind),
            "{word}"
        );
        assert_eq!(
            detect(&bytes, "image/jpeg", Some("photo.jpg")),
            Some(kind),
            "{word}"
        );
        assert!(text(&bytes, kind).contains(word));
    }
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    assert_eq!(
        detect(png, "application/octet-stream", Some("x.pdf")),
        Some(DocKind::Image)
    );
    assert_eq!(detect(td::USER_PASSWORD_PDF, "", None), Some(DocKind::Pdf));
}

#[test]
fn docx_zip_bomb_fails_fast_without_inflating_it_all() {
    let limits = ExtractLimits {
        max_unzipped_bytes: 16 << 20,
        ..ExtractLimits::default()
    };
    // 300 MB of zeros deflate to about 300 KB.
    let honest = td::docx_bomb(300 << 20, false);
    assert!(honest.len() < 1 << 20, "{}", honest.len());
    assert_eq!(
        detect(&honest, "application/octet-stream", None),
        Some(DocKind::Docx)
    );
    let t = Instant::now();
    assert_eq!(
        extract(&honest, DocKind::Docx, &limits),
        Err(ExtractError::ZipBomb { limit: 16 << 20 })
    );
    // Declared as 1,000 bytes: caught by the bytes actually inflated.
    let lying = td::docx_bomb(300 << 20, true);
    assert_eq!(
        extract(&lying, DocKind::Docx, &limits),
        Err(ExtractError::ZipBomb { limit: 16 << 20 })
    );
    assert!(t.elapsed() < Duration::from_secs(30));
}

#[test]
fn too_many_zip_entries() {
    let limits = ExtractLimits {
        max_zip_entries: 3,
        ..ExtractLimits::default()
    };
    assert!(matches!(
        extract(&td::docx(), DocKind::Docx, &limits),
        Err(ExtractError::ZipBomb { .. })
    ));
}

#[test]
fn empty_large_unsupported() {
    for kind in DocKind::ALL {
        let r = extract(b"", kind, &ExtractLimits::default());
        if kind.is_document() {
            assert_eq!(r, Err(ExtractError::Empty));
        } else {
            assert_eq!(r, Err(ExtractError::Unsupported { kind }));
        }
    }
    let limits = ExtractLimits {
        max_input_bytes: 10,
        ..ExtractLimits::default()
    };
    assert_eq!(
        extract(&td::rtf(), DocKind::Rtf, &limits),
        Err(ExtractError::TooLarge {
            size: td::rtf().len() as u64,
            limit: 10
        })
    );
}

#[test]
fn output_is_cut_at_the_char_limit() {
    let limits = ExtractLimits {
        max_text_chars: 20,
        ..ExtractLimits::default()
    };
    for (kind, bytes, _) in fixtures() {
        let e = extract(&bytes, kind, &limits).unwrap();
        assert!(e.truncated, "{kind}");
        // Cut at 20 characters (a trailing space is trimmed).
        let n = e.text.chars().count();
        assert!((19..=20).contains(&n), "{kind}: {:?}", e.text);
    }
}

#[test]
fn no_time_left_is_a_timeout() {
    let limits = ExtractLimits {
        time: Duration::ZERO,
        ..ExtractLimits::default()
    };
    for (kind, bytes, _) in fixtures() {
        assert_eq!(
            extract(&bytes, kind, &limits),
            Err(ExtractError::TimedOut { secs: 0 }),
            "{kind}"
        );
    }
}

#[test]
fn isolated_extraction_gives_the_same_result() {
    for (kind, bytes, _) in fixtures() {
        let direct = extract(&bytes, kind, &ExtractLimits::default());
        let isolated = extract_isolated(Arc::from(bytes), kind, &ExtractLimits::default());
        assert_eq!(direct, isolated, "{kind}");
    }
    assert_eq!(
        extract_isolated(
            Arc::from(&b"x"[..]),
            DocKind::Image,
            &ExtractLimits::default()
        ),
        Err(ExtractError::Unsupported {
            kind: DocKind::Image
        })
    );
}

#[test]
fn messages_read_well() {
    assert_eq!(
        ExtractError::Encrypted.to_string(),
        "encrypted document (needs a password)"
    );
    assert_eq!(
        ExtractError::ImageOnly.to_string(),
        "image-only PDF: no text layer"
    );
    assert_eq!(
        ExtractError::Unsupported { kind: DocKind::Doc }.to_string(),
        "no text extractor for doc files"
    );
    assert_eq!(serde_json::to_string(&DocKind::Xlsx).unwrap(), "\"xlsx\"");
    for k in DocKind::ALL {
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.name())
        );
    }
}

/// Detects and extracts, as the import will: must never panic outward nor
/// take long. Contained panics of the crates are reported when
/// `MAILSIFT_FUZZ_REPORT` is set.
fn survive(bytes: &[u8], kind: DocKind) {
    let limits = ExtractLimits {
        time: Duration::from_secs(5),
        max_unzipped_bytes: 64 << 20,
        ..ExtractLimits::default()
    };
    let _ = detect(bytes, "application/octet-stream", None);
    let t = Instant::now();
    let r = extract(bytes, kind, &limits);
    if let Err(ExtractError::Panicked { message }) = &r
        && std::env::var_os("MAILSIFT_FUZZ_REPORT").is_some()
    {
        eprintln!("contained panic ({kind}): {message}");
    }
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "{kind} took {:?}",
        t.elapsed()
    );
}

fn cases() -> u32 {
    std::env::var("MAILSIFT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), k in 0usize..DocKind::ALL.len()) {
        survive(&bytes, DocKind::ALL[k]);
        // With each format's magic in front.
        for prefix in [&b"%PDF-1.4\n"[..], b"PK\x03\x04", b"{\\rtf1 ", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"] {
            let mut v = prefix.to_vec();
            v.extend_from_slice(&bytes);
            survive(&v, DocKind::ALL[k]);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..10,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (kind, mut bytes, _) = fixtures().swap_remove(which);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        survive(&bytes, kind);
        if let Some(detected) = detect(&bytes, "", None) {
            survive(&bytes, detected);
        }
    }
}

#[test]
fn deeply_nested_pdf_syntax_does_not_overflow_the_stack() {
    let deep = 200_000;
    // Arrays in a content stream, and in an object.
    let content = format!("BT {} ET", "[".repeat(deep));
    let pdf = td::page_pdf("<< >>", content.as_bytes(), &[]);
    let _ = extract(&pdf, DocKind::Pdf, &ExtractLimits::default());
    let body = format!("<< /A {} >>", "[".repeat(deep));
    let pdf = td::page_pdf("<< >>", b"BT ET", &[body.into_bytes()]);
    let _ = extract(&pdf, DocKind::Pdf, &ExtractLimits::default());
    let body = "<< /A ".repeat(deep);
    let pdf = td::page_pdf("<< >>", b"BT ET", &[body.into_bytes()]);
    let _ = extract(&pdf, DocKind::Pdf, &ExtractLimits::default());
    // Nested XML elements and RTF groups.
    let mut z = crate::synth::zip::ZipWriter::new(2020, 1, 1, 0, 0, 0);
    z.add(
        "word/document.xml",
        format!("<w:document>{}", "<w:p>".repeat(deep)).as_bytes(),
        true,
    );
    let _ = extract(&z.finish(), DocKind::Docx, &ExtractLimits::default());
    let rtf = format!("{{\\rtf1 {}x", "{".repeat(deep));
    assert_eq!(text(rtf.as_bytes(), DocKind::Rtf), "x");
}
