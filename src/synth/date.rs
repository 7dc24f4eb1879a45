//! Calendar arithmetic and date formatting for generated mail: Unix time to
//! civil date, US daylight-saving rules for the fictional cast's time zones,
//! RFC 5322 `Date:` values, mbox `From_` line dates and Outlook-style
//! "Sent:" lines. Pure integer arithmetic; never reads the clock.

/// Unix time of 2015-01-05 00:00:00 UTC.
pub const START_2015: i64 = 1_420_416_000;
/// Unix time of 2016-11-30 00:00:00 UTC.
pub const END_2016: i64 = 1_480_464_000;
/// Unix time of 2016-12-31 23:59:59 UTC.
pub const LAST_2016: i64 = 1_483_228_799;

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const LONG_DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub use crate::time::{civil_from_days, days_from_civil};

/// A broken-down local time.
#[derive(Clone, Copy, Debug)]
pub struct Local {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Thursday (1970-01-01), as indices into the day tables.
    pub weekday: usize,
    /// Offset from UTC in minutes.
    pub offset: i32,
    pub zone_name: Option<&'static str>,
}

/// The time zones of the cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    UsEastern,
    UsCentral,
    UsPacific,
    Utc,
    Berlin,
    Moscow,
    Tokyo,
    Athens,
}

fn us_dst(t: i64) -> bool {
    // Second Sunday of March 2:00 local to first Sunday of November 2:00 local;
    // approximated at 07:00 UTC, close enough for generated mail.
    let (y, _, _) = civil_from_days(t.div_euclid(86_400));
    let second_sunday_march = nth_sunday(y, 3, 2);
    let first_sunday_nov = nth_sunday(y, 11, 1);
    let start = second_sunday_march * 86_400 + 7 * 3600;
    let end = first_sunday_nov * 86_400 + 6 * 3600;
    t >= start && t < end
}

fn eu_dst(t: i64) -> bool {
    // Last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    let (y, _, _) = civil_from_days(t.div_euclid(86_400));
    let start = last_sunday(y, 3) * 86_400 + 3600;
    let end = last_sunday(y, 10) * 86_400 + 3600;
    t >= start && t < end
}

fn weekday_of_days(days: i64) -> usize {
    days.rem_euclid(7) as usize
}

fn nth_sunday(y: i64, m: u32, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    // weekday index 3 is Sunday.
    let wd = weekday_of_days(first) as i64;
    let delta = (3 - wd).rem_euclid(7);
    first + delta + 7 * (n - 1)
}

fn last_sunday(y: i64, m: u32) -> i64 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = next - 1;
    let wd = weekday_of_days(last) as i64;
    last - (wd - 3).rem_euclid(7)
}

impl Zone {
    /// Offset in minutes and the abbreviation some MUAs append.
    pub fn offset_at(self, t: i64) -> (i32, &'static str) {
        match self {
            Zone::UsEastern => {
                if us_dst(t) {
                    (-240, "EDT")
                } else {
                    (-300, "EST")
                }
            }
            Zone::UsCentral => {
                if us_dst(t) {
                    (-300, "CDT")
                } else {
                    (-360, "CST")
                }
            }
            Zone::UsPacific => {
                if us_dst(t) {
                    (-420, "PDT")
                } else {
                    (-480, "PST")
                }
            }
            Zone::Utc => (0, "UTC"),
            Zone::Berlin => {
                if eu_dst(t) {
                    (120, "CEST")
                } else {
                    (60, "CET")
                }
            }
            Zone::Moscow => (180, "MSK"),
            Zone::Tokyo => (540, "JST"),
            Zone::Athens => {
                if eu_dst(t) {
                    (180, "EEST")
                } else {
                    (120, "EET")
                }
            }
        }
    }
}

/// `t` seen in `zone`; `with_name` keeps the zone abbreviation.
pub fn local(t: i64, zone: Zone, with_name: bool) -> Local {
    let (offset, name) = zone.offset_at(t);
    let lt = t + i64::from(offset) * 60;
    let days = lt.div_euclid(86_400);
    let secs = lt.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Local {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        weekday: weekday_of_days(days),
        offset,
        zone_name: if with_name { Some(name) } else { None },
    }
}

fn offset_str(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("{sign}{:02}{:02}", a / 60, a % 60)
}

/// RFC 5322 date, e.g. `Mon, 12 Oct 2015 14:02:11 -0400 (EDT)`.
pub fn rfc5322(l: &Local) -> String {
    let mut s = format!(
        "{}, {} {} {} {:02}:{:02}:{:02} {}",
        DAYS[l.weekday],
        l.day,
        MONTHS[l.month as usize - 1],
        l.year,
        l.hour,
        l.minute,
        l.second,
        offset_str(l.offset)
    );
    if let Some(n) = l.zone_name {
        s.push_str(&format!(" ({n})"));
    }
    s
}

/// Classic mbox `From_` date (asctime, UTC): `Mon Oct 12 18:02:11 2015`.
pub fn asctime_utc(t: i64) -> String {
    let l = local(t, Zone::Utc, false);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[l.weekday],
        MONTHS[l.month as usize - 1],
        l.day,
        l.hour,
        l.minute,
        l.second,
        l.year
    )
}

/// Google Takeout `From_` date: `Mon Oct 12 18:02:11 +0000 2015`.
pub fn takeout_utc(t: i64) -> String {
    let l = local(t, Zone::Utc, false);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} +0000 {}",
        DAYS[l.weekday],
        MONTHS[l.month as usize - 1],
        l.day,
        l.hour,
        l.minute,
        l.second,
        l.year
    )
}

/// Outlook's `Sent: Monday, October 12, 2015 2:02 PM`.
pub fn outlook_sent(l: &Local) -> String {
    let (h12, ampm) = match l.hour {
        0 => (12, "AM"),
        1..=11 => (l.hour, "AM"),
        12 => (12, "PM"),
        _ => (l.hour - 12, "PM"),
    };
    format!(
        "{}, {} {}, {} {}:{:02} {}",
        LONG_DAYS[l.weekday],
        LONG_MONTHS[l.month as usize - 1],
        l.day,
        l.year,
        h12,
        l.minute,
        ampm
    )
}

/// Gmail's attribution date: `Mon, Oct 12, 2015 at 2:02 PM`.
pub fn gmail_attrib(l: &Local) -> String {
    let (h12, ampm) = match l.hour {
        0 => (12, "AM"),
        1..=11 => (l.hour, "AM"),
        12 => (12, "PM"),
        _ => (l.hour - 12, "PM"),
    };
    format!(
        "{}, {} {}, {} at {}:{:02} {}",
        DAYS[l.weekday],
        MONTHS[l.month as usize - 1],
        l.day,
        l.year,
        h12,
        l.minute,
        ampm
    )
}

/// Short US date `10/12/2015`.
pub fn us_short(l: &Local) -> String {
    format!("{}/{}/{}", l.month, l.day, l.year)
}

/// PDF date string `D:20151012140211-04'00'`.
pub fn pdf_date(l: &Local) -> String {
    let sign = if l.offset < 0 { '-' } else { '+' };
    let a = l.offset.abs();
    format!(
        "D:{}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        l.year,
        l.month,
        l.day,
        l.hour,
        l.minute,
        l.second,
        a / 60,
        a % 60
    )
}

/// ISO 8601 UTC `2015-10-12T18:02:11Z`.
pub fn iso_utc(t: i64) -> String {
    let l = local(t, Zone::Utc, false);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        l.year, l.month, l.day, l.hour, l.minute, l.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2015-10-12 18:02:11 UTC was a Monday; EDT in New York.
        let t = days_from_civil(2015, 10, 12) * 86_400 + 18 * 3600 + 2 * 60 + 11;
        assert_eq!(t, 1_444_672_931);
        let l = local(t, Zone::UsEastern, true);
        assert_eq!(rfc5322(&l), "Mon, 12 Oct 2015 14:02:11 -0400 (EDT)");
        assert_eq!(asctime_utc(t), "Mon Oct 12 18:02:11 2015");
        assert_eq!(takeout_utc(t), "Mon Oct 12 18:02:11 +0000 2015");
        assert_eq!(outlook_sent(&l), "Monday, October 12, 2015 2:02 PM");
        let w = local(
            days_from_civil(2016, 1, 20) * 86_400,
            Zone::UsEastern,
            false,
        );
        assert_eq!(rfc5322(&w), "Tue, 19 Jan 2016 19:00:00 -0500");
        assert_eq!(days_from_civil(2015, 1, 5) * 86_400, START_2015);
        assert_eq!(days_from_civil(2016, 11, 30) * 86_400, END_2016);
        assert_eq!(days_from_civil(2017, 1, 1) * 86_400 - 1, LAST_2016);
        for d in -1000..1000 {
            let (y, m, dd) = civil_from_days(16_000 + d);
            assert_eq!(days_from_civil(y, m, dd), 16_000 + d);
        }
        // US DST 2016 began Sunday March 13.
        assert_eq!(nth_sunday(2016, 3, 2), days_from_civil(2016, 3, 13));
        assert_eq!(last_sunday(2015, 10), days_from_civil(2015, 10, 25));
    }
}
