//! `mailsift people`, `mailsift graph` and `mailsift identity`: printing
//! and writing only; the work is in `mailsift::people`, `mailsift::graph`
//! and `mailsift::identity`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Subcommand;

use mailsift::browse::Browser;
use mailsift::display::visible;
use mailsift::graph::{self, GraphFormat};
use mailsift::people::{self, CSV_HEADER, PeopleOptions, PeopleSort, Person};
use mailsift::time::rfc3339;

/// `mailsift identity CASE …`
#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Make these addresses one person (with everyone already merged with
    /// them); the first address names the person.
    Merge {
        /// Two addresses or more.
        #[arg(required = true, num_args = 2..)]
        addresses: Vec<String>,
        /// The person's name (default: the names seen in the mail).
        #[arg(long)]
        name: Option<String>,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// Make ADDRESS a person of its own again.
    Split {
        address: String,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// Name the person ADDRESS belongs to ("" goes back to the names seen).
    Rename {
        address: String,
        name: String,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// Dismiss the suggestion to merge these addresses ("not one person"):
    /// `people` and the window no longer suggest it (stored in the case,
    /// audited, exported with the annotations).
    Dismiss {
        /// The suggestion's addresses (two or more).
        #[arg(required = true, num_args = 2..)]
        addresses: Vec<String>,
        /// Show the suggestion again instead.
        #[arg(long)]
        undo: bool,
        /// Who (default: $MAILSIFT_AUTHOR, else $USER).
        #[arg(long)]
        author: Option<String>,
    },
    /// The people decided about: name and addresses (the default).
    List {
        /// One JSON object per person.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `mailsift identity CASE …`.
pub fn identity(case: &Path, command: Option<IdentityCommand>) -> Result<ExitCode> {
    use mailsift::identity;
    let who = crate::cli_desk::author;
    let print = |action: &str, recs: &[mailsift::annotate::identity::IdentityRecord]| {
        for r in recs {
            println!(
                "{action}: {} -> {}{}",
                visible(&r.address),
                visible(&r.person),
                r.name
                    .as_deref()
                    .map(|n| format!(" ({})", visible(n)))
                    .unwrap_or_default()
            );
        }
    };
    match command.unwrap_or(IdentityCommand::List { json: false }) {
        IdentityCommand::Merge {
            addresses,
            name,
            author,
        } => print(
            "merged",
            &identity::merge(case, &addresses, name.as_deref(), &who(author))?,
        ),
        IdentityCommand::Split { address, author } => {
            print("split", &identity::split(case, &address, &who(author))?)
        }
        IdentityCommand::Rename {
            address,
            name,
            author,
        } => print(
            "renamed",
            &identity::rename(case, &address, &name, &who(author))?,
        ),
        IdentityCommand::Dismiss {
            addresses,
            undo,
            author,
        } => {
            let r = identity::dismiss(case, &addresses, !undo, &who(author))?;
            println!(
                "{}: {}",
                if r.dismissed {
                    "dismissed"
                } else {
                    "shown again"
                },
                visible(&r.addresses.join(", "))
            );
        }
        IdentityCommand::List { json } => {
            let ids = identity::list(case)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (key, name, addresses) in ids.people() {
                if json {
                    let v = serde_json::json!({
                        "person": key,
                        "name": name,
                        "addresses": addresses,
                    });
                    writeln!(out, "{v}")?;
                } else {
                    writeln!(
                        out,
                        "{}: {}",
                        visible(name.as_deref().unwrap_or("(names seen)")),
                        visible(&addresses.join(", "))
                    )?;
                }
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How `mailsift people` prints.
pub enum PeopleFormat {
    Text,
    Json,
    Csv,
}

pub fn people(
    case: &Path,
    query: &str,
    format: PeopleFormat,
    sort: &str,
    limit: Option<usize>,
    filter: Option<String>,
) -> Result<ExitCode> {
    let sort: PeopleSort = sort.parse().map_err(|e: String| anyhow::anyhow!("{e}"))?;
    let start = Instant::now();
    let b = Browser::open(case)?;
    let census = people::census(&b, query)?;
    let opts = PeopleOptions {
        sort,
        filter,
        limit,
        ..PeopleOptions::default()
    };
    let list = census.people(&opts);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        PeopleFormat::Json => {
            for p in &list {
                writeln!(out, "{}", p.to_json())?;
            }
        }
        PeopleFormat::Csv => {
            out.write_all(CSV_HEADER.as_bytes())?;
            for p in &list {
                out.write_all(p.csv_line().as_bytes())?;
            }
        }
        PeopleFormat::Text => {
            write_table(&mut out, &list)?;
            // the suggestions about the people listed
            let listed: std::collections::HashSet<&str> =
                list.iter().map(|p| p.address.as_str()).collect();
            let suggestions: Vec<_> = census
                .suggestions()
                .into_iter()
                .filter(|s| s.addresses.iter().any(|a| listed.contains(a.as_str())))
                .collect();
            if !suggestions.is_empty() {
                writeln!(out, "\nSuggested merges (not applied):")?;
                for s in &suggestions {
                    writeln!(out, "  {}", visible(&s.evidence))?;
                }
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{} people in {} messages · {} ms",
        list.len(),
        census.messages(),
        start.elapsed().as_millis()
    );
    Ok(if list.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn day(d: Option<i64>) -> String {
    d.map(|t| rfc3339(t)[..10].to_string())
        .unwrap_or_else(|| "-".into())
}

fn write_table(out: &mut dyn Write, list: &[Person]) -> Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{:>8} {:>6} {:>8} {:>6}  {:<10} {:<10}  person",
        "messages", "sent", "received", "copied", "first", "last"
    )?;
    for p in list {
        let others = if p.names.len() > 1 {
            let rest: Vec<&str> = p.names[1..].iter().map(|(n, _)| n.as_str()).collect();
            format!("  (also: {})", rest.join("; "))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>8} {:>6} {:>8} {:>6}  {:<10} {:<10}  {}{}",
            p.messages,
            p.sent,
            p.received,
            p.copied,
            day(p.first),
            day(p.last),
            visible(&p.label()),
            visible(&others)
        )?;
    }
    Ok(())
}

pub fn graph(
    case: &Path,
    query: &str,
    format: &str,
    output: &Path,
    top: usize,
) -> Result<ExitCode> {
    let format: GraphFormat = format.parse().map_err(|e: String| anyhow::anyhow!("{e}"))?;
    let start = Instant::now();
    let b = Browser::open(case)?;
    let census = people::census(&b, query)?;
    let g = graph::graph(&census, top);
    if g.nodes.is_empty() {
        eprintln!(
            "no people in {} messages; nothing written",
            census.messages()
        );
        return Ok(ExitCode::from(1));
    }
    graph::write(&g, format, output)?;
    eprintln!(
        "wrote {} people (of {}) and {} edges from {} messages to {} · {} ms",
        g.nodes.len(),
        g.people,
        g.edges.len(),
        census.messages(),
        output.display(),
        start.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}
