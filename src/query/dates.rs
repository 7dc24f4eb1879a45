//! Date values: `date:`, `after:` and `before:` read into half-open UTC
//! intervals (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, ranges `A..B`), and the
//! coarsest dates that write an interval back for `Display`. The calendar
//! maths is [`crate::time`]'s.

use std::ops::Range;

use super::{Query, QueryError, Result};
use crate::time::{DAY, civil_from_days, days_from_civil, days_in_month};

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` → (its first second, the first second
/// after it).
fn parse_day(s: &str, span: Range<usize>) -> Result<(i64, i64)> {
    let bad = |msg: String| Err(QueryError::new(msg, span.clone()));
    let parts: Vec<&str> = s.split('-').collect();
    let well_formed = parts.len() <= 3
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return bad(format!("bad date {s:?}: use YYYY, YYYY-MM or YYYY-MM-DD"));
    }
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    let y = num(0).map_or(0, i64::from);
    if !(1900..=2199).contains(&y) {
        return bad("year must be between 1900 and 2199".to_string());
    }
    let Some(m) = num(1) else {
        return Ok((
            days_from_civil(y, 1, 1) * DAY,
            days_from_civil(y + 1, 1, 1) * DAY,
        ));
    };
    if !(1..=12).contains(&m) {
        return bad("month must be between 01 and 12".to_string());
    }
    let Some(d) = num(2) else {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        return Ok((
            days_from_civil(y, m, 1) * DAY,
            days_from_civil(ny, nm, 1) * DAY,
        ));
    };
    let last = days_in_month(y, m);
    if !(1..=last).contains(&d) {
        return bad(format!("no such day: {y:04}-{m:02} has {last} days"));
    }
    let day = days_from_civil(y, m, d);
    Ok((day * DAY, (day + 1) * DAY))
}

/// The value of `date:`, `after:` or `before:` (`kind`).
pub(super) fn date_value(kind: &str, v: &str, span: Range<usize>) -> Result<Query> {
    let Some(dots) = v.find("..") else {
        let (start, end) = parse_day(v, span)?;
        return Ok(match kind {
            "after" => Query::Date {
                start: Some(start),
                end: None,
            },
            "before" => Query::Date {
                start: None,
                end: Some(start),
            },
            _ => Query::Date {
                start: Some(start),
                end: Some(end),
            },
        });
    };
    if kind != "date" {
        return Err(QueryError::new(
            format!("{kind}: takes one date; use date:A..B for a range"),
            span,
        ));
    }
    let (a, b) = (&v[..dots], &v[dots + 2..]);
    if a.is_empty() && b.is_empty() {
        return Err(QueryError::new(
            "date range needs a start or an end, e.g. date:2016..2017",
            span,
        ));
    }
    let start = match a {
        "" => None,
        a => Some(parse_day(a, span.start..span.start + dots)?.0),
    };
    let end = match b {
        "" => None,
        b => Some(parse_day(b, span.start + dots + 2..span.end)?.1),
    };
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(QueryError::new("date range ends before it starts", span));
    }
    Ok(Query::Date { start, end })
}

/// The coarsest date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) that starts at
/// `secs` (rounded down to a day).
pub(super) fn date_starting_at(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    match (m, d) {
        (1, 1) => format!("{y:04}"),
        (_, 1) => format!("{y:04}-{m:02}"),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    }
}

/// The coarsest date that ends just before `secs` (rounded up to a day).
pub(super) fn date_ending_at(secs: i64) -> String {
    let days = secs.div_euclid(DAY) + i64::from(secs.rem_euclid(DAY) != 0);
    match civil_from_days(days) {
        (y, 1, 1) => format!("{:04}", y - 1),
        (y, m, 1) => format!("{y:04}-{:02}", m - 1),
        _ => {
            let (y, m, d) = civil_from_days(days - 1);
            format!("{y:04}-{m:02}-{d:02}")
        }
    }
}

/// `[s, e)` as a single `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, if it is one.
pub(super) fn single_date(s: i64, e: i64) -> Option<String> {
    if s.rem_euclid(DAY) != 0 {
        return None;
    }
    let (y, m, d) = civil_from_days(s.div_euclid(DAY));
    let next_month = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    if (m, d) == (1, 1) && e == days_from_civil(y + 1, 1, 1) * DAY {
        Some(format!("{y:04}"))
    } else if d == 1 && e == days_from_civil(next_month.0, next_month.1, 1) * DAY {
        Some(format!("{y:04}-{m:02}"))
    } else if e == s.saturating_add(DAY) {
        Some(format!("{y:04}-{m:02}-{d:02}"))
    } else {
        None
    }
}
