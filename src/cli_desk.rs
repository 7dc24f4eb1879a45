//! The investigator's desk on the command line: `tag`, `note`,
//! `annotations list|export|import`, `saved`, `batch`. Printing only; the
//! work is in `mailsift::desk`. Exit status: 0 done, 1 nothing found, 2
//! an error (a batch with a line that failed: 2, after every line ran).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;

use mailsift::annotate::{self, time_text};
use mailsift::browse::Browser;
use mailsift::desk::{self, BatchRow, TagAction};
use mailsift::display::visible;
use mailsift::store::Case;
use mailsift::time::rfc3339;

/// `mailsift annotations …`
#[derive(Subcommand)]
pub enum AnnotationsCommand {
    /// The annotated messages (or one message) with their tags, star and notes.
    List {
        case: PathBuf,
        /// Only this message (id or a unique prefix of at least 6 digits).
        id: Option<String>,
        /// One JSON object per message.
        #[arg(long)]
        json: bool,
    },
    /// Write every tag, star, note and saved search to FILE (JSON lines,
    /// keyed by message id).
    Export { case: PathBuf, file: PathBuf },
    /// Merge FILE (written by `annotations export`, here or by a
    /// colleague) into the case; a second import changes nothing.
    Import { case: PathBuf, file: PathBuf },
}

/// `mailsift saved CASE …`
#[derive(Subcommand)]
pub enum SavedCommand {
    /// Save QUERY as NAME (replacing a search of that name).
    Add {
        name: String,
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Remove the saved search NAME.
    Rm { name: String },
    /// Every saved search with its current hit count (the default).
    List,
}

/// The one action of `mailsift tag` (clap makes sure there is one).
pub fn tag_action(
    add: Option<String>,
    remove: Option<String>,
    star: bool,
    unstar: bool,
    colour: Option<String>,
) -> Result<TagAction> {
    Ok(match (add, remove, star, unstar) {
        (Some(tag), None, false, false) => TagAction::Add { tag, colour },
        (None, Some(tag), false, false) => TagAction::Remove(tag),
        (None, None, true, false) => TagAction::Star,
        (None, None, false, true) => TagAction::Unstar,
        _ => bail!("give one of --add NAME, --remove NAME, --star, --unstar"),
    })
}

/// `--author`, else `$MAILSIFT_AUTHOR`, else the login name.
pub fn author(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("MAILSIFT_AUTHOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .map(|a| annotate::author(&a))
        .unwrap_or_else(|| annotate::UNKNOWN_AUTHOR.to_string())
}

pub fn tag(case: &Path, query: &str, action: &TagAction, who: Option<String>) -> Result<ExitCode> {
    let b = Browser::open(case)?;
    let applied = desk::apply(&b, query, action, &author(who))?;
    let what = match action {
        TagAction::Add { tag, .. } => format!("tagged {}", visible(tag)),
        TagAction::Remove(tag) => format!("untagged {}", visible(tag)),
        TagAction::Star => "starred".into(),
        TagAction::Unstar => "unstarred".into(),
    };
    println!(
        "{} messages changed ({what}; {} found, {} already so)",
        applied.changed,
        applied.hits,
        applied.hits.saturating_sub(applied.changed)
    );
    Ok(if applied.hits == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn note(case: &Path, id: &str, text: &str, who: Option<String>) -> Result<ExitCode> {
    let (key, n) = desk::note(case, id, text, &author(who))?;
    println!(
        "note added to {} by {} at {}",
        &key.to_hex()[..16],
        visible(&n.author),
        time_text(n.time_ms)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn annotations(command: AnnotationsCommand) -> Result<ExitCode> {
    match command {
        AnnotationsCommand::List { case, id, json } => list(&case, id.as_deref(), json),
        AnnotationsCommand::Export { case, file } => {
            let c = Case::open(&case)?;
            let written = desk::export_annotations(&c, &file)?;
            println!(
                "wrote {} annotated messages, {} tags and {} saved searches to {}",
                written.messages.len(),
                written.tags.len(),
                written.saved.len(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        AnnotationsCommand::Import { case, file } => {
            let r = desk::import_annotations(&case, &file)?;
            println!(
                "{} annotated messages read: {} changed ({} tag changes, {} star changes, {} notes added); {} tag colours and {} saved searches changed",
                r.records,
                r.messages_changed,
                r.tags_changed,
                r.stars_changed,
                r.notes_added,
                r.colours_changed,
                r.saved_changed
            );
            if r.identities_changed + r.dismissals_changed > 0 {
                println!(
                    "{} identity decisions and {} dismissed merge suggestions changed",
                    r.identities_changed, r.dismissals_changed
                );
            }
            if r.not_in_case > 0 {
                println!(
                    "{} annotations name messages not in this case (not applied)",
                    r.not_in_case
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(case: &Path, id: Option<&str>, json: bool) -> Result<ExitCode> {
    let c = Case::open(case)?;
    let rows = desk::list(&c, id)?;
    let summaries = c.summaries()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut shown = 0;
    for (_, key, a) in &rows {
        if a.is_empty() && id.is_none() {
            continue;
        }
        shown += usize::from(!a.is_empty());
        let s = summaries.get(key);
        if json {
            let notes: Vec<serde_json::Value> = a
                .notes
                .iter()
                .map(|n| serde_json::json!({"author": n.author, "time": time_text(n.time_ms), "text": n.text}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::json!({
                    "id": key.to_hex(),
                    "date": s.and_then(|s| s.date).map(rfc3339),
                    "from": s.and_then(|s| s.from.clone()),
                    "subject": s.and_then(|s| s.subject.clone()),
                    "tags": a.tags,
                    "starred": a.starred,
                    "notes": notes,
                })
            )?;
            continue;
        }
        let tags: Vec<String> = a.tags.iter().map(|t| visible(t)).collect();
        writeln!(
            out,
            "{}  {}  [{}]  {}",
            &key.to_hex()[..16],
            if a.starred { "*" } else { " " },
            tags.join(", "),
            visible(
                s.and_then(|s| s.subject.as_deref())
                    .unwrap_or("(no subject)")
            )
        )?;
        for n in &a.notes {
            writeln!(
                out,
                "    note by {} at {}: {}",
                visible(&n.author),
                time_text(n.time_ms),
                visible(&n.text)
            )?;
        }
    }
    out.flush()?;
    Ok(if shown == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn saved(case: &Path, command: Option<SavedCommand>) -> Result<ExitCode> {
    match command.unwrap_or(SavedCommand::List) {
        SavedCommand::Add { name, query } => {
            let query = query.join(" ");
            desk::save_search(case, &name, &query)?;
            println!("saved {} = {}", visible(name.trim()), visible(&query));
            Ok(ExitCode::SUCCESS)
        }
        SavedCommand::Rm { name } => {
            desk::remove_saved_search(case, &name)?;
            println!("removed {}", visible(name.trim()));
            Ok(ExitCode::SUCCESS)
        }
        SavedCommand::List => {
            let b = Browser::open(case)?;
            let list = desk::saved_with_counts(&b)?;
            for (s, n) in &list {
                let count = match n {
                    Ok(n) => n.to_string(),
                    Err(e) => format!("error: {}", e.to_string().replace('\n', " ")),
                };
                println!("{}\t{count}\t{}", visible(&s.name), visible(&s.query));
            }
            Ok(if list.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

pub fn batch(case: &Path, file: &Path, format: &str) -> Result<ExitCode> {
    if !matches!(format, "text" | "csv" | "json") {
        bail!("unknown batch format {format:?}: use text, csv or json");
    }
    let b = Browser::open(case)?;
    let rows = desk::batch_file(&b, file)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == "csv" {
        write!(out, "{}", mailsift::export::UTF8_BOM)?;
        write!(out, "{}", desk::BATCH_CSV_HEADER)?;
    }
    for r in &rows {
        write_row(&mut out, r, format)?;
    }
    out.flush()?;
    let failed = rows.iter().filter(|r| r.outcome.is_err()).count();
    if failed > 0 {
        eprintln!(
            "mailsift: error: {failed} of {} queries in {} failed",
            rows.len(),
            file.display()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(
        if rows
            .iter()
            .all(|r| r.outcome.as_ref().map_or(true, |h| h.hits == 0))
        {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn write_row(out: &mut dyn Write, r: &BatchRow, format: &str) -> Result<()> {
    let day = |d: Option<i64>| d.map(|d| rfc3339(d)[..10].to_string());
    let (hits, first, last, error) = match &r.outcome {
        Ok(h) => (Some(h.hits), day(h.first), day(h.last), None),
        Err(e) => (None, None, None, Some(e.as_str())),
    };
    match format {
        "json" => writeln!(
            out,
            "{}",
            serde_json::json!({"line": r.line, "query": r.query, "hits": hits, "first_date": first, "last_date": last, "error": error})
        )?,
        "csv" => write!(out, "{}", desk::batch_csv_line(r))?,
        _ => match error {
            Some(e) => writeln!(out, "{:>4}  {}  error: {}", r.line, visible(&r.query), e)?,
            None => writeln!(
                out,
                "{:>4}  {}  {} hits  {} .. {}",
                r.line,
                visible(&r.query),
                hits.unwrap_or(0),
                first.as_deref().unwrap_or("-"),
                last.as_deref().unwrap_or("-")
            )?,
        },
    }
    Ok(())
}
