//! `mailsift people` and `mailsift graph`: printing and writing only; the
//! work is in `mailsift::people` and `mailsift::graph`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use mailsift::browse::Browser;
use mailsift::display::visible;
use mailsift::graph::{self, GraphFormat};
use mailsift::people::{self, CSV_HEADER, PeopleOptions, PeopleSort, Person};
use mailsift::time::rfc3339;

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
