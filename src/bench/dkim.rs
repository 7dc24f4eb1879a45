//! The benchmark's DKIM steps: what verifying costs the import when no
//! key is known (the corpus's placeholder signatures), on small messages
//! that all carry a signature with a known key, and on the corpus itself
//! with a quarter of its messages signed by a key the case knows (about
//! the share that verifies in a real leak: the Podesta emails').

use std::path::Path;
use std::process::Command;

use super::{BenchOptions, Report, io, timed};
use crate::error::Result;
use crate::synth::{CorpusSpec, Layout};

/// The import again without DKIM verification (into a case of its own),
/// and the verdicts the first import counted.
pub(super) fn cost(
    opts: &BenchOptions,
    r: &mut Report,
    case: &Path,
    mbox_dir: &Path,
    with_secs: f64,
) -> Result<()> {
    let plain = opts
        .dir
        .join(format!("case-{}-{}-nodkim", opts.messages, opts.seed));
    if plain.exists() {
        std::fs::remove_dir_all(&plain).map_err(io(&plain, "clearing"))?;
    }
    let (wall, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&plain)
            .arg(mbox_dir)
            .args(["--quiet", "--no-dkim"]),
    )?;
    let without = wall.as_secs_f64();
    r.add(
        "import without DKIM verification",
        format!(
            "{without:.2} s (verifying costs {:+.1}%)",
            (with_secs / without.max(1e-9) - 1.0) * 100.0
        ),
    );
    let _ = std::fs::remove_dir_all(&plain);
    let stats = crate::store::Case::open(case)?.dkim_stats()?;
    let counts: Vec<String> = stats
        .verdicts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(v, n)| format!("{v} {n}"))
        .collect();
    r.add("DKIM verdicts", counts.join(", "));
    known_keys(opts, r)?;
    corpus_share(opts, r)
}

/// The import of messages signed with a key the case knows (RSA-2048,
/// the committed test key), with and without verification: every one of
/// them gets a full check (body hash, header hash, RSA). A quarter of the
/// corpus's size, at least 200 and at most 15,000: about the share of a
/// real dump whose signers' keys are known.
fn known_keys(opts: &BenchOptions, r: &mut Report) -> Result<()> {
    use crate::dkim::testsign::{Spec, TestKey, sign};
    let n = (opts.messages / 4).clamp(200, 15_000);
    let dir = opts.dir.join(format!("dkim-known-{n}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(&dir, "clearing"))?;
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir, "creating"))?;
    let key = TestKey::rsa(2048);
    let spec = Spec::new("campaign.example.org", "bench2048");
    let mut mbox = Vec::new();
    for i in 0..n {
        let msg = format!(
            "From: Ann <ann@campaign.example.org>\r\nTo: desk@example.org\r\nSubject: signed {i}\r\nDate: Mon, 12 Oct 2015 14:02:11 -0400\r\nMessage-ID: <b{i}@campaign.example.org>\r\n\r\n{}\r\n",
            "The finance council call moved to Thursday; numbers attached below. ".repeat(20)
        );
        mbox.extend_from_slice(b"From ann@campaign.example.org Mon Oct 12 14:02:11 2015\n");
        mbox.extend_from_slice(&sign(msg.as_bytes(), &spec, &key).replace_crlf());
        mbox.extend_from_slice(b"\n");
    }
    let src = dir.join("signed.mbox");
    std::fs::write(&src, &mbox).map_err(io(&src, "writing"))?;
    let seed = dir.join("seed.mbox");
    std::fs::write(
        &seed,
        "From x Mon Oct 12 14:02:11 2015\nSubject: seed\n\nseed\n",
    )
    .map_err(io(&seed, "writing"))?;
    let zone = dir.join("keys.zone");
    std::fs::write(
        &zone,
        format!(
            "bench2048._domainkey.campaign.example.org. IN TXT \"{}\"\n",
            key.record()
        ),
    )
    .map_err(io(&zone, "writing"))?;
    // A case that knows the key before the signed mail arrives.
    let with = dir.join("case-with");
    for args in [
        vec![
            "import".into(),
            with.clone(),
            seed.clone(),
            "--quiet".into(),
        ],
        vec!["keys".into(), "add".into(), with.clone(), zone.clone()],
    ] {
        timed(Command::new(&opts.binary).args(&args))?;
    }
    let (w, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&with)
            .arg(&src)
            .arg("--quiet"),
    )?;
    let without = dir.join("case-without");
    let (wo, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&without)
            .arg(&src)
            .args(["--quiet", "--no-dkim"]),
    )?;
    let passed = crate::store::Case::open(&with)?
        .dkim_stats()?
        .verdicts
        .iter()
        .find(|(v, _)| v.as_str() == "pass")
        .map_or(0, |(_, n)| *n);
    r.add(
        format!("import of {n} messages signed with a known RSA-2048 key"),
        format!(
            "{:.2} s verified ({passed} pass), {:.2} s without: verifying costs {:+.1}%",
            w.as_secs_f64(),
            wo.as_secs_f64(),
            (w.as_secs_f64() / wo.as_secs_f64().max(1e-9) - 1.0) * 100.0
        ),
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The corpus again, every fourth message signed (in front of its
/// placeholder signature) with the committed RSA-2048 test key, imported
/// into a case that knows the key and into one with `--no-dkim`: the
/// issue's goal is that verifying adds at most 10% here. The signed corpus
/// is made once per size and seed and reused, like the corpus.
fn corpus_share(opts: &BenchOptions, r: &mut Report) -> Result<()> {
    use crate::dkim::testsign::{Spec, TestKey, sign};
    let key = TestKey::rsa(2048);
    let spec = Spec::new("bench.example.org", "bench2048");
    let dir = opts
        .dir
        .join(format!("mbox-signed-{}-{}", opts.messages, opts.seed));
    let done = dir.join(".complete");
    if !done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir, "clearing"))?;
        }
        let corpus = CorpusSpec {
            seed: opts.seed,
            messages: opts.messages,
            layout: Layout::Mbox,
            target_avg_size: 40_000,
            attach_prob: None,
        };
        crate::synth::write_corpus_mbox_with(&corpus, &dir, &mut |i, bytes| {
            if i % 4 == 0 {
                sign(&bytes, &spec, &key).replace_crlf()
            } else {
                bytes
            }
        })
        .map_err(io(&dir, "writing the signed corpus"))?;
        std::fs::write(&done, b"").map_err(io(&done, "writing"))?;
    }
    let src = dir.join("corpus.mbox");
    let work = opts.dir.join("dkim-share");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(io(&work, "clearing"))?;
    }
    std::fs::create_dir_all(&work).map_err(io(&work, "creating"))?;
    let seed = work.join("seed.mbox");
    std::fs::write(
        &seed,
        "From x Mon Oct 12 14:02:11 2015\nSubject: seed\n\nseed\n",
    )
    .map_err(io(&seed, "writing"))?;
    let zone = work.join("keys.zone");
    std::fs::write(
        &zone,
        format!(
            "bench2048._domainkey.bench.example.org. IN TXT \"{}\"\n",
            key.record()
        ),
    )
    .map_err(io(&zone, "writing"))?;
    let with = work.join("case-with");
    timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&with)
            .arg(&seed)
            .arg("--quiet"),
    )?;
    timed(
        Command::new(&opts.binary)
            .arg("keys")
            .arg("add")
            .arg(&with)
            .arg(&zone),
    )?;
    let (w, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&with)
            .arg(&src)
            .arg("--quiet"),
    )?;
    let without = work.join("case-without");
    let (wo, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&without)
            .arg(&src)
            .args(["--quiet", "--no-dkim"]),
    )?;
    let stats = crate::store::Case::open(&with)?.dkim_stats()?;
    let counts: Vec<String> = stats
        .verdicts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(v, n)| format!("{v} {n}"))
        .collect();
    r.add(
        "import of the corpus, a quarter signed with a known RSA-2048 key",
        format!(
            "{:.2} s verified ({}), {:.2} s without: verifying costs {:+.1}%",
            w.as_secs_f64(),
            counts.join(", "),
            wo.as_secs_f64(),
            (w.as_secs_f64() / wo.as_secs_f64().max(1e-9) - 1.0) * 100.0
        ),
    );
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// CRLF line ends as LF (an mbox file's).
trait ReplaceCrlf {
    fn replace_crlf(&self) -> Vec<u8>;
}

impl ReplaceCrlf for Vec<u8> {
    fn replace_crlf(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        for (i, &b) in self.iter().enumerate() {
            if b == b'\r' && self.get(i + 1) == Some(&b'\n') {
                continue;
            }
            out.push(b);
        }
        out
    }
}
