//! The canonical form: `Display` for [`Query`] writes text that parses
//! back to the same tree (a term that would not read back as itself is
//! written as a phrase).

use std::fmt;

use super::dates::{date_ending_at, date_starting_at, single_date};
use super::{Field, Mode, Query, parse};
use crate::time::{DAY, civil_from_days};

fn field_prefix(field: Field) -> String {
    match field {
        Field::Any => String::new(),
        f => format!("{}:", f.name()),
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\\\""))
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_str("*"),
            Query::Term { field, text, mode } => {
                let suffix = match mode {
                    Mode::Exact => String::new(),
                    Mode::Prefix => "*".to_string(),
                    Mode::Fuzzy(1) => "~".to_string(),
                    Mode::Fuzzy(n) => format!("~{n}"),
                };
                let word = format!("{}{text}{suffix}", field_prefix(*field));
                // A term is written bare only if that reads back as itself;
                // otherwise (only for trees not made by `parse`) as a phrase.
                if parse(&word).is_ok_and(|q| q == *self) {
                    f.write_str(&word)
                } else {
                    write!(f, "{}{}", field_prefix(*field), quoted(text))
                }
            }
            Query::Phrase { field, text } => {
                write!(f, "{}{}", field_prefix(*field), quoted(text))
            }
            Query::Domain { field, domain } => {
                let word = format!("{}@{domain}", field_prefix(*field));
                if parse(&word).is_ok_and(|q| q == *self) {
                    f.write_str(&word)
                } else {
                    write!(
                        f,
                        "{}{}",
                        field_prefix(*field),
                        quoted(&format!("@{domain}"))
                    )
                }
            }
            Query::Date { start, end } => match (start, end) {
                (None, None) => f.write_str("*"),
                (Some(s), None) => write!(f, "after:{}", date_starting_at(*s)),
                (None, Some(e)) => {
                    let (y, _, _) = civil_from_days(e.div_euclid(DAY));
                    if (1900..=2199).contains(&y) {
                        write!(f, "before:{}", date_starting_at(*e))
                    } else {
                        write!(f, "date:..{}", date_ending_at(*e))
                    }
                }
                (Some(s), Some(e)) => match single_date(*s, *e) {
                    Some(d) => write!(f, "date:{d}"),
                    None => write!(f, "date:{}..{}", date_starting_at(*s), date_ending_at(*e)),
                },
            },
            Query::HasAttachment => f.write_str("has:attachment"),
            Query::HasNote => f.write_str("has:note"),
            Query::HasPattern(kind) => write!(f, "has:{}", kind.name()),
            Query::Is(flag) => write!(f, "is:{}", flag.name()),
            Query::And(items) => {
                if items.is_empty() {
                    return f.write_str("*");
                }
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match q {
                        Query::And(_) | Query::Or(_) => write!(f, "({q})")?,
                        q => write!(f, "{q}")?,
                    }
                }
                Ok(())
            }
            Query::Or(items) => {
                if items.is_empty() {
                    // Matches nothing.
                    return f.write_str("-*");
                }
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match q {
                        Query::Or(_) => write!(f, "({q})")?,
                        q => write!(f, "{q}")?,
                    }
                }
                Ok(())
            }
            Query::Not(q) => match &**q {
                Query::And(_) | Query::Or(_) => write!(f, "-({q})"),
                q => write!(f, "-{q}"),
            },
        }
    }
}
