//! `mailsift keys add / list`: DKIM keys for a case, and the messages
//! verified again when keys are added.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

/// `mailsift keys …`
#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add DKIM public keys from FILEs (DNS zone-style lines, the DKIM
    /// Archive API's JSON, or a PEM public key with --selector and
    /// --domain), then verify again the messages they can change and the
    /// messages never verified (with no FILE, only that).
    Add {
        case: PathBuf,
        files: Vec<PathBuf>,
        /// The selector of a PEM key.
        #[arg(long, requires = "domain")]
        selector: Option<String>,
        /// The signing domain of a PEM key.
        #[arg(long, requires = "selector")]
        domain: Option<String>,
        /// Print the outcome as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The keys the case verifies with: the bundled archive and the added ones.
    List {
        case: PathBuf,
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `keys` command.
pub fn keys(command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::Add {
            case,
            files,
            selector,
            domain,
            json,
        } => {
            let r = mailsift::keys::add(&case, &files, selector.as_deref(), domain.as_deref())?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
            } else {
                print_add(&mut out, &r)?;
            }
            let none_read = !files.is_empty() && r.files.iter().all(|f| f.read == 0);
            Ok(if none_read {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        KeysCommand::List { case, json } => {
            let keys = mailsift::keys::list(&case)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&keys)?)?;
            } else {
                for k in &keys {
                    let origin = if k.bundled { "bundled" } else { "added" };
                    let period = k.period().map(|p| format!(" [{p}]")).unwrap_or_default();
                    writeln!(out, "{} ({origin}){period}: {}", k.dns_name(), k.source)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_add(out: &mut dyn Write, r: &mailsift::keys::AddReport) -> Result<()> {
    for f in &r.files {
        writeln!(
            out,
            "{}: {} keys read, {} new",
            f.path.display(),
            f.read,
            f.added
        )?;
        for refused in &f.refused {
            writeln!(out, "  refused line {}: {}", refused.line, refused.reason)?;
        }
    }
    if !r.added_per_domain.is_empty() {
        let list: Vec<String> = r
            .added_per_domain
            .iter()
            .map(|(d, n)| format!("{d} {n}"))
            .collect();
        writeln!(out, "added: {}", list.join(", "))?;
    }
    writeln!(
        out,
        "verified again: {} messages, {} changed verdict{}",
        r.reverified,
        r.changed.len(),
        if r.unreadable > 0 {
            format!(", {} could not be read from their sources", r.unreadable)
        } else {
            String::new()
        }
    )?;
    for c in &r.changed {
        writeln!(
            out,
            "  {} {} -> {}{}",
            c.id,
            c.before.map_or("unverified", |v| v.as_str()),
            c.after.as_str(),
            c.domain
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}
