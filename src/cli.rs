//! The read-side subcommands of the binary: search, threads, thread, show,
//! attachments. Printing only; the work is in `mailsift::browse`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use mailsift::browse::{Browser, Found, default_name};
use mailsift::export::Format;
use mailsift::index::Sort;
use mailsift::index::snippet::{Highlighter, mark};
use mailsift::model::{Address, Message};
use mailsift::query::Field;
use mailsift::thread::{Thread, ThreadId};
use mailsift::time::rfc3339;

pub use mailsift::query::HELP as QUERY_HELP;

fn sort_of(s: &str) -> Result<Sort> {
    Ok(match s {
        "relevance" => Sort::Relevance,
        "date" => Sort::Date,
        "-date" => Sort::DateDesc,
        other => bail!("unknown sort {other:?}: use relevance, date or -date"),
    })
}

use mailsift::display::visible;

fn addr_list(list: &[Address]) -> String {
    list.iter()
        .map(|a| visible(&a.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn date_str(d: Option<i64>) -> String {
    d.map(|t| rfc3339(t)[..16].replace('T', " "))
        .unwrap_or_else(|| "(no date)       ".into())
}

pub fn search(
    case: &Path,
    query: &str,
    format: &str,
    output: Option<&Path>,
    sort: &str,
    limit: Option<usize>,
    snippets: bool,
) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    // A limit collects only the first N hits (not every hit, sorted, cut).
    let found = match limit {
        Some(n) => b.search_limited(query, sort_of(sort)?, n)?,
        None => b.search(query, sort_of(sort)?)?,
    };
    let n = found.hits.len();
    match format {
        "text" => print_text(&b, &found, snippets, output)?,
        other => {
            let fmt: Format = other.parse().map_err(|e: String| anyhow::anyhow!("{e}"))?;
            if matches!(fmt, Format::Mbox | Format::Eml) && output.is_none() {
                bail!("--format {other} needs --output PATH");
            }
            let summary = b.export(&found, query, fmt, output, snippets, &mut |_, _| true)?;
            if let Some(p) = &summary.path {
                eprintln!(
                    "wrote {} messages to {} (sha256 {})",
                    summary.messages,
                    p.display(),
                    summary.sha256.map(|s| s.to_hex()).unwrap_or_default()
                );
            }
        }
    }
    eprintln!("{n} messages · {} ms", found.elapsed.as_millis());
    Ok(if n == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(b: &Browser, found: &Found, snippets: bool, output: Option<&Path>) -> Result<()> {
    match output {
        // Into a file: written under a temporary name and renamed when
        // complete; an error (a full disk) leaves no partial file behind.
        Some(p) => mailsift::export::write_file_atomically(p, |out| {
            write_text(b, found, snippets, false, out)
                .map_err(|e| into_path_error(e, p, "writing the results"))
        }),
        None => {
            let tty = std::io::stdout().is_terminal();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_text(b, found, snippets, tty, &mut out)
        }
    }
}

/// An I/O error while writing `path` names it; other errors are kept.
fn into_path_error(e: anyhow::Error, path: &Path, what: &str) -> anyhow::Error {
    match e.downcast::<std::io::Error>() {
        Ok(io) => anyhow::anyhow!("{}: {what} failed: {io}", path.display()),
        Err(e) => e,
    }
}

fn write_text(
    b: &Browser,
    found: &Found,
    snippets: bool,
    tty: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (open, close) = if tty {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    let h = snippets.then(|| Highlighter::new(&found.query, Field::Body));
    for hit in &found.hits {
        let m = b.message(hit.rowid)?;
        let from = m.from.first().map(|a| a.to_string()).unwrap_or_default();
        writeln!(
            out,
            "{}  {}  {:<32}  {}",
            &m.key.to_hex()[..16],
            date_str(m.date),
            visible(&truncate(&from, 32)),
            visible(m.subject.as_deref().unwrap_or("(no subject)"))
        )?;
        if let Some(h) = &h {
            let (snip, ranges) = h.message_snippet(&m, 160);
            writeln!(out, "    {}", visible(&mark(&snip, &ranges, open, close)))?;
        }
    }
    out.flush()?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// Lists threads one at a time as they are built (see
/// [`Browser::each_thread`]): memory holds one thread, not the case.
pub fn threads(case: &Path, query: &str, json: bool) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let n = b.each_thread(query, &mut |t, from| {
        write_thread(&mut out, t, from, json).map_err(|e| mailsift::Error::Io {
            path: "(standard output)".into(),
            op: "writing",
            source: e,
        })
    })?;
    out.flush()?;
    eprintln!("{n} threads");
    Ok(if n == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line of `threads`: JSON or text.
fn write_thread(
    out: &mut dyn Write,
    t: &Thread,
    from: &std::collections::HashMap<mailsift::model::MessageKey, Option<String>>,
    json: bool,
) -> std::io::Result<()> {
    let mut participants: Vec<String> = Vec::new();
    for k in &t.messages {
        if let Some(f) = from.get(k).and_then(|f| f.clone())
            && !participants.contains(&f)
        {
            participants.push(f);
        }
    }
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({
                "thread": t.id.as_str(),
                "subject": t.subject,
                "messages": t.messages.len(),
                "participants": participants,
                "first_date": t.first_date.map(rfc3339),
                "last_date": t.last_date.map(rfc3339),
                "ids": t.messages.iter().map(|k| k.to_hex()).collect::<Vec<_>>(),
            })
        )
    } else {
        let shown: Vec<&str> = participants.iter().take(3).map(String::as_str).collect();
        let more = participants.len().saturating_sub(3);
        writeln!(
            out,
            "{}  {:>4}  {} .. {}  {}  ({}{})",
            t.id,
            t.messages.len(),
            &date_str(t.first_date)[..10],
            &date_str(t.last_date)[..10],
            visible(t.subject.as_deref().unwrap_or("(no subject)")),
            shown.join(", "),
            if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            }
        )
    }
}

fn find_thread<'a>(
    b: &Browser,
    threads: &'a mailsift::thread::Threads,
    id: &str,
) -> Result<&'a Thread> {
    if let Some(t) = threads.get(&ThreadId(id.trim().to_ascii_lowercase())) {
        return Ok(t);
    }
    let (_, key) = b
        .resolve(id)
        .with_context(|| format!("{id}: no such thread or message"))?;
    threads
        .thread_of(&key)
        .and_then(|t| threads.get(t))
        .with_context(|| format!("{id}: message has no thread"))
}

pub fn thread(case: &Path, id: &str, json: bool) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let threads = b.threads()?;
    let t = find_thread(&b, &threads, id)?;
    let summaries = b.case.summaries()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let nodes: Vec<serde_json::Value> = t
            .walk()
            .into_iter()
            .map(|(depth, node)| {
                let s = node.key.and_then(|k| summaries.get(&k));
                serde_json::json!({
                    "depth": depth,
                    "id": node.key.map(|k| k.to_hex()),
                    "message_id": node.message_id,
                    "date": s.and_then(|s| s.date).map(rfc3339),
                    "from": s.and_then(|s| s.from.clone()),
                    "subject": s.and_then(|s| s.subject.clone()),
                })
            })
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({"thread": t.id.as_str(), "subject": t.subject, "messages": t.messages.len(), "tree": nodes})
        )?;
    } else {
        writeln!(
            out,
            "thread {} · {} messages · {}",
            t.id,
            t.messages.len(),
            visible(t.subject.as_deref().unwrap_or("(no subject)"))
        )?;
        for (depth, node) in t.walk() {
            let indent = "  ".repeat(depth.min(40));
            match node.key.and_then(|k| summaries.get(&k).map(|s| (k, s))) {
                Some((k, s)) => writeln!(
                    out,
                    "{indent}{}  {}  {}  {}",
                    &k.to_hex()[..16],
                    date_str(s.date),
                    visible(s.from.as_deref().unwrap_or("")),
                    visible(s.subject.as_deref().unwrap_or("(no subject)"))
                )?,
                None => writeln!(
                    out,
                    "{indent}[not in this collection: <{}>]",
                    visible(node.message_id.as_deref().unwrap_or("?"))
                )?,
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(case: &Path, id: &str, raw: bool, json: bool) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let (rowid, key) = b.resolve(id)?;
    if raw {
        let (bytes, _) = b.raw(&key)?;
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut m = b.message(rowid)?;
    let origins = b.case.origins(&key)?;
    let thread = b.case.thread_of(&key)?;
    let desk = b.case.annotations_of(&key)?;
    let dkim = b.case.dkim_outcome(rowid as i64)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        // Everything about the message, the attachments' texts included.
        b.case.fill_attachment_texts(&mut m)?;
        let mut v = serde_json::to_value(&m)?;
        v["id"] = serde_json::json!(key.to_hex());
        v["thread"] = serde_json::json!(thread);
        v["origins"] = serde_json::to_value(&origins)?;
        v["date_rfc3339"] = serde_json::json!(m.date.map(rfc3339));
        v["tags"] = serde_json::json!(desk.tags);
        v["starred"] = serde_json::json!(desk.starred);
        v["notes"] = serde_json::json!(desk.note_lines());
        // Every signature: domain, selector, algorithm, verdict, reason,
        // warnings, key source (null: not verified yet).
        v["dkim"] = serde_json::json!(dkim.as_ref().map(|o| &o.signatures));
        v["dkim_verdict"] = serde_json::json!(dkim.as_ref().map(|o| o.verdict.as_str()));
        v["dkim_domain"] = serde_json::json!(dkim.as_ref().and_then(|o| o.domain.as_deref()));
        // Phone numbers, addresses, links, IBANs, money in the text.
        let mentions: Vec<serde_json::Value> = mailsift::patterns::of_message(&m)
            .into_iter()
            .map(|p| serde_json::json!({"kind": p.kind.name(), "value": p.value}))
            .collect();
        v["mentions"] = serde_json::json!(mentions);
        writeln!(out, "{v}")?;
    } else {
        print_message(&mut out, &m, &origins, thread.as_deref(), &desk)?;
        print_dkim(&mut out, dkim.as_ref())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `mailsift evidence`: a zip to hand over (see [`mailsift::evidence`]).
/// No message matching the query: exit 1, nothing written.
pub fn evidence(
    case: &Path,
    ids: &[String],
    query: Option<&str>,
    output: &Path,
) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let rowids: Vec<u64> = match query {
        Some(q) => {
            // Oldest first.
            let found = b.search(q, mailsift::index::Sort::Date)?;
            found.hits.into_iter().map(|h| h.rowid).collect()
        }
        None => ids
            .iter()
            .map(|id| b.resolve(id).map(|(rowid, _)| rowid))
            .collect::<mailsift::Result<_>>()?,
    };
    if rowids.is_empty() {
        eprintln!("no message matches; nothing written");
        return Ok(ExitCode::from(1));
    }
    let title = mailsift::store::case_name(case)?;
    let s = mailsift::evidence::write_packet(&b, &rowids, output, &title)?;
    println!(
        "wrote {} {} ({} files, {} bytes) to {} (sha256 {})",
        s.messages,
        if s.messages == 1 {
            "message"
        } else {
            "messages"
        },
        s.files,
        s.bytes,
        s.path.display(),
        s.sha256
    );
    Ok(ExitCode::SUCCESS)
}

/// `mailsift print`: a PDF of a message or its thread.
pub fn print(case: &Path, id: &str, thread: bool, output: &Path) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let (rowid, _) = b.resolve(id)?;
    let title = mailsift::store::case_name(case)?;
    let (n, sha) = b.print_pdf(
        rowid,
        thread,
        output,
        &title,
        &mailsift::display::looks_preformatted,
    )?;
    let what = if n == 1 {
        "1 message".to_owned()
    } else {
        format!("{n} messages")
    };
    println!("wrote {what} to {} (sha256 {sha})", output.display());
    Ok(ExitCode::SUCCESS)
}

/// The DKIM verdict and each signature's reason and warnings.
fn print_dkim(out: &mut dyn Write, dkim: Option<&mailsift::dkim::Outcome>) -> Result<()> {
    let Some(o) = dkim else {
        writeln!(
            out,
            "DKIM:        not verified yet (run `mailsift keys add CASE`)"
        )?;
        return Ok(());
    };
    writeln!(out, "DKIM:        {}", o.summary())?;
    for s in &o.signatures {
        writeln!(
            out,
            "  {} {} ({}, {}): {}",
            s.verdict.as_str(),
            s.domain,
            s.selector,
            s.algorithm,
            s.reason
        )?;
        for w in &s.warnings {
            writeln!(out, "    warning: {}", w.text)?;
        }
    }
    Ok(())
}

fn print_message(
    out: &mut dyn Write,
    m: &Message,
    origins: &[mailsift::model::Origin],
    thread: Option<&str>,
    desk: &mailsift::annotate::Annotations,
) -> Result<()> {
    writeln!(out, "Id:          {}", m.key)?;
    writeln!(out, "From:        {}", addr_list(&m.from))?;
    if !m.sender.is_empty() {
        writeln!(out, "Sender:      {}", addr_list(&m.sender))?;
    }
    writeln!(out, "To:          {}", addr_list(&m.to))?;
    if !m.cc.is_empty() {
        writeln!(out, "Cc:          {}", addr_list(&m.cc))?;
    }
    if !m.bcc.is_empty() {
        writeln!(out, "Bcc:         {}", addr_list(&m.bcc))?;
    }
    if !m.reply_to.is_empty() {
        writeln!(out, "Reply-To:    {}", addr_list(&m.reply_to))?;
    }
    writeln!(
        out,
        "Date:        {}{}",
        visible(m.date_raw.as_deref().unwrap_or("(none)")),
        m.date
            .map(|d| format!("  [{}]", rfc3339(d)))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "Subject:     {}",
        visible(m.subject.as_deref().unwrap_or(""))
    )?;
    writeln!(
        out,
        "Message-ID:  {}",
        visible(m.message_id.as_deref().unwrap_or("(none)"))
    )?;
    if let Some(t) = thread {
        writeln!(out, "Thread:      {t}")?;
    }
    if !m.labels.is_empty() {
        let labels: Vec<String> = m.labels.iter().map(|l| visible(l)).collect();
        writeln!(out, "Labels:      {}", labels.join(", "))?;
    }
    if desk.starred {
        writeln!(out, "Starred:     yes")?;
    }
    if !desk.tags.is_empty() {
        let tags: Vec<String> = desk.tags.iter().map(|t| visible(t)).collect();
        writeln!(out, "Tags:        {}", tags.join(", "))?;
    }
    for n in desk.note_lines() {
        writeln!(out, "Note:        {}", visible(&n))?;
    }
    let mut protection = Vec::new();
    if let Some(k) = m.signed {
        protection.push(format!("signed ({}, not verified)", k.label()));
    }
    if let Some(k) = m.encrypted {
        protection.push(format!(
            "encrypted ({}): the content cannot be read without the recipient's key",
            k.label()
        ));
    }
    if !protection.is_empty() {
        writeln!(out, "Protection:  {}", protection.join("; "))?;
    }
    for (i, a) in m.attachments.iter().enumerate() {
        let text = match (&a.kind, a.text_status) {
            (Some(k), Some(s)) => format!(", {k}, text {}", s.as_str()),
            (Some(k), None) => format!(", {k}"),
            (None, Some(s)) => format!(", text {}", s.as_str()),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "Attachment {}: {} ({}, {} bytes{text}, sha256 {})",
            i + 1,
            visible(a.name.as_deref().unwrap_or("(no name)")),
            a.mime,
            a.size,
            a.sha256
        )?;
    }
    for (i, a) in m.signatures.iter().enumerate() {
        writeln!(
            out,
            "Signature {}: {} ({}, {} bytes, sha256 {})",
            i + 1,
            visible(a.name.as_deref().unwrap_or("(no name)")),
            a.mime,
            a.size,
            a.sha256
        )?;
    }
    for d in &m.defects {
        writeln!(out, "Defect:      {}: {}", d.kind, visible(&d.detail))?;
    }
    for o in origins {
        writeln!(
            out,
            "Origin:      {} @{} +{} sha256 {}",
            o.display_path(),
            o.offset,
            o.length,
            o.raw_sha256
        )?;
    }
    if m.body_from_html {
        writeln!(out, "(body rendered from HTML as text; nothing was loaded)")?;
    }
    writeln!(out)?;
    for line in m.body_text.lines() {
        writeln!(out, "{}", visible(line))?;
    }
    // The other renderings of the body (multipart/alternative): nothing hidden.
    for a in &m.alternatives {
        writeln!(out)?;
        writeln!(out, "--- alternative body ({}) ---", visible(&a.mime))?;
        for line in a.text.lines() {
            writeln!(out, "{}", visible(line))?;
        }
    }
    Ok(())
}

pub fn attachments(case: &Path, id: &str, save: Option<&Path>) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let (_, key) = b.resolve(id)?;
    if let Some(dir) = save {
        let written = b.save_attachments(&key, dir)?;
        for p in &written {
            println!("{}", p.display());
        }
        eprintln!("saved {} attachments into {}", written.len(), dir.display());
        return Ok(if written.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let list = b.attachments(&key)?;
    for (i, (a, _)) in list.iter().enumerate() {
        println!(
            "{:>3}  {}  {}  {} bytes  sha256 {}",
            i + 1,
            visible(&a.name.clone().unwrap_or_else(|| default_name(a))),
            a.mime,
            a.size,
            a.sha256
        );
    }
    Ok(if list.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
