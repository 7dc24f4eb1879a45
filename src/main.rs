//! The `mailsift` binary: parses arguments, calls the library, maps the
//! outcome to an exit status once (0 ok, 1 no results, 2 error).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Result;
use clap::{ArgGroup, Parser, Subcommand};

mod cli;
mod cli_desk;
mod cli_keys;
mod cli_patterns;
mod cli_people;

use mailsift::pipeline::{self, ImportOptions, ImportReport, Progress};
use mailsift::store::{Case, CaseStats};

/// `mailsift --version`: the package version and the git commit it was
/// built from (see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MAILSIFT_COMMIT"),
    ")"
);

/// Import, thread, search and export leaked and donated email collections.
#[derive(Parser)]
#[command(
    name = "mailsift",
    version = VERSION,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// A mailbox, mail file, folder or case to open (imports sources into a
    /// case in the user's data folder, then shows its totals).
    path: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Import mailboxes, mail files and folders into a case folder.
    Import {
        /// The case folder (created if missing).
        case: PathBuf,
        /// mbox / mbox.gz / .eml / .emlx files, zip / tar / tar.gz archives
        /// (read in place), Outlook .pst and .msg files (each item converted
        /// to a message marked "converted") and folders (EML folders,
        /// maildirs, Apple Mail).
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
        /// Read every file again, even those imported before and unchanged.
        #[arg(long)]
        rescan: bool,
        /// Parse workers (default: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Do not verify DKIM signatures (to measure what it costs; the
        /// messages stay unverified until `mailsift keys add CASE`).
        #[arg(long)]
        no_dkim: bool,
        /// Do not look for phone numbers, addresses, links, IBANs and
        /// money in the text (only to measure what it costs; `mailsift
        /// reindex CASE` finds them later).
        #[arg(long)]
        no_patterns: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Totals for a whole case.
    Stats {
        case: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Search a case (query language: see `mailsift help-query`).
    Search {
        case: PathBuf,
        /// The query; several words are joined with spaces. A query that
        /// starts with `-` goes after `--`: `mailsift search CASE -- -spam`.
        #[arg(required = true)]
        query: Vec<String>,
        /// text, json (NDJSON), csv, mbox (needs --output) or eml (a folder; needs --output).
        #[arg(long, default_value = "text")]
        format: String,
        /// Write the results there instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// relevance, date (oldest first) or -date (newest first).
        #[arg(long, default_value = "relevance", allow_hyphen_values = true)]
        sort: String,
        /// At most this many results (default: all).
        #[arg(long)]
        limit: Option<usize>,
        /// Show a snippet of the body with the matches highlighted.
        #[arg(long)]
        snippets: bool,
    },
    /// List threads (of the messages matching QUERY, if given).
    Threads {
        case: PathBuf,
        query: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print one thread as a tree (a thread id, or a message id in it).
    Thread {
        case: PathBuf,
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Print a message: headers and text, or its exact original bytes.
    Show {
        case: PathBuf,
        /// Message id (or a unique prefix of at least 6 digits).
        id: String,
        /// The original bytes, exactly as in the source (verified by SHA-256).
        #[arg(long, conflicts_with = "json")]
        raw: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a PDF of a message, or of its whole thread, to read or print:
    /// headers with full addresses, body, attachments with SHA-256s, origins.
    Print {
        case: PathBuf,
        /// Message id (or a unique prefix of at least 6 digits).
        id: String,
        /// Every message of the message's thread, in reading order.
        #[arg(long)]
        thread: bool,
        /// The PDF file to write (replaced only once it is complete).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Write an evidence packet: a zip with each message's original bytes
    /// (.eml) and a PDF, a manifest of SHA-256s, the imports' audit-log
    /// entries, the DKIM keys used and a README on checking it.
    #[command(group(ArgGroup::new("which").required(true).args(["ids", "query"])))]
    Evidence {
        case: PathBuf,
        /// Message ids (or unique prefixes of at least 6 digits).
        ids: Vec<String>,
        /// Every message matching this query instead (oldest first).
        #[arg(long)]
        query: Option<String>,
        /// The zip file to write (replaced only once it is complete).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// List a message's attachments, or save them safely into a folder.
    Attachments {
        case: PathBuf,
        id: String,
        /// Save every attachment into this existing folder (never overwrites).
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Rebuild the search index and threads of a case from the case itself.
    Reindex { case: PathBuf },
    /// Tag, untag, star or unstar every message matching QUERY; prints how
    /// many changed.
    #[command(group(ArgGroup::new("action").required(true).args(["add", "remove", "star", "unstar"])))]
    Tag {
        case: PathBuf,
        /// The query (see `mailsift help-query`); `*` is every message.
        #[arg(required = true)]
        query: Vec<String>,
        /// Add this tag.
        #[arg(long, value_name = "NAME")]
        add: Option<String>,
        /// Remove this tag.
        #[arg(long, value_name = "NAME")]
        remove: Option<String>,
        /// Star the messages.
        #[arg(long)]
        star: bool,
        /// Unstar the messages.
        #[arg(long)]
        unstar: bool,
        /// The tag's colour, #rrggbb (with --add).
        #[arg(long, requires = "add")]
        colour: Option<String>,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// Add a note to a message.
    Note {
        case: PathBuf,
        /// Message id (or a unique prefix of at least 6 digits).
        id: String,
        /// The note; several words are joined with spaces.
        #[arg(required = true)]
        text: Vec<String>,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// List, export or import the investigators' tags, stars and notes.
    Annotations {
        #[command(subcommand)]
        command: cli_desk::AnnotationsCommand,
    },
    /// DKIM keys: add keys from files and verify again; list them.
    Keys {
        #[command(subcommand)]
        command: cli_keys::KeysCommand,
    },
    /// Saved searches: list them with their current counts, add or remove one.
    Saved {
        case: PathBuf,
        #[command(subcommand)]
        command: Option<cli_desk::SavedCommand>,
    },
    /// Run one query per line of FILE: term, hits, first and last date.
    Batch {
        case: PathBuf,
        file: PathBuf,
        /// text, csv or json (NDJSON).
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Every correspondent of the messages matching QUERY (all messages
    /// when none): names seen, sent, received, copied, first and last
    /// date, top correspondents; then suggested merges (same name on
    /// several addresses; replies to one address sent to another),
    /// except those dismissed (`mailsift identity CASE dismiss`).
    People {
        case: PathBuf,
        query: Vec<String>,
        /// One JSON object per person.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV (safe to open in a spreadsheet).
        #[arg(long)]
        csv: bool,
        /// messages, sent, received or name.
        #[arg(long, default_value = "messages")]
        sort: String,
        /// At most this many people.
        #[arg(long)]
        limit: Option<usize>,
        /// Only people whose name or address contains this (case and
        /// accents ignored).
        #[arg(long)]
        filter: Option<String>,
    },
    /// Identity decisions: merge addresses into one person, split one
    /// back out, rename a person, dismiss a suggested merge, list them.
    /// `mailsift people`, `graph` and the window count people as decided.
    Identity {
        case: PathBuf,
        #[command(subcommand)]
        command: Option<cli_people::IdentityCommand>,
    },
    /// The phone numbers, e-mail addresses, URLs, domains, IBANs and
    /// amounts of money found in the text of the messages matching QUERY
    /// (all when none), each with the number of messages it is in, most
    /// frequent first. Exit status 1 when there is none.
    Patterns {
        case: PathBuf,
        query: Vec<String>,
        /// Only one kind: phone, email, url, domain, iban or money.
        #[arg(long)]
        kind: Option<String>,
        /// One JSON object per value: kind, value, messages.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV: kind, value, messages (safe to open in a spreadsheet).
        #[arg(long)]
        csv: bool,
        /// At most this many values.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Write the communication graph of the messages matching QUERY (all
    /// when none): people as nodes, edges from each sender to their To
    /// and Cc recipients weighted by messages; GEXF (Gephi) or CSV.
    Graph {
        case: PathBuf,
        query: Vec<String>,
        /// gexf or csv (an edge list: source, target, weight).
        #[arg(long, default_value = "gexf")]
        format: String,
        /// The file to write (replaced only once it is complete).
        #[arg(long, short)]
        output: PathBuf,
        /// Keep the N people with most messages and the edges among them.
        #[arg(long, default_value_t = mailsift::graph::DEFAULT_TOP)]
        top: usize,
    },
    /// Explain the query language.
    HelpQuery,
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mailsift: error: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// glibc gives threads up to 8 malloc arenas per core; an import moves
/// buffers between its reader, workers, extraction helpers and writer, and
/// every arena keeps its own high-water mark. Two per core (at least four)
/// cut the import's peak RSS by a fifth at the same speed (20,000
/// messages: 162 -> 127 MB). `MALLOC_ARENA_MAX` in the environment wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = (2 * cores).max(4) as libc::c_int;
        // SAFETY: mallopt only sets a tuning parameter; called before any
        // thread is started.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// The error and its causes on one line. The library's errors already say
/// their cause (`x.csv: writing export failed: File too large`), so a cause
/// whose text is already there is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Import {
            case,
            sources,
            json,
            rescan,
            threads,
            no_dkim,
            no_patterns,
            quiet,
        }) => {
            let opts = ImportOptions {
                threads,
                rescan,
                dkim: !no_dkim,
                patterns: !no_patterns,
                command: std::env::args().collect::<Vec<_>>().join(" "),
                ..ImportOptions::default()
            };
            let report = import(&case, &sources, &opts, quiet)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
            Ok(errors_to_status(&report))
        }
        Some(Command::Stats { case, json }) => {
            let stats = Case::open(&case)?.stats()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&case, &stats);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Search {
            case,
            query,
            format,
            output,
            sort,
            limit,
            snippets,
        }) => cli::search(
            &case,
            &query.join(" "),
            &format,
            output.as_deref(),
            &sort,
            limit,
            snippets,
        ),
        Some(Command::Threads { case, query, json }) => cli::threads(&case, &query.join(" "), json),
        Some(Command::Thread { case, id, json }) => cli::thread(&case, &id, json),
        Some(Command::Show {
            case,
            id,
            raw,
            json,
        }) => cli::show(&case, &id, raw, json),
        Some(Command::Print {
            case,
            id,
            thread,
            output,
        }) => cli::print(&case, &id, thread, &output),
        Some(Command::Evidence {
            case,
            ids,
            query,
            output,
        }) => cli::evidence(&case, &ids, query.as_deref(), &output),
        Some(Command::Attachments { case, id, save }) => {
            cli::attachments(&case, &id, save.as_deref())
        }
        Some(Command::Reindex { case }) => {
            let mut c = Case::open_for_writing(&case)?;
            let n = pipeline::reindex(&mut c)?;
            println!("indexed {n} messages");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Tag {
            case,
            query,
            add,
            remove,
            star,
            unstar,
            colour,
            author,
        }) => {
            let action = cli_desk::tag_action(add, remove, star, unstar, colour)?;
            cli_desk::tag(&case, &query.join(" "), &action, author)
        }
        Some(Command::Note {
            case,
            id,
            text,
            author,
        }) => cli_desk::note(&case, &id, &text.join(" "), author),
        Some(Command::Annotations { command }) => cli_desk::annotations(command),
        Some(Command::Keys { command }) => cli_keys::keys(command),
        Some(Command::Saved { case, command }) => cli_desk::saved(&case, command),
        Some(Command::Batch { case, file, format }) => cli_desk::batch(&case, &file, &format),
        Some(Command::People {
            case,
            query,
            json,
            csv,
            sort,
            limit,
            filter,
        }) => {
            let format = if json {
                cli_people::PeopleFormat::Json
            } else if csv {
                cli_people::PeopleFormat::Csv
            } else {
                cli_people::PeopleFormat::Text
            };
            cli_people::people(&case, &query.join(" "), format, &sort, limit, filter)
        }
        Some(Command::Identity { case, command }) => cli_people::identity(&case, command),
        Some(Command::Graph {
            case,
            query,
            format,
            output,
            top,
        }) => cli_people::graph(&case, &query.join(" "), &format, &output, top),
        Some(Command::Patterns {
            case,
            query,
            kind,
            json,
            csv,
            limit,
        }) => {
            let format = if json {
                cli_patterns::PatternsFormat::Json
            } else if csv {
                cli_patterns::PatternsFormat::Csv
            } else {
                cli_patterns::PatternsFormat::Text
            };
            cli_patterns::patterns(&case, &query.join(" "), kind.as_deref(), format, limit)
        }
        Some(Command::HelpQuery) => {
            print!("{}", cli::QUERY_HELP);
            Ok(ExitCode::SUCCESS)
        }
        None => open_window(cli.path),
    }
}

/// No subcommand: the desktop window (on PATH if given).
#[cfg(feature = "gui")]
fn open_window(path: Option<PathBuf>) -> Result<ExitCode> {
    if let Some(p) = &path
        && !p.exists()
    {
        anyhow::bail!("{}: no such file or folder", p.display());
    }
    mailsift::app::run(path).map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// No subcommand and no window built in: import/show PATH on the terminal.
#[cfg(not(feature = "gui"))]
fn open_window(path: Option<PathBuf>) -> Result<ExitCode> {
    match path {
        Some(path) => open_path(&path),
        None => {
            eprintln!(
                "mailsift: built without the desktop window (feature `gui`); use `mailsift import CASE SOURCE...` (see --help)"
            );
            Ok(ExitCode::from(2))
        }
    }
}

/// Exit status of an import: 2 when a named source could not be used.
fn errors_to_status(report: &ImportReport) -> ExitCode {
    let mut failed = false;
    for (_, error) in report.errors() {
        eprintln!("mailsift: error: {error}");
        failed = true;
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(not(feature = "gui"))]
/// Opens a source or case given on the command line: a case is shown, a
/// source is imported into a case of its own in the user's data folder.
fn open_path(path: &Path) -> Result<ExitCode> {
    if path.join(mailsift::store::MARKER).exists() {
        let stats = Case::open(path)?.stats()?;
        print_stats(path, &stats);
        return Ok(ExitCode::SUCCESS);
    }
    let abs = anyhow::Context::with_context(std::fs::canonicalize(path), || {
        format!("{}: no such file or folder", path.display())
    })?;
    let case = mailsift::store::case_dir_for(&mailsift::store::data_dir(), &abs);
    eprintln!(
        "mailsift: importing {} into case {}",
        abs.display(),
        case.display()
    );
    let opts = ImportOptions {
        command: format!("open {}", abs.display()),
        ..ImportOptions::default()
    };
    let report = import(&case, &[abs], &opts, false)?;
    print_report(&report);
    Ok(errors_to_status(&report))
}

fn import(
    case: &Path,
    sources: &[PathBuf],
    opts: &ImportOptions,
    quiet: bool,
) -> Result<ImportReport> {
    pipeline::check_case_location(case, sources)?;
    let mut case = Case::open_for_writing(case)?;
    let bar = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {bytes}/{total_bytes}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    };
    let cancel = AtomicBool::new(false);
    let report = pipeline::import(
        &mut case,
        sources,
        opts,
        &mut |p: &Progress| {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_read);
            let eta = p
                .eta()
                .map(|d| format!(", ETA {}s", d.as_secs()))
                .unwrap_or_default();
            bar.set_message(format!(
                "{} messages, {:.0} msg/s{eta}",
                p.messages,
                p.messages_per_sec()
            ));
        },
        &cancel,
    )?;
    bar.finish_and_clear();
    Ok(report)
}

fn print_report(r: &ImportReport) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "found {}: {} parsed, {} raw-only, {} skipped",
        r.found, r.parsed, r.raw_only, r.skipped
    );
    let _ = writeln!(
        out,
        "new {}, duplicates {}, already in case {}, unchanged files not read {}",
        r.new, r.duplicates, r.already_present, r.unchanged_files
    );
    let _ = writeln!(
        out,
        "case now holds {} messages; {:.1} MB read in {:.1} s ({:.0} messages/s)",
        r.messages,
        r.bytes as f64 / 1e6,
        r.elapsed_secs,
        r.messages_per_sec
    );
    if !r.defects.is_empty() {
        let list: Vec<String> = r.defects.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(out, "defects: {}", list.join(", "));
    }
    if r.new > 0 {
        for line in r.dkim.lines(10) {
            let _ = writeln!(out, "{line}");
        }
    }
    for s in &r.sources {
        let _ = writeln!(out, "  {}", s.summary_line());
    }
    for sk in &r.skipped_files {
        let _ = writeln!(out, "  skipped {}: {}", sk.path.display(), sk.reason);
    }
    for n in &r.notes {
        let _ = writeln!(out, "  note {} @{}: {}", n.path.display(), n.offset, n.text);
    }
    if r.cancelled {
        let _ = writeln!(
            out,
            "import cancelled; run the same command again to resume"
        );
    }
}

fn print_stats(case: &Path, s: &CaseStats) {
    println!("case {}", case.display());
    println!(
        "found {}: {} parsed, {} raw-only, {} skipped; {} duplicates",
        s.found, s.parsed, s.raw_only, s.skipped, s.duplicates
    );
    println!(
        "messages {} ({} parsed, {} raw-only), attachments {}, imports {}",
        s.messages, s.messages_parsed, s.messages_raw_only, s.attachments, s.imports
    );
    if !s.defects.is_empty() {
        let list: Vec<String> = s.defects.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!("defects: {}", list.join(", "));
    }
    if s.messages > 0 {
        for line in s.dkim.lines(20) {
            println!("{line}");
        }
    }
    for src in &s.sources {
        println!(
            "  {} [{}] {} bytes, {} found, sha256 {}",
            src.path.display(),
            src.format,
            src.size,
            src.found,
            src.sha256.as_deref().unwrap_or("-")
        );
    }
}
