//! `mailsift patterns`: printing only; the values are counted by
//! `mailsift::Browser::mentions` (the index's `mention` column).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use mailsift::browse::Browser;
use mailsift::display::visible;
use mailsift::export::csv_cell;
use mailsift::patterns::Kind;

/// How `mailsift patterns` prints.
pub enum PatternsFormat {
    Text,
    Json,
    Csv,
}

/// Lists each value found in the text of the messages matching `query`
/// (all when empty) with its message count, most frequent first; exit
/// status 1 when there is none.
pub fn patterns(
    case: &Path,
    query: &str,
    kind: Option<&str>,
    format: PatternsFormat,
    limit: Option<usize>,
) -> Result<ExitCode> {
    let kind = match kind {
        Some(k) => Some(Kind::from_name(k).ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            anyhow!("unknown kind {k:?}; use one of {}", names.join(", "))
        })?),
        None => None,
    };
    let b = Browser::open(case)?;
    let mut list = b.mentions(query, kind)?;
    if let Some(n) = limit {
        list.truncate(n);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        PatternsFormat::Json => {
            for (m, n) in &list {
                let v = serde_json::json!({"kind": m.kind.name(), "value": m.value, "messages": n});
                writeln!(out, "{v}")?;
            }
        }
        PatternsFormat::Csv => {
            write!(out, "kind,value,messages\r\n")?;
            for (m, n) in &list {
                write!(
                    out,
                    "{},{},{n}\r\n",
                    csv_cell(m.kind.name()),
                    csv_cell(&m.value)
                )?;
            }
        }
        PatternsFormat::Text => {
            for (m, n) in &list {
                writeln!(out, "{n:>8}  {:<6}  {}", m.kind.name(), visible(&m.value))?;
            }
        }
    }
    out.flush()?;
    if list.is_empty() {
        eprintln!("mailsift: no patterns found");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
