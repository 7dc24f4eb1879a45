//! What both readers share: numbers as Excel's General format shows them,
//! date serials as dates, which number formats are dates ([`Styles`]), and
//! writing a sheet's cells row by row under its heading ([`Rows`],
//! [`sheet`]).

use crate::extract::ExtractError;
use crate::extract::sink::Sink;

/// Empty columns before a cell written as at most this many tabs.
const MAX_GAP_TABS: u32 = 16;

/// A number as Excel's General format shows it: integers without a
/// fraction, others rounded to 15 significant digits.
pub(super) fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// An Excel date serial as a date (and time, when it has one).
pub(super) fn date(serial: f64, is_1904: bool) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return number(serial);
    }
    let mut secs = (serial.fract() * 86_400.0).round() as i64;
    let mut whole = serial.trunc() as i64;
    if secs >= 86_400 {
        whole += 1;
        secs -= 86_400;
    }
    let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if whole == 0 && !is_1904 {
        return time;
    }
    let day = if is_1904 {
        // 1904-01-01 is day 0.
        whole - 24_107
    } else if whole == 60 {
        // Excel's 1900-02-29, which never was.
        return if secs > 0 {
            format!("1900-02-29 {time}")
        } else {
            "1900-02-29".into()
        };
    } else if whole < 60 {
        whole - 25_568
    } else {
        whole - 25_569
    };
    let (y, m, d) = crate::time::civil_from_days(day);
    if secs > 0 {
        format!("{y:04}-{m:02}-{d:02} {time}")
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Whether a number format shows dates or times: a built-in date format,
/// or a format code with date/time letters outside quotes, brackets and
/// escapes.
pub(super) fn is_date_format(id: u32, code: Option<&str>) -> bool {
    if matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58) {
        return true;
    }
    let Some(code) = code else {
        return false;
    };
    let mut chars = code.chars();
    let mut section = String::new();
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            '[' => {
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                // Elapsed time ([h], [mm], [ss]) is a time format.
                if inner
                    .chars()
                    .all(|c| matches!(c.to_ascii_lowercase(), 'h' | 'm' | 's'))
                {
                    section.push('h');
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            c => section.push(c.to_ascii_lowercase()),
        }
    }
    let section = section.replace("general", "");
    section.contains(['d', 'y', 'h', 's']) || (section.contains('m') && !section.contains('e'))
}

/// Number formats of a workbook: which cell styles show dates.
#[derive(Default)]
pub(super) struct Styles {
    /// Style index → shows a date.
    pub(super) date: Vec<bool>,
    pub(super) is_1904: bool,
}

impl Styles {
    pub(super) fn is_date(&self, style: usize) -> bool {
        self.date.get(style).copied().unwrap_or(false)
    }
}

/// Cell text of one sheet, written row by row.
pub(super) struct Rows<'s> {
    pub(super) sink: &'s mut Sink,
    row: Option<u32>,
    col: u32,
}

impl Rows<'_> {
    pub(super) fn cell(&mut self, row: u32, col: u32, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        if self.row != Some(row) {
            if self.row.is_some() {
                self.sink.line_end();
            }
            self.row = Some(row);
            self.col = 0;
        }
        for _ in 0..col.saturating_sub(self.col).min(MAX_GAP_TABS) {
            self.sink.tab();
        }
        self.col = col;
        // A cell's own line breaks and tabs become spaces.
        if text.contains(['\n', '\t', '\r']) {
            self.sink.text(&text.replace(['\n', '\t', '\r'], " "));
        } else {
            self.sink.text(text);
        }
    }
}

/// Writes one sheet under its heading (dropped when the sheet is empty).
pub(super) fn sheet(
    sink: &mut Sink,
    name: &str,
    write: impl FnOnce(&mut Rows<'_>) -> Result<(), ExtractError>,
) -> Result<(), ExtractError> {
    let mark = sink.mark();
    sink.heading(name);
    let before = sink.mark();
    let mut rows = Rows {
        sink: &mut *sink,
        row: None,
        col: 0,
    };
    write(&mut rows)?;
    sink.line_end();
    if sink.mark() == before {
        sink.rewind(mark);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_general_format() {
        assert_eq!(number(42.0), "42");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(1234.5678), "1234.5678");
        assert_eq!(number(1e20), "100000000000000000000");
    }

    #[test]
    fn dates_from_serials() {
        assert_eq!(date(42_576.0, false), "2016-07-25");
        assert_eq!(date(42_576.5, false), "2016-07-25 12:00:00");
        assert_eq!(date(1.0, false), "1900-01-01");
        assert_eq!(date(59.0, false), "1900-02-28");
        assert_eq!(date(60.0, false), "1900-02-29");
        assert_eq!(date(61.0, false), "1900-03-01");
        assert_eq!(date(0.75, false), "18:00:00");
        assert_eq!(date(0.0, true), "1904-01-01");
        assert_eq!(date(41_114.0, true), "2016-07-25");
        assert_eq!(date(-5.0, false), "-5");
    }

    #[test]
    fn date_formats() {
        assert!(is_date_format(14, None));
        assert!(is_date_format(164, Some("yyyy\\-mm\\-dd")));
        assert!(is_date_format(165, Some("[$-409]d-mmm-yy;@")));
        assert!(is_date_format(166, Some("[h]:mm:ss")));
        assert!(is_date_format(167, Some("hh:mm")));
        assert!(!is_date_format(0, Some("General")));
        assert!(!is_date_format(168, Some("#,##0.00 \"days\"")));
        assert!(!is_date_format(169, Some("[$€-407] #,##0.00")));
        assert!(!is_date_format(170, Some("0.00E+00")));
        assert!(!is_date_format(2, None));
    }
}
